/* sgd_step.c -- §1 and §6: one step of stochastic gradient descent, θ' = θ − η ∇ξ^global(θ) on a
   batch, decreases the global loss to first order: d/dη ξ^global(θ − η ∇ξ^global(θ)) at η = 0
   is −‖∇ξ^global(θ)‖².  The document names SGD as its optimiser and leaves §6 empty; this is the
   property an implementation of the step must have. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "net.h"

static const char statement[] =
    "(§1) The optimiser is stochastic gradient descent; (§6 Optimizations) is empty. Implied: "
    "θ' = θ − η ∇ξ^global(θ) satisfies ξ^global(θ') = ξ^global(θ) − η ‖∇ξ^global(θ)‖² + o(η).";

static int generate(vr_case *c, vr_src *src, size_t size)
{
    return net_generate(c, src, size, 1, 1);
}

/* The line is parametrised by t, η = t 2^-k with 2^k >= max(1, |g|_inf) (data: a line), so that
   the difference's steps in t move θ by at most about the step: the natural scale of
   η ↦ ξ(θ − η g) is 1 / |g|, not 1. */
typedef struct {
    net N;
    long k;
} line;

/* φ(t) = ξ^global(the library's SGD step from θ with step η = t 2^-k).  θ' = θ − η g is held at
   three times the working precision (the steps of its rounding at p, a staircase in η, would
   otherwise be noise the extrapolation cannot see), then brought back for the loss. */
static int phi(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr t, const void *data,
               const signed char *mask, dp_mpws *ws)
{
    const line *Ln = data;
    const net *N = &Ln->N;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr th = dp_mpws_push(ws, 2 * N->nparam + 1), g = th + N->nparam;
    mpfr_ptr eta = th ? g + N->nparam : NULL;
    mpfr_ptr X = pr_mp(ws, N->X, N->n * N->m[0]), Y = pr_mp(ws, N->Y, N->n * N->m[N->p]);
    int st = th && X && Y ? DP_OK : DP_ENOMEM;
    mpfr_ptr W[NET_MAXP], b[NET_MAXP], gW[NET_MAXP], gb[NET_MAXP];
    for (size_t i = 0; st == DP_OK && i < N->nparam; i++)
        mpfr_set_prec(th + i, 3 * ws->prec);
    for (size_t k = 0; st == DP_OK && k < N->p; k++) {
        W[k] = th + N->offW[k], b[k] = th + N->offb[k];
        gW[k] = g + N->offW[k], gb[k] = g + N->offb[k];
        for (size_t i = 0; i < N->m[k + 1] * N->m[k]; i++)
            mpfr_set_d(W[k] + i, N->W[k][i], MPFR_RNDN);
        for (size_t i = 0; i < N->m[k + 1]; i++)
            mpfr_set_d(b[k] + i, N->b[k][i], MPFR_RNDN);
    }
    dp_net_mp net_mp = {N->p, N->m, W, b};
    if (st == DP_OK) {
        mpfr_mul_2si(eta, t, -Ln->k, MPFR_RNDN); /* exact */
        st = vr_lib->sgd_step_mp(NULL, &net_mp, gW, gb, eta, X, Y, N->n, ws);
    }
    if (st == DP_OK)
        st = net_loss(out, pre, th, N, mask, ws);
    for (size_t i = 0; th != NULL && i < N->nparam; i++)
        mpfr_set_prec(th + i, ws->prec); /* the workspace's temporaries go back as they came */
    dp_mpws_release(ws, mk);
    return st;
}

/* The statement: φ'(0) = −2^-k ‖g‖², g the library's gradient at θ. */
static int slope(mpfr_ptr J, mpfr_srcptr t, const void *data, dp_mpws *ws)
{
    const line *Ln = data;
    const net *N = &Ln->N;
    (void)t;
    dp_mpmark mk = dp_mpws_mark(ws);
    double *theta = net_pack(N);
    mpfr_ptr th = theta ? pr_mp(ws, theta, N->nparam) : NULL;
    mpfr_ptr g = dp_mpws_push(ws, N->nparam + 1), sq = g ? g + N->nparam : NULL;
    int st = th && sq ? net_gradient(g, th, N, ws) : DP_ENOMEM;
    if (st == DP_OK) {
        mpfr_set_zero(J, +1);
        for (size_t i = 0; i < N->nparam; i++) {
            mpfr_sqr(sq, g + i, MPFR_RNDN);
            mpfr_sub(J, J, sq, MPFR_RNDN);
        }
        mpfr_mul_2si(J, J, -Ln->k, MPFR_RNDN);
    }
    free(theta);
    dp_mpws_release(ws, mk);
    return st;
}

/* k with 2^k >= max(1, |g|_inf), from the double gradient (a scale, not a result). */
static long line_scale(const net *N)
{
    double *theta = net_pack(N), *g = malloc(N->nparam * sizeof *g), gmax = 1;
    double *W[NET_MAXP], *b[NET_MAXP], *gW[NET_MAXP], *gb[NET_MAXP];
    dp_netws ws = {NULL, 0};
    if (theta && g && dp_netws_init(&ws, N->m, N->p) == DP_OK) {
        for (size_t k = 0; k < N->p; k++) {
            W[k] = theta + N->offW[k], b[k] = theta + N->offb[k];
            gW[k] = g + N->offW[k], gb[k] = g + N->offb[k];
        }
        dp_net dnet = {N->p, N->m, W, b};
        if (dp_global_loss_gradient(NULL, gW, gb, &dnet, N->X, N->Y, N->n, &ws) == DP_OK)
            for (size_t i = 0; i < N->nparam; i++)
                gmax = isfinite(g[i]) ? fmax(gmax, fabs(g[i])) : gmax;
    }
    dp_netws_clear(&ws);
    free(theta);
    free(g);
    int e;
    frexp(gmax, &e); /* gmax < 2^e */
    return e;
}

/* ---- the double step against MPFR: θ' = θ − η g with η = 1/16 (exact), within η times the
   gradient's running error bound plus the fma's one rounding of θ' --------------------------- */

static const double step_eta = 0.0625;

static size_t nout(const vr_case *c)
{
    net N;
    return net_read(&N, c) ? N.nparam : 0;
}

static int impl(double *out, const vr_case *c)
{
    net N;
    net_read(&N, c);
    double *theta = net_pack(&N), *g = malloc(N.nparam * sizeof *g);
    int st = theta && g ? DP_OK : DP_ENOMEM;
    double *W[NET_MAXP], *b[NET_MAXP], *gW[NET_MAXP], *gb[NET_MAXP];
    for (size_t k = 0; st == DP_OK && k < N.p; k++) {
        W[k] = theta + N.offW[k], b[k] = theta + N.offb[k];
        gW[k] = g + N.offW[k], gb[k] = g + N.offb[k];
    }
    dp_net dnet = {N.p, N.m, W, b};
    dp_netws ws = {NULL, 0};
    if (st == DP_OK)
        st = dp_netws_init(&ws, N.m, N.p);
    if (st == DP_OK)
        st = vr_lib->sgd_step(NULL, &dnet, gW, gb, step_eta, N.X, N.Y, N.n, &ws);
    if (st == DP_OK)
        memcpy(out, theta, N.nparam * sizeof *out);
    dp_netws_clear(&ws);
    free(theta);
    free(g);
    return st;
}

static int ref(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    net N;
    net_read(&N, c);
    double *theta = net_pack(&N);
    mpfr_ptr g = dp_mpws_push(ws, N.nparam + 1), eta = g ? g + N.nparam : NULL;
    mpfr_ptr X = pr_mp(ws, N.X, N.n * N.m[0]), Y = pr_mp(ws, N.Y, N.n * N.m[N.p]);
    int st = theta && eta && X && Y ? DP_OK : DP_ENOMEM;
    mpfr_ptr W[NET_MAXP], b[NET_MAXP], gW[NET_MAXP], gb[NET_MAXP];
    for (size_t i = 0; st == DP_OK && i < N.nparam; i++)
        mpfr_set_d(out + i, theta[i], MPFR_RNDN);
    for (size_t k = 0; k < N.p; k++) {
        W[k] = out + N.offW[k], b[k] = out + N.offb[k];
        gW[k] = g + N.offW[k], gb[k] = g + N.offb[k];
    }
    dp_net_mp net_mp = {N.p, N.m, W, b};
    if (st == DP_OK) {
        mpfr_set_d(eta, step_eta, MPFR_RNDN);
        st = vr_lib->sgd_step_mp(NULL, &net_mp, gW, gb, eta, X, Y, N.n, ws);
    }
    free(theta);
    return st;
}

static void bound(double *bnd, const vr_case *c, mpfr_srcptr th, double u)
{
    net N;
    net_read(&N, c);
    double *gb = malloc((1 + N.nparam) * sizeof *gb);
    int ok = gb && vr_bound_network_gradient(gb, N.p, N.m, N.W, N.b, N.X, N.Y, N.n, u) == DP_OK;
    for (size_t i = 0; i < N.nparam; i++)
        bnd[i] = ok ? step_eta * gb[1 + i] + u * fabs(mpfr_get_d(th + i, MPFR_RNDU)) +
                          (u == VR_U_FLOAT ? 0x1p-149 : 0x1p-1074)
                    : 0;
    free(gb);
}

static const vr_op op = {"θ−ηg", nout, impl, ref, bound};

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    line Ln;
    if (!net_read(&Ln.N, c))
        return DP_EDOMAIN;
    net N = Ln.N;
    Ln.k = line_scale(&N);
    const double t0 = 0;
    vr_map map = {"dξ/dt(η=t2^-k)", phi, slope, 1, 1, N.nk, &Ln, VR_SCALE_UNIT, NULL};
    int st = vr_check_derivative(r, &map, &t0, ctx);
    if (st == DP_OK) {
        vr_result acc;
        if ((st = vr_check_double(&acc, &op, c, ctx)) == DP_OK)
            vr_result_merge(r, &acc);
    }
    r->classes |= net_classes(&N);
    return st;
}

const vr_prop pr_sgd_step = {
    "sgd-step", "6", "an SGD step decreases the global loss to first order", statement, NULL,
    VR_EXPECT_HOLDS, VR_CLASS_M1 | VR_CLASS_DEEP, generate, check};
