/* main.c -- the dnnproof command: argument parsing and dispatch only */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "consistency.h"
#include "plugin.h"
#include "props.h"
#include "verify.h"

static const char usage_text[] =
    "usage: dnnproof list\n"
    "       dnnproof verify [ID...] [--cases N] [--seed S] [--prec BITS] [--ladder] [--coverage]\n"
    "                       [-j N] [--format text|json|tap|junit] [--report DIR]\n"
    "       dnnproof verify --replay TOKEN [--prec BITS] [--format ...]\n"
    "       dnnproof explain ID [--seed S] [--dims name=v,...] [--prec BITS] [--plot DIR]\n"
    "       dnnproof check (--plugin PATH | --exec COMMAND) [--cases N] [--seed S]\n"
    "                      [--op NAME]... [--timeout SECONDS] [--format text|json]\n"
    "                      [--replay TOKEN]\n"
    "       dnnproof vectors --out DIR [--cases N] [--seed S]\n"
    "       dnnproof vectors --check FILE...\n"
    "       dnnproof netcheck --widths W0,W1,...,Wp [--samples N] [--seed S] [--prec BITS] [-j N]\n"
    "                         [--directions K [--library-gradient]] [--format text|json]\n"
    "                         [--save-data FILE]\n"
    "       dnnproof demo\n"
    "\n"
    "  list     the propositions of the document, one per line\n"
    "  verify   check every proposition (or the IDs given) on generated instances; exit 0 when\n"
    "           every corrected statement holds and every known erratum is refuted, 1 otherwise,\n"
    "           2 on a usage error\n"
    "  explain  one proposition for a class: the statement as written and corrected, the\n"
    "           erratum's counterexample, a worked instance entry by entry, the step curve,\n"
    "           the precision ladder; --plot DIR writes their data and gnuplot scripts\n"
    "  check    another implementation: a shared object exporting dnnp_ functions\n"
    "           (docs/plugin.md), each call isolated in a child process; or an adapter in any\n"
    "           language speaking JSON lines (docs/protocol.md); exit 0 when every op\n"
    "           passes, 1 when one fails, 2 on a usage or load error\n"
    "  vectors  golden vectors (docs/vectors.md): --out writes one JSON-lines file per op and\n"
    "           precision (exact inputs, correctly rounded expected values, bounds, flags);\n"
    "           --check validates files and re-derives every value; exit 0 when done, 1 when a\n"
    "           value differs, 2 on a usage error or a malformed file\n"
    "  netcheck the layer-recursive theorem (section 5) checked on one generated network of\n"
    "           real size, every W and b entry against finite differences (or K random\n"
    "           directions with drill-down) at BITS (default 256) (docs/netcheck.md); the\n"
    "           directions check the theorem's formula, or with --library-gradient the\n"
    "           library's dp_global_loss_gradient_mp (as the entrywise check always does)\n"
    "  demo     a small network's loss and gradients in double and in MPFR\n"
    "\n"
    "  --cases N    instances per proposition (default 100), sizes growing from 1\n"
    "  --seed S     the run's seed (default 1); the same seed gives the same report\n"
    "  --prec BITS  working precision of the finite differences (default 128, at least 64)\n"
    "  --ladder     climb the precision ladder (53, 64, 128, 256, 512) on every case\n"
    "  --coverage   show how many cases hit each coverage class (kink, m=1, large-logit, ...)\n"
    "  -j N         check N propositions at a time\n"
    "  --replay T   check the one case of a replay token printed by an earlier run\n"
    "  --report DIR also write DIR/index.html, one self-contained page for the run\n"
    "  --timeout T  seconds one call of an implementation may take (default 5)\n"
    "  --op NAME    check only this op (repeatable; default: every op provided)\n";

static int cmd_list(void)
{
    for (size_t i = 0; i < vr_nprops; i++)
        printf("%-36s §%-3s %s%s\n", vr_props[i]->id, vr_props[i]->section, vr_props[i]->title,
               vr_props[i]->expect == VR_EXPECT_REFUTED ? " [erratum: as written]" : "");
    return 0;
}

/* --plot DIR: the directory exists or is made; one clear line when it cannot be. */
static int plot_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (mkdir(dir, 0777) == 0)
        return 0;
    fprintf(stderr, "dnnproof: --plot: cannot make directory '%s': %s\n", dir, strerror(errno));
    return -1;
}

typedef void (*report_fn)(FILE *, const vr_summary *, size_t, const vr_options *);

/* -j: propositions are independent, so N threads take them from a shared counter.  MPFR keeps
   its state per thread; every workspace belongs to one run. */
typedef struct {
    const vr_prop **sel;
    vr_summary *s;
    size_t n, next, done;
    const vr_options *opt;
    int status, progress;
    pthread_mutex_t lock;
} pool;

static void *worker(void *arg)
{
    pool *pl = arg;
    for (;;) {
        pthread_mutex_lock(&pl->lock);
        size_t i = pl->next < pl->n && pl->status == DP_OK ? pl->next++ : pl->n;
        pthread_mutex_unlock(&pl->lock);
        if (i == pl->n) {
            mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); /* this thread's constants (log 2, ...) */
            return NULL;
        }
        int st = vr_run_prop(&pl->s[i], pl->sel[i], pl->opt);
        pthread_mutex_lock(&pl->lock);
        if (st != DP_OK)
            pl->status = st;
        pl->done++;
        if (pl->progress) /* on a terminal only: stderr, overwritten in place */
            fprintf(stderr, "\r[%zu/%zu] %-40s", pl->done, pl->n, pl->sel[i]->id);
        pthread_mutex_unlock(&pl->lock);
    }
}

static int run_all(vr_summary *s, const vr_prop **sel, size_t n, const vr_options *opt,
                   size_t jobs)
{
    pool pl = {sel, s, n, 0, 0, opt, DP_OK, isatty(STDERR_FILENO), PTHREAD_MUTEX_INITIALIZER};
    pthread_t th[64];
    size_t started = 0;
    for (; started + 1 < jobs && started < 64; started++)
        if (pthread_create(&th[started], NULL, worker, &pl) != 0)
            break;
    worker(&pl);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (pl.progress)
        fprintf(stderr, "\r%-60s\r", "");
    return pl.status;
}

static int cmd_verify(int argc, char **argv)
{
    vr_options opt = {.seed = 1, .cases = 100, .prec = 128, .ladder = 0};
    size_t jobs = 1;
    report_fn report = vr_report_text;
    const char *replay = NULL, *html = NULL;
    const vr_prop **sel = calloc(vr_nprops, sizeof *sel);
    size_t nsel = 0;
    if (sel == NULL)
        return fprintf(stderr, "dnnproof: out of memory\n"), 2;
    int rc = 0;
    for (int i = 2; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long x;
        if (!strcmp(a, "--cases")) {
            if (!cli_whole(&x, v, 0, 1000000) || x == 0)
                rc = cli_usage(NULL, "--cases needs a whole number from 1 to 1000000, not '%s'",
                                 v ? v : "");
            opt.cases = (size_t)x, i++;
        } else if (!strcmp(a, "--seed")) {
            if (!cli_whole(&x, v, 0, UINT64_MAX))
                rc = cli_usage(NULL,
                               "--seed needs a non-negative whole number, not '%s'", v ? v : "");
            opt.seed = x, i++;
        } else if (!strcmp(a, "--prec")) {
            if (!cli_whole(&x, v, 0, 65536) || x < 64)
                rc = cli_usage(NULL, "--prec needs a number of bits from 64 to 65536, not '%s'",
                                 v ? v : "");
            opt.prec = (mpfr_prec_t)x, i++;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
            if (!cli_whole(&x, v, 0, 64) || x == 0)
                rc = cli_usage(NULL,
                               "-j needs a number of threads from 1 to 64, not '%s'", v ? v : "");
            jobs = (size_t)x, i++;
        } else if (!strcmp(a, "--report")) {
            if (v == NULL)
                rc = cli_usage(NULL, "%s needs a directory", a);
            html = v, i++;
        } else if (!strcmp(a, "--coverage")) {
            opt.coverage = 1;
        } else if (!strcmp(a, "--ladder")) {
            opt.ladder = 1;
        } else if (!strcmp(a, "--replay")) {
            if (v == NULL)
                rc = cli_usage(NULL, "%s needs a token", a);
            replay = v, i++;
        } else if (!strcmp(a, "--format")) {
            if (v && !strcmp(v, "text"))
                report = vr_report_text;
            else if (v && !strcmp(v, "json"))
                report = vr_report_json;
            else if (v && !strcmp(v, "tap"))
                report = vr_report_tap;
            else if (v && !strcmp(v, "junit"))
                report = vr_report_junit;
            else
                rc = cli_usage(NULL, "--format is text, json, tap or junit, not '%s'", v ? v : "");
            i++;
        } else if (a[0] == '-') {
            rc = cli_usage(NULL, "unknown option '%s'", a);
        } else if (vr_prop_find(a) == NULL) {
            rc = cli_usage(NULL, "no proposition '%s' (dnnproof list shows them)", a);
        } else {
            sel[nsel++] = vr_prop_find(a);
        }
    }
    if (rc == 0 && replay && nsel)
        rc = cli_usage(NULL, "%s: --replay takes no proposition ids", "verify");
    if (rc == 0 && html != NULL && plot_dir(html) != 0)
        rc = 2;
    if (rc != 0) {
        free(sel);
        return rc;
    }
    if (nsel == 0 && !replay)
        for (size_t i = 0; i < vr_nprops; i++)
            sel[nsel++] = vr_props[i];
    size_t n = replay ? 1 : nsel;
    vr_summary *s = calloc(n, sizeof *s);
    int st = s ? DP_OK : DP_ENOMEM;
    if (st == DP_OK && replay) {
        st = vr_replay(&s[0], replay, &opt);
        if (st == DP_EDOMAIN)
            fprintf(stderr, "dnnproof: malformed or unknown replay token\n");
    }
    if (st == DP_OK && !replay)
        st = run_all(s, sel, nsel, &opt, jobs);
    if (st == DP_OK && html != NULL && vr_report_html(html, s, n, &opt) != DP_OK) {
        fprintf(stderr, "dnnproof: --report: cannot write %s/index.html\n", html);
        st = DP_EDOMAIN;
        replay = "";
    }
    if (st == DP_OK) {
        report(stdout, s, n, &opt);
        for (size_t i = 0; i < n; i++)
            rc |= !s[i].ok;
    } else {
        if (st != DP_EDOMAIN || !replay)
            fprintf(stderr, "dnnproof: verify: %s\n", dp_strerror(st));
        rc = 2;
    }
    for (size_t i = 0; s && i < n; i++)
        vr_summary_clear(&s[i]);
    free(s);
    free(sel);
    return rc;
}

static int cmd_explain(int argc, char **argv)
{
    vr_options opt = {.seed = 1, .cases = 100, .prec = 128, .ladder = 1};
    const vr_prop *prop = NULL;
    const char *plot = NULL, *dims = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long x;
        if (!strcmp(a, "--seed")) {
            if (!cli_whole(&x, v, 0, UINT64_MAX))
                return cli_usage(NULL,
                                 "--seed needs a non-negative whole number, not '%s'", v ? v : "");
            opt.seed = x, i++;
        } else if (!strcmp(a, "--prec")) {
            if (!cli_whole(&x, v, 0, 4096) || x < 64)
                return cli_usage(NULL, "--prec needs a number of bits from 64 to 4096, not '%s'",
                                   v ? v : "");
            opt.prec = (mpfr_prec_t)x, i++;
        } else if (!strcmp(a, "--plot")) {
            if (v == NULL)
                return cli_usage(NULL, "%s needs a directory", a);
            plot = v, i++;
        } else if (!strcmp(a, "--dims")) {
            if (v == NULL || strchr(v, '=') == NULL || strlen(v) > 200)
                return cli_usage(NULL, "--dims takes name=value[,name=value...], e.g. m=3 or "
                                   "p=2,m1=3,m2=4,m3=3; not '%s'", v ? v : "");
            dims = v, i++;
        } else if (a[0] == '-') {
            return cli_usage(NULL, "unknown option '%s'", a);
        } else if (prop != NULL) {
            return cli_usage(NULL, "explain takes one proposition, not also '%s'", a);
        } else if ((prop = vr_prop_find(a)) == NULL) {
            return cli_usage(NULL, "no proposition '%s' (dnnproof list shows them)", a);
        }
    }
    if (prop == NULL)
        return cli_usage(NULL, "%s needs a proposition id (dnnproof list shows them)", "explain");
    if (plot != NULL && plot_dir(plot) != 0)
        return 2;
    int color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    int st = vr_explain(stdout, prop, &opt, color, plot, dims);
    if (st == DP_EDIM && dims != NULL) {
        fprintf(stderr, "dnnproof: explain: no instance of %s has the dimensions %s "
                        "(dnnproof verify %s prints instances and their dimension names)\n",
                prop->id, dims, prop->id);
        return 2;
    }
    if (st != DP_OK) {
        fprintf(stderr, "dnnproof: explain: %s\n", dp_strerror(st));
        return 2;
    }
    if (plot != NULL)
        st = vr_plots(stdout, plot, prop->id);
    mpfr_free_cache();
    return st == DP_OK ? 0 : 2;
}

/* check --plugin / --exec: parsing here, the work in verify/plugin.c. */
static int cmd_check(int argc, char **argv)
{
    vr_plugin_options opt = {.seed = 1, .cases = 100, .timeout = 5, .replay = NULL};
    const char *path = NULL, *command = NULL;
    int json = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long x;
        char *end;
        if (!strcmp(a, "--plugin") && v != NULL) {
            path = v, i++;
        } else if (!strcmp(a, "--exec") && v != NULL) {
            command = v, i++;
        } else if (!strcmp(a, "--cases")) {
            if (!cli_whole(&x, v, 0, 1000000) || x == 0)
                return cli_usage(NULL, "--cases needs a whole number from 1 to 1000000, not '%s'",
                                   v ? v : "");
            opt.cases = (size_t)x, i++;
        } else if (!strcmp(a, "--seed")) {
            if (!cli_whole(&x, v, 0, UINT64_MAX))
                return cli_usage(NULL,
                                 "--seed needs a non-negative whole number, not '%s'", v ? v : "");
            opt.seed = x, i++;
        } else if (!strcmp(a, "--timeout")) {
            opt.timeout = v ? strtod(v, &end) : 0;
            if (v == NULL || *end != '\0' || !(opt.timeout > 0 && opt.timeout <= 3600))
                return cli_usage(NULL, "--timeout needs a number of seconds in ]0, 3600], not '%s'",
                                   v ? v : "");
            i++;
        } else if (!strcmp(a, "--format")) {
            if (v == NULL || (strcmp(v, "text") && strcmp(v, "json")))
                return cli_usage(NULL, "--format is text or json, not '%s'", v ? v : "");
            json = !strcmp(v, "json"), i++;
        } else if (!strcmp(a, "--replay") && v != NULL) {
            opt.replay = v, i++;
        } else if (!strcmp(a, "--op") && v != NULL) {
            if (vr_abi_op(v) < 0)
                return cli_usage(NULL, "--op needs an op of docs/plugin.md (relu, softmax, ...), "
                                   "not '%s'", v);
            opt.ops |= 1u << vr_abi_op(v), i++;
        } else {
            return cli_usage(NULL, "check: unknown or incomplete option '%s'", a);
        }
    }
    if ((path == NULL) == (command == NULL))
        return cli_usage(NULL, "%s needs one of --plugin PATH (a shared object) and --exec COMMAND",
                           "check");
    char err[512];
    vr_plugin *pl;
    int st = path ? vr_plugin_open(&pl, path, err, sizeof err)
                  : vr_exec_open(&pl, command, err, sizeof err);
    if (st != DP_OK) {
        fprintf(stderr, "dnnproof: check: %s\n", st == DP_EDOMAIN ? err : dp_strerror(st));
        return 2;
    }
    vr_plugin_verdict v[2 * VR_NOPS];
    vr_consistency c[VR_CONS_MAX];
    size_t n = 0, nc = 0;
    /* a self-consistency token replays that diagnostic alone */
    int cons_only = opt.replay != NULL && vr_consistency_is_token(opt.replay);
    st = cons_only ? DP_OK : vr_plugin_check(v, &n, pl, &opt);
    if (st == DP_OK) /* a diagnostic after the verdicts: never part of the exit status */
        st = vr_consistency_run(c, &nc, pl, &opt);
    int rc = 0;
    if (st == DP_OK && json) {
        json_t *root = vr_plugin_report_object(v, n, pl, &opt);
        json_object_set_new(root, "consistency", vr_consistency_report_json(c, nc));
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
        fputc('\n', stdout);
        json_decref(root);
    } else if (st == DP_OK) {
        if (!cons_only)
            vr_plugin_report_text(stdout, v, n, pl, &opt);
        vr_consistency_report_text(stdout, c, nc, pl);
    }
    if (st == DP_OK) {
        for (size_t i = 0; i < n; i++)
            rc |= v[i].kind != VR_PK_PASS;
    } else if (st == DP_EDOMAIN && opt.replay) {
        fprintf(stderr, "dnnproof: check: malformed replay token, or one of an op %s does "
                        "not provide\n", path ? path : command);
        rc = 2;
    } else {
        fprintf(stderr, "dnnproof: check: %s\n", dp_strerror(st));
        rc = 2;
    }
    for (size_t i = 0; i < n; i++)
        vr_plugin_verdict_clear(&v[i]);
    vr_consistency_clear(c, nc);
    vr_plugin_close(pl);
    return rc;
}

int demo(void); /* demo.c */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (argc == 3 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) {
        fputs(usage_text, stdout); /* dnnproof CMD --help */
        return 0;
    }
    if (!strcmp(cmd, "list") && argc == 2)
        return cmd_list();
    if (!strcmp(cmd, "verify")) {
        int rc = cmd_verify(argc, argv);
        mpfr_free_cache(); /* so that leak checkers see nothing of MPFR's caches */
        return rc;
    }
    if (!strcmp(cmd, "explain"))
        return cmd_explain(argc, argv);
    if (!strcmp(cmd, "check")) {
        int rc = cmd_check(argc, argv);
        mpfr_free_cache();
        return rc;
    }
    if (!strcmp(cmd, "vectors") || !strcmp(cmd, "netcheck")) {
        int rc = cmd[0] == 'v' ? cmd_vectors(argc, argv) : cmd_netcheck(argc, argv);
        mpfr_free_cache();
        return rc;
    }
    if (!strcmp(cmd, "demo") && argc == 2)
        return demo();
    return cli_usage(NULL, "unknown command or arguments: '%s'", cmd);
}
