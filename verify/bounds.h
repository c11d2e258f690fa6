/* bounds.h -- condition-aware error bounds of the double (or float) formulas (bounds*.c).
   bound[i] is the allowed |computed - exact| of output i for unit roundoff u, given the exact
   (reference) result; each function's comment in its .c file derives it. */
#ifndef DNNPROOF_BOUNDS_H
#define DNNPROOF_BOUNDS_H

#include <stddef.h>
#include <mpfr.h>

void vr_bound_softmax(double *bound, const double *z, size_t m, mpfr_srcptr S, double u);
void vr_bound_softmax_jacobian(double *bound, const double *z, size_t m, mpfr_srcptr J, double u);
void vr_bound_cce(double *bound, const double *yhat, const double *y, size_t m, double u);
void vr_bound_cce_gradient(double *bound, size_t m, mpfr_srcptr g, double u);
void vr_bound_softmax_cce(double *bound, const double *yhat, const double *z, size_t m, double u);
void vr_bound_softmax_cce_gradient(double *bound, const double *z, const double *yhat, size_t m,
                                   double c, mpfr_srcptr g, double u);
void vr_bound_dense(double *bound, const double *y, const double *W, const double *b, size_t m,
                    size_t mo, double u);

/* N(x) of dp_network, one sample (m[p] outputs). */
int vr_bound_network_output(double *bound, size_t p, const size_t *m, const double *const *W,
                            const double *const *b, const double *x, double u);
/* The loss then the gradient of dp_global_loss_gradient, packed W^1, b^1, W^2, ...: bound has
   1 + (number of parameters) entries.  Returns DP_ENOMEM if its scratch cannot be had. */
int vr_bound_network_gradient(double *bound, size_t p, const size_t *m, const double *const *W,
                              const double *const *b, const double *X, const double *Y, size_t n,
                              double u);

/* bounds_dense.c: whether b + sum_j Wrow_j y_j is computed exactly in every order of summation, in
   a precision of `bits` (53, or 24 for float) bits. */
int vr_row_exact(const double *y, const double *Wrow, double b, size_t m, int bits);

/* bounds_dense.c: outputs that are copies of inputs or constants (0 everywhere), and the partials
   of F_up o ReLU o L given g_up, packed [g_y (m) | g_W (mo x m) | g_b (mo)]. */
void vr_bound_exact(double *bound, size_t q);
void vr_bound_dense_relu_backward(double *bound, const double *y, const double *W, const double *b,
                                  const double *g_up, size_t m, size_t mo, double u);

/* bounds_loss.c: the double SoftMax of fl(z + c 1) against the exact S(z); the double sum of m
   computed terms each within b_j of v_j, against the exact sum of the v_j; and the roundings of
   src/'s MPFR formulas at precision prec for identity checks, from the computed S (m): |S~_j -
   S_j| (m), the asymmetry of the SoftMax Jacobian (m x m), its row sums (m), and the sum of a
   one-hot label's S(z) - yhat (1). */
void vr_bound_softmax_shift(double *bound, const double *z, double c, size_t m, mpfr_srcptr S,
                            double u);
double vr_bound_sum(const double *b, mpfr_srcptr v, size_t m, double u);
void vr_bound_softmax_mp(mpfr_ptr bound, mpfr_srcptr S, size_t m, mpfr_prec_t prec);
void vr_bound_softmax_jacobian_sym_mp(mpfr_ptr bound, mpfr_srcptr S, size_t m, mpfr_prec_t prec);
void vr_bound_softmax_jacobian_rowsum_mp(mpfr_ptr bound, mpfr_srcptr S, size_t m,
                                         mpfr_prec_t prec);
void vr_bound_softmax_cce_gradient_sum_mp(mpfr_ptr bound, size_t m, mpfr_prec_t prec);

#endif
