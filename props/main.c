/* main.c -- the dnnproof command: argument parsing and dispatch only */
#include <stdio.h>
#include <string.h>
#include "dnnproof.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: dnnproof demo\n"
               "  demo   evaluate the document's objects on a small network, double vs MPFR\n");
    return f == stdout ? 0 : 2;
}

int demo(void); /* demo.c */

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        return usage(stdout);
    if (!strcmp(argv[1], "demo") && argc == 2)
        return demo();
    fprintf(stderr, "dnnproof: unknown command '%s' (try dnnproof --help)\n", argv[1]);
    return 2;
}
