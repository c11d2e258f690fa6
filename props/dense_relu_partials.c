/* dense_relu_partials.c -- §4, Proposition: the partials of F^upstream ∘ ReLU ∘ L(·, W, b) with
   respect to y, each row W_{j',:} and b.  Corrected, they are what dp_dense_relu_backward
   computes from the upstream gradient g = dF^upstream/dy'(ReLU(L)) and the indicator
   1_{ℝ⁺∖{0}}(L_{j'}) (ReLU'(0) = 0, the document's hypothesis).  As written, two formulas err:
   - the weight partial has F_{j'}^upstream(ReLU_{j'}(L_{j'}(y, w, b_{j'}))) where the gradient
     belongs.  F^upstream is scalar, so its "coefficient j'" is F^upstream itself, and its argument
     is the vector whose j'-th coordinate is ReLU_{j'}(L_{j'}): the reading that type-checks is the
     value F^upstream(ReLU(L(y, W, b))), and that is what /as-written-weight checks;
   - the y-partial's indicator is 1_{ℝ⁺∖{j}}(L_{j'}), with j the column (1-based): a typo for
     ℝ⁺∖{0}.  Read with ℝ⁺ = ]0, ∞[ it is wrong exactly where L_{j'} = j (/as-written-y-indicator);
     read with ℝ⁺ = [0, ∞[, as the document's own ℝ⁺∖{0} implies, it is 1 at L_{j'} = 0 too,
     against the hypothesis ReLU'(0) = 0 (/as-written-y-indicator-closed).
   F^upstream is drawn from three smooth functions with known gradients, each written with its
   gradient beside it: ½‖y' − c‖², log Σ e^{y'_k}, and ξ^ŷ ∘ S ∘ L'(·, W', b') (the library's). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "props.h"

static const char statement[] =
    "Let L: ℝ^m × M_{m',m} × ℝ^{m'} → ℝ^{m'} and ReLU: ℝ^{m'} → ℝ^{m'} the dense layer and ReLU "
    "activation functions, F^upstream: ℝ^{m'} → ℝ, y' ↦ F^upstream(y'), F^upstream ∈ D(ℝ^{m'}, "
    "ℝ). F_{j'}^upstream means the application corresponding to the coefficient j' of "
    "F^upstream: F_{j'}^upstream(y'_j) = F^upstream(y')_{j'}. Then ∂(F^upstream ∘ ReLU ∘ "
    "L(·,W,b))/∂y(y)_j = Σ_{j'=1}^{m'} dF^upstream/dy'(ReLU(L(y,W,b)))_{j'} × 1_{ℝ⁺∖{j}}(L(y,W,"
    "b)_{j'}) × W_{j',j}; ∂(F_{j'}^upstream ∘ ReLU_{j'} ∘ L_{j'}(·,w,b_{j'}))/∂w(w)_j = "
    "F_{j'}^upstream(ReLU_{j'}(L_{j'}(y,w,b_{j'}))) × 1_{ℝ⁺∖{0}}(L_{j'}(y,w,b_{j'})) × y_j; "
    "∂(F^upstream ∘ ReLU ∘ L(·,W,b))/∂b(b)_{j'} = dF^upstream/dy'(ReLU(L(y,W,b)))_{j'} × "
    "1_{ℝ⁺∖{0}}(L(y,W,b)_{j'}).";

static const char corrected[] =
    "With g = dF^upstream/dy'(ReLU(L(y,W,b))), the upstream gradient, and ReLU'(0) = 0: "
    "∂/∂y(y)_j = Σ_{j'=1}^{m'} g_{j'} × 1_{ℝ⁺∖{0}}(L(y,W,b)_{j'}) × W_{j',j}; "
    "∂/∂W_{j',:}(w)_j = g_{j'} × 1_{ℝ⁺∖{0}}(L_{j'}(y,w,b_{j'})) × y_j; "
    "∂/∂b(b)_{j'} = g_{j'} × 1_{ℝ⁺∖{0}}(L(y,W,b)_{j'}). It differs from the text in the "
    "y-partial's indicator (ℝ⁺∖{0}, not ℝ⁺∖{j}) and in the weight partial, which has the "
    "upstream gradient's entry g_{j'} where the text has F_{j'}^upstream's value.";

/* ---- the instance: y (m), W (mo x m), b (mo), and the upstream function's parameters -------- */

enum { UP_QUADRATIC, UP_LOGSUMEXP, UP_CCE, NUP };

typedef struct {
    size_t up, m, mo, m2, n;          /* n = m + mo m + mo: x = (y, W, b) packed */
    const double *y, *W, *b;
    const double *c;                  /* ½‖y' − c‖²: c (mo) */
    const double *W2, *b2, *yhat;     /* ξ^ŷ ∘ S ∘ L': W2 (m2 x mo), b2 (m2), yhat (m2) */
} inst;

static int read_inst(inst *I, const vr_case *c)
{
    *I = (inst){0};
    I->up = pr_dim(c, "up", NUP) - 1;
    I->m = pr_dim(c, "m", PR_MAXDIM);
    I->mo = pr_dim(c, "mo", PR_MAXDIM);
    I->n = I->m + I->mo * I->m + I->mo;
    I->y = pr_arr(c, "y", I->m);
    I->W = pr_arr(c, "W", I->mo * I->m);
    I->b = pr_arr(c, "b", I->mo);
    if (I->up >= NUP || !I->m || !I->mo || !I->y || !I->W || !I->b)
        return 0;
    if (I->up == UP_QUADRATIC)
        return (I->c = pr_arr(c, "c", I->mo)) != NULL;
    if (I->up == UP_CCE) {
        I->m2 = pr_dim(c, "m2", PR_MAXDIM);
        I->W2 = pr_arr(c, "W2", I->m2 * I->mo);
        I->b2 = pr_arr(c, "b2", I->m2);
        I->yhat = pr_arr(c, "yhat", I->m2);
        return I->m2 && I->W2 && I->b2 && I->yhat;
    }
    return 1;
}

/* Edge-biased reals almost never put a pre-activation exactly at 0, so half of the instances are
   small integers (0, 1, -1, 2, -2, 3, -3), where L is exact, and a draw per unit sets its bias so
   that the unit sits exactly at the kink, or +-2^-k (k in 20..40) from it, or at 1, 2 or 3 (a
   column index j, where the as-written y-partial errs), or leaves it an integer.
   Integers are the first draw's 0, so that counterexamples shrink to them: the easiest to read.
   |y W_{j',:}ᵀ| <= 7 * 9 < 2^6, so it plus 2^-40 fits in 53 bits. */
static double small_int(vr_src *src)
{
    uint64_t d = vr_draw(src, 7);
    return d % 2 ? (double)(d + 1) / 2 : d ? -(double)d / 2 : 0.0;
}

static void int_layer(double *y, double *W, double *b, size_t m, size_t mo, vr_src *src)
{
    for (size_t j = 0; j < m; j++)
        y[j] = small_int(src);
    for (size_t i = 0; i < mo * m; i++)
        W[i] = small_int(src);
    for (size_t u = 0; u < mo; u++) {
        double s = 0;
        for (size_t j = 0; j < m; j++)
            s += W[u * m + j] * y[j];
        switch (vr_draw(src, 4)) {
        case 0: b[u] = small_int(src); break;
        case 1: b[u] = -s; break; /* L_u = 0: a kink */
        case 2: /* L_u = +-2^-k: a near kink */
            b[u] = -s + (vr_draw(src, 2) ? -1 : 1) * ldexp(1.0, -20 - (int)vr_draw(src, 21));
            break;
        default: b[u] = -s + (double)(1 + vr_draw(src, 3)); /* L_u in 1..3, like column indices */
        }
    }
}

static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t up = (size_t)vr_draw(src, NUP), m = vr_gen_dim(src, size), mo = vr_gen_dim(src, size);
    vr_case_dim(c, "up", up + 1); /* dimensions are >= 1 */
    vr_case_dim(c, "m", m);
    vr_case_dim(c, "mo", mo);
    double *y = vr_case_array(c, "y", m), *W = vr_case_array(c, "W", mo * m);
    double *b = vr_case_array(c, "b", mo);
    if (y == NULL || W == NULL || b == NULL)
        return DP_ENOMEM;
    if (vr_draw(src, 2) == 0) {
        int_layer(y, W, b, m, mo, src);
    } else {
        vr_gen_vector(y, m, src, VR_REAL_ANY);
        vr_gen_vector(W, mo * m, src, VR_REAL_ANY);
        vr_gen_vector(b, mo, src, VR_REAL_ANY);
    }
    if (up == UP_QUADRATIC) {
        double *cc = vr_case_array(c, "c", mo);
        if (cc == NULL)
            return DP_ENOMEM;
        vr_gen_vector(cc, mo, src, VR_REAL_ANY);
    } else if (up == UP_CCE) {
        size_t m2 = vr_gen_dim(src, size);
        vr_case_dim(c, "m2", m2);
        double *W2 = vr_case_array(c, "W2", m2 * mo), *b2 = vr_case_array(c, "b2", m2);
        double *yhat = vr_case_array(c, "yhat", m2);
        if (W2 == NULL || b2 == NULL || yhat == NULL)
            return DP_ENOMEM;
        vr_gen_vector(W2, m2 * mo, src, VR_REAL_ANY);
        vr_gen_vector(b2, m2, src, VR_REAL_ANY);
        vr_gen_label(yhat, m2, src, 1);
    }
    return DP_OK;
}

/* ---- F^upstream: ℝ^{mo} → ℝ, its value F and its gradient g at y' (either may be NULL) ----- */

/* ½ ‖y' − c‖²;  g = y' − c */
static int quadratic(mpfr_ptr F, mpfr_ptr g, mpfr_srcptr yp, const inst *I, dp_mpws *ws)
{
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr d = dp_mpws_push(ws, I->mo);
    if (d == NULL)
        return DP_ENOMEM;
    for (size_t k = 0; k < I->mo; k++)
        mpfr_sub_d(d + k, yp + k, I->c[k], MPFR_RNDN);
    if (F != NULL) {
        mpfr_set_zero(F, +1);
        for (size_t k = 0; k < I->mo; k++)
            mpfr_fma(F, d + k, d + k, F, MPFR_RNDN);
        mpfr_div_2ui(F, F, 1, MPFR_RNDN);
    }
    for (size_t k = 0; g != NULL && k < I->mo; k++)
        mpfr_set(g + k, d + k, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* log Σ_k e^{y'_k} = M + log1p(t), M = max y', t = Σ_{k ≠ argmax} e^{y'_k − M} (nothing
   overflows);  g_k = e^{y'_k − M} / (1 + t), SoftMax(y') */
static int logsumexp(mpfr_ptr F, mpfr_ptr g, mpfr_srcptr yp, const inst *I, dp_mpws *ws)
{
    size_t mo = I->mo, a = 0;
    for (size_t k = 1; k < mo; k++)
        if (mpfr_greater_p(yp + k, yp + a))
            a = k;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr t = dp_mpws_push(ws, mo + 1), e = t + 1;
    if (t == NULL)
        return DP_ENOMEM;
    mpfr_set_zero(t, +1);
    for (size_t k = 0; k < mo; k++) {
        mpfr_sub(e + k, yp + k, yp + a, MPFR_RNDN);
        mpfr_exp(e + k, e + k, MPFR_RNDN);
        if (k != a)
            mpfr_add(t, t, e + k, MPFR_RNDN);
    }
    if (F != NULL) {
        mpfr_log1p(F, t, MPFR_RNDN);
        mpfr_add(F, F, yp + a, MPFR_RNDN);
    }
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    for (size_t k = 0; g != NULL && k < mo; k++)
        mpfr_div(g + k, e + k, t, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* ξ^ŷ(S(L'(y', W', b'))), the library's softmax_cce;  g = δ W' with δ = S(z')Σŷ − ŷ, the
   library's softmax_cce_gradient_general and dense_backward (the chain rule through L'). */
static int cce_after_layer(mpfr_ptr F, mpfr_ptr g, mpfr_srcptr yp, const inst *I, dp_mpws *ws)
{
    size_t mo = I->mo, m2 = I->m2;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr W2 = pr_mp(ws, I->W2, m2 * mo), b2 = pr_mp(ws, I->b2, m2);
    mpfr_ptr yhat = pr_mp(ws, I->yhat, m2), z = dp_mpws_push(ws, 3 * m2 + m2 * mo);
    int st = W2 && b2 && yhat && z ? vr_lib->dense_mp(z, yp, W2, b2, mo, m2, ws) : DP_ENOMEM;
    if (st == DP_OK && F != NULL)
        st = vr_lib->softmax_cce_mp(F, yhat, z, m2, ws);
    if (st == DP_OK && g != NULL) {
        mpfr_ptr delta = z + m2, gb = z + 2 * m2, gW = z + 3 * m2;
        st = vr_lib->softmax_cce_gradient_general_mp(delta, yhat, z, m2, ws);
        if (st == DP_OK)
            st = vr_lib->dense_backward_mp(g, gW, gb, yp, W2, delta, mo, m2, ws);
    }
    dp_mpws_release(ws, mk);
    return st;
}

static int upstream(mpfr_ptr F, mpfr_ptr g, mpfr_srcptr yp, const inst *I, dp_mpws *ws)
{
    switch (I->up) {
    case UP_QUADRATIC: return quadratic(F, g, yp, I, ws);
    case UP_LOGSUMEXP: return logsumexp(F, g, yp, I, ws);
    default: return cce_after_layer(F, g, yp, I, ws);
    }
}

/* ---- the function F^upstream(ReLU(L(y, W, b))) of x = (y, W, b), and its partials ------------ */

static int composed(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data,
                    const signed char *mask, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m, mo = I->mo;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, mo);
    int st = L ? vr_lib->dense_mp(L, x, x + m, x + m + mo * m, m, mo, ws) : DP_ENOMEM;
    if (st == DP_OK) {
        vr_relu_masked(L, pre, L, mo, mask);
        st = upstream(out, NULL, L, I, ws);
    }
    dp_mpws_release(ws, mk);
    return st;
}

/* At x: L = L(y, W, b) (mo), g = ∇F^upstream(ReLU(L)) (mo) and, if F is not NULL, the value
   F^upstream(ReLU(L)). */
static int upstream_at(mpfr_ptr L, mpfr_ptr g, mpfr_ptr F, mpfr_srcptr x, const inst *I,
                       dp_mpws *ws)
{
    size_t m = I->m, mo = I->mo;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr yp = dp_mpws_push(ws, mo);
    int st = yp ? vr_lib->dense_mp(L, x, x + m, x + m + mo * m, m, mo, ws) : DP_ENOMEM;
    if (st == DP_OK)
        st = vr_lib->relu_mp(yp, L, mo, ws);
    if (st == DP_OK)
        st = upstream(F, g, yp, I, ws);
    dp_mpws_release(ws, mk);
    return st;
}

/* The corrected partials, packed like x: the library's dense_relu_backward at g. */
static int corrected_partials(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m, mo = I->mo;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, 2 * mo), g = L + mo;
    int st = L ? upstream_at(L, g, NULL, x, I, ws) : DP_ENOMEM;
    if (st == DP_OK)
        st = vr_lib->dense_relu_backward_mp(J, J + m, J + m + mo * m, x, x + m, x + m + mo * m, g,
                                            m, mo, ws);
    dp_mpws_release(ws, mk);
    return st;
}

/* As written, the weight partial: F^upstream(ReLU(L)) × 1_{ℝ⁺∖{0}}(L_{j'}) × y_j; the y and b
   partials as corrected, so that a refutation is this formula's. */
static int weight_as_written(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m, mo = I->mo;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, 2 * mo + 1), g = L + mo, F = g + mo;
    int st = L ? upstream_at(L, g, F, x, I, ws) : DP_ENOMEM;
    if (st == DP_OK)
        st = corrected_partials(J, x, data, ws);
    for (size_t jp = 0; st == DP_OK && jp < mo; jp++)
        for (size_t j = 0; j < m; j++) {
            mpfr_ptr e = J + m + jp * m + j;
            if (mpfr_sgn(L + jp) > 0)
                mpfr_mul(e, F, x + j, MPFR_RNDN);
            else
                mpfr_set_zero(e, +1);
        }
    dp_mpws_release(ws, mk);
    return st;
}

/* As written, the y-partial: Σ_{j'} g_{j'} × 1_{ℝ⁺∖{j}}(L_{j'}) × W_{j',j}, j 1-based, with
   ℝ⁺ = ]0, ∞[ (closed = 0) or [0, ∞[ (closed = 1); the W and b partials as corrected. */
static int y_as_written(mpfr_ptr J, mpfr_srcptr x, const inst *I, int closed, dp_mpws *ws)
{
    size_t m = I->m, mo = I->mo;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, 2 * mo), g = L + mo;
    int st = L ? upstream_at(L, g, NULL, x, I, ws) : DP_ENOMEM;
    if (st == DP_OK)
        st = corrected_partials(J, x, I, ws);
    for (size_t j = 0; st == DP_OK && j < m; j++) {
        mpfr_set_zero(J + j, +1);
        for (size_t jp = 0; jp < mo; jp++) {
            int in = (closed ? mpfr_sgn(L + jp) >= 0 : mpfr_sgn(L + jp) > 0) &&
                     mpfr_cmp_ui(L + jp, j + 1) != 0;
            if (in)
                mpfr_fma(J + j, g + jp, x + m + jp * m + j, J + j, MPFR_RNDN);
        }
    }
    dp_mpws_release(ws, mk);
    return st;
}

static int y_as_written_open(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    return y_as_written(J, x, data, 0, ws);
}

static int y_as_written_closed(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    return y_as_written(J, x, data, 1, ws);
}

static void entry_name(char *buf, size_t len, size_t i, size_t k, const void *data)
{
    const inst *I = data;
    (void)i;
    if (k < I->m)
        snprintf(buf, len, "dF/dy[%zu]", k);
    else if (k < I->m + I->mo * I->m)
        snprintf(buf, len, "dF/dW[%zu,%zu]", (k - I->m) / I->m, (k - I->m) % I->m);
    else
        snprintf(buf, len, "dF/db[%zu]", k - I->m - I->mo * I->m);
}

/* ---- the double dense_relu_backward against its MPFR twin -------------------------------------
   On its own instance: y, W, b and g, the upstream gradient at the case's point rounded to
   double; within vr_bound_dense_relu_backward, which lets the indicator flip where L_{j'} is
   within dense's error of 0. */

static size_t n_backward(const vr_case *c)
{
    size_t m = pr_dim(c, "m", PR_MAXDIM), mo = pr_dim(c, "mo", PR_MAXDIM);
    int ok = pr_arr(c, "y", m) && pr_arr(c, "W", mo * m) && pr_arr(c, "b", mo) &&
             pr_arr(c, "g", mo);
    return ok ? m + mo * m + mo : 0;
}

static int backward_impl(double *out, const vr_case *c)
{
    size_t m = vr_case_getdim(c, "m"), mo = vr_case_getdim(c, "mo");
    return vr_lib->dense_relu_backward(out, out + m, out + m + mo * m, pr_arr(c, "y", m),
                                       pr_arr(c, "W", mo * m), pr_arr(c, "b", mo),
                                       pr_arr(c, "g", mo), m, mo);
}

static int backward_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    size_t m = vr_case_getdim(c, "m"), mo = vr_case_getdim(c, "mo");
    mpfr_ptr y = pr_mp(ws, pr_arr(c, "y", m), m), W = pr_mp(ws, pr_arr(c, "W", mo * m), mo * m);
    mpfr_ptr b = pr_mp(ws, pr_arr(c, "b", mo), mo), g = pr_mp(ws, pr_arr(c, "g", mo), mo);
    if (!y || !W || !b || !g)
        return DP_ENOMEM;
    return vr_lib->dense_relu_backward_mp(out, out + m, out + m + mo * m, y, W, b, g, m, mo, ws);
}

static void backward_bound(double *bound, const vr_case *c, mpfr_srcptr ref, double u)
{
    size_t m = vr_case_getdim(c, "m"), mo = vr_case_getdim(c, "mo");
    (void)ref;
    vr_bound_dense_relu_backward(bound, pr_arr(c, "y", m), pr_arr(c, "W", mo * m),
                                 pr_arr(c, "b", mo), pr_arr(c, "g", mo), m, mo, u);
}

static const vr_op backward_op = {"dF", n_backward, backward_impl, backward_ref, backward_bound};

/* The accuracy instance of c: its y, W, b and g = ∇F^upstream(ReLU(L)) rounded to double. */
static int accuracy_case(vr_case *acc, const inst *I, mpfr_srcptr x, dp_mpws *ws)
{
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, 2 * I->mo), g = L + I->mo;
    vr_case_dim(acc, "m", I->m);
    vr_case_dim(acc, "mo", I->mo);
    double *y = vr_case_array(acc, "y", I->m), *W = vr_case_array(acc, "W", I->mo * I->m);
    double *b = vr_case_array(acc, "b", I->mo), *gd = vr_case_array(acc, "g", I->mo);
    int st = L && y && W && b && gd ? upstream_at(L, g, NULL, x, I, ws) : DP_ENOMEM;
    if (st == DP_OK) {
        memcpy(y, I->y, I->m * sizeof *y);
        memcpy(W, I->W, I->mo * I->m * sizeof *W);
        memcpy(b, I->b, I->mo * sizeof *b);
        for (size_t k = 0; k < I->mo; k++)
            gd[k] = mpfr_get_d(g + k, MPFR_RNDN);
    }
    dp_mpws_release(ws, mk);
    return st;
}

/* ---- coverage and the checks ----------------------------------------------------------------- */

/* VR_CLASS_DEAD_LAYER: every L_{j'} exactly 0.  At EXACT_PREC dense is exact: a product of
   doubles lies in [2^-2148, 2^2048[ with 106 bits, and a sum of up to PR_MAXDIM + 1 of them
   needs at most 2048 + 2148 + 13 bits. */
enum { EXACT_PREC = 4224 };

static unsigned classes(const inst *I, const vr_case *c)
{
    unsigned cl = I->m == 1 || I->mo == 1 ? VR_CLASS_M1 : 0;
    for (size_t a = 0; a < c->narr; a++)
        cl |= vr_classes_of(c->arr[a].v, c->arr[a].len, 0) & ~VR_CLASS_M1;
    dp_mpws ws;
    if (dp_mpws_init(&ws, EXACT_PREC) == DP_OK) {
        mpfr_ptr y = pr_mp(&ws, I->y, I->m), W = pr_mp(&ws, I->W, I->mo * I->m);
        mpfr_ptr b = pr_mp(&ws, I->b, I->mo), L = dp_mpws_push(&ws, I->mo);
        if (y && W && b && L && vr_lib->dense_mp(L, y, W, b, I->m, I->mo, &ws) == DP_OK) {
            cl |= VR_CLASS_DEAD_LAYER;
            for (size_t u = 0; u < I->mo; u++)
                if (!mpfr_zero_p(L + u))
                    cl &= ~VR_CLASS_DEAD_LAYER;
        }
    }
    dp_mpws_clear(&ws);
    return cl;
}

/* x = (y, W, b) packed, malloc'd. */
static double *pack(const inst *I)
{
    double *x = malloc(I->n * sizeof *x);
    if (x != NULL) {
        memcpy(x, I->y, I->m * sizeof *x);
        memcpy(x + I->m, I->W, I->mo * I->m * sizeof *x);
        memcpy(x + I->m + I->mo * I->m, I->b, I->mo * sizeof *x);
    }
    return x;
}

static int check_with(vr_result *r, const vr_case *c, vr_ctx *ctx, vr_jac partials, int accuracy)
{
    inst I;
    if (!read_inst(&I, c))
        return DP_EDOMAIN;
    double *x = pack(&I);
    if (x == NULL)
        return DP_ENOMEM;
    vr_map map = {"dF/dx", composed, partials, I.n, 1, I.mo, &I, VR_SCALE_COORD, entry_name};
    int st = vr_check_derivative(r, &map, x, ctx);
    if (st == DP_OK && accuracy) {
        vr_case acc;
        vr_result part;
        vr_case_init(&acc);
        dp_mpmark mk = dp_mpws_mark(&ctx->ws);
        mpfr_ptr xm = pr_mp(&ctx->ws, x, I.n);
        st = xm ? accuracy_case(&acc, &I, xm, &ctx->ws) : DP_ENOMEM;
        dp_mpws_release(&ctx->ws, mk);
        if (st == DP_OK && (st = vr_check_double(&part, &backward_op, &acc, ctx)) == DP_OK)
            vr_result_merge(r, &part);
        vr_case_clear(&acc);
    }
    free(x);
    r->classes |= classes(&I, c);
    return st;
}

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, corrected_partials, 1);
}

static int check_weight(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, weight_as_written, 0);
}

static int check_y_open(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, y_as_written_open, 0);
}

static int check_y_closed(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, y_as_written_closed, 0);
}

const vr_prop pr_dense_relu_partials = {
    "dense-relu-partials", "4", "the partials of F^upstream ∘ ReLU ∘ L in y, W_{j',:} and b",
    statement, corrected, VR_EXPECT_HOLDS,
    VR_CLASS_KINK | VR_CLASS_NEAR_KINK | VR_CLASS_DEAD_LAYER | VR_CLASS_M1 | VR_CLASS_NEG_ZERO,
    generate, check};

const vr_prop pr_dense_relu_partials_weight = {
    "dense-relu-partials/as-written-weight", "4",
    "weight partial with F^upstream(ReLU(L)), the value, for the gradient g_{j'}", statement,
    NULL, VR_EXPECT_REFUTED, 0, generate, check_weight};

const vr_prop pr_dense_relu_partials_y = {
    "dense-relu-partials/as-written-y-indicator", "4",
    "y-partial with 1_{ℝ⁺∖{j}}, ℝ⁺ = ]0,∞[: wrong where L_{j'} = j", statement, NULL,
    VR_EXPECT_REFUTED, 0, generate, check_y_open};

const vr_prop pr_dense_relu_partials_y_closed = {
    "dense-relu-partials/as-written-y-indicator-closed", "4",
    "y-partial with 1_{ℝ⁺∖{j}}, ℝ⁺ = [0,∞[: also 1 at the kink L_{j'} = 0", statement, NULL,
    VR_EXPECT_REFUTED, 0, generate, check_y_closed};
