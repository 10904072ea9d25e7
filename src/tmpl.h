/* Send-time string templates: "{{timestamp_ms}}{{key}}5000{{body}}".
 * Compiled once from a profile, rendered for every attempt over a fixed
 * set of request variables (docs/profiles.md). Not installed. */
#ifndef SALVO_TMPL_H
#define SALVO_TMPL_H

#include <stddef.h>

#include "salvo/jbuf.h"

enum salvo_tvar {
    SALVO_TV_TIMESTAMP_MS,
    SALVO_TV_TIMESTAMP_S,
    SALVO_TV_TIMESTAMP_ISO,
    SALVO_TV_EXPIRES_S,
    SALVO_TV_NONCE,
    SALVO_TV_RANDOM_HEX,
    SALVO_TV_METHOD,
    SALVO_TV_HOST,
    SALVO_TV_PATH,
    SALVO_TV_QUERY,
    SALVO_TV_PATH_QUERY,
    SALVO_TV_BODY,
    SALVO_TV_KEY,
    SALVO_TV_PASSPHRASE,
    SALVO_TV_SIGNATURE,
    SALVO_TV_COUNT
};

/* Variables whose value is a secret: a header using one is redacted. */
#define SALVO_TV_SECRET_MASK ((1u << SALVO_TV_KEY) | (1u << SALVO_TV_PASSPHRASE) | (1u << SALVO_TV_SIGNATURE))

typedef struct salvo_tmpl_part {
    const char *lit; /* into the template's own copy; NULL for a variable */
    size_t len;
    int var;
} salvo_tmpl_part_t;

typedef struct salvo_tmpl {
    char *text;      /* owned copy */
    salvo_tmpl_part_t *parts;
    size_t nparts;
    unsigned uses;   /* bit per enum salvo_tvar */
} salvo_tmpl_t;

/* The values of one attempt; NULL value: empty. */
typedef struct salvo_tvals {
    const char *v[SALVO_TV_COUNT];
    size_t len[SALVO_TV_COUNT];
} salvo_tvals_t;

/* 0; -EINVAL with err naming the unknown variable ({{secret}} is refused:
 * the secret only ever keys a signature); -ENOMEM. */
int salvo_tmpl_compile(salvo_tmpl_t *t, const char *text, char *err, size_t errlen);
void salvo_tmpl_free(salvo_tmpl_t *t);

/* Append the rendering to out; json: JSON-escape the variables' values
 * (for JWT parts; the literal text is the template's own). */
void salvo_tmpl_render(const salvo_tmpl_t *t, const salvo_tvals_t *vals, int json, salvo_jbuf_t *out);

const char *salvo_tvar_name(int var);

#endif
