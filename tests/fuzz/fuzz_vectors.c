/* fuzz_vectors.c -- libFuzzer target for the golden-vector reader (verify/vectors_read.c): any
   bytes, as a vector file, either check (0), differ from the reference (1, one line a case) or
   are refused with one line naming file:line (2); never a crash, a hang, a leak or undefined
   behaviour, and nothing else is returned.  `make fuzz` builds it; docs/vectors.md says how to
   run it (corpus: tests/fuzz/corpus/vectors). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
        abort();
    if (size > 1 << 16) /* a case's reference at up to 16384 bits is slow enough */
        return 0;
    size_t n = 0;
    int rc = vr_vectors_check_buffer((const char *)data, size, "fuzz", sink, &n);
    if (rc < 0 || rc > 2)
        abort();
    return 0;
}
