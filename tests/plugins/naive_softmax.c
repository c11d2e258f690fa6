/* naive_softmax.c -- wrong: SoftMax without subtracting the largest logit, e^{z_j} / sum e^{z_k}.
   Beyond z = 709.8 (88.7 in float) e^z overflows and inf / inf is NaN. */
#include <math.h>
#include "dnnp_impl.h"

int dnnp_softmax(size_t m, const double *z, double *out)
{
    double sum = 0;
    for (size_t j = 0; j < m; j++)
        sum += out[j] = exp(z[j]);
    for (size_t j = 0; j < m; j++)
        out[j] /= sum;
    return 0;
}

int dnnp_softmax_f32(size_t m, const float *z, float *out)
{
    float sum = 0;
    for (size_t j = 0; j < m; j++)
        sum += out[j] = expf(z[j]);
    for (size_t j = 0; j < m; j++)
        out[j] /= sum;
    return 0;
}
