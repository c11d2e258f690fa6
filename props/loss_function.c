/* loss_function.c -- §3, Definition of a loss function and Proposition: ξ^ŷ, the categorical
   cross-entropy, is a loss function for every ground truth ŷ ∈ {0,1}^m.

   The definition: F^ŷ is a loss function iff ε ↦ F^ŷ(ŷ + ε) "is an increasing function according
   each coefficient", ε ranging over the E where ŷ + ε is in F's domain.  Here the domain is
   ]0,1[^m, so ε_j > 0 where ŷ_j = 0 and ε_j < 0 where ŷ_j = 1: every ε_j has a fixed sign (and
   ε = 0 is excluded: the ground truth itself lies outside ξ's domain, so the definition can only
   speak of how F changes with ε, not compare F(ŷ + ε) with F(ŷ)).
   - As written (id loss-function/as-written): for each j, ε_j ↦ ξ^ŷ(ŷ + ε) is increasing, i.e.
     ∂ξ^ŷ/∂y_j(ŷ + ε) ≥ 0 -- read weakly (non-decreasing), the weakest reading, since where
     ŷ_j = 0 the loss does not depend on y_j at all and no reading could ask more.  It is false
     wherever some ŷ_j = 1: ∂ξ/∂y_j = -1/y_j < 0, the loss falls as ε_j rises toward 0, i.e. as y_j
     approaches its ground truth 1.  Smallest case: m = 1, ŷ = 1, ξ(1 + ε) = -log(1 + ε).
   - Corrected (id loss-function): what a loss must do is not decrease as y moves away from the
     ground truth along any coefficient, i.e. be non-decreasing in |ε_j|:
     ε_j ∂ξ^ŷ/∂y_j(ŷ + ε) ≥ 0 for every j and every ŷ + ε ∈ ]0,1[^m.  It holds: the product is
     (1 - y_j) / y_j > 0 where ŷ_j = 1 and exactly 0 where ŷ_j = 0 (weak, as above; all-zero and
     multi-hot labels included, since ŷ ranges over all of {0,1}^m).
   Both are sign statements on the finite-difference derivative of the library's ξ^ŷ (in MPFR at
   p, with its error estimate: vr_check_sign); the formula of the gradient itself is
   cce_gradient.c's. */
#include <math.h>
#include "props.h"

static const char statement[] =
    "Definition: let Ω̂ ∈ M_{n,m} and Ω ⊆ M_{n,m} non empty subsets, ŷ ∈ Ω̂ and F_loss^ŷ ∈ D(Ω, "
    "ℝ). Then F_loss^ŷ is a loss function is equivalent to the application F_loss^ŷ ∘ g: E → ℝ, "
    "ε ↦ F_loss^ŷ(ŷ + ε) is an increasing function according each coefficient with E ⊆ M_{n,m} "
    "such as F_loss^ŷ ∘ g is always defined. Proposition: let ŷ ∈ {0,1}^m a ground truth matrix. "
    "Then the application ξ^ŷ: ]0,1[^m → ℝ, y ↦ −Σ_{j=1}^m ŷ_j log(y_j) is a loss function.";

static const char corrected[] =
    "For every ŷ ∈ {0,1}^m and every ε with ŷ + ε ∈ ]0,1[^m: ∀j ∈ ⟦1, m⟧, ε_j × ∂ξ^ŷ/∂y_j(ŷ + ε) "
    "≥ 0, i.e. the loss does not decrease as y moves away from the ground truth along any "
    "coefficient (it is non-decreasing in |ε_j|). The text asks ∂ξ^ŷ/∂y_j(ŷ + ε) ≥ 0 (increasing "
    "in ε_j itself), which fails wherever ŷ_j = 1: ξ decreases as y_j rises toward its ground "
    "truth 1.";

/* A point of ]0,1[: the draw's 0 gives 1/2 (the simplest); a quarter of the draws are at the
   edges, 1 - 2^-k (k in 1..53) or 2^-k (k in 1..1074, tiny and subnormal), where -log y_j and
   -1/y_j are largest or ε_j is smallest; the rest are k / 2^20 (vr_gen_real's unit values). */
static double unit_point(vr_src *src)
{
    switch (vr_draw(src, 4)) {
    case 0: return 0.5;
    case 1:
        if (vr_draw(src, 2))
            return 1 - ldexp(1.0, -1 - (int)vr_draw(src, 53));
        return ldexp(1.0, -1 - (int)vr_draw(src, 1074));
    default: return vr_gen_real(src, VR_REAL_UNIT);
    }
}

/* ŷ (m) in {0,1}^m, one-hot, multi-hot or all-zero; y = ŷ + ε (m) in ]0,1[^m. */
static int generate(vr_case *c, vr_src *src, size_t size)
{
    size_t m = vr_gen_dim(src, size);
    vr_case_dim(c, "m", m);
    double *yhat = vr_case_array(c, "yhat", m), *y = vr_case_array(c, "y", m);
    if (yhat == NULL || y == NULL)
        return DP_ENOMEM;
    vr_gen_label(yhat, m, src, 1);
    for (size_t j = 0; j < m; j++)
        y[j] = unit_point(src);
    return DP_OK;
}

typedef pr_cce_inst inst;

/* Reads an instance on the statement's domain: ŷ ∈ {0,1}^m, y ∈ ]0,1[^m. */
static int read_inst(inst *I, const vr_case *c)
{
    I->m = pr_dim(c, "m", PR_MAXDIM);
    I->yhat = pr_arr(c, "yhat", I->m);
    I->y = pr_arr(c, "y", I->m);
    if (I->yhat == NULL || I->y == NULL)
        return 0;
    for (size_t j = 0; j < I->m; j++)
        if ((I->yhat[j] != 0 && I->yhat[j] != 1) || !(I->y[j] > 0 && I->y[j] < 1))
            return 0;
    return 1;
}

static void entry(char *buf, size_t len, size_t i, size_t j, const void *data)
{
    (void)i, (void)data;
    snprintf(buf, len, "ε_%zu·dξ/dy_%zu", j, j);
}

static void entry_as_written(char *buf, size_t len, size_t i, size_t j, const void *data)
{
    (void)i, (void)data;
    snprintf(buf, len, "dξ/dε_%zu", j);
}

/* as_written: the weights are 1 (∂ξ/∂y_j ≥ 0); corrected: ε_j = y_j − ŷ_j, rounded, but its
   sign is exact (y_j ∈ ]0,1[ and ŷ_j ∈ {0,1} make it nonzero, and rounding to nearest keeps a
   nonzero result's sign), and only the sign of a weight decides. */
static int check_with(vr_result *r, const vr_case *c, vr_ctx *ctx, int as_written)
{
    inst I;
    if (!read_inst(&I, c))
        return DP_EDOMAIN;
    double w[PR_MAXDIM];
    double sum = 0;
    for (size_t j = 0; j < I.m; j++) {
        w[j] = as_written ? 1.0 : I.y[j] - I.yhat[j];
        sum += I.yhat[j];
    }
    /* log y_j has its singularity at 0: steps relative to y_j (VR_SCALE_REL) */
    vr_map map = {as_written ? "dξ/dε" : "ε·dξ/dy", pr_cce_xi, NULL, I.m, 1, 0, &I, VR_SCALE_REL,
                  as_written ? entry_as_written : entry};
    int st = vr_check_sign(r, &map, I.y, w, ctx);
    r->classes |= vr_classes_of(I.y, I.m, 0) | (sum != 1 ? VR_CLASS_MULTI_HOT : 0);
    return st;
}

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, 0);
}

static int check_as_written(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    return check_with(r, c, ctx, 1);
}

const vr_prop pr_loss_function = {
    "loss-function", "3", "ξ^ŷ is a loss function: it does not decrease away from ŷ", statement,
    corrected, VR_EXPECT_HOLDS, VR_CLASS_M1 | VR_CLASS_MULTI_HOT | VR_CLASS_TINY, generate,
    check};

const vr_prop pr_loss_function_as_written = {
    "loss-function/as-written", "3",
    "ε ↦ ξ^ŷ(ŷ + ε) increasing in each ε_j: false where ŷ_j = 1", statement, NULL,
    VR_EXPECT_REFUTED, VR_CLASS_M1, generate, check_as_written};
