/* Client order ids mapped to a small value: the duplicate check over one
 * input, and the journal's last state of each order.
 *
 * Ids are stored as 64-bit hashes (8 bytes + 1 an id, so a million ids cost
 * about 18 MB at most); two distinct ids share a hash with probability
 * about n^2 / 2^65, 3e-8 for a million. */
#ifndef SALVO_IDMAP_H
#define SALVO_IDMAP_H

/* Private (src/include/): libsalvo, the tool and the tests use it; not installed. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_idmap {
    uint64_t *keys; /* 0: empty slot */
    uint8_t *vals;
    uint64_t *data; /* per-slot payload, only once salvo_idmap_data_h() was used (+8 bytes a slot) */
    size_t cap, len;
} salvo_idmap_t;

/* Set id's value (1..255). Returns the previous value, 0 when id was new,
 * or -ENOMEM. */
int salvo_idmap_set(salvo_idmap_t *m, const char *id, uint8_t val);
/* id's value, 0 when absent. */
int salvo_idmap_get(const salvo_idmap_t *m, const char *id);
void salvo_idmap_free(salvo_idmap_t *m);

/* The same by hash, for callers that hash something other than an id
 * string (h != 0; salvo_idmap_hash(id) is what the string calls use). */
uint64_t salvo_idmap_hash(const char *id);
int salvo_idmap_set_h(salvo_idmap_t *m, uint64_t h, uint8_t val);
int salvo_idmap_get_h(const salvo_idmap_t *m, uint64_t h);
/* h's 64-bit payload (0 for a new key, which is added with value 0; the
 * pointer holds until the next insertion), or NULL without memory. */
uint64_t *salvo_idmap_data_h(salvo_idmap_t *m, uint64_t h);

/* A bijective finaliser (murmur3 fmix64) for 64-bit hashes. */
uint64_t salvo_hash_mix(uint64_t h);

#ifdef __cplusplus
}
#endif

#endif
