/* plugin.h -- checking another implementation of the ABI's ops (dnnp_impl.h, abi.h): a shared
   object whose functions are called isolated in a forked child (vr_plugin_open), or an adapter
   process in any language speaking JSON lines (vr_exec_open, docs/protocol.md).  Each op it
   provides is called on generated instances and compared with the MPFR reference within bounds
   any backward-stable implementation meets (abi.c derives them; docs/plugin.md). */
#ifndef DNNPROOF_VERIFY_PLUGIN_H
#define DNNPROOF_VERIFY_PLUGIN_H

#include <jansson.h>
#include <stdio.h>
#include "abi.h"
#include "verify.h"

/* Why a case failed; VR_PK_PASS when it did not.  Every failure is the implementation's. */
typedef enum {
    VR_PK_PASS,
    VR_PK_WRONG,    /* an output beyond its error bound (or infinite where the reference is not) */
    VR_PK_NAN,      /* NaN where the reference is finite (or an output left unwritten) */
    VR_PK_REFUSED,  /* a non-zero return on a valid input */
    VR_PK_CRASH,    /* killed by a signal, or exited, during the call */
    VR_PK_TIMEOUT,  /* still running after the timeout: killed */
    VR_PK_GUARD,    /* wrote outside its outputs: a guard zone or an input changed */
    VR_PK_PROTOCOL, /* an adapter's response that breaks the protocol (docs/protocol.md) */
    VR_PK_NKINDS
} vr_plugin_kind;
const char *vr_plugin_kind_name(vr_plugin_kind k); /* "wrong", "nan", "crash", ... */

typedef struct vr_plugin vr_plugin;

/* Loads path (dlopen; a path without '/' is taken relative to the current directory, not
   searched for).  DP_EDOMAIN with a one-line reason in err when the file is missing, is not a
   shared object or exports no dnnp_ symbol; DP_ENOMEM. */
int vr_plugin_open(vr_plugin **out, const char *path, char *err, size_t errlen);
/* Starts `command` with /bin/sh -c and says hello (docs/protocol.md).  DP_EDOMAIN with a one-line
   reason when it cannot be started, does not answer hello within 60 s, answers it wrongly or
   lists no known op; DP_ENOMEM. */
int vr_exec_open(vr_plugin **out, const char *command, char *err, size_t errlen);
void vr_plugin_close(vr_plugin *pl);

typedef struct {
    uint64_t seed;
    size_t cases;       /* per op and precision */
    double timeout;     /* seconds a single call may take */
    const char *replay; /* a replay token: check only its case (NULL: generate) */
    unsigned ops;       /* bit op set: check only those ops (0: every op provided) */
} vr_plugin_options;

/* One op in one precision. */
typedef struct {
    const char *op;        /* "softmax": the symbol dnnp_softmax (or dnnp_softmax_f32) */
    int f32;               /* 1: the float32 function */
    vr_plugin_kind kind;   /* VR_PK_PASS, or why the counterexample fails */
    vr_summary s;          /* cases, max_err_ratio, the shrunk counterexample and its token */
} vr_plugin_verdict;

/* Checks every exported function: v gets one verdict per present op and precision (at most
   2 VR_NOPS), *n how many; with opt->replay, the one of the token's case.  DP_EDOMAIN
   for a malformed token or one of an op the plugin does not export. */
int vr_plugin_check(vr_plugin_verdict *v, size_t *n, vr_plugin *pl,
                    const vr_plugin_options *opt);
void vr_plugin_verdict_clear(vr_plugin_verdict *v);

/* Reports: one line per verdict, then each counterexample in full (text); or one JSON object. */
void vr_plugin_report_text(FILE *f, const vr_plugin_verdict *v, size_t n, const vr_plugin *pl,
                           const vr_plugin_options *opt);
void vr_plugin_report_json(FILE *f, const vr_plugin_verdict *v, size_t n, const vr_plugin *pl,
                           const vr_plugin_options *opt);
/* The JSON report as an object (a new reference), for a caller that adds to it. */
json_t *vr_plugin_report_object(const vr_plugin_verdict *v, size_t n, const vr_plugin *pl,
                                const vr_plugin_options *opt);

#endif
