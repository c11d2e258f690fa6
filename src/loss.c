/* loss.c -- section 3, loss: categorical cross-entropy, its gradient, and its gradient after SoftMax */
#include "internal.h"

/* ---- xi^yhat(y) = -sum_j yhat_j log y_j ------------------------------------------------------ */

int dp_cce(double *loss, const double *yhat, const double *y, size_t m)
{
    DP_NEED(loss && yhat && y, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(yhat, m));
    DP_TRY(dp_finite(y, m));
    double s = 0.0;
    for (size_t j = 0; j < m; j++) {
        if (yhat[j] == 0)
            continue; /* 0 log y_j = 0, also where y_j underflowed to 0 */
        DP_NEED(y[j] > 0, DP_EDOMAIN);
        s -= yhat[j] * log(y[j]);
    }
    *loss = s;
    return DP_OK;
}

int dp_cce_mp(mpfr_ptr loss, mpfr_srcptr yhat, mpfr_srcptr y, size_t m, dp_mpws *ws)
{
    DP_NEED(loss && yhat && y && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(yhat, m));
    DP_TRY(dp_finite_mp(y, m));
    for (size_t j = 0; j < m; j++)
        DP_NEED(mpfr_zero_p(yhat + j) || mpfr_sgn(y + j) > 0, DP_EDOMAIN);
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr s = dp_mpws_push(ws, 2);
    DP_NEED(s, DP_ENOMEM);
    mpfr_ptr t = s + 1;
    mpfr_set_zero(s, +1);
    for (size_t j = 0; j < m; j++) {
        if (mpfr_zero_p(yhat + j))
            continue;
        mpfr_log(t, y + j, MPFR_RNDN);
        mpfr_mul(t, t, yhat + j, MPFR_RNDN);
        mpfr_sub(s, s, t, MPFR_RNDN);
    }
    mpfr_set(loss, s, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* dxi/dy_j = -yhat_j / y_j: the derivative of -yhat_j log y_j, next to it above. */

int dp_cce_gradient(double *g, const double *yhat, const double *y, size_t m)
{
    DP_NEED(g && yhat && y, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(yhat, m));
    DP_TRY(dp_finite(y, m));
    for (size_t j = 0; j < m; j++)
        DP_NEED(y[j] > 0, DP_EDOMAIN);
    for (size_t j = 0; j < m; j++)
        g[j] = -yhat[j] / y[j];
    return DP_OK;
}

int dp_cce_gradient_mp(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr y, size_t m, dp_mpws *ws)
{
    DP_NEED(g && yhat && y && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(yhat, m));
    DP_TRY(dp_finite_mp(y, m));
    for (size_t j = 0; j < m; j++)
        DP_NEED(mpfr_sgn(y + j) > 0, DP_EDOMAIN);
    for (size_t j = 0; j < m; j++) {
        mpfr_div(g + j, yhat + j, y + j, MPFR_RNDN);
        mpfr_neg(g + j, g + j, MPFR_RNDN);
    }
    return DP_OK;
}

/* ---- xi^yhat o S: the loss after SoftMax ------------------------------------------------------
   -log S(z)_j = log sum_j' e^{z_j'} - z_j = (z_k - z_j) + log1p(t), k = argmax z (activation.c):
   no overflow, and log1p keeps the dominant class's tiny loss accurate. */

int dp_softmax_cce(double *loss, const double *yhat, const double *z, size_t m)
{
    DP_NEED(loss && yhat && z, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(yhat, m));
    DP_TRY(dp_finite(z, m));
    size_t k;
    double lse = log1p(dp_softmax_tail(NULL, z, m, &k));
    double s = 0.0;
    for (size_t j = 0; j < m; j++)
        if (yhat[j] != 0)
            s += yhat[j] * ((z[k] - z[j]) + lse);
    *loss = s;
    return DP_OK;
}

int dp_softmax_cce_mp(mpfr_ptr loss, mpfr_srcptr yhat, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    DP_NEED(loss && yhat && z && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(yhat, m));
    DP_TRY(dp_finite_mp(z, m));
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr lse = dp_mpws_push(ws, m + 3);
    DP_NEED(lse, DP_ENOMEM);
    mpfr_ptr s = lse + 1, t = lse + 2, e = lse + 3;
    size_t k;
    dp_softmax_tail_mp(lse, e, z, m, &k);
    mpfr_log1p(lse, lse, MPFR_RNDN);
    mpfr_set_zero(s, +1);
    for (size_t j = 0; j < m; j++) {
        if (mpfr_zero_p(yhat + j))
            continue;
        mpfr_sub(t, z + k, z + j, MPFR_RNDN);
        mpfr_add(t, t, lse, MPFR_RNDN);
        mpfr_mul(t, t, yhat + j, MPFR_RNDN);
        mpfr_add(s, s, t, MPFR_RNDN);
    }
    mpfr_set(loss, s, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* ---- d(xi^yhat o S)/dz ----------------------------------------------------------------------
   The chain rule gives sum_j' (-yhat_j'/S_j') S_j' (delta_j'j - S_j) = S_j (sum yhat) - yhat_j.
   The document writes S(z) - yhat, which is the same only when sum yhat = 1. */

/* g = S(z) c - yhat, with c = 1 (the document's formula) or c = sum yhat (the true gradient).
   Where S_j > 1/2 and yhat_j != 0 it is written (c - yhat_j) - c (1 - S_j), with
   1 - S_j = r_j / (1 + t) and r_j = t for the argmax, 1 + t - e_j otherwise (activation.c): the
   dominant class of a confident prediction has S_j = 1 - 1e-211, whose 1 - S_j the plain formula
   loses entirely. */
static int softmax_cce_gradient_scaled(double *g, const double *yhat, const double *z, size_t m,
                                       int general)
{
    DP_NEED(g && yhat && z, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(yhat, m));
    DP_TRY(dp_finite(z, m));
    double c = 1.0;
    if (general) {
        c = 0.0;
        for (size_t j = 0; j < m; j++)
            c += yhat[j];
    }
    size_t k;
    double t = dp_softmax_tail(g, z, m, &k), sum = 1.0 + t;
    for (size_t j = 0; j < m; j++) {
        double Sj = g[j] / sum;
        if (yhat[j] != 0 && Sj > 0.5) {
            double rest = j == k ? t : sum - g[j]; /* sum_{k' != j} e_k' */
            g[j] = fma(-c, rest / sum, c - yhat[j]);
        } else {
            g[j] = fma(Sj, c, -yhat[j]);
        }
    }
    return DP_OK;
}

static int softmax_cce_gradient_scaled_mp(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr z, size_t m,
                                          int general, dp_mpws *ws)
{
    DP_NEED(g && yhat && z && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(yhat, m));
    DP_TRY(dp_finite_mp(z, m));
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr c = dp_mpws_push(ws, 5);
    DP_NEED(c, DP_ENOMEM);
    mpfr_ptr t = c + 1, sum = c + 2, Sj = c + 3, rest = c + 4;
    mpfr_set_ui(c, 1, MPFR_RNDN);
    if (general) {
        mpfr_set_zero(c, +1);
        for (size_t j = 0; j < m; j++)
            mpfr_add(c, c, yhat + j, MPFR_RNDN);
    }
    size_t k;
    dp_softmax_tail_mp(t, g, z, m, &k);
    mpfr_add_ui(sum, t, 1, MPFR_RNDN);
    for (size_t j = 0; j < m; j++) {
        mpfr_div(Sj, g + j, sum, MPFR_RNDN);
        if (!mpfr_zero_p(yhat + j) && mpfr_cmp_d(Sj, 0.5) > 0) {
            if (j == k)
                mpfr_set(rest, t, MPFR_RNDN);
            else
                mpfr_sub(rest, sum, g + j, MPFR_RNDN);
            mpfr_div(rest, rest, sum, MPFR_RNDN);
            mpfr_sub(g + j, c, yhat + j, MPFR_RNDN);
            mpfr_neg(rest, rest, MPFR_RNDN);
            mpfr_fma(g + j, rest, c, g + j, MPFR_RNDN);
        } else {
            mpfr_fms(g + j, Sj, c, yhat + j, MPFR_RNDN);
        }
    }
    dp_mpws_release(ws, mk);
    return DP_OK;
}

int dp_softmax_cce_gradient(double *g, const double *yhat, const double *z, size_t m)
{
    return softmax_cce_gradient_scaled(g, yhat, z, m, 0);
}

int dp_softmax_cce_gradient_mp(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    return softmax_cce_gradient_scaled_mp(g, yhat, z, m, 0, ws);
}

int dp_softmax_cce_gradient_general(double *g, const double *yhat, const double *z, size_t m)
{
    return softmax_cce_gradient_scaled(g, yhat, z, m, 1);
}

int dp_softmax_cce_gradient_general_mp(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr z, size_t m,
                                       dp_mpws *ws)
{
    return softmax_cce_gradient_scaled_mp(g, yhat, z, m, 1, ws);
}
