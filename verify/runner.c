/* runner.c -- the property runner: generate instances with sizes growing from 1, check each,
   shrink the first failure to a minimal counterexample, and report coverage. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "verify.h"

/* Sizes grow from 1 to this over a run: dimensions up to about VR_MAXSIZE + 1. */
enum { VR_MAXSIZE = 6, VR_SHRINK_BUDGET = 400 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Each case has its own seed, a hash of the run's seed, the proposition and the case number, so
   that a case does not depend on those before it. */
static uint64_t case_seed(uint64_t seed, const char *id, size_t i)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a of the id */
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3u;
    return seed ^ h ^ (0x9e3779b97f4a7c15u * (uint64_t)(i + 1));
}

static int failing(vr_verdict v)
{
    return v == VR_REFUTED || v == VR_FAILED;
}

/* Generates and checks the case that src's choices give. */
static int run_case(vr_result *r, vr_case *c, const vr_prop *prop, vr_src *src, size_t size,
                    vr_ctx *ctx)
{
    vr_case_init(c);
    vr_result_init(r);
    int st = prop->generate(c, src, size);
    if (st == DP_OK)
        st = prop->check(r, c, ctx);
    if (st != DP_OK) {
        r->verdict = VR_FAILED;
        snprintf(r->note, sizeof r->note, "check could not run: %s", dp_strerror(st));
    }
    return st;
}

static int replays_failing(const vr_prop *prop, const uint64_t *b, size_t n, size_t size,
                           vr_ctx *ctx, vr_verdict want)
{
    vr_src src;
    vr_case c;
    vr_result r;
    vr_src_replay(&src, b, n);
    run_case(&r, &c, prop, &src, size, ctx);
    vr_case_clear(&c);
    vr_src_clear(&src);
    return r.verdict == want;
}

/* Shrinks the recorded choices b[0..n) of a failing case: each pass tries dropping the tail,
   deleting runs of choices, and, for every choice, 0, half of it and one less.  A change is kept
   when the case still fails the same way.  Returns the number of changes kept. */
static size_t shrink(uint64_t *b, size_t *n, const vr_prop *prop, size_t size, vr_ctx *ctx,
                     vr_verdict want)
{
    size_t kept = 0, tries = 0;
    for (int improved = 1; improved && tries < VR_SHRINK_BUDGET;) {
        improved = 0;
        for (size_t half = *n / 2; half > 0 && tries < VR_SHRINK_BUDGET; half /= 2) {
            tries++;
            if (replays_failing(prop, b, *n - half, size, ctx, want)) {
                *n -= half;
                kept++;
                improved = 1;
            }
        }
        /* delete runs of 4, 3, 2, 1 choices (a generated value takes up to 4 draws): what
           followed now means what they meant (a smaller depth, one value fewer) */
        for (size_t run = 4; run > 0; run--) {
            for (size_t i = 0; i + run <= *n && tries < VR_SHRINK_BUDGET; i++) {
                uint64_t del[4];
                memcpy(del, b + i, run * sizeof *b);
                memmove(b + i, b + i + run, (*n - i - run) * sizeof *b);
                tries++;
                if (replays_failing(prop, b, *n - run, size, ctx, want)) {
                    *n -= run;
                    kept++;
                    improved = 1;
                    continue;
                }
                memmove(b + i + run, b + i, (*n - i - run) * sizeof *b);
                memcpy(b + i, del, run * sizeof *b);
            }
        }
        for (size_t i = 0; i < *n && tries < VR_SHRINK_BUDGET; i++) {
            uint64_t old = b[i], cand[3] = {0, old / 2, old - 1};
            for (int k = 0; k < 3 && old > 0 && tries < VR_SHRINK_BUDGET; k++) {
                if (cand[k] >= old || (k > 0 && cand[k] == cand[k - 1]))
                    continue;
                b[i] = cand[k];
                tries++;
                if (replays_failing(prop, b, *n, size, ctx, want)) {
                    kept++;
                    improved = 1;
                    break;
                }
                b[i] = old;
            }
        }
    }
    return kept;
}

void vr_summary_clear(vr_summary *s)
{
    vr_case_clear(&s->counterexample);
    free(s->token);
    free(s->undecided_token);
    memset(s, 0, sizeof *s);
}

static void summary_init(vr_summary *s, const vr_prop *prop)
{
    memset(s, 0, sizeof *s);
    s->prop = prop;
    s->min_bits = INFINITY;
    s->max_err_ratio = NAN;
    for (int i = 0; i < VR_RUNGS; i++)
        s->ladder[i] = NAN;
    vr_case_init(&s->counterexample);
    vr_result_init(&s->cx_result);
}

static void tally(vr_summary *s, const vr_result *r)
{
    s->cases++;
    switch (r->verdict) {
    case VR_HOLDS: s->holds++; break;
    case VR_REFUTED: s->refuted++; break;
    case VR_UNDECIDED: s->undecided++; break;
    default: s->failed++; break;
    }
    s->classes |= r->classes;
    for (unsigned b = 0; b < VR_NCLASSES; b++)
        s->class_cases[b] += (r->classes >> b) & 1u;
    if (r->verdict == VR_HOLDS)
        s->min_bits = fmin(s->min_bits, r->bits);
    if (!isnan(r->err_ratio))
        s->max_err_ratio = isnan(s->max_err_ratio) ? r->err_ratio
                                                   : fmax(s->max_err_ratio, r->err_ratio);
}

static void finish(vr_summary *s, double t0)
{
    const vr_prop *p = s->prop;
    s->missing = p->expect == VR_EXPECT_HOLDS ? p->required & ~s->classes : 0;
    if (p->expect == VR_EXPECT_HOLDS)
        s->ok = s->refuted == 0 && s->failed == 0 && s->missing == 0 && s->holds > 0;
    else
        s->ok = s->refuted > 0;
    s->seconds = now() - t0;
}

static int ctx_init(vr_ctx *ctx, const vr_options *opt)
{
    ctx->prec = opt->prec;
    ctx->ladder = opt->ladder;
    ctx->trace = NULL;
    ctx->color = 0;
    ctx->plot = NULL;
    return dp_mpws_init(&ctx->ws, opt->prec);
}

int vr_run_prop(vr_summary *s, const vr_prop *prop, const vr_options *opt)
{
    double t0 = now();
    vr_ctx ctx;
    summary_init(s, prop);
    int st = ctx_init(&ctx, opt);
    double ladder_bits = INFINITY;
    for (size_t i = 0; st == DP_OK && i < opt->cases; i++) {
        size_t size = 1 + i * VR_MAXSIZE / (opt->cases > 1 ? opt->cases - 1 : 1);
        vr_src src;
        vr_case c;
        vr_result r;
        vr_src_seed(&src, case_seed(opt->seed, prop->id, i));
        /* the ladder is climbed on the last tenth of the cases, the largest; the report shows the
           one that agreed least at the working precision, the least trivial */
        int climbs = opt->ladder || i >= opt->cases - (opt->cases + 9) / 10;
        ctx.ladder = climbs;
        run_case(&r, &c, prop, &src, size, &ctx);
        ctx.ladder = 0;
        tally(s, &r);
        if (failing(r.verdict)) {
            size_t n = src.len;
            s->shrink_steps = shrink(src.buf, &n, prop, size, &ctx, r.verdict);
            vr_case_clear(&c);
            vr_src sr;
            vr_src_replay(&sr, src.buf, n);
            ctx.ladder = 1;
            run_case(&s->cx_result, &s->counterexample, prop, &sr, size, &ctx);
            vr_src_clear(&sr);
            s->token = vr_token_encode(prop->id, &s->counterexample);
            for (int k = 0; k < VR_RUNGS; k++)
                s->ladder[k] = s->cx_result.ladder[k];
            vr_src_clear(&src);
            break; /* one minimal counterexample is the evidence */
        }
        if (r.verdict == VR_UNDECIDED && s->undecided_token == NULL) {
            s->undecided_token = vr_token_encode(prop->id, &c);
            memcpy(s->undecided_note, r.note, sizeof r.note);
        }
        /* (a case decided only at an escalated precision has no low rungs to show) */
        if (climbs && r.verdict == VR_HOLDS && !isnan(r.ladder[VR_RUNGS - 1]) &&
            !strstr(r.note, "decided at") && !(r.bits >= ladder_bits)) {
            ladder_bits = r.bits;
            for (int k = 0; k < VR_RUNGS; k++)
                s->ladder[k] = r.ladder[k];
        }
        vr_case_clear(&c);
        vr_src_clear(&src);
    }
    dp_mpws_clear(&ctx.ws);
    finish(s, t0);
    return st;
}

int vr_replay(vr_summary *s, const char *token, const vr_options *opt)
{
    double t0 = now();
    char id[64];
    vr_case c;
    vr_case_init(&c);
    int st = vr_token_decode(&c, id, sizeof id, token);
    if (st != DP_OK)
        return st;
    const vr_prop *prop = vr_prop_find(id);
    if (prop == NULL) {
        vr_case_clear(&c);
        return DP_EDOMAIN;
    }
    vr_ctx ctx;
    summary_init(s, prop);
    st = ctx_init(&ctx, opt);
    if (st == DP_OK) {
        ctx.ladder = 1; /* a replay always shows the ladder */
        st = prop->check(&s->cx_result, &c, &ctx);
    }
    if (st == DP_OK) {
        tally(s, &s->cx_result);
        for (int k = 0; k < VR_RUNGS; k++)
            s->ladder[k] = s->cx_result.ladder[k];
        s->counterexample = c;
        s->token = vr_token_encode(prop->id, &c);
    } else {
        vr_case_clear(&c);
    }
    dp_mpws_clear(&ctx.ws);
    finish(s, t0);
    s->missing = 0; /* one case: coverage is not the point */
    s->ok = prop->expect == VR_EXPECT_HOLDS ? s->holds == 1 : s->refuted == 1;
    return st;
}
