/* bounds_dense.c -- error bounds of section 4's double formulas besides dense itself (bounds.c):
   the partials of L, which are copies, and dense_relu_backward, whose ReLU indicator may
   legitimately differ from the exact one where L(y, W, b)_j' is within dense's error of 0.
   Notation as in bounds.c: u the unit roundoff, eta the smallest subnormal; a rounding to
   nearest errs by at most u |result| + eta / 2 (the second term in gradual underflow).  eta / 2
   itself is below double's range (it rounds to 0), so each rounding is allowed a whole eta. */
#include <limits.h>
#include <math.h>
#include "verify.h"

static double eta_of(double u)
{
    return u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074;
}

/* gamma_k = k u / (1 - k u), Higham's bound on k relative roundings (Accuracy and Stability of
   Numerical Algorithms, lemma 3.1). */
static double gamma_of(size_t k, double u)
{
    return (double)k * u / (1 - (double)k * u);
}

/* dense_jacobian_y, dense_gradient_w and dense_jacobian_b copy W, y, 0 and 1: no rounding at
   all, so the double result must equal the exact one. */
void vr_bound_exact(double *bound, size_t q)
{
    for (size_t i = 0; i < q; i++)
        bound[i] = 0;
}

/* Whether b + sum_j W_j y_j is exact in the precision (bits = 53 or 24) in EVERY order of
   summation, with or without fma: then every implementation, plain loop, fma chain or BLAS,
   computes L exactly.  It is when every product W_j y_j is exact and every term t (the products
   and b) is a multiple of 2^e, e the least exponent of a term's lowest set bit, with
   sum |t| <= 2^bits 2^e: every partial sum in any order is then a multiple of 2^e no larger than
   2^bits 2^e, which the precision holds.  A product is exact when it is representable: for
   doubles, fma's residual is 0 and the product is far enough from underflow (|p| >= 2^-916) for
   the residual not to have underflowed to 0; for floats, the double product (exact: 48 bits) is a
   float. */
static int lowest_bit(double t)
{
    int e;
    double mant = frexp(fabs(t), &e); /* t = mant 2^e, mant in [1/2, 1[ */
    double M = ldexp(mant, 53);      /* an integer of at most 53 bits */
    e -= 53;
    while (fmod(M, 2) == 0)
        M /= 2, e++;
    return e;
}

int vr_row_exact(const double *y, const double *Wrow, double b, size_t m, int bits)
{
    double mag = fabs(b);
    int e = b != 0 ? lowest_bit(b) : INT_MAX;
    for (size_t j = 0; j < m; j++) {
        double p = Wrow[j] * y[j];
        if (bits == 24 ? (double)(float)p != p || !isfinite(p)
                       : !isfinite(p) || fma(Wrow[j], y[j], -p) != 0 ||
                             (p == 0 ? Wrow[j] != 0 && y[j] != 0 : fabs(p) < 0x1p-916))
            return 0;
        if (p != 0) {
            int ep = lowest_bit(p);
            e = ep < e ? ep : e;
            mag += fabs(p);
        }
    }
    return e == INT_MAX || mag < ldexp(1, bits + e); /* mag is exact while below */
}

/* Whether dense's documented chain for one row (docs/conventions.md: s = b, then s = fma(W_j, y_j,
   s) in index order) is exact at every step; then it gives L exactly, and so does its MPFR twin at
   any precision >= 53.  Each step's exact value W_j y_j + s is formed in t at EXACT_PREC: the
   product has 106 bits within [2^-2148, 2^2048[, s is a double, so 2048 + 2148 + 2 bits hold
   their sum. */
enum { EXACT_PREC = 4224 };

static int chain_exact(const double *y, const double *Wrow, double b, size_t m, mpfr_ptr t)
{
    double s = b;
    for (size_t j = 0; j < m; j++) {
        double r = fma(Wrow[j], y[j], s);
        mpfr_set_d(t, Wrow[j], MPFR_RNDN);
        mpfr_mul_d(t, t, y[j], MPFR_RNDN);
        mpfr_add_d(t, t, s, MPFR_RNDN);
        if (mpfr_cmp_d(t, r) != 0)
            return 0;
        s = r;
    }
    return 1;
}

/* dense_relu_backward computes L~ = dense(y, W, b), delta~_j' = L~_j' > 0 ? g_j' : 0, then
   g_W[j'][j] = fl(delta~_j' y_j), g_y_j = the fma chain s = fl(delta~_j' W_j'j + s) from s = 0 over
   j', g_b = delta~.  The exact partials use delta_j' = L_j' > 0 ? g_j' : 0.

   The indicator.  |L~_j' - L_j'| <= beta_j', dense's error: vr_bound_dense's (m + 1) u (|b_j'| +
   sum_j |W_j'j y_j|) + eta, plus (m - 1) eta so that each of the m fmas may lose eta / 2 to
   gradual underflow (vr_bound_dense allows one eta for all).  Where |L_j'| > beta_j', L~_j' has
   L_j''s sign and delta~_j' = delta_j' exactly.  Elsewhere the indicator may differ, and
   |delta~_j' - delta_j'| <= |g_j'|: unit j' is uncertain.  L is not known exactly here, so L^ is
   computed by the same fma chain (error <= beta_j' too) and a unit is called uncertain when
   |L^_j'| <= 2 beta_j', which contains every unit with |L_j'| <= beta_j' -- unless the documented
   chain is exact at every step (chain_exact): then L~ = L^ = L, and the indicator of a unit at
   L_j' = 0 (an exact kink, as in integer instances) must be the exact one.  A unit with
   L^_j' < -2 beta_j' has L_j' < -beta_j' and delta~_j' = delta_j' = 0; let a_j' = |g_j'| for the
   other units (positive or uncertain) and 0 for these, so that |delta~_j'|, |delta_j'| <= a_j'.

   g_b_j' = delta~_j': error 0, or |g_j'| where uncertain.
   g_W[j'][j]: |fl(delta~ y_j) - delta y_j| <= |delta~ - delta| |y_j| + u |delta~ y_j| + eta / 2
     <= [uncertain] |g_j' y_j| + u a_j' |y_j| + eta.
   g_y_j: the chain of mo fmas errs by gamma_mo sum_j' |delta~_j' W_j'j| + mo eta / 2 (each eta / 2
     carried by at most mo factors 1 + u), and using delta~ for delta adds the sum over uncertain
     j' of |g_j' W_j'j|: gamma_mo sum_j' a_j' |W_j'j| + sum_{uncertain j'} |g_j' W_j'j| + mo eta.
   The sums here are evaluated in double, rounded up by the factor (1 + 1e-10), far more than
   their own few-u relative error. */
void vr_bound_dense_relu_backward(double *bound, const double *y, const double *W, const double *b,
                                  const double *g_up, size_t m, size_t mo, double u)
{
    double eta = eta_of(u), up = 1 + 1e-10;
    double *gy = bound, *gW = bound + m, *gb = bound + m + mo * m;
    dp_mpws ws;
    mpfr_ptr t = dp_mpws_init(&ws, EXACT_PREC) == DP_OK ? dp_mpws_push(&ws, 1) : NULL;
    for (size_t j = 0; j < m; j++)
        gy[j] = (double)mo * eta;
    for (size_t jp = 0; jp < mo; jp++) {
        double beta, L = b[jp];
        vr_bound_dense(&beta, y, W + jp * m, b + jp, m, 1, u);
        beta += (double)(m - 1) * eta;
        for (size_t j = 0; j < m; j++)
            L = fma(W[jp * m + j], y[j], L);
        int uncertain = fabs(L) <= 2 * beta && !(t && chain_exact(y, W + jp * m, b[jp], m, t));
        double a = L > -2 * beta ? fabs(g_up[jp]) : 0;
        gb[jp] = uncertain ? fabs(g_up[jp]) * up : 0;
        for (size_t j = 0; j < m; j++) {
            double wy = fabs(y[j]), wW = fabs(W[jp * m + j]);
            gW[jp * m + j] = ((uncertain ? a * wy : 0) + u * a * wy) * up + eta;
            gy[j] += (gamma_of(mo, u) * a * wW + (uncertain ? a * wW : 0)) * up;
        }
    }
    dp_mpws_clear(&ws);
}
