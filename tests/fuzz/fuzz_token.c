/* fuzz_token.c -- libFuzzer target for the replay-token parser (verify/case.c): any bytes either
   decode to a case or are refused with an error code; a decoded case encodes to a token that
   decodes to the same case (exactly: values travel as hex floats).  `make fuzz` builds it;
   docs/verify.md says how to run it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"

static int same_case(const vr_case *a, const vr_case *b)
{
    if (a->ndim != b->ndim || a->narr != b->narr)
        return 0;
    for (size_t i = 0; i < a->ndim; i++)
        if (strcmp(a->dimname[i], b->dimname[i]) || a->dim[i] != b->dim[i])
            return 0;
    for (size_t i = 0; i < a->narr; i++) {
        if (strcmp(a->arr[i].name, b->arr[i].name) || a->arr[i].len != b->arr[i].len)
            return 0;
        /* bit for bit (NaN payloads aside: %a prints every NaN as nan) */
        for (size_t j = 0; j < a->arr[i].len; j++)
            if (memcmp(&a->arr[i].v[j], &b->arr[i].v[j], sizeof(double)) != 0 &&
                !(a->arr[i].v[j] != a->arr[i].v[j] && b->arr[i].v[j] != b->arr[i].v[j]))
                return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    vr_case c, d;
    char id[64], id2[64];
    vr_case_init(&c);
    vr_case_init(&d);
    if (vr_token_decode(&c, id, sizeof id, s) == DP_OK) {
        char *t = vr_token_encode(id, &c);
        if (t != NULL) {
            if (vr_token_decode(&d, id2, sizeof id2, t) != DP_OK || strcmp(id, id2) ||
                !same_case(&c, &d))
                abort(); /* the round trip lost something */
            free(t);
        }
    }
    vr_case_clear(&c);
    vr_case_clear(&d);
    free(s);
    return 0;
}
