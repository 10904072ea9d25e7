/* RFC 4180 CSV as a byte-at-a-time state machine, so any chunking of the
 * input gives the same rows. */
#include "rowbuf.h"

#include <errno.h>

enum { S_ROW_START, S_FIELD_START, S_UNQUOTED, S_QUOTED, S_QUOTE_IN_QUOTED, S_AFTER_CR };

/* A row that is one empty or all-blank unquoted field is a blank line. */
static bool row_is_blank(const struct salvo_reader *r)
{
    if (r->nfields != 1 || r->quoted || r->row_error != SALVO_ROW_OK)
        return false;
    for (size_t i = 0; i < r->fields[0].len; i++)
        if (r->fb[i] != ' ' && r->fb[i] != '\t')
            return false;
    return true;
}

/* The row is complete: 1 if it should be returned, 0 if it was blank. */
static int end_row(struct salvo_reader *r, salvo_row_t *row)
{
    if (salvo_reader_end_field(r) < 0)
        return -1;
    if (row_is_blank(r)) {
        salvo_reader_reset_row(r);
        return 0;
    }
    salvo_reader_emit(r, row);
    return 1;
}

#define PUT(c) do { if (salvo_reader_field_byte(r, (c)) < 0) return -ENOMEM; } while (0)

int salvo_csv_next(struct salvo_reader *r, salvo_row_t *row)
{
    /* A row returned by the last call is released now. */
    if (r->state == S_ROW_START && (r->nfields > 0 || r->flen > 0))
        salvo_reader_reset_row(r);

    while (r->pos < r->len) {
        char c = r->in[r->pos++];
        if (r->state == S_ROW_START) {
            salvo_reader_reset_row(r);
            r->row_line = r->line;
            r->state = S_FIELD_START;
        } else if (r->state == S_AFTER_CR) {
            r->state = S_ROW_START;
            if (c == '\n') {
                r->line++;
                continue;
            }
            r->line++; /* a lone CR ended the last line */
            salvo_reader_reset_row(r);
            r->row_line = r->line;
            r->state = S_FIELD_START;
        }
        if (c == '\n' && r->state != S_QUOTED)
            r->line++;

        switch (r->state) {
        case S_FIELD_START:
            if (c == '"') {
                r->quoted = true;
                r->row_bytes++;
                r->state = S_QUOTED;
                break;
            }
            r->state = S_UNQUOTED;
            /* fall through */
        case S_UNQUOTED:
        unquoted:
            if (c == r->delim) {
                if (salvo_reader_end_field(r) < 0)
                    return -ENOMEM;
                r->state = S_FIELD_START;
            } else if (c == '\n' || c == '\r') {
                r->state = c == '\r' ? S_AFTER_CR : S_ROW_START;
                int e = end_row(r, row);
                if (e != 0)
                    return e < 0 ? -ENOMEM : 1;
            } else {
                PUT(c);
            }
            break;
        case S_QUOTED:
            if (c == '"') {
                r->row_bytes++;
                r->state = S_QUOTE_IN_QUOTED;
            } else {
                if (c == '\n')
                    r->line++;
                PUT(c);
            }
            break;
        case S_QUOTE_IN_QUOTED:
            if (c == '"') { /* "" is one quote */
                PUT('"');
                r->state = S_QUOTED;
                break;
            }
            if (c != r->delim && c != '\n' && c != '\r' && r->row_error == SALVO_ROW_OK)
                r->row_error = SALVO_ROW_BAD_QUOTE;
            r->state = S_UNQUOTED;
            goto unquoted;
        }
    }
    if (!r->eof)
        return 0;
    /* End of input: close a last row that had no newline. */
    if (r->state == S_ROW_START || r->state == S_AFTER_CR)
        return 0;
    if (r->state == S_QUOTED && r->row_error == SALVO_ROW_OK)
        r->row_error = SALVO_ROW_BAD_QUOTE;
    r->state = S_ROW_START;
    int e = end_row(r, row);
    return e < 0 ? -ENOMEM : e;
}
