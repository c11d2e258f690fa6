/* net.c -- the network instances of §5 and §6 and their global loss (net.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"


static const char *const Wname[NET_MAXP] = {"W1", "W2", "W3", "W4"};
static const char *const bname[NET_MAXP] = {"b1", "b2", "b3", "b4"};
static const char *const mname[NET_MAXP + 1] = {"m1", "m2", "m3", "m4", "m5"};

/* Reads an instance; 0 if it is malformed. */
int net_read(net *N, const vr_case *c)
{
    N->p = pr_dim(c, "p", NET_MAXP);
    N->n = pr_dim(c, "n", 64);
    if (N->p == 0 || N->n == 0)
        return 0;
    size_t off = 0;
    N->nk = 0;
    for (size_t k = 0; k <= N->p; k++)
        if ((N->m[k] = pr_dim(c, mname[k], 64)) == 0)
            return 0;
    for (size_t k = 0; k < N->p; k++) {
        N->W[k] = pr_arr(c, Wname[k], N->m[k + 1] * N->m[k]);
        N->b[k] = pr_arr(c, bname[k], N->m[k + 1]);
        if (N->W[k] == NULL || N->b[k] == NULL)
            return 0;
        N->offW[k] = off;
        off += N->m[k + 1] * N->m[k];
        N->offb[k] = off;
        off += N->m[k + 1];
        if (k + 1 < N->p)
            N->nk += N->n * N->m[k + 1];
    }
    N->nparam = off;
    N->X = pr_arr(c, "X", N->n * N->m[0]);
    N->Y = pr_arr(c, "Y", N->n * N->m[N->p]);
    return N->X != NULL && N->Y != NULL;
}

int net_generate(vr_case *c, vr_src *src, size_t size, size_t pmin, int multi_hot)
{
    size_t p = pmin + (size_t)vr_draw(src, 1 + (size + 1) / 2 < NET_MAXP - pmin + 1
                                                ? 1 + (size + 1) / 2 : NET_MAXP - pmin + 1);
    size_t n = 1 + (size_t)vr_draw(src, 2), m[NET_MAXP + 1];
    vr_case_dim(c, "p", p);
    vr_case_dim(c, "n", n);
    for (size_t k = 0; k <= p; k++)
        vr_case_dim(c, mname[k], m[k] = vr_gen_dim(src, size < 4 ? size : 4));
    for (size_t k = 0; k < p; k++) {
        double *W = vr_case_array(c, Wname[k], m[k + 1] * m[k]);
        double *b = vr_case_array(c, bname[k], m[k + 1]);
        if (W == NULL || b == NULL)
            return DP_ENOMEM;
        vr_gen_vector(W, m[k + 1] * m[k], src, VR_REAL_ANY);
        vr_gen_vector(b, m[k + 1], src, VR_REAL_ANY);
    }
    double *X = vr_case_array(c, "X", n * m[0]), *Y = vr_case_array(c, "Y", n * m[p]);
    if (X == NULL || Y == NULL)
        return DP_ENOMEM;
    vr_gen_vector(X, n * m[0], src, VR_REAL_ANY);
    for (size_t i = 0; i < n; i++)
        vr_gen_label(Y + i * m[p], m[p], src, multi_hot);
    return DP_OK;
}

/* ---- the forward pass of one sample, recording z^k and the layer inputs a^k ------------------
   a[0] = X^i; z[k] = L^k(a[k]); a[k+1] = ReLU(z[k]) (masked, arguments recorded) for k < p-1. */

int net_forward(net_pass *ps, const net *N, mpfr_srcptr theta, mpfr_srcptr x, mpfr_ptr pre,
                const signed char *mask, dp_mpws *ws)
{
    ps->a[0] = (mpfr_ptr)x; /* read only */
    for (size_t k = 0; k < N->p; k++) {
        ps->z[k] = dp_mpws_push(ws, 2 * N->m[k + 1]);
        if (ps->z[k] == NULL)
            return DP_ENOMEM;
        int st = vr_lib->dense_mp(ps->z[k], ps->a[k], theta + N->offW[k], theta + N->offb[k],
                                  N->m[k], N->m[k + 1], ws);
        if (st != DP_OK)
            return st;
        if (k + 1 < N->p) {
            ps->a[k + 1] = ps->z[k] + N->m[k + 1];
            vr_relu_masked(ps->a[k + 1], pre, ps->z[k], N->m[k + 1], mask);
            pre = pre ? pre + N->m[k + 1] : NULL;
            mask = mask ? mask + N->m[k + 1] : NULL;
        }
    }
    return DP_OK;
}

/* ξ^global(θ): the function whose gradient the theorem states, composed from the library's
   layers (not dp_global_loss), with the ReLU arguments reported for the kink handling. */
int net_loss(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr theta, const void *data,
                const signed char *mask, dp_mpws *ws)
{
    const net *N = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr li = dp_mpws_push(ws, 1);
    int st = li ? DP_OK : DP_ENOMEM;
    size_t per = N->nk / N->n; /* ReLU units per sample */
    if (st == DP_OK)
        mpfr_set_zero(out, +1);
    for (size_t i = 0; st == DP_OK && i < N->n; i++) {
        dp_mpmark mi = dp_mpws_mark(ws);
        net_pass ps;
        mpfr_ptr x = pr_mp(ws, N->X + i * N->m[0], N->m[0]);
        mpfr_ptr y = pr_mp(ws, N->Y + i * N->m[N->p], N->m[N->p]);
        st = x && y ? net_forward(&ps, N, theta, x, pre ? pre + i * per : NULL,
                              mask ? mask + i * per : NULL, ws)
                    : DP_ENOMEM;
        if (st == DP_OK)
            st = vr_lib->softmax_cce_mp(li, y, ps.z[N->p - 1], N->m[N->p], ws);
        if (st == DP_OK)
            mpfr_add(out, out, li, MPFR_RNDN);
        dp_mpws_release(ws, mi);
    }
    dp_mpws_release(ws, mk);
    return st;
}

/* θ of the instance, packed like the gradient. */
double *net_pack(const net *N)
{
    double *th = malloc(N->nparam * sizeof *th);
    for (size_t k = 0; th != NULL && k < N->p; k++) {
        memcpy(th + N->offW[k], N->W[k], N->m[k + 1] * N->m[k] * sizeof *th);
        memcpy(th + N->offb[k], N->b[k], N->m[k + 1] * sizeof *th);
    }
    return th;
}

unsigned net_classes(const net *N)
{
    unsigned cl = N->p >= 3 ? VR_CLASS_DEEP : 0;
    for (size_t k = 0; k <= N->p; k++)
        cl |= N->m[k] == 1 ? VR_CLASS_M1 : 0;
    for (size_t i = 0; i < N->n; i++) {
        double s = 0;
        for (size_t j = 0; j < N->m[N->p]; j++)
            s += N->Y[i * N->m[N->p] + j];
        cl |= s != 1 ? VR_CLASS_MULTI_HOT : 0;
    }
    return cl;
}


/* The corrected statement: the library's layer-recursive gradient, flattened like θ. */
int net_gradient(mpfr_ptr J, mpfr_srcptr theta, const void *data, dp_mpws *ws)
{
    const net *N = data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr th = dp_mpws_push(ws, N->nparam);
    mpfr_ptr X = pr_mp(ws, N->X, N->n * N->m[0]), Y = pr_mp(ws, N->Y, N->n * N->m[N->p]);
    int st = th && X && Y ? DP_OK : DP_ENOMEM;
    mpfr_ptr W[NET_MAXP], b[NET_MAXP], gW[NET_MAXP], gb[NET_MAXP];
    for (size_t i = 0; st == DP_OK && i < N->nparam; i++)
        mpfr_set(th + i, theta + i, MPFR_RNDN);
    for (size_t k = 0; k < N->p; k++) {
        W[k] = th + N->offW[k], b[k] = th + N->offb[k];
        gW[k] = J + N->offW[k], gb[k] = J + N->offb[k];
    }
    dp_net_mp net_mp = {N->p, N->m, W, b};
    if (st == DP_OK)
        st = vr_lib->global_loss_gradient_mp(NULL, gW, gb, &net_mp, X, Y, N->n, ws);
    dp_mpws_release(ws, mk);
    return st;
}

void net_entry_name(char *buf, size_t len, size_t i, size_t j, const void *data)
{
    const net *N = data;
    (void)i;
    for (size_t k = N->p; k-- > 0;) {
        if (j >= N->offb[k]) {
            snprintf(buf, len, "db^%zu[%zu]", k + 1, j - N->offb[k]);
            return;
        }
        if (j >= N->offW[k]) {
            size_t e = j - N->offW[k];
            snprintf(buf, len, "dW^%zu[%zu,%zu]", k + 1, e / N->m[k], e % N->m[k]);
            return;
        }
    }
    snprintf(buf, len, "?");
}


/* ---- explain: the forward and backward passes of each sample, in double ------------------------ */

static void vec(FILE *f, const char *name, const double *v, size_t n)
{
    size_t cols = 0; /* pad to 34 columns, counting UTF-8 code points, not bytes */
    for (const char *q = name; *q; q++)
        cols += ((unsigned char)*q & 0xC0) != 0x80;
    fprintf(f, "    %s%*s", name, cols < 34 ? (int)(34 - cols) : 0, "");
    for (size_t j = 0; j < n; j++)
        fprintf(f, " % .6g", v[j]);
    fputc('\n', f);
}

void net_describe(FILE *f, const vr_case *c)
{
    net N;
    if (!net_read(&N, c))
        return;
    size_t mmax = 0, p = N.p;
    for (size_t k = 0; k <= p; k++)
        mmax = N.m[k] > mmax ? N.m[k] : mmax;
    double *buf = calloc((2 * p + 4) * mmax + mmax * mmax, sizeof *buf);
    if (buf == NULL)
        return;
    double *z = buf, *a = z + p * mmax, *d = a + p * mmax, *gy = d + mmax, *gb = gy + mmax,
           *S = gb + mmax, *gW = S + mmax;
    char name[128];
    for (size_t i = 0; i < N.n; i++) {
        fprintf(f, "  sample %zu: forward, y^{downstream(1)} = X^%zu\n", i + 1, i + 1);
        for (size_t k = 0; k < p; k++) {
            const double *in = k ? a + (k - 1) * mmax : N.X + i * N.m[0];
            dp_dense(z + k * mmax, in, N.W[k], N.b[k], N.m[k], N.m[k + 1]);
            snprintf(name, sizeof name, "z^%zu = L^%zu(y, W^%zu, b^%zu)", k + 1, k + 1, k + 1,
                     k + 1);
            vec(f, name, z + k * mmax, N.m[k + 1]);
            if (k + 1 < p) {
                dp_relu(a + k * mmax, z + k * mmax, N.m[k + 1]);
                snprintf(name, sizeof name, "ReLU(z^%zu)", k + 1);
                vec(f, name, a + k * mmax, N.m[k + 1]);
            }
        }
        const double *y = N.Y + i * N.m[p];
        double li;
        dp_softmax(S, z + (p - 1) * mmax, N.m[p]);
        vec(f, "N(X) = S(z^p)", S, N.m[p]);
        vec(f, "Ŷ", y, N.m[p]);
        dp_softmax_cce(&li, y, z + (p - 1) * mmax, N.m[p]);
        vec(f, "ξ^Ŷ(N(X))", &li, 1);
        fprintf(f, "  sample %zu: backward\n", i + 1);
        dp_softmax_cce_gradient_general(d, y, z + (p - 1) * mmax, N.m[p]);
        snprintf(name, sizeof name, "δ^%zu = S(z^%zu)ΣŶ − Ŷ", p, p);
        vec(f, name, d, N.m[p]);
        for (size_t k = p - 1; k-- > 0;) {
            dp_dense_backward(gy, gW, gb, a + k * mmax, N.W[k + 1], d, N.m[k + 1], N.m[k + 2]);
            snprintf(name, sizeof name, "dF^{up(%zu)}/dy = δ^%zu W^%zu", k + 1, k + 2, k + 2);
            vec(f, name, gy, N.m[k + 1]);
            for (size_t j = 0; j < N.m[k + 1]; j++)
                d[j] = z[k * mmax + j] > 0 ? gy[j] : 0;
            snprintf(name, sizeof name, "δ^%zu = (δ^%zu W^%zu) ⊙ 1(z^%zu)", k + 1, k + 2, k + 2,
                     k + 1);
            vec(f, name, d, N.m[k + 1]);
        }
    }
    free(buf);
}
