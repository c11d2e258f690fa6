/* check_verify.c -- the verification engine's and the propositions' Check suites */
#include <stdlib.h>
#include <check.h>
#include <mpfr.h>
#include "verify.h"

Suite *engine_suite(void);
Suite *token_suite(void);
Suite *fd_suite(void); /* tests/verify_fd.c: the finite-difference engine, verify/fd.c */
Suite *explain_suite(void);
Suite *props_suite(void);
Suite *plugin_suite(void);
Suite *vectors_suite(void); /* tests/verify_vectors.c: golden vectors, verify/vectors*.c */
Suite *exec_suite(void); /* tests/verify_exec.c: --exec adapters */
Suite *consistency_suite(void); /* tests/verify_consistency.c: verify/consistency.c */
Suite *netcheck_suite(void); /* tests/verify_netcheck.c: §5's theorem at real sizes */

int main(void)
{
    SRunner *sr = srunner_create(engine_suite());
    srunner_add_suite(sr, token_suite());
    srunner_add_suite(sr, fd_suite());
    srunner_add_suite(sr, explain_suite());
    srunner_add_suite(sr, props_suite());
    srunner_add_suite(sr, plugin_suite());
    srunner_add_suite(sr, vectors_suite());
    srunner_add_suite(sr, exec_suite());
    srunner_add_suite(sr, consistency_suite());
    srunner_add_suite(sr, netcheck_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    mpfr_free_cache(); /* so that valgrind sees nothing still reachable */
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
