/* Open addressing over 64-bit id hashes, linear probing, load <= 1/2. */
#include "salvo/idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t salvo_hash_mix(uint64_t h)
{
    h ^= h >> 33; /* murmur3's fmix64: every input bit moves every output bit */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t salvo_idmap_hash(const char *id)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 0x100000001b3ULL;
    h = salvo_hash_mix(h); /* so the low bits index well */
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
    if (m->data)
        n.data = malloc(n.cap * sizeof *n.data);
    if (n.keys == NULL || n.vals == NULL || (m->data && n.data == NULL)) {
        salvo_idmap_free(&n);
        return -ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = slot_of(&n, m->keys[i]);
        n.keys[j] = m->keys[i];
        n.vals[j] = m->vals[i];
        if (m->data)
            n.data[j] = m->data[i];
    }
    n.len = m->len;
    salvo_idmap_free(m);
    *m = n;
    return 0;
}

/* The slot holding h, inserted (value 0, data 0) when absent; -ENOMEM. */
static long find_or_add(salvo_idmap_t *m, uint64_t h)
{
    if (m->cap && m->keys[slot_of(m, h)] == h)
        return (long)slot_of(m, h);
    if ((m->len + 1) * 2 > m->cap && grow(m) < 0)
        return -ENOMEM;
    size_t i = slot_of(m, h);
    if (m->keys[i] != h) {
        m->keys[i] = h, m->vals[i] = 0, m->len++;
        if (m->data)
            m->data[i] = 0;
    }
    return (long)i;
}

int salvo_idmap_set_h(salvo_idmap_t *m, uint64_t h, uint8_t val)
{
    long i = find_or_add(m, h);
    if (i < 0)
        return (int)i;
    int old = m->vals[i];
    m->vals[i] = val;
    return old;
}

int salvo_idmap_get_h(const salvo_idmap_t *m, uint64_t h)
{
    if (m->cap == 0)
        return 0;
    size_t i = slot_of(m, h);
    return m->keys[i] ? m->vals[i] : 0;
}

uint64_t *salvo_idmap_data_h(salvo_idmap_t *m, uint64_t h)
{
    if (m->data == NULL) { /* first use: give every slot, present and future, a payload */
        size_t cap = m->cap ? m->cap : 1024;
        if ((m->data = calloc(cap, sizeof *m->data)) == NULL)
            return NULL;
        if (m->cap == 0 && ((m->keys = calloc(cap, sizeof *m->keys)) == NULL ||
                            (m->vals = malloc(cap * sizeof *m->vals)) == NULL)) {
            salvo_idmap_free(m);
            return NULL;
        }
        m->cap = cap;
    }
    long i = find_or_add(m, h);
    return i < 0 ? NULL : &m->data[i];
}

int salvo_idmap_set(salvo_idmap_t *m, const char *id, uint8_t val)
{
    return salvo_idmap_set_h(m, salvo_idmap_hash(id), val);
}

int salvo_idmap_get(const salvo_idmap_t *m, const char *id)
{
    return salvo_idmap_get_h(m, salvo_idmap_hash(id));
}

void salvo_idmap_free(salvo_idmap_t *m)
{
    free(m->keys);
    free(m->vals);
    free(m->data);
    memset(m, 0, sizeof *m);
}
