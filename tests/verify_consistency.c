/* verify_consistency.c -- an implementation's own consistency (verify/consistency.c): the correct
   plugin's derivatives are the derivatives of its own forwards, every pair, double and float32,
   as a plugin and through the --exec protocol; a plugin whose SoftMax Jacobian is not its own
   softmax's derivative is INCONSISTENT there and only there (its ReLU'(0) = 1 is at a kink, which
   a finite difference cannot judge: skipped, not flagged); a failing call makes a pair undecided
   and never ends the run; replay tokens reproduce the worst instance.
   Each mechanism was broken once and the suite went red: no Richardson term (truncation_is_
   estimated), no rounding term (softmax_jacobian INCONSISTENT on good.so), no kink rule for
   relu, dense or the network (good.so INCONSISTENT at the kink), the network's tangent not
   carried through W or through the inactive units (deep_kink_is_skipped), the float32 steps
   not rounded to float (a plugin's input "changed": undecided; through the bridge, a wrong
   step), the network's derivative read without the loss's offset, a failed call ignored or
   not made undecided (failing_calls_are_undecided), the factor 8 made huge (inconsistent.so
   consistent). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "consistency.h"

#define PLUGINS VR_BUILD_DIR "/tests/plugins/"
#define BRIDGE "exec " VR_BUILD_DIR "/tests/adapters/bridge " PLUGINS

static const vr_plugin_options opt = {.seed = 1, .cases = 100, .timeout = 5, .replay = NULL};

static vr_plugin *open_plugin(const char *name)
{
    char path[256], err[512];
    vr_plugin *pl = NULL;
    snprintf(path, sizeof path, PLUGINS "%s.so", name);
    ck_assert_msg(vr_plugin_open(&pl, path, err, sizeof err) == DP_OK, "%s", err);
    return pl;
}

static vr_plugin *open_bridge(const char *args)
{
    char cmd[512], err[512];
    vr_plugin *pl = NULL;
    snprintf(cmd, sizeof cmd, BRIDGE "%s", args);
    ck_assert_msg(vr_exec_open(&pl, cmd, err, sizeof err) == DP_OK, "%s", err);
    return pl;
}

static void print(const vr_consistency *r, size_t n, const vr_plugin *pl)
{
    vr_consistency_report_text(stderr, r, n, pl);
}

/* Every pair, both precisions: consistent, with entries compared on every instance. */
static void assert_all_consistent(const vr_consistency *r, size_t n, const vr_plugin *pl)
{
    ck_assert_uint_eq(n, VR_CONS_MAX);
    for (size_t i = 0; i < n; i++) {
        if (r[i].verdict != VR_CONSISTENT)
            print(r, n, pl);
        ck_assert_msg(r[i].verdict == VR_CONSISTENT, "%s %s: %s, worst %g at %s (%s)", r[i].op,
                      r[i].f32 ? "float32" : "double", vr_consistency_word(r[i].verdict),
                      r[i].worst, r[i].entry, r[i].note);
        ck_assert_uint_eq(r[i].instances, VR_CONS_INSTANCES);
        ck_assert_uint_gt(r[i].entries, 0);
        ck_assert(r[i].worst <= VR_CONS_FACTOR);
        ck_assert_ptr_nonnull(r[i].token);
    }
}

/* The correct plugin: each derivative op is the derivative of its own forward, within the
   difference's estimated error, in double and float32 -- the estimate does not flag a right
   derivative, whatever the precision. */
START_TEST(good_plugin_is_consistent)
{
    vr_consistency r[VR_CONS_MAX];
    size_t n;
    vr_plugin *pl = open_plugin("good");
    ck_assert_int_eq(vr_consistency_run(r, &n, pl, &opt), DP_OK);
    assert_all_consistent(r, n, pl);
    /* the kinks of every pair through a ReLU were met, and skipped rather than compared */
    for (size_t i = 0; i < n; i++)
        if (strstr(r[i].op, "relu") || strstr(r[i].op, "network"))
            ck_assert_msg(r[i].skipped > 0, "%s %s: no kink met", r[i].op,
                          r[i].f32 ? "float32" : "double");
    vr_consistency_clear(r, n);
    vr_plugin_close(pl);
}
END_TEST

/* The same through the --exec protocol (the bridge serving good.so). */
START_TEST(good_adapter_is_consistent)
{
    vr_consistency r[VR_CONS_MAX];
    size_t n;
    vr_plugin *pl = open_bridge("good.so");
    ck_assert_int_eq(vr_consistency_run(r, &n, pl, &opt), DP_OK);
    assert_all_consistent(r, n, pl);
    vr_consistency_clear(r, n);
    vr_plugin_close(pl);
}
END_TEST

/* Where the forward is 0 and exact, its rounding estimate is next to nothing and the difference's
   error is all truncation: -log y at y = 1, whose third derivative is -2, errs by h^2 / 3 at the
   step h = u^{1/3}.  The Richardson term must account for it, in both precisions. */
START_TEST(truncation_is_estimated)
{
    static const char *const tokens[] = {
        "dp1:consistency/cce_gradient/double:m=1:yhat=0x1p+0:y=0x1p+0",
        "dp1:consistency/cce_gradient/float32:m=1:yhat=0x1p+0:y=0x1p+0",
        "dp1:consistency/cce_gradient/float32:m=2:yhat=0x0p+0,0x1p+0:y=0x1p-1,0x1p+0"};
    vr_plugin *pl = open_plugin("good");
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        vr_consistency r;
        size_t n;
        vr_plugin_options o = opt;
        o.replay = tokens[i];
        ck_assert_int_eq(vr_consistency_run(&r, &n, pl, &o), DP_OK);
        ck_assert_uint_eq(n, 1);
        ck_assert_msg(r.verdict == VR_CONSISTENT, "%s: %s, worst %g", tokens[i],
                      vr_consistency_word(r.verdict), r.worst);
        ck_assert(r.fd != r.d); /* there was a truncation error to estimate */
        vr_consistency_clear(&r, n);
    }
    vr_plugin_close(pl);
}
END_TEST

/* A kink two layers deep: x = 1, z1 = 1, z2 = z1 - 1 = 0, then two classes.  The steps of W1 and
   b1 reach z2 through W2 and cross its kink, as do W2's and b2's: these four entries are skipped,
   W3's and b3's four compared, in both precisions. */
START_TEST(deep_kink_is_skipped)
{
    static const char *const tokens[] = {
        "dp1:consistency/network_gradient/double:p=3:n=1:m0=1:m1=1:m2=1:m3=2:X=0x1p+0:"
        "Y=0x1p+0,0x0p+0:W1=0x1p+0:b1=0x0p+0:W2=0x1p+0:b2=-0x1p+0:W3=0x1p+0,-0x1p+0:"
        "b3=0x0p+0,0x0p+0",
        "dp1:consistency/network_gradient/float32:p=3:n=1:m0=1:m1=1:m2=1:m3=2:X=0x1p+0:"
        "Y=0x1p+0,0x0p+0:W1=0x1p+0:b1=0x0p+0:W2=0x1p+0:b2=-0x1p+0:W3=0x1p+0,-0x1p+0:"
        "b3=0x0p+0,0x0p+0"};
    vr_plugin *pl = open_plugin("good");
    for (size_t i = 0; i < 2; i++) {
        vr_consistency r;
        size_t n;
        vr_plugin_options o = opt;
        o.replay = tokens[i];
        ck_assert_int_eq(vr_consistency_run(&r, &n, pl, &o), DP_OK);
        ck_assert_msg(r.verdict == VR_CONSISTENT, "%s: %s at %s", tokens[i],
                      vr_consistency_word(r.verdict), r.entry);
        ck_assert_uint_eq(r.skipped, 4);
        ck_assert_uint_eq(r.entries, 4);
        vr_consistency_clear(&r, n);
    }
    vr_plugin_close(pl);
}
END_TEST

/* S_i (delta_ij + S_j) is not the derivative of S: INCONSISTENT, at an off-diagonal entry, by
   far more than the factor; ReLU'(0) = 1 is consistent (the kink's entries are skipped); the
   worst instance's token replays to the same verdict and entry. */
START_TEST(inconsistent_softmax_jacobian_only)
{
    vr_consistency r[VR_CONS_MAX], again;
    size_t n, one;
    vr_plugin *pl = open_plugin("inconsistent");
    ck_assert_int_eq(vr_consistency_run(r, &n, pl, &opt), DP_OK);
    ck_assert_uint_eq(n, 4);
    for (size_t i = 0; i < n; i++) {
        int sm = !strcmp(r[i].op, "softmax_jacobian");
        ck_assert_msg(sm || !strcmp(r[i].op, "relu_jacobian"), "%s", r[i].op);
        ck_assert_msg(r[i].verdict == (sm ? VR_INCONSISTENT : VR_CONSISTENT), "%s %s: %s (%s)",
                      r[i].op, r[i].f32 ? "float32" : "double",
                      vr_consistency_word(r[i].verdict), r[i].note);
        if (!sm) {
            ck_assert_uint_gt(r[i].skipped, 0); /* the exact kinks were there */
            continue;
        }
        unsigned a, b;
        ck_assert_int_eq(sscanf(r[i].entry, "J[%u,%u]", &a, &b), 2);
        ck_assert_uint_ne(a, b);
        ck_assert(r[i].worst > 100 * VR_CONS_FACTOR);
        ck_assert(r[i].fd * r[i].d < 0); /* the sign flip itself */
        vr_plugin_options o = opt;
        o.replay = r[i].token;
        ck_assert_int_eq(vr_consistency_run(&again, &one, pl, &o), DP_OK);
        ck_assert_uint_eq(one, 1);
        ck_assert_int_eq(again.verdict, VR_INCONSISTENT);
        ck_assert_str_eq(again.entry, r[i].entry);
        ck_assert(again.worst == r[i].worst);
        vr_consistency_clear(&again, one);
    }
    vr_consistency_clear(r, n);
    vr_plugin_close(pl);
}
END_TEST

/* A call that crashes or refuses makes its pair undecided, saying which op and why, and the run
   goes on (the bridge dies on every 3rd call, or refuses every call); the run is not an error. */
START_TEST(failing_calls_are_undecided)
{
    static const char *const faults[] = {"crash", "error"};
    for (size_t f = 0; f < 2; f++) {
        vr_consistency r[VR_CONS_MAX];
        size_t n;
        char args[64];
        vr_plugin_options o = opt;
        o.ops = 1u << VR_OP_SOFTMAX_JACOBIAN | 1u << VR_OP_DENSE_RELU_BACKWARD;
        snprintf(args, sizeof args, "good.so %s", faults[f]);
        vr_plugin *pl = open_bridge(args);
        ck_assert_int_eq(vr_consistency_run(r, &n, pl, &o), DP_OK);
        ck_assert_uint_eq(n, 4);
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(r[i].verdict, VR_CONS_UNDECIDED);
            ck_assert_msg(strstr(r[i].note, f ? "(refused)" : "(crash)") != NULL, "%s",
                          r[i].note);
        }
        vr_consistency_clear(r, n);
        vr_plugin_close(pl);
    }
}
END_TEST

/* The reports: a line per pair, the worst entry and its replay for an INCONSISTENT one; the JSON
   array embedded in the check's object. */
START_TEST(reports)
{
    vr_consistency r[VR_CONS_MAX];
    vr_plugin_verdict v[2 * VR_NOPS];
    size_t n, nv;
    char *text = NULL;
    size_t len = 0;
    vr_plugin *pl = open_plugin("inconsistent");
    vr_plugin_options o = opt;
    o.cases = 3;
    ck_assert_int_eq(vr_consistency_run(r, &n, pl, &o), DP_OK);
    ck_assert_int_eq(vr_plugin_check(v, &nv, pl, &o), DP_OK);
    FILE *f = open_memstream(&text, &len);
    vr_consistency_report_text(f, r, n, pl);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "INCONSISTENT  softmax_jacobian"));
    ck_assert_ptr_nonnull(strstr(text, "consistent    relu_jacobian"));
    ck_assert_ptr_nonnull(strstr(text, "--replay 'dp1:consistency/softmax_jacobian/"));
    free(text);
    json_t *root = vr_plugin_report_object(v, nv, pl, &o), *c;
    json_object_set_new(root, "consistency", vr_consistency_report_json(r, n));
    c = json_object_get(root, "consistency");
    ck_assert_ptr_nonnull(json_object_get(root, "ops"));
    ck_assert_uint_eq(json_array_size(c), n);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(c, i);
        ck_assert_str_eq(json_string_value(json_object_get(x, "verdict")),
                         vr_consistency_word(r[i].verdict));
        ck_assert_str_eq(json_string_value(json_object_get(x, "op")), r[i].op);
    }
    json_decref(root);
    for (size_t i = 0; i < nv; i++)
        vr_plugin_verdict_clear(&v[i]);
    vr_consistency_clear(r, n);
    vr_plugin_close(pl);
}
END_TEST

/* A token of the reference check runs nothing here; a malformed consistency token, or one of a
   pair the plugin lacks, is DP_EDOMAIN. */
START_TEST(tokens)
{
    vr_consistency r[VR_CONS_MAX];
    size_t n = 9;
    vr_plugin *pl = open_plugin("inconsistent");
    vr_plugin_options o = opt;
    o.replay = "dp1:plugin/relu_jacobian/double:m=1:z=0x0p+0";
    ck_assert_int_eq(vr_consistency_run(r, &n, pl, &o), DP_OK);
    ck_assert_uint_eq(n, 0);
    static const char *const bad[] = {
        "dp1:consistency/softmax_jacobian/double:m=2:z=0x1p+0",   /* z too short */
        "dp1:consistency/cce_gradient/double:m=1:yhat=0x1p+0:y=0x1p-1", /* no cce here */
        "dp1:consistency/relu_jacobian/float32:m=1:z=0x1.000001p+0", /* not a float */
        "dp1:consistency/softmax_jacobian/double:m=1:z=inf",
        "dp1:consistency/nonsense"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.replay = bad[i];
        ck_assert_msg(vr_consistency_run(r, &n, pl, &o) == DP_EDOMAIN, "%s", bad[i]);
    }
    vr_plugin_close(pl);
}
END_TEST

Suite *consistency_suite(void)
{
    Suite *s = suite_create("consistency");
    TCase *tc = tcase_create("consistency");
    tcase_set_timeout(tc, 120); /* forks per call; slower under the sanitizers */
    tcase_add_test(tc, good_plugin_is_consistent);
    tcase_add_test(tc, good_adapter_is_consistent);
    tcase_add_test(tc, truncation_is_estimated);
    tcase_add_test(tc, deep_kink_is_skipped);
    tcase_add_test(tc, inconsistent_softmax_jacobian_only);
    tcase_add_test(tc, failing_calls_are_undecided);
    tcase_add_test(tc, reports);
    tcase_add_test(tc, tokens);
    suite_add_tcase(s, tc);
    return s;
}
