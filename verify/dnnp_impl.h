/* dnnproof/impl.h -- the plugin ABI: what a shared object exports for `dnnproof check --plugin`.
   An implementation of "A deep mathematical understanding of DNNs" (Jiang J.) built into
   libimpl.so exports any of these symbols (at least one); dnnproof calls each one it finds on
   generated instances and compares its results with an MPFR reference (docs/plugin.md).

   Conventions (the document's, as in dnnproof.h):
   - A vector is a row; a matrix is one contiguous row-major block.
   - W of a dense layer has mo = m' rows and m columns; L(y, W, b) = y W^T + b.
   - A Jacobian has one row per output: J[i*m_in + j] = d out_i / d in_j.
   - ReLU'(0) = 0 (the document's hypothesis).
   - Labels (yhat, Yhat) given to an implementation are one-hot.
   - Every input is finite; dnnproof allocates every array and no output aliases an input.
   - Return 0 on success; non-zero means "refused", which dnnproof reports as a failure (every
     input it gives is valid).
   - The float32 functions have the same names with the suffix _f32 and float in place of
     double; their inputs are float values, and they are held to float's unit roundoff 2^-24. */
#ifndef DNNPROOF_IMPL_H
#define DNNPROOF_IMPL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- section 3: activations ---------------------------------------------------------------- */

/* out_j = max(0, z_j).  z and out are (m). */
int dnnp_relu(size_t m, const double *z, double *out);
/* J = diag(1[z_j > 0]) (m x m): ReLU'(0) = 0. */
int dnnp_relu_jacobian(size_t m, const double *z, double *J);
/* out_j = e^{z_j} / sum_k e^{z_k}, for every finite z (logits beyond 709.8 included). */
int dnnp_softmax(size_t m, const double *z, double *out);
/* J_{j,j'} = S_j (delta_{jj'} - S_j') (m x m). */
int dnnp_softmax_jacobian(size_t m, const double *z, double *J);

/* ---- section 3: loss ------------------------------------------------------------------------ */

/* *loss = -sum_j yhat_j log y_j, y_j in ]0, 1]. */
int dnnp_cce(size_t m, const double *yhat, const double *y, double *loss);
/* g_j = -yhat_j / y_j (m). */
int dnnp_cce_gradient(size_t m, const double *yhat, const double *y, double *g);
/* The gradient of xi^yhat o S at the logits z: g = S(z) - yhat (m). */
int dnnp_softmax_cce_gradient(size_t m, const double *yhat, const double *z, double *g);

/* ---- section 4: dense layers ------------------------------------------------------------------ */

/* out = y W^T + b: y is (m), W is (mo x m), b and out are (mo). */
int dnnp_dense(size_t m, size_t mo, const double *y, const double *W, const double *b, double *out);
/* The partials of F o ReLU o L(., W, b) given g_up = grad F at ReLU(L(y, W, b)) (mo):
   g_b_j' = g_up_j' 1[L_j' > 0] (mo), g_W[j'][j] = g_b_j' y_j (mo x m), g_y = g_b W (m). */
int dnnp_dense_relu_backward(size_t m, size_t mo, const double *y, const double *W, const double *b,
                             const double *g_up, double *g_y, double *g_W, double *g_b);

/* ---- section 5: networks ---------------------------------------------------------------------- */

/* N = S o L^p o (ReLU o L^k, k < p): p dense layers, widths[0..p]; layer k (0-based) has W[k]
   (widths[k+1] x widths[k]) and b[k] (widths[k+1]).  X is (n x widths[0]), Yhat (n x widths[p]).
   *loss = sum_i xi^{Yhat_i}(N(X_i)) (a sum over the n samples, not a mean); g_W[k], g_b[k] have
   the shapes of W[k], b[k] and receive the loss's gradient. */
int dnnp_network_gradient(size_t p, const size_t *widths, const double *const *W,
                          const double *const *b, size_t n, const double *X, const double *Yhat,
                          double *loss, double *const *g_W, double *const *g_b);

/* ---- float32 -------------------------------------------------------------------------------- */

int dnnp_relu_f32(size_t m, const float *z, float *out);
int dnnp_relu_jacobian_f32(size_t m, const float *z, float *J);
int dnnp_softmax_f32(size_t m, const float *z, float *out);
int dnnp_softmax_jacobian_f32(size_t m, const float *z, float *J);
int dnnp_cce_f32(size_t m, const float *yhat, const float *y, float *loss);
int dnnp_cce_gradient_f32(size_t m, const float *yhat, const float *y, float *g);
int dnnp_softmax_cce_gradient_f32(size_t m, const float *yhat, const float *z, float *g);
int dnnp_dense_f32(size_t m, size_t mo, const float *y, const float *W, const float *b, float *out);
int dnnp_dense_relu_backward_f32(size_t m, size_t mo, const float *y, const float *W,
                                 const float *b, const float *g_up, float *g_y, float *g_W,
                                 float *g_b);
int dnnp_network_gradient_f32(size_t p, const size_t *widths, const float *const *W,
                              const float *const *b, size_t n, const float *X, const float *Yhat,
                              float *loss, float *const *g_W, float *const *g_b);

#ifdef __cplusplus
}
#endif
#endif
