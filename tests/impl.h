/* impl.h -- the table of dnnproof's mathematical functions that the tests call through, so that
   tests/mutants.c can swap one entry for a deliberately wrong one, and the few helpers (error
   bounds, 256-bit references, a fixed pseudo-random sequence) that every suite shares. */
#ifndef DP_TESTS_IMPL_H
#define DP_TESTS_IMPL_H

#include <stdint.h>
#include <check.h>
#include "dnnproof.h"
#include "lib.h"

/* ---- the table: one entry per function of dnnproof.h that is a mathematical object -------- */

/* The table is the verification layer's (verify/lib.h): the propositions call through it too,
   so one mutant can be shown to the unit tests and to `dnnproof verify` alike. */
typedef vr_impl dp_impl;

#define dp_impl_real vr_builtin /* every entry is the library's function */
extern const dp_impl *T;           /* what the tests call: the real table or one mutant */

/* A deliberately wrong implementation: apply() replaces the entry named `entry`; the Check
   test case `tcase` is expected to fail because of it (tests/mutants.sh checks that). */
typedef struct {
    const char *name, *entry, *tcase;
    void (*apply)(dp_impl *t);
} dp_mutant;
extern const dp_mutant dp_mutants[];
extern const size_t dp_nmutants;

/* T = the real table, or with the entry of the mutant named by $DP_MUTANT replaced; an unknown
   name prints one line on stderr and exits with status 2. */
void dp_impl_select(void);

/* ---- error bounds ----------------------------------------------------------------------------
   u is the unit roundoff: 2^-53 for IEEE double (round to nearest), 2^-prec for MPFR.  Every
   correctly rounded operation (+ - * / fma sqrt, and every MPFR function) errs by <= u relative;
   glibc documents exp, log and log1p within 1 ulp, i.e. <= 2u relative. */
#define U53 0x1p-53
#define PREC 256       /* the precision of every MPFR reference and of the MPFR functions tested */
#define U256 0x1p-256

/* Bound on |S_hat_j - S_j| / S_j for a SoftMax of m logits computed as e^{d_j} / (1 + t),
   d_j = z_j - max z (dnnproof.h), with unit roundoff u.  The rounding of d_j is a relative error
   u|d_j| of e^{d_j}; exp adds 2u; the other terms of 1 + t weigh their own errors by e^{d'} and
   |d'| e^{d'} <= 1/e, so 1 + t errs by <= (m + 1)u relative; the division adds u.  First order:
   (m + 4 + |d_j|)u, and (m + 4)(1 + |d_j|)u exceeds it by (m + 3)|d_j|u, which absorbs the
   second-order terms (an argmax component, d_j = 0, has no exp error at all: 2u of slack). */
double softmax_tol(size_t m, double d, double u);

/* ---- 256-bit references ---------------------------------------------------------------------- */

mpfr_ptr mpv(size_t n);                       /* n zeros at PREC bits; free with dp_mpvec_clear */
mpfr_ptr mpv_d(const double *v, size_t n);    /* exact copy of n doubles (PREC >= 53) */
void mp_q(mpfr_ptr x, long num, unsigned long den); /* x = num/den rounded to nearest */
double err_d(double got, mpfr_srcptr want);   /* |got - want|, rounded up to a double */
double err_mp(mpfr_srcptr got, mpfr_srcptr want); /* |got - want|, rounded up to a double */
double mp_abs_d(mpfr_srcptr x);               /* |x| rounded up to a double */
int mp_is(mpfr_srcptr x, double d); /* x == d and x is a number (mpfr_cmp_d(NaN, d) is 0) */

/* The 256-bit workspace every MPFR call of a test uses: a checked fixture of each TCase. */
extern dp_mpws WS;
TCase *dp_tcase(Suite *s, const char *name); /* adds a TCase with the WS fixture to s */

/* A fixed pseudo-random sequence (SplitMix64) so that every run sees the same instances. */
double dp_rand(uint64_t *state, double lo, double hi); /* uniform in [lo, hi) */

/* tests/verify_engine.c: f(x) = ReLU(x0 - x1) reporting its argument, and its Jacobian with the
   convention ReLU'(0) = 0 (data NULL) or the wrong ReLU'(0) = 1 (data not NULL); explain's test
   uses them too. */
int kink_relu_f(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data,
                const signed char *mask, dp_mpws *ws);
int kink_relu_j(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws);

Suite *activation_suite(void);
Suite *loss_suite(void);
Suite *dense_suite(void);
Suite *network_suite(void);

#endif
