#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "salvo/result.h"

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

int salvo_parse_rate_per(const char *s, unsigned *cols, uint32_t *n, int64_t *period_ns)
{
    static const struct { const char *name; int col; } names[] = {
        {"symbol", SALVO_COL_SYMBOL}, {"side", SALVO_COL_SIDE}, {"type", SALVO_COL_TYPE}};
    const char *eq = s ? strchr(s, '=') : NULL;
    if (eq == NULL || eq == s)
        return -EINVAL;
    unsigned got = 0;
    for (const char *p = s; p < eq;) {
        const char *end = memchr(p, '+', (size_t)(eq - p));
        if (end == NULL)
            end = eq;
        size_t len = (size_t)(end - p), i;
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == len && memcmp(names[i].name, p, len) == 0)
                break;
        if (i == sizeof names / sizeof names[0] || (got & (1u << names[i].col)))
            return -EINVAL; /* unknown, or named twice */
        got |= 1u << names[i].col;
        p = end == eq ? eq : end + 1;
        if (end != eq && p == eq)
            return -EINVAL; /* "symbol+=" */
    }
    if (salvo_parse_window(eq + 1, n, period_ns) < 0)
        return -EINVAL;
    *cols = got;
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

static int days_in_month(int year, int mon)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return days[mon - 1] + (mon == 2 && leap);
}

/* "2026-11-30" into tm. -EINVAL when it is not that; -EDOM when the month
 * has no such day (2026-02-30), which mktime would quietly move on. */
static int parse_date(const char **p, struct tm *tm)
{
    int y1, y2, mon, day;
    if (parse_2(p, 99, &y1) < 0 || parse_2(p, 99, &y2) < 0 || *(*p)++ != '-' || parse_2(p, 12, &mon) < 0 ||
        *(*p)++ != '-' || parse_2(p, 31, &day) < 0 || mon < 1 || day < 1)
        return -EINVAL;
    tm->tm_year = y1 * 100 + y2 - 1900;
    tm->tm_mon = mon - 1;
    tm->tm_mday = day;
    return day <= days_in_month(y1 * 100 + y2, mon) ? 0 : -EDOM;
}

static void why_say(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_say(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (len)
        vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

/* The instants a wall-clock time names in the local zone (TZ): none when
 * the clocks skip it, two when they pass it twice; out[] and off[] (the
 * zone's offset east, s) in time order. Each offset the zone has a day
 * either side is tried: wall - offset is an instant of the wall time when
 * the zone has that offset then. */
static int local_instants(const struct tm *wall, time_t out[2], long off[2])
{
    struct tm w = *wall;
    time_t naive = timegm(&w); /* the fields read as UTC */
    int n = 0;
    for (int day = -1; day <= 1; day++) {
        time_t probe = naive + day * 86400L;
        struct tm at, back;
        if (localtime_r(&probe, &at) == NULL)
            continue;
        time_t t = naive - at.tm_gmtoff;
        if (localtime_r(&t, &back) == NULL || back.tm_gmtoff != at.tm_gmtoff || (n > 0 && out[0] == t) ||
            (n > 1 && out[1] == t))
            continue;
        if (n == 2)
            return 3; /* two changes in two days: not a zone to guess in */
        out[n] = t;
        off[n++] = at.tm_gmtoff;
    }
    if (n == 2 && out[1] < out[0]) {
        time_t t = out[0];
        long o = off[0];
        out[0] = out[1], off[0] = off[1];
        out[1] = t, off[1] = o;
    }
    return n;
}

static void format_offset(long off, char buf[8])
{
    long a = off < 0 ? -off : off;
    snprintf(buf, 8, "%c%02ld:%02ld", off < 0 ? '-' : '+', a / 3600 % 100, a / 60 % 60);
}

/* The one instant a local wall time names, or -EINVAL with why said. */
static int resolve_local(const struct tm *wall, time_t *out, char *why, size_t whylen)
{
    time_t t[2];
    long off[2];
    int n = local_instants(wall, t, off);
    if (n == 1) {
        *out = t[0];
        return 0;
    }
    if (n == 0) {
        why_say(why, whylen, "the local clock skips that time (a daylight-saving change); give another time or "
                             "an offset (+08:00)");
    } else if (n == 2) {
        char a[8], b[8];
        format_offset(off[0], a);
        format_offset(off[1], b);
        why_say(why, whylen, "the local clock shows that time twice (a daylight-saving change); add the offset: "
                             "%s for the first, %s for the second", a, b);
    } else {
        why_say(why, whylen, "the local zone changes twice near that time; give an offset (+08:00)");
    }
    return -EINVAL;
}

int salvo_parse_at(const char *s, int64_t *out_unix_us, char *why, size_t whylen)
{
    why_say(why, whylen, "%s", "");
    if (s == NULL)
        return -EINVAL;
    struct tm tm;
    time_t now = time(NULL);
    localtime_r(&now, &tm);
    const char *p = s;
    int64_t us;
    if (strlen(s) >= 10 && s[4] == '-') { /* a date first */
        int rc = parse_date(&p, &tm);
        if (rc == -EDOM) {
            why_say(why, whylen, "no such day: %.7s has %d days", s, days_in_month(tm.tm_year + 1900, tm.tm_mon + 1));
            return -EINVAL;
        }
        if (rc < 0 || (*p != 'T' && *p != 't' && *p != ' '))
            return -EINVAL;
        p++;
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
        if (t == (time_t)-1)
            return -EINVAL;
    } else if (resolve_local(&tm, &t, why, whylen) < 0) {
        return -EINVAL;
    }
    *out_unix_us = (int64_t)t * 1000000 + us;
    return 0;
}

int salvo_parse_utc_us(const char *s, size_t n, int64_t *out_unix_us)
{
    char buf[48];
    if (n == 0 || n >= sizeof buf) /* n == 0: s may be an empty buffer's NULL */
        return -EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *p = buf;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int64_t us;
    if (parse_date(&p, &tm) < 0 || *p++ != 'T' || strlen(p) < 9 || p[5] != ':' || parse_clock(&p, &tm, &us) < 0 ||
        tm.tm_sec > 59 || strcmp(p, "Z") != 0)
        return -EINVAL;
    *out_unix_us = (int64_t)timegm(&tm) * 1000000 + us;
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

int salvo_opt_whole(char *const *argv, int optind, const char *optarg, const char *name, const char **typed,
                    size_t *n)
{
    /* as typed: argv[optind - 1], or the one before it when the value came separately */
    const char *given = optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2] : argv[optind - 1];
    *typed = given + (strncmp(given, "--", 2) == 0 ? 2 : 0);
    *n = strcspn(*typed, "=");
    return *n == strlen(name) && strncmp(*typed, name, *n) == 0;
}
