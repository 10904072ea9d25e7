/* The body template's insides (internal), shared by body.c (the template,
 * its slots and columns, rendering an order), body_compile.c (the
 * template compiled once into literal text and slots) and body_url.c (the
 * URL template, and the dot segments a value must not make). Calls go one
 * way: body.c uses the other two, which know nothing of orders. */
#ifndef SALVO_BODY_INT_H
#define SALVO_BODY_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "salvo/body.h"
#include "salvo/jbuf.h"

struct slot {
    const cJSON *node; /* its string in the template tree, to find it when compiling */
    int number;        /* {{col:number}} */
    long col;          /* layout column, after bind */
};

/* The template compiled once into a program of literal text and slots, so
 * that rendering an order is appends into its buffer: no tree to edit and
 * print per order. A container holding a slot that an empty value drops
 * (an object member) places its commas at run time (OP_SEP, OP_MEMBER);
 * every other comma, key and value is literal text. */
enum op_kind {
    OP_LIT,    /* text */
    OP_OPEN,   /* text ("{" or "["; "" for form pairs), and nothing written in it yet */
    OP_SEP,    /* a separator unless it is the first element */
    OP_MEMBER, /* text (the key and ':' or '=') and the slot's value; nothing when the value is empty */
    OP_ELEM,   /* an array element: the slot's value, or null when empty */
};

struct op {
    unsigned char kind;
    unsigned depth; /* OP_OPEN, OP_SEP, OP_MEMBER, OP_ELEM: the container */
    size_t off, len; /* text in the program's literal buffer */
    size_t slot;
};

struct program {
    struct op *ops;
    size_t nops, cap;
    salvo_jbuf_t text;     /* the literals */
    unsigned char *first;  /* per depth: nothing written in the container yet */
    unsigned max_depth;
    char sep;              /* ',' (JSON) or '&' (form pairs) */
};

/* A piece of the URL template: literal text, or a column's value. */
struct url_part {
    const char *lit; /* NULL: a column */
    size_t len;
    long col;        /* after bind */
    const char *name;
};

/* A URL template cut into parts (body_url.c). */
struct salvo__url {
    char *text;          /* the template's own copy, cut into parts; NULL: none */
    struct url_part *parts;
    size_t nparts;
    unsigned path_slash; /* the path starts at its Nth '/': 3 after "scheme://", else 1 */
};

struct salvo_body {
    cJSON *root;       /* the parsed template, kept to compile another encoding */
    struct program prog;
    struct slot *slots;
    size_t nslots, cap;
    const char **names; /* column name of each slot */
    int encoding;       /* enum salvo_encoding */
    struct salvo__url url; /* url.text NULL: no columns in the URL */
    const char **columns; /* names of the slots, then of the URL's columns */
    size_t ncolumns;
    char derived[5][72]; /* the pseudo-columns of the order being rendered */
    salvo_body_t *market; /* the template for MARKET orders, owned; NULL: this one */
    int need_all;         /* an empty value makes the order invalid (a cancel's or lookup's ids) */
};

/* A cancel's or lookup's body: every column it names must have a value
 * (an empty one would name no order, not drop a key). */
void salvo__body_need_all(salvo_body_t *b);

/* Pseudo-columns' numbers (body.c names them). */
enum { COL_SIDE_LOWER = -10, COL_TYPE_LOWER = -11, COL_SIDE_TITLE = -12, COL_TYPE_TITLE = -13, COL_SIGNED_QTY = -14 };

/* body_compile.c: compile b->root for b->encoding into b->prog (0 or -ENOMEM). */
int salvo__body_compile(salvo_body_t *b);
void salvo__body_program_free(struct program *p);

/* body_url.c: parse a URL template ({{column}} parts; 0, -EINVAL with err,
 * or -ENOMEM); free it; render it into jb with each column's value from
 * value(ctx, col), percent-encoded: 0, SALVO__URL_EMPTY (*bad_col's value is
 * empty), SALVO__URL_DOT (*bad_col's value *bad_value would make a "." or
 * ".." path segment), or -ENOMEM. */
enum { SALVO__URL_EMPTY = 1, SALVO__URL_DOT = 2 };
typedef const char *(*salvo__url_value_fn)(void *ctx, long col);
int salvo__url_parse(struct salvo__url *u, const char *url, char *err, size_t errlen);
void salvo__url_free(struct salvo__url *u);
int salvo__url_render(const struct salvo__url *u, salvo_jbuf_t *jb, salvo__url_value_fn value, void *ctx,
                      const char **bad_col, const char **bad_value);


#endif
