/* Streaming row readers: CSV (RFC 4180) and JSON Lines.
 *
 * Both are pull parsers: push bytes in as they arrive (any chunking, down to
 * one byte at a time), then call next() until it returns 0. A row and its
 * fields are views into the reader and stay valid until the next call to
 * next(), push() or free(). Memory is bounded by one chunk plus one row
 * (rows longer than max_line are reported, never stored). */
#ifndef SALVO_READER_H
#define SALVO_READER_H

/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_field {
    const char *s; /* NUL-terminated; may hold NUL bytes (see SALVO_ROW_NUL) */
    size_t len;
    int present;   /* 0: absent (JSONL key missing or null) */
} salvo_field_t;

enum salvo_row_error {
    SALVO_ROW_OK = 0,
    SALVO_ROW_TOO_LONG,  /* longer than max_line bytes */
    SALVO_ROW_NUL,       /* a field holds a NUL byte */
    SALVO_ROW_BAD_QUOTE, /* unterminated quote, or text after a closing quote */
    SALVO_ROW_BAD_JSON,  /* JSONL line is not a JSON object */
    SALVO_ROW_BAD_UTF8,  /* JSONL line is not valid UTF-8 */
    SALVO_ROW_LONE_SURROGATE, /* JSONL: a \u escape is half a surrogate pair (error_detail: the key) */
    SALVO_ROW_DUP_KEY,   /* JSONL: a key comes twice, in any case (error_detail: the key) */
};

typedef struct salvo_row {
    uint64_t line; /* 1-based input line where the row starts */
    size_t nfields;
    const salvo_field_t *fields;
    int error;     /* enum salvo_row_error */
    const char *error_detail; /* NULL, or the JSONL key the error is about */
} salvo_row_t;

/* A message for a row error ("line is too long"); with error_detail, the
 * message is followed by it in quotes: duplicate key "price". */
const char *salvo_row_strerror(int error);

typedef struct salvo_reader salvo_reader_t;

/* format: enum salvo_format (salvo/engine.h) */

#define SALVO_MAX_LINE_DEFAULT (64 * 1024)

/* NULL on out-of-memory. delim is used by CSV only. */
salvo_reader_t *salvo_reader_new(int format, char delim, size_t max_line);
void salvo_reader_free(salvo_reader_t *r);

/* JSONL only: the keys to extract, in the order fields[] will have them.
 * The names are copied. 0 or -ENOMEM. CSV rows carry their own columns. */
int salvo_reader_set_columns(salvo_reader_t *r, const char *const *names, size_t n);

/* Append input bytes (copied). 0 or -ENOMEM. */
int salvo_reader_push(salvo_reader_t *r, const char *buf, size_t len);

/* No more input will come: a last line without newline becomes a row. */
void salvo_reader_finish(salvo_reader_t *r);

/* 1 and *row filled, 0 when more input is needed (or, after finish, the
 * end), -ENOMEM. Blank lines are skipped. */
int salvo_reader_next(salvo_reader_t *r, salvo_row_t *row);

/* Bytes pushed but not yet parsed: the caller stops reading while this is
 * large, which is the reader's share of backpressure. */
size_t salvo_reader_pending(const salvo_reader_t *r);

#ifdef __cplusplus
}
#endif

#endif
