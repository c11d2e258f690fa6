/* dense_backward.c -- §4 and §5: the partials of F ∘ L(·, W, b) without an activation, given
   δ = ∇F at L(y, W, b): ∂/∂y = δ W, ∂/∂W_{j',:} = δ_{j'} y, ∂/∂b = δ.  This is the last layer of
   the network (k = p), where the document's TODO belongs; the chain rule with §4's dense-layer
   partials gives it.  F is the quadratic ½‖y' − c‖², whose gradient is y' − c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "props.h"

static const char statement[] =
    "(§4 partials composed by the §2 chain rule; §5 k = p) For F ∈ D(ℝ^{m'}, ℝ): "
    "∂(F ∘ L(·,W,b))/∂y = ∇F(L(y,W,b)) × W, ∂(F ∘ L_{j'})/∂w = (∇F)_{j'} × y, "
    "∂(F ∘ L(·,W,b))/∂b = ∇F(L(y,W,b)).";

typedef struct {
    size_t m, mo;
    const double *y, *W, *b, *c;
} inst;

static int read_inst(inst *I, const vr_case *c)
{
    I->m = pr_dim(c, "m", PR_MAXDIM);
    I->mo = pr_dim(c, "mo", PR_MAXDIM);
    I->y = pr_arr(c, "y", I->m);
    I->W = pr_arr(c, "W", I->mo * I->m);
    I->b = pr_arr(c, "b", I->mo);
    I->c = pr_arr(c, "c", I->mo);
    return I->y && I->W && I->b && I->c;
}

static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t m = vr_gen_dim(src, size), mo = vr_gen_dim(src, size);
    vr_case_dim(c, "m", m);
    vr_case_dim(c, "mo", mo);
    double *y = vr_case_array(c, "y", m), *W = vr_case_array(c, "W", mo * m);
    double *b = vr_case_array(c, "b", mo), *cc = vr_case_array(c, "c", mo);
    if (!y || !W || !b || !cc)
        return DP_ENOMEM;
    vr_gen_vector(y, m, src, VR_REAL_ANY);
    vr_gen_vector(W, mo * m, src, VR_REAL_ANY);
    vr_gen_vector(b, mo, src, VR_REAL_ANY);
    vr_gen_vector(cc, mo, src, VR_REAL_SMOOTH);
    return DP_OK;
}

/* x = (y, W, b) packed; F(L) = ½ Σ (L_j' − c_j')², its gradient δ = L − c (value and derivative
   side by side). */
static int f(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data, const signed char *mask,
             dp_mpws *ws)
{
    const inst *I = data;
    (void)pre, (void)mask;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, I->mo + 1), t = L ? L + I->mo : NULL;
    int st = t ? vr_lib->dense_mp(L, x, x + I->m, x + I->m + I->mo * I->m, I->m, I->mo, ws)
               : DP_ENOMEM;
    if (st == DP_OK) {
        mpfr_set_zero(out, +1);
        for (size_t j = 0; j < I->mo; j++) {
            mpfr_sub_d(t, L + j, I->c[j], MPFR_RNDN);
            mpfr_sqr(t, t, MPFR_RNDN);
            mpfr_add(out, out, t, MPFR_RNDN);
        }
        mpfr_div_2ui(out, out, 1, MPFR_RNDN);
    }
    dp_mpws_release(ws, mk);
    return st;
}

static int jac(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m, mo = I->mo;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr delta = dp_mpws_push(ws, mo);
    int st = delta ? vr_lib->dense_mp(delta, x, x + m, x + m + mo * m, m, mo, ws) : DP_ENOMEM;
    for (size_t j = 0; st == DP_OK && j < mo; j++)
        mpfr_sub_d(delta + j, delta + j, I->c[j], MPFR_RNDN);
    if (st == DP_OK) /* J = [g_y | g_W | g_b], the packing of x */
        st = vr_lib->dense_backward_mp(J, J + m, J + m + mo * m, x, x + m, delta, m, mo, ws);
    dp_mpws_release(ws, mk);
    return st;
}

/* The double dense_backward against MPFR, given the same δ (exact doubles: L − c computed in
   MPFR and rounded once, then handed to both).  g_W = δ y and g_b = δ round once (u|.|); g_y is
   an fma chain of mo terms: mo u Σ|δ W|; each may lose half a subnormal. */
static size_t nout(const vr_case *c)
{
    inst I;
    return read_inst(&I, c) ? I.m + I.mo * I.m + I.mo : 0;
}

static void delta_of(double *delta, const inst *I)
{
    for (size_t j = 0; j < I->mo; j++) { /* any double δ serves: the check is of g given δ */
        double s = I->b[j];
        for (size_t k = 0; k < I->m; k++)
            s += I->W[j * I->m + k] * I->y[k];
        delta[j] = isfinite(s - I->c[j]) ? s - I->c[j] : 1.0;
    }
}

static int impl(double *out, const vr_case *c)
{
    inst I;
    read_inst(&I, c);
    double delta[PR_MAXDIM];
    if (I.mo > PR_MAXDIM)
        return DP_EDIM;
    delta_of(delta, &I);
    return vr_lib->dense_backward(out, out + I.m, out + I.m + I.mo * I.m, I.y, I.W, delta, I.m,
                                  I.mo);
}

static int ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c);
    double delta[PR_MAXDIM];
    delta_of(delta, &I);
    mpfr_ptr y = pr_mp(ws, I.y, I.m), W = pr_mp(ws, I.W, I.mo * I.m), d = pr_mp(ws, delta, I.mo);
    return y && W && d ? vr_lib->dense_backward_mp(out, out + I.m, out + I.m + I.mo * I.m, y, W, d,
                                                   I.m, I.mo, ws)
                       : DP_ENOMEM;
}

static void bound(double *bnd, const vr_case *c, mpfr_srcptr g, double u)
{
    inst I;
    read_inst(&I, c);
    double delta[PR_MAXDIM], eta = u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074;
    delta_of(delta, &I);
    for (size_t j = 0; j < I.m; j++) {
        double mag = 0;
        for (size_t jp = 0; jp < I.mo; jp++)
            mag += fabs(delta[jp] * I.W[jp * I.m + j]);
        bnd[j] = (double)I.mo * (u * mag * (1 + 1e-10) + eta);
    }
    for (size_t i = I.m; i < I.m + I.mo * I.m + I.mo; i++)
        bnd[i] = u * fabs(mpfr_get_d(g + i, MPFR_RNDU)) + eta;
}

static const vr_op op = {"g", nout, impl, ref, bound};

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c) || I.mo > PR_MAXDIM)
        return DP_EDOMAIN;
    size_t n = I.m + I.mo * I.m + I.mo;
    double *x = malloc(n * sizeof *x);
    if (x == NULL)
        return DP_ENOMEM;
    memcpy(x, I.y, I.m * sizeof *x);
    memcpy(x + I.m, I.W, I.mo * I.m * sizeof *x);
    memcpy(x + I.m + I.mo * I.m, I.b, I.mo * sizeof *x);
    vr_map map = {"d(F∘L)", f, jac, n, 1, 0, &I, VR_SCALE_COORD, NULL};
    int st = vr_check_derivative(r, &map, x, ctx);
    free(x);
    if (st == DP_OK) {
        vr_result acc;
        if ((st = vr_check_double(&acc, &op, c, ctx)) == DP_OK)
            vr_result_merge(r, &acc);
    }
    r->classes |= vr_classes_of(I.y, I.m, 0) | (I.m == 1 || I.mo == 1 ? VR_CLASS_M1 : 0);
    return st;
}

const vr_prop pr_dense_backward = {
    "dense-backward", "4", "the partials of F ∘ L without an activation (the last layer)",
    statement, NULL, VR_EXPECT_HOLDS, VR_CLASS_M1, generate, check};
