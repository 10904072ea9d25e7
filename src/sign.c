/* Signing at send time (docs/profiles.md, "Signing"). Every primitive is
 * libcrypto's (crypto.c); this file only decides what bytes go where. */
#include "sign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "profile_int.h"
#include "salvo/salvo.h"
#include "util.h"

/* Keep a NUL after the bytes without counting it. */
static void nul(salvo_jbuf_t *b)
{
    salvo_jbuf_raw(b, "", 1);
    if (!b->oom)
        b->len--;
}

static int has_line_break(const char *s, size_t n) { return memchr(s, '\n', n) || memchr(s, '\r', n); }

static void set(salvo_tvals_t *v, int var, const char *s, size_t n)
{
    v->v[var] = s;
    v->len[var] = n;
}

/* The clock-derived values: each in its own small buffer in `times`. */
typedef struct times {
    char ms[24], s[24], iso[32], exp[24], nonce[24], rnd[40];
} times_t;

/* RFC 3339 to the millisecond (OKX, Coinbase): the result line's stamp,
 * "....ss.uuuuuuZ", cut to "....ss.mmmZ". */
static void iso_ms(int64_t now_us, char out[32])
{
    salvo_format_rfc3339_us(now_us, out);
    out[23] = 'Z';
    out[24] = '\0';
}

static int clock_values(const salvo_profile_t *p, salvo_signer_t *st, int64_t now_us, times_t *t,
                        salvo_tvals_t *v)
{
    /* Unix microseconds, bumped past the last one: increasing within a run
     * and, with a sane clock, across runs (Kraken keeps the last it saw).
     * On a fixed clock (--clock MS), MS itself: Kraken's example is in ms. */
    uint64_t nonce = p->fixed_clock_ms ? (uint64_t)p->fixed_clock_ms : (uint64_t)now_us;
    if (nonce <= st->last_nonce)
        nonce = st->last_nonce + 1;
    st->last_nonce = nonce;
    set(v, SALVO_TV_TIMESTAMP_MS, t->ms, (size_t)snprintf(t->ms, sizeof t->ms, "%" PRId64, now_us / 1000));
    set(v, SALVO_TV_TIMESTAMP_S, t->s, (size_t)snprintf(t->s, sizeof t->s, "%" PRId64, now_us / 1000000));
    set(v, SALVO_TV_EXPIRES_S, t->exp,
        (size_t)snprintf(t->exp, sizeof t->exp, "%" PRId64, now_us / 1000000 + p->sign.ttl_s));
    set(v, SALVO_TV_NONCE, t->nonce, (size_t)snprintf(t->nonce, sizeof t->nonce, "%" PRIu64, nonce));
    iso_ms(now_us, t->iso);
    set(v, SALVO_TV_TIMESTAMP_ISO, t->iso, strlen(t->iso));
    unsigned char r[16];
    if (salvo_random_bytes(r, sizeof r) < 0)
        return -EIO;
    set(v, SALVO_TV_RANDOM_HEX, t->rnd, salvo_hex_encode(r, sizeof r, t->rnd));
    return 0;
}

/* host, path and query of w->url, for the templates. */
static void url_parts(const salvo_wire_t *w, salvo_tvals_t *v)
{
    const char *u = w->url.p;
    const char *host = strstr(u, "://");
    host = host ? host + 3 : u;
    const char *path = host + strcspn(host, "/?#");
    set(v, SALVO_TV_HOST, host, (size_t)(path - host));
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    set(v, SALVO_TV_PATH, plen ? path : "/", plen ? plen : 1);
    set(v, SALVO_TV_QUERY, q ? q + 1 : "", q ? strlen(q + 1) : 0);
    set(v, SALVO_TV_PATH_QUERY, plen ? path : "/", plen ? strlen(path) : 1);
}

/* "&name=value" onto a form body or the URL's query. */
static void add_pair(salvo_jbuf_t *b, int first, const char *name, const char *val, size_t vlen)
{
    if (!first)
        salvo_jbuf_raw(b, "&", 1);
    salvo_jbuf_pct(b, name, strlen(name));
    salvo_jbuf_raw(b, "=", 1);
    salvo_jbuf_pct(b, val, vlen);
}

static int params_in_body(const salvo_profile_t *p)
{
    return p->encoding == SALVO_ENC_FORM && strcmp(p->method, "GET") != 0;
}

/* "params_in": "body" on a JSON request whose body is an object (or none
 * yet): the params are members of it. */
static int params_in_json(const salvo_profile_t *p, const salvo_wire_t *w)
{
    return p->sign.params_in_json && strcmp(p->method, "GET") != 0 &&
           (w->body.len == 0 || (w->body.p[0] == '{' && w->body.p[w->body.len - 1] == '}'));
}

static int all_digits(const char *v, size_t n)
{
    if (n == 0 || n > 18 || (v[0] == '0' && n > 1))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

/* A member "name": value into the body's object, which stays closed: a
 * whole number as a JSON number (Kraken's nonce is one), else a string. */
static void put_json_member(salvo_wire_t *w, const char *name, const char *val, size_t n)
{
    if (w->body.len == 0) {
        salvo_jbuf_raw(&w->body, "{", 1);
    } else {
        w->body.len--; /* its '}' */
        if (w->body.len > 1)
            salvo_jbuf_raw(&w->body, ",", 1);
    }
    salvo_jbuf_str(&w->body, name, strlen(name));
    salvo_jbuf_raw(&w->body, ":", 1);
    if (all_digits(val, n))
        salvo_jbuf_raw(&w->body, val, n);
    else
        salvo_jbuf_str(&w->body, val, n);
    salvo_jbuf_raw(&w->body, "}", 1);
    nul(&w->body);
}

/* Append a pair where the profile's parameters go. */
static void put_param(const salvo_profile_t *p, salvo_wire_t *w, const char *name, const char *val, size_t n)
{
    if (params_in_json(p, w)) {
        put_json_member(w, name, val, n);
        return;
    }
    if (params_in_body(p)) {
        add_pair(&w->body, w->body.len == 0, name, val, n);
        nul(&w->body);
        return;
    }
    int first = strchr(w->url.p, '?') == NULL;
    if (first)
        salvo_jbuf_raw(&w->url, "?", 1);
    else if (w->url.p[w->url.len - 1] == '?')
        first = 1;
    add_pair(&w->url, first, name, val, n);
    nul(&w->url);
}

static void start_request(salvo_wire_t *w, const char *url)
{
    w->url.len = w->body.len = w->hdr.len = w->canon.len = w->sig.len = 0;
    w->nh = 0;
    w->secret = 0;
    salvo_jbuf_cstr(&w->url, url);
    nul(&w->url);
    nul(&w->body);
}

/* The rendered body: the query's pairs (query encoding) or the body, after
 * the params when the profile puts those first. */
static void put_body(const salvo_profile_t *p, salvo_wire_t *w, const char *body, size_t blen)
{
    if (blen == 0)
        return;
    if (p->encoding == SALVO_ENC_QUERY) {
        const char *q = strchr(w->url.p, '?');
        if (q == NULL || w->url.p[w->url.len - 1] != '?')
            salvo_jbuf_raw(&w->url, q ? "&" : "?", 1);
        salvo_jbuf_raw(&w->url, body, blen);
        nul(&w->url);
        return;
    }
    if (w->body.len && params_in_json(p, w) && body[0] == '{') { /* the params came first: the body's members follow */
        w->body.len--;
        if (blen > 2 && w->body.len > 1)
            salvo_jbuf_raw(&w->body, ",", 1);
        salvo_jbuf_raw(&w->body, body + 1, blen - 1);
        nul(&w->body);
        return;
    }
    if (w->body.len) /* the params came first: form pairs follow them */
        salvo_jbuf_raw(&w->body, "&", 1);
    salvo_jbuf_raw(&w->body, body, blen);
    nul(&w->body);
}

static int add_params(const salvo_profile_t *p, salvo_wire_t *w, const salvo_tvals_t *v)
{
    for (size_t i = 0; i < p->sign.nparams; i++) {
        w->tmp.len = 0;
        salvo_tmpl_render(&p->sign.params[i].value, v, 0, &w->tmp);
        if (w->tmp.oom)
            return -ENOMEM;
        put_param(p, w, p->sign.params[i].name, w->tmp.p ? w->tmp.p : "", w->tmp.len);
    }
    return 0;
}

/* ---------- the signature ---------- */

static int encode(int output, const unsigned char *sig, size_t n, salvo_jbuf_t *out)
{
    char buf[1024];
    if (output == SALVO_OUT_HEX) {
        if (2 * n + 1 > sizeof buf)
            return -ENOSPC;
        salvo_jbuf_raw(out, buf, salvo_hex_encode(sig, n, buf));
        return 0;
    }
    int len = salvo_b64_encode(sig, n, output == SALVO_OUT_BASE64URL, buf, sizeof buf);
    if (len < 0)
        return len;
    salvo_jbuf_raw(out, buf, (size_t)len);
    return 0;
}

static int mac_alg(int algo)
{
    return algo == SALVO_SIGN_HMAC_SHA384 ? SALVO_SHA384 : algo == SALVO_SIGN_HMAC_SHA256 ? SALVO_SHA256 : SALVO_SHA512;
}

/* Kraken: HMAC-SHA512(b64decode(secret), path || SHA-256(nonce || body)). */
static int kraken_message(salvo_wire_t *w, const salvo_tvals_t *v)
{
    unsigned char h[SALVO_MAC_MAX];
    size_t hl;
    w->tmp.len = 0;
    salvo_jbuf_raw(&w->tmp, v->v[SALVO_TV_NONCE], v->len[SALVO_TV_NONCE]);
    salvo_jbuf_raw(&w->tmp, w->body.p, w->body.len);
    if (w->tmp.oom || salvo_digest(SALVO_SHA256, w->tmp.p, w->tmp.len, h, &hl) < 0)
        return -ENOMEM;
    salvo_jbuf_raw(&w->canon, v->v[SALVO_TV_PATH], v->len[SALVO_TV_PATH]);
    salvo_jbuf_raw(&w->canon, (const char *)h, hl);
    return 0;
}

/* header.claims, each base64url, into canon. */
static int jwt_input(const salvo_profile_t *p, salvo_wire_t *w, const salvo_tvals_t *v)
{
    const salvo_tmpl_t *part[2] = {&p->sign.jwt_header, &p->sign.jwt_claims};
    for (int i = 0; i < 2; i++) {
        w->tmp.len = 0;
        salvo_tmpl_render(part[i], v, 1, &w->tmp);
        if (w->tmp.oom)
            return -ENOMEM;
        if (i)
            salvo_jbuf_raw(&w->canon, ".", 1);
        int rc = encode(SALVO_OUT_BASE64URL, (const unsigned char *)w->tmp.p, w->tmp.len, &w->canon);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* What is signed, into w->canon: 0 or a negative errno. */
static int signing_input(const salvo_profile_t *p, salvo_wire_t *w, const salvo_tvals_t *v)
{
    const salvo_sign_spec_t *s = &p->sign;
    int rc = 0;
    if (s->algo == SALVO_SIGN_KRAKEN)
        rc = kraken_message(w, v);
    else if (s->algo == SALVO_SIGN_JWT_ES256 || s->algo == SALVO_SIGN_JWT_EDDSA)
        rc = jwt_input(p, w, v);
    else
        salvo_tmpl_render(&s->string, v, 0, &w->canon);
    return rc < 0 ? rc : w->canon.oom ? -ENOMEM : 0;
}

static int make_signature(const salvo_profile_t *p, salvo_wire_t *w, const salvo_tvals_t *v, salvo_jbuf_t *sig)
{
    const salvo_sign_spec_t *s = &p->sign;
    int rc = signing_input(p, w, v);
    if (rc < 0)
        return rc;
    unsigned char out[1024];
    size_t n = 0;
    if (s->algo <= SALVO_SIGN_KRAKEN)
        rc = salvo_hmac(mac_alg(s->algo), p->hmac_key, p->hmac_key_len, w->canon.p, w->canon.len, out, &n);
    else
        rc = salvo_pkey_sign(p->pkey, w->canon.p, w->canon.len, out, sizeof out, &n);
    if (rc < 0)
        return rc;
    if (s->algo == SALVO_SIGN_JWT_ES256 || s->algo == SALVO_SIGN_JWT_EDDSA) {
        salvo_jbuf_raw(sig, w->canon.p, w->canon.len);
        salvo_jbuf_raw(sig, ".", 1);
        return encode(SALVO_OUT_BASE64URL, out, n, sig);
    }
    return encode(s->output, out, n, sig);
}

/* ---------- headers ---------- */

static int is_jwt(const salvo_profile_t *p)
{
    return p->sign.algo == SALVO_SIGN_JWT_ES256 || p->sign.algo == SALVO_SIGN_JWT_EDDSA;
}

static int has_signing_key(const salvo_profile_t *p)
{
    return p->sign.algo <= SALVO_SIGN_KRAKEN ? p->hmac_key != NULL : p->pkey != NULL;
}

/* A dry run on a fixed clock shows the signature: stale at any broker, it
 * is no credential (a JWT is: it names the key). */
static int shows_signature(const salvo_profile_t *p, const salvo_wire_t *w)
{
    return w->redact && p->fixed_clock_ms && !is_jwt(p) && p->sign.algo != SALVO_SIGN_NONE && has_signing_key(p);
}

/* In a dry run the key and passphrase are *** in v; a secret header shows as
 * *** whole, unless it is secret only for the signature, which is shown. */
static int add_headers(const salvo_profile_t *p, salvo_wire_t *w, const salvo_tvals_t *v)
{
    for (size_t i = 0; i < p->nheaders && i < SALVO_WIRE_MAX_HEADERS; i++) {
        const salvo_hdr_t *h = &p->headers[i];
        if (h->sandbox_only && !p->sandbox)
            continue;
        w->hoff[w->nh] = w->hdr.len;
        salvo_jbuf_cstr(&w->hdr, h->name);
        salvo_jbuf_raw(&w->hdr, ": ", 2);
        size_t at = w->hdr.len;
        if (h->secret && w->redact && !shows_signature(p, w))
            salvo_jbuf_raw(&w->hdr, "***", 3);
        else
            salvo_tmpl_render(&h->value, v, 0, &w->hdr);
        /* A value must not end the header early: a CR or LF from a secret
         * or a column would let it write headers of its own. */
        if (!w->hdr.oom && has_line_break(w->hdr.p + at, w->hdr.len - at))
            return -EINVAL;
        salvo_jbuf_raw(&w->hdr, "", 1);
        if (h->secret)
            w->secret |= 1u << w->nh;
        w->nh++;
    }
    return w->hdr.oom ? -ENOMEM : 0;
}

/* A JWT is a bearer credential for its lifetime: wiped, not just freed. */
static void free_signature(salvo_jbuf_t *sig)
{
    if (sig->p)
        salvo_crypto_wipe(sig->p, sig->cap);
    salvo_jbuf_free(sig);
}

/* The signature into sig, over the real key and passphrase; what is signed
 * stays in w->canon as a dry run shows it (v: with them as ***). */
static int sign_shown(const salvo_profile_t *p, salvo_wire_t *w, const salvo_tvals_t *v, salvo_jbuf_t *sig)
{
    salvo_tvals_t real = *v;
    const char *key = p->secret[SALVO_SECRET_KEY], *pass = p->secret[SALVO_SECRET_PASSPHRASE];
    set(&real, SALVO_TV_KEY, key ? key : "", p->secret_len[SALVO_SECRET_KEY]);
    set(&real, SALVO_TV_PASSPHRASE, pass ? pass : "", p->secret_len[SALVO_SECRET_PASSPHRASE]);
    int rc = make_signature(p, w, &real, sig);
    w->canon.len = 0;
    if (rc == 0)
        rc = signing_input(p, w, v);
    salvo_jbuf_raw(&w->sig, sig->p, sig->len);
    nul(&w->sig);
    return rc;
}

static int build(const salvo_profile_t *p, salvo_signer_t *st, int64_t now_us, const char *body, size_t blen,
                 salvo_wire_t *w, char *err, size_t errlen)
{
    times_t t;
    salvo_tvals_t v = {0};
    if (p->fixed_clock_ms)
        now_us = p->fixed_clock_ms * 1000;
    if (clock_values(p, st, now_us, &t, &v) < 0)
        return snprintf(err, errlen, "no random bytes for a nonce"), -EIO;
    set(&v, SALVO_TV_METHOD, p->method, strlen(p->method));
    for (int s = 0; s < SALVO_SECRET_COUNT; s++)
        if (s != SALVO_SECRET_SECRET)
            set(&v, s == SALVO_SECRET_KEY ? SALVO_TV_KEY : SALVO_TV_PASSPHRASE, w->redact ? "***" : p->secret[s],
                w->redact ? 3 : p->secret_len[s]);
    int rc = add_params(p, w, &v);
    if (rc < 0)
        return rc;
    if (p->sign.params_first)
        put_body(p, w, body, blen);
    url_parts(w, &v);
    set(&v, SALVO_TV_BODY, w->body.p, w->body.len);
    salvo_jbuf_t sig = {0};
    if (p->sign.algo != SALVO_SIGN_NONE && w->redact && !has_signing_key(p)) { /* a dry run without the secret */
        (void)signing_input(p, w, &v); /* still shown: a signature mismatch is found there */
        if (p->sign.param)
            put_param(p, w, p->sign.param, "***", 3);
    } else if (p->sign.algo != SALVO_SIGN_NONE) {
        if (!has_signing_key(p)) {
            snprintf(err, errlen, "the signing secret (%s) is not set", p->secret_var[SALVO_SECRET_SECRET]);
            return -EINVAL;
        }
        int show = shows_signature(p, w);
        if ((rc = show ? sign_shown(p, w, &v, &sig) : make_signature(p, w, &v, &sig)) < 0) {
            snprintf(err, errlen, "signing failed (%s)", salvo_strerror(rc));
            free_signature(&sig);
            return rc;
        }
        set(&v, SALVO_TV_SIGNATURE, sig.p, sig.len);
        if (p->sign.param)
            put_param(p, w, p->sign.param, w->redact && !show ? "***" : sig.p, w->redact && !show ? 3 : sig.len);
    }
    w->body_len = w->body.len;
    rc = add_headers(p, w, &v);
    if (rc == -EINVAL)
        snprintf(err, errlen, "a header value holds a line break");
    free_signature(&sig);
    return rc;
}

int salvo_sign_build(const salvo_profile_t *p, salvo_signer_t *st, const char *url, const char *body,
                     size_t body_len, int64_t now_us, salvo_wire_t *w, char *err, size_t errlen)
{
    start_request(w, url);
    if (!p->sign.params_first)
        put_body(p, w, body, body_len);
    int rc = build(p, st, now_us, body, body_len, w, err, errlen);
    if (rc == 0 && (w->url.oom || w->body.oom || w->hdr.oom || w->canon.oom || w->tmp.oom || w->sig.oom))
        rc = -ENOMEM;
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    return rc;
}

void salvo_wire_free(salvo_wire_t *w)
{
    salvo_jbuf_t *held[] = {&w->canon, &w->hdr, &w->tmp, &w->sig}; /* keys, passphrases, signatures */
    for (size_t i = 0; i < sizeof held / sizeof *held; i++)
        if (held[i]->p)
            salvo_crypto_wipe(held[i]->p, held[i]->cap);
    salvo_jbuf_free(&w->url);
    salvo_jbuf_free(&w->body);
    salvo_jbuf_free(&w->hdr);
    salvo_jbuf_free(&w->canon);
    salvo_jbuf_free(&w->tmp);
    salvo_jbuf_free(&w->sig);
}

void salvo_sign_fix_clock(salvo_profile_t *p, int64_t unix_ms)
{
    p->fixed_clock_ms = unix_ms;
    if (p->batch)
        p->batch->req->fixed_clock_ms = unix_ms;
}
