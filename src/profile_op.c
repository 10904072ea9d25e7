/* A profile's "cancel" and "status" requests (docs/profiles.md, "Cancel
 * and status"): each is the profile's own request with the section's
 * fields in place of the order's, so it is signed, paced and read by the
 * same code as a send. */
#include "profile_parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "salvo/result.h"
#include "util.h"

/* The order's request, which an op's section replaces or drops. */
static const char *const order_only[] = {"url",    "sandbox_url", "method",             "body",
                                         "body_market", "refuse", "result", "idempotency_header",
                                         "dedupes_client_id", "cancel", "status", NULL};

static const char *const section_keys[] = {"url",  "sandbox_url", "method", "encoding", "body",
                                           "headers", "sandbox_headers", "sign", "result", "rate",
                                           "window", "rate_per", "concurrency", NULL};

/* A GET or DELETE carries no body: its fields go in the query. A request
 * with no fields (OANDA's PUT .../cancel) is encoded as a query too, so
 * it sends an empty body, and nothing is signed that is not sent (a JSON
 * "{}"). */
static int check_bodyless(salvo_pctx_t *c, cJSON *merged, const char *name)
{
    const cJSON *m = salvo_pf_item(merged, "method"), *enc = salvo_pf_item(merged, "encoding");
    const cJSON *body = salvo_pf_item(merged, "body");
    int bodyless = cJSON_IsString(m) && salvo_method_bodyless(m->valuestring);
    int in_query = cJSON_IsString(enc) && strcmp(enc->valuestring, "query") == 0;
    int empty = body == NULL || (cJSON_IsObject(body) && body->child == NULL);
    if (in_query || (!bodyless && !empty))
        return 0;
    if (!empty)
        return salvo_pf_bad(c, "\"%s\": a GET or DELETE sends no body: give its fields with \"encoding\": \"query\"",
                            name);
    return salvo_pf_replace(merged, "encoding", cJSON_CreateString("query"));
}

int salvo_pf_op_root(salvo_pctx_t *c, const cJSON *root, int op, cJSON **out)
{
    *out = NULL;
    const char *name = salvo_op_name(op);
    const cJSON *sec = salvo_pf_item(root, name);
    if (sec == NULL) {
        snprintf(c->err, c->errlen, "the profile has no \"%s\" request", name);
        return -ENOENT;
    }
    if (!cJSON_IsObject(sec))
        return salvo_pf_bad(c, "profile field \"%s\" must be an object (a request: url, method, body, result)", name);
    int rc = salvo_pf_check_keys(c, sec, name, section_keys);
    if (rc < 0)
        return rc;
    if (!cJSON_IsString(salvo_pf_item(sec, "url")))
        return salvo_pf_bad(c, "\"%s\" needs a \"url\" (a string)", name);
    cJSON *m;
    if ((rc = salvo_pf_section_root(root, order_only, sec, NULL, &m)) < 0)
        return rc;
    /* a cancel deletes, a lookup gets, unless the section says otherwise;
     * no body unless it gives one (not the order's default body) */
    if (salvo_pf_item(m, "method") == NULL)
        rc = salvo_pf_replace(m, "method", cJSON_CreateString(op == SALVO_OP_CANCEL ? "DELETE" : "GET"));
    if (rc == 0 && salvo_pf_item(m, "body") == NULL)
        rc = salvo_pf_replace(m, "body", cJSON_CreateObject());
    if (rc == 0)
        rc = check_bodyless(c, m, name);
    if (rc < 0) {
        cJSON_Delete(m);
        return rc;
    }
    *out = m;
    return 0;
}
