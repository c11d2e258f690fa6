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
    if (s->refuted)
        return "REFUTED";
    if (s->failed)
        return "FAILED";
    if (s->missing)
        return "COVERAGE INCOMPLETE";
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
        if (opt->coverage) {
            fprintf(f, "    coverage (cases):");
            for (unsigned b = 0; b < VR_NCLASSES; b++)
                if (x->class_cases[b] || ((x->prop->required >> b) & 1u))
                    fprintf(f, " %s %zu%s", vr_class_name(b), x->class_cases[b],
                            (x->prop->required >> b) & 1u ? "*" : "");
            fputs("   (* required)\n", f);
        }
        if (x->missing && !x->refuted && !x->failed) {
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

static json_t *coverage_json(const vr_summary *x)
{
    json_t *o = json_object();
    for (unsigned b = 0; b < VR_NCLASSES; b++)
        json_object_set_new(o, vr_class_name(b), json_integer((json_int_t)x->class_cases[b]));
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
        json_object_set_new(p, "coverage", coverage_json(x));
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

/* ---- HTML: one self-contained page (inline CSS and SVG), for `verify --report DIR` ------------ */

static void html_text(FILE *f, const char *s)
{
    xml_text(f, s);
}

/* The precision ladder as a small inline SVG line chart: bits against p, with the diagonal. */
static void html_ladder(FILE *f, const double *ladder)
{
    const double W = 260, H = 160, pad = 30, top = 540;
    fprintf(f, "<svg width='%.0f' height='%.0f' viewBox='0 0 %.0f %.0f' role='img' "
               "aria-label='precision ladder'>\n", W, H, W, H);
    fprintf(f, "<line x1='%.0f' y1='%.0f' x2='%.0f' y2='%.0f' class='axis'/>", pad, H - pad,
            W - 10, H - pad);
    fprintf(f, "<line x1='%.0f' y1='%.0f' x2='%.0f' y2='10' class='axis'/>", pad, H - pad, pad);
    fprintf(f, "<line x1='%.0f' y1='%.0f' x2='%.1f' y2='%.1f' class='diag'/>\n", pad, H - pad,
            pad + (W - pad - 10) * 512 / top, (H - pad) - (H - pad - 10) * 512 / top);
    fputs("<polyline class='bits' points='", f);
    for (int k = 0; k < VR_RUNGS; k++) {
        if (isnan(ladder[k]))
            continue;
        fprintf(f, "%.1f,%.1f ", pad + (W - pad - 10) * (double)vr_ladder[k] / top,
                (H - pad) - (H - pad - 10) * ladder[k] / top);
    }
    fputs("'/>\n", f);
    for (int k = 0; k < VR_RUNGS; k++) {
        double x = pad + (W - pad - 10) * (double)vr_ladder[k] / top;
        fprintf(f, "<text x='%.1f' y='%.0f' class='tick'>%ld</text>", x - 8, H - pad + 14,
                (long)vr_ladder[k]);
        if (!isnan(ladder[k]))
            fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3' class='dot'/><text x='%.1f' y='%.1f' "
                       "class='tick'>%.0f</text>",
                    x, (H - pad) - (H - pad - 10) * ladder[k] / top, x + 4,
                    (H - pad) - (H - pad - 10) * ladder[k] / top - 5, ladder[k]);
    }
    fprintf(f, "\n<text x='%.0f' y='%.0f' class='tick'>working precision p (bits)</text>"
               "<text x='2' y='12' class='tick'>bits agreed</text></svg>\n",
            W / 2 - 50, H - 2);
}

int vr_report_html(const char *dir, const vr_summary *s, size_t n, const vr_options *opt)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return DP_EDOMAIN;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !s[i].ok;
    fprintf(f, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n"
               "<title>dnnproof verify: %zu passed, %zu failed</title>\n<style>\n"
               "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}\n"
               "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;"
               "font-size:90%%}\n.ok{color:#176317}.bad{color:#b00020;font-weight:bold}\n"
               "code,.mono{font-family:monospace;font-size:90%%;word-break:break-all}\n"
               ".axis{stroke:#444}.diag{stroke:#aaa;stroke-dasharray:4}.bits{fill:none;"
               "stroke:#1f5fbf;stroke-width:2}.dot{fill:#1f5fbf}.tick{font-size:10px}\n"
               "section{border-top:1px solid #ddd;margin-top:1.5em}\n</style></head><body>\n",
            n - bad, bad);
    fprintf(f, "<h1>dnnproof verify</h1>\n<p>Seed %llu, %zu cases per proposition, working "
               "precision %ld bits. <b>%zu passed, %zu failed.</b> A corrected statement passes "
               "when every case holds and its coverage is complete; an erratum passes when its "
               "statement as written is refuted. How verdicts are reached: docs/verify.md.</p>\n",
            (unsigned long long)opt->seed, opt->cases, (long)opt->prec, n - bad, bad);
    fputs("<table><tr><th>proposition</th><th>§</th><th>outcome</th><th>cases</th>"
          "<th>bits</th><th>err/bound</th></tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr><td><a href='#p%zu'>", i);
        html_text(f, s[i].prop->id);
        fprintf(f, "</a></td><td>%s</td><td class='%s'>", s[i].prop->section,
                s[i].ok ? "ok" : "bad");
        html_text(f, outcome(&s[i]));
        fprintf(f, "</td><td>%zu</td><td>", s[i].cases);
        if (isfinite(s[i].min_bits))
            fprintf(f, "%.0f", s[i].min_bits);
        fputs("</td><td>", f);
        if (!isnan(s[i].max_err_ratio))
            fprintf(f, "%.2g", s[i].max_err_ratio);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    for (size_t i = 0; i < n; i++) {
        const vr_summary *x = &s[i];
        fprintf(f, "<section id='p%zu'><h2>", i);
        html_text(f, x->prop->id);
        fprintf(f, " <small>§%s</small></h2>\n<p><i>", x->prop->section);
        html_text(f, x->prop->title);
        fputs("</i></p>\n<p><b>As written:</b> ", f);
        html_text(f, x->prop->statement);
        fputs("</p>\n", f);
        if (x->prop->corrected) {
            fputs("<p><b>Corrected:</b> ", f);
            html_text(f, x->prop->corrected);
            fputs("</p>\n", f);
        }
        fprintf(f, "<p class='%s'>", x->ok ? "ok" : "bad");
        html_text(f, outcome(x));
        fprintf(f, "</p><p>%zu cases: %zu hold, %zu refuted, %zu undecided.</p>\n", x->cases,
                x->holds, x->refuted, x->undecided);
        html_ladder(f, x->ladder);
        if (x->token != NULL) {
            fputs("<h3>Counterexample (shrunk)</h3>\n<table>", f);
            for (size_t d = 0; d < x->counterexample.ndim; d++)
                fprintf(f, "<tr><td>%s</td><td class='mono'>%zu</td></tr>",
                        x->counterexample.dimname[d], x->counterexample.dim[d]);
            for (size_t a = 0; a < x->counterexample.narr; a++) {
                fprintf(f, "<tr><td>%s</td><td class='mono'>", x->counterexample.arr[a].name);
                for (size_t j = 0; j < x->counterexample.arr[a].len; j++)
                    fprintf(f, "%.17g ", x->counterexample.arr[a].v[j]);
                fputs("</td></tr>", f);
            }
            fputs("</table>\n<table><tr><th>entry</th><th>statement</th><th>reference</th>"
                  "<th>error</th><th>bound</th></tr>\n", f);
            for (size_t r = 0; r < x->cx_result.nrows; r++) {
                const vr_row *w = &x->cx_result.rows[r];
                fputs("<tr><td>", f);
                html_text(f, w->index);
                fprintf(f, "</td><td class='mono'>%s</td><td class='mono'>%s</td><td>%.3g</td>"
                           "<td>%.3g</td></tr>\n",
                        w->analytic, w->reference, w->error, w->bound);
            }
            fputs("</table>\n", f);
            if (x->cx_result.note[0]) {
                fputs("<p>", f);
                html_text(f, x->cx_result.note);
                fputs("</p>\n", f);
            }
            fputs("<p>Replay: <code>dnnproof verify --replay '", f);
            html_text(f, x->token);
            fputs("'</code></p>\n", f);
        }
        fputs("</section>\n", f);
    }
    fputs("</body></html>\n", f);
    return fclose(f) == 0 ? DP_OK : DP_EDOMAIN;
}
