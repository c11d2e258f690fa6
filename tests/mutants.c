/* mutants.c -- deliberately wrong versions of the functions in the table of tests/impl.h, each a
   small function saying how it is wrong, and the table {name, entry replaced, Check test case
   expected to catch it} that tests/mutants.sh runs.  Most call the real function (for its
   argument checks) and then break its result. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "impl.h"

/* ---- section 3: activation functions --------------------------------------------------------- */

/* ReLU(-0.0) = -0.0: a zero input is copied with its sign (max(z, 0) done as z < 0 ? 0 : z). */
static int relu_negzero(double *out, const double *z, size_t m)
{
    int st = dp_relu(out, z, m);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        if (z[j] == 0)
            out[j] = z[j];
    return st;
}

static int relu_mp_negzero(mpfr_ptr out, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    int st = dp_relu_mp(out, z, m, ws);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        if (mpfr_zero_p(z + j))
            mpfr_set(out + j, z + j, MPFR_RNDN);
    return st;
}

/* ReLU'(0) = 1: the indicator 1[z >= 0] instead of the document's 1[z > 0]. */
static int relu_jacobian_kink(double *J, const double *z, size_t m)
{
    int st = dp_relu_jacobian(J, z, m);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        if (z[j] == 0)
            J[j * m + j] = 1;
    return st;
}

static int relu_jacobian_mp_kink(mpfr_ptr J, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    int st = dp_relu_jacobian_mp(J, z, m, ws);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        if (mpfr_zero_p(z + j))
            mpfr_set_ui(J + j * m + j, 1, MPFR_RNDN);
    return st;
}

/* SoftMax as written, e^{z_j} / sum e^{z_j'}, without subtracting max z: inf/inf at 1e4. */
static int softmax_nomax(double *S, const double *z, size_t m)
{
    int st = dp_softmax(S, z, m);
    double sum = 0;
    for (size_t j = 0; st == DP_OK && j < m; j++)
        sum += exp(z[j]);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        S[j] = exp(z[j]) / sum;
    return st;
}

/* A relative error of 1e-12 in S_0 (e.g. a lost bit of care somewhere). */
static int softmax_relerr(double *S, const double *z, size_t m)
{
    int st = dp_softmax(S, z, m);
    if (st == DP_OK)
        S[0] *= 1 + 1e-12;
    return st;
}

/* The MPFR SoftMax computed at 53 bits (the precision of the workspace ignored). */
static int softmax_mp_lowprec(mpfr_ptr S, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    int st = dp_softmax_mp(S, z, m, ws);
    if (st != DP_OK)
        return st;
    dp_mpws low;
    dp_mpws_init(&low, 53);
    mpfr_ptr z53 = dp_mpvec_init(m, 53), S53 = dp_mpvec_init(m, 53);
    for (size_t j = 0; j < m; j++)
        mpfr_set(z53 + j, z + j, MPFR_RNDN);
    st = dp_softmax_mp(S53, z53, m, &low);
    for (size_t j = 0; j < m; j++)
        mpfr_set(S + j, S53 + j, MPFR_RNDN);
    dp_mpvec_clear(z53, m);
    dp_mpvec_clear(S53, m);
    dp_mpws_clear(&low);
    return st;
}

/* The MPFR SoftMax without subtracting max z: e^{1e400} overflows MPFR's exponent range. */
static int softmax_mp_nomax(mpfr_ptr S, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    int st = dp_softmax_mp(S, z, m, ws);
    if (st != DP_OK)
        return st;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr sum = dp_mpws_push(ws, 1);
    mpfr_set_zero(sum, +1);
    for (size_t j = 0; j < m; j++) {
        mpfr_exp(S + j, z + j, MPFR_RNDN);
        mpfr_add(sum, sum, S + j, MPFR_RNDN);
    }
    for (size_t j = 0; j < m; j++)
        mpfr_div(S + j, S + j, sum, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return st;
}

/* The Jacobian with a flipped sign: S_j (S_j' - delta_jj'). */
static int softmax_jacobian_sign(double *J, const double *z, size_t m)
{
    int st = dp_softmax_jacobian(J, z, m);
    for (size_t i = 0; st == DP_OK && i < m * m; i++)
        J[i] = -J[i];
    return st;
}

/* The Jacobian with a wrong index: S_j (delta_jj' - S_j) instead of S_j (delta_jj' - S_j'). */
static int softmax_jacobian_index(double *J, const double *z, size_t m)
{
    int st = dp_softmax_jacobian(J, z, m);
    double *S = malloc(m * sizeof *S);
    if (st == DP_OK && S != NULL && dp_softmax(S, z, m) == DP_OK)
        for (size_t j = 0; j < m; j++)
            for (size_t k = 0; k < m; k++)
                J[j * m + k] = S[j] * ((j == k) - S[j]);
    free(S);
    return st;
}

/* The diagonal as S_j (1 - S_j): 1 - S_j cancels to 0 where S_j rounds to 1. */
static int softmax_jacobian_cancel(double *J, const double *z, size_t m)
{
    int st = dp_softmax_jacobian(J, z, m);
    double *S = malloc(m * sizeof *S);
    if (st == DP_OK && S != NULL && dp_softmax(S, z, m) == DP_OK)
        for (size_t j = 0; j < m; j++)
            J[j * m + j] = S[j] * (1 - S[j]);
    free(S);
    return st;
}

/* The MPFR Jacobian with +S_j S_j' off the diagonal: rows no longer sum to 0. */
static int softmax_jacobian_mp_offsign(mpfr_ptr J, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    int st = dp_softmax_jacobian_mp(J, z, m, ws);
    for (size_t i = 0; st == DP_OK && i < m * m; i++)
        if (i / m != i % m)
            mpfr_neg(J + i, J + i, MPFR_RNDN);
    return st;
}

/* ---- section 3: loss ------------------------------------------------------------------------- */

/* Cross-entropy without its minus sign: sum yhat_j log y_j. */
static int cce_nominus(double *loss, const double *yhat, const double *y, size_t m)
{
    int st = dp_cce(loss, yhat, y, m);
    if (st == DP_OK)
        *loss = -*loss;
    return st;
}

/* Every term evaluated, also where yhat_j = 0: 0 log 0 = 0 * -inf = NaN, 0 log(-3) = NaN. */
static int cce_0log0(double *loss, const double *yhat, const double *y, size_t m)
{
    int st = dp_cce(loss, yhat, y, m);
    double s = 0;
    for (size_t j = 0; st == DP_OK && j < m; j++)
        s -= yhat[j] * log(y[j]);
    if (st == DP_OK)
        *loss = s;
    return st;
}

static int cce_mp_nominus(mpfr_ptr loss, mpfr_srcptr yhat, mpfr_srcptr y, size_t m, dp_mpws *ws)
{
    int st = dp_cce_mp(loss, yhat, y, m, ws);
    if (st == DP_OK)
        mpfr_neg(loss, loss, MPFR_RNDN);
    return st;
}

/* The gradient upside down: -y_j / yhat_j. */
static int cce_gradient_flip(double *g, const double *yhat, const double *y, size_t m)
{
    int st = dp_cce_gradient(g, yhat, y, m);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        g[j] = -y[j] / yhat[j];
    return st;
}

/* The gradient without its minus sign: yhat_j / y_j. */
static int cce_gradient_mp_sign(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr y, size_t m,
                                dp_mpws *ws)
{
    int st = dp_cce_gradient_mp(g, yhat, y, m, ws);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        mpfr_neg(g + j, g + j, MPFR_RNDN);
    return st;
}

/* The loss after SoftMax as cce(yhat, softmax(z)): -log 0 where S_j underflows (DP_EDOMAIN),
   and -log fl(S_0) = 0 where S_0 rounds to 1. */
static int softmax_cce_naive(double *loss, const double *yhat, const double *z, size_t m)
{
    int st = dp_softmax_cce(loss, yhat, z, m);
    double *S = malloc(m * sizeof *S);
    if (st == DP_OK && S != NULL && dp_softmax(S, z, m) == DP_OK)
        st = dp_cce(loss, yhat, S, m);
    free(S);
    return st;
}

/* The loss after SoftMax without its log1p(t): sum yhat_j (max z - z_j), the log-sum-exp cut to
   its largest term. */
static int softmax_cce_nolse(double *loss, const double *yhat, const double *z, size_t m)
{
    int st = dp_softmax_cce(loss, yhat, z, m);
    double zmax = -INFINITY, s = 0;
    for (size_t j = 0; st == DP_OK && j < m; j++)
        zmax = fmax(zmax, z[j]);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        s += yhat[j] * (zmax - z[j]);
    if (st == DP_OK)
        *loss = s;
    return st;
}

/* A relative error of 2^-100 in the MPFR loss: invisible in double, not at 256 bits. */
static int softmax_cce_mp_relerr(mpfr_ptr loss, mpfr_srcptr yhat, mpfr_srcptr z, size_t m,
                                 dp_mpws *ws)
{
    int st = dp_softmax_cce_mp(loss, yhat, z, m, ws);
    if (st == DP_OK) {
        mpfr_t e;
        mpfr_init2(e, mpfr_get_prec(loss));
        mpfr_mul_2si(e, loss, -100, MPFR_RNDN);
        mpfr_add(loss, loss, e, MPFR_RNDN);
        mpfr_clear(e);
    }
    return st;
}

/* yhat - S instead of S - yhat. */
static int softmax_cce_gradient_sign(double *g, const double *yhat, const double *z, size_t m)
{
    int st = dp_softmax_cce_gradient(g, yhat, z, m);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        g[j] = -g[j];
    return st;
}

/* The document's S - yhat replaced by the true gradient S sum(yhat) - yhat (the header asks for
   the document's formula, as written, for any yhat). */
static int softmax_cce_gradient_normalised(double *g, const double *yhat, const double *z,
                                           size_t m)
{
    return dp_softmax_cce_gradient_general(g, yhat, z, m);
}

static int softmax_cce_gradient_mp_sign(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr z, size_t m,
                                        dp_mpws *ws)
{
    int st = dp_softmax_cce_gradient_mp(g, yhat, z, m, ws);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        mpfr_neg(g + j, g + j, MPFR_RNDN);
    return st;
}

/* S - yhat where S sum(yhat) - yhat is needed: wrong whenever sum yhat != 1. */
static int softmax_cce_gradient_general_doc(double *g, const double *yhat, const double *z,
                                            size_t m)
{
    return dp_softmax_cce_gradient(g, yhat, z, m);
}

static int softmax_cce_gradient_general_mp_doc(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr z,
                                               size_t m, dp_mpws *ws)
{
    return dp_softmax_cce_gradient_mp(g, yhat, z, m, ws);
}

/* The true gradient computed plainly, fma(S_j, sum yhat, -yhat_j): where S_j rounds to 1 the
   dominant class's gradient, -c (1 - S_j), is lost to cancellation. */
static int softmax_cce_gradient_general_plain(double *g, const double *yhat, const double *z,
                                              size_t m)
{
    int st = dp_softmax_cce_gradient_general(g, yhat, z, m);
    double c = 0;
    for (size_t j = 0; st == DP_OK && j < m; j++)
        c += yhat[j];
    if (st == DP_OK)
        st = dp_softmax(g, z, m);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        g[j] = fma(g[j], c, -yhat[j]);
    return st;
}

/* ---- section 4: dense layers ----------------------------------------------------------------- */

/* y W instead of y W^T: W read as if it were (m x mo), W[j * mo + j']. */
static int dense_transpose(double *out, const double *y, const double *W, const double *b,
                           size_t m, size_t mo)
{
    int st = dp_dense(out, y, W, b, m, mo);
    for (size_t jp = 0; st == DP_OK && jp < mo; jp++) {
        out[jp] = b[jp];
        for (size_t j = 0; j < m; j++)
            out[jp] += W[j * mo + jp] * y[j];
    }
    return st;
}

/* y W^T without + b. */
static int dense_nobias(double *out, const double *y, const double *W, const double *b, size_t m,
                        size_t mo)
{
    int st = dp_dense(out, y, W, b, m, mo);
    for (size_t jp = 0; st == DP_OK && jp < mo; jp++) {
        out[jp] = 0;
        for (size_t j = 0; j < m; j++)
            out[jp] += W[jp * m + j] * y[j];
    }
    return st;
}

static int dense_mp_transpose(mpfr_ptr out, mpfr_srcptr y, mpfr_srcptr W, mpfr_srcptr b,
                              size_t m, size_t mo, dp_mpws *ws)
{
    int st = dp_dense_mp(out, y, W, b, m, mo, ws);
    for (size_t jp = 0; st == DP_OK && jp < mo; jp++) {
        mpfr_set(out + jp, b + jp, MPFR_RNDN);
        for (size_t j = 0; j < m; j++)
            mpfr_fma(out + jp, W + j * mo + jp, y + j, out + jp, MPFR_RNDN);
    }
    return st;
}

/* dL/dy returned as W^T, laid out (m x mo). */
static int dense_jacobian_y_transpose(double *J, const double *W, size_t m, size_t mo)
{
    int st = dp_dense_jacobian_y(J, W, m, mo);
    for (size_t i = 0; st == DP_OK && i < m * mo; i++)
        J[i % m * mo + i / m] = W[i];
    return st;
}

static int dense_jacobian_y_mp_transpose(mpfr_ptr J, mpfr_srcptr W, size_t m, size_t mo,
                                         dp_mpws *ws)
{
    int st = dp_dense_jacobian_y_mp(J, W, m, mo, ws);
    for (size_t i = 0; st == DP_OK && i < m * mo; i++)
        mpfr_set(J + i % m * mo + i / m, W + i, MPFR_RNDN);
    return st;
}

/* dL_j'/dw = y read backwards, y_{m-1-j}. */
static int dense_gradient_w_reversed(double *g, const double *y, size_t m)
{
    int st = dp_dense_gradient_w(g, y, m);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        g[j] = y[m - 1 - j];
    return st;
}

/* dL_j'/dw = 2y, as if L were quadratic in w. */
static int dense_gradient_w_mp_double(mpfr_ptr g, mpfr_srcptr y, size_t m, dp_mpws *ws)
{
    int st = dp_dense_gradient_w_mp(g, y, m, ws);
    for (size_t j = 0; st == DP_OK && j < m; j++)
        mpfr_mul_2ui(g + j, g + j, 1, MPFR_RNDN);
    return st;
}

/* dL/db filled with ones instead of the identity. */
static int dense_jacobian_b_ones(double *J, size_t mo)
{
    int st = dp_dense_jacobian_b(J, mo);
    for (size_t i = 0; st == DP_OK && i < mo * mo; i++)
        J[i] = 1;
    return st;
}

/* dL/db = 0, as if b were a constant. */
static int dense_jacobian_b_mp_zero(mpfr_ptr J, size_t mo, dp_mpws *ws)
{
    int st = dp_dense_jacobian_b_mp(J, mo, ws);
    for (size_t i = 0; st == DP_OK && i < mo * mo; i++)
        mpfr_set_zero(J + i, +1);
    return st;
}

/* g_y = delta W^T with W read transposed, sum_j' delta_j' W[j * mo + j']. */
static int dense_backward_gy_transpose(double *g_y, double *g_W, double *g_b, const double *y,
                                       const double *W, const double *delta, size_t m, size_t mo)
{
    int st = dp_dense_backward(g_y, g_W, g_b, y, W, delta, m, mo);
    for (size_t j = 0; st == DP_OK && j < m; j++) {
        g_y[j] = 0;
        for (size_t jp = 0; jp < mo; jp++)
            g_y[j] += delta[jp] * W[j * mo + jp];
    }
    return st;
}

/* g_W laid out (m x mo), g_W[j][j'] = delta_j' y_j. */
static int dense_backward_gw_transpose(double *g_y, double *g_W, double *g_b, const double *y,
                                       const double *W, const double *delta, size_t m, size_t mo)
{
    int st = dp_dense_backward(g_y, g_W, g_b, y, W, delta, m, mo);
    for (size_t i = 0; st == DP_OK && i < m * mo; i++)
        g_W[i % m * mo + i / m] = delta[i / m] * y[i % m];
    return st;
}

static int dense_backward_mp_gy_transpose(mpfr_ptr g_y, mpfr_ptr g_W, mpfr_ptr g_b,
                                          mpfr_srcptr y, mpfr_srcptr W, mpfr_srcptr delta,
                                          size_t m, size_t mo, dp_mpws *ws)
{
    int st = dp_dense_backward_mp(g_y, g_W, g_b, y, W, delta, m, mo, ws);
    for (size_t j = 0; st == DP_OK && j < m; j++) {
        mpfr_set_zero(g_y + j, +1);
        for (size_t jp = 0; jp < mo; jp++)
            mpfr_fma(g_y + j, delta + jp, W + j * mo + jp, g_y + j, MPFR_RNDN);
    }
    return st;
}

/* The ReLU indicator 1[L >= 0] (ReLU'(0) = 1), or no indicator at all (noind). */
static int relu_backward_with(double *g_y, double *g_W, double *g_b, const double *y,
                              const double *W, const double *b, const double *g_up, size_t m,
                              size_t mo, int noind)
{
    int st = dp_dense_relu_backward(g_y, g_W, g_b, y, W, b, g_up, m, mo);
    double *L = malloc(mo * sizeof *L);
    if (st == DP_OK && L != NULL && dp_dense(L, y, W, b, m, mo) == DP_OK) {
        for (size_t jp = 0; jp < mo; jp++)
            L[jp] = noind || L[jp] >= 0 ? g_up[jp] : 0.0;
        st = dp_dense_backward(g_y, g_W, g_b, y, W, L, m, mo);
    }
    free(L);
    return st;
}

static int dense_relu_backward_ge(double *g_y, double *g_W, double *g_b, const double *y,
                                  const double *W, const double *b, const double *g_up, size_t m,
                                  size_t mo)
{
    return relu_backward_with(g_y, g_W, g_b, y, W, b, g_up, m, mo, 0);
}

static int dense_relu_backward_noind(double *g_y, double *g_W, double *g_b, const double *y,
                                     const double *W, const double *b, const double *g_up,
                                     size_t m, size_t mo)
{
    return relu_backward_with(g_y, g_W, g_b, y, W, b, g_up, m, mo, 1);
}

static int dense_relu_backward_mp_ge(mpfr_ptr g_y, mpfr_ptr g_W, mpfr_ptr g_b, mpfr_srcptr y,
                                     mpfr_srcptr W, mpfr_srcptr b, mpfr_srcptr g_up, size_t m,
                                     size_t mo, dp_mpws *ws)
{
    int st = dp_dense_relu_backward_mp(g_y, g_W, g_b, y, W, b, g_up, m, mo, ws);
    if (st != DP_OK)
        return st;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, mo);
    dp_dense_mp(L, y, W, b, m, mo, ws);
    for (size_t jp = 0; jp < mo; jp++) {
        if (mpfr_sgn(L + jp) >= 0)
            mpfr_set(L + jp, g_up + jp, MPFR_RNDN);
        else
            mpfr_set_zero(L + jp, +1);
    }
    st = dp_dense_backward_mp(g_y, g_W, g_b, y, W, L, m, mo, ws);
    dp_mpws_release(ws, mk);
    return st;
}

/* ---- section 5: networks --------------------------------------------------------------------- */

static size_t widest(const dp_net *net)
{
    size_t w = 0;
    for (size_t k = 0; k <= net->p; k++)
        w = net->m[k] > w ? net->m[k] : w;
    return w;
}

/* N with a ReLU after the last layer too: S(ReLU(L^p(...))). */
static int network_relu_last(double *out, const dp_net *net, const double *x, dp_netws *ws)
{
    int st = dp_network(out, net, x, ws);
    size_t w = widest(net);
    double *a = malloc(2 * w * sizeof *a), *z = a + w;
    if (st == DP_OK && a != NULL) {
        memcpy(a, x, net->m[0] * sizeof *a);
        for (size_t k = 0; k < net->p; k++) {
            dp_dense(z, a, net->W[k], net->b[k], net->m[k], net->m[k + 1]);
            dp_relu(a, z, net->m[k + 1]);
        }
        dp_softmax(out, a, net->m[net->p]);
    }
    free(a);
    return st;
}

/* The MPFR network evaluated in a 53-bit workspace. */
static int network_mp_lowprec(mpfr_ptr out, const dp_net_mp *net, mpfr_srcptr x, dp_mpws *ws)
{
    int st = dp_network_mp(out, net, x, ws);
    if (st == DP_OK) {
        dp_mpws low;
        dp_mpws_init(&low, 53);
        st = dp_network_mp(out, net, x, &low);
        dp_mpws_clear(&low);
    }
    return st;
}

/* The global loss as a mean over the samples instead of the document's sum. */
static int global_loss_mean(double *loss, const dp_net *net, const double *X, const double *Yhat,
                            size_t n, dp_netws *ws)
{
    int st = dp_global_loss(loss, net, X, Yhat, n, ws);
    if (st == DP_OK)
        *loss /= (double)n;
    return st;
}

static int global_loss_mp_mean(mpfr_ptr loss, const dp_net_mp *net, mpfr_srcptr X,
                               mpfr_srcptr Yhat, size_t n, dp_mpws *ws)
{
    int st = dp_global_loss_mp(loss, net, X, Yhat, n, ws);
    if (st == DP_OK)
        mpfr_div_ui(loss, loss, n, MPFR_RNDN);
    return st;
}

/* The layer recursion rebuilt from the real layer functions with one flaw: LAST_RELU multiplies
   delta^p by a ReLU indicator 1[z^p > 0] (the last layer has none), DOC_DELTA starts from the
   document's S - Yhat instead of S sum(Yhat) - Yhat. */
enum { LAST_RELU = 1, DOC_DELTA = 2 };
static int flawed_gradient(double *loss, double *const *gW, double *const *gb, const dp_net *net,
                           const double *X, const double *Yhat, size_t n, dp_netws *ws, int flaw)
{
    int st = dp_global_loss_gradient(loss, gW, gb, net, X, Yhat, n, ws);
    size_t p = net->p, w = widest(net);
    const size_t *m = net->m;
    double *buf = calloc((2 * p + 4) * w + w * w, sizeof *buf);
    if (st != DP_OK || gW == NULL || buf == NULL) {
        free(buf);
        return st;
    }
    double *z = buf, *a = buf + p * w, *g = buf + 2 * p * w, *gy = g + w, *sb = gy + w;
    double *sW = sb + w;
    for (size_t k = 0; k < p; k++) {
        memset(gW[k], 0, m[k + 1] * m[k] * sizeof(double));
        memset(gb[k], 0, m[k + 1] * sizeof(double));
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(a, X + i * m[0], m[0] * sizeof(double)); /* a + k w is the input of layer k */
        for (size_t k = 0; k < p; k++) {
            dp_dense(z + k * w, a + k * w, net->W[k], net->b[k], m[k], m[k + 1]);
            if (k + 1 < p)
                dp_relu(a + (k + 1) * w, z + k * w, m[k + 1]);
        }
        const double *zp = z + (p - 1) * w, *yhat = Yhat + i * m[p];
        if (flaw & DOC_DELTA)
            dp_softmax_cce_gradient(g, yhat, zp, m[p]);
        else
            dp_softmax_cce_gradient_general(g, yhat, zp, m[p]);
        for (size_t j = 0; (flaw & LAST_RELU) && j < m[p]; j++)
            g[j] = zp[j] > 0 ? g[j] : 0;
        for (size_t k = p; k-- > 0;) {
            dp_dense_backward(gy, sW, sb, a + k * w, net->W[k], g, m[k], m[k + 1]);
            for (size_t j = 0; j < m[k + 1] * m[k]; j++)
                gW[k][j] += sW[j];
            for (size_t j = 0; j < m[k + 1]; j++)
                gb[k][j] += sb[j];
            for (size_t j = 0; k > 0 && j < m[k]; j++)
                g[j] = z[(k - 1) * w + j] > 0 ? gy[j] : 0;
        }
    }
    free(buf);
    return st;
}

static int global_gradient_last_relu(double *loss, double *const *gW, double *const *gb,
                                     const dp_net *net, const double *X, const double *Yhat,
                                     size_t n, dp_netws *ws)
{
    return flawed_gradient(loss, gW, gb, net, X, Yhat, n, ws, LAST_RELU);
}

static int global_gradient_doc_delta(double *loss, double *const *gW, double *const *gb,
                                     const dp_net *net, const double *X, const double *Yhat,
                                     size_t n, dp_netws *ws)
{
    return flawed_gradient(loss, gW, gb, net, X, Yhat, n, ws, DOC_DELTA);
}

/* dLoss/dW^0 returned with the wrong layout, (m[0] x m[1]) instead of (m[1] x m[0]). */
static int global_gradient_mp_transposed(mpfr_ptr loss, mpfr_ptr const *gW, mpfr_ptr const *gb,
                                         const dp_net_mp *net, mpfr_srcptr X, mpfr_srcptr Yhat,
                                         size_t n, dp_mpws *ws)
{
    int st = dp_global_loss_gradient_mp(loss, gW, gb, net, X, Yhat, n, ws);
    if (st != DP_OK || gW == NULL)
        return st;
    size_t r = net->m[1], c = net->m[0];
    mpfr_ptr t = dp_mpvec_init(r * c, ws->prec);
    for (size_t i = 0; i < r * c; i++)
        mpfr_set(t + i, gW[0] + i, MPFR_RNDN);
    for (size_t i = 0; i < r * c; i++)
        mpfr_set(gW[0] + i % c * r + i / c, t + i, MPFR_RNDN);
    dp_mpvec_clear(t, r * c);
    return st;
}

/* theta <- theta + eta grad: a step up the loss. */
static int sgd_plus(double *loss, dp_net *net, double *const *gW, double *const *gb, double eta,
                    const double *X, const double *Yhat, size_t n, dp_netws *ws)
{
    return dp_sgd_step(loss, net, gW, gb, -eta, X, Yhat, n, ws);
}

static int sgd_mp_plus(mpfr_ptr loss, dp_net_mp *net, mpfr_ptr const *gW, mpfr_ptr const *gb,
                       mpfr_srcptr eta, mpfr_srcptr X, mpfr_srcptr Yhat, size_t n, dp_mpws *ws)
{
    if (eta == NULL)
        return dp_sgd_step_mp(loss, net, gW, gb, eta, X, Yhat, n, ws);
    mpfr_t minus;
    mpfr_init2(minus, mpfr_get_prec(eta));
    mpfr_neg(minus, eta, MPFR_RNDN);
    int st = dp_sgd_step_mp(loss, net, gW, gb, minus, X, Yhat, n, ws);
    mpfr_clear(minus);
    return st;
}

/* ---- the table ---------------------------------------------------------------------------------
   X(mutant, entry of dp_impl it replaces, Check test case expected to catch it). */
#define MUTANTS(X)                                                                                 \
    X(relu_negzero, relu, "relu_values")                                                           \
    X(relu_mp_negzero, relu_mp, "relu_values")                                                     \
    X(relu_jacobian_kink, relu_jacobian, "relu_jacobian")                                          \
    X(relu_jacobian_mp_kink, relu_jacobian_mp, "relu_jacobian")                                    \
    X(softmax_nomax, softmax, "softmax_extreme")                                                   \
    X(softmax_relerr, softmax, "softmax_values")                                                   \
    X(softmax_mp_lowprec, softmax_mp, "softmax_values")                                            \
    X(softmax_mp_nomax, softmax_mp, "softmax_extreme")                                             \
    X(softmax_jacobian_sign, softmax_jacobian, "softmax_jacobian_values")                          \
    X(softmax_jacobian_index, softmax_jacobian, "softmax_jacobian_identities")                     \
    X(softmax_jacobian_cancel, softmax_jacobian, "softmax_jacobian_values")                        \
    X(softmax_jacobian_mp_offsign, softmax_jacobian_mp, "softmax_jacobian_identities")             \
    X(cce_nominus, cce, "cce_values")                                                              \
    X(cce_0log0, cce, "cce_values")                                                                \
    X(cce_mp_nominus, cce_mp, "cce_values")                                                        \
    X(cce_gradient_flip, cce_gradient, "cce_gradient_values")                                      \
    X(cce_gradient_mp_sign, cce_gradient_mp, "cce_gradient_values")                                \
    X(softmax_cce_naive, softmax_cce, "softmax_cce_extreme")                                       \
    X(softmax_cce_nolse, softmax_cce, "softmax_cce_values")                                        \
    X(softmax_cce_mp_relerr, softmax_cce_mp, "softmax_cce_values")                                 \
    X(softmax_cce_gradient_sign, softmax_cce_gradient, "softmax_cce_gradient_values")              \
    X(softmax_cce_gradient_normalised, softmax_cce_gradient, "softmax_cce_gradient_values")        \
    X(softmax_cce_gradient_mp_sign, softmax_cce_gradient_mp, "softmax_cce_gradient_values")        \
    X(softmax_cce_gradient_general_doc, softmax_cce_gradient_general,                              \
      "softmax_cce_gradient_general")                                                              \
    X(softmax_cce_gradient_general_mp_doc, softmax_cce_gradient_general_mp,                        \
      "softmax_cce_gradient_general")                                                              \
    X(softmax_cce_gradient_general_plain, softmax_cce_gradient_general,                            \
      "softmax_cce_gradient_general")                                                              \
    X(dense_transpose, dense, "dense_values")                                                      \
    X(dense_nobias, dense, "dense_values")                                                         \
    X(dense_mp_transpose, dense_mp, "dense_values")                                                \
    X(dense_jacobian_y_transpose, dense_jacobian_y, "dense_partials")                              \
    X(dense_jacobian_y_mp_transpose, dense_jacobian_y_mp, "dense_partials")                        \
    X(dense_gradient_w_reversed, dense_gradient_w, "dense_partials")                               \
    X(dense_gradient_w_mp_double, dense_gradient_w_mp, "dense_partials")                           \
    X(dense_jacobian_b_ones, dense_jacobian_b, "dense_partials")                                   \
    X(dense_jacobian_b_mp_zero, dense_jacobian_b_mp, "dense_partials")                             \
    X(dense_backward_gy_transpose, dense_backward, "dense_backward")                               \
    X(dense_backward_gw_transpose, dense_backward, "dense_backward")                               \
    X(dense_backward_mp_gy_transpose, dense_backward_mp, "dense_backward")                         \
    X(dense_relu_backward_ge, dense_relu_backward, "dense_relu_backward")                          \
    X(dense_relu_backward_noind, dense_relu_backward, "dense_relu_backward")                       \
    X(dense_relu_backward_mp_ge, dense_relu_backward_mp, "dense_relu_backward")                    \
    X(network_relu_last, network, "network_values")                                                \
    X(network_mp_lowprec, network_mp, "network_values")                                            \
    X(global_loss_mean, global_loss, "global_loss_values")                                         \
    X(global_loss_mp_mean, global_loss_mp, "global_loss_values")                                   \
    X(global_gradient_last_relu, global_loss_gradient, "global_gradient_values")                   \
    X(global_gradient_doc_delta, global_loss_gradient, "global_gradient_values")                   \
    X(global_gradient_mp_transposed, global_loss_gradient_mp, "network_gradient_fd")               \
    X(sgd_plus, sgd_step, "sgd_step")                                                              \
    X(sgd_mp_plus, sgd_step_mp, "sgd_step")

#define APPLY(name, entry, tcase)                                                                  \
    static void apply_##name(dp_impl *t)                                                           \
    {                                                                                              \
        t->entry = name;                                                                           \
    }
MUTANTS(APPLY)

#define ROW(name, entry, tcase) {#name, #entry, tcase, apply_##name},
const dp_mutant dp_mutants[] = {MUTANTS(ROW)};
const size_t dp_nmutants = sizeof dp_mutants / sizeof dp_mutants[0];
