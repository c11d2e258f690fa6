/* verify_explain.c -- `dnnproof explain` for every proposition: what a class sees (the statement,
   the entries with their agreeing digits, the verdict, the ladder, the erratum's counterexample,
   the kink report) and the plot data (well-formed; rendered where gnuplot is installed). */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <check.h>
#include "impl.h"
#include "verify.h"

static const vr_options opt = {.seed = 1, .cases = 100, .prec = 128, .ladder = 1};

static char *explain(const vr_prop *p, const char *plot)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(vr_explain(f, p, &opt, 0, plot, NULL), DP_OK);
    fclose(f);
    return text;
}

/* The explanation shows the statement as written, a worked instance compared entry by entry,
   the verdict the proposition expects, and its ladder; a corrected statement also shows the
   counterexample of its as-written variants. */
START_TEST(explain_shows_the_proposition)
{
    vr_lib = &vr_builtin;
    const vr_prop *p = vr_props[_i];
    char *t = explain(p, NULL);
    char head[41];
    snprintf(head, sizeof head, "%s", p->statement); /* the statement's first 40 bytes */
    ck_assert_msg(strstr(t, head) != NULL, "%s: statement missing", p->id);
    ck_assert_msg(strstr(t, "a worked instance") && strstr(t, "digits agree"), "%s", p->id);
    ck_assert_msg(strstr(t, "p =  512:") != NULL, "%s: no ladder", p->id);
    if (p->expect == VR_EXPECT_HOLDS && (p->required & VR_CLASS_KINK))
        ck_assert_msg(strstr(t, "at a kink") && strstr(t, "left ") && strstr(t, "right ") &&
                          strstr(t, "convention ReLU'(0)=0"),
                      "%s: no kink report", p->id);
    if (p->expect == VR_EXPECT_HOLDS) {
        ck_assert_msg(strstr(t, "holds: ") != NULL, "%s: worked instance not held:\n%s", p->id, t);
        char variant[96];
        snprintf(variant, sizeof variant, "%s/as-written", p->id);
        if (vr_prop_find(variant) != NULL || strstr(t, "refuted as written"))
            ck_assert_msg(strstr(t, "the smallest counterexample found") &&
                              strstr(t, "replay: dnnproof verify --replay 'dp1:"),
                          "%s: erratum not shown", p->id);
    }
    free(t);
}
END_TEST

/* At an exact kink the explanation reports the one-sided derivatives and the convention. */
static const double kink_x[2] = {0.5, 0.5};

START_TEST(explain_reports_a_kink)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    vr_ctx ctx = {128, 1, {0}, f, 0, NULL};
    dp_mpws_init(&ctx.ws, 128);
    vr_map map = {"dReLU", kink_relu_f, kink_relu_j, 2, 1, 1, NULL, VR_SCALE_COORD, NULL};
    vr_result r;
    ck_assert_int_eq(vr_check_derivative(&r, &map, kink_x, &ctx), DP_OK);
    dp_mpws_clear(&ctx.ws);
    fclose(f);
    ck_assert_int_eq(r.verdict, VR_HOLDS);
    ck_assert_msg(strstr(r.note, "left 0, right 1, convention ReLU'(0)=0 gives 0"), "%s", r.note);
    ck_assert(strstr(text, "digits agree") != NULL);
    ck_assert(strstr(text, "as the step h = 2^e shrinks") != NULL);
    free(text);
}
END_TEST

/* Counts the data rows of a .dat file whose every row has `cols` non-negative numbers. */
static int dat_rows(const char *path, int cols)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        double v[4];
        int got = sscanf(line, "%lf %lf %lf %lf", &v[0], &v[1], &v[2], &v[3]);
        if (got != cols) {
            fclose(f);
            return -1;
        }
        for (int k = 1; k < cols; k++)
            if (!(v[k] >= 0)) {
                fclose(f);
                return -1;
            }
        rows++;
    }
    fclose(f);
    return rows;
}

/* --plot writes well-formed data (the step curve past its minimum, four rungs), the scripts,
   and, where gnuplot is installed, the SVG and PNG pictures. */
START_TEST(plot_data_is_well_formed)
{
    char dir[] = "/tmp/dnnproof-plot-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *t = explain(vr_prop_find("softmax-jacobian"), dir);
    free(t);
    char path[256];
    snprintf(path, sizeof path, "%s/steps.dat", dir);
    ck_assert_int_ge(dat_rows(path, 4), 128 / 3 + 10); /* past the minimum near 2^-(p/3) */
    snprintf(path, sizeof path, "%s/ladder.dat", dir);
    ck_assert_int_eq(dat_rows(path, 2), VR_RUNGS);
    FILE *devnull = fopen("/dev/null", "w");
    ck_assert_int_eq(vr_plots(devnull, dir, "softmax-jacobian"), DP_OK);
    fclose(devnull);
    const char *files[] = {"steps.gp", "ladder.gp", "steps.svg", "ladder.svg", "steps.png",
                           "ladder.png"};
    int gnuplot = system("command -v gnuplot > /dev/null 2>&1") == 0;
    for (int k = 0; k < (gnuplot ? 6 : 2); k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        ck_assert_msg(access(path, R_OK) == 0, "%s missing", path);
    }
    for (int k = 0; k < 6; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/steps.dat", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/ladder.dat", dir);
    unlink(path);
    rmdir(dir);
}
END_TEST

Suite *explain_suite(void)
{
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("explain");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, explain_shows_the_proposition, 0, (int)vr_nprops);
    tcase_add_test(tc, explain_reports_a_kink);
    tcase_add_test(tc, plot_data_is_well_formed);
    suite_add_tcase(s, tc);
    return s;
}
