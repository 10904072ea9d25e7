/* A profile's secrets: which it needs, and taking them in (an HMAC key
 * decoded, a PEM key parsed) so that nothing is decoded per request. */
#include "profile_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The order's request's, then its batch request's (headers of its own). */
const char *salvo_profile_secret_header(const salvo_profile_t *p, size_t i)
{
    for (size_t k = 0; k < p->nheaders; k++)
        if (p->headers[k].secret && i-- == 0)
            return p->headers[k].name;
    return p->batch ? salvo_profile_secret_header(p->batch->req, i) : NULL;
}

int salvo_profile_needs(const salvo_profile_t *p, int slot) { return p->needs[slot]; }
const char *salvo_profile_secret_var(const salvo_profile_t *p, int slot) { return p->secret_var[slot]; }

int salvo_profile_ready(const salvo_profile_t *p)
{
    for (int s = 0; s < SALVO_SECRET_COUNT; s++)
        if (p->needs[s] && p->secret[s] == NULL)
            return 0;
    return 1;
}

static int decode_hmac_key(salvo_profile_t *p, const char *v, size_t len, char *err, size_t errlen)
{
    size_t cap = len + 4;
    if ((p->hmac_key = malloc(cap)) == NULL)
        return -ENOMEM;
    int n = (int)len;
    int enc = p->sign.algo == SALVO_SIGN_KRAKEN ? SALVO_SECENC_BASE64 : p->sign.secret_enc; /* Kraken's is base64 */
    while (enc != SALVO_SECENC_RAW && len > 0 && (v[len - 1] == '\n' || v[len - 1] == '\r' || v[len - 1] == ' '))
        len--; /* a pasted secret's line end is not part of it */
    if (enc == SALVO_SECENC_RAW) {
        memcpy(p->hmac_key, v, len);
    } else if (enc == SALVO_SECENC_BASE64) {
        n = salvo_b64_decode(v, len, p->hmac_key, cap);
    } else {
        n = len % 2 ? -EINVAL : (int)(len / 2);
        for (size_t i = 0; n > 0 && i < len / 2; i++) {
            unsigned x;
            if (!isxdigit((unsigned char)v[2 * i]) || !isxdigit((unsigned char)v[2 * i + 1]) ||
                sscanf(v + 2 * i, "%2x", &x) != 1)
                n = -EINVAL;
            else
                p->hmac_key[i] = (unsigned char)x;
        }
    }
    if (n < 0) {
        snprintf(err, errlen, "%s is not valid %s", p->secret_var[SALVO_SECRET_SECRET],
                 enc == SALVO_SECENC_HEX ? "hex" : "base64");
        return -EINVAL;
    }
    p->hmac_key_len = (size_t)n;
    return 0;
}

static int load_key(salvo_profile_t *p, const char *v, size_t len, char *err, size_t errlen)
{
    char e[160];
    int rc = salvo_pkey_load_pem(&p->pkey, v, len, e, sizeof e);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", p->secret_var[SALVO_SECRET_SECRET], e);
        return rc;
    }
    int want = p->sign.algo == SALVO_SIGN_RSA_SHA256 ? SALVO_PKEY_RSA
               : p->sign.algo == SALVO_SIGN_JWT_ES256 ? SALVO_PKEY_EC_P256 : SALVO_PKEY_ED25519;
    if (salvo_pkey_kind(p->pkey) != want) {
        snprintf(err, errlen, "%s holds a %s key, but the profile signs with %s", p->secret_var[SALVO_SECRET_SECRET],
                 salvo_pkey_kind(p->pkey) == SALVO_PKEY_RSA ? "RSA" : salvo_pkey_kind(p->pkey) == SALVO_PKEY_EC_P256
                 ? "EC P-256" : "Ed25519", salvo_sign_algo_name(p->sign.algo));
        return -EINVAL;
    }
    return 0;
}

static int set_secret(salvo_profile_t *p, int slot, const char *value, size_t len, char *err, size_t errlen);

/* The batch's request signs with the same secrets. */
int salvo_profile_set_secret(salvo_profile_t *p, int slot, const char *value, size_t len, char *err, size_t errlen)
{
    int rc = set_secret(p, slot, value, len, err, errlen);
    if (rc == 0 && p->batch)
        rc = set_secret(p->batch->req, slot, value, len, err, errlen);
    return rc;
}

static int set_secret(salvo_profile_t *p, int slot, const char *value, size_t len, char *err, size_t errlen)
{
    if (slot < 0 || slot >= SALVO_SECRET_COUNT)
        return -EINVAL;
    /* The key and the passphrase are sent as text, in a header or a
     * parameter: a line break is a paste error, and in a header it would
     * fail every order at its send. (The signing secret is key material.) */
    if (slot != SALVO_SECRET_SECRET && (memchr(value, '\r', len) || memchr(value, '\n', len))) {
        snprintf(err, errlen, "%s holds a line break (CR or LF)", p->secret_var[slot]);
        return -EINVAL;
    }
    if (p->secret[slot]) {
        salvo_crypto_wipe(p->secret[slot], p->secret_len[slot]);
        free(p->secret[slot]);
    }
    if ((p->secret[slot] = malloc(len + 1)) == NULL)
        return -ENOMEM;
    memcpy(p->secret[slot], value, len);
    p->secret[slot][len] = '\0';
    p->secret_len[slot] = len;
    if (slot != SALVO_SECRET_SECRET || p->sign.algo == SALVO_SIGN_NONE)
        return 0;
    if (p->hmac_key) {
        salvo_crypto_wipe(p->hmac_key, p->hmac_key_len);
        free(p->hmac_key);
        p->hmac_key = NULL;
    }
    salvo_pkey_free(p->pkey);
    p->pkey = NULL;
    if (p->sign.algo >= SALVO_SIGN_HMAC_SHA256 && p->sign.algo <= SALVO_SIGN_KRAKEN)
        return decode_hmac_key(p, value, len, err, errlen);
    return load_key(p, value, len, err, errlen);
}
