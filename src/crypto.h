/* Hashes, MACs and signatures from libcrypto (OpenSSL 3, EVP APIs); the
 * encodings brokers want them in. No cryptography is written here.
 * Errors: negative errno values. Internal to libsalvo. */
#ifndef SALVO_CRYPTO_H
#define SALVO_CRYPTO_H

#include <stddef.h>

enum salvo_mac_alg { SALVO_SHA256, SALVO_SHA384, SALVO_SHA512 };
#define SALVO_MAC_MAX 64

/* HMAC: 0, out gets *outlen bytes (<= SALVO_MAC_MAX). -EINVAL for an
 * unknown alg, -EIO if libcrypto fails. An empty key or message is fine. */
int salvo_hmac(int alg, const void *key, size_t klen, const void *msg, size_t mlen,
               unsigned char out[SALVO_MAC_MAX], size_t *outlen);
/* A plain digest, same conventions as salvo_hmac. */
int salvo_digest(int alg, const void *msg, size_t mlen, unsigned char out[SALVO_MAC_MAX], size_t *outlen);

/* Lowercase hex; out must hold 2n+1; returns 2n. */
size_t salvo_hex_encode(const unsigned char *in, size_t n, char *out);
/* base64 (url=0, with padding) or base64url (url=1, no padding, as JWT
 * wants); NUL-terminated; returns the length, or -ENOSPC when the text and
 * its NUL do not fit in cap. */
int salvo_b64_encode(const unsigned char *in, size_t n, int url, char *out, size_t cap);
/* Standard base64, padding optional; nothing else (no whitespace, no
 * base64url alphabet). Returns the decoded length, -EINVAL on bad input,
 * -ENOSPC when it does not fit in cap. */
int salvo_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap);

/* A private key. Owned by the caller of salvo_pkey_load_pem, freed with
 * salvo_pkey_free; one key may sign from one thread at a time. */
typedef struct salvo_pkey salvo_pkey_t;
enum salvo_pkey_kind { SALVO_PKEY_RSA, SALVO_PKEY_EC_P256, SALVO_PKEY_ED25519 };

/* A private key from PEM text (PKCS#8 "PRIVATE KEY", or traditional
 * "EC PRIVATE KEY"/"RSA PRIVATE KEY"); len bytes, no NUL needed. Newlines
 * may arrive as the two characters backslash-n (keys pasted into env vars).
 * Encrypted keys, other key types and other curves: -EINVAL with a message
 * in err (which names the type, never any key material). -ENOMEM. */
int salvo_pkey_load_pem(salvo_pkey_t **out, const char *pem, size_t len, char *err, size_t errlen);
int salvo_pkey_kind(const salvo_pkey_t *k);
/* The most bytes salvo_pkey_sign writes for this key (RSA: the modulus
 * size; EC P-256 and Ed25519: 64). */
size_t salvo_pkey_sig_max(const salvo_pkey_t *k);
/* Sign msg: RSA -> RSASSA-PKCS1-v1_5 with SHA-256; Ed25519 -> pure Ed25519
 * (64 bytes); EC P-256 -> ES256 as JOSE wants it: SHA-256, raw r||s, 64
 * bytes, each half left-padded (not DER). sig has cap bytes; *siglen set.
 * 0, -ENOSPC (cap too small), -ENOMEM, -EIO (libcrypto failed). */
int salvo_pkey_sign(salvo_pkey_t *k, const void *msg, size_t mlen, unsigned char *sig, size_t cap, size_t *siglen);
void salvo_pkey_free(salvo_pkey_t *k);

/* Fill buf with n cryptographically random bytes (RAND_bytes): 0 or -EIO.
 * For JWT nonces. */
int salvo_random_bytes(void *buf, size_t n);
/* Overwrite secret bytes so the compiler cannot drop it (OPENSSL_cleanse). */
void salvo_crypto_wipe(void *p, size_t n);

#endif
