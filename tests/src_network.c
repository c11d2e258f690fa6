/* src_network.c -- Check suite of section 5's networks: N = S o L^p o (ReLU o L^k, k < p), the
   global loss (a sum over samples), its layer-recursive gradient (the theorem, with no ReLU
   indicator at the last layer) and one SGD step, double and MPFR: values derived by hand, the
   chain rule composed from the layer partials, finite differences, the double functions against
   their 256-bit MPFR twins, and bad arguments. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "impl.h"

enum { PMAX = 3, WMAX = 4 }; /* at most 3 layers of width <= 4 in these tests */

/* Arrays shaped like a network's parameters: hand-made gradients and their error bounds. */
typedef struct {
    double W[PMAX][WMAX * WMAX], b[PMAX][WMAX];
} grads;

/* A network in double and in MPFR with the same parameters, and its gradient arrays. */
typedef struct {
    size_t p, m[PMAX + 1];
    double *W[PMAX], *b[PMAX], *gW[PMAX], *gb[PMAX];
    mpfr_ptr Wm[PMAX], bm[PMAX], gWm[PMAX], gbm[PMAX];
    dp_net net;
    dp_net_mp netm;
    dp_netws nws;
} tnet;

/* params lists W[0], b[0], W[1], b[1], ...; NULL means all zero. */
static void tnet_init(tnet *t, size_t p, const size_t *m, const double *params)
{
    memset(t, 0, sizeof *t);
    t->p = p;
    memcpy(t->m, m, (p + 1) * sizeof *m);
    for (size_t k = 0; k < p; k++) {
        size_t nw = m[k + 1] * m[k], nb = m[k + 1];
        t->W[k] = calloc(nw, sizeof(double));
        t->b[k] = calloc(nb, sizeof(double));
        t->gW[k] = calloc(nw, sizeof(double));
        t->gb[k] = calloc(nb, sizeof(double));
        ck_assert(t->W[k] && t->b[k] && t->gW[k] && t->gb[k]);
        if (params != NULL) {
            memcpy(t->W[k], params, nw * sizeof(double));
            memcpy(t->b[k], params += nw, nb * sizeof(double));
            params += nb;
        }
        t->Wm[k] = mpv_d(t->W[k], nw);
        t->bm[k] = mpv_d(t->b[k], nb);
        t->gWm[k] = mpv(nw);
        t->gbm[k] = mpv(nb);
    }
    t->net = (dp_net){p, t->m, t->W, t->b};
    t->netm = (dp_net_mp){p, t->m, t->Wm, t->bm};
    ck_assert_int_eq(dp_netws_init(&t->nws, t->m, p), DP_OK);
}

/* Random parameters in [-1, 1]; grid > 0 rounds them to multiples of 1/grid. */
static void tnet_random(tnet *t, uint64_t *seed, double grid)
{
    for (size_t k = 0; k < t->p; k++) {
        size_t nw = t->m[k + 1] * t->m[k], nb = t->m[k + 1];
        for (size_t i = 0; i < nw + nb; i++) {
            double v = dp_rand(seed, -1, 1), *dst = i < nw ? t->W[k] + i : t->b[k] + i - nw;
            *dst = grid > 0 ? round(v * grid) / grid : v;
            mpfr_set_d(i < nw ? t->Wm[k] + i : t->bm[k] + i - nw, *dst, MPFR_RNDN);
        }
    }
}

static void tnet_clear(tnet *t)
{
    for (size_t k = 0; k < t->p; k++) {
        size_t nw = t->m[k + 1] * t->m[k], nb = t->m[k + 1];
        free(t->W[k]);
        free(t->b[k]);
        free(t->gW[k]);
        free(t->gb[k]);
        dp_mpvec_clear(t->Wm[k], nw);
        dp_mpvec_clear(t->bm[k], nb);
        dp_mpvec_clear(t->gWm[k], nw);
        dp_mpvec_clear(t->gbm[k], nb);
    }
    dp_netws_clear(&t->nws);
}

/* Random samples: X (n x m[0]) on the grid of 1/8 in [-2, 2], Yhat (n x m[p]) in {0, 1/2, 1,
   3/2} (so that sum Yhat_i is often != 1), and their MPFR copies. */
static void samples(const tnet *t, uint64_t *seed, size_t n, double *X, double *Y, mpfr_ptr *Xm,
                    mpfr_ptr *Ym)
{
    for (size_t i = 0; i < n * t->m[0]; i++)
        X[i] = round(dp_rand(seed, -2, 2) * 8) / 8;
    for (size_t i = 0; i < n * t->m[t->p]; i++)
        Y[i] = floor(dp_rand(seed, 0, 4)) / 2;
    *Xm = mpv_d(X, n * t->m[0]);
    *Ym = mpv_d(Y, n * t->m[t->p]);
}

/* ---- error bounds of a network on the grid ------------------------------------------------------
   With parameters and inputs on a grid of 1/8 and |.| <= 2, every product and sum of the forward
   pass is a short dyadic number: z^k and a^k are exact in double, and so are the ReLU indicators.
   Rounding starts at SoftMax: delta^p = S sum(Yhat) - Yhat errs by <= K_p u M^p with
   M^p = |sum Yhat| S + |Yhat| and K_p = (m_p + 4)(1 + D) + m_p (sg_tol in src_loss.c: yhat >= 0,
   so |sum Yhat| = sum |Yhat|); each layer back adds the m_{k+1} + 1 roundings of its fma chain
   (dot_tol in src_dense.c), so delta^k errs by <= K_k u M^k with M^k = (M^{k+1} |W^{k+1}|) (.)
   1[z^k > 0]; the products with a^k add 1, the sum over n samples n: every gradient entry errs by
   <= K u sum_i M^k (x) |a^k| (resp. sum_i M^k) with K = K_p + sum_k (m_k + 1) + 1 + n (Higham's
   running error analysis, first order; the factor 2 below covers second order and the rounding
   of the bound itself).  The loss: softmax_cce_tol per sample plus n u for the sum. */

/* The forward pass written out (exact on the grid): z[k] is (m[k+1]), a[k] (m[k]), a[0] = x. */
static void plain_forward(const tnet *t, const double *x, double z[PMAX][WMAX],
                          double a[PMAX][WMAX])
{
    memcpy(a[0], x, t->m[0] * sizeof(double));
    for (size_t k = 0; k < t->p; k++)
        for (size_t jp = 0; jp < t->m[k + 1]; jp++) {
            z[k][jp] = t->b[k][jp];
            for (size_t j = 0; j < t->m[k]; j++)
                z[k][jp] += t->W[k][jp * t->m[k] + j] * a[k][j];
            if (k + 1 < t->p)
                a[k + 1][jp] = z[k][jp] > 0 ? z[k][jp] : 0;
        }
}

/* Fills bd with the gradient bounds for unit roundoff u and returns the loss bound. */
static double net_bounds(grads *bd, const tnet *t, const double *X, const double *Y, size_t n,
                         double u)
{
    size_t p = t->p, mp = t->m[p];
    double z[PMAX][WMAX], a[PMAX][WMAX], M[WMAX], Mn[WMAX], Dmax = 0, loss_tol = 0, loss = 0;
    memset(bd, 0, sizeof *bd);
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * t->m[0], *yh = Y + i * mp;
        plain_forward(t, x, z, a);
        double zmax = -INFINITY, e = 0, D = 0, A = 0, c = 0;
        for (size_t j = 0; j < mp; j++)
            zmax = fmax(zmax, z[p - 1][j]);
        for (size_t j = 0; j < mp; j++) {
            e += exp(z[p - 1][j] - zmax);
            D = fmax(D, zmax - z[p - 1][j]);
            A += yh[j] * (zmax - z[p - 1][j]);
            c += yh[j];
        }
        Dmax = fmax(Dmax, D);
        loss += A + c * log(e);
        loss_tol += ((mp + 4) * A + (2 * mp + D + 5) * c * log(e)) * u; /* softmax_cce_tol */
        for (size_t j = 0; j < mp; j++)
            M[j] = c * exp(z[p - 1][j] - zmax) / e + yh[j];
        for (size_t k = p; k-- > 0;) {
            size_t mk = t->m[k], mo = t->m[k + 1];
            for (size_t jp = 0; jp < mo; jp++) {
                bd->b[k][jp] += M[jp];
                for (size_t j = 0; j < mk; j++)
                    bd->W[k][jp * mk + j] += M[jp] * fabs(a[k][j]);
            }
            if (k == 0)
                break;
            for (size_t j = 0; j < mk; j++) {
                Mn[j] = 0;
                for (size_t jp = 0; jp < mo; jp++)
                    Mn[j] += M[jp] * fabs(t->W[k][jp * mk + j]);
                if (!(z[k - 1][j] > 0))
                    Mn[j] = 0;
            }
            memcpy(M, Mn, mk * sizeof(double));
        }
    }
    double K = (mp + 4) * (1 + Dmax) + mp + 1 + n;
    for (size_t k = 1; k <= p; k++)
        K += t->m[k] + 1;
    for (size_t k = 0; k < p; k++) {
        for (size_t i = 0; i < t->m[k + 1] * t->m[k]; i++)
            bd->W[k][i] *= 2 * K * u;
        for (size_t i = 0; i < t->m[k + 1]; i++)
            bd->b[k][i] *= 2 * K * u;
    }
    return 2 * (loss_tol + n * u * loss);
}

/* ---- the network N --------------------------------------------------------------------------- */

/* Compares a double and an MPFR network output with num[j]/den within tol, tol_mp relative. */
static void check_output(const double *N, mpfr_srcptr Nm, const long *num, unsigned long den,
                         size_t m, double tol, double tol_mp, const char *what)
{
    mpfr_ptr w = mpv(1);
    for (size_t j = 0; j < m; j++) {
        mp_q(w, num[j], den);
        ck_assert_msg(err_d(N[j], w) <= tol * mp_abs_d(w), "%s: N_%zu = %.17g, want %ld/%lu",
                      what, j, N[j], num[j], den);
        ck_assert_msg(err_mp(Nm + j, w) <= tol_mp * mp_abs_d(w), "%s: N_mp_%zu = %.17g", what,
                      j, mpfr_get_d(Nm + j, MPFR_RNDN));
    }
    dp_mpvec_clear(w, 1);
}

/* One layer, W = [[0, 0], [1, 0], [0, 1]], b = 0, x = (ln 2, ln 3): z = (0, ln 2, ln 3) and
   N = (1, 2, 3)/6 (the logits' rounding adds 5u, 3u in MPFR: see test_softmax_worked).
   Two layers, W^0 = [[1, 0], [0, -1]], W^1 = [[0, 1], [-1, 0]], b = 0, x = (ln 2, 1):
   z^0 = (ln 2, -1), a^1 = ReLU(z^0) = (ln 2, 0), z^1 = (0, -ln 2), N = (1, 1/2)/(3/2) =
   (2/3, 1/3) (x_0's rounding moves log N_j by <= 4u ln 2 < 3u).  The hidden ReLU matters (without
   it z^1 = (-1, -ln 2)), and no ReLU follows the last layer (with one z^1 = (0, 0)).
   m = (3, 1): N = (1) whatever x. */
START_TEST(test_network_worked)
{
    static const size_t m1[2] = {2, 3}, m2[3] = {2, 2, 2}, m3[2] = {3, 1};
    static const double p1[9] = {0, 0, 1, 0, 0, 1, 0, 0, 0};
    static const double p2[12] = {1, 0, 0, -1, 0, 0, 0, 1, -1, 0, 0, 0};
    static const double p3[4] = {1, -2, 3, 0.5};
    static const long n1[3] = {1, 2, 3}, n2[2] = {2, 1}, n3[1] = {1};
    double x[3] = {log(2.0), log(3.0), 0}, N[3];
    mpfr_ptr xm = mpv(3), Nm = mpv(3);
    mpfr_log_ui(xm, 2, MPFR_RNDN);
    mpfr_log_ui(xm + 1, 3, MPFR_RNDN);
    tnet t;
    tnet_init(&t, 1, m1, p1);
    ck_assert_int_eq(T->network(N, &t.net, x, &t.nws), DP_OK);
    ck_assert_int_eq(T->network_mp(Nm, &t.netm, xm, &WS), DP_OK);
    check_output(N, Nm, n1, 6, 3, softmax_tol(3, log(3.0), U53) + 5 * U53,
                 softmax_tol(3, log(3.0), U256) + 3 * U256, "one layer");
    tnet_clear(&t);

    tnet_init(&t, 2, m2, p2);
    x[1] = 1;
    mpfr_set_ui(xm + 1, 1, MPFR_RNDN);
    ck_assert_int_eq(T->network(N, &t.net, x, &t.nws), DP_OK);
    ck_assert_int_eq(T->network_mp(Nm, &t.netm, xm, &WS), DP_OK);
    check_output(N, Nm, n2, 3, 2, softmax_tol(2, log(2.0), U53) + 3 * U53,
                 softmax_tol(2, log(2.0), U256) + 2 * U256, "two layers");
    tnet_clear(&t);

    tnet_init(&t, 1, m3, p3);
    ck_assert_int_eq(T->network(N, &t.net, x, &t.nws), DP_OK);
    ck_assert_int_eq(T->network_mp(Nm, &t.netm, xm, &WS), DP_OK);
    check_output(N, Nm, n3, 1, 1, 0, 0, "m = (3, 1)");
    tnet_clear(&t);
    dp_mpvec_clear(xm, 3);
    dp_mpvec_clear(Nm, 3);
}
END_TEST

/* ---- the global loss ------------------------------------------------------------------------- */

/* A sum, not a mean: with W = 0, b = 0 and m = (1, 2), N(x) = (1/2, 1/2) for every x, so three
   samples with one-hot Yhat cost 3 (-log 1/2) = 3 ln 2 (bound: per sample log1p(1) = ln 2 within
   (2m + 5)u = 9u relative (softmax_cce_tol, D = 0), and the sum of 3 adds 3u).  And it is the
   sum of the cross-entropies after SoftMax of the logits: at random 2-layer nets on the grid
   (exact logits, see net_bounds), sum_i softmax_cce(Yhat_i, z_i) within twice net_bounds. */
START_TEST(test_global_loss)
{
    static const size_t m1[2] = {1, 2}, m2[3] = {3, 4, 2};
    static const double X[3] = {3, -1, 7}, Y[6] = {1, 0, 0, 1, 1, 0};
    double loss, z[WMAX], a[WMAX];
    grads bd;
    mpfr_ptr Xm = mpv_d(X, 3), Ym = mpv_d(Y, 6), lm = mpv(1), w = mpv(1), s = mpv(1);
    tnet t;
    tnet_init(&t, 1, m1, NULL);
    mpfr_const_log2(w, MPFR_RNDN);
    mpfr_mul_ui(w, w, 3, MPFR_RNDN);
    ck_assert_int_eq(T->global_loss(&loss, &t.net, X, Y, 3, &t.nws), DP_OK);
    ck_assert_int_eq(T->global_loss_mp(lm, &t.netm, Xm, Ym, 3, &WS), DP_OK);
    ck_assert_msg(err_d(loss, w) <= 12 * U53 * 3 * log(2.0), "loss = %.17g, want 3 ln 2", loss);
    ck_assert_msg(err_mp(lm, w) <= 12 * U256 * 3 * log(2.0), "loss_mp = %.17g, want 3 ln 2",
                  mpfr_get_d(lm, MPFR_RNDN));
    tnet_clear(&t);
    dp_mpvec_clear(Xm, 3);
    dp_mpvec_clear(Ym, 6);

    uint64_t seed = 31;
    double X2[3 * 4], Y2[2 * 4];
    tnet_init(&t, 2, m2, NULL);
    for (int trial = 0; trial < 20; trial++) {
        tnet_random(&t, &seed, 8);
        samples(&t, &seed, 4, X2, Y2, &Xm, &Ym);
        double sum = 0, l;
        mpfr_set_zero(s, +1);
        for (size_t i = 0; i < 4; i++) {
            mpfr_ptr zm = mpv(2), am = mpv(4), xi = mpv_d(X2 + 3 * i, 3), yi = mpv_d(Y2 + 2 * i, 2);
            ck_assert_int_eq(T->dense(a, X2 + 3 * i, t.W[0], t.b[0], 3, 4), DP_OK);
            ck_assert_int_eq(T->relu(a, a, 4), DP_OK);
            ck_assert_int_eq(T->dense(z, a, t.W[1], t.b[1], 4, 2), DP_OK);
            ck_assert_int_eq(T->softmax_cce(&l, Y2 + 2 * i, z, 2), DP_OK);
            sum += l;
            ck_assert_int_eq(T->dense_mp(am, xi, t.Wm[0], t.bm[0], 3, 4, &WS), DP_OK);
            ck_assert_int_eq(T->relu_mp(am, am, 4, &WS), DP_OK);
            ck_assert_int_eq(T->dense_mp(zm, am, t.Wm[1], t.bm[1], 4, 2, &WS), DP_OK);
            ck_assert_int_eq(T->softmax_cce_mp(w, yi, zm, 2, &WS), DP_OK);
            mpfr_add(s, s, w, MPFR_RNDN);
            dp_mpvec_clear(zm, 2);
            dp_mpvec_clear(am, 4);
            dp_mpvec_clear(xi, 3);
            dp_mpvec_clear(yi, 2);
        }
        ck_assert_int_eq(T->global_loss(&loss, &t.net, X2, Y2, 4, &t.nws), DP_OK);
        ck_assert_int_eq(T->global_loss_mp(lm, &t.netm, Xm, Ym, 4, &WS), DP_OK);
        ck_assert_msg(fabs(loss - sum) <= 2 * net_bounds(&bd, &t, X2, Y2, 4, U53),
                      "global loss %.17g, sum of the samples' losses %.17g", loss, sum);
        ck_assert_msg(err_mp(lm, s) <= 2 * net_bounds(&bd, &t, X2, Y2, 4, U256),
                      "global loss_mp differs from the sum by %g", err_mp(lm, s));
        dp_mpvec_clear(Xm, 12);
        dp_mpvec_clear(Ym, 8);
    }
    tnet_clear(&t);
    dp_mpvec_clear(lm, 1);
    dp_mpvec_clear(w, 1);
    dp_mpvec_clear(s, 1);
}
END_TEST

/* ---- the gradient of the global loss --------------------------------------------------------- */

/* The theorem's recursion written with the layer functions: z^k = L^k(a^k), a^{k+1} = ReLU(z^k);
   delta^p = S(z^p) sum(Yhat) - Yhat (softmax_cce_gradient_general); the last layer's partials by
   dense_backward (no ReLU after it), every other layer's by dense_relu_backward fed with the g_y
   of the layer above it; each summed over the samples.  Double into hW, hb; MPFR into t->g*m. */
static void compose_gradient(const tnet *t, const double *X, const double *Y, size_t n, grads *h)
{
    size_t p = t->p;
    const size_t *m = t->m;
    double z[PMAX][WMAX], a[PMAX][WMAX], g[2][WMAX], sW[WMAX * WMAX], sb[WMAX];
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < n; i++) {
        memcpy(a[0], X + i * m[0], m[0] * sizeof(double));
        for (size_t k = 0; k < p; k++) {
            ck_assert_int_eq(T->dense(z[k], a[k], t->W[k], t->b[k], m[k], m[k + 1]), DP_OK);
            if (k + 1 < p)
                ck_assert_int_eq(T->relu(a[k + 1], z[k], m[k + 1]), DP_OK);
        }
        ck_assert_int_eq(T->softmax_cce_gradient_general(g[0], Y + i * m[p], z[p - 1], m[p]),
                         DP_OK);
        for (size_t k = p; k-- > 0;) {
            double *up = g[(p - 1 - k) % 2], *down = g[(p - k) % 2];
            if (k == p - 1)
                ck_assert_int_eq(T->dense_backward(down, sW, sb, a[k], t->W[k], up, m[k],
                                                   m[k + 1]), DP_OK);
            else
                ck_assert_int_eq(T->dense_relu_backward(down, sW, sb, a[k], t->W[k], t->b[k], up,
                                                        m[k], m[k + 1]), DP_OK);
            for (size_t j = 0; j < m[k + 1] * m[k]; j++)
                h->W[k][j] += sW[j];
            for (size_t j = 0; j < m[k + 1]; j++)
                h->b[k][j] += sb[j];
        }
    }
}

/* MPFR arrays shaped like t's parameters (for a gradient), at PREC bits. */
static void mp_grads_init(const tnet *t, mpfr_ptr *W, mpfr_ptr *b)
{
    for (size_t k = 0; k < t->p; k++) {
        W[k] = mpv(t->m[k + 1] * t->m[k]);
        b[k] = mpv(t->m[k + 1]);
    }
}

static void mp_grads_clear(const tnet *t, mpfr_ptr *W, mpfr_ptr *b)
{
    for (size_t k = 0; k < t->p; k++) {
        dp_mpvec_clear(W[k], t->m[k + 1] * t->m[k]);
        dp_mpvec_clear(b[k], t->m[k + 1]);
    }
}

static void compose_gradient_mp(const tnet *t, mpfr_srcptr X, mpfr_srcptr Y, size_t n,
                                mpfr_ptr *hW, mpfr_ptr *hb)
{
    size_t p = t->p;
    const size_t *m = t->m;
    mpfr_ptr z = mpv(PMAX * WMAX), a = mpv(PMAX * WMAX), g = mpv(2 * WMAX);
    mpfr_ptr sW = mpv(WMAX * WMAX), sb = mpv(WMAX);
    for (size_t k = 0; k < p; k++) {
        for (size_t j = 0; j < m[k + 1] * m[k]; j++)
            mpfr_set_zero(hW[k] + j, +1);
        for (size_t j = 0; j < m[k + 1]; j++)
            mpfr_set_zero(hb[k] + j, +1);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < m[0]; j++)
            mpfr_set(a + j, X + i * m[0] + j, MPFR_RNDN);
        for (size_t k = 0; k < p; k++) {
            mpfr_ptr zk = z + k * WMAX, ak = a + k * WMAX;
            ck_assert_int_eq(T->dense_mp(zk, ak, t->Wm[k], t->bm[k], m[k], m[k + 1], &WS), DP_OK);
            if (k + 1 < p)
                ck_assert_int_eq(T->relu_mp(ak + WMAX, zk, m[k + 1], &WS), DP_OK);
        }
        ck_assert_int_eq(T->softmax_cce_gradient_general_mp(g, Y + i * m[p], z + (p - 1) * WMAX,
                                                            m[p], &WS), DP_OK);
        for (size_t k = p; k-- > 0;) {
            mpfr_ptr up = g + (p - 1 - k) % 2 * WMAX, down = g + (p - k) % 2 * WMAX;
            mpfr_ptr ak = a + k * WMAX;
            if (k == p - 1)
                ck_assert_int_eq(T->dense_backward_mp(down, sW, sb, ak, t->Wm[k], up, m[k],
                                                      m[k + 1], &WS), DP_OK);
            else
                ck_assert_int_eq(T->dense_relu_backward_mp(down, sW, sb, ak, t->Wm[k], t->bm[k],
                                                           up, m[k], m[k + 1], &WS), DP_OK);
            for (size_t j = 0; j < m[k + 1] * m[k]; j++)
                mpfr_add(hW[k] + j, hW[k] + j, sW + j, MPFR_RNDN);
            for (size_t j = 0; j < m[k + 1]; j++)
                mpfr_add(hb[k] + j, hb[k] + j, sb + j, MPFR_RNDN);
        }
    }
    dp_mpvec_clear(z, PMAX * WMAX);
    dp_mpvec_clear(a, PMAX * WMAX);
    dp_mpvec_clear(g, 2 * WMAX);
    dp_mpvec_clear(sW, WMAX * WMAX);
    dp_mpvec_clear(sb, WMAX);
}

/* The double gradient t->gW, t->gb within tol of want (want_mp: an MPFR gradient instead, in
   t->gWm, t->gbm); and the MPFR gradient t->gWm, t->gbm within tol_mp of want_mp. */
static void check_grads(const tnet *t, const grads *want, const grads *tol, const char *what)
{
    for (size_t k = 0; k < t->p; k++) {
        for (size_t i = 0; i < t->m[k + 1] * t->m[k]; i++)
            ck_assert_msg(fabs(t->gW[k][i] - want->W[k][i]) <= tol->W[k][i],
                          "%s: dLoss/dW^%zu[%zu] = %.17g, want %.17g", what, k, i, t->gW[k][i],
                          want->W[k][i]);
        for (size_t i = 0; i < t->m[k + 1]; i++)
            ck_assert_msg(fabs(t->gb[k][i] - want->b[k][i]) <= tol->b[k][i],
                          "%s: dLoss/db^%zu[%zu] = %.17g, want %.17g", what, k, i, t->gb[k][i],
                          want->b[k][i]);
    }
}

/* The MPFR gradient t->gWm, t->gbm within tol of want (shaped like them), or of the double
   gradient t->gW, t->gb when want is NULL. */
static void check_grads_mp(const tnet *t, mpfr_ptr const *wantW, mpfr_ptr const *wantb,
                           const grads *tol, const char *what)
{
    for (size_t k = 0; k < t->p; k++) {
        for (size_t i = 0; i < t->m[k + 1] * t->m[k]; i++) {
            double e = wantW ? err_mp(t->gWm[k] + i, wantW[k] + i) : err_d(t->gW[k][i],
                                                                            t->gWm[k] + i);
            ck_assert_msg(e <= tol->W[k][i], "%s: dLoss/dW^%zu[%zu] = %.17g off by %g", what, k,
                          i, mpfr_get_d(t->gWm[k] + i, MPFR_RNDN), e);
        }
        for (size_t i = 0; i < t->m[k + 1]; i++) {
            double e = wantb ? err_mp(t->gbm[k] + i, wantb[k] + i) : err_d(t->gb[k][i],
                                                                            t->gbm[k] + i);
            ck_assert_msg(e <= tol->b[k][i], "%s: dLoss/db^%zu[%zu] = %.17g off by %g", what, k,
                          i, mpfr_get_d(t->gbm[k] + i, MPFR_RNDN), e);
        }
    }
}

/* One layer, m = (1, 2), W = 0, b = 0: S = (1/2, 1/2) at every x.  Sample x = 3, Yhat = (1, 0):
   delta = S - Yhat = (-1/2, 1/2).  Sample x = -1, Yhat = (2, 0), whose sum is 2: delta =
   2S - Yhat = (-1, 1) (the document's S - Yhat would give (-3/2, 1/2)).  So dLoss/db =
   (-3/2, 3/2) and dLoss/dW = 3 (-1/2, 1/2) - (-1, 1) = (-1/2, 1/2) exactly; the loss is
   ln 2 + 2 ln 2 = 3 ln 2 (within 12u: test_global_loss).  Here z = 0: a ReLU indicator at the
   last layer would zero the whole gradient. */
START_TEST(test_global_gradient_worked)
{
    static const size_t m[2] = {1, 2};
    static const double X[2] = {3, -1}, Y[4] = {1, 0, 2, 0};
    static const grads want = {.W = {{-0.5, 0.5}}, .b = {{-1.5, 1.5}}}, exact = {{{0}}, {{0}}};
    double loss;
    mpfr_ptr Xm = mpv_d(X, 2), Ym = mpv_d(Y, 4), lm = mpv(1), w = mpv(1);
    tnet t;
    tnet_init(&t, 1, m, NULL);
    ck_assert_int_eq(T->global_loss_gradient(&loss, t.gW, t.gb, &t.net, X, Y, 2, &t.nws), DP_OK);
    check_grads(&t, &want, &exact, "one layer");
    ck_assert_int_eq(T->global_loss_gradient(NULL, t.gW, t.gb, &t.net, X, Y, 2, &t.nws), DP_OK);
    check_grads(&t, &want, &exact, "one layer, loss NULL");
    ck_assert_int_eq(T->global_loss_gradient_mp(lm, t.gWm, t.gbm, &t.netm, Xm, Ym, 2, &WS), DP_OK);
    check_grads_mp(&t, NULL, NULL, &exact, "one layer (mp)"); /* t.gW holds want exactly */
    mpfr_const_log2(w, MPFR_RNDN);
    mpfr_mul_ui(w, w, 3, MPFR_RNDN);
    ck_assert_msg(err_d(loss, w) <= 12 * U53 * 3 * log(2.0), "loss = %.17g, want 3 ln 2", loss);
    ck_assert_msg(err_mp(lm, w) <= 12 * U256 * 3 * log(2.0), "loss_mp off by %g", err_mp(lm, w));
    tnet_clear(&t);
    dp_mpvec_clear(Xm, 2);
    dp_mpvec_clear(Ym, 4);
    dp_mpvec_clear(lm, 1);
    dp_mpvec_clear(w, 1);
}
END_TEST

/* The theorem's recursion is the chain rule composed from the layer partials: at random nets on
   the grid with p = 1, 2, 3 layers and n = 3 samples, global_loss_gradient equals
   compose_gradient (for p = 1: dLoss/db = sum_i softmax_cce_gradient_general; for p = 2:
   dLoss/dW^0 = dense_relu_backward fed with dense_backward's g_y of the last layer), both within
   net_bounds of the exact gradient, in double and in MPFR. */
START_TEST(test_global_gradient_chain)
{
    static const size_t widths[3][4] = {{3, 4}, {3, 4, 2}, {2, 3, 4, 3}};
    uint64_t seed = 32;
    double X[3 * 4], Y[3 * 4];
    grads h, bd, bd2;
    for (int trial = 0; trial < 30; trial++) {
        size_t p = 1 + trial % 3;
        tnet t;
        mpfr_ptr Xm, Ym, hW[PMAX], hb[PMAX];
        tnet_init(&t, p, widths[p - 1], NULL);
        tnet_random(&t, &seed, 8);
        samples(&t, &seed, 3, X, Y, &Xm, &Ym);
        net_bounds(&bd, &t, X, Y, 3, U53);
        net_bounds(&bd2, &t, X, Y, 3, U256);
        for (size_t k = 0; k < p; k++) { /* both sides err: twice the bound */
            for (size_t i = 0; i < WMAX * WMAX; i++)
                bd.W[k][i] *= 2, bd2.W[k][i] *= 2;
            for (size_t i = 0; i < WMAX; i++)
                bd.b[k][i] *= 2, bd2.b[k][i] *= 2;
        }
        compose_gradient(&t, X, Y, 3, &h);
        ck_assert_int_eq(T->global_loss_gradient(NULL, t.gW, t.gb, &t.net, X, Y, 3, &t.nws),
                         DP_OK);
        check_grads(&t, &h, &bd, "chain rule");
        mp_grads_init(&t, hW, hb);
        compose_gradient_mp(&t, Xm, Ym, 3, hW, hb);
        ck_assert_int_eq(T->global_loss_gradient_mp(NULL, t.gWm, t.gbm, &t.netm, Xm, Ym, 3, &WS),
                         DP_OK);
        check_grads_mp(&t, hW, hb, &bd2, "chain rule (mp)");
        mp_grads_clear(&t, hW, hb);
        dp_mpvec_clear(Xm, 3 * t.m[0]);
        dp_mpvec_clear(Ym, 3 * t.m[p]);
        tnet_clear(&t);
    }
}
END_TEST

/* In MPFR the gradient is the derivative of the global loss: for every parameter theta, the
   central difference (Loss(theta + h) - Loss(theta - h)) / 2h with h = 2^-80, at a 3-layer net
   with parameters off the grid and every hidden |z| >= 2^-40 (no kink within h: z moves by
   <= h |v| below).  Between kinks the logits are affine in one parameter, z^p = z0 + theta v with
   |v| <= 2^10 (|a| <= 2^6, two more layers of |W| row sums <= 4), so Loss''' is sum_i
   sum(Yhat_i) times the third central moment of v_i under S(z_i): <= 2 * 4.5 * (2|v|)^3 < 2^37,
   and the truncation h^2/6 Loss''' < 2^-125; the rounding is 2^-250 |Loss| / h = 2^-170 |Loss|.
   Bound: 2^-100 (1 + |Loss|). */
START_TEST(test_network_gradient_fd)
{
    static const size_t m[4] = {3, 4, 2, 3};
    const double h = 0x1p-80;
    uint64_t seed = 33;
    double X[2 * 3], Y[2 * 3], z[PMAX][WMAX], a[PMAX][WMAX];
    mpfr_ptr Xm, Ym, lp = mpv(1), ln = mpv(1), d = mpv(1);
    tnet t;
    tnet_init(&t, 3, m, NULL);
    tnet_random(&t, &seed, 0);
    samples(&t, &seed, 2, X, Y, &Xm, &Ym);
    for (size_t i = 0; i < 2; i++) { /* the margin to the kinks (z is exact enough in double) */
        plain_forward(&t, X + 3 * i, z, a);
        for (size_t k = 0; k < 2; k++)
            for (size_t j = 0; j < m[k + 1]; j++)
                ck_assert_msg(fabs(z[k][j]) >= 0x1p-40, "sample %zu: z^%zu_%zu = %g", i, k, j,
                              z[k][j]);
    }
    ck_assert_int_eq(T->global_loss_gradient_mp(lp, t.gWm, t.gbm, &t.netm, Xm, Ym, 2, &WS),
                     DP_OK);
    double tol = 0x1p-100 * (1 + mp_abs_d(lp));
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < m[k + 1] * (m[k] + 1); i++) {
            int is_b = i >= m[k + 1] * m[k];
            mpfr_ptr theta = is_b ? t.bm[k] + i - m[k + 1] * m[k] : t.Wm[k] + i;
            mpfr_ptr g = is_b ? t.gbm[k] + i - m[k + 1] * m[k] : t.gWm[k] + i;
            mpfr_add_d(theta, theta, h, MPFR_RNDN); /* exact: theta has 53 bits */
            ck_assert_int_eq(T->global_loss_mp(lp, &t.netm, Xm, Ym, 2, &WS), DP_OK);
            mpfr_sub_d(theta, theta, 2 * h, MPFR_RNDN);
            ck_assert_int_eq(T->global_loss_mp(ln, &t.netm, Xm, Ym, 2, &WS), DP_OK);
            mpfr_add_d(theta, theta, h, MPFR_RNDN);
            mpfr_sub(d, lp, ln, MPFR_RNDN);
            mpfr_div_d(d, d, 2 * h, MPFR_RNDN);
            ck_assert_msg(err_mp(g, d) <= tol, "dLoss/d%s^%zu[%zu] = %.17g, differences %.17g",
                          is_b ? "b" : "W", k, is_b ? i - m[k + 1] * m[k] : i,
                          mpfr_get_d(g, MPFR_RNDN), mpfr_get_d(d, MPFR_RNDN));
        }
    tnet_clear(&t);
    dp_mpvec_clear(Xm, 6);
    dp_mpvec_clear(Ym, 6);
    dp_mpvec_clear(lp, 1);
    dp_mpvec_clear(ln, 1);
    dp_mpvec_clear(d, 1);
}
END_TEST

/* ---- double against MPFR, one SGD step, bad arguments ---------------------------------------- */

/* At random 3-layer nets on the grid (exact logits), n = 3: N(x) within softmax_tol of N_mp(x)
   per component, the loss and the gradient within net_bounds (double plus 256-bit), and one SGD
   step theta - eta g (eta = 1/4; one fma: u |theta'| + eta |error of g|) likewise. */
START_TEST(test_network_vs_mpfr)
{
    static const size_t m[4] = {3, 4, 2, 3};
    const double eta = 0.25;
    uint64_t seed = 34;
    double X[3 * 3], Y[3 * 3], N[3], z[PMAX][WMAX], a[PMAX][WMAX], loss;
    mpfr_ptr Xm, Ym, Nm = mpv(3), lm = mpv(1), em = mpv(1);
    grads bd, bd2;
    mpfr_set_d(em, eta, MPFR_RNDN);
    for (int trial = 0; trial < 20; trial++) {
        tnet t;
        tnet_init(&t, 3, m, NULL);
        tnet_random(&t, &seed, 8);
        samples(&t, &seed, 3, X, Y, &Xm, &Ym);
        for (size_t i = 0; i < 3; i++) {
            plain_forward(&t, X + 3 * i, z, a);
            double zmax = fmax(fmax(z[2][0], z[2][1]), z[2][2]);
            ck_assert_int_eq(T->network(N, &t.net, X + 3 * i, &t.nws), DP_OK);
            ck_assert_int_eq(T->network_mp(Nm, &t.netm, Xm + 3 * i, &WS), DP_OK);
            for (size_t j = 0; j < 3; j++) {
                double d = z[2][j] - zmax, tol = softmax_tol(3, d, U53) + softmax_tol(3, d, U256);
                ck_assert_msg(err_d(N[j], Nm + j) <= tol * mp_abs_d(Nm + j), "N_%zu = %.17g, "
                              "256-bit %.17g", j, N[j], mpfr_get_d(Nm + j, MPFR_RNDN));
            }
        }
        double ltol = net_bounds(&bd, &t, X, Y, 3, U53) + net_bounds(&bd2, &t, X, Y, 3, U256);
        for (size_t k = 0; k < 3; k++) {
            for (size_t i = 0; i < WMAX * WMAX; i++)
                bd.W[k][i] += bd2.W[k][i];
            for (size_t i = 0; i < WMAX; i++)
                bd.b[k][i] += bd2.b[k][i];
        }
        ck_assert_int_eq(T->global_loss(&loss, &t.net, X, Y, 3, &t.nws), DP_OK);
        ck_assert_int_eq(T->global_loss_mp(lm, &t.netm, Xm, Ym, 3, &WS), DP_OK);
        ck_assert_msg(err_d(loss, lm) <= ltol, "loss = %.17g, 256-bit %.17g", loss,
                      mpfr_get_d(lm, MPFR_RNDN));
        ck_assert_int_eq(T->global_loss_gradient(NULL, t.gW, t.gb, &t.net, X, Y, 3, &t.nws),
                         DP_OK);
        ck_assert_int_eq(T->global_loss_gradient_mp(NULL, t.gWm, t.gbm, &t.netm, Xm, Ym, 3, &WS),
                         DP_OK);
        check_grads_mp(&t, NULL, NULL, &bd, "double vs mp");
        ck_assert_int_eq(T->sgd_step(NULL, &t.net, t.gW, t.gb, eta, X, Y, 3, &t.nws), DP_OK);
        ck_assert_int_eq(T->sgd_step_mp(NULL, &t.netm, t.gWm, t.gbm, em, Xm, Ym, 3, &WS), DP_OK);
        for (size_t k = 0; k < 3; k++) {
            for (size_t i = 0; i < m[k + 1] * m[k]; i++)
                ck_assert_msg(err_d(t.W[k][i], t.Wm[k] + i) <=
                                  (U53 + U256) * fabs(t.W[k][i]) + eta * bd.W[k][i],
                              "after a step W^%zu[%zu] = %.17g, 256-bit %.17g", k, i, t.W[k][i],
                              mpfr_get_d(t.Wm[k] + i, MPFR_RNDN));
            for (size_t i = 0; i < m[k + 1]; i++)
                ck_assert_msg(err_d(t.b[k][i], t.bm[k] + i) <=
                                  (U53 + U256) * fabs(t.b[k][i]) + eta * bd.b[k][i],
                              "after a step b^%zu[%zu] = %.17g, 256-bit %.17g", k, i, t.b[k][i],
                              mpfr_get_d(t.bm[k] + i, MPFR_RNDN));
        }
        dp_mpvec_clear(Xm, 9);
        dp_mpvec_clear(Ym, 9);
        tnet_clear(&t);
    }
    dp_mpvec_clear(Nm, 3);
    dp_mpvec_clear(lm, 1);
    dp_mpvec_clear(em, 1);
}
END_TEST

/* theta <- theta - eta grad.  With the worked net of test_global_gradient_worked and its first
   sample only (x = 3, Yhat = (1, 0): dLoss/dW = (-3/2, 3/2), dLoss/db = (-1/2, 1/2), loss ln 2)
   and eta = 1/2: W' = (3/4, -3/4), b' = (1/4, -1/4), exactly, and gW, gb, loss are those at the
   old parameters (loss within 9u: test_global_loss).  And the step descends: in MPFR, at random
   2-layer nets (off the grid: no z at a kink) with eta = 2^-20, Loss(theta') <= Loss(theta) -
   eta |g|^2 / 2: the first-order decrease is eta |g|^2 and the second-order term eta^2/2 g'Hg
   stays below half of it while eta |H| <= 1 (these nets' curvature is far below 2^20); the
   256-bit rounding is far below the decrease. */
START_TEST(test_sgd_step)
{
    static const size_t m1[2] = {1, 2}, m2[3] = {3, 4, 2};
    static const double X[1] = {3}, Y[2] = {1, 0};
    static const double Wn[2] = {0.75, -0.75}, bn[2] = {0.25, -0.25}, gWw[2] = {-1.5, 1.5};
    static const double gbw[2] = {-0.5, 0.5};
    double loss;
    mpfr_ptr Xm = mpv_d(X, 1), Ym = mpv_d(Y, 2), lm = mpv(1), em = mpv(1), w = mpv(1);
    tnet t;
    tnet_init(&t, 1, m1, NULL);
    mpfr_set_d(em, 0.5, MPFR_RNDN);
    mpfr_const_log2(w, MPFR_RNDN);
    ck_assert_int_eq(T->sgd_step(&loss, &t.net, t.gW, t.gb, 0.5, X, Y, 1, &t.nws), DP_OK);
    ck_assert_int_eq(T->sgd_step_mp(lm, &t.netm, t.gWm, t.gbm, em, Xm, Ym, 1, &WS), DP_OK);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_msg(t.W[0][i] == Wn[i] && t.b[0][i] == bn[i], "W'_%zu = %g, b'_%zu = %g", i,
                      t.W[0][i], i, t.b[0][i]);
        ck_assert_msg(t.gW[0][i] == gWw[i] && t.gb[0][i] == gbw[i], "g_%zu", i);
        ck_assert_msg(mp_is(t.Wm[0] + i, Wn[i]) && mp_is(t.bm[0] + i, bn[i]) &&
                          mp_is(t.gWm[0] + i, gWw[i]) &&
                          mp_is(t.gbm[0] + i, gbw[i]),
                      "mp step: W'_%zu = %g", i, mpfr_get_d(t.Wm[0] + i, MPFR_RNDN));
    }
    ck_assert_msg(err_d(loss, w) <= 9 * U53 * log(2.0), "loss = %.17g, want ln 2", loss);
    ck_assert_msg(err_mp(lm, w) <= 9 * U256 * log(2.0), "loss_mp off by %g", err_mp(lm, w));
    tnet_clear(&t);
    dp_mpvec_clear(Xm, 1);
    dp_mpvec_clear(Ym, 2);

    uint64_t seed = 35;
    double X2[3 * 3], Y2[3 * 2];
    mpfr_ptr before = mpv(1), after = mpv(1), g2 = mpv(1);
    tnet_init(&t, 2, m2, NULL);
    mpfr_set_d(em, 0x1p-20, MPFR_RNDN);
    for (int trial = 0; trial < 20; trial++) {
        tnet_random(&t, &seed, 0); /* off the grid: no z at a kink */
        samples(&t, &seed, 3, X2, Y2, &Xm, &Ym);
        ck_assert_int_eq(T->global_loss_mp(before, &t.netm, Xm, Ym, 3, &WS), DP_OK);
        ck_assert_int_eq(T->sgd_step_mp(lm, &t.netm, t.gWm, t.gbm, em, Xm, Ym, 3, &WS), DP_OK);
        ck_assert_int_eq(T->global_loss_mp(after, &t.netm, Xm, Ym, 3, &WS), DP_OK);
        ck_assert_msg(mpfr_equal_p(lm, before), "sgd_step_mp's loss is not the loss");
        mpfr_set_zero(g2, +1);
        for (size_t k = 0; k < 2; k++) {
            for (size_t i = 0; i < m2[k + 1] * m2[k]; i++)
                mpfr_fma(g2, t.gWm[k] + i, t.gWm[k] + i, g2, MPFR_RNDN);
            for (size_t i = 0; i < m2[k + 1]; i++)
                mpfr_fma(g2, t.gbm[k] + i, t.gbm[k] + i, g2, MPFR_RNDN);
        }
        mpfr_mul(g2, g2, em, MPFR_RNDN);
        mpfr_div_2ui(g2, g2, 1, MPFR_RNDN);
        mpfr_sub(g2, before, g2, MPFR_RNDN); /* Loss - eta |g|^2 / 2 */
        ck_assert_msg(mpfr_lessequal_p(after, g2), "Loss %.17g -> %.17g",
                      mpfr_get_d(before, MPFR_RNDN), mpfr_get_d(after, MPFR_RNDN));
        dp_mpvec_clear(Xm, 9);
        dp_mpvec_clear(Ym, 6);
    }
    tnet_clear(&t);
    dp_mpvec_clear(before, 1);
    dp_mpvec_clear(after, 1);
    dp_mpvec_clear(g2, 1);
    dp_mpvec_clear(lm, 1);
    dp_mpvec_clear(em, 1);
    dp_mpvec_clear(w, 1);
}
END_TEST

/* Bad arguments: a zero width (or p = 0, or n = 0) is DP_EDIM, a NULL array DP_EINVAL, a NaN or
   +-inf in x, X, Yhat, a parameter or eta DP_EDOMAIN; double and MPFR alike.  The workspace is
   made for the valid widths (2, 3, 2); the net is then given a zero width. */
START_TEST(test_network_bad_arguments)
{
    static const size_t m[3] = {2, 3, 2}, zero_w[3] = {2, 0, 2};
    double x[2] = {1, -1}, Y[2] = {1, 0}, N[2], loss;
    mpfr_ptr xm = mpv_d(x, 2), Ym = mpv_d(Y, 2), Nm = mpv(2), lm = mpv(1), em = mpv(1);
    dp_netws ws;
    tnet t;
    tnet_init(&t, 2, m, NULL);
    ck_assert_int_eq(dp_netws_init(&ws, zero_w, 2), DP_EDIM);
    ck_assert_int_eq(dp_netws_init(&ws, m, 0), DP_EDIM);
    ck_assert_int_eq(dp_netws_init(&ws, NULL, 2), DP_EINVAL);
    mpfr_set_d(em, 0.5, MPFR_RNDN);
    for (int c = 0; c < 3; c++) { /* c = 0: a zero width, 1: p = 0, 2: n = 0 */
        t.net.m = t.netm.m = c == 0 ? zero_w : m;
        t.net.p = t.netm.p = c == 1 ? 0 : 2;
        size_t n = c == 2 ? 0 : 1;
        if (c < 2) {
            ck_assert_int_eq(T->network(N, &t.net, x, &t.nws), DP_EDIM);
            ck_assert_int_eq(T->network_mp(Nm, &t.netm, xm, &WS), DP_EDIM);
        }
        ck_assert_int_eq(T->global_loss(&loss, &t.net, x, Y, n, &t.nws), DP_EDIM);
        ck_assert_int_eq(T->global_loss_mp(lm, &t.netm, xm, Ym, n, &WS), DP_EDIM);
        ck_assert_int_eq(T->global_loss_gradient(&loss, t.gW, t.gb, &t.net, x, Y, n, &t.nws),
                         DP_EDIM);
        ck_assert_int_eq(T->global_loss_gradient_mp(lm, t.gWm, t.gbm, &t.netm, xm, Ym, n, &WS),
                         DP_EDIM);
        ck_assert_int_eq(T->sgd_step(&loss, &t.net, t.gW, t.gb, 0.5, x, Y, n, &t.nws), DP_EDIM);
        ck_assert_int_eq(T->sgd_step_mp(lm, &t.netm, t.gWm, t.gbm, em, xm, Ym, n, &WS), DP_EDIM);
    }
    t.net.m = t.netm.m = m;
    t.net.p = t.netm.p = 2;
    ck_assert_int_eq(T->network(N, &t.net, NULL, &t.nws), DP_EINVAL);
    ck_assert_int_eq(T->network(NULL, &t.net, x, &t.nws), DP_EINVAL);
    ck_assert_int_eq(T->network_mp(Nm, &t.netm, NULL, &WS), DP_EINVAL);
    ck_assert_int_eq(T->global_loss(&loss, &t.net, x, NULL, 1, &t.nws), DP_EINVAL);
    ck_assert_int_eq(T->global_loss_mp(lm, &t.netm, NULL, Ym, 1, &WS), DP_EINVAL);
    ck_assert_int_eq(T->global_loss_gradient(&loss, NULL, t.gb, &t.net, x, Y, 1, &t.nws),
                     DP_EINVAL);
    ck_assert_int_eq(T->global_loss_gradient_mp(lm, t.gWm, NULL, &t.netm, xm, Ym, 1, &WS),
                     DP_EINVAL);
    ck_assert_int_eq(T->sgd_step(&loss, &t.net, NULL, t.gb, 0.5, x, Y, 1, &t.nws), DP_EINVAL);
    ck_assert_int_eq(T->sgd_step_mp(lm, &t.netm, t.gWm, t.gbm, NULL, xm, Ym, 1, &WS), DP_EINVAL);
    double *keepW = t.W[1];
    mpfr_ptr keepWm = t.Wm[1];
    t.W[1] = NULL;
    t.Wm[1] = NULL;
    ck_assert_int_eq(T->network(N, &t.net, x, &t.nws), DP_EINVAL);
    ck_assert_int_eq(T->network_mp(Nm, &t.netm, xm, &WS), DP_EINVAL);
    t.W[1] = keepW;
    t.Wm[1] = keepWm;

    const double bad[3] = {NAN, INFINITY, -INFINITY};
    for (int b = 0; b < 3; b++)
        for (int where = 0; where < 3; where++) { /* x, Yhat, b^1 */
            double *v = where == 0 ? x : where == 1 ? Y : t.b[1];
            mpfr_ptr vm = where == 0 ? xm : where == 1 ? Ym : t.bm[1];
            double keep = v[1];
            v[1] = bad[b];
            mpfr_set_d(vm + 1, bad[b], MPFR_RNDN);
            if (where != 1) {
                ck_assert_int_eq(T->network(N, &t.net, x, &t.nws), DP_EDOMAIN);
                ck_assert_int_eq(T->network_mp(Nm, &t.netm, xm, &WS), DP_EDOMAIN);
            }
            ck_assert_int_eq(T->global_loss(&loss, &t.net, x, Y, 1, &t.nws), DP_EDOMAIN);
            ck_assert_int_eq(T->global_loss_mp(lm, &t.netm, xm, Ym, 1, &WS), DP_EDOMAIN);
            ck_assert_int_eq(T->global_loss_gradient(&loss, t.gW, t.gb, &t.net, x, Y, 1, &t.nws),
                             DP_EDOMAIN);
            ck_assert_int_eq(T->global_loss_gradient_mp(lm, t.gWm, t.gbm, &t.netm, xm, Ym, 1,
                                                        &WS), DP_EDOMAIN);
            v[1] = keep;
            mpfr_set_d(vm + 1, keep, MPFR_RNDN);
            ck_assert_int_eq(T->sgd_step(&loss, &t.net, t.gW, t.gb, bad[b], x, Y, 1, &t.nws),
                             DP_EDOMAIN);
            mpfr_set_d(em, bad[b], MPFR_RNDN);
            ck_assert_int_eq(T->sgd_step_mp(lm, &t.netm, t.gWm, t.gbm, em, xm, Ym, 1, &WS),
                             DP_EDOMAIN);
            mpfr_set_d(em, 0.5, MPFR_RNDN);
        }
    tnet_clear(&t);
    dp_mpvec_clear(xm, 2);
    dp_mpvec_clear(Ym, 2);
    dp_mpvec_clear(Nm, 2);
    dp_mpvec_clear(lm, 1);
    dp_mpvec_clear(em, 1);
}
END_TEST

Suite *network_suite(void)
{
    Suite *s = suite_create("network");
    tcase_add_test(dp_tcase(s, "network_values"), test_network_worked);
    tcase_add_test(dp_tcase(s, "global_loss_values"), test_global_loss);
    tcase_add_test(dp_tcase(s, "global_gradient_values"), test_global_gradient_worked);
    tcase_add_test(dp_tcase(s, "global_gradient_chain"), test_global_gradient_chain);
    tcase_add_test(dp_tcase(s, "network_gradient_fd"), test_network_gradient_fd);
    tcase_add_test(dp_tcase(s, "network_vs_mpfr"), test_network_vs_mpfr);
    tcase_add_test(dp_tcase(s, "sgd_step"), test_sgd_step);
    tcase_add_test(dp_tcase(s, "network_errors"), test_network_bad_arguments);
    return s;
}
