/* accuracy.c -- is a double implementation accurate?  Its output against the MPFR reference
   evaluated on the same exact double inputs at VR_REF_PREC bits, entry by entry, within a stated
   condition-aware bound; the measured error / bound is reported. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "verify.h"

/* 256 bits: the reference's own error, a few hundred roundings of 2^-256 relative to the same
   terms the bounds are made of, is below 2^-240 of any bound here (they are >= 2^-53 of it). */
#define VR_REF_PREC 256

int vr_check_double(vr_result *r, const vr_op *op, const vr_case *c, vr_ctx *ctx)
{
    (void)ctx;
    vr_result_init(r);
    size_t q = op->q(c);
    if (q == 0)
        return DP_EDIM;
    double *got = malloc(2 * q * sizeof *got);
    if (got == NULL)
        return DP_ENOMEM;
    double *bound = got + q;
    dp_mpws ws;
    int st = dp_mpws_init(&ws, VR_REF_PREC);
    mpfr_ptr ref = st == DP_OK ? dp_mpws_push(&ws, q + 2) : NULL;
    if (ref == NULL)
        st = DP_ENOMEM;
    if (st == DP_OK)
        st = op->ref(ref, c, &ws);
    int impl_st = DP_OK;
    if (st == DP_OK)
        impl_st = op->impl(got, c);
    if (st == DP_OK && impl_st != DP_OK) {
        r->verdict = VR_REFUTED;
        snprintf(r->note, sizeof r->note, "%s: the implementation refused a valid input (%s)",
                 op->name, dp_strerror(impl_st));
    } else if (st == DP_OK) {
        op->bound(bound, c, ref, VR_U_DOUBLE);
        mpfr_ptr d = ref + q, t = ref + q + 1;
        r->err_ratio = 0;
        for (size_t i = 0; i < q; i++) {
            /* |got - ref| / bound in MPFR: the reference may be far below double's range */
            mpfr_set_d(d, got[i], MPFR_RNDN);
            mpfr_sub(d, d, ref + i, MPFR_RNDU);
            mpfr_abs(d, d, MPFR_RNDU);
            double err = mpfr_get_d(d, MPFR_RNDU), ratio;
            if (mpfr_nan_p(d))
                ratio = INFINITY;
            else if (bound[i] > 0)
                ratio = (mpfr_set_d(t, bound[i], MPFR_RNDN), mpfr_div(t, d, t, MPFR_RNDU),
                         mpfr_get_d(t, MPFR_RNDU));
            else
                ratio = mpfr_zero_p(d) ? 0 : INFINITY;
            /* an output held exactly (bound 0) must also carry the reference's sign of zero:
               ReLU(-0.0) is +0.0 (docs/conventions.md) */
            if (bound[i] == 0 && got[i] == 0 && mpfr_zero_p(ref + i) &&
                !signbit(got[i]) != !mpfr_signbit(ref + i))
                ratio = INFINITY;
            r->err_ratio = fmax(r->err_ratio, ratio);
            if (!(ratio <= 1)) {
                char idx[32];
                snprintf(idx, sizeof idx, "%s[%zu]", op->name, i);
                mpfr_set_d(d, got[i], MPFR_RNDN);
                vr_result_row(r, idx, d, ref + i, err, bound[i]);
                r->verdict = VR_REFUTED;
            }
        }
        if (r->verdict == VR_REFUTED)
            snprintf(r->note, sizeof r->note, "the double %s exceeds its error bound (%.3g x)",
                     op->name, r->err_ratio);
    }
    dp_mpws_clear(&ws);
    free(got);
    return st;
}
