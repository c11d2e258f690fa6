/* hang.c -- ReLU that never returns. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>
#include "dnnp_impl.h"

int dnnp_relu(size_t m, const double *z, double *out)
{
    (void)m, (void)z, (void)out;
    for (;;)
        sleep(1);
}
