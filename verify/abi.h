/* abi.h -- the ops of the implementation ABI (dnnp_impl.h, docs/plugin.md), independent of how
   an implementation is reached (a plugin, an --exec adapter) or whether it is reached at all
   (golden vectors): the arguments of each op read from an instance, instances drawn from the
   runner's edge-biased generators, the MPFR reference and the error bound any backward-stable
   implementation meets.  Pure functions: no state. */
#ifndef DNNPROOF_VERIFY_ABI_H
#define DNNPROOF_VERIFY_ABI_H

#include "verify.h"

/* The ops, in the order of dnnp_impl.h. */
enum {
    VR_OP_RELU, VR_OP_RELU_JACOBIAN, VR_OP_SOFTMAX, VR_OP_SOFTMAX_JACOBIAN, VR_OP_CCE,
    VR_OP_CCE_GRADIENT, VR_OP_SOFTMAX_CCE_GRADIENT, VR_OP_DENSE, VR_OP_DENSE_RELU_BACKWARD,
    VR_OP_NETWORK_GRADIENT, VR_NOPS
};
/* "relu", ... : the symbol without its dnnp_ prefix and _f32 suffix; -1 for an unknown name. */
const char *vr_abi_name(int op);
int vr_abi_op(const char *name);

/* One call's arguments, read from an instance.  dims are the size_t arguments in order (network:
   p, n, then widths[0..p]); in[] the input arrays in the order of the signature, out[] the output
   lengths and names, packed in that order in one vector (network: the loss, then g_W[0], g_b[0],
   g_W[1], ...).  The names are the signature's (z, out, J, yhat, ...; network: X, Yhat, W1, b1,
   ..., loss, gW1, gb1, ...). */
enum { VR_ABI_MAXIO = 16, VR_ABI_MAXP = 6, VR_ABI_MAXW = 64, VR_ABI_MAXM = 4096 };

typedef struct {
    int op;
    size_t ndims, dims[VR_ABI_MAXP + 3];
    size_t nin, nout, inlen[VR_ABI_MAXIO], outlen[VR_ABI_MAXIO];
    const double *in[VR_ABI_MAXIO];
    const char *inname[VR_ABI_MAXIO];
    char outname[VR_ABI_MAXIO][24];
    size_t q; /* the outputs' total length */
} vr_call;

/* Fills k from c; 0 when c is not an instance of op (a malformed replay token, say). */
int vr_abi_marshal(vr_call *k, int op, const vr_case *c);

/* A new instance of op for the precision (f32: every value a float32 value). */
int vr_abi_generate(vr_case *c, vr_src *src, size_t size, int op, int f32);

/* The reference: the library's MPFR functions on the exact inputs, at ws's precision; out has
   k->q entries. */
int vr_abi_reference(mpfr_ptr out, const vr_call *k, dp_mpws *ws);

/* The bound on |got - ref| of each output entry for any backward-stable implementation in the
   precision (f32: u = 2^-24), b of k->q entries (abi.c derives them op by op).  DP_ENOMEM. */
int vr_abi_bound(double *b, const vr_call *k, mpfr_srcptr ref, int f32);

/* max_j z_j, and S(z) in double (good to a few u: enough for the size of a bound or of an
   estimate), for m >= 1. */
double vr_abi_max(const double *z, size_t m);
void vr_abi_softmax_d(double *S, const double *z, size_t m);

#endif
