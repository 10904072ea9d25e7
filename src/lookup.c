/* --reconcile-url: see lookup.h. */
#include "lookup.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define ID_MARK "{{client_order_id}}"

int salvo_lookup_template_ok(const char *tmpl) { return strstr(tmpl, ID_MARK) != NULL; }

char *salvo_lookup_url(const char *tmpl, const char *id)
{
    /* libcurl's escaping: RFC 3986 unreserved characters stay, the rest %XX */
    char *esc = curl_easy_escape(NULL, id, 0);
    if (esc == NULL)
        return NULL;
    size_t marks = 0, mlen = strlen(ID_MARK), elen = strlen(esc);
    for (const char *p = tmpl; (p = strstr(p, ID_MARK)) != NULL; p += mlen)
        marks++;
    char *url = malloc(strlen(tmpl) - marks * mlen + marks * elen + 1);
    char *o = url;
    for (const char *p = tmpl, *m; url != NULL; p = m + mlen) {
        if ((m = strstr(p, ID_MARK)) == NULL) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(m - p));
        o += m - p;
        memcpy(o, esc, elen);
        o += elen;
    }
    curl_free(esc);
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
