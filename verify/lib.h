/* lib.h -- the table of the library's mathematical functions that the propositions call.
   The built-in table holds src/'s functions; a test swaps one entry for a deliberately wrong one
   and expects the proposition that rests on it to be refuted. */
#ifndef DNNPROOF_VERIFY_LIB_H
#define DNNPROOF_VERIFY_LIB_H

#include "dnnproof.h"

typedef struct {
    int (*relu)(double *, const double *, size_t);
    int (*relu_mp)(mpfr_ptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*relu_jacobian)(double *, const double *, size_t);
    int (*relu_jacobian_mp)(mpfr_ptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*softmax)(double *, const double *, size_t);
    int (*softmax_mp)(mpfr_ptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*softmax_jacobian)(double *, const double *, size_t);
    int (*softmax_jacobian_mp)(mpfr_ptr, mpfr_srcptr, size_t, dp_mpws *);

    int (*cce)(double *, const double *, const double *, size_t);
    int (*cce_mp)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*cce_gradient)(double *, const double *, const double *, size_t);
    int (*cce_gradient_mp)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*softmax_cce)(double *, const double *, const double *, size_t);
    int (*softmax_cce_mp)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*softmax_cce_gradient)(double *, const double *, const double *, size_t);
    int (*softmax_cce_gradient_mp)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*softmax_cce_gradient_general)(double *, const double *, const double *, size_t);
    int (*softmax_cce_gradient_general_mp)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);

    int (*dense)(double *, const double *, const double *, const double *, size_t, size_t);
    int (*dense_mp)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_srcptr, size_t, size_t, dp_mpws *);
    int (*dense_jacobian_y)(double *, const double *, size_t, size_t);
    int (*dense_jacobian_y_mp)(mpfr_ptr, mpfr_srcptr, size_t, size_t, dp_mpws *);
    int (*dense_gradient_w)(double *, const double *, size_t);
    int (*dense_gradient_w_mp)(mpfr_ptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*dense_jacobian_b)(double *, size_t);
    int (*dense_jacobian_b_mp)(mpfr_ptr, size_t, dp_mpws *);
    int (*dense_backward)(double *, double *, double *, const double *, const double *,
                          const double *, size_t, size_t);
    int (*dense_backward_mp)(mpfr_ptr, mpfr_ptr, mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_srcptr,
                             size_t, size_t, dp_mpws *);
    int (*dense_relu_backward)(double *, double *, double *, const double *, const double *,
                               const double *, const double *, size_t, size_t);
    int (*dense_relu_backward_mp)(mpfr_ptr, mpfr_ptr, mpfr_ptr, mpfr_srcptr, mpfr_srcptr,
                                  mpfr_srcptr, mpfr_srcptr, size_t, size_t, dp_mpws *);

    int (*network)(double *, const dp_net *, const double *, dp_netws *);
    int (*network_mp)(mpfr_ptr, const dp_net_mp *, mpfr_srcptr, dp_mpws *);
    int (*global_loss)(double *, const dp_net *, const double *, const double *, size_t,
                       dp_netws *);
    int (*global_loss_mp)(mpfr_ptr, const dp_net_mp *, mpfr_srcptr, mpfr_srcptr, size_t,
                          dp_mpws *);
    int (*global_loss_gradient)(double *, double *const *, double *const *, const dp_net *,
                                const double *, const double *, size_t, dp_netws *);
    int (*global_loss_gradient_mp)(mpfr_ptr, mpfr_ptr const *, mpfr_ptr const *,
                                   const dp_net_mp *, mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);
    int (*sgd_step)(double *, dp_net *, double *const *, double *const *, double, const double *,
                    const double *, size_t, dp_netws *);
    int (*sgd_step_mp)(mpfr_ptr, dp_net_mp *, mpfr_ptr const *, mpfr_ptr const *, mpfr_srcptr,
                       mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);
} vr_impl;

extern const vr_impl vr_builtin; /* every entry is the library's function */
extern const vr_impl *vr_lib;    /* what the propositions call: &vr_builtin unless a test says */

#endif
