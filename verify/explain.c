/* explain.c -- `dnnproof explain ID`: one proposition shown to a class: the statement as written
   and corrected, the erratum's shrunk counterexample, a small worked instance with every entry of
   the statement against the finite difference (agreeing digits marked), the step curve and the
   precision ladder, and the kink report where there is one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "verify.h"

static void rule(FILE *f, const char *title)
{
    fprintf(f, "\n── %s ", title);
    for (size_t k = strlen(title); k < 90; k++)
        fputs("─", f); /* U+2500 */
    fputc('\n', f);
}

static void print_case(FILE *f, const vr_case *c)
{
    for (size_t i = 0; i < c->ndim; i++)
        fprintf(f, "%s%s = %zu", i ? ", " : "  ", c->dimname[i], c->dim[i]);
    fputc('\n', f);
    for (size_t i = 0; i < c->narr; i++) {
        fprintf(f, "  %-6s =", c->arr[i].name);
        for (size_t j = 0; j < c->arr[i].len; j++)
            fprintf(f, "%s%.10g", j && j % 6 == 0 ? "\n          " : " ", c->arr[i].v[j]);
        fputc('\n', f);
    }
}

/* Dimensions that choose a family or count samples or layers, not a width. */
static int is_width(const char *name)
{
    return strcmp(name, "p") && strcmp(name, "n") && strcmp(name, "up") && strcmp(name, "comp");
}

/* A worked instance for a class: widths 2 to 4 with the largest 3 or 4, depth 2 if it has one,
   and values a student can read (0, or between 2^-10 and 16 in magnitude). */
static int readable(const vr_case *c)
{
    for (size_t i = 0; i < c->narr; i++)
        for (size_t j = 0; j < c->arr[i].len; j++) {
            double a = fabs(c->arr[i].v[j]);
            if (a > 16 || (a != 0 && a < 0x1p-10))
                return 0;
        }
    return 1;
}

static int worked_size(const vr_case *c)
{
    if (!readable(c))
        return 0;
    size_t big = 0, small = SIZE_MAX, p = vr_case_getdim(c, "p");
    for (size_t i = 0; i < c->ndim; i++) {
        if (!is_width(c->dimname[i]))
            continue;
        big = c->dim[i] > big ? c->dim[i] : big;
        small = c->dim[i] < small ? c->dim[i] : small;
    }
    return big >= 3 && big <= 4 && (small >= 2 || big == small) && (p == 0 || p == 2);
}

/* Whether c has every dimension "name=value" of dims (comma-separated). */
static int has_dims(const vr_case *c, const char *dims)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dims);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (eq == NULL)
            return 0;
        *eq = '\0';
        char *end;
        unsigned long v = strtoul(eq + 1, &end, 10);
        if (*end != '\0' || vr_case_getdim(c, tok) != v)
            return 0;
    }
    return 1;
}

/* A worked instance: the first of seeds S, S+1, ... that worked_size accepts (or, with dims,
   that has those dimensions and readable values), generated at size 3 (or 6 to reach dims). */
static int worked_instance(vr_case *c, const vr_prop *prop, uint64_t seed, const char *dims)
{
    /* with dims: readable values first, then any values */
    for (int pass = 0; pass < (dims ? 2 : 1); pass++)
        for (uint64_t s = seed; s < seed + 100000; s++) {
            vr_src src;
            vr_src_seed(&src, s);
            vr_case_init(c);
            int st = prop->generate(c, &src, dims ? 6 : 3);
            vr_src_clear(&src);
            if (st != DP_OK)
                return st;
            if (dims ? has_dims(c, dims) && (pass == 1 || readable(c)) : worked_size(c))
                return DP_OK;
            vr_case_clear(c);
        }
    if (dims != NULL)
        return DP_EDIM; /* no instance of the proposition has these dimensions */
    vr_src src;
    vr_src_seed(&src, seed);
    int st = prop->generate(c, &src, 3);
    vr_src_clear(&src);
    return st;
}

/* Text wrapped at 96 columns, indented by 2 (columns counted in UTF-8 code points). */
static void wrap(FILE *f, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *line = p, *brk = NULL;
        size_t cols = 0;
        for (; *p && cols < 96; p++) {
            if (*p == ' ')
                brk = p;
            if (((unsigned char)*p & 0xC0) != 0x80)
                cols++;
        }
        if (*p && brk != NULL)
            p = brk;
        while (*p && ((unsigned char)*p & 0xC0) == 0x80) /* never split a character */
            p++;
        fprintf(f, "  %.*s\n", (int)(p - line), line);
        while (*p == ' ')
            p++;
    }
}

static void errata(FILE *f, const vr_prop *prop, const vr_options *opt)
{
    size_t len = strlen(prop->id), found = 0;
    for (size_t i = 0; i < vr_nprops; i++) {
        const vr_prop *v = vr_props[i];
        if (v->expect != VR_EXPECT_REFUTED || strncmp(v->id, prop->id, len) || v->id[len] != '/')
            continue;
        vr_summary s;
        found++;
        if (vr_run_prop(&s, v, opt) != DP_OK)
            continue;
        fprintf(f, "\n  %s: %s\n", v->id, s.refuted ? "refuted as written" : "NOT refuted");
        wrap(f, v->title);
        if (s.token != NULL) {
            fprintf(f, "  the smallest counterexample found (shrunk in %zu steps):\n",
                    s.shrink_steps);
            print_case(f, &s.counterexample);
            for (size_t r = 0; r < s.cx_result.nrows && r < 4; r++)
                fprintf(f, "  %-14s the document's formula %s, the true derivative %s\n",
                        s.cx_result.rows[r].index, s.cx_result.rows[r].analytic,
                        s.cx_result.rows[r].reference);
            if (s.cx_result.note[0])
                fprintf(f, "  %s\n", s.cx_result.note);
            fprintf(f, "  replay: dnnproof verify --replay '%s'\n", s.token);
        }
        vr_summary_clear(&s);
    }
    if (found == 0)
        fprintf(f, "  nowhere: the statement holds as written.\n");
}

/* For a proposition through ReLU: the first generated instance (sizes 1, 2, ...) whose check
   meets a point where the function is not differentiable, and what happens there. */
static int kink_instance(FILE *f, const vr_prop *prop, const vr_options *opt)
{
    vr_ctx ctx = {opt->prec, 0, {0}, NULL, 0, NULL};
    int st = dp_mpws_init(&ctx.ws, opt->prec);
    for (uint64_t s = opt->seed; st == DP_OK && s < opt->seed + 2000; s++) {
        vr_src src;
        vr_case c;
        vr_result r;
        vr_src_seed(&src, s);
        vr_case_init(&c);
        vr_result_init(&r);
        st = prop->generate(&c, &src, 1 + s % 3);
        vr_src_clear(&src);
        if (st == DP_OK)
            st = prop->check(&r, &c, &ctx);
        if (st == DP_OK && strstr(r.note, "not differentiable") != NULL) {
            rule(f, "at a kink: where ReLU has no derivative");
            print_case(f, &c);
            wrap(f, r.note);
            fprintf(f, "  The one-sided derivatives differ, so there is no derivative; the "
                       "statement is held to\n  the document's convention ReLU'(0) = 0, which "
                       "is the derivative of the function with\n  that unit switched off.\n");
            vr_case_clear(&c);
            break;
        }
        vr_case_clear(&c);
    }
    dp_mpws_clear(&ctx.ws);
    return st;
}

int vr_explain(FILE *f, const vr_prop *prop, const vr_options *opt, int color, const char *plot,
               const char *dims)
{
    vr_case c;
    int st = worked_instance(&c, prop, opt->seed, dims);
    if (st != DP_OK)
        return st;
    fprintf(f, "%s — §%s\n", prop->id, prop->section);
    wrap(f, prop->title);
    rule(f, "as the document writes it");
    wrap(f, prop->statement);
    if (prop->corrected != NULL) {
        rule(f, "corrected (what dnnproof holds the code to)");
        wrap(f, prop->corrected);
    }
    if (prop->expect == VR_EXPECT_HOLDS) {
        rule(f, "where the document errs");
        errata(f, prop, opt);
    }

    rule(f, "a worked instance");
    print_case(f, &c);
    for (size_t i = 0; i < vr_ndescribers; i++)
        if (!strcmp(vr_describers[i].id, prop->id)) {
            rule(f, "its intermediate values");
            vr_describers[i].describe(f, &c);
        }
    rule(f, "the statement against the finite difference, entry by entry");
    fprintf(f, "  (finite difference: Richardson-extrapolated central differences in MPFR at "
               "%ld bits)\n", (long)opt->prec);
    vr_ctx ctx = {opt->prec, 1, {0}, f, color, plot};
    vr_result r;
    vr_result_init(&r);
    if ((st = dp_mpws_init(&ctx.ws, opt->prec)) == DP_OK)
        st = prop->check(&r, &c, &ctx);
    dp_mpws_clear(&ctx.ws);
    if (st == DP_OK) {
        rule(f, "verdict");
        fprintf(f, "  %s: %.0f bits of agreement at %ld bits", vr_verdict_name(r.verdict), r.bits,
                (long)opt->prec);
        if (!isnan(r.err_ratio))
            fprintf(f, "; the double implementation's error is %.2g of its bound", r.err_ratio);
        fputc('\n', f);
        if (r.note[0])
            wrap(f, r.note);
        rule(f, "the precision ladder (bits agreed: grows with p for a true statement)");
        FILE *dat = NULL;
        if (plot != NULL) {
            char path[4096];
            snprintf(path, sizeof path, "%s/ladder.dat", plot);
            if ((dat = fopen(path, "w")) != NULL)
                fprintf(dat, "# precision bits_agreed\n");
        }
        for (int k = 0; k < VR_RUNGS; k++) {
            fprintf(f, "  p = %4ld: %4.0f bits\n", (long)vr_ladder[k], r.ladder[k]);
            if (dat != NULL)
                fprintf(dat, "%ld %.1f\n", (long)vr_ladder[k], r.ladder[k]);
        }
        if (dat != NULL)
            fclose(dat);
    }
    vr_case_clear(&c);
    if (st == DP_OK && (prop->required & VR_CLASS_KINK))
        st = kink_instance(f, prop, opt);
    return st;
}
