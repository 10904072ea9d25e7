/* Broker profiles: one JSON file says how to build, sign and read the
 * requests of one broker's order API (docs/profiles.md).
 *
 *   salvo_profile_parse(&p, json, len, err, errlen)
 *   for each slot salvo_profile_needs(p, slot): salvo_profile_set_secret(p, slot, value, len, ...)
 *   salvo_config_init(&cfg); salvo_config_apply_profile(&cfg, p, 0, err, errlen)
 *   ... the engine runs ...
 *   salvo_body_free(cfg.body); salvo_profile_free(p)      after the engine is freed
 *
 * The library reads no environment: the caller finds the secrets (the
 * variables the profile names) and hands them over; they are wiped on free. */
#ifndef SALVO_PROFILE_H
#define SALVO_PROFILE_H

#include "salvo/extern.h"

#include <stddef.h>

#include "salvo/body.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_profile salvo_profile_t;

enum salvo_secret_slot { SALVO_SECRET_KEY, SALVO_SECRET_SECRET, SALVO_SECRET_PASSPHRASE, SALVO_SECRET_COUNT };

enum salvo_encoding { SALVO_ENC_JSON, SALVO_ENC_FORM, SALVO_ENC_QUERY };

/* 0; -EINVAL with a message naming the field; -ENOMEM. */
SALVO_EXTERN int salvo_profile_parse(salvo_profile_t **out, const char *json, size_t len, char *err, size_t errlen);
SALVO_EXTERN void salvo_profile_free(salvo_profile_t *p);
/* The profile's request for op (enum salvo_op, salvo/result.h): for
 * SALVO_OP_CANCEL or SALVO_OP_STATUS, its "cancel" or "status" section
 * in place of the order's url, method, body and result, for a run whose
 * salvo_config_t.op is the same. As salvo_profile_parse, and -ENOENT
 * when the profile has no such section. */
SALVO_EXTERN int salvo_profile_parse_op(salvo_profile_t **out, const char *json, size_t len, int op, char *err,
                                        size_t errlen);
SALVO_EXTERN int salvo_profile_op(const salvo_profile_t *p); /* the op it was parsed for */
/* Its "batch" request: the most orders one request may carry (0: it has
 * none), and where batches go (sandbox: its sandbox_url; NULL: none). */
SALVO_EXTERN unsigned salvo_profile_batch_max(const salvo_profile_t *p);
SALVO_EXTERN const char *salvo_profile_batch_url(const salvo_profile_t *p, int sandbox);
/* Its method ("POST" by default); NULL when it has none. A run sends
 * batches with the orders' method: they must agree. */
SALVO_EXTERN const char *salvo_profile_batch_method(const salvo_profile_t *p);

SALVO_EXTERN const char *salvo_profile_name(const salvo_profile_t *p);
SALVO_EXTERN const char *salvo_profile_about(const salvo_profile_t *p);     /* "" when none */
/* The order endpoint; sandbox: the test one (NULL when the profile has none). */
SALVO_EXTERN const char *salvo_profile_url(const salvo_profile_t *p, int sandbox);
SALVO_EXTERN const char *salvo_profile_method(const salvo_profile_t *p);    /* "POST" by default */
SALVO_EXTERN int salvo_profile_encoding(const salvo_profile_t *p);
/* The body template as JSON text (malloc'd), or NULL when it has none;
 * market: the one for MARKET orders ("body_market"). */
SALVO_EXTERN char *salvo_profile_body(const salvo_profile_t *p, int market);
/* "quantity": "decimal": quantities may be fractions (crypto). */
SALVO_EXTERN int salvo_profile_decimal_quantity(const salvo_profile_t *p);
/* Send the profile's sandbox_headers too (with its sandbox_url). */
SALVO_EXTERN void salvo_profile_use_sandbox(salvo_profile_t *p, int on);
SALVO_EXTERN const char *salvo_profile_warm_url(const salvo_profile_t *p);  /* NULL when none */
/* A JSON pointer to the broker's clock in the warm_url's answer, or NULL. */
SALVO_EXTERN const char *salvo_profile_server_time(const salvo_profile_t *p);
/* "rate", "window", "rate_per", "concurrency": the broker's limits in the
 * flags' own syntax (rate_per is --rate-per's COLUMNS=N/PERIOD), or NULL. */
SALVO_EXTERN const char *salvo_profile_default(const salvo_profile_t *p, const char *flag);
/* The caller sends its own body (--body-template), not the profile's: the
 * refusals, which are about what the profile's body sends, no longer apply. */
SALVO_EXTERN void salvo_profile_replace_body(salvo_profile_t *p);
/* The header that carries the client order id ("idempotency_header"), or
 * NULL: a profile sends none unless its broker asked for one. */
SALVO_EXTERN const char *salvo_profile_idempotency_header(const salvo_profile_t *p);
/* "dedupes_client_id": the broker never places a client order id twice
 * (it refuses the id, or answers with the order that has it), whatever
 * became of the first: a resend after an ambiguous failure is safe. */
SALVO_EXTERN int salvo_profile_dedupes_client_id(const salvo_profile_t *p);
/* The client id shape: max length (0: any) and whether c may appear. */
SALVO_EXTERN unsigned salvo_profile_id_max(const salvo_profile_t *p);
SALVO_EXTERN int salvo_profile_id_allows(const salvo_profile_t *p, unsigned char c);

/* The i-th header whose value holds a secret (a key, a passphrase, the
 * signature), by name, or NULL past the last: for redaction. */
SALVO_EXTERN const char *salvo_profile_secret_header(const salvo_profile_t *p, size_t i);

/* Does the profile use this secret? And from which variable by default
 * ("BYBIT_API_KEY"). */
SALVO_EXTERN int salvo_profile_needs(const salvo_profile_t *p, int slot);
SALVO_EXTERN const char *salvo_profile_secret_var(const salvo_profile_t *p, int slot);
/* Hand over a secret (copied). A PEM key or a base64 secret is decoded
 * here: -EINVAL with a message that never holds the secret. */
SALVO_EXTERN int salvo_profile_set_secret(salvo_profile_t *p, int slot, const char *value, size_t len, char *err,
                             size_t errlen);
/* 1 when every secret it needs has been set. */
SALVO_EXTERN int salvo_profile_ready(const salvo_profile_t *p);

/* The body the profile sends (its "body", and "body_market" for MARKET
 * orders; salvo's default body when it has none), in its encoding, with
 * url's {{column}}s rendered per order (url may be NULL). The caller frees
 * it (salvo_body_free). 0; -EINVAL with err; -ENOMEM. */
SALVO_EXTERN int salvo_profile_new_body(salvo_body_t **out, const salvo_profile_t *p, const char *url, char *err,
                                        size_t errlen);

/* salvo_config_apply_profile's flags: the caller's own values stay (a
 * command line's flags over the profile's), the sandbox is chosen. */
enum {
    SALVO_PROFILE_SANDBOX = 1 << 0,          /* its sandbox_url and sandbox_headers */
    SALVO_PROFILE_KEEP_URL = 1 << 1,
    SALVO_PROFILE_KEEP_METHOD = 1 << 2,
    SALVO_PROFILE_KEEP_RATE = 1 << 3,
    SALVO_PROFILE_KEEP_WINDOW = 1 << 4,
    SALVO_PROFILE_KEEP_CONCURRENCY = 1 << 5,
    /* the caller sends a body of its own (c->body, set now or later):
     * none is made, and the profile's refusals (about its body) are off;
     * the caller sets the profile's encoding and the URL on its body
     * (salvo_body_set_encoding, salvo_body_set_url) */
    SALVO_PROFILE_OWN_BODY = 1 << 6,
    /* make no body now: the caller makes it later (salvo_profile_new_body) */
    SALVO_PROFILE_NO_BODY = 1 << 7,
    SALVO_PROFILE_KEEP_RATE_PER = 1 << 8,
};

struct salvo_config;
/* Wire a profile into a configuration from salvo_config_init(): what the
 * salvo command's --broker does. Sets c->profile = p (borrowed, as is
 * c->url, which points into p), the URL (live or sandbox), the method, the
 * broker's rate, window and concurrency limits, decimal quantities, and
 * (without SALVO_PROFILE_OWN_BODY or _NO_BODY) c->body from
 * salvo_profile_new_body(),
 * which the caller frees. Secrets are the caller's to set (before the
 * engine starts). 0; -ENOENT when the profile has no URL of the kind
 * asked (err says which: the caller gives one and KEEP_URL); -EINVAL with
 * err (a limit or a body the profile gets wrong); -ENOMEM. */
SALVO_EXTERN int salvo_config_apply_profile(struct salvo_config *c, salvo_profile_t *p, unsigned flags, char *err,
                                            size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
