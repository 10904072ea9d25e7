/* The inside of a loaded profile, for the signer and the engine (not
 * installed). Strings point into root unless said otherwise. */
#ifndef SALVO_PROFILE_INT_H
#define SALVO_PROFILE_INT_H

#include <stdint.h>

#include "crypto.h"
#include "rules.h"
#include "salvo/jbuf.h"
#include "salvo/profile.h"
#include "tmpl.h"

struct cJSON;

enum salvo_sign_algo {
    SALVO_SIGN_NONE,
    SALVO_SIGN_HMAC_SHA256,
    SALVO_SIGN_HMAC_SHA384,
    SALVO_SIGN_HMAC_SHA512,
    SALVO_SIGN_KRAKEN,
    SALVO_SIGN_RSA_SHA256,
    SALVO_SIGN_ED25519,
    SALVO_SIGN_JWT_ES256,
    SALVO_SIGN_JWT_EDDSA,
};

enum salvo_out_enc { SALVO_OUT_HEX, SALVO_OUT_BASE64, SALVO_OUT_BASE64URL };
enum salvo_secret_enc { SALVO_SECENC_RAW, SALVO_SECENC_BASE64, SALVO_SECENC_HEX };
enum salvo_reset_unit { SALVO_RESET_EPOCH_S, SALVO_RESET_EPOCH_MS, SALVO_RESET_DELTA_S, SALVO_RESET_DELTA_MS };

typedef struct salvo_param {
    const char *name;
    salvo_tmpl_t value;
} salvo_param_t;

typedef struct salvo_hdr {
    const char *name;
    salvo_tmpl_t value;
    int secret; /* its value holds a key, a passphrase or the signature */
    int sandbox_only; /* from sandbox_headers: sent only with --sandbox */
} salvo_hdr_t;

#define SALVO_PROFILE_MAX_HEADERS 24 /* under SALVO_WIRE_MAX_HEADERS */

/* "refuse": rows the profile's body would send wrong (Bitget sizes a
 * MARKET BUY in the quote coin). A row matches when every column named
 * (symbol, side, type; NULL: any) has that value, case-insensitively. */
enum { SALVO_REFUSE_SYMBOL, SALVO_REFUSE_SIDE, SALVO_REFUSE_TYPE, SALVO_REFUSE_COLS };
typedef struct salvo_refusal {
    const char *is[SALVO_REFUSE_COLS];
    const char *why;
} salvo_refusal_t;

typedef struct salvo_sign_spec {
    int algo, output, secret_enc;
    salvo_tmpl_t string, jwt_header, jwt_claims;
    salvo_param_t *params;
    size_t nparams;
    const char *param; /* append the signature as this parameter; NULL: none */
    int params_first;  /* params before the body's pairs (Kraken's example: nonce=...&ordertype=...) */
    int params_in_json; /* "params_in": "body" on a JSON request: members of the body's object */
    int64_t ttl_s;
} salvo_sign_spec_t;

/* A piece of a batch's body (profile_batch.c): its text up to a hole,
 * and what fills the hole. */
enum { SALVO_HOLE_ORDERS, SALVO_HOLE_SYMBOL, SALVO_HOLE_SIDE, SALVO_HOLE_TYPE, SALVO_HOLE_END };
typedef struct salvo_batch_piece {
    size_t text_len; /* bytes of text before the hole */
    int hole;        /* SALVO_HOLE_* */
} salvo_batch_piece_t;

#define SALVO_BATCH_MAX_PIECES 8
#define SALVO_BATCH_MAX_OMIT 8
#define SALVO_BATCH_MAX_LISTS 4

/* A profile's "batch" request (docs/profiles.md, "Batches"): many orders
 * in one request, each with its own element in the answer. */
typedef struct salvo_batch {
    struct salvo_profile *req; /* the request: url, method, headers, sign, and its
                                  rules read once per order ({{index}}); owned */
    char *text;                /* the body with holes (owned) */
    salvo_batch_piece_t piece[SALVO_BATCH_MAX_PIECES];
    size_t npieces;
    const char *omit[SALVO_BATCH_MAX_OMIT]; /* keys dropped from each order's body */
    size_t nomit;
    unsigned max;              /* orders a request may carry */
    unsigned group;            /* (1u << SALVO_COL_*): values every order of a batch shares */
    int per_order;             /* the broker's rate limit counts orders, not requests */
    int form_elements;         /* the orders' bodies are form pairs: each element is their object */
    const char *elements[SALVO_BATCH_MAX_LISTS]; /* pointers to the answer's lists of per-order elements */
    size_t nelements;
    const char *element_id;    /* pointer ({{index}}) to an element's client order id; NULL: by place */
    const char *match;         /* pointer, within an element, to its client order id: the order's
                                  element is the one naming it, in any list; NULL: by place */
} salvo_batch_t;

struct salvo_profile {
    struct cJSON *root;
    const char *name, *about, *url, *sandbox_url, *method, *warm_url, *server_time;
    const char *rate, *window, *rate_per;
    const char *idempotency_header; /* NULL: none */
    int dedupes_client_id;
    char concurrency[24]; /* "" when none */
    int encoding;
    int decimal_quantity;
    int sandbox;       /* --sandbox: sandbox_headers are sent */
    salvo_hdr_t *headers;
    size_t nheaders;
    salvo_sign_spec_t sign;
    salvo_rules_t rules;
    salvo_refusal_t *refuse;
    size_t nrefuse;
    int body_replaced; /* --body-template: the refusals were about the profile's body */
    struct {
        const char *remaining, *reset;
        int reset_unit;
        const char **capture;
        size_t ncapture;
    } rl;
    unsigned id_max;
    unsigned char id_allowed[256];
    int id_shaped;
    char secret_var[SALVO_SECRET_COUNT][96];
    int needs[SALVO_SECRET_COUNT];
    char *secret[SALVO_SECRET_COUNT]; /* owned, wiped on free */
    size_t secret_len[SALVO_SECRET_COUNT];
    unsigned char *hmac_key;          /* the decoded HMAC key, owned, wiped */
    size_t hmac_key_len;
    salvo_pkey_t *pkey;
    int op;                 /* enum salvo_op: the request this profile makes */
    int batch_req;          /* this is a batch's request: its rules are indexed */
    salvo_batch_t *batch;   /* the "batch" request, owned; NULL: none */
    int64_t fixed_clock_ms; /* --clock: a dry run signs as at this Unix time; 0: the real clock */
};

/* The profile's text into *root (the caller's to cJSON_Delete): one JSON
 * object, nothing after it, no key twice, no NUL in a string, nested at
 * most CJSON_NESTING_LIMIT deep. 0, or -EINVAL with err saying what and
 * where (a key's path, or a line and column); *root is then NULL. */
int salvo_profile_read_json(struct cJSON **root, const char *json, size_t len, char *err, size_t errlen);

/* A batch's body into out (its length without the NUL it ends in):
 * orders' bodies as the list's elements, the first order's values in the
 * body's other placeholders (every order of a batch shares them). */
struct salvo_order;
void salvo_batch_render(const salvo_batch_t *b, salvo_jbuf_t *out, const struct salvo_order *const *orders, size_t n);

/* "hmac-sha256", ... for messages. */
const char *salvo_sign_algo_name(int algo);

/* The profile's answer rules (for the engine and the tests). */
static inline const salvo_rules_t *salvo_profile_rules(const salvo_profile_t *p) { return &p->rules; }

#endif
