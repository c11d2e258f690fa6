/* identity.c -- is an identity true?  lhs(x) = rhs(x) between two q-vectors, both evaluated in
   MPFR at the working precision p and held to the difference the caller's rounding analysis
   allows at p; bits of agreement against the caller's scale; the precision raised while the
   allowance is too coarse to decide; a refutation confirmed at 2p; the precision ladder on
   request.  It knows no particular identity: the caller gives both sides and the allowance. */
#include <math.h>
#include <stdio.h>
#include "verify.h"

/* An allowance that leaves fewer than p/4 bits of the scale cannot tell a true identity from a
   false one (the threshold derivative.c asks of a finite difference): the check is repeated at
   doubled precision while it is too coarse, up to this many bits (derivative.c's ceiling). */
#define VR_ID_MAX_PREC 32768

static double min_bits(mpfr_prec_t p)
{
    return (double)p / 4;
}

/* log2(a / b), clamped to [0, p]: a = 0 gives 0, b = 0 gives p. */
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

static void entry_name(char *buf, size_t len, const vr_identity *id, size_t i)
{
    if (id->entry_name != NULL)
        id->entry_name(buf, len, i, id->data);
    else
        snprintf(buf, len, "%.20s[%zu]", id->name, i);
}

/* explain: one entry, both sides to 24 digits, the significant digits they share. */
static void trace_entry(FILE *f, const char *idx, mpfr_srcptr l, mpfr_srcptr r, mpfr_srcptr d,
                        mpfr_srcptr a, double bits, int bad)
{
    char sl[64], sr[64];
    mpfr_snprintf(sl, sizeof sl, "% .24Re", l);
    mpfr_snprintf(sr, sizeof sr, "% .24Re", r);
    size_t same = 0;
    int digits = 0, lead = 1;
    while (sl[same] && sl[same] == sr[same] && sl[same] != 'e')
        same++;
    for (size_t k = 0; k < same; k++)
        if (sl[k] >= '0' && sl[k] <= '9' && !(lead && sl[k] == '0'))
            digits++, lead = 0;
    if (mpfr_equal_p(l, r))
        digits = 25;
    mpfr_fprintf(f, "  %-14s lhs %s\n  %-14s rhs %s\n  %-14s %d digits agree (%.0f bits); "
                    "|lhs - rhs| %.2Re, rounding allows %.2Re%s\n",
                 idx, sl, "", sr, "", digits, bits, d, a, bad ? "  DISAGREE" : "");
}

/* Both sides and the allowance at precision p into r (verdict, bits, and the failing entries if
   rows); *decides receives the bits the allowance leaves, min_i log2(scale_i / allowed_i). */
static int check_at(vr_result *r, double *decides, const vr_identity *id, mpfr_prec_t p,
                    dp_mpws *given, int rows, FILE *trace)
{
    size_t q = id->q;
    dp_mpws local, *ws = given;
    int st = DP_OK;
    if (ws == NULL || ws->prec != p) {
        ws = &local;
        if ((st = dp_mpws_init(ws, p)) != DP_OK)
            return st;
    }
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr L = dp_mpws_push(ws, 5 * q + 1);
    if (L == NULL) {
        st = DP_ENOMEM;
        goto done;
    }
    mpfr_ptr R = L + q, A = R + q, S = A + q, d = S + q, t = d + q;
    for (size_t i = 0; i < q; i++) { /* a bound that forgets an entry allows nothing there */
        mpfr_set_zero(A + i, +1);
        mpfr_set_zero(S + i, +1);
    }
    if ((st = id->lhs(L, id->data, ws)) != DP_OK || (st = id->rhs(R, id->data, ws)) != DP_OK ||
        (st = id->bound(A, S, L, R, id->data, ws)) != DP_OK)
        goto done;
    r->bits = (double)p;
    *decides = (double)p;
    for (size_t i = 0; i < q; i++) {
        /* |lhs - rhs| rounded at p: its relative error 2^-p is far below any allowance here */
        mpfr_sub(d + i, L + i, R + i, MPFR_RNDN);
        mpfr_abs(d + i, d + i, MPFR_RNDU);
        double bits = mpfr_zero_p(d + i) ? (double)p : bits_of(S + i, d + i, t, p);
        double dec = mpfr_zero_p(A + i) ? (double)p : bits_of(S + i, A + i, t, p);
        r->bits = fmin(r->bits, bits);
        *decides = fmin(*decides, dec);
        int bad = mpfr_greater_p(d + i, A + i) || mpfr_nan_p(d + i);
        char idx[64];
        if ((bad && rows) || trace != NULL)
            entry_name(idx, sizeof idx, id, i);
        if (trace != NULL)
            trace_entry(trace, idx, L + i, R + i, d + i, A + i, bits, bad);
        if (bad) {
            r->verdict = VR_REFUTED;
            r->bits = 0;
            if (rows)
                vr_result_row(r, idx, L + i, R + i, mpfr_get_d(d + i, MPFR_RNDU),
                              mpfr_get_d(A + i, MPFR_RNDU));
        }
    }
    r->fd_bits = *decides;
done:
    dp_mpws_release(ws, mk);
    if (ws == &local)
        dp_mpws_clear(&local);
    return st;
}

int vr_check_identity(vr_result *r, const vr_identity *id, vr_ctx *ctx)
{
    vr_result_init(r);
    double dec;
    mpfr_prec_t p = ctx->prec;
    int st = check_at(r, &dec, id, p, &ctx->ws, 1, ctx->trace);
    if (st != DP_OK)
        return st;
    if (r->verdict == VR_HOLDS && dec < min_bits(p)) {
        /* too coarse to decide: double the precision until the allowance is fine enough */
        vr_result hi;
        do {
            p *= 2;
            vr_result_init(&hi);
            if ((st = check_at(&hi, &dec, id, p, NULL, 1, NULL)) != DP_OK)
                return st;
        } while (hi.verdict == VR_HOLDS && dec < min_bits(p) && 2 * p <= VR_ID_MAX_PREC);
        if (hi.verdict == VR_HOLDS && dec < min_bits(p)) {
            r->verdict = VR_UNDECIDED;
            snprintf(r->note, sizeof r->note, "%s: the rounding allowance leaves %.0f bits even "
                     "at %ld bits", id->name, dec, (long)p);
        } else {
            *r = hi;
            snprintf(r->note, sizeof r->note, "%s: decided at %ld bits (the allowance at %ld "
                     "was too coarse)", id->name, (long)p, (long)ctx->prec);
        }
    }
    if (r->verdict == VR_REFUTED) { /* a refutation must survive twice the precision */
        vr_result conf;
        vr_result_init(&conf);
        if ((st = check_at(&conf, &dec, id, 2 * p, NULL, 0, NULL)) != DP_OK)
            return st;
        if (conf.verdict != VR_REFUTED) {
            r->verdict = VR_UNDECIDED;
            snprintf(r->note, sizeof r->note, "%s: a disagreement at %ld bits vanished at %ld",
                     id->name, (long)p, 2 * (long)p);
        } else {
            snprintf(r->note, sizeof r->note, "%s: the sides differ by more than rounding at %ld "
                     "bits allows, and again at %ld", id->name, (long)p, 2 * (long)p);
        }
    }
    for (int k = 0; ctx->ladder && k < VR_RUNGS; k++) {
        vr_result l;
        vr_result_init(&l);
        if ((st = check_at(&l, &dec, id, vr_ladder[k], NULL, 0, NULL)) != DP_OK)
            return st;
        r->ladder[k] = l.bits;
    }
    return DP_OK;
}
