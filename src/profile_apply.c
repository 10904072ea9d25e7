/* A broker profile wired into a configuration (salvo/profile.h,
 * salvo_config_apply_profile): what the salvo command does with --broker,
 * for every embedder. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_int.h"
#include "profile_int.h"
#include "parse.h"
#include "util.h"
#include "salvo/engine.h"

int salvo_profile_new_body(salvo_body_t **out, const salvo_profile_t *p, const char *url, char *err, size_t errlen)
{
    *out = NULL;
    salvo_body_t *b = NULL;
    for (int market = 0; market < 2; market++) {
        char *text = salvo_profile_body(p, market);
        if (text == NULL)
            continue;
        char why[320];
        salvo_body_t *t;
        int r = salvo_body_new_template(&t, text, strlen(text), why, sizeof why);
        free(text);
        if (r < 0) {
            salvo_body_free(b);
            snprintf(err, errlen, "its %s: %s", market ? "body_market" : "body", why);
            return r;
        }
        if (!market) {
            b = t;
        } else if (salvo_body_set_market(b, t) < 0) {
            salvo_body_free(t);
            salvo_body_free(b);
            return -ENOMEM;
        }
    }
    if (b == NULL && salvo_body_new_default(&b) < 0)
        return -ENOMEM;
    if (salvo_profile_op(p) != SALVO_OP_SEND)
        salvo__body_need_all(b);
    int r = salvo_body_set_encoding(b, salvo_profile_encoding(p), err, errlen);
    if (r == 0 && url)
        r = salvo_body_set_url(b, url, err, errlen);
    if (r < 0) {
        salvo_body_free(b);
        return r;
    }
    *out = b;
    return 0;
}

/* Does the caller's salvo_config_t (its size) hold field f? A program
 * built before f was added has no room for it: nothing is written there. */
#define CONFIG_HOLDS(c, f) ((c)->size >= offsetof(salvo_config_t, f) + sizeof(c)->f)

static int too_old(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s needs a salvo_config_t that holds it: build against this libsalvo's headers", what);
    return -ENOTSUP;
}

/* The profile's limits, in the flags' own syntax, where the caller keeps none. */
static int apply_limits(salvo_config_t *c, const salvo_profile_t *p, unsigned keep, char *err, size_t errlen)
{
    const char *v;
    uint64_t u;
    if (!(keep & SALVO_PROFILE_KEEP_RATE) && (v = salvo_profile_default(p, "rate")) && salvo_parse_rate(v, &c->rate)) {
        snprintf(err, errlen, "\"rate\": \"%s\" is not a rate such as 10/s", v);
        return -EINVAL;
    }
    if (!(keep & SALVO_PROFILE_KEEP_WINDOW) && (v = salvo_profile_default(p, "window")) &&
        salvo_parse_window(v, &c->window_n, &c->window_ns)) {
        snprintf(err, errlen, "\"window\": \"%s\" is not N/PERIOD such as 60/2s", v);
        return -EINVAL;
    }
    if (!(keep & SALVO_PROFILE_KEEP_RATE_PER) && salvo_profile_default(p, "rate_per") && !CONFIG_HOLDS(c, rate_per_ns))
        return too_old(err, errlen, "the profile's \"rate_per\" (a limit per instrument)");
    if (!(keep & SALVO_PROFILE_KEEP_RATE_PER) && (v = salvo_profile_default(p, "rate_per")) &&
        salvo_parse_rate_per(v, &c->rate_per_cols, &c->rate_per_n, &c->rate_per_ns)) {
        snprintf(err, errlen, "\"rate_per\": \"%s\" is not COLUMN=N/PERIOD such as symbol=60/2s", v);
        return -EINVAL;
    }
    if (!(keep & SALVO_PROFILE_KEEP_CONCURRENCY) && (v = salvo_profile_default(p, "concurrency")) &&
        salvo_parse_uint(v, 1, 100000, &u) == 0)
        c->concurrency = (uint32_t)u;
    return 0;
}

int salvo_config_apply_profile(salvo_config_t *c, salvo_profile_t *p, unsigned flags, char *err, size_t errlen)
{
    int sandbox = (flags & SALVO_PROFILE_SANDBOX) != 0;
    /* batches are limited as the broker limits its batch endpoint */
    int batches = CONFIG_HOLDS(c, batch) && c->batch > 1 && p->batch;
    int r = apply_limits(c, batches ? p->batch->req : p, flags, err, errlen);
    if (r < 0)
        return r;
    if (!(flags & SALVO_PROFILE_KEEP_METHOD))
        c->method = salvo_profile_method(p);
    if (salvo_profile_decimal_quantity(p))
        c->defaults.decimal_quantity = 1;
    salvo_profile_use_sandbox(p, sandbox);
    if (flags & SALVO_PROFILE_OWN_BODY) /* the caller's body: the profile's refusals were about its own */
        salvo_profile_replace_body(p);
    if (!(flags & SALVO_PROFILE_KEEP_URL)) {
        c->url = salvo_profile_url(p, sandbox);
        if (c->url == NULL) {
            snprintf(err, errlen, "the profile has no %s", sandbox ? "sandbox_url" : "url");
            return -ENOENT;
        }
    }
    if (c->idempotency_header == salvo__idempotency_default)
        c->idempotency_header = salvo_profile_idempotency_header(p); /* a broker that never asked gets none */
    /* a caller built before op was in the config can only send */
    if (CONFIG_HOLDS(c, op))
        c->op = salvo_profile_op(p);
    else if (salvo_profile_op(p) != SALVO_OP_SEND)
        return too_old(err, errlen, salvo_profile_op(p) == SALVO_OP_CANCEL ? "a cancel request" : "a status request");
    if (CONFIG_HOLDS(c, batch_url))
        c->batch_url = salvo_profile_batch_url(p, sandbox);
    c->profile = p;
    if (flags & (SALVO_PROFILE_OWN_BODY | SALVO_PROFILE_NO_BODY))
        return 0;
    return salvo_profile_new_body(&c->body, p, c->url, err, errlen);
}
