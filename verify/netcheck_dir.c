/* netcheck_dir.c -- §5's theorem along random directions: v^T ∇F against the central difference
   of t -> F(θ + t v), Richardson-extrapolated, at precision p; a direction that disagrees is
   drilled down (v restricted to halves of its coordinates) until single entries are named.

   While no ReLU argument changes sign within the steps, the pre-activations of layer l move by a
   polynomial in t of degree l + 1 (the weights move with t, and so do their inputs):
   Δh^0 = t (V^0 x + c^0), and Δh^{l+1} = W ΔA^l + t (V a^l + c) + t V ΔA^l with ΔA^l = Δh^l on the
   active units.  Its coefficients are propagated once per direction and sample; the first layer's
   long dot products V^0 x are exact integer sums (v is a dyadic of 8 bits, x a double).  The top
   is as in the entrywise check, with e^x - 1 by its series (docs/netcheck.md).

   v^T ∇F itself: for a gradient under test it is v^T g, summed exactly in fixed point.  For the
   theorem's own gradient it is the theorem's formula contracted with v before it is summed:
   ∂F/∂W^l = Σ_i δ^l_iᵀ a^{l-1}_i and ∂F/∂b^l = Σ_i δ^l_i give, by linearity,
       v^T ∇F = Σ_i Σ_l δ^l_i · (V^l a^{l-1}_i + c^l),
   where V^l a^{l-1} + c^l is the degree-1 term t (V a + c) the propagation forms anyway: the
   theorem's value at one product per unit and sample, the gradient (a forward and a backward
   pass, 3 n Σ m_l m_{l+1} operations) never formed. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netcheck_int.h"

/* v_e = kv[e] 2^-8 with |kv[e]| in [128, 255]: |v_e| in [1/2, 1). */
enum { NC_VSHIFT = 8, NC_NAMED = 16 };

__extension__ typedef __int128 i128; /* gcc and clang: exact sums of 2^28 products of 92 bits */

typedef struct {
    const nc_cache *C;
    const int16_t *kv;      /* the direction, nparam */
    size_t lo, hi;          /* v restricted to [lo, hi) */
    size_t wmax;
    /* the first layer: x_ij = xm 2^(xe) exactly, xe - emin_i = 32 xb + xs */
    int64_t *xm;
    i128 *xsh;              /* n m0: xm 2^xs (< 2^84), what a weight's integer k multiplies */
    double *xabs;           /* n m0: |x| */
    double *xl1;            /* n: Σ_j |x_ij|, rounded up */
    unsigned char *xs;
    int *xb, *nb;           /* n m0, n */
    long *emin;             /* n */
    i128 *acc;              /* the largest nb */
    mpfr_ptr buf;
    size_t nbuf;
    mpfr_ptr big, bigt;     /* 2 values of the precision that holds a first-layer sum exactly */
    mpfr_ptr P0, P1;        /* p wmax each: the polynomial's coefficients of a layer, d = 1..p */
    mpfr_ptr Z;             /* n p mp: the logits' coefficients per sample */
    mpfr_ptr zp, zm, ep, em, Q, tab, t;
    mpfr_ptr acc1, x, w, ell, up, um, df, lin, D, E, A, sA;
    double *pa0, *pa1, *Zabs;  /* magnitudes: p wmax, p wmax, n mp */
    /* v^T g in integers: |g_e| 2^-E0 truncated to L limbs (below 2^-(p+64) max |g|), summed
       per value of kv and sign of g_e (one mpn_add_n per entry), then 2^-8 Σ k S_k */
    mp_limb_t *G, *gacc, *gtot;  /* nparam L; 2 x 512 x (L + 1); 2 x (L + 3) */
    signed char *gsg;            /* nparam: the sign of g_e */
    size_t L;
    long E0;
    double *gabs;           /* 512: Σ |g_e| per value of kv */
    double *gd;             /* nparam: |g_e|, rounded up */
    /* the contracted path (the theorem's own gradient): v^T ∇F = Σ_i Σ_l δ^l·(V^l a^{l-1} + c^l),
       accumulated into A by propagate, with sAd >= Σ_e |v_e g_e| beside it */
    int contract;
    mpfr_ptr delta;         /* n hlen: δ^l of every sample (nc_delta_fn) */
    double *aup;            /* n hlen: |a^l|, rounded up */
    mpfr_ptr vlin;          /* 1: (V a + c)_v of one unit */
    double sAd;
    int uncertain;          /* the last check moved a ReLU argument within rounding of 0 */
} dctx;

/* g_e = M 2^(exp - 64 Lg), M its significand's Lg limbs: T = floor(|g_e| 2^-E0) into L limbs. */
static void to_fixed(mp_limb_t *T, mpfr_srcptr g, long E0, size_t L)
{
    size_t Lg = (size_t)(mpfr_get_prec(g) + 63) / 64;
    const mp_limb_t *M = mpfr_custom_get_significand(g);
    long sh = mpfr_get_exp(g) - 64 * (long)Lg - E0;
    for (size_t k = 0; k < L; k++)
        T[k] = 0;
    if (sh >= 0) { /* M << sh: limbs from sh / 64 on (the top fits: exp <= E0 + 64 L) */
        size_t q = (size_t)sh / 64;
        unsigned r = (unsigned)(sh % 64);
        mp_limb_t out = r ? mpn_lshift(T + q, M, (mp_size_t)Lg, r) : (mpn_copyi(T + q, M,
                                                                            (mp_size_t)Lg), 0);
        if (q + Lg < L)
            T[q + Lg] = out;
    } else { /* M >> -sh, truncated: the bits below 2^E0 go */
        size_t q = (size_t)(-sh) / 64;
        unsigned r = (unsigned)((-sh) % 64);
        if (q < Lg) {
            if (r)
                mpn_rshift(T, M + q, (mp_size_t)(Lg - q), r);
            else
                mpn_copyi(T, M + q, (mp_size_t)(Lg - q));
        }
    }
}

static int fixed_init(dctx *D, const nc_cache *C)
{
    long emax = LONG_MIN;
    for (size_t e = 0; e < C->nparam; e++)
        if (!mpfr_zero_p(C->g + e) && mpfr_get_exp(C->g + e) > emax)
            emax = mpfr_get_exp(C->g + e);
    /* the top limb has room: max |g| 2^-E0 < 2^(p + 64) needs (p + 64) / 64 limbs, plus one for
       the shift of a significand that is not limb-aligned */
    D->L = (size_t)(C->prec + 64 + 63) / 64 + 1;
    D->E0 = (emax == LONG_MIN ? 0 : emax) - (long)C->prec - 64;
    D->G = malloc((C->nparam * D->L + 2 * 512 * (D->L + 1) + 2 * (D->L + 3)) * sizeof *D->G);
    D->gsg = malloc(C->nparam);
    if (D->G == NULL || D->gsg == NULL)
        return DP_ENOMEM;
    D->gacc = D->G + C->nparam * D->L, D->gtot = D->gacc + 2 * 512 * (D->L + 1);
    for (size_t e = 0; e < C->nparam; e++) {
        D->gsg[e] = (signed char)mpfr_sgn(C->g + e);
        if (D->gsg[e] == 0)
            for (size_t k = 0; k < D->L; k++)
                D->G[e * D->L + k] = 0;
        else
            to_fixed(D->G + e * D->L, C->g + e, D->E0, D->L);
    }
    return DP_OK;
}

/* D->A = v^T g over [lo, hi) (one rounding), D->sA = Σ |v_e g_e| (rounded up, in double). */
static void vtg(dctx *D, size_t lo, size_t hi)
{
    size_t L = D->L, L1 = L + 1, L3 = L + 3;
    mp_limb_t *acc = D->gacc, *tot = D->gtot;
    memset(acc, 0, 2 * 512 * L1 * sizeof *acc);
    memset(tot, 0, 2 * L3 * sizeof *tot);
    for (int k = 0; k < 512; k++)
        D->gabs[k] = 0;
    for (size_t e = lo; e < hi; e++) {
        if (D->gsg[e] == 0)
            continue;
        int k = D->kv[e] + 256;
        mp_limb_t *a = acc + ((size_t)(D->gsg[e] < 0) * 512 + (size_t)k) * L1;
        a[L] += mpn_add_n(a, a, D->G + e * L, (mp_size_t)L); /* a[L] counts the carries */
        D->gabs[k] += D->gd[e];
    }
    double sa = 0;
    for (int k = 0; k < 512; k++) { /* k g > 0 into tot, k g < 0 into tot + L3 */
        if (k == 256)
            continue;
        unsigned long kk = (unsigned long)(k > 256 ? k - 256 : 256 - k);
        for (int neg = 0; neg < 2; neg++) {
            mp_limb_t *a = acc + ((size_t)neg * 512 + (size_t)k) * L1;
            mp_limb_t *t = tot + (size_t)((k < 256) != neg) * L3;
            mp_limb_t c = mpn_addmul_1(t, a, (mp_size_t)L1, kk);
            mpn_add_1(t + L1, t + L1, 2, c);
        }
        sa += (double)kk * D->gabs[k];
    }
    int s = mpn_cmp(tot, tot + L3, (mp_size_t)L3) >= 0 ? 1 : -1;
    if (s > 0)
        mpn_sub_n(tot, tot, tot + L3, (mp_size_t)L3);
    else
        mpn_sub_n(tot, tot + L3, tot, (mp_size_t)L3);
    mpz_t z; /* the limbs, read as an integer without a copy */
    mp_size_t nl = (mp_size_t)L3;
    while (nl > 0 && tot[nl - 1] == 0)
        nl--;
    mpfr_set_z_2exp(D->A, mpz_roinit_n(z, tot, s * nl), D->E0 - NC_VSHIFT, MPFR_RNDN);
    mpfr_set_d(D->sA, ldexp(sa, -NC_VSHIFT), MPFR_RNDU);
}

void nc_theorem_delta(mpfr_ptr delta, const nc_cache *C, size_t i)
{
    size_t p = C->p, mp = C->mp;
    mpfr_ptr d = delta + C->hoff[p - 1];
    mpfr_srcptr P = C->P + i * mp, y = C->Y + i * mp;
    for (size_t k = 0; k < mp; k++) /* δ^{p-1} = S(z) Σŷ - ŷ: no ReLU on the last layer */
        mpfr_fms(d + k, P + k, C->sy + i, y + k, MPFR_RNDN);
    for (size_t l = p - 1; l-- > 0;) { /* δ^l = (δ^{l+1} W^{l+1}) ⊙ 1[h^l > 0] */
        size_t mi = C->m[l + 1], mo = C->m[l + 2];
        mpfr_srcptr up = delta + C->hoff[l + 1], W = C->theta + C->offW[l + 1];
        mpfr_srcptr h = C->h + i * C->hlen + C->hoff[l];
        d = delta + C->hoff[l];
        for (size_t j = 0; j < mi; j++) {
            mpfr_set_zero(d + j, +1);
            if (mpfr_sgn(h + j) <= 0) /* ReLU'(h) = 1[h > 0]: ReLU'(0) = 0 */
                continue;
            for (size_t u = 0; u < mo; u++) /* column j of W^{l+1}: W is (mo x mi) */
                mpfr_fma(d + j, up + u, W + u * mi + j, d + j, MPFR_RNDN);
        }
    }
}

/* The scratch of the directions at C's precision: with a δ recursion, the contracted path (its
   δ computed here, once); without, v^T g from the full gradient C->g in fixed point. */
static int dctx_init(dctx *D, const nc_cache *C, nc_delta_fn delta)
{
    size_t n = C->n, p = C->p, m0 = C->m[0], mp = C->mp;
    memset(D, 0, sizeof *D);
    D->C = C, D->contract = delta != NULL;
    for (size_t k = 0; k <= p; k++)
        D->wmax = C->m[k] > D->wmax ? C->m[k] : D->wmax;
    D->xm = malloc(n * m0 * sizeof *D->xm);
    D->xs = malloc(n * m0);
    D->xb = malloc((n * m0 + n) * sizeof *D->xb);
    D->emin = malloc(n * sizeof *D->emin);
    size_t wp = p * D->wmax;
    size_t ng = D->contract ? n * C->hlen : C->nparam; /* aup, or gd */
    D->pa0 = malloc((2 * wp + n * mp + 512 + n * m0 + ng) * sizeof *D->pa0);
    if (!D->xm || !D->xs || !D->xb || !D->emin || !D->pa0)
        return DP_ENOMEM;
    D->xabs = D->pa0 + 2 * wp + n * mp + 512, D->gd = D->xabs + n * m0;
    for (size_t e = 0; !D->contract && e < ng; e++)
        D->gd[e] = fabs(mpfr_get_d(C->g + e, MPFR_RNDU));
    D->aup = D->contract ? D->gd : NULL;
    for (size_t e = 0; D->contract && e < ng; e++)
        D->aup[e] = fabs(mpfr_get_d(C->a + e, MPFR_RNDU));
    D->nb = D->xb + n * m0;
    D->pa1 = D->pa0 + wp, D->Zabs = D->pa1 + wp, D->gabs = D->Zabs + n * mp;
    int nbmax = 1;
    for (size_t i = 0; i < n; i++) { /* x = xm 2^xe: every double is an integer of 53 bits */
        long lo = LONG_MAX;
        for (size_t j = 0; j < m0; j++) {
            const double xd = C->Xd[i * m0 + j];
            D->xabs[i * m0 + j] = fabs(xd);
            int ex;
            double f = frexp(xd, &ex);
            D->xm[i * m0 + j] = (int64_t)ldexp(f, 53);
            D->xb[i * m0 + j] = ex - 53; /* the exponent, for now */
            if (xd != 0 && ex - 53 < lo)
                lo = ex - 53;
        }
        D->emin[i] = lo == LONG_MAX ? 0 : lo;
        int hi = 0;
        for (size_t j = 0; j < m0; j++) {
            long d = D->xm[i * m0 + j] ? D->xb[i * m0 + j] - D->emin[i] : 0;
            D->xs[i * m0 + j] = (unsigned char)(d % 32);
            D->xb[i * m0 + j] = (int)(d / 32);
            hi = D->xb[i * m0 + j] > hi ? D->xb[i * m0 + j] : hi;
        }
        D->nb[i] = hi + 1;
        nbmax = hi + 1 > nbmax ? hi + 1 : nbmax;
    }
    D->acc = malloc((size_t)nbmax * sizeof *D->acc);
    D->xsh = malloc(n * m0 * sizeof *D->xsh);
    D->xl1 = malloc(n * sizeof *D->xl1);
    if (D->xsh == NULL || D->xl1 == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        D->xl1[i] = 0;
        for (size_t j = 0; j < m0; j++)
            D->xl1[i] += D->xabs[i * m0 + j];
        D->xl1[i] *= 1 + 0x1p-40; /* above the sum's roundings (m0 < 2^28 terms) */
    }
    for (size_t j = 0; j < n * m0; j++)
        D->xsh[j] = (i128)D->xm[j] * ((i128)1 << D->xs[j]);
    size_t nd = D->contract ? n * C->hlen : 0;
    D->nbuf = 2 * wp + n * p * mp + 4 * mp + (NC_LEVELS + 1) * (NC_LEVELS + 2) + 4 + 13 + nd;
    D->buf = nc_vec_init(D->nbuf, C->prec);
    D->big = nc_vec_init(2, 32 * (mpfr_prec_t)nbmax + 256); /* 2^127 x the span of the words */
    if (D->acc == NULL || D->buf == NULL || D->big == NULL)
        return DP_ENOMEM;
    D->bigt = D->big + 1;
    mpfr_ptr v = D->buf;
    D->P0 = v, v += wp;
    D->P1 = v, v += wp;
    D->Z = v, v += n * p * mp;
    D->zp = v, v += mp;
    D->zm = v, v += mp;
    D->ep = v, v += mp;
    D->em = v, v += mp;
    D->Q = v, v += NC_LEVELS + 1;
    D->tab = v, v += (NC_LEVELS + 1) * (NC_LEVELS + 1);
    D->t = v, v += 4;
    mpfr_ptr *named[13] = {&D->acc1, &D->x, &D->w, &D->ell, &D->up, &D->um, &D->df,
                           &D->lin,  &D->D, &D->E, &D->A,   &D->sA, &D->vlin};
    for (int k = 0; k < 13; k++)
        *named[k] = v++;
    if (!D->contract)
        return fixed_init(D, C);
    D->delta = v;
    for (size_t i = 0; i < n; i++)
        delta(D->delta + i * C->hlen, C, i);
    return DP_OK;
}

static void dctx_clear(dctx *D)
{
    free(D->G), free(D->gsg);
    free(D->xm), free(D->xs), free(D->xb), free(D->emin), free(D->pa0), free(D->acc);
    free(D->xsh), free(D->xl1);
    nc_vec_clear(D->buf);
    nc_vec_clear(D->big);
}

/* v_e within the restriction, as kv (0 outside). */
static int vk(const dctx *D, size_t e)
{
    return e >= D->lo && e < D->hi ? D->kv[e] : 0;
}


/* floor(a / b) for b > 0. */
static long floor_div(long a, long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* 2^-8 (Σ_j kv_j x_j + kb) for the first layer's unit u of sample i: the sum exact in integers
   (kv_j xm_j 2^xs_j < 2^92 within its word), one rounding at the end.  *abs receives
   2^-8 (Σ |kv_j| |x_j| + |kb|). */
static void first_layer(mpfr_ptr out, double *abs, dctx *D, size_t i, size_t u)
{
    const nc_cache *C = D->C;
    size_t m0 = C->m[0], row = C->offW[0] + u * m0, jlo = 0, jhi = 0;
    if (D->lo < row + m0 && D->hi > row) /* the restriction meets this row of V^0 */
        jlo = D->lo > row ? D->lo - row : 0, jhi = D->hi < row + m0 ? D->hi - row : m0;
    const i128 *xsh = D->xsh + i * m0;
    const int *xb = D->xb + i * m0;
    const int16_t *kv = D->kv + row;
    int nb = D->nb[i];
    for (int b = 0; b < nb; b++)
        D->acc[b] = 0;
    if (nb == 1) { /* the usual case: one word, kept in registers */
        i128 a = 0;
        for (size_t j = jlo; j < jhi; j++)
            a += (i128)kv[j] * xsh[j];
        D->acc[0] = a;
    } else {
        for (size_t j = jlo; j < jhi; j++)
            D->acc[xb[j]] += (i128)kv[j] * xsh[j];
    }
    mpfr_set_zero(D->big, +1);
    for (int b = 0; b < nb; b++) {
        if (D->acc[b] == 0)
            continue;
        long ex = D->emin[i] + 32 * b;
        mpfr_set_sj_2exp(D->bigt, (intmax_t)(D->acc[b] >> 64), ex + 64, MPFR_RNDN);
        mpfr_add(D->big, D->big, D->bigt, MPFR_RNDN); /* exact: big holds every bit */
        mpfr_set_uj_2exp(D->bigt, (uintmax_t)(uint64_t)D->acc[b], ex, MPFR_RNDN);
        mpfr_add(D->big, D->big, D->bigt, MPFR_RNDN);
    }
    int kb = vk(D, C->offb[0] + u);
    mpfr_add_si(out, D->big, kb, MPFR_RNDN); /* the one rounding */
    mpfr_mul_2si(out, out, -NC_VSHIFT, MPFR_RNDN);
    /* |v| < 1: Σ |v_j x_j| <= Σ |x_j| (0 where the restriction misses the row) */
    *abs = (jhi > jlo ? D->xl1[i] : 0) + ldexp(fabs((double)kb), -NC_VSHIFT);
}

#define COEF(P, d, u) ((P) + ((d) - 1) * D->wmax + (u))

/* Sample i's logits as a polynomial in t, coefficients d = 1..p into D->Z + i p mp (d - 1 major),
   and their magnitudes (|dz/dt| over the steps) into D->Zabs; lowers *e so that no moved ReLU
   argument changes sign within ±2^(*e + 1), and sets *kink when one exactly 0 moves. */
static void propagate(dctx *D, size_t i, long *e, int *kink, int *uncertain)
{
    const nc_cache *C = D->C;
    size_t p = C->p, mp = C->mp, deg = 1;
    mpfr_ptr P = D->P0, P1 = D->P1;
    double *pa = D->pa0, *pa1 = D->pa1;
    mpfr_srcptr delta = D->contract ? D->delta + i * C->hlen : NULL;
    for (size_t u = 0; u < C->m[1]; u++) {
        first_layer(COEF(P, 1, u), COEF(pa, 1, u), D, i, u); /* (V^0 x + c^0)_u */
        if (delta != NULL) {                                /* + δ^0_u (V^0 x + c^0)_u */
            mpfr_fma(D->A, delta + u, COEF(P, 1, u), D->A, MPFR_RNDN);
            D->sAd += fabs(mpfr_get_d(delta + u, MPFR_RNDU)) * *COEF(pa, 1, u);
        }
    }
    for (size_t l = 0; l + 1 < p; l++, deg++) {
        mpfr_srcptr h = C->h + i * C->hlen + C->hoff[l], a = C->a + i * C->hlen + C->hoff[l];
        const double *aabs = C->absh + i * C->hlen + C->hoff[l];
        const double *aup = D->contract ? D->aup + i * C->hlen + C->hoff[l] : NULL;
        long lg = 0;
        while ((1ul << lg) < deg)
            lg++;
        for (size_t u = 0; u < C->m[l + 1]; u++) { /* through the ReLU of layer l */
            int moves = 0;
            for (size_t d = 1; d <= deg; d++) {
                mpfr_ptr c = COEF(P, d, u);
                if (mpfr_zero_p(c))
                    continue;
                moves = 1;
                if (mpfr_zero_p(h + u))
                    continue;
                long b = floor_div(mpfr_get_exp(h + u) - 2 - lg - mpfr_get_exp(c), (long)d) - 1;
                *e = b < *e ? b : *e;
            }
            *kink |= moves && mpfr_zero_p(h + u);
            *uncertain |= moves && nc_within_rounding(C, i, C->hoff[l] + u);
            if (mpfr_sgn(h + u) <= 0) /* inactive, or frozen at ReLU'(0) = 0 */
                for (size_t d = 1; d <= deg; d++)
                    mpfr_set_zero(COEF(P, d, u), +1), *COEF(pa, d, u) = 0;
        }
        size_t mi = C->m[l + 1], mo = C->m[l + 2];
        mpfr_srcptr W = C->theta + C->offW[l + 1];
        const double *Wd = C->net->W[l + 1];
        for (size_t v = 0; v < mo; v++) { /* W ΔA + t (V a + c) + t V ΔA */
            for (size_t d = 1; d <= deg + 1; d++)
                mpfr_set_zero(COEF(P1, d, v), +1), *COEF(pa1, d, v) = 0;
            mpfr_set_zero(D->vlin, +1);
            double labs = 0, lsz = 0; /* |V| |a|: with absh (the floor's) and with |a| */
            for (size_t u = 0; u < mi; u++) {
                int k = vk(D, C->offW[l + 1] + v * mi + u);
                for (size_t d = 1; d <= deg; d++) {
                    mpfr_srcptr c = COEF(P, d, u);
                    if (mpfr_zero_p(c))
                        continue;
                    mpfr_fma(COEF(P1, d, v), W + v * mi + u, c, COEF(P1, d, v), MPFR_RNDN);
                    *COEF(pa1, d, v) += fabs(Wd[v * mi + u]) * *COEF(pa, d, u);
                    if (k != 0) {
                        mpfr_mul_si(D->acc1, c, k, MPFR_RNDN);
                        mpfr_mul_2si(D->acc1, D->acc1, -NC_VSHIFT, MPFR_RNDN);
                        mpfr_add(COEF(P1, d + 1, v), COEF(P1, d + 1, v), D->acc1, MPFR_RNDN);
                        *COEF(pa1, d + 1, v) += ldexp(abs(k), -NC_VSHIFT) * *COEF(pa, d, u);
                    }
                }
                if (k != 0 && !mpfr_zero_p(a + u)) { /* 2^8 (V a)_v */
                    mpfr_mul_si(D->acc1, a + u, k, MPFR_RNDN);
                    mpfr_add(D->vlin, D->vlin, D->acc1, MPFR_RNDN);
                    labs += abs(k) * aabs[u];
                    lsz += aup != NULL ? abs(k) * aup[u] : 0;
                }
            }
            int kb = vk(D, C->offb[l + 1] + v);
            mpfr_add_si(D->vlin, D->vlin, kb, MPFR_RNDN);
            mpfr_mul_2si(D->vlin, D->vlin, -NC_VSHIFT, MPFR_RNDN); /* (V a + c)_v, exactly scaled */
            labs = (labs + abs(kb)) * 0x1p-8; /* 2^-NC_VSHIFT */
            mpfr_add(COEF(P1, 1, v), COEF(P1, 1, v), D->vlin, MPFR_RNDN);
            *COEF(pa1, 1, v) += labs;
            if (delta != NULL) { /* + δ^{l+1}_v (V a + c)_v */
                mpfr_srcptr dv = delta + C->hoff[l + 1] + v;
                mpfr_fma(D->A, dv, D->vlin, D->A, MPFR_RNDN);
                D->sAd += fabs(mpfr_get_d(dv, MPFR_RNDU)) * (lsz + abs(kb)) * 0x1p-8;
            }
        }
        mpfr_ptr tp = P;
        P = P1, P1 = tp;
        double *ta = pa;
        pa = pa1, pa1 = ta;
    }
    mpfr_ptr Z = D->Z + i * p * mp;
    double *Zabs = D->Zabs + i * mp;
    for (size_t k = 0; k < mp; k++) {
        Zabs[k] = 0;
        for (size_t d = 1; d <= p; d++) {
            mpfr_set(Z + (d - 1) * mp + k, COEF(P, d, k), MPFR_RNDN);
            Zabs[k] += ldexp(*COEF(pa, d, k), (int)fmax(-2000, (double)(d - 1) * (C->e0 + 1)));
        }
    }
}

/* e^x - 1 by its series, truncated below 2^(-p-4) |x| (nc_series_len), else mpfr_expm1. */
static void expm1_series(mpfr_ptr out, mpfr_srcptr x, const nc_cache *C, mpfr_ptr t)
{
    if (mpfr_zero_p(x)) {
        mpfr_set_zero(out, +1);
        return;
    }
    int N = nc_series_len(C, mpfr_get_exp(x));
    if (N > NC_KMAX) {
        mpfr_expm1(out, x, MPFR_RNDN);
        return;
    }
    mpfr_set(t, C->ifact + N, MPFR_RNDN); /* x (1 + x (1/2! + x (1/3! + ...))) */
    for (int k = N - 1; k >= 1; k--)
        mpfr_fma(t, t, x, C->ifact + k, MPFR_RNDN);
    mpfr_mul(out, t, x, MPFR_RNDN);
}

/* z(±2^el) for sample i's logits polynomial into zp and zm: Horner, the scalings exact. */
static void logits_at(dctx *D, size_t i, long el)
{
    const nc_cache *C = D->C;
    size_t p = C->p, mp = C->mp;
    mpfr_srcptr Z = D->Z + i * p * mp;
    for (int s = 0; s < 2; s++) {
        mpfr_ptr z = s ? D->zm : D->zp;
        for (size_t k = 0; k < mp; k++) {
            mpfr_set(z + k, Z + (p - 1) * mp + k, MPFR_RNDN);
            for (size_t d = p - 1; d >= 1; d--) {
                mpfr_mul_2si(z + k, z + k, el, MPFR_RNDN);
                if (s)
                    mpfr_neg(z + k, z + k, MPFR_RNDN);
                mpfr_add(z + k, z + k, Z + (d - 1) * mp + k, MPFR_RNDN);
            }
            mpfr_mul_2si(z + k, z + k, el, MPFR_RNDN);
            if (s)
                mpfr_neg(z + k, z + k, MPFR_RNDN);
        }
    }
}

/* The direction v restricted to [lo, hi): v^T g against the extrapolated central difference of
   t -> F(θ + t v), judged as an entry is (derivative.c's rule, with Σ |v_e g_e| for the scale). */
static void dir_check(nc_judgement *jd, int *kink, dctx *D, size_t lo, size_t hi)
{
    const nc_cache *C = D->C;
    size_t n = C->n, mp = C->mp;
    D->lo = lo, D->hi = hi;
    long e = C->e0;
    *kink = 0, D->uncertain = 0;
    mpfr_set_zero(D->A, +1), D->sAd = 0;
    for (size_t i = 0; i < n; i++)
        propagate(D, i, &e, kink, &D->uncertain);
    /* the line's scale: the logits move by Σ_d t^d Z_d, so F varies on the scale where the
       largest term is 1; the first step keeps every term below 2^e0 (derivative.c's 2^-ceil(p/7)
       x scale), and e^x - 1 below its series' reach */
    for (size_t i = 0; i < n * C->p * mp; i++) {
        mpfr_srcptr z = D->Z + i;
        long d = (long)((i / mp) % C->p) + 1;
        if (!mpfr_zero_p(z) && floor_div(C->e0 - mpfr_get_exp(z), d) < e)
            e = floor_div(C->e0 - mpfr_get_exp(z), d);
    }
    double M = 0; /* the floor's size: as the entrywise check's, with |dz/dt| for |c| */
    for (size_t i = 0; i < n; i++) {
        double sp = 0, sy = 0;
        for (size_t k = 0; k < mp; k++) {
            sp += C->Pd[i * mp + k] * D->Zabs[i * mp + k];
            sy += fabs(mpfr_get_d(C->Y + i * mp + k, MPFR_RNDU)) * D->Zabs[i * mp + k];
        }
        M += fabs(mpfr_get_d(C->sy + i, MPFR_RNDU)) * sp * (1 + 2 * C->zabs[i]) + sy;
    }
    for (int l = 0; l <= NC_LEVELS; l++) {
        long el = e - l;
        mpfr_ptr Ql = D->Q + l;
        mpfr_set_zero(Ql, +1);
        for (size_t i = 0; i < n; i++) {
            mpfr_srcptr P = C->P + i * mp, y = C->Y + i * mp;
            logits_at(D, i, el);
            mpfr_set_zero(D->um, +1), mpfr_set_zero(D->df, +1), mpfr_set_zero(D->lin, +1);
            for (size_t k = 0; k < mp; k++) {
                expm1_series(D->ep + k, D->zp + k, C, D->x);
                expm1_series(D->em + k, D->zm + k, C, D->x);
                mpfr_fma(D->um, P + k, D->em + k, D->um, MPFR_RNDN);     /* u(-t) */
                mpfr_sub(D->x, D->ep + k, D->em + k, MPFR_RNDN);
                mpfr_fma(D->df, P + k, D->x, D->df, MPFR_RNDN);          /* u(t) - u(-t) */
                if (!mpfr_zero_p(y + k)) {
                    mpfr_sub(D->x, D->zp + k, D->zm + k, MPFR_RNDN);
                    mpfr_fma(D->lin, y + k, D->x, D->lin, MPFR_RNDN);    /* ŷ·(z(t) - z(-t)) */
                }
            }
            mpfr_add_ui(D->um, D->um, 1, MPFR_RNDN);
            mpfr_div(D->w, D->df, D->um, MPFR_RNDN);
            nc_log1p(D->ell, D->w, C, D->x); /* log Σ P e^{z(t)} - log Σ P e^{z(-t)} */
            mpfr_fma(Ql, C->sy + i, D->ell, Ql, MPFR_RNDN);
            mpfr_sub(Ql, Ql, D->lin, MPFR_RNDN);
        }
        mpfr_mul_2si(Ql, Ql, -(el + 1), MPFR_RNDN);
    }
    nc_richardson(D->D, D->E, D->Q, D->tab, D->x);
    mpfr_set_d(D->x, C->Cfd * M, MPFR_RNDU);
    mpfr_mul_2si(D->x, D->x, -(long)C->prec, MPFR_RNDU);
    mpfr_max(D->E, D->E, D->x, MPFR_RNDU);
    if (D->contract) /* A accumulated by propagate; sAd's roundings (< 2^-40 relative) covered */
        mpfr_set_d(D->sA, D->sAd * (1 + 0x1p-40), MPFR_RNDU);
    else
        vtg(D, lo, hi);
    if (mpfr_zero_p(D->sA)) /* the scale: the size M of the difference's terms when g = 0 */
        mpfr_set_d(D->sA, M, MPFR_RNDU);
    nc_judge(jd, D->A, D->D, D->E, D->sA, C->R, C->prec, C->need, D->t);
}

/* Direction number d of the seed: 8 bits per entry, 7 for the magnitude, 1 for the sign. */
static void direction(int16_t *kv, size_t nparam, uint64_t seed, size_t d)
{
    uint64_t s = seed ^ (0xd1b54a32d192ed03u * (uint64_t)(d + 1)), r = 0;
    for (size_t e = 0; e < nparam; e++) {
        if (e % 8 == 0)
            r = nc_rng_next(&s);
        int b = (int)(r & 255);
        r >>= 8;
        kv[e] = (int16_t)((128 + (b & 127)) * (b & 128 ? -1 : 1));
    }
}

/* Bisects [lo, hi), known to disagree, into the halves that disagree, down to single entries
   (at most NC_NAMED are named). */
static void drill(dctx *D, size_t lo, size_t hi, size_t *named, size_t *nnamed, size_t *evals)
{
    if (*nnamed >= NC_NAMED)
        return;
    if (hi - lo == 1) {
        named[(*nnamed)++] = lo;
        return;
    }
    size_t mid = lo + (hi - lo) / 2, cut[3] = {lo, mid, hi};
    for (int h = 0; h < 2; h++) {
        nc_judgement jd;
        int kink;
        dir_check(&jd, &kink, D, cut[h], cut[h + 1]);
        *evals += 2 * (NC_LEVELS + 1);
        if (jd.verdict == NC_REFUTED)
            drill(D, cut[h], cut[h + 1], named, nnamed, evals);
    }
}

/* The caches and scratch at prec 2^k, made when first needed. */
typedef struct {
    nc_cache C[NC_MAXLEVELS];
    dctx D[NC_MAXLEVELS];
    int ready[NC_MAXLEVELS];
    const dp_net *net;
    const double *X, *Yhat;
    size_t n;
    mpfr_prec_t prec;
    vr_netgrad_fn grad;     /* NULL: the contracted path, with delta */
    nc_delta_fn delta;
    const int16_t *kv;
} levels;

static dctx *level(levels *L, int k, int *st)
{
    if (*st != DP_OK || k >= NC_MAXLEVELS)
        return NULL;
    if (!L->ready[k]) {
        nc_cache *C = L->C + k;
        *st = nc_cache_forward(C, L->net, L->X, L->Yhat, L->n, L->prec << k);
        if (*st != DP_OK)
            return NULL;
        C->need = (double)L->prec / 4; /* the user's precision's p/4, at every level */
        L->ready[k] = 1;                /* cleared, with D[k], by levels_clear */
        if (L->grad != NULL && (*st = nc_cache_gradient(C, L->grad)) != DP_OK)
            return NULL;
        if ((*st = dctx_init(L->D + k, C, L->grad == NULL ? L->delta : NULL)) != DP_OK)
            return NULL;
    }
    L->D[k].kv = L->kv;
    return L->D + k;
}

/* One direction: checked at prec, then at twice it while the estimate is too coarse (up to
   NC_MAX_ESCALATED_PREC bits), a refutation confirmed at twice its precision, and drilled down
   at its precision.  Returns the verdict. */
static int one_direction(vr_netcheck_result *r, levels *L, size_t d, int *st)
{
    nc_judgement jd, jd2;
    int kink, kink2, k = 0;
    dctx *D = level(L, 0, st);
    if (D == NULL)
        return NC_UNDECIDED;
    size_t np = D->C->nparam;
    dir_check(&jd, &kink, D, 0, np);
    r->kinks += (size_t)kink;
    while (jd.verdict == NC_UNDECIDED && (L->prec << (k + 1)) <= NC_MAX_ESCALATED_PREC &&
           (D = level(L, ++k, st)) != NULL)
        dir_check(&jd, &kink, D, 0, np);
    if (D == NULL)
        return NC_UNDECIDED;
    r->min_bits = fmin(r->min_bits, jd.bits);
    char vals[100];
    mpfr_snprintf(vals, sizeof vals, "v^T g %.10Rg, difference %.10Rg ± %.1Re (%.0f bits%s)",
                  D->A, D->D, D->E, jd.bits, k > 0 ? ", raised p" : "");
    if (jd.verdict == NC_REFUTED) { /* confirmed at twice the precision, as derivative.c does */
        dctx *D2 = level(L, k + 1, st);
        if (D2 == NULL)
            return NC_UNDECIDED;
        dir_check(&jd2, &kink2, D2, 0, np);
        if (jd2.verdict != NC_REFUTED || jd2.bits >= jd.bits + (double)(L->prec << k) / 4)
            jd.verdict = NC_UNDECIDED, jd.fd_bits = L->C[0].need; /* rounding, not too coarse */
        else if (D2->uncertain) /* the gradient under test may see the other side */
            jd.verdict = NC_UNDECIDED, jd.fd_bits = -1;
    }
    if (jd.verdict == NC_UNDECIDED && r->note[0] == '\0')
        snprintf(r->note, sizeof r->note, "direction %zu: %s: %s", d, vals,
                 jd.fd_bits < 0                ? "a ReLU argument within rounding of 0 at 2p"
                 : jd.fd_bits < L->C[0].need ? "too coarse"
                                             : "shrank at 2p: rounding");
    if (jd.verdict != NC_REFUTED)
        return jd.verdict;
    size_t named[NC_NAMED], nnamed = 0;
    drill(L->D + k, 0, np, named, &nnamed, &r->drill_evals);
    if (r->worst == SIZE_MAX && nnamed > 0)
        r->worst = named[0];
    if (r->refuted == 0) {
        char name[48] = "none";
        if (nnamed > 0)
            vr_netcheck_entry_name(name, sizeof name, L->net, named[0]);
        snprintf(r->note, sizeof r->note, "direction %zu: %s; drill-down names %s%s", d, vals,
                 name, nnamed > 1 ? " and more" : "");
    }
    return NC_REFUTED;
}

static void levels_clear(levels *L)
{
    for (int k = 0; k < NC_MAXLEVELS; k++)
        if (L->ready[k]) {
            dctx_clear(L->D + k);
            nc_cache_clear(L->C + k);
        }
}

int nc_directions(vr_netcheck_result *r, const dp_net *net, const double *X, const double *Yhat,
                  size_t n, mpfr_prec_t prec, size_t ndirs, uint64_t seed, vr_netgrad_fn grad,
                  nc_delta_fn delta)
{
    if (r == NULL || (grad == NULL && delta == NULL))
        return DP_EINVAL;
    memset(r, 0, sizeof *r);
    r->worst = SIZE_MAX, r->min_bits = (double)prec;
    int st = nc_check_args(net, X, Yhat, n, prec);
    if (st != DP_OK)
        return st;
    if (prec > VR_NETCHECK_MAXPREC)
        return DP_EDOMAIN;
    levels L = {
        .net = net, .X = X, .Yhat = Yhat, .n = n, .prec = prec, .grad = grad, .delta = delta};
    dctx *D = level(&L, 0, &st);
    int16_t *kv = D != NULL ? malloc(D->C->nparam * sizeof *kv) : NULL;
    if (D != NULL && kv == NULL)
        st = DP_ENOMEM;
    L.kv = kv;
    for (size_t d = 0; st == DP_OK && d < ndirs; d++) {
        direction(kv, D->C->nparam, seed, d);
        int v = one_direction(r, &L, d, &st);
        if (st != DP_OK)
            break;
        r->entries++;
        if (v == NC_AGREE)
            r->agree++;
        else if (v == NC_REFUTED)
            r->refuted++;
        else
            r->undecided++;
    }
    levels_clear(&L);
    free(kv);
    return st;
}

int vr_netcheck_directions(vr_netcheck_result *r, const dp_net *net, const double *X,
                           const double *Yhat, size_t n, mpfr_prec_t prec, size_t ndirs,
                           uint64_t seed, vr_netgrad_fn grad)
{
    return nc_directions(r, net, X, Yhat, n, prec, ndirs, seed, grad, nc_theorem_delta);
}

int nc_direction_value(mpfr_ptr A, mpfr_ptr s, const dp_net *net, const double *X,
                       const double *Yhat, size_t n, mpfr_prec_t prec, uint64_t seed, size_t d,
                       vr_netgrad_fn grad)
{
    if (A == NULL || s == NULL)
        return DP_EINVAL;
    int st = nc_check_args(net, X, Yhat, n, prec);
    if (st != DP_OK)
        return st;
    levels L = {.net = net, .X = X, .Yhat = Yhat, .n = n, .prec = prec, .grad = grad,
                .delta = nc_theorem_delta};
    dctx *D = level(&L, 0, &st);
    int16_t *kv = D != NULL ? malloc(D->C->nparam * sizeof *kv) : NULL;
    if (D != NULL && kv == NULL)
        st = DP_ENOMEM;
    if (st == DP_OK) {
        nc_judgement jd;
        int kink;
        direction(kv, D->C->nparam, seed, d);
        D->kv = kv;
        dir_check(&jd, &kink, D, 0, D->C->nparam);
        mpfr_set(A, D->A, MPFR_RNDN);
        mpfr_set(s, D->sA, MPFR_RNDN);
    }
    levels_clear(&L);
    free(kv);
    return st;
}
