/* The helpers the profile loader's parts share (profile_parse.h): each
 * reads one kind of field and says what is wrong with it. */
#include "profile_parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

int salvo_pf_bad(salvo_pctx_t *c, const char *fmt, const char *what)
{
    snprintf(c->err, c->errlen, fmt, what);
    return -EINVAL;
}

const cJSON *salvo_pf_item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

int salvo_pf_str(salvo_pctx_t *c, const cJSON *o, const char *k, const char **out)
{
    const cJSON *v = salvo_pf_item(o, k);
    if (v == NULL)
        return 0;
    if (!cJSON_IsString(v))
        return salvo_pf_bad(c, "profile field \"%s\" must be a string", k);
    *out = v->valuestring;
    return 0;
}

int salvo_pf_bool(salvo_pctx_t *c, const cJSON *o, const char *k, const char *where, int *out)
{
    const cJSON *v = salvo_pf_item(o, k);
    if (v == NULL)
        return 0;
    if (!cJSON_IsBool(v))
        return salvo_pf_bad(c, "profile field \"%s\" must be true or false", where ? where : k);
    *out = cJSON_IsTrue(v);
    return 0;
}

static int known(const char *k, const char *const *names)
{
    if (k[0] == '_') /* "_notes", "_sources": for people */
        return 1;
    for (; *names; names++)
        if (strcmp(k, *names) == 0)
            return 1;
    return 0;
}

int salvo_pf_check_keys(salvo_pctx_t *c, const cJSON *o, const char *where, const char *const *names)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, o) {
        if (!known(k->string, names)) {
            snprintf(c->err, c->errlen, "%s: unknown field \"%.60s\" (see docs/profiles.md)", where, k->string);
            return -EINVAL;
        }
    }
    return 0;
}

int salvo_pf_compile(salvo_pctx_t *c, salvo_tmpl_t *t, const char *text, const char *where)
{
    char e[160];
    int rc = salvo_tmpl_compile(t, text, e, sizeof e);
    if (rc == -EINVAL)
        snprintf(c->err, c->errlen, "%s: %s", where, e);
    return rc;
}

int salvo_pf_pick(salvo_pctx_t *c, const char *v, const char *field, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0)
            return *out = i, 0;
    snprintf(c->err, c->errlen, "profile field \"%s\": \"%.40s\" is not one of the known values (docs/profiles.md)", field, v);
    return -EINVAL;
}

int salvo_pf_replace(cJSON *m, const char *key, cJSON *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(m, key);
    if (v == NULL || !cJSON_AddItemToObject(m, key, v)) {
        cJSON_Delete(v);
        return -ENOMEM;
    }
    return 0;
}

int salvo_pf_section_root(const cJSON *root, const char *const *drop, const cJSON *sec, const char *const *take,
                          cJSON **out)
{
    cJSON *m = cJSON_Duplicate(root, 1);
    *out = NULL;
    if (m == NULL)
        return -ENOMEM;
    for (const char *const *k = drop; *k; k++)
        cJSON_DeleteItemFromObjectCaseSensitive(m, *k);
    int rc = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, sec) {
        int taken = take == NULL;
        for (const char *const *k = take; k && *k && !taken; k++)
            taken = strcmp(*k, f->string) == 0;
        if (taken && (rc = salvo_pf_replace(m, f->string, cJSON_Duplicate(f, 1))) < 0)
            break;
    }
    if (rc < 0) {
        cJSON_Delete(m);
        return rc;
    }
    *out = m;
    return 0;
}
