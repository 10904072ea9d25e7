#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ".950" after the seconds: up to 6 digits of a second, in microseconds. */
static int parse_fraction_us(const char **p, int64_t *us)
{
    *us = 0;
    if (**p != '.')
        return 0;
    (*p)++;
    int digits = 0;
    int64_t scale = 100000;
    while (**p >= '0' && **p <= '9') {
        if (digits < 6)
            *us += (**p - '0') * scale, scale /= 10;
        digits++, (*p)++;
    }
    return digits > 0 ? 0 : -EINVAL;
}

static int parse_2(const char **p, int max, int *out)
{
    const char *s = *p;
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -EINVAL;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    *p += 2;
    return *out <= max ? 0 : -EINVAL;
}

/* "HH:MM[:SS[.fff]]" into tm (and the fraction). */
static int parse_clock(const char **p, struct tm *tm, int64_t *us)
{
    *us = 0;
    tm->tm_sec = 0;
    if (parse_2(p, 23, &tm->tm_hour) < 0 || *(*p)++ != ':' || parse_2(p, 59, &tm->tm_min) < 0)
        return -EINVAL;
    if (**p != ':')
        return 0;
    (*p)++;
    if (parse_2(p, 60, &tm->tm_sec) < 0)
        return -EINVAL;
    return parse_fraction_us(p, us);
}

/* "Z", "+08:00", "-0530" or nothing (local): the zone's offset east, in s. */
static int parse_zone(const char **p, int *has_zone, long *offset_s)
{
    *has_zone = 0;
    *offset_s = 0;
    if (**p == '\0')
        return 0;
    *has_zone = 1;
    if (**p == 'Z' || **p == 'z')
        return (*p)++, **p == '\0' ? 0 : -EINVAL;
    int sign = **p == '+' ? 1 : **p == '-' ? -1 : 0, h, m = 0;
    if (sign == 0)
        return -EINVAL;
    (*p)++;
    if (parse_2(p, 23, &h) < 0)
        return -EINVAL;
    if (**p == ':')
        (*p)++;
    if (**p != '\0' && parse_2(p, 59, &m) < 0)
        return -EINVAL;
    *offset_s = sign * (h * 3600L + m * 60L);
    return **p == '\0' ? 0 : -EINVAL;
}

int salvo_parse_at(const char *s, int64_t *out_unix_us)
{
    if (s == NULL)
        return -EINVAL;
    struct tm tm;
    time_t now = time(NULL);
    localtime_r(&now, &tm);
    const char *p = s;
    int64_t us;
    if (strlen(s) >= 10 && s[4] == '-') { /* a date first */
        int y1, y2, mon, day;
        if (parse_2(&p, 99, &y1) < 0 || parse_2(&p, 99, &y2) < 0 || *p++ != '-' || parse_2(&p, 12, &mon) < 0 ||
            *p++ != '-' || parse_2(&p, 31, &day) < 0 || (*p != 'T' && *p != 't' && *p != ' ') || mon < 1 || day < 1)
            return -EINVAL;
        p++;
        tm.tm_year = y1 * 100 + y2 - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
    }
    if (parse_clock(&p, &tm, &us) < 0)
        return -EINVAL;
    int has_zone;
    long offset_s;
    if (parse_zone(&p, &has_zone, &offset_s) < 0)
        return -EINVAL;
    time_t t;
    if (has_zone) {
        t = timegm(&tm) - offset_s;
    } else {
        tm.tm_isdst = -1; /* the zone's rules decide */
        t = mktime(&tm);
    }
    if (t == (time_t)-1)
        return -EINVAL;
    *out_unix_us = (int64_t)t * 1000000 + us;
    return 0;
}

int salvo_parse_clock_ms(double t, double *out_ms)
{
    /* 1e9 s is 2001, 1e17 us is 5138: anything else is not a clock (and
     * NaN fails both) */
    if (!(t > 1e9 && t < 1e17))
        return -EINVAL;
    *out_ms = t > 1e14 ? t / 1e3 : t > 1e11 ? t : t * 1e3;
    return 0;
}
