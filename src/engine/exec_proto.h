/* The worker protocol's lines (docs/exec-protocol.md), apart from the
 * processes that carry them: what salvo writes to a worker, and what it
 * makes of what a worker writes back. No loop, no processes: a worker's
 * output is untrusted input, and fuzz_exec feeds these any bytes. */
#ifndef SALVO_EXEC_PROTO_H
#define SALVO_EXEC_PROTO_H

#include <cjson/cJSON.h>

#include "parts.h"

#define SALVO_EXEC_PROTOCOL 1

/* How much of a bad line a message quotes (the line is not NUL-terminated). */
#define SALVO_EXEC_SHOWN(n) ((int)((n) < 100 ? (n) : 100))

/* An answer read. r's strings point into v (error), oid (a numeric order
 * id, printed) or the line itself (body): keep all three until
 * salvo_exec_answer_free. */
typedef struct salvo_exec_answer {
    cJSON *v;
    salvo_reply_t r;
    char oid[32];
} salvo_exec_answer_t;

/* The answer to line `id` (a lookup's when lookup), written sent_ns ..
 * now_ns on uv_hrtime's clock: 0 with a->r filled (r.known set, r.worker
 * left 0), or -1 when the line is not that answer. Free a either way. */
int salvo_exec_answer_read(salvo_exec_answer_t *a, const char *s, size_t n, uint64_t id, int lookup,
                           uint64_t sent_ns, uint64_t now_ns);
void salvo_exec_answer_free(salvo_exec_answer_t *a);

/* The worker's handshake line: 0 when it is ready, or -1 with why, worded
 * to follow "worker N ...". */
int salvo_exec_hello_read(const char *s, size_t n, char *why, size_t cap);

/* The lines salvo writes, each ending in '\n'. */
void salvo_exec_hello_line(salvo_jbuf_t *b, unsigned worker, unsigned workers);
void salvo_exec_order_line(salvo_jbuf_t *b, const salvo_job_t *j, uint64_t id);

#endif
