/* internal.h -- argument checks shared by the ground floor's files (not installed) */
#ifndef DP_INTERNAL_H
#define DP_INTERNAL_H

#include <math.h>
#include "dnnproof.h"

/* DP_OK if every v[i] is finite, DP_EDOMAIN otherwise (NaN and +-inf are outside every domain). */
static inline int dp_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return DP_EDOMAIN;
    return DP_OK;
}

static inline int dp_finite_mp(mpfr_srcptr v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!mpfr_number_p(v + i))
            return DP_EDOMAIN;
    return DP_OK;
}

/* Returns the first non-OK status of an expression, as in `DP_TRY(dp_finite(z, m));`. */
#define DP_TRY(expr)                                                                               \
    do {                                                                                           \
        int dp_try_status_ = (expr);                                                               \
        if (dp_try_status_ != DP_OK)                                                               \
            return dp_try_status_;                                                                 \
    } while (0)

/* The first checks of every vector function: arrays present, dimension positive. */
#define DP_NEED(cond, status)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return (status);                                                                       \
    } while (0)

/* activation.c: e_j = e^{z_j - max z}; returns t = sum over j != argmax of e_j (see there). */
double dp_softmax_tail(double *e, const double *z, size_t m, size_t *kmax);
void dp_softmax_tail_mp(mpfr_ptr t, mpfr_ptr e, mpfr_srcptr z, size_t m, size_t *kmax);

#endif
