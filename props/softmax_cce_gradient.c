/* softmax_cce_gradient.c -- §3, Proposition: for ŷ ∈ {0,1}^m, ξ^ŷ ∘ S is derivable on ℝ^m and its
   gradient is d(ξ^ŷ ∘ S)/dz(z) = S(z) − ŷ.
   The chain rule gives Σ_j' (−ŷ_j'/S_j') S_j' (δ_j'j − S_j) = S_j Σ_j' ŷ_j' − ŷ_j: the text's
   S(z) − ŷ only where Σ_j ŷ_j = 1.  The domain it states, {0,1}^m, holds multi-hot and all-zero
   labels too, and there the formula is false: with m = 1 and ŷ = 0, ξ^ŷ ∘ S ≡ 0 but S − ŷ = 1.
   - softmax-cce-gradient/as-written: S(z) − ŷ on all of {0,1}^m (refuted);
   - softmax-cce-gradient: S(z) Σ_j ŷ_j − ŷ on all of {0,1}^m, and the text's S(z) − ŷ on one-hot
     labels, where the two agree; the double twins of both formulas within
     vr_bound_softmax_cce_gradient (c = Σ ŷ, and c = 1);
   - softmax-cce-gradient-sum, a corollary: for a one-hot ŷ the components of S(z) − ŷ sum to 0
     (Σ S = 1 = Σ ŷ), an identity in MPFR at p within vr_bound_softmax_cce_gradient_sum_mp, and in
     double within vr_bound_sum of the components' bounds.
   The function is the library's ξ^ŷ ∘ S (dp_softmax_cce, finite for every finite z). */
#include "props.h"

static const char statement[] =
    "Let ŷ ∈ {0,1}^m a ground truth matrix. Let S: ℝ^m → ]0,1[^m and ξ^ŷ: ]0,1[^m → ℝ the "
    "SoftMax activation and Categorical cross-entropy loss functions. Then ξ^ŷ ∘ S: ℝ^m → ℝ is "
    "derivable on ℝ^m and its Gradient matrix is d(ξ^ŷ ∘ S)/dz: ℝ^m → ℝ^m, z ↦ S(z) − ŷ.";

static const char corrected[] =
    "For every ŷ ∈ {0,1}^m, ξ^ŷ ∘ S is derivable on ℝ^m and d(ξ^ŷ ∘ S)/dz(z) = S(z) × Σ_j ŷ_j − "
    "ŷ, which is S(z) − ŷ exactly when Σ_j ŷ_j = 1 (a one-hot label, the multi-class case). It "
    "differs from the text by the factor Σ_j ŷ_j: for a multi-hot or all-zero label, S(z) − ŷ "
    "is not the gradient.";

static const char sum_statement[] =
    "(§3) d(ξ^ŷ ∘ S)/dz(z) = S(z) − ŷ for ŷ ∈ {0,1}^m. Implied, for a one-hot ŷ (Σ_j ŷ_j = 1): "
    "Σ_j (S(z) − ŷ)_j = Σ_j S(z)_j − 1 = 0, i.e. the gradient is orthogonal to 1 (ξ^ŷ ∘ S is "
    "invariant under z ↦ z + c·1).";

/* z (m): logits, edge-biased (zeros, -0.0, ties, ±1e4, ±1e300); ŷ (m): one-hot, or (multi)
   multi-hot and all-zero too.  Shrinking goes to m = 1, z = 0, ŷ = e_1. */
static int gen(vr_case *c, vr_src *src, size_t size, int multi)
{
    size_t m = vr_gen_dim(src, size);
    vr_case_dim(c, "m", m);
    double *z = vr_case_array(c, "z", m), *yhat = vr_case_array(c, "yhat", m);
    if (z == NULL || yhat == NULL)
        return DP_ENOMEM;
    vr_gen_label(yhat, m, src, multi); /* first: z's draws last, so that they shrink freely */
    vr_gen_vector(z, m, src, VR_REAL_LOGIT);
    return DP_OK;
}

static int generate(vr_case *c, vr_src *src, size_t size)
{
    return gen(c, src, size, 1);
}

static int generate_onehot(vr_case *c, vr_src *src, size_t size)
{
    return gen(c, src, size, 0);
}

typedef struct {
    size_t m;
    const double *z, *yhat;
    double sum; /* Σ ŷ_j: exact, a sum of at most 4096 zeros and ones */
} inst;

static int read_inst(inst *I, const vr_case *c)
{
    I->m = pr_dim(c, "m", PR_MAXDIM);
    I->z = pr_arr(c, "z", I->m);
    I->yhat = pr_arr(c, "yhat", I->m);
    if (I->z == NULL || I->yhat == NULL)
        return 0;
    I->sum = 0;
    for (size_t j = 0; j < I->m; j++) {
        if (I->yhat[j] != 0 && I->yhat[j] != 1)
            return 0; /* the statement's domain, {0,1}^m */
        I->sum += I->yhat[j];
    }
    return 1;
}

/* ---- the function, ξ^ŷ(S(z)), and the two gradients: data is an inst ---------------------- */

static int xi_S(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr z, const void *data,
                const signed char *mask, dp_mpws *ws)
{
    const inst *I = data;
    (void)pre, (void)mask;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr yhat = pr_mp(ws, I->yhat, I->m);
    int st = yhat ? vr_lib->softmax_cce_mp(out, yhat, z, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

/* the text's S(z) − ŷ (1 x m) */
static int grad_doc(mpfr_ptr g, mpfr_srcptr z, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr yhat = pr_mp(ws, I->yhat, I->m);
    int st = yhat ? vr_lib->softmax_cce_gradient_mp(g, yhat, z, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

/* the corrected S(z) Σ ŷ − ŷ (1 x m) */
static int grad_general(mpfr_ptr g, mpfr_srcptr z, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr yhat = pr_mp(ws, I->yhat, I->m);
    int st = yhat ? vr_lib->softmax_cce_gradient_general_mp(g, yhat, z, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

/* ---- the double formulas against their MPFR twins ------------------------------------------
   general: S Σŷ − ŷ (m) within vr_bound_softmax_cce_gradient with c = Σ ŷ; doc: S − ŷ (m) with
   c = 1 (an implementation's accuracy, whatever the label: it is checked on every ŷ);
   sum: [S − ŷ (m) | their double sum (1)] against [the exact S − ŷ | 0], the sum within
   vr_bound_sum of the components' bounds (one-hot labels only). */

static size_t n_grad(const vr_case *c)
{
    inst I;
    return read_inst(&I, c) ? I.m : 0;
}

static size_t n_sum(const vr_case *c)
{
    inst I;
    return read_inst(&I, c) ? I.m + 1 : 0;
}

static int general_impl(double *g, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    return vr_lib->softmax_cce_gradient_general(g, I.yhat, I.z, I.m);
}

static int doc_impl(double *g, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    return vr_lib->softmax_cce_gradient(g, I.yhat, I.z, I.m);
}

static int sum_impl(double *out, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    int st = vr_lib->softmax_cce_gradient(out, I.yhat, I.z, I.m);
    double s = 0;
    for (size_t j = 0; st == DP_OK && j < I.m; j++) /* index order, from 0: vr_bound_sum's */
        s += out[j];
    out[I.m] = s;
    return st;
}

static int general_ref(mpfr_ptr g, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    mpfr_ptr yhat = pr_mp(ws, I.yhat, I.m), z = pr_mp(ws, I.z, I.m);
    return yhat && z ? vr_lib->softmax_cce_gradient_general_mp(g, yhat, z, I.m, ws) : DP_ENOMEM;
}

static int doc_ref(mpfr_ptr g, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    mpfr_ptr yhat = pr_mp(ws, I.yhat, I.m), z = pr_mp(ws, I.z, I.m);
    return yhat && z ? vr_lib->softmax_cce_gradient_mp(g, yhat, z, I.m, ws) : DP_ENOMEM;
}

static int sum_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    int st = doc_ref(out, c, ws);
    mpfr_set_zero(out + n_grad(c), +1); /* the exact sum */
    return st;
}

static void general_bound(double *b, const vr_case *c, mpfr_srcptr g, double u)
{
    inst I;
    read_inst(&I, c);
    vr_bound_softmax_cce_gradient(b, I.z, I.yhat, I.m, I.sum, g, u);
}

static void doc_bound(double *b, const vr_case *c, mpfr_srcptr g, double u)
{
    inst I;
    read_inst(&I, c);
    vr_bound_softmax_cce_gradient(b, I.z, I.yhat, I.m, 1.0, g, u);
}

static void sum_bound(double *b, const vr_case *c, mpfr_srcptr g, double u)
{
    size_t m = n_grad(c);
    doc_bound(b, c, g, u);
    b[m] = vr_bound_sum(b, g, m, u);
}

/* the loss itself, ξ^ŷ(S(z)) (1), within vr_bound_softmax_cce */
static size_t n_loss(const vr_case *c)
{
    inst I;
    return read_inst(&I, c) ? 1 : 0;
}

static int loss_impl(double *l, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    return vr_lib->softmax_cce(l, I.yhat, I.z, I.m);
}

static int loss_ref(mpfr_ptr l, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    mpfr_ptr yhat = pr_mp(ws, I.yhat, I.m), z = pr_mp(ws, I.z, I.m);
    return yhat && z ? vr_lib->softmax_cce_mp(l, yhat, z, I.m, ws) : DP_ENOMEM;
}

static void loss_bound(double *b, const vr_case *c, mpfr_srcptr l, double u)
{
    inst I;
    (void)l;
    read_inst(&I, c);
    vr_bound_softmax_cce(b, I.yhat, I.z, I.m, u);
}

static const vr_op loss_op = {"ξ∘S", n_loss, loss_impl, loss_ref, loss_bound};
static const vr_op general_op = {"SΣŷ−ŷ", n_grad, general_impl, general_ref, general_bound};
static const vr_op doc_op = {"S−ŷ", n_grad, doc_impl, doc_ref, doc_bound};
static const vr_op sum_op = {"S−ŷ|Σ", n_sum, sum_impl, sum_ref, sum_bound};

/* ---- the identity Σ_j (S(z) − ŷ)_j = 0 in MPFR at p ----------------------------------------- */

static int sum_lhs(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr z = pr_mp(ws, I->z, I->m), g = dp_mpws_push(ws, I->m);
    int st = z && g ? grad_doc(g, z, I, ws) : DP_ENOMEM;
    mpfr_set_zero(out, +1);
    for (size_t j = 0; st == DP_OK && j < I->m; j++) /* index order: the bound's summation */
        mpfr_add(out, out, g + j, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return st;
}

static int sum_rhs(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    (void)data, (void)ws;
    mpfr_set_zero(out, +1);
    return DP_OK;
}

/* The terms S_j and ŷ_j are at most 1: the sum is measured absolutely (scale 1). */
static int sum_allowed(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                       const void *data, dp_mpws *ws)
{
    (void)lhs, (void)rhs;
    vr_bound_softmax_cce_gradient_sum_mp(allowed, ((const inst *)data)->m, ws->prec);
    mpfr_set_ui(scale, 1, MPFR_RNDN);
    return DP_OK;
}

/* ---- the checks ----------------------------------------------------------------------------- */

static unsigned classes(const inst *I)
{
    return vr_classes_of(I->z, I->m, 1) | (I->sum != 1 ? VR_CLASS_MULTI_HOT : 0);
}

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c))
        return DP_EDOMAIN;
    /* shift invariant in z: steps of the same size at any logit (VR_SCALE_UNIT) */
    vr_map general = {"d(ξ∘S)/dz", xi_S, grad_general, I.m, 1, 0, &I, VR_SCALE_UNIT, NULL};
    vr_map doc = {"d(ξ∘S)/dz", xi_S, grad_doc, I.m, 1, 0, &I, VR_SCALE_UNIT, NULL};
    vr_result part;
    int st = vr_check_derivative(r, &general, I.z, ctx);
    if (st == DP_OK && I.sum == 1 && (st = vr_check_derivative(&part, &doc, I.z, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_double(&part, &general_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_double(&part, &doc_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_double(&part, &loss_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    r->classes |= classes(&I);
    return st;
}

static int check_as_written(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c))
        return DP_EDOMAIN;
    vr_map doc = {"d(ξ∘S)/dz", xi_S, grad_doc, I.m, 1, 0, &I, VR_SCALE_UNIT, NULL};
    int st = vr_check_derivative(r, &doc, I.z, ctx);
    r->classes |= classes(&I);
    return st;
}

static int check_sum(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c) || I.sum != 1)
        return DP_EDOMAIN; /* the corollary is about one-hot labels */
    vr_identity id = {"Σ(S−ŷ)", 1, sum_lhs, sum_rhs, sum_allowed, &I, NULL};
    vr_result part;
    int st = vr_check_identity(r, &id, ctx);
    if (st == DP_OK && (st = vr_check_double(&part, &sum_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    r->classes |= classes(&I);
    return st;
}

#define LOGIT_CLASSES (VR_CLASS_M1 | VR_CLASS_LARGE_LOGIT | VR_CLASS_TIE | VR_CLASS_NEG_ZERO)

const vr_prop pr_softmax_cce_gradient = {
    "softmax-cce-gradient", "3", "the gradient of ξ^ŷ ∘ S: S(z) Σŷ − ŷ, and S(z) − ŷ if one-hot",
    statement, corrected, VR_EXPECT_HOLDS, LOGIT_CLASSES | VR_CLASS_MULTI_HOT, generate, check};

const vr_prop pr_softmax_cce_gradient_as_written = {
    "softmax-cce-gradient/as-written", "3",
    "S(z) − ŷ for every ŷ ∈ {0,1}^m: false unless Σŷ = 1", statement, NULL, VR_EXPECT_REFUTED,
    LOGIT_CLASSES | VR_CLASS_MULTI_HOT, generate, check_as_written};

const vr_prop pr_softmax_cce_gradient_sum = {
    "softmax-cce-gradient-sum", "3", "for one-hot ŷ the components of S(z) − ŷ sum to 0",
    sum_statement, NULL, VR_EXPECT_HOLDS, LOGIT_CLASSES, generate_onehot, check_sum};
