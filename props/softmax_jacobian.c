/* softmax_jacobian.c -- §3, Proposition: SoftMax is an activation function and its Jacobian is
   dS/dz(z)_{j,j'} = S(z)_j (δ_{j,j'} − S(z)_{j'}).  As written, it is true. */
#include "props.h"

static const char statement[] =
    "SoftMax: ℝ^m → ]0,1[^m, z ↦ e^{z_j} / Σ_{j'} e^{z_j'}, is an activation function. Its "
    "Jacobian is dS/dz(z)_{j,j'} = S(z)_j × (δ_{j,j'} − S(z)_{j'}).";

static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t m = vr_gen_dim(src, size);
    vr_case_dim(c, "m", m);
    double *z = vr_case_array(c, "z", m);
    if (z == NULL)
        return DP_ENOMEM;
    vr_gen_vector(z, m, src, VR_REAL_LOGIT);
    return DP_OK;
}

/* The function, S(z), and the statement's Jacobian: data is m. */
static int f(mpfr_ptr S, mpfr_ptr pre, mpfr_srcptr z, const void *data, const signed char *mask,
             dp_mpws *ws)
{
    (void)pre, (void)mask;
    return vr_lib->softmax_mp(S, z, *(const size_t *)data, ws);
}

static int jac(mpfr_ptr J, mpfr_srcptr z, const void *data, dp_mpws *ws)
{
    return vr_lib->softmax_jacobian_mp(J, z, *(const size_t *)data, ws);
}

/* The double implementation against the MPFR one, within vr_bound_softmax_jacobian. */
static size_t nout(const vr_case *c)
{
    size_t m = pr_dim(c, "m", PR_MAXDIM);
    return pr_arr(c, "z", m) ? m * m : 0;
}

static int impl(double *J, const vr_case *c)
{
    size_t m = vr_case_getdim(c, "m");
    return vr_lib->softmax_jacobian(J, pr_arr(c, "z", m), m);
}

static int ref(mpfr_ptr J, const vr_case *c, dp_mpws *ws)
{
    size_t m = vr_case_getdim(c, "m");
    mpfr_ptr z = pr_mp(ws, pr_arr(c, "z", m), m);
    return z ? vr_lib->softmax_jacobian_mp(J, z, m, ws) : DP_ENOMEM;
}

static void bound(double *b, const vr_case *c, mpfr_srcptr J, double u)
{
    size_t m = vr_case_getdim(c, "m");
    vr_bound_softmax_jacobian(b, pr_arr(c, "z", m), m, J, u);
}

static const vr_op op = {"dS/dz", nout, impl, ref, bound};

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    size_t m = pr_dim(c, "m", PR_MAXDIM);
    const double *z = pr_arr(c, "z", m);
    if (z == NULL)
        return DP_EDOMAIN;
    vr_map map = {"dS/dz", f, jac, m, m, 0, &m, VR_SCALE_UNIT, NULL};
    vr_result acc;
    int st = vr_check_derivative(r, &map, z, ctx);
    if (st == DP_OK)
        st = vr_check_double(&acc, &op, c, ctx);
    if (st == DP_OK)
        vr_result_merge(r, &acc);
    r->classes |= vr_classes_of(z, m, 1);
    return st;
}

const vr_prop pr_softmax_jacobian = {
    "softmax-jacobian", "3", "the Jacobian of SoftMax", statement, NULL, VR_EXPECT_HOLDS,
    VR_CLASS_M1 | VR_CLASS_LARGE_LOGIT | VR_CLASS_TIE | VR_CLASS_NEG_ZERO, generate, check};
