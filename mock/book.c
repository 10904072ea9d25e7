#define _GNU_SOURCE /* asprintf */
#include "book.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_SEC 1000000000LL

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* ---- trailing-window arrival times ---- */

static int times_push(mock_times_t *r, int64_t t)
{
    if (r->len == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 1024;
        int64_t *nt = malloc(ncap * sizeof *nt);
        if (nt == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < r->len; i++)
            nt[i] = r->t[(r->head + i) % r->cap];
        free(r->t);
        r->t = nt;
        r->cap = ncap;
        r->head = 0;
    }
    r->t[(r->head + r->len) % r->cap] = t;
    r->len++;
    return 0;
}

/* Drop times at or before now - 1s: what stays is the trailing second. */
static void times_expire(mock_times_t *r, int64_t now)
{
    while (r->len > 0 && r->t[r->head] <= now - NS_PER_SEC) {
        r->head = (r->head + 1) % r->cap;
        r->len--;
    }
}

static int64_t times_oldest(const mock_times_t *r) { return r->t[r->head]; }

/* ---- book lifecycle ---- */

void mock_book_init(mock_book_t *b) { memset(b, 0, sizeof *b); }

void mock_book_free(mock_book_t *b)
{
    free(b->orders);
    free(b->arena);
    free(b->index);
    free(b->arrivals.t);
    free(b->admitted.t);
    memset(b, 0, sizeof *b);
}

void mock_book_reset(mock_book_t *b)
{
    mock_book_free(b);
    mock_book_init(b);
}

void mock_book_note_arrival(mock_book_t *b, int64_t now)
{
    if (b->counts.received == 0 || now < b->first_ns)
        b->first_ns = now;
    if (now > b->last_ns)
        b->last_ns = now;
    b->counts.received++;
    times_expire(&b->arrivals, now);
    if (times_push(&b->arrivals, now) == 0 && b->arrivals.len > b->max_per_second)
        b->max_per_second = b->arrivals.len;
}

int mock_book_admit(mock_book_t *b, int64_t now, uint32_t limit)
{
    times_expire(&b->admitted, now);
    if (b->admitted.len >= limit) {
        int64_t wait = times_oldest(&b->admitted) + NS_PER_SEC - now;
        int secs = (int)((wait + NS_PER_SEC - 1) / NS_PER_SEC);
        return secs < 1 ? 1 : secs;
    }
    times_push(&b->admitted, now);
    return 0;
}

/* ---- validation ---- */

static int is_decimal(const char *s, int allow_dot)
{
    int digits = 0, nonzero = 0, dot = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            digits++;
            nonzero |= *s != '0';
        } else if (*s == '.' && allow_dot && !dot && digits > 0 && s[1] != '\0') {
            dot = 1;
        } else {
            return 0;
        }
    }
    return digits > 0 && nonzero;
}

static int number_text(const cJSON *v, int integer, char *out, size_t outlen)
{
    if (cJSON_IsString(v)) {
        if (!is_decimal(v->valuestring, !integer) || strlen(v->valuestring) >= outlen)
            return -1;
        snprintf(out, outlen, "%s", v->valuestring);
        return 0;
    }
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || !isfinite(v->valuedouble))
        return -1;
    if (integer) {
        if (v->valuedouble != floor(v->valuedouble) || v->valuedouble > 9e15)
            return -1;
        snprintf(out, outlen, "%.0f", v->valuedouble);
    } else {
        snprintf(out, outlen, "%.15g", v->valuedouble);
    }
    return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int mock_validate_order(const cJSON *root, mock_fields_t *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (!cJSON_IsObject(root))
        FAIL("body must be a JSON object");
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(root, "symbol");
    if (!cJSON_IsString(sym) || sym->valuestring[0] == '\0')
        FAIL("symbol: must be a non-empty string");
    f->symbol = sym->valuestring;
    const cJSON *side = cJSON_GetObjectItemCaseSensitive(root, "side");
    if (!cJSON_IsString(side) || (strcmp(side->valuestring, "BUY") && strcmp(side->valuestring, "SELL")))
        FAIL("side: must be BUY or SELL");
    f->side = side->valuestring;
    if (number_text(cJSON_GetObjectItemCaseSensitive(root, "quantity"), 1, f->quantity, sizeof f->quantity))
        FAIL("quantity: must be a positive integer");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type) || (strcmp(type->valuestring, "LIMIT") && strcmp(type->valuestring, "MARKET")))
        FAIL("type: must be LIMIT or MARKET");
    f->type = type->valuestring;
    const cJSON *price = cJSON_GetObjectItemCaseSensitive(root, "price");
    int has_price = price != NULL && !cJSON_IsNull(price);
    if (strcmp(f->type, "LIMIT") == 0) {
        if (!has_price)
            FAIL("price: required for a LIMIT order");
        if (number_text(price, 0, f->price, sizeof f->price))
            FAIL("price: must be a positive decimal");
    } else if (has_price) {
        FAIL("price: must be absent for a MARKET order");
    }
    const cJSON *coid = cJSON_GetObjectItemCaseSensitive(root, "client_order_id");
    if (coid != NULL && !cJSON_IsNull(coid)) {
        if (!cJSON_IsString(coid) || coid->valuestring[0] == '\0' || strlen(coid->valuestring) > 128)
            FAIL("client_order_id: must be a string of 1 to 128 characters");
        f->client_order_id = coid->valuestring;
    }
    return 0;
}

/* ---- the record and its index ---- */

static const char *order_str(const mock_book_t *b, size_t i) { return b->arena + b->orders[i].str_off; }

const char *mock_order_coid(const mock_book_t *b, size_t i)
{
    return b->orders[i].has_coid ? order_str(b, i) : NULL;
}

const char *mock_order_field(const mock_book_t *b, size_t i, int which)
{
    const char *s = order_str(b, i);
    for (int k = -1; k < which; k++)
        s += strlen(s) + 1;
    return s;
}

void mock_order_id(size_t i, char out[24]) { snprintf(out, 24, "MOCK-%08zu", i + 1); }

long mock_book_find(const mock_book_t *b, const char *coid)
{
    if (b->index_cap == 0)
        return -1;
    size_t mask = b->index_cap - 1;
    for (size_t h = hash_str(coid) & mask;; h = (h + 1) & mask) {
        uint32_t slot = b->index[h];
        if (slot == 0)
            return -1;
        const char *c = mock_order_coid(b, slot - 1);
        if (c != NULL && strcmp(c, coid) == 0)
            return (long)slot - 1;
    }
}

static void index_put(mock_book_t *b, size_t i)
{
    size_t mask = b->index_cap - 1;
    size_t h = hash_str(mock_order_coid(b, i)) & mask;
    while (b->index[h] != 0)
        h = (h + 1) & mask;
    b->index[h] = (uint32_t)(i + 1);
}

static int index_grow(mock_book_t *b)
{
    size_t ncap = b->index_cap ? b->index_cap * 2 : 4096;
    uint32_t *ni = calloc(ncap, sizeof *ni);
    if (ni == NULL)
        return -ENOMEM;
    free(b->index);
    b->index = ni;
    b->index_cap = ncap;
    for (size_t i = 0; i < b->n; i++)
        if (b->orders[i].has_coid)
            index_put(b, i);
    return 0;
}

/* libsalvo's growth, overflow-checked (the mock's own skipped the checks). */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (*cap == 0 && need < 256)
        need = 256; /* a book holds many: skip the small steps */
    return salvo_grow(p, cap, need, elem);
}

long mock_book_add(mock_book_t *b, int64_t arrival_ns, const mock_fields_t *f, int answer)
{
    const char *parts[6] = {f->client_order_id ? f->client_order_id : "", f->symbol, f->side,
                            f->type, f->quantity, f->price};
    size_t need = 0;
    for (int k = 0; k < 6; k++)
        need += strlen(parts[k]) + 1;
    if (grow((void **)&b->orders, &b->cap, b->n + 1, sizeof *b->orders) ||
        grow((void **)&b->arena, &b->arena_cap, b->arena_len + need, 1))
        return -1;
    /* Keep the index at most half full so probes stay short. */
    if (f->client_order_id && (b->n + 1) * 2 > b->index_cap && index_grow(b))
        return -1;
    mock_order_t *o = &b->orders[b->n];
    o->arrival_ns = arrival_ns;
    o->str_off = b->arena_len;
    o->has_coid = f->client_order_id != NULL;
    o->answer = (uint8_t)answer;
    o->state = MOCK_OPEN;
    for (int k = 0; k < 6; k++) {
        size_t l = strlen(parts[k]) + 1;
        memcpy(b->arena + b->arena_len, parts[k], l);
        b->arena_len += l;
    }
    size_t i = b->n++;
    if (o->has_coid)
        index_put(b, i);
    return (long)i;
}

int mock_order_to_json(const mock_book_t *b, size_t i, char **buf, size_t *len, size_t *cap)
{
    static const char *answers[] = {"accepted", "error", "dropped"};
    char id[24];
    mock_order_id(i, id);
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return -ENOMEM;
    cJSON_AddNumberToObject(o, "arrival_ns", (double)b->orders[i].arrival_ns);
    cJSON_AddStringToObject(o, "order_id", id);
    const char *coid = mock_order_coid(b, i);
    if (coid)
        cJSON_AddStringToObject(o, "client_order_id", coid);
    else
        cJSON_AddNullToObject(o, "client_order_id");
    static const char *names[] = {"symbol", "side", "type", "quantity", "price"};
    for (int k = 0; k < 5; k++) {
        const char *v = mock_order_field(b, i, k);
        if (k == 4 && *v == '\0')
            continue;
        cJSON_AddStringToObject(o, names[k], v);
    }
    cJSON_AddStringToObject(o, "answer", answers[b->orders[i].answer]);
    cJSON_AddStringToObject(o, "state", mock_state_name(b->orders[i].state));
    cJSON_AddStringToObject(o, "filled_quantity", b->orders[i].state == MOCK_FILLED ? mock_order_field(b, i, 3) : "0");
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (s == NULL)
        return -ENOMEM;
    size_t l = strlen(s);
    if (grow((void **)buf, cap, *len + l + 1, 1)) {
        free(s);
        return -ENOMEM;
    }
    memcpy(*buf + *len, s, l);
    (*buf)[*len + l] = '\n';
    *len += l + 1;
    free(s);
    return 0;
}

const char *mock_state_name(int state)
{
    static const char *const names[] = {[MOCK_OPEN] = "open", [MOCK_FILLED] = "filled", [MOCK_CANCELLED] = "cancelled"};
    return state >= 0 && state <= MOCK_CANCELLED ? names[state] : "open";
}

int mock_book_cancel(mock_book_t *b, const char *coid, long *index, int *state)
{
    b->counts.cancels++;
    long i = *index = mock_book_find(b, coid);
    if (i < 0) {
        b->counts.cancel_unknown++;
        return -1;
    }
    *state = b->orders[i].state;
    if (*state != MOCK_OPEN) {
        b->counts.cancel_closed++;
        return 1;
    }
    b->orders[i].state = MOCK_CANCELLED;
    b->counts.cancelled++;
    return 0;
}

char *mock_book_stats_json(const mock_book_t *b)
{
    const mock_counts_t *c = &b->counts;
    char *s = NULL;
    int r = asprintf(&s,
        "{\"received\":%llu,\"accepted\":%llu,\"rejected\":%llu,\"duplicates\":%llu,"
        "\"rate_limited\":%llu,\"unauthorized\":%llu,\"bad_request\":%llu,\"errors\":%llu,"
        "\"dropped\":%llu,\"stalled\":%llu,\"orders\":%zu,\"max_per_second\":%llu,"
        "\"first_arrival_ns\":%lld,\"last_arrival_ns\":%lld,"
        "\"cancels\":%llu,\"cancelled\":%llu,\"cancel_closed\":%llu,\"cancel_unknown\":%llu,\"batches\":%llu}",
        (unsigned long long)c->received, (unsigned long long)c->accepted,
        (unsigned long long)c->rejected, (unsigned long long)c->duplicates,
        (unsigned long long)c->rate_limited, (unsigned long long)c->unauthorized,
        (unsigned long long)c->bad_request, (unsigned long long)c->errors,
        (unsigned long long)c->dropped, (unsigned long long)c->stalled, b->n,
        (unsigned long long)b->max_per_second, (long long)b->first_ns, (long long)b->last_ns,
        (unsigned long long)c->cancels, (unsigned long long)c->cancelled, (unsigned long long)c->cancel_closed,
        (unsigned long long)c->cancel_unknown, (unsigned long long)c->batches);
    return r < 0 ? NULL : s;
}
