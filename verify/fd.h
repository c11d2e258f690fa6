/* fd.h -- finite differences in MPFR: central and one-sided difference quotients on exact
   power-of-two steps, Richardson extrapolation with a reported error estimate, Jacobians,
   gradients, directional derivatives, agreement with an analytic value and the precision ladder.
   docs/finite-differences.md has the method, the step rule and the measured bits.

   Conventions are the ground floor's (src/dnnproof.h): outputs first, inputs const, sizes, the
   workspace last; callers allocate every output; every function returns DP_OK or an error code.
   Every MPFR temporary comes from the workspace, and every evaluation is at ws->prec. */
#ifndef DNNPROOF_VERIFY_FD_H
#define DNNPROOF_VERIFY_FD_H

#include <stddef.h>
#include <mpfr.h>
#include "dnnproof.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A map F: R^n -> R^q under differentiation.  f writes the q values F(x) to out (q temporaries at
   ws->prec) from x (n values, each of any precision: it must read them exactly, as MPFR's own
   functions do), rounding at ws->prec.  It may push on ws but must release what it pushed; it
   returns DP_OK, or DP_EDOMAIN when x is outside its domain (the step is then made smaller).
   It is also called on a workspace of ws->prec + 32 bits, to measure its own rounding: it must
   take its precision from the workspace it is given (or from out), never from ctx.
   The estimates' outputs must not alias x, u or v. */
typedef int (*vf_fn)(mpfr_ptr out, mpfr_srcptr x, void *ctx, dp_mpws *ws);
typedef struct {
    vf_fn f;
    size_t n, q;
    void *ctx;
} vf_map;

/* VF_PLAIN: one central (or one-sided) quotient at the rule's step, for reference.
   VF_EXTRAPOLATED: Richardson's tableau on the steps h0, h0/2, ..., with the entry of least
   estimated error (Ridders).  docs/finite-differences.md gives both step rules. */
typedef enum { VF_PLAIN = 0, VF_EXTRAPOLATED = 1 } vf_method;

/* An estimate of len numbers, caller-allocated: val[k] the value, err[k] its estimated absolute
   error (rounded up), bits[k] = what the estimate claims, -log2(err / max(|val|, err)) capped at
   ws->prec (so 0 when the error is as large as the value, ws->prec when err = 0).  val and err
   are MPFR vectors of any precision; bits may be NULL. */
typedef struct {
    mpfr_ptr val, err;
    double *bits;
} vf_est;

/* Column j of the Jacobian, dF/dx_j at x: d has q entries. */
int vf_partial(vf_est d, const vf_map *F, mpfr_srcptr x, size_t j, vf_method m, dp_mpws *ws);

/* The Jacobian (q x n, rows index outputs): J.val[i*n + j] = dF_i/dx_j, one column at a time. */
int vf_jacobian(vf_est J, const vf_map *F, mpfr_srcptr x, vf_method m, dp_mpws *ws);

/* The gradient of a scalar map (F->q == 1, else DP_EDIM): g has n entries. */
int vf_gradient(vf_est g, const vf_map *F, mpfr_srcptr x, vf_method m, dp_mpws *ws);

/* v^T J u, as the derivative at 0 of t -> v . F(x + t u): one 1-D difference, for maps too large
   for the entrywise Jacobian.  u is (n); v is (q), or NULL when F->q == 1.  d has 1 entry. */
int vf_directional(vf_est d, const vf_map *F, mpfr_srcptr x, mpfr_srcptr u, mpfr_srcptr v,
                   vf_method m, dp_mpws *ws);

/* One-sided derivatives along coordinate j, for each of the q outputs:
   left = lim_{h -> 0+} (F(x) - F(x - h e_j)) / h, right = lim_{h -> 0+} (F(x + h e_j) - F(x)) / h.
   VF_PLAIN: the quotients at the tiny step 2^-ceil(p/2) max(1, |x_j|); VF_EXTRAPOLATED: Richardson
   in h on that side, which is right where F is smooth on that side of x (the error estimate says
   when it is not).  left and right have q entries each.  At a ReLU kink: left 0, right 1. */
int vf_one_sided(vf_est left, vf_est right, const vf_map *F, mpfr_srcptr x, size_t j,
                 vf_method m, dp_mpws *ws);

/* ---- an analytic value against a finite difference ------------------------------------------ */

/* The factor on the estimate in the agreement test, and the rounding allowed to the analytic
   value; fd.c says why these numbers. */
#define VF_AGREE_C 4
#define VF_ANALYTIC_ULPS_LOG2 4

/* a (analytic) against d +- e (finite difference): *agree = 1 when
   |a - d| <= VF_AGREE_C e + 2^(VF_ANALYTIC_ULPS_LOG2 - p) |a|, the combined error estimate;
   *bits = -log2(|a - d| / max(|d|, scale)) capped at p (p when a = d), scale > 0 the size the
   caller judges the entry against (e.g. its row's largest entry) so that a 0 entry has a
   meaningful measure.  p = ws->prec.  agree or bits may be NULL. */
int vf_compare(int *agree, double *bits, mpfr_srcptr a, mpfr_srcptr d, mpfr_srcptr e,
               mpfr_srcptr scale, dp_mpws *ws);

/* Drill-down: checks an analytic Jacobian A (q x n) of F at x by one directional derivative
   v^T J u (u (n), v (q); NULL for built-in deterministic directions with every component
   nonzero).  When it agrees, *dir_agree = 1 and *nbad = 0 with no entrywise work.  Otherwise the
   entrywise Jacobian is estimated and bad[0 .. *nbad-1] receives the indices i*n + j of the
   entries that disagree (vf_compare with scale = the row's largest |A_ij|, or 1); bad has room
   for q*n indices. */
int vf_drill(size_t *bad, size_t *nbad, int *dir_agree, mpfr_srcptr A, const vf_map *F,
             mpfr_srcptr x, mpfr_srcptr u, mpfr_srcptr v, dp_mpws *ws);

/* ---- the precision ladder ------------------------------------------------------------------- */

/* A problem the ladder can re-pose at any precision.  At ws->prec, setup writes the point x (n)
   and the analytic Jacobian A (q x n) and returns the map, whose ctx it may fill from its own
   ctx (the values it needs at that precision).  It returns DP_OK or an error. */
typedef int (*vf_setup_fn)(vf_map *F, mpfr_ptr x, mpfr_ptr A, void *ctx, dp_mpws *ws);
typedef struct {
    vf_setup_fn setup;
    size_t n, q;
    void *ctx;
} vf_problem;

/* One rung: at precision prec, the extrapolated Jacobian's worst entry. */
typedef struct {
    mpfr_prec_t prec;
    double bits;     /* min over entries of vf_compare's bits (scale: the row's largest |A_ij|) */
    double claimed;  /* min over entries of the estimate's own bits */
    int agree;       /* every entry agrees */
    size_t worst;    /* index i*n + j of the entry with the fewest bits */
} vf_rung;

/* The ladder's default rungs: 64, 128, 256, 512 bits. */
extern const mpfr_prec_t vf_ladder_precs[4];

/* rungs[r] for each precision precs[r] (nprec of them): a workspace, the point, A and the
   finite differences made anew at that precision.  Allocates per rung; no workspace argument. */
int vf_ladder(vf_rung *rungs, const vf_problem *P, const mpfr_prec_t *precs, size_t nprec);

#ifdef __cplusplus
}
#endif
#endif
