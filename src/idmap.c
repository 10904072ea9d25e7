/* Open addressing over 64-bit id hashes, linear probing, load <= 1/2. */
#include "salvo/idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t id_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    h ^= h >> 33; /* finalise so the low bits index well */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static size_t slot_of(const salvo_idmap_t *m, uint64_t h)
{
    size_t mask = m->cap - 1, i = h & mask;
    while (m->keys[i] != 0 && m->keys[i] != h)
        i = (i + 1) & mask;
    return i;
}

static int grow(salvo_idmap_t *m)
{
    salvo_idmap_t n = {.cap = m->cap ? m->cap * 2 : 1024};
    n.keys = calloc(n.cap, sizeof *n.keys);
    n.vals = malloc(n.cap * sizeof *n.vals);
    if (n.keys == NULL || n.vals == NULL) {
        free(n.keys);
        free(n.vals);
        return -ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = slot_of(&n, m->keys[i]);
        n.keys[j] = m->keys[i];
        n.vals[j] = m->vals[i];
    }
    n.len = m->len;
    salvo_idmap_free(m);
    *m = n;
    return 0;
}

int salvo_idmap_set(salvo_idmap_t *m, const char *id, uint8_t val)
{
    if ((m->len + 1) * 2 > m->cap && grow(m) < 0)
        return -ENOMEM;
    uint64_t h = id_hash(id);
    size_t i = slot_of(m, h);
    int old = 0;
    if (m->keys[i] == h)
        old = m->vals[i];
    else
        m->keys[i] = h, m->len++;
    m->vals[i] = val;
    return old;
}

int salvo_idmap_get(const salvo_idmap_t *m, const char *id)
{
    if (m->cap == 0)
        return 0;
    size_t i = slot_of(m, id_hash(id));
    return m->keys[i] ? m->vals[i] : 0;
}

void salvo_idmap_free(salvo_idmap_t *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
