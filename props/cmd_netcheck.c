/* cmd_netcheck.c -- `dnnproof netcheck`: §5's theorem checked on a generated network at real
   sizes, entry by entry or along random directions; argument parsing and reporting only, the work
   is verify/netcheck*.c (docs/netcheck.md).
     dnnproof netcheck --widths 784,32,10 [--samples 4] [--seed 1] [--prec 256] [-j N]
                       [--directions K] [--format text|json] [--save-data FILE]
   Exit 0 when nothing is refuted (undecided entries are reported, not failed), 1 when an entry
   or a direction is refuted, 2 on a usage error or a check that could not run. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "netcheck.h"
#include "props.h"

/* "784,32,10": 2 to VR_NETCHECK_MAXP + 1 widths, each in 1 .. 2^20; *p = count - 1. */
static int parse_widths(size_t *w, size_t *p, const char *s)
{
    size_t k = 0;
    char buf[32];
    while (s != NULL && *s != '\0') {
        size_t len = strcspn(s, ",");
        unsigned long long v;
        if (k > VR_NETCHECK_MAXP || len == 0 || len >= sizeof buf)
            return 0;
        memcpy(buf, s, len), buf[len] = '\0';
        if (!cli_whole(&v, buf, 1, 1u << 20))
            return 0;
        w[k++] = (size_t)v;
        s += len;
        if (*s == ',' && *++s == '\0')
            return 0; /* a trailing comma */
    }
    *p = k - 1;
    return k >= 2;
}

/* The network and data as JSON, for other tools (a gradcheck script) to load the very same
   doubles: {"widths":[...],"n":N,"X":[...],"Yhat":[...],"W":[[...],...],"b":[[...],...]}, every
   value a C99 hex float ("%a", exact), arrays row-major, W[k] of widths[k+1] x widths[k]. */
static json_t *hex_array(const double *v, size_t len)
{
    json_t *a = json_array();
    char buf[40];
    for (size_t i = 0; a != NULL && i < len; i++) {
        snprintf(buf, sizeof buf, "%a", v[i]);
        json_array_append_new(a, json_string(buf));
    }
    return a;
}

static int save_data(const char *path, const dp_net *net, const double *X, const double *Y,
                     size_t n)
{
    json_t *o = json_object(), *w = json_array(), *W = json_array(), *b = json_array();
    for (size_t k = 0; k <= net->p; k++)
        json_array_append_new(w, json_integer((json_int_t)net->m[k]));
    for (size_t k = 0; k < net->p; k++) {
        json_array_append_new(W, hex_array(net->W[k], net->m[k + 1] * net->m[k]));
        json_array_append_new(b, hex_array(net->b[k], net->m[k + 1]));
    }
    json_object_set_new(o, "widths", w);
    json_object_set_new(o, "n", json_integer((json_int_t)n));
    json_object_set_new(o, "X", hex_array(X, n * net->m[0]));
    json_object_set_new(o, "Yhat", hex_array(Y, n * net->m[net->p]));
    json_object_set_new(o, "W", W);
    json_object_set_new(o, "b", b);
    int rc = json_dump_file(o, path, JSON_COMPACT);
    json_decref(o);
    if (rc != 0)
        fprintf(stderr, "dnnproof: netcheck: cannot write '%s'\n", path);
    return rc == 0 ? 0 : 2;
}

typedef struct {
    size_t w[VR_NETCHECK_MAXP + 2], p, n, dirs;
    unsigned long long seed, prec, jobs;
    int json, library; /* library: directions check dp_global_loss_gradient_mp, not the theorem */
    const char *save;
} options;

static int parse(options *o, int argc, char **argv)
{
    *o = (options){.n = 4, .seed = 1, .prec = 256, .jobs = 1};
    int have_widths = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long x;
        if (!strcmp(a, "--widths")) {
            if (!parse_widths(o->w, &o->p, v))
                return cli_usage("netcheck",
                                 "--widths wants 2 to 64 widths in 1..2^20, comma-separated: '%s'",
                                 v ? v : "");
            have_widths = 1;
        } else if (!strcmp(a, "--samples")) {
            if (!cli_whole(&x, v, 1, 1u << 20))
                return cli_usage("netcheck",
                                 "--samples wants a number in 1..2^20: '%s'", v ? v : "");
            o->n = (size_t)x;
        } else if (!strcmp(a, "--seed")) {
            if (!cli_whole(&o->seed, v, 0, ~0ull))
                return cli_usage("netcheck", "--seed wants a whole number: '%s'", v ? v : "");
        } else if (!strcmp(a, "--prec")) {
            if (!cli_whole(&o->prec, v, 53, VR_NETCHECK_MAXPREC))
                return cli_usage("netcheck", "--prec wants bits in 53..65536: '%s'", v ? v : "");
        } else if (!strcmp(a, "-j")) {
            if (!cli_whole(&o->jobs, v, 1, 64))
                return cli_usage("netcheck",
                                 "-j wants a number of threads in 1..64: '%s'", v ? v : "");
        } else if (!strcmp(a, "--directions")) {
            if (!cli_whole(&x, v, 1, 1u << 20))
                return cli_usage("netcheck",
                                 "--directions wants a number in 1..2^20: '%s'", v ? v : "");
            o->dirs = (size_t)x;
        } else if (!strcmp(a, "--format")) {
            if (v == NULL || (strcmp(v, "text") && strcmp(v, "json")))
                return cli_usage("netcheck", "--format wants text or json: '%s'", v ? v : "");
            o->json = !strcmp(v, "json");
        } else if (!strcmp(a, "--library-gradient")) {
            o->library = 1;
            continue; /* no value */
        } else if (!strcmp(a, "--save-data")) {
            if (v == NULL || *v == '\0')
                return cli_usage("netcheck", "--save-data wants a file name%s", "");
            o->save = v;
        } else {
            return cli_usage("netcheck", "unknown argument '%s'", a);
        }
        i++;
    }
    return have_widths ? 0 : cli_usage("netcheck", "--widths is required%s", "");
}

static void widths_text(char *buf, size_t len, const options *o)
{
    size_t at = 0;
    for (size_t k = 0; k <= o->p && at < len; k++)
        at += (size_t)snprintf(buf + at, len - at, "%s%zu", k ? "," : "", o->w[k]);
}

static void report_text(const options *o, const dp_net *net, const vr_netcheck_result *r,
                        double secs)
{
    char ws[256], worst[48] = "-";
    widths_text(ws, sizeof ws, o);
    if (r->worst != SIZE_MAX && r->entries > 0)
        vr_netcheck_entry_name(worst, sizeof worst, net, r->worst);
    printf("netcheck [%s] n=%zu seed %llu, %llu bits: %zu %s: %zu agree, %zu refuted, "
           "%zu undecided, %zu kinks; least %.1f bits (%s); %.3f s\n",
           ws, o->n, o->seed, o->prec, r->entries, o->dirs ? "directions" : "entries", r->agree,
           r->refuted, r->undecided, r->kinks, r->min_bits, worst, secs);
    if (o->dirs && r->drill_evals > 0)
        printf("  drill-down: %zu evaluations of the loss difference\n", r->drill_evals);
    if (r->note[0] != '\0')
        printf("  %s\n", r->note);
}

static void report_json(const options *o, const dp_net *net, const vr_netcheck_result *r,
                        double secs)
{
    json_t *j = json_object(), *w = json_array();
    for (size_t k = 0; k <= o->p; k++)
        json_array_append_new(w, json_integer((json_int_t)o->w[k]));
    json_object_set_new(j, "widths", w);
    json_object_set_new(j, "samples", json_integer((json_int_t)o->n));
    json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(j, "prec", json_integer((json_int_t)o->prec));
    json_object_set_new(j, "threads", json_integer((json_int_t)(o->dirs ? 1 : o->jobs)));
    json_object_set_new(j, "mode", json_string(o->dirs ? "directions" : "entrywise"));
    json_object_set_new(j, "entries", json_integer((json_int_t)r->entries));
    json_object_set_new(j, "agree", json_integer((json_int_t)r->agree));
    json_object_set_new(j, "refuted", json_integer((json_int_t)r->refuted));
    json_object_set_new(j, "undecided", json_integer((json_int_t)r->undecided));
    json_object_set_new(j, "kinks", json_integer((json_int_t)r->kinks));
    json_object_set_new(j, "min_bits", json_real(r->min_bits));
    if (r->worst != SIZE_MAX && r->entries > 0) {
        char name[48];
        vr_netcheck_entry_name(name, sizeof name, net, r->worst);
        json_object_set_new(j, "worst", json_integer((json_int_t)r->worst));
        json_object_set_new(j, "worst_name", json_string(name));
    } else {
        json_object_set_new(j, "worst", json_null());
        json_object_set_new(j, "worst_name", json_null());
    }
    json_object_set_new(j, "drill_evals", json_integer((json_int_t)r->drill_evals));
    json_object_set_new(j, "note", json_string(r->note));
    json_object_set_new(j, "seconds", json_real(secs));
    json_dumpf(j, stdout, JSON_COMPACT);
    putchar('\n');
    json_decref(j);
}

int cmd_netcheck(int argc, char **argv)
{
    options o;
    int rc = parse(&o, argc, argv);
    if (rc != 0)
        return rc;
    dp_net net;
    double *X, *Y;
    int st = vr_netcheck_make(&net, &X, &Y, o.w, o.p, o.n, o.seed);
    if (st != DP_OK) {
        fprintf(stderr, "dnnproof: netcheck: cannot make the network: %s\n", dp_strerror(st));
        return 2;
    }
    if (o.save != NULL && (rc = save_data(o.save, &net, X, Y, o.n)) != 0) {
        vr_netcheck_free(&net, X, Y);
        return rc;
    }
    vr_netcheck_result r;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (o.dirs > 0)
        st = vr_netcheck_directions(&r, &net, X, Y, o.n, (mpfr_prec_t)o.prec, o.dirs, o.seed,
                                    o.library ? dp_global_loss_gradient_mp : NULL);
    else
        st = vr_netcheck_entrywise(&r, &net, X, Y, o.n, (mpfr_prec_t)o.prec, (int)o.jobs, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (st != DP_OK) {
        fprintf(stderr, "dnnproof: netcheck: %s\n", dp_strerror(st));
        rc = 2;
    } else {
        (o.json ? report_json : report_text)(&o, &net, &r, secs);
        rc = r.refuted > 0;
    }
    vr_netcheck_free(&net, X, Y);
    return rc;
}
