/* demo.c -- `dnnproof demo`: the document's network (section 5) on one small instance, its global
   loss and layer-recursive gradient in double and in MPFR at 256 bits, side by side. */
#include <stdio.h>
#include "dnnproof.h"

enum { P = 2, N = 2 };

int demo(void);

int demo(void)
{
    /* widths m_1 = 3, m_2 = 4, m_3 = 3 (here m[0..2]); two samples with one-hot labels */
    static const size_t m[P + 1] = {3, 4, 3};
    double W0[12] = {0.5, -1, 0.25, 1, 0.5, -0.5, -0.75, 0.125, 1, 0, 0, 0};
    double b0[4] = {0.1, 0, -0.2, 0.3};
    double W1[12] = {1, -1, 0.5, 0.25, -0.5, 2, 0, 1, 0.75, 0.5, -1, -0.25};
    double b1[3] = {0, 0.5, -0.5};
    double X[N * 3] = {1, 2, -1, 0.5, -0.25, 2};
    double Y[N * 3] = {1, 0, 0, 0, 0, 1};
    double *W[P] = {W0, W1}, *b[P] = {b0, b1};
    dp_net net = {P, m, W, b};

    double gW0[12], gb0[4], gW1[12], gb1[3], loss;
    double *gW[P] = {gW0, gW1}, *gb[P] = {gb0, gb1};
    dp_netws ws;
    int st = dp_netws_init(&ws, m, P);
    if (st == DP_OK)
        st = dp_global_loss_gradient(&loss, gW, gb, &net, X, Y, N, &ws);
    dp_netws_clear(&ws);

    /* the same in MPFR at 256 bits, from the same (exact) double inputs */
    const mpfr_prec_t prec = 256;
    dp_mpws mws;
    dp_mpws_init(&mws, prec);
    mpfr_ptr mW[P], mb[P], mgW[P], mgb[P];
    for (size_t k = 0; k < P; k++) {
        mW[k] = dp_mpvec_init(m[k + 1] * m[k], prec);
        mb[k] = dp_mpvec_init(m[k + 1], prec);
        mgW[k] = dp_mpvec_init(m[k + 1] * m[k], prec);
        mgb[k] = dp_mpvec_init(m[k + 1], prec);
        for (size_t i = 0; i < m[k + 1] * m[k]; i++)
            mpfr_set_d(mW[k] + i, W[k][i], MPFR_RNDN);
        for (size_t i = 0; i < m[k + 1]; i++)
            mpfr_set_d(mb[k] + i, b[k][i], MPFR_RNDN);
    }
    mpfr_ptr mX = dp_mpvec_init(N * 3, prec), mY = dp_mpvec_init(N * 3, prec);
    mpfr_ptr mloss = dp_mpvec_init(1, prec);
    for (size_t i = 0; i < N * 3; i++) {
        mpfr_set_d(mX + i, X[i], MPFR_RNDN);
        mpfr_set_d(mY + i, Y[i], MPFR_RNDN);
    }
    dp_net_mp mnet = {P, m, mW, mb};
    if (st == DP_OK)
        st = dp_global_loss_gradient_mp(mloss, mgW, mgb, &mnet, mX, mY, N, &mws);

    if (st == DP_OK) {
        printf("network widths 3 -> 4 -> 3, ReLU then SoftMax, %d samples, one-hot labels\n", N);
        mpfr_printf("global loss   double %.17g\n              MPFR   %.40Rg\n", loss, mloss);
        for (size_t k = 0; k < P; k++) {
            printf("d loss / d b^%zu (document's layer %zu%s)\n", k, k + 1,
                   k + 1 == P ? ", k = p: no ReLU indicator" : "");
            for (size_t i = 0; i < m[k + 1]; i++)
                mpfr_printf("  %2zu  double % .17e   MPFR % .30Re\n", i, gb[k][i], mgb[k] + i);
        }
    } else {
        fprintf(stderr, "dnnproof: demo: %s\n", dp_strerror(st));
    }
    for (size_t k = 0; k < P; k++) {
        dp_mpvec_clear(mW[k], m[k + 1] * m[k]);
        dp_mpvec_clear(mb[k], m[k + 1]);
        dp_mpvec_clear(mgW[k], m[k + 1] * m[k]);
        dp_mpvec_clear(mgb[k], m[k + 1]);
    }
    dp_mpvec_clear(mX, N * 3);
    dp_mpvec_clear(mY, N * 3);
    dp_mpvec_clear(mloss, 1);
    dp_mpws_clear(&mws);
    return st == DP_OK ? 0 : 1;
}
