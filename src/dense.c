/* dense.c -- section 4, dense layers: L(y, W, b) = y W^T + b, its partials, and the partials of
   F_up o ReLU o L(., W, b).  y is (m), W is (mo x m) row-major (m' = mo rows), b is (mo). */
#include "internal.h"

/* ---- L(y, W, b)_j' = sum_j W_j'j y_j + b_j' ---------------------------------------------------- */

int dp_dense(double *out, const double *y, const double *W, const double *b, size_t m, size_t mo)
{
    DP_NEED(out && y && W && b, DP_EINVAL);
    DP_NEED(m > 0 && mo > 0, DP_EDIM);
    DP_TRY(dp_finite(y, m));
    DP_TRY(dp_finite(W, m * mo));
    DP_TRY(dp_finite(b, mo));
    for (size_t jp = 0; jp < mo; jp++) {
        double s = b[jp];
        for (size_t j = 0; j < m; j++)
            s = fma(W[jp * m + j], y[j], s);
        out[jp] = s;
    }
    return DP_OK;
}

int dp_dense_mp(mpfr_ptr out, mpfr_srcptr y, mpfr_srcptr W, mpfr_srcptr b, size_t m, size_t mo,
                dp_mpws *ws)
{
    DP_NEED(out && y && W && b && ws, DP_EINVAL);
    DP_NEED(m > 0 && mo > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(y, m));
    DP_TRY(dp_finite_mp(W, m * mo));
    DP_TRY(dp_finite_mp(b, mo));
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr s = dp_mpws_push(ws, 1);
    DP_NEED(s, DP_ENOMEM);
    for (size_t jp = 0; jp < mo; jp++) {
        mpfr_set(s, b + jp, MPFR_RNDN);
        for (size_t j = 0; j < m; j++)
            mpfr_fma(s, W + jp * m + j, y + j, s, MPFR_RNDN);
        mpfr_set(out + jp, s, MPFR_RNDN);
    }
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* ---- the document's partials: dL/dy = W, dL_j/dw = y, dL/db = I ------------------------------ */

int dp_dense_jacobian_y(double *J, const double *W, size_t m, size_t mo)
{
    DP_NEED(J && W, DP_EINVAL);
    DP_NEED(m > 0 && mo > 0, DP_EDIM);
    DP_TRY(dp_finite(W, m * mo));
    for (size_t i = 0; i < m * mo; i++)
        J[i] = W[i]; /* row j' of dL/dy is dL_j'/dy = W_j',: */
    return DP_OK;
}

int dp_dense_jacobian_y_mp(mpfr_ptr J, mpfr_srcptr W, size_t m, size_t mo, dp_mpws *ws)
{
    DP_NEED(J && W && ws, DP_EINVAL);
    DP_NEED(m > 0 && mo > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(W, m * mo));
    for (size_t i = 0; i < m * mo; i++)
        mpfr_set(J + i, W + i, MPFR_RNDN);
    return DP_OK;
}

int dp_dense_gradient_w(double *g, const double *y, size_t m)
{
    DP_NEED(g && y, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(y, m));
    for (size_t j = 0; j < m; j++)
        g[j] = y[j]; /* L_j'(y, w, b_j') = y w^T + b_j' is linear in w with gradient y */
    return DP_OK;
}

int dp_dense_gradient_w_mp(mpfr_ptr g, mpfr_srcptr y, size_t m, dp_mpws *ws)
{
    DP_NEED(g && y && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(y, m));
    for (size_t j = 0; j < m; j++)
        mpfr_set(g + j, y + j, MPFR_RNDN);
    return DP_OK;
}

int dp_dense_jacobian_b(double *J, size_t mo)
{
    DP_NEED(J, DP_EINVAL);
    DP_NEED(mo > 0, DP_EDIM);
    for (size_t i = 0; i < mo; i++)
        for (size_t k = 0; k < mo; k++)
            J[i * mo + k] = i == k ? 1.0 : 0.0;
    return DP_OK;
}

int dp_dense_jacobian_b_mp(mpfr_ptr J, size_t mo, dp_mpws *ws)
{
    DP_NEED(J && ws, DP_EINVAL);
    DP_NEED(mo > 0, DP_EDIM);
    for (size_t i = 0; i < mo; i++)
        for (size_t k = 0; k < mo; k++)
            mpfr_set_ui(J + i * mo + k, i == k ? 1 : 0, MPFR_RNDN);
    return DP_OK;
}

/* ---- partials of F o L(., W, b), given delta = grad F at L(y, W, b) ------------------------------
   By the chain rule with the partials above: d/dy = delta W, d/dW_j',: = delta_j' y, d/db = delta.
   g_y may be NULL (the first layer of a network needs no gradient for its input). */

int dp_dense_backward(double *g_y, double *g_W, double *g_b, const double *y, const double *W,
                      const double *delta, size_t m, size_t mo)
{
    DP_NEED(g_W && g_b && y && W && delta, DP_EINVAL);
    DP_NEED(m > 0 && mo > 0, DP_EDIM);
    DP_TRY(dp_finite(y, m));
    DP_TRY(dp_finite(W, m * mo));
    DP_TRY(dp_finite(delta, mo));
    for (size_t jp = 0; jp < mo; jp++) {
        for (size_t j = 0; j < m; j++)
            g_W[jp * m + j] = delta[jp] * y[j];
    }
    if (g_y != NULL) {
        for (size_t j = 0; j < m; j++) {
            double s = 0.0;
            for (size_t jp = 0; jp < mo; jp++)
                s = fma(delta[jp], W[jp * m + j], s);
            g_y[j] = s;
        }
    }
    for (size_t jp = 0; jp < mo; jp++)
        g_b[jp] = delta[jp]; /* last: g_b may alias delta */
    return DP_OK;
}

int dp_dense_backward_mp(mpfr_ptr g_y, mpfr_ptr g_W, mpfr_ptr g_b, mpfr_srcptr y, mpfr_srcptr W,
                         mpfr_srcptr delta, size_t m, size_t mo, dp_mpws *ws)
{
    DP_NEED(g_W && g_b && y && W && delta && ws, DP_EINVAL);
    DP_NEED(m > 0 && mo > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(y, m));
    DP_TRY(dp_finite_mp(W, m * mo));
    DP_TRY(dp_finite_mp(delta, mo));
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr s = dp_mpws_push(ws, 1);
    DP_NEED(s, DP_ENOMEM);
    for (size_t jp = 0; jp < mo; jp++) {
        for (size_t j = 0; j < m; j++)
            mpfr_mul(g_W + jp * m + j, delta + jp, y + j, MPFR_RNDN);
    }
    if (g_y != NULL) {
        for (size_t j = 0; j < m; j++) {
            mpfr_set_zero(s, +1);
            for (size_t jp = 0; jp < mo; jp++)
                mpfr_fma(s, delta + jp, W + jp * m + j, s, MPFR_RNDN);
            mpfr_set(g_y + j, s, MPFR_RNDN);
        }
    }
    for (size_t jp = 0; jp < mo; jp++)
        mpfr_set(g_b + jp, delta + jp, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* ---- partials of F_up o ReLU o L(., W, b), given g_up = grad F_up at ReLU(L(y, W, b)) -----------
   The chain rule through ReLU multiplies g_up_j' by ReLU_j'(L_j') = 1[L_j' > 0] (ReLU'(0) = 0);
   then F = F_up o ReLU has delta = g_up (.) 1[L > 0] and dense_backward applies.  The document's
   weight partial writes F_up_j' (the value) where its derivative belongs: see docs/errata.md. */

int dp_dense_relu_backward(double *g_y, double *g_W, double *g_b, const double *y, const double *W,
                           const double *b, const double *g_up, size_t m, size_t mo)
{
    DP_NEED(g_b && g_up, DP_EINVAL);
    DP_TRY(dp_finite(g_up, mo));
    DP_TRY(dp_dense(g_b, y, W, b, m, mo)); /* g_b holds L(y, W, b) until it becomes delta */
    for (size_t jp = 0; jp < mo; jp++)
        g_b[jp] = g_b[jp] > 0 ? g_up[jp] : 0.0;
    return dp_dense_backward(g_y, g_W, g_b, y, W, g_b, m, mo);
}

int dp_dense_relu_backward_mp(mpfr_ptr g_y, mpfr_ptr g_W, mpfr_ptr g_b, mpfr_srcptr y,
                              mpfr_srcptr W, mpfr_srcptr b, mpfr_srcptr g_up, size_t m, size_t mo,
                              dp_mpws *ws)
{
    DP_NEED(g_b && g_up, DP_EINVAL);
    DP_TRY(dp_finite_mp(g_up, mo));
    DP_TRY(dp_dense_mp(g_b, y, W, b, m, mo, ws));
    for (size_t jp = 0; jp < mo; jp++) {
        if (mpfr_sgn(g_b + jp) > 0)
            mpfr_set(g_b + jp, g_up + jp, MPFR_RNDN);
        else
            mpfr_set_zero(g_b + jp, +1);
    }
    return dp_dense_backward_mp(g_y, g_W, g_b, y, W, g_b, m, mo, ws);
}
