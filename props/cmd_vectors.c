/* cmd_vectors.c -- `dnnproof vectors`: argument parsing only; the work is verify/vectors*.c.
     dnnproof vectors --out DIR [--cases N] [--seed S]   writes the golden vectors
     dnnproof vectors --check FILE...                    validates and re-derives them
   Exit 0 when done (every file checks), 1 when a checked value differs from the reference's,
   2 on a usage error, a malformed file or a file that cannot be written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "props.h"
#include "vectors.h"

static int write_vectors(const char *dir, unsigned long long seed, size_t cases)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0) {
        fprintf(stderr, "dnnproof: vectors: cannot make directory '%s': %s\n", dir,
                strerror(errno));
        return 2;
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "dnnproof: vectors: '%s' is not a directory\n", dir);
        return 2;
    }
    char err[512];
    int st = vr_vectors_write(dir, seed, cases, stdout, err, sizeof err);
    if (st != DP_OK) {
        fprintf(stderr, "dnnproof: vectors: %s\n", err);
        return 2;
    }
    printf("%d files and %s/README: seed %llu, %zu cases a file\n", 2 * VR_NOPS, dir, seed, cases);
    return 0;
}

static int check_vectors(char **files, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        size_t cases = 0;
        int r = vr_vectors_check_file(files[i], stderr, &cases);
        printf("%-4s %s: %zu case%s%s\n", r == 0 ? "ok" : "FAIL", files[i], cases,
               cases == 1 ? "" : "s",
               r == 0 ? ", every expected value, decimal, bound and flag re-derived"
               : r == 1 ? ", values that differ from the reference's (above)"
                        : ", malformed (above)");
        rc = r > rc ? r : rc;
    }
    return rc;
}

int cmd_vectors(int argc, char **argv)
{
    const char *out = NULL;
    unsigned long long seed = 1, cases = 200;
    int check = 0, first = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (check) {
            if (first == 0)
                first = i;
        } else if (!strcmp(a, "--out")) {
            if (v == NULL)
                return cli_usage("vectors", "%s needs a directory", a);
            out = v, i++;
        } else if (!strcmp(a, "--cases")) {
            if (!cli_whole(&cases, v, 1, 100000))
                return cli_usage("vectors",
                                 "--cases needs a whole number from 1 to 100000, not '%s'",
                                 v ? v : "");
            i++;
        } else if (!strcmp(a, "--seed")) {
            /* JSON readers that hold numbers in doubles read up to 2^53 exactly */
            if (!cli_whole(&seed, v, 0, 1ull << 53))
                return cli_usage("vectors",
                                 "--seed needs a whole number from 0 to 2^53, not '%s'",
                                 v ? v : "");
            i++;
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else {
            return cli_usage("vectors", "unknown option '%s'", a);
        }
    }
    if (check && (out != NULL || first == 0))
        return cli_usage("vectors", "%s takes one or more files, and no --out", "--check");
    if (check)
        return check_vectors(argv + first, argc - first);
    if (out == NULL)
        return cli_usage("vectors", "%s needs --out DIR or --check FILE...", "vectors");
    return write_vectors(out, seed, (size_t)cases);
}
