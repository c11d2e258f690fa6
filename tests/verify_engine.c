/* verify_engine.c -- the derivative engine on functions whose derivatives are known exactly:
   the finite difference's error estimate is honest, the bits reach their targets, a wrong
   Jacobian is refuted (even by a relative 1e-12), a kink is reported, not failed. */
#include <math.h>
#include <string.h>
#include <check.h>
#include "impl.h"
#include "verify.h"

/* ---- maps with known derivatives --------------------------------------------------------------- */

/* f(x) = (exp x0, sin x1, x0^3 x1, log x2): R^3 -> R^4 for x2 > 0. */
static int f4(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data,
              const signed char *mask, dp_mpws *ws)
{
    (void)pre, (void)data, (void)mask, (void)ws;
    mpfr_exp(out, x, MPFR_RNDN);
    mpfr_sin(out + 1, x + 1, MPFR_RNDN);
    mpfr_pow_ui(out + 2, x, 3, MPFR_RNDN);
    mpfr_mul(out + 2, out + 2, x + 1, MPFR_RNDN);
    mpfr_log(out + 3, x + 2, MPFR_RNDN);
    return DP_OK;
}

/* Its Jacobian (4 x 3: J[i*3 + j]), and a deliberately wrong one: data is the relative error
   put on entry (2, 0). */
static int j4(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    (void)ws;
    for (int i = 0; i < 12; i++)
        mpfr_set_zero(J + i, +1);
    mpfr_exp(J + 0, x, MPFR_RNDN);                 /* d exp x0 / dx0 */
    mpfr_cos(J + 4, x + 1, MPFR_RNDN);             /* d sin x1 / dx1 */
    mpfr_sqr(J + 6, x, MPFR_RNDN);                 /* d x0^3 x1 / dx0 = 3 x0^2 x1 */
    mpfr_mul(J + 6, J + 6, x + 1, MPFR_RNDN);
    mpfr_mul_ui(J + 6, J + 6, 3, MPFR_RNDN);
    mpfr_pow_ui(J + 7, x, 3, MPFR_RNDN);           /* d x0^3 x1 / dx1 = x0^3 */
    mpfr_ui_div(J + 11, 1, x + 2, MPFR_RNDN);      /* d log x2 / dx2 = 1 / x2 */
    if (data != NULL)
        mpfr_mul_d(J + 6, J + 6, 1 + *(const double *)data, MPFR_RNDN);
    return DP_OK;
}

static vr_ctx ctx;

static void setup(void)
{
    ctx.prec = 128;
    ctx.ladder = 0;
    dp_mpws_init(&ctx.ws, 128);
}

static void teardown(void)
{
    dp_mpws_clear(&ctx.ws);
}

static const double x4[3] = {0.75, -1.25, 0.375};

/* The estimate is honest: |D - J| <= E for every entry, at 64 to 512 bits, and it is small:
   it is of the order of the previous extrapolation level's error, h^6 = 2^-(6p/7) with
   h = 2^-(p/7) (derivative.c); 12 bits of slack cover the constants (the function's higher
   derivatives over 7! and the Richardson weights). */
START_TEST(fd_estimate_is_honest)
{
    const mpfr_prec_t precs[] = {64, 128, 256, 512};
    for (int r = 0; r < 4; r++) {
        dp_mpws ws;
        dp_mpws_init(&ws, precs[r]);
        mpfr_ptr D = dp_mpws_push(&ws, 39), E = D + 12, J = D + 24, X = D + 36;
        /* |x| scale: log's derivatives grow like k!/x^k, so its step must scale with x2 */
        vr_map map = {"f", f4, j4, 3, 4, 0, NULL, VR_SCALE_REL, NULL};
        ck_assert_int_eq(vr_fd_jacobian(D, E, &map, x4, &ws), DP_OK);
        for (int i = 0; i < 3; i++)
            mpfr_set_d(X + i, x4[i], MPFR_RNDN);
        j4(J, X, NULL, &ws);
        mpfr_t e;
        mpfr_init2(e, precs[r]);
        for (int i = 0; i < 12; i++) {
            mpfr_sub(e, D + i, J + i, MPFR_RNDU);
            mpfr_abs(e, e, MPFR_RNDU);
            ck_assert_msg(mpfr_lessequal_p(e, E + i), "p=%ld entry %d: error above estimate",
                          (long)precs[r], i);
            if (!mpfr_zero_p(J + i)) {
                mpfr_div(e, E + i, J + i, MPFR_RNDU);
                mpfr_abs(e, e, MPFR_RNDU);
                ck_assert_msg(mpfr_get_d(e, MPFR_RNDU) <= ldexp(1, -6 * (int)precs[r] / 7 + 12),
                              "p=%ld entry %d: estimate %g relative", (long)precs[r], i,
                              mpfr_get_d(e, MPFR_RNDU));
            }
        }
        mpfr_clear(e);
        dp_mpws_clear(&ws);
    }
}
END_TEST

/* The cross-entropy's gradient -yhat/y: the reference figures are 99 bits at p = 128 and
   205 at p = 256 for one Richardson level; three levels must reach them. */
static int cce_f(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr y, const void *data,
                 const signed char *mask, dp_mpws *ws)
{
    static const double yhat[3] = {0, 1, 0};
    (void)pre, (void)data, (void)mask;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr yh = dp_mpws_push(ws, 3);
    for (int i = 0; i < 3; i++)
        mpfr_set_d(yh + i, yhat[i], MPFR_RNDN);
    int st = dp_cce_mp(out, yh, y, 3, ws);
    dp_mpws_release(ws, mk);
    return st;
}

static int cce_j(mpfr_ptr J, mpfr_srcptr y, const void *data, dp_mpws *ws)
{
    (void)data, (void)ws;
    mpfr_set_zero(J, +1);
    mpfr_si_div(J + 1, -1, y + 1, MPFR_RNDN);
    mpfr_set_zero(J + 2, +1);
    return DP_OK;
}

START_TEST(fd_bits_reach_targets)
{
    static const double y[3] = {0.25, 0.3125, 0.4375};
    const mpfr_prec_t precs[] = {128, 256};
    const double target[] = {99, 205};
    for (int r = 0; r < 2; r++) {
        vr_ctx c = {precs[r], 0, {0}, NULL, 0, NULL};
        dp_mpws_init(&c.ws, precs[r]);
        vr_map map = {"dxi/dy", cce_f, cce_j, 3, 1, 0, NULL, VR_SCALE_REL, NULL};
        vr_result res;
        ck_assert_int_eq(vr_check_derivative(&res, &map, y, &c), DP_OK);
        ck_assert_int_eq(res.verdict, VR_HOLDS);
        ck_assert_msg(res.bits >= target[r], "p=%ld: %.1f bits", (long)precs[r], res.bits);
        dp_mpws_clear(&c.ws);
    }
}
END_TEST

/* A Jacobian off by a relative 1e-12 in one entry is refuted, and that entry is the one named. */
START_TEST(wrong_jacobian_is_refuted)
{
    static const double bad = 1e-12;
    vr_map map = {"f", f4, j4, 3, 4, 0, &bad, VR_SCALE_COORD, NULL};
    vr_result r;
    ck_assert_int_eq(vr_check_derivative(&r, &map, x4, &ctx), DP_OK);
    ck_assert_int_eq(r.verdict, VR_REFUTED);
    ck_assert_uint_eq(r.nrows, 1);
    ck_assert_str_eq(r.rows[0].index, "f[2,0]");
    /* and the correct one holds, with bits growing up the ladder */
    map.data = NULL;
    ctx.ladder = 1;
    ck_assert_int_eq(vr_check_derivative(&r, &map, x4, &ctx), DP_OK);
    ck_assert_int_eq(r.verdict, VR_HOLDS);
    for (int k = 1; k < VR_RUNGS; k++) /* at least half of the bits added to p show */
        ck_assert_msg(r.ladder[k] - r.ladder[k - 1] >= (double)(vr_ladder[k] - vr_ladder[k - 1]) / 2,
                      "rung %d: %.0f after %.0f", k, r.ladder[k], r.ladder[k - 1]);
}
END_TEST

/* ---- a kink: f(x) = ReLU(x0 - x1) at x0 = x1 ---------------------------------------------------- */

int kink_relu_f(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data,
                  const signed char *mask, dp_mpws *ws)
{
    (void)data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr z = dp_mpws_push(ws, 1);
    mpfr_sub(z, x, x + 1, MPFR_RNDN);
    vr_relu_masked(out, pre, z, 1, mask);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* The convention ReLU'(0) = 0 (data NULL) or the wrong ReLU'(0) = 1. */
int kink_relu_j(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    (void)ws;
    int on = mpfr_greater_p(x, x + 1) || (data != NULL && mpfr_equal_p(x, x + 1));
    mpfr_set_si(J, on, MPFR_RNDN);
    mpfr_set_si(J + 1, -on, MPFR_RNDN);
    return DP_OK;
}

START_TEST(kink_is_reported_not_failed)
{
    static const double x[2] = {0.5, 0.5}, one = 1;
    vr_map map = {"dReLU", kink_relu_f, kink_relu_j, 2, 1, 1, NULL, VR_SCALE_COORD, NULL};
    vr_result r;
    ck_assert_int_eq(vr_check_derivative(&r, &map, x, &ctx), DP_OK);
    ck_assert_int_eq(r.verdict, VR_HOLDS);
    ck_assert(r.classes & VR_CLASS_KINK);
    ck_assert_msg(strstr(r.note, "not differentiable") && strstr(r.note, "left 0") &&
                      strstr(r.note, "right 1"),
                  "%s", r.note);
    map.data = &one; /* ReLU'(0) = 1 breaks the convention */
    ck_assert_int_eq(vr_check_derivative(&r, &map, x, &ctx), DP_OK);
    ck_assert_int_eq(r.verdict, VR_REFUTED);
}
END_TEST

/* Near a kink (2^-40 away) the step shrinks instead of straddling it. */
START_TEST(near_kink_shrinks_the_step)
{
    static const double x[2] = {0.5 + 0x1p-40, 0.5};
    vr_map map = {"dReLU", kink_relu_f, kink_relu_j, 2, 1, 1, NULL, VR_SCALE_COORD, NULL};
    vr_result r;
    ck_assert_int_eq(vr_check_derivative(&r, &map, x, &ctx), DP_OK);
    ck_assert_int_eq(r.verdict, VR_HOLDS);
    ck_assert(r.classes & VR_CLASS_NEAR_KINK);
}
END_TEST

/* f(x) = ReLU(x) - ReLU(-x) = x: differentiable at 0 although both ReLU arguments are 0 there;
   the convention ReLU'(0) = 0 gives 0 for the derivative 1.  The statement (the convention) holds,
   and the note says that the function is differentiable there with another value. */
static int odd_f(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data,
                 const signed char *mask, dp_mpws *ws)
{
    (void)data;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr z = dp_mpws_push(ws, 4), a = z + 2;
    mpfr_set(z, x, MPFR_RNDN);
    mpfr_neg(z + 1, x, MPFR_RNDN);
    vr_relu_masked(a, pre, z, 2, mask);
    mpfr_sub(out, a, a + 1, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

static int odd_j(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws)
{
    (void)data, (void)ws;
    mpfr_set_si(J, mpfr_sgn(x) != 0, MPFR_RNDN); /* 1[x > 0] + 1[-x > 0] */
    return DP_OK;
}

START_TEST(convention_differs_from_a_derivative)
{
    static const double x[1] = {0};
    vr_map map = {"d", odd_f, odd_j, 1, 1, 2, NULL, VR_SCALE_COORD, NULL};
    vr_result r;
    ck_assert_int_eq(vr_check_derivative(&r, &map, x, &ctx), DP_OK);
    ck_assert_int_eq(r.verdict, VR_HOLDS);
    ck_assert_msg(strstr(r.note, "differentiable along x[0] although") &&
                      strstr(r.note, "left = right = 1"),
                  "%s", r.note);
}
END_TEST

Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("derivative");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fd_estimate_is_honest);
    tcase_add_test(tc, fd_bits_reach_targets);
    tcase_add_test(tc, wrong_jacobian_is_refuted);
    tcase_add_test(tc, kink_is_reported_not_failed);
    tcase_add_test(tc, near_kink_shrinks_the_step);
    tcase_add_test(tc, convention_differs_from_a_derivative);
    suite_add_tcase(s, tc);
    return s;
}
