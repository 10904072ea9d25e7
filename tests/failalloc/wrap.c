/* A counting allocator for salvo's own code (the library and the tool, as
 * linked statically into salvo-failalloc with -Wl,--wrap): the Nth
 * allocation fails, N from $SALVO_FAIL_ALLOC. libcurl, libuv and libc keep
 * their own allocator. With $SALVO_COUNT_ALLOC set, the count of
 * allocations is printed at exit, so a test knows how far to go. */
#include <stdio.h>
#include <stdlib.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static unsigned long count, fail_at;
static int ready;

static void report(void) { fprintf(stderr, "failalloc: %lu allocations\n", count); }

/* 1 when this allocation is the one to fail. */
static int fail_now(void)
{
    if (!ready) {
        ready = 1;
        const char *v = getenv("SALVO_FAIL_ALLOC");
        fail_at = v ? strtoul(v, NULL, 10) : 0;
        if (getenv("SALVO_COUNT_ALLOC"))
            atexit(report);
    }
    return ++count == fail_at;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return fail_now() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
