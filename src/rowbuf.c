/* Building the current row: the field bytes and the field table, for the
 * CSV and JSONL parsers. See reader_impl.h. */
#include "rowbuf.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* Room for n more bytes in the field buffer. */
static int reserve_fb(salvo_reader_t *r, size_t n)
{
    if (r->flen + n <= r->fcap) /* the common case, per byte: no call */
        return 0;
    return salvo_grow((void **)&r->fb, &r->fcap, r->flen + n, 1);
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
    if (r->nfields + 1 > r->fields_cap) { /* two tables, one capacity */
        size_t fs_cap = r->fields_cap, f_cap = r->fields_cap;
        if (salvo_grow((void **)&r->fstart, &fs_cap, r->nfields + 1, sizeof *r->fstart) < 0 ||
            salvo_grow((void **)&r->fields, &f_cap, r->nfields + 1, sizeof *r->fields) < 0)
            return -ENOMEM;
        r->fields_cap = fs_cap < f_cap ? fs_cap : f_cap;
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
    r->has_detail = false;
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
    row->error_detail = r->row_error != SALVO_ROW_OK && r->has_detail ? r->error_detail : NULL;
}
