/* net_kink.c -- wrong: good.c with ReLU'(0) = 1 (z >= 0) in the network's backward pass only.
   Right everywhere but where a hidden pre-activation is exactly 0, which integer networks and
   zero weights make exact in any order of summation. */
#define NET_ACTIVE(z) ((z) >= 0)
#include "good.c"
