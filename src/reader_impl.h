/* Internals shared by the CSV and JSONL parsers (not installed). */
#ifndef SALVO_READER_IMPL_H
#define SALVO_READER_IMPL_H

#include "salvo/jbuf.h"
#include "salvo/reader.h"

#include <stdbool.h>

struct salvo_reader {
    int format;
    char delim;
    size_t max_line;
    bool eof, started;
    bool line_skipping; /* JSONL: dropping an over-long line */

    /* input bytes not yet parsed: in[pos..len) */
    char *in;
    size_t pos, len, cap;

    /* current row: field bytes and field table */
    char *fb;
    size_t flen, fcap;
    size_t *fstart;
    salvo_field_t *fields;
    size_t nfields, fields_cap;

    /* CSV state machine */
    int state;
    bool quoted;   /* current field was quoted */
    uint64_t line; /* current physical line */
    uint64_t row_line;
    size_t row_bytes;
    int row_error;

    char error_detail[64]; /* the row error's key (may be ""), when has_detail */
    bool has_detail;

    /* JSONL: the wanted keys */
    char **cols;
    size_t ncols;
    /* JSONL: one line's members and their decoded keys and values; both
     * are bounded by the line (max_line) and reused from line to line */
    struct salvo_jsonl_member *members;
    size_t members_cap;
    salvo_jbuf_t scratch;
};

int salvo_csv_next(struct salvo_reader *r, salvo_row_t *row);
int salvo_jsonl_next(struct salvo_reader *r, salvo_row_t *row);

#endif
