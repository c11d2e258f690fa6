/* source.c -- the source of choices: a seeded xoshiro256** whose draws are recorded for replay */
#include <stdlib.h>
#include <string.h>
#include "verify.h"

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna): small, fast, and the same stream on every platform. */
static uint64_t next(uint64_t s[4])
{
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

void vr_src_seed(vr_src *src, uint64_t seed)
{
    memset(src, 0, sizeof *src);
    for (int i = 0; i < 4; i++) { /* splitmix64 expands the seed into the state */
        uint64_t z = (seed += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        src->s[i] = z ^ (z >> 31);
    }
}

void vr_src_replay(vr_src *src, const uint64_t *choices, size_t n)
{
    memset(src, 0, sizeof *src);
    src->replay = 1;
    if (n == 0)
        return;
    src->buf = malloc(n * sizeof *choices);
    if (src->buf == NULL)
        return; /* replays as all-zero choices: the simplest case */
    memcpy(src->buf, choices, n * sizeof *choices);
    src->len = src->cap = n;
}

void vr_src_clear(vr_src *src)
{
    free(src->buf);
    memset(src, 0, sizeof *src);
}

static void record(vr_src *src, uint64_t x)
{
    if (src->len == src->cap) {
        size_t cap = src->cap ? 2 * src->cap : 64;
        uint64_t *buf = realloc(src->buf, cap * sizeof *buf);
        if (buf == NULL)
            return; /* the case still runs; only its shrinking is shorter */
        src->buf = buf;
        src->cap = cap;
    }
    src->buf[src->len++] = x;
}

uint64_t vr_draw(vr_src *src, uint64_t bound)
{
    uint64_t x;
    if (src->replay)
        x = src->pos < src->len ? src->buf[src->pos] : 0;
    else
        record(src, x = next(src->s));
    src->pos++;
    return bound ? x % bound : x;
}
