/* Loading a broker profile (docs/profiles.md): every field checked once,
 * templates compiled, so a bad profile stops the run before anything is
 * sent, with a message naming the field. The request's fields are read in
 * profile_request.c, the orders' in profile_orders.c. */
#include "profile_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "salvo/result.h"

#include "util.h"

/* ---------- rate limit, secrets ---------- */

static const char *const unit_names[] = {"epoch_s", "epoch_ms", "delta_s", "delta_ms", NULL};

static int parse_rate_limit(salvo_pctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"remaining", "reset", "reset_unit", "capture", NULL};
    salvo_profile_t *p = c->p;
    if (o == NULL)
        return 0;
    int rc = cJSON_IsObject(o) ? salvo_pf_check_keys(c, o, "rate_limit", keys)
                               : salvo_pf_bad(c, "%s must be an object", "rate_limit");
    const char *unit = "epoch_s";
    if (rc == 0) rc = salvo_pf_str(c, o, "remaining", &p->rl.remaining);
    if (rc == 0) rc = salvo_pf_str(c, o, "reset", &p->rl.reset);
    if (rc == 0) rc = salvo_pf_str(c, o, "reset_unit", &unit);
    if (rc == 0) rc = salvo_pf_pick(c, unit, "rate_limit.reset_unit", unit_names, &p->rl.reset_unit);
    if (rc < 0)
        return rc;
    const cJSON *cap = salvo_pf_item(o, "capture");
    if (cap == NULL)
        return 0;
    if (!cJSON_IsArray(cap))
        return salvo_pf_bad(c, "%s is a list of header names", "rate_limit.capture");
    size_t n = (size_t)cJSON_GetArraySize(cap);
    if (n && (p->rl.capture = calloc(n, sizeof *p->rl.capture)) == NULL)
        return -ENOMEM;
    const cJSON *v;
    cJSON_ArrayForEach(v, cap) {
        if (!cJSON_IsString(v))
            return salvo_pf_bad(c, "%s is a list of header names", "rate_limit.capture");
        p->rl.capture[p->rl.ncapture++] = v->valuestring;
    }
    return 0;
}

static unsigned uses_of(const salvo_profile_t *p)
{
    unsigned u = p->sign.string.uses | p->sign.jwt_header.uses | p->sign.jwt_claims.uses;
    for (size_t i = 0; i < p->nheaders; i++)
        u |= p->headers[i].value.uses;
    for (size_t i = 0; i < p->sign.nparams; i++)
        u |= p->sign.params[i].value.uses;
    return u;
}

/* The default variable of a slot: BYBIT_API_KEY from "bybit". */
static void default_var(salvo_profile_t *p, int slot)
{
    static const char *const suffix[] = {"_API_KEY", "_API_SECRET", "_PASSPHRASE"};
    size_t n = 0;
    for (const char *s = p->name; *s && n + 16 < sizeof p->secret_var[slot]; s++)
        p->secret_var[slot][n++] = isalnum((unsigned char)*s) ? (char)toupper((unsigned char)*s) : '_';
    snprintf(p->secret_var[slot] + n, sizeof p->secret_var[slot] - n, "%s", suffix[slot]);
}

static int parse_secrets(salvo_pctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"key", "secret", "passphrase", NULL};
    salvo_profile_t *p = c->p;
    for (int s = 0; s < SALVO_SECRET_COUNT; s++)
        default_var(p, s);
    if (o == NULL)
        return 0;
    int rc = cJSON_IsObject(o) ? salvo_pf_check_keys(c, o, "secrets", keys)
                               : salvo_pf_bad(c, "%s must be an object", "secrets");
    for (int s = 0; rc == 0 && s < SALVO_SECRET_COUNT; s++) {
        const char *v = NULL;
        if ((rc = salvo_pf_str(c, o, keys[s], &v)) == 0 && v)
            snprintf(p->secret_var[s], sizeof p->secret_var[s], "%s", v);
    }
    return rc;
}

static void find_needs(salvo_profile_t *p)
{
    unsigned u = uses_of(p);
    p->needs[SALVO_SECRET_KEY] = (u >> SALVO_TV_KEY) & 1;
    p->needs[SALVO_SECRET_PASSPHRASE] = (u >> SALVO_TV_PASSPHRASE) & 1;
    p->needs[SALVO_SECRET_SECRET] = p->sign.algo != SALVO_SIGN_NONE;
}

/* ---------- idempotency ---------- */

/* "idempotency_header": an RFC 7230 token, as --idempotency-header's. */
static int parse_idempotency(salvo_pctx_t *c, const cJSON *root)
{
    salvo_profile_t *p = c->p;
    int rc = salvo_pf_str(c, root, "idempotency_header", &p->idempotency_header);
    if (rc == 0)
        rc = salvo_pf_bool(c, root, "dedupes_client_id", NULL, &p->dedupes_client_id);
    const char *h = p->idempotency_header;
    if (rc < 0 || h == NULL)
        return rc;
    size_t n = strlen(h);
    if (n == 0 || n > 64 || strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") != n)
        return salvo_pf_bad(c, "profile field \"%s\" must be a header name: 1 to 64 letters, digits or "
                               "!#$%%&'*+-.^_`|~", "idempotency_header");
    return 0;
}

/* ---------- the whole ---------- */

static const char *const enc_names[] = {"json", "form", "query", NULL};

static int parse_defaults(salvo_pctx_t *c, const cJSON *root)
{
    salvo_profile_t *p = c->p;
    int rc = salvo_pf_str(c, root, "rate", &p->rate);
    if (rc == 0)
        rc = salvo_pf_str(c, root, "window", &p->window);
    if (rc == 0)
        rc = salvo_pf_str(c, root, "rate_per", &p->rate_per);
    const cJSON *conc = salvo_pf_item(root, "concurrency");
    if (rc < 0 || conc == NULL)
        return rc;
    if (!cJSON_IsNumber(conc) || !(conc->valuedouble >= 1 && conc->valuedouble <= 100000) ||
        conc->valuedouble != (double)(unsigned)conc->valuedouble)
        return salvo_pf_bad(c, "profile field \"%s\" must be a whole number from 1 to 100000", "concurrency");
    snprintf(p->concurrency, sizeof p->concurrency, "%u", (unsigned)conc->valuedouble);
    return 0;
}

static int parse_top(salvo_pctx_t *c, const cJSON *root)
{
    static const char *const keys[] = {"name", "about", "url", "sandbox_url", "method", "encoding", "body",
                                       "headers", "secrets", "sign", "client_id", "result", "rate_limit",
                                       "warm_url", "server_time", "rate", "window", "rate_per", "concurrency", "quantity",
                                       "body_market", "sandbox_headers", "refuse", "idempotency_header",
                                       "dedupes_client_id", "cancel", "status", "batch", NULL};
    salvo_profile_t *p = c->p;
    const char *enc = "json";
    p->method = "POST";
    p->about = "";
    int rc = cJSON_IsObject(root) ? salvo_pf_check_keys(c, root, "profile", keys)
                                  : salvo_pf_bad(c, "%s", "a profile is one JSON object");
    if (rc == 0) rc = salvo_pf_str(c, root, "name", &p->name);
    if (rc == 0) rc = salvo_pf_str(c, root, "about", &p->about);
    if (rc == 0) rc = salvo_pf_str(c, root, "url", &p->url);
    if (rc == 0) rc = salvo_pf_str(c, root, "sandbox_url", &p->sandbox_url);
    if (rc == 0) rc = salvo_pf_str(c, root, "method", &p->method);
    if (rc == 0) rc = salvo_pf_str(c, root, "warm_url", &p->warm_url);
    if (rc == 0) rc = salvo_pf_str(c, root, "server_time", &p->server_time);
    if (rc == 0 && p->server_time && p->server_time[0] != '/')
        rc = salvo_pf_bad(c, "profile field \"%s\" must be a JSON pointer into the warm_url's answer (\"/serverTime\")",
                          "server_time");
    if (rc == 0) rc = salvo_pf_str(c, root, "encoding", &enc);
    if (rc == 0) rc = salvo_pf_pick(c, enc, "encoding", enc_names, &p->encoding);
    if (rc < 0)
        return rc;
    if (p->name == NULL || p->name[0] == '\0')
        return salvo_pf_bad(c, "a profile needs a \"%s\"", "name");
    const char *qty = "integer";
    static const char *const qty_names[] = {"integer", "decimal", NULL};
    if ((rc = salvo_pf_str(c, root, "quantity", &qty)) < 0 ||
        (rc = salvo_pf_pick(c, qty, "quantity", qty_names, &p->decimal_quantity)) < 0)
        return rc;
    const char *const bodies[] = {"body", "body_market"};
    for (int i = 0; i < 2; i++) {
        const cJSON *body = salvo_pf_item(root, bodies[i]);
        if (body && !cJSON_IsObject(body) && !cJSON_IsArray(body))
            return salvo_pf_bad(c, "profile field \"%s\" must be a JSON object (a template)", bodies[i]);
    }
    if ((rc = parse_defaults(c, root)) < 0 || (rc = parse_idempotency(c, root)) < 0 ||
        (rc = salvo_pf_headers(c, salvo_pf_item(root, "headers"), salvo_pf_item(root, "sandbox_headers"))) < 0 ||
        (rc = salvo_pf_sign(c, salvo_pf_item(root, "sign"))) < 0 ||
        (rc = salvo_pf_client_id(c, salvo_pf_item(root, "client_id"))) < 0 ||
        (rc = parse_rate_limit(c, salvo_pf_item(root, "rate_limit"))) < 0 ||
        (rc = parse_secrets(c, salvo_pf_item(root, "secrets"))) < 0 ||
        (rc = salvo_pf_refuse(c, salvo_pf_item(root, "refuse"))) < 0)
        return rc;
    const cJSON *result = salvo_pf_item(root, "result");
    if ((rc = p->batch_req ? salvo_rules_parse_indexed(&p->rules, result, c->err, c->errlen)
                           : salvo_rules_parse(&p->rules, result, p->op, c->err, c->errlen)) < 0)
        return rc;
    find_needs(p);
    return 0;
}

/* p->root becomes the root of op's request (profile_op.c). */
static int take_op_root(salvo_pctx_t *c, int op)
{
    cJSON *merged;
    int rc = salvo_pf_op_root(c, c->p->root, op, &merged);
    if (rc < 0)
        return rc;
    cJSON_Delete(c->p->root);
    c->p->root = merged;
    c->p->op = op;
    return 0;
}

static int load(salvo_profile_t **out, const char *json, size_t len, int op, char *err, size_t errlen);

static void prefix_section(char *err, size_t errlen, const char *name)
{
    char why[512];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, errlen, "its \"%s\" request: %s", name, why);
}

/* The "batch" request (profile_batch.c): a profile of its own for the
 * request, read as the order's is, and the section's batch fields. Its
 * root is taken before the order's is read (reading a header splits its
 * text in place). The secrets it needs are the profile's to ask for. */
static int take_batch_root(salvo_pctx_t *c, cJSON **root)
{
    *root = NULL;
    salvo_profile_t *p = c->p;
    if (!cJSON_IsObject(p->root) || salvo_pf_item(p->root, "batch") == NULL)
        return 0;
    return salvo_pf_batch_root(c, p->root, root);
}

static int parse_batch(salvo_pctx_t *c, cJSON *root)
{
    salvo_profile_t *p = c->p;
    if (root == NULL)
        return 0;
    if ((p->batch = calloc(1, sizeof *p->batch)) == NULL || (p->batch->req = calloc(1, sizeof *p->batch->req)) == NULL) {
        cJSON_Delete(root);
        return -ENOMEM;
    }
    salvo_profile_t *q = p->batch->req;
    q->root = root;
    q->batch_req = 1;
    salvo_pctx_t qc = {.p = q, .err = c->err, .errlen = c->errlen};
    int rc = parse_top(&qc, q->root);
    if (rc == -EINVAL)
        prefix_section(c->err, c->errlen, "batch");
    if (rc == 0)
        rc = salvo_pf_batch_spec(c, salvo_pf_item(p->root, "batch"), p->batch);
    for (int s = 0; rc == 0 && s < SALVO_SECRET_COUNT; s++)
        p->needs[s] |= q->needs[s];
    return rc;
}

/* A profile is checked whole: its cancel and status requests too, so a
 * mistake in one shows when the profile is first used, not at the hour
 * of the cancel. */
static int check_op_sections(const cJSON *root, char *err, size_t errlen, const char *json, size_t len)
{
    static const int ops[] = {SALVO_OP_CANCEL, SALVO_OP_STATUS};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (salvo_pf_item(root, salvo_op_name(ops[i])) == NULL)
            continue;
        salvo_profile_t *q;
        int rc = load(&q, json, len, ops[i], err, errlen);
        if (rc < 0)
            return rc;
        salvo_profile_free(q);
    }
    return 0;
}

static int load(salvo_profile_t **out, const char *json, size_t len, int op, char *err, size_t errlen)
{
    *out = NULL;
    if (op < SALVO_OP_SEND || op > SALVO_OP_STATUS) {
        snprintf(err, errlen, "no such request kind (%d)", op);
        return -EINVAL;
    }
    salvo_profile_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    salvo_pctx_t c = {.p = p, .err = err, .errlen = errlen};
    cJSON *batch_root = NULL;
    int rc = salvo_profile_read_json(&p->root, json, len, err, errlen);
    if (rc == 0 && op != SALVO_OP_SEND)
        rc = cJSON_IsObject(p->root) ? take_op_root(&c, op) : salvo_pf_bad(&c, "%s", "a profile is one JSON object");
    if (rc == 0 && op == SALVO_OP_SEND)
        rc = take_batch_root(&c, &batch_root);
    if (rc == 0 && (rc = parse_top(&c, p->root)) == -EINVAL && op != SALVO_OP_SEND)
        prefix_section(err, errlen, salvo_op_name(op)); /* its fields are the section's and the profile's: say which */
    if (rc == 0) {
        rc = parse_batch(&c, batch_root); /* it owns batch_root now */
        batch_root = NULL;
    }
    cJSON_Delete(batch_root);
    if (rc == 0 && op == SALVO_OP_SEND)
        rc = check_op_sections(p->root, err, errlen, json, len);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (rc < 0) {
        salvo_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int salvo_profile_parse(salvo_profile_t **out, const char *json, size_t len, char *err, size_t errlen)
{
    return load(out, json, len, SALVO_OP_SEND, err, errlen);
}

int salvo_profile_parse_op(salvo_profile_t **out, const char *json, size_t len, int op, char *err, size_t errlen)
{
    *out = NULL;
    salvo_profile_t *whole;
    /* the whole profile first, every section of it: a mistake anywhere
     * stops every use, not only the send's */
    int rc = op == SALVO_OP_SEND ? 0 : load(&whole, json, len, SALVO_OP_SEND, err, errlen);
    if (rc < 0)
        return rc;
    if (op != SALVO_OP_SEND)
        salvo_profile_free(whole);
    return load(out, json, len, op, err, errlen);
}

int salvo_profile_op(const salvo_profile_t *p) { return p->op; }

void salvo_profile_free(salvo_profile_t *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nheaders; i++)
        salvo_tmpl_free(&p->headers[i].value);
    free(p->headers);
    for (size_t i = 0; i < p->sign.nparams; i++)
        salvo_tmpl_free(&p->sign.params[i].value);
    free(p->sign.params);
    salvo_tmpl_free(&p->sign.string);
    salvo_tmpl_free(&p->sign.jwt_header);
    salvo_tmpl_free(&p->sign.jwt_claims);
    salvo_rules_free(&p->rules);
    free(p->refuse);
    free(p->rl.capture);
    for (int s = 0; s < SALVO_SECRET_COUNT; s++) {
        if (p->secret[s])
            salvo_crypto_wipe(p->secret[s], p->secret_len[s]);
        free(p->secret[s]);
    }
    if (p->hmac_key)
        salvo_crypto_wipe(p->hmac_key, p->hmac_key_len);
    free(p->hmac_key);
    salvo_pkey_free(p->pkey);
    if (p->batch) { /* its request is a profile: freed here, where profiles are */
        free(p->batch->text);
        salvo_profile_free(p->batch->req);
        free(p->batch);
    }
    cJSON_Delete(p->root);
    free(p);
}

/* ---------- accessors ---------- */

const char *salvo_profile_name(const salvo_profile_t *p) { return p->name; }
const char *salvo_profile_about(const salvo_profile_t *p) { return p->about; }
const char *salvo_profile_url(const salvo_profile_t *p, int sandbox) { return sandbox ? p->sandbox_url : p->url; }
const char *salvo_profile_method(const salvo_profile_t *p) { return p->method; }
int salvo_profile_encoding(const salvo_profile_t *p) { return p->encoding; }
const char *salvo_profile_warm_url(const salvo_profile_t *p) { return p->warm_url; }
const char *salvo_profile_server_time(const salvo_profile_t *p) { return p->server_time; }
const char *salvo_profile_idempotency_header(const salvo_profile_t *p) { return p->idempotency_header; }
int salvo_profile_dedupes_client_id(const salvo_profile_t *p) { return p->dedupes_client_id; }
char *salvo_profile_body(const salvo_profile_t *p, int market)
{
    const cJSON *b = salvo_pf_item(p->root, market ? "body_market" : "body");
    return b ? cJSON_PrintUnformatted(b) : NULL;
}

int salvo_profile_decimal_quantity(const salvo_profile_t *p) { return p->decimal_quantity; }

void salvo_profile_use_sandbox(salvo_profile_t *p, int on)
{
    p->sandbox = on;
    if (p->batch)
        p->batch->req->sandbox = on;
}

unsigned salvo_profile_batch_max(const salvo_profile_t *p) { return p->batch ? p->batch->max : 0; }
const char *salvo_profile_batch_method(const salvo_profile_t *p) { return p->batch ? p->batch->req->method : NULL; }

const char *salvo_profile_batch_url(const salvo_profile_t *p, int sandbox)
{
    return p->batch ? salvo_profile_url(p->batch->req, sandbox) : NULL;
}

const char *salvo_profile_default(const salvo_profile_t *p, const char *flag)
{
    if (strcmp(flag, "rate") == 0)
        return p->rate;
    if (strcmp(flag, "window") == 0)
        return p->window;
    if (strcmp(flag, "rate_per") == 0)
        return p->rate_per;
    if (strcmp(flag, "concurrency") == 0)
        return p->concurrency[0] ? p->concurrency : NULL;
    return NULL;
}
