/* A profile's request fields (docs/profiles.md): the header lines and how
 * each request is signed, templates compiled once at load. */
#include "profile_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---------- headers ---------- */

static int parse_header(salvo_pctx_t *c, salvo_hdr_t *h, const cJSON *v)
{
    if (!cJSON_IsString(v))
        return salvo_pf_bad(c, "%s: each header is a \"Name: value\" string", "headers");
    char *colon = strchr(v->valuestring, ':');
    if (colon == NULL || colon == v->valuestring)
        return salvo_pf_bad(c, "headers: \"%.60s\" is not \"Name: value\"", v->valuestring);
    *colon = '\0'; /* the name stays in root's string */
    h->name = v->valuestring;
    const char *val = colon + 1;
    while (*val == ' ')
        val++;
    for (const char *s = h->name; *s; s++)
        if (!isgraph((unsigned char)*s))
            return salvo_pf_bad(c, "headers: the name \"%.60s\" holds a space or a control character", h->name);
    /* found here, not at every order's send: it would end the header early */
    if (strpbrk(val, "\r\n") != NULL)
        return salvo_pf_bad(c, "headers: the value of %.60s holds a line break (CR or LF)", h->name);
    char where[96];
    snprintf(where, sizeof where, "header %.60s", h->name);
    int rc = salvo_pf_compile(c, &h->value, val, where);
    h->secret = (h->value.uses & SALVO_TV_SECRET_MASK) != 0;
    return rc;
}

/* "headers", then "sandbox_headers" (sent only with --sandbox: OKX's demo
 * trading is the live host plus x-simulated-trading: 1). */
int salvo_pf_headers(salvo_pctx_t *c, const cJSON *a, const cJSON *sandbox)
{
    const cJSON *lists[2] = {a, sandbox};
    const char *names[2] = {"headers", "sandbox_headers"};
    size_t n = 0;
    for (int k = 0; k < 2; k++) {
        if (lists[k] && !cJSON_IsArray(lists[k]))
            return salvo_pf_bad(c, "profile field \"%s\" is a list of \"Name: value\" strings", names[k]);
        n += lists[k] ? (size_t)cJSON_GetArraySize(lists[k]) : 0;
    }
    if (n > SALVO_PROFILE_MAX_HEADERS)
        return salvo_pf_bad(c, "a profile has at most 24 headers (%s)", "headers and sandbox_headers");
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

static int parse_params(salvo_pctx_t *c, const cJSON *o)
{
    salvo_sign_spec_t *s = &c->p->sign;
    if (o == NULL)
        return 0;
    if (!cJSON_IsObject(o))
        return salvo_pf_bad(c, "%s must be an object of name: template", "sign.params");
    size_t n = (size_t)cJSON_GetArraySize(o);
    if (n && (s->params = calloc(n, sizeof *s->params)) == NULL)
        return -ENOMEM;
    const cJSON *v;
    cJSON_ArrayForEach(v, o) {
        if (!cJSON_IsString(v))
            return salvo_pf_bad(c, "sign.params.%.60s must be a string", v->string);
        salvo_param_t *pm = &s->params[s->nparams++];
        pm->name = v->string;
        int rc = salvo_pf_compile(c, &pm->value, v->valuestring, "sign.params");
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int parse_jwt(salvo_pctx_t *c, const cJSON *o)
{
    salvo_sign_spec_t *s = &c->p->sign;
    const char *hdr = NULL, *claims = NULL;
    int rc = salvo_pf_str(c, o, "jwt_header", &hdr);
    if (rc == 0)
        rc = salvo_pf_str(c, o, "jwt_claims", &claims);
    if (rc < 0)
        return rc;
    if (hdr == NULL || claims == NULL)
        return salvo_pf_bad(c, "sign: %s needs \"jwt_header\" and \"jwt_claims\" (JSON text templates)", "a jwt algo");
    if ((rc = salvo_pf_compile(c, &s->jwt_header, hdr, "sign.jwt_header")) < 0)
        return rc;
    return salvo_pf_compile(c, &s->jwt_claims, claims, "sign.jwt_claims");
}

int salvo_pf_sign(salvo_pctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"algo", "string", "output", "secret_encoding", "params", "param",
                                       "params_first", "params_in", "jwt_header", "jwt_claims", "ttl_s", NULL};
    salvo_sign_spec_t *s = &c->p->sign;
    s->ttl_s = 120;
    if (o == NULL)
        return 0;
    if (!cJSON_IsObject(o))
        return salvo_pf_bad(c, "profile field \"%s\" must be an object", "sign");
    const char *algo = NULL, *out = "hex", *secenc = "raw", *string = NULL;
    int rc = salvo_pf_check_keys(c, o, "sign", keys);
    if (rc == 0) rc = salvo_pf_str(c, o, "algo", &algo);
    if (rc == 0) rc = salvo_pf_str(c, o, "output", &out);
    if (rc == 0) rc = salvo_pf_str(c, o, "secret_encoding", &secenc);
    if (rc == 0) rc = salvo_pf_str(c, o, "string", &string);
    if (rc == 0) rc = salvo_pf_str(c, o, "param", &s->param);
    if (rc == 0) rc = salvo_pf_bool(c, o, "params_first", "sign.params_first", &s->params_first);
    const char *params_in = NULL;
    if (rc == 0) rc = salvo_pf_str(c, o, "params_in", &params_in);
    if (rc < 0)
        return rc;
    /* "body" in a JSON body: members of its object (Kraken's AddOrderBatch
     * takes its nonce so); a form body has them there already */
    if (params_in && strcmp(params_in, "body") != 0)
        return salvo_pf_bad(c, "sign.params_in is \"%s\" (the body's object or form pairs); without it a JSON "
                               "request's params go in the query", "body");
    s->params_in_json = params_in != NULL && c->p->encoding == SALVO_ENC_JSON;
    if (algo == NULL)
        return salvo_pf_bad(c, "sign needs an \"algo\": %s",
                            "hmac-sha256, hmac-sha384, hmac-sha512, kraken, rsa-sha256, ed25519, jwt-es256, jwt-eddsa");
    if ((rc = salvo_pf_pick(c, algo, "sign.algo", algo_names, &s->algo)) < 0 ||
        (rc = salvo_pf_pick(c, out, "sign.output", out_names, &s->output)) < 0 ||
        (rc = salvo_pf_pick(c, secenc, "sign.secret_encoding", secenc_names, &s->secret_enc)) < 0)
        return rc;
    const cJSON *ttl = salvo_pf_item(o, "ttl_s");
    if (ttl && (!cJSON_IsNumber(ttl) || ttl->valuedouble < 1 || ttl->valuedouble > 86400))
        return salvo_pf_bad(c, "%s must be a number of seconds, 1 to 86400", "sign.ttl_s");
    if (ttl)
        s->ttl_s = (int64_t)ttl->valuedouble;
    if ((rc = parse_params(c, salvo_pf_item(o, "params"))) < 0)
        return rc;
    if (s->algo == SALVO_SIGN_JWT_ES256 || s->algo == SALVO_SIGN_JWT_EDDSA)
        return parse_jwt(c, o);
    if (s->algo == SALVO_SIGN_KRAKEN || s->algo == SALVO_SIGN_NONE)
        return 0;
    if (string == NULL)
        return salvo_pf_bad(c, "sign.algo %s needs a \"string\" template: what is signed", algo);
    return salvo_pf_compile(c, &s->string, string, "sign.string");
}
