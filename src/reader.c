/* Input buffering and the row/field tables shared by both formats. */
#include "reader_impl.h"
#include "util.h"
#include "salvo/engine.h" /* enum salvo_format */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *salvo_row_strerror(int error)
{
    switch (error) {
    case SALVO_ROW_OK: return "ok";
    case SALVO_ROW_TOO_LONG: return "line is too long";
    case SALVO_ROW_NUL: return "a field contains a NUL byte";
    case SALVO_ROW_BAD_QUOTE: return "malformed quoted field";
    case SALVO_ROW_BAD_JSON: return "not a JSON object";
    case SALVO_ROW_BAD_UTF8: return "not valid UTF-8";
    case SALVO_ROW_LONE_SURROGATE: return "lone UTF-16 surrogate escape in";
    case SALVO_ROW_DUP_KEY: return "duplicate key";
    }
    return "bad row";
}

salvo_reader_t *salvo_reader_new(int format, char delim, size_t max_line)
{
    salvo_reader_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->format = format;
    r->delim = delim ? delim : ',';
    r->max_line = max_line ? max_line : SALVO_MAX_LINE_DEFAULT;
    r->line = 1;
    return r;
}

void salvo_reader_free(salvo_reader_t *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i]);
    free(r->cols);
    free(r->in);
    free(r->fb);
    free(r->fstart);
    free(r->fields);
    salvo_jbuf_free(&r->scratch);
    free(r->members);
    free(r);
}

int salvo_reader_set_columns(salvo_reader_t *r, const char *const *names, size_t n)
{
    char **cols = calloc(n ? n : 1, sizeof *cols);
    if (cols == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if ((cols[i] = strdup(names[i])) == NULL) {
            while (i--)
                free(cols[i]);
            free(cols);
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i]);
    free(r->cols);
    r->cols = cols;
    r->ncols = n;
    return 0;
}

int salvo_reader_push(salvo_reader_t *r, const char *buf, size_t len)
{
    if (len == 0)
        return 0; /* the buffer may not exist yet: no arithmetic on NULL */
    /* Drop what was parsed before growing: the buffer holds one chunk. */
    if (r->pos > 0) {
        memmove(r->in, r->in + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (len > SIZE_MAX - r->len || salvo_grow((void **)&r->in, &r->cap, r->len + len, 1) < 0)
        return -ENOMEM;
    memcpy(r->in + r->len, buf, len);
    r->len += len;
    return 0;
}

void salvo_reader_finish(salvo_reader_t *r) { r->eof = true; }

size_t salvo_reader_pending(const salvo_reader_t *r) { return r->len - r->pos; }

int salvo_reader_next(salvo_reader_t *r, salvo_row_t *row)
{
    static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
    if (r->in == NULL)
        return 0; /* nothing pushed yet: the parsers may not offset a NULL buffer */
    if (!r->started) {
        size_t have = r->len - r->pos;
        if (have < 3 && !r->eof && (have == 0 || memcmp(r->in + r->pos, bom, have) == 0))
            return 0; /* could still be a BOM: wait for 3 bytes */
        if (have >= 3 && memcmp(r->in + r->pos, bom, 3) == 0)
            r->pos += 3;
        r->started = true;
    }
    /* The parsers, by format: they build rows with rowbuf.c and know
     * nothing of this dispatcher. */
    static int (*const parse_next[])(struct salvo_reader *, salvo_row_t *) = {
        [SALVO_FORMAT_CSV] = salvo_csv_next,
        [SALVO_FORMAT_JSONL] = salvo_jsonl_next,
    };
    return parse_next[r->format == SALVO_FORMAT_JSONL ? SALVO_FORMAT_JSONL : SALVO_FORMAT_CSV](r, row);
}
