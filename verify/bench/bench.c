/* bench.c -- `make bench`: how fast dnnproof checks, printed as one table.
   1. every proposition of the catalogue through the runner (vr_run_prop): cases per second, and
      the runner's own overhead, measured by timing the proposition's check callback;
   2. the network theorem checked entrywise at 256 bits (`dnnproof netcheck`, a child process:
      its own time, wall time, CPU time, peak RSS from wait4);
   3. the same by random directions;
   4. the time against the number of parameters, with the fitted exponent;
   5. torch.autograd.gradcheck (verify/bench/gradcheck.py) on the same networks and data, slow
      and fast mode, and the ratios; the targets, met or missed.
   docs/performance.md explains each figure.  Times are CLOCK_MONOTONIC, best of N runs. */
#define _DEFAULT_SOURCE /* wait4, sysconf(_SC_NPROCESSORS_ONLN) */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <gmp.h>
#include <jansson.h>
#include "verify.h"

extern char **environ;

/* The targets (docs/performance.md). */
#define TARGET_SLOW_RATIO 10.0     /* entrywise [784,32,10] at least 10x faster than slow mode */
#define TARGET_FAST_RATIO 5.0      /* directions at most 5x gradcheck's fast mode */
#define TARGET_OVERHEAD 0.20       /* the runner's share of a run's time */
#define TARGET_RSS_KB (1024L * 1024L) /* peak RSS under 1 GB (ru_maxrss is in kB) */
#define TARGET_EXP_LO 0.8          /* "about linear": a fitted exponent in [0.8, 1.2] */
#define TARGET_EXP_HI 1.2
/* gradcheck's slow mode grows faster than linearly (params^1.3 to 1.7 measured; 7.2 s at 25450
   parameters): beyond this many it would take most of the bench's few minutes, so the sweep
   leaves it out and says so. */
#define GC_SLOW_MAX_PARAMS 30000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- options --------------------------------------------------------------------------------- */

typedef struct {
    const char *dnnproof, *python, *gradcheck;
    int json;
    int repeats;   /* best of this many runs of a figure */
    double budget; /* ... unless the runs of one figure would take longer than this (seconds) */
    size_t cases;  /* per proposition in section 1 */
} bench_opt;

/* ---- section 1: the propositions through the runner --------------------------------------------
   vr_run_prop calls prop->check once per case (and again while shrinking a counterexample); a
   copy of the proposition whose check is timed_check measures the time inside the callback.
   Everything else in the run (generation, classes, tokens, shrinking's bookkeeping) is the
   runner's own overhead.  Section 1 runs in one thread, so the statics are enough. */

static const vr_prop *timed_prop;
static double timed_inside;
static size_t timed_calls;

static int timed_check(vr_result *r, const vr_case *c, vr_ctx *ctx)
{
    double t0 = now();
    int st = timed_prop->check(r, c, ctx);
    timed_inside += now() - t0;
    timed_calls++;
    return st;
}

typedef struct {
    const vr_prop *prop;
    size_t cases, checks;
    double total, inside; /* of the fastest run */
    int ok, runs;
} prop_row;

static int bench_prop(prop_row *row, const vr_prop *prop, const bench_opt *bo)
{
    vr_options opt = {.seed = 1, .cases = bo->cases, .prec = 128, .ladder = 0, .coverage = 0};
    vr_prop copy = *prop;
    copy.check = timed_check;
    timed_prop = prop;
    memset(row, 0, sizeof *row);
    row->prop = prop;
    row->total = INFINITY;
    double spent = 0;
    for (int k = 0; k < bo->repeats && (k == 0 || spent + row->total <= bo->budget); k++) {
        vr_summary s;
        timed_inside = 0, timed_calls = 0;
        double t0 = now();
        int st = vr_run_prop(&s, &copy, &opt);
        double t = now() - t0;
        spent += t;
        row->runs++;
        if (t < row->total) {
            row->total = t, row->inside = timed_inside;
            row->cases = s.cases, row->checks = timed_calls, row->ok = s.ok;
        }
        vr_summary_clear(&s);
        if (st != DP_OK) {
            fprintf(stderr, "dnnproof-bench: %s: %s\n", prop->id, dp_strerror(st));
            return st;
        }
    }
    return DP_OK;
}

/* ---- child processes ------------------------------------------------------------------------ */

typedef struct {
    int status;       /* exit status; -1 when it could not start or was killed */
    double wall, cpu; /* seconds: CLOCK_MONOTONIC from spawn to wait4; user + system */
    long rss_kb;      /* peak resident set size (ru_maxrss, kB) */
    char *out, *err;  /* what it wrote (malloc'd, NUL-terminated) */
} child;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (f == NULL || buf == NULL) {
        if (f)
            fclose(f);
        free(buf);
        return NULL;
    }
    for (size_t got; (got = fread(buf + len, 1, cap - 1 - len, f)) > 0;) {
        len += got;
        if (cap - 1 - len == 0) {
            char *b = realloc(buf, cap *= 2);
            if (b == NULL)
                break;
            buf = b;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static void child_clear(child *ch)
{
    free(ch->out);
    free(ch->err);
    memset(ch, 0, sizeof *ch);
}

/* Runs argv (looked up on PATH) with stdin from /dev/null and stdout, stderr to files in dir,
   waits for it and reads its resource usage.  Files, not pipes: nothing can block. */
static void run_child(child *ch, char *const argv[], const char *dir)
{
    char out[4096], err[4096];
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    memset(ch, 0, sizeof *ch);
    ch->status = -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    double t0 = now();
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        size_t n = strlen(argv[0]) + strlen(strerror(e)) + 32;
        ch->err = malloc(n);
        if (ch->err)
            snprintf(ch->err, n, "cannot run %s: %s", argv[0], strerror(e));
        return;
    }
    int wst;
    struct rusage ru;
    while (wait4(pid, &wst, 0, &ru) < 0 && errno == EINTR)
        ;
    ch->wall = now() - t0;
    ch->cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
              (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    ch->rss_kb = ru.ru_maxrss;
    ch->status = WIFEXITED(wst) ? WEXITSTATUS(wst) : -1;
    ch->out = slurp(out);
    ch->err = slurp(err);
}

/* The first line of what a child said on stderr, for a one-line failure. */
static void first_line(char *buf, size_t len, const child *ch)
{
    const char *e = ch->err && ch->err[0] ? ch->err : "no output";
    size_t n = strcspn(e, "\n");
    snprintf(buf, len, "%.*s (exit %d)", (int)(n < 150 ? n : 150), e, ch->status);
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* ---- the networks ---------------------------------------------------------------------------- */

typedef struct {
    int ran;                 /* 0: not run, 1: measured, -1: failed (err says why) */
    int runs;
    double seconds, wall, cpu; /* best over the runs: the command's own figure, wall, CPU */
    long rss_kb;               /* largest over the runs */
    double entries, agree, refuted, undecided, kinks, min_bits;
    char err[200];
} nc_fig;

typedef struct {
    int ran; /* as above */
    int runs, passed;
    double seconds;
    long rss_kb;
    char err[200];
} gc_fig;

typedef struct {
    const char *widths;
    int main3, sweep; /* in sections 2, 3, 5 / in the scaling sweep */
    double params;
    nc_fig entry, dir;
    gc_fig slow, fast;
} net;

static net nets[] = {
    {.widths = "8,16,16,4", .main3 = 1},  {.widths = "16,16,4", .sweep = 1},
    {.widths = "32,32,10", .sweep = 1},   {.widths = "64,32,10", .main3 = 1, .sweep = 1},
    {.widths = "128,32,10", .sweep = 1},  {.widths = "256,32,10", .sweep = 1},
    {.widths = "512,32,10", .sweep = 1},  {.widths = "784,32,10", .main3 = 1, .sweep = 1},
    {.widths = "784,64,10", .sweep = 1},
};
enum { NNETS = sizeof nets / sizeof nets[0] };
static const char *const DIRECTIONS = "8"; /* random directions of the directional check */

/* W and b of every layer: sum over k of m_{k+1} (m_k + 1). */
static double params_of(const char *widths)
{
    double sum = 0, prev = -1;
    for (const char *p = widths; *p;) {
        char *end;
        double m = strtod(p, &end);
        if (prev > 0)
            sum += m * (prev + 1);
        prev = m;
        p = *end == ',' ? end + 1 : end + strlen(end);
    }
    return sum;
}

/* dnnproof netcheck on one network, best of up to bo->repeats runs within bo->budget.  The
   first run saves the network and data (save != NULL) for gradcheck. */
static void bench_netcheck(nc_fig *fig, const net *nw, int directions, const char *save,
                           const bench_opt *bo, const char *dir)
{
    memset(fig, 0, sizeof *fig);
    fig->seconds = fig->wall = fig->cpu = INFINITY;
    double spent = 0;
    for (int k = 0; k < bo->repeats && (k == 0 || spent + fig->wall <= bo->budget); k++) {
        char *argv[20];
        int a = 0;
        argv[a++] = (char *)bo->dnnproof;
        argv[a++] = "netcheck";
        argv[a++] = "--widths";
        argv[a++] = (char *)nw->widths;
        argv[a++] = "--samples";
        argv[a++] = "4";
        argv[a++] = "--seed";
        argv[a++] = "1";
        argv[a++] = "--prec";
        argv[a++] = "256";
        argv[a++] = "-j";
        argv[a++] = "2";
        argv[a++] = "--format";
        argv[a++] = "json";
        if (directions) {
            argv[a++] = "--directions";
            argv[a++] = (char *)DIRECTIONS;
        }
        if (save && k == 0) {
            argv[a++] = "--save-data";
            argv[a++] = (char *)save;
        }
        argv[a] = NULL;
        child ch;
        run_child(&ch, argv, dir);
        spent += ch.wall;
        json_t *o = (ch.status == 0 || ch.status == 1) && ch.out ? json_loads(ch.out, 0, NULL)
                                                                 : NULL;
        if (!json_is_object(o) || isnan(num(o, "seconds"))) {
            fig->ran = -1;
            first_line(fig->err, sizeof fig->err, &ch);
            json_decref(o);
            child_clear(&ch);
            return;
        }
        fig->ran = 1;
        fig->runs++;
        fig->seconds = fmin(fig->seconds, num(o, "seconds"));
        fig->wall = fmin(fig->wall, ch.wall);
        fig->cpu = fmin(fig->cpu, ch.cpu);
        fig->rss_kb = ch.rss_kb > fig->rss_kb ? ch.rss_kb : fig->rss_kb;
        fig->entries = num(o, "entries");
        fig->agree = num(o, "agree");
        fig->refuted = num(o, "refuted");
        fig->undecided = num(o, "undecided");
        fig->kinks = num(o, "kinks");
        fig->min_bits = num(o, "min_bits");
        json_decref(o);
        child_clear(&ch);
    }
}

/* gradcheck.py DATA --mode slow|fast: it repeats (best of 3 within the budget) itself. */
static void bench_gradcheck(gc_fig *fig, const char *data, const char *mode, const bench_opt *bo,
                            const char *dir)
{
    char budget[32];
    snprintf(budget, sizeof budget, "%g", bo->budget);
    char repeats[16];
    snprintf(repeats, sizeof repeats, "%d", bo->repeats);
    char *argv[] = {(char *)bo->python, (char *)bo->gradcheck, (char *)data, "--mode",
                    (char *)mode, "--repeats", repeats, "--budget", budget, NULL};
    child ch;
    run_child(&ch, argv, dir);
    json_t *o = ch.status == 0 && ch.out ? json_loads(ch.out, 0, NULL) : NULL;
    memset(fig, 0, sizeof *fig);
    if (!json_is_object(o) || isnan(num(o, "seconds"))) {
        fig->ran = -1;
        first_line(fig->err, sizeof fig->err, &ch);
    } else {
        fig->ran = 1;
        fig->seconds = num(o, "seconds");
        fig->runs = (int)num(o, "runs");
        fig->passed = json_is_true(json_object_get(o, "passed"));
        fig->rss_kb = ch.rss_kb;
    }
    json_decref(o);
    child_clear(&ch);
}

/* The version of torch gradcheck.py finds, or why there is none (the first line it said). */
static int torch_probe(char *version, size_t len, const bench_opt *bo, const char *dir)
{
    char *argv[] = {(char *)bo->python, (char *)bo->gradcheck, "--probe", NULL};
    child ch;
    run_child(&ch, argv, dir);
    json_t *o = ch.status == 0 && ch.out ? json_loads(ch.out, 0, NULL) : NULL;
    const char *v = json_string_value(json_object_get(o, "torch"));
    int ok = v != NULL;
    if (ok)
        snprintf(version, len, "%s", v);
    else
        first_line(version, len, &ch);
    json_decref(o);
    child_clear(&ch);
    return ok;
}

/* ---- the machine ----------------------------------------------------------------------------- */

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!strncmp(line, "model name", 10) && colon) {
            colon += 1 + strspn(colon + 1, " \t");
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(buf, len, "%s", colon);
            break;
        }
    }
    if (f)
        fclose(f);
}

/* ---- the least-squares exponent: log t = a log params + c ------------------------------------ */

static double fit_exponent(const double *params, const double *t, size_t n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(t[i] > 0) || !isfinite(t[i]))
            continue;
        double x = log(params[i]), y = log(t[i]);
        sx += x, sy += y, sxx += x * x, sxy += x * y, k++;
    }
    if (k < 2)
        return NAN;
    return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

/* ---- the report ------------------------------------------------------------------------------ */

typedef struct {
    char cpu[256], torch[256];
    int have_torch;
    long nproc;
    prop_row props[64];
    size_t nprops;
    double exp_entry, exp_dir, exp_slow, exp_fast;
    size_t n_entry, n_dir, n_slow, n_fast;
    double seconds; /* the whole bench */
} bench;

static const net *find_net(const char *widths)
{
    for (size_t i = 0; i < NNETS; i++)
        if (!strcmp(nets[i].widths, widths))
            return &nets[i];
    return NULL;
}

/* gradcheck's time over dnnproof's, NAN when either was not measured. */
static double ratio(const gc_fig *g, const nc_fig *d)
{
    return g->ran == 1 && d->ran == 1 ? g->seconds / d->seconds : NAN;
}

static double overhead(const prop_row *r)
{
    return r->total > 0 ? (r->total - r->inside) / r->total : NAN;
}

/* A time in seconds with 3 significant digits, or "-". */
static const char *secs(char *buf, size_t len, double t, int ran)
{
    if (ran != 1 || !isfinite(t))
        snprintf(buf, len, "-");
    else if (t < 0.01)
        snprintf(buf, len, "%.2gms", 1e3 * t);
    else
        snprintf(buf, len, "%.3g", t);
    return buf;
}

static const char *ratio_text(char *buf, size_t len, double r)
{
    if (!isfinite(r))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.3g", r);
    return buf;
}

static const char *exponent_text(char *buf, size_t len, double a)
{
    if (!isfinite(a))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2f", a);
    return buf;
}

/* A whole number of netcheck's JSON (rounded down, as bits are), or "-" when it gave none. */
static const char *count(char buf[32], double x)
{
    if (isfinite(x))
        snprintf(buf, 32, "%.0f", floor(x));
    else
        snprintf(buf, 32, "-");
    return buf;
}

/* Sections 2 and 3: one row per network of netcheck's figures. */
static void nc_rows(FILE *f, int directions)
{
    fprintf(f, "  %-11s %7s %8s %8s %7s %6s %6s %5s %9s %8s %8s %9s %4s\n", "network", "params",
            "entries", "agree", "refuted", "undec", "kinks", "bits", "check s", "wall s",
            "cpu s", "peak RSS", "runs");
    for (size_t i = 0; i < NNETS; i++) {
        const nc_fig *g = directions ? &nets[i].dir : &nets[i].entry;
        if (!nets[i].main3)
            continue;
        if (g->ran != 1) {
            fprintf(f, "  %-11s %7.0f  netcheck failed: %s\n", nets[i].widths, nets[i].params,
                    g->ran ? g->err : "not run");
            continue;
        }
        char a[32], b[32], c[32], n[6][32];
        fprintf(f, "  %-11s %7.0f %8s %8s %7s %6s %6s %5s %9s %8s %8s %6.1f MB %4d\n",
                nets[i].widths, nets[i].params, count(n[0], g->entries), count(n[1], g->agree),
                count(n[2], g->refuted), count(n[3], g->undecided), count(n[4], g->kinks),
                count(n[5], g->min_bits), secs(a, sizeof a, g->seconds, 1),
                secs(b, sizeof b, g->wall, 1), secs(c, sizeof c, g->cpu, 1),
                (double)g->rss_kb / 1024.0, g->runs);
    }
}

static const char *met(double value, int ok)
{
    return isnan(value) ? "not measured" : ok ? "met" : "MISSED";
}

/* The targets, each with the figure it is judged on and met / MISSED by how much. */
typedef struct {
    const char *what;
    char value[80];
    char verdict[80];
} target;
enum { NTARGETS = 5 };

/* "met (margin 3.5x)" or "MISSED by 2x": how far value is on either side of the limit. */
static void judge(target *t, double value, double limit, int at_least)
{
    if (isnan(value)) {
        snprintf(t->verdict, sizeof t->verdict, "not measured");
        return;
    }
    int ok = at_least ? value >= limit : value <= limit;
    double factor = at_least ? value / limit : limit / value;
    snprintf(t->verdict, sizeof t->verdict, ok ? "met (margin %.3gx)" : "MISSED by %.3gx",
             ok ? factor : 1 / factor);
}

static void targets(target t[NTARGETS], const bench *b)
{
    const net *big = find_net("784,32,10");
    double worst_dir = NAN, worst_o = NAN;
    const char *worst_dir_net = "", *worst_o_id = "";
    long rss = 0;
    for (size_t i = 0; i < NNETS; i++) {
        const net *nw = &nets[i];
        double r = 1 / ratio(&nw->fast, &nw->dir);
        if (nw->main3 && !isnan(r) && !(r <= worst_dir))
            worst_dir = r, worst_dir_net = nw->widths;
        rss = nw->entry.rss_kb > rss ? nw->entry.rss_kb : rss;
        rss = nw->dir.rss_kb > rss ? nw->dir.rss_kb : rss;
    }
    for (size_t i = 0; i < b->nprops; i++)
        if (!(overhead(&b->props[i]) <= worst_o))
            worst_o = overhead(&b->props[i]), worst_o_id = b->props[i].prop->id;

    double r_slow = ratio(&big->slow, &big->entry);
    t[0].what = "entrywise [784,32,10] >= 10x faster than gradcheck slow";
    ratio_text(t[0].value, sizeof t[0].value, r_slow);
    judge(&t[0], r_slow, TARGET_SLOW_RATIO, 1);

    t[1].what = "directions within 5x of gradcheck fast (worst dir/fast)";
    snprintf(t[1].value, sizeof t[1].value, isnan(worst_dir) ? "-" : "%.3g on [%s]", worst_dir,
             worst_dir_net);
    judge(&t[1], worst_dir, TARGET_FAST_RATIO, 0);

    t[2].what = "runner overhead <= 20% (worst proposition)";
    snprintf(t[2].value, sizeof t[2].value, isnan(worst_o) ? "-" : "%.1f%% %s", 100 * worst_o,
             worst_o_id);
    judge(&t[2], worst_o, TARGET_OVERHEAD, 0);

    t[3].what = "peak RSS < 1 GB (largest netcheck run)";
    snprintf(t[3].value, sizeof t[3].value, rss ? "%.1f MB" : "-", (double)rss / 1024.0);
    judge(&t[3], rss ? (double)rss : NAN, (double)TARGET_RSS_KB, 0);

    t[4].what = "entrywise exponent about 1 (in [0.8, 1.2])";
    exponent_text(t[4].value, sizeof t[4].value, b->exp_entry);
    if (isnan(b->exp_entry))
        snprintf(t[4].verdict, sizeof t[4].verdict, "not measured");
    else if (b->exp_entry >= TARGET_EXP_LO && b->exp_entry <= TARGET_EXP_HI)
        snprintf(t[4].verdict, sizeof t[4].verdict, "met");
    else
        snprintf(t[4].verdict, sizeof t[4].verdict, "MISSED");
}

static void report_text(FILE *f, const bench *b, const bench_opt *bo)
{
    char s1[32], s2[32], s3[32], s4[32], s5[32], s6[80];
    fprintf(f, "dnnproof bench: %ld cores (nproc), %s, MPFR %s, GMP %s\n", b->nproc, b->cpu,
            mpfr_get_version(), gmp_version);
    fprintf(f, "  times: CLOCK_MONOTONIC wall clock, best of up to %d runs (fewer when the runs of "
               "one figure would pass %g s; runs says how many)\n", bo->repeats, bo->budget);
    fprintf(f, "  torch: %s%s\n", b->have_torch ? b->torch : "not available: ",
            b->have_torch ? "" : b->torch);
    if (b->have_torch)
        fprintf(f, "  gradcheck: %s %s, float64, one thread, eps/atol/rtol at their defaults\n",
                bo->python, bo->gradcheck);

    fprintf(f, "\n1. propositions through the runner (vr_run_prop, seed 1, %zu cases, 128 bits, "
               "one thread)\n", bo->cases);
    fprintf(f, "  %-50s %5s %6s %8s %9s %9s %8s  %s\n", "proposition", "cases", "checks",
            "total s", "cases/s", "check s", "overhead", "target <= 20%");
    size_t n_met = 0;
    for (size_t i = 0; i < b->nprops; i++) {
        const prop_row *r = &b->props[i];
        double o = overhead(r);
        n_met += o <= TARGET_OVERHEAD;
        fprintf(f, "  %-50s %5zu %6zu %8.4f %9.0f %9.4f %7.1f%%  %s\n", r->prop->id, r->cases,
                r->checks, r->total, (double)r->cases / r->total, r->inside, 100 * o,
                met(o, o <= TARGET_OVERHEAD));
    }

    fprintf(f, "\n2. the network theorem checked entrywise: dnnproof netcheck --samples 4 --seed 1 "
               "--prec 256 -j 2\n");
    nc_rows(f, 0);
    fprintf(f, "\n3. the same by random directions (--directions %s, drill-down on failure)\n",
            DIRECTIONS);
    nc_rows(f, 1);

    fprintf(f, "\n4. scaling: check seconds against parameters\n");
    fprintf(f, "  %-11s %7s %11s %11s %9s %9s\n", "network", "params", "entrywise", "directions",
            "gc slow", "gc fast");
    for (size_t i = 0; i < NNETS; i++) {
        const net *nw = &nets[i];
        if (!nw->sweep)
            continue;
        fprintf(f, "  %-11s %7.0f %11s %11s %9s %9s\n", nw->widths, nw->params,
                secs(s1, sizeof s1, nw->entry.seconds, nw->entry.ran),
                secs(s2, sizeof s2, nw->dir.seconds, nw->dir.ran),
                secs(s3, sizeof s3, nw->slow.seconds, nw->slow.ran),
                secs(s4, sizeof s4, nw->fast.seconds, nw->fast.ran));
    }
    fprintf(f, "  fitted exponent a of time ~ params^a (least squares, log-log): entrywise %s "
               "(%zu networks), directions %s (%zu)", exponent_text(s1, sizeof s1, b->exp_entry),
            b->n_entry, exponent_text(s2, sizeof s2, b->exp_dir), b->n_dir);
    if (b->have_torch)
        fprintf(f, ", gradcheck slow %s (%zu), fast %s (%zu)",
                exponent_text(s3, sizeof s3, b->exp_slow), b->n_slow,
                exponent_text(s4, sizeof s4, b->exp_fast), b->n_fast);
    fputc('\n', f);
    if (b->have_torch)
        fprintf(f, "  gradcheck slow mode is left out above %d parameters (it grows faster than linearly: "
                   "[784,64,10] would take about half a minute a run)\n", GC_SLOW_MAX_PARAMS);

    fprintf(f, "\n5. torch.autograd.gradcheck on the same networks and data (check seconds; "
               "ratio = gradcheck / dnnproof)\n");
    if (!b->have_torch) {
        fprintf(f, "  torch cannot be imported by %s: dnnproof's own figures only (above)\n",
                bo->python);
    } else {
        fprintf(f, "  %-11s %7s %9s %9s %6s %9s %10s %9s %6s %9s\n", "network", "params",
                "entrywise", "gc slow", "passed", "slow/ent", "directions", "gc fast", "passed",
                "fast/dir");
        for (size_t i = 0; i < NNETS; i++) {
            const net *nw = &nets[i];
            if (!nw->main3)
                continue;
            fprintf(f, "  %-11s %7.0f %9s %9s %6s %9s %10s %9s %6s %9s\n", nw->widths, nw->params,
                    secs(s1, sizeof s1, nw->entry.seconds, nw->entry.ran),
                    secs(s2, sizeof s2, nw->slow.seconds, nw->slow.ran),
                    nw->slow.ran == 1 ? (nw->slow.passed ? "yes" : "NO") : "-",
                    ratio_text(s3, sizeof s3, ratio(&nw->slow, &nw->entry)),
                    secs(s4, sizeof s4, nw->dir.seconds, nw->dir.ran),
                    secs(s5, sizeof s5, nw->fast.seconds, nw->fast.ran),
                    nw->fast.ran == 1 ? (nw->fast.passed ? "yes" : "NO") : "-",
                    ratio_text(s6, sizeof s6, ratio(&nw->fast, &nw->dir)));
            if (nw->slow.ran == -1 || nw->fast.ran == -1)
                fprintf(f, "  %-11s gradcheck failed: %s\n", "",
                        nw->slow.ran == -1 ? nw->slow.err : nw->fast.err);
        }
    }

    target t[NTARGETS];
    targets(t, b);
    fprintf(f, "\ntargets\n");
    for (int k = 0; k < NTARGETS; k++)
        fprintf(f, "  %-56s %-38s %s\n", t[k].what, t[k].value, t[k].verdict);
    fprintf(f, "\nbench took %.0f s\n", b->seconds);
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *int_or_null(double x)
{
    return isfinite(x) ? json_integer((json_int_t)x) : json_null();
}

static json_t *nc_json(const nc_fig *g)
{
    if (g->ran != 1)
        return g->ran ? json_pack("{s:s}", "error", g->err) : json_null();
    return json_pack("{s:o,s:o,s:o,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o}", "seconds",
                     num_or_null(g->seconds), "wall", num_or_null(g->wall), "cpu",
                     num_or_null(g->cpu), "rss_kb", (json_int_t)g->rss_kb, "runs", g->runs,
                     "entries", int_or_null(g->entries), "agree", int_or_null(g->agree),
                     "refuted", int_or_null(g->refuted), "undecided", int_or_null(g->undecided),
                     "kinks", int_or_null(g->kinks), "min_bits", num_or_null(g->min_bits));
}

static json_t *gc_json(const gc_fig *g)
{
    if (g->ran != 1)
        return g->ran ? json_pack("{s:s}", "error", g->err) : json_null();
    return json_pack("{s:o,s:i,s:b,s:I}", "seconds", num_or_null(g->seconds), "runs", g->runs,
                     "passed", g->passed, "rss_kb", (json_int_t)g->rss_kb);
}

static void report_json(FILE *f, const bench *b, const bench_opt *bo)
{
    json_t *props = json_array(), *networks = json_array();
    for (size_t i = 0; i < b->nprops; i++) {
        const prop_row *r = &b->props[i];
        json_array_append_new(props, json_pack("{s:s,s:I,s:I,s:f,s:f,s:o,s:i}", "id",
                                               r->prop->id, "cases", (json_int_t)r->cases,
                                               "checks", (json_int_t)r->checks, "seconds",
                                               r->total, "check_seconds", r->inside, "overhead",
                                               num_or_null(overhead(r)), "runs", r->runs));
    }
    for (size_t i = 0; i < NNETS; i++) {
        const net *nw = &nets[i];
        json_array_append_new(networks, json_pack("{s:s,s:I,s:o,s:o,s:o,s:o}", "widths",
                                                  nw->widths, "params", (json_int_t)nw->params, "entrywise",
                                                  nc_json(&nw->entry), "directions",
                                                  nc_json(&nw->dir), "gradcheck_slow",
                                                  gc_json(&nw->slow), "gradcheck_fast",
                                                  gc_json(&nw->fast)));
    }
    json_t *o = json_pack(
        "{s:{s:I,s:s,s:s,s:s,s:o},s:{s:s,s:i,s:f,s:I,s:i},s:o,s:o,s:{s:o,s:o,s:o,s:o},s:f}",
        "machine", "nproc", (json_int_t)b->nproc, "cpu", b->cpu, "mpfr", mpfr_get_version(),
        "gmp", gmp_version, "torch", b->have_torch ? json_string(b->torch) : json_null(),
        "method", "clock", "CLOCK_MONOTONIC", "best_of", bo->repeats, "budget_seconds",
        bo->budget, "cases", (json_int_t)bo->cases, "directions", atoi(DIRECTIONS),
        "propositions", props, "networks", networks, "exponents", "entrywise",
        num_or_null(b->exp_entry), "directions", num_or_null(b->exp_dir), "gradcheck_slow",
        num_or_null(b->exp_slow), "gradcheck_fast", num_or_null(b->exp_fast), "seconds",
        b->seconds);
    target t[NTARGETS];
    targets(t, b);
    json_t *tj = json_array();
    for (int k = 0; k < NTARGETS; k++)
        json_array_append_new(tj, json_pack("{s:s,s:s,s:s}", "target", t[k].what, "value",
                                            t[k].value, "verdict", t[k].verdict));
    json_object_set_new(o, "targets", tj);
    json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(o);
}

/* ---- main ------------------------------------------------------------------------------------ */

static const char usage[] =
    "usage: dnnproof-bench [--dnnproof PATH] [--python PATH] [--gradcheck PATH]\n"
    "                      [--repeats N] [--budget SECONDS] [--cases N] [--format text|json]\n"
    "  --dnnproof   the dnnproof command whose netcheck is timed (default ./dnnproof)\n"
    "  --python     the Python that has torch (default /usr/bin/python3)\n"
    "  --gradcheck  verify/bench/gradcheck.py (the default)\n"
    "  --repeats    best of N runs per figure (default 3)\n"
    "  --budget     ... unless the runs of one figure would pass this many seconds (default 10)\n"
    "  --cases      cases per proposition in section 1 (default 100, as dnnproof verify)\n";

/* 0, or 2 after printing the usage for a bad option. */
static int parse(bench_opt *bo, int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = "";
        if (v == NULL)
            return fputs(usage, stderr), 2;
        if (!strcmp(a, "--dnnproof"))
            bo->dnnproof = v;
        else if (!strcmp(a, "--python"))
            bo->python = v;
        else if (!strcmp(a, "--gradcheck"))
            bo->gradcheck = v;
        else if (!strcmp(a, "--format") && (!strcmp(v, "json") || !strcmp(v, "text")))
            bo->json = !strcmp(v, "json");
        else if (!strcmp(a, "--repeats"))
            bo->repeats = (int)strtol(v, &end, 10);
        else if (!strcmp(a, "--budget"))
            bo->budget = strtod(v, &end);
        else if (!strcmp(a, "--cases"))
            bo->cases = strtoul(v, &end, 10);
        else
            return fputs(usage, stderr), 2;
        if (*end != '\0' || bo->repeats < 1 || bo->repeats > 100 || !(bo->budget > 0) ||
            bo->cases < 1 || bo->cases > 100000)
            return fputs(usage, stderr), 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_opt bo = {"./dnnproof", "/usr/bin/python3", "verify/bench/gradcheck.py", 0, 3, 10, 100};
    if (parse(&bo, argc, argv) != 0)
        return 2;
    static bench b;
    double t0 = now();
    char dir[] = "/tmp/dnnproof-bench.XXXXXX";
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "dnnproof-bench: cannot make a directory in /tmp: %s\n", strerror(errno));
        return 2;
    }
    b.nproc = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_model(b.cpu, sizeof b.cpu);
    b.have_torch = torch_probe(b.torch, sizeof b.torch, &bo, dir);
    int progress = isatty(STDERR_FILENO);

    for (size_t i = 0; i < vr_nprops && i < sizeof b.props / sizeof b.props[0]; i++) {
        if (progress)
            fprintf(stderr, "\r[1] %-60s", vr_props[i]->id);
        if (bench_prop(&b.props[b.nprops++], vr_props[i], &bo) != DP_OK)
            return 1;
    }
    mpfr_free_cache();

    int failed = 0;
    double p[NNETS], te[NNETS], td[NNETS], ts[NNETS], tf[NNETS];
    for (size_t i = 0; i < NNETS; i++) {
        net *nw = &nets[i];
        char data[4200];
        snprintf(data, sizeof data, "%s/net-%s.json", dir, nw->widths);
        nw->params = params_of(nw->widths);
        if (progress)
            fprintf(stderr, "\r[2-5] [%s] %-50s", nw->widths, "");
        bench_netcheck(&nw->entry, nw, 0, data, &bo, dir);
        bench_netcheck(&nw->dir, nw, 1, NULL, &bo, dir);
        failed |= nw->entry.ran != 1 || nw->dir.ran != 1;
        if (b.have_torch && nw->entry.ran == 1) {
            if (nw->params <= GC_SLOW_MAX_PARAMS)
                bench_gradcheck(&nw->slow, data, "slow", &bo, dir);
            bench_gradcheck(&nw->fast, data, "fast", &bo, dir);
        }
        remove(data);
    }
    if (progress)
        fprintf(stderr, "\r%-70s\r", "");
    size_t k = 0;
    for (size_t i = 0; i < NNETS; i++) {
        const net *nw = &nets[i];
        if (!nw->sweep)
            continue;
        p[k] = nw->params;
        te[k] = nw->entry.ran == 1 ? nw->entry.seconds : NAN;
        td[k] = nw->dir.ran == 1 ? nw->dir.seconds : NAN;
        ts[k] = nw->slow.ran == 1 ? nw->slow.seconds : NAN;
        tf[k] = nw->fast.ran == 1 ? nw->fast.seconds : NAN;
        b.n_entry += nw->entry.ran == 1, b.n_dir += nw->dir.ran == 1;
        b.n_slow += nw->slow.ran == 1, b.n_fast += nw->fast.ran == 1;
        k++;
    }
    b.exp_entry = fit_exponent(p, te, k);
    b.exp_dir = fit_exponent(p, td, k);
    b.exp_slow = fit_exponent(p, ts, k);
    b.exp_fast = fit_exponent(p, tf, k);
    char path[4200];
    snprintf(path, sizeof path, "%s/stdout", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/stderr", dir);
    remove(path);
    rmdir(dir);
    b.seconds = now() - t0;
    (bo.json ? report_json : report_text)(stdout, &b, &bo);
    return failed;
}
