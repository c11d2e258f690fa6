/* cli.c -- what every dnnproof subcommand parses the same way (props.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "props.h"

int cli_usage(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "dnnproof: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (try dnnproof --help)\n");
    return 2;
}

int cli_whole(unsigned long long *x, const char *s, unsigned long long lo, unsigned long long hi)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    *x = strtoull(s, &end, 0);
    return errno == 0 && *end == '\0' && *x >= lo && *x <= hi;
}
