/* exec.c -- an adapter process as an implementation under test (docs/protocol.md): started with
   /bin/sh -c in its own process group, spoken to in JSON lines over two pipes, every read and
   write bounded by the timeout.  An adapter that dies, hangs or breaks the protocol fails that
   call, is killed (its whole group) and is started again for the next one. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "protocol.h"
#include "transport.h"

enum { MAXLINE = 64 << 20 };
static const double hello_timeout = 60;

typedef struct {
    char *command;
    pid_t pid;     /* 0: not running */
    int to, from;  /* its stdin (we write), its stdout (we read) */
    char *buf;     /* bytes read and not yet consumed */
    size_t len, cap;
    unsigned long id;
} ex;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Kills the adapter (its process group) and reaps it; a note of how it ended if it had. */
static void stop(ex *e, int kill_it)
{
    if (e->pid <= 0)
        return;
    close(e->to), close(e->from);
    int status;
    double t0 = now();
    /* closed stdin is the request to exit: a short grace, then the group is killed */
    while (!kill_it && waitpid(e->pid, &status, WNOHANG) == 0 && now() - t0 < 2) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    kill(-e->pid, SIGKILL);
    while (waitpid(e->pid, &status, 0) < 0 && errno == EINTR)
        ;
    e->pid = 0, e->len = 0;
}

static int start(ex *e, char *err, size_t errlen)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno)), DP_ENOMEM;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]), close(in[1]);
        return snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno)), DP_ENOMEM;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGPIPE, SIG_DFL);
        dup2(in[0], STDIN_FILENO), dup2(out[1], STDOUT_FILENO);
        execl("/bin/sh", "sh", "-c", e->command, (char *)NULL);
        _exit(127);
    }
    close(in[0]), close(out[1]);
    if (pid < 0) {
        close(in[1]), close(out[0]);
        return snprintf(err, errlen, "cannot fork: %s", strerror(errno)), DP_ENOMEM;
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    e->pid = pid, e->to = in[1], e->from = out[0], e->len = 0;
    return DP_OK;
}

/* Writes s whole before the deadline.  0, or -1 with the reason in note (the adapter closed its
   input, or did not read it in time). */
static int write_all(ex *e, const char *s, size_t n, double deadline, char *note, size_t len)
{
    while (n > 0) {
        struct pollfd p = {e->to, POLLOUT, 0};
        int ms = (int)((deadline - now()) * 1000);
        if (ms <= 0 || poll(&p, 1, ms) == 0) {
            snprintf(note, len, "did not read its request within the timeout");
            return -1;
        }
        ssize_t w = write(e->to, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            snprintf(note, len, "closed its input (%s)", strerror(errno));
            return -1;
        }
        s += w, n -= (size_t)w;
    }
    return 0;
}

/* Reads one line before the deadline into *line (its length in *n, '\n' excluded; valid until
   the next read).  0; or VR_PK_CRASH, VR_PK_TIMEOUT, VR_PK_PROTOCOL with the reason in note. */
static int read_line(ex *e, char **line, size_t *n, double deadline, char *note, size_t len)
{
    size_t scanned = 0;
    for (;;) {
        char *nl = e->len > scanned ? memchr(e->buf + scanned, '\n', e->len - scanned) : NULL;
        if (nl != NULL) {
            *line = e->buf, *n = (size_t)(nl - e->buf);
            return 0;
        }
        scanned = e->len;
        if (e->len >= MAXLINE) {
            snprintf(note, len, "wrote a line longer than %d MiB", MAXLINE >> 20);
            return VR_PK_PROTOCOL;
        }
        if (e->cap - e->len < 65536) {
            char *b = realloc(e->buf, e->cap * 2 + 65536);
            if (b == NULL) {
                snprintf(note, len, "out of memory reading its response");
                return VR_PK_PROTOCOL;
            }
            e->buf = b, e->cap = e->cap * 2 + 65536;
        }
        struct pollfd p = {e->from, POLLIN, 0};
        int ms = (int)((deadline - now()) * 1000);
        if (ms <= 0 || poll(&p, 1, ms) == 0) {
            snprintf(note, len, "no response within the timeout: killed");
            return VR_PK_TIMEOUT;
        }
        ssize_t r = read(e->from, e->buf + e->len, e->cap - e->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int status = 0;
            pid_t w = 0;
            for (double t0 = now(); w == 0 && now() - t0 < 1;) {
                struct timespec ts = {0, 2000000};
                nanosleep(&ts, NULL);
                w = waitpid(e->pid, &status, WNOHANG);
            }
            if (w == e->pid && WIFSIGNALED(status))
                snprintf(note, len, "crashed: killed by signal %d (%s)", WTERMSIG(status),
                         strsignal(WTERMSIG(status)));
            else if (w == e->pid && WEXITSTATUS(status) > 128) /* a shell's report of a signal */
                snprintf(note, len, "crashed: exited with status %d (signal %d, %s)",
                         WEXITSTATUS(status), WEXITSTATUS(status) - 128,
                         strsignal(WEXITSTATUS(status) - 128));
            else if (w == e->pid)
                snprintf(note, len, "exited (status %d) before answering", WEXITSTATUS(status));
            else
                snprintf(note, len, "closed its output before answering");
            if (w == e->pid)
                e->pid = -e->pid; /* reaped: stop() must not wait for it */
            return VR_PK_CRASH;
        }
        e->len += (size_t)r;
    }
}

/* Drops the line just read (n bytes and its '\n') from the buffer. */
static void consume(ex *e, size_t n)
{
    memmove(e->buf, e->buf + n + 1, e->len - n - 1);
    e->len -= n + 1;
}

static void kill_after_failure(ex *e)
{
    if (e->pid < 0) { /* reaped already: what it started may live on */
        kill(e->pid, SIGKILL);
        close(e->to), close(e->from);
        e->pid = 0, e->len = 0;
    }
    stop(e, 1);
}

/* Starts the adapter and says hello.  has and name get its answer. */
static int hello(ex *e, int has[VR_NOPS][2], char *name, size_t namelen, char *err, size_t len)
{
    int st = start(e, err, len);
    if (st != DP_OK)
        return st;
    double deadline = now() + hello_timeout;
    char *line, note[200];
    size_t n;
    int kind = write_all(e, vr_proto_hello, strlen(vr_proto_hello), deadline, note, sizeof note);
    if (kind == 0)
        kind = read_line(e, &line, &n, deadline, note, sizeof note);
    if (kind != 0) {
        snprintf(err, len, "the adapter '%s' %s, in answer to hello", e->command, note);
        kill_after_failure(e);
        return DP_EDOMAIN;
    }
    st = vr_proto_parse_hello(has, name, namelen, line, n, note, sizeof note);
    consume(e, n);
    if (st != DP_OK) {
        snprintf(err, len, "the adapter '%s' answered hello wrongly: %s", e->command, note);
        kill_after_failure(e);
    }
    return st;
}

static int exec_call(void *self, vr_plugin_kind *kind, double *out, char *note, size_t len,
                     const vr_call *k, int f32, double timeout)
{
    ex *e = self;
    if (e->pid == 0) { /* killed after a failure: a fresh adapter */
        int has[VR_NOPS][2];
        char name[80], err[300];
        int st = hello(e, has, name, sizeof name, err, sizeof err);
        if (st == DP_ENOMEM)
            return st;
        if (st != DP_OK) {
            snprintf(note, len, "could not be restarted: %s", err);
            *kind = VR_PK_CRASH;
            return DP_OK;
        }
    }
    char *req = vr_proto_request(k, f32, ++e->id), *line;
    if (req == NULL)
        return DP_ENOMEM;
    double deadline = now() + timeout;
    size_t n;
    int r = write_all(e, req, strlen(req), deadline, note, len);
    free(req);
    if (r != 0) {
        *kind = VR_PK_CRASH;
    } else if ((r = read_line(e, &line, &n, deadline, note, len)) != 0) {
        *kind = (vr_plugin_kind)r;
    } else {
        *kind = vr_proto_parse_response(out, note, len, line, n, k, f32, e->id);
        consume(e, n);
    }
    if (*kind == VR_PK_CRASH || *kind == VR_PK_TIMEOUT || *kind == VR_PK_PROTOCOL)
        kill_after_failure(e);
    return DP_OK;
}

static void exec_close(void *self)
{
    ex *e = self;
    if (e == NULL)
        return;
    if (e->pid < 0)
        kill_after_failure(e);
    stop(e, 0);
    free(e->buf);
    free(e->command);
    free(e);
}

static const vr_transport exec_transport = {exec_call, exec_close};

int vr_exec_open(vr_plugin **out, const char *command, char *err, size_t errlen)
{
    *out = NULL;
    signal(SIGPIPE, SIG_IGN); /* a dead adapter is a failed write, not dnnproof's death */
    ex *e = calloc(1, sizeof *e);
    if (e == NULL || (e->command = strdup(command)) == NULL) {
        free(e);
        return DP_ENOMEM;
    }
    int has[VR_NOPS][2];
    char name[80];
    int st = hello(e, has, name, sizeof name, err, errlen);
    if (st != DP_OK) {
        exec_close(e);
        return st;
    }
    if ((*out = vr_plugin_new(&exec_transport, e, command, "--exec")) == NULL) {
        exec_close(e);
        return DP_ENOMEM;
    }
    memcpy((*out)->has, has, sizeof has);
    return DP_OK;
}
