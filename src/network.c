/* network.c -- section 5, neural networks: N = S o L^p o (ReLU o L^k, k < p), the global loss
   (a sum over samples), its layer-recursive gradient for every layer including the last, and one
   step of stochastic gradient descent.  Layer k = 0..p-1 here is the document's layer k + 1. */
#include <stdlib.h>
#include "internal.h"

static int check_net(size_t p, const size_t *m, const void *W, const void *b)
{
    DP_NEED(m && W && b, DP_EINVAL);
    DP_NEED(p > 0, DP_EDIM);
    for (size_t k = 0; k <= p; k++)
        DP_NEED(m[k] > 0, DP_EDIM);
    return DP_OK;
}

/* The scratch of one sample, carved out of one block in this order (sizes in entries):
   z[k] = L^k(a_k) (m[k+1]) for every k;  a[k] = ReLU(z[k-1]) (m[k]) for k >= 1, a[0] = x;
   two vectors of max m for the gradients flowing downstream; scratch for one layer's partials. */
typedef struct {
    size_t zoff[64], aoff[64]; /* offsets; networks deeper than 63 layers are refused */
    size_t gy0, gy1, sW, sb, len;
} layout;

static int plan(layout *L, size_t p, const size_t *m)
{
    DP_NEED(p < 64, DP_EDIM);
    size_t off = 0, mmax = 0, lmax = 0;
    for (size_t k = 0; k < p; k++) {
        L->zoff[k] = off;
        off += m[k + 1];
        L->aoff[k] = off;
        off += k > 0 ? m[k] : 0;
        mmax = m[k] > mmax ? m[k] : mmax;
        lmax = m[k + 1] * m[k] > lmax ? m[k + 1] * m[k] : lmax;
    }
    mmax = m[p] > mmax ? m[p] : mmax;
    L->gy0 = off;
    L->gy1 = off + mmax;
    L->sb = off + 2 * mmax;
    L->sW = L->sb + mmax;
    L->len = L->sW + lmax;
    return DP_OK;
}

int dp_netws_init(dp_netws *ws, const size_t *m, size_t p)
{
    DP_NEED(ws, DP_EINVAL);
    ws->buf = NULL;
    ws->len = 0;
    DP_NEED(m, DP_EINVAL);
    DP_NEED(p > 0, DP_EDIM);
    for (size_t k = 0; k <= p; k++)
        DP_NEED(m[k] > 0, DP_EDIM);
    layout L;
    DP_TRY(plan(&L, p, m));
    ws->buf = malloc(L.len * sizeof(double));
    DP_NEED(ws->buf, DP_ENOMEM);
    ws->len = L.len;
    return DP_OK;
}

void dp_netws_clear(dp_netws *ws)
{
    if (ws == NULL)
        return;
    free(ws->buf);
    ws->buf = NULL;
    ws->len = 0;
}

/* ---- the forward pass of one sample: z[k] = L^k(a[k]), a[k+1] = ReLU(z[k]) ------------------- */

static const double *layer_input(const layout *L, double *buf, const double *x, size_t k)
{
    return k == 0 ? x : buf + L->aoff[k];
}

static int forward(const layout *L, double *buf, const dp_net *net, const double *x)
{
    for (size_t k = 0; k < net->p; k++) {
        const double *a = layer_input(L, buf, x, k);
        double *z = buf + L->zoff[k];
        DP_TRY(dp_dense(z, a, net->W[k], net->b[k], net->m[k], net->m[k + 1]));
        if (k + 1 < net->p)
            DP_TRY(dp_relu(buf + L->aoff[k + 1], z, net->m[k + 1]));
    }
    return DP_OK;
}

static int prepare(layout *L, const dp_net *net, const dp_netws *ws)
{
    DP_NEED(net && ws && ws->buf, DP_EINVAL);
    DP_TRY(check_net(net->p, net->m, net->W, net->b));
    for (size_t k = 0; k < net->p; k++)
        DP_NEED(net->W[k] && net->b[k], DP_EINVAL);
    DP_TRY(plan(L, net->p, net->m));
    DP_NEED(L->len <= ws->len, DP_EDIM); /* the workspace was made for smaller widths */
    return DP_OK;
}

int dp_network(double *out, const dp_net *net, const double *x, dp_netws *ws)
{
    layout L;
    DP_NEED(out && x, DP_EINVAL);
    DP_TRY(prepare(&L, net, ws));
    DP_TRY(forward(&L, ws->buf, net, x));
    return dp_softmax(out, ws->buf + L.zoff[net->p - 1], net->m[net->p]);
}

int dp_global_loss(double *loss, const dp_net *net, const double *X, const double *Yhat, size_t n,
                   dp_netws *ws)
{
    return dp_global_loss_gradient(loss, NULL, NULL, net, X, Yhat, n, ws);
}

/* ---- the backward pass of one sample, accumulated into gW, gb --------------------------------
   F^{upstream(p)} = xi o S has gradient delta = S(z) sum(Yhat) - Yhat at z = z[p-1]; the last layer
   has no ReLU, so its partials are dense_backward's.  For k < p-1 the gradient g_up flowing from
   layer k+1 goes through ReLU o L^k: dense_relu_backward.  Each layer's partials are added. */

static void accumulate(double *g, const double *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        g[i] += s[i];
}

static int backward(const layout *L, double *buf, const dp_net *net, const double *x,
                    const double *yhat, double *const *gW, double *const *gb)
{
    size_t p = net->p;
    const size_t *m = net->m;
    double *g_up = buf + L->gy0, *g_y = buf + L->gy1, *sW = buf + L->sW, *sb = buf + L->sb;
    DP_TRY(dp_softmax_cce_gradient_general(sb, yhat, buf + L->zoff[p - 1], m[p]));
    for (size_t k = p; k-- > 0;) {
        const double *a = layer_input(L, buf, x, k);
        double *gy = k > 0 ? g_y : NULL;
        if (k == p - 1)
            DP_TRY(dp_dense_backward(gy, sW, sb, a, net->W[k], sb, m[k], m[k + 1]));
        else
            DP_TRY(dp_dense_relu_backward(gy, sW, sb, a, net->W[k], net->b[k], g_up, m[k],
                                          m[k + 1]));
        accumulate(gW[k], sW, m[k + 1] * m[k]);
        accumulate(gb[k], sb, m[k + 1]);
        double *t = g_up; /* the downstream gradient becomes the next layer's upstream one */
        g_up = g_y;
        g_y = t;
    }
    return DP_OK;
}

int dp_global_loss_gradient(double *loss, double *const *gW, double *const *gb, const dp_net *net,
                            const double *X, const double *Yhat, size_t n, dp_netws *ws)
{
    layout L;
    DP_NEED(X && Yhat, DP_EINVAL);
    DP_NEED((gW == NULL) == (gb == NULL), DP_EINVAL);
    DP_TRY(prepare(&L, net, ws));
    DP_NEED(n > 0, DP_EDIM);
    size_t p = net->p;
    const size_t *m = net->m;
    if (gW != NULL) {
        for (size_t k = 0; k < p; k++) {
            DP_NEED(gW[k] && gb[k], DP_EINVAL);
            for (size_t i = 0; i < m[k + 1] * m[k]; i++)
                gW[k][i] = 0.0;
            for (size_t i = 0; i < m[k + 1]; i++)
                gb[k][i] = 0.0;
        }
    }
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * m[0], *yhat = Yhat + i * m[p];
        double li;
        DP_TRY(forward(&L, ws->buf, net, x));
        DP_TRY(dp_softmax_cce(&li, yhat, ws->buf + L.zoff[p - 1], m[p]));
        total += li;
        if (gW != NULL)
            DP_TRY(backward(&L, ws->buf, net, x, yhat, gW, gb));
    }
    if (loss != NULL)
        *loss = total;
    return DP_OK;
}

int dp_sgd_step(double *loss, dp_net *net, double *const *gW, double *const *gb, double eta,
                const double *X, const double *Yhat, size_t n, dp_netws *ws)
{
    DP_NEED(gW && gb, DP_EINVAL);
    DP_NEED(isfinite(eta), DP_EDOMAIN);
    DP_TRY(dp_global_loss_gradient(loss, gW, gb, net, X, Yhat, n, ws));
    for (size_t k = 0; k < net->p; k++) {
        size_t mk = net->m[k], mo = net->m[k + 1];
        for (size_t i = 0; i < mo * mk; i++)
            net->W[k][i] = fma(-eta, gW[k][i], net->W[k][i]); /* theta - eta g, one rounding */
        for (size_t i = 0; i < mo; i++)
            net->b[k][i] = fma(-eta, gb[k][i], net->b[k][i]);
    }
    return DP_OK;
}

/* ---- MPFR: the same passes, line by line, with the scratch pushed on the workspace ------------ */

static int prepare_mp(layout *L, const dp_net_mp *net, dp_mpws *ws)
{
    DP_NEED(net && ws, DP_EINVAL);
    DP_TRY(check_net(net->p, net->m, net->W, net->b));
    for (size_t k = 0; k < net->p; k++)
        DP_NEED(net->W[k] && net->b[k], DP_EINVAL);
    return plan(L, net->p, net->m);
}

static mpfr_srcptr layer_input_mp(const layout *L, mpfr_ptr buf, mpfr_srcptr x, size_t k)
{
    return k == 0 ? x : buf + L->aoff[k];
}

static int forward_mp(const layout *L, mpfr_ptr buf, const dp_net_mp *net, mpfr_srcptr x,
                      dp_mpws *ws)
{
    for (size_t k = 0; k < net->p; k++) {
        mpfr_srcptr a = layer_input_mp(L, buf, x, k);
        mpfr_ptr z = buf + L->zoff[k];
        DP_TRY(dp_dense_mp(z, a, net->W[k], net->b[k], net->m[k], net->m[k + 1], ws));
        if (k + 1 < net->p)
            DP_TRY(dp_relu_mp(buf + L->aoff[k + 1], z, net->m[k + 1], ws));
    }
    return DP_OK;
}

int dp_network_mp(mpfr_ptr out, const dp_net_mp *net, mpfr_srcptr x, dp_mpws *ws)
{
    layout L;
    DP_NEED(out && x, DP_EINVAL);
    DP_TRY(prepare_mp(&L, net, ws));
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr buf = dp_mpws_push(ws, L.len);
    DP_NEED(buf, DP_ENOMEM);
    int st = forward_mp(&L, buf, net, x, ws);
    if (st == DP_OK)
        st = dp_softmax_mp(out, buf + L.zoff[net->p - 1], net->m[net->p], ws);
    dp_mpws_release(ws, mk);
    return st;
}

int dp_global_loss_mp(mpfr_ptr loss, const dp_net_mp *net, mpfr_srcptr X, mpfr_srcptr Yhat,
                      size_t n, dp_mpws *ws)
{
    return dp_global_loss_gradient_mp(loss, NULL, NULL, net, X, Yhat, n, ws);
}

static void accumulate_mp(mpfr_ptr g, mpfr_srcptr s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        mpfr_add(g + i, g + i, s + i, MPFR_RNDN);
}

static int backward_mp(const layout *L, mpfr_ptr buf, const dp_net_mp *net, mpfr_srcptr x,
                       mpfr_srcptr yhat, mpfr_ptr const *gW, mpfr_ptr const *gb, dp_mpws *ws)
{
    size_t p = net->p;
    const size_t *m = net->m;
    mpfr_ptr g_up = buf + L->gy0, g_y = buf + L->gy1, sW = buf + L->sW, sb = buf + L->sb;
    DP_TRY(dp_softmax_cce_gradient_general_mp(sb, yhat, buf + L->zoff[p - 1], m[p], ws));
    for (size_t k = p; k-- > 0;) {
        mpfr_srcptr a = layer_input_mp(L, buf, x, k);
        mpfr_ptr gy = k > 0 ? g_y : NULL;
        if (k == p - 1)
            DP_TRY(dp_dense_backward_mp(gy, sW, sb, a, net->W[k], sb, m[k], m[k + 1], ws));
        else
            DP_TRY(dp_dense_relu_backward_mp(gy, sW, sb, a, net->W[k], net->b[k], g_up, m[k],
                                             m[k + 1], ws));
        accumulate_mp(gW[k], sW, m[k + 1] * m[k]);
        accumulate_mp(gb[k], sb, m[k + 1]);
        mpfr_ptr t = g_up;
        g_up = g_y;
        g_y = t;
    }
    return DP_OK;
}

static int loss_gradient_mp(mpfr_ptr total, mpfr_ptr buf, const layout *L, mpfr_ptr const *gW,
                            mpfr_ptr const *gb, const dp_net_mp *net, mpfr_srcptr X,
                            mpfr_srcptr Yhat, size_t n, dp_mpws *ws)
{
    size_t p = net->p;
    const size_t *m = net->m;
    mpfr_ptr li = total + 1;
    mpfr_set_zero(total, +1);
    for (size_t i = 0; i < n; i++) {
        mpfr_srcptr x = X + i * m[0], yhat = Yhat + i * m[p];
        DP_TRY(forward_mp(L, buf, net, x, ws));
        DP_TRY(dp_softmax_cce_mp(li, yhat, buf + L->zoff[p - 1], m[p], ws));
        mpfr_add(total, total, li, MPFR_RNDN);
        if (gW != NULL)
            DP_TRY(backward_mp(L, buf, net, x, yhat, gW, gb, ws));
    }
    return DP_OK;
}

int dp_global_loss_gradient_mp(mpfr_ptr loss, mpfr_ptr const *gW, mpfr_ptr const *gb,
                               const dp_net_mp *net, mpfr_srcptr X, mpfr_srcptr Yhat, size_t n,
                               dp_mpws *ws)
{
    layout L;
    DP_NEED(X && Yhat, DP_EINVAL);
    DP_NEED((gW == NULL) == (gb == NULL), DP_EINVAL);
    DP_TRY(prepare_mp(&L, net, ws));
    DP_NEED(n > 0, DP_EDIM);
    size_t p = net->p;
    const size_t *m = net->m;
    if (gW != NULL) {
        for (size_t k = 0; k < p; k++) {
            DP_NEED(gW[k] && gb[k], DP_EINVAL);
            for (size_t i = 0; i < m[k + 1] * m[k]; i++)
                mpfr_set_zero(gW[k] + i, +1);
            for (size_t i = 0; i < m[k + 1]; i++)
                mpfr_set_zero(gb[k] + i, +1);
        }
    }
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr total = dp_mpws_push(ws, 2); /* total, and one sample's loss */
    mpfr_ptr buf = total ? dp_mpws_push(ws, L.len) : NULL;
    int st = DP_ENOMEM;
    if (buf != NULL)
        st = loss_gradient_mp(total, buf, &L, gW, gb, net, X, Yhat, n, ws);
    if (st == DP_OK && loss != NULL)
        mpfr_set(loss, total, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return st;
}

/* theta <- theta - eta g with one rounding: -(eta g - theta), the negation being exact. */
static void step_mp(mpfr_ptr theta, mpfr_srcptr eta, mpfr_srcptr g)
{
    mpfr_fms(theta, eta, g, theta, MPFR_RNDN);
    mpfr_neg(theta, theta, MPFR_RNDN);
}

int dp_sgd_step_mp(mpfr_ptr loss, dp_net_mp *net, mpfr_ptr const *gW, mpfr_ptr const *gb,
                   mpfr_srcptr eta, mpfr_srcptr X, mpfr_srcptr Yhat, size_t n, dp_mpws *ws)
{
    DP_NEED(gW && gb && eta, DP_EINVAL);
    DP_NEED(mpfr_number_p(eta), DP_EDOMAIN);
    DP_TRY(dp_global_loss_gradient_mp(loss, gW, gb, net, X, Yhat, n, ws));
    for (size_t k = 0; k < net->p; k++) {
        size_t mk = net->m[k], mo = net->m[k + 1];
        for (size_t i = 0; i < mo * mk; i++)
            step_mp(net->W[k] + i, eta, gW[k] + i);
        for (size_t i = 0; i < mo; i++)
            step_mp(net->b[k] + i, eta, gb[k] + i);
    }
    return DP_OK;
}
