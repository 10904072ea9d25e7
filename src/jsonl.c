/* JSON Lines: one object per line; the wanted keys become the row's fields.
 *
 * Values keep their source text: a number is the digits the user wrote
 * (never a double), a string is unescaped, an object or array is its
 * minified text. A key given twice (in any case, as keys match
 * case-insensitively) makes the line invalid rather than picking one. */
#include "rowbuf.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "utf8.h"

struct salvo_jsonl_member {
    size_t key_off, key_len; /* the decoded key in r->scratch */
    const char *key;         /* = scratch + key_off while the scratch holds still */
    const char *value;       /* source text */
    size_t value_len;
    size_t index;            /* position in the line */
    long col;                /* wanted column, or -1 */
};

/* Note a row error about a key (the first error wins). */
static void row_error_key(struct salvo_reader *r, int error, const char *key, size_t n)
{
    if (r->row_error != SALVO_ROW_OK)
        return;
    r->row_error = error;
    size_t k = 0; /* whole UTF-8 sequences only, so the message stays clean */
    for (size_t len; k < n && (len = salvo_utf8_seq_len(key + k, n - k)) > 0 && k + len < sizeof r->error_detail;)
        k += len;
    if (k > 0)
        memcpy(r->error_detail, key, k);
    r->error_detail[k] = '\0';
    r->has_detail = true;
}

static int put_str(struct salvo_reader *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (salvo_reader_field_byte(r, s[i]) < 0)
            return -ENOMEM;
    return salvo_reader_end_field(r);
}

static int put_absent(struct salvo_reader *r)
{
    if (salvo_reader_end_field(r) < 0)
        return -ENOMEM;
    r->fields[r->nfields - 1].present = 0;
    return 0;
}

static int put_value(struct salvo_reader *r, const struct salvo_jsonl_member *m)
{
    if (m == NULL || (m->value_len == 4 && memcmp(m->value, "null", 4) == 0))
        return put_absent(r);
    if (m->value[0] != '"' && m->value[0] != '{' && m->value[0] != '[')
        return put_str(r, m->value, m->value_len); /* number, true, false: as written */
    salvo_jbuf_t *sb = &r->scratch;
    size_t mark = sb->len;
    int e = 0;
    if (m->value[0] == '"')
        e = salvo_json_unescape(sb, m->value + 1, m->value_len - 2);
    else
        salvo_json_minify(sb, m->value, m->value_len); /* checked already: cannot fail */
    if (sb->oom)
        return -ENOMEM;
    if (e == SALVO_JSON_LONE_SURROGATE)
        row_error_key(r, SALVO_ROW_LONE_SURROGATE, sb->p + m->key_off, m->key_len);
    else if (e < 0)
        row_error_key(r, SALVO_ROW_BAD_UTF8, sb->p + m->key_off, m->key_len);
    e = put_str(r, sb->p + mark, sb->len - mark);
    sb->len = mark;
    return e;
}

static int member_room(struct salvo_reader *r, size_t n)
{
    return salvo_grow((void **)&r->members, &r->members_cap, n + 1, sizeof *r->members);
}

/* ASCII case-insensitive memcmp: a decoded key may hold "\u0000". */
static int casecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int ca = tolower((unsigned char)a[i]), cb = tolower((unsigned char)b[i]);
        if (ca != cb)
            return ca - cb;
    }
    return 0;
}

/* Keys in case-insensitive order, then by position in the line. */
static int member_cmp(const void *pa, const void *pb)
{
    const struct salvo_jsonl_member *a = pa, *b = pb;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = casecmp(a->key, b->key, n);
    if (c == 0 && a->key_len != b->key_len)
        c = a->key_len < b->key_len ? -1 : 1;
    if (c == 0)
        c = a->index < b->index ? -1 : 1;
    return c;
}

static int same_key(const struct salvo_jsonl_member *a, const struct salvo_jsonl_member *b)
{
    return a->key_len == b->key_len && casecmp(a->key, b->key, a->key_len) == 0;
}

/* Walk the object, decoding every key. The number of members, or -1 when
 * the line is not exactly one object, or -ENOMEM. */
static long collect_members(struct salvo_reader *r, const char *line, size_t len)
{
    size_t pos = 0, n = 0;
    salvo_json_member_t jm;
    int more;
    if (salvo_json_object_open(line, len, &pos) < 0)
        return -1;
    while ((more = salvo_json_object_next(line, len, &pos, &jm)) == 1) {
        if (member_room(r, n) < 0)
            return -ENOMEM;
        struct salvo_jsonl_member *m = &r->members[n];
        m->key_off = r->scratch.len;
        if (salvo_json_unescape(&r->scratch, jm.key, jm.key_len) < 0)
            row_error_key(r, SALVO_ROW_LONE_SURROGATE, jm.key, jm.key_len); /* as written: it has no text */
        m->key_len = r->scratch.len - m->key_off;
        m->value = jm.value;
        m->value_len = jm.value_len;
        m->index = n++;
        m->col = -1;
    }
    if (more < 0 || salvo_json_skip_ws(line, len, pos) != len)
        return -1;
    return r->scratch.oom ? -ENOMEM : (long)n;
}

/* Does this member fill the wanted column? Its key is the column's name in
 * any case, or "qty" for quantity, as in a CSV header (order.c). */
static int fills(const char *col, const struct salvo_jsonl_member *m)
{
    if (strlen(col) == m->key_len && casecmp(col, m->key, m->key_len) == 0)
        return 1;
    return m->key_len == 3 && casecmp(m->key, "qty", 3) == 0 && strcmp(col, "quantity") == 0;
}

/* Sort the members by key, note which wanted column each member fills,
 * and report the first key that repeats an earlier one, or fills a column
 * an earlier one fills (quantity and qty). */
static void match_keys(struct salvo_reader *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        r->members[i].key = r->scratch.p ? r->scratch.p + r->members[i].key_off : ""; /* only empty keys: no text */
    if (n > 1)
        qsort(r->members, n, sizeof *r->members, member_cmp);
    const struct salvo_jsonl_member *dup = NULL;
    for (size_t i = 1; i < n; i++)
        if (same_key(&r->members[i - 1], &r->members[i]) && (dup == NULL || r->members[i].index < dup->index))
            dup = &r->members[i];
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < r->ncols && r->members[i].col < 0; c++)
            if (fills(r->cols[c], &r->members[i]))
                r->members[i].col = (long)c;
    for (size_t c = 0; c < r->ncols; c++) { /* the second member to fill c, by position */
        const struct salvo_jsonl_member *first = NULL, *second = NULL;
        for (size_t i = 0; i < n; i++) {
            const struct salvo_jsonl_member *m = &r->members[i];
            if (m->col != (long)c)
                continue;
            if (first == NULL || m->index < first->index)
                second = first, first = m;
            else if (second == NULL || m->index < second->index)
                second = m;
        }
        if (second != NULL && (dup == NULL || second->index < dup->index))
            dup = second;
    }
    if (dup != NULL)
        row_error_key(r, SALVO_ROW_DUP_KEY, dup->key, dup->key_len);
}

/* Map one complete line to the wanted columns. */
static int parse_line(struct salvo_reader *r, const char *line, size_t len)
{
    if (memchr(line, '\0', len) != NULL) {
        r->row_error = SALVO_ROW_NUL;
        return 0;
    }
    if (!salvo_utf8_is_valid(line, len)) { /* JSON text is UTF-8 (RFC 8259 8.1) */
        r->row_error = SALVO_ROW_BAD_UTF8;
        return 0;
    }
    r->scratch.len = 0;
    long n = collect_members(r, line, len);
    if (n == -ENOMEM)
        return -ENOMEM;
    if (n < 0) {
        r->row_error = SALVO_ROW_BAD_JSON;
        r->has_detail = false;
        return 0;
    }
    match_keys(r, (size_t)n);
    for (size_t c = 0; c < r->ncols; c++) {
        const struct salvo_jsonl_member *m = NULL;
        for (long i = 0; i < n && m == NULL; i++)
            if (r->members[i].col == (long)c)
                m = &r->members[i];
        int e = put_value(r, m);
        if (e < 0)
            return e;
    }
    return 0;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int salvo_jsonl_next(struct salvo_reader *r, salvo_row_t *row)
{
    for (;;) {
        salvo_reader_reset_row(r);
        char *start = r->in + r->pos;
        size_t avail = r->len - r->pos;
        char *nl = memchr(start, '\n', avail);
        if (nl == NULL && !r->eof) {
            if (avail > r->max_line) { /* too long already: drop it up to its newline */
                r->pos = r->len;
                r->line_skipping = true;
            }
            return 0;
        }
        if (nl == NULL && avail == 0 && !r->line_skipping)
            return 0;
        size_t n = nl ? (size_t)(nl - start) : avail;
        r->pos += n + (nl != NULL);
        r->row_line = r->line++;
        if (r->line_skipping || n > r->max_line) {
            r->line_skipping = false;
            r->row_error = SALVO_ROW_TOO_LONG;
        } else {
            if (n > 0 && start[n - 1] == '\r')
                n--;
            if (is_blank(start, n))
                continue;
            int e = parse_line(r, start, n);
            if (e < 0)
                return e;
        }
        salvo_reader_emit(r, row);
        return 1;
    }
}
