/* src_activation.c -- Check suite of section 3's activation functions, ReLU and SoftMax with their
   Jacobians, double and MPFR: values derived by hand, identities, extreme logits, the double
   functions against their 256-bit MPFR twins, and bad arguments. */
#include <math.h>
#include <stdlib.h>
#include "impl.h"

/* ---- ReLU ------------------------------------------------------------------------------------ */

/* ReLU(z)_j = max(0, z_j): exact in any precision.  ReLU(-0.0) is +0.0 (signbit clear); out may
   alias z; m = 1 works; in MPFR, logits beyond double's range (+-1e400) go through unchanged. */
START_TEST(test_relu_worked)
{
    const double z[5] = {-2.0, -0.0, 0.0, 3.5, -1e300}, want[5] = {0.0, 0.0, 0.0, 3.5, 0.0};
    double out[5], v[5] = {-2.0, -0.0, 0.0, 3.5, -1e300}, one = 7.25;
    ck_assert_int_eq(T->relu(out, z, 5), DP_OK);
    ck_assert_int_eq(T->relu(v, v, 5), DP_OK);
    for (int j = 0; j < 5; j++) {
        ck_assert_msg(out[j] == want[j] && !signbit(out[j]), "ReLU(%g) = %g", z[j], out[j]);
        ck_assert_msg(v[j] == want[j] && !signbit(v[j]), "in place: ReLU(%g) = %g", z[j], v[j]);
    }
    ck_assert_int_eq(T->relu(&one, &one, 1), DP_OK);
    ck_assert(one == 7.25);

    mpfr_ptr zm = mpv(7), om = mpv(7);
    for (int j = 0; j < 5; j++)
        mpfr_set_d(zm + j, z[j], MPFR_RNDN);
    mpfr_set_str(zm + 5, "1e400", 10, MPFR_RNDN);
    mpfr_set_str(zm + 6, "-1e400", 10, MPFR_RNDN);
    ck_assert_int_eq(T->relu_mp(om, zm, 7, &WS), DP_OK);
    for (int j = 0; j < 5; j++)
        ck_assert_msg(mp_is(om + j, want[j]) && !mpfr_signbit(om + j),
                      "ReLU_mp(%g) = %g", z[j], mpfr_get_d(om + j, MPFR_RNDN));
    ck_assert(mpfr_equal_p(om + 5, zm + 5));
    ck_assert(mpfr_zero_p(om + 6) && !mpfr_signbit(om + 6));
    dp_mpvec_clear(zm, 7);
    dp_mpvec_clear(om, 7);
}
END_TEST

/* dReLU/dz = diag(1[z_j > 0]) with the document's ReLU'(0) = 0: the kinks z = 0 and z = -0.0
   give 0, a tiny positive z gives 1, and every entry off the diagonal is 0 (exact values). */
START_TEST(test_relu_jacobian_worked)
{
    const double z[5] = {-1.0, 0.0, -0.0, 2.0, 1e-300};
    const double diag[5] = {0, 0, 0, 1, 1};
    double J[25];
    ck_assert_int_eq(T->relu_jacobian(J, z, 5), DP_OK);
    for (int j = 0; j < 5; j++)
        for (int k = 0; k < 5; k++)
            ck_assert_msg(J[j * 5 + k] == (j == k ? diag[j] : 0.0), "J[%d][%d] = %g at z = %g",
                          j, k, J[j * 5 + k], z[j]);

    mpfr_ptr zm = mpv(6), Jm = mpv(36);
    for (int j = 0; j < 5; j++)
        mpfr_set_d(zm + j, z[j], MPFR_RNDN);
    mpfr_set_str(zm + 5, "-1e400", 10, MPFR_RNDN);
    ck_assert_int_eq(T->relu_jacobian_mp(Jm, zm, 6, &WS), DP_OK);
    for (int j = 0; j < 6; j++)
        for (int k = 0; k < 6; k++)
            ck_assert_msg(mp_is(Jm + j * 6 + k, j == k && j < 5 ? diag[j] : 0.0),
                          "J_mp[%d][%d] = %g", j, k, mpfr_get_d(Jm + j * 6 + k, MPFR_RNDN));
    dp_mpvec_clear(zm, 6);
    dp_mpvec_clear(Jm, 36);
}
END_TEST

/* ---- SoftMax --------------------------------------------------------------------------------- */

/* S(0, ln 2, ln 3) = (1, 2, 3) / (1 + 2 + 3) = (1/6, 2/6, 3/6).  The logits are rounded too:
   log(2.0) and log(3.0) err by <= 2u ln 3 (1 ulp), and d log S_j = dz_j - sum_k S_k dz_k moves
   S_j by <= 4u ln 3 < 5u relative, added to softmax_tol (3u in MPFR, whose log is correctly
   rounded).  m = 1: S = (1) exactly (e^0 / (1 + 0)).  All-zero logits: S_j = 1/m exactly
   (every e^0 is 1, the sum is m, a power of two here). */
START_TEST(test_softmax_worked)
{
    const double z[3] = {0.0, log(2.0), log(3.0)};
    double S[4];
    mpfr_ptr zm = mpv(3), Sm = mpv(4), w = mpv(1);
    mpfr_log_ui(zm + 1, 2, MPFR_RNDN);
    mpfr_log_ui(zm + 2, 3, MPFR_RNDN);
    ck_assert_int_eq(T->softmax(S, z, 3), DP_OK);
    ck_assert_int_eq(T->softmax_mp(Sm, zm, 3, &WS), DP_OK);
    for (int j = 0; j < 3; j++) {
        mp_q(w, j + 1, 6);
        double d = z[j] - z[2];
        ck_assert_msg(err_d(S[j], w) <= (softmax_tol(3, d, U53) + 5 * U53) * (j + 1) / 6.0,
                      "S_%d = %.17g, want %d/6", j, S[j], j + 1);
        ck_assert_msg(err_mp(Sm + j, w) <= (softmax_tol(3, d, U256) + 3 * U256) * (j + 1) / 6.0,
                      "S_mp_%d = %.17g, want %d/6 (err %g)", j, mpfr_get_d(Sm + j, MPFR_RNDN),
                      j + 1, err_mp(Sm + j, w));
    }
    const double lone = -123.5, zero[4] = {0, 0, 0, 0};
    ck_assert_int_eq(T->softmax(S, &lone, 1), DP_OK);
    ck_assert(S[0] == 1.0);
    mpfr_set_str(zm, "1e400", 10, MPFR_RNDN);
    ck_assert_int_eq(T->softmax_mp(Sm, zm, 1, &WS), DP_OK);
    ck_assert(mp_is(Sm, 1));
    ck_assert_int_eq(T->softmax(S, zero, 4), DP_OK);
    for (int j = 0; j < 4; j++)
        ck_assert_msg(S[j] == 0.25, "S(0,0,0,0)_%d = %.17g", j, S[j]);
    mpfr_ptr zz = mpv(4);
    ck_assert_int_eq(T->softmax_mp(Sm, zz, 4, &WS), DP_OK);
    for (int j = 0; j < 4; j++)
        ck_assert(mp_is(Sm + j, 0.25));
    dp_mpvec_clear(zm, 3);
    dp_mpvec_clear(Sm, 4);
    dp_mpvec_clear(w, 1);
    dp_mpvec_clear(zz, 4);
}
END_TEST

/* SoftMax is a probability vector, sum_j S_j = 1 (within sum_j S_j eps_j + (m - 1)u, eps_j the
   softmax_tol of component j), and shift-invariant: S(z + c) = S(z).  With z in multiples of
   1/8 below 2^5 and c = 2^10 every z_j + c and z_j - max z is exact, so both sides see the same
   differences; their distance is at most the two rounding errors, 2 eps_j S_j. */
START_TEST(test_softmax_identities)
{
    uint64_t seed = 1;
    double z[8], zc[8], S[8], Sc[8];
    for (int trial = 0; trial < 200; trial++) {
        size_t m = 1 + trial % 8;
        double zmax = -INFINITY, sum = 0, tol = (m - 1) * U53;
        for (size_t j = 0; j < m; j++) {
            z[j] = floor(dp_rand(&seed, -32, 32) * 8) / 8;
            zc[j] = z[j] + 1024;
            zmax = fmax(zmax, z[j]);
        }
        ck_assert_int_eq(T->softmax(S, z, m), DP_OK);
        ck_assert_int_eq(T->softmax(Sc, zc, m), DP_OK);
        for (size_t j = 0; j < m; j++) {
            double eps = softmax_tol(m, z[j] - zmax, U53);
            ck_assert_msg(S[j] > 0 && S[j] <= 1, "S_%zu = %g", j, S[j]);
            ck_assert_msg(fabs(Sc[j] - S[j]) <= 2 * eps * S[j],
                          "S(z + 1024)_%zu = %.17g, S(z)_%zu = %.17g (m = %zu)", j, Sc[j], j,
                          S[j], m);
            sum += S[j];
            tol += eps * S[j];
        }
        ck_assert_msg(fabs(sum - 1) <= tol, "sum S = 1 %+g (m = %zu)", sum - 1, m);
    }
}
END_TEST

/* No overflow, no 0/0, for logits of any size (e^1e4 overflows, e^-1e4 underflows).
   S(1e4, -1e4, 0) = (1, e^-2e4, e^-1e4) / (1 + e^-1e4 + e^-2e4): 1 within softmax_tol, and two
   values below the smallest subnormal.  S(1e4, 1e4) = (1/2, 1/2) and S(-1e300, 1e300, 1e300) =
   (~e^-2e300, 1/2, 1/2), exactly (ties: each e^0 is 1 and the sum 2).  S(-1e4, -1e4 + ln 2) =
   (1/3, 2/3) up to the rounding of the logits, so the reference is (1, e^d) / (1 + e^d) at the
   exact d = z_1 - z_0 (< 1, and exact in double by Sterbenz).  MPFR: S(1e400, 1e400, -1e400) =
   (1/2, 1/2, e^{-2e400}/2), the last far below 2^-1000. */
START_TEST(test_softmax_extreme)
{
    double S[3];
    const double a[3] = {1e4, -1e4, 0}, b[2] = {1e4, 1e4}, c[3] = {-1e300, 1e300, 1e300};
    ck_assert_int_eq(T->softmax(S, a, 3), DP_OK);
    ck_assert_msg(fabs(S[0] - 1) <= softmax_tol(3, 0, U53), "S_0 = %.17g", S[0]);
    ck_assert_msg(S[1] >= 0 && S[1] <= 0x1p-1074 && S[2] >= 0 && S[2] <= 0x1p-1074,
                  "S = (%g, %g, %g)", S[0], S[1], S[2]);
    ck_assert_int_eq(T->softmax(S, b, 2), DP_OK);
    ck_assert_msg(S[0] == 0.5 && S[1] == 0.5, "S(1e4, 1e4) = (%g, %g)", S[0], S[1]);
    ck_assert_int_eq(T->softmax(S, c, 3), DP_OK);
    ck_assert_msg(S[0] >= 0 && S[0] <= 0x1p-1074 && S[1] == 0.5 && S[2] == 0.5,
                  "S(-1e300, 1e300, 1e300) = (%g, %g, %g)", S[0], S[1], S[2]);

    const double e[2] = {-1e4, -1e4 + log(2.0)};
    mpfr_ptr w = mpv(2);
    mpfr_set_d(w, e[1], MPFR_RNDN);
    mpfr_sub_d(w, w, e[0], MPFR_RNDN); /* d, exact */
    mpfr_exp(w + 1, w, MPFR_RNDN);
    mpfr_add_ui(w + 1, w + 1, 1, MPFR_RNDN);
    mpfr_ui_div(w, 1, w + 1, MPFR_RNDN); /* 1/(1 + e^d) */
    mpfr_ui_sub(w + 1, 1, w, MPFR_RNDN); /* e^d/(1 + e^d) */
    ck_assert_int_eq(T->softmax(S, e, 2), DP_OK);
    for (int j = 0; j < 2; j++)
        ck_assert_msg(err_d(S[j], w + j) <= softmax_tol(2, 1, U53) * S[j],
                      "S(-1e4, -1e4 + ln 2)_%d = %.17g", j, S[j]);

    mpfr_ptr zm = mpv(3), Sm = mpv(3);
    mpfr_set_str(zm, "1e400", 10, MPFR_RNDN);
    mpfr_set_str(zm + 1, "1e400", 10, MPFR_RNDN);
    mpfr_set_str(zm + 2, "-1e400", 10, MPFR_RNDN);
    ck_assert_int_eq(T->softmax_mp(Sm, zm, 3, &WS), DP_OK);
    for (int j = 0; j < 2; j++)
        ck_assert_msg(mp_is(Sm + j, 0.5), "S_mp(1e400, 1e400, -1e400)_%d = %g", j,
                      mpfr_get_d(Sm + j, MPFR_RNDN));
    ck_assert(mpfr_number_p(Sm + 2) && mpfr_sgn(Sm + 2) >= 0 &&
              mpfr_cmp_ui_2exp(Sm + 2, 1, -1000) < 0);
    dp_mpvec_clear(w, 2);
    dp_mpvec_clear(zm, 3);
    dp_mpvec_clear(Sm, 3);
}
END_TEST

/* ---- the Jacobian of SoftMax ----------------------------------------------------------------- */

/* Bound on the relative error of each entry of dS/dz: -S_j S_j' (two softmax errors and a
   product) or S_j * sum_{k != j} S_k (the same, plus m - 2 additions). */
static double jac_tol(size_t m, double D, double u)
{
    return 2 * softmax_tol(m, D, u) + (double)m * u;
}

/* dS/dz = diag(S) - S^T S.  At z = (0, ln 2, ln 3), S = (1, 2, 3)/6, so 36 J =
   [[5, -2, -3], [-2, 8, -6], [-3, -6, 9]] (e.g. 36 J_00 = 36 * 1/6 * 5/6 = 5); the logits'
   rounding adds 2 * 5u relative (see test_softmax_worked).  m = 1: J = (0) exactly, S = 1. */
START_TEST(test_softmax_jacobian_worked)
{
    static const long J36[9] = {5, -2, -3, -2, 8, -6, -3, -6, 9};
    const double z[3] = {0.0, log(2.0), log(3.0)};
    double J[9];
    mpfr_ptr zm = mpv(3), Jm = mpv(9), w = mpv(1);
    mpfr_log_ui(zm + 1, 2, MPFR_RNDN);
    mpfr_log_ui(zm + 2, 3, MPFR_RNDN);
    ck_assert_int_eq(T->softmax_jacobian(J, z, 3), DP_OK);
    ck_assert_int_eq(T->softmax_jacobian_mp(Jm, zm, 3, &WS), DP_OK);
    for (int i = 0; i < 9; i++) {
        mp_q(w, J36[i], 36);
        double mag = labs(J36[i]) / 36.0, D = log(3.0);
        ck_assert_msg(err_d(J[i], w) <= (jac_tol(3, D, U53) + 10 * U53) * mag,
                      "J[%d][%d] = %.17g, want %ld/36", i / 3, i % 3, J[i], J36[i]);
        ck_assert_msg(err_mp(Jm + i, w) <= (jac_tol(3, D, U256) + 6 * U256) * mag,
                      "J_mp[%d][%d] = %.17g, want %ld/36", i / 3, i % 3,
                      mpfr_get_d(Jm + i, MPFR_RNDN), J36[i]);
    }
    const double one = 5.0;
    ck_assert_int_eq(T->softmax_jacobian(J, &one, 1), DP_OK);
    ck_assert_msg(J[0] == 0, "J(5) = %g", J[0]);
    ck_assert_int_eq(T->softmax_jacobian_mp(Jm, zm + 2, 1, &WS), DP_OK);
    ck_assert(mpfr_zero_p(Jm));
    dp_mpvec_clear(zm, 3);
    dp_mpvec_clear(Jm, 9);
    dp_mpvec_clear(w, 1);
}
END_TEST

/* Where S_0 rounds to 1 the diagonal must not: at z = (40, 0), s = S_1 = e^-40/(1 + e^-40) and
   J = s (1 - s) [[1, -1], [-1, 1]] with s (1 - s) = e^-40/(1 + e^-40)^2 ~ 4.2e-18, while
   1 - fl(S_0) = 0.  Every entry within jac_tol(2, 40) relative of the 256-bit value. */
START_TEST(test_softmax_jacobian_dominant)
{
    const double z[2] = {40, 0};
    double J[4];
    mpfr_ptr w = mpv(2), zm = mpv_d(z, 2), Jm = mpv(4);
    mpfr_set_si(w, -40, MPFR_RNDN);
    mpfr_exp(w, w, MPFR_RNDN);
    mpfr_add_ui(w + 1, w, 1, MPFR_RNDN);
    mpfr_sqr(w + 1, w + 1, MPFR_RNDN);
    mpfr_div(w, w, w + 1, MPFR_RNDN); /* s (1 - s) */
    mpfr_neg(w + 1, w, MPFR_RNDN);
    ck_assert_int_eq(T->softmax_jacobian(J, z, 2), DP_OK);
    ck_assert_int_eq(T->softmax_jacobian_mp(Jm, zm, 2, &WS), DP_OK);
    for (int i = 0; i < 4; i++) {
        mpfr_srcptr want = w + (i == 0 || i == 3 ? 0 : 1);
        ck_assert_msg(err_d(J[i], want) <= jac_tol(2, 40, U53) * mp_abs_d(want),
                      "J[%d][%d] = %.17g, want %.17g", i / 2, i % 2, J[i],
                      mpfr_get_d(want, MPFR_RNDN));
        ck_assert_msg(err_mp(Jm + i, want) <= jac_tol(2, 40, U256) * mp_abs_d(want),
                      "J_mp[%d][%d] off by %g", i / 2, i % 2, err_mp(Jm + i, want));
    }
    dp_mpvec_clear(w, 2);
    dp_mpvec_clear(zm, 2);
    dp_mpvec_clear(Jm, 4);
}
END_TEST

/* dS/dz is symmetric (S_j delta_jj' - S_j S_j'), its rows sum to 0 (S_j (1 - sum S) = 0), its
   diagonal is >= 0 and the rest <= 0.  Every entry errs by <= tol relative, so two mirrored
   entries differ by <= tol (|a| + |b|) and a row sums to <= (tol + m u) sum |J_jk| (the m - 1
   additions in double).  The MPFR Jacobian is checked in double: its tol adds the conversion u. */
static void check_jacobian_identities(const double *J, size_t m, double tol, const char *who)
{
    for (size_t j = 0; j < m; j++) {
        double row = 0, rowabs = 0;
        for (size_t k = 0; k < m; k++) {
            double a = J[j * m + k], b = J[k * m + j];
            ck_assert_msg(j == k ? a >= 0 : a <= 0, "%s J[%zu][%zu] = %g", who, j, k, a);
            ck_assert_msg(fabs(a - b) <= tol * (fabs(a) + fabs(b)),
                          "%s J[%zu][%zu] = %.17g but J[%zu][%zu] = %.17g", who, j, k, a, k, j, b);
            row += a;
            rowabs += fabs(a);
        }
        ck_assert_msg(fabs(row) <= (tol + m * U53) * rowabs, "%s row %zu of dS/dz sums to %g",
                      who, j, row);
    }
}

/* The identities above at random logits; and in MPFR, dS/dz is the derivative of S:
   (S(z + h e_k) - S(z - h e_k)) / 2h is column k within h^2/6 |S'''| (<= 2^-160 for h = 2^-80,
   |S'''| <= 1) plus the rounding 2^-256/h = 2^-176: the bound 2^-150 covers both. */
START_TEST(test_softmax_jacobian_identities)
{
    uint64_t seed = 2;
    const double h = 0x1p-80, fd_tol = 0x1p-150;
    double z[6], J[36];
    mpfr_ptr zm = mpv(6), Jm = mpv(36), Sp = mpv(6), Sn = mpv(6), t = mpv(1);
    for (int trial = 0; trial < 60; trial++) {
        size_t m = 1 + trial % 6;
        double zmax = -INFINITY, D = 0;
        for (size_t j = 0; j < m; j++)
            zmax = fmax(zmax, z[j] = dp_rand(&seed, -10, 10));
        for (size_t j = 0; j < m; j++) {
            D = fmax(D, zmax - z[j]);
            mpfr_set_d(zm + j, z[j], MPFR_RNDN);
        }
        ck_assert_int_eq(T->softmax_jacobian(J, z, m), DP_OK);
        check_jacobian_identities(J, m, jac_tol(m, D, U53), "double");
        ck_assert_int_eq(T->softmax_jacobian_mp(Jm, zm, m, &WS), DP_OK);
        for (size_t i = 0; i < m * m; i++)
            J[i] = mpfr_get_d(Jm + i, MPFR_RNDN);
        check_jacobian_identities(J, m, jac_tol(m, D, U256) + U53, "mpfr");
        for (size_t k = 0; k < m; k++) {
            mpfr_add_d(zm + k, zm + k, h, MPFR_RNDN);
            ck_assert_int_eq(T->softmax_mp(Sp, zm, m, &WS), DP_OK);
            mpfr_sub_d(zm + k, zm + k, 2 * h, MPFR_RNDN);
            ck_assert_int_eq(T->softmax_mp(Sn, zm, m, &WS), DP_OK);
            mpfr_add_d(zm + k, zm + k, h, MPFR_RNDN);
            for (size_t j = 0; j < m; j++) {
                mpfr_sub(t, Sp + j, Sn + j, MPFR_RNDN);
                mpfr_div_d(t, t, 2 * h, MPFR_RNDN);
                ck_assert_msg(err_mp(Jm + j * m + k, t) <= fd_tol,
                              "dS_%zu/dz_%zu = %g, differences give %g", j, k,
                              mpfr_get_d(Jm + j * m + k, MPFR_RNDN), mpfr_get_d(t, MPFR_RNDN));
            }
        }
    }
    dp_mpvec_clear(zm, 6);
    dp_mpvec_clear(Jm, 36);
    dp_mpvec_clear(Sp, 6);
    dp_mpvec_clear(Sn, 6);
    dp_mpvec_clear(t, 1);
}
END_TEST

/* ---- double against MPFR, and bad arguments -------------------------------------------------- */

/* At random logits (m = 1..8, |z| < 30) the double functions agree with their 256-bit twins: ReLU
   and its Jacobian exactly (max and 1[z > 0] are exact), SoftMax within softmax_tol of each, and
   dS/dz within jac_tol of each (relative to the 256-bit value). */
START_TEST(test_activation_vs_mpfr)
{
    uint64_t seed = 3;
    double z[8], o[64];
    mpfr_ptr zm = mpv(8), om = mpv(64);
    for (int trial = 0; trial < 200; trial++) {
        size_t m = 1 + trial % 8;
        double zmax = -INFINITY, D = 0;
        for (size_t j = 0; j < m; j++)
            zmax = fmax(zmax, z[j] = dp_rand(&seed, -30, 30));
        for (size_t j = 0; j < m; j++) {
            D = fmax(D, zmax - z[j]);
            mpfr_set_d(zm + j, z[j], MPFR_RNDN);
        }
        ck_assert_int_eq(T->relu(o, z, m), DP_OK);
        ck_assert_int_eq(T->relu_mp(om, zm, m, &WS), DP_OK);
        for (size_t j = 0; j < m; j++)
            ck_assert_msg(mp_is(om + j, o[j]), "ReLU(%g): %g vs mp", z[j], o[j]);
        ck_assert_int_eq(T->relu_jacobian(o, z, m), DP_OK);
        ck_assert_int_eq(T->relu_jacobian_mp(om, zm, m, &WS), DP_OK);
        for (size_t i = 0; i < m * m; i++)
            ck_assert_msg(mp_is(om + i, o[i]), "dReLU/dz[%zu]: %g vs mp", i, o[i]);
        ck_assert_int_eq(T->softmax(o, z, m), DP_OK);
        ck_assert_int_eq(T->softmax_mp(om, zm, m, &WS), DP_OK);
        for (size_t j = 0; j < m; j++) {
            double tol = softmax_tol(m, z[j] - zmax, U53) + softmax_tol(m, z[j] - zmax, U256);
            ck_assert_msg(err_d(o[j], om + j) <= tol * mp_abs_d(om + j),
                          "S_%zu = %.17g, 256-bit %.17g (m = %zu)", j, o[j],
                          mpfr_get_d(om + j, MPFR_RNDN), m);
        }
        ck_assert_int_eq(T->softmax_jacobian(o, z, m), DP_OK);
        ck_assert_int_eq(T->softmax_jacobian_mp(om, zm, m, &WS), DP_OK);
        for (size_t i = 0; i < m * m; i++)
            ck_assert_msg(err_d(o[i], om + i) <=
                              (jac_tol(m, D, U53) + jac_tol(m, D, U256)) * mp_abs_d(om + i),
                          "dS/dz[%zu][%zu] = %.17g, 256-bit %.17g", i / m, i % m, o[i],
                          mpfr_get_d(om + i, MPFR_RNDN));
    }
    dp_mpvec_clear(zm, 8);
    dp_mpvec_clear(om, 64);
}
END_TEST

/* Bad arguments of the four functions z -> out (out holds m x m for the Jacobians): m = 0 is
   DP_EDIM, a NULL array DP_EINVAL, a NaN or +-inf logit DP_EDOMAIN; double and MPFR alike. */
static void check_bad_arguments(int (*f)(double *, const double *, size_t),
                                int (*fm)(mpfr_ptr, mpfr_srcptr, size_t, dp_mpws *),
                                const char *name)
{
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    double z[3] = {1, 2, 3}, out[9];
    mpfr_ptr zm = mpv_d(z, 3), om = mpv(9);
    ck_assert_msg(f(out, z, 0) == DP_EDIM, "%s: m = 0", name);
    ck_assert_msg(f(NULL, z, 3) == DP_EINVAL && f(out, NULL, 3) == DP_EINVAL, "%s: NULL", name);
    ck_assert_msg(fm(om, zm, 0, &WS) == DP_EDIM, "%s_mp: m = 0", name);
    ck_assert_msg(fm(NULL, zm, 3, &WS) == DP_EINVAL && fm(om, NULL, 3, &WS) == DP_EINVAL,
                  "%s_mp: NULL", name);
    for (int b = 0; b < 3; b++) {
        z[1] = bad[b];
        mpfr_set_d(zm + 1, bad[b], MPFR_RNDN);
        ck_assert_msg(f(out, z, 3) == DP_EDOMAIN, "%s: z_1 = %g", name, bad[b]);
        ck_assert_msg(fm(om, zm, 3, &WS) == DP_EDOMAIN, "%s_mp: z_1 = %g", name, bad[b]);
    }
    dp_mpvec_clear(zm, 3);
    dp_mpvec_clear(om, 9);
}

START_TEST(test_activation_bad_arguments)
{
    check_bad_arguments(T->relu, T->relu_mp, "relu");
    check_bad_arguments(T->relu_jacobian, T->relu_jacobian_mp, "relu_jacobian");
    check_bad_arguments(T->softmax, T->softmax_mp, "softmax");
    check_bad_arguments(T->softmax_jacobian, T->softmax_jacobian_mp, "softmax_jacobian");
}
END_TEST

Suite *activation_suite(void)
{
    Suite *s = suite_create("activation");
    tcase_add_test(dp_tcase(s, "relu_values"), test_relu_worked);
    tcase_add_test(dp_tcase(s, "relu_jacobian"), test_relu_jacobian_worked);
    tcase_add_test(dp_tcase(s, "softmax_values"), test_softmax_worked);
    tcase_add_test(dp_tcase(s, "softmax_identities"), test_softmax_identities);
    tcase_add_test(dp_tcase(s, "softmax_extreme"), test_softmax_extreme);
    TCase *jv = dp_tcase(s, "softmax_jacobian_values");
    tcase_add_test(jv, test_softmax_jacobian_worked);
    tcase_add_test(jv, test_softmax_jacobian_dominant);
    tcase_add_test(dp_tcase(s, "softmax_jacobian_identities"), test_softmax_jacobian_identities);
    tcase_add_test(dp_tcase(s, "activation_vs_mpfr"), test_activation_vs_mpfr);
    tcase_add_test(dp_tcase(s, "activation_errors"), test_activation_bad_arguments);
    return s;
}
