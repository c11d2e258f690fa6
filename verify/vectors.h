/* vectors.h -- golden vectors (docs/vectors.md): JSON-lines files of cases of every op of the
   implementation ABI (abi.h), in double and float32, each with its exact inputs, the reference
   correctly rounded to the precision (confirmed Ziv-style at rising MPFR precisions), a
   40-digit decimal of it, the bound any backward-stable implementation meets, flags and a
   comment; written by `dnnproof vectors --out DIR` and read back, validated and re-derived by
   `dnnproof vectors --check FILE...`.  vectors.c derives and writes, vectors_read.c reads. */
#ifndef DNNPROOF_VERIFY_VECTORS_H
#define DNNPROOF_VERIFY_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include "abi.h"

enum { VR_VECTORS_VERSION = 1 };
/* The header's "generator"; keep in step with the Makefile's VERSION. */
#define VR_VECTORS_GENERATOR "dnnproof 0.1.0"

/* The rounding is first taken from the reference at VR_VEC_PREC0 bits and confirmed at twice
   that; an entry the two leave undecided climbs by doubling up to VR_VEC_PRECMAX. */
enum { VR_VEC_PREC0 = 256, VR_VEC_PRECMAX = 16384 };

/* The flags of a case, in the order they are written (docs/vectors.md says what each means). */
enum {
    VR_VF_KINK, VR_VF_NEAR_KINK, VR_VF_DEAD_LAYER, VR_VF_LARGE_LOGITS, VR_VF_OVERFLOW_NAIVE,
    VR_VF_TIE, VR_VF_CANCELLATION, VR_VF_SUBNORMAL, VR_VF_TINY, VR_VF_UNDERFLOW, VR_VF_OVERFLOW,
    VR_VF_NEG_ZERO, VR_VF_M1, VR_VF_DEEP, VR_VF_N
};
const char *vr_vflag_name(int f);  /* "kink", ...; "?" out of range */
const char *vr_vflag_note(int f);  /* one sentence: what the flag means */
int vr_vflag_of(const char *name); /* -1 for an unknown name */

/* What dnnproof derives for one case: everything a vector holds but the inputs. */
typedef struct {
    size_t q;            /* the call's packed outputs (abi.h) */
    double *expected;    /* q: the exact result rounded to nearest-even in the precision */
    char (*decimal)[64]; /* q: the exact result to 40 significant digits, "%.39Re" */
    double *bound;       /* q: vr_abi_bound's, |got - exact| <= bound */
    int decided;         /* every entry's rounding confirmed below VR_VEC_PRECMAX bits */
    mpfr_prec_t prec;    /* the highest precision the confirmation needed */
    size_t cancelled;    /* entries 0 within 2^-(PRECMAX/4) only, written 0 */
    unsigned flags;      /* bit VR_VF_x */
    char comment[320];
} vr_vector;

/* Derives v from call k in the precision (f32: float32).  DP_OK (look at v->decided), DP_ENOMEM,
   or DP_EDOMAIN when the reference refuses the inputs.  vr_vector_clear frees v (also after a
   failure). */
int vr_vector_derive(vr_vector *v, const vr_call *k, int f32);
void vr_vector_clear(vr_vector *v);

/* x rounded to nearest-even in binary64 (f32 = 0) or binary32 (f32 = 1), subnormals and overflow
   included, in one rounding (no double rounding through double for float32). */
double vr_vec_round(mpfr_srcptr x, int f32);

/* The numbers of a vector file.  vr_vec_parse reads "inf", "-inf", "nan" or a C99 hex float,
   [-]0xh[.h]p[+-]d, that a double holds exactly (no more digits, no more range): NULL, or what is
   wrong.  vr_vec_decimal_ok: s is a decimal as expected_decimal holds them, [-]d.<39 digits>e[+-]dd
   ("%.39Re").  vr_vec_same_decimal: two of them equal, the sign of a zero aside. */
const char *vr_vec_parse(double *x, const char *s);
int vr_vec_decimal_ok(const char *s);
int vr_vec_same_decimal(const char *a, const char *b);

/* One case as a line of JSON (malloc'd, ending in '\n'); NULL when out of memory. */
char *vr_vector_line(const char *id, const vr_call *k, int f32, const vr_vector *v);

/* The file name of an op's vectors in the precision: "softmax.float32.jsonl". */
void vr_vectors_filename(char *buf, size_t len, int op, int f32);

/* Writes the 2 * VR_NOPS files of `cases` cases each into the directory dir (which must exist)
   and dir/README, deterministically from seed (the same seed gives byte-identical files).
   progress, when not NULL, gets one line per file.  DP_OK, or an error with one line in err. */
int vr_vectors_write(const char *dir, uint64_t seed, size_t cases, FILE *progress, char *err,
                     size_t errlen);

/* Reads one vector file's text (len bytes, name for messages), validates it strictly (header,
   version, keys, shapes, numbers, unique ids, the announced number of cases) and re-derives
   every case.  Returns 0 when every case checks, 1 when a well-formed file's value differs from
   the reference's (one line per case on err: file:line: id: what), 2 when the file is malformed
   (one line on err: file:line: what is wrong; reading stops there).  *ncases (may be NULL) gets
   the number of cases read. */
int vr_vectors_check_buffer(const char *buf, size_t len, const char *name, FILE *err,
                            size_t *ncases);
/* The same on a file; 2 with one line when it cannot be read. */
int vr_vectors_check_file(const char *path, FILE *err, size_t *ncases);

#endif
