/* Host names for the e2e tests that libcurl looks up the way it looks up
 * any (getaddrinfo on its resolver thread, which wakes the loop through a
 * descriptor of its own), with no DNS: preloaded, it makes
 * "salvo-e2e.test" 127.0.0.1 and "nx.salvo-e2e.test" fail at once, and
 * passes every other name on. ("localhost" would not do: libcurl answers
 * it without a lookup.) For tests only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
    int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **) =
        (int (*)(const char *, const char *, const struct addrinfo *, struct addrinfo **))dlsym(RTLD_NEXT,
                                                                                               "getaddrinfo");
    if (node != NULL && strcmp(node, "nx.salvo-e2e.test") == 0)
        return EAI_NONAME;
    if (node != NULL && strcmp(node, "salvo-e2e.test") == 0)
        node = "127.0.0.1";
    return real(node, service, hints, res);
}
