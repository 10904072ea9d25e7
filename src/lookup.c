/* --reconcile-url: see lookup.h. */
#include "lookup.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
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

/* One reference token of a JSON pointer, unescaped (~1 is /, ~0 is ~). */
static size_t pointer_token(const char *p, char *out, size_t cap)
{
    size_t n = 0, i = 0;
    for (; p[i] && p[i] != '/'; i++) {
        char c = p[i];
        if (c == '~' && (p[i + 1] == '0' || p[i + 1] == '1'))
            c = p[++i] == '0' ? '~' : '/';
        if (n + 1 < cap)
            out[n++] = c;
    }
    out[n] = '\0';
    return i;
}

const cJSON *salvo_json_pointer(const cJSON *v, const char *ptr)
{
    char tok[256];
    while (v != NULL && *ptr == '/') {
        ptr++;
        ptr += pointer_token(ptr, tok, sizeof tok);
        if (cJSON_IsArray(v)) {
            char *end;
            long idx = strtol(tok, &end, 10);
            v = *tok && *end == '\0' && idx >= 0 ? cJSON_GetArrayItem(v, (int)idx) : NULL;
        } else {
            v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, tok) : NULL;
        }
    }
    return *ptr == '\0' ? v : NULL;
}

/* Does the answer name the order? The value is only compared, never
 * re-printed, so parsing it with cJSON loses nothing. */
static int names_order(const char *body, size_t len, const char *pointer, const char *id)
{
    if (body == NULL || len == 0)
        return 0;
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *v = salvo_json_pointer(doc, pointer);
    int found = cJSON_IsString(v) && strcmp(v->valuestring, id) == 0;
    cJSON_Delete(doc);
    return found;
}

/* An id "." or "..": in the lookup URL's path it is a dot segment, and the
 * server looks up another path (/orders/.. is /). */
static int id_is_dot_segment(const char *id) { return strcmp(id, ".") == 0 || strcmp(id, "..") == 0; }

int salvo_lookup_outcome(int curl_code, long http, const char *body, size_t len, const char *pointer,
                         const char *id)
{
    if (curl_code != 0)
        return SALVO_LOOKUP_UNSURE;
    if (http >= 200 && http < 300)
        return names_order(body, len, pointer, id) ? SALVO_LOOKUP_FOUND : SALVO_LOOKUP_UNSURE;
    if (http == 404 || http == 410) /* of another path's, a 404 says nothing of the order */
        return id_is_dot_segment(id) ? SALVO_LOOKUP_UNSURE : SALVO_LOOKUP_ABSENT;
    return SALVO_LOOKUP_UNSURE;
}
