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

