/* mpws.c -- MPFR vectors and the workspace stack of MPFR temporaries */
#include <stdint.h>
#include <stdlib.h>
#include "dnnproof.h"

struct dp_mpblock {
    mpfr_ptr v;  /* cap initialised temporaries */
    size_t cap, used;
};

/* A new block holds at least this many temporaries, so that scalar pushes rarely allocate. */
enum { DP_MPBLOCK_MIN = 64 };

mpfr_ptr dp_mpvec_init(size_t n, mpfr_prec_t prec)
{
    if (n == 0 || n > SIZE_MAX / sizeof(__mpfr_struct))
        return NULL;
    mpfr_ptr v = malloc(n * sizeof(__mpfr_struct));
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        mpfr_init2(v + i, prec);
    return v;
}

void dp_mpvec_clear(mpfr_ptr v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        mpfr_clear(v + i);
    free(v);
}

int dp_mpws_init(dp_mpws *ws, mpfr_prec_t prec)
{
    if (ws == NULL)
        return DP_EINVAL;
    ws->prec = prec;
    ws->blocks = NULL;
    ws->nblocks = 0;
    ws->top = 0;
    if (prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX)
        return DP_EDOMAIN;
    return DP_OK;
}

void dp_mpws_clear(dp_mpws *ws)
{
    if (ws == NULL)
        return;
    for (size_t k = 0; k < ws->nblocks; k++)
        dp_mpvec_clear(ws->blocks[k].v, ws->blocks[k].cap);
    free(ws->blocks);
    ws->blocks = NULL;
    ws->nblocks = ws->top = 0;
}

/* Appends a block of at least n temporaries after the existing ones. */
static int add_block(dp_mpws *ws, size_t n)
{
    size_t cap = n < DP_MPBLOCK_MIN ? DP_MPBLOCK_MIN : n;
    dp_mpblock *blocks = realloc(ws->blocks, (ws->nblocks + 1) * sizeof *blocks);
    if (blocks == NULL)
        return DP_ENOMEM;
    ws->blocks = blocks;
    mpfr_ptr v = dp_mpvec_init(cap, ws->prec);
    if (v == NULL)
        return DP_ENOMEM;
    blocks[ws->nblocks++] = (dp_mpblock){v, cap, 0};
    return DP_OK;
}

mpfr_ptr dp_mpws_push(dp_mpws *ws, size_t n)
{
    if (n == 0)
        n = 1;
    /* Find, from the current block on, the first block with room; the tail of a block that was
       too small stays unused until a release below it. */
    while (ws->top < ws->nblocks && ws->blocks[ws->top].cap - ws->blocks[ws->top].used < n) {
        if (ws->top + 1 == ws->nblocks)
            break;
        ws->top++;
        ws->blocks[ws->top].used = 0;
    }
    if (ws->nblocks == 0 || ws->blocks[ws->top].cap - ws->blocks[ws->top].used < n) {
        if (add_block(ws, n) != DP_OK)
            return NULL;
        ws->top = ws->nblocks - 1;
    }
    dp_mpblock *blk = &ws->blocks[ws->top];
    mpfr_ptr t = blk->v + blk->used;
    blk->used += n;
    return t;
}

dp_mpmark dp_mpws_mark(const dp_mpws *ws)
{
    dp_mpmark mk = {ws->top, ws->nblocks ? ws->blocks[ws->top].used : 0};
    return mk;
}

void dp_mpws_release(dp_mpws *ws, dp_mpmark mark)
{
    if (ws->nblocks == 0)
        return;
    ws->top = mark.block;
    ws->blocks[ws->top].used = mark.used;
}
