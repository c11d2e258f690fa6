/* overflow.c -- ReLU with right values that also writes one entry past the end of out. */
#include "dnnp_impl.h"

int dnnp_relu(size_t m, const double *z, double *out)
{
    for (size_t j = 0; j <= m; j++)
        out[j] = j < m && z[j] > 0 ? z[j] : 0;
    return 0;
}
