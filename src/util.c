#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t salvo_unix_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t salvo_ns_to_timer_ms(int64_t ns)
{
    if (ns <= 0)
        return 0;
    uint64_t ms = (uint64_t)ns / 1000000u + ((uint64_t)ns % 1000000u != 0);
    return ms;
}

uint64_t salvo_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double salvo_rng_unit(uint64_t *state) { return (double)(salvo_rng_next(state) >> 11) * 0x1.0p-53; }

int salvo_write_all_n(int fd, const void *p, size_t n, size_t *written)
{
    const char *c = p;
    *written = 0;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        c += w;
        n -= (size_t)w;
        *written += (size_t)w;
    }
    return 0;
}

int salvo_write_all(int fd, const void *p, size_t n)
{
    size_t written;
    return salvo_write_all_n(fd, p, n, &written);
}

int salvo_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -ENOMEM;
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem)
        return -ENOMEM;
    void *np = realloc(*p, ncap * elem);
    if (np == NULL)
        return -ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

void salvo_wipe(void *p, size_t n)
{
    if (p != NULL)
        explicit_bzero(p, n);
}

char *salvo_read_path(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got = 1;
    int err = 0;
    while (!err && got > 0) {
        if (n + 1 >= cap && salvo_grow((void **)&buf, &cap, cap ? cap * 2 : 4096, 1) < 0)
            err = ENOMEM;
        else if ((got = fread(buf + n, 1, cap - 1 - n, f)) > 0 && (n += got) > max)
            err = EFBIG;
    }
    if (!err && ferror(f))
        err = EIO;
    fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int salvo_method_bodyless(const char *method)
{
    return method && (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0);
}

void salvo_join_text(char *dst, size_t cap, const char *a, const char *b)
{
    size_t k = 0;
    if (cap == 0)
        return;
    for (const char *s = a; s && *s && k + 1 < cap; s++)
        dst[k++] = *s;
    for (const char *s = b; s && *s && k + 1 < cap; s++)
        dst[k++] = *s;
    dst[k] = '\0';
}

int salvo_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
