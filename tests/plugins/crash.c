/* crash.c -- ReLU is right; SoftMax dereferences a null pointer (SIGSEGV) when m > 1. */
#include <stddef.h>
#include "dnnp_impl.h"

int dnnp_relu(size_t m, const double *z, double *out)
{
    for (size_t j = 0; j < m; j++)
        out[j] = z[j] > 0 ? z[j] : 0;
    return 0;
}

int dnnp_softmax(size_t m, const double *z, double *out)
{
    volatile double *nowhere = NULL;
    (void)z;
    for (size_t j = 0; j < m; j++)
        out[j] = m > 1 ? *nowhere : 1;
    return 0;
}
