/* report.c -- what a run found, as text for people and as JSON, TAP and JUnit XML for tools.
   Everything but the text report is a function of the seed alone: same seed, same bytes. */
#include <math.h>
#include <string.h>
#include <jansson.h>
#include "verify.h"

static const char *outcome(const vr_summary *s)
{
    if (s->prop->expect == VR_EXPECT_REFUTED)
        return s->ok ? "refuted as written" : "NOT REFUTED (erratum not found)";
    if (s->missing)
        return "COVERAGE INCOMPLETE";
    if (s->refuted)
        return "REFUTED";
    if (s->failed)
        return "FAILED";
    return "holds";
}

static void classes_text(char *buf, size_t len, unsigned classes)
{
    buf[0] = '\0';
    for (unsigned b = 0; b < VR_NCLASSES; b++) {
        if (!(classes & (1u << b)))
            continue;
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s", n ? "," : "", vr_class_name(b));
    }
}

static void ladder_text(FILE *f, const double *ladder)
{
    fprintf(f, "    precision ladder (bits agreed):");
    for (int k = 0; k < VR_RUNGS; k++) {
        if (isnan(ladder[k]))
            fprintf(f, "  p=%ld: -", (long)vr_ladder[k]);
        else
            fprintf(f, "  p=%ld: %.0f", (long)vr_ladder[k], ladder[k]);
    }
    fputc('\n', f);
}

static void case_text(FILE *f, const vr_case *c)
{
    for (size_t i = 0; i < c->ndim; i++)
        fprintf(f, "%s%s = %zu", i ? ", " : "    instance: ", c->dimname[i], c->dim[i]);
    if (c->ndim)
        fputc('\n', f);
    for (size_t i = 0; i < c->narr; i++) {
        fprintf(f, "    %-6s =", c->arr[i].name);
        for (size_t j = 0; j < c->arr[i].len && j < 16; j++)
            fprintf(f, " %.17g", c->arr[i].v[j]);
        if (c->arr[i].len > 16)
            fprintf(f, " ... (%zu values)", c->arr[i].len);
        fputc('\n', f);
    }
}

static void rows_text(FILE *f, const vr_result *r)
{
    if (r->nrows == 0)
        return;
    fprintf(f, "    %-12s %-31s %-31s %-10s %-10s\n", "entry", "analytic (statement)",
            "reference", "error", "bound");
    for (size_t i = 0; i < r->nrows; i++) {
        const vr_row *w = &r->rows[i];
        fprintf(f, "    %-12s %-31s %-31s %-10.3g %-10.3g\n", w->index, w->analytic, w->reference,
                w->error, w->bound);
    }
}

void vr_report_text(FILE *f, const vr_summary *s, size_t n, const vr_options *opt)
{
    size_t bad = 0;
    fprintf(f, "dnnproof verify: seed %llu, %zu cases per proposition, working precision %ld bits\n",
            (unsigned long long)opt->seed, opt->cases, (long)opt->prec);
    for (size_t i = 0; i < n; i++) {
        const vr_summary *x = &s[i];
        char bits[32] = "-", ratio[32] = "-", cls[160];
        if (isfinite(x->min_bits))
            snprintf(bits, sizeof bits, "%.0f", x->min_bits);
        if (!isnan(x->max_err_ratio))
            snprintf(ratio, sizeof ratio, "%.2g", x->max_err_ratio);
        fprintf(f, "%-4s %-34s §%-3s %4zu cases  bits %-4s err/bound %-7s %6.2fs  %s\n",
                x->ok ? "ok" : "FAIL", x->prop->id, x->prop->section, x->cases, bits, ratio,
                x->seconds, outcome(x));
        bad += !x->ok;
        if (x->missing) {
            classes_text(cls, sizeof cls, x->missing);
            fprintf(f, "    coverage: never hit %s\n", cls);
        }
        if (x->undecided && x->undecided_token)
            fprintf(f, "    %zu case(s) undecided, the first: %s\n      replay: dnnproof verify "
                       "--replay '%s'\n",
                    x->undecided, x->undecided_note, x->undecided_token ? x->undecided_token : "");
        if (x->token == NULL && x->prop->expect == VR_EXPECT_HOLDS)
            ladder_text(f, x->ladder);
        if (x->token != NULL && (x->refuted || x->failed || x->cases == 1)) {
            if (x->refuted || x->failed)
                fprintf(f, "    counterexample (%s, shrunk in %zu steps):\n",
                        vr_verdict_name(x->cx_result.verdict), x->shrink_steps);
            else
                fprintf(f, "    the case (%s):\n", vr_verdict_name(x->cx_result.verdict));
            case_text(f, &x->counterexample);
            rows_text(f, &x->cx_result);
            if (x->cx_result.note[0])
                fprintf(f, "    %s\n", x->cx_result.note);
            ladder_text(f, x->ladder);
            fprintf(f, "    replay: dnnproof verify --replay '%s'\n", x->token);
        }
    }
    fprintf(f, "%zu passed, %zu failed\n", n - bad, bad);
}

/* ---- JSON --------------------------------------------------------------------------------------- */

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *case_json(const vr_case *c)
{
    json_t *o = json_object(), *dims = json_object(), *arrs = json_object();
    for (size_t i = 0; i < c->ndim; i++)
        json_object_set_new(dims, c->dimname[i], json_integer((json_int_t)c->dim[i]));
    for (size_t i = 0; i < c->narr; i++) {
        json_t *a = json_array();
        char hex[40];
        for (size_t j = 0; j < c->arr[i].len; j++) {
            snprintf(hex, sizeof hex, "%a", c->arr[i].v[j]);
            json_array_append_new(a, json_string(hex));
        }
        json_object_set_new(arrs, c->arr[i].name, a);
    }
    json_object_set_new(o, "dims", dims);
    json_object_set_new(o, "arrays", arrs);
    return o;
}

static json_t *result_json(const vr_result *r)
{
    json_t *o = json_object(), *rows = json_array(), *ladder = json_array();
    json_object_set_new(o, "verdict", json_string(vr_verdict_name(r->verdict)));
    for (size_t i = 0; i < r->nrows; i++) {
        const vr_row *w = &r->rows[i];
        json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:o,s:o}", "entry", w->index,
                                              "analytic", w->analytic, "reference", w->reference,
                                              "error", num_or_null(w->error), "bound",
                                              num_or_null(w->bound)));
    }
    for (int k = 0; k < VR_RUNGS; k++)
        json_array_append_new(ladder, json_pack("{s:i,s:o}", "prec", (int)vr_ladder[k], "bits",
                                                num_or_null(r->ladder[k])));
    json_object_set_new(o, "rows", rows);
    json_object_set_new(o, "ladder", ladder);
    json_object_set_new(o, "note", json_string(r->note));
    return o;
}

static json_t *classes_json(unsigned classes)
{
    json_t *a = json_array();
    for (unsigned b = 0; b < VR_NCLASSES; b++)
        if (classes & (1u << b))
            json_array_append_new(a, json_string(vr_class_name(b)));
    return a;
}

void vr_report_json(FILE *f, const vr_summary *s, size_t n, const vr_options *opt)
{
    json_t *root = json_object(), *props = json_array();
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        const vr_summary *x = &s[i];
        json_t *p = json_object();
        json_object_set_new(p, "id", json_string(x->prop->id));
        json_object_set_new(p, "section", json_string(x->prop->section));
        json_object_set_new(p, "expect", json_string(x->prop->expect == VR_EXPECT_HOLDS
                                                         ? "holds" : "refuted"));
        json_object_set_new(p, "ok", json_boolean(x->ok));
        json_object_set_new(p, "outcome", json_string(outcome(x)));
        json_object_set_new(p, "cases", json_integer((json_int_t)x->cases));
        json_object_set_new(p, "holds", json_integer((json_int_t)x->holds));
        json_object_set_new(p, "refuted", json_integer((json_int_t)x->refuted));
        json_object_set_new(p, "undecided", json_integer((json_int_t)x->undecided));
        json_object_set_new(p, "failed", json_integer((json_int_t)x->failed));
        json_object_set_new(p, "min_bits", num_or_null(x->min_bits));
        json_object_set_new(p, "max_err_ratio", num_or_null(x->max_err_ratio));
        json_object_set_new(p, "classes", classes_json(x->classes));
        json_object_set_new(p, "missing", classes_json(x->missing));
        if (x->token != NULL) {
            json_object_set_new(p, "counterexample", case_json(&x->counterexample));
            json_object_set_new(p, "result", result_json(&x->cx_result));
            json_object_set_new(p, "replay", json_string(x->token));
        }
        json_array_append_new(props, p);
        bad += !x->ok;
    }
    json_object_set_new(root, "tool", json_string("dnnproof"));
    json_object_set_new(root, "format", json_integer(1));
    json_object_set_new(root, "seed", json_integer((json_int_t)opt->seed));
    json_object_set_new(root, "cases", json_integer((json_int_t)opt->cases));
    json_object_set_new(root, "prec", json_integer((json_int_t)opt->prec));
    json_object_set_new(root, "propositions", props);
    json_object_set_new(root, "passed", json_integer((json_int_t)(n - bad)));
    json_object_set_new(root, "failed", json_integer((json_int_t)bad));
    json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    fputc('\n', f);
    json_decref(root);
}

/* ---- TAP and JUnit ------------------------------------------------------------------------------ */

void vr_report_tap(FILE *f, const vr_summary *s, size_t n, const vr_options *opt)
{
    fprintf(f, "TAP version 13\n1..%zu\n# seed %llu\n", n, (unsigned long long)opt->seed);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s %zu - %s: %s\n", s[i].ok ? "ok" : "not ok", i + 1, s[i].prop->id,
                outcome(&s[i]));
        if (s[i].token != NULL)
            fprintf(f, "  ---\n  replay: '%s'\n  ...\n", s[i].token);
    }
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
    }
}

void vr_report_junit(FILE *f, const vr_summary *s, size_t n, const vr_options *opt)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !s[i].ok;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuite name=\"dnnproof verify seed %llu\" tests=\"%zu\" failures=\"%zu\">\n",
            (unsigned long long)opt->seed, n, bad);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  <testcase classname=\"section%s\" name=\"", s[i].prop->section);
        xml_text(f, s[i].prop->id);
        fputs("\">", f);
        if (!s[i].ok) {
            fputs("<failure message=\"", f);
            xml_text(f, outcome(&s[i]));
            fputs("\">", f);
            if (s[i].token)
                xml_text(f, s[i].token);
            fputs("</failure>", f);
        }
        fputs("</testcase>\n", f);
    }
    fputs("</testsuite>\n", f);
}
