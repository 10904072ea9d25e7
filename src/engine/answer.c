/* A broker's answer read: by the profile's rules (the whole answer, or
 * one order's element of a batch's), its rate-limit headers, and the
 * broker's words for a "no" no rule read. complete.c decides what then
 * happens to the order. */
#include <cjson/cJSON.h>

#include "parts.h"
#include "jsonscan.h"
#include "lookup.h"
#include "profile_int.h"
#include "rules.h"
#include "parse.h"
#include "util.h"

/* ---- a broker profile's reading of an answer ---- */

/* Hold every send for delay_ns (at most --retry-max-backoff): the
 * broker said to slow down, and retrying into its limit is how a client
 * gets banned (Binance: 429s, then 418). */
void salvo_answer_pause(struct salvo_engine *e, int64_t delay_ns)
{
    int64_t cap = e->cfg->max_backoff_ns;
    if (delay_ns > cap)
        delay_ns = cap;
    if (delay_ns > 0)
        salvo_pace_pause(&e->pace, salvo_engine_now(e) + delay_ns);
}

/* ns until a rate_limit.reset value comes, or -1. */
static int64_t reset_in(int unit, const char *v)
{
    int epoch = unit == SALVO_RESET_EPOCH_S || unit == SALVO_RESET_EPOCH_MS;
    double unit_s = unit == SALVO_RESET_EPOCH_S || unit == SALVO_RESET_DELTA_S ? 1 : 1e-3;
    return salvo_parse_rate_reset(v, epoch, unit_s, (double)salvo_unix_us() / 1e6);
}

/* rate_limit: a spent budget pauses every send until its reset; the
 * captured headers go into the result line. */
static void read_rate_headers(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep)
{
    const salvo_profile_t *p = e->cfg->profile;
    const char *rem = p->rl.remaining ? rep->header(rep, p->rl.remaining) : NULL;
    if (rem && strtod(rem, NULL) <= 0 && rem[0] >= '0' && rem[0] <= '9') {
        const char *reset = p->rl.reset ? rep->header(rep, p->rl.reset) : NULL;
        int64_t wait = reset ? reset_in(p->rl.reset_unit, reset) : -1;
        salvo_answer_pause(e, wait >= 0 ? wait : e->cfg->backoff_ns);
    }
    j->captured.len = 0;
    for (size_t i = 0; i < p->rl.ncapture; i++) {
        const char *v = rep->header(rep, p->rl.capture[i]);
        if (v == NULL)
            continue;
        salvo_jbuf_raw(&j->captured, j->captured.len ? "," : "{", 1);
        salvo_jbuf_str(&j->captured, p->rl.capture[i], strlen(p->rl.capture[i]));
        salvo_jbuf_raw(&j->captured, ":", 1);
        salvo_jbuf_str(&j->captured, v, strlen(v));
    }
    if (j->captured.len)
        salvo_jbuf_raw(&j->captured, "}", 2); /* with its NUL */
}

/* A rule's verdict into the outcome: a ban stops the run; an accepted
 * order carries no broker words. Returns v. */
static int take_verdict(struct salvo_engine *e, const salvo_reply_t *rep, int v, int earlier_copy, salvo_outcome_t *oc,
                        char *msg)
{
    *oc = salvo_verdict_outcome(v, earlier_copy, *oc);
    if (v == SALVO_V_BANNED) {
        char why[160];
        snprintf(why, sizeof why, "the broker refuses this client for now (HTTP %ld); the run stopped", rep->http);
        salvo_engine_raise(e, SALVO_STOP_HOPELESS, why);
    }
    if (oc->status == SALVO_ACCEPTED)
        msg[0] = '\0';
    return v;
}

int salvo_answer_read(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep, int earlier_copy,
                      salvo_outcome_t *oc, char *msg, size_t msglen)
{
    const salvo_profile_t *p = e->cfg->profile;
    msg[0] = '\0';
    if (p == NULL || rep->code != CURLE_OK || rep->http < 100)
        return SALVO_V_NONE;
    if (rep->header)
        read_rate_headers(e, j, rep);
    if (rep->body_over) /* a cut-off answer proves nothing a rule could read */
        return SALVO_V_NONE;
    cJSON *doc = rep->body_len ? cJSON_ParseWithLength(rep->body, rep->body_len) : NULL;
    int v = salvo_rules_match(&p->rules, rep->http, doc, &j->order);
    salvo_rules_order_id(&p->rules, doc, j->order_id, sizeof j->order_id);
    salvo_rules_filled(&p->rules, doc, &j->order, j->filled, sizeof j->filled);
    salvo_rules_error(&p->rules, doc, msg, msglen);
    cJSON_Delete(doc);
    return take_verdict(e, rep, v, earlier_copy, oc, msg);
}

/* ---- a batch's answer, read for one of its orders ---- */

/* b->match: the one element, in any of the lists, whose id is the
 * order's; found twice, it is no answer. */
static int find_by_id(const salvo_batch_t *b, salvo_batch_read_t *br, const salvo_order_t *o)
{
    int found = 0;
    for (size_t l = 0; l < b->nelements; l++) {
        const cJSON *list = salvo_json_pointer(br->doc, b->elements[l]), *el;
        int k = 0;
        if (!cJSON_IsArray(list))
            continue;
        cJSON_ArrayForEach(el, list) {
            const cJSON *id = salvo_json_pointer(el, b->match);
            if (cJSON_IsString(id) && strcmp(id->valuestring, o->client_order_id) == 0) {
                if (found++)
                    return 0;
                snprintf(br->element, sizeof br->element, "%s/%d", b->elements[l], k);
            }
            k++;
        }
    }
    return found == 1 && strlen(b->elements[0]) < sizeof br->element - 12;
}

/* Has the answer an element for the order at br->index? Found by its id
 * (match), or by place: the list holds one an order, and when the profile
 * names each element's client order id (element_id) it must be the
 * order's. A list of another length could put one order's answer on
 * another: none counts. br->element is then the element's pointer. */
static int has_element(const salvo_batch_t *b, salvo_batch_read_t *br, const salvo_order_t *o)
{
    br->element[0] = '\0';
    if (br->doc == NULL)
        return 0;
    if (b->match)
        return find_by_id(b, br, o);
    const cJSON *list = salvo_json_pointer(br->doc, b->elements[0]);
    if (!cJSON_IsArray(list) || (int)br->index >= cJSON_GetArraySize(list))
        return 0;
    if (snprintf(br->element, sizeof br->element, "%s/%u", b->elements[0], br->index) >= (int)sizeof br->element)
        return 0;
    if (b->element_id == NULL)
        return cJSON_GetArraySize(list) == (int)br->n;
    salvo_rules_at_t at = {(long)br->index, br->element};
    const cJSON *id = salvo_rules_find(br->doc, b->element_id, o, &at);
    return cJSON_IsString(id) && strcmp(id->valuestring, o->client_order_id) == 0;
}

void salvo_answer_locate(const salvo_batch_t *b, salvo_batch_read_t *br, const salvo_order_t *o)
{
    br->found = has_element(b, br, o);
}

int salvo_answer_read_member(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep,
                             const salvo_batch_read_t *br, int earlier_copy, salvo_outcome_t *oc, char *msg,
                             size_t msglen)
{
    const salvo_batch_t *b = e->cfg->profile->batch;
    const salvo_rules_t *rs = &b->req->rules;
    msg[0] = '\0';
    if (rep->code != CURLE_OK || rep->http < 100)
        return SALVO_V_NONE;
    if (rep->header)
        read_rate_headers(e, j, rep);
    int ok = rep->http >= 200 && rep->http < 300;
    int el = br->found; /* never with a cut-off answer: it was not parsed */
    /* without its element, {{index}} and {{element}} find nothing: only
     * rules on the whole answer can hold (another order's element, in its
     * place, must never speak for it) */
    salvo_rules_at_t at = {el ? (long)br->index : -1, el ? br->element : NULL};
    int v = rep->body_over ? SALVO_V_NONE : salvo_rules_match_at(rs, rep->http, br->doc, &j->order, &at);
    if (el) {
        salvo_rules_order_id_at(rs, br->doc, &at, j->order_id, sizeof j->order_id);
        salvo_rules_error_at(rs, br->doc, &at, msg, msglen);
    } else if (v != SALVO_V_ACCEPTED && v != SALVO_V_DUPLICATE) {
        salvo_rules_error_at(rs, br->doc, &at, msg, msglen); /* a whole batch's refusal */
    }
    /* an element no rule reads says nothing the HTTP status may overrule
     * (a 400 whose elements say "accepted"): only a 429 or a 5xx, which
     * speak for the whole request, keep their reading */
    int whole_status = rep->http == 429 || rep->http >= 500;
    if ((!el && (v == SALVO_V_ACCEPTED || v == SALVO_V_DUPLICATE || (v == SALVO_V_NONE && ok))) ||
        (el && v == SALVO_V_NONE && !whole_status)) {
        snprintf(msg, msglen, "%s", el ? "the batch's answer has an element for this order that no rule reads"
                                       : rep->body_over ? "the batch's answer was too long to read"
                                                        : "the batch's answer has no element for this order");
        v = SALVO_V_UNKNOWN;
    }
    return take_verdict(e, rep, v, earlier_copy, oc, msg);
}

/* The string value of a member named one of keys, decoded, into out. */
static int string_member(const char *s, size_t n, const char *const *keys, char *out, size_t cap)
{
    size_t pos = 0;
    salvo_json_member_t m;
    if (salvo_json_object_open(s, n, &pos) < 0)
        return 0;
    while (salvo_json_object_next(s, n, &pos, &m) == 1) {
        if (m.value_len < 2 || m.value[0] != '"')
            continue;
        for (const char *const *k = keys; *k; k++) {
            if (strlen(*k) != m.key_len || memcmp(*k, m.key, m.key_len) != 0)
                continue;
            salvo_jbuf_t b = {0};
            salvo_json_unescape_lossy(&b, m.value + 1, m.value_len - 2);
            int ok = !b.oom && b.len > 0;
            if (ok)
                snprintf(out, cap, "%.*s", (int)b.len, b.p);
            salvo_jbuf_free(&b);
            if (ok)
                return 1;
        }
    }
    return 0;
}

void salvo_answer_reason(const salvo_reply_t *rep, char *out, size_t cap)
{
    static const char *const err_key[] = {"error", "code_message", NULL};
    static const char *const why_keys[] = {"message", "msg", "reason", "detail", "description",
                                           "error_description", "errorMessage", NULL};
    char err[120] = "", why[160] = "";
    string_member(rep->body, rep->body_len, err_key, err, sizeof err);
    string_member(rep->body, rep->body_len, why_keys, why, sizeof why);
    out[0] = '\0';
    if (err[0] || why[0]) {
        snprintf(out, cap, "%s%s%s", err, err[0] && why[0] ? ": " : "", why);
        return;
    }
    size_t pos = salvo_json_skip_ws(rep->body, rep->body_len, 0);
    if (pos < rep->body_len && (rep->body[pos] == '{' || rep->body[pos] == '['))
        return; /* JSON with none of those: the whole answer is in "response" */
    size_t k = 0;
    for (size_t i = 0; i < rep->body_len && k + 1 < cap && k < 120; i++) {
        unsigned char c = (unsigned char)rep->body[i];
        if (c == '\n' || c == '\r')
            break;
        out[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c; /* bytes past ASCII are made U+FFFD by the writer */
    }
    out[k] = '\0';
}
