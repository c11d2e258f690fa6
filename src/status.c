/* status.c -- one-line descriptions of dnnproof's status codes */
#include "dnnproof.h"

const char *dp_strerror(int status)
{
    switch (status) {
    case DP_OK: return "success";
    case DP_EINVAL: return "a required array is NULL";
    case DP_EDIM: return "a dimension is zero";
    case DP_EDOMAIN: return "an input is NaN, infinite or outside the function's domain";
    case DP_ENOMEM: return "out of memory";
    default: return "unknown status";
    }
}
