/* verify.h -- the verification engine: instances, generators, verdicts, the property runner.
   It stands on src/ (dnnproof.h) and knows no particular proposition: props/ describes each one
   with a vr_prop (statement, generator, check) and the runner drives them. */
#ifndef DNNPROOF_VERIFY_H
#define DNNPROOF_VERIFY_H

#include <stdint.h>
#include <stdio.h>
#include "dnnproof.h"

/* ---- an instance: small integer dimensions and named arrays of exact doubles ----------------- */

enum { VR_MAXDIM = 12, VR_MAXARR = 16, VR_NAMELEN = 16 };

typedef struct {
    char name[VR_NAMELEN];
    size_t len;
    double *v;
} vr_array;

typedef struct {
    size_t ndim;
    char dimname[VR_MAXDIM][VR_NAMELEN];
    size_t dim[VR_MAXDIM];
    size_t narr;
    vr_array arr[VR_MAXARR];
} vr_case;

void vr_case_init(vr_case *c);
void vr_case_clear(vr_case *c);
/* Appends a named dimension / a named array of len zeros; returns its index, or -1 when full or
   out of memory. */
int vr_case_dim(vr_case *c, const char *name, size_t value);
double *vr_case_array(vr_case *c, const char *name, size_t len);
/* Lookups by name: NULL / 0 when absent. */
const vr_array *vr_case_get(const vr_case *c, const char *name);
size_t vr_case_getdim(const vr_case *c, const char *name);

/* The replay token: "dp1:ID:name=value:...:name=v0,v1,...", dimensions as decimals and every
   array value as a C99 hex float, so that it reproduces the case exactly.  encode returns a
   malloc'd string; decode fills c (initialised) and copies the id (at most idlen bytes). */
char *vr_token_encode(const char *id, const vr_case *c);
int vr_token_decode(vr_case *c, char *id, size_t idlen, const char *token);

/* ---- the source of choices: every random draw goes through it -------------------------------
   In generation mode draws come from a seeded PRNG and are recorded; in replay mode they are
   read back from the recorded buffer (0 once it runs out).  Shrinking edits the buffer and
   replays it: smaller choices give smaller dimensions and simpler values. */

typedef struct {
    uint64_t s[4];      /* xoshiro256** state */
    uint64_t *buf;      /* recorded choices */
    size_t len, cap, pos;
    int replay;
} vr_src;

void vr_src_seed(vr_src *src, uint64_t seed);
void vr_src_replay(vr_src *src, const uint64_t *choices, size_t n);
void vr_src_clear(vr_src *src);
uint64_t vr_draw(vr_src *src, uint64_t bound); /* in [0, bound); bound 0 means the full range */

/* Coverage classes: which edges an instance exercises. */
enum {
    VR_CLASS_KINK = 1u << 0,        /* a ReLU argument exactly 0 (or -0.0) */
    VR_CLASS_NEAR_KINK = 1u << 1,   /* a ReLU argument within 2^-20 of 0, not 0 */
    VR_CLASS_LARGE_LOGIT = 1u << 2, /* a logit of magnitude >= 1e4 (beyond exp's range) */
    VR_CLASS_M1 = 1u << 3,          /* a dimension equal to 1 */
    VR_CLASS_NEG_ZERO = 1u << 4,    /* an input equal to -0.0 */
    VR_CLASS_TIE = 1u << 5,         /* two equal maximal logits */
    VR_CLASS_TINY = 1u << 6,        /* a subnormal or tiny (< 2^-500) input */
    VR_CLASS_MULTI_HOT = 1u << 7,   /* a label with sum != 1 */
    VR_CLASS_DEAD_LAYER = 1u << 8,  /* a whole layer's pre-activations exactly 0 */
    VR_CLASS_DEEP = 1u << 9,        /* a network of depth >= 3 */
    VR_NCLASSES = 10
};
const char *vr_class_name(unsigned bit_index);

/* Edge-biased generators (gen.c).  Sizes grow with `size` (1, 2, ...). */
typedef enum {
    VR_REAL_ANY,    /* moderate values, zeros, -0.0, small integers, +-2^-k, tiny, huge */
    VR_REAL_LOGIT,  /* as ANY, plus ties and logits of +-1e4 and +-1e300 */
    VR_REAL_UNIT,   /* in ]0, 1[ */
    VR_REAL_SMOOTH  /* moderate values only (|x| in [2^-8, 8]), away from every edge */
} vr_realkind;
size_t vr_gen_dim(vr_src *src, size_t size);
double vr_gen_real(vr_src *src, vr_realkind kind);
void vr_gen_vector(double *v, size_t n, vr_src *src, vr_realkind kind);
/* Labels in {0,1}^m: one-hot, or (allow_multi) multi-hot and all-zero too. */
void vr_gen_label(double *yhat, size_t m, vr_src *src, int allow_multi);
/* Coverage classes of a vector of values (neg zero, tiny, large logit, tie, kink). */
unsigned vr_classes_of(const double *v, size_t n, int logits);

/* ---- verdicts ---------------------------------------------------------------------------------- */

typedef enum { VR_HOLDS, VR_REFUTED, VR_UNDECIDED, VR_FAILED } vr_verdict;
const char *vr_verdict_name(vr_verdict v);

/* The precision ladder: the working precisions at which a statement is re-checked. */
enum { VR_RUNGS = 5 };
extern const mpfr_prec_t vr_ladder[VR_RUNGS]; /* 53 (double), 64, 128, 256, 512 */

/* One row of a failure table: an entry that disagrees. */
enum { VR_MAXROWS = 8, VR_DIGITS = 24 };
typedef struct {
    char index[48];                 /* "J[1,0]", "dW^2[3,1]" */
    char analytic[VR_DIGITS + 16];  /* the statement's value, 24 significant digits */
    char reference[VR_DIGITS + 16]; /* finite difference or MPFR reference */
    double error, bound;            /* |analytic - reference| and what was allowed */
} vr_row;

typedef struct {
    vr_verdict verdict;
    double bits;              /* agreement in bits at the working precision (min over entries) */
    double fd_bits;           /* what the finite difference's own error estimate claims */
    double ladder[VR_RUNGS];  /* agreement in bits at each rung (NAN where not climbed) */
    double err_ratio;         /* double accuracy: max over entries of error / bound (NAN if none) */
    unsigned classes;         /* coverage classes this case hit */
    size_t nrows;
    vr_row rows[VR_MAXROWS];
    char note[256];           /* e.g. "not differentiable: left 0, right 1, convention 0" */
} vr_result;

void vr_result_init(vr_result *r);
/* Adds a row (the first VR_MAXROWS are kept). */
void vr_result_row(vr_result *r, const char *index, mpfr_srcptr analytic, mpfr_srcptr reference,
                   double error, double bound);
/* The verdict of several sub-checks: refuted beats failed beats undecided beats holds. */
void vr_result_merge(vr_result *into, const vr_result *part);

/* ---- the context a check runs in --------------------------------------------------------------- */

typedef struct {
    mpfr_prec_t prec;   /* working precision of the mathematical check */
    int ladder;         /* climb the ladder (always on a refutation; on request otherwise) */
    dp_mpws ws;         /* a workspace at prec (re-made by the runner when prec changes) */
    FILE *trace;        /* `dnnproof explain`: every entry and step curve is written here */
    int color;          /* mark agreeing digits with ANSI colour (a terminal without NO_COLOR) */
    const char *plot;   /* a directory for the step curve's and the ladder's data, or NULL */
} vr_ctx;

/* ---- is a derivative statement true? (derivative.c) ----------------------------------------
   A map R^n -> R^q evaluated in MPFR at ws->prec.  A map through ReLUs reports its nk ReLU
   arguments in pre (when pre is not NULL) and obeys mask (when not NULL): mask[u] == 0 makes unit
   u output 0 whatever its argument, which is ReLU with the document's convention ReLU'(0) = 0
   frozen in; vr_relu_masked does both. */
typedef int (*vr_fn)(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr x, const void *data,
                     const signed char *mask, dp_mpws *ws);
/* The statement's Jacobian at x, (q x n), rows index outputs. */
typedef int (*vr_jac)(mpfr_ptr J, mpfr_srcptr x, const void *data, dp_mpws *ws);
/* The scale over which the function varies along a coordinate; the step is 2^-(p/9) of it. */
typedef enum {
    VR_SCALE_COORD, /* max(1, |x_j|): polynomials and other functions of moderate growth */
    VR_SCALE_UNIT,  /* 1: shift-invariant functions (logits of any size) */
    VR_SCALE_REL    /* |x_j|: functions with a singularity at 0 (log y on ]0, 1[) */
} vr_scale;

typedef struct {
    const char *name; /* names the entries in a failure table: "dS/dz" gives "dS/dz[1,0]" */
    vr_fn f;
    vr_jac jac;
    size_t n, q, nk;
    const void *data;
    vr_scale scale;
    /* Optional: names entry (i, j) in failure tables ("dW^2[1,0]"); NULL gives name[i,j]. */
    void (*entry_name)(char *buf, size_t len, size_t i, size_t j, const void *data);
} vr_map;

void vr_relu_masked(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr z, size_t m, const signed char *mask);
int vr_check_derivative(vr_result *r, const vr_map *map, const double *x, vr_ctx *ctx);
/* The finite-difference Jacobian D (q x n) and its error estimates E at ws->prec, ignoring
   kinks: what vr_check_derivative compares against, exposed for the engine's own tests. */
int vr_fd_jacobian(mpfr_ptr D, mpfr_ptr E, const vr_map *map, const double *x, dp_mpws *ws);

/* Is a sign statement true? (sign.c)  w_ij ∂f_i/∂x_j(x) >= 0 for every entry with w_ij != 0
   (w is q x n), f smooth near x (map->nk must be 0; map->jac is not used): the finite
   difference against 0 within twice its error estimate.  An entry within that of 0 holds only if
   the estimate claims p/4 bits (a true "≥ 0" is often exactly 0), the precision raised as
   vr_check_derivative raises it; a refutation is confirmed at 2p.  A failing entry's row has the
   statement's bound, 0, as its analytic value and w_ij D_ij as its reference. */
int vr_check_sign(vr_result *r, const vr_map *map, const double *x, const double *w,
                  vr_ctx *ctx);

/* The error of a plain central difference of entry (i, j) as the step h = 2^e shrinks, in
   double precision (MPFR at 53 bits) and at prec: the V of truncation against rounding.
   err53[k], errp[k] for e = -1, -2, ..., -nsteps, relative to the statement's value at 2 prec. */
int vr_step_curve(double *err53, double *errp, size_t nsteps, const vr_map *map, const double *x,
                  size_t i, size_t j, mpfr_prec_t prec);

/* ---- is a double implementation accurate? (accuracy.c) --------------------------------------- */

#define VR_U_DOUBLE 0x1p-53 /* unit roundoff of binary64 */
#define VR_U_FLOAT 0x1p-24  /* unit roundoff of binary32 */

typedef struct {
    const char *name;                                   /* "softmax" */
    size_t (*q)(const vr_case *c);                      /* number of outputs */
    int (*impl)(double *out, const vr_case *c);         /* the implementation under test */
    int (*ref)(mpfr_ptr out, const vr_case *c, dp_mpws *ws); /* the same formula in MPFR */
    /* bound[i] = the allowed |impl - ref| of output i for unit roundoff u (bounds.c) */
    void (*bound)(double *bound, const vr_case *c, mpfr_srcptr ref, double u);
} vr_op;
int vr_check_double(vr_result *r, const vr_op *op, const vr_case *c, vr_ctx *ctx);

#include "bounds.h"

/* ---- is an identity true? (identity.c) --------------------------------------------------------
   lhs = rhs, two q-vectors evaluated in MPFR at ws->prec.  bound fills allowed[i], the largest
   |lhs_i - rhs_i| the rounding of both sides at ws->prec can explain (the caller's error
   analysis, rounded up), and scale[i], the size the entry is measured against: bits of agreement
   are log2(scale_i / |lhs_i - rhs_i|).  Where the allowance leaves fewer than p/4 bits of the
   scale, the check is repeated at doubled precision (up to 32768 bits) or is undecided; a
   refutation is confirmed at 2p; ctx->ladder re-evaluates at each vr_ladder[k]. */
typedef struct {
    const char *name; /* names the entries in failure tables: "ΣS" gives "ΣS[0]" */
    size_t q;
    int (*lhs)(mpfr_ptr out, const void *data, dp_mpws *ws);
    int (*rhs)(mpfr_ptr out, const void *data, dp_mpws *ws);
    int (*bound)(mpfr_ptr allowed, mpfr_ptr scale, mpfr_srcptr lhs, mpfr_srcptr rhs,
                 const void *data, dp_mpws *ws);
    const void *data;
    /* Optional: names entry i ("dS/dz[1,0]"); NULL gives name[i]. */
    void (*entry_name)(char *buf, size_t len, size_t i, const void *data);
} vr_identity;
int vr_check_identity(vr_result *r, const vr_identity *id, vr_ctx *ctx);

/* ---- propositions ------------------------------------------------------------------------------ */

typedef enum { VR_EXPECT_HOLDS, VR_EXPECT_REFUTED } vr_expect;

typedef struct vr_prop {
    const char *id;          /* "softmax-jacobian", "softmax-cce-gradient/as-written" */
    const char *section;     /* the document's section, "3" */
    const char *title;       /* one line */
    const char *statement;   /* as the document writes it (plain text, Unicode math) */
    const char *corrected;   /* the statement dnnproof holds the code to; NULL if as written */
    vr_expect expect;        /* an as-written erratum is expected to be refuted */
    unsigned required;       /* coverage classes that a run must hit */
    /* Fills c (initialised, empty) from the source; size = 1, 2, ... grows the dimensions. */
    int (*generate)(vr_case *c, vr_src *src, size_t size);
    /* Checks one case; fills r (initialised).  Returns DP_OK or an error for a malformed case. */
    int (*check)(vr_result *r, const vr_case *c, vr_ctx *ctx);
} vr_prop;

/* Optional: a proposition that has intermediate values worth showing (the forward and backward
   passes of a network) names a function that prints them for `dnnproof explain`. */
typedef struct {
    const char *id;
    void (*describe)(FILE *f, const vr_case *c);
} vr_describer;
extern const vr_describer vr_describers[];
extern const size_t vr_ndescribers;

/* The registry (props/registry.c). */
extern const vr_prop *const vr_props[];
extern const size_t vr_nprops;
const vr_prop *vr_prop_find(const char *id);

/* ---- the runner -------------------------------------------------------------------------------- */

typedef struct {
    uint64_t seed;
    size_t cases;         /* cases per proposition */
    mpfr_prec_t prec;     /* working precision */
    int ladder;           /* climb the ladder on every case (slow) */
    int coverage;         /* text report: the cases of every coverage class */
} vr_options;

/* What a run found for one proposition. */
typedef struct {
    const vr_prop *prop;
    size_t cases, holds, refuted, undecided, failed;
    double min_bits, max_err_ratio;  /* over the cases */
    double ladder[VR_RUNGS];         /* of the counterexample, or of the last case */
    unsigned classes;                /* union over the cases */
    size_t class_cases[VR_NCLASSES]; /* how many cases hit each class */
    unsigned missing;                /* required classes never hit */
    double seconds;
    int ok;                          /* matches the expectation and coverage is complete */
    vr_case counterexample;          /* shrunk; empty when none */
    vr_result cx_result;
    char *token;                     /* replay token of the counterexample (malloc'd) or NULL */
    char *undecided_token;           /* the first undecided case, and why (malloc'd) or NULL */
    char undecided_note[256];
    size_t shrink_steps;
} vr_summary;

void vr_summary_clear(vr_summary *s);
int vr_run_prop(vr_summary *out, const vr_prop *prop, const vr_options *opt);
/* Checks the single case of a replay token. */
int vr_replay(vr_summary *out, const char *token, const vr_options *opt);

/* `dnnproof explain` (explain.c): one proposition shown in full on f; color marks agreeing
   digits; plot, when not NULL, is a directory for steps.dat and ladder.dat; dims, when not NULL,
   "name=value,..." the worked instance's dimensions (DP_EDIM if no instance has them). */
int vr_explain(FILE *f, const vr_prop *prop, const vr_options *opt, int color, const char *plot,
               const char *dims);
/* Writes DIR/steps.gp and DIR/ladder.gp and renders them where gnuplot is installed; says on f
   which (plots.c). */
int vr_plots(FILE *f, const char *dir, const char *id);

/* Reports (report.c). */
void vr_report_text(FILE *f, const vr_summary *s, size_t n, const vr_options *opt);
void vr_report_json(FILE *f, const vr_summary *s, size_t n, const vr_options *opt);
void vr_report_tap(FILE *f, const vr_summary *s, size_t n, const vr_options *opt);
void vr_report_junit(FILE *f, const vr_summary *s, size_t n, const vr_options *opt);
/* DIR/index.html: one self-contained page (statements, verdicts, counterexamples, ladders). */
int vr_report_html(const char *dir, const vr_summary *s, size_t n, const vr_options *opt);

#endif
