/* dlcall.c -- a plugin (dnnp_impl.h) as an implementation under test: the shared object is
   loaded with dlopen, and each call runs in a forked child whose inputs and outputs live in a
   shared anonymous mapping with guard zones around each buffer, so that a crash, a hang or a
   stray write is the plugin's failure and never dnnproof's. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "transport.h"

typedef void (*fnptr)(void);

typedef struct {
    void *handle;
    fnptr fn[VR_NOPS][2]; /* [op][f32]; NULL where not exported */
} dl;

/* ---- the vr_call itself, in a child ------------------------------------------------------------
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
        const T *W[VR_ABI_MAXP], *b[VR_ABI_MAXP];                                                               \
        T *gW[VR_ABI_MAXP], *gb[VR_ABI_MAXP];                                                                   \
        switch (op) {                                                                             \
        case VR_OP_RELU: case VR_OP_RELU_JACOBIAN: case VR_OP_SOFTMAX: case VR_OP_SOFTMAX_JACOBIAN:           \
            return ((v1)fn)(d[0], in[0], out[0]);                                                 \
        case VR_OP_CCE: case VR_OP_CCE_GRADIENT: case VR_OP_SOFTMAX_CCE_GRADIENT:                          \
            return ((v2)fn)(d[0], in[0], in[1], out[0]);                                          \
        case VR_OP_DENSE: return ((dn)fn)(d[0], d[1], in[0], in[1], in[2], out[0]);                  \
        case VR_OP_DENSE_RELU_BACKWARD:                                                              \
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
    size_t dims[VR_ABI_MAXP + 3];
} arena_head;

typedef struct {
    unsigned char *base;
    size_t size, elt, off[2 * VR_ABI_MAXIO]; /* data offsets: inputs, then outputs */
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

static int arena_make(arena *a, const vr_call *k, int f32)
{
    size_t len[2 * VR_ABI_MAXIO], nb = k->nin + k->nout, pos = align16(sizeof(arena_head));
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

static void child(const arena *a, const vr_call *k, int op, int f32, fnptr fn)
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
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with dnnproof, if dnnproof is killed */
    dup2(STDERR_FILENO, STDOUT_FILENO);
    void *in[VR_ABI_MAXIO], *out[VR_ABI_MAXIO];
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
   zone, an input), a refusal.  Fills out (double; an output left unwritten stays NaN) and note. */
static vr_plugin_kind inspect(double *out, char *note, size_t len, const arena *a, const vr_call *k,
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
    for (size_t i = 0, q = 0; i < k->nout; i++) {
        const void *d = buf_at(a, k->nin + i);
        for (size_t j = 0; j < k->outlen[i]; j++, q++)
            out[q] = f32 ? ((const float *)d)[j] : ((const double *)d)[j];
    }
    return VR_PK_PASS;
}

/* One isolated vr_call of fn on k; out (q doubles) gets the outputs.  DP_OK with *kind the
   implementation's behaviour, or an error of dnnproof's own (no memory, no fork). */
static int isolated_call(void *self, vr_plugin_kind *kind, double *out, char *note, size_t len,
                         const vr_call *k, int f32, double timeout)
{
    int op = k->op;
    fnptr fn = ((const dl *)self)->fn[op][f32];
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
        snprintf(note, len, "exited (status %d) during the vr_call",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        *kind = VR_PK_CRASH;
    } else {
        *kind = inspect(out, note, len, &a, k, f32);
    }
    munmap(a.base, a.size);
    return st;
}


static void dl_close(void *self)
{
    dl *pl = self;
    if (pl != NULL && pl->handle != NULL)
        dlclose(pl->handle);
    free(pl);
}

static const vr_transport dl_transport = {isolated_call, dl_close};

int vr_plugin_open(vr_plugin **out, const char *path, char *err, size_t errlen)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return DP_EDOMAIN;
    }
    char *rel = malloc(strlen(path) + 3); /* "./" so that dlopen does not search */
    dl *pl = calloc(1, sizeof *pl);
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
    for (int op = 0; op < VR_NOPS; op++)
        for (int f32 = 0; f32 < 2; f32++) {
            char name[64];
            snprintf(name, sizeof name, "dnnp_%s%s", vr_abi_name(op), f32 ? "_f32" : "");
            void *sym = dlsym(pl->handle, name);
            /* POSIX makes a data pointer from dlsym callable; ISO C has no such conversion */
            memcpy(&pl->fn[op][f32], &sym, sizeof sym);
            found += sym != NULL;
        }
    if (found == 0) {
        snprintf(err, errlen, "'%s' exports no dnnp_ function (docs/plugin.md lists them)", path);
        dl_close(pl);
        return DP_EDOMAIN;
    }
    if ((*out = vr_plugin_new(&dl_transport, pl, path, "--plugin")) == NULL) {
        dl_close(pl);
        return DP_ENOMEM;
    }
    for (int op = 0; op < VR_NOPS; op++)
        for (int f32 = 0; f32 < 2; f32++)
            (*out)->has[op][f32] = pl->fn[op][f32] != NULL;
    return DP_OK;
}
