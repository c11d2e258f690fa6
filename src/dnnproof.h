/* dnnproof.h -- the mathematics of "A deep mathematical understanding of DNNs" (Jiang J.),
   every object of sections 3-5 and its analytic derivative, in IEEE double and in MPFR.

   Conventions (docs/conventions.md has the full text):
   - A vector is a row (document section 2); a matrix is one contiguous row-major block.
   - W of a dense layer has m' = mo rows and m columns; L(y, W, b) = y W^T + b.
   - A Jacobian has one row per output: J[i*m_in + j] = d out_i / d in_j.
   - Outputs come first, inputs are const, sizes follow, the MPFR workspace comes last.
   - Callers allocate every output. Outputs must not alias inputs unless a function says so.
   - Every function returns DP_OK or an error code; it never exits or aborts.
   - Inputs must be finite (no NaN, no +-inf): otherwise DP_EDOMAIN.
   - The document's layer index k = 1..p is k = 0..p-1 here; its widths m_1..m_{p+1} are m[0..p]. */
#ifndef DNNPROOF_H
#define DNNPROOF_H

#include <stddef.h>
#include <mpfr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status ----------------------------------------------------------------------------------- */

enum {
    DP_OK = 0,
    DP_EINVAL = 1,   /* a NULL pointer where an array is required */
    DP_EDIM = 2,     /* a zero dimension, or a network deeper than 63 layers */
    DP_EDOMAIN = 3,  /* NaN or +-inf in an input, or a value outside the function's domain */
    DP_ENOMEM = 4    /* an allocation failed */
};

/* A one-line, lower-case description of a status code. */
const char *dp_strerror(int status);

/* ---- MPFR workspace and vectors -------------------------------------------------------------- */

/* An MPFR vector is a contiguous array of n initialised mpfr structs (mpfr_ptr), indexed v + i. */
mpfr_ptr dp_mpvec_init(size_t n, mpfr_prec_t prec); /* NULL if n == 0 or out of memory */
void dp_mpvec_clear(mpfr_ptr v, size_t n);

/* The workspace carries the working precision and a stack of MPFR temporaries, so that kernels
   never call mpfr_init/mpfr_clear: push takes n temporaries (initialised at ws->prec), release
   returns everything pushed since the mark. Blocks are kept and reused; none is ever moved. */
typedef struct dp_mpblock dp_mpblock;
typedef struct {
    mpfr_prec_t prec;    /* working precision of every temporary, in bits */
    dp_mpblock *blocks;  /* array of nblocks blocks */
    size_t nblocks;
    size_t top;          /* index of the block being filled */
} dp_mpws;
typedef struct {
    size_t block, used;
} dp_mpmark;

int dp_mpws_init(dp_mpws *ws, mpfr_prec_t prec); /* DP_EDOMAIN if prec is out of MPFR's range */
void dp_mpws_clear(dp_mpws *ws);
mpfr_ptr dp_mpws_push(dp_mpws *ws, size_t n);    /* NULL if out of memory */
dp_mpmark dp_mpws_mark(const dp_mpws *ws);
void dp_mpws_release(dp_mpws *ws, dp_mpmark mark);

/* ---- section 3: activation functions --------------------------------------------------------- */

/* ReLU(z)_j = max(0, z_j); ReLU(-0.0) = +0.0.  out and z are (m); out may alias z. */
int dp_relu(double *out, const double *z, size_t m);
int dp_relu_mp(mpfr_ptr out, mpfr_srcptr z, size_t m, dp_mpws *ws);

/* dReLU/dz = diag(1[z_j > 0]), with the document's hypothesis ReLU'(0) = 0.  J is (m x m). */
int dp_relu_jacobian(double *J, const double *z, size_t m);
int dp_relu_jacobian_mp(mpfr_ptr J, mpfr_srcptr z, size_t m, dp_mpws *ws);

/* S(z)_j = e^{z_j} / sum_j' e^{z_j'}, evaluated as e^{z_j - max z} / (1 + t) with
   t = sum over j' != argmax of e^{z_j' - max z}: no overflow for any finite z.  S and z are (m). */
int dp_softmax(double *S, const double *z, size_t m);
int dp_softmax_mp(mpfr_ptr S, mpfr_srcptr z, size_t m, dp_mpws *ws);

/* dS/dz_{j,j'} = S_j (delta_jj' - S_j').  J is (m x m); the diagonal is S_j * sum_{k != j} S_k,
   which avoids the cancellation of 1 - S_j. */
int dp_softmax_jacobian(double *J, const double *z, size_t m);
int dp_softmax_jacobian_mp(mpfr_ptr J, mpfr_srcptr z, size_t m, dp_mpws *ws);

/* ---- section 3: loss -------------------------------------------------------------------------- */

/* Categorical cross-entropy xi^yhat(y) = -sum_j yhat_j log y_j.  yhat and y are (m).
   Any finite yhat is accepted (the document takes yhat in {0,1}^m); a term with yhat_j == 0
   contributes 0 whatever y_j is; y_j must be > 0 where yhat_j != 0 (else DP_EDOMAIN). */
int dp_cce(double *loss, const double *yhat, const double *y, size_t m);
int dp_cce_mp(mpfr_ptr loss, mpfr_srcptr yhat, mpfr_srcptr y, size_t m, dp_mpws *ws);

/* dxi/dy_j = -yhat_j / y_j (-0.0 where yhat_j == 0).  g is (m); every y_j must be > 0. */
int dp_cce_gradient(double *g, const double *yhat, const double *y, size_t m);
int dp_cce_gradient_mp(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr y, size_t m, dp_mpws *ws);

/* xi^yhat(S(z)) = sum_j yhat_j ((max z - z_j) + log1p(t)): the loss after SoftMax, finite for
   every finite z, accurate even where S(z)_j would underflow or round to 1. */
int dp_softmax_cce(double *loss, const double *yhat, const double *z, size_t m);
int dp_softmax_cce_mp(mpfr_ptr loss, mpfr_srcptr yhat, mpfr_srcptr z, size_t m, dp_mpws *ws);

/* The document's gradient of xi^yhat o S: S(z) - yhat.  It is the gradient only when
   sum_j yhat_j = 1 (docs/errata.md); it is computed for any yhat, as written. */
int dp_softmax_cce_gradient(double *g, const double *yhat, const double *z, size_t m);
int dp_softmax_cce_gradient_mp(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr z, size_t m, dp_mpws *ws);

/* The true gradient of xi^yhat o S for every yhat: S(z) * (sum_j yhat_j) - yhat. */
int dp_softmax_cce_gradient_general(double *g, const double *yhat, const double *z, size_t m);
int dp_softmax_cce_gradient_general_mp(mpfr_ptr g, mpfr_srcptr yhat, mpfr_srcptr z, size_t m,
                                       dp_mpws *ws);

/* ---- section 4: dense layers ------------------------------------------------------------------ */

/* L(y, W, b) = y W^T + b.  y is (m), W is (mo x m), b and out are (mo). */
int dp_dense(double *out, const double *y, const double *W, const double *b, size_t m, size_t mo);
int dp_dense_mp(mpfr_ptr out, mpfr_srcptr y, mpfr_srcptr W, mpfr_srcptr b, size_t m, size_t mo,
                dp_mpws *ws);

/* dL/dy = W: J is (mo x m).  dL_j/dw = y: g is (m), the same for every row j.  dL/db = I: J is
   (mo x mo).  These are the document's partials, returned as the arrays they are. */
int dp_dense_jacobian_y(double *J, const double *W, size_t m, size_t mo);
int dp_dense_jacobian_y_mp(mpfr_ptr J, mpfr_srcptr W, size_t m, size_t mo, dp_mpws *ws);
int dp_dense_gradient_w(double *g, const double *y, size_t m);
int dp_dense_gradient_w_mp(mpfr_ptr g, mpfr_srcptr y, size_t m, dp_mpws *ws);
int dp_dense_jacobian_b(double *J, size_t mo);
int dp_dense_jacobian_b_mp(mpfr_ptr J, size_t mo, dp_mpws *ws);

/* Partials of F o L(., W, b) given delta = grad F at L(y, W, b) (mo):
   g_y = delta W (m), g_W[j'][j] = delta_j' y_j (mo x m), g_b = delta (mo).
   This is the last layer of the network (k = p), where no ReLU follows L.  g_y may be NULL (not
   wanted); g_b may alias delta. */
int dp_dense_backward(double *g_y, double *g_W, double *g_b, const double *y, const double *W,
                      const double *delta, size_t m, size_t mo);
int dp_dense_backward_mp(mpfr_ptr g_y, mpfr_ptr g_W, mpfr_ptr g_b, mpfr_srcptr y, mpfr_srcptr W,
                         mpfr_srcptr delta, size_t m, size_t mo, dp_mpws *ws);

/* Partials of F_up o ReLU o L(., W, b) with respect to y, every row of W, and b, given
   g_up = grad F_up at ReLU(L(y, W, b)) (mo):
   g_b_j' = g_up_j' 1[L_j' > 0],  g_W[j'][j] = g_b_j' y_j,  g_y_j = sum_j' g_b_j' W_j'j.
   g_y may be NULL. */
int dp_dense_relu_backward(double *g_y, double *g_W, double *g_b, const double *y, const double *W,
                           const double *b, const double *g_up, size_t m, size_t mo);
int dp_dense_relu_backward_mp(mpfr_ptr g_y, mpfr_ptr g_W, mpfr_ptr g_b, mpfr_srcptr y,
                              mpfr_srcptr W, mpfr_srcptr b, mpfr_srcptr g_up, size_t m, size_t mo,
                              dp_mpws *ws);

/* ---- section 5: neural networks --------------------------------------------------------------- */

/* N = S o L^p o (ReLU o L^k for k < p).  Layer k (0-based here) maps m[k] to m[k+1]:
   W[k] is (m[k+1] x m[k]), b[k] is (m[k+1]). */
typedef struct {
    size_t p;          /* number of dense layers, >= 1 */
    const size_t *m;   /* widths m[0..p], each >= 1 */
    double *const *W;  /* W[0..p-1] */
    double *const *b;  /* b[0..p-1] */
} dp_net;

typedef struct {
    size_t p;
    const size_t *m;
    mpfr_ptr const *W;
    mpfr_ptr const *b;
} dp_net_mp;

/* Scratch for the double network functions: the pre-activations and activations of one sample
   and the backward vectors.  dp_netws_init allocates; it is the only allocation in this file. */
typedef struct {
    double *buf;
    size_t len;
} dp_netws;
int dp_netws_init(dp_netws *ws, const size_t *m, size_t p);
void dp_netws_clear(dp_netws *ws);

/* out = N(x): x is (m[0]), out is (m[p]). */
int dp_network(double *out, const dp_net *net, const double *x, dp_netws *ws);
int dp_network_mp(mpfr_ptr out, const dp_net_mp *net, mpfr_srcptr x, dp_mpws *ws);

/* The document's global loss: sum over the n samples of xi^{Yhat_i}(N(X_i)) (a sum, not a mean).
   X is (n x m[0]), Yhat is (n x m[p]). */
int dp_global_loss(double *loss, const dp_net *net, const double *X, const double *Yhat, size_t n,
                   dp_netws *ws);
int dp_global_loss_mp(mpfr_ptr loss, const dp_net_mp *net, mpfr_srcptr X, mpfr_srcptr Yhat,
                      size_t n, dp_mpws *ws);

/* The layer-recursive gradient of the global loss (section 5's theorem, corrected):
   delta^p = S(z^p) sum(Yhat_i) - Yhat_i, with no ReLU indicator at the last layer;
   delta^k = (delta^{k+1} W^{k+1}) (.) 1[z^k > 0] for k < p;
   dLoss/dW^k = sum_i delta^k (x) y^{downstream(k)},  dLoss/db^k = sum_i delta^k.
   gW[k] and gb[k] have the shapes of W[k] and b[k]; loss may be NULL. */
int dp_global_loss_gradient(double *loss, double *const *gW, double *const *gb, const dp_net *net,
                            const double *X, const double *Yhat, size_t n, dp_netws *ws);
int dp_global_loss_gradient_mp(mpfr_ptr loss, mpfr_ptr const *gW, mpfr_ptr const *gb,
                               const dp_net_mp *net, mpfr_srcptr X, mpfr_srcptr Yhat, size_t n,
                               dp_mpws *ws);

/* One step of stochastic gradient descent on the batch (X, Yhat): theta <- theta - eta grad.
   gW, gb receive the gradient at the old parameters; the loss there goes to *loss (may be NULL). */
int dp_sgd_step(double *loss, dp_net *net, double *const *gW, double *const *gb, double eta,
                const double *X, const double *Yhat, size_t n, dp_netws *ws);
int dp_sgd_step_mp(mpfr_ptr loss, dp_net_mp *net, mpfr_ptr const *gW, mpfr_ptr const *gb,
                   mpfr_srcptr eta, mpfr_srcptr X, mpfr_srcptr Yhat, size_t n, dp_mpws *ws);

#ifdef __cplusplus
}
#endif
#endif
