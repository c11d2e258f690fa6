/* dense_transpose.c -- wrong: y W instead of y W^T, reading W (mo x m) as if it were (m x mo).
   Right when m = mo = 1 only. */
#include "dnnp_impl.h"

int dnnp_dense(size_t m, size_t mo, const double *y, const double *W, const double *b, double *out)
{
    for (size_t i = 0; i < mo; i++) {
        double s = b[i];
        for (size_t j = 0; j < m; j++)
            s += W[j * mo + i] * y[j];
        out[i] = s;
    }
    return 0;
}
