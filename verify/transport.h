/* transport.h -- how the check (plugin.c) reaches an implementation under test: a shared object
   called in a forked child (dlcall.c), or an adapter process spoken to in JSON lines (exec.c).
   Internal to verify/. */
#ifndef DNNPROOF_VERIFY_TRANSPORT_H
#define DNNPROOF_VERIFY_TRANSPORT_H

#include "abi.h"
#include "plugin.h"

typedef struct {
    /* One isolated call of op k->op in the precision; out (k->q doubles) gets the outputs.
       DP_OK with *kind how the implementation behaved (VR_PK_PASS: out holds its outputs, NaN
       included) and note the reason otherwise; or an error of dnnproof's own (no memory, no
       fork), which ends the check. */
    int (*call)(void *self, vr_plugin_kind *kind, double *out, char *note, size_t len,
                const vr_call *k, int f32, double timeout);
    void (*close)(void *self);
} vr_transport;

struct vr_plugin {
    const vr_transport *t;
    void *self;
    int has[VR_NOPS][2]; /* [op][f32]: the implementation provides it */
    char *name;          /* the path or the command, for reports */
    const char *flag;    /* how to name it again on the command line: "--plugin", "--exec" */
};

/* A vr_plugin around self, with a copy of name; NULL when out of memory (self is then the
   caller's to close). */
vr_plugin *vr_plugin_new(const vr_transport *t, void *self, const char *name, const char *flag);

#endif
