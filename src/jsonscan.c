/* Recursive descent over the source text; the recursion is bounded by
 * SALVO_JSON_MAX_DEPTH, so the stack is too. */
#include "jsonscan.h"

#include <stdint.h>

#include "jbuf_put.h"
#include "utf8.h"
#include "util.h"

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* The \uXXXX escape at s[0..n): its code unit, or -1 when malformed. */
static long escape_u(const char *s, size_t n)
{
    long v = 0;
    if (n < 6 || s[0] != '\\' || s[1] != 'u')
        return -1;
    for (int k = 2; k < 6; k++) {
        int h = salvo_hex_value(s[k]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

static int is_high(long u) { return u >= 0xD800 && u <= 0xDBFF; }
static int is_low(long u) { return u >= 0xDC00 && u <= 0xDFFF; }

size_t salvo_json_skip_ws(const char *s, size_t n, size_t pos)
{
    while (pos < n && is_ws(s[pos]))
        pos++;
    return pos;
}

size_t salvo_json_number_len(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && is_digit(s[i]))
            i++;
    else
        return 0;
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == d)
            return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == d)
            return 0;
    }
    return i;
}

static void put(salvo_jbuf_t *out, const char *s, size_t n)
{
    if (out != NULL)
        salvo_jbuf_put(out, s, n);
}

/* The string whose opening quote is at s[*pos]. */
static int scan_string(const char *s, size_t n, size_t *pos, salvo_jbuf_t *out)
{
    size_t i = *pos + 1, run = *pos; /* bytes s[run..i) are still to be copied */
    while (i < n) {
        i += salvo_json_plain_run(s + i, n - i);
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            put(out, s + run, i + 1 - run);
            *pos = i + 1;
            return 0;
        }
        if (c < 0x20)
            return -1; /* raw control characters must be escaped */
        if (c == '\\') {
            if (i + 1 >= n)
                return -1;
            char e = s[i + 1];
            if (e == 'u') {
                long u = escape_u(s + i, n - i);
                if (u < 0)
                    return -1;
                if (is_high(u) && is_low(escape_u(s + i + 6, n - i - 6))) {
                    i += 12; /* a pair */
                } else if (is_high(u) || is_low(u)) {
                    /* grammatical, but many parsers refuse a lone surrogate */
                    put(out, s + run, i - run);
                    put(out, "\\ufffd", 6);
                    run = i += 6;
                } else {
                    i += 6;
                }
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                       e == 't') {
                i += 2;
            } else {
                return -1;
            }
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len = salvo_utf8_seq_len(s + i, n - i);
        if (len > 0) {
            i += len;
            continue;
        }
        /* not UTF-8: the output must stay valid JSON */
        put(out, s + run, i - run);
        put(out, "\\ufffd", 6);
        run = ++i;
    }
    return -1;
}

static int scan_literal(const char *s, size_t n, size_t *pos, const char *word, size_t len, salvo_jbuf_t *out)
{
    for (size_t k = 0; k < len; k++)
        if (*pos + k >= n || s[*pos + k] != word[k])
            return -1;
    put(out, word, len);
    *pos += len;
    return 0;
}

/* Array or object at s[*pos], which is a level deeper than depth. */
static int scan_container(const char *s, size_t n, size_t *pos, int depth, salvo_jbuf_t *out)
{
    char close = s[*pos] == '{' ? '}' : ']';
    int object = close == '}';
    if (depth + 1 > SALVO_JSON_MAX_DEPTH)
        return -1;
    put(out, s + *pos, 1);
    size_t i = salvo_json_skip_ws(s, n, *pos + 1);
    if (i < n && s[i] == close) {
        put(out, &close, 1);
        *pos = i + 1;
        return 0;
    }
    for (;;) {
        if (object) {
            if (i >= n || s[i] != '"' || scan_string(s, n, &i, out) < 0)
                return -1;
            i = salvo_json_skip_ws(s, n, i);
            if (i >= n || s[i] != ':')
                return -1;
            put(out, ":", 1);
            i = salvo_json_skip_ws(s, n, i + 1);
        }
        if (salvo_json_value(s, n, &i, depth + 1, out) < 0)
            return -1;
        i = salvo_json_skip_ws(s, n, i);
        if (i < n && s[i] == close) {
            put(out, &close, 1);
            *pos = i + 1;
            return 0;
        }
        if (i >= n || s[i] != ',')
            return -1;
        put(out, ",", 1);
        i = salvo_json_skip_ws(s, n, i + 1);
    }
}

int salvo_json_value(const char *s, size_t n, size_t *pos, int depth, salvo_jbuf_t *out)
{
    size_t len;
    if (*pos >= n)
        return -1;
    switch (s[*pos]) {
    case '{':
    case '[': return scan_container(s, n, pos, depth, out);
    case '"': return scan_string(s, n, pos, out);
    case 't': return scan_literal(s, n, pos, "true", 4, out);
    case 'f': return scan_literal(s, n, pos, "false", 5, out);
    case 'n': return scan_literal(s, n, pos, "null", 4, out);
    default:
        if ((len = salvo_json_number_len(s + *pos, n - *pos)) == 0)
            return -1;
        put(out, s + *pos, len);
        *pos += len;
        return 0;
    }
}

int salvo_json_minify(salvo_jbuf_t *out, const char *s, size_t n)
{
    size_t mark = out->len;
    size_t pos = salvo_json_skip_ws(s, n, 0);
    if (salvo_json_value(s, n, &pos, 0, out) == 0 && salvo_json_skip_ws(s, n, pos) == n)
        return 0;
    if (!out->oom)
        out->len = mark;
    return -1;
}

int salvo_json_object_open(const char *s, size_t n, size_t *pos)
{
    size_t i = salvo_json_skip_ws(s, n, *pos);
    if (i >= n || s[i] != '{')
        return -1;
    *pos = i + 1;
    return 0;
}

/* *pos is just after the '{', just after a ',', or at the '}' that follows
 * the last member: a '}' ends the object unless a comma came right before. */
int salvo_json_object_next(const char *s, size_t n, size_t *pos, salvo_json_member_t *m)
{
    size_t i = salvo_json_skip_ws(s, n, *pos);
    if (i < n && s[i] == '}') {
        if (s[*pos - 1] == ',')
            return -1;
        *pos = i + 1;
        return 0;
    }
    size_t k = i;
    if (i >= n || s[i] != '"' || scan_string(s, n, &i, NULL) < 0)
        return -1;
    m->key = s + k + 1;
    m->key_len = i - k - 2;
    i = salvo_json_skip_ws(s, n, i);
    if (i >= n || s[i] != ':')
        return -1;
    i = salvo_json_skip_ws(s, n, i + 1);
    size_t v = i;
    if (salvo_json_value(s, n, &i, 1, NULL) < 0)
        return -1;
    m->value = s + v;
    m->value_len = i - v;
    i = salvo_json_skip_ws(s, n, i);
    if (i < n && s[i] == ',') {
        *pos = i + 1;
        return 1;
    }
    if (i < n && s[i] == '}') {
        *pos = i; /* the next call ends the object */
        return 1;
    }
    return -1;
}

/* lossy: each bad sequence is U+FFFD rather than an error. */
static int unescape(salvo_jbuf_t *out, const char *s, size_t n, int lossy)
{
    static const char fffd[] = "\xef\xbf\xbd"; /* U+FFFD */
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t len = salvo_utf8_seq_len(s + i, n - i);
            if (len > 0) {
                i += len;
                continue;
            }
            if (!lossy)
                return SALVO_JSON_BAD_UTF8;
            salvo_jbuf_raw(out, s + run, i - run);
            salvo_jbuf_raw(out, fffd, 3);
            run = ++i;
            continue;
        }
        if (c != '\\') {
            i++;
            continue;
        }
        salvo_jbuf_raw(out, s + run, i - run);
        char e = s[i + 1], one;
        if (e != 'u') {
            switch (e) {
            case 'b': one = '\b'; break;
            case 'f': one = '\f'; break;
            case 'n': one = '\n'; break;
            case 'r': one = '\r'; break;
            case 't': one = '\t'; break;
            default: one = e; /* '"', '\\', '/' */
            }
            salvo_jbuf_raw(out, &one, 1);
            run = i += 2;
            continue;
        }
        long cp = escape_u(s + i, n - i);
        i += 6;
        if (is_high(cp) && is_low(escape_u(s + i, n - i))) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (escape_u(s + i, n - i) - 0xDC00);
            i += 6;
        } else if (is_high(cp) || is_low(cp)) { /* a lone half of a pair */
            if (!lossy)
                return SALVO_JSON_LONE_SURROGATE;
            cp = 0xFFFD;
        }
        char utf8[4];
        salvo_jbuf_raw(out, utf8, salvo_utf8_encode((uint32_t)cp, utf8));
        run = i;
    }
    salvo_jbuf_raw(out, s + run, n - run);
    return 0;
}

int salvo_json_unescape(salvo_jbuf_t *out, const char *s, size_t n) { return unescape(out, s, n, 0); }

void salvo_json_unescape_lossy(salvo_jbuf_t *out, const char *s, size_t n) { unescape(out, s, n, 1); }
