/* verify_netcheck.c -- §5's theorem at real sizes (verify/netcheck.c): the theorem's own gradient
   agrees entry by entry and along directions on small, deep, narrow, kinked and large-logit
   networks; deliberately wrong gradients are refuted with the wrong entry named; the result does
   not depend on the threads; bad arguments are refused.  Each test names, in its comment, the
   break of the mechanism it guards that was tried and turned it red. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "netcheck_int.h"

/* ---- deliberately wrong gradients ------------------------------------------------------------
   The gradient under test has no context argument: the variant is a file-level setting. */

enum { V_TRUE, V_ONE_ENTRY, V_GE_KINK, V_LAST_RELU, V_TRANSPOSE, V_ROUNDING, V_NO_INDICATOR };
static int variant;
static size_t variant_entry, variant_layer;

/* A backprop of its own: δ^{p} = S Σŷ - ŷ, δ^{l-1} = (δ^l W^l) ⊙ ind(z^{l-1}) with ind = 1[z >= 0]
   for V_GE_KINK; for V_LAST_RELU the last layer's own partials get the indicator 1[z^p > 0] (the
   document's erratum; the recursion below stays unmasked, so only that layer is wrong). */
static int own_backprop(mpfr_ptr const *gW, mpfr_ptr const *gb, const dp_net_mp *net,
                        mpfr_srcptr X, mpfr_srcptr Yhat, size_t n, dp_mpws *ws)
{
    size_t p = net->p;
    const size_t *m = net->m;
    size_t tot = 0, wmax = 0;
    for (size_t k = 0; k <= p; k++)
        tot += m[k], wmax = m[k] > wmax ? m[k] : wmax;
    for (size_t k = 0; k < p; k++) {
        for (size_t e = 0; e < m[k + 1] * m[k]; e++)
            mpfr_set_zero(gW[k] + e, +1);
        for (size_t e = 0; e < m[k + 1]; e++)
            mpfr_set_zero(gb[k] + e, +1);
    }
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr buf = dp_mpws_push(ws, 2 * tot + 3 * wmax), d = buf + 2 * tot, d2 = d + wmax;
    mpfr_ptr de = d2 + wmax;
    mpfr_ptr z[64], a[64];
    size_t off = 0;
    for (size_t k = 0; k <= p; k++)
        a[k] = buf + off, z[k] = buf + tot + off, off += m[k];
    int st = DP_OK;
    for (size_t i = 0; st == DP_OK && i < n; i++) {
        for (size_t j = 0; j < m[0]; j++)
            mpfr_set(a[0] + j, X + i * m[0] + j, MPFR_RNDN);
        for (size_t l = 0; st == DP_OK && l < p; l++) {
            st = dp_dense_mp(z[l + 1], a[l], net->W[l], net->b[l], m[l], m[l + 1], ws);
            for (size_t u = 0; st == DP_OK && u < m[l + 1]; u++)
                if (mpfr_sgn(z[l + 1] + u) > 0)
                    mpfr_set(a[l + 1] + u, z[l + 1] + u, MPFR_RNDN);
                else
                    mpfr_set_zero(a[l + 1] + u, +1);
        }
        if (st == DP_OK)
            st = dp_softmax_cce_gradient_general_mp(d, Yhat + i * m[p], z[p], m[p], ws);
        for (size_t l = p; st == DP_OK && l-- > 0;) {
            for (size_t u = 0; u < m[l + 1]; u++) {
                mpfr_set(de + u, d + u, MPFR_RNDN);
                if (variant == V_LAST_RELU && l + 1 == p && mpfr_sgn(z[p] + u) <= 0)
                    mpfr_set_zero(de + u, +1);
                mpfr_add(gb[l] + u, gb[l] + u, de + u, MPFR_RNDN);
                for (size_t j = 0; j < m[l]; j++)
                    mpfr_fma(gW[l] + u * m[l] + j, de + u, a[l] + j, gW[l] + u * m[l] + j,
                             MPFR_RNDN);
            }
            if (l == 0)
                break;
            for (size_t j = 0; j < m[l]; j++) { /* δ W, then the indicator of z^l */
                mpfr_set_zero(d2 + j, +1);
                for (size_t u = 0; u < m[l + 1]; u++)
                    mpfr_fma(d2 + j, d + u, net->W[l] + u * m[l] + j, d2 + j, MPFR_RNDN);
                int on = variant == V_GE_KINK ? mpfr_sgn(z[l] + j) >= 0 : mpfr_sgn(z[l] + j) > 0;
                if (!on)
                    mpfr_set_zero(d2 + j, +1);
            }
            for (size_t j = 0; j < m[l]; j++)
                mpfr_set(d + j, d2 + j, MPFR_RNDN);
        }
    }
    dp_mpws_release(ws, mk);
    return st;
}

static mpfr_ptr entry_ptr(mpfr_ptr const *gW, mpfr_ptr const *gb, const dp_net_mp *net, size_t e)
{
    for (size_t k = 0; k < net->p; k++) {
        size_t w = net->m[k + 1] * net->m[k];
        if (e < w)
            return gW[k] + e;
        e -= w;
        if (e < net->m[k + 1])
            return gb[k] + e;
        e -= net->m[k + 1];
    }
    return NULL;
}

static int test_grad(mpfr_ptr loss, mpfr_ptr const *gW, mpfr_ptr const *gb, const dp_net_mp *net,
                     mpfr_srcptr X, mpfr_srcptr Yhat, size_t n, dp_mpws *ws)
{
    if (variant == V_GE_KINK || variant == V_LAST_RELU)
        return own_backprop(gW, gb, net, X, Yhat, n, ws);
    int st = dp_global_loss_gradient_mp(loss, gW, gb, net, X, Yhat, n, ws);
    if (st != DP_OK)
        return st;
    mpfr_ptr g = entry_ptr(gW, gb, net, variant_entry);
    if (variant == V_ONE_ENTRY) /* a relative 1e-12 */
        mpfr_mul_d(g, g, 1 + 1e-12, MPFR_RNDN);
    if (variant == V_ROUNDING) { /* g (1 + 2^-(p-32)): rounding-sized, it shrinks at 2p */
        mpfr_t t;
        mpfr_init2(t, ws->prec);
        mpfr_mul_2si(t, g, 32 - (long)ws->prec, MPFR_RNDN);
        mpfr_add(g, g, t, MPFR_RNDN);
        mpfr_clear(t);
    }
    if (variant == V_TRANSPOSE) { /* the square layer's gradient transposed */
        size_t k = variant_layer, m = net->m[k];
        for (size_t r = 0; r < m; r++)
            for (size_t c = r + 1; c < m; c++)
                mpfr_swap(gW[k] + r * m + c, gW[k] + c * m + r);
    }
    return DP_OK;
}

/* The same errors in the directions' contracted path (netcheck_int.h's nc_delta_fn): §5's δ
   recursion from the cache, written anew, with the variant's break.  V_LAST_RELU masks δ^p with
   1[z^p > 0] after the recursion below it used the unmasked δ^p (only W^p, b^p wrong);
   V_GE_KINK uses 1[h >= 0]; V_NO_INDICATOR drops the indicator; V_TRANSPOSE takes row j of
   W[variant_layer] (square) where its column j belongs. */
static void test_delta(mpfr_ptr delta, const nc_cache *C, size_t i)
{
    size_t p = C->p, mp = C->mp;
    mpfr_ptr top = delta + C->hoff[p - 1];
    for (size_t k = 0; k < mp; k++)
        mpfr_fms(top + k, C->P + i * mp + k, C->sy + i, C->Y + i * mp + k, MPFR_RNDN);
    for (size_t l = p - 1; l-- > 0;) {
        size_t mi = C->m[l + 1], mo = C->m[l + 2];
        mpfr_srcptr up = delta + C->hoff[l + 1], W = C->theta + C->offW[l + 1];
        mpfr_srcptr h = C->h + i * C->hlen + C->hoff[l];
        mpfr_ptr d = delta + C->hoff[l];
        int tr = variant == V_TRANSPOSE && l + 1 == variant_layer;
        for (size_t j = 0; j < mi; j++) {
            mpfr_set_zero(d + j, +1);
            int on = variant == V_GE_KINK ? mpfr_sgn(h + j) >= 0 : mpfr_sgn(h + j) > 0;
            if (!on && variant != V_NO_INDICATOR)
                continue;
            for (size_t u = 0; u < mo; u++)
                mpfr_fma(d + j, up + u, W + (tr ? j * mi + u : u * mi + j), d + j, MPFR_RNDN);
        }
    }
    for (size_t k = 0; variant == V_LAST_RELU && k < mp; k++)
        if (mpfr_sgn(C->h + i * C->hlen + C->hoff[p - 1] + k) <= 0)
            mpfr_set_zero(top + k, +1);
}

/* ---- networks ------------------------------------------------------------------------------ */

static size_t nparams(const dp_net *net)
{
    size_t t = 0;
    for (size_t k = 0; k < net->p; k++)
        t += net->m[k + 1] * (net->m[k] + 1);
    return t;
}

static size_t offW(const dp_net *net, size_t layer)
{
    size_t t = 0;
    for (size_t k = 0; k < layer; k++)
        t += net->m[k + 1] * (net->m[k] + 1);
    return t;
}

/* A hand-made network: widths m[0..p], W and b row-major and packed in one array th. */
typedef struct {
    size_t m[8];
    double *W[7], *b[7];
    dp_net net;
} handnet;

static void hand(handnet *h, const size_t *m, size_t p, double *th)
{
    for (size_t k = 0; k <= p; k++)
        h->m[k] = m[k];
    for (size_t k = 0; k < p; k++) {
        h->W[k] = th, th += m[k + 1] * m[k];
        h->b[k] = th, th += m[k + 1];
    }
    h->net = (dp_net){p, h->m, h->W, h->b};
}

/* The entry of W[layer] with the largest double gradient (so that a relative error shows). */
static size_t largest_entry(const dp_net *net, const double *X, const double *Y, size_t n,
                            size_t layer)
{
    size_t tot = nparams(net), best = offW(net, layer);
    double *g = malloc(tot * sizeof *g), *gW[8], *gb[8], loss;
    for (size_t k = 0, o = 0; k < net->p; k++) {
        gW[k] = g + o, o += net->m[k + 1] * net->m[k];
        gb[k] = g + o, o += net->m[k + 1];
    }
    dp_netws ws;
    dp_netws_init(&ws, net->m, net->p);
    ck_assert_int_eq(dp_global_loss_gradient(&loss, gW, gb, net, X, Y, n, &ws), DP_OK);
    dp_netws_clear(&ws);
    size_t lo = best, hi = lo + net->m[layer + 1] * net->m[layer];
    for (size_t e = lo; e < hi; e++)
        if (fabs(g[e]) > fabs(g[best]))
            best = e;
    free(g);
    return best;
}

/* ---- the theorem's own gradient agrees ---------------------------------------------------- */

/* Every entry of the theorem's gradient agrees with the difference at 128 bits, to at least
   0.8 p bits (the engine's 6p/7 less the constants), on shallow, deep, narrow (a width of 1),
   single-layer and wider networks, and so do random directions.  Breaks tried, each red here:
   Richardson's factors 2^k - 1 for 4^k - 1, the linear part t s ŷ·c dropped, log1p's series two
   terms short, e^x - 1's series (directions) two terms short, the cached first layer's exact sum
   without its bias, the directions' t V a term dropped, the tangent taken through W's row
   instead of its column. */
START_TEST(theorem_agrees)
{
    static const size_t shapes[][9] = {
        /* p, m[0..p] */
        {1, 4, 3}, {2, 3, 4, 2}, {3, 2, 3, 3, 2}, {2, 5, 1, 4},
        {7, 2, 2, 2, 2, 2, 2, 2, 2}, {4, 6, 8, 8, 8, 3}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            size_t p = shapes[s][0], n = 1 + 2 * (seed % 2);
            dp_net net;
            double *X, *Y;
            ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, shapes[s] + 1, p, n, seed), DP_OK);
            vr_netcheck_result r;
            ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, n, 128, 1, NULL), DP_OK);
            ck_assert_msg(r.entries == nparams(&net) && r.agree == r.entries && r.refuted == 0 &&
                              r.undecided == 0 && r.min_bits >= 0.8 * 128,
                          "shape %zu seed %d: %zu entries, %zu agree, %zu refuted, %zu "
                          "undecided, %.1f bits: %s",
                          s, (int)seed, r.entries, r.agree, r.refuted, r.undecided, r.min_bits,
                          r.note);
            ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, n, 128, 3, seed, NULL),
                             DP_OK);
            ck_assert_msg(r.entries == 3 && r.agree == 3 && r.min_bits >= 0.8 * 128 &&
                              r.worst == SIZE_MAX && r.drill_evals == 0,
                          "shape %zu seed %d, directions: %zu agree, %.1f bits: %s", s,
                          (int)seed, r.agree, r.min_bits, r.note);
            vr_netcheck_free(&net, X, Y);
        }
}
END_TEST

/* At 256 bits on [8,16,16,4] with 4 samples: every entry agrees to 6p/7 bits (derivative.c's
   estimate; measured about 246). */
START_TEST(theorem_agrees_256)
{
    static const size_t w[4] = {8, 16, 16, 4};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 3, 4, 7), DP_OK);
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 4, 256, 2, NULL), DP_OK);
    ck_assert_msg(r.agree == 484 && r.min_bits >= 6.0 * 256 / 7, "%zu agree, %.1f bits: %s",
                  r.agree, r.min_bits, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 4, 256, 4, 7, NULL), DP_OK);
    ck_assert_msg(r.agree == 4 && r.min_bits >= 6.0 * 256 / 7, "%zu agree, %.1f bits: %s",
                  r.agree, r.min_bits, r.note);
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* Labels of any kind: multi-hot, all zero, fractional: the loss is (Σŷ) log Σ e^z - ŷ·z and its
   gradient S Σŷ - ŷ.  Break tried: Σŷ taken as 1 in the difference (red on the multi-hot rows). */
START_TEST(general_labels_agree)
{
    static const size_t w[3] = {3, 4, 3};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 2, 3, 5), DP_OK);
    static const double labels[9] = {1, 1, 0, 0, 0, 0, 0.5, 0.25, 2};
    memcpy(Y, labels, sizeof labels);
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 3, 128, 1, NULL), DP_OK);
    ck_assert_msg(r.agree == r.entries && r.min_bits >= 0.8 * 128, "%zu of %zu, %.1f bits: %s",
                  r.agree, r.entries, r.min_bits, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 3, 128, 3, 5, NULL), DP_OK);
    ck_assert_msg(r.agree == 3, "directions: %zu agree: %s", r.agree, r.note);
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* ---- kinks ----------------------------------------------------------------------------------- */

/* [2,3,2], one sample: h^1 = (0.5 - 0.5 + 0, 1.75, -0.375): unit 0 of the first layer sits exactly
   on its kink, and its upstream gradient is -2 S_1 != 0.  Its three parameters' differences meet
   it (kinks = 3). */
static double kinkA[17] = {0.5, -1, 1, 1, -1, 0.25, /* W^1 */ 0, 0.25, 0.5, /* b^1 */
                           1, -0.5, 2, -1, 0.75, 0.5, /* W^2 */ 0.125, -0.25 /* b^2 */};
static const double kinkA_X[2] = {1, 0.5}, kinkA_Y[2] = {1, 0};

/* [2,2,2,2], one sample: h^1 = (1, 1), h^2 = (1 - 1, 0.5 + 0.5) = (0, 1): a kink in the second
   layer, met by every parameter of the first layer (through the tangent's propagation) and by
   row 0 of the second: kinks = 6 + 3. */
static double kinkB[18] = {1, 0, 0, 1, 0, 0, /* W^1, b^1 */ 1, -1, 0.5, 0.5, 0, 0, /* W^2, b^2 */
                           1, 2, -1, 0.5, 0.125, 0 /* W^3, b^3 */};
static const double kinkB_X[2] = {1, 1}, kinkB_Y[2] = {0, 1};

/* At an exact kink the theorem's gradient (1[z > 0]) agrees with the difference of F with the
   convention ReLU'(0) = 0 frozen in, and the kinks are counted; nothing is refuted.  Breaks tried:
   the kink not frozen (h = 0 treated as active) in the entry's own unit, in the layers above it,
   or in a direction's propagation (each red: refuted). */
START_TEST(kink_is_frozen_not_refuted)
{
    static const size_t wA[3] = {2, 3, 2}, wB[4] = {2, 2, 2, 2};
    handnet A, B;
    hand(&A, wA, 2, kinkA);
    hand(&B, wB, 3, kinkB);
    const handnet *nets[2] = {&A, &B};
    const double *Xs[2] = {kinkA_X, kinkB_X}, *Ys[2] = {kinkA_Y, kinkB_Y};
    const size_t kinks[2] = {3, 9};
    for (int k = 0; k < 2; k++) {
        vr_netcheck_result r;
        variant = V_TRUE;
        ck_assert_int_eq(vr_netcheck_entrywise(&r, &nets[k]->net, Xs[k], Ys[k], 1, 128, 1, NULL),
                         DP_OK);
        ck_assert_msg(r.refuted == 0 && r.undecided == 0 && r.kinks == kinks[k],
                      "net %d: %zu refuted, %zu undecided, %zu kinks: %s", k, r.refuted,
                      r.undecided, r.kinks, r.note);
        ck_assert_int_eq(vr_netcheck_directions(&r, &nets[k]->net, Xs[k], Ys[k], 1, 128, 3, 1,
                                                NULL),
                         DP_OK);
        ck_assert_msg(r.agree == 3 && r.kinks == 3, "net %d directions: %zu agree, %zu kinks: %s",
                      k, r.agree, r.kinks, r.note);
    }
}
END_TEST

/* (b) The indicator 1[z >= 0] instead of 1[z > 0] differs only where z is exactly 0, and there it
   is a real difference under the document's convention: F is not differentiable at the kink, its
   right derivative along b^1[0] is the upstream gradient -2 S_1, its left derivative and the
   convention's value are 0.  Held to the convention (as derivative.c holds every statement), the
   >= gradient is refuted on exactly the kinked unit's parameters, and the note says so; a
   direction is refuted too and drilled down to one of them.  Breaks tried: the kink not frozen
   in the entry's unit or in the directions (then the >= gradient agrees: red), the drill-down
   descending into the other half (red). */
START_TEST(ge_indicator_refuted_at_kink)
{
    static const size_t wA[3] = {2, 3, 2};
    handnet A;
    hand(&A, wA, 2, kinkA);
    vr_netcheck_result r;
    variant = V_GE_KINK;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &A.net, kinkA_X, kinkA_Y, 1, 128, 1, test_grad),
                     DP_OK);
    ck_assert_msg(r.refuted == 3 && r.kinks == 3 && (r.worst == 0 || r.worst == 1 ||
                                                     r.worst == 6) &&
                      strstr(r.note, "kink") != NULL,
                  "%zu refuted, %zu kinks, worst %zu: %s", r.refuted, r.kinks, r.worst, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &A.net, kinkA_X, kinkA_Y, 1, 128, 2, 3,
                                            test_grad),
                     DP_OK);
    ck_assert_msg(r.refuted == 2 && (r.worst == 0 || r.worst == 1 || r.worst == 6),
                  "directions: %zu refuted, worst %zu: %s", r.refuted, r.worst, r.note);
    variant = V_TRUE;
}
END_TEST

/* ---- wrong gradients are refuted, the wrong entry named -------------------------------------- */

/* (a) One entry of the gradient off by a relative 1e-12 (2^-40, far above 128 bits' reach):
   exactly that entry is refuted, confirmed at 256 bits, and named; a random direction is refuted
   too and its drill-down names the same entry.  For an entry of W^1 and one of W^2.  Breaks
   tried: the drill-down descending into the other half, the note naming the next entry (red). */
START_TEST(one_entry_off_is_named)
{
    static const size_t w[3] = {6, 5, 4};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 2, 2, 2), DP_OK);
    for (size_t layer = 0; layer < 2; layer++) {
        variant = V_ONE_ENTRY;
        variant_entry = largest_entry(&net, X, Y, 2, layer);
        vr_netcheck_result r;
        ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 2, 128, 2, test_grad), DP_OK);
        char name[48];
        vr_netcheck_entry_name(name, sizeof name, &net, variant_entry);
        ck_assert_msg(r.refuted == 1 && r.worst == variant_entry && r.min_bits < 45 &&
                          r.min_bits > 35 && strstr(r.note, name) != NULL &&
                          strstr(r.note, "256 bits") != NULL,
                      "entry %zu: %zu refuted, worst %zu, %.1f bits: %s", variant_entry,
                      r.refuted, r.worst, r.min_bits, r.note);
        ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 2, 128, 2, 9, test_grad), DP_OK);
        ck_assert_msg(r.refuted == 2 && r.worst == variant_entry && r.drill_evals > 0 &&
                          strstr(r.note, name) != NULL,
                      "directions, entry %zu: %zu refuted, worst %zu, %zu evals: %s",
                      variant_entry, r.refuted, r.worst, r.drill_evals, r.note);
    }
    variant = V_TRUE;
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* (c) The document's erratum: the last layer given a ReLU indicator.  Only W^p and b^p are wrong,
   where some logit is <= 0; they are refuted, nothing else is.  Break tried: the difference's
   last layer through a ReLU (red: the erratum agrees, and the theorem is refuted elsewhere). */
START_TEST(last_layer_relu_refuted)
{
    static const size_t w[3] = {4, 5, 3};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 2, 3, 3), DP_OK);
    variant = V_LAST_RELU;
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 3, 128, 1, test_grad), DP_OK);
    ck_assert_msg(r.refuted > 0 && r.worst >= offW(&net, 1) && r.min_bits < 8,
                  "%zu refuted, worst %zu: %s", r.refuted, r.worst, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 3, 128, 1, 4, test_grad), DP_OK);
    ck_assert_msg(r.refuted == 1 && r.worst >= offW(&net, 1), "directions: %zu, worst %zu: %s",
                  r.refuted, r.worst, r.note);
    variant = V_TRUE;
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* (d) A missing transpose on the square layer W^2 (4 x 4): its off-diagonal entries are refuted
   and the worst is one of them; the other layers agree.  Breaks tried: the difference's tangent
   through W's row instead of its column (red: W^1 refuted too), the drill-down descending into
   the other half (red). */
START_TEST(missing_transpose_refuted)
{
    static const size_t w[4] = {3, 4, 4, 2};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 3, 2, 4), DP_OK);
    variant = V_TRANSPOSE, variant_layer = 1;
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 2, 128, 1, test_grad), DP_OK);
    size_t lo = offW(&net, 1), hi = lo + 16;
    ck_assert_msg(r.refuted > 0 && r.refuted <= 12 && r.worst >= lo && r.worst < hi &&
                      (r.worst - lo) / 4 != (r.worst - lo) % 4,
                  "%zu refuted, worst %zu: %s", r.refuted, r.worst, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 2, 128, 1, 2, test_grad), DP_OK);
    ck_assert_msg(r.refuted == 1 && r.worst >= lo && r.worst < hi, "directions: worst %zu: %s",
                  r.worst, r.note);
    variant = V_TRUE;
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* The directions' contracted path, Σ_i Σ_l δ^l·(V^l a^{l-1} + c^l) with the theorem's δ, is
   v^T g for the library's full gradient g (dp_global_loss_gradient_mp, passed explicitly) up to
   the roundings of the two evaluations: by linearity they are one sum in two orders.  Held to
   2^-p (Σ_l m_l + n Σ_l m_{l+1} + 64) s, s the full path's Σ_e |v_e g_e|: to first order the
   roundings along one path of either evaluation (a dot product of m_l terms per layer) and of
   the sums over units and samples, each relative to s (measured: at most 2^1.5 2^-p s over
   9,000 directions of random networks; not on a confident one, where S Σŷ - ŷ is a cancellation
   and δ^p's rounding is relative to S on both paths); and the contracted path's size,
   Σ_i Σ |δ| |V| |a| (a bound of s), is at least s.  On shallow, deep, narrow, kinked and wider networks, three directions each, at 128
   and 256 bits.  Breaks tried in nc_theorem_delta, each red here and in the directions of other
   tests: the indicator dropped (also theorem_agrees, theorem_agrees_256, general_labels_agree,
   kink_is_frozen_not_refuted, step_follows_the_scale, confident_network_agrees: refuted),
   1[h >= 0] (also kink_is_frozen_not_refuted), the last layer masked by 1[z > 0], the
   document's erratum (also theorem_agrees, theorem_agrees_256, general_labels_agree,
   kink_is_frozen_not_refuted, near_kink_no_false_alarm), W's row for its column on a square
   layer (also theorem_agrees, theorem_agrees_256, kink_is_frozen_not_refuted,
   rounding_near_kink_is_undecided, near_kink_no_false_alarm); Σŷ taken as 1 is red in
   general_labels_agree only (one-hot labels here). */
START_TEST(contracted_equals_full)
{
    static const size_t shapes[][9] = {
        {1, 4, 3}, {2, 3, 4, 2}, {3, 2, 3, 3, 2}, {7, 2, 2, 2, 2, 2, 2, 2, 2}, {2, 64, 16, 10}};
    static const size_t wA[3] = {2, 3, 2}, wB[4] = {2, 2, 2, 2};
    mpfr_t A, A2, s, s2, t;
    mpfr_inits2(256, A, A2, s, s2, t, (mpfr_ptr)0);
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0] + 2; c++) {
        dp_net net, *pn = &net;
        double *X = NULL, *Y = NULL;
        const double *Xc, *Yc;
        handnet H;
        size_t n = 1 + c % 3, widths = 0;
        if (c < sizeof shapes / sizeof shapes[0]) {
            ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, shapes[c] + 1, shapes[c][0], n, c + 1),
                             DP_OK);
            Xc = X, Yc = Y;
        } else { /* the kinked networks: the indicator at h = 0 is 0 on both paths */
            int b = c > sizeof shapes / sizeof shapes[0];
            hand(&H, b ? wB : wA, b ? 3 : 2, b ? kinkB : kinkA);
            pn = &H.net, n = 1, Xc = b ? kinkB_X : kinkA_X, Yc = b ? kinkB_Y : kinkA_Y;
        }
        for (size_t k = 0; k <= pn->p; k++)
            widths += pn->m[k] + (k > 0 ? n * pn->m[k] : 0);
        for (mpfr_prec_t prec = 128; prec <= 256; prec *= 2)
            for (size_t d = 0; d < 3; d++) {
                ck_assert_int_eq(nc_direction_value(A, s, pn, Xc, Yc, n, prec, 5, d, NULL),
                                 DP_OK);
                ck_assert_int_eq(nc_direction_value(A2, s2, pn, Xc, Yc, n, prec, 5, d,
                                                    dp_global_loss_gradient_mp),
                                 DP_OK);
                mpfr_sub(t, A, A2, MPFR_RNDN);
                mpfr_abs(t, t, MPFR_RNDN);
                mpfr_mul_2si(t, t, (long)prec, MPFR_RNDN);
                mpfr_div_d(t, t, (double)widths + 64, MPFR_RNDN);
                char msg[300];
                mpfr_snprintf(msg, sizeof msg, "network %zu, %d bits, direction %zu: %.20Rg "
                              "against %.20Rg, sizes %.3Rg, %.3Rg", c, (int)prec, d, A, A2, s,
                              s2);
                ck_assert_msg(mpfr_lessequal_p(t, s2) && mpfr_cmp(s2, s) <= 0, "%s", msg);
            }
        if (X != NULL)
            vr_netcheck_free(&net, X, Y);
    }
    mpfr_clears(A, A2, s, s2, t, (mpfr_ptr)0);
}
END_TEST

/* The same errors as (b), (c), (d) made in the contracted δ recursion instead of a full gradient
   (test_delta, through nc_directions): each is refuted and drilled down to an entry it makes
   wrong, and the recursion written correctly agrees.  The erratum's mask on the last layer names
   W^p or b^p; a missing transpose of the square W^2 in δ^1 = δ^2 W^2 names a W^1 or b^1 entry;
   the indicator dropped names an entry below the last layer; 1[h >= 0] names a parameter of the
   kinked unit. */
START_TEST(wrong_delta_refuted)
{
    static const size_t w3[3] = {4, 5, 3}, w4[4] = {3, 4, 4, 2}, wA[3] = {2, 3, 2};
    handnet A;
    hand(&A, wA, 2, kinkA);
    dp_net a, b;
    double *Xa, *Ya, *Xb, *Yb;
    ck_assert_int_eq(vr_netcheck_make(&a, &Xa, &Ya, w3, 2, 3, 3), DP_OK);
    ck_assert_int_eq(vr_netcheck_make(&b, &Xb, &Yb, w4, 3, 2, 4), DP_OK);
    static const struct {
        int variant, net;
        size_t ndirs;
    } cases[] = {{V_TRUE, 0, 2}, {V_TRUE, 1, 2}, {V_TRUE, 2, 2}, {V_LAST_RELU, 0, 1},
                 {V_TRANSPOSE, 1, 1}, {V_NO_INDICATOR, 1, 1}, {V_GE_KINK, 2, 2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const dp_net *net = cases[c].net == 0 ? &a : cases[c].net == 1 ? &b : &A.net;
        const double *X = cases[c].net == 0 ? Xa : cases[c].net == 1 ? Xb : kinkA_X;
        const double *Y = cases[c].net == 0 ? Ya : cases[c].net == 1 ? Yb : kinkA_Y;
        size_t n = cases[c].net == 0 ? 3 : cases[c].net == 1 ? 2 : 1, lo = 0, hi = nparams(net);
        variant = cases[c].variant, variant_layer = 1;
        if (variant == V_LAST_RELU)
            lo = offW(net, 1);
        if (variant == V_TRANSPOSE)
            hi = offW(net, 1);
        if (variant == V_NO_INDICATOR)
            hi = offW(net, net->p - 1);
        vr_netcheck_result r;
        ck_assert_int_eq(nc_directions(&r, net, X, Y, n, 128, cases[c].ndirs, 4, NULL, test_delta),
                         DP_OK);
        if (variant == V_TRUE)
            ck_assert_msg(r.agree == cases[c].ndirs, "case %zu: %zu agree: %s", c, r.agree,
                          r.note);
        else
            ck_assert_msg(r.refuted == cases[c].ndirs && r.worst >= lo && r.worst < hi &&
                              (variant != V_GE_KINK ||
                               (r.worst == 0 || r.worst == 1 || r.worst == 6)),
                          "case %zu: %zu refuted, worst %zu: %s", c, r.refuted, r.worst, r.note);
    }
    variant = V_TRUE;
    vr_netcheck_free(&a, Xa, Ya);
    vr_netcheck_free(&b, Xb, Yb);
}
END_TEST

/* A disagreement of rounding size (a relative 2^-(p-32), above what the allowance gives the
   gradient's own roundings at p) shrinks with the precision: at 2p it is 2^-(2p-32), so it is
   undecided, never refuted.  Break tried: no confirmation at 2p (red: refuted). */
START_TEST(rounding_is_undecided)
{
    static const size_t w[3] = {3, 4, 3};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 2, 2, 6), DP_OK);
    variant = V_ROUNDING;
    variant_entry = largest_entry(&net, X, Y, 2, 1);
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 2, 128, 1, test_grad), DP_OK);
    ck_assert_msg(r.refuted == 0 && r.undecided == 1 && strstr(r.note, "shrank") != NULL,
                  "%zu refuted, %zu undecided: %s", r.refuted, r.undecided, r.note);
    variant = V_TRUE;
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* A ReLU argument of 2^-992 that the first layer's exact sum keeps and a p-bit evaluation rounds
   to 0 (2^-30 + 2^-992 - 2^-30 in that order, at 128 and at 256 bits): the theorem's gradient at
   p sees a kink where F has none, and its unit's three parameters disagree with the difference
   at p and at 2p.  That is the gradient's evaluation, not the theorem: undecided, never refuted,
   and said so.  Along directions the library's gradient (passed in full) is undecided the same
   way, while the theorem's own contracted value, whose indicators are read from the same exact
   cache as the difference, agrees.  Break tried: the within-rounding test ignored (red: 3
   refuted), in the directions too (red). */
START_TEST(rounding_near_kink_is_undecided)
{
    static const size_t w[3] = {2, 2, 2};
    double th[12] = {0x1p-990, -0x1p-30, 1, 1, 0x1p-30, 0, /* W^1, b^1 */
                     1, 0.5, -1, 0.25, 0, 0};
    const double X[2] = {0.25, 1}, Y[2] = {1, 0};
    handnet A;
    hand(&A, w, 2, th);
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &A.net, X, Y, 1, 128, 1, NULL), DP_OK);
    ck_assert_msg(r.refuted == 0 && r.undecided == 3 && strstr(r.note, "within rounding"),
                  "%zu refuted, %zu undecided: %s", r.refuted, r.undecided, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &A.net, X, Y, 1, 128, 2, 1,
                                            dp_global_loss_gradient_mp),
                     DP_OK);
    ck_assert_msg(r.refuted == 0 && strstr(r.note, "within rounding"), "directions: %s", r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &A.net, X, Y, 1, 128, 2, 1, NULL), DP_OK);
    ck_assert_msg(r.agree == 2, "directions, contracted: %zu agree: %s", r.agree, r.note);
}
END_TEST

/* ---- threads, large logits, near kinks ------------------------------------------------------- */

/* The same result, bit for bit, with 1, 2 and 3 threads, for the theorem and for a wrong entry.
   Break tried: the threads sharing one scratch (red). */
START_TEST(threads_do_not_matter)
{
    static const size_t w[4] = {16, 12, 12, 5};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 3, 3, 8), DP_OK);
    for (int v = 0; v < 2; v++) {
        variant = v ? V_ONE_ENTRY : V_TRUE;
        variant_entry = offW(&net, 2) + 7;
        vr_netcheck_result r1, r;
        ck_assert_int_eq(vr_netcheck_entrywise(&r1, &net, X, Y, 3, 128, 1, test_grad), DP_OK);
        for (int j = 2; j <= 3; j++) {
            ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 3, 128, j, test_grad), DP_OK);
            ck_assert_msg(memcmp(&r, &r1, sizeof r) == 0, "-j %d differs: %s / %s", j, r.note,
                          r1.note);
        }
        if (v)
            ck_assert(r1.refuted == 1);
    }
    variant = V_TRUE;
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* Inputs of 2^20 (and W^1 of 2^-18): the logits move 2^20 times faster along W^1's entries than
   along the others.  The step is 2^-ceil(p/7) of each parameter's own scale, 1 / max |s c|, so
   every entry agrees to the usual bits.  Break tried: one step for every parameter (2^-19, as
   for a scale of 1: red, 27 of 31 entries undecided at 45 bits), and the same for the
   directions (red). */
START_TEST(step_follows_the_scale)
{
    static const size_t w[3] = {3, 4, 3};
    dp_net net;
    double *X, *Y;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 2, 2, 11), DP_OK);
    for (size_t e = 0; e < 6; e++)
        X[e] = ldexp(X[e], 20);
    for (size_t e = 0; e < 16; e++) /* W^1 small, so that the logits stay moderate */
        net.W[0][e] = ldexp(net.W[0][e], -18);
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 2, 128, 1, NULL), DP_OK);
    ck_assert_msg(r.agree == r.entries && r.min_bits >= 0.8 * 128, "%zu of %zu, %.1f bits: %s",
                  r.agree, r.entries, r.min_bits, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 2, 128, 3, 11, NULL), DP_OK);
    ck_assert_msg(r.agree == 3 && r.min_bits >= 0.8 * 128, "directions: %zu agree, %.1f bits: %s",
                  r.agree, r.min_bits, r.note);
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* A confident network (the last layer scaled by 2^7, every label the predicted class): S - ŷ is
   about e^-60 while the logits' tangents are of order 1, so the difference's own rounding
   (2^-p |c|, not 2^-p |gradient|) is far above what the gradient's roundings are allowed.  The
   floor C 2^-p M of the estimate accounts for it, and the entries whose estimate then claims
   fewer than p/4 bits are decided at a raised precision, as derivative.c does: every entry
   agrees.  Breaks tried: the floor dropped (red: 12 entries "a disagreement at 128 bits shrank
   at 256"), no raised precision (red: 26 entries too coarse).  (For the directions neither break
   turns it red: the tableau's own spread covers the noise there.) */
START_TEST(confident_network_agrees)
{
    static const size_t w[3] = {5, 6, 4};
    dp_net net;
    double *X, *Y, out[4];
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 2, 3, 12), DP_OK);
    for (size_t e = 0; e < 24; e++)
        net.W[1][e] = ldexp(net.W[1][e], 7);
    dp_netws ws;
    dp_netws_init(&ws, net.m, net.p);
    for (size_t i = 0; i < 3; i++) { /* the label is the predicted class */
        ck_assert_int_eq(dp_network(out, &net, X + 5 * i, &ws), DP_OK);
        size_t best = 0;
        for (size_t k = 0; k < 4; k++)
            best = out[k] > out[best] ? k : best, Y[4 * i + k] = 0;
        Y[4 * i + best] = 1;
    }
    dp_netws_clear(&ws);
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 3, 128, 1, NULL), DP_OK);
    ck_assert_msg(r.agree == r.entries, "%zu of %zu agree, %zu undecided: %s", r.agree, r.entries,
                  r.undecided, r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 3, 128, 3, 12, NULL), DP_OK);
    ck_assert_msg(r.agree == 3, "directions: %zu agree: %s", r.agree, r.note);
    vr_netcheck_free(&net, X, Y);
}
END_TEST

/* A ReLU argument of 2^-60, far inside the first step 2^-19: no false refutation, no kink.  (The
   step rule shrinks the steps so that the differences are the network's own; the propagation holds
   the activation pattern fixed, so removing the rule does not turn this red: it guards the freezing
   of exact kinks only, which kink_is_frozen_not_refuted breaks.) */
START_TEST(near_kink_no_false_alarm)
{
    static const size_t w[3] = {2, 2, 2};
    double th[12] = {1, 1, 1, -1, -1, 0.5, /* W^1, b^1: h^1 = (2^-60, 1.5 - 2^-60) */
                     1, -2, 0.5, 1, 0.25, 0};
    const double X[2] = {1, 0x1p-60}, Y[2] = {0, 1};
    handnet A;
    hand(&A, w, 2, th);
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &A.net, X, Y, 1, 128, 1, NULL), DP_OK);
    ck_assert_msg(r.agree == 12 && r.kinks == 0, "%zu agree, %zu kinks: %s", r.agree, r.kinks,
                  r.note);
    ck_assert_int_eq(vr_netcheck_directions(&r, &A.net, X, Y, 1, 128, 2, 1, NULL), DP_OK);
    ck_assert_msg(r.agree == 2, "directions: %s", r.note);
}
END_TEST

/* ---- the test networks, names, bad arguments ------------------------------------------------ */

/* vr_netcheck_make: the same seed gives the same doubles, another seed others; weights within
   ±sqrt(6/m), biases within ±1/16, inputs in ]-1, 1[, one-hot labels. */
START_TEST(make_is_deterministic)
{
    static const size_t w[4] = {5, 4, 3, 2};
    dp_net a, b, c;
    double *Xa, *Ya, *Xb, *Yb, *Xc, *Yc;
    ck_assert_int_eq(vr_netcheck_make(&a, &Xa, &Ya, w, 3, 3, 42), DP_OK);
    ck_assert_int_eq(vr_netcheck_make(&b, &Xb, &Yb, w, 3, 3, 42), DP_OK);
    ck_assert_int_eq(vr_netcheck_make(&c, &Xc, &Yc, w, 3, 3, 43), DP_OK);
    ck_assert(memcmp(Xa, Xb, 15 * sizeof *Xa) == 0 && memcmp(Ya, Yb, 6 * sizeof *Ya) == 0);
    ck_assert(memcmp(Xa, Xc, 15 * sizeof *Xa) != 0);
    for (size_t k = 0; k < 3; k++) {
        ck_assert(memcmp(a.W[k], b.W[k], w[k + 1] * w[k] * sizeof(double)) == 0);
        for (size_t e = 0; e < w[k + 1] * w[k]; e++)
            ck_assert(fabs(a.W[k][e]) <= sqrt(6.0 / (double)w[k]));
        for (size_t e = 0; e < w[k + 1]; e++)
            ck_assert(fabs(a.b[k][e]) <= 0.0625);
    }
    for (size_t i = 0; i < 3; i++) {
        ck_assert(fabs(Xa[i]) < 1);
        ck_assert(Ya[2 * i] + Ya[2 * i + 1] == 1 && Ya[2 * i] * Ya[2 * i + 1] == 0);
    }
    char name[48];
    vr_netcheck_entry_name(name, sizeof name, &a, 0);
    ck_assert_str_eq(name, "dW^1[0,0]");
    vr_netcheck_entry_name(name, sizeof name, &a, 20 + 3);
    ck_assert_str_eq(name, "db^1[3]");
    vr_netcheck_entry_name(name, sizeof name, &a, 24 + 5);
    ck_assert_str_eq(name, "dW^2[1,1]");
    vr_netcheck_free(&a, Xa, Ya);
    vr_netcheck_free(&b, Xb, Yb);
    vr_netcheck_free(&c, Xc, Yc);
}
END_TEST

/* NULL arrays: DP_EINVAL; p = 0, a zero width or n = 0, too deep: DP_EDIM; a precision below 53,
   threads out of 1..64, NaN: DP_EDOMAIN.  Nothing leaks (valgrind). */
START_TEST(bad_arguments)
{
    static const size_t w[3] = {2, 3, 2}, w0[3] = {2, 0, 2};
    static size_t deep[VR_NETCHECK_MAXP + 2];
    for (size_t k = 0; k < VR_NETCHECK_MAXP + 2; k++)
        deep[k] = 1;
    dp_net net, bad;
    double *X, *Y, *X2, *Y2;
    vr_netcheck_result r;
    ck_assert_int_eq(vr_netcheck_make(&net, &X, &Y, w, 2, 1, 1), DP_OK);
    ck_assert_int_eq(vr_netcheck_make(&bad, &X2, &Y2, w0, 2, 1, 1), DP_EDIM);
    ck_assert_int_eq(vr_netcheck_make(&bad, &X2, &Y2, w, 0, 1, 1), DP_EDIM);
    ck_assert_int_eq(vr_netcheck_make(&bad, &X2, &Y2, deep, VR_NETCHECK_MAXP + 1, 1, 1), DP_EDIM);
    ck_assert_int_eq(vr_netcheck_make(&bad, &X2, &Y2, w, 2, 0, 1), DP_EDIM);
    ck_assert_int_eq(vr_netcheck_make(NULL, &X2, &Y2, w, 2, 1, 1), DP_EINVAL);
    ck_assert_int_eq(vr_netcheck_entrywise(NULL, &net, X, Y, 1, 128, 1, NULL), DP_EINVAL);
    ck_assert_int_eq(vr_netcheck_entrywise(&r, NULL, X, Y, 1, 128, 1, NULL), DP_EINVAL);
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, NULL, Y, 1, 128, 1, NULL), DP_EINVAL);
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 0, 128, 1, NULL), DP_EDIM);
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 1, 52, 1, NULL), DP_EDOMAIN);
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 1, 128, 0, NULL), DP_EDOMAIN);
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 1, 128, 65, NULL), DP_EDOMAIN);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, NULL, 1, 128, 1, 1, NULL), DP_EINVAL);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 1, 40, 1, 1, NULL), DP_EDOMAIN);
    X[1] = NAN;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 1, 128, 1, NULL), DP_EDOMAIN);
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 1, 128, 1, 1, NULL), DP_EDOMAIN);
    X[1] = 0;
    size_t m0 = net.m[1];
    ((size_t *)net.m)[1] = 0;
    ck_assert_int_eq(vr_netcheck_entrywise(&r, &net, X, Y, 1, 128, 1, NULL), DP_EDIM);
    ((size_t *)net.m)[1] = m0;
    ck_assert_int_eq(vr_netcheck_directions(&r, &net, X, Y, 1, 128, 0, 1, NULL), DP_OK);
    ck_assert(r.entries == 0 && r.worst == SIZE_MAX);
    vr_netcheck_free(&net, X, Y);
}
END_TEST

Suite *netcheck_suite(void)
{
    Suite *s = suite_create("netcheck");
    TCase *tc = tcase_create("netcheck");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, theorem_agrees);
    tcase_add_test(tc, theorem_agrees_256);
    tcase_add_test(tc, general_labels_agree);
    tcase_add_test(tc, kink_is_frozen_not_refuted);
    tcase_add_test(tc, ge_indicator_refuted_at_kink);
    tcase_add_test(tc, one_entry_off_is_named);
    tcase_add_test(tc, last_layer_relu_refuted);
    tcase_add_test(tc, missing_transpose_refuted);
    tcase_add_test(tc, contracted_equals_full);
    tcase_add_test(tc, wrong_delta_refuted);
    tcase_add_test(tc, rounding_is_undecided);
    tcase_add_test(tc, rounding_near_kink_is_undecided);
    tcase_add_test(tc, threads_do_not_matter);
    tcase_add_test(tc, step_follows_the_scale);
    tcase_add_test(tc, confident_network_agrees);
    tcase_add_test(tc, near_kink_no_false_alarm);
    tcase_add_test(tc, make_is_deterministic);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}
