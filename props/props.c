/* props.c -- helpers shared by the proposition files */
#include <string.h>
#include "lib.h"
#include "props.h"

const double *pr_arr(const vr_case *c, const char *name, size_t len)
{
    const vr_array *a = vr_case_get(c, name);
    return a != NULL && a->len == len ? a->v : NULL;
}

mpfr_ptr pr_mp(dp_mpws *ws, const double *v, size_t n)
{
    mpfr_ptr x = dp_mpws_push(ws, n);
    for (size_t i = 0; x != NULL && i < n; i++)
        mpfr_set_d(x + i, v[i], MPFR_RNDN);
    return x;
}

size_t pr_dim(const vr_case *c, const char *name, size_t max)
{
    size_t d = vr_case_getdim(c, name);
    return d >= 1 && d <= max ? d : 0;
}

int pr_cce_xi(mpfr_ptr out, mpfr_ptr pre, mpfr_srcptr y, const void *data,
              const signed char *mask, dp_mpws *ws)
{
    const pr_cce_inst *I = data;
    (void)pre, (void)mask;
    dp_mpmark mk = dp_mpws_mark(ws);
    mpfr_ptr yhat = pr_mp(ws, I->yhat, I->m);
    int st = yhat ? vr_lib->cce_mp(out, yhat, y, I->m, ws) : DP_ENOMEM;
    dp_mpws_release(ws, mk);
    return st;
}
