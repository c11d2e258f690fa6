/* softmax_corollaries.c -- §3, two consequences of the SoftMax proposition that an implementation
   must satisfy, each an identity of exact mathematics checked in MPFR at p within the rounding of
   both sides (identity.c, bounds in bounds_loss.c), and in double within a stated bound:
   - softmax-shift-invariance: S(z + c·1) = S(z) for every scalar c (e^{z_j + c} = e^c e^{z_j},
     and e^c cancels) -- what lets dp_softmax subtract max z.  c is drawn like a logit, up to
     ±1e300; z + c·1 is rounded (to p bits, or to double), and the allowance accounts for it;
   - softmax-jacobian-symmetry: dS/dz(z) is symmetric (−S_j S_j' off the diagonal) and each row
     sums to 0 (S_j (1 − Σ_j' S_j') = 0: S is invariant along 1). */
#include <math.h>
#include <stdlib.h>
#include "props.h"

static const char shift_statement[] =
    "(§3) SoftMax: ℝ^m → ]0,1[^m, z ↦ e^{z_j} / Σ_{j'=1}^m e^{z_{j'}}. Implied: ∀c ∈ ℝ, "
    "S(z + c·1) = S(z), since e^{z_j + c} = e^c × e^{z_j} and e^c cancels.";

static const char sym_statement[] =
    "(§3) dS/dz(z)_{j,j'} = S(z)_j × (δ_{j,j'} − S(z)_{j'}). Implied: dS/dz(z) is symmetric "
    "(−S(z)_j S(z)_{j'} off the diagonal), and each row sums to 0: Σ_{j'} dS/dz(z)_{j,j'} = "
    "S(z)_j × (1 − Σ_{j'} S(z)_{j'}) = 0.";

/* z (m): logits, edge-biased (zeros, -0.0, ties, ±1e4, ±1e300); c (1), drawn like a logit, last,
   so that it shrinks to 0 on its own. */
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

static int generate_shift(vr_case *c, vr_src *src, size_t size)
{
    int st = generate(c, src, size);
    double *s = st == DP_OK ? vr_case_array(c, "c", 1) : NULL;
    if (s == NULL)
        return DP_ENOMEM;
    s[0] = vr_gen_real(src, VR_REAL_LOGIT);
    return DP_OK;
}

typedef struct {
    size_t m;
    const double *z;
    double c;
} inst;

/* z (m), and c when shift: z + c must stay finite in double (|z_j|, |c| <= 1e300 as drawn). */
static int read_inst(inst *I, const vr_case *c, int shift)
{
    I->m = pr_dim(c, "m", PR_MAXDIM);
    I->z = pr_arr(c, "z", I->m);
    const double *s = shift ? pr_arr(c, "c", 1) : NULL;
    I->c = s ? s[0] : 0;
    if (I->z == NULL || (shift && s == NULL))
        return 0;
    for (size_t j = 0; j < I->m; j++)
        if (!isfinite(I->z[j] + I->c))
            return 0;
    return 1;
}

/* ---- S(z + c·1) = S(z) ------------------------------------------------------------------------
   In MPFR at p, x_j = fl_p(z_j + c) = z_j + c − delta_j with |delta_j| <= 2^-p |x_j| <= a,
   a = 2^-p max |x_j|: S(x) = S(z − delta), and S(x)_j / S(z)_j lies within [e^-2a, e^2a]
   (bounds_loss.c, vr_bound_softmax_shift), so |S(x)_j − S(z)_j| <= (e^{2a} − 1) S(z)_j.  Each
   side's own rounding is within rho_j (vr_bound_softmax_mp).  So, with S^_j = max(lhs_j, rhs_j)
   (S(z)_j <= S^_j + rho_j):  allowed_j = (e^{2a} − 1)(S^_j + rho_j) + 2 rho_j.
   Probabilities are measured absolutely (scale 1): rho_j has an absolute part.  For |c| = 1e300
   a is useless at p = 128 (z + c is not held), and the engine raises p until it is not. */

static mpfr_ptr shifted(const inst *I, dp_mpws *ws)
{
    mpfr_ptr x = pr_mp(ws, I->z, I->m);
    for (size_t j = 0; x != NULL && j < I->m; j++)
        mpfr_add_d(x + j, x + j, I->c, MPFR_RNDN); /* rounded to p: the allowance's a */
    return x;
}

static int shift_lhs(mpfr_ptr S, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr x = shifted(I, ws);
    int st = x ? vr_lib->softmax_mp(S, x, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

static int shift_rhs(mpfr_ptr S, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr z = pr_mp(ws, I->z, I->m);
    int st = z ? vr_lib->softmax_mp(S, z, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}

static int shift_allowed(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                         const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr x = shifted(I, ws), Sh = dp_mpws_push(ws, 2 * m + 1);
    if (x == NULL || Sh == NULL) {
        dp_mpws_release(ws, mk);
        return DP_ENOMEM;
    }
    mpfr_ptr rho = Sh + m, e2a = rho + m;
    mpfr_set_zero(e2a, +1); /* a = 2^-p max |x_j|, then e^{2a} - 1 */
    for (size_t j = 0; j < m; j++) {
        mpfr_max(Sh + j, lhs + j, rhs + j, MPFR_RNDU);
        mpfr_abs(x + j, x + j, MPFR_RNDU);
        mpfr_max(e2a, e2a, x + j, MPFR_RNDU);
    }
    mpfr_mul_2si(e2a, e2a, 1 - (long)ws->prec, MPFR_RNDU);
    mpfr_expm1(e2a, e2a, MPFR_RNDU);
    vr_bound_softmax_mp(rho, Sh, m, ws->prec);
    for (size_t j = 0; j < m; j++) {
        mpfr_add(allowed + j, Sh + j, rho + j, MPFR_RNDU);
        mpfr_mul(allowed + j, allowed + j, e2a, MPFR_RNDU);
        mpfr_add(allowed + j, allowed + j, rho + j, MPFR_RNDU);
        mpfr_add(allowed + j, allowed + j, rho + j, MPFR_RNDU);
        mpfr_set_ui(scale + j, 1, MPFR_RNDN);
    }
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* The double SoftMax of fl(z + c·1) against the exact S(z), within vr_bound_softmax_shift (the
   rounding of z + c, exactly, by TwoSum, and the double SoftMax's own bound). */
static size_t n_shift(const vr_case *c)
{
    inst I;
    return read_inst(&I, c, 1) ? I.m : 0;
}

static int shift_impl(double *S, const vr_case *c)
{
    inst I;
    read_inst(&I, c, 1);
    double *x = malloc(I.m * sizeof *x); /* outputs must not alias inputs */
    if (x == NULL)
        return DP_ENOMEM;
    for (size_t j = 0; j < I.m; j++)
        x[j] = I.z[j] + I.c;
    int st = vr_lib->softmax(S, x, I.m);
    free(x);
    return st;
}

static int shift_ref(mpfr_ptr S, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c, 1);
    mpfr_ptr z = pr_mp(ws, I.z, I.m);
    return z ? vr_lib->softmax_mp(S, z, I.m, ws) : DP_ENOMEM;
}

static void shift_bound(double *b, const vr_case *c, mpfr_srcptr S, double u)
{
    inst I;
    read_inst(&I, c, 1);
    vr_bound_softmax_shift(b, I.z, I.c, I.m, S, u);
}

static const vr_op shift_op = {"S(z+c1)", n_shift, shift_impl, shift_ref, shift_bound};

/* ---- dS/dz symmetric, rows summing to 0 -------------------------------------------------------
   Both sides packed [J (m x m) | Σ_j' J_jj' (m)] against [Jᵀ | 0], J the library's MPFR Jacobian
   at p, summed in index order; allowed: vr_bound_softmax_jacobian_sym_mp and
   vr_bound_softmax_jacobian_rowsum_mp of the library's S at p.  Measured absolutely (scale 1):
   every entry of J is at most 1/4. */

static int sym_lhs(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr z = pr_mp(ws, I->z, m);
    int st = z ? vr_lib->softmax_jacobian_mp(out, z, m, ws) : DP_ENOMEM;
    for (size_t j = 0; st == DP_OK && j < m; j++) {
        mpfr_set_zero(out + m * m + j, +1);
        for (size_t jp = 0; jp < m; jp++) /* index order: the bound's summation */
            mpfr_add(out + m * m + j, out + m * m + j, out + j * m + jp, MPFR_RNDN);
    }
    dp_mpws_release(ws, mk);
    return st;
}

static int sym_rhs(mpfr_ptr out, const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr J = dp_mpws_push(ws, m * m), z = pr_mp(ws, I->z, m);
    int st = J && z ? vr_lib->softmax_jacobian_mp(J, z, m, ws) : DP_ENOMEM;
    for (size_t j = 0; st == DP_OK && j < m; j++) {
        for (size_t jp = 0; jp < m; jp++)
            mpfr_set(out + j * m + jp, J + jp * m + j, MPFR_RNDN);
        mpfr_set_zero(out + m * m + j, +1);
    }
    dp_mpws_release(ws, mk);
    return st;
}

static int sym_allowed(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                       const void *data, dp_mpws *ws)
{
    const inst *I = data;
    size_t m = I->m;
    (void)lhs, (void)rhs;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr S = dp_mpws_push(ws, m), z = pr_mp(ws, I->z, m);
    int st = S && z ? vr_lib->softmax_mp(S, z, m, ws) : DP_ENOMEM;
    if (st == DP_OK) {
        vr_bound_softmax_jacobian_sym_mp(allowed, S, m, ws->prec);
        vr_bound_softmax_jacobian_rowsum_mp(allowed + m * m, S, m, ws->prec);
    }
    for (size_t i = 0; i < m * m + m; i++)
        mpfr_set_ui(scale + i, 1, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return st;
}

static void sym_name(char *buf, size_t len, size_t i, const void *data)
{
    size_t m = ((const inst *)data)->m;
    if (i < m * m)
        snprintf(buf, len, "J[%zu,%zu]~J[%zu,%zu]", i / m, i % m, i % m, i / m);
    else
        snprintf(buf, len, "ΣJ[%zu,:]", i - m * m);
}

/* The double Jacobian, transposed, against the exact one (symmetric), within
   vr_bound_softmax_jacobian of the transposed entry, and its rows summed in double against 0,
   within vr_bound_sum of the row's bounds: packed [J~ᵀ (m x m) | Σ_j' J~_jj' (m)]. */
static size_t n_sym(const vr_case *c)
{
    inst I;
    return read_inst(&I, c, 0) ? I.m * I.m + I.m : 0;
}

static int sym_impl(double *out, const vr_case *c)
{
    inst I;
    read_inst(&I, c, 0);
    size_t m = I.m;
    int st = vr_lib->softmax_jacobian(out, I.z, m);
    for (size_t j = 0; st == DP_OK && j < m; j++) {
        double s = 0;
        for (size_t jp = 0; jp < m; jp++) /* index order, from 0: vr_bound_sum's */
            s += out[j * m + jp];
        out[m * m + j] = s;
    }
    for (size_t j = 0; st == DP_OK && j < m; j++)
        for (size_t jp = j + 1; jp < m; jp++) {
            double t = out[j * m + jp];
            out[j * m + jp] = out[jp * m + j];
            out[jp * m + j] = t;
        }
    return st;
}

static int sym_ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    inst I;
    read_inst(&I, c, 0);
    size_t m = I.m;
    mpfr_ptr z = pr_mp(ws, I.z, m);
    int st = z ? vr_lib->softmax_jacobian_mp(out, z, m, ws) : DP_ENOMEM;
    for (size_t j = 0; j < m; j++)
        mpfr_set_zero(out + m * m + j, +1); /* the exact row sums */
    return st;
}

static void sym_bound(double *b, const vr_case *c, mpfr_srcptr J, double u)
{
    inst I;
    read_inst(&I, c, 0);
    size_t m = I.m;
    vr_bound_softmax_jacobian(b, I.z, m, J, u);
    for (size_t j = 0; j < m; j++)
        b[m * m + j] = vr_bound_sum(b + j * m, J + j * m, m, u);
    for (size_t j = 0; j < m; j++) /* entry (j, j') of the output is J~_j'j */
        for (size_t jp = j + 1; jp < m; jp++) {
            double t = b[j * m + jp];
            b[j * m + jp] = b[jp * m + j];
            b[jp * m + j] = t;
        }
}

static const vr_op sym_op = {"dS/dzᵀ|Σ", n_sym, sym_impl, sym_ref, sym_bound};

/* ---- the checks ------------------------------------------------------------------------------- */

static int check_shift(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c, 1))
        return DP_EDOMAIN;
    vr_identity id = {"S(z+c1)", I.m, shift_lhs, shift_rhs, shift_allowed, &I, NULL};
    vr_result part;
    int st = vr_check_identity(r, &id, ctx);
    if (st == DP_OK && (st = vr_check_double(&part, &shift_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    r->classes |= vr_classes_of(I.z, I.m, 1) | (vr_classes_of(&I.c, 1, 1) & ~VR_CLASS_M1);
    return st;
}

static int check_sym(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    inst I;
    if (!read_inst(&I, c, 0))
        return DP_EDOMAIN;
    vr_identity id = {"dS/dz", I.m * I.m + I.m, sym_lhs, sym_rhs, sym_allowed, &I, sym_name};
    vr_result part;
    int st = vr_check_identity(r, &id, ctx);
    if (st == DP_OK && (st = vr_check_double(&part, &sym_op, c, ctx)) == DP_OK)
        vr_result_merge(r, &part);
    r->classes |= vr_classes_of(I.z, I.m, 1);
    return st;
}

#define LOGIT_CLASSES (VR_CLASS_M1 | VR_CLASS_LARGE_LOGIT | VR_CLASS_TIE | VR_CLASS_NEG_ZERO)

const vr_prop pr_softmax_shift_invariance = {
    "softmax-shift-invariance", "3", "S(z + c·1) = S(z) for every scalar c", shift_statement,
    NULL, VR_EXPECT_HOLDS, LOGIT_CLASSES, generate_shift, check_shift};

const vr_prop pr_softmax_jacobian_symmetry = {
    "softmax-jacobian-symmetry", "3", "dS/dz is symmetric and its rows sum to 0", sym_statement,
    NULL, VR_EXPECT_HOLDS, LOGIT_CLASSES, generate, check_sym};
