/* The body template compiled once into a program of literal text and
 * slots (see body_int.h), so that rendering an order is appends. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_int.h"
#include "salvo/profile.h"

void salvo__body_program_free(struct program *p)
{
    free(p->ops);
    free(p->text.p);
    free(p->first);
    *p = (struct program){0};
}

static int emit(struct program *p, enum op_kind kind, unsigned depth, const char *text, size_t len, size_t slot)
{
    size_t off = p->text.len;
    salvo_jbuf_raw(&p->text, text, len);
    if (p->text.oom)
        return -ENOMEM;
    if (kind == OP_LIT && p->nops && p->ops[p->nops - 1].kind == OP_LIT) {
        p->ops[p->nops - 1].len += len; /* texts are appended in order: contiguous */
        return 0;
    }
    if (p->nops == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        struct op *o = realloc(p->ops, ncap * sizeof *o);
        if (o == NULL)
            return -ENOMEM;
        p->ops = o;
        p->cap = ncap;
    }
    p->ops[p->nops++] = (struct op){.kind = (unsigned char)kind, .depth = depth, .off = off, .len = len,
                                    .slot = slot};
    if (depth > p->max_depth)
        p->max_depth = depth;
    return 0;
}

/* A slot's index, or -1 (see collect). */
static long slot_index(const cJSON *c) { return cJSON_IsString(c) && c->valueint > 0 ? c->valueint - 1 : -1; }

/* "key": as cJSON prints it. */
static int member_key(salvo_jbuf_t *k, const char *key)
{
    k->len = 0;
    salvo_jbuf_str(k, key, strlen(key));
    salvo_jbuf_raw(k, ":", 1);
    return k->oom ? -ENOMEM : 0;
}

static int compile_json(struct program *p, const cJSON *node, unsigned depth, salvo_jbuf_t *key);

static int compile_literal(struct program *p, const cJSON *node)
{
    char *t = cJSON_PrintUnformatted(node);
    int rc = t ? emit(p, OP_LIT, 0, t, strlen(t), 0) : -ENOMEM;
    cJSON_free(t);
    return rc;
}

static int compile_child(struct program *p, const cJSON *c, int obj, int dynamic, int n, unsigned depth,
                         salvo_jbuf_t *key)
{
    long slot = slot_index(c);
    if (obj && member_key(key, c->string) < 0)
        return -ENOMEM;
    if (slot >= 0 && obj)
        return emit(p, OP_MEMBER, depth, key->p, key->len, (size_t)slot);
    int rc = dynamic ? emit(p, OP_SEP, depth, "", 0, 0) : n ? emit(p, OP_LIT, 0, ",", 1, 0) : 0;
    if (rc == 0 && obj)
        rc = emit(p, OP_LIT, 0, key->p, key->len, 0);
    if (rc < 0)
        return rc;
    return slot >= 0 ? emit(p, OP_ELEM, depth, "", 0, (size_t)slot) : compile_json(p, c, depth + 1, key);
}

/* JSON text identical to cJSON_PrintUnformatted of the tree with each
 * slot's value in place (test_body checks it against cJSON). */
static int compile_json(struct program *p, const cJSON *node, unsigned depth, salvo_jbuf_t *key)
{
    int obj = cJSON_IsObject(node);
    if (!node->valueint || !(obj || cJSON_IsArray(node)))
        return compile_literal(p, node);
    int dynamic = 0; /* a member an empty value drops: commas at run time */
    for (const cJSON *c = node->child; c && obj; c = c->next)
        dynamic |= slot_index(c) >= 0;
    int rc = emit(p, dynamic ? OP_OPEN : OP_LIT, depth, obj ? "{" : "[", 1, 0);
    int n = 0;
    for (const cJSON *c = node->child; c && rc == 0; c = c->next, n++)
        rc = compile_child(p, c, obj, dynamic, n, depth, key);
    return rc < 0 ? rc : emit(p, OP_LIT, 0, obj ? "}" : "]", 1, 0);
}

/* A literal of a form template as text: "GTC", 5000, true. */
static int scalar(const cJSON *c, char *buf, size_t cap, const char **out)
{
    if (cJSON_IsString(c) || cJSON_IsRaw(c))
        return *out = c->valuestring, 0;
    if (cJSON_IsBool(c))
        return *out = cJSON_IsTrue(c) ? "true" : "false", 0;
    if (cJSON_IsNumber(c)) {
        double d = c->valuedouble;
        /* whole and within 2^53: digits; else the shortest of %.15g and
         * %.17g that reads back as d, as cJSON prints (a cast of 1e300 to an
         * integer type, to tell whole numbers, was UB) */
        if (d == floor(d) && fabs(d) < 9007199254740992.0)
            snprintf(buf, cap, "%.0f", d);
        else if (snprintf(buf, cap, "%.15g", d) > 0 && strtod(buf, NULL) != d)
            snprintf(buf, cap, "%.17g", d);
        return *out = buf, 0;
    }
    return -1; /* null: no pair */
}

/* name=value&... in the template's order, each percent-encoded. */
static int compile_pairs(struct program *p, const cJSON *root, salvo_jbuf_t *key)
{
    char num[40];
    int rc = emit(p, OP_OPEN, 0, "", 0, 0);
    for (const cJSON *c = root->child; c && rc == 0; c = c->next) {
        long slot = slot_index(c);
        const char *v;
        if (slot < 0 && scalar(c, num, sizeof num, &v) < 0)
            continue; /* null: no pair */
        key->len = 0;
        salvo_jbuf_pct(key, c->string, strlen(c->string));
        salvo_jbuf_raw(key, "=", 1);
        if (slot >= 0) {
            rc = key->oom ? -ENOMEM : emit(p, OP_MEMBER, 0, key->p, key->len, (size_t)slot);
            continue;
        }
        salvo_jbuf_pct(key, v, strlen(v));
        rc = key->oom ? -ENOMEM : emit(p, OP_SEP, 0, "", 0, 0);
        if (rc == 0)
            rc = emit(p, OP_LIT, 0, key->p, key->len, 0);
    }
    return rc;
}

int salvo__body_compile(salvo_body_t *b)
{
    salvo__body_program_free(&b->prog);
    salvo_jbuf_t key = {0};
    int form = b->encoding != SALVO_ENC_JSON;
    b->prog.sep = form ? '&' : ',';
    int rc = form ? compile_pairs(&b->prog, b->root, &key) : compile_json(&b->prog, b->root, 0, &key);
    free(key.p);
    if (rc == 0 && (b->prog.first = calloc(b->prog.max_depth + 1, 1)) == NULL)
        rc = -ENOMEM;
    return rc;
}
