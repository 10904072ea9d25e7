/* Which header values are secrets, for anything that shows a request:
 * Authorization, cookies, the common broker key headers (exact names and
 * prefixes such as CB-ACCESS-*), and any the caller names; and where, in
 * any text, a secret sits. */
#ifndef SALVO_SECRET_H
#define SALVO_SECRET_H

/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a caller holds secret, beyond the built-in names. */
typedef struct salvo_secrets {
    const char *const *names; /* more secret header names; "X-Desk-*" is a prefix */
    size_t nnames;
    const char *const *values; /* values the process holds (API key, --header-env values) */
    size_t nvalues;
} salvo_secrets_t;

/* The held secret values, each in every form it may be written in: as it
 * is; percent-encoded as salvo writes a query or form value (%XX, a space
 * as %20) and with '+' for a space; inside a JSON string as salvo writes it
 * and with "\/" for '/'; inside base64url (a JWT's claims) at each of the
 * three offsets. forms is NULL-terminated, for salvo_secrets_t.values; the
 * set owns its strings and wipes them when freed. */
typedef struct salvo_secret_forms {
    char **forms;
    size_t n, cap;
} salvo_secret_forms_t;

/* Add value[0..len) and its forms (each once). 0, or -ENOMEM. */
int salvo_secret_forms_add(salvo_secret_forms_t *f, const char *value, size_t len);
void salvo_secret_forms_free(salvo_secret_forms_t *f);

/* 1 if the header name name[0..n) is secret (case-insensitive): a built-in
 * name or prefix, or one of extra (where a trailing '*' makes a prefix). */
int salvo_secret_name(const char *name, size_t n, const char *const *extra, size_t nextra);

/* If the header line "Name: value" is secret, the offset where its value
 * starts (just past the colon); else 0. extra: more secret names. */
size_t salvo_header_secret_at(const char *line, size_t len, const char *const *extra, size_t nextra);

/* Mark in mask[0..len) (1 = secret) every byte of text[0..len) to hide:
 * the value of every secret header written anywhere in the text, as
 * "Name: value" up to the end of its line, "[name: value]" up to the line's
 * last ']', or "\"name\": \"value\"" up to the closing quote; and every
 * occurrence of a value in s. Other bytes of mask are left as they are.
 * Returns how many bytes were newly marked. s may be NULL. */
size_t salvo_secret_mask(const char *text, size_t len, const salvo_secrets_t *s, unsigned char *mask);

/* For a text cut at len (a response kept to its first bytes): mark in mask
 * a tail of text that is the start of a value in s, which the cut split.
 * Returns how many bytes were newly marked. */
size_t salvo_secret_mask_cut(const char *text, size_t len, const salvo_secrets_t *s, unsigned char *mask);

/* text[0..len) with each run of secret bytes replaced by "***", written to
 * out (always NUL-terminated when cap > 0, cut at cap - 1). Returns the
 * length of the whole redacted text, as snprintf does. -1 if out of memory. */
long salvo_secret_redact(const char *text, size_t len, const salvo_secrets_t *s, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
