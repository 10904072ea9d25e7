/* Per-value windows (limit.h): a hash table of salvo_window_t, chained by
 * index, with a least-recently-used list over the same entries. */
#include "limit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct rp_entry {
    char *key; /* owned, NUL-terminated; kept for the next value when evicted */
    size_t len, key_cap;
    uint64_t hash;
    uint32_t chain;          /* next in its bucket */
    uint32_t newer, older;   /* the LRU list */
    salvo_window_t w;
};

struct salvo_rateper {
    uint32_t n, max, count;
    int64_t period_ns, guard_ns;
    struct rp_entry *e;      /* count used, cap allocated (<= max) */
    uint32_t cap;
    uint32_t *bucket, mask;
    uint32_t newest, oldest;
};

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

int salvo_rateper_new(salvo_rateper_t **out, uint32_t n, int64_t period_ns, int64_t guard_ns, uint32_t max_values)
{
    *out = NULL;
    if (n == 0 || max_values == 0)
        return -EINVAL;
    salvo_rateper_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    uint32_t nb = 16;
    while (nb < max_values && nb < (1u << 30))
        nb <<= 1;
    *r = (salvo_rateper_t){.n = n, .max = max_values, .period_ns = period_ns, .guard_ns = guard_ns,
                           .mask = nb - 1, .newest = NONE, .oldest = NONE};
    if ((r->bucket = malloc((size_t)nb * sizeof *r->bucket)) == NULL) {
        free(r);
        return -ENOMEM;
    }
    memset(r->bucket, 0xff, (size_t)nb * sizeof *r->bucket);
    *out = r;
    return 0;
}

void salvo_rateper_free(salvo_rateper_t *r)
{
    if (r == NULL)
        return;
    for (uint32_t i = 0; i < r->count; i++) {
        free(r->e[i].key);
        salvo_window_free(&r->e[i].w);
    }
    free(r->e);
    free(r->bucket);
    free(r);
}

uint32_t salvo_rateper_values(const salvo_rateper_t *r) { return r->count; }

static uint32_t find(const salvo_rateper_t *r, const char *key, size_t len, uint64_t h)
{
    for (uint32_t i = r->bucket[h & r->mask]; i != NONE; i = r->e[i].chain)
        if (r->e[i].hash == h && r->e[i].len == len && memcmp(r->e[i].key, key, len) == 0)
            return i;
    return NONE;
}

static void lru_unlink(salvo_rateper_t *r, uint32_t i)
{
    struct rp_entry *x = &r->e[i];
    if (x->newer != NONE)
        r->e[x->newer].older = x->older;
    else
        r->newest = x->older;
    if (x->older != NONE)
        r->e[x->older].newer = x->newer;
    else
        r->oldest = x->newer;
}

static void lru_push(salvo_rateper_t *r, uint32_t i)
{
    r->e[i].newer = NONE;
    r->e[i].older = r->newest;
    if (r->newest != NONE)
        r->e[r->newest].newer = i;
    r->newest = i;
    if (r->oldest == NONE)
        r->oldest = i;
}

static void touch(salvo_rateper_t *r, uint32_t i)
{
    if (r->newest != i) {
        lru_unlink(r, i);
        lru_push(r, i);
    }
}

/* How long until window w holds nothing: 0 when idle now. */
static int64_t until_idle(salvo_window_t *w, int64_t now)
{
    salvo_window_wait(w, now); /* drops what has expired */
    int64_t last = INT64_MIN;
    for (uint32_t k = 0; k < w->len; k++) {
        uint32_t at = (w->head + k) % w->n;
        if (w->open[at])
            return SALVO_WAIT_FOREVER;
        if (w->t[at] > last)
            last = w->t[at];
    }
    if (w->len == 0)
        return 0;
    int64_t due = last + w->period_ns + w->guard_ns - now;
    return due > 0 ? due : 0;
}

int64_t salvo_rateper_wait(salvo_rateper_t *r, const char *key, size_t len, int64_t now)
{
    uint32_t i = find(r, key, len, fnv1a(key, len));
    if (i != NONE)
        return salvo_window_wait(&r->e[i].w, now);
    if (r->count < r->max)
        return 0;
    return until_idle(&r->e[r->oldest].w, now);
}

static void unhash(salvo_rateper_t *r, uint32_t i)
{
    uint32_t *p = &r->bucket[r->e[i].hash & r->mask];
    while (*p != i)
        p = &r->e[*p].chain;
    *p = r->e[i].chain;
}

/* Room for a key of len in x: 0 or -ENOMEM. */
static int key_room(struct rp_entry *x, size_t len)
{
    if (len < x->key_cap)
        return 0;
    char *k = realloc(x->key, len + 1);
    if (k == NULL)
        return -ENOMEM;
    x->key = k;
    x->key_cap = len + 1;
    return 0;
}

/* A window for a value not held: a new one, or the oldest when idle (its
 * buffers reused: a stream of new values allocates nothing at the cap). */
static int place(salvo_rateper_t *r, const char *key, size_t len, uint64_t h, int64_t now, uint32_t *out)
{
    uint32_t i;
    if (r->count < r->max) {
        if (r->count == r->cap) {
            uint32_t cap = r->cap ? r->cap * 2 : 16;
            if (cap > r->max)
                cap = r->max;
            struct rp_entry *e = realloc(r->e, (size_t)cap * sizeof *e);
            if (e == NULL)
                return -ENOMEM;
            r->e = e;
            r->cap = cap;
        }
        i = r->count;
        r->e[i].key = NULL;
        r->e[i].key_cap = 0;
        if (key_room(&r->e[i], len) < 0)
            return -ENOMEM;
        if (salvo_window_init(&r->e[i].w, r->n, r->period_ns, r->guard_ns) < 0) {
            free(r->e[i].key);
            return -ENOMEM;
        }
        r->count++;
    } else {
        i = r->oldest;
        if (until_idle(&r->e[i].w, now) != 0)
            return -EBUSY;
        if (key_room(&r->e[i], len) < 0)
            return -ENOMEM;
        unhash(r, i);
        lru_unlink(r, i);
        /* Empty, its ids still counting on: a late settle of the value it
         * held falls before them and is ignored. */
        r->e[i].w.len = 0;
        r->e[i].w.head = 0;
    }
    struct rp_entry *x = &r->e[i];
    memcpy(x->key, key, len);
    x->key[len] = '\0';
    x->len = len;
    x->hash = h;
    x->chain = r->bucket[h & r->mask];
    r->bucket[h & r->mask] = i;
    lru_push(r, i);
    *out = i;
    return 0;
}

int salvo_rateper_take(salvo_rateper_t *r, const char *key, size_t len, int64_t now, uint32_t *slot, uint64_t *id)
{
    uint64_t h = fnv1a(key, len);
    uint32_t i = find(r, key, len, h);
    if (i == NONE) {
        int rc = place(r, key, len, h, now, &i);
        if (rc < 0)
            return rc;
    } else if (salvo_window_wait(&r->e[i].w, now) != 0) {
        return -EBUSY;
    } else {
        touch(r, i);
    }
    *slot = i;
    *id = salvo_window_take(&r->e[i].w, now);
    return 0;
}

void salvo_rateper_settle(salvo_rateper_t *r, uint32_t slot, uint64_t id, int64_t sent)
{
    if (slot >= r->count)
        return;
    salvo_window_settle(&r->e[slot].w, id, sent);
    touch(r, slot);
}
