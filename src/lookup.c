/* --reconcile-url: see lookup.h. */
#include "salvo/lookup.h"

#include <stdlib.h>
#include <string.h>

#define ID_MARK "{{client_order_id}}"

int salvo_lookup_template_ok(const char *tmpl) { return strstr(tmpl, ID_MARK) != NULL; }

/* RFC 3986 unreserved characters stay; everything else is %XX. */
static size_t escape(const char *id, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
            if (out)
                out[n] = (char)*p;
            n++;
        } else {
            if (out)
                out[n] = '%', out[n + 1] = hex[*p >> 4], out[n + 2] = hex[*p & 15];
            n += 3;
        }
    }
    return n;
}

char *salvo_lookup_url(const char *tmpl, const char *id)
{
    size_t marks = 0, mlen = strlen(ID_MARK);
    for (const char *p = tmpl; (p = strstr(p, ID_MARK)) != NULL; p += mlen)
        marks++;
    size_t idlen = escape(id, NULL);
    char *url = malloc(strlen(tmpl) - marks * mlen + marks * idlen + 1);
    if (url == NULL)
        return NULL;
    char *o = url;
    for (const char *p = tmpl, *m; *p; p = m + mlen) {
        if ((m = strstr(p, ID_MARK)) == NULL) {
            strcpy(o, p);
            return url;
        }
        memcpy(o, p, (size_t)(m - p));
        o += m - p;
        o += escape(id, o);
    }
    *o = '\0';
    return url;
}

int salvo_lookup_outcome(int curl_code, long http)
{
    if (curl_code != 0)
        return SALVO_LOOKUP_UNSURE;
    if (http >= 200 && http < 300)
        return SALVO_LOOKUP_FOUND;
    if (http == 404 || http == 410)
        return SALVO_LOOKUP_ABSENT;
    return SALVO_LOOKUP_UNSURE;
}
