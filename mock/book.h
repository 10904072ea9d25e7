/* The mock broker's memory: every order it took, indexed by client order id,
 * plus the counters and arrival windows behind GET /stats.
 * Pure bookkeeping: no I/O, so the HTTP layer stays thin. */
#ifndef MOCK_BOOK_H
#define MOCK_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* What the broker answered to an order it recorded. */
enum mock_answer { MOCK_ACCEPTED = 0, MOCK_ERRORED = 1, MOCK_DROPPED = 2 };

/* A recorded order's state now: it rests until filled (--fill-every) or
 * cancelled (DELETE /orders/{client_order_id}). */
enum mock_state { MOCK_OPEN = 0, MOCK_FILLED = 1, MOCK_CANCELLED = 2 };

typedef struct mock_counts {
    uint64_t received, accepted, rejected, duplicates, rate_limited, unauthorized, bad_request,
        errors, dropped, stalled;
    uint64_t cancels, cancelled, cancel_closed, cancel_unknown; /* DELETEs; what they did */
    uint64_t batches; /* POST {orders}/batch requests (their orders count as orders above) */
} mock_counts_t;

/* A validated order, as views into the request's JSON (valid while it lives). */
typedef struct mock_fields {
    const char *symbol, *side, *type, *client_order_id;
    char quantity[32], price[64]; /* normalised text; price "" for MARKET */
} mock_fields_t;

/* One recorded order: its strings live in the book's arena. */
typedef struct mock_order {
    int64_t arrival_ns;
    size_t str_off; /* coid\0symbol\0side\0type\0quantity\0price\0 */
    uint8_t has_coid;
    uint8_t answer;
    uint8_t state; /* enum mock_state */
} mock_order_t;

/* Arrival times in a trailing window, oldest first (a growable ring). */
typedef struct mock_times {
    int64_t *t;
    size_t cap, head, len;
} mock_times_t;

typedef struct mock_book {
    mock_order_t *orders;
    size_t n, cap;
    char *arena;
    size_t arena_len, arena_cap;
    uint32_t *index; /* open addressing by coid: order index + 1, 0 = empty */
    size_t index_cap;
    mock_counts_t counts;
    mock_times_t arrivals; /* every POST in the last second: max_per_second */
    mock_times_t admitted; /* POSTs not answered 429 in the last second: --rate-limit */
    uint64_t max_per_second;
    int64_t first_ns, last_ns;
} mock_book_t;

void mock_book_init(mock_book_t *b);
void mock_book_free(mock_book_t *b);
void mock_book_reset(mock_book_t *b);

/* Note a POST arrival at now_ns (ns since start); updates max_per_second. */
void mock_book_note_arrival(mock_book_t *b, int64_t now_ns);

/* With a limit of n per trailing second: 0 when admitted (and noted), else the
 * whole seconds the client should wait (Retry-After, >= 1). */
int mock_book_admit(mock_book_t *b, int64_t now_ns, uint32_t limit);

/* Check an order body; 0, or -1 with a message naming the field in err. */
int mock_validate_order(const cJSON *root, mock_fields_t *f, char *err, size_t errlen);

/* The index of the order with this client order id, or -1. */
long mock_book_find(const mock_book_t *b, const char *coid);

/* Record an order; returns its index, or -1 when out of memory. */
long mock_book_add(mock_book_t *b, int64_t arrival_ns, const mock_fields_t *f, int answer);

/* "open", "filled", "cancelled" */
const char *mock_state_name(int state);

/* Cancel the order with this client order id: 0 (cancelled), 1 (it was
 * already closed: *state says how), -1 (no such order). Counted. */
int mock_book_cancel(mock_book_t *b, const char *coid, long *index, int *state);

/* Accessors of a recorded order's strings. */
const char *mock_order_coid(const mock_book_t *b, size_t i); /* NULL when none */
const char *mock_order_field(const mock_book_t *b, size_t i, int which); /* 0 symbol .. 4 price */
void mock_order_id(size_t i, char out[24]);

/* Append the order as one JSON line (with '\n') to a malloc'd buffer. */
int mock_order_to_json(const mock_book_t *b, size_t i, char **buf, size_t *len, size_t *cap);

/* The /stats document; caller frees with free(). */
char *mock_book_stats_json(const mock_book_t *b);

#endif
