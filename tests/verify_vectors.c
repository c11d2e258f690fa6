/* verify_vectors.c -- golden vectors (verify/vectors*.c, docs/vectors.md): generated files are
   byte-identical for a seed and check; their expected values are the exact results correctly
   rounded (against an independent MPFR evaluation and rounding at 2048 bits, and the rounding
   itself against its traps: subnormal ties, double rounding through double for float32); a file
   whose value is wrong is caught (exit 1); a malformed file gives exit 2 and one line naming
   file:line, whatever its fault, and so does every prefix of a good file.
   Each check was seen to fail once with the code it guards broken on purpose; the comment above
   it says how. */
#include <dirent.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>
#include "props.h"
#include "vectors.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/dnnproof-vectors-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(const char *d)
{
    DIR *dp = opendir(d);
    struct dirent *e;
    char path[512];
    while (dp && (e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", d, e->d_name);
        unlink(path);
    }
    if (dp)
        closedir(dp);
    rmdir(d);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(*len + 1);
    ck_assert_uint_eq(fread(b, 1, *len, f), *len);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* Checks a buffer; err gets what was said. */
static int check_text(const char *text, char *err, size_t errlen)
{
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    int rc = vr_vectors_check_buffer(text, strlen(text), "t.jsonl", f, NULL);
    fclose(f);
    snprintf(err, errlen, "%s", out);
    free(out);
    return rc;
}

static size_t lines_of(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- generation and the round trip ------------------------------------------------------------ */

/* Every file of a run checks, and the same seed gives the same bytes.  (Broken once: a case's
   seed that also counted the calls made, state carried from one run into the next, made the
   second run's files differ; the reader re-deriving float32 files in double failed their
   check.) */
START_TEST(files_round_trip)
{
    char err[512], a[512], b[512], dir2[64];
    make_dir();
    ck_assert_int_eq(vr_vectors_write(dir, 7, 12, NULL, err, sizeof err), DP_OK);
    snprintf(dir2, sizeof dir2, "%s", dir);
    make_dir();
    ck_assert_int_eq(vr_vectors_write(dir, 7, 12, NULL, err, sizeof err), DP_OK);
    for (int op = 0; op < VR_NOPS; op++)
        for (int f32 = 0; f32 < 2; f32++) {
            char name[64];
            size_t la, lb, n = 0;
            vr_vectors_filename(name, sizeof name, op, f32);
            snprintf(a, sizeof a, "%s/%s", dir, name);
            snprintf(b, sizeof b, "%s/%s", dir2, name);
            char *ta = slurp(a, &la), *tb = slurp(b, &lb);
            ck_assert_msg(la == lb && memcmp(ta, tb, la) == 0, "%s differs between runs", name);
            ck_assert_int_eq(vr_vectors_check_file(a, stderr, &n), 0);
            ck_assert_uint_eq(n, 12);
            free(ta);
            free(tb);
        }
    remove_dir(dir);
    remove_dir(dir2);
}
END_TEST

/* The command: --out then --check exit 0; a usage error exits 2. */
START_TEST(command_exit_codes)
{
    char cases[] = "3", path[128];
    make_dir();
    char *out[] = {"dnnproof", "vectors", "--out", dir, "--cases", cases, "--seed", "5", NULL};
    ck_assert_int_eq(cmd_vectors(8, out), 0);
    snprintf(path, sizeof path, "%s/dense.float32.jsonl", dir);
    char *chk[] = {"dnnproof", "vectors", "--check", path, NULL};
    ck_assert_int_eq(cmd_vectors(4, chk), 0);
    char *bad1[] = {"dnnproof", "vectors", "--cases", "0", "--out", dir, NULL};
    ck_assert_int_eq(cmd_vectors(6, bad1), 2);
    char *bad2[] = {"dnnproof", "vectors", "--check", NULL};
    ck_assert_int_eq(cmd_vectors(3, bad2), 2);
    char *bad3[] = {"dnnproof", "vectors", "--check", "/no/such/file", NULL};
    ck_assert_int_eq(cmd_vectors(4, bad3), 2);
    remove_dir(dir);
}
END_TEST

/* ---- the rounding ------------------------------------------------------------------------------ */

/* x = m * 2^e at prec bits, exactly. */
static void set2(mpfr_t x, double m, long e, double m2, long e2)
{
    mpfr_t t;
    mpfr_init2(t, 4096);
    mpfr_set_d(x, m, MPFR_RNDN);
    mpfr_mul_2si(x, x, e, MPFR_RNDN);
    mpfr_set_d(t, m2, MPFR_RNDN);
    mpfr_mul_2si(t, t, e2, MPFR_RNDN);
    mpfr_add(x, x, t, MPFR_RNDN);
    mpfr_clear(t);
}

/* Rounding to the precision at its traps: ties to even at the bottom of the subnormals and at
   the top of the range, and values that rounding through double would round twice.  (Broken
   once: vr_vec_round for float32 as (float)mpfr_get_d(x) gave 1 for 1 + 2^-24 + 2^-60; without
   mpfr_subnormalize, 3 * 2^-150 gave 1.5 * 2^-149; with float's emin -149 for -148, 2^-150 gave
   itself.) */
START_TEST(rounding_traps)
{
    static const struct {
        int f32;
        double m;
        long e;
        double m2;
        long e2;
        double want;
    } t[] = {
        {1, 1, -150, 0, 0, 0},                      /* half the least subnormal: to 0, even */
        {1, 1, -150, 1, -200, 0x1p-149},            /* just above: up */
        {1, 3, -150, 0, 0, 0x1p-148},               /* 1.5 * 2^-149: to the even 2^-148 */
        {1, 1, 0, 1, -24, 1},                       /* a tie at 1: to even */
        {1, 1 + 0x1p-24, 0, 1, -60, 1 + 0x1p-23},   /* through double: 1 (double rounding) */
        {1, 0.5, -149, 1, -209, 0x1p-149},          /* through double: 0 */
        {1, -1, -150, 0, 0, -0.0},
        {1, FLT_MAX, 0, 1, 103, INFINITY},          /* half an ulp above FLT_MAX: a tie, up */
        {1, FLT_MAX, 0, 1, 102, FLT_MAX},
        {0, 1, -1075, 0, 0, 0},
        {0, 1, -1075, 1, -1200, 0x1p-1074},
        {0, 3, -1075, 0, 0, 0x1p-1073},
        {0, 1, 0, 1, -53, 1},
        {0, 1, 0, 1 + 0x1p-50, -53, 1 + 0x1p-52},   /* 1 + 2^-53 + 2^-103: up */
        {0, DBL_MAX, 0, 1, 970, INFINITY},
        {0, DBL_MAX, 0, 1, 969, DBL_MAX},
        {0, -DBL_MAX, 0, -1, 970, -INFINITY},
    };
    mpfr_t x;
    mpfr_init2(x, 4096);
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        set2(x, t[i].m, t[i].e, t[i].m2, t[i].e2);
        double got = vr_vec_round(x, t[i].f32);
        ck_assert_msg(got == t[i].want && signbit(got) == signbit(t[i].want), "case %zu: %a, not %a",
                      i, got, t[i].want);
    }
    mpfr_clear(x);
}
END_TEST

/* The same against MPFR's own conversions (mpfr_get_d, mpfr_get_flt: each one rounding) on
   random values of every scale, subnormals included.  (Broken once: float's emin -149 for -148,
   or mpfr_subnormalize left out, failed here.  Rounding through double did not: its error needs
   a value within 2^-53 of a float tie, which random values are not; rounding_traps has them.) */
START_TEST(rounding_agrees_with_mpfr)
{
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 12345);
    mpfr_t x;
    mpfr_init2(x, 200);
    for (int i = 0; i < 20000; i++) {
        int f32 = i % 2;
        long emin = f32 ? -160 : -1090, emax = f32 ? 130 : 1030;
        mpfr_urandomb(x, rs);
        mpfr_mul_2si(x, x, emin + (long)(gmp_urandomm_ui(rs, (unsigned long)(emax - emin))),
                     MPFR_RNDN);
        if (i % 4 < 2)
            mpfr_neg(x, x, MPFR_RNDN);
        double want = f32 ? (double)mpfr_get_flt(x, MPFR_RNDN) : mpfr_get_d(x, MPFR_RNDN);
        ck_assert_msg(vr_vec_round(x, f32) == want, "%s: %a, not %a",
                      f32 ? "float32" : "double", vr_vec_round(x, f32), want);
    }
    mpfr_clear(x);
    gmp_randclear(rs);
}
END_TEST

/* ---- expected values against an independent evaluation ----------------------------------------- */

/* Two decimals of "%.39Re" equal, the sign of a zero aside. */
static int same_decimal(const char *a, const char *b)
{
    return !strcmp(a + (*a == '-' && strspn(a + 1, "0.") == 41),
                   b + (*b == '-' && strspn(b + 1, "0.") == 41));
}

static double hex(const json_t *j)
{
    return strtod(json_string_value(j), NULL);
}

/* out[j] of op (softmax, dense, cce) for a case, evaluated here in MPFR at 4224 bits, with
   formulas of its own (not the library's): S_j = e^{z_j - max} / sum_k e^{z_k - max};
   b_j + sum_k W_jk y_k (exact); -log y_c for the label's class c. */
static size_t independent(mpfr_ptr out, int op, const json_t *in)
{
    mpfr_t a[64], t, s;
    size_t n = 0;
    for (int i = 0; i < 64; i++)
        mpfr_init2(a[i], 4224);
    mpfr_inits2(4224, t, s, (mpfr_ptr)0);
    if (op == VR_OP_SOFTMAX) {
        const json_t *z = json_object_get(in, "z");
        n = json_array_size(z);
        double zmax = -INFINITY;
        for (size_t j = 0; j < n; j++)
            zmax = fmax(zmax, hex(json_array_get(z, j)));
        mpfr_set_zero(s, 1);
        for (size_t j = 0; j < n; j++) {
            mpfr_set_d(a[j], hex(json_array_get(z, j)), MPFR_RNDN);
            mpfr_sub_d(a[j], a[j], zmax, MPFR_RNDN); /* exact at 4224 bits */
            mpfr_exp(a[j], a[j], MPFR_RNDN);
            mpfr_add(s, s, a[j], MPFR_RNDN);
        }
        for (size_t j = 0; j < n; j++)
            mpfr_div(out + j, a[j], s, MPFR_RNDN);
    } else if (op == VR_OP_DENSE) {
        const json_t *y = json_object_get(in, "y"), *W = json_object_get(in, "W"),
                     *b = json_object_get(in, "b");
        size_t m = json_array_size(y);
        n = json_array_size(b);
        for (size_t j = 0; j < n; j++) {
            mpfr_set_d(out + j, hex(json_array_get(b, j)), MPFR_RNDN);
            for (size_t k = 0; k < m; k++) {
                mpfr_set_d(t, hex(json_array_get(W, j * m + k)), MPFR_RNDN);
                mpfr_mul_d(t, t, hex(json_array_get(y, k)), MPFR_RNDN);
                mpfr_add(out + j, out + j, t, MPFR_RNDN);
            }
        }
    } else { /* cce */
        const json_t *yhat = json_object_get(in, "yhat"), *y = json_object_get(in, "y");
        n = 1;
        for (size_t j = 0; j < json_array_size(y); j++)
            if (hex(json_array_get(yhat, j)) == 1) {
                mpfr_set_d(t, hex(json_array_get(y, j)), MPFR_RNDN);
                mpfr_log(out, t, MPFR_RNDN);
                mpfr_neg(out, out, MPFR_RNDN);
            }
    }
    for (int i = 0; i < 64; i++)
        mpfr_clear(a[i]);
    mpfr_clears(t, s, (mpfr_ptr)0);
    return n;
}

/* Every expected value and decimal of the softmax, dense and cce files, both precisions, is the
   independent evaluation rounded by MPFR's own mpfr_get_d / mpfr_get_flt and printed to 40
   digits.  (Broken once: expected one ulp up, and decimals of 41 digits, failed here; so did the
   confirmation without its floor of 2^8 ulps, or the 256-bit reference taken alone, on
   dense-double-0055: its exact result is a 40-digit decimal tie plus a product of 2^-837 that
   256 and 512 bits both round away.) */
START_TEST(expected_is_correctly_rounded)
{
    static const int ops[] = {VR_OP_SOFTMAX, VR_OP_DENSE, VR_OP_CCE};
    char err[512], path[512], dec[64];
    make_dir();
    ck_assert_int_eq(vr_vectors_write(dir, 11, 60, NULL, err, sizeof err), DP_OK);
    mpfr_ptr out = dp_mpvec_init(64, 4224);
    size_t checked = 0;
    for (size_t o = 0; o < 3; o++)
        for (int f32 = 0; f32 < 2; f32++) {
            char name[64];
            size_t len;
            vr_vectors_filename(name, sizeof name, ops[o], f32);
            snprintf(path, sizeof path, "%s/%s", dir, name);
            char *text = slurp(path, &len), *line = strchr(text, '\n') + 1, *nl;
            for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
                *nl = '\0';
                json_t *c = json_loads(line, 0, NULL);
                ck_assert_ptr_nonnull(c);
                const char *key = ops[o] == VR_OP_CCE ? "loss" : "out";
                json_t *e = json_object_get(json_object_get(c, "expected"), key),
                       *d = json_object_get(json_object_get(c, "expected_decimal"), key);
                size_t n = independent(out, ops[o], json_object_get(c, "inputs"));
                for (size_t j = 0; j < n; j++) {
                    const json_t *ej = json_is_array(e) ? json_array_get(e, j) : e,
                                 *dj = json_is_array(d) ? json_array_get(d, j) : d;
                    double want = f32 ? (double)mpfr_get_flt(out + j, MPFR_RNDN)
                                      : mpfr_get_d(out + j, MPFR_RNDN);
                    mpfr_snprintf(dec, sizeof dec, "%.39Re", out + j);
                    ck_assert_msg(hex(ej) == want, "%s %s[%zu]: expected %a, independently %a",
                                  json_string_value(json_object_get(c, "id")), key, j, hex(ej),
                                  want);
                    ck_assert_msg(same_decimal(json_string_value(dj), dec),
                                  "%s %s[%zu]: decimal %s, independently %s",
                                  json_string_value(json_object_get(c, "id")), key, j,
                                  json_string_value(dj), dec);
                    checked++;
                }
                json_decref(c);
            }
            free(text);
        }
    ck_assert_uint_ge(checked, 360);
    dp_mpvec_clear(out, 64);
    remove_dir(dir);
}
END_TEST

/* ---- files written by hand ------------------------------------------------------------------- */

#define HEADER(op, prec, u, cases)                                                               \
    "{\"vectors\":\"dnnproof\",\"version\":1,\"op\":\"" op "\",\"precision\":\"" prec "\","     \
    "\"generator\":\"by hand\",\"seed\":0,\"u\":\"" u "\",\"cases\":" cases ",\"comment\":\"\","   \
    "\"notes\":{}}\n"
#define D40(d) d ".000000000000000000000000000000000000000e+00"
#define RELU(id, z)                                                                              \
    "{\"id\":\"" id "\",\"op\":\"relu\",\"precision\":\"double\",\"dims\":{\"m\":2},"            \
    "\"inputs\":{\"z\":[" z "]},\"expected\":{\"out\":[\"0x1p+0\",\"0x0p+0\"]},"                 \
    "\"expected_decimal\":{\"out\":[\"" D40("1") "\",\"" D40("0") "\"]},"                         \
    "\"bound\":{\"out\":[\"0x0p+0\",\"0x0p+0\"]},\"flags\":[],\"comment\":\"by hand\"}\n"

/* ReLU of (1, -1) is (1, 0), exactly: a file that checks. */
static const char good[] =
    HEADER("relu", "double", "0x1p-53", "2") RELU("relu-1", "\"0x1p+0\",\"-0x1p+0\"")
        RELU("relu-2", "\"0x1p+0\",\"-0x1.8p+3\"");

/* text with the first `from` replaced by `to` (malloc'd). */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "no '%s' to edit", from);
    char *s = malloc(strlen(text) + strlen(to) + 1);
    size_t pre = (size_t)(at - text);
    memcpy(s, text, pre);
    strcpy(s + pre, to);
    strcat(s, at + strlen(from));
    return s;
}

START_TEST(hand_written_file_checks)
{
    char err[1024];
    ck_assert_msg(check_text(good, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(err, "");
}
END_TEST

/* A wrong value in a well-formed file: exit 1 and one line naming the file, the line, the case
   and the entry.  (Broken once: compare() without the bound let the wrong bound through; the
   flags compared one way, a derived flag missing from the file, let the added flag through.) */
static const struct {
    const char *from, *to, *says;
} wrong[] = {
    {"\"expected\":{\"out\":[\"0x1p+0\",\"0x0p+0\"]}",
     "\"expected\":{\"out\":[\"0x1p+0\",\"0x1p-1074\"]}",
     "t.jsonl:2: relu-1: expected.out[1] is 0x0.0000000000001p-1022; the reference rounds to 0x0p+0"},
    {"\"expected\":{\"out\":[\"0x1p+0\",", "\"expected\":{\"out\":[\"0x1.0000000000001p+0\",",
     "t.jsonl:2: relu-1: expected.out[0]"},
    {"\"" D40("1") "\"", "\"1.000000000000000000000000000000000000001e+00\"",
     "t.jsonl:2: relu-1: expected_decimal.out[0]"},
    {"\"bound\":{\"out\":[\"0x0p+0\"", "\"bound\":{\"out\":[\"0x1p-60\"", "relu-1: bound.out[0]"},
    {"\"flags\":[]", "\"flags\":[\"kink\"]", "relu-1: flag \"kink\" is set"},
};

START_TEST(wrong_value_is_caught)
{
    char err[1024], *text = edit(good, wrong[_i].from, wrong[_i].to);
    ck_assert_int_eq(check_text(text, err, sizeof err), 1);
    ck_assert_msg(strstr(err, wrong[_i].says) != NULL, "said: %s", err);
    ck_assert_uint_eq(lines_of(err), 1);
    free(text);
}
END_TEST

/* A malformed file: exit 2 and one line, file:line: what.  (Broken once each in
   vectors_read.c: without the duplicate-id test the file passed; without read_array's length
   test the short array was called "not a string" at z[1]; every string handed to MPFR without
   the hex syntax, "0x1p" was "not a double"; without the version test and without the count
   test the file passed.) */
static const struct {
    const char *from, *to, *says;
} malformed[] = {
    /* a line cut short */
    {"\"comment\":\"by hand\"}\n{", "\"comm\n{", "t.jsonl:2: not JSON"},
    {"\"-0x1.8p+3\"]},", "\"-0x1.8p+3\"]},\n", "t.jsonl:3: not JSON"},
    {"\"version\":1", "\"version\":2", "t.jsonl:1: version 2: this dnnproof reads version 1"},
    {"\"0x1p+0\",\"-0x1p+0\"", "\"0x1p+0\"", "t.jsonl:2: inputs.z is not an array of 2 numbers"},
    {"\"-0x1p+0\"", "\"0x1p\"", "t.jsonl:2: inputs.z[1] is not a C99 hex float"},
    {"\"-0x1p+0\"", "-1", "t.jsonl:2: inputs.z[1] is not a string"},
    {"\"-0x1p+0\"", "\"0x1.00000000000008p+0\"", "inputs.z[1] is not a double"},
    {"\"-0x1p+0\"", "\"inf\"", "inputs.z[1] is not finite"},
    {"relu-2", "relu-1", "t.jsonl:3: id \"relu-1\" is used twice"},
    {"{\"id\":\"relu-2\"", "[1,2]\n{\"id\":\"relu-2\"", "t.jsonl:3: not a JSON object"},
    {"\"cases\":2", "\"cases\":3", "t.jsonl:4: the header announces 3 cases; the file has 2"},
    {"\"comment\":\"by hand\"}\n{", "\"comment\":\"by hand\",\"x\":1}\n{",
     "t.jsonl:2: the case has an unknown key \"x\""},
    {"\"flags\":[],", "", "t.jsonl:2: the case has no \"flags\""},
    {"\"flags\":[]", "\"flags\":[\"kinky\"]", "t.jsonl:2: flags[0] is not a flag"},
    {"\"dims\":{\"m\":2}", "\"dims\":{\"m\":0}", "dims.m is not a whole number from 1"},
    {"\"op\":\"relu\",\"precision\":\"double\",\"dims\"",
     "\"op\":\"softmax\",\"precision\":\"double\",\"dims\"", "t.jsonl:2: relu-1: \"op\""},
    {"\"expected\":{\"out\":[\"0x1p+0\",\"0x0p+0\"]}", "\"expected\":{\"out\":[\"0x1p+0\"]}",
     "t.jsonl:2: expected.out is not an array of 2 values"},
    {"\"" D40("1") "\"", "\"1.0e+00\"", "t.jsonl:2: expected_decimal.out[0] is not a decimal"},
    {"\"bound\":{\"out\":[\"0x0p+0\"", "\"bound\":{\"out\":[\"-0x1p+0\"",
     "t.jsonl:2: bound.out[0] is not a non-negative number"},
    {"\"u\":\"0x1p-53\"", "\"u\":\"0x1p-24\"", "t.jsonl:1: the header's \"u\""},
    {"\"vectors\":\"dnnproof\",", "", "t.jsonl:1: the first line is not a header"},
    {"\"op\":\"relu\",\"precision\":\"double\",\"generator\"",
     "\"op\":\"relu\",\"precision\":\"float32\",\"generator\"", "t.jsonl:1: the header's \"u\""},
    {"\n{\"id\":\"relu-2\"", "\n\n{\"id\":\"relu-2\"", "t.jsonl:3: an empty line"},
};

START_TEST(malformed_file_is_refused)
{
    char err[1024], *text = edit(good, malformed[_i].from, malformed[_i].to);
    ck_assert_int_eq(check_text(text, err, sizeof err), 2);
    ck_assert_msg(strstr(err, malformed[_i].says) != NULL, "said: %s", err);
    ck_assert_uint_eq(lines_of(err), 1);
    free(text);
}
END_TEST

/* Files that are not vector files at all, and a float32 file with a value that is not a float.
   (Broken once: the last line parsed without its newline, "{}" was "not a header".) */
START_TEST(other_malformed_files)
{
    static const struct {
        const char *text, *says;
    } t[] = {
        {"", "t.jsonl:1: an empty file"},
        {"\n", "t.jsonl:1: an empty line"},
        {"{}", "t.jsonl:1: the last line does not end in a newline"},
        {"{}\n", "t.jsonl:1: the first line is not a header"},
        {"\"vectors\"\n", "t.jsonl:1: not JSON"},
        {HEADER("relu", "float32", "0x1p-24", "1")
         "{\"id\":\"a\",\"op\":\"relu\",\"precision\":\"float32\",\"dims\":{\"m\":1},"
         "\"inputs\":{\"z\":[\"0x1.0000001p+0\"]}}\n",
         "t.jsonl:2: the case has no \"expected\""},
        {HEADER("relu", "float32", "0x1p-24", "1")
         "{\"id\":\"a\",\"op\":\"relu\",\"precision\":\"float32\",\"dims\":{\"m\":1},"
         "\"inputs\":{\"z\":[\"0x1.0000001p+0\"]},\"expected\":{},\"expected_decimal\":{},"
         "\"bound\":{},\"flags\":[],\"comment\":\"\"}\n",
         "t.jsonl:2: inputs.z[0] = 0x1.0000001p+0 is not a float32 value"},
        {HEADER("cce", "double", "0x1p-53", "1")
         "{\"id\":\"a\",\"op\":\"cce\",\"precision\":\"double\",\"dims\":{\"m\":2},"
         "\"inputs\":{\"yhat\":[\"0x1p+0\",\"0x1p+0\"],\"y\":[\"0x1p-1\",\"0x1p-1\"]},"
         "\"expected\":{},\"expected_decimal\":{},\"bound\":{},\"flags\":[],\"comment\":\"\"}\n",
         "t.jsonl:2: inputs.yhat is not one-hot"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char err[1024];
        ck_assert_int_eq(check_text(t[i].text, err, sizeof err), 2);
        ck_assert_msg(strstr(err, t[i].says) != NULL, "%zu said: %s", i, err);
        ck_assert_uint_eq(lines_of(err), 1);
    }
}
END_TEST

/* Every strict prefix of a generated file is malformed (a line cut short, or fewer cases than
   the header announces), with one line; the whole file checks.  (Broken once: without the count
   test, the prefix that ends after the first case passed.) */
START_TEST(every_prefix_is_refused)
{
    char err[4096], path[512];
    size_t len;
    make_dir();
    ck_assert_int_eq(vr_vectors_write(dir, 3, 2, NULL, err, sizeof err), DP_OK);
    snprintf(path, sizeof path, "%s/network_gradient.float32.jsonl", dir);
    char *text = slurp(path, &len);
    for (size_t n = 0; n < len; n++) {
        if (n % 16 != 0 && text[n - 1] != '\n') /* every line boundary, and 1 in 16 others */
            continue;
        char *out = NULL;
        size_t outlen = 0;
        FILE *f = open_memstream(&out, &outlen);
        int rc = vr_vectors_check_buffer(text, n, "p.jsonl", f, NULL);
        fclose(f);
        ck_assert_msg(rc == 2 && lines_of(out) == 1, "prefix %zu: %d, said %s", n, rc, out);
        free(out);
    }
    ck_assert_int_eq(vr_vectors_check_buffer(text, len, "p.jsonl", stderr, NULL), 0);
    free(text);
    remove_dir(dir);
}
END_TEST

Suite *vectors_suite(void)
{
    Suite *s = suite_create("vectors");
    TCase *tc = tcase_create("vectors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, files_round_trip);
    tcase_add_test(tc, command_exit_codes);
    tcase_add_test(tc, rounding_traps);
    tcase_add_test(tc, rounding_agrees_with_mpfr);
    tcase_add_test(tc, expected_is_correctly_rounded);
    tcase_add_test(tc, hand_written_file_checks);
    tcase_add_loop_test(tc, wrong_value_is_caught, 0, sizeof wrong / sizeof *wrong);
    tcase_add_loop_test(tc, malformed_file_is_refused, 0, sizeof malformed / sizeof *malformed);
    tcase_add_test(tc, other_malformed_files);
    tcase_add_test(tc, every_prefix_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
