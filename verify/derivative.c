/* derivative.c -- is a derivative statement true?  The statement's Jacobian, evaluated in MPFR at
   precision p, against Richardson-extrapolated central differences of the function at p, column
   by column, with the finite difference's own error estimate; ReLU kinks found and reported; a
   refutation confirmed at 2p; the precision ladder on request. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"

/* ---- finite differences along a coordinate -------------------------------------------------
   D(h) = (f(x + h e_j) - f(x - h e_j)) / 2h has error c1 h^2 + c2 h^4 + ...; VR_LEVELS levels of
   Richardson extrapolation on h, h/2, ... cancel the first VR_LEVELS terms, leaving
   O(h^(2 VR_LEVELS + 2)), while rounding contributes about 2^-p |f| / h.  The error estimate is
   Ridders': the larger of the last step's change and the change from the previous diagonal,
   which is of the order of the previous level's error, O(h^(2 VR_LEVELS)).  Balancing that
   estimate against rounding gives h = 2^(-p / (2 VR_LEVELS + 1)) times the coordinate's scale:
   with 3 levels 2^(-p/7), an estimate of about 6p/7 bits and an actual error below it.
   h is a power of two and the perturbed coordinate is given the precision to hold x_j +- h
   exactly, so the only roundings are the function's own. */
enum { VR_LEVELS = 3 };

/* Internal: a ReLU argument too close to 0 (but not 0) for any step; the case is undecided. */
enum { VR_ENEAR = -2 };

/* The allowed disagreement of one entry: |A - D| <= VR_FD_SAFETY E + rounding(A), E the finite
   difference's error estimate.  E is a difference of two extrapolation levels, which bounds the
   error of the better one once the sequence converges; the factor 2 leaves room for E being an
   estimate.  rounding(A) covers the statement's own evaluation at p: each formula here takes at
   most VR_ROUNDINGS(n, q) operations per entry, each of relative error 2^-p, on terms no larger
   than the column's scale. */
#define VR_FD_SAFETY 2.0
#define VR_ROUNDINGS(n, q) (4.0 * (double)((n) + (q)) + 64.0)

typedef struct {
    const vr_map *map;
    const signed char *mask;
    mpfr_ptr x;      /* the point, a private copy whose coordinate j may be re-precisioned */
    mpfr_ptr fp, fm; /* q values of f at x + t e_j and x - t e_j */
    mpfr_ptr tab;    /* (VR_LEVELS + 1)^2 tableau rows of q entries each */
    mpfr_ptr tmp;    /* one scalar */
    mpfr_ptr fmag;   /* q: the largest |f_o| met, for the rounding floor of the estimate */
    dp_mpws *ws;
} fdc;

/* f at x + s 2^e e_j (s = +1, -1, or 0).  x_j is raised to the precision that holds x_j + s 2^e
   exactly, then brought back exactly (subtracting the same step) to its own precision. */
static int eval_at(mpfr_ptr out, mpfr_ptr pre, fdc *d, size_t j, int s, long e)
{
    if (s == 0)
        return d->map->f(out, pre, d->x, d->map->data, d->mask, d->ws);
    mpfr_ptr xj = d->x + j;
    mpfr_prec_t own = mpfr_get_prec(xj), need = own;
    if (!mpfr_zero_p(xj)) { /* from the higher leading bit (and a carry) to the lower last bit */
        long hi = mpfr_get_exp(xj) > e + 1 ? mpfr_get_exp(xj) : e + 1;
        long lo = mpfr_get_exp(xj) - (long)own < e ? mpfr_get_exp(xj) - (long)own : e;
        need = hi + 1 - lo > own ? hi + 1 - lo : own;
    }
    mpfr_prec_round(xj, need, MPFR_RNDN);
    mpfr_set_si_2exp(d->tmp, s, e, MPFR_RNDN);
    mpfr_add(xj, xj, d->tmp, MPFR_RNDN);
    int st = d->map->f(out, pre, d->x, d->map->data, d->mask, d->ws);
    mpfr_sub(xj, xj, d->tmp, MPFR_RNDN);
    mpfr_prec_round(xj, own, MPFR_RNDN);
    return st;
}

#define TAB(d, i, k) ((d)->tab + ((i) * (VR_LEVELS + 1) + (k)) * q)

/* Central (side == 0) or one-sided (side = +1 right, -1 left) derivative of f along e_j with
   base step 2^e0, extrapolated: der and err receive q values. */
static int fd_column(mpfr_ptr der, mpfr_ptr err, fdc *d, size_t j, long e0, int side)
{
    size_t q = d->map->q;
    for (size_t o = 0; o < q; o++)
        mpfr_set_zero(d->fmag + o, +1);
    for (int i = 0; i <= VR_LEVELS; i++) {
        long e = e0 - i;
        mpfr_ptr row = TAB(d, i, 0);
        int st;
        if (side == 0) {
            if ((st = eval_at(d->fp, NULL, d, j, +1, e)) != DP_OK ||
                (st = eval_at(d->fm, NULL, d, j, -1, e)) != DP_OK)
                return st;
        } else {
            if ((st = eval_at(d->fp, NULL, d, j, side, e)) != DP_OK ||
                (st = eval_at(d->fm, NULL, d, j, 0, e)) != DP_OK)
                return st;
        }
        for (size_t o = 0; o < q; o++) { /* (f+ - f-) / 2h, or side (f(x+sh) - f(x)) / h */
            mpfr_abs(d->tmp, d->fp + o, MPFR_RNDN);
            mpfr_max(d->fmag + o, d->fmag + o, d->tmp, MPFR_RNDU);
            mpfr_abs(d->tmp, d->fm + o, MPFR_RNDN);
            mpfr_max(d->fmag + o, d->fmag + o, d->tmp, MPFR_RNDU);
            mpfr_sub(row + o, d->fp + o, d->fm + o, MPFR_RNDN);
            mpfr_mul_2si(row + o, row + o, side == 0 ? -(e + 1) : -e, MPFR_RNDN);
            if (side < 0)
                mpfr_neg(row + o, row + o, MPFR_RNDN);
        }
        /* Richardson: the error of a central difference goes in h^2, of a one-sided in h */
        for (int k = 1; k <= i; k++) {
            double r = side == 0 ? ldexp(1.0, 2 * k) : ldexp(1.0, k);
            mpfr_ptr cur = TAB(d, i, k), a = TAB(d, i, k - 1), b = TAB(d, i - 1, k - 1);
            for (size_t o = 0; o < q; o++) {
                mpfr_sub(d->tmp, a + o, b + o, MPFR_RNDN);
                mpfr_div_d(d->tmp, d->tmp, r - 1, MPFR_RNDN);
                mpfr_add(cur + o, a + o, d->tmp, MPFR_RNDN);
            }
        }
    }
    mpfr_ptr best = TAB(d, VR_LEVELS, VR_LEVELS), left = TAB(d, VR_LEVELS, VR_LEVELS - 1),
             diag = TAB(d, VR_LEVELS - 1, VR_LEVELS - 1);
    /* When f rounds to the same value at every step, the levels agree exactly and say nothing:
       the estimate is at least the quantisation of f at p bits over the finest step,
       4 * 2^-p |f| / h_min (4: the two evaluations' roundings, and Richardson's weights). */
    long emin = e0 - VR_LEVELS;
    for (size_t o = 0; o < q; o++) {
        mpfr_mul_2si(d->fmag + o, d->fmag + o, 2 - (long)d->ws->prec - emin, MPFR_RNDU);
        mpfr_set(der + o, best + o, MPFR_RNDN);
        mpfr_sub(d->tmp, best + o, left + o, MPFR_RNDU);
        mpfr_abs(err + o, d->tmp, MPFR_RNDU);
        mpfr_sub(d->tmp, best + o, diag + o, MPFR_RNDU);
        mpfr_abs(d->tmp, d->tmp, MPFR_RNDU);
        mpfr_max(err + o, err + o, d->tmp, MPFR_RNDU);
        mpfr_max(err + o, err + o, d->fmag + o, MPFR_RNDU);
    }
    return DP_OK;
}

/* ---- one column of the Jacobian: kinks, the step, the comparison ----------------------------- */

/* Exponent of the scale of coordinate j: the step is 2^(this - ceil(p / (2 levels + 1))). */
static long scale_exp(mpfr_srcptr xj, vr_scale scale)
{
    if (mpfr_zero_p(xj) || scale == VR_SCALE_UNIT)
        return 0;
    if (scale == VR_SCALE_REL)
        return mpfr_get_exp(xj) - 1;
    return mpfr_get_exp(xj) < 1 ? 0 : mpfr_get_exp(xj) - 1;
}

/* Signs of the ReLU arguments at x + s 2^e e_j into sg (nk). */
static int signs_at(signed char *sg, mpfr_ptr pre, fdc *d, size_t j, int s, long e)
{
    int st = eval_at(d->fp, pre, d, j, s, e);
    for (size_t u = 0; st == DP_OK && u < d->map->nk; u++)
        sg[u] = (signed char)mpfr_sgn(pre + u);
    return st;
}

typedef struct {
    signed char *s0, *sp, *sm; /* signs at x, x + h e_j, x - h e_j */
    mpfr_ptr pre;
    int kinked;                /* some argument is exactly 0 at x */
} kinks;

/* Lowers e until no argument that is not 0 at x changes sign within +-2^e along e_j (each halving
   of the step costs about one bit of the difference's accuracy, which its estimate shows); then
   tells whether an argument that is 0 at x moves along e_j (*moves: f has a kink on this line). */
static int settle_step(long *e, int *moves, int *near, fdc *d, kinks *kk, size_t j, mpfr_prec_t p)
{
    size_t nk = d->map->nk;
    long stride = 1;
    *moves = *near = 0;
    (void)p;
    for (int tries = 0; tries < 14; tries++) {
        int st;
        if ((st = signs_at(kk->sp, kk->pre, d, j, +1, *e + 1)) != DP_OK ||
            (st = signs_at(kk->sm, kk->pre, d, j, -1, *e + 1)) != DP_OK)
            return st;
        int flips = 0;
        for (size_t u = 0; u < nk; u++)
            flips |= kk->s0[u] != 0 && (kk->sp[u] != kk->s0[u] || kk->sm[u] != kk->s0[u]);
        if (!flips) {
            for (size_t u = 0; u < nk; u++)
                *moves |= kk->s0[u] == 0 && (kk->sp[u] != 0 || kk->sm[u] != 0);
            return DP_OK;
        }
        *near = 1;
        *e -= stride; /* exponential search: a kink 2^-1000 away is reached in ten tries */
        stride *= 2;
    }
    return VR_ENEAR; /* an argument within 2^-16000 of 0 that is not 0: give up */
}

typedef struct {
    mpfr_ptr A;         /* the statement's Jacobian (q x n) */
    mpfr_ptr der, err;  /* one column's finite difference and its error estimate */
    mpfr_ptr aux;       /* 4 q: left, right, their error estimates */
    mpfr_ptr t;         /* 5 scalars */
    mpfr_ptr rowscale;  /* q: max_j |A_ij|, the size of each row of the statement's Jacobian */
    FILE *trace;        /* explain: every entry is printed here (NULL: quiet) */
    int color;
} cols;

/* explain: one entry, the statement's value and the difference's, the digits they share marked. */
static void trace_entry(FILE *f, int color, const vr_map *map, size_t i, size_t j, mpfr_srcptr a,
                        mpfr_srcptr d, mpfr_srcptr e, double bits, int agree)
{
    char idx[64], sa[64], sd[64];
    if (map->entry_name != NULL)
        map->entry_name(idx, sizeof idx, i, j, map->data);
    else
        snprintf(idx, sizeof idx, "%.20s[%zu,%zu]", map->name, i, j);
    mpfr_snprintf(sa, sizeof sa, "% .24Re", a);
    mpfr_snprintf(sd, sizeof sd, "% .24Re", d);
    size_t same = 0;
    while (sa[same] && sa[same] == sd[same] && sa[same] != 'e')
        same++;
    int digits = 0; /* significant digits shared: the prefix's digits, leading zeros aside */
    for (size_t k = 0, lead = 1; k < same; k++)
        if (sa[k] >= '0' && sa[k] <= '9' && !(lead && sa[k] == '0'))
            digits++, lead = 0;
    if (mpfr_equal_p(a, d))
        digits = 25;
    fprintf(f, "  %-14s statement %s\n  %-14s diff.     ", idx, sa, "");
    if (color)
        fprintf(f, "\033[32m%.*s\033[0m%s", (int)same, sd, sd + same);
    else
        fprintf(f, "%s", sd);
    mpfr_fprintf(f, "  ± %.2Re\n  %-14s %d digits agree (%.0f bits)%s\n", e, "", digits, bits,
                 agree ? "" : "  DISAGREE");
}

/* log2(a / b) for positive a, b of any magnitude MPFR holds (t is a scratch scalar). */
static double log2_ratio(mpfr_srcptr a, mpfr_srcptr b, mpfr_ptr t)
{
    mpfr_div(t, a, b, MPFR_RNDN);
    mpfr_log2(t, t, MPFR_RNDN);
    return mpfr_get_d(t, MPFR_RNDN);
}

/* Compares column j of A with der +- err; adds failing entries to r.  All in MPFR: the entries
   may be far below double's range (e^-10000). */
static void compare_column(vr_result *r, const vr_map *map, cols *c, size_t j, mpfr_prec_t p,
                           int rows)
{
    size_t q = map->q, n = map->n;
    mpfr_ptr diff = c->t, allowed = c->t + 1, ref = c->t + 2, t = c->t + 3;
    for (size_t i = 0; i < q; i++) {
        mpfr_ptr a = c->A + i * n + j, rs = c->rowscale + i;
        mpfr_sub(diff, a, c->der + i, MPFR_RNDN);
        mpfr_abs(diff, diff, MPFR_RNDU);
        /* allowed = SAFETY err + ROUNDINGS 2^-p (|a| + the row's scale) */
        mpfr_abs(allowed, a, MPFR_RNDU);
        mpfr_add(allowed, allowed, rs, MPFR_RNDU);
        mpfr_mul_d(allowed, allowed, VR_ROUNDINGS(n, q), MPFR_RNDU);
        mpfr_mul_2si(allowed, allowed, -(long)p, MPFR_RNDU);
        mpfr_mul_d(t, c->err + i, VR_FD_SAFETY, MPFR_RNDU);
        mpfr_add(allowed, allowed, t, MPFR_RNDU);
        /* Bits of agreement relative to the entry itself, max(|A|, |D|), but never to less than
           2^-(p/2) of its row's scale: an entry that is 0 has no relative accuracy, and one far
           below its row is checked to p/2 bits of the row (absolutely). */
        mpfr_abs(ref, c->der + i, MPFR_RNDN);
        mpfr_abs(t, a, MPFR_RNDN);
        mpfr_max(ref, ref, t, MPFR_RNDN);
        mpfr_mul_2si(t, rs, -(long)p / 2, MPFR_RNDN);
        mpfr_max(ref, ref, t, MPFR_RNDN);
        double bits = (double)p, fdb = (double)p;
        if (!mpfr_zero_p(ref) && !mpfr_zero_p(diff))
            bits = fmin(bits, log2_ratio(ref, diff, t));
        if (!mpfr_zero_p(ref) && !mpfr_zero_p(c->err + i))
            fdb = fmin(fdb, log2_ratio(ref, c->err + i, t));
        r->bits = fmin(r->bits, fmax(bits, 0));
        r->fd_bits = fmin(r->fd_bits, fmax(fdb, 0));
        if (rows && c->trace != NULL)
            trace_entry(c->trace, c->color, map, i, j, a, c->der + i, c->err + i, bits,
                        !mpfr_greater_p(diff, allowed));
        if (mpfr_greater_p(diff, allowed)) {
            r->verdict = VR_REFUTED;
            if (rows) {
                char idx[64];
                if (map->entry_name != NULL)
                    map->entry_name(idx, sizeof idx, i, j, map->data);
                else
                    snprintf(idx, sizeof idx, "%.20s[%zu,%zu]", map->name, i, j);
                vr_result_row(r, idx, a, c->der + i, mpfr_get_d(diff, MPFR_RNDU),
                              mpfr_get_d(allowed, MPFR_RNDU));
            }
        }
    }
}

/* rowscale_i = max_j |A_ij|. */
static void row_scales(cols *c, size_t q, size_t n)
{
    for (size_t i = 0; i < q; i++) {
        mpfr_set_zero(c->rowscale + i, +1);
        for (size_t j = 0; j < n; j++) {
            mpfr_abs(c->t, c->A + i * n + j, MPFR_RNDN);
            mpfr_max(c->rowscale + i, c->rowscale + i, c->t, MPFR_RNDN);
        }
    }
}

/* The note for a kink: the one-sided derivatives of the first output that differ. */
static void kink_note(vr_result *r, const vr_map *map, cols *c, size_t j)
{
    size_t q = map->q;
    mpfr_ptr left = c->aux, right = c->aux + q;
    /* a one-sided disagreement of more than 1e-20 relative is far above any estimate here */
    for (size_t i = 0; i < q; i++) {
        mpfr_sub(c->t, left + i, right + i, MPFR_RNDN);
        if (fabs(mpfr_get_d(c->t, MPFR_RNDN)) <= 1e-20 * (1 + fabs(mpfr_get_d(left + i, MPFR_RNDN))))
            continue;
        mpfr_snprintf(r->note, sizeof r->note,
                      "not differentiable along x[%zu] (a ReLU argument is exactly 0): "
                      "%s[%zu,%zu] left %.10Rg, right %.10Rg, convention ReLU'(0)=0 gives %.10Rg, "
                      "statement %.10Rg",
                      j, map->name, i, j, left + i, right + i, c->der + i,
                      c->A + i * map->n + j);
        return;
    }
    /* both sides agree: f is differentiable along x_j, and the convention may still differ from
       that derivative (ReLU(y) - ReLU(-y) = y gives 0 for 1 at y = 0): said, not refuted, since
       the statement is held to the document's convention (docs/proofs.md, Remark 4.4) */
    for (size_t i = 0; i < q; i++) {
        mpfr_sub(c->t, left + i, c->der + i, MPFR_RNDN);
        if (fabs(mpfr_get_d(c->t, MPFR_RNDN)) <= 1e-20 * (1 + fabs(mpfr_get_d(left + i, MPFR_RNDN))))
            continue;
        mpfr_snprintf(r->note, sizeof r->note,
                      "differentiable along x[%zu] although a ReLU argument is exactly 0: "
                      "%s[%zu,%zu] left = right = %.10Rg, but the convention ReLU'(0)=0 gives "
                      "%.10Rg, statement %.10Rg",
                      j, map->name, i, j, left + i, c->der + i, c->A + i * map->n + j);
        return;
    }
}

/* ---- the check at one precision -------------------------------------------------------------- */

static long ceil_div(long a, long b)
{
    return (a + b - 1) / b;
}

static int check_columns(vr_result *r, fdc *d, cols *c, kinks *kk, signed char *mask,
                         mpfr_prec_t p, int rows)
{
    const vr_map *map = d->map;
    size_t n = map->n, q = map->q, nk = map->nk;
    int st = DP_OK;
    if (nk > 0) { /* which ReLU arguments are exactly 0 here: freeze them at the convention */
        if ((st = signs_at(kk->s0, kk->pre, d, 0, 0, 0)) != DP_OK)
            return st;
        for (size_t u = 0; u < nk; u++) {
            mask[u] = kk->s0[u] != 0;
            kk->kinked |= kk->s0[u] == 0;
        }
        if (kk->kinked)
            r->classes |= VR_CLASS_KINK;
    }
    for (size_t j = 0; j < n && st == DP_OK; j++) {
        long e = scale_exp(d->x + j, map->scale) - ceil_div(p, 2 * VR_LEVELS + 1);
        long e1 = scale_exp(d->x + j, map->scale) - ceil_div(p, VR_LEVELS + 2); /* one-sided: O(h^(L+1)) */
        int moves = 0, near = 0;
        if (nk > 0) {
            d->mask = NULL; /* the true function, to see where its kinks are */
            st = settle_step(&e, &moves, &near, d, kk, j, p);
            if (st == DP_OK && moves)
                st = settle_step(&e1, &moves, &near, d, kk, j, p);
            if (near)
                r->classes |= VR_CLASS_NEAR_KINK;
        }
        if (st == DP_OK && moves) { /* one-sided derivatives of the true function */
            st = fd_column(c->aux, c->aux + 2 * q, d, j, e1, -1);
            if (st == DP_OK)
                st = fd_column(c->aux + q, c->aux + 3 * q, d, j, e1, +1);
        }
        d->mask = nk > 0 ? mask : NULL; /* the function with the convention ReLU'(0) = 0 frozen in */
        if (st == DP_OK)
            st = fd_column(c->der, c->err, d, j, e, 0);
        if (st == DP_OK) {
            compare_column(r, map, c, j, p, rows);
            if (moves && !r->note[0])
                kink_note(r, map, c, j);
        }
    }
    return st;
}

/* Checks map at x at precision p into r (its verdict, bits and, if rows, the failing entries). */
static int check_at(vr_result *r, const vr_map *map, const double *x, mpfr_prec_t p,
                    dp_mpws *given, int rows, FILE *trace, int color)
{
    size_t n = map->n, q = map->q, nk = map->nk;
    dp_mpws local, *ws = given;
    int st = DP_OK;
    if (ws == NULL || ws->prec != p) {
        ws = &local;
        if ((st = dp_mpws_init(ws, p)) != DP_OK)
            return st;
    }
    dp_mpmark mk = dp_mpws_mark(ws);
    size_t ntab = (VR_LEVELS + 1) * (VR_LEVELS + 1) * q;
    mpfr_ptr v = dp_mpws_push(ws, n + 2 * q + ntab + 1 + q * n + 6 * q + 5 + nk + 2 * q);
    signed char *sg = calloc(4 * nk + 1, 1);
    if (v == NULL || sg == NULL) {
        st = DP_ENOMEM;
    } else {
        mpfr_ptr fmag = v + n + 2 * q + ntab + 1, rest = fmag + q;
        fdc d = {map, NULL, v, v + n, v + n + q, v + n + 2 * q, v + n + 2 * q + ntab, fmag, ws};
        cols c = {rest, rest + q * n, rest + q * n + q, rest + q * n + 2 * q, rest + q * n + 6 * q,
                  rest + q * n + 6 * q + 5, trace, color};
        kinks kk = {sg, sg + nk, sg + 2 * nk, c.rowscale + q, 0};
        for (size_t i = 0; i < n; i++)
            mpfr_set_d(d.x + i, x[i], MPFR_RNDN); /* exact: p >= 53 */
        st = map->jac(c.A, d.x, map->data, ws);
        if (st == DP_OK)
            row_scales(&c, q, n);
        if (st == DP_OK)
            st = check_columns(r, &d, &c, &kk, sg + 3 * nk, p, rows);
    }
    free(sg);
    dp_mpws_release(ws, mk);
    if (ws == &local)
        dp_mpws_clear(&local);
    return st;
}

/* A finite difference claiming fewer bits than this is too coarse to call a statement true: p/4
   leaves room for steps shrunk near a kink (a bit per halving) and still asks for 16 bits at the
   lowest rung. */
static double min_fd_bits(mpfr_prec_t p)
{
    return (double)p / 4;
}

/* explain: the step curve of the entry with the largest statement value, printed and, with
   --plot, written to DIR/steps.dat (columns: e, h, error in double, error at p). */
enum { VR_CURVE_STEPS = 200 };

int vr_step_curve(double *err53, double *errp, size_t nsteps, const vr_map *map, const double *x,
                  size_t i, size_t j, mpfr_prec_t prec);

static int trace_curve(vr_ctx *ctx, const vr_map *map, const double *x)
{
    size_t n = map->n, q = map->q, bi = 0, bj = 0;
    dp_mpmark mk = dp_mpws_mark(&ctx->ws);
    mpfr_ptr A = dp_mpws_push(&ctx->ws, q * n + n);
    if (A == NULL)
        return DP_ENOMEM;
    for (size_t k = 0; k < n; k++)
        mpfr_set_d(A + q * n + k, x[k], MPFR_RNDN);
    int st = map->jac(A, A + q * n, map->data, &ctx->ws);
    for (size_t k = 1; st == DP_OK && k < q * n; k++)
        if (mpfr_cmpabs(A + k, A + bi * n + bj) > 0)
            bi = k / n, bj = k % n;
    dp_mpws_release(&ctx->ws, mk);
    double e53[VR_CURVE_STEPS], ep[VR_CURVE_STEPS];
    size_t nsteps = (size_t)ctx->prec / 3 + 24; /* past the minimum at p, about 2^-p/3 */
    nsteps = nsteps > VR_CURVE_STEPS ? VR_CURVE_STEPS : nsteps;
    if (st == DP_OK)
        st = vr_step_curve(e53, ep, nsteps, map, x, bi, bj, ctx->prec);
    if (st != DP_OK)
        return st;
    FILE *f = ctx->trace, *dat = NULL;
    if (ctx->plot != NULL) {
        char path[4096];
        snprintf(path, sizeof path, "%s/steps.dat", ctx->plot);
        dat = fopen(path, "w");
        if (dat != NULL)
            fprintf(dat, "# e h relative_error_double relative_error_p%ld\n", (long)ctx->prec);
    }
    size_t best53 = 0, bestp = 0;
    long e0 = 0;
    {
        mpfr_t xj;
        mpfr_init2(xj, 53);
        mpfr_set_d(xj, x[bj], MPFR_RNDN);
        e0 = scale_exp(xj, map->scale);
        mpfr_clear(xj);
    }
    for (size_t k = 0; k < nsteps; k++) {
        best53 = e53[k] < e53[best53] || isnan(e53[best53]) ? k : best53;
        bestp = ep[k] < ep[bestp] || isnan(ep[bestp]) ? k : bestp;
        if (dat != NULL && !isnan(e53[k]) && !isnan(ep[k]))
            fprintf(dat, "%ld %.6e %.6e %.6e\n", e0 - (long)k - 1,
                    ldexp(1, (int)(e0 - (long)k - 1)), e53[k], ep[k]);
    }
    if (dat != NULL)
        fclose(dat);
    fprintf(f, "\n  the plain central difference of entry [%zu,%zu] as the step h = 2^e shrinks\n"
               "  (relative error; truncation falls as h^2, rounding grows as 2^-p / h):\n"
               "      e      double (p = 53)   p = %ld\n",
            bi, bj, (long)ctx->prec);
    for (size_t k = 0; k < nsteps; k += 4)
        fprintf(f, "    %4ld      %-15.3g   %-15.3g%s\n", e0 - (long)k - 1, e53[k], ep[k],
                k / 4 == best53 / 4 || k / 4 == bestp / 4 ? "  <- near a minimum" : "");
    fprintf(f, "  minimum: double at h = 2^%ld (theory: the scale times 2^-18, about 2^-p/3),\n"
               "           p = %ld at h = 2^%ld (theory 2^-%ld)\n",
            e0 - (long)best53 - 1, (long)ctx->prec, e0 - (long)bestp - 1, (long)(ctx->prec / 3) - e0);
    return DP_OK;
}

/* Entries far smaller than the function (dS_k/dz_j ~ e^-10000 while S_k ~ 1) are below the
   finite difference's quantisation at p: the check is repeated at a precision raised by the
   missing bits, up to this many. */
#define VR_MAX_ESCALATED_PREC 32768

int vr_check_derivative(vr_result *r, const vr_map *map, const double *x, vr_ctx *ctx)
{
    vr_result_init(r);
    int st = check_at(r, map, x, ctx->prec, &ctx->ws, 1, ctx->trace, ctx->color);
    double need = min_fd_bits(ctx->prec);
    mpfr_prec_t pw = ctx->prec; /* the precision the verdict was reached at */
    if (st == DP_OK && r->verdict == VR_HOLDS && r->fd_bits < need) {
        mpfr_prec_t p2 = 2 * ctx->prec + (mpfr_prec_t)(need - r->fd_bits);
        vr_result hi;
        vr_result_init(&hi);
        for (;;) { /* the missing bits are a lower estimate: double until decided or too costly */
            st = p2 <= VR_MAX_ESCALATED_PREC ? check_at(&hi, map, x, p2, NULL, 1, NULL, 0) : -1;
            if (st != DP_OK || hi.verdict != VR_HOLDS || hi.fd_bits >= need)
                break;
            vr_result_init(&hi);
            p2 *= 2;
        }
        if (st == DP_OK) {
            *r = hi;
            pw = p2;
            snprintf(r->note, sizeof r->note, "decided at %ld bits (entries far below the "
                     "function's size)", (long)p2);
        } else if (st == -1) {
            st = DP_OK;
        }
    }
    if (st == VR_ENEAR) {
        r->verdict = VR_UNDECIDED;
        snprintf(r->note, sizeof r->note, "a ReLU argument is too close to 0 to difference");
        return DP_OK;
    }
    if (st != DP_OK)
        return st;
    if (r->verdict == VR_HOLDS && r->fd_bits < need) {
        r->verdict = VR_UNDECIDED;
        snprintf(r->note, sizeof r->note, "finite differences too coarse (%.0f bits)", r->fd_bits);
    }
    /* A refutation must survive twice the precision, and not merely survive: a false statement's
       disagreement stays where it was whatever p is, while rounding's shrinks with 2^-p.  One
       whose agreement grows by p/4 bits or more when p doubles is rounding: undecided. */
    if (r->verdict == VR_REFUTED) {
        vr_result conf;
        vr_result_init(&conf);
        st = check_at(&conf, map, x, 2 * pw, NULL, 0, NULL, 0);
        if (st == DP_OK && (conf.verdict != VR_REFUTED || conf.bits >= r->bits + (double)pw / 4)) {
            r->verdict = VR_UNDECIDED;
            snprintf(r->note, sizeof r->note, "a disagreement at %ld bits (%.0f bits agreed) "
                     "shrank at %ld (%.0f bits): rounding, not the statement",
                     (long)pw, r->bits, 2 * (long)pw, conf.bits);
        }
        st = st == VR_ENEAR ? DP_OK : st;
    }
    if (st == DP_OK && ctx->trace != NULL)
        st = trace_curve(ctx, map, x);
    for (int k = 0; st == DP_OK && ctx->ladder && k < VR_RUNGS; k++) {
        vr_result l;
        vr_result_init(&l);
        st = check_at(&l, map, x, vr_ladder[k], NULL, 0, NULL, 0);
        r->ladder[k] = st == DP_OK ? l.bits : NAN;
        st = st == VR_ENEAR ? DP_OK : st;
    }
    return st;
}

int vr_fd_jacobian(mpfr_ptr D, mpfr_ptr E, const vr_map *map, const double *x, dp_mpws *ws)
{
    size_t n = map->n, q = map->q;
    size_t ntab = (VR_LEVELS + 1) * (VR_LEVELS + 1) * q;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr v = dp_mpws_push(ws, n + 2 * q + ntab + 1 + q + 2 * q);
    if (v == NULL)
        return DP_ENOMEM;
    fdc d = {map, NULL, v, v + n, v + n + q, v + n + 2 * q, v + n + 2 * q + ntab,
             v + n + 2 * q + ntab + 1, ws};
    mpfr_ptr der = d.fmag + q, err = der + q;
    for (size_t i = 0; i < n; i++)
        mpfr_set_d(d.x + i, x[i], MPFR_RNDN);
    int st = DP_OK;
    for (size_t j = 0; j < n && st == DP_OK; j++) {
        long e = scale_exp(d.x + j, map->scale) - ceil_div(ws->prec, 2 * VR_LEVELS + 1);
        st = fd_column(der, err, &d, j, e, 0);
        for (size_t i = 0; st == DP_OK && i < q; i++) {
            mpfr_set(D + i * n + j, der + i, MPFR_RNDN);
            mpfr_set(E + i * n + j, err + i, MPFR_RNDN);
        }
    }
    dp_mpws_release(ws, mk);
    return st;
}

int vr_step_curve(double *err53, double *errp, size_t nsteps, const vr_map *map, const double *x,
                  size_t i, size_t j, mpfr_prec_t prec)
{
    const mpfr_prec_t precs[2] = {53, prec};
    double *outs[2] = {err53, errp};
    size_t n = map->n, q = map->q;
    int st = DP_OK;
    dp_mpws ref;
    if ((st = dp_mpws_init(&ref, 2 * prec)) != DP_OK)
        return st;
    mpfr_ptr A = dp_mpws_push(&ref, q * n + n + 1), X = A ? A + q * n : NULL;
    if (A == NULL) {
        dp_mpws_clear(&ref);
        return DP_ENOMEM;
    }
    for (size_t k = 0; k < n; k++)
        mpfr_set_d(X + k, x[k], MPFR_RNDN);
    st = map->jac(A, X, map->data, &ref); /* the statement's value, at twice the precision */
    mpfr_ptr a = A + i * n + j, t = X + n;
    for (int r = 0; r < 2 && st == DP_OK; r++) {
        dp_mpws ws;
        if ((st = dp_mpws_init(&ws, precs[r])) != DP_OK)
            break;
        size_t ntab = (VR_LEVELS + 1) * (VR_LEVELS + 1) * q;
        mpfr_ptr v = dp_mpws_push(&ws, n + 2 * q + ntab + 2 + q);
        st = v ? DP_OK : DP_ENOMEM;
        fdc d = {map, NULL, v, v + n, v + n + q, v + n + 2 * q, v + n + 2 * q + ntab,
                 v + n + 2 * q + ntab + 1, &ws};
        for (size_t k = 0; st == DP_OK && k < n; k++)
            mpfr_set_d(d.x + k, x[k], MPFR_RNDN); /* 53 bits hold a double exactly */
        long e0 = scale_exp(d.x + j, map->scale); /* the steps start at the coordinate's scale */
        for (size_t s = 0; st == DP_OK && s < nsteps; s++) {
            long e = e0 - (long)s - 1; /* (f(x + h) - f(x - h)) / 2h, plain, h = 2^e */
            if (precs[r] == 53) { /* as double arithmetic does it: x_j +- h rounded to 53 bits */
                for (int sgn = -1; sgn <= 1 && st == DP_OK; sgn += 2) {
                    mpfr_set_si_2exp(d.tmp, sgn, e, MPFR_RNDN);
                    mpfr_add(d.x + j, d.x + j, d.tmp, MPFR_RNDN);
                    st = map->f(sgn > 0 ? d.fp : d.fm, NULL, d.x, map->data, NULL, &ws);
                    mpfr_set_d(d.x + j, x[j], MPFR_RNDN);
                }
            } else if ((st = eval_at(d.fp, NULL, &d, j, +1, e)) == DP_OK) {
                st = eval_at(d.fm, NULL, &d, j, -1, e);
            }
            if (st == DP_EDOMAIN) { /* x +- h outside f's domain (log y, y - h < 0): no point */
                outs[r][s] = NAN;
                st = DP_OK;
                continue;
            }
            if (st != DP_OK)
                break;
            mpfr_sub(t, d.fp + i, d.fm + i, MPFR_RNDN);
            mpfr_mul_2si(t, t, -(e + 1), MPFR_RNDN);
            mpfr_sub(t, t, a, MPFR_RNDN);
            if (!mpfr_zero_p(a))
                mpfr_div(t, t, a, MPFR_RNDN);
            outs[r][s] = fabs(mpfr_get_d(t, MPFR_RNDN));
        }
        dp_mpws_clear(&ws);
    }
    dp_mpws_clear(&ref);
    return st;
}

void vr_relu_masked(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr z, size_t m, const signed char *mask)
{
    for (size_t u = 0; u < m; u++) {
        if (pre != NULL)
            mpfr_set(pre + u, z + u, MPFR_RNDN);
        if ((mask != NULL && mask[u] == 0) || mpfr_sgn(z + u) <= 0)
            mpfr_set_zero(out + u, +1);
        else if (out + u != z + u)
            mpfr_set(out + u, z + u, MPFR_RNDN);
    }
}
