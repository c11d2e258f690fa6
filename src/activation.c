/* activation.c -- section 3, activation functions: ReLU and SoftMax with their Jacobians */
#include "internal.h"

/* ---- ReLU(z)_j = max(0, z_j) --------------------------------------------------------------- */

int dp_relu(double *out, const double *z, size_t m)
{
    DP_NEED(out && z, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(z, m));
    for (size_t j = 0; j < m; j++)
        out[j] = z[j] > 0 ? z[j] : 0.0; /* -0.0 is not > 0: ReLU(-0.0) = +0.0 */
    return DP_OK;
}

int dp_relu_mp(mpfr_ptr out, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    DP_NEED(out && z && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(z, m));
    for (size_t j = 0; j < m; j++) {
        if (mpfr_sgn(z + j) > 0)
            mpfr_set(out + j, z + j, MPFR_RNDN);
        else
            mpfr_set_zero(out + j, +1);
    }
    return DP_OK;
}

/* dReLU/dz = diag(1[z_j > 0]): ReLU_j'(0) = 0 is the document's hypothesis. */

int dp_relu_jacobian(double *J, const double *z, size_t m)
{
    DP_NEED(J && z, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(z, m));
    for (size_t j = 0; j < m; j++)
        for (size_t k = 0; k < m; k++)
            J[j * m + k] = (j == k && z[j] > 0) ? 1.0 : 0.0;
    return DP_OK;
}

int dp_relu_jacobian_mp(mpfr_ptr J, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    DP_NEED(J && z && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(z, m));
    for (size_t j = 0; j < m; j++)
        for (size_t k = 0; k < m; k++)
            mpfr_set_ui(J + j * m + k, (j == k && mpfr_sgn(z + j) > 0) ? 1 : 0, MPFR_RNDN);
    return DP_OK;
}

/* ---- S(z)_j = e^{z_j} / sum_j' e^{z_j'} ------------------------------------------------------ */

/* Index of the first maximum of z. */
static size_t argmax(const double *z, size_t m)
{
    size_t k = 0;
    for (size_t j = 1; j < m; j++)
        if (z[j] > z[k])
            k = j;
    return k;
}

static size_t argmax_mp(mpfr_srcptr z, size_t m)
{
    size_t k = 0;
    for (size_t j = 1; j < m; j++)
        if (mpfr_greater_p(z + j, z + k))
            k = j;
    return k;
}

/* e[j] = e^{z_j - z_k} for k = argmax z, and returns t = sum_{j != k} e[j], so that
   sum_j e^{z_j} = e^{z_k} (1 + t).  Every exponent is <= 0: nothing overflows, and 1 + t is in
   [1, m].  Shared by SoftMax and the cross-entropy after SoftMax (loss.c); e may be NULL. */
double dp_softmax_tail(double *e, const double *z, size_t m, size_t *kmax)
{
    size_t k = argmax(z, m);
    double t = 0.0;
    for (size_t j = 0; j < m; j++) {
        double ej = exp(z[j] - z[k]);
        if (e != NULL)
            e[j] = ej;
        if (j != k)
            t += ej;
    }
    *kmax = k;
    return t;
}

void dp_softmax_tail_mp(mpfr_ptr t, mpfr_ptr e, mpfr_srcptr z, size_t m, size_t *kmax)
{
    size_t k = argmax_mp(z, m);
    mpfr_set_zero(t, +1);
    for (size_t j = 0; j < m; j++) {
        mpfr_sub(e + j, z + j, z + k, MPFR_RNDN);
        mpfr_exp(e + j, e + j, MPFR_RNDN);
        if (j != k)
            mpfr_add(t, t, e + j, MPFR_RNDN);
    }
    *kmax = k;
}

int dp_softmax(double *S, const double *z, size_t m)
{
    DP_NEED(S && z, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite(z, m));
    size_t k;
    double sum = 1.0 + dp_softmax_tail(S, z, m, &k);
    for (size_t j = 0; j < m; j++)
        S[j] /= sum;
    return DP_OK;
}

int dp_softmax_mp(mpfr_ptr S, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    DP_NEED(S && z && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    DP_TRY(dp_finite_mp(z, m));
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr sum = dp_mpws_push(ws, 1);
    DP_NEED(sum, DP_ENOMEM);
    size_t k;
    dp_softmax_tail_mp(sum, S, z, m, &k);
    mpfr_add_ui(sum, sum, 1, MPFR_RNDN);
    for (size_t j = 0; j < m; j++)
        mpfr_div(S + j, S + j, sum, MPFR_RNDN);
    dp_mpws_release(ws, mk);
    return DP_OK;
}

/* dS/dz_{j,j'} = S_j (delta_jj' - S_j').  Off the diagonal: -S_j S_j'.  On it: S_j (1 - S_j),
   written S_j * sum_{k != j} S_k, a sum of positive terms (1 - S_j cancels when S_j ~ 1).
   S is first computed into the last row of J, which is overwritten last, entry by entry. */

int dp_softmax_jacobian(double *J, const double *z, size_t m)
{
    DP_NEED(J && z, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    double *S = J + (m - 1) * m;
    DP_TRY(dp_softmax(S, z, m));
    for (size_t j = 0; j < m; j++) {
        double rest = 0.0; /* 1 - S_j = sum_{k != j} S_k */
        for (size_t k = 0; k < m; k++)
            if (k != j)
                rest += S[k];
        double Sj = S[j]; /* kept: row m-1 overwrites S itself, each S[jp] read before written */
        for (size_t jp = 0; jp < m; jp++)
            J[j * m + jp] = jp == j ? Sj * rest : -Sj * S[jp];
    }
    return DP_OK;
}

int dp_softmax_jacobian_mp(mpfr_ptr J, mpfr_srcptr z, size_t m, dp_mpws *ws)
{
    DP_NEED(J && z && ws, DP_EINVAL);
    DP_NEED(m > 0, DP_EDIM);
    mpfr_ptr S = J + (m - 1) * m;
    DP_TRY(dp_softmax_mp(S, z, m, ws));
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr rest = dp_mpws_push(ws, 2);
    DP_NEED(rest, DP_ENOMEM);
    mpfr_ptr Sj = rest + 1;
    for (size_t j = 0; j < m; j++) {
        mpfr_set_zero(rest, +1);
        for (size_t k = 0; k < m; k++)
            if (k != j)
                mpfr_add(rest, rest, S + k, MPFR_RNDN);
        mpfr_set(Sj, S + j, MPFR_RNDN);
        for (size_t jp = 0; jp < m; jp++) {
            if (jp == j) {
                mpfr_mul(J + j * m + jp, Sj, rest, MPFR_RNDN);
            } else {
                mpfr_mul(J + j * m + jp, Sj, S + jp, MPFR_RNDN);
                mpfr_neg(J + j * m + jp, J + j * m + jp, MPFR_RNDN);
            }
        }
    }
    dp_mpws_release(ws, mk);
    return DP_OK;
}
