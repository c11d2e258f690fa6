/* fd.c -- finite differences in MPFR: difference quotients on exact power-of-two steps,
   Richardson's tableau with Ridders' error estimate, and the checks built on them (agreement,
   drill-down, the precision ladder).  docs/finite-differences.md has the method and the numbers. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include "fd.h"

/* ---- the noise of F ----------------------------------------------------------------------------
   The quotients' rounding error comes from F's values.  Two measures of it, the larger wins:
   - a floor: F rounds each value at p = ws->prec after a few roundings of its own, so its
     relative error is at least of the order of eta = 2^(VF_ETA_LOG2 - p) (4 half-ulps), even
     where it happens to be exact at the points sampled below;
   - a measurement: F at the first row's points, evaluated again at p + VF_NOISE_GUARD bits,
     differs from F at p by F's actual rounding error there (to within 2^-VF_NOISE_GUARD of it).
     F's rounding can be far above eta when F cancels inside (x e^x - x near 0: the error is
     2^-p |x|, not 2^-p |F| = 2^-p x^2), which no floor proportional to |F| can know.  The error
     varies from point to point; the largest of the two samples, times VF_NOISE_C = 4, stands
     for its maximum over the tableau's points (with errors spread evenly over their range, two
     samples both fall below a quarter of it with probability 1/16, and then the tableau's own
     differences, which also show the noise, still stand).
   The quotient (F(x+h) - F(x-h)) / 2h carries at most (noise(x+h) + noise(x-h)) / 2h, and each
   extrapolation A = (r A_fine - A_coarse) / (r - 1) at most (r n_fine + n_coarse) / (r - 1). */
#define VF_ETA_LOG2 2
#define VF_NOISE_GUARD 32
#define VF_NOISE_C 4

/* The stop: once past the rule's K+1 rows, an output whose best error has not improved for
   VF_PATIENCE rows in a row is done: its steps have entered the noise, which only grows as they
   shrink.  (Numerical Recipes' dfridr stops at the first row whose diagonal is worse; here the
   first rows may be far too coarse for a map whose scale is smaller than the rule assumes, and
   their garbage reaches every diagonal entry, so the diagonal cannot be the judge.)
   VF_EXTRA_ROWS: rows allowed beyond the K+1 that the rule needs, each halving the step again.
   VF_RESTARTS: a map that varies on a much smaller scale than the rule assumes (1/x at 1e-6,
   whose scale is 1e-6, not 1) leaves every entry of the tableau poor.  An output whose best
   error is still above 2^(-p/2) |F| / s (|F| the largest value met, s the line's scale: fewer
   bits than even a plain quotient's 2p/3) starts a new tableau whose first step is the previous
   one's last, at most VF_RESTARTS times; each searches K + VF_EXTRA_ROWS halvings further. */
#define VF_PATIENCE 2
#define VF_EXTRA_ROWS 4
#define VF_RESTARTS 4

/* Steps are 2^e.  F varies on a scale no smaller than min(1, |x_j|) (log at 1e-30 on 1e-30);
   a step this far below that is below the noise at any precision (the quotient would be pure
   rounding), so the search for a step inside F's domain and the restarts stop there. */
#define VF_STEP_FLOOR(p) ((long)(p) + 2)

/* ---- exact perturbations --------------------------------------------------------------------- */

/* Exponent of the last significant bit of a nonzero y (|y| = m 2^this, m odd). */
static long last_bit(mpfr_srcptr y)
{
    return (long)mpfr_get_exp(y) - (long)mpfr_min_prec(y);
}

/* y = a + s 2^e b exactly (b NULL stands for 1; s in {-1, 0, +1}): y's precision is set to what
   the exact sum needs, from the higher leading bit (plus a carry) down to the lower last bit. */
static int exact_shift(mpfr_ptr y, mpfr_srcptr a, int s, long e, mpfr_srcptr b)
{
    if (s == 0 || (b != NULL && mpfr_zero_p(b))) {
        mpfr_prec_t pa = mpfr_zero_p(a) ? MPFR_PREC_MIN : (mpfr_prec_t)mpfr_min_prec(a);
        mpfr_set_prec(y, pa < MPFR_PREC_MIN ? MPFR_PREC_MIN : pa);
        mpfr_set(y, a, MPFR_RNDN); /* exact: y holds every significant bit of a */
        return DP_OK;
    }
    long et = (b != NULL ? (long)mpfr_get_exp(b) : 1) + e; /* |t| < 2^et, t = s 2^e b */
    long lt = b != NULL ? last_bit(b) + e : e;
    long hi = et, lo = lt;
    if (!mpfr_zero_p(a)) {
        hi = (long)mpfr_get_exp(a) > hi ? (long)mpfr_get_exp(a) : hi;
        lo = last_bit(a) < lo ? last_bit(a) : lo;
    }
    long need = hi + 1 - lo;
    if (need < MPFR_PREC_MIN)
        need = MPFR_PREC_MIN;
    if (need > MPFR_PREC_MAX)
        return DP_EDOMAIN;
    mpfr_set_prec(y, (mpfr_prec_t)need);
    if (b == NULL)
        mpfr_set_si_2exp(y, 1, e, MPFR_RNDN);
    else if (mpfr_mul_2si(y, b, e, MPFR_RNDN) != 0)
        return DP_EDOMAIN; /* 2^e b out of MPFR's exponent range */
    if (s < 0)
        mpfr_neg(y, y, MPFR_RNDN);
    return mpfr_add(y, y, a, MPFR_RNDN) == 0 ? DP_OK : DP_EDOMAIN; /* 0: exact, as designed */
}

/* ---- the line t -> v . F(x + t u) ------------------------------------------------------------ */

typedef struct {
    const vf_map *F;
    mpfr_srcptr x;   /* the point (n) */
    mpfr_srcptr u;   /* the direction (n), or NULL for the coordinate j */
    mpfr_srcptr v;   /* output weights (q), or NULL: the line has m = q outputs */
    size_t j, m;
    dp_mpws *ws;     /* the working precision p */
    dp_mpws *hi;     /* p + VF_NOISE_GUARD, for the noise measurement */
    mpfr_ptr xs;     /* n: the perturbed point, every entry at the precision that holds it */
} line;

/* Copies x into xs exactly (each entry re-precisioned); line_close gives xs back at ws->prec,
   as the workspace's temporaries must be. */
static void line_open(line *L)
{
    for (size_t k = 0; k < L->F->n; k++)
        exact_shift(L->xs + k, L->x + k, 0, 0, NULL);
}

static void line_close(line *L)
{
    for (size_t k = 0; k < L->F->n; k++)
        mpfr_set_prec(L->xs + k, L->ws->prec);
}

/* g (m) = the line's values at t = s 2^e, computed by F on the workspace w (ws or hi) into fq
   (q temporaries of w); mag (m, may be NULL) = their size for the noise floor: |F_o|, or with
   weights sum_i |v_i F_i| (1 + q 2^-VF_ETA_LOG2), the factor for the dot product's q roundings. */
static int line_eval(mpfr_ptr g, mpfr_ptr mag, line *L, int s, long e, mpfr_ptr fq, dp_mpws *w)
{
    const vf_map *F = L->F;
    int st = DP_OK;
    if (L->u == NULL)
        st = exact_shift(L->xs + L->j, L->x + L->j, s, e, NULL);
    else
        for (size_t k = 0; st == DP_OK && k < F->n; k++)
            st = exact_shift(L->xs + k, L->x + k, s, e, L->u + k);
    if (st != DP_OK)
        return st;
    dp_mpmark mk = dp_mpws_mark(w);
    st = F->f(fq, L->xs, F->ctx, w);
    dp_mpws_release(w, mk);
    if (L->u == NULL) /* put x_j back, for the next column */
        exact_shift(L->xs + L->j, L->x + L->j, 0, 0, NULL);
    if (st != DP_OK)
        return st;
    for (size_t i = 0; i < F->q; i++)
        if (!mpfr_number_p(fq + i))
            return DP_EDOMAIN;
    if (L->v == NULL) {
        for (size_t o = 0; o < F->q; o++) {
            mpfr_set(g + o, fq + o, MPFR_RNDN);
            if (mag != NULL)
                mpfr_abs(mag + o, fq + o, MPFR_RNDU);
        }
        return DP_OK;
    }
    mpfr_set_zero(g, +1);
    for (size_t i = 0; i < F->q; i++)
        mpfr_fma(g, L->v + i, fq + i, g, MPFR_RNDN);
    if (mag == NULL)
        return DP_OK;
    mpfr_set_zero(mag, +1);
    for (size_t i = 0; i < F->q; i++) {
        mpfr_mul(fq + i, L->v + i, fq + i, MPFR_RNDA);
        mpfr_abs(fq + i, fq + i, MPFR_RNDU);
        mpfr_add(mag, mag, fq + i, MPFR_RNDU);
    }
    mpfr_mul_d(mag, mag, 1.0 + ldexp((double)F->q, -VF_ETA_LOG2), MPFR_RNDU);
    return DP_OK;
}

/* ---- the step rules ----------------------------------------------------------------------------
   Write s for the scale of the coordinate (2^sexp <= max(1, |x_j|) < 2^(sexp+1)), on which F is
   assumed to vary: its Taylor coefficients at x decay like s^-k.  p' = p - VF_ETA_LOG2 is the
   number of bits of F's values (the noise is eta |F| = 2^-p' |F|).

   Plain central difference: error h^2 |F'''| / 6 + eta |F| / h, least at h = (3 eta)^(1/3) s:
   h = 2^(-p/3) s, rounded to a power of two; about 2p/3 bits.
   Plain one-sided difference: error h |F''| / 2 + 2 eta |F| / h, least at h = 2^(-p/2) s.

   Richardson, central, K levels on h_i = h0 2^-i (i = 0..K).  The tableau's A[K][K] is
   the polynomial in h^2 through the K+1 quotients, evaluated at h = 0; its truncation error is
   c_(K+1) prod_i h_i^2 = c h0^(2K+2) 2^-(K(K+1)), with |c_(K+1)| ~ |F| / s^(2K+3).  Its rounding
   error is dominated by the finest quotient, eta |F| 2^K / h0 (the weights sum to less than 2).
   With t = h0 / s:
       E(t) ~ (|F| / s) (t^(2K+2) 2^-(K(K+1)) + 2^-p' 2^K / t),
   dE/dt = 0 at (2K+2) t^(2K+3) = 2^-p' 2^(K(K+1) + K), i.e.
       log2 t = (K^2 + 2K - log2(2K+2) - p') / (2K+3),
   and there E ~ (|F| / s) 2^-p' 2^K / t, so the bits are
       p' (2K+2)/(2K+3) - K + (K^2 + 2K - log2(2K+2)) / (2K+3).
   K = 1 gives h0 = 2^-(p/5) s and 4p/5 bits (102 at p = 128, 205 at 256); K = 3 gives
   h0 = 2^-(p/9) s times 2^(12/9) and 8p/9 - 2 bits.  Each level adds 2p'/((2K+3)(2K+5)) bits
   from the exponent and costs about 1/2 bit in the constants, so levels pay until
   (2K+4)^2 ~ 4p', K ~ sqrt(p') - 2; well before that the scale assumption is what fails (log
   at 0.01 does not vary on a scale of 1, and a larger K means a larger h0), so K grows only as
   sqrt(p)/2 + 1, capped at 8, and the rows after the (K+1)th let the tableau find a smaller
   step where F needs one.

   Richardson, one-sided, K levels: the expansion is in h, not h^2: truncation
   c h0^(K+1) 2^-(K(K+1)/2), rounding (weights summing to about 8) 8 eta |F| 2^K / h0, least at
       log2 t = (K(K+1)/2 + K + 3 - log2(K+1) - p') / (K+2),
   bits about p' (K+1)/(K+2) - K/2 - 3; levels pay until K ~ sqrt(p), and are capped at 14. */

static int levels_central(mpfr_prec_t p)
{
    double k = floor(sqrt((double)p) / 2) + 1;
    return k > 8 ? 8 : (int)k;
}

static int levels_one_sided(mpfr_prec_t p)
{
    double k = floor(sqrt((double)p)) - 1;
    return k > 14 ? 14 : (int)k;
}

/* The exponent of the first row's step, relative to the scale: round(log2 t) from above.  For
   the plain quotients it is the step h of the rule (the caller adds the coarser row 2h). */
static long first_step(int central, int plain, int K, mpfr_prec_t p)
{
    double pp = (double)p - VF_ETA_LOG2, t;
    if (plain)
        return central ? -lround((double)p / 3) : -(long)((p + 1) / 2);
    if (central)
        t = (K * K + 2.0 * K - log2(2.0 * K + 2) - pp) / (2.0 * K + 3);
    else
        t = (K * (K + 1) / 2.0 + K + 3 - log2(K + 1.0) - pp) / (K + 2.0);
    return lround(t);
}

/* 2^sexp <= max(1, |y|): the exponent of a coordinate's scale. */
static long scale_exp(mpfr_srcptr y)
{
    if (mpfr_zero_p(y) || mpfr_get_exp(y) < 1)
        return 0;
    return (long)mpfr_get_exp(y) - 1;
}

/* 2^e <= min(1, |y|) < 2^(e+1) (e = 0 for y = 0): the exponent of a coordinate's magnitude
   where it is below 1. */
static long small_exp(mpfr_srcptr y)
{
    if (mpfr_zero_p(y) || mpfr_get_exp(y) >= 1)
        return 0;
    return (long)mpfr_get_exp(y) - 1;
}

/* The scale of t on the line x + t u: the least over coordinates of max(1, |x_k|) / |u_k|, where
   the perturbation first reaches a coordinate's own scale.  With small, the same for
   min(1, |x_k|) / |u_k|: F may vary on the scale of |x_k| itself, never below it. */
static long line_exp(const line *L, int small)
{
    long (*ex)(mpfr_srcptr) = small ? small_exp : scale_exp;
    if (L->u == NULL)
        return ex(L->x + L->j);
    long best = LONG_MAX;
    for (size_t k = 0; k < L->F->n; k++) {
        if (mpfr_zero_p(L->u + k))
            continue;
        long ek = ex(L->x + k) - ((long)mpfr_get_exp(L->u + k) - 1);
        best = ek < best ? ek : best;
    }
    return best == LONG_MAX ? 0 : best;
}

/* ---- the tableau ----------------------------------------------------------------------------- */

enum { SIDE_LEFT = -1, SIDE_CENTRAL = 0, SIDE_RIGHT = 1 };

/* One derivation: the line, its side, and its scratch (m = L->m entries each unless said). */
typedef struct {
    line *L;
    int side, plain, K, R;           /* R: the rows of one tableau */
    mpfr_ptr fq, fqh;                /* q: F's values at p and at p + VF_NOISE_GUARD */
    mpfr_ptr gp, gm, g0, mp, mm, m0; /* values and sizes at +h, -h, 0 */
    mpfr_ptr gh;                     /* values at p + VF_NOISE_GUARD */
    mpfr_ptr nu;                     /* F's measured rounding error (absolute), times VF_NOISE_C */
    mpfr_ptr fmax;                   /* the largest size met */
    mpfr_ptr A0, A1, N0, N1;         /* R m each: two rows of the tableau and of its noise bounds,
                                        entry (k, o) at [k m + o] */
    mpfr_ptr best, berr, idle;       /* the chosen entry, its error, rows since it improved */
    mpfr_ptr t;                      /* 2 scalars */
} deriv;

/* The first column at step 2^e from the values in gp/gm/g0: D (m) the quotients, N (m) their
   noise bounds. */
static void first_column(mpfr_ptr D, mpfr_ptr N, deriv *Q, long e)
{
    mpfr_srcptr hi = Q->side >= 0 ? Q->gp : Q->g0, lo = Q->side <= 0 ? Q->gm : Q->g0;
    mpfr_srcptr mh = Q->side >= 0 ? Q->mp : Q->m0, ml = Q->side <= 0 ? Q->mm : Q->m0;
    long shift = Q->side == 0 ? -(e + 1) : -e; /* divide by 2h or by h, exactly */
    for (size_t o = 0; o < Q->L->m; o++) {
        mpfr_sub(D + o, hi + o, lo + o, MPFR_RNDN);
        mpfr_mul_2si(D + o, D + o, shift, MPFR_RNDN);
        mpfr_add(N + o, mh + o, ml + o, MPFR_RNDU);
        mpfr_mul_2si(N + o, N + o, VF_ETA_LOG2 - (long)Q->L->ws->prec, MPFR_RNDU);
        mpfr_mul_2si(Q->t, Q->nu + o, 1, MPFR_RNDU); /* two points' measured noise */
        mpfr_max(N + o, N + o, Q->t, MPFR_RNDU);
        mpfr_mul_2si(N + o, N + o, shift, MPFR_RNDU);
        mpfr_max(Q->fmax + o, Q->fmax + o, mh + o, MPFR_RNDU);
        mpfr_max(Q->fmax + o, Q->fmax + o, ml + o, MPFR_RNDU);
    }
}

/* Evaluates the line at the side's points +-2^e and fills the first column. */
static int quotients(mpfr_ptr D, mpfr_ptr N, deriv *Q, long e)
{
    line *L = Q->L;
    int st = DP_OK;
    if (Q->side >= 0)
        st = line_eval(Q->gp, Q->mp, L, +1, e, Q->fq, L->ws);
    if (st == DP_OK && Q->side <= 0)
        st = line_eval(Q->gm, Q->mm, L, -1, e, Q->fq, L->ws);
    if (st == DP_OK)
        first_column(D, N, Q, e);
    return st;
}

/* nu = VF_NOISE_C max |g - g_hi| over the side's points at step 2^e, whose values at p are in
   gp/gm (a one-sided quotient's g0 is one value for every row: its error is measured too). */
static int measure_noise(deriv *Q, long e)
{
    line *L = Q->L;
    for (int s = -1; s <= 1; s++) {
        if ((s == 0 && Q->side == 0) || (s != 0 && Q->side == -s))
            continue;
        mpfr_srcptr g = s > 0 ? Q->gp : s < 0 ? Q->gm : Q->g0;
        int st = line_eval(Q->gh, NULL, L, s, e, Q->fqh, L->hi);
        if (st != DP_OK)
            return st;
        for (size_t o = 0; o < L->m; o++) {
            mpfr_sub(Q->t, g + o, Q->gh + o, MPFR_RNDA);
            mpfr_abs(Q->t, Q->t, MPFR_RNDU);
            mpfr_mul_ui(Q->t, Q->t, VF_NOISE_C, MPFR_RNDU);
            mpfr_max(Q->nu + o, Q->nu + o, Q->t, MPFR_RNDU);
        }
    }
    return DP_OK;
}

/* err = max(|a - b|, |a - c|) + n, rounded up (c may be NULL). */
static void ridders_err(mpfr_ptr err, mpfr_srcptr a, mpfr_srcptr b, mpfr_srcptr c,
                        mpfr_srcptr n, mpfr_ptr t)
{
    mpfr_sub(err, a, b, MPFR_RNDA);
    mpfr_abs(err, err, MPFR_RNDU);
    if (c != NULL) {
        mpfr_sub(t, a, c, MPFR_RNDA);
        mpfr_abs(t, t, MPFR_RNDU);
        mpfr_max(err, err, t, MPFR_RNDU);
    }
    mpfr_add(err, err, n, MPFR_RNDU);
}

/* Extrapolates row i (A1, N1; its first column filled) from row i-1 (A0, N0) for output o; if
   compete, its entries compete for the best.  Returns 1 if the best improved. */
static int extrapolate(deriv *Q, int i, size_t o, int compete)
{
    size_t m = Q->L->m;
    int improved = 0;
    for (int k = 1; k <= i; k++) {
        double r = ldexp(1.0, Q->side == 0 ? 2 * k : k); /* h^2 or h halved: 4^k or 2^k */
        mpfr_ptr a = Q->A1 + k * m + o, al = Q->A1 + (k - 1) * m + o;
        mpfr_ptr ad = Q->A0 + (k - 1) * m + o, na = Q->N1 + k * m + o;
        mpfr_sub(Q->t, al, ad, MPFR_RNDN);
        mpfr_div_d(Q->t, Q->t, r - 1, MPFR_RNDN);
        mpfr_add(a, al, Q->t, MPFR_RNDN);
        mpfr_mul_d(na, Q->N1 + (k - 1) * m + o, r, MPFR_RNDU);
        mpfr_add(na, na, Q->N0 + (k - 1) * m + o, MPFR_RNDU);
        mpfr_div_d(na, na, r - 1, MPFR_RNDU);
        if (!compete)
            continue; /* the row is still built: later columns extrapolate from it */
        ridders_err(Q->t, a, al, ad, na, Q->t + 1);
        if (mpfr_lessequal_p(Q->t, Q->berr + o)) {
            mpfr_set(Q->berr + o, Q->t, MPFR_RNDU);
            mpfr_set(Q->best + o, a, MPFR_RNDN);
            improved = 1;
        }
    }
    return improved;
}

/* Rows 1..R-1 below row 0 (in A0, N0) at steps 2^(e - i); *rows receives the number of rows
   built, row 0 included, and the last of them is left in A0, N0.  Outputs whose idle count has
   reached VF_PATIENCE take no part. */
static int tableau(deriv *Q, long e, int *rows)
{
    size_t m = Q->L->m;
    int st = DP_OK, i;
    for (i = 1; i < Q->R; i++) {
        if ((st = quotients(Q->A1, Q->N1, Q, e - i)) != DP_OK)
            break;
        size_t active = 0;
        for (size_t o = 0; o < m; o++) {
            if (Q->plain) { /* the quotient at the finer step h, against the coarser 2h */
                ridders_err(Q->berr + o, Q->A1 + o, Q->A0 + o, NULL, Q->N1 + o, Q->t);
                mpfr_mul_2si(Q->berr + o, Q->berr + o, Q->side == 0 ? 0 : 1, MPFR_RNDU);
                mpfr_set(Q->best + o, Q->A1 + o, MPFR_RNDN);
                continue;
            }
            int done = mpfr_cmp_ui(Q->idle + o, VF_PATIENCE) >= 0;
            int improved = extrapolate(Q, i, o, !done);
            if (done)
                continue;
            if (improved || i <= Q->K)
                mpfr_set_ui(Q->idle + o, 0, MPFR_RNDN);
            else
                mpfr_add_ui(Q->idle + o, Q->idle + o, 1, MPFR_RNDN);
            active += mpfr_cmp_ui(Q->idle + o, VF_PATIENCE) < 0;
        }
        mpfr_ptr s = Q->A0; /* the new row becomes the previous one */
        Q->A0 = Q->A1;
        Q->A1 = s;
        s = Q->N0;
        Q->N0 = Q->N1;
        Q->N1 = s;
        if (!Q->plain && active == 0) {
            i++;
            break;
        }
    }
    *rows = i;
    return st;
}

/* Outputs still poor after a tableau (see VF_RESTARTS) get idle 0, the others VF_PATIENCE;
   returns how many are poor. */
static size_t mark_poor(deriv *Q, long sexp)
{
    size_t poor = 0;
    for (size_t o = 0; o < Q->L->m; o++) {
        mpfr_mul_2si(Q->t, Q->fmax + o, -(long)(Q->L->ws->prec / 2) - sexp, MPFR_RNDN);
        int bad = mpfr_greater_p(Q->berr + o, Q->t);
        mpfr_set_ui(Q->idle + o, bad ? 0 : VF_PATIENCE, MPFR_RNDN);
        poor += bad;
    }
    return poor;
}

/* log2(a / b) for a, b > 0 of any size MPFR holds, as a double (t: a scratch scalar). */
static double log2_ratio(mpfr_srcptr a, mpfr_srcptr b, mpfr_ptr t)
{
    mpfr_div(t, a, b, MPFR_RNDN);
    mpfr_log2(t, t, MPFR_RNDN);
    return mpfr_get_d(t, MPFR_RNDN);
}

/* What an estimate claims: -log2(err / max(|val|, err)) in [0, p]; p when err = 0. */
static double claimed_bits(mpfr_srcptr val, mpfr_srcptr err, mpfr_prec_t p, mpfr_ptr t)
{
    if (mpfr_zero_p(err))
        return (double)p;
    if (mpfr_cmpabs(val, err) <= 0)
        return 0.0;
    mpfr_abs(t, val, MPFR_RNDN);
    double b = log2_ratio(t, err, t);
    return b > (double)p ? (double)p : b;
}

/* Pushes a derivation's scratch on ws (and on hi). */
static int deriv_push(deriv *Q, line *L, int side, vf_method method)
{
    mpfr_prec_t p = L->ws->prec;
    size_t m = L->m, n = L->F->n, q = L->F->q;
    Q->L = L;
    Q->side = side;
    Q->plain = method == VF_PLAIN;
    Q->K = side == 0 ? levels_central(p) : levels_one_sided(p);
    Q->R = Q->plain ? 2 : Q->K + 1 + VF_EXTRA_ROWS;
    size_t R = (size_t)Q->R;
    mpfr_ptr b = dp_mpws_push(L->ws, n + q + 11 * m + 4 * R * m + 2);
    mpfr_ptr h = dp_mpws_push(L->hi, q + m);
    if (b == NULL || h == NULL)
        return DP_ENOMEM;
    L->xs = b;
    Q->fq = b + n;
    b += n + q;
    Q->fqh = h;
    Q->gh = h + q;
    mpfr_ptr *v[] = {&Q->gp, &Q->gm, &Q->g0, &Q->mp, &Q->mm, &Q->m0, &Q->nu, &Q->fmax,
                     &Q->best, &Q->berr, &Q->idle};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        *v[k] = b + k * m;
    b += sizeof v / sizeof v[0] * m;
    Q->A0 = b;
    Q->A1 = b + R * m;
    Q->N0 = b + 2 * R * m;
    Q->N1 = b + 3 * R * m;
    Q->t = b + 4 * R * m;
    for (size_t o = 0; o < m; o++) {
        mpfr_set_zero(Q->nu + o, +1);
        mpfr_set_zero(Q->fmax + o, +1);
        mpfr_set_inf(Q->berr + o, +1);
        mpfr_set_zero(Q->best + o, +1);
        mpfr_set_ui(Q->idle + o, 0, MPFR_RNDN);
    }
    return DP_OK;
}

/* The derivative of the line at 0 for each of its m outputs, into out with stride.
   Extrapolated: rows i = 0..R-1 at steps 2^(e0 - i), columns k = 1..i of Richardson in h^2
   (central) or h (one-sided); per output, the entry of least Ridders error wins (the larger
   change from its two parents, plus its noise bound); poor outputs restart further down.
   Plain: the quotient at the rule's step h, its error |D(h) - D(2h)| (three times the
   asymptotic error c h^2 of a central D(h); for a one-sided D(h), whose error c h equals the
   difference, twice it) plus the noise bound. */
static int derive(vf_est out, size_t stride, line *L, int side, vf_method method)
{
    dp_mpws *ws = L->ws;
    mpfr_prec_t p = ws->prec;
    dp_mpmark mk = dp_mpws_mark(ws), mkh = dp_mpws_mark(L->hi);
    deriv Q;
    int st = deriv_push(&Q, L, side, method);
    if (st != DP_OK) {
        dp_mpws_release(ws, mk);
        dp_mpws_release(L->hi, mkh);
        return st;
    }
    long sexp = line_exp(L, 0);
    long e = sexp + first_step(side == 0, Q.plain, Q.K, p) + (Q.plain ? 1 : 0);
    long efloor = line_exp(L, 1) - VF_STEP_FLOOR(p);

    line_open(L);
    if (side != 0)
        st = line_eval(Q.g0, Q.m0, L, 0, 0, Q.fq, ws);
    while (st == DP_OK) {
        st = quotients(Q.A0, Q.N0, &Q, e);
        if (st != DP_EDOMAIN || e <= efloor)
            break;
        /* F is undefined within 2^e of x (log near 0): its scale is below 2^e, not the rule's
           max(1, |x_j|).  The rule is applied again at the scale 2^(e-1). */
        st = DP_OK;
        sexp = e - 1;
        e = sexp + first_step(side == 0, Q.plain, Q.K, p) + (Q.plain ? 1 : 0);
    }
    if (st == DP_OK && (st = measure_noise(&Q, e)) == DP_OK)
        first_column(Q.A0, Q.N0, &Q, e); /* again, with the measured noise */
    for (int restart = 0; st == DP_OK; restart++) {
        int rows;
        st = tableau(&Q, e, &rows);
        e -= rows - 1; /* the last row, left in A0/N0, is the next tableau's first */
        if (st != DP_OK || Q.plain || restart == VF_RESTARTS || e <= efloor ||
            mark_poor(&Q, sexp) == 0)
            break;
    }
    line_close(L);
    for (size_t o = 0; st == DP_OK && o < L->m; o++) {
        /* the final rounding of the value at p: half an ulp, 2^-p |val| */
        mpfr_abs(Q.t, Q.best + o, MPFR_RNDU);
        mpfr_mul_2si(Q.t, Q.t, -(long)p, MPFR_RNDU);
        mpfr_add(Q.berr + o, Q.berr + o, Q.t, MPFR_RNDU);
        mpfr_set(out.val + o * stride, Q.best + o, MPFR_RNDN);
        mpfr_set(out.err + o * stride, Q.berr + o, MPFR_RNDU);
        if (out.bits != NULL)
            out.bits[o * stride] = claimed_bits(Q.best + o, Q.berr + o, p, Q.t);
    }
    dp_mpws_release(ws, mk);
    dp_mpws_release(L->hi, mkh);
    return st;
}

/* ---- partials, Jacobians, gradients, directional and one-sided derivatives ------------------- */

static int check_map(const vf_map *F, mpfr_srcptr x, const dp_mpws *ws)
{
    if (F == NULL || F->f == NULL || x == NULL || ws == NULL)
        return DP_EINVAL;
    if (F->n == 0 || F->q == 0)
        return DP_EDIM;
    for (size_t k = 0; k < F->n; k++)
        if (!mpfr_number_p(x + k))
            return DP_EDOMAIN;
    return DP_OK;
}

static int check_est(vf_est e)
{
    return e.val != NULL && e.err != NULL ? DP_OK : DP_EINVAL;
}

/* The workspace of the noise measurement, p + VF_NOISE_GUARD bits: one per public call, so
   that a Jacobian's columns share it.  (The caller's workspace carries one precision only.) */
static int hi_open(dp_mpws *hi, const dp_mpws *ws)
{
    int st = dp_mpws_init(hi, ws->prec + VF_NOISE_GUARD);
    if (st != DP_OK)
        dp_mpws_clear(hi);
    return st;
}

/* Column j of the Jacobian into out with stride (n for a Jacobian, 1 for a column), from the
   side given (central, left or right). */
static int column(vf_est out, size_t stride, const vf_map *F, mpfr_srcptr x, size_t j, int side,
                  vf_method m, dp_mpws *ws, dp_mpws *hi)
{
    line L = {F, x, NULL, NULL, j, F->q, ws, hi, NULL};
    return derive(out, stride, &L, side, m);
}

int vf_partial(vf_est d, const vf_map *F, mpfr_srcptr x, size_t j, vf_method m, dp_mpws *ws)
{
    int st = check_map(F, x, ws);
    if (st != DP_OK || (st = check_est(d)) != DP_OK)
        return st;
    if (j >= F->n)
        return DP_EDIM;
    dp_mpws hi;
    if ((st = hi_open(&hi, ws)) != DP_OK)
        return st;
    st = column(d, 1, F, x, j, SIDE_CENTRAL, m, ws, &hi);
    dp_mpws_clear(&hi);
    return st;
}

int vf_jacobian(vf_est J, const vf_map *F, mpfr_srcptr x, vf_method m, dp_mpws *ws)
{
    int st = check_map(F, x, ws);
    if (st != DP_OK || (st = check_est(J)) != DP_OK)
        return st;
    dp_mpws hi;
    if ((st = hi_open(&hi, ws)) != DP_OK)
        return st;
    for (size_t j = 0; st == DP_OK && j < F->n; j++) {
        vf_est col = {J.val + j, J.err + j, J.bits != NULL ? J.bits + j : NULL};
        st = column(col, F->n, F, x, j, SIDE_CENTRAL, m, ws, &hi);
    }
    dp_mpws_clear(&hi);
    return st;
}

int vf_gradient(vf_est g, const vf_map *F, mpfr_srcptr x, vf_method m, dp_mpws *ws)
{
    int st = check_map(F, x, ws);
    if (st != DP_OK || (st = check_est(g)) != DP_OK)
        return st;
    if (F->q != 1)
        return DP_EDIM;
    return vf_jacobian(g, F, x, m, ws); /* a 1 x n Jacobian is the gradient */
}

int vf_directional(vf_est d, const vf_map *F, mpfr_srcptr x, mpfr_srcptr u, mpfr_srcptr v,
                   vf_method m, dp_mpws *ws)
{
    int st = check_map(F, x, ws);
    if (st != DP_OK || (st = check_est(d)) != DP_OK)
        return st;
    if (u == NULL || (v == NULL && F->q != 1))
        return DP_EINVAL;
    for (size_t k = 0; k < F->n; k++)
        if (!mpfr_number_p(u + k))
            return DP_EDOMAIN;
    for (size_t i = 0; v != NULL && i < F->q; i++)
        if (!mpfr_number_p(v + i))
            return DP_EDOMAIN;
    dp_mpws hi;
    if ((st = hi_open(&hi, ws)) != DP_OK)
        return st;
    line L = {F, x, u, v, 0, 1, ws, &hi, NULL}; /* v NULL: q = 1, the map's one output */
    st = derive(d, 1, &L, SIDE_CENTRAL, m);
    dp_mpws_clear(&hi);
    return st;
}

int vf_one_sided(vf_est left, vf_est right, const vf_map *F, mpfr_srcptr x, size_t j,
                 vf_method m, dp_mpws *ws)
{
    int st = check_map(F, x, ws);
    if (st != DP_OK || (st = check_est(left)) != DP_OK || (st = check_est(right)) != DP_OK)
        return st;
    if (j >= F->n)
        return DP_EDIM;
    dp_mpws hi;
    if ((st = hi_open(&hi, ws)) != DP_OK)
        return st;
    st = column(left, 1, F, x, j, SIDE_LEFT, m, ws, &hi);
    if (st == DP_OK)
        st = column(right, 1, F, x, j, SIDE_RIGHT, m, ws, &hi);
    dp_mpws_clear(&hi);
    return st;
}

/* ---- agreement ---------------------------------------------------------------------------------
   VF_AGREE_C = 4: the estimate E is the larger change between neighbouring tableau entries, which
   measures the error of the less extrapolated one, so in the converging regime it exceeds the
   chosen entry's error many times over (tests/verify_fd.c checks actual <= E on every function);
   the factor 4 (2 bits) is kept for the regime where E is a noise estimate, a statistic of a few
   roundings that can fall short of the actual noise by a small factor.  A wrong formula is off by
   O(|a|), which at the bits these estimates claim (2p/3 and more) is 2^(p/2) times E or more,
   so the factor costs no power to refute.
   VF_ANALYTIC_ULPS_LOG2 = 4: the analytic value is computed at p too; 2^4 half-ulps covers the
   few roundings of a formula such as -yhat/y, S(1 - S) or a short dot product.  Callers with a
   longer computation (vf_drill's v^T A u) widen it. */

/* The comparison with an explicit allowance ea for the analytic side. */
static void compare(int *agree, double *bits, mpfr_srcptr a, mpfr_srcptr ea, mpfr_srcptr d,
                    mpfr_srcptr e, mpfr_srcptr scale, mpfr_prec_t p, mpfr_ptr t)
{
    mpfr_ptr diff = t, tol = t + 1, ref = t + 2;
    mpfr_sub(diff, a, d, MPFR_RNDA);
    mpfr_abs(diff, diff, MPFR_RNDU);
    if (agree != NULL) {
        mpfr_mul_ui(tol, e, VF_AGREE_C, MPFR_RNDD);
        mpfr_add(tol, tol, ea, MPFR_RNDD);
        *agree = mpfr_lessequal_p(diff, tol);
    }
    if (bits != NULL) {
        mpfr_abs(ref, d, MPFR_RNDN);
        if (mpfr_cmpabs(scale, ref) > 0)
            mpfr_abs(ref, scale, MPFR_RNDN);
        double b = (double)p;
        if (!mpfr_zero_p(diff))
            b = mpfr_zero_p(ref) ? 0.0 : log2_ratio(ref, diff, tol);
        *bits = b < 0 ? 0.0 : b > (double)p ? (double)p : b;
    }
}

int vf_compare(int *agree, double *bits, mpfr_srcptr a, mpfr_srcptr d, mpfr_srcptr e,
               mpfr_srcptr scale, dp_mpws *ws)
{
    if (a == NULL || d == NULL || e == NULL || scale == NULL || ws == NULL)
        return DP_EINVAL;
    if (!mpfr_number_p(a) || !mpfr_number_p(d) || !mpfr_number_p(e) || !mpfr_number_p(scale))
        return DP_EDOMAIN;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr t = dp_mpws_push(ws, 4);
    if (t == NULL)
        return DP_ENOMEM;
    mpfr_abs(t + 3, a, MPFR_RNDU);
    mpfr_mul_2si(t + 3, t + 3, VF_ANALYTIC_ULPS_LOG2 - (long)ws->prec, MPFR_RNDU);
    compare(agree, bits, a, t + 3, d, e, scale, ws->prec, t);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* ---- drill-down ------------------------------------------------------------------------------ */

/* The size an entry of row i of A (q x n) is judged against: the row's largest |A_ij|, or 1 for
   a row of zeros. */
static void row_scale(mpfr_ptr s, mpfr_srcptr A, size_t i, size_t n)
{
    mpfr_set_zero(s, +1);
    for (size_t j = 0; j < n; j++)
        if (mpfr_cmpabs(A + i * n + j, s) > 0)
            mpfr_abs(s, A + i * n + j, MPFR_RNDN);
    if (mpfr_zero_p(s))
        mpfr_set_ui(s, 1, MPFR_RNDN);
}

/* Deterministic directions with every component nonzero: |w_k| in [1/2, 1), signs mixed, exact
   at any precision (27-bit dyadic values).  Their values are unrelated to any Jacobian, so the
   contributions of several wrong entries to v^T J u cancel only by accident. */
static void default_direction(mpfr_ptr w, size_t len, uint32_t seed)
{
    uint32_t s = seed;
    for (size_t k = 0; k < len; k++) {
        s = s * 1664525u + 1013904223u; /* Numerical Recipes' LCG */
        double mag = ldexp((double)((s >> 6) | (1u << 26)), -27);
        mpfr_set_d(w + k, (s >> 3) & 1 ? -mag : mag, MPFR_RNDN);
    }
}

int vf_drill(size_t *bad, size_t *nbad, int *dir_agree, mpfr_srcptr A, const vf_map *F,
             mpfr_srcptr x, mpfr_srcptr u, mpfr_srcptr v, dp_mpws *ws)
{
    int st = check_map(F, x, ws);
    if (st != DP_OK)
        return st;
    if (bad == NULL || nbad == NULL || dir_agree == NULL || A == NULL)
        return DP_EINVAL;
    size_t n = F->n, q = F->q;
    *nbad = 0;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr w = dp_mpws_push(ws, n + q + 8);
    if (w == NULL)
        return DP_ENOMEM;
    mpfr_ptr uu = w, vv = w + n, a = w + n + q, ea = a + 1, d = a + 2, e = a + 3, t = a + 4;
    if (u != NULL)
        for (size_t k = 0; k < n; k++)
            mpfr_set(uu + k, u + k, MPFR_RNDN);
    else
        default_direction(uu, n, 0x5eed0001u);
    if (v != NULL)
        for (size_t i = 0; i < q; i++)
            mpfr_set(vv + i, v + i, MPFR_RNDN);
    else
        default_direction(vv, q, 0x5eed0002u);

    /* a = v^T A u in fused steps; ea: each of its n q fused steps rounds by at most 2^-p of the
       sum of |terms| (mag), and each A_ij carries its own 2^(VF_ANALYTIC_ULPS_LOG2 - p). */
    mpfr_set_zero(a, +1);
    mpfr_set_zero(ea, +1);
    for (size_t i = 0; i < q; i++)
        for (size_t j = 0; j < n; j++) {
            mpfr_mul(t, vv + i, uu + j, MPFR_RNDN);
            mpfr_fma(a, t, A + i * n + j, a, MPFR_RNDN);
            mpfr_mul(t, t, A + i * n + j, MPFR_RNDA);
            mpfr_abs(t, t, MPFR_RNDU);
            mpfr_add(ea, ea, t, MPFR_RNDU);
        }
    mpfr_mul_d(ea, ea, ldexp(1.0, VF_ANALYTIC_ULPS_LOG2) + 2.0 * (double)(n * q), MPFR_RNDU);
    mpfr_mul_2si(ea, ea, -(long)ws->prec, MPFR_RNDU);
    vf_est de = {d, e, NULL};
    st = vf_directional(de, F, x, uu, vv, VF_EXTRAPOLATED, ws);
    if (st == DP_OK)
        compare(dir_agree, NULL, a, ea, d, e, a, ws->prec, t);
    if (st != DP_OK || *dir_agree) {
        dp_mpws_release(ws, mk);
        return st;
    }

    /* the direction disagrees: the entrywise Jacobian, and the entries outside their tolerance */
    mpfr_ptr Jv = dp_mpws_push(ws, 2 * n * q);
    if (Jv == NULL) {
        dp_mpws_release(ws, mk);
        return DP_ENOMEM;
    }
    vf_est J = {Jv, Jv + n * q, NULL};
    st = vf_jacobian(J, F, x, VF_EXTRAPOLATED, ws);
    for (size_t i = 0; st == DP_OK && i < q; i++) {
        row_scale(t + 3, A, i, n);
        for (size_t j = 0; j < n; j++) {
            size_t ij = i * n + j;
            int ok;
            mpfr_abs(ea, A + ij, MPFR_RNDU);
            mpfr_mul_2si(ea, ea, VF_ANALYTIC_ULPS_LOG2 - (long)ws->prec, MPFR_RNDU);
            compare(&ok, NULL, A + ij, ea, J.val + ij, J.err + ij, t + 3, ws->prec, t);
            if (!ok)
                bad[(*nbad)++] = ij;
        }
    }
    dp_mpws_release(ws, mk);
    return st;
}

/* ---- the precision ladder -------------------------------------------------------------------- */

const mpfr_prec_t vf_ladder_precs[4] = {64, 128, 256, 512};

/* One rung at ws->prec. */
static int rung(vf_rung *r, const vf_problem *P, dp_mpws *ws)
{
    size_t n = P->n, q = P->q;
    mpfr_ptr x = dp_mpws_push(ws, n + 3 * n * q + 5);
    if (x == NULL)
        return DP_ENOMEM;
    mpfr_ptr A = x + n, D = A + n * q, E = D + n * q, t = E + n * q; /* t: 3 scratch, 3, 4 */
    vf_map F = {NULL, 0, 0, NULL};
    int st = P->setup(&F, x, A, P->ctx, ws);
    if (st != DP_OK)
        return st;
    if (F.n != n || F.q != q)
        return DP_EDIM;
    vf_est J = {D, E, NULL};
    if ((st = vf_jacobian(J, &F, x, VF_EXTRAPOLATED, ws)) != DP_OK)
        return st;
    r->prec = ws->prec;
    r->bits = r->claimed = (double)ws->prec;
    r->agree = 1;
    r->worst = 0;
    for (size_t i = 0; i < q; i++) {
        row_scale(t + 3, A, i, n);
        for (size_t j = 0; j < n; j++) {
            size_t ij = i * n + j;
            int ok;
            double b;
            mpfr_abs(t + 4, A + ij, MPFR_RNDU); /* the analytic allowance, as in vf_compare */
            mpfr_mul_2si(t + 4, t + 4, VF_ANALYTIC_ULPS_LOG2 - (long)ws->prec, MPFR_RNDU);
            compare(&ok, &b, A + ij, t + 4, D + ij, E + ij, t + 3, ws->prec, t);
            r->agree &= ok;
            if (b < r->bits) {
                r->bits = b;
                r->worst = ij;
            }
            double c = claimed_bits(D + ij, E + ij, ws->prec, t);
            r->claimed = c < r->claimed ? c : r->claimed;
        }
    }
    return DP_OK;
}

int vf_ladder(vf_rung *rungs, const vf_problem *P, const mpfr_prec_t *precs, size_t nprec)
{
    if (rungs == NULL || P == NULL || P->setup == NULL || (precs == NULL && nprec > 0))
        return DP_EINVAL;
    if (P->n == 0 || P->q == 0)
        return DP_EDIM;
    for (size_t r = 0; r < nprec; r++) {
        dp_mpws ws;
        int st = dp_mpws_init(&ws, precs[r]);
        if (st == DP_OK)
            st = rung(rungs + r, P, &ws);
        dp_mpws_clear(&ws);
        if (st != DP_OK)
            return st;
    }
    return DP_OK;
}
