/* Intrusive circular doubly linked lists, after libuv's queue.h.
 *
 * A list head and each node are the same struct, embedded in the objects
 * that sit on the list; an object on two lists has two link fields, one a
 * list. A walk that may move or free the current node takes it off first
 * (salvo_queue_pop_head) or saves the next one before acting. */
#ifndef SALVO_QUEUE_H
#define SALVO_QUEUE_H

#include <stddef.h>

typedef struct salvo_queue {
    struct salvo_queue *next, *prev;
} salvo_queue_t;

#define SALVO_QUEUE_DATA(ptr, type, field) ((type *)((char *)(ptr) - offsetof(type, field)))

static inline void salvo_queue_init(salvo_queue_t *q) { q->next = q->prev = q; }
static inline int salvo_queue_empty(const salvo_queue_t *q) { return q->next == q; }
static inline salvo_queue_t *salvo_queue_head(const salvo_queue_t *q) { return q->next; }

static inline void salvo_queue_insert_tail(salvo_queue_t *h, salvo_queue_t *q)
{
    q->next = h;
    q->prev = h->prev;
    q->prev->next = q;
    h->prev = q;
}

static inline void salvo_queue_insert_head(salvo_queue_t *h, salvo_queue_t *q)
{
    q->next = h->next;
    q->prev = h;
    q->next->prev = q;
    h->next = q;
}

/* Unlink q and leave it a list of its own, so a second remove is harmless. */
static inline void salvo_queue_remove(salvo_queue_t *q)
{
    q->prev->next = q->next;
    q->next->prev = q->prev;
    q->next = q->prev = q;
}

/* Take the first node off, or NULL when empty. */
static inline salvo_queue_t *salvo_queue_pop_head(salvo_queue_t *h)
{
    if (salvo_queue_empty(h))
        return NULL;
    salvo_queue_t *q = h->next;
    salvo_queue_remove(q);
    return q;
}

#endif
