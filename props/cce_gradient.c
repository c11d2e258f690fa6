/* cce_gradient.c -- §3, Proposition (second half): the gradient of the categorical cross-entropy
   ξ^ŷ(y) = −Σ_j ŷ_j log y_j on ]0,1[^m is dξ^ŷ/dy(y) = −[ŷ_1/y_1 … ŷ_m/y_m].  As written, it is
   true, for every ŷ ∈ {0,1}^m (multi-hot and all-zero labels too: the formula is term by term).
   The finite difference of the library's ξ^ŷ against its cce_gradient, then the double ξ^ŷ and
   its gradient against their MPFR twins within vr_bound_cce and vr_bound_cce_gradient.  (That ξ^ŷ
   is a loss function, the first half, is loss_function.c's.) */
#include "props.h"

static const char statement[] =
    "Let ŷ ∈ {0,1}^m a ground truth matrix. Then the application ξ^ŷ: ]0,1[^m → ℝ, y ↦ "
    "−Σ_{j=1}^m ŷ_j log(y_j) is a loss function. The application is named Categorical "
    "cross-entropy loss. Its Gradient matrix is dξ^ŷ/dy: ]0,1[^m → ℝ^m, y ↦ −[ŷ_1/y_1 … "
    "ŷ_m/y_m].";

/* ŷ (m) in {0,1}^m, one-hot, multi-hot or all-zero; y (m) in ]0,1[^m, k / 2^20 (so that −ŷ_j/y_j
   stays within double's range: the double gradient is checked too). */
static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t m = vr_gen_dim(src, size);
    vr_case_dim(c, "m", m);
    double *yhat = vr_case_array(c, "yhat", m), *y = vr_case_array(c, "y", m);
    if (yhat == NULL || y == NULL)
        return DP_ENOMEM;
    vr_gen_label(yhat, m, src, 1);
    vr_gen_vector(y, m, src, VR_REAL_UNIT);
    return DP_OK;
}

typedef pr_cce_inst inst;

/* An instance on the statement's domain: y ∈ ]0,1[^m (ŷ may be any finite label: the formula
   holds term by term). */
static int read_inst(inst *I, const vr_case *c)
{
    I->m = pr_dim(c, "m", PR_MAXDIM);
    I->yhat = pr_arr(c, "yhat", I->m);
    I->y = pr_arr(c, "y", I->m);
    if (I->yhat == NULL || I->y == NULL)
        return 0;
    for (size_t j = 0; j < I->m; j++)
        if (!(I->y[j] > 0 && I->y[j] < 1))
            return 0;
    return 1;
}

/* The statement's gradient −ŷ_j / y_j (1 x m) of ξ^ŷ (pr_cce_xi): data is an inst. */
static int grad(mpfr_ptr g, mpfr_srcptr y, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr yhat = pr_mp(ws, I->yhat, I->m);
    int st = yhat ? vr_lib->cce_gradient_mp(g, yhat, y, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

/* The double ξ^ŷ (1 output) and its gradient (m) against their MPFR twins. */
static size_t n_loss(const vr_case *c)
{
    inst I;
    return read_inst(&I, c) ? 1 : 0;
}

static size_t n_grad(const vr_case *c)
{
    inst I;
    return read_inst(&I, c) ? I.m : 0;
}

static int loss_impl(double *out, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    return vr_lib->cce(out, I.yhat, I.y, I.m);
}

static int grad_impl(double *out, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    return vr_lib->cce_gradient(out, I.yhat, I.y, I.m);
}

static int loss_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    mpfr_ptr yhat = pr_mp(ws, I.yhat, I.m), y = pr_mp(ws, I.y, I.m);
    return yhat && y ? vr_lib->cce_mp(out, yhat, y, I.m, ws) : DP_ENOMEM;
}

static int grad_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    mpfr_ptr yhat = pr_mp(ws, I.yhat, I.m), y = pr_mp(ws, I.y, I.m);
    return yhat && y ? vr_lib->cce_gradient_mp(out, yhat, y, I.m, ws) : DP_ENOMEM;
}

static void loss_bound(double *b, const vr_case *c, mpfr_srcptr out, double u)
{
    inst I;
    (void)out;
    read_inst(&I, c);
    vr_bound_cce(b, I.yhat, I.y, I.m, u);
}

static void grad_bound(double *b, const vr_case *c, mpfr_srcptr g, double u)
{
    vr_bound_cce_gradient(b, n_grad(c), g, u);
}

static const vr_op loss_op = {"ξ", n_loss, loss_impl, loss_ref, loss_bound};
static const vr_op grad_op = {"dξ/dy", n_grad, grad_impl, grad_ref, grad_bound};

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c))
        return DP_EDOMAIN;
    /* log y_j has its singularity at 0: steps relative to y_j (VR_SCALE_REL) */
    vr_map map = {"dξ/dy", pr_cce_xi, grad, I.m, 1, 0, &I, VR_SCALE_REL, NULL};
    vr_result part;
    int st = vr_check_derivative(r, &map, I.y, ctx);
    if (st == DP_OK && (st = vr_check_double(&part, &loss_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_double(&part, &grad_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    double sum = 0;
    for (size_t j = 0; j < I.m; j++)
        sum += I.yhat[j];
    r->classes |= vr_classes_of(I.y, I.m, 0) | (sum != 1 ? VR_CLASS_MULTI_HOT : 0);
    return st;
}

const vr_prop pr_cce_gradient = {
    "cce-gradient", "3", "the gradient of the categorical cross-entropy, −ŷ_j / y_j", statement,
    NULL, VR_EXPECT_HOLDS, VR_CLASS_M1 | VR_CLASS_MULTI_HOT, generate, check};
