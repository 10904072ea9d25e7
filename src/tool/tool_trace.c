/* --trace: see trace.h. */
#include "tool_trace.h"

#include "salvo/secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define TRACE_BODY_MAX 2048 /* bytes of a body shown */

struct salvo_trace {
    FILE *f;
    const char *const *extra;
    size_t nextra;
};

int salvo_trace_open(salvo_trace_t **out, const char *path, const char *const *extra, size_t nextra)
{
    salvo_trace_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return -ENOMEM;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || (t->f = fdopen(fd, "w")) == NULL) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        free(t);
        return -e;
    }
    t->extra = extra;
    t->nextra = nextra;
    *out = t;
    return 0;
}

static void stamp(salvo_trace_t *t, unsigned xfer, const char *id, char dir)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(t->f, "%02d:%02d:%02d.%06ld [%u %s] %c ", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, xfer,
            id && *id ? id : "-", dir);
}

/* Printable bytes as they are, the rest as \xNN. */
static void put_escaped(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", f);
        else if (isprint(c))
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
}

/* Header lines, one trace line each, secret values blanked. */
static void put_headers(salvo_trace_t *t, unsigned xfer, const char *id, char dir, const char *data, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        size_t n = end - pos;
        if (n > 0 && data[pos + n - 1] == '\r')
            n--;
        if (n > 0) {
            stamp(t, xfer, id, dir);
            size_t at = salvo_header_secret_at(data + pos, n, t->extra, t->nextra);
            if (at) {
                put_escaped(t->f, data + pos, at);
                fputs(" ***", t->f);
            } else {
                put_escaped(t->f, data + pos, n);
            }
            fputc('\n', t->f);
        }
        pos = end + 1;
    }
}

void salvo_trace_event(salvo_trace_t *t, unsigned xfer, const char *id, int kind, const char *data, size_t len)
{
    switch (kind) {
    case CURLINFO_TEXT:
        stamp(t, xfer, id, '*');
        put_escaped(t->f, data, len && data[len - 1] == '\n' ? len - 1 : len);
        fputc('\n', t->f);
        break;
    case CURLINFO_HEADER_OUT:
        put_headers(t, xfer, id, '>', data, len);
        break;
    case CURLINFO_HEADER_IN:
        put_headers(t, xfer, id, '<', data, len);
        break;
    case CURLINFO_DATA_OUT:
    case CURLINFO_DATA_IN:
        stamp(t, xfer, id, kind == CURLINFO_DATA_OUT ? '>' : '<');
        fprintf(t->f, "[%zu bytes] ", len);
        put_escaped(t->f, data, len < TRACE_BODY_MAX ? len : TRACE_BODY_MAX);
        fputs(len > TRACE_BODY_MAX ? "...\n" : "\n", t->f);
        break;
    default: /* TLS records: opaque */
        break;
    }
}

int salvo_trace_close(salvo_trace_t *t)
{
    if (t == NULL)
        return 0;
    int r = ferror(t->f) ? -EIO : 0;
    if (fclose(t->f) != 0 && r == 0)
        r = -errno;
    free(t);
    return r;
}
