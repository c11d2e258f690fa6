/* src_loss.c -- Check suite of section 3's loss: categorical cross-entropy, its gradient, the loss
   after SoftMax and its two gradients (the document's S - yhat and the true S sum(yhat) - yhat),
   double and MPFR: values derived by hand, the chain rule, extreme logits, finite differences,
   the double functions against their 256-bit MPFR twins, and bad arguments. */
#include <math.h>
#include <stdlib.h>
#include "impl.h"

typedef int (*loss_fn)(double *, const double *, const double *, size_t);
typedef int (*loss_fn_mp)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, size_t, dp_mpws *);

/* Bound on the error of xi^yhat(S(z)) = sum_j yhat_j (a_j + l), a_j = max z - z_j (one rounding),
   l = log1p(t) (<= (m + D + 2)u relative: t errs by <= (m + D)u t, see softmax_tol, and log1p by
   2u), each term adds u twice and the sum m - 1 times: first order (m + 2)u A + (2m + D + 3)u L
   with A = sum |yhat_j| a_j, L = sum |yhat_j| l, D = max_j a_j; + 2 more absorbs second order. */
static double softmax_cce_tol(size_t m, double D, double A, double L, double u)
{
    return ((m + 4) * A + (2 * m + D + 5) * L) * u;
}

/* Bound on |g_hat_j - g_j| for g_j = fma(S_j, c, -yhat_j): S_j errs by eps relative; c = 1, or
   c = sum yhat with m - 1 additions (<= (m - 1)u sum |yhat|); the fma rounds once (u |g_j|). */
static double sg_tol(int general, size_t m, double c, double sumabs, double S, double eps,
                     double g, double u)
{
    return fabs(c) * S * eps + (general ? (m - 1) * u * sumabs * S : 0) + u * fabs(g);
}

/* ---- cross-entropy and its gradient ---------------------------------------------------------- */

/* xi^yhat(y) = -sum_j yhat_j log y_j, as k ln 2: yhat = (0,1,0), y = (1/4,1/2,1/4) gives
   -log(1/2) = ln 2; yhat = (1,2), y = (1/2,1/4) gives ln 2 + 2 ln 4 = 5 ln 2.  A term with
   yhat_j = 0 is 0 whatever y_j (0 or negative): those cases and m = 1, xi^(1)(1), are exactly 0.
   Bound: (m + 2)u sum |yhat_j log y_j| (log within 2u, a product, m - 1 same-sign additions). */
START_TEST(test_cce_worked)
{
    static const struct { size_t m; double yhat[3], y[3]; int k; } c[] = {
        {3, {0, 1, 0}, {0.25, 0.5, 0.25}, 1}, {2, {1, 2}, {0.5, 0.25}, 5},
        {2, {0, 1}, {0, 1}, 0},  {2, {0, 1}, {-3, 1}, 0}, {3, {0, 0, 0}, {0, 0, 0}, 0},
        {1, {1}, {1}, 0},
    };
    mpfr_ptr w = mpv(1), l = mpv(1);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        size_t m = c[i].m;
        double loss;
        mpfr_ptr yh = mpv_d(c[i].yhat, m), y = mpv_d(c[i].y, m);
        mpfr_const_log2(w, MPFR_RNDN);
        mpfr_mul_ui(w, w, c[i].k, MPFR_RNDN);
        ck_assert_int_eq(T->cce(&loss, c[i].yhat, c[i].y, m), DP_OK);
        ck_assert_int_eq(T->cce_mp(l, yh, y, m, &WS), DP_OK);
        ck_assert_msg(err_d(loss, w) <= (m + 2) * U53 * mp_abs_d(w), "case %zu: xi = %.17g, "
                      "want %d ln 2", i, loss, c[i].k);
        ck_assert_msg(err_mp(l, w) <= (m + 2) * U256 * mp_abs_d(w), "case %zu: xi_mp = %.17g, "
                      "want %d ln 2", i, mpfr_get_d(l, MPFR_RNDN), c[i].k);
        dp_mpvec_clear(yh, m);
        dp_mpvec_clear(y, m);
    }
    dp_mpvec_clear(w, 1);
    dp_mpvec_clear(l, 1);
}
END_TEST

/* In MPFR a gradient is the derivative of its loss: (f(x + h e_j) - f(x - h e_j)) / 2h, h = 2^-80,
   is within h^2/6 |f'''| of it (|f'''| <= 2 yhat_j / y_j^3 <= 2^8 for cce at y >= 1/4, yhat < 2;
   <= sum yhat for the loss after SoftMax) plus the rounding 2^-250 |f| / h: 2^-140 (1 + |f|). */
static void check_fd(loss_fn_mp f, loss_fn_mp grad, mpfr_srcptr yhat, mpfr_ptr x, size_t m,
                     const char *name)
{
    const double h = 0x1p-80;
    mpfr_ptr g = mpv(m), fp = mpv(1), fn = mpv(1);
    ck_assert_int_eq(grad(g, yhat, x, m, &WS), DP_OK);
    for (size_t j = 0; j < m; j++) {
        mpfr_add_d(x + j, x + j, h, MPFR_RNDN);
        ck_assert_int_eq(f(fp, yhat, x, m, &WS), DP_OK);
        mpfr_sub_d(x + j, x + j, 2 * h, MPFR_RNDN);
        ck_assert_int_eq(f(fn, yhat, x, m, &WS), DP_OK);
        mpfr_add_d(x + j, x + j, h, MPFR_RNDN);
        double tol = 0x1p-140 * (1 + mp_abs_d(fp));
        mpfr_sub(fp, fp, fn, MPFR_RNDN);
        mpfr_div_d(fp, fp, 2 * h, MPFR_RNDN);
        ck_assert_msg(err_mp(g + j, fp) <= tol, "%s_%zu = %.17g, differences give %.17g", name,
                      j, mpfr_get_d(g + j, MPFR_RNDN), mpfr_get_d(fp, MPFR_RNDN));
    }
    dp_mpvec_clear(g, m);
    dp_mpvec_clear(fp, 1);
    dp_mpvec_clear(fn, 1);
}

/* dxi/dy_j = -yhat_j / y_j: (0,1,0) at (1/4,1/2,1/4) gives (0, -2, 0) and (1, 2) at (1/2, 1/4)
   gives (-2, -8), exactly; (1) at (3) gives -1/3 within one rounding.  And in MPFR it is the
   derivative of xi (check_fd) at random yhat in [0, 2), y in [1/4, 1). */
START_TEST(test_cce_gradient_worked)
{
    static const struct { size_t m; double yhat[3], y[3]; long num[3]; unsigned long den; } c[] = {
        {3, {0, 1, 0}, {0.25, 0.5, 0.25}, {0, -2, 0}, 1}, {2, {1, 2}, {0.5, 0.25}, {-2, -8}, 1},
        {1, {1}, {3}, {-1}, 3},
    };
    double g[3];
    mpfr_ptr gm = mpv(3), w = mpv(1);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        size_t m = c[i].m;
        mpfr_ptr yh = mpv_d(c[i].yhat, m), y = mpv_d(c[i].y, m);
        ck_assert_int_eq(T->cce_gradient(g, c[i].yhat, c[i].y, m), DP_OK);
        ck_assert_int_eq(T->cce_gradient_mp(gm, yh, y, m, &WS), DP_OK);
        for (size_t j = 0; j < m; j++) {
            mp_q(w, c[i].num[j], c[i].den);
            ck_assert_msg(err_d(g[j], w) <= U53 * mp_abs_d(w), "case %zu: g_%zu = %.17g, want "
                          "%ld/%lu", i, j, g[j], c[i].num[j], c[i].den);
            ck_assert_msg(err_mp(gm + j, w) <= U256 * mp_abs_d(w), "case %zu: g_mp_%zu = %.17g",
                          i, j, mpfr_get_d(gm + j, MPFR_RNDN));
        }
        dp_mpvec_clear(yh, m);
        dp_mpvec_clear(y, m);
    }
    uint64_t seed = 11;
    mpfr_ptr yh = mpv(4), y = mpv(4);
    for (int trial = 0; trial < 20; trial++) {
        size_t m = 1 + trial % 4;
        for (size_t j = 0; j < m; j++) {
            mpfr_set_d(yh + j, dp_rand(&seed, 0, 2), MPFR_RNDN);
            mpfr_set_d(y + j, dp_rand(&seed, 0.25, 1), MPFR_RNDN);
        }
        check_fd(T->cce_mp, T->cce_gradient_mp, yh, y, m, "dxi/dy");
    }
    dp_mpvec_clear(yh, 4);
    dp_mpvec_clear(y, 4);
    dp_mpvec_clear(gm, 3);
    dp_mpvec_clear(w, 1);
}
END_TEST

/* ---- the loss after SoftMax ------------------------------------------------------------------ */

/* xi^yhat(S(z)) at z = (0, ln 2, ln 3), S = (1, 2, 3)/6: yhat = (0,0,1) gives -log(1/2) = ln 2,
   (1,0,0) gives ln 6, (1,1,1) gives ln 6 + ln 3 + ln 2 = 2 ln 6, 0 gives 0.  The logits' own
   rounding (<= 2u ln 3, see test_softmax_worked) moves the loss by <= sum_j |S_j sum yhat -
   yhat_j| 2u ln 3 <= 5u sum yhat.  m = 1: S = (1), so xi = 0 for any yhat. */
START_TEST(test_softmax_cce_worked)
{
    static const struct { double yhat[3]; int ln2, ln3; } c[] = {
        {{0, 0, 1}, 1, 0}, {{1, 0, 0}, 1, 1}, {{1, 1, 1}, 2, 2}, {{0, 0, 0}, 0, 0},
    };
    const double z[3] = {0, log(2.0), log(3.0)}, lse = log(6.0) - log(3.0);
    double loss;
    mpfr_ptr zm = mpv(3), w = mpv(2), l = mpv(1);
    mpfr_log_ui(zm + 1, 2, MPFR_RNDN);
    mpfr_log_ui(zm + 2, 3, MPFR_RNDN);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double A = 0, L = 0, sum = 0;
        for (int j = 0; j < 3; j++) {
            A += c[i].yhat[j] * (z[2] - z[j]);
            L += c[i].yhat[j] * lse;
            sum += c[i].yhat[j];
        }
        mpfr_ptr yh = mpv_d(c[i].yhat, 3);
        mpfr_set_ui(w, 2, MPFR_RNDN);
        mpfr_log(w, w, MPFR_RNDN);
        mpfr_mul_ui(w, w, c[i].ln2, MPFR_RNDN);
        mpfr_log_ui(w + 1, 3, MPFR_RNDN);
        mpfr_mul_ui(w + 1, w + 1, c[i].ln3, MPFR_RNDN);
        mpfr_add(w, w, w + 1, MPFR_RNDN);
        ck_assert_int_eq(T->softmax_cce(&loss, c[i].yhat, z, 3), DP_OK);
        ck_assert_int_eq(T->softmax_cce_mp(l, yh, zm, 3, &WS), DP_OK);
        ck_assert_msg(err_d(loss, w) <= softmax_cce_tol(3, log(3.0), A, L, U53) + 5 * U53 * sum,
                      "case %zu: loss = %.17g, want %.17g", i, loss, mpfr_get_d(w, MPFR_RNDN));
        ck_assert_msg(err_mp(l, w) <= softmax_cce_tol(3, log(3.0), A, L, U256) + 3 * U256 * sum,
                      "case %zu: loss_mp off by %g", i, err_mp(l, w));
        dp_mpvec_clear(yh, 3);
    }
    const double one = 5, three = 3;
    ck_assert_int_eq(T->softmax_cce(&loss, &three, &one, 1), DP_OK);
    ck_assert_msg(loss == 0, "m = 1: loss = %g", loss);
    dp_mpvec_clear(zm, 3);
    dp_mpvec_clear(w, 2);
    dp_mpvec_clear(l, 1);
}
END_TEST

/* The loss after SoftMax is the composition xi^yhat o S: at random z (|z| < 5), yhat in [0, 2),
   it equals cce(yhat, softmax(z)) within both bounds, the second being (m + 2)u sum |yhat_j
   log S_j| plus the propagated SoftMax error, |d log S_j| <= eps_j. */
START_TEST(test_softmax_cce_composition)
{
    uint64_t seed = 12;
    double z[6], yhat[6], S[6], l1, l2;
    for (int trial = 0; trial < 100; trial++) {
        size_t m = 1 + trial % 6;
        double zmax = -INFINITY, D = 0, A = 0, L = 0, tol = 0, sum = 0;
        for (size_t j = 0; j < m; j++) {
            zmax = fmax(zmax, z[j] = dp_rand(&seed, -5, 5));
            yhat[j] = trial % 3 ? dp_rand(&seed, 0, 2) : 0.0;
        }
        ck_assert_int_eq(T->softmax(S, z, m), DP_OK);
        ck_assert_int_eq(T->softmax_cce(&l1, yhat, z, m), DP_OK);
        ck_assert_int_eq(T->cce(&l2, yhat, S, m), DP_OK);
        for (size_t j = 0; j < m; j++)
            sum += exp(z[j] - zmax);
        for (size_t j = 0; j < m; j++) {
            D = fmax(D, zmax - z[j]);
            A += yhat[j] * (zmax - z[j]);
            L += yhat[j] * log(sum); /* l = log sum_j e^{z_j - max z} */
            tol += yhat[j] * (softmax_tol(m, z[j] - zmax, U53) + (m + 2) * U53 * -log(S[j]));
        }
        tol += softmax_cce_tol(m, D, A, L, U53);
        ck_assert_msg(fabs(l1 - l2) <= tol, "xi(S(z)) = %.17g but cce(softmax) = %.17g", l1, l2);
    }
}
END_TEST

/* Finite for any finite logits, and accurate where S_j underflows or rounds to 1: yhat = (0, 1)
   at z = (1e4, -1e4) gives 2e4 + log1p(e^-2e4) = 2e4; (1, 0) there gives log1p(e^-2e4), below the
   smallest subnormal; at (1e300, -1e300, 0), (0,1,0) gives 2e300 and (0,0,1) gives 1e300; at
   (40, 0), (1, 0) gives log1p(e^-40) ~ 4.2e-18 though fl(S_0) = 1.  MPFR: at (1e400, -1e400),
   (0, 1) gives 2e400 exactly (2 z_0; log1p(e^-2e400) is below MPFR's smallest number). */
START_TEST(test_softmax_cce_extreme)
{
    const double a[2] = {1e4, -1e4}, b[3] = {1e300, -1e300, 0}, c[2] = {40, 0};
    const double y01[3] = {0, 1, 0}, y10[2] = {1, 0}, y001[3] = {0, 0, 1};
    double loss;
    ck_assert_int_eq(T->softmax_cce(&loss, y01, a, 2), DP_OK);
    ck_assert_msg(fabs(loss - 2e4) <= softmax_cce_tol(2, 2e4, 2e4, 0, U53), "%.17g", loss);
    ck_assert_int_eq(T->softmax_cce(&loss, y10, a, 2), DP_OK);
    ck_assert_msg(loss >= 0 && loss <= 0x1p-1074, "log1p(e^-2e4) = %g", loss);
    ck_assert_int_eq(T->softmax_cce(&loss, y01, b, 3), DP_OK);
    ck_assert_msg(fabs(loss - 2e300) <= softmax_cce_tol(3, 2e300, 2e300, 0, U53), "%g", loss);
    ck_assert_int_eq(T->softmax_cce(&loss, y001, b, 3), DP_OK);
    ck_assert_msg(fabs(loss - 1e300) <= softmax_cce_tol(3, 2e300, 1e300, 0, U53), "%g", loss);

    mpfr_ptr w = mpv(1), zm = mpv_d(c, 2), yh = mpv_d(y10, 2), l = mpv(1);
    mpfr_set_si(w, -40, MPFR_RNDN);
    mpfr_exp(w, w, MPFR_RNDN);
    mpfr_log1p(w, w, MPFR_RNDN);
    ck_assert_int_eq(T->softmax_cce(&loss, y10, c, 2), DP_OK);
    ck_assert_msg(err_d(loss, w) <= softmax_cce_tol(2, 40, 0, mp_abs_d(w), U53),
                  "loss at (40, 0) = %.17g, want %.17g", loss, mpfr_get_d(w, MPFR_RNDN));
    ck_assert_int_eq(T->softmax_cce_mp(l, yh, zm, 2, &WS), DP_OK);
    ck_assert_msg(err_mp(l, w) <= softmax_cce_tol(2, 40, 0, mp_abs_d(w), U256), "mp: %.17g",
                  mpfr_get_d(l, MPFR_RNDN));

    mpfr_set_str(zm, "1e400", 10, MPFR_RNDN);
    mpfr_neg(zm + 1, zm, MPFR_RNDN);
    mpfr_set_ui(yh, 0, MPFR_RNDN);
    mpfr_set_ui(yh + 1, 1, MPFR_RNDN);
    mpfr_mul_2ui(w, zm, 1, MPFR_RNDN);
    ck_assert_int_eq(T->softmax_cce_mp(l, yh, zm, 2, &WS), DP_OK);
    ck_assert_msg(mpfr_equal_p(l, w), "loss_mp at (1e400, -1e400) = %Lg",
                  mpfr_get_ld(l, MPFR_RNDN));
    dp_mpvec_clear(w, 1);
    dp_mpvec_clear(zm, 2);
    dp_mpvec_clear(yh, 2);
    dp_mpvec_clear(l, 1);
}
END_TEST

/* ---- the gradients of the loss after SoftMax ------------------------------------------------- */

/* At z = (0, ln 2, ln 3), S = (1, 2, 3)/6, in sixths: the document's S - yhat and the true
   S sum(yhat) - yhat.  yhat = (0,0,1): both (1, 2, -3); yhat = (1,1,0), sum 2: S - yhat =
   (-5, -4, 3), 2S - yhat = (-4, -2, 6); yhat = 0: S - 0 = (1, 2, 3), 0 S - 0 = 0.  Bound sg_tol,
   with the logits' rounding added to eps (5u, or 3u in MPFR: see test_softmax_worked).
   m = 1, S = (1): yhat = (3) gives 1 - 3 = -2 and 3 - 3 = 0, exactly. */
static void check_gradient_worked(loss_fn f, loss_fn_mp fm, int general)
{
    static const struct { double yhat[3]; long doc[3], gen[3]; } c[] = {
        {{0, 0, 1}, {1, 2, -3}, {1, 2, -3}},
        {{1, 1, 0}, {-5, -4, 3}, {-4, -2, 6}},
        {{0, 0, 0}, {1, 2, 3}, {0, 0, 0}},
    };
    const char *name = general ? "S sum(yhat) - yhat" : "S - yhat";
    const double z[3] = {0, log(2.0), log(3.0)};
    double g[3];
    mpfr_ptr zm = mpv(3), gm = mpv(3), w = mpv(1);
    mpfr_log_ui(zm + 1, 2, MPFR_RNDN);
    mpfr_log_ui(zm + 2, 3, MPFR_RNDN);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        mpfr_ptr yh = mpv_d(c[i].yhat, 3);
        double sum = c[i].yhat[0] + c[i].yhat[1] + c[i].yhat[2], cc = general ? sum : 1;
        ck_assert_int_eq(f(g, c[i].yhat, z, 3), DP_OK);
        ck_assert_int_eq(fm(gm, yh, zm, 3, &WS), DP_OK);
        for (int j = 0; j < 3; j++) {
            long want6 = general ? c[i].gen[j] : c[i].doc[j];
            double S = (j + 1) / 6.0, eps = softmax_tol(3, z[j] - z[2], U53) + 5 * U53;
            double eps_mp = softmax_tol(3, z[j] - z[2], U256) + 3 * U256;
            mp_q(w, want6, 6);
            ck_assert_msg(err_d(g[j], w) <= sg_tol(general, 3, cc, sum, S, eps, want6 / 6.0, U53),
                          "%s, case %zu: g_%d = %.17g, want %ld/6", name, i, j, g[j], want6);
            ck_assert_msg(err_mp(gm + j, w) <=
                              sg_tol(general, 3, cc, sum, S, eps_mp, want6 / 6.0, U256),
                          "%s (mp), case %zu: g_%d = %.17g, want %ld/6", name, i, j,
                          mpfr_get_d(gm + j, MPFR_RNDN), want6);
        }
        dp_mpvec_clear(yh, 3);
    }
    const double one = 5, three = 3;
    ck_assert_int_eq(f(g, &three, &one, 1), DP_OK);
    ck_assert_msg(g[0] == (general ? 0 : -2), "%s at m = 1: %g", name, g[0]);
    dp_mpvec_clear(zm, 3);
    dp_mpvec_clear(gm, 3);
    dp_mpvec_clear(w, 1);
}

/* Extreme logits: at (1e300, -1e300), S = (1, ~0), so with yhat = (0, 1) both gradients are
   (1, -1) within eps + u; in MPFR the same at (1e400, -1e400).  A confident prediction keeps its
   small gradient: at z = (40, 0) with yhat = (1, 0) both are S - yhat = (-s, s),
   s = e^-40/(1 + e^-40) ~ 4.2e-18, although fl(S_0) = 1; relative bound softmax_tol(2, 40) + 2u
   (s is t/(1 + t) with t = e^-40: the same roundings as a SoftMax component, and the final
   subtraction and fma). */
static void check_gradient_extreme(loss_fn f, loss_fn_mp fm, const char *name)
{
    const double z[2] = {1e300, -1e300}, yhat[2] = {0, 1}, c[2] = {40, 0}, y10[2] = {1, 0};
    double g[2];
    ck_assert_int_eq(f(g, yhat, z, 2), DP_OK);
    ck_assert_msg(fabs(g[0] - 1) <= softmax_tol(2, 0, U53) + U53 && fabs(g[1] + 1) <= U53,
                  "%s at (1e300, -1e300) = (%.17g, %.17g)", name, g[0], g[1]);
    mpfr_ptr zm = mpv(2), yh = mpv_d(yhat, 2), gm = mpv(2), s = mpv(1);
    mpfr_set_str(zm, "1e400", 10, MPFR_RNDN);
    mpfr_neg(zm + 1, zm, MPFR_RNDN);
    ck_assert_int_eq(fm(gm, yh, zm, 2, &WS), DP_OK);
    ck_assert_msg(fabs(mpfr_get_d(gm, MPFR_RNDN) - 1) <= softmax_tol(2, 0, U256) + U256 &&
                      mp_is(gm + 1, -1),
                  "%s (mp) at (1e400, -1e400) = (%.17g, %.17g)", name,
                  mpfr_get_d(gm, MPFR_RNDN), mpfr_get_d(gm + 1, MPFR_RNDN));

    mpfr_set_si(s, -40, MPFR_RNDN);
    mpfr_exp(s, s, MPFR_RNDN);
    mpfr_add_ui(gm, s, 1, MPFR_RNDN);
    mpfr_div(s, s, gm, MPFR_RNDN);
    mpfr_set_d(zm, 40, MPFR_RNDN);
    mpfr_set_d(zm + 1, 0, MPFR_RNDN);
    mpfr_set_d(yh, 1, MPFR_RNDN);
    mpfr_set_d(yh + 1, 0, MPFR_RNDN);
    ck_assert_int_eq(f(g, y10, c, 2), DP_OK);
    ck_assert_int_eq(fm(gm, yh, zm, 2, &WS), DP_OK);
    double tol = softmax_tol(2, 40, U53) + 2 * U53, tol_mp = softmax_tol(2, 40, U256) + 2 * U256;
    for (int j = 0; j < 2; j++) {
        mpfr_set(zm, s, MPFR_RNDN);
        if (j == 0)
            mpfr_neg(zm, zm, MPFR_RNDN);
        ck_assert_msg(err_d(g[j], zm) <= tol * mp_abs_d(s), "%s at (40, 0): g_%d = %.17g, want "
                      "%.17g", name, j, g[j], mpfr_get_d(zm, MPFR_RNDN));
        ck_assert_msg(err_mp(gm + j, zm) <= tol_mp * mp_abs_d(s), "%s (mp) at (40, 0): g_%d = "
                      "%.17g", name, j, mpfr_get_d(gm + j, MPFR_RNDN));
    }
    dp_mpvec_clear(zm, 2);
    dp_mpvec_clear(yh, 2);
    dp_mpvec_clear(gm, 2);
    dp_mpvec_clear(s, 1);
}

START_TEST(test_softmax_cce_gradient_worked)
{
    check_gradient_worked(T->softmax_cce_gradient, T->softmax_cce_gradient_mp, 0);
    check_gradient_extreme(T->softmax_cce_gradient, T->softmax_cce_gradient_mp, "S - yhat");
}
END_TEST

START_TEST(test_softmax_cce_gradient_general_worked)
{
    check_gradient_worked(T->softmax_cce_gradient_general, T->softmax_cce_gradient_general_mp, 1);
    check_gradient_extreme(T->softmax_cce_gradient_general, T->softmax_cce_gradient_general_mp,
                           "S sum(yhat) - yhat");
}
END_TEST

/* The true gradient is the chain rule of section 2 applied to xi^yhat o S:
   g_j = sum_j' dxi/dy_j'(S) dS_j'/dz_j = sum_j' (-yhat_j' / S_j') J_j'j, at random z (|z| < 5),
   yhat in [0, 2); each term errs by <= (eps + jac + 3u) relative (a quotient, a Jacobian entry,
   a product) and the sum adds (m - 1)u, both of sum_j' |term|, plus sg_tol.  Where sum yhat = 1
   (dyadic yhat: the sum is exact) it is the document's S - yhat, to the last bit.  In MPFR it is
   the derivative of the loss after SoftMax (check_fd). */
START_TEST(test_softmax_cce_gradient_general_chain)
{
    static const double unit[4] = {0.125, 0.375, 0, 0.5}; /* sums to 1 exactly */
    uint64_t seed = 13;
    double z[4], yhat[4], S[4], gx[4], J[16], g[4], gdoc[4];
    mpfr_ptr zm = mpv(4), yh = mpv(4);
    for (int trial = 0; trial < 100; trial++) {
        size_t m = 1 + trial % 4;
        double zmax = -INFINITY, D = 0, sum = 0;
        for (size_t j = 0; j < m; j++) {
            zmax = fmax(zmax, z[j] = dp_rand(&seed, -5, 5));
            sum += yhat[j] = dp_rand(&seed, 0, 2);
        }
        for (size_t j = 0; j < m; j++)
            D = fmax(D, zmax - z[j]);
        double eps = softmax_tol(m, D, U53), jac = 2 * eps + m * U53;
        ck_assert_int_eq(T->softmax(S, z, m), DP_OK);
        ck_assert_int_eq(T->cce_gradient(gx, yhat, S, m), DP_OK);
        ck_assert_int_eq(T->softmax_jacobian(J, z, m), DP_OK);
        ck_assert_int_eq(T->softmax_cce_gradient_general(g, yhat, z, m), DP_OK);
        for (size_t j = 0; j < m; j++) {
            double chain = 0, mag = 0;
            for (size_t k = 0; k < m; k++) {
                chain += gx[k] * J[k * m + j];
                mag += fabs(gx[k] * J[k * m + j]);
            }
            double tol = (eps + jac + (m + 2) * U53) * mag +
                         sg_tol(1, m, sum, sum, S[j], eps, g[j], U53);
            ck_assert_msg(fabs(g[j] - chain) <= tol, "g_%zu = %.17g, chain rule %.17g (m = %zu)",
                          j, g[j], chain, m);
        }
        if (m == 4) {
            ck_assert_int_eq(T->softmax_cce_gradient_general(g, unit, z, m), DP_OK);
            ck_assert_int_eq(T->softmax_cce_gradient(gdoc, unit, z, m), DP_OK);
            for (size_t j = 0; j < m; j++)
                ck_assert_msg(g[j] == gdoc[j], "sum yhat = 1: %.17g != %.17g", g[j], gdoc[j]);
        }
        for (size_t j = 0; j < m; j++) {
            mpfr_set_d(zm + j, z[j], MPFR_RNDN);
            mpfr_set_d(yh + j, yhat[j], MPFR_RNDN);
        }
        check_fd(T->softmax_cce_mp, T->softmax_cce_gradient_general_mp, yh, zm, m,
                 "d(xi o S)/dz");
    }
    dp_mpvec_clear(zm, 4);
    dp_mpvec_clear(yh, 4);
}
END_TEST

/* ---- double against MPFR, and bad arguments -------------------------------------------------- */

/* At random instances (m = 1..6, |z| < 30, yhat in [0, 2) with zeros, y in (0, 1]) each double
   function is within its bound of its 256-bit twin: cce (m + 2)u sum |yhat_j log y_j|, its
   gradient u |g_j| (one quotient), the loss after SoftMax softmax_cce_tol, its gradients sg_tol.
   The bounds are evaluated in double: their own rounding is second order. */
START_TEST(test_loss_vs_mpfr)
{
    uint64_t seed = 14;
    double z[6], yhat[6], y[6], g[6], l, A, L, D, zmax, e, sum, sumabs;
    mpfr_ptr zm = mpv(6), yh = mpv(6), ym = mpv(6), gm = mpv(6), lm = mpv(1);
    for (int trial = 0; trial < 200; trial++) {
        size_t m = 1 + trial % 6;
        zmax = -INFINITY, A = L = D = e = sum = sumabs = 0;
        for (size_t j = 0; j < m; j++) {
            zmax = fmax(zmax, z[j] = dp_rand(&seed, -30, 30));
            yhat[j] = dp_rand(&seed, -1, 2) < 0 ? 0 : dp_rand(&seed, 0, 2);
            y[j] = dp_rand(&seed, 0x1p-20, 1);
            mpfr_set_d(zm + j, z[j], MPFR_RNDN);
            mpfr_set_d(yh + j, yhat[j], MPFR_RNDN);
            mpfr_set_d(ym + j, y[j], MPFR_RNDN);
            sum += yhat[j];
            sumabs += fabs(yhat[j]);
        }
        for (size_t j = 0; j < m; j++) {
            D = fmax(D, zmax - z[j]);
            e += exp(z[j] - zmax);
        }
        for (size_t j = 0; j < m; j++) {
            A += yhat[j] * (zmax - z[j]);
            L += yhat[j] * log(e);
        }
        ck_assert_int_eq(T->cce(&l, yhat, y, m), DP_OK);
        ck_assert_int_eq(T->cce_mp(lm, yh, ym, m, &WS), DP_OK);
        double tol = 0;
        for (size_t j = 0; j < m; j++)
            tol += (m + 2) * (U53 + U256) * fabs(yhat[j] * log(y[j]));
        ck_assert_msg(err_d(l, lm) <= tol, "cce = %.17g, 256-bit %.17g", l, mpfr_get_d(lm, 0));
        ck_assert_int_eq(T->cce_gradient(g, yhat, y, m), DP_OK);
        ck_assert_int_eq(T->cce_gradient_mp(gm, yh, ym, m, &WS), DP_OK);
        for (size_t j = 0; j < m; j++)
            ck_assert_msg(err_d(g[j], gm + j) <= (U53 + U256) * fabs(g[j]),
                          "dxi/dy_%zu = %.17g, 256-bit %.17g", j, g[j], mpfr_get_d(gm + j, 0));
        ck_assert_int_eq(T->softmax_cce(&l, yhat, z, m), DP_OK);
        ck_assert_int_eq(T->softmax_cce_mp(lm, yh, zm, m, &WS), DP_OK);
        ck_assert_msg(err_d(l, lm) <= softmax_cce_tol(m, D, A, L, U53) +
                                          softmax_cce_tol(m, D, A, L, U256),
                      "xi(S(z)) = %.17g, 256-bit %.17g", l, mpfr_get_d(lm, 0));
        for (int general = 0; general < 2; general++) {
            ck_assert_int_eq((general ? T->softmax_cce_gradient_general
                                      : T->softmax_cce_gradient)(g, yhat, z, m), DP_OK);
            ck_assert_int_eq((general ? T->softmax_cce_gradient_general_mp
                                      : T->softmax_cce_gradient_mp)(gm, yh, zm, m, &WS), DP_OK);
            double c = general ? sum : 1;
            for (size_t j = 0; j < m; j++) {
                double S = exp(z[j] - zmax) / e, d = z[j] - zmax;
                double t = sg_tol(general, m, c, sumabs, S, softmax_tol(m, d, U53), g[j], U53) +
                           sg_tol(general, m, c, sumabs, S, softmax_tol(m, d, U256), g[j], U256);
                ck_assert_msg(err_d(g[j], gm + j) <= t * (1 + 0x1p-40), /* S, e: in double */
                              "%s g_%zu = %.17g, 256-bit %.17g", general ? "general" : "doc", j,
                              g[j], mpfr_get_d(gm + j, 0));
            }
        }
    }
    dp_mpvec_clear(zm, 6);
    dp_mpvec_clear(yh, 6);
    dp_mpvec_clear(ym, 6);
    dp_mpvec_clear(gm, 6);
    dp_mpvec_clear(lm, 1);
}
END_TEST

/* Bad arguments of the six functions (out, yhat, x, m): m = 0 is DP_EDIM, a NULL array
   DP_EINVAL, a NaN or +-inf in yhat or x DP_EDOMAIN, double and MPFR alike. */
static void check_bad_arguments(loss_fn f, loss_fn_mp fm, const char *name)
{
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    double yhat[3] = {0, 1, 0}, x[3] = {0.25, 0.5, 0.25}, out[3];
    mpfr_ptr yh = mpv_d(yhat, 3), xm = mpv_d(x, 3), om = mpv(3);
    ck_assert_msg(f(out, yhat, x, 0) == DP_EDIM && fm(om, yh, xm, 0, &WS) == DP_EDIM,
                  "%s: m = 0", name);
    ck_assert_msg(f(NULL, yhat, x, 3) == DP_EINVAL && f(out, NULL, x, 3) == DP_EINVAL &&
                      f(out, yhat, NULL, 3) == DP_EINVAL, "%s: NULL", name);
    ck_assert_msg(fm(NULL, yh, xm, 3, &WS) == DP_EINVAL && fm(om, NULL, xm, 3, &WS) == DP_EINVAL &&
                      fm(om, yh, NULL, 3, &WS) == DP_EINVAL, "%s_mp: NULL", name);
    for (int b = 0; b < 6; b++) {
        double *v = b < 3 ? yhat : x;
        mpfr_ptr vm = b < 3 ? yh : xm;
        v[1] = bad[b % 3];
        mpfr_set_d(vm + 1, bad[b % 3], MPFR_RNDN);
        ck_assert_msg(f(out, yhat, x, 3) == DP_EDOMAIN && fm(om, yh, xm, 3, &WS) == DP_EDOMAIN,
                      "%s: %s_1 = %g", name, b < 3 ? "yhat" : "x", bad[b % 3]);
        v[1] = b < 3 ? 1 : 0.5;
        mpfr_set_d(vm + 1, v[1], MPFR_RNDN);
    }
    dp_mpvec_clear(yh, 3);
    dp_mpvec_clear(xm, 3);
    dp_mpvec_clear(om, 3);
}

/* The domains of the cross-entropy: y_j must be > 0 where yhat_j != 0 (y_j = 0, -0.0 or -1/2
   there is DP_EDOMAIN), and its gradient -yhat_j / y_j needs every y_j > 0 (y_j = 0 where
   yhat_j = 0 is DP_EDOMAIN too). */
START_TEST(test_loss_bad_arguments)
{
    check_bad_arguments(T->cce, T->cce_mp, "cce");
    check_bad_arguments(T->cce_gradient, T->cce_gradient_mp, "cce_gradient");
    check_bad_arguments(T->softmax_cce, T->softmax_cce_mp, "softmax_cce");
    check_bad_arguments(T->softmax_cce_gradient, T->softmax_cce_gradient_mp,
                        "softmax_cce_gradient");
    check_bad_arguments(T->softmax_cce_gradient_general, T->softmax_cce_gradient_general_mp,
                        "softmax_cce_gradient_general");
    const double yhat[2] = {0, 1}, outside[3] = {0, -0.0, -0.5};
    double y[2] = {0.5, 0.5}, out[2];
    mpfr_ptr yh = mpv_d(yhat, 2), ym = mpv_d(y, 2), om = mpv(2);
    for (int b = 0; b < 3; b++) {
        y[1] = outside[b];
        mpfr_set_d(ym + 1, outside[b], MPFR_RNDN);
        ck_assert_msg(T->cce(out, yhat, y, 2) == DP_EDOMAIN, "cce: y_1 = %g", outside[b]);
        ck_assert_msg(T->cce_mp(om, yh, ym, 2, &WS) == DP_EDOMAIN, "cce_mp: y_1 = %g",
                      outside[b]);
    }
    y[1] = 0.5;
    y[0] = 0;
    mpfr_set_d(ym + 1, 0.5, MPFR_RNDN);
    mpfr_set_d(ym, 0, MPFR_RNDN);
    ck_assert_int_eq(T->cce_gradient(out, yhat, y, 2), DP_EDOMAIN);
    ck_assert_int_eq(T->cce_gradient_mp(om, yh, ym, 2, &WS), DP_EDOMAIN);
    dp_mpvec_clear(yh, 2);
    dp_mpvec_clear(ym, 2);
    dp_mpvec_clear(om, 2);
}
END_TEST

Suite *loss_suite(void)
{
    Suite *s = suite_create("loss");
    tcase_add_test(dp_tcase(s, "cce_values"), test_cce_worked);
    tcase_add_test(dp_tcase(s, "cce_gradient_values"), test_cce_gradient_worked);
    TCase *sv = dp_tcase(s, "softmax_cce_values");
    tcase_add_test(sv, test_softmax_cce_worked);
    tcase_add_test(sv, test_softmax_cce_composition);
    tcase_add_test(dp_tcase(s, "softmax_cce_extreme"), test_softmax_cce_extreme);
    tcase_add_test(dp_tcase(s, "softmax_cce_gradient_values"), test_softmax_cce_gradient_worked);
    TCase *gg = dp_tcase(s, "softmax_cce_gradient_general");
    tcase_add_test(gg, test_softmax_cce_gradient_general_worked);
    tcase_add_test(gg, test_softmax_cce_gradient_general_chain);
    tcase_add_test(dp_tcase(s, "loss_vs_mpfr"), test_loss_vs_mpfr);
    tcase_add_test(dp_tcase(s, "loss_errors"), test_loss_bad_arguments);
    return s;
}
