/* plugin.c -- check another implementation of sections 3-5 through the plugin ABI (dnnp_impl.h).
   Each exported function is called on generated instances, every call isolated in a forked child
   whose inputs and outputs live in a shared anonymous mapping with guard zones around each
   buffer; its results are compared with the library's MPFR functions at 256 bits (accuracy.c)
   within bounds that any backward-stable implementation meets (derived below, op by op).  The
   property runner (runner.c) drives the cases and shrinks the first failure.  The state of the
   op being checked is one static variable: vr_plugin_check is not reentrant, nor thread-safe. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <dlfcn.h>
#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "plugin.h"

/* ---- the ops of the ABI ---------------------------------------------------------------------- */

enum {
    OP_RELU, OP_RELU_JACOBIAN, OP_SOFTMAX, OP_SOFTMAX_JACOBIAN, OP_CCE, OP_CCE_GRADIENT,
    OP_SOFTMAX_CCE_GRADIENT, OP_DENSE, OP_DENSE_RELU_BACKWARD, OP_NETWORK_GRADIENT
};
static const char *const op_names[VR_PLUGIN_NOPS] = {
    "relu", "relu_jacobian", "softmax", "softmax_jacobian", "cce", "cce_gradient",
    "softmax_cce_gradient", "dense", "dense_relu_backward", "network_gradient"};

typedef void (*fnptr)(void);

struct vr_plugin {
    void *handle;
    fnptr fn[VR_PLUGIN_NOPS][2]; /* [op][f32]; NULL where not exported */
};

const char *vr_plugin_kind_name(vr_plugin_kind k)
{
    static const char *const names[VR_PK_NKINDS] = {"pass", "wrong", "nan", "refused",
                                                     "crash", "timeout", "guard"};
    return k < VR_PK_NKINDS ? names[k] : "?";
}

int vr_plugin_open(vr_plugin **out, const char *path, char *err, size_t errlen)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return DP_EDOMAIN;
    }
    char *rel = malloc(strlen(path) + 3); /* "./" so that dlopen does not search */
    vr_plugin *pl = calloc(1, sizeof *pl);
    if (rel == NULL || pl == NULL) {
        free(rel), free(pl);
        return DP_ENOMEM;
    }
    sprintf(rel, "%s%s", strchr(path, '/') ? "" : "./", path);
    pl->handle = dlopen(rel, RTLD_NOW | RTLD_LOCAL);
    free(rel);
    if (pl->handle == NULL) {
        const char *why = dlerror();
        snprintf(err, errlen, "'%s' is not a loadable shared object (%s)", path, why ? why : "?");
        free(pl);
        return DP_EDOMAIN;
    }
    size_t found = 0;
    for (int op = 0; op < VR_PLUGIN_NOPS; op++)
        for (int f32 = 0; f32 < 2; f32++) {
            char name[64];
            snprintf(name, sizeof name, "dnnp_%s%s", op_names[op], f32 ? "_f32" : "");
            void *sym = dlsym(pl->handle, name);
            /* POSIX makes a data pointer from dlsym callable; ISO C has no such conversion */
            memcpy(&pl->fn[op][f32], &sym, sizeof sym);
            found += sym != NULL;
        }
    if (found == 0) {
        snprintf(err, errlen, "'%s' exports no dnnp_ function (docs/plugin.md lists them)", path);
        vr_plugin_close(pl);
        return DP_EDOMAIN;
    }
    *out = pl;
    return DP_OK;
}

void vr_plugin_close(vr_plugin *pl)
{
    if (pl != NULL)
        dlclose(pl->handle);
    free(pl);
}

/* ---- a call: the ABI's arguments, read from an instance --------------------------------------
   dims are the size_t arguments in order (network: p, n, then widths[0..p]); in[] the input
   arrays in the order of the signature, out[] the outputs, packed in that order in the checked
   vector (network: the loss, then g_W[0], g_b[0], g_W[1], ...). */
enum { MAXIO = 16, MAXP = 6, MAXW = 64 };

typedef struct {
    size_t ndims, dims[MAXP + 3];
    size_t nin, nout, inlen[MAXIO], outlen[MAXIO];
    const double *in[MAXIO];
    const char *inname[MAXIO];
    char outname[MAXIO][24];
} call;

static int add_in(call *k, const vr_case *c, const char *name, size_t len)
{
    const vr_array *a = vr_case_get(c, name);
    if (a == NULL || a->len != len || len == 0)
        return 0;
    k->inname[k->nin] = a->name, k->inlen[k->nin] = len, k->in[k->nin++] = a->v;
    return 1;
}

static void add_out(call *k, const char *name, size_t len)
{
    snprintf(k->outname[k->nout], sizeof k->outname[0], "%s", name);
    k->outlen[k->nout++] = len;
}

/* A dimension of c in 1 .. max, else 0 (a malformed replay token). */
static size_t dim(const vr_case *c, const char *name, size_t max)
{
    size_t d = vr_case_getdim(c, name);
    return d <= max ? d : 0;
}

static int marshal(call *k, int op, const vr_case *c)
{
    memset(k, 0, sizeof *k);
    if (op == OP_NETWORK_GRADIENT) {
        size_t p = dim(c, "p", MAXP), n = dim(c, "n", MAXW), *w = k->dims + 2;
        char name[24];
        k->ndims = p + 3, k->dims[0] = p, k->dims[1] = n;
        for (size_t l = 0; l <= p; l++) {
            snprintf(name, sizeof name, "m%zu", l);
            if ((w[l] = dim(c, name, MAXW)) == 0)
                return 0;
        }
        if (p == 0 || n == 0 || !add_in(k, c, "X", n * w[0]) || !add_in(k, c, "Y", n * w[p]))
            return 0;
        add_out(k, "loss", 1);
        for (size_t l = 0; l < p; l++) {
            snprintf(name, sizeof name, "W%zu", l + 1);
            int ok = add_in(k, c, name, w[l + 1] * w[l]);
            snprintf(name, sizeof name, "b%zu", l + 1);
            if (!ok || !add_in(k, c, name, w[l + 1]))
                return 0;
            snprintf(name, sizeof name, "gW%zu", l + 1);
            add_out(k, name, w[l + 1] * w[l]);
            snprintf(name, sizeof name, "gb%zu", l + 1);
            add_out(k, name, w[l + 1]);
        }
        return 1;
    }
    size_t m = dim(c, "m", 4096), mo = dim(c, "mo", 4096);
    k->ndims = 1, k->dims[0] = m;
    if (m == 0)
        return 0;
    switch (op) {
    case OP_RELU: add_out(k, "out", m); return add_in(k, c, "z", m);
    case OP_RELU_JACOBIAN: add_out(k, "J", m * m); return add_in(k, c, "z", m);
    case OP_SOFTMAX: add_out(k, "S", m); return add_in(k, c, "z", m);
    case OP_SOFTMAX_JACOBIAN: add_out(k, "J", m * m); return add_in(k, c, "z", m);
    case OP_CCE: add_out(k, "loss", 1); return add_in(k, c, "yhat", m) && add_in(k, c, "y", m);
    case OP_CCE_GRADIENT:
        add_out(k, "g", m);
        return add_in(k, c, "yhat", m) && add_in(k, c, "y", m);
    case OP_SOFTMAX_CCE_GRADIENT:
        add_out(k, "g", m);
        return add_in(k, c, "yhat", m) && add_in(k, c, "z", m);
    case OP_DENSE:
        k->ndims = 2, k->dims[1] = mo, add_out(k, "out", mo);
        return mo && add_in(k, c, "y", m) && add_in(k, c, "W", mo * m) && add_in(k, c, "b", mo);
    default: /* OP_DENSE_RELU_BACKWARD */
        k->ndims = 2, k->dims[1] = mo;
        add_out(k, "g_y", m), add_out(k, "g_W", mo * m), add_out(k, "g_b", mo);
        return mo && add_in(k, c, "y", m) && add_in(k, c, "W", mo * m) && add_in(k, c, "b", mo) &&
               add_in(k, c, "g_up", mo);
    }
}

/* ---- the call itself, in a child ------------------------------------------------------------
   The child sees the arena at the same address (fork) and calls the function on it; the
   parent waits at most the timeout.  The ABI's types, double and float, spelled once. */
#define INVOKE(T, SUFFIX)                                                                         \
    static int invoke_##SUFFIX(int op, fnptr fn, const size_t *d, void *const *in,               \
                               void *const *out)                                                  \
    {                                                                                             \
        typedef int (*v1)(size_t, const T *, T *);                                                \
        typedef int (*v2)(size_t, const T *, const T *, T *);                                     \
        typedef int (*dn)(size_t, size_t, const T *, const T *, const T *, T *);                  \
        typedef int (*drb)(size_t, size_t, const T *, const T *, const T *, const T *, T *, T *,  \
                           T *);                                                                  \
        typedef int (*net)(size_t, const size_t *, const T *const *, const T *const *, size_t,    \
                           const T *, const T *, T *, T *const *, T *const *);                    \
        const T *W[MAXP], *b[MAXP];                                                               \
        T *gW[MAXP], *gb[MAXP];                                                                   \
        switch (op) {                                                                             \
        case OP_RELU: case OP_RELU_JACOBIAN: case OP_SOFTMAX: case OP_SOFTMAX_JACOBIAN:           \
            return ((v1)fn)(d[0], in[0], out[0]);                                                 \
        case OP_CCE: case OP_CCE_GRADIENT: case OP_SOFTMAX_CCE_GRADIENT:                          \
            return ((v2)fn)(d[0], in[0], in[1], out[0]);                                          \
        case OP_DENSE: return ((dn)fn)(d[0], d[1], in[0], in[1], in[2], out[0]);                  \
        case OP_DENSE_RELU_BACKWARD:                                                              \
            return ((drb)fn)(d[0], d[1], in[0], in[1], in[2], in[3], out[0], out[1], out[2]);     \
        default:                                                                                  \
            for (size_t l = 0; l < d[0]; l++)                                                     \
                W[l] = in[2 + 2 * l], b[l] = in[3 + 2 * l], gW[l] = out[1 + 2 * l],               \
                gb[l] = out[2 + 2 * l];                                                           \
            return ((net)fn)(d[0], d + 2, W, b, d[1], in[0], in[1], out[0], gW, gb);              \
        }                                                                                         \
    }
INVOKE(double, f64)
INVOKE(float, f32)
#undef INVOKE

/* Every buffer, input or output, sits between two guard zones of GUARD canary bytes; the zone
   after it starts at its last byte + 1, so that a write one past the end lands in it. */
enum { GUARD = 64, CANARY = 0xA5 };

typedef struct {
    volatile int done, ret; /* the child's: it returned, and what */
    size_t dims[MAXP + 3];
} arena_head;

typedef struct {
    unsigned char *base;
    size_t size, elt, off[2 * MAXIO]; /* data offsets: inputs, then outputs */
} arena;

static size_t align16(size_t x)
{
    return (x + 15) & ~(size_t)15;
}

static void *buf_at(const arena *a, size_t i)
{
    return a->base + a->off[i];
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int arena_make(arena *a, const call *k, int f32)
{
    size_t len[2 * MAXIO], nb = k->nin + k->nout, pos = align16(sizeof(arena_head));
    a->elt = f32 ? sizeof(float) : sizeof(double);
    for (size_t i = 0; i < nb; i++) {
        len[i] = (i < k->nin ? k->inlen[i] : k->outlen[i - k->nin]) * a->elt;
        a->off[i] = pos + GUARD;
        pos = align16(pos + GUARD + len[i] + GUARD);
    }
    a->size = pos;
    void *p = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return DP_ENOMEM;
    a->base = p;
    memset(a->base, CANARY, a->size);
    arena_head *h = p;
    h->done = 0, h->ret = 0;
    memcpy(h->dims, k->dims, sizeof k->dims);
    for (size_t i = 0; i < nb; i++) {
        size_t n = len[i] / a->elt;
        for (size_t j = 0; j < n; j++) { /* inputs are exact in the type; outputs start as NaN */
            double v = i < k->nin ? k->in[i][j] : NAN;
            if (f32)
                ((float *)buf_at(a, i))[j] = (float)v;
            else
                ((double *)buf_at(a, i))[j] = v;
        }
    }
    return DP_OK;
}

/* Waits for pid at most timeout seconds, polling; kills it after.  1 if it was killed. */
static int wait_child(pid_t pid, int *status, double timeout)
{
    double t0 = now();
    long ns = 20000;
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            return 0;
        if (now() - t0 > timeout) {
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            return 1;
        }
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        ns = ns < 2000000 ? 2 * ns : ns;
    }
}

static void child(const arena *a, const call *k, int op, int f32, fnptr fn)
{
    /* the plugin's faults kill the child by their signal, whatever handlers the parent (or a
       sanitizer) installed; no core files; its printing goes to stderr, not the report */
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct rlimit core = {0, 0};
    setrlimit(RLIMIT_CORE, &core);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    void *in[MAXIO], *out[MAXIO];
    for (size_t i = 0; i < k->nin; i++)
        in[i] = buf_at(a, i);
    for (size_t i = 0; i < k->nout; i++)
        out[i] = buf_at(a, k->nin + i);
    arena_head *h = (arena_head *)a->base;
    int ret = f32 ? invoke_f32(op, fn, h->dims, in, out) : invoke_f64(op, fn, h->dims, in, out);
    h->ret = ret;
    h->done = 1;
    _exit(0);
}

/* What the child did to the arena, in order of gravity: a write outside the outputs (a guard
   zone, an input), a refusal, a NaN.  Fills out (double) and note. */
static vr_plugin_kind inspect(double *out, char *note, size_t len, const arena *a, const call *k,
                              int f32)
{
    const arena_head *h = (const arena_head *)a->base;
    for (size_t i = 0; i < k->nin + k->nout; i++) {
        size_t n = (i < k->nin ? k->inlen[i] : k->outlen[i - k->nin]) * a->elt;
        const char *name = i < k->nin ? k->inname[i] : k->outname[i - k->nin];
        const unsigned char *d = buf_at(a, i);
        for (size_t j = 1; j <= GUARD; j++) {
            if (d[-(ptrdiff_t)j] != CANARY || d[n + j - 1] != CANARY) {
                int before = d[-(ptrdiff_t)j] != CANARY;
                snprintf(note, len, "wrote outside its arrays: %zu byte(s) %s %s %s", j,
                         before ? "before" : "past the end of", i < k->nin ? "input" : "output",
                         name);
                return VR_PK_GUARD;
            }
        }
        for (size_t j = 0; i < k->nin && j < k->inlen[i]; j++) {
            double v = f32 ? ((const float *)d)[j] : ((const double *)d)[j];
            if (memcmp(&v, &k->in[i][j], sizeof v) != 0) {
                snprintf(note, len, "wrote to its input %s[%zu]", name, j);
                return VR_PK_GUARD;
            }
        }
    }
    if (h->ret != 0) {
        snprintf(note, len, "returned %d (refused) on a valid input", h->ret);
        return VR_PK_REFUSED;
    }
    vr_plugin_kind kind = VR_PK_PASS;
    for (size_t i = 0, q = 0; i < k->nout; i++) {
        const void *d = buf_at(a, k->nin + i);
        for (size_t j = 0; j < k->outlen[i]; j++, q++) {
            double v = f32 ? ((const float *)d)[j] : ((const double *)d)[j];
            out[q] = v;
            if (isnan(v) && kind == VR_PK_PASS) {
                snprintf(note, len, "NaN where the reference is finite (or left unwritten): "
                                    "%s[%zu]", k->outname[i], j);
                kind = VR_PK_NAN;
            }
        }
    }
    return kind;
}

/* One isolated call of fn on k; out (q doubles) gets the outputs.  DP_OK with *kind the
   implementation's behaviour, or an error of dnnproof's own (no memory, no fork). */
static int isolated_call(vr_plugin_kind *kind, double *out, char *note, size_t len, fnptr fn,
                         int op, int f32, const call *k, double timeout)
{
    arena a;
    int st = arena_make(&a, k, f32);
    if (st != DP_OK)
        return st;
    fflush(NULL); /* so that nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0)
        child(&a, k, op, f32, fn);
    int status = 0;
    if (pid < 0) {
        st = DP_ENOMEM;
    } else if (wait_child(pid, &status, timeout)) {
        snprintf(note, len, "still running after %g s: killed", timeout);
        *kind = VR_PK_TIMEOUT;
    } else if (WIFSIGNALED(status)) {
        snprintf(note, len, "crashed: killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
        *kind = VR_PK_CRASH;
    } else if (!((const arena_head *)a.base)->done) {
        snprintf(note, len, "exited (status %d) during the call",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        *kind = VR_PK_CRASH;
    } else {
        *kind = inspect(out, note, len, &a, k, f32);
    }
    munmap(a.base, a.size);
    return st;
}

/* ---- the op being checked: the runner's callbacks read it -------------------------------------
   lock is the first failure's kind in this run: a shrunk case must fail the same way.  A case
   that hung is not re-run while shrinking (each try would cost the timeout): its own replay
   gives its result back, other cases are left undecided. */
static struct {
    const vr_plugin *pl;
    int op, f32, err;
    double timeout;
    double *got; /* the last call's outputs */
    vr_plugin_kind kind, lock;
    char note[200];
    char *hung_token;
    vr_result hung;
} cur;

static double u_cur(void)
{
    return cur.f32 ? VR_U_FLOAT : VR_U_DOUBLE;
}

static size_t q_of(const vr_case *c)
{
    call k;
    size_t q = 0;
    if (!marshal(&k, cur.op, c))
        return 0;
    for (size_t i = 0; i < k.nout; i++)
        q += k.outlen[i];
    return q;
}

static int impl_call(double *out, const vr_case *c)
{
    call k;
    cur.got = out;
    if (!marshal(&k, cur.op, c))
        return DP_EDOMAIN;
    int st = isolated_call(&cur.kind, out, cur.note, sizeof cur.note, cur.pl->fn[cur.op][cur.f32],
                           cur.op, cur.f32, &k, cur.timeout);
    if (st != DP_OK)
        cur.err = st;
    /* a NaN is compared (its entries are the failure table); anything else stops here */
    return st != DP_OK || (cur.kind != VR_PK_PASS && cur.kind != VR_PK_NAN) ? DP_EDOMAIN : DP_OK;
}

/* ---- references: the library's MPFR functions on the exact inputs -------------------------- */

static mpfr_ptr mp_of(dp_mpws *ws, const double *v, size_t n)
{
    mpfr_ptr x = dp_mpws_push(ws, n);
    for (size_t i = 0; x != NULL && i < n; i++)
        mpfr_set_d(x + i, v[i], MPFR_RNDN);
    return x;
}

static int ref_of(mpfr_ptr out, const vr_case *c, dp_mpws *ws)
{
    call k;
    if (!marshal(&k, cur.op, c))
        return DP_EDOMAIN;
    size_t m = k.dims[0], mo = k.dims[1];
    mpfr_ptr in[MAXIO];
    for (size_t i = 0; i < k.nin; i++)
        if ((in[i] = mp_of(ws, k.in[i], k.inlen[i])) == NULL)
            return DP_ENOMEM;
    switch (cur.op) {
    case OP_RELU: return dp_relu_mp(out, in[0], m, ws);
    case OP_RELU_JACOBIAN: return dp_relu_jacobian_mp(out, in[0], m, ws);
    case OP_SOFTMAX: return dp_softmax_mp(out, in[0], m, ws);
    case OP_SOFTMAX_JACOBIAN: return dp_softmax_jacobian_mp(out, in[0], m, ws);
    case OP_CCE: return dp_cce_mp(out, in[0], in[1], m, ws);
    case OP_CCE_GRADIENT: return dp_cce_gradient_mp(out, in[0], in[1], m, ws);
    case OP_SOFTMAX_CCE_GRADIENT: return dp_softmax_cce_gradient_mp(out, in[0], in[1], m, ws);
    case OP_DENSE: return dp_dense_mp(out, in[0], in[1], in[2], m, mo, ws);
    case OP_DENSE_RELU_BACKWARD:
        return dp_dense_relu_backward_mp(out, out + m, out + m + mo * m, in[0], in[1], in[2],
                                         in[3], m, mo, ws);
    default: {
        size_t p = k.dims[0];
        mpfr_ptr W[MAXP], b[MAXP], gW[MAXP], gb[MAXP], o = out + 1;
        for (size_t l = 0; l < p; l++) {
            W[l] = in[2 + 2 * l], b[l] = in[3 + 2 * l];
            gW[l] = o, o += k.inlen[2 + 2 * l];
            gb[l] = o, o += k.inlen[3 + 2 * l];
        }
        dp_net_mp net = {p, k.dims + 2, W, b};
        return dp_global_loss_gradient_mp(out, gW, gb, &net, in[0], in[1], k.dims[1], ws);
    }
    }
}

/* ---- bounds -----------------------------------------------------------------------------------
   The bounds of bounds*.c analyse the library's own formulas.  A plugin may be written otherwise;
   the first-order analyses carry over where they do not depend on the order of operations (any
   order of a sum of k terms errs by at most (k - 1) u of their magnitudes), and this file adds
   what a different but backward-stable formula may legitimately add:
   - S_k = e^{d_k} * (1 / sum) instead of e^{d_k} / sum: one more rounding, u S_k;
   - 1 - S_j or S_j - 1 formed from a computed S_j (the SoftMax Jacobian's diagonal
     S_j (1 - S_j), the gradient S - yhat of a dominant class): S_j's own absolute error
     (|d_j| + m + 7) u S_j (vr_bound_softmax's, with the reciprocal's u) carries over to the
     difference, which Sterbenz's lemma makes exact for S_j in [1/2, 2].  Such an entry is held
     to an absolute error of about (m + 7) u rather than to a few u of itself: a plugin is not
     failed for not using the library's cancellation-free formula;
   - -yhat_j * (1 / y_j) for the cross-entropy gradient: u |g_j| more;
   - the network's loss as log(sum_j e^{z_j - max z}) + max z - z_y (log, not log1p; or -log S_y):
     an absolute (m + 8) u (|max z| + |z_y| + m + 1) per sample, and the dominant class's absolute
     error above carried back through |W| (no ReLU indicator: an upper bound) to every gradient.
   Labels are one-hot, so that sum_j yhat_j = 1. */

static double max_of(const double *z, size_t m)
{
    double x = z[0];
    for (size_t j = 1; j < m; j++)
        x = fmax(x, z[j]);
    return x;
}

/* S(z) in double (a few u: enough for the size of a bound). */
static void softmax_d(double *S, const double *z, size_t m)
{
    double zmax = max_of(z, m), sum = 0;
    for (size_t j = 0; j < m; j++)
        sum += S[j] = exp(z[j] - zmax);
    for (size_t j = 0; j < m; j++)
        S[j] /= sum;
}

/* The network's extra terms (see above), added to b (loss, then the gradient packed W^1, b^1,
   ...): one forward pass in double per sample, then the dominant class's absolute error e^p
   carried back, e^{k-1} = |W^k|^T e^k. */
static void bound_net_extra(double *b, const call *k, double u)
{
    size_t p = k->dims[0], n = k->dims[1];
    const size_t *w = k->dims + 2;
    double a[MAXP + 1][MAXW], e[MAXW], e2[MAXW], S[MAXW];
    size_t off[MAXP], o = 1;
    for (size_t l = 0; l < p; l++)
        off[l] = o, o += w[l + 1] * w[l] + w[l + 1];
    for (size_t i = 0; i < n; i++) {
        const double *y = k->in[1] + i * w[p];
        memcpy(a[0], k->in[0] + i * w[0], w[0] * sizeof(double));
        for (size_t l = 0; l < p; l++)
            for (size_t jp = 0; jp < w[l + 1]; jp++) {
                double s = k->in[3 + 2 * l][jp];
                for (size_t j = 0; j < w[l]; j++)
                    s += k->in[2 + 2 * l][jp * w[l] + j] * a[l][j];
                a[l + 1][jp] = l + 1 < p ? fmax(s, 0) : s;
            }
        const double *z = a[p];
        size_t mp = w[p], cls = 0;
        double zmax = max_of(z, mp);
        softmax_d(S, z, mp);
        for (size_t j = 0; j < mp; j++) {
            cls = y[j] != 0 ? j : cls;
            e[j] = y[j] != 0 && S[j] > 0.5 ? ((zmax - z[j]) + (double)mp + 7) * u * S[j] : 0;
        }
        b[0] += ((double)mp + 8) * u * (fabs(zmax) + fabs(z[cls]) + (double)mp + 1);
        for (size_t l = p; l-- > 0;) {
            double *gW = b + off[l], *gb = gW + w[l + 1] * w[l];
            for (size_t jp = 0; jp < w[l + 1]; jp++) {
                gb[jp] += e[jp];
                for (size_t j = 0; j < w[l]; j++)
                    gW[jp * w[l] + j] += e[jp] * fabs(a[l][j]);
            }
            for (size_t j = 0; l > 0 && j < w[l]; j++) {
                e2[j] = 0;
                for (size_t jp = 0; jp < w[l + 1]; jp++)
                    e2[j] += fabs(k->in[2 + 2 * l][jp * w[l] + j]) * e[jp];
            }
            if (l > 0)
                memcpy(e, e2, w[l] * sizeof *e);
        }
    }
}

/* Whether every product W_j y_j and every partial sum b + sum_{l <= j} W_l y_l of one row is
   exact in the precision being checked: then L_j' is exact in plain code too.  (bounds_dense.c
   asks the same of the fma chain in double, which is not float's, nor a plain loop's, chain.) */
static int plain_exact(const double *y, const double *Wrow, double b, size_t m)
{
    double s = b;
    for (size_t j = 0; j < m; j++) {
        double p = Wrow[j] * y[j], t = s + p, bb = t - s;
        if (fma(Wrow[j], y[j], -p) != 0 || (s - (t - bb)) + (p - bb) != 0)
            return 0;
        if (cur.f32 && ((double)(float)p != p || (double)(float)t != t))
            return 0;
        s = t;
    }
    return 1;
}

/* dense_relu_backward: a unit within 2 beta of the kink (beta dense's bound, as in
   bounds_dense.c) whose plain row is not exact may have either indicator: its partials may be
   anything between 0 and g_up's, which is added to the bound of g_b, g_W and g_y. */
static void bound_relu_indicator(double *bound, const call *k, double u)
{
    size_t m = k->dims[0], mo = k->dims[1];
    const double *y = k->in[0], *W = k->in[1], *b = k->in[2], *g = k->in[3];
    double eta = cur.f32 ? 0x1p-149 : 0x1p-1074, up = 1 + 1e-10;
    for (size_t jp = 0; jp < mo; jp++) {
        double beta, L = b[jp];
        vr_bound_dense(&beta, y, W + jp * m, b + jp, m, 1, u);
        beta += (double)m * eta;
        for (size_t j = 0; j < m; j++)
            L = fma(W[jp * m + j], y[j], L);
        if (fabs(L) > 2 * beta || plain_exact(y, W + jp * m, b[jp], m))
            continue;
        bound[m + mo * m + jp] += fabs(g[jp]) * up;
        for (size_t j = 0; j < m; j++) {
            bound[m + jp * m + j] += fabs(g[jp] * y[j]) * up;
            bound[j] += fabs(g[jp] * W[jp * m + j]) * up;
        }
    }
}

static void bound_of(double *b, const vr_case *c, mpfr_srcptr ref, double u_unused)
{
    (void)u_unused; /* vr_check_double passes double's; a float32 op is held to float's */
    double u = u_cur(), up = 1 + 1e-10, S[4096];
    call k;
    marshal(&k, cur.op, c);
    size_t m = k.dims[0], mo = k.dims[1], q = 0;
    for (size_t i = 0; i < k.nout; i++)
        q += k.outlen[i];
    /* the sign of a zero is not checked: -0.0 = +0.0 (a zero output takes the reference's sign,
       which accuracy.c would otherwise hold an exact output to) */
    for (size_t i = 0; i < q; i++)
        if (cur.got[i] == 0 && mpfr_zero_p(ref + i))
            cur.got[i] = mpfr_signbit(ref + i) ? -0.0 : 0.0;
    switch (cur.op) {
    case OP_RELU: case OP_RELU_JACOBIAN: vr_bound_exact(b, q); break;
    case OP_SOFTMAX:
        vr_bound_softmax(b, k.in[0], m, ref, u);
        for (size_t j = 0; j < m; j++)
            b[j] += u * mpfr_get_d(ref + j, MPFR_RNDU);
        break;
    case OP_SOFTMAX_JACOBIAN: {
        const double *z = k.in[0];
        double zmax = max_of(z, m);
        vr_bound_softmax_jacobian(b, z, m, ref, u);
        softmax_d(S, z, m);
        for (size_t i = 0; i < m * m; i++)
            b[i] += 2 * u * fabs(mpfr_get_d(ref + i, MPFR_RNDU));
        for (size_t j = 0; j < m; j++)
            b[j * m + j] += ((zmax - z[j]) + (double)m + 7) * u * S[j] * up;
        break;
    }
    case OP_CCE: vr_bound_cce(b, k.in[0], k.in[1], m, u); break;
    case OP_CCE_GRADIENT:
        vr_bound_cce_gradient(b, m, ref, u);
        for (size_t j = 0; j < m; j++)
            b[j] += u * fabs(mpfr_get_d(ref + j, MPFR_RNDU));
        break;
    case OP_SOFTMAX_CCE_GRADIENT: {
        const double *yhat = k.in[0], *z = k.in[1];
        double zmax = max_of(z, m);
        vr_bound_softmax_cce_gradient(b, z, yhat, m, 1.0, ref, u);
        softmax_d(S, z, m);
        for (size_t j = 0; j < m; j++)
            b[j] += (yhat[j] != 0 && S[j] > 0.5 ? ((zmax - z[j]) + (double)m + 7) : 1) * u *
                    S[j] * up;
        break;
    }
    case OP_DENSE: vr_bound_dense(b, k.in[0], k.in[1], k.in[2], m, mo, u); break;
    case OP_DENSE_RELU_BACKWARD:
        vr_bound_dense_relu_backward(b, k.in[0], k.in[1], k.in[2], k.in[3], m, mo, u);
        bound_relu_indicator(b, &k, u);
        break;
    default: {
        size_t p = k.dims[0];
        const double *W[MAXP], *bb[MAXP];
        for (size_t l = 0; l < p; l++)
            W[l] = k.in[2 + 2 * l], bb[l] = k.in[3 + 2 * l];
        if (vr_bound_network_gradient(b, p, k.dims + 2, W, bb, k.in[0], k.in[1], k.dims[1], u) !=
            DP_OK)
            cur.err = DP_ENOMEM;
        else
            bound_net_extra(b, &k, u);
    }
    }
}

/* ---- generators: the engine's edge-biased ones, then rounded to float for float32 ------------
   A value that is not a float becomes the nearest one, except beyond float's range: logits of
   1e300 become 1e30 (still far beyond 88.7, where e^z overflows float), and values below float's
   subnormals are mapped to a subnormal or tiny float, keeping the edge they stand for. */
static double to_f32(double x)
{
    if (x == 0 || (double)(float)x == x)
        return x;
    if (fabs(x) > 0x1p100)
        return (double)(float)copysign(1e30, x);
    if (fabs(x) < 0x1p-126) { /* 2^-1074 .. 2^-126 onto 2^-149 .. 2^-101 */
        int e = ilogb(x), e2 = -149 + (e + 1074) * 48 / 947;
        return (double)(float)ldexp(x, e2 - e);
    }
    return (double)(float)x;
}

static double *vec(vr_case *c, const char *name, size_t n, vr_src *src, vr_realkind kind)
{
    double *v = vr_case_array(c, name, n);
    if (v != NULL)
        vr_gen_vector(v, n, src, kind);
    return v;
}

/* Probabilities for the cross-entropy: k / 2^20, or (one draw in eight) tiny: subnormal for the
   loss, normal for the gradient so that -1 / y_j is finite in the precision. */
static double prob(vr_src *src, int normal)
{
    if (vr_draw(src, 8) != 7)
        return vr_gen_real(src, VR_REAL_UNIT);
    double mant = 1 + (double)vr_draw(src, 16) / 16;
    if (normal)
        return ldexp(mant, (cur.f32 ? -120 : -1000) + (int)vr_draw(src, 10));
    return cur.f32 ? 0x1p-149 * (double)(1 + vr_draw(src, 8))
                   : 0x1p-1074 * (double)(1 + vr_draw(src, 8));
}

/* dense_relu_backward: half of the instances are small integers with each unit's bias chosen so
   that it sits exactly at the kink, or at 1, or leaves it an integer: every sum is exact in any
   order and in float too, so that the exact ReLU indicator is the only right one there. */
static void int_layer(double *y, double *W, double *b, size_t m, size_t mo, vr_src *src)
{
    for (size_t j = 0; j < m; j++)
        y[j] = (double)vr_draw(src, 7) - 3;
    for (size_t i = 0; i < mo * m; i++)
        W[i] = (double)vr_draw(src, 7) - 3;
    for (size_t jp = 0; jp < mo; jp++) {
        double s = 0;
        for (size_t j = 0; j < m; j++)
            s += W[jp * m + j] * y[j];
        uint64_t d = vr_draw(src, 3);
        b[jp] = d == 0 ? -s : d == 1 ? 1 - s : (double)vr_draw(src, 7) - 3;
    }
}

static int gen_net(vr_case *c, vr_src *src, size_t size)
{
    size_t p = 1 + (size_t)vr_draw(src, size < MAXP ? size : MAXP), n = 1 + (size_t)vr_draw(src, 2);
    int narrow = p >= 3 && vr_draw(src, 2) == 0; /* deep and narrow: widths 1 or 2 */
    size_t w[MAXP + 1];
    char name[24];
    vr_case_dim(c, "p", p);
    vr_case_dim(c, "n", n);
    for (size_t l = 0; l <= p; l++) {
        w[l] = narrow ? 1 + (size_t)vr_draw(src, 2) : vr_gen_dim(src, size < 4 ? size : 4);
        snprintf(name, sizeof name, "m%zu", l);
        vr_case_dim(c, name, w[l]);
    }
    if (vec(c, "X", n * w[0], src, VR_REAL_ANY) == NULL)
        return DP_ENOMEM;
    double *Y = vr_case_array(c, "Y", n * w[p]);
    if (Y == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        vr_gen_label(Y + i * w[p], w[p], src, 0);
    for (size_t l = 0; l < p; l++) {
        snprintf(name, sizeof name, "W%zu", l + 1);
        double *W = vec(c, name, w[l + 1] * w[l], src, VR_REAL_ANY);
        snprintf(name, sizeof name, "b%zu", l + 1);
        if (W == NULL || vec(c, name, w[l + 1], src, VR_REAL_ANY) == NULL)
            return DP_ENOMEM;
    }
    /* float32: large values (up to 2^11) would overflow float's range through six layers and
       their gradients; scaled down by 2^7, exactly */
    for (size_t i = 0; cur.f32 && i < c->narr; i++)
        for (size_t j = 0; j < c->arr[i].len; j++)
            if (fabs(c->arr[i].v[j]) > 16)
                c->arr[i].v[j] = ldexp(c->arr[i].v[j], -7);
    return DP_OK;
}

static int generate(vr_case *c, vr_src *src, size_t size)
{
    int op = cur.op, st = DP_OK;
    if (op == OP_NETWORK_GRADIENT) {
        st = gen_net(c, src, size);
    } else {
        size_t m = vr_gen_dim(src, size), mo = 0;
        vr_case_dim(c, "m", m);
        if (op == OP_DENSE || op == OP_DENSE_RELU_BACKWARD)
            vr_case_dim(c, "mo", mo = vr_gen_dim(src, size));
        double *yhat = NULL, *v = NULL;
        switch (op) {
        case OP_RELU: case OP_RELU_JACOBIAN: v = vec(c, "z", m, src, VR_REAL_ANY); break;
        case OP_SOFTMAX: case OP_SOFTMAX_JACOBIAN: v = vec(c, "z", m, src, VR_REAL_LOGIT); break;
        case OP_CCE: case OP_CCE_GRADIENT:
            if ((yhat = vr_case_array(c, "yhat", m)) != NULL)
                vr_gen_label(yhat, m, src, 0);
            if ((v = vr_case_array(c, "y", m)) != NULL)
                for (size_t j = 0; j < m; j++)
                    v[j] = prob(src, op == OP_CCE_GRADIENT);
            break;
        case OP_SOFTMAX_CCE_GRADIENT:
            if ((yhat = vr_case_array(c, "yhat", m)) != NULL)
                vr_gen_label(yhat, m, src, 0);
            v = vec(c, "z", m, src, VR_REAL_LOGIT);
            break;
        case OP_DENSE:
            v = vec(c, "y", m, src, VR_REAL_ANY);
            v = v ? vec(c, "W", mo * m, src, VR_REAL_ANY) : NULL;
            v = v ? vec(c, "b", mo, src, VR_REAL_ANY) : NULL;
            break;
        default: { /* OP_DENSE_RELU_BACKWARD */
            double *y = vr_case_array(c, "y", m), *W = vr_case_array(c, "W", mo * m),
                   *b = vr_case_array(c, "b", mo);
            if (y && W && b && vr_draw(src, 2) == 0)
                int_layer(y, W, b, m, mo, src);
            else if (y && W && b)
                vr_gen_vector(y, m, src, VR_REAL_ANY), vr_gen_vector(W, mo * m, src, VR_REAL_ANY),
                    vr_gen_vector(b, mo, src, VR_REAL_ANY);
            v = y && W && b ? vec(c, "g_up", mo, src, VR_REAL_ANY) : NULL;
        }
        }
        st = v == NULL ? DP_ENOMEM : DP_OK;
    }
    for (size_t i = 0; cur.f32 && i < c->narr; i++)
        for (size_t j = 0; j < c->arr[i].len; j++)
            c->arr[i].v[j] = to_f32(c->arr[i].v[j]);
    return st;
}

/* ---- the check of one case ------------------------------------------------------------------ */

/* accuracy.c names a row "op[i]", i in the packed outputs: name it after the output, "g_b[0]". */
static void name_rows(vr_result *r, const vr_case *c)
{
    call k;
    size_t len = strlen(op_names[cur.op]), i;
    if (!marshal(&k, cur.op, c))
        return;
    for (size_t j = 0; j < r->nrows; j++) {
        if (sscanf(r->rows[j].index + len, "[%zu]", &i) != 1)
            continue;
        for (size_t o = 0; o < k.nout; i -= k.outlen[o++])
            if (i < k.outlen[o]) {
                snprintf(r->rows[j].index, sizeof r->rows[j].index, "%s[%zu]", k.outname[o], i);
                break;
            }
    }
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
    vr_op op = {op_names[cur.op], q_of, impl_call, ref_of, bound_of};
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
        snprintf(r->note, sizeof r->note, "%s exceeds its error bound (%.3g x)", op_names[cur.op],
                 r->err_ratio);
    else
        snprintf(r->note, sizeof r->note, "%s %s", op_names[cur.op], cur.note);
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

static vr_prop props[VR_PLUGIN_NOPS][2];
static char ids[VR_PLUGIN_NOPS][2][48];

static const vr_prop *prop_of(int op, int f32)
{
    vr_prop *p = &props[op][f32];
    snprintf(ids[op][f32], sizeof ids[op][f32], "plugin/%s/%s", op_names[op],
             f32 ? "float32" : "double");
    *p = (vr_prop){ids[op][f32], "3-5", op_names[op], "", NULL, VR_EXPECT_HOLDS, 0, generate,
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
    for (int o = 0; st == DP_OK && o < VR_PLUGIN_NOPS; o++)
        for (int f = 0; f < 2; f++)
            if (!strcmp(id, prop_of(o, f)->id))
                op = o, f32 = f;
    call k;
    if (st != DP_OK || op < 0 || pl->fn[op][f32] == NULL || !marshal(&k, op, &c)) {
        vr_case_clear(&c);
        return st == DP_OK ? DP_EDOMAIN : st;
    }
    vr_options o = {.seed = opt->seed, .cases = 1, .prec = 128};
    cur_begin(pl, op, f32, opt->timeout);
    memset(v, 0, sizeof *v);
    v->op = op_names[op], v->f32 = f32;
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
        for (int op = 0; op < VR_PLUGIN_NOPS && st == DP_OK; op++)
            for (int f32 = 0; f32 < 2 && st == DP_OK; f32++) {
                if (pl->fn[op][f32] == NULL)
                    continue;
                vr_plugin_verdict *x = &v[(*n)++];
                memset(x, 0, sizeof *x);
                x->op = op_names[op], x->f32 = f32;
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

void vr_plugin_report_text(FILE *f, const vr_plugin_verdict *v, size_t n, const char *path,
                           const vr_plugin_options *opt)
{
    size_t bad = 0;
    fprintf(f, "dnnproof check %s: seed %llu, %zu cases per op, timeout %g s\n", path,
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
        fprintf(f, "    replay: dnnproof check --plugin %s --replay '%s'\n", path,
                x->s.token ? x->s.token : "");
    }
    fprintf(f, "%s%zu passed, %zu failed\n", bad ? "\n" : "", n - bad, bad);
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

void vr_plugin_report_json(FILE *f, const vr_plugin_verdict *v, size_t n, const char *path,
                           const vr_plugin_options *opt)
{
    json_t *root = json_object(), *ops = json_array();
    size_t bad = 0;
    json_object_set_new(root, "plugin", json_string(path));
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
    json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    fputc('\n', f);
    json_decref(root);
}
