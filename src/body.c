#include "salvo/body.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

struct slot {
    cJSON *node, *parent;
    int index;        /* position among the parent's children */
    int number;       /* {{col:number}} */
    long col;         /* layout column, after bind */
    char *placeholder; /* the node's own valuestring, restored after render */
    int detached;
};

struct salvo_body {
    cJSON *root;
    struct slot *slots;
    size_t nslots, cap;
    const char **names; /* column name of each slot */
};

static const char default_template[] =
    "{\"symbol\":\"{{symbol}}\",\"price\":\"{{price}}\",\"quantity\":\"{{quantity:number}}\","
    "\"side\":\"{{side}}\",\"type\":\"{{type}}\",\"client_order_id\":\"{{client_order_id}}\"}";

/* "{{name}}" or "{{name:number}}" as the whole string: 1 and the name's span. */
static int placeholder(const char *s, size_t *name_len, int *number)
{
    size_t n = strlen(s);
    if (n < 5 || strncmp(s, "{{", 2) != 0 || strcmp(s + n - 2, "}}") != 0)
        return 0;
    size_t inner = n - 4;
    *number = inner > 7 && strncmp(s + 2 + inner - 7, ":number", 7) == 0;
    *name_len = *number ? inner - 7 : inner;
    return *name_len > 0 && memchr(s + 2, '{', *name_len) == NULL && memchr(s + 2, '}', *name_len) == NULL;
}

static int add_slot(salvo_body_t *b, cJSON *node, cJSON *parent, int index, size_t name_len, int number)
{
    if (b->nslots == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 8;
        struct slot *s = realloc(b->slots, ncap * sizeof *s);
        if (s == NULL)
            return -ENOMEM;
        b->slots = s;
        const char **nm = realloc(b->names, ncap * sizeof *nm);
        if (nm == NULL)
            return -ENOMEM;
        b->names = nm;
        b->cap = ncap;
    }
    /* The column name lives in the node's string: cut it out in place. */
    char *name = node->valuestring + 2;
    name[name_len] = '\0';
    b->slots[b->nslots] = (struct slot){.node = node, .parent = parent, .index = index, .number = number,
                                        .col = -1, .placeholder = node->valuestring};
    b->names[b->nslots] = name;
    if (number)
        node->type = cJSON_Raw; /* printed verbatim: the value is checked first */
    b->nslots++;
    return 0;
}

static int collect(salvo_body_t *b, cJSON *node, char *err, size_t errlen)
{
    int index = 0;
    for (cJSON *c = node->child; c; c = c->next, index++) {
        if (cJSON_IsString(c)) {
            size_t nlen;
            int number;
            if (placeholder(c->valuestring, &nlen, &number)) {
                if (add_slot(b, c, node, index, nlen, number) < 0)
                    return -ENOMEM;
            } else if (strstr(c->valuestring, "{{") != NULL) {
                snprintf(err, errlen, "template value \"%.60s\": a placeholder must be the whole string",
                         c->valuestring);
                return -EINVAL;
            }
        } else if (c->child) {
            int e = collect(b, c, err, errlen);
            if (e < 0)
                return e;
        }
    }
    return 0;
}

salvo_body_t *salvo_body_new_template(const char *text, size_t len, char *err, size_t errlen)
{
    salvo_body_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* A body on the wire is JSON text: UTF-8 (RFC 8259), one value. */
    if (!salvo_is_utf8(text, len)) {
        snprintf(err, errlen, "template is not valid UTF-8");
        salvo_body_free(b);
        return NULL;
    }
    const char *end = NULL;
    b->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (b->root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(err, errlen, "template is not valid JSON (near byte %ld)",
                 at && at >= text && at <= text + len ? (long)(at - text) : 0L);
        salvo_body_free(b);
        return NULL;
    }
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != text + len) { /* cJSON stops after the first value */
        snprintf(err, errlen, "template has more after its JSON value (byte %ld)", (long)(end - text));
        salvo_body_free(b);
        return NULL;
    }
    if (collect(b, b->root, err, errlen) < 0) {
        salvo_body_free(b);
        return NULL;
    }
    return b;
}

salvo_body_t *salvo_body_new_default(void)
{
    char err[128];
    return salvo_body_new_template(default_template, sizeof default_template - 1, err, sizeof err);
}

void salvo_body_free(salvo_body_t *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->nslots; i++) {
        b->slots[i].node->valuestring = b->slots[i].placeholder;
        if (b->slots[i].detached)
            cJSON_Delete(b->slots[i].node);
    }
    cJSON_Delete(b->root);
    free(b->slots);
    free(b->names);
    free(b);
}

size_t salvo_body_columns(const salvo_body_t *b, const char *const **names)
{
    *names = b->names;
    return b->nslots;
}

int salvo_body_bind(salvo_body_t *b, const salvo_layout_t *l, char *err, size_t errlen)
{
    for (size_t i = 0; i < b->nslots; i++) {
        long col = salvo_layout_find(l, b->names[i]);
        if (col < 0 || (col >= SALVO_COL_CANONICAL && l->pos[col] < 0)) {
            snprintf(err, errlen, "body template names column '%s', which the input does not have", b->names[i]);
            return -ENOENT;
        }
        b->slots[i].col = col;
    }
    return 0;
}

static const char *slot_value(const struct slot *s, const salvo_order_t *o, const salvo_layout_t *l,
                              const salvo_row_t *row)
{
    switch (s->col) {
    case SALVO_COL_SYMBOL: return o->symbol;
    case SALVO_COL_PRICE: return o->price;
    case SALVO_COL_QUANTITY: return o->quantity;
    case SALVO_COL_SIDE: return o->side;
    case SALVO_COL_TYPE: return o->type;
    case SALVO_COL_CLIENT_ORDER_ID: return o->client_order_id;
    }
    const salvo_field_t *f = salvo_layout_field(l, row, (size_t)s->col);
    return f ? f->s : "";
}

/* Put a detached child back at its index. By hand: cJSON 1.7.15's
 * cJSON_InsertItemInArray refuses to re-insert a detached object member. */
static void insert_at(cJSON *parent, int index, cJSON *item)
{
    cJSON *after = parent->child;
    for (int i = 0; after && i < index; i++)
        after = after->next;
    if (after == NULL) {
        cJSON_AddItemToArray(parent, item); /* keeps item->string */
        return;
    }
    item->next = after;
    item->prev = after->prev; /* the head's prev is the tail */
    if (after == parent->child)
        parent->child = item;
    else
        item->prev->next = item;
    after->prev = item;
}

/* Put the tree back as it was parsed, whatever render did to it. */
static void restore(salvo_body_t *b, size_t upto)
{
    for (size_t i = 0; i < upto; i++) {
        struct slot *s = &b->slots[i];
        s->node->valuestring = s->placeholder;
        if (s->node->type == cJSON_NULL)
            s->node->type = s->number ? cJSON_Raw : cJSON_String;
    }
    for (size_t i = 0; i < upto; i++) { /* ascending: each goes back to its own index */
        struct slot *s = &b->slots[i];
        if (s->detached) {
            insert_at(s->parent, s->index, s->node);
            s->detached = 0;
        }
    }
}

static int print_into(cJSON *root, salvo_order_t *o)
{
    if (o->body_cap < 256) {
        free(o->body);
        if ((o->body = malloc(256)) == NULL)
            return o->body_cap = 0, -ENOMEM;
        o->body_cap = 256;
    }
    /* cJSON asks for 5 spare bytes: its size estimate is not exact. */
    while (!cJSON_PrintPreallocated(root, o->body, (int)o->body_cap - 5, 0)) {
        if (o->body_cap >= INT_MAX / 2)
            return -ENOMEM;
        char *nb = realloc(o->body, o->body_cap * 2);
        if (nb == NULL)
            return -ENOMEM;
        o->body = nb;
        o->body_cap *= 2;
    }
    o->body_len = strlen(o->body);
    return 0;
}

int salvo_body_render(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row)
{
    size_t i;
    int rc = 0;
    for (i = 0; i < b->nslots; i++) {
        struct slot *s = &b->slots[i];
        const char *v = slot_value(s, o, l, row);
        if (*v == '\0') {
            if (cJSON_IsObject(s->parent)) {
                cJSON_DetachItemViaPointer(s->parent, s->node);
                s->detached = 1;
            } else {
                s->node->type = cJSON_NULL;
            }
            continue;
        }
        if (s->col >= SALVO_COL_CANONICAL && !salvo_is_utf8(v, strlen(v))) { /* raw input bytes */
            snprintf(o->error, sizeof o->error, "line %llu: column %s is not valid UTF-8",
                     (unsigned long long)o->line, b->names[i]);
            rc = 1;
            i++;
            break;
        }
        if (s->number && !salvo_is_json_number(v, strlen(v))) {
            snprintf(o->error, sizeof o->error, "line %llu: column %s value \"%.40s\" is not a number",
                     (unsigned long long)o->line, b->names[i], v);
            rc = 1;
            i++;
            break;
        }
        s->node->valuestring = (char *)v;
    }
    if (rc == 0)
        rc = print_into(b->root, o);
    restore(b, i);
    return rc;
}
