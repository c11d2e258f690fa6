/* result.c -- verdicts and failure tables of one checked case */
#include <math.h>
#include <string.h>
#include "verify.h"

const mpfr_prec_t vr_ladder[VR_RUNGS] = {53, 64, 128, 256, 512};

const char *vr_verdict_name(vr_verdict v)
{
    switch (v) {
    case VR_HOLDS: return "holds";
    case VR_REFUTED: return "refuted";
    case VR_UNDECIDED: return "undecided";
    default: return "failed";
    }
}

void vr_result_init(vr_result *r)
{
    memset(r, 0, sizeof *r);
    r->verdict = VR_HOLDS;
    r->bits = INFINITY;
    r->fd_bits = INFINITY;
    r->err_ratio = NAN;
    for (int i = 0; i < VR_RUNGS; i++)
        r->ladder[i] = NAN;
}

void vr_result_row(vr_result *r, const char *index, mpfr_srcptr analytic, mpfr_srcptr reference,
                   double error, double bound)
{
    if (r->nrows == VR_MAXROWS)
        return;
    vr_row *row = &r->rows[r->nrows++];
    snprintf(row->index, sizeof row->index, "%s", index);
    mpfr_snprintf(row->analytic, sizeof row->analytic, "%.*Rg", VR_DIGITS, analytic);
    mpfr_snprintf(row->reference, sizeof row->reference, "%.*Rg", VR_DIGITS, reference);
    row->error = error;
    row->bound = bound;
}

static int severity(vr_verdict v)
{
    return v == VR_REFUTED ? 3 : v == VR_FAILED ? 2 : v == VR_UNDECIDED ? 1 : 0;
}

static double min_nan(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : fmin(a, b);
}

void vr_result_merge(vr_result *into, const vr_result *part)
{
    if (severity(part->verdict) > severity(into->verdict)) {
        into->verdict = part->verdict;
        /* the worse part's evidence comes first */
        for (int i = 0; i < VR_RUNGS; i++)
            into->ladder[i] = part->ladder[i];
        if (part->note[0])
            memcpy(into->note, part->note, sizeof into->note);
    } else if (!into->note[0] && part->note[0]) {
        memcpy(into->note, part->note, sizeof into->note);
    }
    for (size_t i = 0; i < part->nrows && into->nrows < VR_MAXROWS; i++)
        into->rows[into->nrows++] = part->rows[i];
    into->bits = fmin(into->bits, part->bits);
    into->fd_bits = fmin(into->fd_bits, part->fd_bits);
    into->err_ratio = isnan(into->err_ratio) ? part->err_ratio
                    : isnan(part->err_ratio) ? into->err_ratio
                                             : fmax(into->err_ratio, part->err_ratio);
    for (int i = 0; i < VR_RUNGS; i++)
        if (part->verdict == into->verdict)
            into->ladder[i] = min_nan(into->ladder[i], part->ladder[i]);
    into->classes |= part->classes;
}
