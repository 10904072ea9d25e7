#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* strtod that must consume at least one char and yield a finite number. */
static int parse_number(const char *s, double *out, const char **end)
{
    char *e;
    if (s == NULL || *s == '\0' || *s == ' ' || *s == '+' || *s == '-')
        return -EINVAL;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || errno != 0 || !isfinite(v))
        return -EINVAL;
    *out = v;
    *end = e;
    return 0;
}

static int unit_ns(const char *u, double *mult)
{
    static const struct { const char *name; double ns; } units[] = {
        {"", 1e9}, {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(u, units[i].name) == 0) {
            *mult = units[i].ns;
            return 0;
        }
    }
    return -EINVAL;
}

int salvo_parse_duration(const char *s, int64_t *out_ns)
{
    double v, mult;
    const char *end;
    if (parse_number(s, &v, &end) < 0 || unit_ns(end, &mult) < 0)
        return -EINVAL;
    double ns = v * mult;
    if (ns < 0 || ns > 9e18)
        return -EINVAL;
    *out_ns = (int64_t)ns;
    return 0;
}

int salvo_parse_rate(const char *s, double *out_per_sec)
{
    double v, per = 1;
    const char *end;
    if (parse_number(s, &v, &end) < 0 || v <= 0)
        return -EINVAL;
    if (*end == '/') {
        end++;
        if (strcmp(end, "s") == 0 || strcmp(end, "sec") == 0)
            per = 1;
        else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
            per = 60;
        else if (strcmp(end, "h") == 0)
            per = 3600;
        else
            return -EINVAL;
    } else if (*end != '\0') {
        return -EINVAL;
    }
    *out_per_sec = v / per;
    return 0;
}

int salvo_parse_window(const char *s, uint32_t *out_n, int64_t *out_period_ns)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (slash == NULL || slash == s || (size_t)(slash - s) > 10)
        return -EINVAL;
    char num[16];
    memcpy(num, s, (size_t)(slash - s));
    num[slash - s] = '\0';
    uint64_t n;
    int64_t period;
    if (salvo_parse_uint(num, 1, UINT32_MAX, &n) < 0)
        return -EINVAL;
    /* "50/s" reads as "50/1s". */
    const char *p = slash + 1;
    char buf[32];
    if (*p >= 'a' && *p <= 'z' && strlen(p) < sizeof buf - 1) {
        buf[0] = '1';
        strcpy(buf + 1, p);
        p = buf;
    }
    if (salvo_parse_duration(p, &period) < 0 || period <= 0)
        return -EINVAL;
    *out_n = (uint32_t)n;
    *out_period_ns = period;
    return 0;
}

int salvo_parse_fraction(const char *s, double *out)
{
    double v;
    const char *end;
    if (parse_number(s, &v, &end) < 0 || *end != '\0' || v < 0 || v > 1)
        return -EINVAL;
    *out = v;
    return 0;
}

int salvo_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -EINVAL;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (*e != '\0' || errno != 0 || v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}
