#include "tmpl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[SALVO_TV_COUNT] = {
    [SALVO_TV_TIMESTAMP_MS] = "timestamp_ms", [SALVO_TV_TIMESTAMP_S] = "timestamp_s",
    [SALVO_TV_TIMESTAMP_ISO] = "timestamp_iso", [SALVO_TV_EXPIRES_S] = "expires_s",
    [SALVO_TV_NONCE] = "nonce", [SALVO_TV_RANDOM_HEX] = "random_hex",
    [SALVO_TV_METHOD] = "method", [SALVO_TV_HOST] = "host",
    [SALVO_TV_PATH] = "path", [SALVO_TV_QUERY] = "query",
    [SALVO_TV_PATH_QUERY] = "path_query", [SALVO_TV_BODY] = "body",
    [SALVO_TV_KEY] = "key", [SALVO_TV_PASSPHRASE] = "passphrase",
    [SALVO_TV_SIGNATURE] = "signature",
};

const char *salvo_tvar_name(int var) { return var >= 0 && var < SALVO_TV_COUNT ? names[var] : "?"; }

static int var_of(const char *s, size_t n)
{
    for (int i = 0; i < SALVO_TV_COUNT; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return i;
    return -1;
}

static int add_part(salvo_tmpl_t *t, const char *lit, size_t len, int var)
{
    salvo_tmpl_part_t *p = realloc(t->parts, (t->nparts + 1) * sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    t->parts = p;
    p[t->nparts++] = (salvo_tmpl_part_t){.lit = lit, .len = len, .var = var};
    if (var >= 0)
        t->uses |= 1u << var;
    return 0;
}

static int bad(salvo_tmpl_t *t, char *err, size_t errlen, const char *fmt, const char *s, size_t n)
{
    snprintf(err, errlen, fmt, (int)(n > 40 ? 40 : n), s);
    salvo_tmpl_free(t);
    return -EINVAL;
}

int salvo_tmpl_compile(salvo_tmpl_t *t, const char *text, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if ((t->text = strdup(text)) == NULL)
        return -ENOMEM;
    const char *s = t->text;
    while (*s) {
        const char *open = strstr(s, "{{");
        if (open == NULL)
            return add_part(t, s, strlen(s), -1) < 0 ? (salvo_tmpl_free(t), -ENOMEM) : 0;
        if (open > s && add_part(t, s, (size_t)(open - s), -1) < 0)
            return salvo_tmpl_free(t), -ENOMEM;
        const char *close = strstr(open + 2, "}}");
        if (close == NULL)
            return bad(t, err, errlen, "\"%.*s\": a {{ without }}", open, strlen(open));
        size_t n = (size_t)(close - open - 2);
        if (n == 6 && memcmp(open + 2, "secret", 6) == 0)
            return bad(t, err, errlen, "{{%.*s}} cannot be used in a template: the secret only keys the signature",
                       open + 2, n);
        int var = var_of(open + 2, n);
        if (var < 0)
            return bad(t, err, errlen, "unknown variable {{%.*s}} (see docs/profiles.md)", open + 2, n);
        if (add_part(t, NULL, 0, var) < 0)
            return salvo_tmpl_free(t), -ENOMEM;
        s = close + 2;
    }
    return 0;
}

void salvo_tmpl_free(salvo_tmpl_t *t)
{
    free(t->text);
    free(t->parts);
    memset(t, 0, sizeof *t);
}

/* The JSON string escapes without the quotes (the template has them). */
static void json_inner(salvo_jbuf_t *out, const char *s, size_t n)
{
    size_t start = out->len;
    salvo_jbuf_str(out, s, n);
    if (out->oom || out->len < start + 2)
        return;
    memmove(out->p + start, out->p + start + 1, out->len - start - 2);
    out->len -= 2;
}

void salvo_tmpl_render(const salvo_tmpl_t *t, const salvo_tvals_t *vals, int json, salvo_jbuf_t *out)
{
    for (size_t i = 0; i < t->nparts; i++) {
        const salvo_tmpl_part_t *p = &t->parts[i];
        if (p->var < 0) {
            salvo_jbuf_raw(out, p->lit, p->len);
            continue;
        }
        const char *v = vals->v[p->var];
        size_t n = v ? vals->len[p->var] : 0;
        if (json)
            json_inner(out, v ? v : "", n);
        else
            salvo_jbuf_raw(out, v ? v : "", n);
    }
}
