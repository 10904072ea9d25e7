/* Which header values are secrets, and where they sit: see salvo/secret.h. */
#define _GNU_SOURCE /* memmem */
#include "salvo/secret.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A trailing '*' makes a prefix. Brokers sign with several headers of one
 * family (CB-ACCESS-KEY, -SIGN, -PASSPHRASE): the prefix covers them all. */
static const char *const builtin_secret[] = {
    "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
    "X-API-KEY", "API-Key", "API-Sign", "X-Auth-Token",
    "APCA-API-*",   /* Alpaca */
    "X-MBX-APIKEY", /* Binance */
    "CB-ACCESS-*",  /* Coinbase */
    "KC-API-*",     /* KuCoin */
    "OK-ACCESS-*",  /* OKX */
    "X-BAPI-*",     /* Bybit */
    "ACCESS-*",     /* bitFlyer and others */
    "X-GEMINI-*",   /* Gemini */
};

/* Names a prefix above would catch that carry nothing secret. */
static const char *const builtin_public[] = {"Access-Control-*"};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static int name_matches(const char *name, size_t n, const char *pattern)
{
    size_t plen = strlen(pattern);
    if (plen > 0 && pattern[plen - 1] == '*')
        return n >= plen - 1 && strncasecmp(name, pattern, plen - 1) == 0;
    return n == plen && strncasecmp(name, pattern, n) == 0;
}

static int name_in(const char *name, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (list[i] && name_matches(name, n, list[i]))
            return 1;
    return 0;
}

int salvo_secret_name(const char *name, size_t n, const char *const *extra, size_t nextra)
{
    if (name_in(name, n, extra, nextra))
        return 1;
    return name_in(name, n, builtin_secret, COUNT(builtin_secret)) &&
           !name_in(name, n, builtin_public, COUNT(builtin_public));
}

size_t salvo_header_secret_at(const char *line, size_t len, const char *const *extra, size_t nextra)
{
    const char *colon = memchr(line, ':', len);
    if (colon == NULL)
        return 0;
    size_t n = (size_t)(colon - line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    if (salvo_secret_name(line, n, extra, nextra))
        return (size_t)(colon - line) + 1;
    return 0;
}

/* RFC 7230 tchar: what a header name is made of. */
static int is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t line_end(const char *t, size_t from, size_t len)
{
    while (from < len && t[from] != '\n' && t[from] != '\r')
        from++;
    return from;
}

static size_t mark(unsigned char *mask, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        n += !mask[i];
        mask[i] = 1;
    }
    return n;
}

/* Where the value of the header named at t[start..] ends, given that the
 * value starts at v: a quoted value at its closing quote, a bracketed
 * "[name: value]" at the line's last ']', else at the end of the line. */
static size_t value_end(const char *t, size_t len, size_t start, size_t v)
{
    size_t eol = line_end(t, v, len);
    if (v < eol && t[v] == '"') {
        size_t e = v + 1;
        while (e < eol && t[e] != '"')
            e += t[e] == '\\' && e + 1 < eol ? 2 : 1;
        return e < eol ? e : eol;
    }
    if (start > 0 && t[start - 1] == '[')
        for (size_t e = eol; e > v; e--)
            if (t[e - 1] == ']')
                return e - 1;
    return eol;
}

/* Secret header values: a header name (a whole token), an optional closing
 * quote, blanks, ':', blanks, then the value. */
static size_t mask_named(const char *t, size_t len, const salvo_secrets_t *s, unsigned char *mask)
{
    size_t marked = 0, i = 0;
    while (i < len) {
        if (!is_tchar((unsigned char)t[i]) || (i > 0 && is_tchar((unsigned char)t[i - 1]))) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && is_tchar((unsigned char)t[j]))
            j++;
        size_t k = j;
        if (k < len && t[k] == '"' && i > 0 && t[i - 1] == '"')
            k++;
        while (k < len && (t[k] == ' ' || t[k] == '\t'))
            k++;
        if (k >= len || t[k] != ':' || !salvo_secret_name(t + i, j - i, s ? s->names : NULL, s ? s->nnames : 0)) {
            i = j;
            continue;
        }
        size_t v = k + 1;
        while (v < len && (t[v] == ' ' || t[v] == '\t'))
            v++;
        size_t e = value_end(t, len, i, v);
        if (v < e && t[v] == '"')
            v++; /* keep the quotes, hide what they hold */
        marked += mark(mask, v, e);
        i = e > j ? e : j;
    }
    return marked;
}

static size_t mask_values(const char *t, size_t len, const salvo_secrets_t *s, unsigned char *mask)
{
    size_t marked = 0;
    for (size_t k = 0; s && k < s->nvalues; k++) {
        const char *v = s->values[k];
        size_t n = v ? strlen(v) : 0;
        if (n == 0)
            continue;
        const char *p = t, *end = t + len;
        while ((size_t)(end - p) >= n && (p = memmem(p, (size_t)(end - p), v, n)) != NULL) {
            marked += mark(mask, (size_t)(p - t), (size_t)(p - t) + n);
            p++;
        }
    }
    return marked;
}

size_t salvo_secret_mask(const char *text, size_t len, const salvo_secrets_t *s, unsigned char *mask)
{
    return mask_named(text, len, s, mask) + mask_values(text, len, s, mask);
}

long salvo_secret_redact(const char *text, size_t len, const salvo_secrets_t *s, char *out, size_t cap)
{
    unsigned char *mask = calloc(len ? len : 1, 1);
    if (mask == NULL)
        return -1;
    salvo_secret_mask(text, len, s, mask);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (mask[i] && i > 0 && mask[i - 1])
            continue;
        const char *piece = mask[i] ? "***" : text + i;
        size_t plen = mask[i] ? 3 : 1;
        for (size_t k = 0; k < plen; k++, n++)
            if (n + 1 < cap)
                out[n] = piece[k];
    }
    if (cap > 0)
        out[n < cap ? n : cap - 1] = '\0';
    free(mask);
    return (long)n;
}
