/* plugin.c -- check another implementation of sections 3-5, reached through a transport
   (transport.h: a plugin called in a forked child, dlcall.c; an adapter process speaking JSON
   lines, exec.c).  Each op it provides is called on generated instances (abi.c) and compared with
   the library's MPFR functions at 128 bits (accuracy.c) within bounds that any backward-stable
   implementation meets (abi.c); the property runner (runner.c) drives the cases and shrinks the
   first failure.  The state of the op being checked is one static variable: vr_plugin_check is
   not reentrant, nor thread-safe. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "transport.h"

const char *vr_plugin_kind_name(vr_plugin_kind k)
{
    static const char *const names[VR_PK_NKINDS] = {"pass",  "wrong",   "nan",   "refused",
                                                     "crash", "timeout", "guard", "protocol"};
    return k < VR_PK_NKINDS ? names[k] : "?";
}

vr_plugin *vr_plugin_new(const vr_transport *t, void *self, const char *name, const char *flag)
{
    vr_plugin *pl = calloc(1, sizeof *pl);
    if (pl == NULL || (pl->name = strdup(name)) == NULL) {
        free(pl);
        return NULL;
    }
    pl->t = t, pl->self = self, pl->flag = flag;
    return pl;
}

void vr_plugin_close(vr_plugin *pl)
{
    if (pl == NULL)
        return;
    pl->t->close(pl->self);
    free(pl->name);
    free(pl);
}

/* ---- the op being checked: the runner's callbacks read it -------------------------------------
   lock is the first failure's kind in this run: a shrunk case must fail the same way.  A case
   that hung is not re-run while shrinking (each try would cost the timeout): its own replay
   gives its result back, other cases are left undecided. */
static struct {
    const vr_plugin *pl;
    int op, f32, err;
    double timeout;
    double *got; /* the last vr_call's outputs */
    vr_plugin_kind kind, lock;
    char note[200];
    char *hung_token;
    vr_result hung;
} cur;

static size_t q_of(const vr_case *c)
{
    vr_call k;
    return vr_abi_marshal(&k, cur.op, c) ? k.q : 0;
}

/* The name of entry q of the packed outputs: "g_b[0]" (a static buffer). */
static const char *entry_name(const vr_call *k, size_t q)
{
    static char name[40];
    for (size_t o = 0; o < k->nout; q -= k->outlen[o++])
        if (q < k->outlen[o]) {
            snprintf(name, sizeof name, "%s[%zu]", k->outname[o], q);
            break;
        }
    return name;
}

static int impl_call(double *out, const vr_case *c)
{
    vr_call k;
    cur.got = out;
    if (!vr_abi_marshal(&k, cur.op, c))
        return DP_EDOMAIN;
    int st = cur.pl->t->call(cur.pl->self, &cur.kind, out, cur.note, sizeof cur.note, &k, cur.f32,
                             cur.timeout);
    if (st != DP_OK)
        cur.err = st;
    for (size_t q = 0; st == DP_OK && cur.kind == VR_PK_PASS && q < k.q; q++)
        if (isnan(out[q])) {
            snprintf(cur.note, sizeof cur.note, "NaN where the reference is finite (or left "
                     "unwritten): %s", entry_name(&k, q));
            cur.kind = VR_PK_NAN;
        }
    /* a NaN is compared (its entries are the failure table); anything else stops here */
    return st != DP_OK || (cur.kind != VR_PK_PASS && cur.kind != VR_PK_NAN) ? DP_EDOMAIN : DP_OK;
}

static int ref_of(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    vr_call k;
    return vr_abi_marshal(&k, cur.op, c) ? vr_abi_reference(out, &k, ws) : DP_EDOMAIN;
}

/* vr_check_double passes double's u; a float32 op is held to float's. */
static void bound_of(double *b, const vr_case *c, mpfr_srcptr ref, double u_unused)
{
    (void)u_unused;
    vr_call k;
    if (!vr_abi_marshal(&k, cur.op, c) || vr_abi_bound(b, &k, ref, cur.f32) != DP_OK)
        cur.err = DP_ENOMEM;
    /* the sign of a zero is not checked: -0.0 = +0.0 (a zero output takes the reference's sign,
       which accuracy.c would otherwise hold an exact output to) */
    for (size_t i = 0; i < k.q; i++)
        if (cur.got[i] == 0 && mpfr_zero_p(ref + i))
            cur.got[i] = mpfr_signbit(ref + i) ? -0.0 : 0.0;
}

static int generate(vr_case *c, vr_src *src, size_t size)
{
    return vr_abi_generate(c, src, size, cur.op, cur.f32);
}

/* ---- the check of one case ------------------------------------------------------------------ */

/* accuracy.c names a row "op[i]", i in the packed outputs: name it after the output, "g_b[0]". */
static void name_rows(vr_result *r, const vr_case *c)
{
    vr_call k;
    size_t len = strlen(vr_abi_name(cur.op)), i;
    if (!vr_abi_marshal(&k, cur.op, c))
        return;
    for (size_t j = 0; j < r->nrows; j++)
        if (sscanf(r->rows[j].index + len, "[%zu]", &i) == 1 && i < k.q)
            snprintf(r->rows[j].index, sizeof r->rows[j].index, "%s", entry_name(&k, i));
}

static int check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    if (cur.lock == VR_PK_TIMEOUT) {
        char *t = vr_token_encode("", c);
        int same = t && cur.hung_token && !strcmp(t, cur.hung_token);
        free(t);
        vr_result_init(r);
        if (same)
            *r = cur.hung;
        else
            r->verdict = VR_UNDECIDED, snprintf(r->note, sizeof r->note, "not run: it hung before");
        return DP_OK;
    }
    vr_op op = {vr_abi_name(cur.op), q_of, impl_call, ref_of, bound_of};
    cur.kind = VR_PK_PASS;
    int st = vr_check_double(r, &op, c, ctx);
    if (st == DP_OK && cur.err != DP_OK)
        st = cur.err;
    if (st != DP_OK)
        return st;
    if (cur.kind == VR_PK_PASS && r->verdict != VR_HOLDS)
        cur.kind = VR_PK_WRONG;
    name_rows(r, c);
    if (cur.kind == VR_PK_PASS)
        return DP_OK;
    r->verdict = VR_REFUTED;
    if (cur.kind == VR_PK_WRONG)
        snprintf(r->note, sizeof r->note, "%s exceeds its error bound (%.3g x)", vr_abi_name(cur.op),
                 r->err_ratio);
    else
        snprintf(r->note, sizeof r->note, "%s %s", vr_abi_name(cur.op), cur.note);
    if (cur.lock == VR_PK_PASS) {
        cur.lock = cur.kind;
        if (cur.kind == VR_PK_TIMEOUT) {
            cur.hung_token = vr_token_encode("", c);
            cur.hung = *r;
        }
    } else if (cur.kind != cur.lock) {
        r->verdict = VR_UNDECIDED; /* while shrinking: fails, but not the same way */
    }
    return DP_OK;
}

/* ---- the run -------------------------------------------------------------------------------- */

static vr_prop props[VR_NOPS][2];
static char ids[VR_NOPS][2][48];

static const vr_prop *prop_of(int op, int f32)
{
    vr_prop *p = &props[op][f32];
    snprintf(ids[op][f32], sizeof ids[op][f32], "plugin/%s/%s", vr_abi_name(op),
             f32 ? "float32" : "double");
    *p = (vr_prop){ids[op][f32], "3-5", vr_abi_name(op), "", NULL, VR_EXPECT_HOLDS, 0, generate,
                   check};
    return p;
}

static void cur_begin(const vr_plugin *pl, int op, int f32, double timeout)
{
    cur.pl = pl, cur.op = op, cur.f32 = f32, cur.timeout = timeout;
    cur.lock = VR_PK_PASS, cur.err = DP_OK;
    free(cur.hung_token);
    cur.hung_token = NULL;
}

static int replay(vr_plugin_verdict *v, size_t *n, const vr_plugin *pl,
                  const vr_plugin_options *opt)
{
    char id[64];
    vr_case c;
    vr_case_init(&c);
    int st = vr_token_decode(&c, id, sizeof id, opt->replay), op = -1, f32 = 0;
    for (int o = 0; st == DP_OK && o < VR_NOPS; o++)
        for (int f = 0; f < 2; f++)
            if (!strcmp(id, prop_of(o, f)->id))
                op = o, f32 = f;
    vr_call k;
    if (st != DP_OK || op < 0 || !pl->has[op][f32] || !vr_abi_marshal(&k, op, &c)) {
        vr_case_clear(&c);
        return st == DP_OK ? DP_EDOMAIN : st;
    }
    vr_options o = {.seed = opt->seed, .cases = 1, .prec = 128};
    cur_begin(pl, op, f32, opt->timeout);
    memset(v, 0, sizeof *v);
    v->op = vr_abi_name(op), v->f32 = f32;
    vr_ctx ctx = {.prec = o.prec};
    vr_result r;
    st = check(&r, &c, &ctx);
    vr_summary *s = &v->s;
    vr_case_init(&s->counterexample);
    s->prop = prop_of(op, f32);
    s->cases = 1;
    s->max_err_ratio = r.err_ratio;
    s->refuted = r.verdict != VR_HOLDS;
    s->holds = !s->refuted;
    s->ok = s->holds;
    s->cx_result = r;
    s->counterexample = c;
    s->token = vr_token_encode(s->prop->id, &c);
    v->kind = cur.lock;
    *n = 1;
    return st;
}

int vr_plugin_check(vr_plugin_verdict *v, size_t *n, vr_plugin *pl,
                    const vr_plugin_options *opt)
{
    *n = 0;
    int st = DP_OK;
    if (opt->replay != NULL) {
        st = replay(v, n, pl, opt);
    } else {
        vr_options o = {.seed = opt->seed, .cases = opt->cases, .prec = 128};
        for (int op = 0; op < VR_NOPS && st == DP_OK; op++)
            for (int f32 = 0; f32 < 2 && st == DP_OK; f32++) {
                if (!pl->has[op][f32] || (opt->ops != 0 && !(opt->ops >> op & 1)))
                    continue;
                vr_plugin_verdict *x = &v[(*n)++];
                memset(x, 0, sizeof *x);
                x->op = vr_abi_name(op), x->f32 = f32;
                cur_begin(pl, op, f32, opt->timeout);
                st = vr_run_prop(&x->s, prop_of(op, f32), &o);
                if (st == DP_OK && cur.err != DP_OK)
                    st = cur.err;
                x->kind = cur.lock;
            }
    }
    free(cur.hung_token);
    cur.hung_token = NULL;
    return st;
}

void vr_plugin_verdict_clear(vr_plugin_verdict *v)
{
    vr_summary_clear(&v->s);
}

/* ---- reports -------------------------------------------------------------------------------- */

static const char *prec_name(int f32)
{
    return f32 ? "float32" : "double";
}

static void case_text(FILE *f, const vr_case *c, int f32)
{
    fprintf(f, "    inputs:");
    for (size_t i = 0; i < c->ndim; i++)
        fprintf(f, " %s = %zu", c->dimname[i], c->dim[i]);
    fprintf(f, "\n");
    for (size_t i = 0; i < c->narr; i++) {
        fprintf(f, "      %-5s = [", c->arr[i].name);
        for (size_t j = 0; j < c->arr[i].len; j++)
            fprintf(f, "%s%.*g", j ? ", " : "", f32 ? 9 : 17, c->arr[i].v[j]);
        fprintf(f, "]\n");
    }
}

/* s single-quoted for a POSIX shell. */
static void shell_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        *s == '\'' ? fputs("'\\''", f) : fputc(*s, f);
    fputc('\'', f);
}

void vr_plugin_report_text(FILE *f, const vr_plugin_verdict *v, size_t n, const vr_plugin *pl,
                           const vr_plugin_options *opt)
{
    size_t bad = 0;
    fprintf(f, "dnnproof check %s %s: seed %llu, %zu cases per op, timeout %g s\n", pl->flag,
            pl->name,
            (unsigned long long)opt->seed, opt->replay ? (size_t)1 : opt->cases, opt->timeout);
    for (size_t i = 0; i < n; i++) {
        const vr_plugin_verdict *x = &v[i];
        bad += x->kind != VR_PK_PASS;
        fprintf(f, "%s  %-22s %-8s %6zu cases", x->kind == VR_PK_PASS ? "pass" : "FAIL", x->op,
                prec_name(x->f32), x->s.cases);
        if (!isnan(x->s.max_err_ratio))
            fprintf(f, "  max err/bound %.3g", x->s.max_err_ratio);
        if (x->kind != VR_PK_PASS)
            fprintf(f, "  [%s]", vr_plugin_kind_name(x->kind));
        fprintf(f, "\n");
    }
    for (size_t i = 0; i < n; i++) {
        const vr_plugin_verdict *x = &v[i];
        if (x->kind == VR_PK_PASS)
            continue;
        const vr_result *r = &x->s.cx_result;
        fprintf(f, "\n%s (%s): %s\n", x->op, prec_name(x->f32), r->note);
        if (x->s.shrink_steps && x->kind != VR_PK_TIMEOUT)
            fprintf(f, "    (the failing case, shrunk in %zu steps)\n", x->s.shrink_steps);
        case_text(f, &x->s.counterexample, x->f32);
        if (r->nrows)
            fprintf(f, "    %-12s %-26s %-26s %s\n", "entry", "got", "expected", "err / bound");
        for (size_t j = 0; j < r->nrows; j++)
            fprintf(f, "    %-12s %-26s %-26s %.3g\n", r->rows[j].index, r->rows[j].analytic,
                    r->rows[j].reference,
                    isnan(r->rows[j].error) ? INFINITY
                    : r->rows[j].bound > 0  ? r->rows[j].error / r->rows[j].bound
                                            : INFINITY);
        fprintf(f, "    replay: dnnproof check %s ", pl->flag);
        shell_quoted(f, pl->name);
        fprintf(f, " --replay '%s'\n", x->s.token ? x->s.token : "");
    }
    fprintf(f, "%s%zu passed, %zu failed\n", bad ? "\n" : "", n - bad, bad);
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

json_t *vr_plugin_report_object(const vr_plugin_verdict *v, size_t n, const vr_plugin *pl,
                                const vr_plugin_options *opt)
{
    json_t *root = json_object(), *ops = json_array();
    size_t bad = 0;
    json_object_set_new(root, pl->flag + 2, json_string(pl->name)); /* "plugin", "exec" */
    json_object_set_new(root, "seed", json_integer((json_int_t)opt->seed));
    json_object_set_new(root, "timeout", json_real(opt->timeout));
    for (size_t i = 0; i < n; i++) {
        const vr_plugin_verdict *x = &v[i];
        json_t *o = json_object();
        bad += x->kind != VR_PK_PASS;
        json_object_set_new(o, "op", json_string(x->op));
        json_object_set_new(o, "precision", json_string(prec_name(x->f32)));
        json_object_set_new(o, "pass", json_boolean(x->kind == VR_PK_PASS));
        json_object_set_new(o, "kind", json_string(vr_plugin_kind_name(x->kind)));
        json_object_set_new(o, "cases", json_integer((json_int_t)x->s.cases));
        json_object_set_new(o, "max_err_ratio", num_or_null(x->s.max_err_ratio));
        if (x->kind != VR_PK_PASS) {
            const vr_result *r = &x->s.cx_result;
            json_t *rows = json_array();
            for (size_t j = 0; j < r->nrows; j++)
                json_array_append_new(
                    rows, json_pack("{s:s, s:s, s:s, s:o, s:o}", "entry", r->rows[j].index, "got",
                                    r->rows[j].analytic, "expected", r->rows[j].reference, "error",
                                    num_or_null(r->rows[j].error), "bound",
                                    num_or_null(r->rows[j].bound)));
            json_object_set_new(o, "note", json_string(r->note));
            json_object_set_new(o, "rows", rows);
            json_object_set_new(o, "token", json_string(x->s.token ? x->s.token : ""));
        }
        json_array_append_new(ops, o);
    }
    json_object_set_new(root, "ops", ops);
    json_object_set_new(root, "passed", json_integer((json_int_t)(n - bad)));
    json_object_set_new(root, "failed", json_integer((json_int_t)bad));
    return root;
}

void vr_plugin_report_json(FILE *f, const vr_plugin_verdict *v, size_t n, const vr_plugin *pl,
                           const vr_plugin_options *opt)
{
    json_t *root = vr_plugin_report_object(v, n, pl, opt);
    json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    fputc('\n', f);
    json_decref(root);
}
