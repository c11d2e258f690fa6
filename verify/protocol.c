/* protocol.c -- the messages of the --exec protocol (protocol.h, docs/protocol.md).  Numbers go
   out as C99 hex floats, which every language in common use reads exactly, and come back as hex
   strings or JSON numbers (jansson reads those with strtod: correctly rounded, so a shortest
   round-trip decimal is exact). */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "protocol.h"

const char vr_proto_hello[] = "{\"v\": 1, \"op\": \"hello\"}\n";

static void say(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* A line parsed as one JSON object of version 1; NULL with the reason in err. */
static json_t *parse_object(const char *line, size_t len, char *err, size_t errlen)
{
    json_error_t e;
    json_t *o = json_loadb(line, len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, &e);
    if (o == NULL) {
        say(err, errlen, "not a JSON object on one line (%s, column %d)", e.text, e.column);
        return NULL;
    }
    json_t *v = json_object_get(o, "v");
    if (!json_is_object(o) || !json_is_number(v) || json_number_value(v) != VR_PROTO_VERSION) {
        say(err, errlen, "%s", json_is_object(o) ? "no \"v\": 1 (this dnnproof speaks version 1)"
                                                 : "not a JSON object");
        json_decref(o);
        return NULL;
    }
    return o;
}

int vr_proto_parse_hello(int has[VR_NOPS][2], char *name, size_t namelen, const char *line,
                         size_t len, char *err, size_t errlen)
{
    memset(has, 0, sizeof(int) * 2 * VR_NOPS);
    json_t *o = parse_object(line, len, err, errlen), *ops, *precs;
    if (o == NULL)
        return DP_EDOMAIN;
    const char *key, *nm = json_string_value(json_object_get(o, "name"));
    snprintf(name, namelen, "%s", nm ? nm : "");
    size_t known = 0, i;
    if (!json_is_object(ops = json_object_get(o, "ops"))) {
        say(err, errlen, "no \"ops\" object");
        json_decref(o);
        return DP_EDOMAIN;
    }
    json_object_foreach(ops, key, precs) {
        int op = vr_abi_op(key); /* unknown ops are ignored: a newer adapter */
        json_t *p;
        json_array_foreach(precs, i, p) {
            const char *s = json_string_value(p);
            int f32 = s && !strcmp(s, "float32") ? 1 : s && !strcmp(s, "double") ? 0 : -1;
            if (op >= 0 && f32 >= 0)
                known += !has[op][f32], has[op][f32] = 1;
        }
    }
    json_decref(o);
    if (known == 0) {
        say(err, errlen, "the adapter lists no op and precision dnnproof knows "
                         "(docs/protocol.md lists them)");
        return DP_EDOMAIN;
    }
    return DP_OK;
}

/* ---- requests -------------------------------------------------------------------------------- */

json_t *vr_proto_number(double x)
{
    char s[40];
    if (isnan(x))
        snprintf(s, sizeof s, "nan");
    else if (isinf(x))
        snprintf(s, sizeof s, "%sinf", x < 0 ? "-" : "");
    else
        snprintf(s, sizeof s, "%a", x);
    return json_string(s);
}

static json_t *numbers(const double *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++)
        json_array_append_new(a, vr_proto_number(v[i]));
    return a;
}

/* The network's inputs are X, Y, W1, b1, W2, b2, ...: the protocol names them X, Yhat, W and b,
   the last two as arrays of the p layers'. */
void vr_proto_put_inputs(json_t *o, const vr_call *k)
{
    json_t *dims = json_object(), *in = json_object();
    if (k->op == VR_OP_NETWORK_GRADIENT) {
        size_t p = k->dims[0];
        json_t *w = json_array(), *W = json_array(), *b = json_array();
        json_object_set_new(dims, "p", json_integer((json_int_t)p));
        json_object_set_new(dims, "n", json_integer((json_int_t)k->dims[1]));
        for (size_t l = 0; l <= p; l++)
            json_array_append_new(w, json_integer((json_int_t)k->dims[2 + l]));
        json_object_set_new(dims, "widths", w);
        json_object_set_new(in, "X", numbers(k->in[0], k->inlen[0]));
        json_object_set_new(in, "Yhat", numbers(k->in[1], k->inlen[1]));
        for (size_t l = 0; l < p; l++) {
            json_array_append_new(W, numbers(k->in[2 + 2 * l], k->inlen[2 + 2 * l]));
            json_array_append_new(b, numbers(k->in[3 + 2 * l], k->inlen[3 + 2 * l]));
        }
        json_object_set_new(in, "W", W);
        json_object_set_new(in, "b", b);
    } else {
        json_object_set_new(dims, "m", json_integer((json_int_t)k->dims[0]));
        if (k->ndims > 1)
            json_object_set_new(dims, "mo", json_integer((json_int_t)k->dims[1]));
        for (size_t i = 0; i < k->nin; i++)
            json_object_set_new(in, k->inname[i], numbers(k->in[i], k->inlen[i]));
    }
    json_object_set_new(o, "dims", dims);
    json_object_set_new(o, "inputs", in);
}

char *vr_proto_request(const vr_call *k, int f32, unsigned long id)
{
    json_t *o = json_pack("{s:i, s:I, s:s, s:s}", "v", VR_PROTO_VERSION, "id", (json_int_t)id,
                          "op", vr_abi_name(k->op), "precision", f32 ? "float32" : "double");
    if (o == NULL)
        return NULL;
    vr_proto_put_inputs(o, k);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *line = s ? realloc(s, strlen(s) + 2) : NULL;
    if (line == NULL) {
        free(s);
        return NULL;
    }
    strcat(line, "\n");
    return line;
}

/* ---- responses ------------------------------------------------------------------------------- */

/* A number: a JSON number, or a string that strtod reads whole (hex floats, inf, nan). */
static int number(double *x, const json_t *j)
{
    if (json_is_number(j)) {
        *x = json_number_value(j);
        return 1;
    }
    const char *s = json_string_value(j);
    char *end;
    if (s == NULL || *s == '\0' || (size_t)json_string_length(j) != strlen(s))
        return 0;
    *x = strtod(s, &end);
    return *end == '\0';
}

/* Reads n numbers from the array a into out; 0 with the reason in note. */
static int read_array(double *out, const json_t *a, size_t n, const char *name, int f32,
                      char *note, size_t notelen)
{
    if (!json_is_array(a) || json_array_size(a) != n) {
        say(note, notelen, "output \"%s\" is not an array of %zu numbers", name, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!number(&out[i], json_array_get(a, i))) {
            say(note, notelen, "%s[%zu] is not a number", name, i);
            return 0;
        }
        if (f32 && !isnan(out[i]) && (double)(float)out[i] != out[i]) {
            say(note, notelen, "%s[%zu] = %a is not a float32 value", name, i, out[i]);
            return 0;
        }
    }
    return 1;
}

/* A scalar output: one number, not an array. */
static int read_scalar(double *x, const json_t *j, const char *name, int f32, char *note,
                       size_t notelen)
{
    if (!number(x, j)) {
        say(note, notelen, "output \"%s\" is not a number", name);
        return 0;
    }
    if (f32 && !isnan(*x) && (double)(float)*x != *x) {
        say(note, notelen, "%s = %a is not a float32 value", name, *x);
        return 0;
    }
    return 1;
}

/* The outputs of k from the response's "outputs" object. */
static int read_outputs(double *out, const json_t *o, const vr_call *k, int f32, char *note,
                        size_t notelen)
{
    if (k->op == VR_OP_NETWORK_GRADIENT) {
        const json_t *gW = json_object_get(o, "g_W"), *gb = json_object_get(o, "g_b");
        size_t p = k->dims[0];
        if (!json_is_array(gW) || !json_is_array(gb) || json_array_size(gW) != p ||
            json_array_size(gb) != p) {
            say(note, notelen, "outputs \"g_W\" and \"g_b\" are not arrays of the %zu layers'", p);
            return 0;
        }
        double *o1 = out + 1;
        if (!read_scalar(out, json_object_get(o, "loss"), "loss", f32, note, notelen))
            return 0;
        for (size_t l = 0; l < p; l++) {
            size_t nW = k->outlen[1 + 2 * l], nb = k->outlen[2 + 2 * l];
            char name[32];
            snprintf(name, sizeof name, "g_W[%zu]", l);
            if (!read_array(o1, json_array_get(gW, l), nW, name, f32, note, notelen))
                return 0;
            snprintf(name, sizeof name, "g_b[%zu]", l);
            if (!read_array(o1 + nW, json_array_get(gb, l), nb, name, f32, note, notelen))
                return 0;
            o1 += nW + nb;
        }
        return 1;
    }
    for (size_t i = 0, q = 0; i < k->nout; q += k->outlen[i++]) {
        const char *name = k->outname[i];
        const json_t *a = json_object_get(o, name);
        if (a == NULL) {
            say(note, notelen, "no output \"%s\"", name);
            return 0;
        }
        if (!strcmp(name, "loss")) {
            if (!read_scalar(out + q, a, name, f32, note, notelen))
                return 0;
        } else if (!read_array(out + q, a, k->outlen[i], name, f32, note, notelen)) {
            return 0;
        }
    }
    return 1;
}

vr_plugin_kind vr_proto_parse_response(double *out, char *note, size_t notelen, const char *line,
                                       size_t len, const vr_call *k, int f32, unsigned long id)
{
    json_t *o = parse_object(line, len, note, notelen);
    if (o == NULL)
        return VR_PK_PROTOCOL;
    vr_plugin_kind kind = VR_PK_PROTOCOL;
    const json_t *jid = json_object_get(o, "id"), *err = json_object_get(o, "error"),
                 *outs = json_object_get(o, "outputs");
    if (!json_is_number(jid) || json_number_value(jid) != (double)id) {
        say(note, notelen, "the response does not carry the request's \"id\": %lu", id);
    } else if (err != NULL) {
        const char *msg = json_string_value(err);
        say(note, notelen, "refused a valid input: \"%.150s\"", msg ? msg : "(no message)");
        kind = VR_PK_REFUSED;
    } else if (!json_is_object(outs)) {
        say(note, notelen, "the response has neither \"outputs\" nor \"error\"");
    } else if (read_outputs(out, outs, k, f32, note, notelen)) {
        kind = VR_PK_PASS;
    }
    json_decref(o);
    return kind;
}
