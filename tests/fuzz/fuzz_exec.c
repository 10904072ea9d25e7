/* A worker's lines (the handshake, its answers): any bytes are either
 * refused or read into a reply the engine can take, with a known status,
 * the body within the line and the call's start within the round trip.
 * The order line salvo writes from any field is one JSON object on one
 * line, whatever the fields hold. */
#include <string.h>

#include "exec_proto.h"
#include "fuzz.h"

static void answer(const char *s, size_t n, uint64_t id, int lookup)
{
    salvo_exec_answer_t a;
    const uint64_t sent = 1000000000, now = sent + 5000000;
    if (salvo_exec_answer_read(&a, s, n, id, lookup, sent, now) == 0) {
        const salvo_reply_t *r = &a.r;
        FUZZ_CHECK(r->known >= 1 + SALVO_ACCEPTED && r->known <= 1 + SALVO_UNKNOWN && r->word != NULL);
        FUZZ_CHECK(!lookup || r->known != 1 + SALVO_REJECTED);
        FUZZ_CHECK(r->body == s && r->body_len <= n && r->body_len <= SALVO_RESPONSE_MAX);
        FUZZ_CHECK(r->pretransfer_us >= 0 && r->pretransfer_us <= r->total_us && r->total_us == 5000);
        FUZZ_CHECK(r->error == NULL || strlen(r->error) < n);
        FUZZ_CHECK(r->order_id == NULL || strlen(r->order_id) < n || r->order_id == a.oid);
    }
    salvo_exec_answer_free(&a);
}

static void order_line(const char *s, size_t n)
{
    /* the fields: the input cut at NULs */
    char buf[4096 + 1];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *f[6] = {"", "", "", "", "", ""};
    size_t k = 0;
    for (size_t i = 0; i <= n && k < 6; i++)
        if (i == 0 || buf[i - 1] == '\0')
            f[k++] = buf + i;
    salvo_job_t j;
    memset(&j, 0, sizeof j);
    j.order = (salvo_order_t){.seq = 7, .line = 8, .client_order_id = f[0], .symbol = f[1],
                              .side = f[2], .quantity = f[3], .price = f[4],
                              .type = f[5]};
    for (int lookup = 0; lookup < 2; lookup++) {
        j.mode = lookup ? JOB_LOOKUP : JOB_POST;
        salvo_jbuf_t b = {0};
        salvo_exec_order_line(&b, &j, 42);
        FUZZ_CHECK(!b.oom && b.len > 0 && b.p[b.len - 1] == '\n' && memchr(b.p, '\n', b.len) == b.p + b.len - 1);
        cJSON *v = cJSON_ParseWithLength(b.p, b.len);
        FUZZ_CHECK(cJSON_IsObject(v) && cJSON_GetNumberValue(cJSON_GetObjectItem(v, "id")) == 42);
        cJSON_Delete(v);
        salvo_jbuf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char why[240];
    if (salvo_exec_hello_read(s, size, why, sizeof why) < 0)
        FUZZ_CHECK(memchr(why, '\0', sizeof why) != NULL && why[0] != '\0');
    for (uint64_t id = 0; id < 3; id++) {
        answer(s, size, id, 0);
        answer(s, size, id, 1);
    }
    order_line(s, size);
    return 0;
}
