/* cce_sign.c -- wrong: the cross-entropy gradient with the wrong sign, yhat_j / y_j. */
#include "dnnp_impl.h"

int dnnp_cce_gradient(size_t m, const double *yhat, const double *y, double *g)
{
    for (size_t j = 0; j < m; j++)
        g[j] = yhat[j] / y[j];
    return 0;
}
