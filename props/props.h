/* props.h -- what the proposition files share: reading an instance and copying it into MPFR */
#ifndef DNNPROOF_PROPS_H
#define DNNPROOF_PROPS_H

#include "lib.h"
#include "verify.h"

/* The array `name` of c if it holds exactly len values, else NULL (a malformed replay token). */
const double *pr_arr(const vr_case *c, const char *name, size_t len);

/* n temporaries pushed on ws and set to v: exact, since ws->prec >= 53.  NULL if out of memory. */
mpfr_ptr pr_mp(dp_mpws *ws, const double *v, size_t n);

/* A dimension of c that must be in 1 .. max (0 if absent or out of range). */
size_t pr_dim(const vr_case *c, const char *name, size_t max);

/* cli.c: one usage error on stderr ("dnnproof: CMD: ..." with fmt's %s filled by arg), exit
   status 2; and a whole number (decimal, or 0x hex) in [lo, hi]. */
int cli_usage(const char *cmd, const char *fmt, const char *arg);
int cli_whole(unsigned long long *x, const char *s, unsigned long long lo, unsigned long long hi);

/* `dnnproof vectors` (cmd_vectors.c): argv[1] is "vectors". */
int cmd_vectors(int argc, char **argv);

/* `dnnproof netcheck` (cmd_netcheck.c): argv[1] is "netcheck". */
int cmd_netcheck(int argc, char **argv);

/* A cross-entropy instance (§3): labels ŷ and probabilities y of length m; and the function
   y ↦ ξ^ŷ(y), the library's, as a vr_map's f (data is a pr_cce_inst; one output). */
typedef struct {
    size_t m;
    const double *yhat, *y;
} pr_cce_inst;
int pr_cce_xi(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr y, const void *data,
              const signed char *mask, dp_mpws *ws);

/* The largest dimension an instance may have (replay tokens are checked against it). */
enum { PR_MAXDIM = 4096 };

#endif
