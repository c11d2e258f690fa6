/* case.c -- instances of a proposition (named dimensions and arrays) and their replay tokens */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"

void vr_case_init(vr_case *c)
{
    memset(c, 0, sizeof *c);
}

void vr_case_clear(vr_case *c)
{
    for (size_t i = 0; i < c->narr; i++)
        free(c->arr[i].v);
    vr_case_init(c);
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= VR_NAMELEN)
        return 0;
    return strcspn(name, ":=,") == n;
}

int vr_case_dim(vr_case *c, const char *name, size_t value)
{
    if (c->ndim == VR_MAXDIM || !valid_name(name))
        return -1;
    strcpy(c->dimname[c->ndim], name);
    c->dim[c->ndim] = value;
    return (int)c->ndim++;
}

double *vr_case_array(vr_case *c, const char *name, size_t len)
{
    if (c->narr == VR_MAXARR || !valid_name(name) || len == 0)
        return NULL;
    double *v = calloc(len, sizeof *v);
    if (v == NULL)
        return NULL;
    vr_array *a = &c->arr[c->narr++];
    strcpy(a->name, name);
    a->len = len;
    a->v = v;
    return v;
}

const vr_array *vr_case_get(const vr_case *c, const char *name)
{
    for (size_t i = 0; i < c->narr; i++)
        if (!strcmp(c->arr[i].name, name))
            return &c->arr[i];
    return NULL;
}

size_t vr_case_getdim(const vr_case *c, const char *name)
{
    for (size_t i = 0; i < c->ndim; i++)
        if (!strcmp(c->dimname[i], name))
            return c->dim[i];
    return 0;
}

/* ---- tokens ------------------------------------------------------------------------------------ */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *text)
{
    size_t n = strlen(text);
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = 2 * (b->len + n + 1);
        char *s = realloc(b->s, cap);
        if (s == NULL) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

char *vr_token_encode(const char *id, const vr_case *c)
{
    sbuf b = {0};
    char num[64];
    put(&b, "dp1:");
    put(&b, id);
    for (size_t i = 0; i < c->ndim; i++) {
        snprintf(num, sizeof num, ":%s=%zu", c->dimname[i], c->dim[i]);
        put(&b, num);
    }
    for (size_t i = 0; i < c->narr; i++) {
        put(&b, ":");
        put(&b, c->arr[i].name);
        put(&b, "=");
        for (size_t j = 0; j < c->arr[i].len; j++) {
            snprintf(num, sizeof num, "%s%a", j ? "," : "", c->arr[i].v[j]);
            put(&b, num);
        }
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* Parses "name=..." fields separated by ':'.  A field whose value has no ',' and parses as a
   whole decimal without '.', 'x' or 'p' is a dimension; every other field is an array. */
static int parse_field(vr_case *c, char *field)
{
    char *eq = strchr(field, '=');
    if (eq == NULL)
        return DP_EDOMAIN;
    *eq = '\0';
    const char *name = field, *val = eq + 1;
    if (!valid_name(name) || *val == '\0')
        return DP_EDOMAIN;
    if (strspn(val, "0123456789") == strlen(val)) {
        errno = 0;
        char *end;
        unsigned long long d = strtoull(val, &end, 10);
        if (errno != 0 || *end != '\0' || d > 1000000)
            return DP_EDOMAIN;
        return vr_case_dim(c, name, (size_t)d) < 0 ? DP_EDOMAIN : DP_OK;
    }
    size_t n = 1;
    for (const char *p = val; *p; p++)
        n += *p == ',';
    if (n > 10000000)
        return DP_EDOMAIN;
    double *v = vr_case_array(c, name, n);
    if (v == NULL)
        return DP_EDOMAIN;
    const char *p = val;
    for (size_t j = 0; j < n; j++) {
        char *end;
        errno = 0;
        v[j] = strtod(p, &end);
        if (end == p || (errno == ERANGE && isinf(v[j])) || (*end != ',' && *end != '\0'))
            return DP_EDOMAIN;
        p = end + (*end == ',');
    }
    return *p == '\0' ? DP_OK : DP_EDOMAIN;
}

int vr_token_decode(vr_case *c, char *id, size_t idlen, const char *token)
{
    if (c == NULL || id == NULL || token == NULL || idlen == 0)
        return DP_EINVAL;
    if (strncmp(token, "dp1:", 4) != 0)
        return DP_EDOMAIN;
    char *copy = strdup(token + 4);
    if (copy == NULL)
        return DP_ENOMEM;
    int st = DP_OK;
    char *save = NULL, *field = strtok_r(copy, ":", &save);
    if (field == NULL || strlen(field) >= idlen) {
        st = DP_EDOMAIN;
    } else {
        strcpy(id, field);
        while (st == DP_OK && (field = strtok_r(NULL, ":", &save)) != NULL)
            st = parse_field(c, field);
    }
    free(copy);
    if (st != DP_OK)
        vr_case_clear(c);
    return st;
}
