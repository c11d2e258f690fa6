/* chain_rule.c -- §2, Theorem (chain rule): d(g∘f)/dx(x) = dg/dy(f(x)) × df/dx(x), checked on
   compositions of the library's maps: the finite difference of g∘f against the product (in MPFR)
   of the two Jacobians the library states.  As written, it is true.  Which composition is drawn
   too (the first draw), so that shrinking reaches the simplest one:
     0  g = S after f = L(·, W, b), in y;   1  g = ξ^ŷ after f = S, in z;
     2  g = ReLU ∘ L'(·, W', b') after f = L(·, W, b), in y (g's own Jacobian is
        dReLU/dz(L'(y')) × W', so this is the chain rule applied twice; its ReLU kinks are
        reported, and at an exact kink the convention ReLU'(0) = 0 is what is checked). */
#include <math.h>
#include <stdlib.h>
#include "props.h"

static const char statement[] =
    "Let U and V non-empty open subsets of ℝ^n and ℝ^m. Let f: U → V, x ↦ f(x) and g: V → ℝ^p, "
    "y ↦ g(y) such as f ∈ D(U, V) and g ∈ D(V, ℝ^p). Then g ∘ f: U → ℝ^p, x ↦ g(f(x)) is in "
    "D(U, ℝ^p) and its Jacobian is d(g ∘ f)/dx: U → M_{p,n}, x ↦ dg/dy(f(x)) × df/dx(x).";

enum { S_AFTER_L, XI_AFTER_S, RELU_L_AFTER_L, NCOMP };
static const char *const comp_name[NCOMP] = {"d(S∘L)/dy", "d(ξ∘S)/dz", "d(ReLU∘L'∘L)/dy"};

/* x is (m); L maps it to (mo) with W (mo x m), b; L' maps (mo) to (m2) with W2 (m2 x mo), b2. */
typedef struct {
    size_t comp, m, mo, m2;
    const double *W, *b, *W2, *b2, *yhat;
} inst;

/* Values for the composition through ReLU.  Edge-biased reals almost never put a pre-activation
   exactly at 0, so half of the instances (the draw's 0, where shrinking goes) are small integers
   (0, 1, -1, 2, -2, 3, -3), where every sum is exact, and a draw per unit of L' sets its bias so
   that the unit sits exactly at the kink, or at +-2^-k (k in 20..40) from it, or leaves it an
   integer. */
static double small_int(vr_src *src)
{
    uint64_t d = vr_draw(src, 7);
    return d % 2 ? (double)(d + 1) / 2 : d ? -(double)d / 2 : 0.0;
}

static void int_vector(double *v, size_t n, vr_src *src)
{
    for (size_t i = 0; i < n; i++)
        v[i] = small_int(src);
}

/* b (mo) of z = y W^T + b with integer y (m), W (mo x m), so that y W^T is exact. */
static void int_bias(double *b, const double *y, const double *W, size_t m, size_t mo,
                     vr_src *src)
{
    for (size_t u = 0; u < mo; u++) {
        double s = 0;
        for (size_t j = 0; j < m; j++)
            s += W[u * m + j] * y[j];
        switch (vr_draw(src, 3)) {
        case 0: b[u] = small_int(src); break;
        case 1: b[u] = -s; break; /* z_u = 0: a kink */
        default: b[u] = -s + (vr_draw(src, 2) ? -1 : 1) * ldexp(1.0, -20 - (int)vr_draw(src, 21));
        }
    }
}

static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t comp = (size_t)vr_draw(src, NCOMP), m = vr_gen_dim(src, size);
    vr_case_dim(c, "comp", comp + 1); /* dimensions are >= 1 */
    vr_case_dim(c, "m", m);
    double *x = vr_case_array(c, "x", m);
    if (x == NULL)
        return DP_ENOMEM;
    if (comp == XI_AFTER_S) { /* |z| < 2^11: S(z) > 0 in MPFR, as dξ/dy needs */
        double *yhat = vr_case_array(c, "yhat", m);
        if (yhat == NULL)
            return DP_ENOMEM;
        vr_gen_vector(x, m, src, VR_REAL_ANY);
        vr_gen_label(yhat, m, src, 1); /* the chain rule holds for every label */
        return DP_OK;
    }
    size_t mo = vr_gen_dim(src, size);
    vr_case_dim(c, "mo", mo);
    double *W = vr_case_array(c, "W", mo * m), *b = vr_case_array(c, "b", mo);
    if (W == NULL || b == NULL)
        return DP_ENOMEM;
    if (comp == S_AFTER_L) {
        /* y and W moderate: SoftMax's derivative at logits d apart is e^-d, which a finite
           difference resolves only at about 1.44 d bits, so d must stay in the thousands
           (|L| <= 7 * 8 * 8 + 2^11); softmax-jacobian covers logits beyond that */
        vr_gen_vector(x, m, src, VR_REAL_SMOOTH);
        vr_gen_vector(W, mo * m, src, VR_REAL_SMOOTH);
        vr_gen_vector(b, mo, src, VR_REAL_ANY);
        return DP_OK;
    }
    int ints = vr_draw(src, 2) == 0;
    size_t m2 = vr_gen_dim(src, size);
    vr_case_dim(c, "m2", m2);
    double *W2 = vr_case_array(c, "W2", m2 * mo), *b2 = vr_case_array(c, "b2", m2);
    double *z = malloc(mo * sizeof *z);
    if (W2 == NULL || b2 == NULL || z == NULL) {
        free(z);
        return DP_ENOMEM;
    }
    if (!ints) {
        vr_gen_vector(x, m, src, VR_REAL_ANY);
        vr_gen_vector(W, mo * m, src, VR_REAL_ANY);
        vr_gen_vector(b, mo, src, VR_REAL_ANY);
        vr_gen_vector(W2, m2 * mo, src, VR_REAL_ANY);
        vr_gen_vector(b2, m2, src, VR_REAL_ANY);
    } else { /* exact: |L(x)| <= 3 + 7 * 9 < 2^7, |L'| < 7 * 3 * 2^7 < 2^11, and a near kink's
                2^-40 fits in the 53 bits */
        int_vector(x, m, src);
        int_vector(W, mo * m, src);
        int_vector(b, mo, src);
        int_vector(W2, m2 * mo, src);
        for (size_t u = 0; u < mo; u++) {
            z[u] = b[u];
            for (size_t j = 0; j < m; j++)
                z[u] += W[u * m + j] * x[j];
        }
        int_bias(b2, z, W2, mo, m2, src);
    }
    free(z);
    return DP_OK;
}

/* Reads an instance; 0 if it is malformed. */
static int read_inst(inst *I, const vr_case *c)
{
    *I = (inst){0};
    I->comp = pr_dim(c, "comp", NCOMP) - 1;
    I->m = pr_dim(c, "m", PR_MAXDIM);
    if (I->comp >= NCOMP || I->m == 0 || pr_arr(c, "x", I->m) == NULL)
        return 0;
    if (I->comp == XI_AFTER_S)
        return (I->yhat = pr_arr(c, "yhat", I->m)) != NULL;
    I->mo = pr_dim(c, "mo", PR_MAXDIM);
    I->W = pr_arr(c, "W", I->mo * I->m);
    I->b = pr_arr(c, "b", I->mo);
    if (I->mo == 0 || I->W == NULL || I->b == NULL)
        return 0;
    if (I->comp == S_AFTER_L)
        return 1;
    I->m2 = pr_dim(c, "m2", PR_MAXDIM);
    I->W2 = pr_arr(c, "W2", I->m2 * I->mo);
    I->b2 = pr_arr(c, "b2", I->m2);
    return I->m2 != 0 && I->W2 != NULL && I->b2 != NULL;
}

/* z = L(y, W, b) with W (mo x m) and b (mo) given in double: pushes z (mo) on ws. */
static mpfr_ptr layer(mpfr_srcptr y, const double *W, const double *b, size_t m, size_t mo,
                      dp_mpws *ws, int *st)
{
    mpfr_ptr Wm = pr_mp(ws, W, mo * m), bm = pr_mp(ws, b, mo), z = dp_mpws_push(ws, mo);
    *st = Wm && bm && z ? vr_lib->dense_mp(z, y, Wm, bm, m, mo, ws) : DP_ENOMEM;
    return z;
}

/* g∘f at x.  ξ^ŷ∘S is evaluated by the library's softmax_cce, the same function written so
   that S_j is never rounded to 1: ξ^ŷ(S(z)) computed literally is constant wherever S_j rounds
   to 1 at the working precision, and its finite difference would measure that rounding. */
static int compose(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data,
                   const signed char *mask, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    int st = DP_OK;
    if (I->comp == XI_AFTER_S) {
        mpfr_ptr yhat = pr_mp(ws, I->yhat, I->m);
        st = yhat ? vr_lib->softmax_cce_mp(out, yhat, x, I->m, ws) : DP_ENOMEM;
    } else {
        mpfr_ptr z = layer(x, I->W, I->b, I->m, I->mo, ws, &st);
        if (st == DP_OK && I->comp == S_AFTER_L) {
            st = vr_lib->softmax_mp(out, z, I->mo, ws);
        } else if (st == DP_OK) {
            mpfr_ptr z2 = layer(z, I->W2, I->b2, I->mo, I->m2, ws, &st);
            if (st == DP_OK)
                vr_relu_masked(out, pre, z2, I->m2, mask);
        }
    }
    dp_mpws_release(ws, mk);
    return st;
}

/* C = A B with A (q x r), B (r x n): C (q x n) must not alias A or B. */
static void matmul(mpfr_ptr C, mpfr_srcptr A, mpfr_srcptr B, size_t q, size_t r, size_t n)
{
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < n; j++) {
            mpfr_ptr c = C + i * n + j;
            mpfr_set_zero(c, +1);
            for (size_t k = 0; k < r; k++)
                mpfr_fma(c, A + i * r + k, B + k * n + j, c, MPFR_RNDN);
        }
}

/* The statement: dg/dy(f(x)) × df/dx(x), both factors the library's analytic Jacobians. */
static int chain(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m, mo = I->mo, m2 = I->m2;
    dp_mpmark mk = dp_mpws_mark(ws);
    int st = DP_OK;
    if (I->comp == XI_AFTER_S) { /* dξ/dy(S(z)) (1 x m) × dS/dz(z) (m x m) */
        mpfr_ptr yhat = pr_mp(ws, I->yhat, m), S = dp_mpws_push(ws, m);
        mpfr_ptr g = dp_mpws_push(ws, m), dS = dp_mpws_push(ws, m * m);
        st = yhat && S && g && dS ? vr_lib->softmax_mp(S, x, m, ws) : DP_ENOMEM;
        if (st == DP_OK)
            st = vr_lib->cce_gradient_mp(g, yhat, S, m, ws);
        if (st == DP_OK)
            st = vr_lib->softmax_jacobian_mp(dS, x, m, ws);
        if (st == DP_OK)
            matmul(J, g, dS, 1, m, m);
    } else {
        mpfr_ptr z = layer(x, I->W, I->b, m, mo, ws, &st);
        mpfr_ptr W = pr_mp(ws, I->W, mo * m), dL = dp_mpws_push(ws, mo * m);
        if (st == DP_OK)
            st = z && W && dL ? vr_lib->dense_jacobian_y_mp(dL, W, m, mo, ws) : DP_ENOMEM;
        if (st == DP_OK && I->comp == S_AFTER_L) { /* dS/dz(L) (mo x mo) × dL/dy (mo x m) */
            mpfr_ptr dS = dp_mpws_push(ws, mo * mo);
            st = dS ? vr_lib->softmax_jacobian_mp(dS, z, mo, ws) : DP_ENOMEM;
            if (st == DP_OK)
                matmul(J, dS, dL, mo, mo, m);
        } else if (st == DP_OK) { /* (dReLU/dz(L') (m2 x m2) × dL'/dy' (m2 x mo)) × dL/dy */
            mpfr_ptr z2 = layer(z, I->W2, I->b2, mo, m2, ws, &st);
            mpfr_ptr W2 = pr_mp(ws, I->W2, m2 * mo), dL2 = dp_mpws_push(ws, m2 * mo);
            mpfr_ptr dR = dp_mpws_push(ws, m2 * m2), dg = dp_mpws_push(ws, m2 * mo);
            if (st == DP_OK)
                st = W2 && dL2 && dR && dg ? vr_lib->dense_jacobian_y_mp(dL2, W2, mo, m2, ws)
                                           : DP_ENOMEM;
            if (st == DP_OK)
                st = vr_lib->relu_jacobian_mp(dR, z2, m2, ws);
            if (st == DP_OK) {
                matmul(dg, dR, dL2, m2, m2, mo);
                matmul(J, dg, dL, m2, mo, m);
            }
        }
    }
    dp_mpws_release(ws, mk);
    return st;
}

/* VR_CLASS_DEAD_LAYER: every argument of the ReLU, L'(L(y)), exactly 0.  At EXACT_PREC every
   value is exact: a product of doubles lies in [2^-2148, 2^2048[, so L, a sum of up to
   PR_MAXDIM + 1 of them, lies in [2^-2148, 2^2061[ and needs at most 2061 + 2148 bits; its
   products with W' (in [2^-1074, 2^1024[) lie in [2^-3222, 2^3085[, and their sums need at most
   3085 + 13 + 3222 < 8192 bits. */
enum { EXACT_PREC = 8192 };

static unsigned dead_layer(const inst *I, const double *x)
{
    dp_mpws ws;
    unsigned cl = 0;
    if (dp_mpws_init(&ws, EXACT_PREC) != DP_OK)
        return 0;
    mpfr_ptr y = pr_mp(&ws, x, I->m);
    int st = y ? DP_OK : DP_ENOMEM;
    mpfr_ptr z = st == DP_OK ? layer(y, I->W, I->b, I->m, I->mo, &ws, &st) : NULL;
    mpfr_ptr z2 = st == DP_OK ? layer(z, I->W2, I->b2, I->mo, I->m2, &ws, &st) : NULL;
    if (st == DP_OK) {
        cl = VR_CLASS_DEAD_LAYER;
        for (size_t u = 0; u < I->m2; u++)
            if (!mpfr_zero_p(z2 + u))
                cl = 0;
    }
    dp_mpws_clear(&ws);
    return cl;
}

static unsigned classes(const inst *I, const vr_case *c, const double *x)
{
    unsigned cl = 0;
    for (size_t a = 0; a < c->narr; a++)
        cl |= vr_classes_of(c->arr[a].v, c->arr[a].len, I->comp == XI_AFTER_S) & ~VR_CLASS_M1;
    if (I->m == 1 || (I->comp != XI_AFTER_S && I->mo == 1) ||
        (I->comp == RELU_L_AFTER_L && I->m2 == 1))
        cl |= VR_CLASS_M1;
    if (I->comp == RELU_L_AFTER_L)
        cl |= dead_layer(I, x);
    return cl;
}

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c))
        return DP_EDOMAIN;
    const double *x = pr_arr(c, "x", I.m);
    size_t q = I.comp == XI_AFTER_S ? 1 : I.comp == S_AFTER_L ? I.mo : I.m2;
    /* ξ^ŷ∘S is shift-invariant in z: it varies on a unit scale whatever |z| is */
    vr_map map = {comp_name[I.comp], compose, chain, I.m, q, I.comp == RELU_L_AFTER_L ? I.m2 : 0,
                  &I, I.comp == XI_AFTER_S ? VR_SCALE_UNIT : VR_SCALE_COORD, NULL};
    int st = vr_check_derivative(r, &map, x, ctx);
    r->classes |= classes(&I, c, x);
    return st;
}

const vr_prop pr_chain_rule = {
    "chain-rule", "2", "the chain rule, on compositions of the library's maps", statement, NULL,
    VR_EXPECT_HOLDS, VR_CLASS_M1 | VR_CLASS_KINK | VR_CLASS_NEAR_KINK | VR_CLASS_NEG_ZERO,
    generate, check};
