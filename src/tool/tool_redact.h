/* A result's text from outside salvo with every held secret blanked, before
 * the line is written, counted in the summary or read back by salvo report:
 * a broker that echoes the request (its 401 page, an error message) would
 * put the credentials there. */
#ifndef SALVO_TOOL_REDACT_H
#define SALVO_TOOL_REDACT_H

#include "salvo/jbuf.h"
#include "salvo/result.h"
#include "salvo/secret.h"

enum { TOOL_REDACT_RESPONSE, TOOL_REDACT_ERROR, TOOL_REDACT_LOCATION, TOOL_REDACT_HEADERS, TOOL_REDACT_ORDER_ID,
       TOOL_REDACT_REQUEST, TOOL_REDACT_FIELDS };

typedef struct tool_redact {
    const salvo_secrets_t *secrets; /* borrowed: the run's, as the trace's */
    unsigned char *mask;            /* reused from result to result */
    size_t mask_cap;
    salvo_jbuf_t text[TOOL_REDACT_FIELDS]; /* the blanked copies, reused */
} tool_redact_t;

void tool_redact_init(tool_redact_t *rd, const salvo_secrets_t *secrets);
/* Point r's response, error, location, headers, order id and request at
 * copies with each secret (by its header's name or by its value, in any of
 * its forms) as "***", where one is there; valid until the next call. A
 * field that cannot be blanked for want of memory is withheld. */
void tool_redact_result(tool_redact_t *rd, salvo_result_t *r);
void tool_redact_free(tool_redact_t *rd);

#endif
