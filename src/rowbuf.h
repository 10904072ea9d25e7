/* The row under construction, shared by the CSV and JSONL parsers (not
 * installed). The parsers call these; the dispatcher (reader.c) calls the
 * parsers: calls go one way. */
#ifndef SALVO_ROWBUF_H
#define SALVO_ROWBUF_H

#include "reader_impl.h"

/* One byte of the current field (a row over max_line stores nothing more
 * and is marked too long). 0 or -ENOMEM. */
int salvo_reader_field_byte(struct salvo_reader *r, char c);
/* End the current field. 0 or -ENOMEM. */
int salvo_reader_end_field(struct salvo_reader *r);
void salvo_reader_reset_row(struct salvo_reader *r);
/* Point row at the finished row's fields. */
void salvo_reader_emit(struct salvo_reader *r, salvo_row_t *row);

#endif
