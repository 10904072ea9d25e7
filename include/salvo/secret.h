/* Which header values are secrets, for anything that shows a request:
 * Authorization, cookies, the known broker key headers, and any the caller
 * names. */
#ifndef SALVO_SECRET_H
#define SALVO_SECRET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* If the header line "Name: value" is secret, the offset where its value
 * starts (just past the colon); else 0. extra: more secret names. */
size_t salvo_header_secret_at(const char *line, size_t len, const char *const *extra, size_t nextra);

#ifdef __cplusplus
}
#endif

#endif
