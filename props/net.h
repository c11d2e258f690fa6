/* net.h -- the network instances of §5 and §6: depth p, widths, n samples, parameters packed
   W^1, b^1, W^2, b^2, ..., a generator, and the global loss composed from the library's layers
   with its ReLU arguments reported for the kink handling (net.c). */
#ifndef DNNPROOF_PROPS_NET_H
#define DNNPROOF_PROPS_NET_H

#include "props.h"

enum { NET_MAXP = 4 };

typedef struct {
    size_t p, n, m[NET_MAXP + 1];
    const double *W[NET_MAXP], *b[NET_MAXP], *X, *Y;
    size_t offW[NET_MAXP], offb[NET_MAXP], nparam, nk;
} net;

/* The forward pass of one sample: a[0] = x, z[k] = L^k(a[k]), a[k+1] = ReLU(z[k]) for k < p-1. */
typedef struct {
    mpfr_ptr a[NET_MAXP], z[NET_MAXP];
} net_pass;

int net_read(net *N, const vr_case *c);                   /* 0 if the instance is malformed */
int net_generate(vr_case *c, vr_src *src, size_t size, size_t pmin, int multi_hot);
int net_forward(net_pass *ps, const net *N, mpfr_srcptr theta, mpfr_srcptr x, mpfr_ptr pre,
                const signed char *mask, dp_mpws *ws);
/* ξ^global(θ) as a vr_fn: data is a net. */
int net_loss(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr theta, const void *data,
             const signed char *mask, dp_mpws *ws);
/* ∇ξ^global(θ) from the library (vr_lib->global_loss_gradient_mp), flattened like θ. */
int net_gradient(mpfr_ptr J, mpfr_srcptr theta, const void *data, dp_mpws *ws);
double *net_pack(const net *N);                           /* θ as doubles (malloc'd) */
unsigned net_classes(const net *N);
void net_entry_name(char *buf, size_t len, size_t i, size_t j, const void *data);

#endif
