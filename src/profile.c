/* Loading a broker profile (docs/profiles.md): every field checked once,
 * templates compiled, so a bad profile stops the run before anything is
 * sent, with a message naming the field. */
#include "profile_int.h"
#include "salvo/order.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "util.h"

typedef struct ctx {
    salvo_profile_t *p;
    char *err;
    size_t errlen;
} ctx_t;

static int bad(ctx_t *c, const char *fmt, const char *what)
{
    snprintf(c->err, c->errlen, fmt, what);
    return -EINVAL;
}

static const cJSON *item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* An optional string field: 0 (absent: *out stays), or -EINVAL. */
static int str_field(ctx_t *c, const cJSON *o, const char *k, const char **out)
{
    const cJSON *v = item(o, k);
    if (v == NULL)
        return 0;
    if (!cJSON_IsString(v))
        return bad(c, "profile field \"%s\" must be a string", k);
    *out = v->valuestring;
    return 0;
}

static int known(const char *k, const char *const *names)
{
    if (k[0] == '_') /* "_notes", "_sources": for people */
        return 1;
    for (; *names; names++)
        if (strcmp(k, *names) == 0)
            return 1;
    return 0;
}

static int check_keys(ctx_t *c, const cJSON *o, const char *where, const char *const *names)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, o) {
        if (!known(k->string, names)) {
            snprintf(c->err, c->errlen, "%s: unknown field \"%.60s\" (see docs/profiles.md)", where, k->string);
            return -EINVAL;
        }
    }
    return 0;
}

static int compile(ctx_t *c, salvo_tmpl_t *t, const char *text, const char *where)
{
    char e[160];
    int rc = salvo_tmpl_compile(t, text, e, sizeof e);
    if (rc == -EINVAL)
        snprintf(c->err, c->errlen, "%s: %s", where, e);
    return rc;
}

static int pick(ctx_t *c, const char *v, const char *field, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0)
            return *out = i, 0;
    snprintf(c->err, c->errlen, "profile field \"%s\": \"%.40s\" is not one of the known values (docs/profiles.md)", field, v);
    return -EINVAL;
}

/* ---------- headers ---------- */

static int parse_header(ctx_t *c, salvo_hdr_t *h, const cJSON *v)
{
    if (!cJSON_IsString(v))
        return bad(c, "%s: each header is a \"Name: value\" string", "headers");
    char *colon = strchr(v->valuestring, ':');
    if (colon == NULL || colon == v->valuestring)
        return bad(c, "headers: \"%.60s\" is not \"Name: value\"", v->valuestring);
    *colon = '\0'; /* the name stays in root's string */
    h->name = v->valuestring;
    const char *val = colon + 1;
    while (*val == ' ')
        val++;
    for (const char *s = h->name; *s; s++)
        if (!isgraph((unsigned char)*s))
            return bad(c, "headers: the name \"%.60s\" holds a space or a control character", h->name);
    /* found here, not at every order's send: it would end the header early */
    if (strpbrk(val, "\r\n") != NULL)
        return bad(c, "headers: the value of %.60s holds a line break (CR or LF)", h->name);
    char where[96];
    snprintf(where, sizeof where, "header %.60s", h->name);
    int rc = compile(c, &h->value, val, where);
    h->secret = (h->value.uses & SALVO_TV_SECRET_MASK) != 0;
    return rc;
}

/* "headers", then "sandbox_headers" (sent only with --sandbox: OKX's demo
 * trading is the live host plus x-simulated-trading: 1). */
static int parse_headers(ctx_t *c, const cJSON *a, const cJSON *sandbox)
{
    const cJSON *lists[2] = {a, sandbox};
    const char *names[2] = {"headers", "sandbox_headers"};
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        if (lists[k] && !cJSON_IsArray(lists[k]))
            return bad(c, "profile field \"%s\" is a list of \"Name: value\" strings", names[k]);
        n += lists[k] ? (size_t)cJSON_GetArraySize(lists[k]) : 0;
    }
    if (n > SALVO_PROFILE_MAX_HEADERS)
        return bad(c, "a profile has at most 24 headers (%s)", "headers and sandbox_headers");
    if (n && (c->p->headers = calloc(n, sizeof *c->p->headers)) == NULL)
        return -ENOMEM;
    for (int k = 0; k < 2; k++) {
        const cJSON *v;
        cJSON_ArrayForEach(v, lists[k]) {
            salvo_hdr_t *h = &c->p->headers[c->p->nheaders++];
            h->sandbox_only = k == 1;
            int rc = parse_header(c, h, v);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ---------- sign ---------- */

static const char *const algo_names[] = {"none", "hmac-sha256", "hmac-sha384", "hmac-sha512", "kraken",
                                         "rsa-sha256", "ed25519", "jwt-es256", "jwt-eddsa", NULL};
const char *salvo_sign_algo_name(int algo)
{
    return algo >= 0 && algo <= SALVO_SIGN_JWT_EDDSA ? algo_names[algo] : "?";
}

static const char *const out_names[] = {"hex", "base64", "base64url", NULL};
static const char *const secenc_names[] = {"raw", "base64", "hex", NULL};

static int parse_params(ctx_t *c, const cJSON *o)
{
    salvo_sign_spec_t *s = &c->p->sign;
    if (o == NULL)
        return 0;
    if (!cJSON_IsObject(o))
        return bad(c, "%s must be an object of name: template", "sign.params");
    size_t n = (size_t)cJSON_GetArraySize(o);
    if (n && (s->params = calloc(n, sizeof *s->params)) == NULL)
        return -ENOMEM;
    const cJSON *v;
    cJSON_ArrayForEach(v, o) {
        if (!cJSON_IsString(v))
            return bad(c, "sign.params.%.60s must be a string", v->string);
        salvo_param_t *pm = &s->params[s->nparams++];
        pm->name = v->string;
        int rc = compile(c, &pm->value, v->valuestring, "sign.params");
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int parse_jwt(ctx_t *c, const cJSON *o)
{
    salvo_sign_spec_t *s = &c->p->sign;
    const char *hdr = NULL, *claims = NULL;
    int rc = str_field(c, o, "jwt_header", &hdr);
    if (rc == 0)
        rc = str_field(c, o, "jwt_claims", &claims);
    if (rc < 0)
        return rc;
    if (hdr == NULL || claims == NULL)
        return bad(c, "sign: %s needs \"jwt_header\" and \"jwt_claims\" (JSON text templates)", "a jwt algo");
    if ((rc = compile(c, &s->jwt_header, hdr, "sign.jwt_header")) < 0)
        return rc;
    return compile(c, &s->jwt_claims, claims, "sign.jwt_claims");
}

static int parse_sign(ctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"algo", "string", "output", "secret_encoding", "params", "param",
                                       "jwt_header", "jwt_claims", "ttl_s", NULL};
    salvo_sign_spec_t *s = &c->p->sign;
    s->ttl_s = 120;
    if (o == NULL)
        return 0;
    if (!cJSON_IsObject(o))
        return bad(c, "profile field \"%s\" must be an object", "sign");
    const char *algo = NULL, *out = "hex", *secenc = "raw", *string = NULL;
    int rc = check_keys(c, o, "sign", keys);
    if (rc == 0) rc = str_field(c, o, "algo", &algo);
    if (rc == 0) rc = str_field(c, o, "output", &out);
    if (rc == 0) rc = str_field(c, o, "secret_encoding", &secenc);
    if (rc == 0) rc = str_field(c, o, "string", &string);
    if (rc == 0) rc = str_field(c, o, "param", &s->param);
    if (rc < 0)
        return rc;
    if (algo == NULL)
        return bad(c, "sign needs an \"algo\": %s", "hmac-sha256, hmac-sha384, hmac-sha512, kraken, rsa-sha256, ed25519, jwt-es256, jwt-eddsa");
    if ((rc = pick(c, algo, "sign.algo", algo_names, &s->algo)) < 0 ||
        (rc = pick(c, out, "sign.output", out_names, &s->output)) < 0 ||
        (rc = pick(c, secenc, "sign.secret_encoding", secenc_names, &s->secret_enc)) < 0)
        return rc;
    const cJSON *ttl = item(o, "ttl_s");
    if (ttl && (!cJSON_IsNumber(ttl) || ttl->valuedouble < 1 || ttl->valuedouble > 86400))
        return bad(c, "%s must be a number of seconds, 1 to 86400", "sign.ttl_s");
    if (ttl)
        s->ttl_s = (int64_t)ttl->valuedouble;
    if ((rc = parse_params(c, item(o, "params"))) < 0)
        return rc;
    if (s->algo == SALVO_SIGN_JWT_ES256 || s->algo == SALVO_SIGN_JWT_EDDSA)
        return parse_jwt(c, o);
    if (s->algo == SALVO_SIGN_KRAKEN || s->algo == SALVO_SIGN_NONE)
        return 0;
    if (string == NULL)
        return bad(c, "sign.algo %s needs a \"string\" template: what is signed", algo);
    return compile(c, &s->string, string, "sign.string");
}

/* ---------- client id, rate limit, secrets ---------- */

/* "A-Za-z0-9_-": ranges and single characters. */
static int parse_charset(ctx_t *c, const char *cs)
{
    salvo_profile_t *p = c->p;
    size_t n = strlen(cs);
    for (size_t i = 0; i < n; i++) {
        unsigned char lo = (unsigned char)cs[i], hi = lo;
        if (i + 2 < n && cs[i + 1] == '-') {
            hi = (unsigned char)cs[i + 2];
            i += 2;
        }
        if (hi < lo || lo < 0x21 || hi > 0x7e)
            return bad(c, "client_id.charset \"%.60s\": printable ASCII ranges only (\"A-Za-z0-9_-\")", cs);
        for (unsigned x = lo; x <= hi; x++)
            p->id_allowed[x] = 1;
    }
    return 0;
}

static int parse_client_id(ctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"max", "charset", NULL};
    salvo_profile_t *p = c->p;
    memset(p->id_allowed, 1, sizeof p->id_allowed);
    if (o == NULL)
        return 0;
    int rc = cJSON_IsObject(o) ? check_keys(c, o, "client_id", keys) : bad(c, "%s must be an object", "client_id");
    if (rc < 0)
        return rc;
    const cJSON *max = item(o, "max");
    if (max && (!cJSON_IsNumber(max) || max->valuedouble < 8 || max->valuedouble > 128))
        return bad(c, "%s must be a number from 8 to 128", "client_id.max");
    p->id_max = max ? (unsigned)max->valuedouble : 0;
    const char *cs = NULL;
    if ((rc = str_field(c, o, "charset", &cs)) < 0)
        return rc;
    if (cs) {
        memset(p->id_allowed, 0, sizeof p->id_allowed);
        if ((rc = parse_charset(c, cs)) < 0)
            return rc;
    }
    p->id_shaped = 1;
    return 0;
}

static const char *const unit_names[] = {"epoch_s", "epoch_ms", "delta_s", "delta_ms", NULL};

static int parse_rate_limit(ctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"remaining", "reset", "reset_unit", "capture", NULL};
    salvo_profile_t *p = c->p;
    if (o == NULL)
        return 0;
    int rc = cJSON_IsObject(o) ? check_keys(c, o, "rate_limit", keys) : bad(c, "%s must be an object", "rate_limit");
    const char *unit = "epoch_s";
    if (rc == 0) rc = str_field(c, o, "remaining", &p->rl.remaining);
    if (rc == 0) rc = str_field(c, o, "reset", &p->rl.reset);
    if (rc == 0) rc = str_field(c, o, "reset_unit", &unit);
    if (rc == 0) rc = pick(c, unit, "rate_limit.reset_unit", unit_names, &p->rl.reset_unit);
    if (rc < 0)
        return rc;
    const cJSON *cap = item(o, "capture");
    if (cap == NULL)
        return 0;
    if (!cJSON_IsArray(cap))
        return bad(c, "%s is a list of header names", "rate_limit.capture");
    size_t n = (size_t)cJSON_GetArraySize(cap);
    if (n && (p->rl.capture = calloc(n, sizeof *p->rl.capture)) == NULL)
        return -ENOMEM;
    const cJSON *v;
    cJSON_ArrayForEach(v, cap) {
        if (!cJSON_IsString(v))
            return bad(c, "%s is a list of header names", "rate_limit.capture");
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

static int parse_secrets(ctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"key", "secret", "passphrase", NULL};
    salvo_profile_t *p = c->p;
    for (int s = 0; s < SALVO_SECRET_COUNT; s++)
        default_var(p, s);
    if (o == NULL)
        return 0;
    int rc = cJSON_IsObject(o) ? check_keys(c, o, "secrets", keys) : bad(c, "%s must be an object", "secrets");
    for (int s = 0; rc == 0 && s < SALVO_SECRET_COUNT; s++) {
        const char *v = NULL;
        if ((rc = str_field(c, o, keys[s], &v)) == 0 && v)
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

/* ---------- rows the body cannot send ---------- */

static const char *const refuse_keys[] = {"symbol", "side", "type", "why", NULL};

static int parse_refusal(ctx_t *c, salvo_refusal_t *r, const cJSON *o)
{
    if (!cJSON_IsObject(o))
        return bad(c, "%s: each entry is an object: columns (symbol, side, type) and a \"why\"", "refuse");
    int rc = check_keys(c, o, "refuse", refuse_keys);
    for (int k = 0; rc == 0 && k < SALVO_REFUSE_COLS; k++)
        rc = str_field(c, o, refuse_keys[k], &r->is[k]);
    if (rc == 0)
        rc = str_field(c, o, "why", &r->why);
    if (rc < 0)
        return rc;
    if (r->why == NULL || r->why[0] == '\0')
        return bad(c, "refuse: each entry needs a \"why\": %s", "the message a refused row gets");
    if (!r->is[SALVO_REFUSE_SYMBOL] && !r->is[SALVO_REFUSE_SIDE] && !r->is[SALVO_REFUSE_TYPE])
        return bad(c, "refuse: an entry names at least one of %s", "symbol, side, type");
    return 0;
}

static int parse_refuse(ctx_t *c, const cJSON *a)
{
    salvo_profile_t *p = c->p;
    if (a == NULL)
        return 0;
    if (!cJSON_IsArray(a))
        return bad(c, "profile field \"%s\" is a list of {columns, \"why\"}", "refuse");
    size_t n = (size_t)cJSON_GetArraySize(a);
    if (n && (p->refuse = calloc(n, sizeof *p->refuse)) == NULL)
        return -ENOMEM;
    const cJSON *o;
    cJSON_ArrayForEach(o, a) {
        int rc = parse_refusal(c, &p->refuse[p->nrefuse++], o);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int refusal_matches(const salvo_refusal_t *r, const salvo_order_t *o)
{
    const char *has[SALVO_REFUSE_COLS] = {o->symbol, o->side, o->type};
    for (int k = 0; k < SALVO_REFUSE_COLS; k++)
        if (r->is[k] && (has[k] == NULL || strcasecmp(r->is[k], has[k]) != 0))
            return 0;
    return 1;
}

const char *salvo_profile_refusal(const salvo_profile_t *p, const salvo_order_t *o)
{
    for (size_t i = 0; i < p->nrefuse && !p->body_replaced; i++)
        if (refusal_matches(&p->refuse[i], o))
            return p->refuse[i].why;
    return NULL;
}

void salvo_profile_replace_body(salvo_profile_t *p) { p->body_replaced = 1; }

/* ---------- the whole ---------- */

static const char *const enc_names[] = {"json", "form", "query", NULL};

static int parse_defaults(ctx_t *c, const cJSON *root)
{
    salvo_profile_t *p = c->p;
    int rc = str_field(c, root, "rate", &p->rate);
    if (rc == 0)
        rc = str_field(c, root, "window", &p->window);
    if (rc == 0)
        rc = str_field(c, root, "rate_per", &p->rate_per);
    const cJSON *conc = item(root, "concurrency");
    if (rc < 0 || conc == NULL)
        return rc;
    if (!cJSON_IsNumber(conc) || !(conc->valuedouble >= 1 && conc->valuedouble <= 100000) ||
        conc->valuedouble != (double)(unsigned)conc->valuedouble)
        return bad(c, "profile field \"%s\" must be a whole number from 1 to 100000", "concurrency");
    snprintf(p->concurrency, sizeof p->concurrency, "%u", (unsigned)conc->valuedouble);
    return 0;
}

static int parse_top(ctx_t *c, const cJSON *root)
{
    static const char *const keys[] = {"name", "about", "url", "sandbox_url", "method", "encoding", "body",
                                       "headers", "secrets", "sign", "client_id", "result", "rate_limit",
                                       "warm_url", "server_time", "rate", "window", "rate_per", "concurrency", "quantity",
                                       "body_market", "sandbox_headers", "refuse", NULL};
    salvo_profile_t *p = c->p;
    const char *enc = "json";
    p->method = "POST";
    p->about = "";
    int rc = cJSON_IsObject(root) ? check_keys(c, root, "profile", keys) : bad(c, "%s", "a profile is one JSON object");
    if (rc == 0) rc = str_field(c, root, "name", &p->name);
    if (rc == 0) rc = str_field(c, root, "about", &p->about);
    if (rc == 0) rc = str_field(c, root, "url", &p->url);
    if (rc == 0) rc = str_field(c, root, "sandbox_url", &p->sandbox_url);
    if (rc == 0) rc = str_field(c, root, "method", &p->method);
    if (rc == 0) rc = str_field(c, root, "warm_url", &p->warm_url);
    if (rc == 0) rc = str_field(c, root, "server_time", &p->server_time);
    if (rc == 0 && p->server_time && p->server_time[0] != '/')
        rc = bad(c, "profile field \"%s\" must be a JSON pointer into the warm_url's answer (\"/serverTime\")",
                 "server_time");
    if (rc == 0) rc = str_field(c, root, "encoding", &enc);
    if (rc == 0) rc = pick(c, enc, "encoding", enc_names, &p->encoding);
    if (rc < 0)
        return rc;
    if (p->name == NULL || p->name[0] == '\0')
        return bad(c, "a profile needs a \"%s\"", "name");
    const char *qty = "integer";
    static const char *const qty_names[] = {"integer", "decimal", NULL};
    if ((rc = str_field(c, root, "quantity", &qty)) < 0 || (rc = pick(c, qty, "quantity", qty_names, &p->decimal_quantity)) < 0)
        return rc;
    const char *const bodies[] = {"body", "body_market"};
    for (int i = 0; i < 2; i++) {
        const cJSON *body = item(root, bodies[i]);
        if (body && !cJSON_IsObject(body) && !cJSON_IsArray(body))
            return bad(c, "profile field \"%s\" must be a JSON object (a template)", bodies[i]);
    }
    if ((rc = parse_defaults(c, root)) < 0 || (rc = parse_headers(c, item(root, "headers"), item(root, "sandbox_headers"))) < 0 ||
        (rc = parse_sign(c, item(root, "sign"))) < 0 || (rc = parse_client_id(c, item(root, "client_id"))) < 0 ||
        (rc = parse_rate_limit(c, item(root, "rate_limit"))) < 0 || (rc = parse_secrets(c, item(root, "secrets"))) < 0 ||
        (rc = parse_refuse(c, item(root, "refuse"))) < 0)
        return rc;
    if ((rc = salvo_rules_parse(&p->rules, item(root, "result"), c->err, c->errlen)) < 0)
        return rc;
    find_needs(p);
    return 0;
}

int salvo_profile_parse(salvo_profile_t **out, const char *json, size_t len, char *err, size_t errlen)
{
    *out = NULL;
    salvo_profile_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    ctx_t c = {.p = p, .err = err, .errlen = errlen};
    int rc = salvo_profile_read_json(&p->root, json, len, err, errlen);
    if (rc == 0)
        rc = parse_top(&c, p->root);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    if (rc < 0) {
        salvo_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

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
unsigned salvo_profile_id_max(const salvo_profile_t *p) { return p->id_max; }
int salvo_profile_id_allows(const salvo_profile_t *p, unsigned char c) { return p->id_allowed[c]; }
char *salvo_profile_body(const salvo_profile_t *p, int market)
{
    const cJSON *b = item(p->root, market ? "body_market" : "body");
    return b ? cJSON_PrintUnformatted(b) : NULL;
}

int salvo_profile_decimal_quantity(const salvo_profile_t *p) { return p->decimal_quantity; }

void salvo_profile_use_sandbox(salvo_profile_t *p, int on) { p->sandbox = on; }

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
