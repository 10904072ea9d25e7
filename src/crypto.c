/* Hashes, MACs and signatures from libcrypto; encodings. See crypto.h. */
#include "crypto.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

/* Largest DER ECDSA-Sig-Value for P-256: SEQUENCE of two 33-byte INTEGERs. */
#define ES256_DER_MAX 72
#define ES256_HALF 32

struct salvo_pkey {
    EVP_PKEY *pk;
    int kind;
    size_t sig_max;
};

/* libcurl reads OpenSSL's error queue for its own messages: a failure here
 * must not leave ours behind for it to find. */
static int lib_failed(void)
{
    ERR_clear_error();
    return -EIO;
}

static const char *md_name(int alg)
{
    switch (alg) {
    case SALVO_SHA256: return "SHA256";
    case SALVO_SHA384: return "SHA384";
    case SALVO_SHA512: return "SHA512";
    default: return NULL;
    }
}

static const EVP_MD *md_of(int alg)
{
    switch (alg) {
    case SALVO_SHA256: return EVP_sha256();
    case SALVO_SHA384: return EVP_sha384();
    case SALVO_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

int salvo_hmac(int alg, const void *key, size_t klen, const void *msg, size_t mlen,
               unsigned char out[SALVO_MAC_MAX], size_t *outlen)
{
    static const unsigned char empty[1];
    const char *md = md_name(alg);
    if (!md)
        return -EINVAL;
    if (!key || klen == 0) /* HMAC allows an empty key; libcrypto wants a pointer */
        key = empty;
    if (!msg)
        msg = empty;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, klen, msg, mlen, out, SALVO_MAC_MAX, outlen))
        return lib_failed();
    return 0;
}

int salvo_digest(int alg, const void *msg, size_t mlen, unsigned char out[SALVO_MAC_MAX], size_t *outlen)
{
    static const unsigned char empty[1];
    const EVP_MD *md = md_of(alg);
    unsigned int len = 0;
    if (!md)
        return -EINVAL;
    if (!EVP_Digest(msg ? msg : empty, mlen, out, &len, md, NULL))
        return lib_failed();
    *outlen = len;
    return 0;
}

size_t salvo_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * n;
}

/* Input bytes whose base64 still fits an int (EVP_EncodeBlock's types). */
#define B64_IN_MAX ((size_t)INT_MAX / 4 * 3 - 3)

int salvo_b64_encode(const unsigned char *in, size_t n, int url, char *out, size_t cap)
{
    size_t whole = n / 3 * 3, rest = n - whole;
    if (n > B64_IN_MAX)
        return -ENOSPC;
    size_t len = whole / 3 * 4 + (rest == 0 ? 0 : url ? rest + 1 : 4);
    if (!out || cap < len + 1)
        return -ENOSPC;
    if (whole > 0)
        EVP_EncodeBlock((unsigned char *)out, in, (int)whole);
    if (rest > 0) {
        unsigned char tail[5];
        EVP_EncodeBlock(tail, in + whole, (int)rest);
        memcpy(out + whole / 3 * 4, tail, len - whole / 3 * 4);
    }
    out[len] = '\0';
    if (url)
        for (size_t i = 0; i < len; i++) {
            if (out[i] == '+')
                out[i] = '-';
            else if (out[i] == '/')
                out[i] = '_';
        }
    return (int)len;
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int salvo_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
    size_t pad = 0;
    while (n > 0 && pad < 2 && in[n - 1] == '=') {
        n--;
        pad++;
    }
    if (n % 4 == 1 || (pad > 0 && (n + pad) % 4 != 0) || n > B64_IN_MAX)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!is_b64(in[i]))
            return -EINVAL;
    size_t whole = n / 4 * 4, rest = n - whole;
    size_t len = whole / 4 * 3 + (rest ? rest - 1 : 0);
    if (len > cap || (len > 0 && !out))
        return -ENOSPC;
    if (whole > 0) {
        /* Whole quads need no padding: the count is exact. */
        if (EVP_DecodeBlock(out, (const unsigned char *)in, (int)whole) != (int)(whole / 4 * 3))
            return lib_failed();
    }
    if (rest > 0) {
        /* The last 2 or 3 characters, filled up with 'A' (zero bits): the
         * first rest-1 bytes decoded are the real ones. */
        unsigned char quad[4] = {'A', 'A', 'A', 'A'}, three[3];
        memcpy(quad, in + whole, rest);
        if (EVP_DecodeBlock(three, quad, 4) != 3)
            return lib_failed();
        memcpy(out + whole / 4 * 3, three, rest - 1);
    }
    return (int)len;
}

/* Never asks for a passphrase (libcrypto would prompt on the terminal). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    *(int *)u = 1;
    return -1;
}

static void set_err(char *err, size_t errlen, const char *msg, const char *arg)
{
    if (err && errlen > 0)
        snprintf(err, errlen, msg, arg ? arg : "");
}

/* Which of our kinds the key is, or -1 with a message naming what it is. */
static int kind_of(EVP_PKEY *pk, char *err, size_t errlen)
{
    if (EVP_PKEY_is_a(pk, "RSA"))
        return SALVO_PKEY_RSA;
    if (EVP_PKEY_is_a(pk, "ED25519"))
        return SALVO_PKEY_ED25519;
    if (EVP_PKEY_is_a(pk, "EC")) {
        char curve[64] = "";
        size_t n = 0;
        if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &n) &&
            OBJ_sn2nid(curve) == NID_X9_62_prime256v1)
            return SALVO_PKEY_EC_P256;
        set_err(err, errlen, "unsupported key: an EC key on curve %s (only P-256 is)",
                curve[0] ? curve : "(unnamed)");
        return -1;
    }
    const char *type = EVP_PKEY_get0_type_name(pk);
    set_err(err, errlen, "unsupported key type %s (RSA, EC P-256 and Ed25519 are)", type ? type : "(unknown)");
    return -1;
}

/* A key whose PEM parses may still not sign (one changed character in an
 * RSA prime: libcrypto's check of its own signature fails): find out at
 * load, not at every order's send. */
static int try_sign(salvo_pkey_t *k)
{
    unsigned char *sig = malloc(k->sig_max);
    size_t n = 0;
    if (sig == NULL)
        return -ENOMEM;
    int rc = salvo_pkey_sign(k, "salvo", 5, sig, k->sig_max, &n);
    free(sig);
    return rc == -ENOMEM ? rc : rc < 0 ? -EINVAL : 0;
}

int salvo_pkey_load_pem(salvo_pkey_t **out, const char *pem, size_t len, char *err, size_t errlen)
{
    *out = NULL;
    set_err(err, errlen, "", NULL);
    if (!pem || len == 0 || len > INT_MAX) {
        set_err(err, errlen, "no PEM private key given", NULL);
        return -EINVAL;
    }
    /* A copy with backslash-n turned into newlines: PEM's base64 has no
     * backslash, so nothing else can be meant. Wiped before it is freed. */
    char *text = malloc(len);
    if (!text) {
        set_err(err, errlen, "out of memory reading a private key", NULL);
        return -ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (pem[i] == '\\' && i + 1 < len && pem[i + 1] == 'n') {
            text[n++] = '\n';
            i++;
        } else {
            text[n++] = pem[i];
        }
    }

    int rc = -EINVAL, encrypted = 0;
    EVP_PKEY *pk = NULL;
    BIO *bio = BIO_new_mem_buf(text, (int)n);
    if (!bio) {
        rc = -ENOMEM;
        set_err(err, errlen, "out of memory reading a private key", NULL);
        goto out;
    }
    pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &encrypted);
    BIO_free(bio);
    if (!pk) {
        if (encrypted)
            set_err(err, errlen, "the private key is encrypted: give it unencrypted (PKCS#8 or traditional PEM)", NULL);
        else
            set_err(err, errlen, "not a PEM private key (want -----BEGIN PRIVATE KEY-----, EC PRIVATE KEY or RSA PRIVATE KEY)", NULL);
        goto out;
    }
    int kind = kind_of(pk, err, errlen);
    if (kind < 0)
        goto out;
    salvo_pkey_t *k = malloc(sizeof *k);
    if (!k) {
        rc = -ENOMEM;
        set_err(err, errlen, "out of memory reading a private key", NULL);
        goto out;
    }
    k->pk = pk;
    k->kind = kind;
    k->sig_max = kind == SALVO_PKEY_RSA ? (size_t)EVP_PKEY_get_size(pk) : 2 * ES256_HALF;
    pk = NULL;
    if ((rc = try_sign(k)) < 0) {
        set_err(err, errlen, rc == -ENOMEM ? "out of memory reading a private key"
                                           : "the private key cannot sign: it is damaged (a character changed?)", NULL);
        salvo_pkey_free(k);
        goto out;
    }
    *out = k;
out:
    EVP_PKEY_free(pk);
    salvo_crypto_wipe(text, len);
    free(text);
    ERR_clear_error();
    return rc;
}

int salvo_pkey_kind(const salvo_pkey_t *k)
{
    return k->kind;
}

size_t salvo_pkey_sig_max(const salvo_pkey_t *k)
{
    return k->sig_max;
}

/* DER ECDSA-Sig-Value -> r||s, each half left-padded to 32 bytes. */
static int der_to_raw(const unsigned char *der, size_t derlen, unsigned char raw[2 * ES256_HALF])
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    if (!es)
        return lib_failed();
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(es, &r, &s);
    int ok = BN_bn2binpad(r, raw, ES256_HALF) == ES256_HALF && BN_bn2binpad(s, raw + ES256_HALF, ES256_HALF) == ES256_HALF;
    ECDSA_SIG_free(es);
    return ok ? 0 : lib_failed();
}

int salvo_pkey_sign(salvo_pkey_t *k, const void *msg, size_t mlen, unsigned char *sig, size_t cap, size_t *siglen)
{
    static const unsigned char empty[1];
    if (cap < k->sig_max)
        return -ENOSPC;
    if (!msg)
        msg = empty;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return -ENOMEM;
    /* Ed25519 signs the message itself (no digest); the others SHA-256. */
    const EVP_MD *md = k->kind == SALVO_PKEY_ED25519 ? NULL : EVP_sha256();
    EVP_PKEY_CTX *pctx = NULL;
    int rc = -EIO;
    if (EVP_DigestSignInit(ctx, &pctx, md, NULL, k->pk) != 1)
        goto out;
    if (k->kind == SALVO_PKEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
        goto out;
    if (k->kind == SALVO_PKEY_EC_P256) {
        unsigned char der[ES256_DER_MAX];
        size_t derlen = sizeof der;
        if (EVP_DigestSign(ctx, der, &derlen, msg, mlen) != 1)
            goto out;
        rc = der_to_raw(der, derlen, sig);
        if (rc == 0)
            *siglen = 2 * ES256_HALF;
    } else {
        size_t len = cap;
        if (EVP_DigestSign(ctx, sig, &len, msg, mlen) != 1)
            goto out;
        *siglen = len;
        rc = 0;
    }
out:
    EVP_MD_CTX_free(ctx);
    if (rc == -EIO)
        ERR_clear_error();
    return rc;
}

void salvo_pkey_free(salvo_pkey_t *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pk);
    free(k);
}

int salvo_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1)
            return lib_failed();
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

void salvo_crypto_wipe(void *p, size_t n)
{
    if (p && n > 0)
        OPENSSL_cleanse(p, n);
}
