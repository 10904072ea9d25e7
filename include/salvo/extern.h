/* SALVO_EXTERN marks the functions libsalvo.so exports: the library is
 * built with hidden visibility, so a name without it stays inside (as
 * curl's CURL_EXTERN and libuv's UV_EXTERN). */
#ifndef SALVO_EXTERN_H
#define SALVO_EXTERN_H

#if defined(__GNUC__) || defined(__clang__)
#define SALVO_EXTERN __attribute__((visibility("default")))
#else
#define SALVO_EXTERN
#endif

#endif
