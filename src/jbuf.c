#include "salvo/jbuf.h"
#include "util.h"

#include "utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void salvo_jbuf_free(salvo_jbuf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static int reserve(salvo_jbuf_t *b, size_t n)
{
    if (b->oom)
        return -1;
    if (n <= b->cap - b->len) /* the common case: no call */
        return 0;
    if (n > SIZE_MAX - b->len || salvo_grow((void **)&b->p, &b->cap, b->len + n, 1) < 0)
        return b->oom = 1, -1;
    return 0;
}

void salvo_jbuf_raw(salvo_jbuf_t *b, const char *s, size_t n)
{
    if (n > 0 && reserve(b, n) == 0) { /* n == 0: p may still be NULL */
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

void salvo_jbuf_cstr(salvo_jbuf_t *b, const char *s) { salvo_jbuf_raw(b, s, strlen(s)); }

void salvo_jbuf_printf(salvo_jbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n + 1) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Digits of v, least significant first, into the end of buf; the start. */
static char *digits_before(char *end, unsigned long long v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void salvo_jbuf_u64(salvo_jbuf_t *b, unsigned long long v)
{
    char buf[24];
    char *s = digits_before(buf + sizeof buf, v);
    salvo_jbuf_raw(b, s, (size_t)(buf + sizeof buf - s));
}

void salvo_jbuf_i64(salvo_jbuf_t *b, long long v)
{
    char buf[24];
    /* the magnitude as unsigned: -LLONG_MIN does not fit a long long */
    unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    char *s = digits_before(buf + sizeof buf, m);
    if (v < 0)
        *--s = '-';
    salvo_jbuf_raw(b, s, (size_t)(buf + sizeof buf - s));
}

/* Round as printf does, on the exact value of a*1000: p is it rounded to a
 * double (frac its fraction), which can only make a tie out of a near one;
 * fma gives what that rounding took off, and a true tie goes to the even. */
static int rounds_up(double a, double p, double frac, unsigned long long whole)
{
    if (frac != 0.5)
        return frac > 0.5;
    double lost = fma(a, 1000.0, -p);
    return lost > 0 || (lost == 0 && (whole & 1));
}

void salvo_jbuf_fixed3(salvo_jbuf_t *b, double v)
{
    if (!(v > -1e15 && v < 1e15)) { /* NaN, infinities, and beyond 2^53 thousandths */
        salvo_jbuf_printf(b, "%.3f", v);
        return;
    }
    int neg = signbit(v);
    double a = neg ? -v : v, p = a * 1000.0, whole = floor(p);
    unsigned long long milli = (unsigned long long)whole;
    if (rounds_up(a, p, p - whole, milli))
        milli++;
    char buf[32];
    char *end = buf + sizeof buf, *s = end;
    for (int i = 0; i < 3; i++, milli /= 10)
        *--s = (char)('0' + milli % 10);
    *--s = '.';
    s = digits_before(s, milli);
    if (neg) /* %.3f keeps the sign of a negative that rounds to zero */
        *--s = '-';
    salvo_jbuf_raw(b, s, (size_t)(end - s));
}

void salvo_jbuf_str(salvo_jbuf_t *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    if (reserve(b, n + 2) < 0)
        return;
    b->p[b->len++] = '"';
    for (size_t i = 0; i < n;) {
        size_t run = salvo_json_plain_run((const char *)s + i, n - i);
        salvo_jbuf_raw(b, (const char *)s + i, run);
        if ((i += run) == n)
            break;
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t l = salvo_utf8_seq_len((const char *)s + i, n - i);
            if (l == 0) {
                salvo_jbuf_raw(b, "\\ufffd", 6);
                i++;
            } else {
                salvo_jbuf_raw(b, (const char *)s + i, l);
                i += l;
            }
            continue;
        }
        char esc[6] = {'\\', 0};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break; /* as cJSON writes them */
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u', esc[2] = '0', esc[3] = '0', esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            el = 6;
        }
        salvo_jbuf_raw(b, esc, el);
        i++;
    }
    salvo_jbuf_raw(b, "\"", 1);
}

void salvo_jbuf_pct(salvo_jbuf_t *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0; /* unreserved bytes not yet copied */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            run++;
            continue;
        }
        salvo_jbuf_raw(out, s + i - run, run);
        run = 0;
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};
        salvo_jbuf_raw(out, e, 3);
    }
    salvo_jbuf_raw(out, s + n - run, run);
}
