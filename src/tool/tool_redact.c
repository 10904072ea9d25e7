/* Blanking the secrets in a result's text: see tool_redact.h. */
#include "tool_redact.h"

#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "util.h"

static const char withheld[] = "[withheld: no memory to blank its secrets]";
/* for a field written into the line as JSON: a JSON string */
static const char withheld_json[] = "\"[withheld: its secrets could not be blanked]\"";

void tool_redact_init(tool_redact_t *rd, const salvo_secrets_t *secrets)
{
    memset(rd, 0, sizeof *rd);
    rd->secrets = secrets;
}

/* text[0..len) with each run of masked bytes as "***", into b. */
static void put_masked(salvo_jbuf_t *b, const char *text, size_t len, const unsigned char *mask)
{
    b->len = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && mask[j] == mask[i])
            j++;
        if (mask[i])
            salvo_jbuf_raw(b, "***", 3);
        else
            salvo_jbuf_raw(b, text + i, j - i);
        i = j;
    }
    salvo_jbuf_raw(b, "", 1); /* NUL-terminated, not counted */
    b->len--;
}

/* The text blanked (its length in *outlen), or text itself when it holds no
 * secret: the common case costs a scan and no copy. cut: the text was cut
 * at len, so a secret may begin at its end. */
static const char *blank(tool_redact_t *rd, int field, const char *text, size_t len, int cut, size_t *outlen)
{
    *outlen = len;
    if (text == NULL || len == 0)
        return text;
    if (salvo_grow((void **)&rd->mask, &rd->mask_cap, len, 1) < 0)
        return *outlen = sizeof withheld - 1, withheld;
    memset(rd->mask, 0, len);
    size_t marked = salvo_secret_mask(text, len, rd->secrets, rd->mask);
    if (cut)
        marked += salvo_secret_mask_cut(text, len, rd->secrets, rd->mask);
    if (marked == 0)
        return text;
    salvo_jbuf_t *b = &rd->text[field];
    b->oom = 0;
    put_masked(b, text, len, rd->mask);
    if (b->oom)
        return *outlen = sizeof withheld - 1, withheld;
    *outlen = b->len;
    return b->p;
}

static const char *blank_cstr(tool_redact_t *rd, int field, const char *text)
{
    size_t n;
    return text ? blank(rd, field, text, strlen(text), 0, &n) : NULL;
}

/* A field the line embeds as JSON (captured headers, a dry run's request):
 * a blank that cut it where it is not JSON any more is withheld whole. */
static const char *blank_json(tool_redact_t *rd, int field, const char *text)
{
    size_t n, pos = 0;
    const char *out = text ? blank(rd, field, text, strlen(text), 0, &n) : NULL;
    if (out == text)
        return out;
    if (out == withheld || salvo_json_value(out, n, &pos, 0, NULL) < 0 || salvo_json_skip_ws(out, n, pos) != n)
        return withheld_json;
    return out;
}

void tool_redact_result(tool_redact_t *rd, salvo_result_t *r)
{
    size_t n;
    const char *resp = blank(rd, TOOL_REDACT_RESPONSE, r->response, r->response_len, r->response_truncated, &n);
    if (resp != r->response) {
        r->response = resp;
        r->response_len = n;
    }
    r->error = blank_cstr(rd, TOOL_REDACT_ERROR, r->error);
    r->location = blank_cstr(rd, TOOL_REDACT_LOCATION, r->location);
    r->headers = blank_json(rd, TOOL_REDACT_HEADERS, r->headers);
    r->order_id = blank_cstr(rd, TOOL_REDACT_ORDER_ID, r->order_id);
    r->request = blank_json(rd, TOOL_REDACT_REQUEST, r->request);
}

void tool_redact_free(tool_redact_t *rd)
{
    free(rd->mask);
    for (int i = 0; i < TOOL_REDACT_FIELDS; i++)
        salvo_jbuf_free(&rd->text[i]);
    memset(rd, 0, sizeof *rd);
}
