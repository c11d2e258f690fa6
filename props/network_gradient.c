/* network_gradient.c -- §5, Theorem: the layer-recursive gradient of the global loss
   ξ^global = Σ_i ξ^{Ŷ^i}(N(X^i)), N = S ∘ L^p ∘ (ReLU ∘ L^k)_{k<p}, with respect to every W^k and
   b^k.  The document does k < p and leaves k = p as TODO, written with a ReLU indicator and with
   the upstream function's value where its derivative belongs; corrected, for every k including
   k = p, it is what dp_global_loss_gradient computes.  Layers are numbered as the document does
   (1..p) in reports; entries are 0-based. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "props.h"

static const char statement[] =
    "N = S ∘ L^p(·,W^p,b^p) ∘ ○_{k=1}^{p−1} (ReLU^k ∘ L^k(·,W^k,b^k)), ξ^global = Σ_{i=1}^n "
    "ξ^{Ŷ^i}(N(X^i)). For k ≤ p−1: ∂ξ^global/∂W^k_{j',:}(w)_j = Σ_i F_{j'}^{upstream(k),Ŷ^i}("
    "ReLU^k_{j'}(L^k_{j'}(y^{downstream(k),X^i}, w, b^k_{j'}))) × 1_{ℝ⁺∖{0}}(L^k_{j'}(…)) × "
    "y_j^{downstream(k),X^i}; ∂ξ^global/∂b^k(b^k)_{j'} = Σ_i dF^{upstream(k),Ŷ^i}/dy(ReLU^k(L^k("
    "y^{downstream(k),X^i},W^k,b^k)))_{j'} × 1_{ℝ⁺∖{0}}(L^k(…)_{j'}), with dF^{upstream(p−1)}/dy = "
    "(S(y) − Ŷ^i) × W^p and the recursion through ReLU ∘ L^{k+1} below. k = p: <TODO>, written "
    "with the same formulas (a ReLU indicator, F^{upstream(p)} = ξ^{Ŷ^i} ∘ S).";

static const char corrected[] =
    "For every k in 1..p, with δ^{p,i} = S(z^{p,i}) Σ_j Ŷ^i_j − Ŷ^i (no ReLU at the last layer; "
    "= S − Ŷ^i for one-hot labels) and δ^{k,i} = (δ^{k+1,i} W^{k+1}) ⊙ 1_{ℝ⁺∖{0}}(z^{k,i}) for "
    "k < p, where z^{k,i} = L^k(y^{downstream(k),X^i}, W^k, b^k): ∂ξ^global/∂W^k_{j',j} = Σ_i "
    "δ^{k,i}_{j'} y_j^{downstream(k),X^i} and ∂ξ^global/∂b^k_{j'} = Σ_i δ^{k,i}_{j'}. The weight "
    "partial uses the upstream gradient, not F^{upstream}'s value.";

enum { MAXP = 4 };

/* ---- the instance: depth p, widths m[0..p], n samples, parameters, data ------------------------ */

typedef struct {
    size_t p, n, m[MAXP + 1];
    const double *W[MAXP], *b[MAXP], *X, *Y;
    size_t offW[MAXP], offb[MAXP], nparam, nk; /* parameters packed W^1, b^1, W^2, b^2, ... */
} net;

static const char *const Wname[MAXP] = {"W1", "W2", "W3", "W4"};
static const char *const bname[MAXP] = {"b1", "b2", "b3", "b4"};
static const char *const mname[MAXP + 1] = {"m1", "m2", "m3", "m4", "m5"};

/* Reads an instance; 0 if it is malformed. */
static int read_net(net *N, const vr_case *c)
{
    N->p = pr_dim(c, "p", MAXP);
    N->n = pr_dim(c, "n", 64);
    if (N->p == 0 || N->n == 0)
        return 0;
    size_t off = 0;
    N->nk = 0;
    for (size_t k = 0; k <= N->p; k++)
        if ((N->m[k] = pr_dim(c, mname[k], 64)) == 0)
            return 0;
    for (size_t k = 0; k < N->p; k++) {
        N->W[k] = pr_arr(c, Wname[k], N->m[k + 1] * N->m[k]);
        N->b[k] = pr_arr(c, bname[k], N->m[k + 1]);
        if (N->W[k] == NULL || N->b[k] == NULL)
            return 0;
        N->offW[k] = off;
        off += N->m[k + 1] * N->m[k];
        N->offb[k] = off;
        off += N->m[k + 1];
        if (k + 1 < N->p)
            N->nk += N->n * N->m[k + 1];
    }
    N->nparam = off;
    N->X = pr_arr(c, "X", N->n * N->m[0]);
    N->Y = pr_arr(c, "Y", N->n * N->m[N->p]);
    return N->X != NULL && N->Y != NULL;
}

static int generate_depth(vr_case *c, vr_src *src, size_t size, size_t pmin, int multi_hot)
{
    size_t p = pmin + (size_t)vr_draw(src, 1 + (size + 1) / 2 < MAXP - pmin + 1
                                                ? 1 + (size + 1) / 2 : MAXP - pmin + 1);
    size_t n = 1 + (size_t)vr_draw(src, 2), m[MAXP + 1];
    vr_case_dim(c, "p", p);
    vr_case_dim(c, "n", n);
    for (size_t k = 0; k <= p; k++)
        vr_case_dim(c, mname[k], m[k] = vr_gen_dim(src, size < 4 ? size : 4));
    for (size_t k = 0; k < p; k++) {
        double *W = vr_case_array(c, Wname[k], m[k + 1] * m[k]);
        double *b = vr_case_array(c, bname[k], m[k + 1]);
        if (W == NULL || b == NULL)
            return DP_ENOMEM;
        vr_gen_vector(W, m[k + 1] * m[k], src, VR_REAL_ANY);
        vr_gen_vector(b, m[k + 1], src, VR_REAL_ANY);
    }
    double *X = vr_case_array(c, "X", n * m[0]), *Y = vr_case_array(c, "Y", n * m[p]);
    if (X == NULL || Y == NULL)
        return DP_ENOMEM;
    vr_gen_vector(X, n * m[0], src, VR_REAL_ANY);
    for (size_t i = 0; i < n; i++)
        vr_gen_label(Y + i * m[p], m[p], src, multi_hot);
    return DP_OK;
}

static int generate(vr_case *c, vr_src *src, size_t size)
{
    return generate_depth(c, src, size, 1, 1);
}

/* ---- the forward pass of one sample, recording z^k and the layer inputs a^k ------------------
   a[0] = X^i; z[k] = L^k(a[k]); a[k+1] = ReLU(z[k]) (masked, arguments recorded) for k < p-1. */

typedef struct {
    mpfr_ptr a[MAXP], z[MAXP];
} pass;

static int forward(pass *ps, const net *N, mpfr_srcptr theta, mpfr_srcptr x, mpfr_ptr pre,
                   const signed char *mask, dp_mpws *ws)
{
    ps->a[0] = (mpfr_ptr)x; /* read only */
    for (size_t k = 0; k < N->p; k++) {
        ps->z[k] = dp_mpws_push(ws, 2 * N->m[k + 1]);
        if (ps->z[k] == NULL)
            return DP_ENOMEM;
        int st = vr_lib->dense_mp(ps->z[k], ps->a[k], theta + N->offW[k], theta + N->offb[k],
                                  N->m[k], N->m[k + 1], ws);
        if (st != DP_OK)
            return st;
        if (k + 1 < N->p) {
            ps->a[k + 1] = ps->z[k] + N->m[k + 1];
            vr_relu_masked(ps->a[k + 1], pre, ps->z[k], N->m[k + 1], mask);
            pre = pre ? pre + N->m[k + 1] : NULL;
            mask = mask ? mask + N->m[k + 1] : NULL;
        }
    }
    return DP_OK;
}

/* ξ^global(θ): the function whose gradient the theorem states, composed from the library's
   layers (not dp_global_loss), with the ReLU arguments reported for the kink handling. */
static int loss_fn(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr theta, const void *data,
                   const signed char *mask, dp_mpws *ws)
{
    const net *N = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr li = dp_mpws_push(ws, 1);
    int st = li ? DP_OK : DP_ENOMEM;
    size_t per = N->nk / N->n; /* ReLU units per sample */
    if (st == DP_OK)
        mpfr_set_zero(out, +1);
    for (size_t i = 0; st == DP_OK && i < N->n; i++) {
        dp_mpmark mi = dp_mpws_mark(ws);
        pass ps;
        mpfr_ptr x = pr_mp(ws, N->X + i * N->m[0], N->m[0]);
        mpfr_ptr y = pr_mp(ws, N->Y + i * N->m[N->p], N->m[N->p]);
        st = x && y ? forward(&ps, N, theta, x, pre ? pre + i * per : NULL,
                              mask ? mask + i * per : NULL, ws)
                    : DP_ENOMEM;
        if (st == DP_OK)
            st = vr_lib->softmax_cce_mp(li, y, ps.z[N->p - 1], N->m[N->p], ws);
        if (st == DP_OK)
            mpfr_add(out, out, li, MPFR_RNDN);
        dp_mpws_release(ws, mi);
    }
    dp_mpws_release(ws, mk);
    return st;
}

/* The corrected statement: the library's layer-recursive gradient, flattened like θ. */
static int gradient(mpfr_ptr J, mpfr_srcptr theta, const void *data, dp_mpws *ws)
{
    const net *N = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr th = dp_mpws_push(ws, N->nparam);
    mpfr_ptr X = pr_mp(ws, N->X, N->n * N->m[0]), Y = pr_mp(ws, N->Y, N->n * N->m[N->p]);
    int st = th && X && Y ? DP_OK : DP_ENOMEM;
    mpfr_ptr W[MAXP], b[MAXP], gW[MAXP], gb[MAXP];
    for (size_t i = 0; st == DP_OK && i < N->nparam; i++)
        mpfr_set(th + i, theta + i, MPFR_RNDN);
    for (size_t k = 0; k < N->p; k++) {
        W[k] = th + N->offW[k], b[k] = th + N->offb[k];
        gW[k] = J + N->offW[k], gb[k] = J + N->offb[k];
    }
    dp_net_mp net_mp = {N->p, N->m, W, b};
    if (st == DP_OK)
        st = vr_lib->global_loss_gradient_mp(NULL, gW, gb, &net_mp, X, Y, N->n, ws);
    dp_mpws_release(ws, mk);
    return st;
}

static void entry_name(char *buf, size_t len, size_t i, size_t j, const void *data)
{
    const net *N = data;
    (void)i;
    for (size_t k = N->p; k-- > 0;) {
        if (j >= N->offb[k]) {
            snprintf(buf, len, "db^%zu[%zu]", k + 1, j - N->offb[k]);
            return;
        }
        if (j >= N->offW[k]) {
            size_t e = j - N->offW[k];
            snprintf(buf, len, "dW^%zu[%zu,%zu]", k + 1, e / N->m[k], e % N->m[k]);
            return;
        }
    }
    snprintf(buf, len, "?");
}

/* θ of the instance, packed like the gradient. */
static double *pack(const net *N)
{
    double *th = malloc(N->nparam * sizeof *th);
    for (size_t k = 0; th != NULL && k < N->p; k++) {
        memcpy(th + N->offW[k], N->W[k], N->m[k + 1] * N->m[k] * sizeof *th);
        memcpy(th + N->offb[k], N->b[k], N->m[k + 1] * sizeof *th);
    }
    return th;
}

static unsigned classes(const net *N)
{
    unsigned cl = N->p >= 3 ? VR_CLASS_DEEP : 0;
    for (size_t k = 0; k <= N->p; k++)
        cl |= N->m[k] == 1 ? VR_CLASS_M1 : 0;
    for (size_t i = 0; i < N->n; i++) {
        double s = 0;
        for (size_t j = 0; j < N->m[N->p]; j++)
            s += N->Y[i * N->m[N->p] + j];
        cl |= s != 1 ? VR_CLASS_MULTI_HOT : 0;
    }
    return cl;
}

static int check_with(vr_result *r, const vr_case *c, vr_ctx *ctx, vr_jac statement_gradient)
{
    net N;
    if (!read_net(&N, c))
        return DP_EDOMAIN;
    double *theta = pack(&N);
    if (theta == NULL)
        return DP_ENOMEM;
    vr_map map = {"dξ/dθ", loss_fn, statement_gradient, N.nparam, 1, N.nk, &N, VR_SCALE_UNIT,
                  entry_name};
    int st = vr_check_derivative(r, &map, theta, ctx);
    free(theta);
    r->classes |= classes(&N);
    return st;
}

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, gradient);
}

const vr_prop pr_network_gradient = {
    "network-gradient", "5", "the layer-recursive gradient of the global loss, every k",
    statement, corrected, VR_EXPECT_HOLDS,
    VR_CLASS_KINK | VR_CLASS_M1 | VR_CLASS_DEEP | VR_CLASS_MULTI_HOT, generate, check};

/* ---- as written ------------------------------------------------------------------------------
   Each variant changes one thing in the corrected gradient, so that its refutation points at
   one erratum.  Both recompute the forward pass of every sample to get z^k and y^{downstream}. */

/* k = p as the document writes it (reading its F^{upstream} as the derivative, the other erratum):
   ∂/∂b^p_{j'} = Σ_i (S(ReLU(z^p)) − Ŷ^i)_{j'} 1(z^p_{j'}), ∂/∂W^p_{j',j} = the same × y_j. */
static int gradient_last_as_written(mpfr_ptr J, mpfr_srcptr theta, const void *data, dp_mpws *ws)
{
    const net *N = data;
    size_t p = N->p - 1, mo = N->m[N->p], mi = N->m[p];
    int st = gradient(J, theta, data, ws);
    for (size_t j = 0; st == DP_OK && j < mo * mi + mo; j++)
        mpfr_set_zero(J + N->offW[p] + j, +1); /* W^p then b^p: contiguous */
    for (size_t i = 0; st == DP_OK && i < N->n; i++) {
        dp_mpmark mk = dp_mpws_mark(ws);
        pass ps;
        mpfr_ptr x = pr_mp(ws, N->X + i * N->m[0], N->m[0]);
        mpfr_ptr y = pr_mp(ws, N->Y + i * mo, mo), g = dp_mpws_push(ws, 2 * mo);
        st = x && y && g ? forward(&ps, N, theta, x, NULL, NULL, ws) : DP_ENOMEM;
        if (st == DP_OK) {
            vr_relu_masked(g + mo, NULL, ps.z[p], mo, NULL); /* ReLU(z^p) */
            st = vr_lib->softmax_cce_gradient_mp(g, y, g + mo, mo, ws);
        }
        for (size_t jp = 0; st == DP_OK && jp < mo; jp++) {
            if (mpfr_sgn(ps.z[p] + jp) <= 0)
                continue; /* the indicator 1_{ℝ⁺∖{0}}(z^p_{j'}) */
            mpfr_ptr gb = J + N->offb[p] + jp, gw = J + N->offW[p] + jp * mi;
            mpfr_add(gb, gb, g + jp, MPFR_RNDN);
            for (size_t j = 0; j < mi; j++)
                mpfr_fma(gw + j, g + jp, ps.a[p] + j, gw + j, MPFR_RNDN);
        }
        dp_mpws_release(ws, mk);
    }
    return st;
}

/* k < p, the weight partial as written: F^{upstream(k)}'s value at ReLU(L^k(y^{downstream})) --
   the sample's loss ξ^{Ŷ^i}(N(X^i)) -- where its derivative belongs:
   ∂/∂W^k_{j',j} = Σ_i ξ^{Ŷ^i}(N(X^i)) 1(z^k_{j'}) y_j^{downstream(k)}. */
static int gradient_weights_as_written(mpfr_ptr J, mpfr_srcptr theta, const void *data,
                                       dp_mpws *ws)
{
    const net *N = data;
    int st = gradient(J, theta, data, ws);
    for (size_t k = 0; st == DP_OK && k + 1 < N->p; k++)
        for (size_t j = 0; j < N->m[k + 1] * N->m[k]; j++)
            mpfr_set_zero(J + N->offW[k] + j, +1);
    for (size_t i = 0; st == DP_OK && i < N->n; i++) {
        dp_mpmark mk = dp_mpws_mark(ws);
        pass ps;
        mpfr_ptr x = pr_mp(ws, N->X + i * N->m[0], N->m[0]);
        mpfr_ptr y = pr_mp(ws, N->Y + i * N->m[N->p], N->m[N->p]), li = dp_mpws_push(ws, 1);
        st = x && y && li ? forward(&ps, N, theta, x, NULL, NULL, ws) : DP_ENOMEM;
        if (st == DP_OK)
            st = vr_lib->softmax_cce_mp(li, y, ps.z[N->p - 1], N->m[N->p], ws);
        for (size_t k = 0; st == DP_OK && k + 1 < N->p; k++)
            for (size_t jp = 0; jp < N->m[k + 1]; jp++) {
                if (mpfr_sgn(ps.z[k] + jp) <= 0)
                    continue;
                mpfr_ptr gw = J + N->offW[k] + jp * N->m[k];
                for (size_t j = 0; j < N->m[k]; j++)
                    mpfr_fma(gw + j, li, ps.a[k] + j, gw + j, MPFR_RNDN);
            }
        dp_mpws_release(ws, mk);
    }
    return st;
}

static int check_last(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, gradient_last_as_written);
}

static int check_weights(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, gradient_weights_as_written);
}

/* The weight erratum needs a hidden layer: p >= 2. */
static int generate_deep(vr_case *c, vr_src *src, size_t size)
{
    return generate_depth(c, src, size, 2, 0);
}

const vr_prop pr_network_gradient_last = {
    "network-gradient/as-written-last-layer", "5",
    "k = p written like k < p: a ReLU indicator and dF at ReLU(L^p)", statement, NULL,
    VR_EXPECT_REFUTED, 0, generate, check_last};

const vr_prop pr_network_gradient_weights = {
    "network-gradient/as-written-weights", "5",
    "k < p weight partial with F^upstream's value for its derivative", statement, NULL,
    VR_EXPECT_REFUTED, 0, generate_deep, check_weights};
