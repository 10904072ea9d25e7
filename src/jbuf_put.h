/* jbuf's append, inline for the hot writers (a result line, a body, a
 * minified answer make ~100 appends an order): the common case, room
 * already there, is a bounds check and a memcpy the compiler can open. */
#ifndef SALVO_JBUF_PUT_H
#define SALVO_JBUF_PUT_H

#include <string.h>

#include "salvo/jbuf.h"

static inline void salvo_jbuf_put(salvo_jbuf_t *b, const char *s, size_t n)
{
    if (n != 0 && n <= b->cap - b->len && !b->oom) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    } else {
        salvo_jbuf_raw(b, s, n);
    }
}

/* A string literal: its length known at compile time. */
#define SALVO_JBUF_LIT(b, lit) salvo_jbuf_put((b), (lit), sizeof(lit) - 1)

#endif
