/* --reconcile-url: asking the broker whether an order of unknown outcome
 * arrived. */
#ifndef SALVO_LOOKUP_H
#define SALVO_LOOKUP_H

#include <stddef.h>

enum salvo_lookup { SALVO_LOOKUP_FOUND, SALVO_LOOKUP_ABSENT, SALVO_LOOKUP_UNSURE };

/* Does the template name the id? 1 or 0. */
int salvo_lookup_template_ok(const char *tmpl);

/* The template with every {{client_order_id}} replaced by the id,
 * percent-encoded. malloc'd; NULL when out of memory. */
char *salvo_lookup_url(const char *tmpl, const char *id);

/* What a lookup's answer says: found only when it is a 2xx whose JSON body
 * holds the order's id at the JSON pointer (RFC 6901, e.g.
 * "/client_order_id" or "/0/clientOrderId"): a search endpoint answering
 * 200 {} or [] for every id proves nothing. 404 or 410: absent, unless
 * the id is "." or ".." (a dot segment: the lookup asked another path).
 * Anything else (a transport error, 5xx, 401, an unrelated 200) proves
 * nothing. */
int salvo_lookup_outcome(int curl_code, long http, const char *body, size_t len, const char *pointer,
                         const char *id);

/* The value at a JSON pointer (RFC 6901: "/data/0/sCode"), or NULL. */
struct cJSON;
const struct cJSON *salvo_json_pointer(const struct cJSON *v, const char *ptr);

#endif
