/* verify_plugin.c -- checking other implementations through the plugin ABI (verify/plugin.c):
   the correct plugin of tests/plugins/good.c passes every op in double and float32; each
   deliberately wrong plugin fails, on the op it breaks and for the reason it breaks it (a crash
   as a crash, a hang as a timeout, ...), while its other ops pass; and the command exits 0, 1 or
   2 as documented. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <check.h>
#include "plugin.h"

#define PLUGINS VR_BUILD_DIR "/tests/plugins/"

static const vr_plugin_options opt = {.seed = 1, .cases = 100, .timeout = 5, .replay = NULL};

/* Checks plugin `name`; v and *n get the verdicts. */
static void run(vr_plugin_verdict *v, size_t *n, const char *name, const vr_plugin_options *o)
{
    char path[256], err[512];
    vr_plugin *pl;
    snprintf(path, sizeof path, PLUGINS "%s.so", name);
    ck_assert_msg(vr_plugin_open(&pl, path, err, sizeof err) == DP_OK, "%s", err);
    ck_assert_int_eq(vr_plugin_check(v, n, pl, o), DP_OK);
    vr_plugin_close(pl);
}

static void clear(vr_plugin_verdict *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vr_plugin_verdict_clear(&v[i]);
}

/* Every op of the ABI, both precisions, is within its bound for a plain, correct implementation
   written independently of the library: the bounds do not fail a different backward-stable
   formula (S_j (1 - S_j), S - yhat, log of the sum, plain loops). */
START_TEST(good_plugin_passes)
{
    vr_plugin_verdict v[2 * VR_NOPS];
    size_t n;
    run(v, &n, "good", &opt);
    ck_assert_uint_eq(n, 2 * VR_NOPS);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(v[i].kind == VR_PK_PASS && v[i].s.cases == opt.cases, "%s %s: %s (%s)",
                      v[i].op, v[i].f32 ? "float32" : "double", vr_plugin_kind_name(v[i].kind),
                      v[i].s.cx_result.note);
        ck_assert(v[i].s.max_err_ratio <= 1);
    }
    clear(v, n);
}
END_TEST

/* Each wrong plugin fails on its op for its reason; its other ops pass. */
static const struct {
    const char *plugin, *op;
    vr_plugin_kind kind;
} wrong[] = {
    {"naive_softmax", "softmax", VR_PK_NAN},     /* e^z overflows beyond 709.8 (88.7) */
    {"relu_kink", "relu_jacobian", VR_PK_WRONG}, /* ReLU'(0) = 1 at an exact kink */
    {"dense_transpose", "dense", VR_PK_WRONG},   /* y W for y W^T */
    {"crash", "softmax", VR_PK_CRASH},           /* SIGSEGV; its ReLU passes */
    {"hang", "relu", VR_PK_TIMEOUT},
    {"overflow", "relu", VR_PK_GUARD},           /* out[m] written */
    {"refuse", "cce", VR_PK_REFUSED},            /* non-zero return for m = 1 */
    {"cce_sign", "cce_gradient", VR_PK_WRONG},   /* yhat / y for -yhat / y */
    {"net_kink", "network_gradient", VR_PK_WRONG}, /* ReLU'(0) = 1 in the backward pass */
};

START_TEST(wrong_plugin_fails_for_its_reason)
{
    vr_plugin_options o = opt;
    o.timeout = 0.3; /* the hang: one case, killed */
    vr_plugin_verdict v[2 * VR_NOPS];
    size_t n, failed = 0;
    run(v, &n, wrong[_i].plugin, &o);
    ck_assert_uint_ge(n, 1);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].op, wrong[_i].op) != 0) {
            ck_assert_msg(v[i].kind == VR_PK_PASS, "%s: %s fails too", wrong[_i].plugin, v[i].op);
            continue;
        }
        failed++;
        ck_assert_msg(v[i].kind == wrong[_i].kind, "%s: %s fails as '%s', not '%s': %s",
                      wrong[_i].plugin, v[i].op, vr_plugin_kind_name(v[i].kind),
                      vr_plugin_kind_name(wrong[_i].kind), v[i].s.cx_result.note);
        ck_assert_ptr_nonnull(v[i].s.token);
        /* the shrunk case is small, and its token replays to the same failure */
        ck_assert_uint_le(vr_case_getdim(&v[i].s.counterexample, "m"), 2);
        if (wrong[_i].kind != VR_PK_TIMEOUT) {
            vr_plugin_verdict again;
            size_t one;
            o.replay = v[i].s.token;
            run(&again, &one, wrong[_i].plugin, &o);
            o.replay = NULL;
            ck_assert_uint_eq(one, 1);
            ck_assert_int_eq(again.kind, wrong[_i].kind);
            vr_plugin_verdict_clear(&again);
        }
    }
    ck_assert_uint_ge(failed, 1);
    clear(v, n);
}
END_TEST

/* A load error is one clear reason, not a crash: a missing file, a file that is not a shared
   object, a shared object without a dnnp_ symbol (the library itself). */
START_TEST(load_errors)
{
    static const struct {
        const char *path, *says;
    } bad[] = {{PLUGINS "no-such.so", "No such file"},
               {"Makefile", "not a loadable shared object"},
               {VR_BUILD_DIR "/libdnnproof.so", "exports no dnnp_ function"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        vr_plugin *pl = NULL;
        ck_assert_int_eq(vr_plugin_open(&pl, bad[i].path, err, sizeof err), DP_EDOMAIN);
        ck_assert_ptr_null(pl);
        ck_assert_msg(strstr(err, bad[i].says) != NULL, "%s: '%s'", bad[i].path, err);
    }
}
END_TEST

static int exit_code(const char *args)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, VR_BUILD_DIR "/dnnproof check %s >/dev/null 2>&1", args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* dnnproof check exits 0 when all pass, 1 when one fails, 2 on a usage or load error. */
START_TEST(cli_exit_codes)
{
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "good.so --cases 20"), 0);
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "good.so --cases 5 --format json"), 0);
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "cce_sign.so --cases 20"), 1);
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "hang.so --timeout 0.2"), 1);
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "no-such.so"), 2);
    ck_assert_int_eq(exit_code("--plugin Makefile"), 2);
    ck_assert_int_eq(exit_code("--plugin " VR_BUILD_DIR "/libdnnproof.so"), 2);
    ck_assert_int_eq(exit_code("--cases 3"), 2);
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "good.so --timeout 0"), 2);
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "good.so --replay dp1:nonsense"), 2);
}
END_TEST

Suite *plugin_suite(void)
{
    Suite *s = suite_create("plugin");
    TCase *tc = tcase_create("plugin");
    tcase_set_timeout(tc, 120); /* forks per call; slower under the sanitizers */
    tcase_add_test(tc, good_plugin_passes);
    tcase_add_loop_test(tc, wrong_plugin_fails_for_its_reason, 0, sizeof wrong / sizeof wrong[0]);
    tcase_add_test(tc, load_errors);
    tcase_add_test(tc, cli_exit_codes);
    suite_add_tcase(s, tc);
    return s;
}
