/* verify_token.c -- replay tokens: a case survives encode/decode bit for bit (−0.0, subnormals,
   1e300 included), and malformed tokens are refused with DP_EDOMAIN, never crash. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "verify.h"

START_TEST(token_round_trip_is_exact)
{
    vr_case c, d;
    char id[64];
    vr_case_init(&c);
    vr_case_dim(&c, "m", 4);
    double *z = vr_case_array(&c, "z", 4);
    z[0] = -0.0, z[1] = 0x1p-1074, z[2] = 1e300, z[3] = -0x1.23456789abcdep-7;
    char *t = vr_token_encode("softmax-jacobian", &c);
    ck_assert_ptr_nonnull(t);
    vr_case_init(&d);
    ck_assert_int_eq(vr_token_decode(&d, id, sizeof id, t), DP_OK);
    ck_assert_str_eq(id, "softmax-jacobian");
    ck_assert_uint_eq(vr_case_getdim(&d, "m"), 4);
    const vr_array *a = vr_case_get(&d, "z");
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->len, 4);
    ck_assert_int_eq(memcmp(a->v, z, 4 * sizeof *z), 0); /* bit for bit, the sign of 0 too */
    free(t);
    vr_case_clear(&c);
    vr_case_clear(&d);
}
END_TEST

START_TEST(malformed_tokens_are_refused)
{
    static const char *const bad[] = {
        "", "dp1", "dp2:x:m=1", "dp1:", "dp1:id:m", "dp1:id:=1", "dp1:id:m=", "dp1:id:z=1,,2",
        "dp1:id:z=0x1p+0,", "dp1:id:z=abc", "dp1:id:m=99999999999", "dp1:id:z=1e999",
        "dp1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:m=1",
        "dp1:id:thisnameistoolongforacase=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        vr_case c;
        char id[64];
        vr_case_init(&c);
        ck_assert_msg(vr_token_decode(&c, id, sizeof id, bad[i]) != DP_OK, "accepted '%s'",
                      bad[i]);
        ck_assert_uint_eq(c.narr, 0); /* nothing left allocated */
    }
}
END_TEST

Suite *token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");
    tcase_add_test(tc, token_round_trip_is_exact);
    tcase_add_test(tc, malformed_tokens_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
