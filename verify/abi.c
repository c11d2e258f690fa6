/* abi.c -- the ops of the implementation ABI, whoever implements them (abi.h): arguments read
   from an instance, generators, MPFR references, and the bounds any backward-stable
   implementation meets, derived below op by op. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"

static const char *const names[VR_NOPS] = {
    "relu", "relu_jacobian", "softmax", "softmax_jacobian", "cce", "cce_gradient",
    "softmax_cce_gradient", "dense", "dense_relu_backward", "network_gradient"};

const char *vr_abi_name(int op)
{
    return op >= 0 && op < VR_NOPS ? names[op] : "?";
}

int vr_abi_op(const char *name)
{
    for (int op = 0; op < VR_NOPS; op++)
        if (!strcmp(name, names[op]))
            return op;
    return -1;
}

/* ---- a call: the ABI's arguments, read from an instance ------------------------------------ */

static int add_in(vr_call *k, const vr_case *c, const char *name, size_t len)
{
    const vr_array *a = vr_case_get(c, name);
    if (a == NULL || a->len != len || len == 0)
        return 0;
    k->inname[k->nin] = a->name, k->inlen[k->nin] = len, k->in[k->nin++] = a->v;
    return 1;
}

static void add_out(vr_call *k, const char *name, size_t len)
{
    snprintf(k->outname[k->nout], sizeof k->outname[0], "%s", name);
    k->outlen[k->nout++] = len;
}

/* A dimension of c in 1 .. max, else 0 (a malformed replay token). */
static size_t dim(const vr_case *c, const char *name, size_t max)
{
    size_t d = vr_case_getdim(c, name);
    return d <= max ? d : 0;
}

static int marshal_ops(vr_call *k, int op, const vr_case *c)
{
    memset(k, 0, sizeof *k);
    k->op = op;
    if (op == VR_OP_NETWORK_GRADIENT) {
        size_t p = dim(c, "p", VR_ABI_MAXP), n = dim(c, "n", VR_ABI_MAXW), *w = k->dims + 2;
        char name[24];
        k->ndims = p + 3, k->dims[0] = p, k->dims[1] = n;
        for (size_t l = 0; l <= p; l++) {
            snprintf(name, sizeof name, "m%zu", l);
            if ((w[l] = dim(c, name, VR_ABI_MAXW)) == 0)
                return 0;
        }
        if (p == 0 || n == 0 || !add_in(k, c, "X", n * w[0]) || !add_in(k, c, "Y", n * w[p]))
            return 0;
        add_out(k, "loss", 1);
        for (size_t l = 0; l < p; l++) {
            snprintf(name, sizeof name, "W%zu", l + 1);
            int ok = add_in(k, c, name, w[l + 1] * w[l]);
            snprintf(name, sizeof name, "b%zu", l + 1);
            if (!ok || !add_in(k, c, name, w[l + 1]))
                return 0;
            snprintf(name, sizeof name, "gW%zu", l + 1);
            add_out(k, name, w[l + 1] * w[l]);
            snprintf(name, sizeof name, "gb%zu", l + 1);
            add_out(k, name, w[l + 1]);
        }
        return 1;
    }
    size_t m = dim(c, "m", VR_ABI_MAXM), mo = dim(c, "mo", VR_ABI_MAXM);
    k->ndims = 1, k->dims[0] = m;
    if (m == 0)
        return 0;
    switch (op) {
    case VR_OP_RELU: add_out(k, "out", m); return add_in(k, c, "z", m);
    case VR_OP_RELU_JACOBIAN: add_out(k, "J", m * m); return add_in(k, c, "z", m);
    case VR_OP_SOFTMAX: add_out(k, "out", m); return add_in(k, c, "z", m);
    case VR_OP_SOFTMAX_JACOBIAN: add_out(k, "J", m * m); return add_in(k, c, "z", m);
    case VR_OP_CCE: add_out(k, "loss", 1); return add_in(k, c, "yhat", m) && add_in(k, c, "y", m);
    case VR_OP_CCE_GRADIENT:
        add_out(k, "g", m);
        return add_in(k, c, "yhat", m) && add_in(k, c, "y", m);
    case VR_OP_SOFTMAX_CCE_GRADIENT:
        add_out(k, "g", m);
        return add_in(k, c, "yhat", m) && add_in(k, c, "z", m);
    case VR_OP_DENSE:
        k->ndims = 2, k->dims[1] = mo, add_out(k, "out", mo);
        return mo && add_in(k, c, "y", m) && add_in(k, c, "W", mo * m) && add_in(k, c, "b", mo);
    default: /* VR_OP_DENSE_RELU_BACKWARD */
        k->ndims = 2, k->dims[1] = mo;
        add_out(k, "g_y", m), add_out(k, "g_W", mo * m), add_out(k, "g_b", mo);
        return mo && add_in(k, c, "y", m) && add_in(k, c, "W", mo * m) && add_in(k, c, "b", mo) &&
               add_in(k, c, "g_up", mo);
    }
}

int vr_abi_marshal(vr_call *k, int op, const vr_case *c)
{
    if (op < 0 || op >= VR_NOPS || !marshal_ops(k, op, c))
        return 0;
    k->q = 0;
    for (size_t i = 0; i < k->nout; i++)
        k->q += k->outlen[i];
    return 1;
}

/* ---- references: the library's MPFR functions on the exact inputs -------------------------- */

static mpfr_ptr mp_of(dp_mpws *ws, const double *v, size_t n)
{
    mpfr_ptr x = dp_mpws_push(ws, n);
    for (size_t i = 0; x != NULL && i < n; i++)
        mpfr_set_d(x + i, v[i], MPFR_RNDN);
    return x;
}

int vr_abi_reference(mpfr_ptr out, const vr_call *kp, dp_mpws *ws)
{
    const vr_call k = *kp;
    size_t m = k.dims[0], mo = k.dims[1];
    mpfr_ptr in[VR_ABI_MAXIO];
    for (size_t i = 0; i < k.nin; i++)
        if ((in[i] = mp_of(ws, k.in[i], k.inlen[i])) == NULL)
            return DP_ENOMEM;
    switch (k.op) {
    case VR_OP_RELU: return dp_relu_mp(out, in[0], m, ws);
    case VR_OP_RELU_JACOBIAN: return dp_relu_jacobian_mp(out, in[0], m, ws);
    case VR_OP_SOFTMAX: return dp_softmax_mp(out, in[0], m, ws);
    case VR_OP_SOFTMAX_JACOBIAN: return dp_softmax_jacobian_mp(out, in[0], m, ws);
    case VR_OP_CCE: return dp_cce_mp(out, in[0], in[1], m, ws);
    case VR_OP_CCE_GRADIENT: return dp_cce_gradient_mp(out, in[0], in[1], m, ws);
    case VR_OP_SOFTMAX_CCE_GRADIENT: return dp_softmax_cce_gradient_mp(out, in[0], in[1], m, ws);
    case VR_OP_DENSE: return dp_dense_mp(out, in[0], in[1], in[2], m, mo, ws);
    case VR_OP_DENSE_RELU_BACKWARD:
        return dp_dense_relu_backward_mp(out, out + m, out + m + mo * m, in[0], in[1], in[2],
                                         in[3], m, mo, ws);
    default: {
        size_t p = k.dims[0];
        mpfr_ptr W[VR_ABI_MAXP], b[VR_ABI_MAXP], gW[VR_ABI_MAXP], gb[VR_ABI_MAXP], o = out + 1;
        for (size_t l = 0; l < p; l++) {
            W[l] = in[2 + 2 * l], b[l] = in[3 + 2 * l];
            gW[l] = o, o += k.inlen[2 + 2 * l];
            gb[l] = o, o += k.inlen[3 + 2 * l];
        }
        dp_net_mp net = {p, k.dims + 2, W, b};
        return dp_global_loss_gradient_mp(out, gW, gb, &net, in[0], in[1], k.dims[1], ws);
    }
    }
}

/* ---- bounds -----------------------------------------------------------------------------------
   The bounds of bounds*.c analyse the library's own formulas.  A plugin may be written otherwise;
   the first-order analyses carry over where they do not depend on the order of operations (any
   order of a sum of k terms errs by at most (k - 1) u of their magnitudes), and this file adds
   what a different but backward-stable formula may legitimately add:
   - S_k = e^{d_k} * (1 / sum) instead of e^{d_k} / sum: one more rounding, u S_k;
   - 1 - S_j or S_j - 1 formed from a computed S_j (the SoftMax Jacobian's diagonal
     S_j (1 - S_j), the gradient S - yhat of a dominant class): S_j's own absolute error
     (|d_j| + m + 7) u S_j (vr_bound_softmax's, with the reciprocal's u) carries over to the
     difference, which Sterbenz's lemma makes exact for S_j in [1/2, 2].  Such an entry is held
     to an absolute error of about (m + 7) u rather than to a few u of itself: a plugin is not
     failed for not using the library's cancellation-free formula;
   - -yhat_j * (1 / y_j) for the cross-entropy gradient: u |g_j| more;
   - the network's loss as log(sum_j e^{z_j - max z}) + max z - z_y (log, not log1p; or -log S_y):
     an absolute (m + 8) u (|max z| + |z_y| + m + 1) per sample, and the dominant class's absolute
     error above carried back through |W| (no ReLU indicator: an upper bound) to every gradient.
   Labels are one-hot, so that sum_j yhat_j = 1. */

double vr_abi_max(const double *z, size_t m)
{
    double x = z[0];
    for (size_t j = 1; j < m; j++)
        x = fmax(x, z[j]);
    return x;
}

void vr_abi_softmax_d(double *S, const double *z, size_t m)
{
    double zmax = vr_abi_max(z, m), sum = 0;
    for (size_t j = 0; j < m; j++)
        sum += S[j] = exp(z[j] - zmax);
    for (size_t j = 0; j < m; j++)
        S[j] /= sum;
}

/* The network's extra terms (see above), added to b (loss, then the gradient packed W^1, b^1,
   ...): one forward pass in double per sample, then the dominant class's absolute error e^p
   carried back, e^{k-1} = |W^k|^T e^k. */
static void bound_net_extra(double *b, const vr_call *k, double u)
{
    size_t p = k->dims[0], n = k->dims[1];
    const size_t *w = k->dims + 2;
    double a[VR_ABI_MAXP + 1][VR_ABI_MAXW], e[VR_ABI_MAXW], e2[VR_ABI_MAXW], S[VR_ABI_MAXW];
    size_t off[VR_ABI_MAXP], o = 1;
    for (size_t l = 0; l < p; l++)
        off[l] = o, o += w[l + 1] * w[l] + w[l + 1];
    for (size_t i = 0; i < n; i++) {
        const double *y = k->in[1] + i * w[p];
        memcpy(a[0], k->in[0] + i * w[0], w[0] * sizeof(double));
        for (size_t l = 0; l < p; l++)
            for (size_t jp = 0; jp < w[l + 1]; jp++) {
                double s = k->in[3 + 2 * l][jp];
                for (size_t j = 0; j < w[l]; j++)
                    s += k->in[2 + 2 * l][jp * w[l] + j] * a[l][j];
                a[l + 1][jp] = l + 1 < p ? fmax(s, 0) : s;
            }
        const double *z = a[p];
        size_t mp = w[p], cls = 0;
        double zmax = vr_abi_max(z, mp);
        vr_abi_softmax_d(S, z, mp);
        for (size_t j = 0; j < mp; j++) {
            cls = y[j] != 0 ? j : cls;
            e[j] = y[j] != 0 && S[j] > 0.5 ? ((zmax - z[j]) + (double)mp + 7) * u * S[j] : 0;
        }
        b[0] += ((double)mp + 8) * u * (fabs(zmax) + fabs(z[cls]) + (double)mp + 1);
        for (size_t l = p; l-- > 0;) {
            double *gW = b + off[l], *gb = gW + w[l + 1] * w[l];
            for (size_t jp = 0; jp < w[l + 1]; jp++) {
                gb[jp] += e[jp];
                for (size_t j = 0; j < w[l]; j++)
                    gW[jp * w[l] + j] += e[jp] * fabs(a[l][j]);
            }
            for (size_t j = 0; l > 0 && j < w[l]; j++) {
                e2[j] = 0;
                for (size_t jp = 0; jp < w[l + 1]; jp++)
                    e2[j] += fabs(k->in[2 + 2 * l][jp * w[l] + j]) * e[jp];
            }
            if (l > 0)
                memcpy(e, e2, w[l] * sizeof *e);
        }
    }
}

/* dense_relu_backward: a unit within 2 beta of the kink (beta dense's bound, as in
   bounds_dense.c) whose row is not exact in every order of summation (vr_row_exact) may have
   either indicator: its partials may be anything between 0 and g_up's, which is added to the
   bound of g_b, g_W and g_y.  (bounds_dense.c asks exactness of the library's fma chain only.) */
static void bound_relu_indicator(double *bound, const vr_call *k, double u, int f32)
{
    size_t m = k->dims[0], mo = k->dims[1];
    const double *y = k->in[0], *W = k->in[1], *b = k->in[2], *g = k->in[3];
    double eta = f32 ? 0x1p-149 : 0x1p-1074, up = 1 + 1e-10;
    for (size_t jp = 0; jp < mo; jp++) {
        double beta, L = b[jp];
        vr_bound_dense(&beta, y, W + jp * m, b + jp, m, 1, u);
        beta += (double)m * eta;
        for (size_t j = 0; j < m; j++)
            L = fma(W[jp * m + j], y[j], L);
        if (fabs(L) > 2 * beta || vr_row_exact(y, W + jp * m, b[jp], m, f32 ? 24 : 53))
            continue;
        bound[m + mo * m + jp] += fabs(g[jp]) * up;
        for (size_t j = 0; j < m; j++) {
            bound[m + jp * m + j] += fabs(g[jp] * y[j]) * up;
            bound[j] += fabs(g[jp] * W[jp * m + j]) * up;
        }
    }
}

int vr_abi_bound(double *b, const vr_call *kp, mpfr_srcptr ref, int f32)
{
    const vr_call k = *kp;
    double u = f32 ? VR_U_FLOAT : VR_U_DOUBLE, up = 1 + 1e-10, S[VR_ABI_MAXM];
    size_t m = k.dims[0], mo = k.dims[1], q = k.q;
    switch (k.op) {
    case VR_OP_RELU: case VR_OP_RELU_JACOBIAN: vr_bound_exact(b, q); break;
    case VR_OP_SOFTMAX:
        vr_bound_softmax(b, k.in[0], m, ref, u);
        for (size_t j = 0; j < m; j++)
            b[j] += u * mpfr_get_d(ref + j, MPFR_RNDU);
        break;
    case VR_OP_SOFTMAX_JACOBIAN: {
        const double *z = k.in[0];
        double zmax = vr_abi_max(z, m);
        vr_bound_softmax_jacobian(b, z, m, ref, u);
        vr_abi_softmax_d(S, z, m);
        for (size_t i = 0; i < m * m; i++)
            b[i] += 2 * u * fabs(mpfr_get_d(ref + i, MPFR_RNDU));
        for (size_t j = 0; j < m; j++)
            b[j * m + j] += ((zmax - z[j]) + (double)m + 7) * u * S[j] * up;
        break;
    }
    case VR_OP_CCE: vr_bound_cce(b, k.in[0], k.in[1], m, u); break;
    case VR_OP_CCE_GRADIENT:
        vr_bound_cce_gradient(b, m, ref, u);
        for (size_t j = 0; j < m; j++)
            b[j] += u * fabs(mpfr_get_d(ref + j, MPFR_RNDU));
        break;
    case VR_OP_SOFTMAX_CCE_GRADIENT: {
        const double *yhat = k.in[0], *z = k.in[1];
        double zmax = vr_abi_max(z, m);
        vr_bound_softmax_cce_gradient(b, z, yhat, m, 1.0, ref, u);
        vr_abi_softmax_d(S, z, m);
        for (size_t j = 0; j < m; j++)
            b[j] += (yhat[j] != 0 && S[j] > 0.5 ? ((zmax - z[j]) + (double)m + 7) : 1) * u *
                    S[j] * up;
        break;
    }
    case VR_OP_DENSE: vr_bound_dense(b, k.in[0], k.in[1], k.in[2], m, mo, u); break;
    case VR_OP_DENSE_RELU_BACKWARD:
        vr_bound_dense_relu_backward(b, k.in[0], k.in[1], k.in[2], k.in[3], m, mo, u);
        bound_relu_indicator(b, &k, u, f32);
        break;
    default: {
        size_t p = k.dims[0];
        const double *W[VR_ABI_MAXP], *bb[VR_ABI_MAXP];
        for (size_t l = 0; l < p; l++)
            W[l] = k.in[2 + 2 * l], bb[l] = k.in[3 + 2 * l];
        if (vr_bound_network_gradient(b, p, k.dims + 2, W, bb, k.in[0], k.in[1], k.dims[1], u) !=
            DP_OK)
            return DP_ENOMEM;
        bound_net_extra(b, &k, u);
    }
    }
    return DP_OK;
}

/* ---- generators: the engine's edge-biased ones, then rounded to float for float32 ------------
   A value that is not a float becomes the nearest one, except beyond float's range: logits of
   1e300 become 1e30 (still far beyond 88.7, where e^z overflows float), and values below float's
   subnormals are mapped to a subnormal or tiny float, keeping the edge they stand for. */
static double to_f32(double x)
{
    if (x == 0 || (double)(float)x == x)
        return x;
    if (fabs(x) > 0x1p100)
        return (double)(float)copysign(1e30, x);
    if (fabs(x) < 0x1p-126) { /* 2^-1074 .. 2^-126 onto 2^-149 .. 2^-101 */
        int e = ilogb(x), e2 = -149 + (e + 1074) * 48 / 947;
        return (double)(float)ldexp(x, e2 - e);
    }
    return (double)(float)x;
}

static double *vec(vr_case *c, const char *name, size_t n, vr_src *src, vr_realkind kind)
{
    double *v = vr_case_array(c, name, n);
    if (v != NULL)
        vr_gen_vector(v, n, src, kind);
    return v;
}

/* Probabilities for the cross-entropy: k / 2^20, or (one draw in eight) tiny: subnormal for the
   loss, normal for the gradient so that -1 / y_j is finite in the precision. */
static double prob(vr_src *src, int normal, int f32)
{
    if (vr_draw(src, 8) != 7)
        return vr_gen_real(src, VR_REAL_UNIT);
    double mant = 1 + (double)vr_draw(src, 16) / 16;
    if (normal)
        return ldexp(mant, (f32 ? -120 : -1000) + (int)vr_draw(src, 10));
    return f32 ? 0x1p-149 * (double)(1 + vr_draw(src, 8))
                   : 0x1p-1074 * (double)(1 + vr_draw(src, 8));
}

/* dense_relu_backward: half of the instances are small integers with each unit's bias chosen so
   that it sits exactly at the kink, or at 1, or leaves it an integer: every sum is exact in any
   order and in float too, so that the exact ReLU indicator is the only right one there. */
static void int_layer(double *y, double *W, double *b, size_t m, size_t mo, vr_src *src)
{
    for (size_t j = 0; j < m; j++)
        y[j] = (double)vr_draw(src, 7) - 3;
    for (size_t i = 0; i < mo * m; i++)
        W[i] = (double)vr_draw(src, 7) - 3;
    for (size_t jp = 0; jp < mo; jp++) {
        double s = 0;
        for (size_t j = 0; j < m; j++)
            s += W[jp * m + j] * y[j];
        uint64_t d = vr_draw(src, 3);
        b[jp] = d == 0 ? -s : d == 1 ? 1 - s : (double)vr_draw(src, 7) - 3;
    }
}

static int gen_net(vr_case *c, vr_src *src, size_t size, int f32)
{
    size_t p = 1 + (size_t)vr_draw(src, size < VR_ABI_MAXP ? size : VR_ABI_MAXP), n = 1 + (size_t)vr_draw(src, 2);
    int narrow = p >= 3 && vr_draw(src, 2) == 0; /* deep and narrow: widths 1 or 2 */
    size_t w[VR_ABI_MAXP + 1];
    char name[24];
    vr_case_dim(c, "p", p);
    vr_case_dim(c, "n", n);
    for (size_t l = 0; l <= p; l++) {
        w[l] = narrow ? 1 + (size_t)vr_draw(src, 2) : vr_gen_dim(src, size < 4 ? size : 4);
        snprintf(name, sizeof name, "m%zu", l);
        vr_case_dim(c, name, w[l]);
    }
    if (vec(c, "X", n * w[0], src, VR_REAL_ANY) == NULL)
        return DP_ENOMEM;
    double *Y = vr_case_array(c, "Y", n * w[p]);
    if (Y == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        vr_gen_label(Y + i * w[p], w[p], src, 0);
    for (size_t l = 0; l < p; l++) {
        snprintf(name, sizeof name, "W%zu", l + 1);
        double *W = vec(c, name, w[l + 1] * w[l], src, VR_REAL_ANY);
        snprintf(name, sizeof name, "b%zu", l + 1);
        if (W == NULL || vec(c, name, w[l + 1], src, VR_REAL_ANY) == NULL)
            return DP_ENOMEM;
    }
    /* float32: large values (up to 2^11) would overflow float's range through six layers and
       their gradients; scaled down by 2^7, exactly */
    for (size_t i = 0; f32 && i < c->narr; i++)
        for (size_t j = 0; j < c->arr[i].len; j++)
            if (fabs(c->arr[i].v[j]) > 16)
                c->arr[i].v[j] = ldexp(c->arr[i].v[j], -7);
    return DP_OK;
}

int vr_abi_generate(vr_case *c, vr_src *src, size_t size, int op, int f32)
{
    int st = DP_OK;
    if (op == VR_OP_NETWORK_GRADIENT) {
        st = gen_net(c, src, size, f32);
    } else {
        size_t m = vr_gen_dim(src, size), mo = 0;
        vr_case_dim(c, "m", m);
        if (op == VR_OP_DENSE || op == VR_OP_DENSE_RELU_BACKWARD)
            vr_case_dim(c, "mo", mo = vr_gen_dim(src, size));
        double *yhat = NULL, *v = NULL;
        switch (op) {
        case VR_OP_RELU: case VR_OP_RELU_JACOBIAN: v = vec(c, "z", m, src, VR_REAL_ANY); break;
        case VR_OP_SOFTMAX: case VR_OP_SOFTMAX_JACOBIAN: v = vec(c, "z", m, src, VR_REAL_LOGIT); break;
        case VR_OP_CCE: case VR_OP_CCE_GRADIENT:
            if ((yhat = vr_case_array(c, "yhat", m)) != NULL)
                vr_gen_label(yhat, m, src, 0);
            if ((v = vr_case_array(c, "y", m)) != NULL)
                for (size_t j = 0; j < m; j++)
                    v[j] = prob(src, op == VR_OP_CCE_GRADIENT, f32);
            break;
        case VR_OP_SOFTMAX_CCE_GRADIENT:
            if ((yhat = vr_case_array(c, "yhat", m)) != NULL)
                vr_gen_label(yhat, m, src, 0);
            v = vec(c, "z", m, src, VR_REAL_LOGIT);
            break;
        case VR_OP_DENSE:
            v = vec(c, "y", m, src, VR_REAL_ANY);
            v = v ? vec(c, "W", mo * m, src, VR_REAL_ANY) : NULL;
            v = v ? vec(c, "b", mo, src, VR_REAL_ANY) : NULL;
            break;
        default: { /* VR_OP_DENSE_RELU_BACKWARD */
            double *y = vr_case_array(c, "y", m), *W = vr_case_array(c, "W", mo * m),
                   *b = vr_case_array(c, "b", mo);
            if (y && W && b && vr_draw(src, 2) == 0)
                int_layer(y, W, b, m, mo, src);
            else if (y && W && b)
                vr_gen_vector(y, m, src, VR_REAL_ANY), vr_gen_vector(W, mo * m, src, VR_REAL_ANY),
                    vr_gen_vector(b, mo, src, VR_REAL_ANY);
            v = y && W && b ? vec(c, "g_up", mo, src, VR_REAL_ANY) : NULL;
        }
        }
        st = v == NULL ? DP_ENOMEM : DP_OK;
    }
    for (size_t i = 0; f32 && i < c->narr; i++)
        for (size_t j = 0; j < c->arr[i].len; j++)
            c->arr[i].v[j] = to_f32(c->arr[i].v[j]);
    return st;
}
