/* plots.c -- gnuplot scripts for `dnnproof explain --plot DIR`: the step curve (error against h,
   log-log) and the precision ladder (bits against p).  The data files and the scripts are always
   written; where gnuplot is installed (Debian's gnuplot-nox) they are rendered to SVG and PNG. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "verify.h"

extern char **environ;

static const char steps_gp[] =
    "set logscale x 2\n"
    "set logscale y 10\n"
    "set format x '2^{%%L}'\n"
    "set format y '10^{%%L}'\n"
    "set xlabel 'step h (smaller to the right)'\n"
    "set xrange [*:*] reverse\n"
    "set ylabel 'relative error of (f(x+h) - f(x-h)) / 2h'\n"
    "set title \"%s: the finite difference's error as the step shrinks\\n"
    "truncation falls as h^2, rounding grows as 2^{-p}/h: the bottom of the V is near 2^{-p/3}\"\n"
    "set key bottom left\n"
    "set grid\n"
    "plot '%s/steps.dat' using 2:3 with linespoints title 'double (p = 53)', \\\n"
    "     '%s/steps.dat' using 2:4 with linespoints title 'MPFR (working precision)'\n";

static const char ladder_gp[] =
    "set xlabel 'working precision p (bits)'\n"
    "set ylabel 'bits of agreement, statement against finite difference'\n"
    "set title \"%s: the precision ladder\\n"
    "a true statement agrees to more bits as p grows; a false one stays near 0\"\n"
    "set key top left\n"
    "set grid\n"
    "set xrange [0:540]\n"
    "set yrange [0:540]\n"
    "plot '%s/ladder.dat' using 1:2 with linespoints pointtype 7 title 'bits agreed', \\\n"
    "     x with lines dashtype 2 title 'p (the most there can be)'\n";

static const char *const terminals[2][2] = {
    {"svg size 900,560 font 'sans,12'", "svg"},
    {"png size 900,560", "png"},
};

static int write_script(const char *dir, const char *name, const char *body, const char *id)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "# %s.gp -- `gnuplot %s.gp` renders %s.svg and %s.png from %s.dat\n", name, name,
            name, name, name);
    for (int t = 0; t < 2; t++) {
        fprintf(f, "set terminal %s\nset output '%s/%s.%s'\n", terminals[t][0], dir, name,
                terminals[t][1]);
        fprintf(f, body, id, dir, dir);
    }
    return fclose(f);
}

/* Runs gnuplot on DIR/NAME.gp; 1 if gnuplot is not installed, 0 on success, -1 if it failed. */
static int render(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    char *argv[] = {"gnuplot", path, NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0); /* gnuplot's warnings */
    int st = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (st == ENOENT)
        return 1;
    int status;
    if (st != 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return 1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int vr_plots(FILE *f, const char *dir, const char *id)
{
    if (strchr(dir, '\'') != NULL || strchr(dir, '"') != NULL) {
        fprintf(stderr, "dnnproof: --plot: the directory's name may not contain quotes\n");
        return DP_EDOMAIN;
    }
    if (write_script(dir, "steps", steps_gp, id) != 0 ||
        write_script(dir, "ladder", ladder_gp, id) != 0) {
        fprintf(stderr, "dnnproof: --plot: cannot write to '%s': %s\n", dir, strerror(errno));
        return DP_EDOMAIN;
    }
    int a = render(dir, "steps"), b = a == 1 ? 1 : render(dir, "ladder");
    if (a == 1 || b == 1)
        fprintf(f, "\ngnuplot is not installed: the data and scripts are in %s "
                   "(apt-get install gnuplot-nox, then gnuplot %s/steps.gp)\n", dir, dir);
    else if (a != 0 || b != 0)
        fprintf(f, "\ngnuplot failed: the data and scripts are in %s\n", dir);
    else
        fprintf(f, "\nplots: %s/steps.svg, %s/steps.png, %s/ladder.svg, %s/ladder.png\n", dir,
                dir, dir, dir);
    return DP_OK;
}
