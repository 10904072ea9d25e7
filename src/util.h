/* Small things several parts need once: clocks, the RNG, a checked
 * growable array, writing a whole buffer, reading a whole file. (Hashing:
 * idmap.h.) */
#ifndef SALVO_UTIL_H
#define SALVO_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define SALVO_NS_PER_US 1000LL

/* Unix time in microseconds (CLOCK_REALTIME): for timestamps people read. */
int64_t salvo_unix_us(void);

/* ns -> ms for a libuv timer, rounded up so a timer never fires early;
 * negative is 0; clamped to what uv_timer_start takes. */
uint64_t salvo_ns_to_timer_ms(int64_t ns);

/* splitmix64: the next 64 random bits from *state (seed it with anything). */
uint64_t salvo_rng_next(uint64_t *state);
/* A uniform double in [0, 1) from *state. */
double salvo_rng_unit(uint64_t *state);

/* write(2) until all n bytes are out (EINTR retried). 0 or -errno. */
int salvo_write_all(int fd, const void *p, size_t n);
/* The same; *written says how many bytes went, also when it fails part way. */
int salvo_write_all_n(int fd, const void *p, size_t n, size_t *written);

/* Make room for `need` elements of `elem` bytes in *p (capacity *cap,
 * counted in elements), at least doubling. 0, or -ENOMEM on allocation
 * failure or size overflow; *p and *cap are unchanged on failure. */
int salvo_grow(void **p, size_t *cap, size_t need, size_t elem);

/* A hex digit's value (either case), or -1. */
int salvo_hex_value(char c);

/* a then b into dst (cap bytes), cut to fit, NUL-terminated: a message
 * that may be cut, without printf's truncation warnings. */
void salvo_join_text(char *dst, size_t cap, const char *a, const char *b);

/* A GET or DELETE carries no body (a profile's cancel or status request,
 * and what the engine sends for one). */
int salvo_method_bodyless(const char *method);

/* The whole file at path, NUL-terminated (the NUL not counted in *len), if
 * it holds at most max bytes: a buffer the caller frees, or NULL with errno
 * (EFBIG past max, ENOMEM, EIO for a read error, or open's). */
char *salvo_read_path(const char *path, size_t max, size_t *len);

/* Wipe memory holding a secret; not optimised away. */
void salvo_wipe(void *p, size_t n);

/* salvo_config_init's idempotency header (engine/config.c): by address, so
 * salvo_config_apply_profile knows the caller left it as it was. */
extern const char salvo__idempotency_default[];

#endif
