/* inconsistent.c -- wrong, and not even self-consistent: the SoftMax Jacobian is
   S_i (delta_ij + S_j), the off-diagonal entries' sign flipped, so it is not the derivative of
   the plugin's own (correct) softmax, and self-consistency says INCONSISTENT.  Its ReLU Jacobian
   takes ReLU'(0) = 1 (relu_kink.c's fault): wrong against the document's convention, but only at
   an exact kink, where no finite difference can tell, so it must still read "consistent".
   double and float32 from one body, as good.c. */
#ifndef REAL
#include <math.h>
#include <stdlib.h>
#include "dnnp_impl.h"

#define REAL double
#define NAME(f) dnnp_##f
#define EXP exp
#include "inconsistent.c"
#undef REAL
#undef NAME
#undef EXP

#define REAL float
#define NAME(f) dnnp_##f##_f32
#define EXP expf
#include "inconsistent.c"

#else

int NAME(relu)(size_t m, const REAL *z, REAL *out)
{
    for (size_t j = 0; j < m; j++)
        out[j] = z[j] > 0 ? z[j] : 0;
    return 0;
}

/* ReLU'(0) = 1: z >= 0. */
int NAME(relu_jacobian)(size_t m, const REAL *z, REAL *J)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            J[i * m + j] = i == j && z[j] >= 0 ? 1 : 0;
    return 0;
}

int NAME(softmax)(size_t m, const REAL *z, REAL *out)
{
    REAL zmax = z[0], sum = 0;
    for (size_t j = 1; j < m; j++)
        zmax = z[j] > zmax ? z[j] : zmax;
    for (size_t j = 0; j < m; j++)
        sum += out[j] = EXP(z[j] - zmax);
    for (size_t j = 0; j < m; j++)
        out[j] /= sum;
    return 0;
}

/* The diagonal right, S_i (1 - S_i); off it +S_i S_j, the sign flipped. */
int NAME(softmax_jacobian)(size_t m, const REAL *z, REAL *J)
{
    REAL *S = malloc(m * sizeof *S);
    if (S == NULL)
        return 1;
    NAME(softmax)(m, z, S);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            J[i * m + j] = i == j ? S[i] * (1 - S[i]) : S[i] * S[j];
    free(S);
    return 0;
}

#endif
