/* dense_partials.c -- §4, Proposition: the partials of a dense layer L(y, W, b) = y Wᵀ + b are
   ∂L/∂y = W, ∂L_j/∂w = y for every row w = W_{j,:}, and ∂L/∂b = I_{m'}.  As written, it is true.
   Three maps, y ↦ L, w ↦ L_j(y, w, b_j) for each row j, b ↦ L, against the library's
   dense_jacobian_y, dense_gradient_w, dense_jacobian_b; then the double dense within
   vr_bound_dense and the double partials, which are copies, exactly. */
#include <stdio.h>
#include "props.h"

static const char statement[] =
    "L: ℝ^m × M_{m',m} × ℝ^{m'} → ℝ^{m'}, (y, W, b) ↦ y × Wᵀ + b, and L_j(y, W_{j,:}, b_j) = "
    "y × (W_{j,:})ᵀ + b_j = L(y, W, b)_j. L is derivable according the first and third "
    "variables, and L_j according the second, with ∂L/∂y: ℝ^m → M_{m',m}, y ↦ W; "
    "∀j ∈ ⟦1, m'⟧, ∂L_j/∂w: ℝ^m → ℝ^m, w ↦ y; ∂L/∂b: ℝ^{m'} → M_{m',m'}, b ↦ I_{m'}.";

static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t m = vr_gen_dim(src, size), mo = vr_gen_dim(src, size);
    vr_case_dim(c, "m", m);
    vr_case_dim(c, "mo", mo);
    double *y = vr_case_array(c, "y", m), *W = vr_case_array(c, "W", mo * m);
    double *b = vr_case_array(c, "b", mo);
    if (y == NULL || W == NULL || b == NULL)
        return DP_ENOMEM;
    vr_gen_vector(y, m, src, VR_REAL_ANY);
    vr_gen_vector(W, mo * m, src, VR_REAL_ANY);
    vr_gen_vector(b, mo, src, VR_REAL_ANY);
    return DP_OK;
}

/* y is (m), W (mo x m), b (mo); row is the j of w ↦ L_j. */
typedef struct {
    size_t m, mo, row;
    const double *y, *W, *b;
} inst;

static int read_inst(inst *I, const vr_case *c)
{
    I->m = pr_dim(c, "m", PR_MAXDIM);
    I->mo = pr_dim(c, "mo", PR_MAXDIM);
    I->row = 0;
    I->y = pr_arr(c, "y", I->m);
    I->W = pr_arr(c, "W", I->mo * I->m);
    I->b = pr_arr(c, "b", I->mo);
    return I->m && I->mo && I->y && I->W && I->b;
}

/* ---- the three maps: the function beside the statement's Jacobian --------------------------- */

/* y ↦ L(y, W, b) (mo), and ∂L/∂y = W (mo x m) */
static int L_of_y(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr y, const void *data,
                  const signed char *mask, dp_mpws *ws)
{
    const inst *I = data;
    (void)pre, (void)mask;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr W = pr_mp(ws, I->W, I->mo * I->m), b = pr_mp(ws, I->b, I->mo);
    int st = W && b ? vr_lib->dense_mp(out, y, W, b, I->m, I->mo, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

static int dL_dy(mpfr_ptr J, mpfr_srcptr y, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    (void)y;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr W = pr_mp(ws, I->W, I->mo * I->m);
    int st = W ? vr_lib->dense_jacobian_y_mp(J, W, I->m, I->mo, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

/* w ↦ L_j(y, w, b_j) = y wᵀ + b_j (1), and ∂L_j/∂w = y (1 x m) */
static int Lj_of_w(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr w, const void *data,
                   const signed char *mask, dp_mpws *ws)
{
    const inst *I = data;
    (void)pre, (void)mask;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr y = pr_mp(ws, I->y, I->m), bj = pr_mp(ws, I->b + I->row, 1);
    int st = y && bj ? vr_lib->dense_mp(out, y, w, bj, I->m, 1, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

static int dLj_dw(mpfr_ptr J, mpfr_srcptr w, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    (void)w;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr y = pr_mp(ws, I->y, I->m);
    int st = y ? vr_lib->dense_gradient_w_mp(J, y, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

static void dLj_dw_name(char *buf, size_t len, size_t i, size_t j, const void *data)
{
    (void)i;
    snprintf(buf, len, "dL_%zu/dw[%zu]", ((const inst *)data)->row, j);
}

/* b ↦ L(y, W, b) (mo), and ∂L/∂b = I (mo x mo) */
static int L_of_b(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr b, const void *data,
                  const signed char *mask, dp_mpws *ws)
{
    const inst *I = data;
    (void)pre, (void)mask;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr y = pr_mp(ws, I->y, I->m), W = pr_mp(ws, I->W, I->mo * I->m);
    int st = y && W ? vr_lib->dense_mp(out, y, W, b, I->m, I->mo, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

static int dL_db(mpfr_ptr J, mpfr_srcptr b, const void *data, dp_mpws *ws)
{
    (void)b;
    return vr_lib->dense_jacobian_b_mp(J, ((const inst *)data)->mo, ws);
}

/* ---- the double functions against their MPFR twins ----------------------------------------------
   dense within vr_bound_dense; the partials are copies of inputs (W, y) or constants (0, 1), in
   double as in MPFR, so they must agree exactly (vr_bound_exact). */

static size_t n_dense(const vr_case *c)
{
    inst I;
    return read_inst(&I, c) ? I.mo : 0;
}

static int dense_impl(double *out, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    return vr_lib->dense(out, I.y, I.W, I.b, I.m, I.mo);
}

static int dense_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    mpfr_ptr y = pr_mp(ws, I.y, I.m), W = pr_mp(ws, I.W, I.mo * I.m), b = pr_mp(ws, I.b, I.mo);
    return y && W && b ? vr_lib->dense_mp(out, y, W, b, I.m, I.mo, ws) : DP_ENOMEM;
}

static void dense_bound(double *bound, const vr_case *c, mpfr_srcptr ref, double u)
{
    inst I;
    (void)ref;
    read_inst(&I, c);
    vr_bound_dense(bound, I.y, I.W, I.b, I.m, I.mo, u);
}

static size_t n_partials(const vr_case *c) /* [∂L/∂y (mo x m) | ∂L_j/∂w (m) | ∂L/∂b (mo x mo)] */
{
    inst I;
    return read_inst(&I, c) ? I.mo * I.m + I.m + I.mo * I.mo : 0;
}

static int partials_impl(double *out, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    int st = vr_lib->dense_jacobian_y(out, I.W, I.m, I.mo);
    if (st == DP_OK)
        st = vr_lib->dense_gradient_w(out + I.mo * I.m, I.y, I.m);
    return st == DP_OK ? vr_lib->dense_jacobian_b(out + I.mo * I.m + I.m, I.mo) : st;
}

static int partials_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    mpfr_ptr y = pr_mp(ws, I.y, I.m), W = pr_mp(ws, I.W, I.mo * I.m);
    int st = y && W ? vr_lib->dense_jacobian_y_mp(out, W, I.m, I.mo, ws) : DP_ENOMEM;
    if (st == DP_OK)
        st = vr_lib->dense_gradient_w_mp(out + I.mo * I.m, y, I.m, ws);
    return st == DP_OK ? vr_lib->dense_jacobian_b_mp(out + I.mo * I.m + I.m, I.mo, ws) : st;
}

static void partials_bound(double *bound, const vr_case *c, mpfr_srcptr ref, double u)
{
    (void)ref, (void)u;
    vr_bound_exact(bound, n_partials(c));
}

static const vr_op dense_op = {"L", n_dense, dense_impl, dense_ref, dense_bound};
static const vr_op partials_op = {"dL", n_partials, partials_impl, partials_ref, partials_bound};

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c))
        return DP_EDOMAIN;
    /* L is affine: its finite differences are exact but for rounding, at any step */
    vr_map by_y = {"dL/dy", L_of_y, dL_dy, I.m, I.mo, 0, &I, VR_SCALE_COORD, NULL};
    vr_map by_w = {"dL_j/dw", Lj_of_w, dLj_dw, I.m, 1, 0, &I, VR_SCALE_COORD, dLj_dw_name};
    vr_map by_b = {"dL/db", L_of_b, dL_db, I.mo, I.mo, 0, &I, VR_SCALE_COORD, NULL};
    vr_result part;
    int st = vr_check_derivative(r, &by_y, I.y, ctx);
    for (I.row = 0; st == DP_OK && I.row < I.mo; I.row++)
        if ((st = vr_check_derivative(&part, &by_w, I.W + I.row * I.m, ctx)) == DP_OK)
            vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_derivative(&part, &by_b, I.b, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_double(&part, &dense_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_double(&part, &partials_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    for (size_t a = 0; a < c->narr; a++)
        r->classes |= vr_classes_of(c->arr[a].v, c->arr[a].len, 0) & ~VR_CLASS_M1;
    if (I.m == 1 || I.mo == 1)
        r->classes |= VR_CLASS_M1;
    return st;
}

const vr_prop pr_dense_partials = {
    "dense-partials", "4", "the partials of a dense layer: W, y and I", statement, NULL,
    VR_EXPECT_HOLDS, VR_CLASS_M1 | VR_CLASS_NEG_ZERO | VR_CLASS_TINY, generate, check};
