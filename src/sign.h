/* A profile's request for one attempt, built at send time (after the rate
 * limiter and any backoff, so timestamps are fresh): the final URL and body
 * with the send-time parameters, the signature over exactly those bytes,
 * and the header lines. Not installed. */
#ifndef SALVO_SIGN_H
#define SALVO_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "salvo/jbuf.h"
#include "salvo/profile.h"

#define SALVO_WIRE_MAX_HEADERS 32

typedef struct salvo_wire {
    salvo_jbuf_t url;   /* NUL-terminated */
    salvo_jbuf_t body;  /* body_len bytes (also NUL-terminated) */
    size_t body_len;
    salvo_jbuf_t hdr;   /* "Name: value\0" lines */
    size_t hoff[SALVO_WIRE_MAX_HEADERS];
    size_t nh;
    unsigned secret;    /* bit i: header line i holds a secret */
    salvo_jbuf_t canon; /* what was signed (for --check-profile; may hold the key: never logged) */
    salvo_jbuf_t tmp;
    salvo_jbuf_t sig;   /* a dry run on a fixed clock: the signature, shown (NUL-terminated);
                           else empty */
    int redact;         /* set by the caller: a dry run; secret header values and the
                           signature parameter show as ***, and nothing is signed
                           when the secrets are not there */
} salvo_wire_t;

/* Send-time state a run keeps: the last nonce given out. */
typedef struct salvo_signer {
    uint64_t last_nonce;
} salvo_signer_t;

/* Build w for one attempt. url: the order's URL (its columns filled in);
 * body/body_len: the rendered body (form pairs for form and query
 * encodings). 0; -EINVAL with err (a secret missing, a signing failure);
 * -ENOMEM. */
int salvo_sign_build(const salvo_profile_t *p, salvo_signer_t *st, const char *url, const char *body,
                     size_t body_len, int64_t now_us, salvo_wire_t *w, char *err, size_t errlen);

void salvo_wire_free(salvo_wire_t *w);

/* --clock: sign every request as at Unix time unix_ms (ms > 0), its nonce
 * unix_ms (+1 for each request after the first), and let a dry run show
 * the signature: a broker's published example, reproduced. A request so
 * signed is stale at the broker: for dry runs only (the caller's rule). A
 * JWT carries the key in its claims: it stays ***. */
void salvo_sign_fix_clock(salvo_profile_t *p, int64_t unix_ms);

/* Header line i of w. */
static inline const char *salvo_wire_header(const salvo_wire_t *w, size_t i) { return w->hdr.p + w->hoff[i]; }

#endif
