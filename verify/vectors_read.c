/* vectors_read.c -- reading golden vector files back (vectors.h, docs/vectors.md): every line is
   validated strictly, the first fault of a file stops its reading with one line naming
   file:line, and every well-formed case is re-derived (vectors.c) and compared with what it
   says.  Any bytes are either a file that checks, a mismatch or one error line: never a crash
   (tests/fuzz/fuzz_vectors.c). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "vectors.h"

typedef struct {
    const char *name;
    FILE *err;
    size_t line;
    int op, f32;
    json_int_t announced;
    json_t *ids; /* the ids seen, as the keys of an object (a hash table) */
} reader;

/* One line on err, "file:line: what"; returns 2 (malformed). */
static int bad(reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(r->err, "%s:%zu: ", r->name, r->line);
    vfprintf(r->err, fmt, ap);
    fputc('\n', r->err);
    va_end(ap);
    return 2;
}

/* ---- values ------------------------------------------------------------------------------------ */

/* A number: a JSON string vr_vec_parse reads.  NULL, or what is wrong. */
static const char *number(double *x, const json_t *j)
{
    const char *s = json_string_value(j);
    if (s == NULL)
        return "is not a string (numbers are hex float strings such as \"0x1.8p+0\")";
    return vr_vec_parse(x, s);
}

/* A float32 file's values are float32 values. */
static int is_f32(double x)
{
    return isnan(x) || (double)(float)x == x;
}

/* ---- objects ------------------------------------------------------------------------------------ */

/* o has exactly the keys of the NULL-terminated list. */
static int keys(reader *r, const json_t *o, const char *what, const char *const *want)
{
    const char *key;
    const json_t *val;
    size_t n = 0;
    json_object_foreach((json_t *)o, key, val) {
        size_t i = 0;
        while (want[i] && strcmp(want[i], key))
            i++;
        if (want[i] == NULL)
            return bad(r, "%s has an unknown key \"%.40s\"", what, key);
    }
    for (; want[n]; n++)
        if (json_object_get(o, want[n]) == NULL)
            return bad(r, "%s has no \"%s\"", what, want[n]);
    return 0;
}

/* An integer of o in [lo, hi]. */
static int size_of(reader *r, size_t *x, const json_t *j, const char *what, size_t lo, size_t hi)
{
    if (!json_is_integer(j) || json_integer_value(j) < (json_int_t)lo ||
        json_integer_value(j) > (json_int_t)hi)
        return bad(r, "%s is not a whole number from %zu to %zu", what, lo, hi);
    *x = (size_t)json_integer_value(j);
    return 0;
}

static const char *prec_name(int f32)
{
    return f32 ? "float32" : "double";
}

static int header(reader *r, const json_t *h)
{
    static const char *const want[] = {"vectors", "version", "op", "precision", "generator",
                                       "seed", "u", "cases", "comment", "notes", NULL};
    const json_t *ver = json_object_get(h, "version"), *seed = json_object_get(h, "seed"),
                 *cases = json_object_get(h, "cases"), *notes = json_object_get(h, "notes"), *val;
    const char *vec = json_string_value(json_object_get(h, "vectors")),
               *op = json_string_value(json_object_get(h, "op")),
               *prec = json_string_value(json_object_get(h, "precision")),
               *u = json_string_value(json_object_get(h, "u")), *key;
    if (vec == NULL || strcmp(vec, "dnnproof") || !json_is_integer(ver))
        return bad(r, "the first line is not a header of dnnproof's vectors "
                      "({\"vectors\": \"dnnproof\", \"version\": 1, ...})");
    if (json_integer_value(ver) != VR_VECTORS_VERSION)
        return bad(r, "version %" JSON_INTEGER_FORMAT ": this dnnproof reads version %d",
                   json_integer_value(ver), VR_VECTORS_VERSION);
    if (keys(r, h, "the header", want))
        return 2;
    if (op == NULL || (r->op = vr_abi_op(op)) < 0)
        return bad(r, "the header's \"op\" is not an op of the ABI (docs/protocol.md lists them)");
    if (prec == NULL || (strcmp(prec, "double") && strcmp(prec, "float32")))
        return bad(r, "the header's \"precision\" is not \"double\" or \"float32\"");
    r->f32 = !strcmp(prec, "float32");
    if (u == NULL || strcmp(u, r->f32 ? "0x1p-24" : "0x1p-53"))
        return bad(r, "the header's \"u\" is not \"%s\", %s's unit roundoff",
                   r->f32 ? "0x1p-24" : "0x1p-53", prec);
    if (!json_is_string(json_object_get(h, "generator")) ||
        !json_is_string(json_object_get(h, "comment")))
        return bad(r, "the header's \"generator\" or \"comment\" is not a string");
    if (!json_is_integer(seed) || json_integer_value(seed) < 0)
        return bad(r, "the header's \"seed\" is not a whole number");
    if (!json_is_integer(cases) || (r->announced = json_integer_value(cases)) < 0)
        return bad(r, "the header's \"cases\" is not a whole number");
    if (!json_is_object(notes))
        return bad(r, "the header's \"notes\" is not an object");
    json_object_foreach((json_t *)notes, key, val)
        if (!json_is_string(val))
            return bad(r, "the header's note \"%.40s\" is not a string", key);
    return 0;
}

/* ---- a case's dims and inputs, into an instance (abi.h's names) ------------------------------- */

static const char *const in_names[VR_NOPS][5] = {
    {"z"}, {"z"}, {"z"}, {"z"}, {"yhat", "y"}, {"yhat", "y"}, {"yhat", "z"}, {"y", "W", "b"},
    {"y", "W", "b", "g_up"}, {"X", "Yhat", "W", "b"}};

/* The numbers of the array a (n of them, checked before anything is allocated) into the
   instance's array `name`. */
static int read_array(reader *r, vr_case *c, const char *name, const json_t *a, size_t n,
                      const char *what)
{
    if (!json_is_array(a) || json_array_size(a) != n)
        return bad(r, "%s is not an array of %zu numbers", what, n);
    double *v = vr_case_array(c, name, n);
    if (v == NULL)
        return bad(r, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *why = number(&v[i], json_array_get(a, i));
        if (why != NULL)
            return bad(r, "%s[%zu] %s", what, i, why);
        if (!isfinite(v[i]))
            return bad(r, "%s[%zu] is not finite (every input is)", what, i);
        if (r->f32 && !is_f32(v[i]))
            return bad(r, "%s[%zu] = %a is not a float32 value", what, i, v[i]);
    }
    return 0;
}

/* A label: one-hot in each of its rows of width m. */
static int one_hot(reader *r, const vr_case *c, const char *name, size_t m, const char *what)
{
    const vr_array *a = vr_case_get(c, name);
    for (size_t i = 0; i < a->len; i += m) {
        size_t ones = 0;
        for (size_t j = 0; j < m; j++) {
            if (a->v[i + j] != 0 && a->v[i + j] != 1)
                return bad(r, "%s[%zu] is neither 0 nor 1 (labels are one-hot)", what, i + j);
            ones += a->v[i + j] == 1;
        }
        if (ones != 1)
            return bad(r, "%s is not one-hot (labels have exactly one 1 per sample)", what);
    }
    return 0;
}

static int read_net(reader *r, vr_case *c, const json_t *dims, const json_t *in)
{
    static const char *const dk[] = {"p", "n", "widths", NULL};
    const json_t *w = json_object_get(dims, "widths"), *W, *b;
    size_t p, n, m[VR_ABI_MAXP + 1];
    char name[32], what[48];
    if (keys(r, dims, "dims", dk) || size_of(r, &p, json_object_get(dims, "p"), "dims.p", 1,
                                             VR_ABI_MAXP) ||
        size_of(r, &n, json_object_get(dims, "n"), "dims.n", 1, VR_ABI_MAXW))
        return 2;
    if (!json_is_array(w) || json_array_size(w) != p + 1)
        return bad(r, "dims.widths is not an array of p + 1 = %zu widths", p + 1);
    vr_case_dim(c, "p", p);
    vr_case_dim(c, "n", n);
    for (size_t l = 0; l <= p; l++) {
        snprintf(what, sizeof what, "dims.widths[%zu]", l);
        if (size_of(r, &m[l], json_array_get(w, l), what, 1, VR_ABI_MAXW))
            return 2;
        snprintf(name, sizeof name, "m%zu", l);
        vr_case_dim(c, name, m[l]);
    }
    W = json_object_get(in, "W"), b = json_object_get(in, "b");
    if (read_array(r, c, "X", json_object_get(in, "X"), n * m[0], "inputs.X") ||
        read_array(r, c, "Y", json_object_get(in, "Yhat"), n * m[p], "inputs.Yhat") ||
        one_hot(r, c, "Y", m[p], "inputs.Yhat"))
        return 2;
    if (!json_is_array(W) || json_array_size(W) != p || !json_is_array(b) ||
        json_array_size(b) != p)
        return bad(r, "inputs.W and inputs.b are not arrays of the p = %zu layers'", p);
    for (size_t l = 0; l < p; l++) {
        snprintf(name, sizeof name, "W%zu", l + 1);
        snprintf(what, sizeof what, "inputs.W[%zu]", l);
        if (read_array(r, c, name, json_array_get(W, l), m[l + 1] * m[l], what))
            return 2;
        snprintf(name, sizeof name, "b%zu", l + 1);
        snprintf(what, sizeof what, "inputs.b[%zu]", l);
        if (read_array(r, c, name, json_array_get(b, l), m[l + 1], what))
            return 2;
    }
    return 0;
}

static int read_inputs(reader *r, vr_case *c, const json_t *dims, const json_t *in)
{
    const char *const *names = in_names[r->op];
    if (!json_is_object(dims) || !json_is_object(in))
        return bad(r, "\"dims\" or \"inputs\" is not an object");
    if (keys(r, in, "inputs", names))
        return 2;
    if (r->op == VR_OP_NETWORK_GRADIENT)
        return read_net(r, c, dims, in);
    static const char *const d1[] = {"m", NULL}, *const d2[] = {"m", "mo", NULL};
    int two = r->op == VR_OP_DENSE || r->op == VR_OP_DENSE_RELU_BACKWARD;
    size_t m, mo = 0;
    if (keys(r, dims, "dims", two ? d2 : d1) ||
        size_of(r, &m, json_object_get(dims, "m"), "dims.m", 1, VR_ABI_MAXM) ||
        (two && size_of(r, &mo, json_object_get(dims, "mo"), "dims.mo", 1, VR_ABI_MAXM)))
        return 2;
    vr_case_dim(c, "m", m);
    if (two)
        vr_case_dim(c, "mo", mo);
    for (size_t i = 0; names[i]; i++) {
        const char *nm = names[i];
        size_t len = !strcmp(nm, "W") ? mo * m : !strcmp(nm, "b") || !strcmp(nm, "g_up") ? mo : m;
        char what[48];
        snprintf(what, sizeof what, "inputs.%s", nm);
        if (read_array(r, c, nm, json_object_get(in, nm), len, what))
            return 2;
    }
    if (!strcmp(names[0], "yhat") && one_hot(r, c, "yhat", m, "inputs.yhat"))
        return 2;
    if (r->op == VR_OP_CCE || r->op == VR_OP_CCE_GRADIENT)
        for (size_t j = 0; j < m; j++)
            if (!(vr_case_get(c, "y")->v[j] > 0))
                return bad(r, "inputs.y[%zu] is not positive (y holds probabilities)", j);
    return 0;
}

/* ---- a case's outputs --------------------------------------------------------------------------- */

/* The name of packed entry q in the protocol's shapes: "out[2]", "loss", "g_W[1][3]". */
static void label(char *buf, size_t len, const vr_call *k, size_t q)
{
    for (size_t o = 0; o < k->nout; q -= k->outlen[o++]) {
        if (q >= k->outlen[o])
            continue;
        if (!strcmp(k->outname[o], "loss"))
            snprintf(buf, len, "loss");
        else if (k->op == VR_OP_NETWORK_GRADIENT)
            snprintf(buf, len, "%s[%zu][%zu]", o % 2 ? "g_W" : "g_b", (o - 1) / 2, q);
        else
            snprintf(buf, len, "%s[%zu]", k->outname[o], q);
        return;
    }
}

/* The entries of field (expected, expected_decimal, bound) in the shape of k's outputs, into
   e[0 .. k->q) (borrowed). */
static int shaped(reader *r, const json_t **e, const json_t *o, const char *field,
                  const vr_call *k)
{
    static const char *const net[] = {"loss", "g_W", "g_b", NULL};
    const char *names[VR_ABI_MAXIO + 1] = {NULL};
    int isnet = k->op == VR_OP_NETWORK_GRADIENT;
    if (!json_is_object(o))
        return bad(r, "\"%s\" is not an object", field);
    for (size_t i = 0; !isnet && i < k->nout; i++)
        names[i] = k->outname[i];
    if (keys(r, o, field, isnet ? net : names))
        return 2;
    for (size_t i = 0, q = 0; i < k->nout; q += k->outlen[i++]) {
        const json_t *a;
        char what[64];
        if (!strcmp(k->outname[i], "loss")) {
            if (json_is_array(e[q] = json_object_get(o, "loss")) || json_is_object(e[q]))
                return bad(r, "%s.loss is not a single value", field);
            continue;
        }
        if (isnet) {
            const json_t *g = json_object_get(o, i % 2 ? "g_W" : "g_b");
            if (!json_is_array(g) || json_array_size(g) != k->dims[0])
                return bad(r, "%s.%s is not an array of the p = %zu layers'", field,
                           i % 2 ? "g_W" : "g_b", k->dims[0]);
            a = json_array_get(g, (i - 1) / 2);
            snprintf(what, sizeof what, "%s.%s[%zu]", field, i % 2 ? "g_W" : "g_b", (i - 1) / 2);
        } else {
            a = json_object_get(o, k->outname[i]);
            snprintf(what, sizeof what, "%s.%s", field, k->outname[i]);
        }
        if (!json_is_array(a) || json_array_size(a) != k->outlen[i])
            return bad(r, "%s is not an array of %zu values", what, k->outlen[i]);
        for (size_t j = 0; j < k->outlen[i]; j++)
            e[q + j] = json_array_get(a, j);
    }
    return 0;
}

/* The values a case states, read and validated. */
typedef struct {
    double *expected, *bound;
    const char **decimal;
    unsigned flags;
} stated;

static int read_stated(reader *r, stated *s, const json_t *c, const vr_call *k)
{
    const json_t **e = calloc(k->q, sizeof *e), *fl = json_object_get(c, "flags"), *f;
    char what[80];
    size_t i;
    int rc = 0;
    if (e == NULL)
        return bad(r, "out of memory");
    rc = shaped(r, e, json_object_get(c, "expected"), "expected", k);
    for (size_t q = 0; rc == 0 && q < k->q; q++) {
        label(what, sizeof what, k, q);
        const char *why = number(&s->expected[q], e[q]);
        if (why != NULL || isnan(s->expected[q]))
            rc = bad(r, "expected.%s %s", what, why ? why : "is nan");
        else if (r->f32 && !is_f32(s->expected[q]))
            rc = bad(r, "expected.%s = %a is not a float32 value", what, s->expected[q]);
    }
    if (rc == 0)
        rc = shaped(r, e, json_object_get(c, "expected_decimal"), "expected_decimal", k);
    for (size_t q = 0; rc == 0 && q < k->q; q++) {
        label(what, sizeof what, k, q);
        if ((s->decimal[q] = json_string_value(e[q])) == NULL || !vr_vec_decimal_ok(s->decimal[q]))
            rc = bad(r, "expected_decimal.%s is not a decimal string of 40 digits "
                        "(\"d.<39 digits>e+dd\")", what);
    }
    if (rc == 0)
        rc = shaped(r, e, json_object_get(c, "bound"), "bound", k);
    for (size_t q = 0; rc == 0 && q < k->q; q++) {
        label(what, sizeof what, k, q);
        const char *why = number(&s->bound[q], e[q]);
        if (why != NULL || !(s->bound[q] >= 0))
            rc = bad(r, "bound.%s %s", what, why ? why : "is not a non-negative number");
    }
    free(e);
    if (rc != 0)
        return rc;
    if (!json_is_array(fl))
        return bad(r, "\"flags\" is not an array");
    s->flags = 0;
    json_array_foreach(fl, i, f) {
        int b = json_is_string(f) ? vr_vflag_of(json_string_value(f)) : -1;
        if (b < 0)
            return bad(r, "flags[%zu] is not a flag (docs/vectors.md lists them)", i);
        if (s->flags & 1u << b)
            return bad(r, "flags[%zu], \"%s\", is there twice", i, vr_vflag_name(b));
        s->flags |= 1u << b;
    }
    if (!json_is_string(json_object_get(c, "comment")))
        return bad(r, "\"comment\" is not a string");
    return 0;
}

/* ---- a case ------------------------------------------------------------------------------------- */

/* A case's outputs are bounded, so that a line cannot ask for gigabytes of MPFR numbers (a
   SoftMax Jacobian of m = 256 has 65536). */
enum { MAXQ = 1 << 16 };

/* The stated values against the re-derived ones: 1 with one line when they differ. */
static int compare(reader *r, const char *id, const stated *s, const vr_vector *v,
                   const vr_call *k)
{
    char what[80], note[200] = "";
    size_t ndiff = 0;
    for (size_t q = 0; q < k->q; q++) {
        /* bounds are sums of products in double (vr_abi_bound): a libm other than the
           generator's may change their last bits, which 2^-40 relative forgives */
        int be = s->bound[q] == v->bound[q] ||
                 fabs(s->bound[q] - v->bound[q]) <= 0x1p-40 * fabs(v->bound[q]);
        if (s->expected[q] == v->expected[q] && vr_vec_same_decimal(s->decimal[q], v->decimal[q]) && be)
            continue;
        if (ndiff++ > 0)
            continue;
        label(what, sizeof what, k, q);
        if (s->expected[q] != v->expected[q])
            snprintf(note, sizeof note, "expected.%s is %a; the reference rounds to %a", what,
                     s->expected[q], v->expected[q]);
        else if (!be)
            snprintf(note, sizeof note, "bound.%s is %a; the bound is %a", what, s->bound[q],
                     v->bound[q]);
        else
            snprintf(note, sizeof note, "expected_decimal.%s is %s; the reference is %s", what,
                     s->decimal[q], v->decimal[q]);
    }
    if (ndiff > 0) {
        fprintf(r->err, "%s:%zu: %s: %s", r->name, r->line, id, note);
        if (ndiff > 1)
            fprintf(r->err, " (and %zu more entries differ)", ndiff - 1);
        fputc('\n', r->err);
        return 1;
    }
    if (s->flags != v->flags) {
        unsigned d = s->flags ^ v->flags;
        int f = 0;
        while (!(d >> f & 1))
            f++;
        fprintf(r->err, "%s:%zu: %s: flag \"%s\" is %s, but the inputs %s it\n", r->name, r->line,
                id, vr_vflag_name(f), s->flags >> f & 1 ? "set" : "missing",
                s->flags >> f & 1 ? "do not have" : "have");
        return 1;
    }
    return 0;
}

static int read_case(reader *r, const json_t *c)
{
    static const char *const want[] = {"id", "op", "precision", "dims", "inputs", "expected",
                                       "expected_decimal", "bound", "flags", "comment", NULL};
    const char *id = json_string_value(json_object_get(c, "id")),
               *op = json_string_value(json_object_get(c, "op")),
               *prec = json_string_value(json_object_get(c, "precision"));
    if (!json_is_object(c))
        return bad(r, "not a JSON object (a case is one object on one line)");
    if (keys(r, c, "the case", want))
        return 2;
    if (id == NULL || id[0] == '\0' || strlen(id) > 200)
        return bad(r, "\"id\" is not a string of 1 to 200 bytes");
    if (op == NULL || vr_abi_op(op) != r->op || prec == NULL || strcmp(prec, prec_name(r->f32)))
        return bad(r, "%s: \"op\" and \"precision\" are not the header's, %s and %s", id,
                   vr_abi_name(r->op), prec_name(r->f32));
    if (json_object_get(r->ids, id) != NULL)
        return bad(r, "id \"%s\" is used twice", id);
    if (json_object_set_new(r->ids, id, json_true()) != 0)
        return bad(r, "out of memory");
    vr_case in;
    vr_call k;
    vr_vector v = {0};
    stated s = {0};
    vr_case_init(&in);
    int rc = read_inputs(r, &in, json_object_get(c, "dims"), json_object_get(c, "inputs"));
    if (rc == 0 && !vr_abi_marshal(&k, r->op, &in))
        rc = bad(r, "%s: the inputs are not those of %s", id, vr_abi_name(r->op));
    if (rc == 0 && k.q > MAXQ)
        rc = bad(r, "%s: %zu outputs: more than a vector file holds (%d)", id, k.q, MAXQ);
    if (rc == 0) {
        s.expected = calloc(k.q, sizeof *s.expected);
        s.bound = calloc(k.q, sizeof *s.bound);
        s.decimal = calloc(k.q, sizeof *s.decimal);
        rc = s.expected && s.bound && s.decimal ? read_stated(r, &s, c, &k)
                                                : bad(r, "out of memory");
    }
    if (rc == 0) {
        int st = vr_vector_derive(&v, &k, r->f32);
        if (st == DP_EDOMAIN)
            rc = bad(r, "%s: the inputs are outside %s's domain (the reference refuses them)",
                     id, vr_abi_name(r->op));
        else if (st != DP_OK)
            rc = bad(r, "%s: %s", id, dp_strerror(st));
        else if (!v.decided)
            fprintf(r->err, "%s:%zu: %s: the rounding of the reference could not be confirmed "
                    "at %d bits\n", r->name, r->line, id, VR_VEC_PRECMAX), rc = 1;
        else
            rc = compare(r, id, &s, &v, &k);
    }
    vr_vector_clear(&v);
    free(s.expected);
    free(s.bound);
    free(s.decimal);
    vr_case_clear(&in);
    return rc;
}

/* ---- a file ------------------------------------------------------------------------------------- */

static int parse_line(reader *r, json_t **o, const char *s, size_t n)
{
    json_error_t e;
    if (n == 0 || (n == 1 && s[0] == '\r'))
        return bad(r, "an empty line");
    if ((*o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &e)) == NULL)
        return bad(r, "not JSON: %s (column %d)", e.text, e.column);
    return 0;
}

int vr_vectors_check_buffer(const char *buf, size_t len, const char *name, FILE *err,
                            size_t *ncases)
{
    reader r = {name, err, 0, -1, 0, 0, json_object()};
    int rc = 0;
    size_t pos = 0, cases = 0;
    while (pos < len && rc < 2) {
        const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
        r.line++;
        if (nl == NULL) {
            rc = bad(&r, "the last line does not end in a newline (a truncated file?)");
            break;
        }
        json_t *o = NULL;
        int lrc = parse_line(&r, &o, s, (size_t)(nl - s));
        if (lrc == 0 && r.line == 1)
            lrc = header(&r, o);
        else if (lrc == 0)
            lrc = read_case(&r, o), cases++;
        json_decref(o);
        rc = lrc > rc ? lrc : rc;
        pos += (size_t)(nl - s) + 1;
    }
    if (r.line == 0)
        r.line = 1, rc = bad(&r, "an empty file: no header");
    else if (rc < 2 && (json_int_t)cases != r.announced)
        r.line++, rc = bad(&r, "the header announces %" JSON_INTEGER_FORMAT " cases; the file "
                               "has %zu", r.announced, cases);
    json_decref(r.ids);
    if (ncases != NULL)
        *ncases = cases;
    return rc;
}

int vr_vectors_check_file(const char *path, FILE *err, size_t *ncases)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    if (ncases != NULL)
        *ncases = 0;
    if (f == NULL) {
        fprintf(err, "%s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    do {
        if (len == cap) {
            char *b = realloc(buf, cap = cap ? 2 * cap : 1 << 16);
            if (b == NULL) {
                fprintf(err, "%s: out of memory\n", path);
                free(buf);
                fclose(f);
                return 2;
            }
            buf = b;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    int rd = ferror(f);
    fclose(f);
    int rc = rd ? (fprintf(err, "%s: cannot read\n", path), 2)
                : vr_vectors_check_buffer(buf, len, path, err, ncases);
    free(buf);
    return rc;
}
