/* lib.c -- the built-in table: src/'s functions, for the propositions (and the tests) to call */
#include "lib.h"

#define ENTRY(f) .f = dp_##f, .f##_mp = dp_##f##_mp
const vr_impl vr_builtin = {
    ENTRY(relu), ENTRY(relu_jacobian), ENTRY(softmax), ENTRY(softmax_jacobian),
    ENTRY(cce), ENTRY(cce_gradient), ENTRY(softmax_cce), ENTRY(softmax_cce_gradient),
    ENTRY(softmax_cce_gradient_general),
    ENTRY(dense), ENTRY(dense_jacobian_y), ENTRY(dense_gradient_w), ENTRY(dense_jacobian_b),
    ENTRY(dense_backward), ENTRY(dense_relu_backward),
    ENTRY(network), ENTRY(global_loss), ENTRY(global_loss_gradient), ENTRY(sgd_step),
};
#undef ENTRY

const vr_impl *vr_lib = &vr_builtin;
