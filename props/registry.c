/* registry.c -- every proposition dnnproof checks, in the document's order */
#include <string.h>
#include "verify.h"

extern const vr_prop pr_chain_rule;
extern const vr_prop pr_relu_jacobian;
extern const vr_prop pr_softmax_jacobian;
extern const vr_prop pr_softmax_shift_invariance;
extern const vr_prop pr_softmax_jacobian_symmetry;
extern const vr_prop pr_loss_function;
extern const vr_prop pr_loss_function_as_written;
extern const vr_prop pr_cce_gradient;
extern const vr_prop pr_softmax_cce_gradient;
extern const vr_prop pr_softmax_cce_gradient_as_written;
extern const vr_prop pr_softmax_cce_gradient_sum;
extern const vr_prop pr_dense_partials;
extern const vr_prop pr_dense_backward;
extern const vr_prop pr_dense_relu_partials;
extern const vr_prop pr_dense_relu_partials_weight;
extern const vr_prop pr_dense_relu_partials_y;
extern const vr_prop pr_dense_relu_partials_y_closed;
extern const vr_prop pr_network_gradient;
extern const vr_prop pr_network_gradient_last;
extern const vr_prop pr_network_gradient_weights;
extern const vr_prop pr_sgd_step;

const vr_prop *const vr_props[] = {
    &pr_chain_rule,
    &pr_relu_jacobian,
    &pr_softmax_jacobian,
    &pr_softmax_shift_invariance,
    &pr_softmax_jacobian_symmetry,
    &pr_loss_function,
    &pr_loss_function_as_written,
    &pr_cce_gradient,
    &pr_softmax_cce_gradient,
    &pr_softmax_cce_gradient_as_written,
    &pr_softmax_cce_gradient_sum,
    &pr_dense_partials,
    &pr_dense_backward,
    &pr_dense_relu_partials,
    &pr_dense_relu_partials_weight,
    &pr_dense_relu_partials_y,
    &pr_dense_relu_partials_y_closed,
    &pr_network_gradient,
    &pr_network_gradient_last,
    &pr_network_gradient_weights,
    &pr_sgd_step,
};
const size_t vr_nprops = sizeof vr_props / sizeof vr_props[0];

void net_describe(FILE *f, const vr_case *c); /* net.c */

const vr_describer vr_describers[] = {
    {"network-gradient", net_describe},
    {"sgd-step", net_describe},
};
const size_t vr_ndescribers = sizeof vr_describers / sizeof vr_describers[0];

const vr_prop *vr_prop_find(const char *id)
{
    for (size_t i = 0; i < vr_nprops; i++)
        if (!strcmp(vr_props[i]->id, id))
            return vr_props[i];
    return NULL;
}
