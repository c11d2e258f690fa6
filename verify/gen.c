/* gen.c -- edge-biased generators of dimensions, reals, vectors and labels.
   Every draw's smallest value (0) gives the simplest outcome, so that shrinking the recorded
   choices toward 0 simplifies the instance: dimension 1, value 0, label e_1. */
#include <float.h>
#include <math.h>
#include "verify.h"

size_t vr_gen_dim(vr_src *src, size_t size)
{
    /* 1 .. size+1, biased toward 1 (a third of the draws), so that m = 1 is always exercised */
    size_t cap = size + 1;
    if (vr_draw(src, 3) == 0)
        return 1;
    return 1 + (size_t)vr_draw(src, cap);
}

/* A value with a random mantissa in [1, 2) times 2^e, with a random sign. */
static double scaled(vr_src *src, int emin, int emax)
{
    double mant = 1.0 + (double)(vr_draw(src, 1u << 20)) / (double)(1u << 20);
    int e = emin + (int)vr_draw(src, (uint64_t)(emax - emin + 1));
    double x = ldexp(mant, e);
    return vr_draw(src, 2) ? -x : x;
}

double vr_gen_real(vr_src *src, vr_realkind kind)
{
    if (kind == VR_REAL_UNIT) /* k / 2^20 for k in 1 .. 2^20 - 1: exact, in ]0, 1[ */
        return (double)(1 + vr_draw(src, (1u << 20) - 1)) / (double)(1u << 20);
    if (kind == VR_REAL_SMOOTH)
        return scaled(src, -8, 2);
    switch (vr_draw(src, 16)) {
    case 0: return 0.0;
    case 1: return -0.0;
    case 2: case 3: return (double)((int)vr_draw(src, 7) - 3);     /* small integers: exact kinks */
    case 4: return scaled(src, -40, -20);                           /* near a kink: +-2^-k */
    case 5: return vr_draw(src, 2) ? DBL_TRUE_MIN * (double)(1 + vr_draw(src, 8))
                                   : scaled(src, -1060, -500);      /* subnormal, tiny */
    case 6:
        if (kind == VR_REAL_LOGIT)                                  /* beyond exp's range */
            return (vr_draw(src, 2) ? 1e300 : 1e4) * (vr_draw(src, 2) ? -1 : 1);
        return scaled(src, 3, 10);                                  /* large */
    default: return scaled(src, -6, 2);                             /* moderate */
    }
}

void vr_gen_vector(double *v, size_t n, vr_src *src, vr_realkind kind)
{
    for (size_t i = 0; i < n; i++)
        v[i] = vr_gen_real(src, kind);
    /* ties between logits: sometimes copy one entry onto another */
    if (kind == VR_REAL_LOGIT && n > 1 && vr_draw(src, 4) == 3)
        v[vr_draw(src, n)] = v[vr_draw(src, n)];
}

void vr_gen_label(double *yhat, size_t m, vr_src *src, int allow_multi)
{
    for (size_t j = 0; j < m; j++)
        yhat[j] = 0.0;
    if (allow_multi && vr_draw(src, 3) == 2) { /* each class on with probability 1/2 */
        for (size_t j = 0; j < m; j++)
            yhat[j] = (double)vr_draw(src, 2);
        return;
    }
    yhat[vr_draw(src, m)] = 1.0;
}

unsigned vr_classes_of(const double *v, size_t n, int logits)
{
    unsigned cl = 0;
    double max = -INFINITY;
    size_t nmax = 0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(v[i]);
        if (v[i] == 0 && signbit(v[i]))
            cl |= VR_CLASS_NEG_ZERO;
        if (a != 0 && a < 0x1p-500)
            cl |= VR_CLASS_TINY;
        if (logits && a >= 1e4)
            cl |= VR_CLASS_LARGE_LOGIT;
        if (v[i] > max) {
            max = v[i];
            nmax = 1;
        } else if (v[i] == max) {
            nmax++;
        }
    }
    if (logits && nmax > 1)
        cl |= VR_CLASS_TIE;
    if (n == 1)
        cl |= VR_CLASS_M1;
    return cl;
}

const char *vr_class_name(unsigned bit_index)
{
    static const char *const names[VR_NCLASSES] = {
        "kink", "near-kink", "large-logit", "m=1", "-0.0", "tie", "tiny", "multi-hot",
        "dead-layer", "deep"};
    return bit_index < VR_NCLASSES ? names[bit_index] : "?";
}
