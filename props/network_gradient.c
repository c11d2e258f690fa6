/* network_gradient.c -- §5, Theorem: the layer-recursive gradient of the global loss
   ξ^global = Σ_i ξ^{Ŷ^i}(N(X^i)), N = S ∘ L^p ∘ (ReLU ∘ L^k)_{k<p}, with respect to every W^k and
   b^k.  The document does k < p and leaves k = p as TODO, written with a ReLU indicator and with
   the upstream function's value where its derivative belongs; corrected, for every k including
   k = p, it is what dp_global_loss_gradient computes.  Layers are numbered as the document does
   (1..p) in reports; entries are 0-based. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"

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

static int generate(vr_case *c, vr_src *src, size_t size)
{
    return net_generate(c, src, size, 1, 1);
}

/* ---- the double implementation: loss and gradient, within vr_bound_network_gradient ---------- */

static size_t nout(const vr_case *c)
{
    net N;
    return net_read(&N, c) ? 1 + N.nparam : 0;
}

static int impl(double *out, const vr_case *c)
{
    net N;
    net_read(&N, c);
    double *theta = net_pack(&N);
    if (theta == NULL)
        return DP_ENOMEM;
    double *W[NET_MAXP], *b[NET_MAXP], *gW[NET_MAXP], *gb[NET_MAXP];
    for (size_t k = 0; k < N.p; k++) {
        W[k] = theta + N.offW[k], b[k] = theta + N.offb[k];
        gW[k] = out + 1 + N.offW[k], gb[k] = out + 1 + N.offb[k];
    }
    dp_net dnet = {N.p, N.m, W, b};
    dp_netws ws;
    int st = dp_netws_init(&ws, N.m, N.p);
    if (st == DP_OK)
        st = vr_lib->global_loss_gradient(out, gW, gb, &dnet, N.X, N.Y, N.n, &ws);
    dp_netws_clear(&ws);
    free(theta);
    return st;
}

static int ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    net N;
    net_read(&N, c);
    double *theta = net_pack(&N);
    mpfr_ptr th = theta ? pr_mp(ws, theta, N.nparam) : NULL;
    mpfr_ptr X = pr_mp(ws, N.X, N.n * N.m[0]), Y = pr_mp(ws, N.Y, N.n * N.m[N.p]);
    int st = th && X && Y ? DP_OK : DP_ENOMEM;
    mpfr_ptr W[NET_MAXP], b[NET_MAXP], gW[NET_MAXP], gb[NET_MAXP];
    for (size_t k = 0; k < N.p; k++) {
        W[k] = th + N.offW[k], b[k] = th + N.offb[k];
        gW[k] = out + 1 + N.offW[k], gb[k] = out + 1 + N.offb[k];
    }
    dp_net_mp net_mp = {N.p, N.m, W, b};
    if (st == DP_OK)
        st = vr_lib->global_loss_gradient_mp(out, gW, gb, &net_mp, X, Y, N.n, ws);
    free(theta);
    return st;
}

static void bound(double *bnd, const vr_case *c, mpfr_srcptr g, double u)
{
    net N;
    (void)g;
    net_read(&N, c);
    if (vr_bound_network_gradient(bnd, N.p, N.m, N.W, N.b, N.X, N.Y, N.n, u) != DP_OK)
        for (size_t i = 0; i < 1 + N.nparam; i++)
            bnd[i] = 0; /* no bound could be computed: every error shows */
}

static const vr_op op = {"loss,dθ", nout, impl, ref, bound};

/* ---- the definitions: N(X^1) and ξ^global as the library computes them, against their
   composition from the layers (net.c) in MPFR, and the double N and ξ^global against MPFR ---- */

/* N(X^1) of the library (lhs) and S(z^p) of the composed forward pass (rhs). */
static int net_lib(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const net *N = data;
    double *theta = net_pack(N);
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr th = theta ? pr_mp(ws, theta, N->nparam) : NULL, x = pr_mp(ws, N->X, N->m[0]);
    int st = th && x ? DP_OK : DP_ENOMEM;
    mpfr_ptr W[NET_MAXP], b[NET_MAXP];
    for (size_t k = 0; k < N->p; k++)
        W[k] = th + N->offW[k], b[k] = th + N->offb[k];
    dp_net_mp net_mp = {N->p, N->m, W, b};
    if (st == DP_OK)
        st = vr_lib->network_mp(out, &net_mp, x, ws);
    dp_mpws_release(ws, mk);
    free(theta);
    return st;
}

static int net_def(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const net *N = data;
    double *theta = net_pack(N);
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr th = theta ? pr_mp(ws, theta, N->nparam) : NULL, x = pr_mp(ws, N->X, N->m[0]);
    net_pass ps;
    int st = th && x ? net_forward(&ps, N, th, x, NULL, NULL, ws) : DP_ENOMEM;
    if (st == DP_OK)
        st = dp_softmax_mp(out, ps.z[N->p - 1], N->m[N->p], ws);
    dp_mpws_release(ws, mk);
    free(theta);
    return st;
}

/* Both sides make the same operations in a different order of calls: they differ by a few
   roundings of 2^-p on terms no larger than the logits' spread; 2^-(p/2) of the larger of 1 and
   the value leaves that room many times over and still sees a formula computed in double
   (2^-53) or a mean for a sum (a factor n). */
static int def_bound(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                     size_t q, dp_mpws *ws)
{
    (void)lhs;
    for (size_t i = 0; i < q; i++) {
        mpfr_abs(scale + i, rhs + i, MPFR_RNDU);
        if (mpfr_cmp_ui(scale + i, 1) < 0)
            mpfr_set_ui(scale + i, 1, MPFR_RNDN);
        mpfr_mul_2si(allowed + i, scale + i, -(long)ws->prec / 2, MPFR_RNDU);
    }
    return DP_OK;
}

static int net_bound(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                     const void *data, dp_mpws *ws)
{
    return def_bound(allowed, scale, lhs, rhs, ((const net *)data)->m[((const net *)data)->p], ws);
}

static int loss_lib(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const net *N = data;
    double *theta = net_pack(N);
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr th = theta ? pr_mp(ws, theta, N->nparam) : NULL;
    mpfr_ptr X = pr_mp(ws, N->X, N->n * N->m[0]), Y = pr_mp(ws, N->Y, N->n * N->m[N->p]);
    int st = th && X && Y ? DP_OK : DP_ENOMEM;
    mpfr_ptr W[NET_MAXP], b[NET_MAXP];
    for (size_t k = 0; k < N->p; k++)
        W[k] = th + N->offW[k], b[k] = th + N->offb[k];
    dp_net_mp net_mp = {N->p, N->m, W, b};
    if (st == DP_OK)
        st = vr_lib->global_loss_mp(out, &net_mp, X, Y, N->n, ws);
    dp_mpws_release(ws, mk);
    free(theta);
    return st;
}

static int loss_def(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const net *N = data;
    double *theta = net_pack(N);
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr th = theta ? pr_mp(ws, theta, N->nparam) : NULL;
    int st = th ? net_loss(out, NULL, th, N, NULL, ws) : DP_ENOMEM; /* Σ_i ξ(N(X^i)) */
    dp_mpws_release(ws, mk);
    free(theta);
    return st;
}

static int loss_bound(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                      const void *data, dp_mpws *ws)
{
    (void)data;
    return def_bound(allowed, scale, lhs, rhs, 1, ws);
}

/* The double N(X^1) within vr_bound_network_output; the double ξ^global within the loss entry
   of vr_bound_network_gradient. */
static size_t n_net(const vr_case *c)
{
    net N;
    return net_read(&N, c) ? N.m[N.p] : 0;
}

static size_t n_loss(const vr_case *c)
{
    net N;
    return net_read(&N, c) ? 1 : 0;
}

static int net_call(double *out, const vr_case *c, int loss)
{
    net N;
    net_read(&N, c);
    double *theta = net_pack(&N);
    if (theta == NULL)
        return DP_ENOMEM;
    double *W[NET_MAXP], *b[NET_MAXP];
    for (size_t k = 0; k < N.p; k++)
        W[k] = theta + N.offW[k], b[k] = theta + N.offb[k];
    dp_net dnet = {N.p, N.m, W, b};
    dp_netws ws;
    int st = dp_netws_init(&ws, N.m, N.p);
    if (st == DP_OK)
        st = loss ? vr_lib->global_loss(out, &dnet, N.X, N.Y, N.n, &ws)
                  : vr_lib->network(out, &dnet, N.X, &ws);
    dp_netws_clear(&ws);
    free(theta);
    return st;
}

static int net_impl(double *out, const vr_case *c)
{
    return net_call(out, c, 0);
}

static int loss_impl(double *out, const vr_case *c)
{
    return net_call(out, c, 1);
}

static int net_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    net N;
    net_read(&N, c);
    return net_def(out, &N, ws);
}

static int loss_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    net N;
    net_read(&N, c);
    return loss_def(out, &N, ws);
}

static void net_out_bound(double *bnd, const vr_case *c, mpfr_srcptr g, double u)
{
    net N;
    (void)g;
    net_read(&N, c);
    if (vr_bound_network_output(bnd, N.p, N.m, N.W, N.b, N.X, u) != DP_OK)
        for (size_t i = 0; i < N.m[N.p]; i++)
            bnd[i] = 0;
}

static void loss_out_bound(double *bnd, const vr_case *c, mpfr_srcptr g, double u)
{
    net N;
    (void)g;
    net_read(&N, c);
    double *all = malloc((1 + N.nparam) * sizeof *all);
    bnd[0] = 0;
    if (all && vr_bound_network_gradient(all, N.p, N.m, N.W, N.b, N.X, N.Y, N.n, u) == DP_OK)
        bnd[0] = all[0];
    free(all);
}

static const vr_op net_op = {"N(X^1)", n_net, net_impl, net_ref, net_out_bound};
static const vr_op loss_op = {"ξ^global", n_loss, loss_impl, loss_ref, loss_out_bound};

/* All four for one instance, merged into r. */
static int check_definitions(vr_result *r, const vr_case *c, const net *N, vr_ctx *ctx)
{
    vr_identity nid = {"N(X^1)", N->m[N->p], net_lib, net_def, net_bound, N, NULL};
    vr_identity lid = {"ξ^global", 1, loss_lib, loss_def, loss_bound, N, NULL};
    const vr_identity *ids[2] = {&nid, &lid};
    const vr_op *ops[2] = {&net_op, &loss_op};
    int st = DP_OK, ladder = ctx->ladder;
    ctx->ladder = 0; /* the ladder shown is the theorem's */
    for (int k = 0; k < 2 && st == DP_OK; k++) {
        vr_result part;
        if ((st = vr_check_identity(&part, ids[k], ctx)) == DP_OK)
            vr_result_merge(r, &part);
        if (st == DP_OK && (st = vr_check_double(&part, ops[k], c, ctx)) == DP_OK)
            vr_result_merge(r, &part);
    }
    ctx->ladder = ladder;
    return st;
}

static int check_with(vr_result *r, const vr_case *c, vr_ctx *ctx, vr_jac statement_gradient)
{
    net N;
    if (!net_read(&N, c))
        return DP_EDOMAIN;
    double *theta = net_pack(&N);
    if (theta == NULL)
        return DP_ENOMEM;
    vr_map map = {"dξ/dθ", net_loss, statement_gradient, N.nparam, 1, N.nk, &N, VR_SCALE_UNIT,
                  net_entry_name};
    int st = vr_check_derivative(r, &map, theta, ctx);
    free(theta);
    if (st == DP_OK && statement_gradient == net_gradient) {
        vr_result acc;
        st = vr_check_double(&acc, &op, c, ctx);
        if (st == DP_OK)
            vr_result_merge(r, &acc);
        if (st == DP_OK)
            st = check_definitions(r, c, &N, ctx);
    }
    r->classes |= net_classes(&N);
    return st;
}

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, net_gradient);
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
    int st = net_gradient(J, theta, data, ws);
    for (size_t j = 0; st == DP_OK && j < mo * mi + mo; j++)
        mpfr_set_zero(J + N->offW[p] + j, +1); /* W^p then b^p: contiguous */
    for (size_t i = 0; st == DP_OK && i < N->n; i++) {
        dp_mpmark mk = dp_mpws_mark(ws);
        net_pass ps;
        mpfr_ptr x = pr_mp(ws, N->X + i * N->m[0], N->m[0]);
        mpfr_ptr y = pr_mp(ws, N->Y + i * mo, mo), g = dp_mpws_push(ws, 2 * mo);
        st = x && y && g ? net_forward(&ps, N, theta, x, NULL, NULL, ws) : DP_ENOMEM;
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
    int st = net_gradient(J, theta, data, ws);
    for (size_t k = 0; st == DP_OK && k + 1 < N->p; k++)
        for (size_t j = 0; j < N->m[k + 1] * N->m[k]; j++)
            mpfr_set_zero(J + N->offW[k] + j, +1);
    for (size_t i = 0; st == DP_OK && i < N->n; i++) {
        dp_mpmark mk = dp_mpws_mark(ws);
        net_pass ps;
        mpfr_ptr x = pr_mp(ws, N->X + i * N->m[0], N->m[0]);
        mpfr_ptr y = pr_mp(ws, N->Y + i * N->m[N->p], N->m[N->p]), li = dp_mpws_push(ws, 1);
        st = x && y && li ? net_forward(&ps, N, theta, x, NULL, NULL, ws) : DP_ENOMEM;
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

/* The as-written variants draw one-hot labels, the domain where S − Ŷ is right, so that their
   refutation shows their own erratum and not §3's.  The weight erratum needs p >= 2. */
static int generate_one_hot(vr_case *c, vr_src *src, size_t size)
{
    return net_generate(c, src, size, 1, 0);
}

static int generate_deep(vr_case *c, vr_src *src, size_t size)
{
    return net_generate(c, src, size, 2, 0);
}

const vr_prop pr_network_gradient_last = {
    "network-gradient/as-written-last-layer", "5",
    "k = p written like k < p: a ReLU indicator and dF at ReLU(L^p)", statement, NULL,
    VR_EXPECT_REFUTED, 0, generate_one_hot, check_last};

const vr_prop pr_network_gradient_weights = {
    "network-gradient/as-written-weights", "5",
    "k < p weight partial with F^upstream's value for its derivative", statement, NULL,
    VR_EXPECT_REFUTED, 0, generate_deep, check_weights};
