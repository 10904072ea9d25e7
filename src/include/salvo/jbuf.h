/* A growable byte buffer with JSON writers. Strings are escaped per
 * RFC 8259; invalid UTF-8 becomes U+FFFD, so output is always valid JSON.
 * An allocation failure sets oom and later writes do nothing. */
#ifndef SALVO_JBUF_H
#define SALVO_JBUF_H

/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_jbuf {
    char *p;
    size_t len, cap;
    int oom;
} salvo_jbuf_t;

void salvo_jbuf_free(salvo_jbuf_t *b);
void salvo_jbuf_raw(salvo_jbuf_t *b, const char *s, size_t n);
void salvo_jbuf_cstr(salvo_jbuf_t *b, const char *s); /* raw, NUL-terminated */
void salvo_jbuf_str(salvo_jbuf_t *b, const char *s, size_t n); /* "escaped" */
/* Percent-encoded for a URL's path or query or a form body: RFC 3986's
 * unreserved characters (A-Za-z0-9-._~) as they are, every other byte %XX. */
void salvo_jbuf_pct(salvo_jbuf_t *b, const char *s, size_t n);
void salvo_jbuf_printf(salvo_jbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Numbers without printf (a result line writes several per order):
 * decimal integers, and a double with exactly three decimals, byte for
 * byte as %.3f writes it (a value that is not finite or not below 1e15 in
 * magnitude goes through printf). */
void salvo_jbuf_u64(salvo_jbuf_t *b, unsigned long long v);
void salvo_jbuf_i64(salvo_jbuf_t *b, long long v);
void salvo_jbuf_fixed3(salvo_jbuf_t *b, double v);

#ifdef __cplusplus
}
#endif

#endif
