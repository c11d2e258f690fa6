/* bounds.c -- condition-aware error bounds of the double (or float) formulas, for accuracy.c.
   Each bound is a first-order forward error analysis of the formula src/ evaluates, in units of
   the unit roundoff u, on the values of the exact result; eta, the smallest subnormal, covers
   gradual underflow where a relative bound says nothing.  Elementary functions (exp, log) are
   taken to be within 1 ulp, i.e. a relative error of 2u, as glibc documents for binary64. */
#include <math.h>
#include "verify.h"

static double eta_of(double u)
{
    return u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074;
}

static double maxv(const double *z, size_t m)
{
    double x = z[0];
    for (size_t j = 1; j < m; j++)
        x = fmax(x, z[j]);
    return x;
}

/* S_k = e^{d_k} / (1 + t), d_k = z_k - max z.  The subtraction errs by u|d_k|, which exp turns
   into a relative u|d_k|; exp adds 2u; t sums m - 1 terms (m u), each off by (|d_j| + 2) u
   relative, but e^{d_j} |d_j| <= 1/e, so 1 + t is off by at most (m + 3) u relative; the division
   adds u.  Together (|d_k| + m + 6) u relative. */
void vr_bound_softmax(double *bound, const double *z, size_t m, mpfr_srcptr S, double u)
{
    double zmax = maxv(z, m);
    for (size_t k = 0; k < m; k++)
        bound[k] = ((zmax - z[k]) + (double)m + 6) * u * mpfr_get_d(S + k, MPFR_RNDU) + eta_of(u);
}

/* J_jj' = -S_j S_j' off the diagonal: both factors' bounds and the product's u.  On it,
   S_j * sum_{k != j} S_k: the sum's terms are each within (|d_k| + m + 6) u, its m - 2 additions
   add (m - 2) u, and the product u. */
void vr_bound_softmax_jacobian(double *bound, const double *z, size_t m, mpfr_srcptr J, double u)
{
    double zmax = maxv(z, m);
    for (size_t j = 0; j < m; j++) {
        double dmax_other = 0;
        for (size_t k = 0; k < m; k++)
            if (k != j)
                dmax_other = fmax(dmax_other, zmax - z[k]);
        for (size_t jp = 0; jp < m; jp++) {
            double mag = fabs(mpfr_get_d(J + j * m + jp, MPFR_RNDU));
            double rel = jp == j ? (zmax - z[j]) + dmax_other + 3 * (double)m + 14
                                 : (zmax - z[j]) + (zmax - z[jp]) + 2 * (double)m + 13;
            bound[j * m + jp] = rel * u * mag + eta_of(u);
        }
    }
}

/* -sum yhat_j log y_j: log within 2u relative, the product u, m additions m u, relative to the
   sum of the magnitudes of the terms. */
void vr_bound_cce(double *bound, const double *yhat, const double *y, size_t m, double u)
{
    double s = 0;
    for (size_t j = 0; j < m; j++)
        if (yhat[j] != 0)
            s += fabs(yhat[j] * log(y[j]));
    bound[0] = ((double)m + 4) * u * s * (1 + 1e-10) + eta_of(u); /* 1e-10: log's own rounding */
}

/* xi(S(z)) = sum_j yhat_j ((max z - z_j) + log1p(t)) (src/loss.c): each difference rounds
   (u |max z - z_j|), t's terms are each within (|d_k| + 2) u with e^{d_k} |d_k| <= 1/e, so t
   errs by (m/e + (m + 2) t) u and log1p(t) by that over 1 + t plus its own 2u; the sum, the
   product by yhat_j and the m additions are (m + 4) u of the terms' magnitudes. */
void vr_bound_softmax_cce(double *bound, const double *yhat, const double *z, size_t m, double u)
{
    double zmax = maxv(z, m), t = -1, c = 0, terms = 0;
    for (size_t j = 0; j < m; j++) {
        t += exp(z[j] - zmax); /* the argmax's e^0 = 1 is the -1 */
        c += fabs(yhat[j]);
    }
    double lse = log1p(t);
    for (size_t j = 0; j < m; j++)
        terms += fabs(yhat[j]) * ((zmax - z[j]) + lse);
    bound[0] = (((double)m + 4) * u * terms +
                c * (((double)m / 2.718281828459045 + ((double)m + 2) * t) * u / (1 + t) +
                     2 * u * lse)) *
                   (1 + 1e-10) +
               eta_of(u);
}

/* -yhat_j / y_j: one division. */
void vr_bound_cce_gradient(double *bound, size_t m, mpfr_srcptr g, double u)
{
    for (size_t j = 0; j < m; j++)
        bound[j] = u * fabs(mpfr_get_d(g + j, MPFR_RNDU)) + eta_of(u);
}

/* src/loss.c computes S_j c - yhat_j in two ways.  Where yhat_j != 0 and S_j > 1/2, as
   (c - yhat_j) - c (1 - S_j) with 1 - S_j = r_j / (1 + t), r_j a sum of terms e_k each within
   (|d_k| + 2) u (and e_k |d_k| <= 1/e): 1 - S_j is within (D + 2m + 6) u of itself relative,
   D = max |d_k|; the subtraction c - yhat_j (0s and 1s: exact), the fma and the division add
   2u.  Elsewhere as fma(S_j, c, -yhat_j): S_j's bound (|d_j| + m + 6) u S_j times |c| and the
   fma's rounding.  So the dominant class of a confident prediction, g_j = -(1 - S_j) ~ -1e-18,
   is held to a bound relative to itself, not to 1. */
void vr_bound_softmax_cce_gradient(double *bound, const double *z, const double *yhat, size_t m,
                                   double c, mpfr_srcptr g, double u)
{
    double zmax = maxv(z, m), D = 0, sum = 0;
    for (size_t j = 0; j < m; j++) {
        D = fmax(D, zmax - z[j]);
        sum += exp(z[j] - zmax);
    }
    for (size_t j = 0; j < m; j++) {
        double Sj = exp(z[j] - zmax) / sum; /* S_j to a few u: enough for a bound's size */
        double gj = fabs(mpfr_get_d(g + j, MPFR_RNDU));
        if (yhat[j] != 0 && Sj > 0.5)
            bound[j] = ((zmax - z[j]) + D + 2 * (double)m + 8) * u * fabs(c) * (1 - Sj) *
                           (1 + 1e-10) +
                       u * (fabs(c - yhat[j]) + gj) + eta_of(u);
        else
            bound[j] = ((zmax - z[j]) + (double)m + 7) * u * Sj * fabs(c) * (1 + 1e-10) +
                       u * gj + eta_of(u);
    }
}

/* b_j' + sum_j W_j'j y_j by m fmas: each rounds once, so the error is within
   m u (|b_j'| + sum_j |W_j'j y_j|) (Higham, the dot product's gamma_m, first order), and each
   fma may lose half a subnormal to gradual underflow: (m + 1) eta in all. */
void vr_bound_dense(double *bound, const double *y, const double *W, const double *b, size_t m,
                    size_t mo, double u)
{
    for (size_t jp = 0; jp < mo; jp++) {
        double s = fabs(b[jp]);
        for (size_t j = 0; j < m; j++)
            s += fabs(W[jp * m + j] * y[j]);
        bound[jp] = ((double)m + 1) * u * s * (1 + 1e-10) + (double)(m + 1) * eta_of(u);
    }
}
