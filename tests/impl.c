/* impl.c -- the table of dnnproof functions the tests call through, the mutant selection, and the
   helpers every suite shares (tests/impl.h) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "impl.h"


const dp_impl *T = &dp_impl_real;

void dp_impl_select(void)
{
    static dp_impl mutated;
    const char *name = getenv("DP_MUTANT");
    if (name == NULL || *name == '\0')
        return;
    for (size_t i = 0; i < dp_nmutants; i++) {
        if (strcmp(dp_mutants[i].name, name) == 0) {
            mutated = dp_impl_real;
            dp_mutants[i].apply(&mutated);
            T = &mutated;
            return;
        }
    }
    fprintf(stderr, "check_src: unknown mutant '%s' (--list-mutants lists them)\n", name);
    exit(2);
}

double softmax_tol(size_t m, double d, double u)
{
    return (double)(m + 4) * (1 + fabs(d)) * u;
}

/* ---- 256-bit references ---------------------------------------------------------------------- */

mpfr_ptr mpv(size_t n)
{
    mpfr_ptr v = dp_mpvec_init(n, PREC);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++)
        mpfr_set_zero(v + i, +1);
    return v;
}

mpfr_ptr mpv_d(const double *d, size_t n)
{
    mpfr_ptr v = mpv(n);
    for (size_t i = 0; i < n; i++)
        mpfr_set_d(v + i, d[i], MPFR_RNDN); /* exact: PREC >= 53, and it keeps -0.0 */
    return v;
}

void mp_q(mpfr_ptr x, long num, unsigned long den)
{
    mpfr_set_si(x, num, MPFR_RNDN);
    mpfr_div_ui(x, x, den, MPFR_RNDN);
}

double err_mp(mpfr_srcptr got, mpfr_srcptr want)
{
    mpfr_t t;
    mpfr_init2(t, PREC + 64);
    mpfr_sub(t, got, want, MPFR_RNDA); /* rounded away from 0: never below the true distance */
    double e = mpfr_get_d(t, MPFR_RNDA);
    mpfr_clear(t);
    return isnan(e) ? INFINITY : fabs(e); /* NaN (a broken result) is never within a bound */
}

double err_d(double got, mpfr_srcptr want)
{
    mpfr_t g;
    mpfr_init2(g, 53);
    mpfr_set_d(g, got, MPFR_RNDN);
    double e = err_mp(g, want);
    mpfr_clear(g);
    return e;
}

double mp_abs_d(mpfr_srcptr x)
{
    return fabs(mpfr_get_d(x, MPFR_RNDA));
}

int mp_is(mpfr_srcptr x, double d)
{
    return mpfr_number_p(x) && mpfr_cmp_d(x, d) == 0;
}

/* ---- the workspace fixture and the pseudo-random sequence ---------------------------------- */

dp_mpws WS;

static void ws_setup(void)
{
    ck_assert_int_eq(dp_mpws_init(&WS, PREC), DP_OK);
}

static void ws_teardown(void)
{
    dp_mpws_clear(&WS);
}

TCase *dp_tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, ws_setup, ws_teardown);
    tcase_set_timeout(tc, 10); /* a mutant may loop; timeouts apply only in fork mode */
    suite_add_tcase(s, tc);
    return tc;
}

double dp_rand(uint64_t *state, double lo, double hi)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) * 0x1p-53;
}
