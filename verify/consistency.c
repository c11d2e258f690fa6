/* consistency.c -- an implementation's own consistency, a diagnostic (consistency.h,
   docs/plugin.md): central finite differences of its forward ops, called through its transport
   in its own precision, against its own derivative ops.  Sections 3-5 of the document, as the
   implementation computes them.

   The difference and its error estimate.  For a variable x_j of scale s_j (max(|x_j|, 1); |y_j|
   for cce's y, whose log is singular at 0) the step is h = u^{1/3} s_j, u the implementation's
   unit roundoff (2^-53, 2^-24): the step that balances the central difference's truncation
   (~ h^2) against its rounding (~ u / h).  x_j +- h and x_j +- h/2 are rounded to the precision
   (an input must be one of its values) and each quotient divides by the actual distance of the
   rounded points, so that rounding the input costs nothing.  For output i, with D the
   derivative op's value:
       FD   = (F_i(x + h e_j) - F_i(x - h e_j)) / 2h
       est  = 4/3 |FD_h - FD_{h/2}|   truncation: FD_h = D + c h^2 + O(h^4), so FD_h - FD_{h/2} =
                                      3/4 c h^2 (Richardson); the rounding noise in this
                                      difference only makes est larger
            + (2 eps_i                rounding: eps_i bounds the forward's absolute error (below,
               + u |F_i(x + h e_j)|    pair by pair, at x), and each value has at least its own
               + u |F_i(x - h e_j)|)   last rounding, u of itself, at the point it was computed
                 / 2h                  (the only term left where F_i(x) = 0: cce at y = 1)
            + (K + 4) u |D|           the derivative op's own rounding, K terms summed
            + 2^-52 |FD|              the quotient's, formed in double
   An entry is INCONSISTENT when |FD - D| > VR_CONS_FACTOR (8) est: est is an estimate, not a
   bound (its truncation part is itself measured, to first order), and 8 leaves room for that,
   while a wrong derivative is off by a sizeable part of itself, thousands of est.
   eps_i is the error a backward-stable forward commits (the reference check's bounds, abi.c):
     relu                      0 (exact)
     softmax                   (|z_i - max z| + m + 7) u S_i
     cce                       (m + 4) u sum_j |yhat_j log y_j|
     cce(yhat, softmax(z))     (|z_y - max z| + m + 7) u + (m + 4) u |log S_y|  (-log S_y)
     g_up . relu(L(y, W, b))   sum_j' |g_up_j'| (m + 1) u (|b_j'| + sum_j |W_j'j y_j|)
     the network's loss        per sample, 2 max_j e_j + (m_p + 8) u (|max z| + |z_y| + m_p + 1),
                               e the logits' error: each layer's (m + 1) u of its terms'
                               magnitude, carried forward through |W| (|S - yhat|_1 <= 2)

   Kinks.  An entry whose steps may cross a ReLU kink is skipped and counted: some unit's
   pre-activation L (computed in double at x) has |L| <= 2 h |dL/dx_j| + beta, beta L's own
   rounding as above (through a network, dL/dx_j is bounded through |W|).  At an exact kink the
   derivative op's value is a convention, ReLU'(0), not a derivative. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "consistency.h"
#include "transport.h"

enum { P_RELU, P_SOFTMAX, P_CCE, P_SOFTMAX_CCE, P_DENSE_RELU, P_NETWORK };

static const struct {
    int op, fwd, fwd2; /* the derivative; the forward ops it is held against (-1: none) */
    const char *of;
} pairs[VR_CONS_NPAIRS] = {
    {VR_OP_RELU_JACOBIAN, VR_OP_RELU, -1, "relu"},
    {VR_OP_SOFTMAX_JACOBIAN, VR_OP_SOFTMAX, -1, "softmax"},
    {VR_OP_CCE_GRADIENT, VR_OP_CCE, -1, "cce (as a function of y)"},
    {VR_OP_SOFTMAX_CCE_GRADIENT, VR_OP_CCE, VR_OP_SOFTMAX, "cce(yhat, softmax(z))"},
    {VR_OP_DENSE_RELU_BACKWARD, VR_OP_DENSE, VR_OP_RELU, "g_up . relu(dense(y, W, b))"},
    {VR_OP_NETWORK_GRADIENT, VR_OP_NETWORK_GRADIENT, -1, "its own loss (every W and b)"},
};

enum { FAILED = -1 }; /* a call of the implementation failed: the pair is undecided */

/* Bounds on a replayed instance's size: every column costs four calls (or eight). */
enum { MAXVARS = 1024, MAXM = 64 };

const char *vr_consistency_word(vr_consistency_verdict v)
{
    return v == VR_CONSISTENT ? "consistent" : v == VR_INCONSISTENT ? "INCONSISTENT" : "undecided";
}

static const char *prec_name(int f32)
{
    return f32 ? "float32" : "double";
}

/* ---- one instance: F: R^n -> R^q through the implementation's forward ops ----------------- */

typedef struct {
    const vr_plugin *pl;
    double timeout, u;
    int pair, f32;
    vr_case *c;      /* the instance; its variables are perturbed in place */
    vr_case aux;     /* the second forward's arguments (softmax_cce: yhat, y; dense_relu: z) */
    size_t n, q;     /* F: R^n -> R^q */
    double **x;      /* (n) the variables: pointers into c */
    double *eps;     /* (q) F's absolute rounding error at x */
    double *D;       /* (q x n) the derivative op's values, D[i*n + j] = dF_i/dx_j */
    double *out;     /* one call's outputs */
    double *F;       /* (4 q) F at x + h, x - h, x + h/2, x - h/2 */
    double K;        /* the derivative's number of summed terms */
    char *note;      /* a failed call is described here */
    size_t notelen;
    /* dense_relu and network: the arrays of c */
    size_t m, mo, p, ns, w[VR_ABI_MAXP + 1];
    const double *y, *Wd, *bd, *g_up, *X, *Y, *W[VR_ABI_MAXP], *b[VR_ABI_MAXP];
} inst;

static double *arr(const vr_case *c, const char *name)
{
    const vr_array *a = vr_case_get(c, name);
    return a ? a->v : NULL;
}

static double rnd(const inst *I, double v)
{
    return I->f32 ? (double)(float)v : v;
}

/* One isolated call of op on c: DP_OK with its outputs in out; FAILED (I->note says how) when
   it crashed, hung, refused or returned a value that is not finite; or dnnproof's own error. */
static int call(double *out, inst *I, int op, const vr_case *c)
{
    vr_call k;
    vr_plugin_kind kind = VR_PK_PASS;
    char note[200] = "";
    if (!vr_abi_marshal(&k, op, c))
        return DP_EDOMAIN;
    int st = I->pl->t->call(I->pl->self, &kind, out, note, sizeof note, &k, I->f32, I->timeout);
    if (st != DP_OK)
        return st;
    for (size_t i = 0; kind == VR_PK_PASS && i < k.q; i++)
        if (!isfinite(out[i])) {
            kind = VR_PK_NAN;
            snprintf(note, sizeof note, "returned %g at %s[%zu]", out[i], k.outname[0], i);
        }
    if (kind == VR_PK_PASS)
        return DP_OK;
    snprintf(I->note, I->notelen, "the %s failed (%s): %s", vr_abi_name(op),
             vr_plugin_kind_name(kind), note);
    return FAILED;
}

/* F at the instance's current variables, q values. */
static int eval(double *F, inst *I)
{
    int st;
    size_t m = vr_case_getdim(I->c, "m");
    switch (I->pair) {
    case P_RELU: case P_SOFTMAX:
        if ((st = call(I->out, I, pairs[I->pair].fwd, I->c)) == DP_OK)
            memcpy(F, I->out, m * sizeof *F);
        return st;
    case P_SOFTMAX_CCE: /* cce(yhat, S) with S its own softmax */
        if ((st = call(I->out, I, VR_OP_SOFTMAX, I->c)) != DP_OK)
            return st;
        memcpy(arr(&I->aux, "y"), I->out, m * sizeof *F);
        if ((st = call(I->out, I, VR_OP_CCE, &I->aux)) == DP_OK)
            F[0] = I->out[0];
        return st;
    case P_DENSE_RELU: /* g_up . relu(L), its own dense and relu, the dot in double */
        if ((st = call(I->out, I, VR_OP_DENSE, I->c)) != DP_OK)
            return st;
        memcpy(arr(&I->aux, "z"), I->out, I->mo * sizeof *F);
        if ((st = call(I->out, I, VR_OP_RELU, &I->aux)) != DP_OK)
            return st;
        F[0] = 0;
        for (size_t j = 0; j < I->mo; j++)
            F[0] += I->g_up[j] * I->out[j];
        return DP_OK;
    default: /* cce, and the network's own loss: the first output */
        if ((st = call(I->out, I, pairs[I->pair].fwd, I->c)) == DP_OK)
            F[0] = I->out[0];
        return st;
    }
}

/* ---- the forward's rounding, and the kinks ------------------------------------------------- */

/* A dense unit L = b + Wrow . y in double; *beta its rounding in the implementation's precision,
   (m + 1) u of its terms' magnitude (any order of summation). */
static double unit(double *beta, const double *y, const double *Wrow, double b, size_t m, double u)
{
    double L = b, mag = fabs(b);
    for (size_t j = 0; j < m; j++)
        L = fma(Wrow[j], y[j], L), mag += fabs(Wrow[j] * y[j]);
    *beta = ((double)m + 1) * u * mag;
    return L;
}

/* Sample s of the network in double: z[l] the pre-activations of layer l + 1 (0-based l < p),
   a[l] the activations entering layer l (a[0] the sample), e[l] a bound on z[l]'s rounding in
   the implementation's precision: each layer's own, plus the error of its inputs through |W|. */
typedef double layer[VR_ABI_MAXW];
static void net_pass(layer *z, layer *a, layer *e, const inst *I, size_t s)
{
    const size_t *w = I->w;
    double e0[VR_ABI_MAXW] = {0};
    memcpy(a[0], I->X + s * w[0], w[0] * sizeof(double));
    for (size_t l = 0; l < I->p; l++) {
        const double *ein = l == 0 ? e0 : e[l - 1];
        for (size_t jp = 0; jp < w[l + 1]; jp++) {
            double beta, carried = 0;
            z[l][jp] = unit(&beta, a[l], I->W[l] + jp * w[l], I->b[l][jp], w[l], I->u);
            for (size_t j = 0; j < w[l]; j++)
                carried += fabs(I->W[l][jp * w[l] + j]) * ein[j];
            e[l][jp] = beta + carried;
            if (l + 1 < I->p)
                a[l + 1][jp] = fmax(z[l][jp], 0);
        }
    }
}

/* eps (q): F's absolute error at x, as the first comment states it pair by pair. */
static void forward_error(inst *I)
{
    const vr_case *c = I->c;
    size_t m = vr_case_getdim(c, "m");
    double u = I->u, S[MAXM];
    switch (I->pair) {
    case P_RELU:
        memset(I->eps, 0, m * sizeof *I->eps);
        break;
    case P_SOFTMAX: {
        const double *z = arr(c, "z");
        vr_abi_softmax_d(S, z, m);
        for (size_t i = 0; i < m; i++)
            I->eps[i] = (vr_abi_max(z, m) - z[i] + (double)m + 7) * u * S[i];
        break;
    }
    case P_CCE: {
        const double *yhat = arr(c, "yhat"), *y = arr(c, "y");
        I->eps[0] = 0;
        for (size_t j = 0; j < m; j++)
            I->eps[0] += ((double)m + 4) * u * fabs(yhat[j] * log(y[j]));
        break;
    }
    case P_SOFTMAX_CCE: {
        const double *yhat = arr(c, "yhat"), *z = arr(c, "z");
        vr_abi_softmax_d(S, z, m);
        I->eps[0] = 0;
        for (size_t j = 0; j < m; j++)
            I->eps[0] += fabs(yhat[j]) * ((vr_abi_max(z, m) - z[j] + (double)m + 7) * u +
                                          ((double)m + 4) * u * fabs(log(S[j])));
        break;
    }
    case P_DENSE_RELU: {
        double beta, dot = 0;
        I->eps[0] = 0;
        for (size_t jp = 0; jp < I->mo; jp++) {
            double L = unit(&beta, I->y, I->Wd + jp * I->m, I->bd[jp], I->m, u);
            I->eps[0] += fabs(I->g_up[jp]) * beta;
            dot += fabs(I->g_up[jp] * fmax(L, 0));
        }
        I->eps[0] += ((double)I->mo + 1) * VR_U_DOUBLE * dot;
        break;
    }
    default: { /* P_NETWORK */
        layer z[VR_ABI_MAXP], a[VR_ABI_MAXP], e[VR_ABI_MAXP];
        size_t p = I->p, mp = I->w[p];
        I->eps[0] = 0;
        for (size_t s = 0; s < I->ns; s++) {
            net_pass(z, a, e, I, s);
            double zy = 0;
            for (size_t j = 0; j < mp; j++)
                zy += fabs(I->Y[s * mp + j] * z[p - 1][j]);
            I->eps[0] += 2 * vr_abi_max(e[p - 1], mp) +
                         ((double)mp + 8) * u * (fabs(vr_abi_max(z[p - 1], mp)) + zy + (double)mp + 1);
        }
    }
    }
}

/* Whether a unit of pre-activation L, rounding beta, changing by |dL/dx| <= t per unit of the
   step, may cross the kink over the steps +-h. */
static int near_kink(double L, double beta, double t, double h)
{
    return t != 0 && fabs(L) <= 2 * h * t + beta;
}

/* The network: the steps of parameter j (W^1, b^1, W^2, ... packed) may cross a kink of a
   hidden unit in some sample.  Its tangent starts at its own unit and is carried forward
   through |W| and the units that are active (not crossing, so staying active). */
static int net_crosses(const inst *I, size_t j, double h)
{
    const size_t *w = I->w;
    size_t l = 0, off = 0;
    while (j >= off + w[l + 1] * w[l] + w[l + 1])
        off += w[l + 1] * w[l] + w[l + 1], l++;
    size_t r = j - off, jp = r < w[l + 1] * w[l] ? r / w[l] : r - w[l + 1] * w[l];
    layer z[VR_ABI_MAXP], a[VR_ABI_MAXP], e[VR_ABI_MAXP];
    for (size_t s = 0; s < I->ns; s++) {
        double t[VR_ABI_MAXW] = {0}, t2[VR_ABI_MAXW];
        net_pass(z, a, e, I, s);
        t[jp] = r < w[l + 1] * w[l] ? fabs(a[l][r % w[l]]) : 1;
        for (size_t k = l; k + 1 < I->p; k++) { /* z[k] goes through a ReLU */
            for (size_t v = 0; v < w[k + 1]; v++) {
                if (near_kink(z[k][v], e[k][v], t[v], h))
                    return 1;
                t[v] = z[k][v] > 0 ? t[v] : 0;
            }
            for (size_t v = 0; v < w[k + 2]; v++) {
                t2[v] = 0;
                for (size_t uu = 0; uu < w[k + 1]; uu++)
                    t2[v] += fabs(I->W[k + 1][v * w[k + 1] + uu]) * t[uu];
            }
            memcpy(t, t2, w[k + 2] * sizeof *t);
        }
    }
    return 0;
}

/* Whether entry (i, j)'s steps h may cross a ReLU kink. */
static int crosses(const inst *I, size_t i, size_t j, double h)
{
    if (I->pair == P_RELU)
        return i == j && near_kink(*I->x[j], 0, 1, h);
    if (I->pair == P_NETWORK)
        return net_crosses(I, j, h);
    if (I->pair != P_DENSE_RELU)
        return 0;
    size_t m = I->m, mo = I->mo;
    double beta;
    for (size_t jp = 0; jp < mo; jp++) { /* the coefficient of x_j in unit jp */
        double cf = j < m ? I->Wd[jp * m + j]
                    : j < m + mo * m ? ((j - m) / m == jp ? I->y[(j - m) % m] : 0)
                                     : (j - m - mo * m == jp ? 1 : 0);
        double L = unit(&beta, I->y, I->Wd + jp * m, I->bd[jp], m, I->u);
        if (near_kink(L, beta, fabs(cf), h))
            return 1;
    }
    return 0;
}

/* The name of entry (i, j) of the derivative: the derivative op's output and index there. */
static void entry_name(char *buf, size_t len, const inst *I, const vr_call *k, size_t i, size_t j)
{
    size_t e = (I->pair == P_NETWORK) + i * I->n + j;
    for (size_t o = 0; o < k->nout; e -= k->outlen[o++]) {
        if (e >= k->outlen[o])
            continue;
        const char *nm = k->outname[o];
        size_t cols = !strcmp(nm, "J") || !strcmp(nm, "g_W") ? k->dims[0]
                      : nm[0] == 'g' && nm[1] == 'W'        ? I->w[strtoul(nm + 2, NULL, 10) - 1]
                                                            : 0;
        if (cols)
            snprintf(buf, len, "%s[%zu,%zu]", nm, e / cols, e % cols);
        else
            snprintf(buf, len, "%s[%zu]", nm, e);
        return;
    }
}

/* ---- one instance, checked ------------------------------------------------------------------ */

/* Appends the entries of c's array `name` to the variables. */
static void add_vars(inst *I, const vr_case *c, const char *name)
{
    const vr_array *v = vr_case_get(c, name);
    for (size_t t = 0; t < v->len; t++)
        I->x[I->n++] = v->v + t;
}

/* The variables of F and the arrays the estimates read.  DP_EDOMAIN when c is not an instance of
   the pair; DP_ENOMEM. */
static int setup(inst *I, const vr_case *c)
{
    vr_call k;
    size_t cap = 0;
    if (!vr_abi_marshal(&k, pairs[I->pair].op, c))
        return DP_EDOMAIN;
    for (size_t a = 0; a < c->narr; a++)
        cap += c->arr[a].len;
    if ((I->x = malloc(cap * sizeof *I->x)) == NULL)
        return DP_ENOMEM;
    size_t m = k.dims[0];
    I->m = m, I->mo = k.dims[1], I->q = 1, I->n = 0;
    switch (I->pair) {
    case P_RELU: case P_SOFTMAX: I->q = m, I->K = (double)m, add_vars(I, c, "z"); break;
    case P_CCE: I->K = 1, add_vars(I, c, "y"); break;
    case P_SOFTMAX_CCE: I->K = (double)m, add_vars(I, c, "z"); break;
    case P_DENSE_RELU:
        I->K = (double)(m + I->mo);
        add_vars(I, c, "y"), add_vars(I, c, "W"), add_vars(I, c, "b");
        I->y = arr(c, "y"), I->Wd = arr(c, "W"), I->bd = arr(c, "b"), I->g_up = arr(c, "g_up");
        break;
    default: { /* P_NETWORK: W1, b1, W2, ... */
        char name[32];
        I->p = k.dims[0], I->ns = k.dims[1], I->K = 0;
        for (size_t l = 0; l <= I->p; l++)
            I->w[l] = k.dims[2 + l], I->K += (double)(I->ns * I->w[l]);
        I->X = k.in[0], I->Y = k.in[1];
        for (size_t l = 0; l < I->p; l++) {
            I->W[l] = k.in[2 + 2 * l], I->b[l] = k.in[3 + 2 * l];
            snprintf(name, sizeof name, "W%zu", l + 1), add_vars(I, c, name);
            snprintf(name, sizeof name, "b%zu", l + 1), add_vars(I, c, name);
        }
    }
    }
    return DP_OK;
}

/* The largest number of outputs of any call of the pair on c. */
static size_t max_q(const inst *I, const vr_case *c)
{
    vr_call k;
    size_t q = 0;
    int ops[3] = {pairs[I->pair].op, pairs[I->pair].fwd, pairs[I->pair].fwd2};
    for (int t = 0; t < 3; t++)
        if (ops[t] >= 0 && vr_abi_marshal(&k, ops[t], c))
            q = k.q > q ? k.q : q;
    return q;
}

/* The second forward's arguments: cce's (yhat, y = S) or relu's (z = L). */
static int make_aux(inst *I)
{
    vr_case_init(&I->aux);
    if (I->pair == P_SOFTMAX_CCE) {
        double *yhat = vr_case_array(&I->aux, "yhat", I->m);
        if (vr_case_dim(&I->aux, "m", I->m) < 0 || yhat == NULL ||
            vr_case_array(&I->aux, "y", I->m) == NULL)
            return DP_ENOMEM;
        memcpy(yhat, arr(I->c, "yhat"), I->m * sizeof *yhat);
    } else if (I->pair == P_DENSE_RELU) {
        if (vr_case_dim(&I->aux, "m", I->mo) < 0 || vr_case_array(&I->aux, "z", I->mo) == NULL)
            return DP_ENOMEM;
    }
    return DP_OK;
}

/* Column j: the four points, F at each (FAILED or an error ends it), and the quotients' steps. */
static int column(double *den, inst *I, size_t j, double h)
{
    double x0 = *I->x[j];
    int st = DP_OK;
    for (int s = 0; s < 2 && st == DP_OK; s++) {
        double hs = s ? h / 2 : h, xp = rnd(I, x0 + hs), xm = rnd(I, x0 - hs);
        *I->x[j] = xp;
        st = eval(I->F + (2 * s) * I->q, I);
        *I->x[j] = xm;
        if (st == DP_OK)
            st = eval(I->F + (2 * s + 1) * I->q, I);
        den[s] = xp - xm;
    }
    *I->x[j] = x0;
    return st;
}

/* Compares every entry of one instance, updating r; *worst_here says whether it holds r's worst
   entry now.  DP_OK (a failed call is in r->note), or dnnproof's own error. */
static int compare(vr_consistency *r, int *worst_here, inst *I, const vr_call *kd)
{
    double cbrtu = cbrt(I->u), den[2];
    int st;
    for (size_t j = 0; j < I->n; j++) {
        double x0 = *I->x[j], h = cbrtu * (I->pair == P_CCE ? fabs(x0) : fmax(fabs(x0), 1));
        size_t cross = 0;
        for (size_t i = 0; i < I->q; i++)
            cross += crosses(I, i, j, h);
        if (cross == I->q) { /* nothing to compare in this column: no calls */
            r->skipped += cross;
            continue;
        }
        if ((st = column(den, I, j, h)) != DP_OK)
            return st;
        for (size_t i = 0; i < I->q; i++) {
            if (crosses(I, i, j, h)) {
                r->skipped++;
                continue;
            }
            const double *F = I->F;
            double fd = (F[i] - F[I->q + i]) / den[0],
                   fd2 = (F[2 * I->q + i] - F[3 * I->q + i]) / den[1], D = I->D[i * I->n + j];
            double est = 4.0 / 3 * fabs(fd - fd2) +
                         (2 * I->eps[i] + I->u * (fabs(F[i]) + fabs(F[I->q + i]))) / den[0] +
                         (I->K + 4) * I->u * fabs(D) + 2 * VR_U_DOUBLE * fabs(fd);
            double diff = fabs(fd - D), ratio = est > 0 ? diff / est : diff > 0 ? INFINITY : 0;
            r->entries++;
            if (isnan(r->worst) || ratio > r->worst) {
                r->worst = ratio, r->fd = fd, r->d = D, r->est = est, r->h = den[0] / 2;
                entry_name(r->entry, sizeof r->entry, I, kd, i, j);
                *worst_here = 1;
            }
        }
    }
    return DP_OK;
}

static void inst_clear(inst *I)
{
    free(I->x), free(I->eps), free(I->D), free(I->out), free(I->F);
    vr_case_clear(&I->aux);
}

/* Checks instance c of the pair: r accumulates.  DP_OK (a failed call is in r->note), or
   DP_EDOMAIN when c is not an instance of the pair, or dnnproof's own error. */
static int check_instance(vr_consistency *r, vr_case *c, const vr_plugin *pl, double timeout,
                          int pair, int f32)
{
    inst I = {.pl = pl, .timeout = timeout, .pair = pair, .f32 = f32, .c = c,
              .u = f32 ? VR_U_FLOAT : VR_U_DOUBLE, .note = r->note, .notelen = sizeof r->note};
    vr_case_init(&I.aux);
    vr_call kd;
    int st = setup(&I, c), here = 0;
    if (st != DP_OK) {
        inst_clear(&I);
        return st;
    }
    vr_abi_marshal(&kd, pairs[pair].op, c);
    size_t q = max_q(&I, c), off = pair == P_NETWORK;
    I.eps = malloc(I.q * sizeof *I.eps), I.D = malloc(I.q * I.n * sizeof *I.D);
    I.out = malloc(q * sizeof *I.out), I.F = malloc(4 * I.q * sizeof *I.F);
    st = I.eps && I.D && I.out && I.F ? make_aux(&I) : DP_ENOMEM;
    if (st == DP_OK && (st = call(I.out, &I, pairs[pair].op, c)) == DP_OK) {
        memcpy(I.D, I.out + off, I.q * I.n * sizeof *I.D);
        forward_error(&I);
        st = compare(r, &here, &I, &kd);
    }
    if (st == DP_OK || st == FAILED) {
        r->instances += st == DP_OK;
        if (here) {
            char id[64];
            snprintf(id, sizeof id, "consistency/%s/%s", vr_abi_name(pairs[pair].op),
                     prec_name(f32));
            free(r->token);
            r->token = vr_token_encode(id, c);
            st = r->token == NULL ? DP_ENOMEM : DP_OK;
        }
        st = st == FAILED ? DP_OK : st;
    }
    inst_clear(&I);
    return st;
}

/* ---- instances: moderate values, no edge classes (the reference check's job) ----------------- */

/* In [-R, R], a multiple of R 2^-19: a float value for R a power of 2. */
static double smooth(vr_src *src, double R)
{
    return R * ((double)vr_draw(src, (1u << 20) + 1) - (double)(1u << 19)) / (double)(1u << 19);
}

static double *fill(vr_case *c, const char *name, size_t len, vr_src *src, double R)
{
    double *v = vr_case_array(c, name, len);
    for (size_t i = 0; v != NULL && i < len; i++)
        v[i] = smooth(src, R);
    return v;
}

/* dense_relu_backward: small integers with the first unit exactly at its kink (b = -W y), or
   smooth values. */
static int gen_dense(vr_case *c, vr_src *src)
{
    size_t m = 1 + (size_t)vr_draw(src, 3), mo = 1 + (size_t)vr_draw(src, 2);
    vr_case_dim(c, "m", m);
    vr_case_dim(c, "mo", mo);
    double *y = fill(c, "y", m, src, 2), *W = fill(c, "W", mo * m, src, 2),
           *b = fill(c, "b", mo, src, 2);
    if (fill(c, "g_up", mo, src, 2) == NULL || y == NULL || W == NULL || b == NULL)
        return DP_ENOMEM;
    if (vr_draw(src, 2) == 0) {
        for (size_t j = 0; j < m; j++)
            y[j] = (double)vr_draw(src, 5) - 2;
        for (size_t i = 0; i < mo * m; i++)
            W[i] = (double)vr_draw(src, 5) - 2;
        for (size_t jp = 0; jp < mo; jp++) {
            double s = 0;
            for (size_t j = 0; j < m; j++)
                s += W[jp * m + j] * y[j];
            b[jp] = jp == 0 ? -s : (double)vr_draw(src, 5) - 2;
        }
    }
    return DP_OK;
}

/* Networks of 1 to 3 layers, widths 1 to 3 (2 or 3 classes), 1 or 2 samples.  In half of the
   deeper ones a hidden unit sits exactly at its kink for the first sample: the layers up to its
   own are small integers (exact in any order and precision), and its bias is -W a. */
static int gen_net(vr_case *c, vr_src *src)
{
    size_t p = 1 + (size_t)vr_draw(src, 3), n = 1 + (size_t)vr_draw(src, 2), w[4];
    char name[32];
    vr_case_dim(c, "p", p);
    vr_case_dim(c, "n", n);
    for (size_t l = 0; l <= p; l++) {
        w[l] = l == p ? 2 + (size_t)vr_draw(src, 2) : 1 + (size_t)vr_draw(src, 3);
        snprintf(name, sizeof name, "m%zu", l);
        vr_case_dim(c, name, w[l]);
    }
    double *X = fill(c, "X", n * w[0], src, 2), *Y = X ? vr_case_array(c, "Y", n * w[p]) : NULL;
    if (Y == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        vr_gen_label(Y + i * w[p], w[p], src, 0);
    size_t kink = p > 1 && vr_draw(src, 2) == 0 ? 1 + (size_t)vr_draw(src, p - 1) : 0;
    double a[VR_ABI_MAXW], z[VR_ABI_MAXW];
    for (size_t j = 0; kink && j < w[0]; j++)
        a[j] = X[j] = (double)vr_draw(src, 5) - 2;
    for (size_t l = 0; l < p; l++) {
        snprintf(name, sizeof name, "W%zu", l + 1);
        double *W = fill(c, name, w[l + 1] * w[l], src, 1);
        snprintf(name, sizeof name, "b%zu", l + 1);
        double *b = fill(c, name, w[l + 1], src, 0.5);
        if (W == NULL || b == NULL)
            return DP_ENOMEM;
        if (l >= kink)
            continue;
        for (size_t i = 0; i < w[l + 1] * w[l]; i++)
            W[i] = (double)vr_draw(src, 5) - 2;
        for (size_t jp = 0; jp < w[l + 1]; jp++) {
            z[jp] = 0;
            for (size_t j = 0; j < w[l]; j++)
                z[jp] += W[jp * w[l] + j] * a[j];
            b[jp] = l + 1 == kink && jp == 0 ? -z[jp] : (double)vr_draw(src, 5) - 2;
        }
        for (size_t jp = 0; jp < w[l + 1]; jp++)
            a[jp] = fmax(z[jp] + b[jp], 0);
    }
    return DP_OK;
}

/* An instance of the pair.  Every value is a multiple of 2^-20 of magnitude below 4: a float. */
static int generate(vr_case *c, vr_src *src, int pair)
{
    size_t m = (pair == P_RELU || pair == P_CCE ? 1 : 2) + (size_t)vr_draw(src, 3);
    double *v = NULL, *yhat;
    switch (pair) {
    case P_RELU: /* one entry in four exactly at the kink */
        vr_case_dim(c, "m", m);
        if ((v = fill(c, "z", m, src, 4)) != NULL)
            for (size_t j = 0; j < m; j++)
                v[j] = vr_draw(src, 4) == 0 ? 0.0 : v[j];
        break;
    case P_SOFTMAX:
        vr_case_dim(c, "m", m);
        v = fill(c, "z", m, src, 4);
        break;
    case P_CCE: case P_SOFTMAX_CCE: /* y in [1/16, 15/16] */
        vr_case_dim(c, "m", m);
        if ((yhat = vr_case_array(c, "yhat", m)) == NULL)
            return DP_ENOMEM;
        vr_gen_label(yhat, m, src, 0);
        if (pair == P_CCE && (v = vr_case_array(c, "y", m)) != NULL)
            for (size_t j = 0; j < m; j++)
                v[j] = (double)((1u << 16) + vr_draw(src, 14u << 16)) / (double)(1u << 20);
        if (pair == P_SOFTMAX_CCE)
            v = fill(c, "z", m, src, 4);
        break;
    case P_DENSE_RELU: return gen_dense(c, src);
    default: return gen_net(c, src);
    }
    return v == NULL ? DP_ENOMEM : DP_OK;
}

/* ---- the run -------------------------------------------------------------------------------- */

static int present(const vr_plugin *pl, int pair, int f32)
{
    return pl->has[pairs[pair].op][f32] && pl->has[pairs[pair].fwd][f32] &&
           (pairs[pair].fwd2 < 0 || pl->has[pairs[pair].fwd2][f32]);
}

static void result_init(vr_consistency *r, int pair, int f32)
{
    memset(r, 0, sizeof *r);
    r->op = vr_abi_name(pairs[pair].op), r->of = pairs[pair].of, r->f32 = f32;
    r->worst = r->fd = r->d = r->est = r->h = NAN;
}

static void conclude(vr_consistency *r)
{
    if (r->worst > VR_CONS_FACTOR)
        r->verdict = VR_INCONSISTENT;
    else if (r->note[0] != '\0')
        r->verdict = VR_CONS_UNDECIDED;
    else if (r->entries == 0)
        r->verdict = VR_CONS_UNDECIDED,
        snprintf(r->note, sizeof r->note, "every entry's step crosses a ReLU kink");
    else
        r->verdict = VR_CONSISTENT;
}

int vr_consistency_is_token(const char *token)
{
    return token != NULL && !strncmp(token, "dp1:consistency/", 16);
}

/* Every value finite and, for float32, a float; cce's y positive; a size worth its calls. */
static int valid(const vr_case *c, int pair, int f32)
{
    vr_call k;
    if (!vr_abi_marshal(&k, pairs[pair].op, c) || k.q > MAXVARS * (size_t)MAXM ||
        (pair != P_NETWORK && (k.dims[0] > MAXM || k.dims[1] > MAXM)))
        return 0;
    for (size_t i = 0; i < k.nin; i++)
        for (size_t j = 0; j < k.inlen[i]; j++) {
            double v = k.in[i][j];
            if (!isfinite(v) || (f32 && (double)(float)v != v) ||
                (pair == P_CCE && !strcmp(k.inname[i], "y") && !(v > 0)))
                return 0;
        }
    return 1;
}

static int replay(vr_consistency *res, size_t *n, vr_plugin *pl, const vr_plugin_options *opt)
{
    char id[64], op[32], prec[16];
    vr_case c;
    vr_case_init(&c);
    if (!vr_consistency_is_token(opt->replay))
        return DP_OK; /* a token of the reference check: nothing to do here */
    int st = vr_token_decode(&c, id, sizeof id, opt->replay), pair = -1, f32 = 0;
    if (st == DP_OK && sscanf(id, "consistency/%31[a-z_]/%15[a-z0-9]", op, prec) == 2)
        for (int p = 0; p < VR_CONS_NPAIRS; p++)
            for (int f = 0; f < 2; f++)
                if (!strcmp(op, vr_abi_name(pairs[p].op)) && !strcmp(prec, prec_name(f)))
                    pair = p, f32 = f;
    if (st == DP_OK && (pair < 0 || !present(pl, pair, f32) || !valid(&c, pair, f32)))
        st = DP_EDOMAIN;
    if (st == DP_OK) {
        result_init(res, pair, f32);
        *n = 1;
        st = check_instance(res, &c, pl, opt->timeout, pair, f32);
        conclude(res);
    }
    vr_case_clear(&c);
    return st;
}

int vr_consistency_run(vr_consistency *res, size_t *n, vr_plugin *pl,
                       const vr_plugin_options *opt)
{
    *n = 0;
    if (opt->replay != NULL)
        return replay(res, n, pl, opt);
    size_t count = opt->cases < VR_CONS_INSTANCES ? opt->cases : VR_CONS_INSTANCES;
    int st = DP_OK;
    for (int pair = 0; pair < VR_CONS_NPAIRS && st == DP_OK; pair++)
        for (int f32 = 0; f32 < 2 && st == DP_OK; f32++) {
            if (!present(pl, pair, f32) || (opt->ops != 0 && !(opt->ops >> pairs[pair].op & 1)))
                continue;
            vr_consistency *r = &res[(*n)++];
            vr_src src;
            result_init(r, pair, f32);
            vr_src_seed(&src, opt->seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(1 + 2 * pair + f32)));
            for (size_t i = 0; i < count && st == DP_OK && r->note[0] == '\0'; i++) {
                vr_case c;
                vr_case_init(&c);
                st = generate(&c, &src, pair);
                if (st == DP_OK)
                    st = check_instance(r, &c, pl, opt->timeout, pair, f32);
                vr_case_clear(&c);
            }
            vr_src_clear(&src);
            conclude(r);
        }
    return st;
}

void vr_consistency_clear(vr_consistency *res, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(res[i].token);
        res[i].token = NULL;
    }
}

/* ---- reports -------------------------------------------------------------------------------- */

static void shell_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        *s == '\'' ? fputs("'\\''", f) : fputc(*s, f);
    fputc('\'', f);
}

void vr_consistency_report_text(FILE *f, const vr_consistency *res, size_t n,
                                const vr_plugin *pl)
{
    if (n == 0)
        return;
    fprintf(f, "\nself-consistency, a diagnostic (not part of the verdict): central differences "
               "of its own\nforward ops against its own derivative ops\n");
    for (size_t i = 0; i < n; i++) {
        const vr_consistency *r = &res[i];
        char line[512], worst[32] = "";
        if (!isnan(r->worst))
            snprintf(worst, sizeof worst, "worst %.3g", r->worst);
        int len = snprintf(line, sizeof line,
                           "%-12s  %-21s %-8s %2zu %-9s %5zu entries  %-14s",
                           vr_consistency_word(r->verdict), r->op, prec_name(r->f32),
                           r->instances, r->instances == 1 ? "instance" : "instances",
                           r->entries, worst);
        if (r->skipped)
            len += snprintf(line + len, sizeof line - len, "  %zu at a kink, skipped", r->skipped);
        if (r->verdict == VR_CONS_UNDECIDED)
            snprintf(line + len, sizeof line - len, "  (%s)", r->note);
        for (len = (int)strlen(line); len > 0 && line[len - 1] == ' ';)
            line[--len] = '\0';
        fprintf(f, "%s\n", line);
    }
    for (size_t i = 0; i < n; i++) {
        const vr_consistency *r = &res[i];
        if (r->verdict != VR_INCONSISTENT)
            continue;
        fprintf(f, "\n%s (%s) is not the derivative of %s: %s\n", r->op, prec_name(r->f32), r->of,
                r->entry);
        fprintf(f, "    finite difference %.9g (estimated error %.3g, step %.3g)\n", r->fd,
                r->est, r->h);
        fprintf(f, "    derivative        %.9g    |FD - D| / estimate = %.3g > %g\n", r->d,
                r->worst, VR_CONS_FACTOR);
        if (r->note[0] != '\0')
            fprintf(f, "    then %s\n", r->note);
        fprintf(f, "    replay: dnnproof check %s ", pl->flag);
        shell_quoted(f, pl->name);
        fprintf(f, " --replay '%s'\n", r->token ? r->token : "");
    }
    size_t count[3] = {0};
    for (size_t i = 0; i < n; i++)
        count[res[i].verdict]++;
    fprintf(f, "\n%zu consistent, %zu INCONSISTENT, %zu undecided (self-consistency)\n",
            count[VR_CONSISTENT], count[VR_INCONSISTENT], count[VR_CONS_UNDECIDED]);
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

json_t *vr_consistency_report_json(const vr_consistency *res, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        const vr_consistency *r = &res[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "op", r->op, "of", r->of,
                              "precision", prec_name(r->f32), "verdict",
                              vr_consistency_word(r->verdict), "instances",
                              (json_int_t)r->instances, "entries", (json_int_t)r->entries,
                              "skipped", (json_int_t)r->skipped, "worst_ratio",
                              isinf(r->worst) ? json_string("inf") : num_or_null(r->worst));
        if (o != NULL && !isnan(r->worst))
            json_object_update_new(
                o, json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "entry", r->entry, "fd",
                             num_or_null(r->fd), "derivative", num_or_null(r->d), "estimate",
                             num_or_null(r->est), "step", num_or_null(r->h), "token",
                             r->token ? r->token : ""));
        if (o != NULL && r->note[0] != '\0')
            json_object_set_new(o, "note", json_string(r->note));
        json_array_append_new(a, o);
    }
    return a;
}
