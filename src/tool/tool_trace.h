/* --trace: libcurl's wire trace with secrets blanked out.
 *
 * Every header whose name is secret (Authorization, cookies, the known
 * broker key headers, and any the user names) has its value replaced by
 * "***" before a byte reaches the file. */
#ifndef SALVO_TRACE_H
#define SALVO_TRACE_H

#include <stddef.h>

typedef struct salvo_trace salvo_trace_t;

/* 0, or a negative errno. The file is created 0600, truncated. */
int salvo_trace_open(salvo_trace_t **out, const char *path, const char *const *extra, size_t nextra);

/* One libcurl debug event. kind is libcurl's curl_infotype; xfer names the
 * transfer slot, id the order. */
void salvo_trace_event(salvo_trace_t *t, unsigned xfer, const char *id, int kind, const char *data, size_t len);

/* 0, or a negative errno if anything failed to be written. */
int salvo_trace_close(salvo_trace_t *t);

#endif
