/* make bench's client-side stamp of a burst: preloaded into salvo and into
 * the bare libcurl loop alike, it notes when each send(2) returned and how
 * many bytes it carried, and writes them to $SALVO_SENDSTAMP at exit. The
 * broker's arrival stamps also count its own wake-ups (on loopback the
 * sender's send runs the receiver's TCP path and wakes it); these count
 * only the client's work, up to the kernel taking the bytes.
 *
 *   LD_PRELOAD=.../libsalvo-sendstamp.so SALVO_SENDSTAMP=FILE cmd ... */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define STAMPS_MAX 65536

static struct {
    long long ns;
    size_t len;
} stamps[STAMPS_MAX];
static int nstamps;
static ssize_t (*real_send)(int, const void *, size_t, int);

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    if (real_send == NULL)
        real_send = (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
    ssize_t r = real_send(fd, buf, len, flags);
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (nstamps < STAMPS_MAX) {
        stamps[nstamps].ns = (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
        stamps[nstamps++].len = len;
    }
    return r;
}

__attribute__((destructor)) static void sendstamp_write(void)
{
    const char *path = getenv("SALVO_SENDSTAMP");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f == NULL)
        return;
    for (int i = 0; i < nstamps; i++)
        fprintf(f, "%lld %zu\n", stamps[i].ns, stamps[i].len);
    fclose(f);
}
