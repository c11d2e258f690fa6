/* check_src.c -- runs the Check suites of the ground floor (src/): activation, loss, dense,
   network.  `check_src --list-mutants` prints one "name tcase" line per mutant instead; with
   DP_MUTANT=name in the environment the suites run against that mutant (tests/mutants.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpfr.h>
#include "impl.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--list-mutants") == 0) {
        for (size_t i = 0; i < dp_nmutants; i++)
            printf("%s %s\n", dp_mutants[i].name, dp_mutants[i].tcase);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: %s [--list-mutants]\n", argv[0]);
        return 2;
    }
    dp_impl_select();
    SRunner *sr = srunner_create(activation_suite());
    srunner_add_suite(sr, loss_suite());
    srunner_add_suite(sr, dense_suite());
    srunner_add_suite(sr, network_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    mpfr_free_cache(); /* the constants' caches (log 2), so that valgrind sees nothing left */
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
