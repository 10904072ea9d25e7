/* --trace: libcurl's wire trace with secrets blanked out.
 *
 * Every line of every kind (libcurl's informational text, headers, bodies)
 * goes through salvo_secret_mask before a byte reaches the file: the value
 * of any secret header wherever it is written (HTTP/2's "h2h3 [authorization:
 * Bearer ...]" lines too) and any secret value the process holds become
 * "***". */
#ifndef SALVO_TRACE_H
#define SALVO_TRACE_H

#include <stddef.h>

#include "salvo/engine.h"
#include "salvo/secret.h"

typedef struct salvo_trace salvo_trace_t;

/* 0, or a negative errno. The file is created 0600, truncated. s (may be
 * NULL) names more secret headers and the secret values; its arrays must
 * outlive the trace. */
int salvo_trace_open(salvo_trace_t **out, const char *path, const salvo_secrets_t *s);

/* One libcurl debug event. kind is libcurl's curl_infotype; xfer names the
 * transfer slot, id the order. */
void salvo_trace_event(salvo_trace_t *t, unsigned xfer, const char *id, int kind, const char *data, size_t len);

/* 0, or a negative errno if anything failed to be written. */
int salvo_trace_close(salvo_trace_t *t);

#endif
