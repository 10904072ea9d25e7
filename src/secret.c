/* Which header values are secrets: see salvo/secret.h. */
#include "salvo/secret.h"

#include <string.h>
#include <strings.h>

static const char *const builtin_secret[] = {
    "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
    "APCA-API-KEY-ID", "APCA-API-SECRET-KEY", /* Alpaca */
    "X-MBX-APIKEY",                           /* Binance */
};

static int name_in(const char *name, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == n && strncasecmp(name, list[i], n) == 0)
            return 1;
    return 0;
}

size_t salvo_header_secret_at(const char *line, size_t len, const char *const *extra, size_t nextra)
{
    const char *colon = memchr(line, ':', len);
    if (colon == NULL)
        return 0;
    size_t n = (size_t)(colon - line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    if (name_in(line, n, builtin_secret, sizeof builtin_secret / sizeof *builtin_secret) ||
        name_in(line, n, extra, nextra))
        return (size_t)(colon - line) + 1;
    return 0;
}

