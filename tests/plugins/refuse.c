/* refuse.c -- the cross-entropy that returns non-zero ("refused") for m = 1, a valid input. */
#include <math.h>
#include "dnnp_impl.h"

int dnnp_cce(size_t m, const double *yhat, const double *y, double *loss)
{
    if (m == 1)
        return 1;
    double s = 0;
    for (size_t j = 0; j < m; j++)
        if (yhat[j] != 0)
            s -= yhat[j] * log(y[j]);
    *loss = s;
    return 0;
}
