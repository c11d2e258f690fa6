/* bridge.c -- an --exec adapter (docs/protocol.md) serving the functions of a plugin:
   `bridge PLUGIN.so [FAULT]`.  It lets the tests run every plugin of tests/plugins/ through the
   protocol as well (the two transports must reach the same verdicts), and FAULT makes it break
   the protocol on purpose, each way dnnproof must survive:
     crash     dies by SIGSEGV on the 3rd call        hang     stops answering on the 3rd call
     garbage   answers the 3rd call with "hello?"     wrong-id answers with id + 1
     not-f32   returns 1 + 2^-30 as a float32 output  exit     exits on the 3rd call
     no-hello  exits without answering hello          v2       answers hello in version 2
     short     returns one output entry too few       error    answers every call with "error"
     no-ops    lists only an op dnnproof does not know, in hello
   Written with jansson, like dnnproof, but independently of dnnproof's protocol.c. */
#include <dlfcn.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const ops[] = {"relu", "relu_jacobian", "softmax", "softmax_jacobian", "cce",
                                  "cce_gradient", "softmax_cce_gradient", "dense",
                                  "dense_relu_backward", "network_gradient"};
enum { NOPS = 10, MAXP = 8 };
typedef void (*fnptr)(void);
static fnptr fn[NOPS][2];
static const char *fault = "";

static double num(const json_t *j)
{
    const char *s = json_string_value(j);
    return json_is_number(j) ? json_number_value(j) : s ? strtod(s, NULL) : 0;
}

/* A JSON array of numbers as a buffer of doubles or floats (malloc'd). */
static void *buf(const json_t *a, int f32, size_t *n)
{
    *n = json_array_size(a);
    void *v = calloc(*n + 1, f32 ? sizeof(float) : sizeof(double));
    for (size_t i = 0; v && i < *n; i++)
        f32 ? (void)(((float *)v)[i] = (float)num(json_array_get(a, i)))
            : (void)(((double *)v)[i] = num(json_array_get(a, i)));
    return v;
}

static json_t *arr(const void *v, size_t n, int f32)
{
    json_t *a = json_array();
    char s[48];
    if (!strcmp(fault, "short") && n > 0)
        n--;
    for (size_t i = 0; i < n; i++) {
        double x = f32 ? ((const float *)v)[i] : ((const double *)v)[i];
        if (!strcmp(fault, "not-f32") && f32)
            x = 1 + 0x1p-30;
        snprintf(s, sizeof s, isnan(x) ? "nan" : isinf(x) ? (x < 0 ? "-inf" : "inf") : "%a", x);
        json_array_append_new(a, json_string(s));
    }
    return a;
}

typedef int (*v1)(size_t, const void *, void *);
typedef int (*v2)(size_t, const void *, const void *, void *);
typedef int (*dn)(size_t, size_t, const void *, const void *, const void *, void *);
typedef int (*drb)(size_t, size_t, const void *, const void *, const void *, const void *, void *,
                   void *, void *);
typedef int (*net)(size_t, const size_t *, const void *const *, const void *const *, size_t,
                   const void *, const void *, void *, void *const *, void *const *);

/* Calls op on the request's inputs; the outputs object, or NULL when the function refused. */
static json_t *call(int op, int f32, const json_t *dims, const json_t *in)
{
    size_t el = f32 ? sizeof(float) : sizeof(double), n1, n2, n3, n4;
    size_t m = (size_t)num(json_object_get(dims, "m")), mo = (size_t)num(json_object_get(dims, "mo"));
    json_t *out = json_object();
    void *a, *b, *c, *d, *o1, *o2, *o3;
    int rc = 0;
    fnptr f = fn[op][f32];
    switch (op) {
    case 0: case 1: case 2: case 3:
        a = buf(json_object_get(in, "z"), f32, &n1);
        o1 = calloc(m * m + 1, el);
        rc = ((v1)f)(m, a, o1);
        json_object_set_new(out, op == 1 || op == 3 ? "J" : "out",
                            arr(o1, op == 1 || op == 3 ? m * m : m, f32));
        free(a), free(o1);
        break;
    case 4: case 5: case 6:
        a = buf(json_object_get(in, "yhat"), f32, &n1);
        b = buf(json_object_get(in, op == 6 ? "z" : "y"), f32, &n2);
        o1 = calloc(m + 1, el);
        rc = ((v2)f)(m, a, b, o1);
        if (op == 4) {
            json_t *l = arr(o1, 1, f32);
            json_object_set(out, "loss", json_array_get(l, 0) ? json_array_get(l, 0) : l);
            json_decref(l);
        } else {
            json_object_set_new(out, "g", arr(o1, m, f32));
        }
        free(a), free(b), free(o1);
        break;
    case 7: case 8:
        a = buf(json_object_get(in, "y"), f32, &n1), b = buf(json_object_get(in, "W"), f32, &n2);
        c = buf(json_object_get(in, "b"), f32, &n3);
        if (op == 7) {
            o1 = calloc(mo + 1, el);
            rc = ((dn)f)(m, mo, a, b, c, o1);
            json_object_set_new(out, "out", arr(o1, mo, f32));
            free(o1);
        } else {
            d = buf(json_object_get(in, "g_up"), f32, &n4);
            o1 = calloc(m, el), o2 = calloc(mo * m, el), o3 = calloc(mo, el);
            rc = ((drb)f)(m, mo, a, b, c, d, o1, o2, o3);
            json_object_set_new(out, "g_y", arr(o1, m, f32));
            json_object_set_new(out, "g_W", arr(o2, mo * m, f32));
            json_object_set_new(out, "g_b", arr(o3, mo, f32));
            free(d), free(o1), free(o2), free(o3);
        }
        free(a), free(b), free(c);
        break;
    default: {
        size_t p = (size_t)num(json_object_get(dims, "p")), n = (size_t)num(json_object_get(dims, "n"));
        size_t w[MAXP + 1];
        void *W[MAXP], *B[MAXP], *gW[MAXP], *gb[MAXP];
        json_t *jW = json_array(), *jb = json_array();
        for (size_t l = 0; l <= p && l <= MAXP; l++)
            w[l] = (size_t)num(json_array_get(json_object_get(dims, "widths"), l));
        a = buf(json_object_get(in, "X"), f32, &n1), b = buf(json_object_get(in, "Yhat"), f32, &n2);
        for (size_t l = 0; l < p && l < MAXP; l++) {
            W[l] = buf(json_array_get(json_object_get(in, "W"), l), f32, &n3);
            B[l] = buf(json_array_get(json_object_get(in, "b"), l), f32, &n4);
            gW[l] = calloc(w[l + 1] * w[l], el), gb[l] = calloc(w[l + 1], el);
        }
        double loss[1];
        float lossf[1];
        rc = ((net)f)(p, w, (const void *const *)W, (const void *const *)B, n, a, b,
                      f32 ? (void *)lossf : (void *)loss, gW, gb);
        json_t *l = arr(f32 ? (void *)lossf : (void *)loss, 1, f32);
        json_object_set(out, "loss", json_array_get(l, 0) ? json_array_get(l, 0) : l);
        json_decref(l);
        for (size_t k = 0; k < p && k < MAXP; k++) {
            json_array_append_new(jW, arr(gW[k], w[k + 1] * w[k], f32));
            json_array_append_new(jb, arr(gb[k], w[k + 1], f32));
            free(W[k]), free(B[k]), free(gW[k]), free(gb[k]);
        }
        json_object_set_new(out, "g_W", jW);
        json_object_set_new(out, "g_b", jb);
        free(a), free(b);
    }
    }
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static void answer(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s);
    fflush(stdout);
    free(s);
    json_decref(o);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bridge PLUGIN.so [FAULT]\n");
        return 2;
    }
    fault = argc == 3 ? argv[2] : "";
    void *h = dlopen(argv[1], RTLD_NOW);
    if (h == NULL) {
        fprintf(stderr, "bridge: %s\n", dlerror());
        return 2;
    }
    json_t *have = json_object();
    for (int op = 0; op < NOPS; op++) {
        json_t *precs = json_array();
        for (int f32 = 0; f32 < 2; f32++) {
            char name[64];
            snprintf(name, sizeof name, "dnnp_%s%s", ops[op], f32 ? "_f32" : "");
            void *sym = dlsym(h, name);
            memcpy(&fn[op][f32], &sym, sizeof sym); /* POSIX: dlsym's pointer is callable */
            if (sym != NULL)
                json_array_append_new(precs, json_string(f32 ? "float32" : "double"));
        }
        if (json_array_size(precs))
            json_object_set_new(have, ops[op], precs);
        else
            json_decref(precs);
    }
    char *line = NULL;
    size_t cap = 0;
    long calls = 0;
    while (getline(&line, &cap, stdin) > 0) {
        json_t *rq = json_loads(line, JSON_DECODE_INT_AS_REAL, NULL);
        const char *op = json_string_value(json_object_get(rq, "op"));
        double id = json_object_get(rq, "id") ? num(json_object_get(rq, "id")) : 0;
        if (op != NULL && !strcmp(op, "hello")) {
            if (!strcmp(fault, "no-hello"))
                return 0;
            if (!strcmp(fault, "no-ops"))
                answer(json_pack("{s:i, s:s, s:{s:[s]}}", "v", 1, "name", "bridge", "ops",
                                 "tanh", "double"));
            else
                answer(json_pack("{s:i, s:s, s:O}", "v", !strcmp(fault, "v2") ? 2 : 1, "name",
                                 "bridge", "ops", have));
            json_decref(rq);
            continue;
        }
        if (++calls == 3 && !strcmp(fault, "crash"))
            raise(SIGSEGV);
        if (calls == 3 && !strcmp(fault, "exit"))
            return 3;
        if (calls == 3 && !strcmp(fault, "hang"))
            pause();
        if (calls == 3 && !strcmp(fault, "garbage")) {
            printf("hello?\n");
            fflush(stdout);
            json_decref(rq);
            continue;
        }
        int k = -1;
        for (int o = 0; op && o < NOPS; o++)
            k = !strcmp(op, ops[o]) ? o : k;
        const char *prec = json_string_value(json_object_get(rq, "precision"));
        int f32 = prec && !strcmp(prec, "float32");
        json_t *out = k >= 0 && fn[k][f32] && strcmp(fault, "error")
                          ? call(k, f32, json_object_get(rq, "dims"), json_object_get(rq, "inputs"))
                          : NULL;
        json_t *rs = json_pack("{s:i, s:f}", "v", 1, "id", id + !strcmp(fault, "wrong-id"));
        json_object_set_new(rs, out ? "outputs" : "error", out ? out : json_string("refused"));
        answer(rs);
        json_decref(rq);
    }
    free(line);
    json_decref(have);
    dlclose(h);
    return 0;
}
