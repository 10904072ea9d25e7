/* A profile's text read one way only: what one JSON parser would read
 * differently from another (text after the object, a key given twice, a
 * NUL cut out of a string) is refused, naming where, before profile.c
 * reads the fields. */
#include "profile_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

static void say_at(char *err, size_t errlen, const char *json, size_t off, const char *what)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < off; i++, col++)
        if (json[i] == '\n')
            line++, col = 0;
    snprintf(err, errlen, "%s (line %d, column %d)", what, line, col);
}

/* One pass over the raw text, strings told from the rest: the first
 * \u0000 or raw NUL inside a string (cJSON cuts the string there: the
 * profile would mean one thing to salvo and another to any other reader)
 * and the first bracket past cJSON's nesting limit. Offsets, or len when
 * there is none. */
static void scan_text(const char *s, size_t len, size_t *nul_at, size_t *deep_at)
{
    int in_string = 0;
    size_t depth = 0;
    *nul_at = *deep_at = len;
    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            if (s[i] == '"')
                in_string = 0;
            else if (s[i] == '\0' && *nul_at == len) /* a raw NUL: cut there too */
                *nul_at = i;
            else if (s[i] == '\\' && i + 1 < len && s[++i] == 'u' && len - i >= 5 &&
                     memcmp(s + i + 1, "0000", 4) == 0 && *nul_at == len)
                *nul_at = i - 1;
        } else if (s[i] == '"') {
            in_string = 1;
        } else if (s[i] == '[' || s[i] == '{') {
            if (++depth > CJSON_NESTING_LIMIT && *deep_at == len)
                *deep_at = i;
        } else if ((s[i] == ']' || s[i] == '}') && depth > 0) {
            depth--;
        }
    }
}

/* A key given twice anywhere: cJSON keeps both, a lookup finds the first,
 * other readers take the last. path: where o is, as the messages name it. */
static int check_unique_keys(const cJSON *o, char *path, size_t len, size_t cap, char *err, size_t errlen)
{
    const cJSON *k;
    size_t i = 0;
    cJSON_ArrayForEach(k, o) {
        if (cJSON_IsObject(o))
            for (const cJSON *e = o->child; e != k; e = e->next)
                if (strcmp(e->string, k->string) == 0) {
                    snprintf(err, errlen, "%s: \"%.60s\" given twice", len ? path : "profile", k->string);
                    return -EINVAL;
                }
        if (k->child) {
            int n = cJSON_IsObject(o) ? snprintf(path + len, cap - len, "%s%s", len ? "." : "", k->string)
                                      : snprintf(path + len, cap - len, "[%zu]", i);
            size_t sub = n < 0 ? len : len + (size_t)n >= cap ? cap - 1 : len + (size_t)n;
            int rc = check_unique_keys(k, path, sub, cap, err, errlen);
            path[len] = '\0';
            if (rc < 0)
                return rc;
        }
        i++;
    }
    return 0;
}

/* The text after the object is blank, no string holds a NUL, no key is
 * given twice. */
static int check_whole(const cJSON *root, const char *json, size_t len, size_t end, size_t nul_at, char *err,
                       size_t errlen)
{
    while (end < len && json[end] != '\0' && strchr(" \t\r\n", json[end]))
        end++;
    if (end < len) {
        say_at(err, errlen, json, end, "text after the profile's object");
        return -EINVAL;
    }
    if (nul_at < len) {
        say_at(err, errlen, json, nul_at, "a string holds \\u0000, which no header or body can carry");
        return -EINVAL;
    }
    char path[160] = "";
    return check_unique_keys(root, path, 0, sizeof path, err, errlen);
}

int salvo_profile_read_json(cJSON **root, const char *json, size_t len, char *err, size_t errlen)
{
    size_t nul_at, deep_at;
    scan_text(json, len, &nul_at, &deep_at);
    const char *end = NULL;
    *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (*root == NULL && deep_at < len) {
        char what[64];
        snprintf(what, sizeof what, "the profile is nested deeper than %d levels", CJSON_NESTING_LIMIT);
        say_at(err, errlen, json, deep_at, what);
        return -EINVAL;
    }
    if (*root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        say_at(err, errlen, json, at && at >= json && at <= json + len ? (size_t)(at - json) : 0,
               "the profile is not valid JSON");
        return -EINVAL;
    }
    int rc = check_whole(*root, json, len, end && end >= json && end <= json + len ? (size_t)(end - json) : len,
                         nul_at, err, errlen);
    if (rc < 0) {
        cJSON_Delete(*root);
        *root = NULL;
    }
    return rc;
}
