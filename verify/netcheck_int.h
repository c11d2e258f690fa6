/* netcheck_int.h -- what the network check's files share (private to verify/netcheck*.c):
   the cache of one forward pass at the working precision, the series for e^x - 1 and log1p, the
   Richardson tableau and the verdict of one entry.  netcheck.c has the cache and the helpers,
   netcheck_entry.c the entrywise check, netcheck_dir.c the directions and the drill-down. */
#ifndef DNNPROOF_VERIFY_NETCHECK_INT_H
#define DNNPROOF_VERIFY_NETCHECK_INT_H

#include "netcheck.h"

/* Richardson levels (derivative.c's VR_LEVELS: steps h0, h0/2, h0/4, h0/8) and the longest
   series the fast paths use; a longer one falls back to MPFR's functions. */
enum { NC_LEVELS = 3, NC_KMAX = 96 };

/* derivative.c's ceiling for a precision raised to decide entries far below the difference's
   size; the checks keep caches at prec 2^k, k < NC_MAXLEVELS (53 2^10 > 32768, and twice it for
   a refutation's confirmation). */
#define NC_MAX_ESCALATED_PREC 32768
enum { NC_MAXLEVELS = 12 };

/* One forward pass of every sample at prec, and the gradient under test.  Layer l = 0..p-1 maps
   m[l] to m[l+1]; a sample's units are laid out layer after layer, hoff[l] the first of layer l.
   What only a full gradient needs -- θ's first-layer weights and X in MPFR, g, srow -- is made by
   nc_cache_gradient (the directions along the theorem's own gradient never need it: the first
   layer is evaluated from the doubles). */
typedef struct {
    const dp_net *net;
    size_t p, n, nparam, mp;   /* mp = m[p], the classes */
    const size_t *m;
    size_t *offW, *offb;       /* p each: packed offsets of W[l] and b[l] */
    size_t *hoff, hlen;        /* p + 1 offsets; hlen = hoff[p] units per sample */
    mpfr_prec_t prec;
    long e0;                   /* the first step is 2^e0, e0 = -ceil(prec / (2 NC_LEVELS + 1)) */
    mpfr_ptr vals;             /* every MPFR value below, one vector of nvals */
    size_t nvals;
    mpfr_ptr theta;            /* nparam: θ, exact copies of the doubles (W[0]'s: once
                                  nc_cache_gradient has run) */
    const double *Xd;          /* n m[0]: the inputs, as given */
    mpfr_ptr X, Y;             /* n m[0] (nc_cache_gradient's) and n mp, exact */
    mpfr_ptr h;                /* n hlen: pre-activations h^l (layer p-1: the logits z) */
    mpfr_ptr a;                /* n hlen: ReLU(h^l), the input of layer l + 1 (l < p-1) */
    mpfr_ptr P;                /* n mp: S(z) */
    mpfr_ptr sy;               /* n: Σ_k Yhat_ik */
    mpfr_ptr g;                /* nparam: the gradient under test, packed like θ (or NULL) */
    mpfr_ptr srow;             /* 1: max_e |g_e|, the size of the gradient (derivative.c's row) */
    mpfr_ptr gvals;            /* X, g and srow: one vector, made by nc_cache_gradient */
    mpfr_ptr inv;              /* NC_KMAX + 1: inv[k] = (-1)^(k+1) / k, log1p's coefficients */
    mpfr_ptr ifact;            /* NC_KMAX + 1: 1/k! */
    mpfr_ptr one;              /* 1: the seed of a bias */
    double *lfact;             /* NC_KMAX + 2: log2 k! */
    double *absh;              /* n hlen: |W| |a| + |b| propagated, what bounds h's rounding */
    double *Pd;                /* n mp: S(z) in double */
    double *zabs;              /* n: max_k of absh over the logits */
    double R;                  /* roundings allowed to the analytic value (derivative.c's) */
    double need;               /* the bits an estimate must claim: the user's precision / 4 */
    double Cfd;                /* roundings along one path of the difference (the floor) */
} nc_cache;

/* Builds the cache at prec (the gradient under test called once); DP_OK or an error, and then
   nothing is left allocated.  nc_cache_forward is its forward pass alone (X must outlive C), and
   nc_cache_gradient adds the gradient under test (grad; NULL: dp_global_loss_gradient_mp) to a
   forward cache: on an error C must still be cleared. */
int nc_cache_init(nc_cache *C, const dp_net *net, const double *X, const double *Yhat, size_t n,
                  mpfr_prec_t prec, vr_netgrad_fn grad);
int nc_cache_forward(nc_cache *C, const dp_net *net, const double *X, const double *Yhat,
                     size_t n, mpfr_prec_t prec);
int nc_cache_gradient(nc_cache *C, vr_netgrad_fn grad);
void nc_cache_clear(nc_cache *C);
/* Checks the arguments common to both checks. */
int nc_check_args(const dp_net *net, const double *X, const double *Yhat, size_t n,
                  mpfr_prec_t prec);

/* §5's backward recursion for sample i at C->prec, from the cached forward pass: δ^l for every
   layer l = 0..p-1 (0-based), laid out like the cache's units (hlen values),
       δ^{p-1} = S(z) Σŷ - ŷ,      δ^l = (δ^{l+1} W^{l+1}) ⊙ 1[h^l > 0]   (l < p - 1),
   so that the theorem's gradient is ∂F/∂W^l = Σ_i δ^lᵀ a^{l-1}, ∂F/∂b^l = Σ_i δ^l (a^{-1} = x).
   The directions contract it with v instead of forming the gradient (netcheck_dir.c); tests pass
   broken recursions to nc_directions. */
typedef void (*nc_delta_fn)(mpfr_ptr delta, const nc_cache *C, size_t i);
void nc_theorem_delta(mpfr_ptr delta, const nc_cache *C, size_t i);

/* vr_netcheck_directions with the theorem's δ recursion given: when grad is NULL, v^T ∇F is
   Σ_i Σ_l δ^l·(V^l a^{l-1} + c^l) with δ from delta (the contracted path); otherwise v^T g with
   g = grad(...) in full.  vr_netcheck_directions passes nc_theorem_delta. */
int nc_directions(vr_netcheck_result *r, const dp_net *net, const double *X, const double *Yhat,
                  size_t n, mpfr_prec_t prec, size_t ndirs, uint64_t seed, vr_netgrad_fn grad,
                  nc_delta_fn delta);

/* For tests: v^T ∇F for direction d of the seed, over every coordinate, by the path that grad
   selects as above (the theorem's δ when contracted), into A, and the size it is judged against
   (Σ_e |v_e g_e|, or the contracted sum's bound of it) into s. */
int nc_direction_value(mpfr_ptr A, mpfr_ptr s, const dp_net *net, const double *X,
                       const double *Yhat, size_t n, mpfr_prec_t prec, uint64_t seed, size_t d,
                       vr_netgrad_fn grad);

/* The smallest N >= 1 with 2 r^N / (N+1)! <= 2^(-p-4) for r = 2^lr (the truncation of the
   series of e^x after x^N, relative to its first term), or NC_KMAX + 1 when none up to NC_KMAX. */
int nc_series_len(const nc_cache *C, long lr);

/* log1p(w) for |w| < 1/4 by its series, truncated below 2^(-p-4) |w| (checked from w's
   exponent), else mpfr_log1p; t is 1 scratch value. */
void nc_log1p(mpfr_ptr out, mpfr_srcptr w, const nc_cache *C, mpfr_ptr t);

/* Richardson's tableau on Q[0..NC_LEVELS] (the central quotients at h0, h0/2, ...), in place:
   *D = the last diagonal entry, *E = Ridders' estimate (the larger of its changes from its two
   parents).  tab has (NC_LEVELS + 1)^2 values, t 1. */
void nc_richardson(mpfr_ptr D, mpfr_ptr E, mpfr_srcptr Q, mpfr_ptr tab, mpfr_ptr t);

enum { NC_AGREE = 0, NC_REFUTED = 1, NC_UNDECIDED = 2 };
typedef struct {
    int verdict;
    double bits, fd_bits;
} nc_judgement;
/* derivative.c's rule: A agrees with D ± E when |A - D| <= 2E + R 2^-p (|A| + scale); bits are
   log2(ref / |A - D|), ref = max(|A|, |D|, 2^(-p/2) scale); an agreement whose estimate claims
   fewer than `need` bits (p/4 of the user's precision) is undecided.  t has 4 scratch values. */
void nc_judge(nc_judgement *j, mpfr_srcptr A, mpfr_srcptr D, mpfr_srcptr E, mpfr_srcptr scale,
              double R, mpfr_prec_t p, double need, mpfr_ptr t);

/* n MPFR values of precision prec (set to +0) in one allocation, through MPFR's custom
   interface: no allocation per value.  They must not be re-precisioned or mpfr_clear'd (the
   gradient under test is handed some of them); nc_vec_clear releases them all.  NULL if out of
   memory or n == 0. */
mpfr_ptr nc_vec_init(size_t n, mpfr_prec_t prec);
void nc_vec_clear(mpfr_ptr v);

/* Unit u (of a sample's hlen units) of sample i has a pre-activation that is not 0 but within
   the rounding of a p-bit evaluation of it (C->Cfd 2^-p absh): its sign is the exact one here,
   but a gradient under test evaluated at p may see 0 or the other sign. */
int nc_within_rounding(const nc_cache *C, size_t i, size_t u);

/* log2 |x| for any nonzero MPFR x (-inf for 0). */
double nc_lg2(mpfr_srcptr x);

/* splitmix64 (Steele, Lea and Flood): the same stream on every platform. */
static inline uint64_t nc_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in ]-1, 1[ with 52 random bits: (2k + 1) 2^-52 - 1, exact. */
static inline double nc_rng_sym(uint64_t *state)
{
    uint64_t k = nc_rng_next(state) >> 12;
    return (double)((int64_t)(2 * k + 1) - ((int64_t)1 << 52)) * 0x1p-52;
}

#endif
