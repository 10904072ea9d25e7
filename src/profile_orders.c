/* The orders a profile takes (docs/profiles.md): the shape of client order
 * ids, and the rows its body would send wrong ("refuse"). */
#include "profile_parse.h"
#include "salvo/order.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

/* ---------- client id ---------- */

/* "A-Za-z0-9_-": ranges and single characters. */
static int parse_charset(salvo_pctx_t *c, const char *cs)
{
    salvo_profile_t *p = c->p;
    size_t n = strlen(cs);
    for (size_t i = 0; i < n; i++) {
        unsigned char lo = (unsigned char)cs[i], hi = lo;
        if (i + 2 < n && cs[i + 1] == '-') {
            hi = (unsigned char)cs[i + 2];
            i += 2;
        }
        if (hi < lo || lo < 0x21 || hi > 0x7e)
            return salvo_pf_bad(c, "client_id.charset \"%.60s\": printable ASCII ranges only (\"A-Za-z0-9_-\")", cs);
        for (unsigned x = lo; x <= hi; x++)
            p->id_allowed[x] = 1;
    }
    return 0;
}

int salvo_pf_client_id(salvo_pctx_t *c, const cJSON *o)
{
    static const char *const keys[] = {"max", "charset", NULL};
    salvo_profile_t *p = c->p;
    memset(p->id_allowed, 1, sizeof p->id_allowed);
    if (o == NULL)
        return 0;
    int rc = cJSON_IsObject(o) ? salvo_pf_check_keys(c, o, "client_id", keys)
                               : salvo_pf_bad(c, "%s must be an object", "client_id");
    if (rc < 0)
        return rc;
    const cJSON *max = salvo_pf_item(o, "max");
    if (max && (!cJSON_IsNumber(max) || max->valuedouble < 8 || max->valuedouble > 128))
        return salvo_pf_bad(c, "%s must be a number from 8 to 128", "client_id.max");
    p->id_max = max ? (unsigned)max->valuedouble : 0;
    const char *cs = NULL;
    if ((rc = salvo_pf_str(c, o, "charset", &cs)) < 0)
        return rc;
    if (cs) {
        memset(p->id_allowed, 0, sizeof p->id_allowed);
        if ((rc = parse_charset(c, cs)) < 0)
            return rc;
    }
    p->id_shaped = 1;
    return 0;
}

/* ---------- rows the body cannot send ---------- */

static const char *const refuse_keys[] = {"symbol", "side", "type", "why", NULL};

static int parse_refusal(salvo_pctx_t *c, salvo_refusal_t *r, const cJSON *o)
{
    if (!cJSON_IsObject(o))
        return salvo_pf_bad(c, "%s: each entry is an object: columns (symbol, side, type) and a \"why\"", "refuse");
    int rc = salvo_pf_check_keys(c, o, "refuse", refuse_keys);
    for (int k = 0; rc == 0 && k < SALVO_REFUSE_COLS; k++)
        rc = salvo_pf_str(c, o, refuse_keys[k], &r->is[k]);
    if (rc == 0)
        rc = salvo_pf_str(c, o, "why", &r->why);
    if (rc < 0)
        return rc;
    if (r->why == NULL || r->why[0] == '\0')
        return salvo_pf_bad(c, "refuse: each entry needs a \"why\": %s", "the message a refused row gets");
    if (!r->is[SALVO_REFUSE_SYMBOL] && !r->is[SALVO_REFUSE_SIDE] && !r->is[SALVO_REFUSE_TYPE])
        return salvo_pf_bad(c, "refuse: an entry names at least one of %s", "symbol, side, type");
    return 0;
}

int salvo_pf_refuse(salvo_pctx_t *c, const cJSON *a)
{
    salvo_profile_t *p = c->p;
    if (a == NULL)
        return 0;
    if (!cJSON_IsArray(a))
        return salvo_pf_bad(c, "profile field \"%s\" is a list of {columns, \"why\"}", "refuse");
    size_t n = (size_t)cJSON_GetArraySize(a);
    if (n && (p->refuse = calloc(n, sizeof *p->refuse)) == NULL)
        return -ENOMEM;
    const cJSON *o;
    cJSON_ArrayForEach(o, a) {
        int rc = parse_refusal(c, &p->refuse[p->nrefuse++], o);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int refusal_matches(const salvo_refusal_t *r, const salvo_order_t *o)
{
    const char *has[SALVO_REFUSE_COLS] = {o->symbol, o->side, o->type};
    for (int k = 0; k < SALVO_REFUSE_COLS; k++)
        if (r->is[k] && (has[k] == NULL || strcasecmp(r->is[k], has[k]) != 0))
            return 0;
    return 1;
}

const char *salvo_profile_refusal(const salvo_profile_t *p, const salvo_order_t *o)
{
    for (size_t i = 0; i < p->nrefuse && !p->body_replaced; i++)
        if (refusal_matches(&p->refuse[i], o))
            return p->refuse[i].why;
    return NULL;
}

void salvo_profile_replace_body(salvo_profile_t *p) { p->body_replaced = 1; }

unsigned salvo_profile_id_max(const salvo_profile_t *p) { return p->id_max; }
int salvo_profile_id_allows(const salvo_profile_t *p, unsigned char c) { return p->id_allowed[c]; }
