/* consistency.h -- an implementation's own consistency, a diagnostic of `dnnproof check`
   (docs/plugin.md, "Self-consistency"): central finite differences of ITS forward ops, called
   through its transport (transport.h) in its own precision, against ITS derivative ops.  It
   never changes the check's verdicts: it tells whether a derivative is at least the derivative
   of the implementation's own forward, which is a different bug from an inaccurate forward, and
   it is the only check there is for parts the MPFR references do not cover.

   The pairs (each present when the implementation provides every op it names):
     relu_jacobian          <- relu
     softmax_jacobian       <- softmax
     cce_gradient           <- cce, as a function of y (y > 0 kept inside the domain)
     softmax_cce_gradient   <- z -> cce(yhat, softmax(z))
     dense_relu_backward    <- (y, W, b) -> g_up . relu(dense(y, W, b))
     network_gradient       <- its own loss output, as a function of every W and b entry */
#ifndef DNNPROOF_VERIFY_CONSISTENCY_H
#define DNNPROOF_VERIFY_CONSISTENCY_H

#include <stdio.h>
#include <jansson.h>
#include "plugin.h"

enum {
    VR_CONS_NPAIRS = 6,
    VR_CONS_MAX = 2 * VR_CONS_NPAIRS, /* results: one per pair and precision */
    VR_CONS_INSTANCES = 5             /* instances per pair (fewer when --cases is smaller) */
};
/* An entry is inconsistent when |FD - D| exceeds this many times the FD's error estimate. */
#define VR_CONS_FACTOR 8.0

typedef enum { VR_CONSISTENT, VR_INCONSISTENT, VR_CONS_UNDECIDED } vr_consistency_verdict;
const char *vr_consistency_word(vr_consistency_verdict v); /* "consistent", "INCONSISTENT", ... */

/* One pair in one precision. */
typedef struct {
    const char *op;      /* the derivative op: "softmax_jacobian" */
    const char *of;      /* what it is the derivative of: "softmax", "cce(yhat, softmax(z))" */
    int f32;             /* 1: the float32 functions */
    vr_consistency_verdict verdict;
    size_t instances;    /* instances checked to the end */
    size_t entries;      /* derivative entries compared */
    size_t skipped;      /* entries not compared: their steps may cross a ReLU kink */
    double worst;        /* max over entries of |FD - D| / estimate (NAN: no entry compared) */
    char entry[48];      /* the worst entry: "J[0,1]", "g_W[1,0]", "gW2[0,1]" */
    double fd, d, est;   /* its finite difference, the derivative op's value, the FD's estimate */
    double h;            /* its step */
    char note[256];      /* why it is undecided ("the softmax failed (crash): ..."), or "" */
    char *token;         /* the worst entry's instance: a replay token (malloc'd), or NULL */
} vr_consistency;

/* Runs every pair pl provides (opt->ops, when not 0, selects pairs by their derivative op), in
   each precision it provides: res gets at most VR_CONS_MAX results, *n how many.  Instances are
   drawn from opt->seed; with opt->replay, a token of vr_consistency_is_token runs that one
   instance and any other token runs nothing (*n = 0).  A call that crashes, hangs, refuses or
   returns a non-finite value makes its pair undecided; it is never an error.  DP_EDOMAIN for a
   malformed consistency token or one of a pair pl does not provide; DP_ENOMEM. */
int vr_consistency_run(vr_consistency *res, size_t *n, vr_plugin *pl,
                       const vr_plugin_options *opt);
void vr_consistency_clear(vr_consistency *res, size_t n);

/* Whether token is a replay token of vr_consistency_run ("dp1:consistency/..."). */
int vr_consistency_is_token(const char *token);

/* Reports: one line per result, then the worst entry and its replay for each INCONSISTENT one
   (text); or a JSON array of one object per result, to be embedded (a new reference). */
void vr_consistency_report_text(FILE *f, const vr_consistency *res, size_t n,
                                const vr_plugin *pl);
json_t *vr_consistency_report_json(const vr_consistency *res, size_t n);

#endif
