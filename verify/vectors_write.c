/* vectors_write.c -- golden vectors as JSON lines (vectors.h, docs/vectors.md): a case's line in
   the shapes of the --exec protocol (docs/protocol.md), every number a C99 hex float string, and
   the files and README that `dnnproof vectors --out DIR` writes.  jansson keeps the keys in the
   order they are set, and every number is a string: the same seed gives the same bytes. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "protocol.h"
#include "vectors.h"

/* ---- as JSON ------------------------------------------------------------------------------------ */

/* The q entries e[] (references stolen) in the shape of the protocol's outputs: a scalar loss,
   arrays, the network's g_W and g_b as arrays of the p layers'. */
static json_t *shaped(const vr_call *k, json_t **e)
{
    json_t *o = json_object();
    size_t q = 0;
    if (k->op == VR_OP_NETWORK_GRADIENT) {
        json_t *gW = json_array(), *gb = json_array();
        json_object_set_new(o, "loss", e[q++]);
        for (size_t i = 1; i < k->nout; i++) {
            json_t *a = json_array();
            for (size_t j = 0; j < k->outlen[i]; j++)
                json_array_append_new(a, e[q++]);
            json_array_append_new(i % 2 ? gW : gb, a);
        }
        json_object_set_new(o, "g_W", gW);
        json_object_set_new(o, "g_b", gb);
        return o;
    }
    for (size_t i = 0; i < k->nout; i++) {
        if (!strcmp(k->outname[i], "loss")) {
            json_object_set_new(o, "loss", e[q++]);
            continue;
        }
        json_t *a = json_array();
        for (size_t j = 0; j < k->outlen[i]; j++)
            json_array_append_new(a, e[q++]);
        json_object_set_new(o, k->outname[i], a);
    }
    return o;
}

char *vr_vector_line(const char *id, const vr_call *k, int f32, const vr_vector *v)
{
    json_t **e = malloc((v->q ? v->q : 1) * sizeof *e), *o = json_object(), *fl = json_array();
    char *s = NULL;
    if (e == NULL || o == NULL)
        goto out;
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "op", json_string(vr_abi_name(k->op)));
    json_object_set_new(o, "precision", json_string(f32 ? "float32" : "double"));
    vr_proto_put_inputs(o, k);
    for (size_t i = 0; i < v->q; i++)
        e[i] = vr_proto_number(v->expected[i]);
    json_object_set_new(o, "expected", shaped(k, e));
    for (size_t i = 0; i < v->q; i++)
        e[i] = json_string(v->decimal[i]);
    json_object_set_new(o, "expected_decimal", shaped(k, e));
    for (size_t i = 0; i < v->q; i++)
        e[i] = vr_proto_number(v->bound[i]);
    json_object_set_new(o, "bound", shaped(k, e));
    for (int f = 0; f < VR_VF_N; f++)
        if (v->flags & 1u << f)
            json_array_append_new(fl, json_string(vr_vflag_name(f)));
    json_object_set_new(o, "flags", fl);
    fl = NULL;
    json_object_set_new(o, "comment", json_string(v->comment));
    s = json_dumps(o, JSON_COMPACT);
    char *line = s ? realloc(s, strlen(s) + 2) : NULL;
    if (line != NULL)
        strcat(line, "\n");
    else
        free(s);
    s = line;
out:
    free(e);
    json_decref(o);
    json_decref(fl);
    return s;
}

/* ---- the files ---------------------------------------------------------------------------------- */

void vr_vectors_filename(char *buf, size_t len, int op, int f32)
{
    snprintf(buf, len, "%s.%s.jsonl", vr_abi_name(op), f32 ? "float32" : "double");
}

/* Each case has its own seed (a hash of the run's, the file's and the case's number, as the
   runner's), so that a case does not depend on those before it; try > 0 when a case's rounding
   could not be decided and another is drawn in its place. */
static uint64_t case_seed(uint64_t seed, int op, int f32, size_t i, unsigned try)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a of "op.precision" */
    char id[64];
    snprintf(id, sizeof id, "%s.%s", vr_abi_name(op), f32 ? "float32" : "double");
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3u;
    return seed ^ h ^ (0x9e3779b97f4a7c15u * (uint64_t)(i + 1)) ^ ((uint64_t)try << 56);
}

static char *header_line(int op, int f32, uint64_t seed, size_t cases)
{
    json_t *notes = json_object();
    for (int f = 0; f < VR_VF_N; f++)
        json_object_set_new(notes, vr_vflag_name(f), json_string(vr_vflag_note(f)));
    json_t *h = json_pack(
        "{s:s, s:i, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:o}", "vectors", "dnnproof", "version",
        VR_VECTORS_VERSION, "op", vr_abi_name(op), "precision", f32 ? "float32" : "double",
        "generator", VR_VECTORS_GENERATOR, "seed", (json_int_t)seed, "u",
        f32 ? "0x1p-24" : "0x1p-53", "cases", (json_int_t)cases, "comment",
        "one case per line after this header; expected is the exact result rounded to nearest "
        "(ties to even) in the precision, expected_decimal the exact result to 40 digits, and "
        "|got - exact| <= bound for any backward-stable implementation; format: dnnproof's "
        "docs/vectors.md", "notes", notes);
    char *s = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    return s;
}

/* Writes one file; *bytes its size, fc[f] how many cases have flag f. */
static int write_file(FILE *f, int op, int f32, uint64_t seed, size_t cases, size_t *fc,
                      char *err, size_t errlen)
{
    char *h = header_line(op, f32, seed, cases);
    int st = h ? DP_OK : DP_ENOMEM;
    if (h != NULL)
        fprintf(f, "%s\n", h);
    free(h);
    for (size_t i = 0; st == DP_OK && i < cases; i++) {
        size_t size = 1 + i * 6 / (cases > 1 ? cases - 1 : 1); /* as the runner's sizes */
        for (unsigned try = 0; st == DP_OK; try++) {
            vr_src src;
            vr_case c;
            vr_call k;
            vr_vector v = {0};
            vr_src_seed(&src, case_seed(seed, op, f32, i, try));
            vr_case_init(&c);
            st = vr_abi_generate(&c, &src, size, op, f32);
            if (st == DP_OK && !vr_abi_marshal(&k, op, &c))
                st = DP_EDOMAIN;
            if (st == DP_OK)
                st = vr_vector_derive(&v, &k, f32);
            if (st == DP_OK && v.decided) {
                char id[96];
                snprintf(id, sizeof id, "%s-%s-%04zu", vr_abi_name(op), f32 ? "float32" : "double",
                         i + 1);
                char *line = vr_vector_line(id, &k, f32, &v);
                st = line ? DP_OK : DP_ENOMEM;
                if (line != NULL)
                    fputs(line, f);
                free(line);
                for (int fl = 0; fl < VR_VF_N; fl++)
                    fc[fl] += v.flags >> fl & 1;
            } else if (st == DP_OK && try >= 7) {
                snprintf(err, errlen, "%s: eight cases in a row whose rounding could not be "
                         "decided at %d bits", vr_abi_name(op), VR_VEC_PRECMAX);
                st = DP_EDOMAIN;
            }
            int done = st != DP_OK || v.decided;
            vr_vector_clear(&v);
            vr_case_clear(&c);
            vr_src_clear(&src);
            if (done)
                break;
        }
    }
    return st;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int write_readme(const char *dir, uint64_t seed, size_t cases,
                        size_t fc[VR_NOPS][2][VR_VF_N])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/README", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return DP_EDOMAIN;
    fprintf(f, "Golden vectors of dnnproof (%s), format version %d, seed %llu, %zu cases a "
            "file.\n\nOne file per op and precision, JSON lines: a header object, then one case "
            "per line\nwith its exact inputs (C99 hex floats), the exact result rounded to the "
            "precision\n(expected), to 40 digits (expected_decimal), the bound |got - exact| <= "
            "bound that\nany backward-stable implementation meets, flags and a comment.  "
            "dnnproof's\ndocs/vectors.md describes every field; `dnnproof vectors --check "
            "FILE...` re-derives\nthem.\n\nCases by flag:\n\n%-36s", VR_VECTORS_GENERATOR,
            VR_VECTORS_VERSION, (unsigned long long)seed, cases, "file");
    for (int fl = 0; fl < VR_VF_N; fl++)
        fprintf(f, " %s", vr_vflag_name(fl));
    fprintf(f, "\n");
    for (int op = 0; op < VR_NOPS; op++)
        for (int f32 = 0; f32 < 2; f32++) {
            char name[64];
            vr_vectors_filename(name, sizeof name, op, f32);
            fprintf(f, "%-36s", name);
            for (int fl = 0; fl < VR_VF_N; fl++)
                fprintf(f, " %*zu", (int)strlen(vr_vflag_name(fl)), fc[op][f32][fl]);
            fprintf(f, "\n");
        }
    fprintf(f, "\nFlags:\n");
    for (int fl = 0; fl < VR_VF_N; fl++)
        fprintf(f, "  %-15s %s\n", vr_vflag_name(fl), vr_vflag_note(fl));
    return fclose(f) == 0 ? DP_OK : DP_EDOMAIN;
}

int vr_vectors_write(const char *dir, uint64_t seed, size_t cases, FILE *progress, char *err,
                     size_t errlen)
{
    static size_t fc[VR_NOPS][2][VR_VF_N];
    memset(fc, 0, sizeof fc);
    int st = DP_OK;
    snprintf(err, errlen, "%s", "");
    for (int op = 0; op < VR_NOPS && st == DP_OK; op++)
        for (int f32 = 0; f32 < 2 && st == DP_OK; f32++) {
            char name[64], path[4096];
            vr_vectors_filename(name, sizeof name, op, f32);
            snprintf(path, sizeof path, "%s/%s", dir, name);
            double t0 = now();
            FILE *f = fopen(path, "w");
            if (f == NULL) {
                snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
                return DP_EDOMAIN;
            }
            st = write_file(f, op, f32, seed, cases, fc[op][f32], err, errlen);
            long bytes = ftell(f);
            if (fclose(f) != 0 && st == DP_OK) {
                snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
                st = DP_EDOMAIN;
            }
            if (st == DP_OK && progress != NULL)
                fprintf(progress, "%-44s %6zu cases %9ld bytes %6.2f s\n", path, cases, bytes,
                        now() - t0);
        }
    if (st == DP_OK && write_readme(dir, seed, cases, fc) != DP_OK) {
        snprintf(err, errlen, "cannot write %s/README: %s", dir, strerror(errno));
        st = DP_EDOMAIN;
    }
    if (st != DP_OK && err[0] == '\0')
        snprintf(err, errlen, "%s", dp_strerror(st));
    return st;
}
