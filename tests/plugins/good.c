/* good.c -- a correct implementation of the plugin ABI (dnnp_impl.h), written the plain way and
   independently of dnnproof's library: SoftMax subtracts the largest logit and divides by the
   sum of all m exponentials; S_j (1 - S_j) and S - yhat are formed as written; dense is a plain
   loop of products and sums; the network's loss is log(sum e^{z - max z}) + max z - z_y.  The body
   below is compiled twice, for double and for float (dnnp_*_f32). */
#ifndef REAL
/* The ReLU indicator of the network's backward pass (net_kink.c redefines it). */
#ifndef NET_ACTIVE
#define NET_ACTIVE(z) ((z) > 0)
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dnnp_impl.h"

#define REAL double
#define NAME(f) dnnp_##f
#define EXP exp
#define LOG log
#include "good.c"
#undef REAL
#undef NAME
#undef EXP
#undef LOG

#define REAL float
#define NAME(f) dnnp_##f##_f32
#define EXP expf
#define LOG logf
#include "good.c"

#else

int NAME(relu)(size_t m, const REAL *z, REAL *out)
{
    for (size_t j = 0; j < m; j++)
        out[j] = z[j] > 0 ? z[j] : 0;
    return 0;
}

/* J is (m x m): 1 on the diagonal where z_j > 0 (ReLU'(0) = 0). */
int NAME(relu_jacobian)(size_t m, const REAL *z, REAL *J)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            J[i * m + j] = i == j && z[j] > 0 ? 1 : 0;
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

/* J[i][j] = S_i (delta_ij - S_j). */
int NAME(softmax_jacobian)(size_t m, const REAL *z, REAL *J)
{
    REAL *S = malloc(m * sizeof *S);
    if (S == NULL)
        return 1;
    NAME(softmax)(m, z, S);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            J[i * m + j] = S[i] * ((i == j ? 1 : 0) - S[j]);
    free(S);
    return 0;
}

int NAME(cce)(size_t m, const REAL *yhat, const REAL *y, REAL *loss)
{
    REAL s = 0;
    for (size_t j = 0; j < m; j++)
        if (yhat[j] != 0)
            s -= yhat[j] * LOG(y[j]);
    *loss = s;
    return 0;
}

int NAME(cce_gradient)(size_t m, const REAL *yhat, const REAL *y, REAL *g)
{
    for (size_t j = 0; j < m; j++)
        g[j] = -yhat[j] / y[j];
    return 0;
}

int NAME(softmax_cce_gradient)(size_t m, const REAL *yhat, const REAL *z, REAL *g)
{
    NAME(softmax)(m, z, g);
    for (size_t j = 0; j < m; j++)
        g[j] -= yhat[j];
    return 0;
}

/* out = y W^T + b: W is (mo x m). */
int NAME(dense)(size_t m, size_t mo, const REAL *y, const REAL *W, const REAL *b, REAL *out)
{
    for (size_t i = 0; i < mo; i++) {
        REAL s = b[i];
        for (size_t j = 0; j < m; j++)
            s += W[i * m + j] * y[j];
        out[i] = s;
    }
    return 0;
}

int NAME(dense_relu_backward)(size_t m, size_t mo, const REAL *y, const REAL *W, const REAL *b,
                              const REAL *g_up, REAL *g_y, REAL *g_W, REAL *g_b)
{
    NAME(dense)(m, mo, y, W, b, g_b); /* L, then the delta in place */
    for (size_t i = 0; i < mo; i++)
        g_b[i] = g_b[i] > 0 ? g_up[i] : 0;
    for (size_t j = 0; j < m; j++)
        g_y[j] = 0;
    for (size_t i = 0; i < mo; i++)
        for (size_t j = 0; j < m; j++) {
            g_W[i * m + j] = g_b[i] * y[j];
            g_y[j] += g_b[i] * W[i * m + j];
        }
    return 0;
}

/* Forward storing every layer's z and activation, then backward per sample, summed. */
int NAME(network_gradient)(size_t p, const size_t *w, const REAL *const *W, const REAL *const *b,
                           size_t n, const REAL *X, const REAL *Yhat, REAL *loss,
                           REAL *const *g_W, REAL *const *g_b)
{
    size_t tot = w[0], wmax = w[0];
    for (size_t l = 1; l <= p; l++)
        tot += w[l], wmax = w[l] > wmax ? w[l] : wmax;
    REAL *a = malloc((2 * tot + 2 * wmax) * sizeof *a); /* a[l] at off[l], z[l] likewise */
    size_t *off = malloc((p + 1) * sizeof *off);
    if (a == NULL || off == NULL) {
        free(a), free(off);
        return 1;
    }
    REAL *z = a + tot, *d = z + tot, *d2 = d + wmax;
    for (size_t l = 0, o = 0; l <= p; l++)
        off[l] = o, o += w[l];
    for (size_t l = 0; l < p; l++) {
        memset(g_W[l], 0, w[l + 1] * w[l] * sizeof(REAL));
        memset(g_b[l], 0, w[l + 1] * sizeof(REAL));
    }
    *loss = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(a, X + i * w[0], w[0] * sizeof(REAL));
        for (size_t l = 0; l < p; l++) {
            NAME(dense)(w[l], w[l + 1], a + off[l], W[l], b[l], z + off[l + 1]);
            for (size_t j = 0; j < w[l + 1]; j++)
                a[off[l + 1] + j] = z[off[l + 1] + j] > 0 ? z[off[l + 1] + j] : 0;
        }
        const REAL *zp = z + off[p], *y = Yhat + i * w[p];
        REAL zmax = zp[0], sum = 0;
        for (size_t j = 1; j < w[p]; j++)
            zmax = zp[j] > zmax ? zp[j] : zmax;
        for (size_t j = 0; j < w[p]; j++)
            sum += EXP(zp[j] - zmax);
        for (size_t j = 0; j < w[p]; j++) {
            *loss += y[j] * ((zmax - zp[j]) + LOG(sum));
            d[j] = EXP(zp[j] - zmax) / sum - y[j];
        }
        for (size_t l = p; l-- > 0;) { /* d is dLoss/dz of layer l */
            const REAL *al = a + off[l];
            for (size_t jp = 0; jp < w[l + 1]; jp++) {
                g_b[l][jp] += d[jp];
                for (size_t j = 0; j < w[l]; j++)
                    g_W[l][jp * w[l] + j] += d[jp] * al[j];
            }
            if (l == 0)
                break;
            for (size_t j = 0; j < w[l]; j++) {
                REAL s = 0;
                for (size_t jp = 0; jp < w[l + 1]; jp++)
                    s += d[jp] * W[l][jp * w[l] + j];
                d2[j] = NET_ACTIVE(z[off[l] + j]) ? s : 0;
            }
            memcpy(d, d2, w[l] * sizeof(REAL));
        }
    }
    free(a);
    free(off);
    return 0;
}

#endif
