/* relu_kink.c -- wrong: the ReLU Jacobian with ReLU'(0) = 1 (z >= 0), against the document's
   hypothesis ReLU'(0) = 0.  Right everywhere but at an exact kink. */
#include "dnnp_impl.h"

int dnnp_relu_jacobian(size_t m, const double *z, double *J)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            J[i * m + j] = i == j && z[j] >= 0 ? 1 : 0;
    return 0;
}
