/* sign.c -- is a sign statement true?  w_ij ∂f_i/∂x_j(x) >= 0 for every entry the caller weights
   (w_ij != 0), f a smooth map: the finite-difference Jacobian D of f and its error estimate E
   (vr_fd_jacobian: Richardson-extrapolated central differences in MPFR at p, Ridders' estimate)
   against 0, with the allowance derivative.c gives a difference, 2E.  A refutation is confirmed
   at 2p; the precision ladder on request.  It knows no particular statement. */
#include <math.h>
#include <stdio.h>
#include "verify.h"

/* derivative.c's VR_FD_SAFETY: E is a difference of two extrapolation levels, which bounds the
   error of the better one once the sequence converges; 2 leaves room for E being an estimate. */
#define VR_SIGN_SAFETY 2.0

/* The highest precision a coarse check is raised to (derivative.c's ceiling too). */
#define VR_SIGN_MAX_PREC 32768

/* log2(a / b), clamped to [0, p]: b = 0 gives p, a = 0 gives 0. */
static double bits_of(mpfr_srcptr a, mpfr_srcptr b, mpfr_ptr t, mpfr_prec_t p)
{
    if (mpfr_zero_p(b))
        return (double)p;
    if (mpfr_zero_p(a))
        return 0;
    mpfr_div(t, a, b, MPFR_RNDN);
    mpfr_log2(t, t, MPFR_RNDN);
    double x = mpfr_get_d(t, MPFR_RNDN);
    return x < 0 ? 0 : x > (double)p ? (double)p : x;
}

/* Each weighted entry is one of: below 0 by more than the allowance (refuted); above 0 by more
   than it (its sign is certain whatever the estimate); within it of 0, which a true "≥ 0" does
   where the derivative is 0, and which decides only if the estimate claims p/4 bits of the row's
   scale (derivative.c's threshold).  Bits are the estimate's, log2(max(|D|, 2^-(p/2) s_i) / E),
   s_i = max_j |D_ij| (1 where the whole row is 0), as derivative.c measures agreement; 0 for a
   refuted entry. */
static int check_at(vr_result *r, const vr_map *map, const double *x, const double *w,
                    mpfr_prec_t p, dp_mpws *given, int rows, FILE *trace)
{
    size_t n = map->n, q = map->q;
    dp_mpws local, *ws = given;
    int st = DP_OK, coarse = 0;
    if (ws == NULL || ws->prec != p) {
        ws = &local;
        if ((st = dp_mpws_init(ws, p)) != DP_OK)
            return st;
    }
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr D = dp_mpws_push(ws, 2 * q * n + 5);
    if (D == NULL) {
        st = DP_ENOMEM;
        goto done;
    }
    mpfr_ptr E = D + q * n, v = E + q * n, tol = v + 1, ref = v + 2, s = v + 3, t = v + 4;
    if ((st = vr_fd_jacobian(D, E, map, x, ws)) != DP_OK)
        goto done;
    r->bits = r->fd_bits = (double)p;
    for (size_t i = 0; i < q; i++) {
        mpfr_set_zero(s, +1);
        for (size_t j = 0; j < n; j++) {
            mpfr_abs(t, D + i * n + j, MPFR_RNDN);
            mpfr_max(s, s, t, MPFR_RNDN);
        }
        if (mpfr_zero_p(s)) /* a row of zeros (a stationary point) is measured absolutely */
            mpfr_set_ui(s, 1, MPFR_RNDN);
        mpfr_mul_2si(s, s, -(long)p / 2, MPFR_RNDN);
        for (size_t j = 0; j < n; j++) {
            double wij = w[i * n + j];
            if (wij == 0)
                continue;
            mpfr_ptr Dij = D + i * n + j, Eij = E + i * n + j;
            mpfr_mul_d(v, Dij, wij, MPFR_RNDN);
            mpfr_mul_d(tol, Eij, VR_SIGN_SAFETY * fabs(wij), MPFR_RNDU);
            mpfr_abs(ref, Dij, MPFR_RNDN);
            mpfr_max(ref, ref, s, MPFR_RNDN);
            double bits = bits_of(ref, Eij, t, p);
            mpfr_neg(t, tol, MPFR_RNDN);
            int bad = mpfr_less_p(v, t) || mpfr_nan_p(v);
            int sure = mpfr_greater_p(v, tol);
            coarse |= !bad && !sure && bits < (double)p / 4;
            char idx[64]; /* named always: the note of a refutation uses it too */
            if (map->entry_name != NULL)
                map->entry_name(idx, sizeof idx, i, j, map->data);
            else
                snprintf(idx, sizeof idx, "%.20s[%zu,%zu]", map->name, i, j);
            if (trace != NULL) /* E is the change between extrapolation levels */
                mpfr_fprintf(trace, "  %-14s w × finite difference % .24Re  ± %.2Re\n  %-14s "
                                    "%.0f digits agree across extrapolation levels (%.0f "
                                    "bits):\n  %-14s %s\n",
                             idx, v, tol, "", floor(bits * 0.30103), bits, "",
                             bad ? "below 0  DISAGREE" : sure ? "above 0"
                                                             : "0 within the difference's error");
            r->fd_bits = fmin(r->fd_bits, bits);
            r->bits = fmin(r->bits, bad ? 0 : bits);
            if (bad) {
                if (r->verdict != VR_REFUTED)
                    mpfr_snprintf(r->note, sizeof r->note, "%s = %.10Rg is below 0 by more than "
                                  "the finite difference's error %.3Rg", idx, v, tol);
                r->verdict = VR_REFUTED;
                if (rows) { /* the statement's bound, 0, against the difference's value */
                    mpfr_set_zero(t, +1);
                    mpfr_abs(ref, v, MPFR_RNDU);
                    vr_result_row(r, idx, t, v, mpfr_get_d(ref, MPFR_RNDU),
                                  mpfr_get_d(tol, MPFR_RNDU));
                }
            }
        }
    }
    if (r->verdict == VR_HOLDS && coarse) {
        r->verdict = VR_UNDECIDED;
        snprintf(r->note, sizeof r->note, "%s: a derivative within its error of 0 and finite "
                 "differences too coarse (%.0f bits) to call it 0", map->name, r->fd_bits);
    }
done:
    dp_mpws_release(ws, mk);
    if (ws == &local)
        dp_mpws_clear(&local);
    return st;
}

int vr_check_sign(vr_result *r, const vr_map *map, const double *x, const double *w,
                  vr_ctx *ctx)
{
    vr_result_init(r);
    if (map->nk > 0) /* kinks need derivative.c's one-sided differences */
        return DP_EINVAL;
    mpfr_prec_t p = ctx->prec;
    double need = (double)p / 4;
    int st = check_at(r, map, x, w, p, &ctx->ws, 1, ctx->trace);
    if (st == DP_OK && r->verdict == VR_UNDECIDED) {
        /* A derivative of 0 along a coordinate far smaller than f (steps of 2^-(p/7) |x_j|) is
           below the difference's quantisation at p, 4 2^-p |f| / h: as derivative.c does, the
           check is repeated at a precision raised by the missing bits, doubling until decided
           or VR_SIGN_MAX_PREC. */
        mpfr_prec_t p2 = 2 * p + (mpfr_prec_t)(need - r->fd_bits);
        vr_result hi;
        for (;;) {
            vr_result_init(&hi);
            if ((st = check_at(&hi, map, x, w, p2, NULL, 1, NULL)) != DP_OK)
                return st;
            if (hi.verdict != VR_UNDECIDED || 2 * p2 > VR_SIGN_MAX_PREC)
                break;
            p2 *= 2;
        }
        if (hi.verdict != VR_UNDECIDED) {
            *r = hi;
            p = p2;
            if (r->verdict == VR_HOLDS)
                snprintf(r->note, sizeof r->note, "%s: decided at %ld bits (a derivative of 0 "
                         "along a coordinate far below the function's size)", map->name, (long)p);
        }
    }
    if (st == DP_OK && r->verdict == VR_REFUTED) { /* a refutation must survive twice p */
        vr_result conf;
        vr_result_init(&conf);
        st = check_at(&conf, map, x, w, 2 * p, NULL, 0, NULL);
        if (st == DP_OK && conf.verdict != VR_REFUTED) {
            r->verdict = VR_UNDECIDED;
            snprintf(r->note, sizeof r->note, "%s: a sign below 0 at %ld bits vanished at %ld",
                     map->name, (long)p, 2 * (long)p);
        }
    }
    for (int k = 0; st == DP_OK && ctx->ladder && k < VR_RUNGS; k++) {
        vr_result l;
        vr_result_init(&l);
        st = check_at(&l, map, x, w, vr_ladder[k], NULL, 0, NULL);
        r->ladder[k] = l.bits;
    }
    return st;
}
