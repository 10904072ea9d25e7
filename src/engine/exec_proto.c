/* The worker protocol's lines: see exec_proto.h and docs/exec-protocol.md. */
#include "exec_proto.h"

#include "retry.h"
#include "salvo/version.h"

/* A worker's status word: 1 + the status (the reply's known), or 0. */
static int status_of(const char *s, int *retry)
{
    static const struct {
        const char *name;
        int status, retry;
    } map[] = {
        {"accepted", SALVO_ACCEPTED, SALVO_RETRY_NO},
        {"duplicate", SALVO_DUPLICATE, SALVO_RETRY_NO},
        {"rejected", SALVO_REJECTED, SALVO_RETRY_NO},
        {"failed", SALVO_FAILED, SALVO_RETRY_SAFE}, /* provably not placed: may be sent again */
        {"unknown", SALVO_UNKNOWN, SALVO_RETRY_AMBIGUOUS},
    };
    for (size_t i = 0; s && i < sizeof map / sizeof *map; i++)
        if (strcmp(s, map[i].name) == 0) {
            *retry = map[i].retry;
            return 1 + map[i].status;
        }
    return 0;
}

/* A lookup's answer: found, absent, or it cannot tell. */
static void read_found(salvo_reply_t *r, const cJSON *found)
{
    if (cJSON_IsTrue(found)) {
        r->known = 1 + SALVO_ACCEPTED;
        r->word = "found";
    } else if (cJSON_IsFalse(found)) {
        r->known = 1 + SALVO_FAILED;
        r->word = "absent";
    } else {
        r->known = 1 + SALVO_UNKNOWN;
        r->word = "unknown";
    }
}

static const cJSON *item(const cJSON *v, const char *k) { return cJSON_GetObjectItemCaseSensitive(v, k); }

int salvo_exec_answer_read(salvo_exec_answer_t *a, const char *s, size_t n, uint64_t id, int lookup,
                           uint64_t sent_ns, uint64_t now_ns)
{
    memset(a, 0, sizeof *a);
    salvo_reply_t *r = &a->r;
    r->retry_after_s = -1;
    r->connected = 1;
    cJSON *v = a->v = cJSON_ParseWithLength(s, n);
    const cJSON *got = item(v, "id");
    if (!cJSON_IsObject(v) || !cJSON_IsNumber(got) || got->valuedouble != (double)id)
        return -1;
    if (lookup) {
        read_found(r, item(v, "found"));
    } else {
        r->known = status_of(cJSON_GetStringValue(item(v, "status")), &r->known_retry);
        if (r->known == 0)
            return -1;
        r->word = salvo_status_name(r->known - 1);
    }
    r->error = cJSON_GetStringValue(item(v, "error"));
    const cJSON *oid = item(v, "order_id");
    if (cJSON_IsString(oid))
        r->order_id = oid->valuestring;
    else if (cJSON_IsNumber(oid) && snprintf(a->oid, sizeof a->oid, "%.17g", oid->valuedouble) > 0)
        r->order_id = a->oid; /* a number: as cJSON read it (the body keeps its digits) */
    r->total_us = (int64_t)(now_ns - sent_ns) / 1000;
    /* When the SDK call began, on the machine's monotonic clock (uv_hrtime's):
     * the windows count the order from then, as they count an HTTP request
     * from when it started going out, so a worker that woke late cannot bunch
     * orders at the broker. A time outside the write..answer span is ignored. */
    const cJSON *called = item(v, "called_mono_ns");
    if (cJSON_IsNumber(called) && called->valuedouble >= (double)sent_ns && called->valuedouble <= (double)now_ns)
        r->pretransfer_us = (int64_t)((called->valuedouble - (double)sent_ns) / 1000);
    r->body = s;
    r->body_len = n < SALVO_RESPONSE_MAX ? n : SALVO_RESPONSE_MAX;
    r->body_over = n > SALVO_RESPONSE_MAX;
    return 0;
}

void salvo_exec_answer_free(salvo_exec_answer_t *a)
{
    cJSON_Delete(a->v);
    a->v = NULL;
}

int salvo_exec_hello_read(const char *s, size_t n, char *why, size_t cap)
{
    cJSON *v = cJSON_ParseWithLength(s, n);
    const cJSON *proto = item(v, "protocol");
    const char *error = cJSON_GetStringValue(item(v, "error"));
    int rc = -1;
    if (!cJSON_IsObject(v) || !cJSON_IsNumber(proto))
        snprintf(why, cap, "answered the handshake with something that is not one (%.*s%s)", SALVO_EXEC_SHOWN(n), s,
                 n > 100 ? "..." : "");
    else if (proto->valuedouble != SALVO_EXEC_PROTOCOL)
        snprintf(why, cap, "speaks protocol %g; this salvo speaks %d", proto->valuedouble, SALVO_EXEC_PROTOCOL);
    else if (!cJSON_IsTrue(item(v, "ready")))
        snprintf(why, cap, "said it is not ready: %s", error ? error : "(no error given)");
    else
        rc = 0;
    cJSON_Delete(v);
    return rc;
}

void salvo_exec_hello_line(salvo_jbuf_t *b, unsigned worker, unsigned workers)
{
    salvo_jbuf_printf(b, "{\"salvo\":\"%s\",\"protocol\":%d,\"worker\":%u,\"workers\":%u}\n", SALVO_VERSION_STRING,
                      SALVO_EXEC_PROTOCOL, worker, workers);
}

void salvo_exec_order_line(salvo_jbuf_t *b, const salvo_job_t *j, uint64_t id)
{
    const salvo_order_t *o = &j->order;
    if (j->mode == JOB_LOOKUP) {
        salvo_jbuf_printf(b, "{\"op\":\"lookup\",\"id\":%llu,\"client_order_id\":", (unsigned long long)id);
        salvo_jbuf_str(b, o->client_order_id, strlen(o->client_order_id));
        salvo_jbuf_raw(b, "}\n", 2);
        return;
    }
    salvo_jbuf_printf(b, "{\"op\":\"order\",\"id\":%llu,\"seq\":%llu,\"line\":%llu,\"attempt\":%u",
                      (unsigned long long)id, (unsigned long long)o->seq, (unsigned long long)o->line,
                      j->res.attempts + 1);
    const struct {
        const char *k, *v;
    } f[] = {{"client_order_id", o->client_order_id}, {"symbol", o->symbol}, {"side", o->side},
             {"quantity", o->quantity}, {"price", o->price}, {"type", o->type}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        if (f[i].v == NULL || *f[i].v == '\0')
            continue;
        salvo_jbuf_printf(b, ",\"%s\":", f[i].k);
        salvo_jbuf_str(b, f[i].v, strlen(f[i].v));
    }
    if (o->body_len) {
        salvo_jbuf_cstr(b, ",\"body\":");
        salvo_jbuf_raw(b, o->body, o->body_len);
    }
    salvo_jbuf_raw(b, "}\n", 2);
}
