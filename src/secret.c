/* Which header values are secrets, and where they sit: see salvo/secret.h. */
#define _GNU_SOURCE /* memmem */
#include "salvo/secret.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "salvo/jbuf.h"
#include "util.h"

/* Is name[0..n) lit (NAME) or lit followed by anything (FAMILY)? The first
 * two bytes are compared before the call: every "name": of every answer
 * is looked up, and nearly all of them differ there. */
static int name_is(const char *name, size_t n, const char *lit, size_t len, int family)
{
    return (family ? n >= len : n == len) && (name[1] | 0x20) == (lit[1] | 0x20) && strncasecmp(name, lit, len) == 0;
}
#define NAME(lit) name_is(name, n, lit, sizeof lit - 1, 0)
#define FAMILY(lit) name_is(name, n, lit, sizeof lit - 1, 1)

/* Header names whose values are secrets, by first letter. A family (NAME-
 * and anything after it) covers the several headers brokers sign with
 * (CB-ACCESS-KEY, -SIGN, -PASSPHRASE). */
static int builtin_secret(const char *name, size_t n)
{
    if (n < 2)
        return 0;
    switch (name[0] | 0x20) {
    case 'a': return NAME("Authorization") || NAME("API-Key") || NAME("API-Sign") ||
                     FAMILY("APCA-API-") /* Alpaca */ || FAMILY("ACCESS-") /* bitFlyer and others */;
    case 'c': return NAME("Cookie") || FAMILY("CB-ACCESS-") /* Coinbase */;
    case 'k': return FAMILY("KC-API-") /* KuCoin */;
    case 'o': return FAMILY("OK-ACCESS-") /* OKX */;
    case 'p': return NAME("Proxy-Authorization");
    case 's': return NAME("Set-Cookie");
    case 'x': return NAME("X-API-KEY") || NAME("X-Auth-Token") || NAME("X-MBX-APIKEY") /* Binance */ ||
                     FAMILY("X-BAPI-") /* Bybit */ || FAMILY("X-GEMINI-") /* Gemini */;
    default: return 0;
    }
}

/* Names a family above would catch that carry nothing secret: CORS,
 * the request timestamps and windows brokers sign beside the key (a dry run
 * shows them), and Bybit's rate-limit answers (a result line shows them). */
static int builtin_public(const char *name, size_t n)
{
    return FAMILY("Access-Control-") || NAME("OK-ACCESS-TIMESTAMP") || NAME("CB-ACCESS-TIMESTAMP") ||
           NAME("KC-API-TIMESTAMP") || NAME("KC-API-KEY-VERSION") || NAME("X-BAPI-TIMESTAMP") ||
           NAME("X-BAPI-RECV-WINDOW") || FAMILY("X-BAPI-LIMIT") || NAME("ACCESS-TIMESTAMP");
}
#undef NAME
#undef FAMILY

/* The user's names (--redact-header): a trailing '*' makes a family. */
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
    return builtin_secret(name, n) && !builtin_public(name, n);
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

/* RFC 7230 tchar: what a header name is made of. A table: every byte of
 * every response is looked at. */
static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1,
    ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1,
    ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1,
    ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static int is_tchar(unsigned char c) { return tchar[c]; }

/* The length of a JSON escape of CR or LF at t[i] ("\\r", "\\n",
 * "\\u000d", "\\u000a"), else 0: a request a broker echoes inside a JSON
 * string has its line ends written so. */
static size_t escaped_break_at(const char *t, size_t i, size_t len)
{
    if (i + 1 >= len || t[i] != '\\')
        return 0;
    if (t[i + 1] == 'r' || t[i + 1] == 'n')
        return 2;
    if (i + 5 < len && strncasecmp(t + i + 1, "u000", 4) == 0 && (t[i + 5] == 'a' || t[i + 5] == 'A' ||
                                                                 t[i + 5] == 'd' || t[i + 5] == 'D'))
        return 6;
    return 0;
}

/* Where the header name that ends at t[j] starts: back over its bytes,
 * but not into an escape before it ("\\r\\nAuthorization" names
 * Authorization, not nAuthorization). */
static size_t name_start(const char *t, size_t j, size_t len)
{
    size_t i = j;
    while (i > 0 && is_tchar((unsigned char)t[i - 1]))
        i--;
    if (i > 0 && i < j && t[i - 1] == '\\') {
        size_t e = escaped_break_at(t, i - 1, len);
        i = e ? i - 1 + e : i + 1;
    }
    return i < j ? i : j;
}

/* Where the line from t[from] ends; escaped: at an escaped line end too. */
static size_t line_end(const char *t, size_t from, size_t len, int escaped)
{
    while (from < len && t[from] != '\n' && t[from] != '\r' && !(escaped && escaped_break_at(t, from, len)))
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

/* Where a header line written as a JSON string ("Name: value", as a dry
 * run's request lists them; \"Name: value\" nested in another string)
 * has its value end: at the string's closing quote, or at the line's end. */
static size_t string_value_end(const char *t, size_t start, size_t v, size_t eol)
{
    int nested = start > 1 && t[start - 2] == '\\';
    for (size_t e = v; e < eol; e++) {
        if (t[e] == '"')
            return nested && e > v && t[e - 1] == '\\' ? e - 1 : e;
        if (!nested && t[e] == '\\')
            e++;
    }
    return eol;
}

/* Where the value of the header named at t[start..] ends, given that the
 * value starts at v: a quoted value at its closing quote, a bracketed
 * "[name: value]" at the line's last ']', a line in a JSON string
 * (in_string) at the string's end, else at the end of the line (an escaped
 * one too: the value ends there inside an echo's JSON string). */
static size_t value_end(const char *t, size_t len, size_t start, size_t v, int in_string)
{
    if (v < len && t[v] == '"') {
        size_t eol = line_end(t, v, len, 0);
        size_t e = v + 1;
        while (e < eol && t[e] != '"')
            e += t[e] == '\\' && e + 1 < eol ? 2 : 1;
        return e < eol ? e : eol;
    }
    size_t eol = line_end(t, v, len, 1);
    if (in_string)
        return string_value_end(t, start, v, eol);
    if (start > 0 && t[start - 1] == '[')
        for (size_t e = eol; e > v; e--)
            if (t[e - 1] == ']')
                return e - 1;
    return eol;
}

/* Secret header values: a header name (a whole token), an optional closing
 * quote, blanks, ':', blanks, then the value. Found from each ':' back to
 * the name, so the bytes between colons cost a memchr. */
static size_t mask_named(const char *t, size_t len, const salvo_secrets_t *s, unsigned char *mask)
{
    size_t marked = 0, from = 0;
    const char *colon;
    while (from < len && (colon = memchr(t + from, ':', len - from)) != NULL) {
        size_t k = (size_t)(colon - t), j = k;
        from = k + 1;
        while (j > 0 && (t[j - 1] == ' ' || t[j - 1] == '\t'))
            j--;
        int quoted = j > 0 && t[j - 1] == '"';
        j -= (size_t)quoted;
        if (quoted && j > 0 && t[j - 1] == '\\')
            j--; /* \" : a JSON object echoed inside a JSON string */
        size_t i = name_start(t, j, len);
        if (i == j || (quoted && (i == 0 || t[i - 1] != '"')) ||
            !salvo_secret_name(t + i, j - i, s ? s->names : NULL, s ? s->nnames : 0))
            continue;
        size_t v = k + 1;
        while (v < len && (t[v] == ' ' || t[v] == '\t'))
            v++;
        /* a quote before an unquoted name: the whole line is a JSON string */
        size_t e = value_end(t, len, i, v, !quoted && i > 0 && t[i - 1] == '"');
        if (v < e && t[v] == '"')
            v++; /* keep the quotes, hide what they hold */
        marked += mark(mask, v, e);
        from = e > from ? e : from;
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

/* ---------- a held value's forms ---------- */

/* Add form[0..n) (copied) unless empty or already there. */
static int add_form(salvo_secret_forms_t *f, const char *form, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->forms[i]) == n && memcmp(f->forms[i], form, n) == 0)
            return 0;
    if (f->n + 1 >= f->cap && salvo_grow((void **)&f->forms, &f->cap, f->n + 2, sizeof *f->forms) < 0)
        return -ENOMEM;
    char *copy = malloc(n + 1);
    if (copy == NULL)
        return -ENOMEM;
    memcpy(copy, form, n);
    copy[n] = '\0';
    f->forms[f->n++] = copy;
    f->forms[f->n] = NULL;
    return 0;
}

/* A buffer that never moves (so no copy of the secret is left behind in
 * freed memory): room for the longest form, 6 bytes a byte (\u00XX), and
 * past it for that form with each '/' escaped. */
static int form_buf(salvo_jbuf_t *b, size_t len)
{
    *b = (salvo_jbuf_t){.cap = 13 * len + 8};
    return (b->p = malloc(b->cap)) != NULL ? 0 : -ENOMEM;
}

static void form_buf_free(salvo_jbuf_t *b)
{
    if (b->p)
        salvo_wipe(b->p, b->cap);
    salvo_jbuf_free(b);
}

/* Percent-encoded as salvo writes a query or form value (%20), and with
 * the '+' a form may use for a space instead. */
static int add_pct_forms(salvo_secret_forms_t *f, const char *v, size_t len, salvo_jbuf_t *b)
{
    b->len = 0;
    salvo_jbuf_pct(b, v, len);
    int rc = add_form(f, b->p, b->len);
    for (size_t i = 0; rc == 0 && i + 2 < b->len; i++)
        if (memcmp(b->p + i, "%20", 3) == 0) {
            b->p[i] = '+';
            memmove(b->p + i + 1, b->p + i + 3, b->len - i - 3);
            b->len -= 2;
        }
    return rc == 0 ? add_form(f, b->p, b->len) : rc;
}

/* Inside a JSON string as salvo writes it, and with "\/" for '/' as many
 * JSON writers (a broker's echo) do. */
static int add_json_forms(salvo_secret_forms_t *f, const char *v, size_t len, salvo_jbuf_t *b)
{
    b->len = 0;
    salvo_jbuf_str(b, v, len);
    int rc = add_form(f, b->p + 1, b->len - 2); /* without its quotes */
    if (rc < 0 || memchr(v, '/', len) == NULL)
        return rc;
    size_t n = b->len - 2;
    char *esc = b->p + b->len; /* the room past the escaped copy */
    size_t o = 0;
    for (size_t i = 1; i <= n; i++) {
        if (b->p[i] == '/')
            esc[o++] = '\\';
        esc[o++] = b->p[i];
    }
    return add_form(f, esc, o);
}

/* Base64url of text that holds the value: which characters show depends on
 * the value's offset mod 3, so each of the three, without the first and
 * last characters that share bits with the bytes around it. (A JWT's
 * header and claims are base64url: a key in its claims is written so.) */
static int add_base64_forms(salvo_secret_forms_t *f, const char *v, size_t len)
{
    if (len > 4096)
        return 0; /* no key is this long; a PEM is never put in a claim */
    unsigned char in[4096 + 2] = {0};
    char out[(4096 + 2) / 3 * 4 + 8];
    int rc = 0;
    memcpy(in + 2, v, len);
    for (size_t a = 0; rc == 0 && a < 3; a++) {
        /* a zero bytes, then the value */
        int n = salvo_b64_encode(in + 2 - a, a + len, 1, out, sizeof out);
        size_t first = (8 * a + 5) / 6, end = 8 * (a + len) / 6;
        if (n > 0 && end > first)
            rc = add_form(f, out + first, end - first);
    }
    salvo_wipe(in, sizeof in);
    salvo_wipe(out, sizeof out);
    return rc;
}

int salvo_secret_forms_add(salvo_secret_forms_t *f, const char *value, size_t len)
{
    if (len == 0)
        return 0;
    salvo_jbuf_t b;
    int rc = form_buf(&b, len);
    if (rc == 0)
        rc = add_form(f, value, len);
    if (rc == 0)
        rc = add_pct_forms(f, value, len, &b);
    if (rc == 0)
        rc = add_json_forms(f, value, len, &b);
    if (rc == 0)
        rc = add_base64_forms(f, value, len);
    form_buf_free(&b);
    return rc;
}

void salvo_secret_forms_free(salvo_secret_forms_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        salvo_wipe(f->forms[i], strlen(f->forms[i]));
        free(f->forms[i]);
    }
    free(f->forms);
    memset(f, 0, sizeof *f);
}

size_t salvo_secret_mask_cut(const char *text, size_t len, const salvo_secrets_t *s, unsigned char *mask)
{
    size_t marked = 0;
    for (size_t k = 0; s && k < s->nvalues; k++) {
        const char *v = s->values[k];
        size_t n = v ? strlen(v) : 0;
        if (n < 2)
            continue;
        for (size_t i = len > n - 1 ? len - (n - 1) : 0; i < len; i++) {
            const char *p = memchr(text + i, v[0], len - i);
            if (p == NULL)
                break;
            i = (size_t)(p - text);
            if (memcmp(p, v, len - i) == 0) {
                marked += mark(mask, i, len);
                break;
            }
        }
    }
    return marked;
}
