/* Client order ids mapped to a small value: the duplicate check over one
 * input, and the journal's last state of each order.
 *
 * Ids are stored as 64-bit hashes (8 bytes + 1 an id, so a million ids cost
 * about 18 MB at most); two distinct ids share a hash with probability
 * about n^2 / 2^65, 3e-8 for a million. */
#ifndef SALVO_IDMAP_H
#define SALVO_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct salvo_idmap {
    uint64_t *keys; /* 0: empty slot */
    uint8_t *vals;
    size_t cap, len;
} salvo_idmap_t;

/* Set id's value (1..255). Returns the previous value, 0 when id was new,
 * or -ENOMEM. */
int salvo_idmap_set(salvo_idmap_t *m, const char *id, uint8_t val);
/* id's value, 0 when absent. */
int salvo_idmap_get(const salvo_idmap_t *m, const char *id);
void salvo_idmap_free(salvo_idmap_t *m);

#ifdef __cplusplus
}
#endif

#endif
