/* bounds_net.c -- a running error bound for the double network gradient (dp_global_loss_gradient):
   a first-order forward error analysis carried through the same passes the library makes, one
   sample at a time, with absolute error bounds per entry.  The magnitudes it needs are recomputed
   here in plain double loops (not with the library under test); they are good to a few u, which
   the final factor VR_NET_SLACK absorbs together with the second-order terms.

   Forward, layer k: z = b + sum_l W_l a_l by fmas errs by |W| ea + (m + 1) u (|b| + |W||a|); ReLU
   is 1-Lipschitz, so ea' = ez.  Loss after SoftMax: each z_j moves it by |S_j c - yhat_j| ez_j;
   its own rounding is (m + 4) u times its terms plus the tail's.  Backward: delta^p = S c - yhat
   moves by c S_j (ez_j + sum_l S_l ez_l) and rounds within (|d_j| + D + 2m + 8) u c min(S_j,
   1 - S_j) + u |delta_j|; g_y = delta W errs by |W|^T edelta + m u |delta||W|; where |z^k| <= ez^k
   the indicator itself is uncertain and delta^k may be anything between 0 and g_y, unless z^k is
   computed exactly in every order of summation (vr_row_exact: its inputs exact, its products and
   partial sums too), where ez = 0 and the indicator must be the exact one.  Products
   delta (x) a add |edelta||a| + |delta| ea + u|delta a|, and summing n samples n u sum|.|.
   Every operation may also lose half a subnormal to gradual underflow: an eta per operation is
   carried along with the relative terms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"

/* Second-order terms and the magnitudes' own few-u error: 1 + 2^-20 covers them for every
   instance with (depth x width x samples) u << 2^-20, i.e. any network this harness builds. */
#define VR_NET_SLACK (1 + 0x1p-20)

typedef struct {
    double *z, *ez, *a, *ea; /* per layer, offsets into one block */
} layer_vals;

/* The forward pass of one sample with its absolute error bounds: z[k] at zs + offz[k], ReLU(z)
   at as + offz[k], their bounds in ezs, eas; ea0 (zeros) is the input's. */
/* Gradual underflow: every operation may also lose half a subnormal, absolutely. */
static double eta_of(double u)
{
    return u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074;
}

static void forward(double *zs, double *ezs, double *as, double *eas, const double *ea0,
                    const size_t *offz, size_t p, const size_t *m, const double *const *W,
                    const double *const *b, const double *x, double u)
{
    for (size_t k = 0; k < p; k++) {
        const double *a = k ? as + offz[k - 1] : x, *ea = k ? eas + offz[k - 1] : ea0;
        for (size_t jp = 0; jp < m[k + 1]; jp++) {
            double s = b[k][jp], mag = fabs(b[k][jp]), prop = 0;
            for (size_t j = 0; j < m[k]; j++) {
                s += W[k][jp * m[k] + j] * a[j];
                mag += fabs(W[k][jp * m[k] + j] * a[j]);
                prop += fabs(W[k][jp * m[k] + j]) * ea[j];
            }
            zs[offz[k] + jp] = s;
            ezs[offz[k] + jp] = prop + ((double)m[k] + 1) * (u * mag + eta_of(u));
            /* exact in every order (inputs exact or unused): no error, and a kink is certain */
            int in_exact = 1;
            for (size_t j = 0; j < m[k]; j++)
                in_exact &= ea[j] == 0 || W[k][jp * m[k] + j] == 0;
            if (in_exact && vr_row_exact(a, W[k] + jp * m[k], b[k][jp], m[k],
                                         u == VR_U_FLOAT ? 24 : 53))
                ezs[offz[k] + jp] = 0;
            as[offz[k] + jp] = s > 0 ? s : 0;
            eas[offz[k] + jp] = ezs[offz[k] + jp];
        }
    }
}

/* N(x) = S(z^p): S_k moves by S_k (ez_k + sum_l S_l ez_l) with z^p and rounds within
   (|d_k| + m + 6) u S_k (vr_bound_softmax). */
int vr_bound_network_output(double *bound, size_t p, const size_t *m, const double *const *W,
                            const double *const *b, const double *x, double u)
{
    size_t mmax = 0, tot = 0, offz[64];
    for (size_t k = 0; k <= p; k++)
        mmax = m[k] > mmax ? m[k] : mmax;
    for (size_t k = 0; k < p && k < 64; k++) {
        offz[k] = tot;
        tot += m[k + 1];
    }
    double *buf = calloc(4 * tot + 2 * mmax, sizeof *buf);
    if (buf == NULL)
        return DP_ENOMEM;
    double *zs = buf, *ezs = buf + tot, *as = buf + 2 * tot, *eas = buf + 3 * tot,
           *ea0 = buf + 4 * tot, *S = ea0 + mmax;
    forward(zs, ezs, as, eas, ea0, offz, p, m, W, b, x, u);
    const double *z = zs + offz[p - 1], *ez = ezs + offz[p - 1];
    double zmax = z[0], sum = 0, sez = 0;
    for (size_t j = 0; j < m[p]; j++)
        zmax = fmax(zmax, z[j]);
    for (size_t j = 0; j < m[p]; j++)
        sum += S[j] = exp(z[j] - zmax);
    for (size_t j = 0; j < m[p]; j++)
        sez += (S[j] /= sum) * ez[j];
    for (size_t j = 0; j < m[p]; j++)
        bound[j] = (S[j] * (ez[j] + sez) + ((zmax - z[j]) + (double)m[p] + 6) * u * S[j]) *
                       VR_NET_SLACK +
                   (u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074);
    free(buf);
    return DP_OK;
}

int vr_bound_network_gradient(double *bound, size_t p, const size_t *m, const double *const *W,
                              const double *const *b, const double *X, const double *Y, size_t n,
                              double u)
{
    size_t mmax = 0, tot = 0, nparam = 0;
    for (size_t k = 0; k <= p; k++)
        mmax = m[k] > mmax ? m[k] : mmax;
    for (size_t k = 0; k < p; k++) {
        tot += m[k + 1];
        nparam += m[k + 1] * m[k] + m[k + 1];
    }
    double *buf = calloc(4 * tot + 6 * mmax, sizeof *buf);
    double *zs = buf, *ezs = buf + tot, *as = buf + 2 * tot, *eas = buf + 3 * tot;
    double *S = buf + 4 * tot, *del = S + mmax, *edel = del + mmax, *gy = edel + mmax,
           *egy = gy + mmax, *ea0 = egy + mmax;
    if (buf == NULL)
        return DP_ENOMEM;
    double eta = u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074;
    double *bl = bound, *bg = bound + 1; /* loss, then the gradient packed W^1, b^1, ... */
    memset(bound, 0, (1 + nparam) * sizeof *bound);
    size_t off[64], offz[64];
    for (size_t k = 0, o = 0, oz = 0; k < p && k < 64; k++) {
        off[k] = o, offz[k] = oz;
        o += m[k + 1] * m[k] + m[k + 1];
        oz += m[k + 1];
    }
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * m[0], *y = Y + i * m[p];
        forward(zs, ezs, as, eas, ea0, offz, p, m, W, b, x, u);
        /* the loss and delta^p */
        size_t mp = m[p];
        const double *z = zs + offz[p - 1], *ez = ezs + offz[p - 1];
        double zmax = z[0], c = 0, t = 0, D = 0, sez = 0, terms = 0, eloss = 0;
        for (size_t j = 0; j < mp; j++) {
            zmax = fmax(zmax, z[j]);
            c += y[j];
        }
        for (size_t j = 0; j < mp; j++) {
            S[j] = exp(z[j] - zmax);
            t += S[j];
            D = fmax(D, zmax - z[j]);
        }
        t -= 1; /* the argmax's e^0 */
        for (size_t j = 0; j < mp; j++) {
            S[j] /= 1 + t;
            sez += S[j] * ez[j];
        }
        for (size_t j = 0; j < mp; j++) {
            terms += fabs(y[j]) * ((zmax - z[j]) + log1p(t));
            eloss += fabs(S[j] * c - y[j]) * ez[j];
        }
        eloss += ((double)mp + 4) * u * terms +
                 fabs(c) * (((double)mp / 2.718281828459045 + ((double)mp + 2) * t) * u / (1 + t) +
                            2 * u * log1p(t));
        bl[0] += eloss + (double)n * u * terms;
        for (size_t j = 0; j < mp; j++) {
            int rest = y[j] != 0 && S[j] > 0.5;
            double others = 0; /* 1 - S_j, without the cancellation of 1 - S_j in double */
            for (size_t l = 0; l < mp; l++)
                others += l != j ? S[l] : 0;
            del[j] = S[j] * c - y[j];
            edel[j] = fabs(c) * S[j] * (ez[j] + sez) +
                      ((zmax - z[j]) + D + 2 * (double)mp + 8) * u * fabs(c) *
                          (rest ? others : S[j]) +
                      u * (fabs(c - y[j]) + fabs(del[j])) + 4 * eta;
        }
        /* backward, layer by layer */
        for (size_t k = p; k-- > 0;) {
            size_t mi = m[k], mo = m[k + 1];
            const double *a = k ? as + offz[k - 1] : x, *ea = k ? eas + offz[k - 1] : ea0;
            double *gWb = bg + off[k], *gbb = gWb + mo * mi;
            for (size_t jp = 0; jp < mo; jp++) {
                for (size_t j = 0; j < mi; j++)
                    gWb[jp * mi + j] += edel[jp] * fabs(a[j]) + fabs(del[jp]) * ea[j] +
                                        ((double)n + 1) * (u * fabs(del[jp] * a[j]) + eta);
                gbb[jp] += edel[jp] + (double)n * (u * fabs(del[jp]) + eta);
            }
            if (k == 0)
                break;
            for (size_t j = 0; j < mi; j++) { /* g_y = delta W, then the indicator of z^{k-1} */
                double s = 0, mag = 0, e = 0;
                for (size_t jp = 0; jp < mo; jp++) {
                    s += del[jp] * W[k][jp * mi + j];
                    mag += fabs(del[jp] * W[k][jp * mi + j]);
                    e += edel[jp] * fabs(W[k][jp * mi + j]);
                }
                gy[j] = s;
                egy[j] = e + (double)mo * (u * mag + eta);
            }
            const double *zk = zs + offz[k - 1], *ezk = ezs + offz[k - 1];
            for (size_t j = 0; j < mi; j++) {
                if (fabs(zk[j]) <= ezk[j] && ezk[j] > 0) { /* z's sign uncertain: 0 or g_y */
                    del[j] = zk[j] > 0 ? gy[j] : 0;
                    edel[j] = fabs(gy[j]) + egy[j];
                } else {
                    del[j] = zk[j] > 0 ? gy[j] : 0;
                    edel[j] = zk[j] > 0 ? egy[j] : 0;
                }
            }
        }
    }
    for (size_t i = 0; i <= nparam; i++)
        bound[i] = bound[i] * VR_NET_SLACK + eta;
    free(buf);
    return DP_OK;
}
