/* verify_exec.c -- checking an implementation through the --exec protocol (verify/exec.c,
   verify/protocol.c, docs/protocol.md).  The adapter is tests/adapters/bridge.c, which serves a
   plugin of tests/plugins/ over the protocol: the correct plugin passes through it exactly as it
   passes as a plugin; each wrong plugin fails the same way; and each way an adapter can break the
   protocol (a crash, a hang, garbage, a wrong id, a non-float32 value, a short array, an error
   answer, no hello, version 2) is reported as the adapter's failure while dnnproof goes on.  The
   parsers are tested on crafted lines.  Breaks tried: reading a JSON number as a hex string only
   (the decimal tests went red); not checking the id (wrong-id passed); not restarting after a
   crash (every later op failed as crash: the restart test went red). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <check.h>
#include "protocol.h"

#define BRIDGE "exec " VR_BUILD_DIR "/tests/adapters/bridge "
#define PLUGINS VR_BUILD_DIR "/tests/plugins/"

static const vr_plugin_options opt = {.seed = 1, .cases = 60, .timeout = 5, .replay = NULL};

static int open_exec(vr_plugin **pl, const char *plugin, const char *fault, char *err, size_t len)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, BRIDGE PLUGINS "%s.so %s", plugin, fault);
    return vr_exec_open(pl, cmd, err, len);
}

static void run(vr_plugin_verdict *v, size_t *n, const char *plugin, const char *fault,
                const vr_plugin_options *o)
{
    char err[512];
    vr_plugin *pl;
    ck_assert_msg(open_exec(&pl, plugin, fault, err, sizeof err) == DP_OK, "%s", err);
    ck_assert_int_eq(vr_plugin_check(v, n, pl, o), DP_OK);
    vr_plugin_close(pl);
}

static void clear(vr_plugin_verdict *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vr_plugin_verdict_clear(&v[i]);
}

/* The correct implementation passes every op in both precisions through the protocol, with the
   very errors it has as a plugin: numbers travel exactly. */
START_TEST(good_adapter_passes_as_the_plugin_does)
{
    vr_plugin_verdict v[2 * VR_NOPS], w[2 * VR_NOPS];
    size_t n, m;
    char err[512];
    vr_plugin *pl;
    run(v, &n, "good", "", &opt);
    ck_assert_int_eq(vr_plugin_open(&pl, PLUGINS "good.so", err, sizeof err), DP_OK);
    ck_assert_int_eq(vr_plugin_check(w, &m, pl, &opt), DP_OK);
    vr_plugin_close(pl);
    ck_assert_uint_eq(n, 2 * VR_NOPS);
    ck_assert_uint_eq(m, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(v[i].kind == VR_PK_PASS, "%s %s: %s (%s)", v[i].op,
                      v[i].f32 ? "float32" : "double", vr_plugin_kind_name(v[i].kind),
                      v[i].s.cx_result.note);
        ck_assert_uint_eq(v[i].s.cases, opt.cases);
        ck_assert_msg(v[i].s.max_err_ratio == w[i].s.max_err_ratio, "%s: %g through exec, %g "
                      "as a plugin", v[i].op, v[i].s.max_err_ratio, w[i].s.max_err_ratio);
    }
    clear(v, n);
    clear(w, m);
}
END_TEST

/* A wrong implementation fails through the protocol for the reason it fails as a plugin. */
static const struct {
    const char *plugin, *op;
    vr_plugin_kind kind;
} wrong[] = {
    {"naive_softmax", "softmax", VR_PK_NAN},
    {"relu_kink", "relu_jacobian", VR_PK_WRONG},
    {"dense_transpose", "dense", VR_PK_WRONG},
    {"crash", "softmax", VR_PK_CRASH}, /* the plugin's SIGSEGV kills the adapter */
    {"refuse", "cce", VR_PK_REFUSED},
    {"cce_sign", "cce_gradient", VR_PK_WRONG},
    {"net_kink", "network_gradient", VR_PK_WRONG},
};

START_TEST(wrong_implementation_fails_for_its_reason)
{
    vr_plugin_verdict v[2 * VR_NOPS];
    size_t n, failed = 0;
    run(v, &n, wrong[_i].plugin, "", &opt);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].op, wrong[_i].op) != 0) {
            ck_assert_msg(v[i].kind == VR_PK_PASS, "%s: %s fails too", wrong[_i].plugin, v[i].op);
            continue;
        }
        failed++;
        ck_assert_msg(v[i].kind == wrong[_i].kind, "%s: %s fails as '%s': %s", wrong[_i].plugin,
                      v[i].op, vr_plugin_kind_name(v[i].kind), v[i].s.cx_result.note);
    }
    ck_assert_uint_ge(failed, 1);
    clear(v, n);
}
END_TEST

/* Every way to break the protocol is the adapter's failure, on every op (the adapter is started
   again after each), and dnnproof carries on to the end. */
static const struct {
    const char *fault;
    vr_plugin_kind kind;
    int f32_only;
} faults[] = {
    {"crash", VR_PK_CRASH, 0},      {"exit", VR_PK_CRASH, 0},       {"hang", VR_PK_TIMEOUT, 0},
    {"garbage", VR_PK_PROTOCOL, 0}, {"wrong-id", VR_PK_PROTOCOL, 0}, {"short", VR_PK_PROTOCOL, 0},
    {"not-f32", VR_PK_PROTOCOL, 1}, {"error", VR_PK_REFUSED, 0},
};

START_TEST(broken_adapter_fails_and_dnnproof_goes_on)
{
    vr_plugin_options o = opt;
    o.cases = 3, o.timeout = 0.2; /* the faults strike on the third call */
    o.ops = 1u << VR_OP_RELU | 1u << VR_OP_NETWORK_GRADIENT;
    vr_plugin_verdict v[2 * VR_NOPS];
    size_t n;
    run(v, &n, "good", faults[_i].fault, &o);
    ck_assert_uint_eq(n, 4);
    for (size_t i = 0; i < n; i++) {
        vr_plugin_kind want = faults[_i].f32_only && !v[i].f32 ? VR_PK_PASS : faults[_i].kind;
        ck_assert_msg(v[i].kind == want, "%s: %s %s is '%s' (%s)", faults[_i].fault, v[i].op,
                      v[i].f32 ? "float32" : "double", vr_plugin_kind_name(v[i].kind),
                      v[i].s.cx_result.note);
    }
    clear(v, n);
}
END_TEST

/* An adapter that cannot be talked to is a load error with one reason, not a crash. */
START_TEST(load_errors)
{
    static const struct {
        const char *cmd, *says;
    } bad[] = {{BRIDGE PLUGINS "good.so no-hello", "in answer to hello"},
               {BRIDGE PLUGINS "good.so v2", "version 1"},
               {"/no/such/adapter", "in answer to hello"},
               {BRIDGE PLUGINS "good.so no-ops", "lists no op"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        vr_plugin *pl = NULL;
        ck_assert_int_eq(vr_exec_open(&pl, bad[i].cmd, err, sizeof err), DP_EDOMAIN);
        ck_assert_ptr_null(pl);
        ck_assert_msg(strstr(err, bad[i].says) != NULL, "%s: '%s'", bad[i].cmd, err);
    }
}
END_TEST

/* ---- the parsers on crafted lines ------------------------------------------------------------ */

static vr_plugin_kind parse(double *out, const char *line, int op, int f32, vr_case *c)
{
    vr_call k;
    char note[200];
    ck_assert(vr_abi_marshal(&k, op, c));
    return vr_proto_parse_response(out, note, sizeof note, line, strlen(line), &k, f32, 7);
}

START_TEST(responses_parsed_exactly_or_refused)
{
    vr_case c;
    vr_case_init(&c);
    vr_case_dim(&c, "m", 3);
    vr_case_array(&c, "z", 3);
    double out[3];
    /* hex, shortest decimals, a negative zero, infinities, NaN */
    ck_assert_int_eq(parse(out, "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[\"0x1.8p-1\",0.1,-0]}}",
                           VR_OP_RELU, 0, &c), VR_PK_PASS);
    ck_assert(out[0] == 0.75 && out[1] == 0.1 && out[2] == 0 && signbit(out[2]));
    ck_assert_int_eq(parse(out, "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[\"inf\",\"-inf\",\"nan\"]}}",
                           VR_OP_RELU, 0, &c), VR_PK_PASS);
    ck_assert(isinf(out[0]) && out[1] < 0 && isinf(out[1]) && isnan(out[2]));
    ck_assert_int_eq(parse(out, "{\"v\":1,\"id\":7,\"error\":\"no\"}", VR_OP_RELU, 0, &c),
                     VR_PK_REFUSED);
    static const char *const bad[] = {
        "{\"v\":1,\"id\":8,\"outputs\":{\"out\":[1,2,3]}}",         /* another id */
        "{\"id\":7,\"outputs\":{\"out\":[1,2,3]}}",                 /* no version */
        "{\"v\":2,\"id\":7,\"outputs\":{\"out\":[1,2,3]}}",         /* version 2 */
        "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[1,2]}}",           /* too short */
        "{\"v\":1,\"id\":7,\"outputs\":{\"J\":[1,2,3]}}",           /* no "out" */
        "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[1,2,\"0x1p\"]}}",  /* not a number */
        "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[1,2,\"\"]}}",      /* empty */
        "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[1,2,true]}}",      /* not a number */
        "{\"v\":1,\"id\":7,\"v\":1,\"outputs\":{\"out\":[1,2,3]}}", /* duplicate key */
        "{\"v\":1,\"id\":7}",                                       /* neither */
        "[1,2,3]", "", "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[1,2,3]}", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(parse(out, bad[i], VR_OP_RELU, 0, &c) == VR_PK_PROTOCOL, "%s", bad[i]);
    /* float32: a value that is not a float is refused; one that is passes */
    ck_assert_int_eq(parse(out, "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[0.5,1,\"0x1.000001p+0\"]}}",
                           VR_OP_RELU, 1, &c), VR_PK_PROTOCOL);
    ck_assert_int_eq(parse(out, "{\"v\":1,\"id\":7,\"outputs\":{\"out\":[0.5,1,\"0x1.000002p+0\"]}}",
                           VR_OP_RELU, 1, &c), VR_PK_PASS);
    vr_case_clear(&c);
}
END_TEST

/* A request carries every input bit for bit (hex floats), -0.0 and subnormals included. */
START_TEST(requests_carry_inputs_exactly)
{
    vr_case c;
    vr_case_init(&c);
    vr_case_dim(&c, "m", 4);
    double *z = vr_case_array(&c, "z", 4);
    z[0] = -0.0, z[1] = 0x1p-1074, z[2] = 0.1, z[3] = -1e300;
    vr_call k;
    ck_assert(vr_abi_marshal(&k, VR_OP_SOFTMAX, &c));
    char *line = vr_proto_request(&k, 0, 3);
    ck_assert_ptr_nonnull(line);
    ck_assert(strchr(line, '\n') == line + strlen(line) - 1);
    ck_assert_ptr_nonnull(strstr(line, "\"z\":[\"-0x0p+0\",\"0x0.0000000000001p-1022\","
                                       "\"0x1.999999999999ap-4\",\"-0x1.7e43c8800759cp+996\"]"));
    ck_assert_ptr_nonnull(strstr(line, "\"id\":3"));
    ck_assert_ptr_nonnull(strstr(line, "\"op\":\"softmax\""));
    ck_assert_ptr_nonnull(strstr(line, "\"precision\":\"double\""));
    free(line);
    vr_case_clear(&c);
}
END_TEST

static int exit_code(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, VR_BUILD_DIR "/dnnproof check %s >/dev/null 2>&1", args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(cli_exit_codes)
{
    ck_assert_int_eq(exit_code("--exec '" BRIDGE PLUGINS "good.so' --cases 10"), 0);
    ck_assert_int_eq(exit_code("--exec '" BRIDGE PLUGINS "cce_sign.so' --cases 10"), 1);
    ck_assert_int_eq(exit_code("--exec '" BRIDGE PLUGINS "good.so garbage' --op cce"), 1);
    ck_assert_int_eq(exit_code("--exec '" BRIDGE PLUGINS "good.so' --op no_such_op"), 2);
    ck_assert_int_eq(exit_code("--exec false"), 2);
    ck_assert_int_eq(exit_code("--exec '" BRIDGE PLUGINS "good.so v2'"), 2);
    ck_assert_int_eq(exit_code("--plugin " PLUGINS "good.so --exec true"), 2);
    ck_assert_int_eq(exit_code("--exec '" BRIDGE PLUGINS "good.so' --replay 'dp1:plugin/relu"
                               "/double:m=1:z=0x0p+0'"), 0);
}
END_TEST

Suite *exec_suite(void);
Suite *exec_suite(void)
{
    Suite *s = suite_create("exec");
    TCase *t = tcase_create("exec");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, good_adapter_passes_as_the_plugin_does);
    tcase_add_loop_test(t, wrong_implementation_fails_for_its_reason, 0,
                        sizeof wrong / sizeof wrong[0]);
    tcase_add_loop_test(t, broken_adapter_fails_and_dnnproof_goes_on, 0,
                        sizeof faults / sizeof faults[0]);
    tcase_add_test(t, load_errors);
    tcase_add_test(t, responses_parsed_exactly_or_refused);
    tcase_add_test(t, requests_carry_inputs_exactly);
    tcase_add_test(t, cli_exit_codes);
    suite_add_tcase(s, t);
    return s;
}
