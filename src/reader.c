/* Input buffering and the row/field tables shared by both formats. */
#include "reader_impl.h"

#include <errno.h>
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
    if (r->len + len > r->cap) {
        size_t ncap = r->cap ? r->cap : 4096;
        while (ncap < r->len + len)
            ncap *= 2;
        char *n = realloc(r->in, ncap);
        if (n == NULL)
            return -ENOMEM;
        r->in = n;
        r->cap = ncap;
    }
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
    return r->format == SALVO_FORMAT_JSONL ? salvo_jsonl_next(r, row) : salvo_csv_next(r, row);
}

/* ---- the current row ---- */

/* Room for n more bytes in the field buffer. */
static int reserve_fb(salvo_reader_t *r, size_t n)
{
    if (r->flen + n <= r->fcap)
        return 0;
    size_t ncap = r->fcap ? r->fcap * 2 : 256;
    char *nb = realloc(r->fb, ncap);
    if (nb == NULL)
        return -ENOMEM;
    r->fb = nb;
    r->fcap = ncap;
    return 0;
}

int salvo_reader_field_byte(salvo_reader_t *r, char c)
{
    if (r->row_error == SALVO_ROW_TOO_LONG)
        return 0;
    if (++r->row_bytes > r->max_line) {
        r->row_error = SALVO_ROW_TOO_LONG; /* keep parsing to the row's end, storing nothing */
        return 0;
    }
    if (c == '\0' && r->row_error == SALVO_ROW_OK)
        r->row_error = SALVO_ROW_NUL;
    if (reserve_fb(r, 2) < 0) /* +1 for the field's terminating NUL */
        return -ENOMEM;
    r->fb[r->flen++] = c;
    return 0;
}

int salvo_reader_end_field(salvo_reader_t *r)
{
    if (++r->row_bytes > r->max_line) /* a delimiter counts too */
        r->row_error = SALVO_ROW_TOO_LONG;
    if (r->row_error == SALVO_ROW_TOO_LONG && r->nfields > 0)
        return 0; /* an over-long row keeps one field: a line of commas stays bounded */
    if (r->nfields + 1 > r->fields_cap) {
        size_t ncap = r->fields_cap ? r->fields_cap * 2 : 16;
        size_t *fs = realloc(r->fstart, ncap * sizeof *fs);
        if (fs == NULL)
            return -ENOMEM;
        r->fstart = fs;
        salvo_field_t *f = realloc(r->fields, ncap * sizeof *f);
        if (f == NULL)
            return -ENOMEM;
        r->fields = f;
        r->fields_cap = ncap;
    }
    if (reserve_fb(r, 1) < 0)
        return -ENOMEM;
    /* fstart[i] is where field i begins; the NUL ends it. */
    size_t start = r->nfields == 0 ? 0 : r->fstart[r->nfields - 1] + r->fields[r->nfields - 1].len + 1;
    r->fstart[r->nfields] = start;
    r->fields[r->nfields].len = r->flen - start;
    r->fields[r->nfields].present = 1;
    r->fb[r->flen++] = '\0';
    r->nfields++;
    return 0;
}

void salvo_reader_reset_row(salvo_reader_t *r)
{
    r->flen = 0;
    r->nfields = 0;
    r->row_bytes = 0;
    r->row_error = SALVO_ROW_OK;
    r->quoted = false;
}

void salvo_reader_emit(salvo_reader_t *r, salvo_row_t *row)
{
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i].s = r->fb + r->fstart[i];
    row->line = r->row_line;
    row->nfields = r->nfields;
    row->fields = r->fields;
    row->error = r->row_error;
}
