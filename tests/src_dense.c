/* src_dense.c -- Check suite of section 4's dense layers: L(y, W, b) = y W^T + b (y is (m), W is
   (mo x m) row-major, b is (mo)), its partials dL/dy = W, dL_j'/dw = y, dL/db = I, and the
   partials of F o L and F_up o ReLU o L, double and MPFR: values derived by hand, the chain rule,
   the double functions against their 256-bit MPFR twins, and bad arguments.  Small integers
   make every double operation exact, so many checks here are equalities. */
#include <math.h>
#include "impl.h"

/* The instance of the worked tests: m = 2, mo = 3, W not square, so that W and W^T differ. */
static const double Y[2] = {1, 2}, W[6] = {1, 2, 3, 4, 5, 6}, B[3] = {0.5, -1, 2};

static void check_exact(const double *got, mpfr_srcptr got_mp, const double *want, size_t n,
                        const char *what)
{
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(got[i] == want[i], "%s[%zu] = %.17g, want %.17g", what, i, got[i], want[i]);
        ck_assert_msg(mp_is(got_mp + i, want[i]), "%s_mp[%zu] = %.17g, want %.17g",
                      what, i, mpfr_get_d(got_mp + i, MPFR_RNDN), want[i]);
    }
}

/* ---- L(y, W, b) ------------------------------------------------------------------------------ */

/* L((1, 2), [[1, 2], [3, 4], [5, 6]], (1/2, -1, 2)) = (1 + 4 + 1/2, 3 + 8 - 1, 5 + 12 + 2)
   = (5.5, 10, 19); m = mo = 1: L(3, 2, -6) = 0; L(0, W, 0) = 0.  All exact. */
START_TEST(test_dense_worked)
{
    static const double want[3] = {5.5, 10, 19}, zero[3] = {0, 0, 0};
    double out[3];
    mpfr_ptr y = mpv_d(Y, 2), w = mpv_d(W, 6), b = mpv_d(B, 3), om = mpv(3), z = mpv(3);
    ck_assert_int_eq(T->dense(out, Y, W, B, 2, 3), DP_OK);
    ck_assert_int_eq(T->dense_mp(om, y, w, b, 2, 3, &WS), DP_OK);
    check_exact(out, om, want, 3, "L");
    const double y1 = 3, w1 = 2, b1 = -6;
    mpfr_set_d(y, y1, MPFR_RNDN);
    mpfr_set_d(w, w1, MPFR_RNDN);
    mpfr_set_d(b, b1, MPFR_RNDN);
    ck_assert_int_eq(T->dense(out, &y1, &w1, &b1, 1, 1), DP_OK);
    ck_assert_int_eq(T->dense_mp(om, y, w, b, 1, 1, &WS), DP_OK);
    check_exact(out, om, zero, 1, "L(3, 2, -6)");
    ck_assert_int_eq(T->dense(out, zero, W, zero, 2, 3), DP_OK);
    ck_assert_int_eq(T->dense_mp(om, z, w, z, 2, 3, &WS), DP_OK);
    check_exact(out, om, zero, 3, "L(0, W, 0)");
    dp_mpvec_clear(y, 2);
    dp_mpvec_clear(w, 6);
    dp_mpvec_clear(b, 3);
    dp_mpvec_clear(om, 3);
    dp_mpvec_clear(z, 3);
}
END_TEST

/* The document's partials of the affine L are the differences of L itself (exact with small
   integers): column j of dL/dy = W is L(y + e_j) - L(y); dL_j'/dw = y has entry j equal to
   L(y, W + E_j'j, b)_j' - L(y, W, b)_j'; column k of dL/db = I is L(y, W, b + e_k) - L(y, W, b).
   Double and MPFR. */
START_TEST(test_dense_partials)
{
    double J[9], g[2], L0[3], L1[3], y[2] = {1, 2}, w[6] = {1, 2, 3, 4, 5, 6}, b[3] = {0.5, -1, 2};
    mpfr_ptr Jm = mpv(9), gm = mpv(2), ym = mpv_d(Y, 2), wm = mpv_d(W, 6);
    ck_assert_int_eq(T->dense(L0, y, w, b, 2, 3), DP_OK);
    ck_assert_int_eq(T->dense_jacobian_y(J, W, 2, 3), DP_OK);
    ck_assert_int_eq(T->dense_jacobian_y_mp(Jm, wm, 2, 3, &WS), DP_OK);
    check_exact(J, Jm, W, 6, "dL/dy");
    for (int j = 0; j < 2; j++) {
        y[j] += 1;
        ck_assert_int_eq(T->dense(L1, y, w, b, 2, 3), DP_OK);
        y[j] -= 1;
        for (int jp = 0; jp < 3; jp++)
            ck_assert_msg(J[jp * 2 + j] == L1[jp] - L0[jp], "dL_%d/dy_%d", jp, j);
    }
    ck_assert_int_eq(T->dense_gradient_w(g, Y, 2), DP_OK);
    ck_assert_int_eq(T->dense_gradient_w_mp(gm, ym, 2, &WS), DP_OK);
    check_exact(g, gm, Y, 2, "dL_j/dw");
    for (int i = 0; i < 6; i++) {
        w[i] += 1;
        ck_assert_int_eq(T->dense(L1, y, w, b, 2, 3), DP_OK);
        w[i] -= 1;
        ck_assert_msg(g[i % 2] == L1[i / 2] - L0[i / 2], "dL_%d/dW_%d%d", i / 2, i / 2, i % 2);
    }
    static const double I3[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    ck_assert_int_eq(T->dense_jacobian_b(J, 3), DP_OK);
    ck_assert_int_eq(T->dense_jacobian_b_mp(Jm, 3, &WS), DP_OK);
    check_exact(J, Jm, I3, 9, "dL/db");
    for (int k = 0; k < 3; k++) {
        b[k] += 1;
        ck_assert_int_eq(T->dense(L1, y, w, b, 2, 3), DP_OK);
        b[k] -= 1;
        for (int jp = 0; jp < 3; jp++)
            ck_assert_msg(J[jp * 3 + k] == L1[jp] - L0[jp], "dL_%d/db_%d", jp, k);
    }
    dp_mpvec_clear(Jm, 9);
    dp_mpvec_clear(gm, 2);
    dp_mpvec_clear(ym, 2);
    dp_mpvec_clear(wm, 6);
}
END_TEST

/* ---- partials of F o L ----------------------------------------------------------------------- */

/* With delta = (1, -1, 2) at y = (1, 2), W = [[1, 2], [3, 4], [5, 6]]: g_y = delta W =
   (1 - 3 + 10, 2 - 4 + 12) = (8, 10), g_W[j'][j] = delta_j' y_j = [[1, 2], [-1, -2], [2, 4]],
   g_b = delta.  And the chain rule with the partials: g_y = delta dL/dy, row j' of g_W =
   delta_j' dL_j'/dw, g_b = delta dL/db; for the linear F(v) = delta . v, g_y_j is also
   F(L(y + e_j)) - F(L(y)).  All exact. */
START_TEST(test_dense_backward)
{
    static const double delta[3] = {1, -1, 2}, gy_want[2] = {8, 10};
    static const double gW_want[6] = {1, 2, -1, -2, 2, 4};
    double gy[2], gW[6], gb[3], J[9], gw[2], L0[3], L1[3], y[2] = {1, 2};
    mpfr_ptr ym = mpv_d(Y, 2), wm = mpv_d(W, 6), dm = mpv_d(delta, 3);
    mpfr_ptr gym = mpv(2), gWm = mpv(6), gbm = mpv(3);
    ck_assert_int_eq(T->dense_backward(gy, gW, gb, Y, W, delta, 2, 3), DP_OK);
    ck_assert_int_eq(T->dense_backward_mp(gym, gWm, gbm, ym, wm, dm, 2, 3, &WS), DP_OK);
    check_exact(gy, gym, gy_want, 2, "g_y");
    check_exact(gW, gWm, gW_want, 6, "g_W");
    check_exact(gb, gbm, delta, 3, "g_b");
    ck_assert_int_eq(T->dense_jacobian_y(J, W, 2, 3), DP_OK);
    ck_assert_int_eq(T->dense_gradient_w(gw, Y, 2), DP_OK);
    ck_assert_int_eq(T->dense(L0, y, W, B, 2, 3), DP_OK);
    for (int j = 0; j < 2; j++) {
        double chain = 0, diff = 0;
        for (int jp = 0; jp < 3; jp++)
            chain += delta[jp] * J[jp * 2 + j];
        y[j] += 1;
        ck_assert_int_eq(T->dense(L1, y, W, B, 2, 3), DP_OK);
        y[j] -= 1;
        for (int jp = 0; jp < 3; jp++)
            diff += delta[jp] * (L1[jp] - L0[jp]);
        ck_assert_msg(gy[j] == chain && gy[j] == diff, "g_y_%d = %g, chain rule %g, F(L(y + "
                      "e_j)) - F(L(y)) = %g", j, gy[j], chain, diff);
    }
    for (int i = 0; i < 6; i++)
        ck_assert_msg(gW[i] == delta[i / 2] * gw[i % 2], "g_W[%d][%d]", i / 2, i % 2);
    ck_assert_int_eq(T->dense_jacobian_b(J, 3), DP_OK);
    for (int k = 0; k < 3; k++)
        ck_assert(gb[k] == delta[0] * J[k] + delta[1] * J[3 + k] + delta[2] * J[6 + k]);
    dp_mpvec_clear(ym, 2);
    dp_mpvec_clear(wm, 6);
    dp_mpvec_clear(dm, 3);
    dp_mpvec_clear(gym, 2);
    dp_mpvec_clear(gWm, 6);
    dp_mpvec_clear(gbm, 3);
}
END_TEST

/* ---- partials of F_up o ReLU o L ------------------------------------------------------------- */

/* At y = (1, 2), W = [[1, 2], [3, 4], [5, 6]], b = (-5, -12, 2): L = (0, -1, 19), so with
   ReLU'(0) = 0 only the third row passes: g_up = (3, 5, -1) gives g_b = (0, 0, -1),
   g_W = [[0, 0], [0, 0], [-1, -2]], g_y = -1 * (5, 6) = (-5, -6).  Exact. */
START_TEST(test_dense_relu_backward_worked)
{
    static const double b[3] = {-5, -12, 2}, gup[3] = {3, 5, -1};
    static const double gb_want[3] = {0, 0, -1}, gW_want[6] = {0, 0, 0, 0, -1, -2};
    static const double gy_want[2] = {-5, -6};
    double gy[2], gW[6], gb[3];
    mpfr_ptr ym = mpv_d(Y, 2), wm = mpv_d(W, 6), bm = mpv_d(b, 3), um = mpv_d(gup, 3);
    mpfr_ptr gym = mpv(2), gWm = mpv(6), gbm = mpv(3);
    ck_assert_int_eq(T->dense_relu_backward(gy, gW, gb, Y, W, b, gup, 2, 3), DP_OK);
    ck_assert_int_eq(T->dense_relu_backward_mp(gym, gWm, gbm, ym, wm, bm, um, 2, 3, &WS), DP_OK);
    check_exact(gb, gbm, gb_want, 3, "g_b");
    check_exact(gW, gWm, gW_want, 6, "g_W");
    check_exact(gy, gym, gy_want, 2, "g_y");
    dp_mpvec_clear(ym, 2);
    dp_mpvec_clear(wm, 6);
    dp_mpvec_clear(bm, 3);
    dp_mpvec_clear(um, 3);
    dp_mpvec_clear(gym, 2);
    dp_mpvec_clear(gWm, 6);
    dp_mpvec_clear(gbm, 3);
}
END_TEST

/* The chain rule through ReLU: the partials of F_up o ReLU o L are those of F o L with
   delta = g_up dReLU/dz(L(y)), i.e. dense_backward fed with g_up (.) 1[L > 0].  At random small
   integers (|.| <= 3, so that L = 0, the kink, is frequent) every operation is exact on both
   sides, in double and in MPFR: equality. */
START_TEST(test_dense_relu_backward_chain)
{
    uint64_t seed = 21;
    double y[4], w[16], b[4], gup[4], L[4], R[16], delta[4];
    double gy[4], gW[16], gb[4], hy[4], hW[16], hb[4];
    mpfr_ptr ym = mpv(4), wm = mpv(16), bm = mpv(4), um = mpv(4), gym = mpv(4), gWm = mpv(16),
             gbm = mpv(4);
    for (int trial = 0; trial < 200; trial++) {
        size_t m = 1 + trial % 4, mo = 1 + trial / 4 % 4;
        double *all[4] = {y, w, b, gup};
        mpfr_ptr allm[4] = {ym, wm, bm, um};
        size_t len[4] = {m, m * mo, mo, mo};
        for (int a = 0; a < 4; a++)
            for (size_t i = 0; i < len[a]; i++) {
                all[a][i] = floor(dp_rand(&seed, -3, 4));
                mpfr_set_d(allm[a] + i, all[a][i], MPFR_RNDN);
            }
        ck_assert_int_eq(T->dense(L, y, w, b, m, mo), DP_OK);
        ck_assert_int_eq(T->relu_jacobian(R, L, mo), DP_OK);
        for (size_t jp = 0; jp < mo; jp++)
            delta[jp] = gup[jp] * R[jp * mo + jp];
        ck_assert_int_eq(T->dense_backward(hy, hW, hb, y, w, delta, m, mo), DP_OK);
        ck_assert_int_eq(T->dense_relu_backward(gy, gW, gb, y, w, b, gup, m, mo), DP_OK);
        ck_assert_int_eq(T->dense_relu_backward_mp(gym, gWm, gbm, ym, wm, bm, um, m, mo, &WS),
                         DP_OK);
        check_exact(gb, gbm, hb, mo, "g_b");
        check_exact(gW, gWm, hW, m * mo, "g_W");
        check_exact(gy, gym, hy, m, "g_y");
    }
    dp_mpvec_clear(ym, 4);
    dp_mpvec_clear(wm, 16);
    dp_mpvec_clear(bm, 4);
    dp_mpvec_clear(um, 4);
    dp_mpvec_clear(gym, 4);
    dp_mpvec_clear(gWm, 16);
    dp_mpvec_clear(gbm, 4);
}
END_TEST

/* ---- double against MPFR, and bad arguments -------------------------------------------------- */

/* Each sum of products below is a chain of fma's: n terms err by <= (n + 1)u times the sum of
   their absolute values (gamma_n, Higham 3.1), in double and in MPFR (u = 2^-256). */
static double dot_tol(size_t n, double absum)
{
    return (n + 1) * (U53 + U256) * absum;
}

/* At random reals in [-2, 2] (m, mo = 1..5): L within dot_tol(m) of (|b| + sum |W y|); the
   partials dL/dy, dL/dw, dL/db and g_b are copies, equal; g_y within dot_tol(mo) of
   sum |delta W|; g_W one product, u |g|.  For ReLU o L, y, W and b are multiples of 1/16 so that
   L, hence the indicator 1[L > 0], is exact in both, and g_up is real: the same bounds. */
START_TEST(test_dense_vs_mpfr)
{
    uint64_t seed = 22;
    double y[5], w[25], b[5], d[5], o[25], gy[5], gW[25], gb[5];
    mpfr_ptr ym = mpv(5), wm = mpv(25), bm = mpv(5), dm = mpv(5), om = mpv(25);
    mpfr_ptr gym = mpv(5), gWm = mpv(25), gbm = mpv(5);
    for (int trial = 0; trial < 200; trial++) {
        size_t m = 1 + trial % 5, mo = 1 + trial / 5 % 5;
        int grid = trial % 2; /* odd trials: y, W, b on the grid of 1/16 */
        double *all[4] = {y, w, b, d};
        mpfr_ptr allm[4] = {ym, wm, bm, dm};
        size_t len[4] = {m, m * mo, mo, mo};
        for (int a = 0; a < 4; a++)
            for (size_t i = 0; i < len[a]; i++) {
                all[a][i] = dp_rand(&seed, -2, 2);
                if (grid && a < 3)
                    all[a][i] = floor(all[a][i] * 16) / 16;
                mpfr_set_d(allm[a] + i, all[a][i], MPFR_RNDN);
            }
        ck_assert_int_eq(T->dense(o, y, w, b, m, mo), DP_OK);
        ck_assert_int_eq(T->dense_mp(om, ym, wm, bm, m, mo, &WS), DP_OK);
        for (size_t jp = 0; jp < mo; jp++) {
            double absum = fabs(b[jp]);
            for (size_t j = 0; j < m; j++)
                absum += fabs(w[jp * m + j] * y[j]);
            ck_assert_msg(err_d(o[jp], om + jp) <= dot_tol(m, absum), "L_%zu = %.17g vs %.17g",
                          jp, o[jp], mpfr_get_d(om + jp, MPFR_RNDN));
        }
        ck_assert_int_eq(T->dense_jacobian_y(o, w, m, mo), DP_OK);
        ck_assert_int_eq(T->dense_jacobian_y_mp(om, wm, m, mo, &WS), DP_OK);
        check_exact(o, om, w, m * mo, "dL/dy");
        ck_assert_int_eq(T->dense_gradient_w(o, y, m), DP_OK);
        ck_assert_int_eq(T->dense_gradient_w_mp(om, ym, m, &WS), DP_OK);
        check_exact(o, om, y, m, "dL_j/dw");
        for (int relu = 0; relu < 1 + grid; relu++) {
            if (relu) {
                ck_assert_int_eq(T->dense_relu_backward(gy, gW, gb, y, w, b, d, m, mo), DP_OK);
                ck_assert_int_eq(T->dense_relu_backward_mp(gym, gWm, gbm, ym, wm, bm, dm, m, mo,
                                                           &WS), DP_OK);
                ck_assert_int_eq(T->dense(o, y, w, b, m, mo), DP_OK); /* exact: the indicator */
            } else {
                ck_assert_int_eq(T->dense_backward(gy, gW, gb, y, w, d, m, mo), DP_OK);
                ck_assert_int_eq(T->dense_backward_mp(gym, gWm, gbm, ym, wm, dm, m, mo, &WS),
                                 DP_OK);
            }
            double delta[5];
            for (size_t jp = 0; jp < mo; jp++)
                delta[jp] = relu && !(o[jp] > 0) ? 0.0 : d[jp];
            check_exact(gb, gbm, delta, mo, relu ? "relu g_b" : "g_b");
            for (size_t j = 0; j < m; j++) {
                double absum = 0;
                for (size_t jp = 0; jp < mo; jp++)
                    absum += fabs(delta[jp] * w[jp * m + j]);
                ck_assert_msg(err_d(gy[j], gym + j) <= dot_tol(mo, absum),
                              "%sg_y_%zu = %.17g vs %.17g", relu ? "relu " : "", j, gy[j],
                              mpfr_get_d(gym + j, MPFR_RNDN));
            }
            for (size_t i = 0; i < m * mo; i++)
                ck_assert_msg(err_d(gW[i], gWm + i) <= (U53 + U256) * fabs(gW[i]) &&
                                  fabs(gW[i] - delta[i / m] * y[i % m]) <= U53 * fabs(gW[i]),
                              "%sg_W[%zu] = %.17g vs %.17g", relu ? "relu " : "", i, gW[i],
                              mpfr_get_d(gWm + i, MPFR_RNDN));
        }
    }
    ck_assert_int_eq(T->dense_jacobian_b(o, 5), DP_OK);
    ck_assert_int_eq(T->dense_jacobian_b_mp(om, 5, &WS), DP_OK);
    for (size_t i = 0; i < 25; i++)
        ck_assert(o[i] == (i % 6 == 0) && mp_is(om + i, o[i]));
    mpfr_ptr v[8] = {ym, wm, bm, dm, om, gym, gWm, gbm};
    size_t n[8] = {5, 25, 5, 5, 25, 5, 25, 5};
    for (int i = 0; i < 8; i++)
        dp_mpvec_clear(v[i], n[i]);
}
END_TEST

/* Bad arguments: m = 0 or mo = 0 is DP_EDIM, a NULL array DP_EINVAL, a NaN or +-inf in y, W, b,
   delta or g_up DP_EDOMAIN; double and MPFR alike. */
START_TEST(test_dense_bad_arguments)
{
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    double y[2] = {1, 2}, w[6] = {1, 2, 3, 4, 5, 6}, b[3] = {1, 1, 1}, d[3] = {1, 1, 1};
    double o[9], gy[2], gW[6], gb[3];
    mpfr_ptr ym = mpv_d(y, 2), wm = mpv_d(w, 6), bm = mpv_d(b, 3), dm = mpv_d(d, 3);
    mpfr_ptr om = mpv(9), gym = mpv(2), gWm = mpv(6), gbm = mpv(3);
    for (int z = 0; z < 2; z++) {
        size_t m = z ? 2 : 0, mo = z ? 0 : 3;
        ck_assert_int_eq(T->dense(o, y, w, b, m, mo), DP_EDIM);
        ck_assert_int_eq(T->dense_mp(om, ym, wm, bm, m, mo, &WS), DP_EDIM);
        ck_assert_int_eq(T->dense_jacobian_y(o, w, m, mo), DP_EDIM);
        ck_assert_int_eq(T->dense_jacobian_y_mp(om, wm, m, mo, &WS), DP_EDIM);
        ck_assert_int_eq(T->dense_backward(gy, gW, gb, y, w, d, m, mo), DP_EDIM);
        ck_assert_int_eq(T->dense_backward_mp(gym, gWm, gbm, ym, wm, dm, m, mo, &WS), DP_EDIM);
        ck_assert_int_eq(T->dense_relu_backward(gy, gW, gb, y, w, b, d, m, mo), DP_EDIM);
        ck_assert_int_eq(T->dense_relu_backward_mp(gym, gWm, gbm, ym, wm, bm, dm, m, mo, &WS),
                         DP_EDIM);
    }
    ck_assert_int_eq(T->dense_gradient_w(o, y, 0), DP_EDIM);
    ck_assert_int_eq(T->dense_gradient_w_mp(om, ym, 0, &WS), DP_EDIM);
    ck_assert_int_eq(T->dense_jacobian_b(o, 0), DP_EDIM);
    ck_assert_int_eq(T->dense_jacobian_b_mp(om, 0, &WS), DP_EDIM);

    ck_assert_int_eq(T->dense(NULL, y, w, b, 2, 3), DP_EINVAL);
    ck_assert_int_eq(T->dense(o, y, w, NULL, 2, 3), DP_EINVAL);
    ck_assert_int_eq(T->dense_mp(om, ym, NULL, bm, 2, 3, &WS), DP_EINVAL);
    ck_assert_int_eq(T->dense_jacobian_y(o, NULL, 2, 3), DP_EINVAL);
    ck_assert_int_eq(T->dense_jacobian_y_mp(NULL, wm, 2, 3, &WS), DP_EINVAL);
    ck_assert_int_eq(T->dense_gradient_w(o, NULL, 2), DP_EINVAL);
    ck_assert_int_eq(T->dense_gradient_w_mp(NULL, ym, 2, &WS), DP_EINVAL);
    ck_assert_int_eq(T->dense_jacobian_b(NULL, 3), DP_EINVAL);
    ck_assert_int_eq(T->dense_jacobian_b_mp(NULL, 3, &WS), DP_EINVAL);
    ck_assert_int_eq(T->dense_backward(gy, NULL, gb, y, w, d, 2, 3), DP_EINVAL);
    ck_assert_int_eq(T->dense_backward_mp(gym, gWm, gbm, ym, wm, NULL, 2, 3, &WS), DP_EINVAL);
    ck_assert_int_eq(T->dense_relu_backward(gy, gW, gb, y, w, b, NULL, 2, 3), DP_EINVAL);
    ck_assert_int_eq(T->dense_relu_backward_mp(gym, gWm, gbm, ym, wm, NULL, dm, 2, 3, &WS),
                     DP_EINVAL);

    double *in[4] = {y, w, b, d};
    mpfr_ptr inm[4] = {ym, wm, bm, dm};
    for (int a = 0; a < 4; a++)
        for (int k = 0; k < 3; k++) {
            double keep = in[a][1];
            in[a][1] = bad[k];
            mpfr_set_d(inm[a] + 1, bad[k], MPFR_RNDN);
            const char *what = (const char *[]){"y", "W", "b", "delta"}[a];
            if (a < 3) {
                ck_assert_msg(T->dense(o, y, w, b, 2, 3) == DP_EDOMAIN, "L: %s", what);
                ck_assert_msg(T->dense_mp(om, ym, wm, bm, 2, 3, &WS) == DP_EDOMAIN, "L_mp: %s",
                              what);
            }
            if (a == 0) {
                ck_assert(T->dense_gradient_w(o, y, 2) == DP_EDOMAIN);
                ck_assert(T->dense_gradient_w_mp(om, ym, 2, &WS) == DP_EDOMAIN);
            }
            if (a == 1) {
                ck_assert(T->dense_jacobian_y(o, w, 2, 3) == DP_EDOMAIN);
                ck_assert(T->dense_jacobian_y_mp(om, wm, 2, 3, &WS) == DP_EDOMAIN);
            }
            if (a != 2) {
                ck_assert_msg(T->dense_backward(gy, gW, gb, y, w, d, 2, 3) == DP_EDOMAIN,
                              "backward: %s", what);
                ck_assert_msg(T->dense_backward_mp(gym, gWm, gbm, ym, wm, dm, 2, 3, &WS) ==
                                  DP_EDOMAIN, "backward_mp: %s", what);
            }
            ck_assert_msg(T->dense_relu_backward(gy, gW, gb, y, w, b, d, 2, 3) == DP_EDOMAIN,
                          "relu backward: %s", what);
            ck_assert_msg(T->dense_relu_backward_mp(gym, gWm, gbm, ym, wm, bm, dm, 2, 3, &WS) ==
                              DP_EDOMAIN, "relu backward_mp: %s", what);
            in[a][1] = keep;
            mpfr_set_d(inm[a] + 1, keep, MPFR_RNDN);
        }
    mpfr_ptr v[8] = {ym, wm, bm, dm, om, gym, gWm, gbm};
    size_t n[8] = {2, 6, 3, 3, 9, 2, 6, 3};
    for (int i = 0; i < 8; i++)
        dp_mpvec_clear(v[i], n[i]);
}
END_TEST

Suite *dense_suite(void)
{
    Suite *s = suite_create("dense");
    tcase_add_test(dp_tcase(s, "dense_values"), test_dense_worked);
    tcase_add_test(dp_tcase(s, "dense_partials"), test_dense_partials);
    tcase_add_test(dp_tcase(s, "dense_backward"), test_dense_backward);
    TCase *rb = dp_tcase(s, "dense_relu_backward");
    tcase_add_test(rb, test_dense_relu_backward_worked);
    tcase_add_test(rb, test_dense_relu_backward_chain);
    tcase_add_test(dp_tcase(s, "dense_vs_mpfr"), test_dense_vs_mpfr);
    tcase_add_test(dp_tcase(s, "dense_errors"), test_dense_bad_arguments);
    return s;
}
