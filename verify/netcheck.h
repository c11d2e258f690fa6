/* netcheck.h -- §5's theorem checked at real sizes: the gradient of the global loss of a
   p-layer network against finite differences of the loss at the working precision, entry by
   entry (every W^k and b^k) or along random directions with a drill-down to the wrong entries.
   The loss difference F(θ + t v) − F(θ) is propagated from one cached forward pass instead of
   re-evaluating the network, and the exponentials and logarithms of the top are short series
   with checked truncation.  docs/netcheck.md has the method, the error bounds and the verdicts.

   Conventions are the ground floor's (src/dnnproof.h): outputs first, inputs const, sizes, the
   precision last; every function returns DP_OK or an error code and never exits. */
#ifndef DNNPROOF_VERIFY_NETCHECK_H
#define DNNPROOF_VERIFY_NETCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <mpfr.h>
#include "dnnproof.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The deepest network accepted (dnnproof.h's limit) and the largest precision. */
enum { VR_NETCHECK_MAXP = 63 };
#define VR_NETCHECK_MAXPREC 65536

/* What a check found.  The packed order of the parameters is W^1, b^1, W^2, b^2, ... (0-based
   here: W[0], b[0], ...), each W row-major: entry W[k][j'][j] is index offW[k] + j' m[k] + j. */
typedef struct {
    size_t entries;            /* parameters checked (entrywise) or directions checked */
    size_t agree, refuted, undecided, kinks;  /* kinks: entries (directions) whose difference met
                                                 an exact ReLU kink, frozen at ReLU'(0) = 0 */
    double min_bits;           /* least agreeing bits (as the engine reports bits) over the
                                  checked entries (directions) */
    size_t worst;              /* entrywise: index of the least-agreeing entry in the packed
                                  order.  Directions: the packed index of the first entry the
                                  drill-down named, or SIZE_MAX when no direction was refuted */
    size_t drill_evals;        /* directional: evaluations of the loss difference spent drilling
                                  down (8 per directional difference: 4 steps, both signs) */
    char note[200];            /* the first refutation / undecided case, in words */
} vr_netcheck_result;

/* The gradient under test, with the signature of dp_global_loss_gradient_mp (loss may be NULL).
   NULL checks the theorem's own gradient: entrywise, dp_global_loss_gradient_mp at prec; along
   directions, §5's formula contracted with v (Σ_i Σ_l δ^l·(V^l a^{l-1} + c^l), the δ recursion
   evaluated at prec from the check's forward pass: docs/netcheck.md), which never forms the
   gradient -- pass dp_global_loss_gradient_mp itself to check the library's function along
   directions.  Tests pass deliberately wrong ones.  It is called at prec, and again at 2 prec to confirm a refutation,
   with a workspace at that precision; parameters, X and Yhat are exact copies of the doubles. */
typedef int (*vr_netgrad_fn)(mpfr_ptr loss, mpfr_ptr const *gW, mpfr_ptr const *gb,
                             const dp_net_mp *net, mpfr_srcptr X, mpfr_srcptr Yhat, size_t n,
                             dp_mpws *ws);

/* Every parameter's partial derivative against the central difference of the loss along it,
   Richardson-extrapolated, at precision prec (>= 53), rows of the parameters shared among
   `threads` threads (1..64): the result is the same for any number of threads.  X is (n x m[0]),
   Yhat (n x m[p]) with any finite labels.  DP_EINVAL for NULL arrays, DP_EDIM for a zero width or
   n, or a network deeper than VR_NETCHECK_MAXP, DP_EDOMAIN for a precision out of
   [53, VR_NETCHECK_MAXPREC], threads out of range, or a value that is not finite. */
int vr_netcheck_entrywise(vr_netcheck_result *r, const dp_net *net, const double *X,
                          const double *Yhat, size_t n, mpfr_prec_t prec, int threads,
                          vr_netgrad_fn grad);

/* v^T ∇F against the central difference of t -> F(θ + t v), for ndirs seeded random directions v
   (every component a dyadic of 8 significant bits, |v_e| in [1/2, 1), random signs).  A direction
   that disagrees (and still disagrees at 2 prec) is drilled down: v restricted to halves of its
   coordinates, recursively, until single entries are named.  Errors as above. */
int vr_netcheck_directions(vr_netcheck_result *r, const dp_net *net, const double *X,
                           const double *Yhat, size_t n, mpfr_prec_t prec, size_t ndirs,
                           uint64_t seed, vr_netgrad_fn grad);

/* A deterministic network and data from a seed: widths[0..p]; W[k] uniform in ±sqrt(6/m[k])
   (He's variance 2/m[k]), b[k] uniform in ±1/16, X uniform in ]-1, 1[, Yhat one-hot with a uniform
   class; only IEEE arithmetic (no libm), so every machine makes the same doubles.  *net, *X,
   *Yhat are allocated here and released by vr_netcheck_free.  DP_EDIM for p = 0 or p >
   VR_NETCHECK_MAXP, a zero width or n; DP_ENOMEM. */
int vr_netcheck_make(dp_net *net, double **X, double **Yhat, const size_t *widths, size_t p,
                     size_t n, uint64_t seed);
void vr_netcheck_free(dp_net *net, double *X, double *Yhat);

/* The name of packed entry e, "dW^2[3,1]" or "db^1[4]" (layers numbered 1..p, as the document
   does; indices 0-based), into buf (len bytes). */
void vr_netcheck_entry_name(char *buf, size_t len, const dp_net *net, size_t e);

#ifdef __cplusplus
}
#endif
#endif
