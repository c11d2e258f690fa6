/* netcheck_entry.c -- §5's theorem entry by entry: every ∂F/∂W^k[j',j] and ∂F/∂b^k[j'] against
   the Richardson-extrapolated central difference of F along that parameter, at precision p.

   A parameter of row j' of layer k moves only unit j' of layer k and what lies above it.  While no
   ReLU argument changes sign within the steps (the step rule below sees to it), everything below
   the SoftMax is linear in the step t: the logits move by t s c, with s the parameter's seed (the
   layer's input a^k_j for a weight, 1 for a bias) and c the row's tangent, propagated once per row
   and sample through the active units; with t a power of two this is the difference the network
   computes at every step, bit for bit.  The loss difference of a sample is then
   (Σŷ) log Σ_k P_k e^{t s c_k} - t s ŷ·c, whose central quotient is evaluated from the series of
   the exponential (docs/netcheck.md). */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netcheck_int.h"

/* What a row's tangent is, per sample. */
typedef struct {
    int live;      /* the logits move (c != 0) */
    int kink;      /* the tangent meets a ReLU argument exactly 0 (frozen: ReLU'(0) = 0) */
    int uncertain; /* ... or one within rounding of 0 at p (nc_within_rounding) */
    long emax;     /* the step 2^e keeps every moved ReLU argument's sign within ±2^(e+1) when
                      e <= emax - exp(s), s the seed; LONG_MAX when no ReLU moves */
    long ec;       /* |c_k| < 2^ec for every k */
    int N;         /* κ_1 .. κ_N held: enough for every |t s c| <= 2^e0 */
    double M;      /* the size the difference's rounding scales with, per unit seed */
} rowsample;

/* One thread's scratch: nothing is allocated per row or entry. */
typedef struct {
    const nc_cache *C;
    mpfr_ptr buf;
    size_t nbuf;
    mpfr_ptr c;    /* n mp: the logits' tangent for a unit seed */
    mpfr_ptr kap;  /* n (NC_KMAX + 1): κ_n = Σ_k P_k c_k^n / n! */
    mpfr_ptr yc;   /* n: ŷ·c */
    mpfr_ptr d0, d1, Q, tab, t;
    mpfr_ptr sig, q, od, ev, den, w, ell, lt, lin, D, E, acc, x, ep, em;
    double *cabs, *dabs0, *dabs1;
    size_t *nz;
    rowsample *rs;
} scratch;

enum { NT = 4 };

static int scratch_init(scratch *S, const nc_cache *C)
{
    size_t n = C->n, mp = C->mp, wmax = 0;
    for (size_t k = 0; k <= C->p; k++)
        wmax = C->m[k] > wmax ? C->m[k] : wmax;
    memset(S, 0, sizeof *S);
    S->C = C;
    S->nbuf = n * mp + n * (NC_KMAX + 1) + n + 2 * wmax + (NC_LEVELS + 1) +
              (NC_LEVELS + 1) * (NC_LEVELS + 1) + NT + 15;
    S->buf = nc_vec_init(S->nbuf, C->prec);
    S->cabs = malloc((n * mp + 2 * wmax) * sizeof *S->cabs);
    S->nz = malloc(wmax * sizeof *S->nz);
    S->rs = malloc(n * sizeof *S->rs);
    if (S->buf == NULL || S->cabs == NULL || S->nz == NULL || S->rs == NULL)
        return DP_ENOMEM;
    mpfr_ptr v = S->buf;
    S->c = v, v += n * mp;
    S->kap = v, v += n * (NC_KMAX + 1);
    S->yc = v, v += n;
    S->d0 = v, v += wmax;
    S->d1 = v, v += wmax;
    S->Q = v, v += NC_LEVELS + 1;
    S->tab = v, v += (NC_LEVELS + 1) * (NC_LEVELS + 1);
    S->t = v, v += NT;
    mpfr_ptr *named[15] = {&S->sig, &S->q,   &S->od,  &S->ev, &S->den, &S->w,  &S->ell, &S->lt,
                           &S->lin, &S->D,   &S->E,   &S->acc, &S->x,  &S->ep, &S->em};
    for (int k = 0; k < 15; k++)
        *named[k] = v++;
    S->dabs0 = S->cabs + n * mp, S->dabs1 = S->dabs0 + wmax;
    return DP_OK;
}

static void scratch_clear(scratch *S)
{
    nc_vec_clear(S->buf);
    free(S->cabs);
    free(S->nz);
    free(S->rs);
}

/* ---- a row: the tangent of unit jp of layer k, per sample ------------------------------------ */

/* The logits' tangent of sample i for a unit seed at the pre-activation of unit jp of layer k
   into S->c + i mp (and its magnitude |W|-propagated into S->cabs), with the step bound and the
   kinks it meets. */
static void tangent(scratch *S, rowsample *r, size_t i, size_t k, size_t jp)
{
    const nc_cache *C = S->C;
    size_t p = C->p, mp = C->mp;
    mpfr_ptr c = S->c + i * mp;
    double *cabs = S->cabs + i * mp;
    mpfr_srcptr hrow = C->h + i * C->hlen;
    for (size_t u = 0; u < mp; u++)
        mpfr_set_zero(c + u, +1), cabs[u] = 0;
    if (k + 1 == p) { /* the last layer: no ReLU, the logit jp itself */
        mpfr_set_ui(c + jp, 1, MPFR_RNDN);
        cabs[jp] = 1;
        return;
    }
    mpfr_srcptr h = hrow + C->hoff[k] + jp;
    if (mpfr_zero_p(h)) {
        r->kink = 1; /* frozen: the unit's output stays 0 */
        return;
    }
    r->emax = mpfr_get_exp(h) - 1 - 2; /* the seed's tangent is 1 < 2^1 */
    r->uncertain |= nc_within_rounding(C, i, C->hoff[k] + jp);
    if (mpfr_sgn(h) < 0)
        return;
    size_t l = k + 1, mi = C->m[l];
    mpfr_ptr D = S->d0, D1 = S->d1;
    double *Da = S->dabs0, *Da1 = S->dabs1;
    for (size_t u = 0; u < C->m[l + 1]; u++) { /* column jp of W[l]: exact */
        mpfr_set_d(D + u, C->net->W[l][u * mi + jp], MPFR_RNDN);
        Da[u] = fabs(C->net->W[l][u * mi + jp]);
    }
    for (; l + 1 < p; l++) { /* through ReLU, then W[l + 1] */
        size_t nnz = 0, mo = C->m[l + 1], mo2 = C->m[l + 2];
        for (size_t u = 0; u < mo; u++) {
            if (mpfr_zero_p(D + u))
                continue;
            mpfr_srcptr hu = hrow + C->hoff[l] + u;
            if (mpfr_zero_p(hu)) {
                r->kink = 1;
                continue;
            }
            long e = mpfr_get_exp(hu) - mpfr_get_exp(D + u) - 2;
            r->emax = e < r->emax ? e : r->emax;
            r->uncertain |= nc_within_rounding(C, i, C->hoff[l] + u);
            if (mpfr_sgn(hu) > 0)
                S->nz[nnz++] = u;
        }
        mpfr_srcptr W = C->theta + C->offW[l + 1];
        const double *Wd = C->net->W[l + 1];
        for (size_t v = 0; v < mo2; v++) {
            mpfr_set_zero(D1 + v, +1);
            Da1[v] = 0;
            for (size_t z = 0; z < nnz; z++) {
                size_t u = S->nz[z];
                mpfr_fma(D1 + v, W + v * mo + u, D + u, D1 + v, MPFR_RNDN);
                Da1[v] += fabs(Wd[v * mo + u]) * Da[u];
            }
        }
        mpfr_ptr tp = D;
        D = D1, D1 = tp;
        double *ta = Da;
        Da = Da1, Da1 = ta;
    }
    for (size_t u = 0; u < mp; u++)
        mpfr_set(c + u, D + u, MPFR_RNDN), cabs[u] = Da[u];
}

/* The row's tangent for every sample, and what its entries share: ŷ·c, the size M, the series'
   coefficients κ_n = Σ_k P_k c_k^n / n! up to the length |t s c| <= 2^e0 needs (the step rule
   keeps every step below that). */
static void row_prepare(scratch *S, size_t k, size_t jp)
{
    const nc_cache *C = S->C;
    size_t mp = C->mp;
    for (size_t i = 0; i < C->n; i++) {
        rowsample *r = S->rs + i;
        *r = (rowsample){0, 0, 0, LONG_MAX, 0, 0, 0};
        tangent(S, r, i, k, jp);
        mpfr_srcptr c = S->c + i * mp, P = C->P + i * mp, y = C->Y + i * mp;
        const double *cabs = S->cabs + i * mp, *Pd = C->Pd + i * mp;
        r->ec = LONG_MIN;
        for (size_t u = 0; u < mp; u++)
            if (!mpfr_zero_p(c + u) && mpfr_get_exp(c + u) > r->ec)
                r->ec = mpfr_get_exp(c + u);
        if (r->ec == LONG_MIN)
            continue; /* nothing moves */
        r->live = 1;
        mpfr_ptr yc = S->yc + i;
        mpfr_set_zero(yc, +1);
        double sp = 0, sy = 0;
        for (size_t u = 0; u < mp; u++) {
            if (!mpfr_zero_p(y + u))
                mpfr_fma(yc, y + u, c + u, yc, MPFR_RNDN);
            sp += Pd[u] * cabs[u];
            sy += fabs(mpfr_get_d(y + u, MPFR_RNDU)) * cabs[u];
        }
        r->M = fabs(mpfr_get_d(C->sy + i, MPFR_RNDU)) * sp * (1 + 2 * C->zabs[i]) + sy;
        r->N = nc_series_len(C, C->e0);
        mpfr_ptr kap = S->kap + i * (NC_KMAX + 1);
        for (int e = 1; e <= r->N; e++)
            mpfr_set_zero(kap + e, +1);
        for (size_t u = 0; u < mp; u++) {
            if (mpfr_zero_p(c + u))
                continue;
            mpfr_mul(S->acc, P + u, c + u, MPFR_RNDN); /* P_u c_u^e */
            mpfr_add(kap + 1, kap + 1, S->acc, MPFR_RNDN);
            for (int e = 2; e <= r->N; e++) {
                mpfr_mul(S->acc, S->acc, c + u, MPFR_RNDN);
                mpfr_add(kap + e, kap + e, S->acc, MPFR_RNDN);
            }
        }
        for (int e = 2; e <= r->N; e++)
            mpfr_mul(kap + e, kap + e, C->ifact + e, MPFR_RNDN);
    }
}

/* ---- an entry -------------------------------------------------------------------------------- */

/* log(Σ_k P_k e^{σ c_k}) - log(Σ_k P_k e^{-σ c_k}) for sample i, σ = s 2^el, into S->ell.
   With u(σ) = Σ_k P_k (e^{σ c_k} - 1) = E(σ²) + σ O(σ²) (its even and odd parts, from the κ_n),
   it is log1p(w) with w = 2σO / (1 + E - σO): no cancellation anywhere. */
static void lse_diff(scratch *S, size_t i, mpfr_srcptr s, long el)
{
    const nc_cache *C = S->C;
    const rowsample *r = S->rs + i;
    mpfr_mul_2si(S->sig, s, el, MPFR_RNDN); /* exact */
    int N = nc_series_len(C, el + mpfr_get_exp(s) + r->ec); /* <= r->N: |σ c| < 2^e0 */
    mpfr_srcptr kap = S->kap + i * (NC_KMAX + 1);
    mpfr_sqr(S->q, S->sig, MPFR_RNDN);
    int e = N % 2 ? N : N - 1; /* σO = σ (κ1 + σ² (κ3 + σ² (κ5 + ...))) */
    mpfr_set(S->od, kap + e, MPFR_RNDN);
    for (e -= 2; e >= 1; e -= 2)
        mpfr_fma(S->od, S->od, S->q, kap + e, MPFR_RNDN);
    mpfr_mul(S->od, S->od, S->sig, MPFR_RNDN);
    if (N >= 2) { /* E = σ² (κ2 + σ² (κ4 + ...)) */
        e = N % 2 ? N - 1 : N;
        mpfr_set(S->ev, kap + e, MPFR_RNDN);
        for (e -= 2; e >= 2; e -= 2)
            mpfr_fma(S->ev, S->ev, S->q, kap + e, MPFR_RNDN);
        mpfr_mul(S->ev, S->ev, S->q, MPFR_RNDN);
    } else {
        mpfr_set_zero(S->ev, +1);
    }
    mpfr_sub(S->den, S->ev, S->od, MPFR_RNDN);
    mpfr_add_ui(S->den, S->den, 1, MPFR_RNDN);
    mpfr_div(S->w, S->od, S->den, MPFR_RNDN);
    mpfr_mul_2ui(S->w, S->w, 1, MPFR_RNDN);
    nc_log1p(S->ell, S->w, C, S->lt);
}

/* The seed of entry (k, jp, j) for sample i (j == m[k]: the bias) and a bound on its size. */
static mpfr_srcptr seed(const nc_cache *C, size_t i, size_t k, size_t j, double *abs)
{
    if (j == C->m[k]) {
        *abs = 1;
        return C->one;
    }
    if (k == 0) {
        *abs = fabs(mpfr_get_d(C->X + i * C->m[0] + j, MPFR_RNDU));
        return C->X + i * C->m[0] + j;
    }
    *abs = C->absh[i * C->hlen + C->hoff[k - 1] + j];
    return C->a + i * C->hlen + C->hoff[k - 1] + j;
}

/* What one entry came to. */
typedef struct {
    float bits, bits2;  /* at the verdict's precision, and at twice it for a refutation */
    signed char verdict;
    unsigned char kink, why; /* why undecided: 1 the estimate too coarse, 2 shrank at 2p,
                                3 a ReLU argument within rounding of 0 even at 2p */
    unsigned char uncertain; /* the difference moves a ReLU argument within rounding of 0 */
    unsigned char level;     /* the verdict's precision is prec 2^level */
} outcome;

/* Checks entry (k, jp, j) of the row prepared in S: the difference's quotient at the steps
   2^e, ..., 2^(e - NC_LEVELS), extrapolated into S->D ± S->E, against the gradient under test. */
static void entry(scratch *S, size_t k, size_t jp, size_t j, outcome *o)
{
    const nc_cache *C = S->C;
    long e = C->e0;
    int kink = 0, any = 0, uncertain = 0;
    double M = 0, abs;
    mpfr_set_zero(S->lin, +1);
    for (size_t i = 0; i < C->n; i++) { /* the step: no moved ReLU argument changes sign */
        const rowsample *r = S->rs + i;
        mpfr_srcptr s = seed(C, i, k, j, &abs);
        if (mpfr_zero_p(s))
            continue;
        kink |= r->kink;
        uncertain |= r->uncertain;
        if (r->emax != LONG_MAX && r->emax - mpfr_get_exp(s) < e)
            e = r->emax - mpfr_get_exp(s);
        if (!r->live)
            continue;
        any = 1;
        M += abs * r->M;
        /* the parameter's scale: the logits move by t s c, so F varies on the scale
           1 / max |s c|; the first step is 2^e0 of it (derivative.c's 2^-ceil(p/7) x scale) */
        if (C->e0 - mpfr_get_exp(s) - r->ec < e)
            e = C->e0 - mpfr_get_exp(s) - r->ec;
        mpfr_fma(S->lin, s, S->yc + i, S->lin, MPFR_RNDN); /* s ŷ·c: the linear part */
    }
    if (!any) { /* nothing moves: the difference is exactly 0 at every step */
        mpfr_set_zero(S->D, +1);
        mpfr_set_zero(S->E, +1);
    } else {
        for (int l = 0; l <= NC_LEVELS; l++) {
            mpfr_ptr Ql = S->Q + l;
            mpfr_set_zero(Ql, +1);
            for (size_t i = 0; i < C->n; i++) {
                mpfr_srcptr s = seed(C, i, k, j, &abs);
                if (!S->rs[i].live || mpfr_zero_p(s))
                    continue;
                lse_diff(S, i, s, e - l);
                mpfr_fma(Ql, C->sy + i, S->ell, Ql, MPFR_RNDN);
            }
            mpfr_mul_2si(Ql, Ql, -(e - l + 1), MPFR_RNDN); /* (F(θ + h) - F(θ - h)) / 2h */
            mpfr_sub(Ql, Ql, S->lin, MPFR_RNDN);
        }
        nc_richardson(S->D, S->E, S->Q, S->tab, S->acc);
        /* the floor: the difference's own rounding, C 2^-p M (docs/netcheck.md) */
        mpfr_set_d(S->acc, C->Cfd * M, MPFR_RNDU);
        mpfr_mul_2si(S->acc, S->acc, -(long)C->prec, MPFR_RNDU);
        mpfr_max(S->E, S->E, S->acc, MPFR_RNDU);
    }
    size_t idx = j == C->m[k] ? C->offb[k] + jp : C->offW[k] + jp * C->m[k] + j;
    nc_judgement jd;
    /* the scale an entry is measured against is the gradient's size (derivative.c's row); when
       the statement's gradient is 0 throughout (one class: F is constant), the size M of the
       terms whose cancellation the difference is, since no precision makes 0 ± E relative */
    mpfr_srcptr scale = C->srow;
    if (mpfr_zero_p(C->srow)) {
        mpfr_set_d(S->acc, M, MPFR_RNDU);
        scale = S->acc;
    }
    nc_judge(&jd, C->g + idx, S->D, S->E, scale, C->R, C->prec, C->need, S->t);
    o->bits = (float)jd.bits;
    o->verdict = (signed char)jd.verdict;
    o->kink = (unsigned char)kink;
    o->uncertain = (unsigned char)uncertain;
    o->why = jd.verdict == NC_UNDECIDED;
}

/* ---- rows over threads ----------------------------------------------------------------------- */

/* Row u (a unit of the network, in layer order) is unit jp of layer k. */
static void row_of(const nc_cache *C, size_t u, size_t *k, size_t *jp)
{
    for (*k = 0; u >= C->hoff[*k + 1]; ++*k)
        ;
    *jp = u - C->hoff[*k];
}

static size_t entry_index(const nc_cache *C, size_t k, size_t jp, size_t j)
{
    return j == C->m[k] ? C->offb[k] + jp : C->offW[k] + jp * C->m[k] + j;
}

typedef struct {
    const nc_cache *C;
    const unsigned char *todo; /* NULL: every entry */
    outcome *out;              /* nparam */
    size_t next;
    int status;
    pthread_mutex_t lock;
} pool;

static void *worker(void *arg)
{
    pool *pl = arg;
    const nc_cache *C = pl->C;
    scratch S;
    int st = scratch_init(&S, C);
    for (;;) {
        pthread_mutex_lock(&pl->lock);
        if (st != DP_OK)
            pl->status = st;
        size_t u = pl->status == DP_OK && pl->next < C->hlen ? pl->next++ : C->hlen;
        pthread_mutex_unlock(&pl->lock);
        if (u == C->hlen)
            break;
        size_t k, jp;
        row_of(C, u, &k, &jp);
        int some = pl->todo == NULL;
        for (size_t j = 0; !some && j <= C->m[k]; j++)
            some = pl->todo[entry_index(C, k, jp, j)];
        if (!some)
            continue;
        row_prepare(&S, k, jp);
        for (size_t j = 0; j <= C->m[k]; j++) {
            size_t e = entry_index(C, k, jp, j);
            if (pl->todo == NULL || pl->todo[e])
                entry(&S, k, jp, j, pl->out + e);
        }
    }
    scratch_clear(&S);
    return NULL;
}

static void *thread_main(void *arg)
{
    worker(arg);
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); /* this thread's constants */
    return NULL;
}

/* Every row (with an entry in todo) over `threads` threads, this one included. */
static int run_rows(const nc_cache *C, const unsigned char *todo, outcome *out, int threads)
{
    pool pl = {C, todo, out, 0, DP_OK, PTHREAD_MUTEX_INITIALIZER};
    pthread_t th[64];
    int started = 0;
    for (; started + 1 < threads; started++)
        if (pthread_create(&th[started], NULL, thread_main, &pl) != 0)
            break;
    worker(&pl);
    for (int t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    pthread_mutex_destroy(&pl.lock);
    return pl.status;
}

/* ---- the verdicts ---------------------------------------------------------------------------- */

/* The note: entry e, re-checked alone for its numbers. */
static void describe(vr_netcheck_result *r, const nc_cache *C, size_t e, const outcome *o)
{
    size_t k = 0, jp, j;
    while (e >= C->offb[k] + C->m[k + 1])
        k++;
    if (e >= C->offb[k])
        jp = e - C->offb[k], j = C->m[k];
    else
        jp = (e - C->offW[k]) / C->m[k], j = (e - C->offW[k]) % C->m[k];
    char name[48];
    vr_netcheck_entry_name(name, sizeof name, C->net, e);
    scratch S;
    outcome again;
    if (scratch_init(&S, C) != DP_OK) {
        scratch_clear(&S);
        snprintf(r->note, sizeof r->note, "%s (entry %zu): %s", name, e,
                 o->verdict == NC_REFUTED ? "refuted" : "undecided");
        return;
    }
    row_prepare(&S, k, jp);
    entry(&S, k, jp, j, &again);
    const char *kink = o->kink ? ", at a ReLU kink held to ReLU'(0)=0" : "";
    if (o->level > 0 && o->why != 1)
        kink = o->kink ? " (decided at a raised precision), at a ReLU kink held to ReLU'(0)=0"
                       : " (decided at a raised precision)";
    if (o->verdict == NC_REFUTED)
        mpfr_snprintf(r->note, sizeof r->note,
                      "%s (entry %zu): gradient %.12Rg, difference %.12Rg ± %.1Re: %.0f bits, "
                      "%.0f at %ld bits%s",
                      name, e, C->g + e, S.D, S.E, (double)o->bits, (double)o->bits2,
                      2 * (long)C->prec, kink);
    else if (o->why == 3)
        mpfr_snprintf(r->note, sizeof r->note,
                      "%s (entry %zu): gradient %.10Rg, difference %.10Rg: a ReLU argument "
                      "within rounding of 0 even at %ld bits, its sign undecidable there%s",
                      name, e, C->g + e, S.D, 2 * (long)C->prec, kink);
    else if (o->why == 2)
        mpfr_snprintf(r->note, sizeof r->note,
                      "%s (entry %zu): a disagreement at %ld bits (%.0f bits) shrank at %ld "
                      "(%.0f bits): rounding, undecided%s",
                      name, e, (long)C->prec, (double)o->bits, 2 * (long)C->prec,
                      (double)o->bits2, kink);
    else
        mpfr_snprintf(r->note, sizeof r->note,
                      "%s (entry %zu): the difference %.12Rg ± %.1Re is too coarse to decide, "
                      "even at %ld bits%s",
                      name, e, S.D, S.E, (long)C->prec, kink);
    scratch_clear(&S);
}

/* Counts, the least bits and the first refutation (else the first undecided entry), in the
   packed order: the same whatever the threads did. */
static void summarise(vr_netcheck_result *r, const nc_cache *lv, const outcome *out, size_t np)
{
    size_t first_ref = SIZE_MAX, first_und = SIZE_MAX;
    r->min_bits = (double)lv[0].prec;
    r->worst = 0;
    for (size_t e = 0; e < np; e++) {
        const outcome *o = out + e;
        r->entries++;
        r->kinks += o->kink;
        if (o->verdict == NC_REFUTED) {
            r->refuted++;
            first_ref = first_ref == SIZE_MAX ? e : first_ref;
        } else if (o->verdict == NC_UNDECIDED) {
            r->undecided++;
            first_und = first_und == SIZE_MAX ? e : first_und;
        } else {
            r->agree++;
        }
        if ((double)o->bits < r->min_bits)
            r->min_bits = o->bits, r->worst = e;
    }
    size_t e = first_ref != SIZE_MAX ? first_ref : first_und;
    if (e != SIZE_MAX)
        describe(r, lv + out[e].level, e, out + e);
}

/* The caches at prec 2^k, made when first needed. */
typedef struct {
    nc_cache C[NC_MAXLEVELS];
    int ready[NC_MAXLEVELS];
    const dp_net *net;
    const double *X, *Yhat;
    size_t n;
    mpfr_prec_t prec;
    vr_netgrad_fn grad;
} levels;

static nc_cache *level(levels *L, int k, int *st)
{
    if (*st == DP_OK && !L->ready[k]) {
        *st = nc_cache_init(L->C + k, L->net, L->X, L->Yhat, L->n, L->prec << k, L->grad);
        L->ready[k] = *st == DP_OK;
        L->C[k].need = (double)L->prec / 4; /* the user's precision's p/4, at every level */
    }
    return *st == DP_OK ? L->C + k : NULL;
}

int vr_netcheck_entrywise(vr_netcheck_result *r, const dp_net *net, const double *X,
                          const double *Yhat, size_t n, mpfr_prec_t prec, int threads,
                          vr_netgrad_fn grad)
{
    if (r == NULL)
        return DP_EINVAL;
    memset(r, 0, sizeof *r);
    int st = nc_check_args(net, X, Yhat, n, prec);
    if (st != DP_OK)
        return st;
    if (threads < 1 || threads > 64 || prec > VR_NETCHECK_MAXPREC)
        return DP_EDOMAIN;
    levels L = {.net = net, .X = X, .Yhat = Yhat, .n = n, .prec = prec, .grad = grad};
    nc_cache *C = level(&L, 0, &st);
    size_t np = C != NULL ? C->nparam : 0, ntodo = np;
    outcome *out = calloc(np + 1, sizeof *out), *tmp = calloc(np + 1, sizeof *tmp);
    unsigned char *todo = malloc(np + 1);
    if (C != NULL && (out == NULL || tmp == NULL || todo == NULL))
        st = DP_ENOMEM;
    if (st == DP_OK)
        memset(todo, 1, np);
    /* Entries whose estimate claims fewer than p/4 bits (far below the difference's size) are
       checked again at twice the precision, and again, up to NC_MAX_ESCALATED_PREC bits, as
       derivative.c escalates a case. */
    for (int k = 0; st == DP_OK && ntodo > 0; k++) {
        nc_cache *Ck = level(&L, k, &st);
        if (st == DP_OK)
            st = run_rows(Ck, k == 0 ? NULL : todo, tmp, threads);
        ntodo = 0;
        for (size_t e = 0; st == DP_OK && e < np; e++) {
            if (!todo[e])
                continue;
            out[e] = tmp[e], out[e].level = (unsigned char)k;
            todo[e] = tmp[e].verdict == NC_UNDECIDED && (prec << (k + 1)) <= NC_MAX_ESCALATED_PREC;
            ntodo += todo[e];
        }
    }
    /* A refutation must survive twice its precision, and not merely survive: a false gradient's
       disagreement stays where it was, while one caused by rounding shrinks with 2^-p; one
       whose agreement grows by p/4 bits or more when p doubles is rounding (derivative.c). */
    for (int k = 0; st == DP_OK && k + 1 < NC_MAXLEVELS; k++) {
        size_t ncand = 0;
        for (size_t e = 0; e < np; e++)
            ncand += todo[e] = out[e].verdict == NC_REFUTED && out[e].level == k;
        nc_cache *C2 = ncand > 0 ? level(&L, k + 1, &st) : NULL;
        if (C2 != NULL)
            st = run_rows(C2, todo, tmp, threads);
        for (size_t e = 0; C2 != NULL && st == DP_OK && e < np; e++) {
            if (!todo[e])
                continue;
            out[e].bits2 = tmp[e].bits;
            if (tmp[e].verdict != NC_REFUTED ||
                tmp[e].bits >= out[e].bits + (float)(prec << k) / 4)
                out[e].verdict = NC_UNDECIDED, out[e].why = 2;
            else if (tmp[e].uncertain) /* the gradient under test may see the other side */
                out[e].verdict = NC_UNDECIDED, out[e].why = 3;
        }
    }
    if (st == DP_OK)
        summarise(r, L.C, out, np);
    free(out), free(tmp), free(todo);
    for (int k = 0; k < NC_MAXLEVELS; k++)
        if (L.ready[k])
            nc_cache_clear(L.C + k);
    return st;
}
