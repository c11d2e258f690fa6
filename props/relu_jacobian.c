/* relu_jacobian.c -- §3, Hypothesis ReLU_j'(0) = 0 and Proposition: ReLU is an activation function
   and its Jacobian is dReLU/dz(z) = diag(1_{ℝ⁺∖{0}}(z_j)).  As written, with the hypothesis, it is
   true.  ReLU is not derivable where some z_j = 0 (left derivative 0, right 1), so it is not in
   D(ℝ^m) as §3's definition of an activation function asks: the hypothesis is what makes it one.
   There the engine reports the kink and holds the statement to the hypothesis (the derivative of
   ReLU with unit j frozen at 0).  The map is the definition, max(0, z) (vr_relu_masked: its ReLU
   arguments are z itself, nk = m); the library's ReLU is held to that definition exactly (an
   identity), and the double ReLU and Jacobian to their MPFR twins exactly (copies, 0 and 1). */
#include <math.h>
#include "props.h"

static const char statement[] =
    "ReLU: ℝ^m → ℝ^m, z ↦ max(0_{ℝ^m}, z), with max the element-wise maximum. Hypothesis: "
    "∀j ∈ ⟦1, m⟧, ReLU_j(z_j) = max(0, z_j) = ReLU(z)_j; ReLU is supposed derivable on every "
    "coefficient at 0: ∀j ∈ ⟦1, m⟧, ReLU_j'(0) = 0. Proposition: ReLU is an activation function. "
    "Its Jacobian matrix is dReLU/dz: ℝ^m → M_{m,m}, z ↦ diag(1_{ℝ⁺∖{0}}(z_1), …, "
    "1_{ℝ⁺∖{0}}(z_m)).";

/* z (m): edge-biased reals, with exact zeros, -0.0 and small integers (exact kinks), +-2^-k
   (near kinks), subnormal, tiny and large values. */
static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t m = vr_gen_dim(src, size);
    vr_case_dim(c, "m", m);
    double *z = vr_case_array(c, "z", m);
    if (z == NULL)
        return DP_ENOMEM;
    vr_gen_vector(z, m, src, VR_REAL_ANY);
    return DP_OK;
}

typedef struct {
    size_t m;
    const double *z;
} inst;

/* The function, ReLU(z) = max(0, z) with the hypothesis frozen in where mask says, and the
   statement's Jacobian, the library's diag(1[z_j > 0]): data is an inst. */
static int f(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr z, const void *data,
             const signed char *mask, dp_mpws *ws)
{
    (void)ws;
    vr_relu_masked(out, pre, z, ((const inst *)data)->m, mask);
    return DP_OK;
}

static int jac(mpfr_ptr J, mpfr_srcptr z, const void *data, dp_mpws *ws)
{
    return vr_lib->relu_jacobian_mp(J, z, ((const inst *)data)->m, ws);
}

/* The identity ReLU(z) = max(0, z): the library's MPFR ReLU against the definition.  Both are
   copies of z_j or 0, so no rounding is allowed: the allowance is 0, and entries are measured
   against |z_j|. */
static int relu_lib(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr z = pr_mp(ws, I->z, I->m);
    int st = z ? vr_lib->relu_mp(out, z, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

static int relu_def(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr z = pr_mp(ws, I->z, I->m);
    if (z != NULL)
        vr_relu_masked(out, NULL, z, I->m, NULL);
    dp_mpws_release(ws, mk);
    return z ? DP_OK : DP_ENOMEM;
}

static int relu_exact(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                      const void *data, dp_mpws *ws)
{
    const inst *I = data;
    (void)lhs, (void)rhs, (void)ws;
    for (size_t j = 0; j < I->m; j++) {
        mpfr_set_zero(allowed + j, +1);
        mpfr_set_d(scale + j, fabs(I->z[j]), MPFR_RNDN);
    }
    return DP_OK;
}

/* The double ReLU and Jacobian against their MPFR twins, packed [ReLU (m) | dReLU/dz (m x m)]:
   copies of z_j, 0 and 1 in both, so they must agree exactly (vr_bound_exact). */
static size_t nout(const vr_case *c)
{
    size_t m = pr_dim(c, "m", PR_MAXDIM);
    return pr_arr(c, "z", m) ? m + m * m : 0;
}

static int impl(double *out, const vr_case *c)
{
    size_t m = vr_case_getdim(c, "m");
    const double *z = pr_arr(c, "z", m);
    int st = vr_lib->relu(out, z, m);
    return st == DP_OK ? vr_lib->relu_jacobian(out + m, z, m) : st;
}

static int ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    size_t m = vr_case_getdim(c, "m");
    mpfr_ptr z = pr_mp(ws, pr_arr(c, "z", m), m);
    int st = z ? vr_lib->relu_mp(out, z, m, ws) : DP_ENOMEM;
    return st == DP_OK ? vr_lib->relu_jacobian_mp(out + m, z, m, ws) : st;
}

static void bound(double *b, const vr_case *c, mpfr_srcptr out, double u)
{
    (void)out, (void)u;
    vr_bound_exact(b, nout(c));
}

static const vr_op op = {"ReLU|dReLU", nout, impl, ref, bound};

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I = {pr_dim(c, "m", PR_MAXDIM), NULL};
    if ((I.z = pr_arr(c, "z", I.m)) == NULL)
        return DP_EDOMAIN;
    vr_map map = {"dReLU/dz", f, jac, I.m, I.m, I.m, &I, VR_SCALE_COORD, NULL};
    vr_identity id = {"ReLU", I.m, relu_lib, relu_def, relu_exact, &I, NULL};
    vr_result part;
    int st = vr_check_derivative(r, &map, I.z, ctx);
    if (st == DP_OK && (st = vr_check_identity(&part, &id, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    if (st == DP_OK && (st = vr_check_double(&part, &op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    r->classes |= vr_classes_of(I.z, I.m, 0);
    return st;
}

const vr_prop pr_relu_jacobian = {
    "relu-jacobian", "3", "the Jacobian of ReLU, with ReLU'(0) = 0", statement, NULL,
    VR_EXPECT_HOLDS,
    VR_CLASS_KINK | VR_CLASS_NEAR_KINK | VR_CLASS_NEG_ZERO | VR_CLASS_M1 | VR_CLASS_TINY,
    generate, check};
