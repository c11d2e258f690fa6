/* bounds_loss.c -- error bounds for section 3's corollaries: the double SoftMax of a shifted
   vector, a double sum of computed terms whose exact values sum to 0, and the MPFR formulas of
   src/ at precision p that the identity checks (identity.c) hold to their rounding.
   Notation as in bounds.c: u the unit roundoff (2^-53 for double, 2^-p in MPFR at p bits), eta
   the smallest subnormal; a rounding to nearest errs by at most u |result| (+ eta / 2 in gradual
   underflow, which MPFR, with its huge exponent range, never meets here).  First-order analyses;
   where a bound is evaluated from computed rather than exact values, or drops terms of order
   m^2 u^2, one more u of slack (or the factor 1 + 1e-10 on a double evaluation) covers it. */
#include <math.h>
#include "verify.h"

static double eta_of(double u)
{
    return u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074;
}

/* ---- double --------------------------------------------------------------------------------- */

/* S(fl(z + c 1)) by the double SoftMax, against the exact S(z) (= S(z + c 1), shift invariance).
   x_j = fl(z_j + c) = z_j + c - delta_j, and delta_j is exact by TwoSum (Knuth; round to
   nearest, no overflow: |z_j + c| <= DBL_MAX is the caller's to ensure).  So S(x) = S(z - delta)
   and S(x)_j / S(z)_j = e^{-delta_j} / sum_k S_k e^{-delta_k} lies in [e^-s, e^s] with
   s = max delta - min delta: |S(x)_j - S(z)_j| <= (e^s - 1) S(z)_j.  The double SoftMax of x errs
   by vr_bound_softmax's ((max x - x_j) + m + 6) u S(x)_j + eta, and S(x)_j <= e^s S(z)_j. */
void vr_bound_softmax_shift(double *bound, const double *z, double c, size_t m, mpfr_srcptr S,
                            double u)
{
    double dmin = INFINITY, dmax = -INFINITY, xmax = -INFINITY;
    for (size_t j = 0; j < m; j++) {
        double x = z[j] + c, bb = x - z[j];
        double delta = (z[j] - (x - bb)) + (c - bb); /* TwoSum: z_j + c = x + delta exactly */
        dmin = fmin(dmin, delta);
        dmax = fmax(dmax, delta);
        xmax = fmax(xmax, x);
    }
    double s = dmax - dmin, es = exp(s);
    for (size_t j = 0; j < m; j++) {
        double Sj = mpfr_get_d(S + j, MPFR_RNDU), x = z[j] + c;
        bound[j] = (expm1(s) + es * ((xmax - x) + (double)m + 6) * u) * Sj * (1 + 1e-10) +
                   es * eta_of(u);
    }
}

/* The double sum s = 0, s = fl(s + v~_j) for j = 0 .. m-1 of computed values v~_j, each within
   b_j of v_j, against the exact sum of the v_j: the terms' errors, sum b_j, plus m - 1
   roundings (the first addition, to 0, is exact), each within u of a partial sum, which is at
   most sum |v~_j| <= sum (|v_j| + b_j), and eta / 2 in gradual underflow. */
double vr_bound_sum(const double *b, mpfr_srcptr v, size_t m, double u)
{
    double sb = 0, sv = 0;
    for (size_t j = 0; j < m; j++) {
        sb += b[j];
        sv += fabs(mpfr_get_d(v + j, MPFR_RNDU)) + b[j];
    }
    return (sb + (double)(m - 1) * u * sv) * (1 + 1e-10) + (double)m * eta_of(u);
}

/* ---- MPFR at precision p: the roundings of src/'s formulas ------------------------------------
   dp_softmax_mp computes d_j = z_j - z_k (k the argmax), e_j = exp(d_j), t = sum_{j != k} e_j
   (m - 2 roundings after the first, exact, addition), sum = 1 + t, S_j = e_j / sum, each rounded
   to nearest at p.  With u = 2^-p:
   (a) e_j: d_j is off by u |d_j| at most, which moves exp(d_j) by at most u |d_j| e^{d_j} <= u/e
       (d_j <= 0, and |d| e^{d} <= 1/e), and exp's own rounding adds u e_j: |e~_j - e_j| <=
       u (1/e + e_j);
   (b) t: the terms' errors and m - 2 roundings of partial sums <= t: <= u ((m-1)/e + (m-1) t);
   (c) sum: (b) and one rounding, u (1 + t): <= u ((m-1)(1/e + t) + 1 + t) <= u m (1 + t);
   (d) S_j = e_j / sum: (a) / sum + S_j (c) / sum + u S_j <= u (1/e + S_j + m S_j + S_j):
         |S~_j - S_j| <= u (1/e + (m + 2) S_j)                                        (rho_j)
   These are absolute: the 1/e, the argument's rounding, does not shrink with S_j. */

/* rho_j of (d) for the computed S (m) at precision prec, rounded up, with one u of slack. */
void vr_bound_softmax_mp(mpfr_ptr bound, mpfr_srcptr S, size_t m, mpfr_prec_t prec)
{
    for (size_t j = 0; j < m; j++) {
        mpfr_abs(bound + j, S + j, MPFR_RNDU);
        mpfr_mul_ui(bound + j, bound + j, (unsigned long)m + 2, MPFR_RNDU);
        mpfr_add_d(bound + j, bound + j, 0.368 + 1.0, MPFR_RNDU); /* 0.368 > 1/e; the slack */
        mpfr_mul_2si(bound + j, bound + j, -(long)prec, MPFR_RNDU);
    }
}

/* dp_softmax_jacobian_mp: J_jj' = -fl(S~_j S~_j') off the diagonal, J_jj = fl(S~_j r~_j) with
   r~_j = sum_{k != j} S~_k (m - 2 roundings).  Each entry is within
     off: rho_j S_j' + S_j rho_j' + u S_j S_j',   diagonal: rho_j + S_j (sum_k rho_k + (m - 2) u) + u S_j.
   Symmetry: |J~_jj' - J~_j'j| <= the sum of the two entries' errors,
     2 u ((1/e)(S_j + S_j') + (2m + 5) S_j S_j')                           (vr_bound_..._sym_mp)
   Row sums, summed in index order at p (m - 1 roundings of partial sums <= sum_j' |J_jj'| =
   2 S_j (1 - S_j) <= 2 S_j): with sum_k rho_k = u (m/e + m + 2), the row's entries err by at most
   2 rho_j + 2 S_j sum_k rho_k + S_j (m - 2) u + 2 u S_j <= u (2/e + S_j (5m + 2m/e + 8)), and the
   sum adds 2 (m - 1) u S_j:  |sum_j' J~_jj'| <= u (1 + (8m + 6) S_j)     (vr_bound_..._rowsum_mp)
   S here is the computed SoftMax; the difference from the exact one is of second order. */
void vr_bound_softmax_jacobian_sym_mp(mpfr_ptr bound, mpfr_srcptr S, size_t m, mpfr_prec_t prec)
{
    unsigned long k = 2 * (unsigned long)m + 6; /* 2m + 5, and one u of slack */
    for (size_t j = 0; j < m; j++)
        for (size_t jp = 0; jp < m; jp++) { /* b = 2 u (0.368 (S_j + S_j') + k S_j S_j') */
            mpfr_ptr b = bound + j * m + jp;
            mpfr_add(b, S + j, S + jp, MPFR_RNDU);
            mpfr_mul_d(b, b, 0.368 / (double)k, MPFR_RNDU); /* 0.368 > 1/e; /k is undone below */
            mpfr_fma(b, S + j, S + jp, b, MPFR_RNDU);
            mpfr_mul_ui(b, b, k, MPFR_RNDU);
            mpfr_mul_2si(b, b, 1 - (long)prec, MPFR_RNDU);
        }
}

void vr_bound_softmax_jacobian_rowsum_mp(mpfr_ptr bound, mpfr_srcptr S, size_t m,
                                         mpfr_prec_t prec)
{
    for (size_t j = 0; j < m; j++) {
        mpfr_mul_ui(bound + j, S + j, 8 * (unsigned long)m + 6, MPFR_RNDU);
        mpfr_add_ui(bound + j, bound + j, 2, MPFR_RNDU); /* 2/e < 1, and one u of slack */
        mpfr_mul_2si(bound + j, bound + j, -(long)prec, MPFR_RNDU);
    }
}

/* dp_softmax_cce_gradient_mp with a one-hot label (y its class), summed in index order at p.
   g_j = fl(S~_j - yhat_j) for j != y (and for j = y when S_y <= 1/2): (d) and one rounding,
   u (1/e + (m + 2) S_j) + u |g_j|.  Where S_y > 1/2, g_y = -fl(r~ / sum~) with r~ = t~ (y the
   argmax) or fl(sum~ - e~_y), exactly r = 1 - S_y <= 1/2 times sum: (b), (c), (a) and the two
   roundings give u ((m + 1/e + 1) + m/2 + 1/2) <= u (1.5m + 2).  Over all j, with
   sum_j |g_j| = 2 (1 - S_y) <= 2: u (m/e + (m + 2) + 2 + 1.5m + 2) <= u (2.87m + 6); the m - 1
   roundings of the sum, of partial sums <= 2, add 2 (m - 1) u.  In all
     |sum_j g~_j - 0| <= u (4.87m + 4) <= (5m + 5) u   (one u of slack). */
void vr_bound_softmax_cce_gradient_sum_mp(mpfr_ptr bound, size_t m, mpfr_prec_t prec)
{
    mpfr_set_ui(bound, 5 * (unsigned long)m + 5, MPFR_RNDU);
    mpfr_mul_2si(bound, bound, -(long)prec, MPFR_RNDU);
}
