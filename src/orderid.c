/* Content ids: see orderid.h. */
#include "orderid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void salvo_orderid_init(salvo_orderid_t *ids) { memset(ids, 0, sizeof *ids); }

void salvo_orderid_free(salvo_orderid_t *ids)
{
    salvo_idmap_free(&ids->seen);
    salvo_idmap_free(&ids->many);
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* Each field and a NUL after it: validated fields hold no NUL, so no two
 * different field lists hash the same byte string. */
static uint64_t fnv_field(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * FNV_PRIME;
    return h * FNV_PRIME; /* the NUL: h ^ 0 */
}

static uint64_t content_state(const salvo_order_t *o)
{
    uint64_t h = FNV_OFFSET;
    const char *const fields[] = {o->symbol, o->side, o->quantity, o->price, o->type};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        h = fnv_field(h, fields[i]);
    return h;
}

static uint64_t with_count(uint64_t h, uint64_t k)
{
    for (int i = 0; i < 8; i++, k >>= 8) /* little-endian, fixed width */
        h = (h ^ (k & 0xff)) * FNV_PRIME;
    return salvo_hash_mix(h);
}

uint64_t salvo_orderid_hash(const salvo_order_t *o, uint64_t k) { return with_count(content_state(o), k); }

/* Bump and return this content's occurrence number; 0 without memory. */
static uint64_t next_occurrence(salvo_orderid_t *ids, uint64_t content)
{
    uint64_t key = salvo_hash_mix(content) | 1; /* never 0, the empty slot */
    int seen = salvo_idmap_get_h(&ids->seen, key);
    if (seen < 255)
        return salvo_idmap_set_h(&ids->seen, key, (uint8_t)(seen + 1)) < 0 ? 0 : (uint64_t)seen + 1;
    uint64_t *more = salvo_idmap_data_h(&ids->many, key);
    return more ? 255 + ++*more : 0;
}

/* "PREFIX-%016llx" into out, cut as snprintf cuts; by hand: one an order. */
static void write_made_id(char *out, size_t cap, const char *prefix, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tail[17];
    tail[0] = '-';
    for (int i = 16; i >= 1; i--, v >>= 4)
        tail[i] = hex[v & 15];
    size_t np = strlen(prefix);
    np = np < cap - 1 ? np : cap - 1;
    size_t nt = sizeof tail < cap - 1 - np ? sizeof tail : cap - 1 - np;
    memcpy(out, prefix, np);
    memcpy(out + np, tail, nt);
    out[np + nt] = '\0';
}

int salvo_orderid_assign(salvo_orderid_t *ids, salvo_order_t *o, const char *prefix)
{
    if (o->client_order_id[0] != '\0')
        return 0;
    uint64_t content = content_state(o);
    uint64_t k = next_occurrence(ids, content);
    if (k == 0)
        return -ENOMEM;
    write_made_id(o->made_id, sizeof o->made_id, prefix, with_count(content, k));
    o->client_order_id = o->made_id;
    return 0;
}
