/* verify_props.c -- the propositions against the library and against its mutants: with the real
   functions every corrected statement holds and every erratum is refuted; with each deliberately
   wrong function of tests/mutants.c, a proposition that rests on it is refuted, with a shrunk
   counterexample whose replay token reproduces the refutation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "impl.h"
#include "verify.h"

/* Enough cases to reach every required coverage class with seed 1 (the default run uses 100). */
static const vr_options opt = {.seed = 1, .cases = 100, .prec = 128, .ladder = 0};
/* A mutant is usually refuted within a few cases; 60 leaves room for the rarer edge classes. */
static const vr_options mutant_opt = {.seed = 1, .cases = 60, .prec = 128, .ladder = 0};

/* Every proposition holds (or, for an erratum, is refuted) with the library's functions. */
START_TEST(catalogue_matches_expectations)
{
    vr_lib = &vr_builtin;
    const vr_prop *p = vr_props[_i];
    vr_summary s;
    ck_assert_int_eq(vr_run_prop(&s, p, &opt), DP_OK);
    ck_assert_msg(s.ok, "%s: %zu holds, %zu refuted, %zu failed, missing classes %#x", p->id,
                  s.holds, s.refuted, s.failed, s.missing);
    if (p->expect == VR_EXPECT_REFUTED) {
        ck_assert_ptr_nonnull(s.token); /* the counterexample replays to the same verdict */
        vr_summary again;
        ck_assert_int_eq(vr_replay(&again, s.token, &opt), DP_OK);
        ck_assert_uint_eq(again.refuted, 1);
        vr_summary_clear(&again);
    }
    vr_summary_clear(&s);
}
END_TEST

/* Which propositions rest on each entry of the table (by the entry's name without _mp). */
static const struct {
    const char *entry, *props;
} rests_on[] = {
    {"relu", "relu-jacobian"},
    {"relu_jacobian", "relu-jacobian"},
    {"softmax", "softmax-jacobian softmax-shift-invariance"},
    {"softmax_jacobian", "softmax-jacobian softmax-jacobian-symmetry"},
    {"cce", "cce-gradient"},
    {"cce_gradient", "cce-gradient"},
    {"softmax_cce", "softmax-cce-gradient network-gradient"},
    {"softmax_cce_gradient", "softmax-cce-gradient softmax-cce-gradient-sum"},
    {"softmax_cce_gradient_general", "softmax-cce-gradient network-gradient"},
    {"dense", "dense-partials network-gradient"},
    {"dense_jacobian_y", "dense-partials"},
    {"dense_gradient_w", "dense-partials"},
    {"dense_jacobian_b", "dense-partials"},
    {"dense_backward", "dense-backward"},
    {"dense_relu_backward", "dense-relu-partials"},
    {"network", "network-gradient"},
    {"global_loss", "network-gradient"},
    {"global_loss_gradient", "network-gradient"},
    {"sgd_step", "sgd-step"},
};

/* Mutants that break a convention outside every proposition's domain; the unit tests (mutants.sh)
   catch them.  cce_0log0: 0 log 0 where y_j = 0, but the cross-entropy's domain is ]0, 1[^m. */
static const char *const outside_the_document[] = {"cce_0log0"};

static const char *props_for(const char *entry)
{
    char base[64];
    snprintf(base, sizeof base, "%s", entry);
    size_t n = strlen(base);
    if (n > 3 && !strcmp(base + n - 3, "_mp"))
        base[n - 3] = '\0';
    for (size_t i = 0; i < sizeof rests_on / sizeof rests_on[0]; i++)
        if (!strcmp(rests_on[i].entry, base))
            return rests_on[i].props;
    return NULL;
}

/* Each mutant is refuted by a proposition that rests on its entry, and the shrunk
   counterexample's token replays to a refutation under the same mutant. */
START_TEST(every_mutant_is_refuted)
{
    const dp_mutant *mu = &dp_mutants[_i];
    for (size_t k = 0; k < sizeof outside_the_document / sizeof *outside_the_document; k++)
        if (!strcmp(mu->name, outside_the_document[k]))
            return;
    static vr_impl mutated;
    mutated = vr_builtin;
    mu->apply(&mutated);
    vr_lib = &mutated;
    const char *list = props_for(mu->entry);
    ck_assert_msg(list != NULL, "%s: no proposition rests on %s", mu->name, mu->entry);
    char ids[256], *save = NULL;
    snprintf(ids, sizeof ids, "%s", list);
    int caught = 0;
    for (char *id = strtok_r(ids, " ", &save); id && !caught; id = strtok_r(NULL, " ", &save)) {
        const vr_prop *p = vr_prop_find(id);
        if (p == NULL || p->expect != VR_EXPECT_HOLDS)
            continue;
        vr_summary s;
        ck_assert_int_eq(vr_run_prop(&s, p, &mutant_opt), DP_OK);
        if (s.refuted > 0 || s.failed > 0) {
            caught = 1;
            ck_assert_ptr_nonnull(s.token);
            vr_summary again;
            ck_assert_int_eq(vr_replay(&again, s.token, &mutant_opt), DP_OK);
            ck_assert_msg(again.refuted + again.failed == 1, "%s: %s does not replay", mu->name,
                          s.token);
            vr_summary_clear(&again);
        }
        vr_summary_clear(&s);
    }
    vr_lib = &vr_builtin;
    ck_assert_msg(caught, "mutant %s (%s) survived %s", mu->name, mu->entry, list);
}
END_TEST

Suite *props_suite(void)
{
    Suite *s = suite_create("props");
    TCase *tc = tcase_create("catalogue");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, catalogue_matches_expectations, 0, (int)vr_nprops);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("mutants");
    tcase_set_timeout(tm, 600);
    tcase_add_loop_test(tm, every_mutant_is_refuted, 0, (int)dp_nmutants);
    suite_add_tcase(s, tm);
    return s;
}
