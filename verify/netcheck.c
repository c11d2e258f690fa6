/* netcheck.c -- §5's theorem at real sizes: the cache of one forward pass at the working
   precision that both checks difference from, the series and the verdict they share, and the
   deterministic test networks (netcheck.h; docs/netcheck.md). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "netcheck_int.h"

static long ceil_div(long a, long b)
{
    return (a + b - 1) / b;
}

static int finite(const double *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* Values lo..hi-1 of a vector of n made by vec_alloc, set to +0: the significands follow the
   structs, limb-aligned.  A value not yet made must not be read (nor its memory touched: a large
   block that stays unread is never paged in). */
static void vec_make(mpfr_ptr v, size_t n, mpfr_prec_t prec, size_t lo, size_t hi)
{
    size_t limbs = mpfr_custom_get_size(prec); /* bytes, a whole number of limbs */
    char *sig = (char *)(v + n) + lo * limbs;
    for (size_t i = lo; i < hi; i++, sig += limbs) {
        mpfr_custom_init(sig, prec);
        mpfr_custom_init_set(v + i, MPFR_ZERO_KIND, 0, prec, sig);
    }
}

static mpfr_ptr vec_alloc(size_t n, mpfr_prec_t prec)
{
    size_t limbs = mpfr_custom_get_size(prec);
    if (n == 0 || n > SIZE_MAX / (sizeof(__mpfr_struct) + limbs))
        return NULL;
    return malloc(n * (sizeof(__mpfr_struct) + limbs));
}

mpfr_ptr nc_vec_init(size_t n, mpfr_prec_t prec)
{
    mpfr_ptr v = vec_alloc(n, prec);
    if (v != NULL)
        vec_make(v, n, prec, 0, n);
    return v;
}

void nc_vec_clear(mpfr_ptr v)
{
    free(v);
}

int nc_check_args(const dp_net *net, const double *X, const double *Yhat, size_t n,
                  mpfr_prec_t prec)
{
    if (net == NULL || net->m == NULL || net->W == NULL || net->b == NULL || X == NULL ||
        Yhat == NULL)
        return DP_EINVAL;
    if (net->p == 0 || net->p > VR_NETCHECK_MAXP || n == 0)
        return DP_EDIM;
    if (prec < 53 || prec > 2 * VR_NETCHECK_MAXPREC) /* twice: a refutation's confirmation */
        return DP_EDOMAIN;
    size_t total = 0;
    for (size_t k = 0; k <= net->p; k++) {
        if (net->m[k] == 0)
            return DP_EDIM;
        if (net->m[k] > ((size_t)1 << 28))
            return DP_ENOMEM; /* beyond any memory these checks could have */
    }
    for (size_t k = 0; k < net->p; k++) {
        if (net->W[k] == NULL || net->b[k] == NULL)
            return DP_EINVAL;
        if (!finite(net->W[k], net->m[k + 1] * net->m[k]) || !finite(net->b[k], net->m[k + 1]))
            return DP_EDOMAIN;
        total += net->m[k + 1] * (net->m[k] + 1);
        if (total > ((size_t)1 << 32))
            return DP_ENOMEM;
    }
    if (n > ((size_t)1 << 24))
        return DP_ENOMEM;
    if (!finite(X, n * net->m[0]) || !finite(Yhat, n * net->m[net->p]))
        return DP_EDOMAIN;
    return DP_OK;
}

/* ---- the cache ------------------------------------------------------------------------------- */

__extension__ typedef __int128 i128; /* gcc and clang: exact sums of 2^28 products of 96 bits */

/* v = m 2^e exactly, m an integer of at most 53 bits (0 for v = 0), read from v's IEEE fields
   (frexp and ldexp cost a fifth of the forward pass on [784,32,10]); v is finite. */
static void split(int64_t *m, long *e, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    long be = (long)(u >> 52 & 0x7ff);
    int64_t f = (int64_t)(u & ((UINT64_C(1) << 52) - 1));
    *m = be > 0 ? f | (INT64_C(1) << 52) : f; /* a subnormal has no hidden bit */
    *e = (be > 0 ? be : 1) - 1075;
    if (u >> 63)
        *m = -*m;
}

/* The first layer of sample i, h = x W^T + b, rounded once from the exact sum: every product of
   two doubles is two integers of at most 80 bits (W's significand cut in halves of 26 and 27
   bits), added into words of 16-bit-aligned exponents (a word holds 2^28 of them); the words then
   go, exactly, into an MPFR number wide enough for all of them.  As accurate as a dot product can
   be, and a tenth of dp_dense_mp's time.  W = wm 2^we and x = xm 2^xe are split already; big is
   re-precisioned to the width needed, bigt holds 64 bits. */
static void first_layer(nc_cache *C, const int64_t *wm, const long *we, const int64_t *xm,
                        const long *xe, mpfr_ptr hrow, mpfr_ptr big, mpfr_ptr bigt)
{
    size_t m0 = C->m[0], m1 = C->m[1];
    enum { WORDS = 300 }; /* (2 x 2098 exponents of doubles + 27) / 16 + 1 */
    i128 acc[WORDS];
    for (size_t u = 0; u < m1; u++, wm += m0, we += m0) {
        long lo = LONG_MAX, hi = LONG_MIN;
        for (size_t j = 0; j < m0; j++) {
            if (wm[j] == 0 || xm[j] == 0)
                continue;
            lo = we[j] + xe[j] < lo ? we[j] + xe[j] : lo;
            hi = we[j] + xe[j] > hi ? we[j] + xe[j] : hi;
        }
        mpfr_set_d(hrow + u, C->net->b[0][u], MPFR_RNDN);
        if (lo == LONG_MAX)
            continue;
        size_t words = (size_t)(hi - lo + 27) / 16 + 1;
        for (size_t k = 0; k < words; k++)
            acc[k] = 0;
        for (size_t j = 0; j < m0; j++) {
            if (wm[j] == 0 || xm[j] == 0)
                continue;
            int neg = (wm[j] < 0) != (xm[j] < 0);
            uint64_t a = (uint64_t)(wm[j] < 0 ? -wm[j] : wm[j]);
            uint64_t b = (uint64_t)(xm[j] < 0 ? -xm[j] : xm[j]);
            i128 plo = (i128)(a & ((1u << 27) - 1)) * (i128)b, phi = (i128)(a >> 27) * (i128)b;
            long d = we[j] + xe[j] - lo;
            plo *= (i128)1 << (d % 16), phi *= (i128)1 << ((d + 27) % 16);
            acc[d / 16] += neg ? -plo : plo;
            acc[(d + 27) / 16] += neg ? -phi : phi;
        }
        mpfr_set_prec(big, 16 * (mpfr_prec_t)words + 192);
        mpfr_set_zero(big, +1);
        for (size_t k = 0; k < words; k++) {
            if (acc[k] == 0)
                continue;
            long ex = lo + 16 * (long)k;
            mpfr_set_sj_2exp(bigt, (intmax_t)(acc[k] >> 64), ex + 64, MPFR_RNDN);
            mpfr_add(big, big, bigt, MPFR_RNDN); /* exact */
            mpfr_set_uj_2exp(bigt, (uintmax_t)(uint64_t)acc[k], ex, MPFR_RNDN);
            mpfr_add(big, big, bigt, MPFR_RNDN);
        }
        mpfr_add(hrow + u, big, hrow + u, MPFR_RNDN); /* + b: the one rounding */
    }
}

/* The forward pass of sample i at C->prec: h^l, ReLU(h^l), S(z), and the running magnitudes
   absh = |W| absh_below + |b| (|x| at the input; inactive units kept, which only makes it larger)
   that bound the rounding of every cached value (docs/netcheck.md, the floor). */
static int forward(nc_cache *C, const double *Xd, size_t i, const int64_t *wm, const long *we,
                   int64_t *xm, long *xe, mpfr_ptr big, dp_mpws *ws)
{
    size_t p = C->p, m0 = C->m[0];
    mpfr_ptr h = C->h + i * C->hlen, a = C->a + i * C->hlen;
    double *absh = C->absh + i * C->hlen;
    for (size_t l = 0; l < p; l++) {
        size_t mi = C->m[l], mo = C->m[l + 1];
        const double *inabs = l == 0 ? Xd + i * m0 : absh + C->hoff[l - 1];
        if (l == 0) {
            for (size_t j = 0; j < m0; j++)
                split(xm + j, xe + j, Xd[i * m0 + j]);
            first_layer(C, wm, we, xm, xe, h, big, big + 1);
        } else {
            int st = dp_dense_mp(h + C->hoff[l], a + C->hoff[l - 1], C->theta + C->offW[l],
                                 C->theta + C->offb[l], mi, mo, ws);
            if (st != DP_OK)
                return st;
        }
        const double *W = C->net->W[l], *b = C->net->b[l];
        for (size_t u = 0; u < mo; u++) {
            double s = fabs(b[u]);
            for (size_t j = 0; j < mi; j++)
                s += fabs(W[u * mi + j]) * fabs(inabs[j]);
            absh[C->hoff[l] + u] = s;
            if (l + 1 < p) {
                mpfr_ptr hu = h + C->hoff[l] + u, au = a + C->hoff[l] + u;
                if (mpfr_sgn(hu) > 0)
                    mpfr_set(au, hu, MPFR_RNDN);
                else
                    mpfr_set_zero(au, +1);
            }
        }
    }
    mpfr_ptr z = h + C->hoff[p - 1], P = C->P + i * C->mp, y = C->Y + i * C->mp;
    int st = dp_softmax_mp(P, z, C->mp, ws);
    mpfr_set_zero(C->sy + i, +1);
    C->zabs[i] = 0;
    for (size_t k = 0; st == DP_OK && k < C->mp; k++) {
        mpfr_add(C->sy + i, C->sy + i, y + k, MPFR_RNDN);
        C->Pd[i * C->mp + k] = mpfr_get_d(P + k, MPFR_RNDU);
        C->zabs[i] = fmax(C->zabs[i], absh[C->hoff[p - 1] + k]);
    }
    return st;
}

/* The gradient under test at C->prec, packed like θ, and its size max |g_e|. */
static int gradient(nc_cache *C, vr_netgrad_fn grad, dp_mpws *ws)
{
    size_t p = C->p;
    mpfr_ptr *ptr = malloc(4 * p * sizeof *ptr);
    mpfr_ptr loss = dp_mpws_push(ws, 1);
    if (ptr == NULL || loss == NULL) {
        free(ptr);
        return DP_ENOMEM;
    }
    for (size_t k = 0; k < p; k++) {
        ptr[k] = C->theta + C->offW[k], ptr[p + k] = C->theta + C->offb[k];
        ptr[2 * p + k] = C->g + C->offW[k], ptr[3 * p + k] = C->g + C->offb[k];
    }
    dp_net_mp net = {p, C->m, ptr, ptr + p};
    int st = (grad != NULL ? grad : dp_global_loss_gradient_mp)(loss, ptr + 2 * p, ptr + 3 * p,
                                                                &net, C->X, C->Y, C->n, ws);
    free(ptr);
    mpfr_set_zero(C->srow, +1);
    for (size_t e = 0; st == DP_OK && e < C->nparam; e++) {
        if (!mpfr_number_p(C->g + e))
            return DP_EDOMAIN; /* a gradient under test that is not finite: refused, not judged */
        if (mpfr_cmpabs(C->g + e, C->srow) > 0)
            mpfr_abs(C->srow, C->g + e, MPFR_RNDN);
    }
    return st;
}

int nc_cache_gradient(nc_cache *C, vr_netgrad_fn grad)
{
    size_t n = C->n, m0 = C->m[0], w0 = C->m[1] * m0;
    C->gvals = nc_vec_init(n * m0 + C->nparam + 1, C->prec);
    if (C->gvals == NULL)
        return DP_ENOMEM;
    C->X = C->gvals, C->g = C->X + n * m0, C->srow = C->g + C->nparam;
    vec_make(C->vals, C->nvals, C->prec, C->offW[0], C->offW[0] + w0); /* θ's W[0] */
    for (size_t e = 0; e < w0; e++) /* exact, since prec >= 53 */
        mpfr_set_d(C->theta + C->offW[0] + e, C->net->W[0][e], MPFR_RNDN);
    for (size_t e = 0; e < n * m0; e++)
        mpfr_set_d(C->X + e, C->Xd[e], MPFR_RNDN);
    dp_mpws ws;
    int st = dp_mpws_init(&ws, C->prec);
    if (st == DP_OK)
        st = gradient(C, grad, &ws);
    dp_mpws_clear(&ws);
    return st;
}

/* Lays out the cache: offsets, then one MPFR vector and one block of doubles. */
static int layout(nc_cache *C, const dp_net *net, size_t n, mpfr_prec_t prec)
{
    size_t p = net->p;
    C->net = net, C->p = p, C->n = n, C->m = net->m, C->mp = net->m[p], C->prec = prec;
    C->e0 = -ceil_div((long)prec, 2 * NC_LEVELS + 1);
    C->offW = malloc((3 * p + 1) * sizeof *C->offW);
    if (C->offW == NULL)
        return DP_ENOMEM;
    C->offb = C->offW + p, C->hoff = C->offW + 2 * p;
    size_t off = 0, widths = 0;
    C->hoff[0] = 0;
    for (size_t k = 0; k < p; k++) {
        C->offW[k] = off;
        off += net->m[k + 1] * net->m[k];
        C->offb[k] = off;
        off += net->m[k + 1];
        C->hoff[k + 1] = C->hoff[k] + net->m[k + 1];
        widths += net->m[k];
    }
    C->nparam = off, C->hlen = C->hoff[p];
    widths += net->m[p];
    /* derivative.c's allowance for the statement's roundings, R = 4 (n + q) + 64 with n the
       parameters and q = 1; and the roundings along one path of the difference: the forward pass
       (a dot product of m[l] terms per layer), the tangent's propagation, the top's series
       (N + M <= 2 NC_KMAX terms) and the sum over samples, 8 times over for Richardson's weights
       and first-order slack */
    C->R = 4.0 * ((double)off + 1) + 64;
    C->need = (double)prec / 4;
    C->Cfd = 8.0 * ((double)widths + (double)p + (double)n) + 1024;
    size_t mp = net->m[p], hl = C->hlen;
    C->nvals = off + n * mp + 2 * n * hl + n * mp + n + 2 * (NC_KMAX + 1) + 1;
    C->vals = vec_alloc(C->nvals, prec); /* made but θ's W[0] (nc_cache_gradient makes it) */
    if (C->vals != NULL)
        vec_make(C->vals, C->nvals, prec, net->m[1] * net->m[0], C->nvals);
    C->lfact = malloc((NC_KMAX + 2 + n * hl + n * mp + n) * sizeof *C->lfact);
    if (C->vals == NULL || C->lfact == NULL)
        return DP_ENOMEM;
    mpfr_ptr v = C->vals;
    C->theta = v, v += off;
    C->Y = v, v += n * mp;
    C->h = v, v += n * hl;
    C->a = v, v += n * hl;
    C->P = v, v += n * mp;
    C->sy = v, v += n;
    C->inv = v, v += NC_KMAX + 1;
    C->ifact = v, v += NC_KMAX + 1;
    C->one = v;
    C->absh = C->lfact + NC_KMAX + 2;
    C->Pd = C->absh + n * hl;
    C->zabs = C->Pd + n * mp;
    return DP_OK;
}

int nc_cache_forward(nc_cache *C, const dp_net *net, const double *X, const double *Yhat,
                     size_t n, mpfr_prec_t prec)
{
    memset(C, 0, sizeof *C);
    int st = nc_check_args(net, X, Yhat, n, prec);
    if (st == DP_OK)
        st = layout(C, net, n, prec);
    if (st != DP_OK) {
        nc_cache_clear(C);
        return st;
    }
    C->Xd = X;
    size_t p = C->p;
    for (size_t k = 0; k < p; k++) { /* θ and Ŷ: exact, since prec >= 53; W[0] is not read */
        for (size_t e = 0; k > 0 && e < net->m[k + 1] * net->m[k]; e++)
            mpfr_set_d(C->theta + C->offW[k] + e, net->W[k][e], MPFR_RNDN);
        for (size_t e = 0; e < net->m[k + 1]; e++)
            mpfr_set_d(C->theta + C->offb[k] + e, net->b[k][e], MPFR_RNDN);
    }
    for (size_t e = 0; e < n * C->mp; e++)
        mpfr_set_d(C->Y + e, Yhat[e], MPFR_RNDN);
    mpfr_set_ui(C->one, 1, MPFR_RNDN);
    C->lfact[0] = 0;
    for (unsigned k = 0; k <= NC_KMAX; k++) {
        if (k > 0) {
            mpfr_set_si(C->inv + k, k % 2 ? 1 : -1, MPFR_RNDN);
            mpfr_div_ui(C->inv + k, C->inv + k, k, MPFR_RNDN);
        }
        mpfr_fac_ui(C->ifact + k, k, MPFR_RNDN);
        mpfr_ui_div(C->ifact + k, 1, C->ifact + k, MPFR_RNDN);
        C->lfact[k + 1] = C->lfact[k] + log2((double)(k + 1));
    }
    dp_mpws ws;
    st = dp_mpws_init(&ws, prec);
    size_t m0 = C->m[0], w0 = C->m[1] * m0;
    int64_t *wm = malloc((w0 + m0) * sizeof *wm);
    long *we = malloc((w0 + m0) * sizeof *we);
    mpfr_t big[2];
    mpfr_init2(big[0], 64), mpfr_init2(big[1], 64);
    if (wm == NULL || we == NULL)
        st = DP_ENOMEM;
    for (size_t e = 0; st == DP_OK && e < w0; e++)
        split(wm + e, we + e, net->W[0][e]);
    for (size_t i = 0; st == DP_OK && i < n; i++)
        st = forward(C, X, i, wm, we, wm + w0, we + w0, big[0], &ws);
    mpfr_clear(big[0]), mpfr_clear(big[1]);
    free(wm), free(we);
    dp_mpws_clear(&ws);
    if (st != DP_OK)
        nc_cache_clear(C);
    return st;
}

int nc_cache_init(nc_cache *C, const dp_net *net, const double *X, const double *Yhat, size_t n,
                  mpfr_prec_t prec, vr_netgrad_fn grad)
{
    int st = nc_cache_forward(C, net, X, Yhat, n, prec);
    if (st == DP_OK && (st = nc_cache_gradient(C, grad)) != DP_OK)
        nc_cache_clear(C);
    return st;
}

void nc_cache_clear(nc_cache *C)
{
    nc_vec_clear(C->vals);
    nc_vec_clear(C->gvals);
    free(C->offW);
    free(C->lfact);
    memset(C, 0, sizeof *C);
}

/* ---- what both checks share ------------------------------------------------------------------ */

double nc_lg2(mpfr_srcptr x)
{
    if (mpfr_zero_p(x))
        return -INFINITY;
    long ex;
    double d = mpfr_get_d_2exp(&ex, x, MPFR_RNDN);
    return (double)ex + log2(fabs(d));
}

int nc_within_rounding(const nc_cache *C, size_t i, size_t u)
{
    mpfr_srcptr h = C->h + i * C->hlen + u;
    double b = C->Cfd * C->absh[i * C->hlen + u];
    return !mpfr_zero_p(h) && nc_lg2(h) <= log2(b) - (double)C->prec;
}

int nc_series_len(const nc_cache *C, long lr)
{
    if (lr >= 0)
        return NC_KMAX + 1;
    for (int N = 1; N <= NC_KMAX; N++)
        if (1 + (double)N * (double)lr - C->lfact[N + 1] <= -(double)C->prec - 4)
            return N;
    return NC_KMAX + 1;
}

void nc_log1p(mpfr_ptr out, mpfr_srcptr w, const nc_cache *C, mpfr_ptr t)
{
    if (mpfr_zero_p(w)) {
        mpfr_set_zero(out, +1);
        return;
    }
    /* |w| < 2^ew: the series' tail after w^M/M is below |w|^(M+1) / ((M+1)(1 - |w|)), at most
       2^(M ew) |w| for |w| < 1/4: M = ceil((p + 4) / -ew) terms leave it below 2^(-p-4) |w| */
    long ew = mpfr_get_exp(w);
    long M = ew <= -2 ? ceil_div((long)C->prec + 4, -ew) : NC_KMAX + 1;
    if (M > NC_KMAX) {
        mpfr_log1p(out, w, MPFR_RNDN);
        return;
    }
    mpfr_set(t, C->inv + M, MPFR_RNDN); /* w (1 + w (-1/2 + w (1/3 + ... w (±1/M)))) */
    for (long k = M - 1; k >= 1; k--)
        mpfr_fma(t, t, w, C->inv + k, MPFR_RNDN);
    mpfr_mul(out, w, t, MPFR_RNDN);
}

#define TAB(i, k) (tab + (i) * (NC_LEVELS + 1) + (k))

void nc_richardson(mpfr_ptr D, mpfr_ptr E, mpfr_srcptr Q, mpfr_ptr tab, mpfr_ptr t)
{
    for (int i = 0; i <= NC_LEVELS; i++) {
        mpfr_set(TAB(i, 0), Q + i, MPFR_RNDN);
        for (int k = 1; k <= i; k++) { /* the central quotient's error goes in h^2 */
            mpfr_sub(t, TAB(i, k - 1), TAB(i - 1, k - 1), MPFR_RNDN);
            mpfr_div_ui(t, t, (1ul << (2 * k)) - 1, MPFR_RNDN);
            mpfr_add(TAB(i, k), TAB(i, k - 1), t, MPFR_RNDN);
        }
    }
    mpfr_set(D, TAB(NC_LEVELS, NC_LEVELS), MPFR_RNDN);
    mpfr_sub(t, D, TAB(NC_LEVELS, NC_LEVELS - 1), MPFR_RNDU);
    mpfr_abs(E, t, MPFR_RNDU);
    mpfr_sub(t, D, TAB(NC_LEVELS - 1, NC_LEVELS - 1), MPFR_RNDU);
    mpfr_abs(t, t, MPFR_RNDU);
    mpfr_max(E, E, t, MPFR_RNDU);
}

void nc_judge(nc_judgement *j, mpfr_srcptr A, mpfr_srcptr D, mpfr_srcptr E, mpfr_srcptr scale,
              double R, mpfr_prec_t p, double need, mpfr_ptr t)
{
    mpfr_ptr diff = t, allowed = t + 1, ref = t + 2, u = t + 3;
    mpfr_sub(diff, A, D, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDU);
    mpfr_abs(allowed, A, MPFR_RNDU); /* 2E + R 2^-p (|A| + scale) */
    mpfr_add(allowed, allowed, scale, MPFR_RNDU);
    mpfr_mul_d(allowed, allowed, R, MPFR_RNDU);
    mpfr_mul_2si(allowed, allowed, -(long)p, MPFR_RNDU);
    mpfr_mul_2ui(u, E, 1, MPFR_RNDU);
    mpfr_add(allowed, allowed, u, MPFR_RNDU);
    mpfr_abs(ref, D, MPFR_RNDN); /* max(|A|, |D|, 2^(-p/2) scale) */
    mpfr_abs(u, A, MPFR_RNDN);
    mpfr_max(ref, ref, u, MPFR_RNDN);
    mpfr_mul_2si(u, scale, -(long)p / 2, MPFR_RNDN);
    mpfr_max(ref, ref, u, MPFR_RNDN);
    double P = (double)p, lref = nc_lg2(ref);
    j->bits = P, j->fd_bits = P;
    if (!mpfr_zero_p(ref) && !mpfr_zero_p(diff))
        j->bits = fmax(0, fmin(P, lref - nc_lg2(diff)));
    if (!mpfr_zero_p(ref) && !mpfr_zero_p(E))
        j->fd_bits = fmax(0, fmin(P, lref - nc_lg2(E)));
    if (mpfr_greater_p(diff, allowed))
        j->verdict = NC_REFUTED;
    else
        j->verdict = j->fd_bits < need ? NC_UNDECIDED : NC_AGREE;
}

/* ---- test networks ------------------------------------------------------------------------- */

int vr_netcheck_make(dp_net *net, double **X, double **Yhat, const size_t *widths, size_t p,
                     size_t n, uint64_t seed)
{
    if (net == NULL || X == NULL || Yhat == NULL || widths == NULL)
        return DP_EINVAL;
    memset(net, 0, sizeof *net);
    *X = *Yhat = NULL;
    if (p == 0 || p > VR_NETCHECK_MAXP || n == 0)
        return DP_EDIM;
    size_t total = 0;
    for (size_t k = 0; k <= p; k++)
        if (widths[k] == 0)
            return DP_EDIM;
        else if (widths[k] > ((size_t)1 << 28))
            return DP_ENOMEM;
    for (size_t k = 0; k < p; k++)
        if ((total += widths[k + 1] * (widths[k] + 1)) > ((size_t)1 << 32))
            return DP_ENOMEM;
    if (n > ((size_t)1 << 24))
        return DP_ENOMEM;
    size_t *m = malloc((p + 1) * sizeof *m);
    double **ptr = malloc(2 * p * sizeof *ptr);
    double *theta = malloc(total * sizeof *theta);
    *X = malloc(n * widths[0] * sizeof **X);
    *Yhat = calloc(n * widths[p], sizeof **Yhat);
    if (m == NULL || ptr == NULL || theta == NULL || *X == NULL || *Yhat == NULL) {
        free(m), free(ptr), free(theta), free(*X), free(*Yhat);
        *X = *Yhat = NULL;
        return DP_ENOMEM;
    }
    uint64_t s = seed;
    double *v = theta;
    for (size_t k = 0; k <= p; k++)
        m[k] = widths[k];
    for (size_t k = 0; k < p; k++) {
        double a = sqrt(6.0 / (double)m[k]); /* uniform on ±a has He's variance 2/m[k] */
        ptr[k] = v;
        for (size_t e = 0; e < m[k + 1] * m[k]; e++)
            *v++ = nc_rng_sym(&s) * a;
        ptr[p + k] = v;
        for (size_t e = 0; e < m[k + 1]; e++)
            *v++ = nc_rng_sym(&s) * 0x1p-4;
    }
    for (size_t e = 0; e < n * m[0]; e++)
        (*X)[e] = nc_rng_sym(&s);
    for (size_t i = 0; i < n; i++)
        (*Yhat)[i * m[p] + (size_t)(((nc_rng_next(&s) >> 32) * (uint64_t)m[p]) >> 32)] = 1;
    net->p = p, net->m = m, net->W = ptr, net->b = ptr + p;
    return DP_OK;
}

void vr_netcheck_free(dp_net *net, double *X, double *Yhat)
{
    if (net != NULL && net->W != NULL) {
        free(net->W[0]); /* θ, then the pointers, then the widths: as vr_netcheck_make made them */
        free((void *)net->W);
        free((void *)net->m);
        memset(net, 0, sizeof *net);
    }
    free(X);
    free(Yhat);
}

void vr_netcheck_entry_name(char *buf, size_t len, const dp_net *net, size_t e)
{
    for (size_t k = 0; k < net->p; k++) {
        size_t w = net->m[k + 1] * net->m[k];
        if (e < w) {
            snprintf(buf, len, "dW^%zu[%zu,%zu]", k + 1, e / net->m[k], e % net->m[k]);
            return;
        }
        e -= w;
        if (e < net->m[k + 1]) {
            snprintf(buf, len, "db^%zu[%zu]", k + 1, e);
            return;
        }
        e -= net->m[k + 1];
    }
    snprintf(buf, len, "?");
}
