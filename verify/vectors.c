/* vectors.c -- golden vectors (vectors.h, docs/vectors.md): what a case's expected values, bound,
   flags and comment are (vectors_write.c writes them, vectors_read.c reads them back), and the
   numbers of the files: hex floats read strictly, 40-digit decimals.  The expected value
   of an entry is the exact result rounded to nearest-even in the precision.  The exact result is
   not at hand, only the library's MPFR reference at a precision p, whose error is unknown but
   shrinks as p grows; so, in Ziv's manner, the reference at p and at 2p are both computed, their
   difference taken as the error of the one at 2p (it is that of the one at p, about 2^p times
   larger), and the rounding accepted when the whole interval 2p-value +- difference rounds to one
   value in the precision and to one 40-digit decimal.  Otherwise p doubles. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "vectors.h"

/* ---- flags ---------------------------------------------------------------------------------- */

static const char *const flag_names[VR_VF_N] = {
    "kink", "near-kink", "dead-layer", "large-logits", "overflow-naive", "tie", "cancellation",
    "subnormal", "tiny", "underflow", "overflow", "neg-zero", "m1", "deep"};

static const char *const flag_notes[VR_VF_N] = {
    "a ReLU argument (z of relu, L = y W^T + b of dense_relu_backward, a hidden layer's "
    "pre-activation) is exactly 0, where ReLU'(0) = 0 by convention",
    "a ReLU argument is not 0 but within 2^-20 of it",
    "every ReLU of a layer is off (argument <= 0) for some sample: no gradient flows through it",
    "a logit (z of the SoftMax ops, the network's last pre-activation) exceeds ln of the largest "
    "finite value in magnitude: 88.72 (float32), 709.78 (double)",
    "a naive SoftMax, e^z / sum e^z without subtracting max z, gives inf/inf or 0/0: some logit "
    "is above 88.72 (709.78), or every one below -103.97 (-745.13)",
    "two maximal logits are equal",
    "a non-zero entry's bound exceeds 2^10 u |expected| (and 2^10 times the smallest "
    "subnormal): the entry is much smaller than the terms it is computed from, and only an "
    "absolute error is promised; or an entry is 0 only by cancellation, which the reference "
    "cannot tell from 0 at 16384 bits (within 2^-4096 of it: written 0)",
    "an input or an expected value is subnormal in the precision",
    "a non-zero input is below 2^-500 (double) or 2^-100 (float32) in magnitude",
    "an exact result that is not 0 rounds to 0 in the precision; or (then expected_decimal "
    "reads 0 too) a value of the computation is below MPFR's range, 2^-2^30 in magnitude, and a "
    "zero entry may stand for such a value",
    "an exact result is beyond the precision's range: expected is inf or -inf",
    "an input is -0.0",
    "a width (m, mo or a layer's) is 1",
    "a network of 3 or more layers"};

const char *vr_vflag_name(int f)
{
    return f >= 0 && f < VR_VF_N ? flag_names[f] : "?";
}

const char *vr_vflag_note(int f)
{
    return f >= 0 && f < VR_VF_N ? flag_notes[f] : "?";
}

int vr_vflag_of(const char *name)
{
    for (int f = 0; f < VR_VF_N; f++)
        if (!strcmp(name, flag_names[f]))
            return f;
    return -1;
}

/* ---- rounding to the precision --------------------------------------------------------------
   MPFR's exponents are those of 0.1b * 2^e: binary64's subnormals end at 2^-1074 = 0.1b * 2^-1073
   and its largest finite value is below 2^1024; binary32's at 2^-149 and 2^128.  x is rounded to
   the precision's bits in MPFR's wide range, then brought into the narrow one by check_range and
   subnormalize, which take the first rounding's direction into account (no double rounding). */
double vr_vec_round(mpfr_srcptr x, int f32)
{
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_t y;
    mpfr_init2(y, f32 ? 24 : 53);
    int t = mpfr_set(y, x, MPFR_RNDN);
    mpfr_set_emin(f32 ? -148 : -1073);
    mpfr_set_emax(f32 ? 128 : 1024);
    t = mpfr_check_range(y, t, MPFR_RNDN);
    mpfr_subnormalize(y, t, MPFR_RNDN);
    double d = mpfr_get_d(y, MPFR_RNDN); /* exact: y is a value of the precision */
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    mpfr_clear(y);
    return d;
}

static void decimal(char *buf, size_t len, mpfr_srcptr x)
{
    mpfr_snprintf(buf, len, "%.39Re", x); /* 40 significant digits, to nearest */
}

/* ---- the numbers of a file, read ---------------------------------------------------------------------------------- */

static int hexdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A C99 hex float, [-]0x h[.h] p[+-]d: the number of hex digits, 0 if not one. */
static size_t hex_syntax(const char *s)
{
    size_t nd = 0, ne = 0;
    s += *s == '-';
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    for (s += 2; hexdigit(*s); s++)
        nd++;
    if (*s == '.')
        for (s++; hexdigit(*s); s++)
            nd++;
    if (nd == 0 || (*s != 'p' && *s != 'P'))
        return 0;
    s += 1 + (s[1] == '+' || s[1] == '-');
    for (; digit(*s); s++)
        ne++;
    return ne > 0 && ne <= 6 && *s == '\0' ? nd : 0;
}

const char *vr_vec_parse(double *x, const char *s)
{
    if (!strcmp(s, "inf") || !strcmp(s, "-inf") || !strcmp(s, "nan")) {
        *x = s[0] == 'n' ? NAN : s[0] == '-' ? -INFINITY : INFINITY;
        return NULL;
    }
    size_t nd = strlen(s) <= 64 ? hex_syntax(s) : 0;
    if (nd == 0)
        return "is not a C99 hex float (such as \"0x1.8p+0\"), \"inf\", \"-inf\" or \"nan\"";
    mpfr_t v;
    mpfr_init2(v, (mpfr_prec_t)(4 * nd + 4)); /* holds every digit */
    char *end;
    int t = mpfr_strtofr(v, s, &end, 16, MPFR_RNDN);
    *x = mpfr_get_d(v, MPFR_RNDN);
    int exact = *end == '\0' && t == 0 && isfinite(*x) && mpfr_cmp_d(v, *x) == 0;
    mpfr_clear(v);
    return exact ? NULL : "is not a double: it has too many digits or is out of range";
}

int vr_vec_decimal_ok(const char *s)
{
    s += *s == '-';
    if (!digit(s[0]) || s[1] != '.')
        return 0;
    for (int i = 0; i < 39; i++)
        if (!digit(s[2 + i]))
            return 0;
    s += 41;
    if (s[0] != 'e' || (s[1] != '+' && s[1] != '-'))
        return 0;
    size_t ne = 0;
    for (s += 2; digit(*s); s++)
        ne++;
    return ne >= 2 && ne <= 10 && *s == '\0';
}

int vr_vec_same_decimal(const char *a, const char *b)
{
    int za = strspn(a + (*a == '-'), "0.") == 41, zb = strspn(b + (*b == '-'), "0.") == 41;
    return za && zb ? 1 : !strcmp(a, b);
}

/* ---- the reference, confirmed --------------------------------------------------------------- */

/* The reference of k at prec in ws (made here); *out its q entries, *under whether a value fell
   below MPFR's exponent range (2^-2^30) on the way (e^z of a logit 1e300 below the maximum is
   0 at any precision), *exact whether no operation rounded (then *out is the exact result). */
static int reference_at(dp_mpws *ws, mpfr_ptr *out, int *under, int *exact, const vr_call *k,
                        mpfr_prec_t prec)
{
    int st = dp_mpws_init(ws, prec);
    if (st != DP_OK)
        return st;
    if ((*out = dp_mpws_push(ws, k->q)) == NULL)
        return DP_ENOMEM;
    mpfr_clear_flags();
    st = vr_abi_reference(*out, k, ws);
    *under = mpfr_underflow_p() != 0;
    *exact = !mpfr_inexflag_p();
    return st;
}

/* Whether x is 0 or below 2^-(VR_VEC_PRECMAX/4) in magnitude. */
static int negligible(mpfr_srcptr x)
{
    return mpfr_zero_p(x) || mpfr_get_exp(x) <= -VR_VEC_PRECMAX / 4;
}

/* Confirms the entries not yet done from lo (at p/2) and hi (at p), or from hi alone when it is
   exact; returns how many are left.  The error of hi is taken as |lo - hi|, but never less than
   2^8 of hi's ulps: both may round the same term away (b + W y with a product of 2^-837 next to
   8, lost at 256 and at 512 bits alike), and then their agreement says nothing.  That floor
   leaves an exact result at a rounding tie undecided (a tie of double's, or of the 40-digit
   decimal, as 675.79576907767113880254328250885009765625 is), and the interval of an exact 0
   computed with a residue always holds 0; neither is settled by precision.  So, at the last
   precision only: an entry on which it and the one before agree exactly, and which holds in
   PRECMAX/4 bits, is taken as exact; an entry whose interval holds 0 and nothing beyond
   2^-(PRECMAX/4) is taken as 0 (an exact cancellation: the library's formulas round their
   terms, and an exactly-0 gradient leaves a residue at every precision). */
static size_t confirm(vr_vector *v, char *done, mpfr_srcptr lo, mpfr_srcptr hi, mpfr_prec_t p,
                      int f32, int exact)
{
    mpfr_t e, a, b;
    char da[64], db[64];
    size_t left = 0;
    mpfr_inits2(p, e, a, b, (mpfr_ptr)0);
    for (size_t i = 0; i < v->q; i++) {
        if (done[i])
            continue;
        mpfr_set_zero(e, 1);
        if (!exact) {
            mpfr_sub(e, lo + i, hi + i, MPFR_RNDU);
            mpfr_abs(e, e, MPFR_RNDU);
            if (!mpfr_zero_p(hi + i) && mpfr_get_exp(e) <= mpfr_get_exp(hi + i) - p + 8)
                mpfr_set_ui_2exp(e, 1, mpfr_get_exp(hi + i) - p + 8, MPFR_RNDU);
        }
        mpfr_sub(a, hi + i, e, MPFR_RNDD); /* (0 - 0 rounded down is -0: hence the sets) */
        mpfr_add(b, hi + i, e, MPFR_RNDU);
        if (mpfr_zero_p(e))
            mpfr_set(a, hi + i, MPFR_RNDN), mpfr_set(b, hi + i, MPFR_RNDN);
        decimal(da, sizeof da, a);
        decimal(db, sizeof db, b);
        int last = p >= VR_VEC_PRECMAX,
            zero = last && mpfr_sgn(a) <= 0 && mpfr_sgn(b) >= 0 && negligible(a) && negligible(b),
            same = last && mpfr_equal_p(lo + i, hi + i) && mpfr_min_prec(hi + i) <= p / 4;
        if (same)
            decimal(da, sizeof da, hi + i);
        else if (!zero && (vr_vec_round(a, f32) != vr_vec_round(b, f32) || strcmp(da, db))) {
            left++;
            continue;
        }
        done[i] = 1;
        v->expected[i] = zero ? 0.0 : vr_vec_round(hi + i, f32);
        if (zero)
            mpfr_set_zero(a, 1), decimal(da, sizeof da, a), v->cancelled++;
        memcpy(v->decimal[i], da, sizeof da);
    }
    mpfr_clears(e, a, b, (mpfr_ptr)0);
    return left;
}

/* ---- flags from the inputs and the results -------------------------------------------------- */

/* Values of inputs (or of the expected results: no -0.0 flag there). */
static void value_flags(unsigned *fl, const double *x, size_t n, int f32, int inputs)
{
    double small = f32 ? 0x1p-126 : 0x1p-1022, tiny = f32 ? 0x1p-100 : 0x1p-500;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(x[i]);
        *fl |= (a != 0 && a < small) << VR_VF_SUBNORMAL | (a != 0 && a < tiny) << VR_VF_TINY |
               (inputs && x[i] == 0 && signbit(x[i])) << VR_VF_NEG_ZERO;
    }
}

/* The arguments of a row of ReLUs (exact). */
static void relu_flags(unsigned *fl, mpfr_srcptr L, size_t n)
{
    int dead = 1;
    for (size_t j = 0; j < n; j++) {
        *fl |= mpfr_zero_p(L + j) << VR_VF_KINK;
        *fl |= (!mpfr_zero_p(L + j) && mpfr_get_exp(L + j) <= -20) /* |L| < 2^e */ << VR_VF_NEAR_KINK;
        dead &= mpfr_sgn(L + j) <= 0;
    }
    *fl |= dead << VR_VF_DEAD_LAYER;
}

/* ln of the largest finite value, and of half the least positive one: a naive e^z is inf above
   the first and 0 below the second. */
static double ln_max(int f32)
{
    return f32 ? 88.72283905206835 : 709.782712893384;
}

static double ln_min(int f32)
{
    return f32 ? -103.97207708399179 : -745.1332191019412;
}

/* A vector of logits (exact). */
static void logit_flags(unsigned *fl, mpfr_srcptr z, size_t m, int f32)
{
    size_t imax = 0, ties = 1;
    for (size_t j = 0; j < m; j++) {
        *fl |= (mpfr_cmp_d(z + j, ln_max(f32)) > 0 || mpfr_cmp_d(z + j, -ln_max(f32)) < 0)
               << VR_VF_LARGE_LOGITS;
        int c = j ? mpfr_cmp(z + j, z + imax) : 0;
        ties = c > 0 ? 1 : ties + (j > 0 && c == 0);
        imax = c > 0 ? j : imax;
    }
    *fl |= (ties > 1) << VR_VF_TIE;
    *fl |= (mpfr_cmp_d(z + imax, ln_max(f32)) > 0 || mpfr_cmp_d(z + imax, ln_min(f32)) < 0)
           << VR_VF_OVERFLOW_NAIVE;
}

/* Precisions at which dense is exact (props/chain_rule.c's argument): one layer of doubles needs
   2061 + 2148 bits; a network's layer l adds at most 1074 bits below and 14 above for the
   generator's values (|x| < 2^11), so six layers of them stay within 8192. */
enum { EXACT_DENSE = 4224, EXACT_NET = 8192 };

static mpfr_ptr mp_vec(dp_mpws *ws, const double *x, size_t n)
{
    mpfr_ptr v = dp_mpws_push(ws, n);
    for (size_t i = 0; v != NULL && i < n; i++)
        mpfr_set_d(v + i, x[i], MPFR_RNDN);
    return v;
}

/* The logits of the SoftMax ops, the ReLU arguments of dense_relu_backward and of every hidden
   layer of the network, and the network's logits, evaluated exactly.  DP_ENOMEM. */
static int forward_flags(unsigned *fl, const vr_call *k, int f32)
{
    dp_mpws ws;
    int net = k->op == VR_OP_NETWORK_GRADIENT, st;
    if ((st = dp_mpws_init(&ws, net ? EXACT_NET : EXACT_DENSE)) != DP_OK)
        return st;
    size_t m = k->dims[0], mo = k->dims[1];
    if (k->op == VR_OP_DENSE_RELU_BACKWARD) { /* L = y W^T + b, m -> mo */
        mpfr_ptr y = mp_vec(&ws, k->in[0], m), W = mp_vec(&ws, k->in[1], mo * m),
                 b = mp_vec(&ws, k->in[2], mo), L = dp_mpws_push(&ws, mo);
        st = y && W && b && L ? dp_dense_mp(L, y, W, b, m, mo, &ws) : DP_ENOMEM;
        if (st == DP_OK)
            relu_flags(fl, L, mo);
    } else if (!net) { /* the SoftMax ops: z is the last input */
        mpfr_ptr z = mp_vec(&ws, k->in[k->nin - 1], m);
        st = z ? DP_OK : DP_ENOMEM;
        if (z != NULL)
            logit_flags(fl, z, m, f32);
    }
    const size_t p = k->dims[0], *w = k->dims + 2;
    for (size_t i = 0; net && st == DP_OK && i < k->dims[1]; i++) {
        mpfr_ptr a = mp_vec(&ws, k->in[0] + i * w[0], w[0]), L;
        st = a ? DP_OK : DP_ENOMEM;
        for (size_t l = 0; st == DP_OK && l < p; l++) {
            mpfr_ptr W = mp_vec(&ws, k->in[2 + 2 * l], w[l + 1] * w[l]),
                     b = mp_vec(&ws, k->in[3 + 2 * l], w[l + 1]);
            L = dp_mpws_push(&ws, w[l + 1]);
            st = W && b && L ? dp_dense_mp(L, a, W, b, w[l], w[l + 1], &ws) : DP_ENOMEM;
            if (st == DP_OK && l + 1 < p) {
                relu_flags(fl, L, w[l + 1]);
                st = dp_relu_mp(L, L, w[l + 1], &ws);
                a = L;
            } else if (st == DP_OK) {
                logit_flags(fl, L, w[p], f32);
            }
        }
    }
    dp_mpws_clear(&ws);
    return st;
}

static int flags_of(unsigned *fl, const vr_call *k, int f32, const vr_vector *v, mpfr_srcptr ref,
                    int under)
{
    double u = f32 ? VR_U_FLOAT : VR_U_DOUBLE, eta = f32 ? 0x1p-149 : 0x1p-1074;
    *fl = 0;
    for (size_t i = 0; i < k->nin; i++)
        value_flags(fl, k->in[i], k->inlen[i], f32, 1);
    value_flags(fl, v->expected, v->q, f32, 0);
    for (size_t i = 0; i < v->q; i++) {
        double x = v->expected[i], b = v->bound[i];
        *fl |= (x != 0 && b > 0x1p10 * u * fabs(x) && b > 0x1p10 * eta) << VR_VF_CANCELLATION;
        *fl |= (v->cancelled > 0) << VR_VF_CANCELLATION;
        *fl |= (x == 0 && (!mpfr_zero_p(ref + i) || under)) << VR_VF_UNDERFLOW;
        *fl |= (isinf(x) != 0) << VR_VF_OVERFLOW;
    }
    for (size_t i = 0; i < k->ndims; i++)
        *fl |= (k->dims[i] == 1 && (k->op != VR_OP_NETWORK_GRADIENT || i >= 2)) << VR_VF_M1;
    if (k->op == VR_OP_NETWORK_GRADIENT)
        *fl |= (k->dims[0] >= 3) << VR_VF_DEEP;
    if (k->op == VR_OP_RELU || k->op == VR_OP_RELU_JACOBIAN) {
        for (size_t j = 0; j < k->dims[0]; j++)
            *fl |= (k->in[0][j] == 0) << VR_VF_KINK |
                   (k->in[0][j] != 0 && fabs(k->in[0][j]) < 0x1p-20) << VR_VF_NEAR_KINK;
    } else if (k->op == VR_OP_SOFTMAX || k->op == VR_OP_SOFTMAX_JACOBIAN ||
               k->op == VR_OP_SOFTMAX_CCE_GRADIENT || k->op == VR_OP_DENSE_RELU_BACKWARD ||
               k->op == VR_OP_NETWORK_GRADIENT) {
        return forward_flags(fl, k, f32);
    }
    return DP_OK;
}

/* ---- the comment ------------------------------------------------------------------------------ */

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void comment_of(char *buf, size_t len, const vr_call *k, unsigned fl, int f32)
{
    static const char *const phrase[VR_VF_N] = {
        "a ReLU argument exactly 0 (ReLU'(0) = 0)", "a ReLU argument within 2^-20 of 0",
        "a layer with every ReLU off", NULL, "where a naive sum of e^z overflows or vanishes",
        "tied maximal logits", "an entry far smaller than the terms it comes from",
        "subnormal values", "tiny inputs", "an exact result that rounds to 0",
        "an exact result beyond the precision's range", "an input -0.0", NULL, NULL};
    size_t m = k->dims[0], mo = k->dims[1], n;
    switch (k->op) {
    case VR_OP_RELU: n = (size_t)snprintf(buf, len, "ReLU of %zu value%s", m, plural(m, "", "s")); break;
    case VR_OP_RELU_JACOBIAN:
        n = (size_t)snprintf(buf, len, "ReLU's Jacobian at %zu value%s", m, plural(m, "", "s"));
        break;
    case VR_OP_SOFTMAX:
        n = (size_t)snprintf(buf, len, "SoftMax of %zu logit%s", m, plural(m, "", "s"));
        break;
    case VR_OP_SOFTMAX_JACOBIAN:
        n = (size_t)snprintf(buf, len, "SoftMax's Jacobian at %zu logit%s", m, plural(m, "", "s"));
        break;
    case VR_OP_CCE:
        n = (size_t)snprintf(buf, len, "cross-entropy of a one-hot label against %zu "
                             "probabilit%s", m, plural(m, "y", "ies"));
        break;
    case VR_OP_CCE_GRADIENT:
        n = (size_t)snprintf(buf, len, "cross-entropy's gradient in y, %zu class%s", m,
                             plural(m, "", "es"));
        break;
    case VR_OP_SOFTMAX_CCE_GRADIENT:
        n = (size_t)snprintf(buf, len, "S(z) - yhat, the gradient of cross-entropy after "
                             "SoftMax, %zu class%s", m, plural(m, "", "es"));
        break;
    case VR_OP_DENSE:
    case VR_OP_DENSE_RELU_BACKWARD:
        n = (size_t)snprintf(buf, len, "%s from %zu input%s to %zu unit%s",
                             k->op == VR_OP_DENSE ? "dense layer y W^T + b"
                                                  : "partials of F_up o ReLU o L",
                             m, plural(m, "", "s"), mo, plural(mo, "", "s"));
        break;
    default: {
        n = (size_t)snprintf(buf, len, "%zu-layer network's global loss and gradient, %zu "
                             "sample%s, widths %zu", m, mo, plural(mo, "", "s"), k->dims[2]);
        for (size_t l = 1; l <= m && n < len; l++)
            n += (size_t)snprintf(buf + n, len - n, "-%zu", k->dims[2 + l]);
    }
    }
    const char *sep = ": ";
    if (fl & 1u << VR_VF_LARGE_LOGITS && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%sa logit beyond +-%s", sep,
                              f32 ? "88.7" : "709.8"), sep = ", ";
    for (int f = 0; f < VR_VF_N && n < len; f++)
        if (fl & 1u << f && phrase[f] != NULL)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, phrase[f]), sep = ", ";
    if (n + 1 < len)
        buf[n] = '.', buf[n + 1] = '\0';
}

/* ---- one case ---------------------------------------------------------------------------------- */

void vr_vector_clear(vr_vector *v)
{
    free(v->expected);
    free(v->decimal);
    free(v->bound);
    memset(v, 0, sizeof *v);
}

int vr_vector_derive(vr_vector *v, const vr_call *k, int f32)
{
    memset(v, 0, sizeof *v);
    size_t q = v->q = k->q;
    v->expected = calloc(q, sizeof *v->expected);
    v->decimal = calloc(q, sizeof *v->decimal);
    v->bound = calloc(q, sizeof *v->bound);
    char *done = calloc(q, 1);
    if (!v->expected || !v->decimal || !v->bound || !done) {
        free(done);
        return DP_ENOMEM;
    }
    dp_mpws ws[2] = {{0}, {0}};
    mpfr_ptr ref[2] = {NULL, NULL};
    mpfr_prec_t p = VR_VEC_PREC0;
    int cur = 0, under = 0, exact = 0, st = reference_at(&ws[0], &ref[0], &under, &exact, k, p);
    /* the bound from the first reference, as `dnnproof check` takes it from its own */
    if (st == DP_OK)
        st = vr_abi_bound(v->bound, k, ref[0], f32);
    size_t left = st == DP_OK && exact ? confirm(v, done, ref[0], ref[0], p, f32, 1) : q;
    while (st == DP_OK && left > 0 && p < VR_VEC_PRECMAX) {
        p *= 2;
        dp_mpws_clear(&ws[1 - cur]);
        if ((st = reference_at(&ws[1 - cur], &ref[1 - cur], &under, &exact, k, p)) != DP_OK)
            break;
        left = confirm(v, done, ref[cur], ref[1 - cur], p, f32, exact);
        cur = 1 - cur;
    }
    v->prec = p;
    v->decided = st == DP_OK && left == 0;
    if (st == DP_OK)
        st = flags_of(&v->flags, k, f32, v, ref[cur], under);
    if (st == DP_OK)
        comment_of(v->comment, sizeof v->comment, k, v->flags, f32);
    dp_mpws_clear(&ws[0]);
    dp_mpws_clear(&ws[1]);
    free(done);
    return st;
}

