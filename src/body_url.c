/* The URL template: literal text and columns, each value percent-encoded,
 * and never a value that makes a "." or ".." path segment. Values come
 * from the caller (body.c): this knows URLs, not orders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_int.h"
#include "jbuf_put.h"

static int add_url_part(struct salvo__url *u, const char *lit, size_t len, const char *name)
{
    struct url_part *p = realloc(u->parts, (u->nparts + 1) * sizeof *p);
    if (p == NULL)
        return -ENOMEM;
    u->parts = p;
    p[u->nparts++] = (struct url_part){.lit = lit, .len = len, .col = -1, .name = name};
    return 0;
}

void salvo__url_free(struct salvo__url *u)
{
    free(u->text);
    free(u->parts);
    *u = (struct salvo__url){0};
}

int salvo__url_parse(struct salvo__url *u, const char *url, char *err, size_t errlen)
{
    if ((u->text = strdup(url)) == NULL)
        return -ENOMEM;
    u->path_slash = strstr(url, "://") ? 3 : 1;
    char *s = u->text;
    while (*s) {
        char *open = strstr(s, "{{");
        if (open == NULL)
            return add_url_part(u, s, strlen(s), NULL);
        char *close = strstr(open + 2, "}}");
        if (close == NULL || close == open + 2) {
            snprintf(err, errlen, "URL \"%.80s\": a {{ without a column name and }}", url);
            return -EINVAL;
        }
        if ((open > s && add_url_part(u, s, (size_t)(open - s), NULL) < 0) ||
            add_url_part(u, NULL, 0, open + 2) < 0)
            return -ENOMEM;
        *close = '\0';
        s = close + 2;
    }
    return 0;
}

/* A path segment that is "." or "..", a dot also as %2E (servers decode it
 * before they remove dot segments). */
static int is_dot_segment(const char *s, size_t n)
{
    size_t dots = 0, i = 0;
    while (i < n && dots < 3) {
        if (s[i] == '.')
            i += 1;
        else if (n - i >= 3 && s[i] == '%' && s[i + 1] == '2' && (s[i + 2] == 'E' || s[i + 2] == 'e'))
            i += 3;
        else
            return 0;
        dots++;
    }
    return i == n && (dots == 1 || dots == 2);
}

/* The URL as salvo__url_render builds it, walked for a dot segment a column's
 * value helped make: libcurl, or else the server, would drop it with the
 * segment before it, so the value would change the path. A value's '/',
 * '?' and '#' are percent-encoded: only the template's text has them. */
struct url_walk {
    unsigned slashes;  /* '/' seen, up to the query */
    unsigned path_at;  /* the path starts at this '/' */
    int query;         /* past the path: a '?' or '#' was seen */
    size_t seg;        /* where the current segment starts */
    const char *col;   /* the last column whose value is in it; NULL: none */
    const char *value;
};

/* The segment ending at end: 1 when a value made it a dot segment (col
 * and value still name it), else 0 and the next segment starts. */
static int walk_segment_end(struct url_walk *w, const char *p, size_t end)
{
    if (w->col && !w->query && w->slashes >= w->path_at && is_dot_segment(p + w->seg, end - w->seg))
        return 1;
    w->seg = end + 1;
    w->col = w->value = NULL;
    return 0;
}

/* The template's text just added, p[from..to). */
static int walk_literal(struct url_walk *w, const char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to && !w->query; i++) {
        if (p[i] != '/' && p[i] != '?' && p[i] != '#')
            continue;
        if (walk_segment_end(w, p, i))
            return 1;
        if (p[i] == '/')
            w->slashes++;
        else
            w->query = 1;
    }
    return 0;
}

int salvo__url_render(const struct salvo__url *u, salvo_jbuf_t *jb, salvo__url_value_fn value, void *ctx,
                      const char **bad_col, const char **bad_value)
{
    struct url_walk w = {.path_at = u->path_slash};
    int dot = 0;
    for (size_t i = 0; i < u->nparts && !dot; i++) {
        const struct url_part *p = &u->parts[i];
        size_t from = jb->len;
        if (p->lit) {
            salvo_jbuf_put(jb, p->lit, p->len);
            dot = !jb->oom && walk_literal(&w, jb->p, from, jb->len);
            continue;
        }
        const char *v = value(ctx, p->col);
        if (*v == '\0') {
            *bad_col = p->name;
            return SALVO__URL_EMPTY;
        }
        salvo_jbuf_pct(jb, v, strlen(v));
        w.col = p->name, w.value = v;
    }
    if (jb->oom)
        return -ENOMEM;
    if (!dot)
        dot = walk_segment_end(&w, jb->p, jb->len);
    if (dot) {
        *bad_col = w.col, *bad_value = w.value;
        return SALVO__URL_DOT;
    }
    return 0;
}
