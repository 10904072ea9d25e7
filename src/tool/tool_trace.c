/* --trace: see trace.h. */
#include "tool_trace.h"

#include "util.h"

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
    salvo_secrets_t secrets;
};

int salvo_trace_open(salvo_trace_t **out, const char *path, const salvo_secrets_t *s)
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
    if (s)
        t->secrets = *s;
    *out = t;
    return 0;
}

static void stamp(salvo_trace_t *t, unsigned xfer, const char *id, char dir)
{
    int64_t us = salvo_unix_us();
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    fprintf(t->f, "%02d:%02d:%02d.%06ld [%u %s] %c ", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(us % 1000000), xfer,
            id && *id ? id : "-", dir);
}

/* s[from..to): printable bytes as they are, the rest as \xNN, and each run
 * of secret bytes (mask) as "***". */
static void put_redacted(FILE *f, const char *s, const unsigned char *mask, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)s[i];
        if (mask[i]) {
            if (i == from || !mask[i - 1])
                fputs("***", f);
        } else if (c == '\\') {
            fputs("\\\\", f);
        } else if (isprint(c)) {
            fputc(c, f);
        } else {
            fprintf(f, "\\x%02x", c);
        }
    }
}

/* Each line of data as one trace line (header blocks come several lines at
 * once), without its CR/LF; blank lines dropped. */
static void put_lines(salvo_trace_t *t, unsigned xfer, const char *id, char dir, const char *data,
                      const unsigned char *mask, size_t len)
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
            put_redacted(t->f, data, mask, pos, pos + n);
            fputc('\n', t->f);
        }
        pos = end + 1;
    }
}

static void put_body(salvo_trace_t *t, unsigned xfer, const char *id, char dir, const char *data,
                     const unsigned char *mask, size_t len)
{
    stamp(t, xfer, id, dir);
    fprintf(t->f, "[%zu bytes] ", len);
    put_redacted(t->f, data, mask, 0, len < TRACE_BODY_MAX ? len : TRACE_BODY_MAX);
    fputs(len > TRACE_BODY_MAX ? "...\n" : "\n", t->f);
}

void salvo_trace_event(salvo_trace_t *t, unsigned xfer, const char *id, int kind, const char *data, size_t len)
{
    char dir;
    switch (kind) {
    case SALVO_WIRE_TEXT: dir = '*'; break;
    case SALVO_WIRE_HEADER_OUT:
    case SALVO_WIRE_DATA_OUT: dir = '>'; break;
    case SALVO_WIRE_HEADER_IN:
    case SALVO_WIRE_DATA_IN: dir = '<'; break;
    default: return; /* TLS records: opaque */
    }
    /* The whole event is masked before any of it is cut or split, so a
     * secret is found even where the shown part would end inside it. */
    unsigned char small[4096];
    unsigned char *mask = len <= sizeof small ? small : malloc(len);
    if (mask == NULL) {
        stamp(t, xfer, id, dir);
        fprintf(t->f, "[%zu bytes withheld: no memory to redact them]\n", len);
        return;
    }
    memset(mask, 0, len);
    salvo_secret_mask(data, len, &t->secrets, mask);
    if (kind == SALVO_WIRE_DATA_OUT || kind == SALVO_WIRE_DATA_IN)
        put_body(t, xfer, id, dir, data, mask, len);
    else
        put_lines(t, xfer, id, dir, data, mask, len);
    if (mask != small)
        free(mask);
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
