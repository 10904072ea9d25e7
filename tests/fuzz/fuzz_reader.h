/* The CSV and JSONL targets: one harness, two formats.
 *
 * The first two bytes choose the options (delimiter, header handling,
 * defaults, line limit) and the chunking; the rest is the input. It is
 * read twice, pushed whole and pushed in input-derived chunks down to one
 * byte, and every row goes through salvo_order_from_row. Both passes must
 * give the same rows and orders, rendered into a transcript. */
#ifndef SALVO_FUZZ_READER_H
#define SALVO_FUZZ_READER_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "orderid.h"
#include "salvo/engine.h"
#include "salvo/jbuf.h"
#include "salvo/order.h"
#include "salvo/reader.h"

struct reader_opts {
    int format;
    char delim;
    int no_header;
    size_t max_line;
    salvo_order_defaults_t defaults;
    salvo_orderid_t *oids; /* content ids, as the engine's intake gives them */
};

static const char *const extra_cols[] = {"account", "note"};

/* One row into the transcript, checking what a row promises. */
static void take_row(struct reader_opts *op, salvo_layout_t *l, const salvo_row_t *row, uint64_t *seq,
                     int *first, uint64_t *last_line, salvo_order_t *o, salvo_jbuf_t *out)
{
    FUZZ_CHECK(row->line > *last_line);
    *last_line = row->line;
    for (size_t i = 0; i < row->nfields; i++) {
        const salvo_field_t *f = &row->fields[i];
        FUZZ_CHECK(f->s[f->len] == '\0');
        FUZZ_CHECK(f->len <= op->max_line);
        if (row->error == SALVO_ROW_OK)
            FUZZ_CHECK(memchr(f->s, '\0', f->len) == NULL);
    }
    if (op->format == SALVO_FORMAT_CSV && *first) {
        *first = 0;
        if (!op->no_header && row->error == SALVO_ROW_OK && salvo_layout_is_header(row)) {
            salvo_layout_from_header(l, row);
            salvo_jbuf_printf(out, "header %llu\n", (unsigned long long)row->line);
            return;
        }
        salvo_layout_positional(l);
    }
    if (op->format == SALVO_FORMAT_JSONL)
        FUZZ_CHECK(row->error != SALVO_ROW_OK || row->nfields == l->ncols);
    int r = salvo_order_from_row(o, l, &op->defaults, row, ++*seq);
    FUZZ_CHECK(r == 0 || r == 1);
    if (r == 0)
        FUZZ_CHECK(salvo_orderid_assign(op->oids, o, op->defaults.id_prefix) == 0);
    FUZZ_CHECK(o->line == row->line);
    if (r == 1) {
        FUZZ_CHECK(o->error[0] != '\0');
        /* an invalid order keeps only values that were checked: a result
         * line never shows an unchecked quantity or price as a field */
        FUZZ_CHECK(!*o->quantity || (op->defaults.decimal_quantity ? salvo_is_positive_decimal
                                                                      : salvo_is_positive_integer)(o->quantity,
                                                                                                   strlen(o->quantity)));
        FUZZ_CHECK(!*o->price || salvo_is_positive_decimal(o->price, strlen(o->price)));
        FUZZ_CHECK(!*o->symbol || salvo_is_utf8(o->symbol, strlen(o->symbol)));
        salvo_jbuf_printf(out, "%llu invalid: %s\n", (unsigned long long)row->line, o->error);
        return;
    }
    FUZZ_CHECK(*o->symbol && *o->quantity && *o->side && *o->type && *o->client_order_id);
    FUZZ_CHECK(o->order_type == SALVO_MARKET ? *o->price == '\0' : *o->price != '\0');
    salvo_jbuf_printf(out, "%llu %s|%s|%s|%s|%s|%s\n", (unsigned long long)row->line, o->symbol, o->price,
                      o->quantity, o->side, o->type, o->client_order_id);
}

static void drain(struct reader_opts *op, salvo_reader_t *rd, salvo_layout_t *l, uint64_t *seq, int *first,
                  uint64_t *last_line, salvo_order_t *o, salvo_jbuf_t *out)
{
    salvo_row_t row;
    int r;
    while ((r = salvo_reader_next(rd, &row)) == 1)
        take_row(op, l, &row, seq, first, last_line, o, out);
    FUZZ_CHECK(r == 0);
}

/* Read the whole input with chunk sizes from the PRNG (seed 0: at once). */
static void read_all(struct reader_opts *op, const uint8_t *p, size_t n, uint32_t seed, salvo_jbuf_t *out)
{
    salvo_layout_t l;
    FUZZ_CHECK(salvo_layout_init(&l, extra_cols, 2) == 0);
    salvo_reader_t *rd = salvo_reader_new(op->format, op->delim, op->max_line);
    FUZZ_CHECK(rd != NULL);
    if (op->format == SALVO_FORMAT_JSONL) {
        FUZZ_CHECK(salvo_reader_set_columns(rd, (const char *const *)l.names, l.ncols) == 0);
        salvo_layout_identity(&l);
    }
    salvo_order_t o = {0};
    salvo_orderid_t oids;
    salvo_orderid_init(&oids);
    op->oids = &oids;
    uint64_t seq = 0, last_line = 0;
    int first = 1;
    for (size_t off = 0; off < n;) {
        size_t chunk = n - off;
        if (seed) {
            uint32_t x = fuzz_rand(&seed);
            size_t want = x & 0x100 ? (x & 0xfff) + 1 : (x & 0xf) + 1; /* mostly tiny, sometimes large */
            chunk = want < chunk ? want : chunk;
        }
        FUZZ_CHECK(salvo_reader_push(rd, (const char *)p + off, chunk) == 0);
        off += chunk;
        drain(op, rd, &l, &seq, &first, &last_line, &o, out);
    }
    salvo_reader_finish(rd);
    drain(op, rd, &l, &seq, &first, &last_line, &o, out);
    FUZZ_CHECK(salvo_reader_pending(rd) == 0);
    salvo_order_free(&o);
    salvo_orderid_free(&oids);
    salvo_reader_free(rd);
    salvo_layout_free(&l);
}

static int fuzz_reader(int format, const uint8_t *data, size_t size)
{
    static const char delims[] = {',', ';', '\t', '|'};
    static const size_t max_lines[] = {SALVO_MAX_LINE_DEFAULT, 4096, 100, 16};
    fuzz_in_t in = {data, size};
    uint8_t opt = fuzz_byte(&in);
    uint32_t seed = fuzz_byte(&in) + 1u;
    struct reader_opts op = {
        .format = format,
        .delim = delims[opt & 3],
        .no_header = (opt >> 2) & 1,
        .max_line = max_lines[(opt >> 6) & 3],
        .defaults = {.quantity = opt & 0x08 ? "10" : NULL, .side = opt & 0x10 ? "buy" : NULL,
                     .type = opt & 0x20 ? "MARKET" : NULL, .id_prefix = "fz"},
    };
    salvo_jbuf_t whole = {0}, chunked = {0};
    read_all(&op, in.p, in.n, 0, &whole);
    read_all(&op, in.p, in.n, seed, &chunked);
    FUZZ_CHECK(!whole.oom && !chunked.oom);
    if (whole.len != chunked.len || (whole.len && memcmp(whole.p, chunked.p, whole.len) != 0)) {
        fprintf(stderr, "whole:\n%.*s\nchunked:\n%.*s\n", (int)whole.len, whole.p, (int)chunked.len, chunked.p);
        FUZZ_CHECK(!"chunking changed the rows");
    }
    salvo_jbuf_free(&whole);
    salvo_jbuf_free(&chunked);
    return 0;
}

#endif
