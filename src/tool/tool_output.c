#include "tool_output.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_CHUNK (64 * 1024)      /* hand over at least this much at a time */
#define OUT_HIGH (1024 * 1024)     /* queued past this: hold the engine */
#define OUT_LOW (256 * 1024)       /* drained below this: let it go on */

typedef struct out_write {
    uv_write_t req;
    tool_out_t *o;
    char *data;
    size_t len;
} out_write_t;

static void fail(tool_out_t *o, int err)
{
    if (o->error)
        return;
    o->error = err;
    if (o->on_error)
        o->on_error(o->ud, err);
}

static void pressure(tool_out_t *o)
{
    int high = o->high ? o->queued > OUT_LOW : o->queued > OUT_HIGH;
    if (high != o->high) {
        o->high = high;
        if (o->on_pressure)
            o->on_pressure(o->ud, high);
    }
}

static uint64_t count_lines(const char *p, size_t len)
{
    uint64_t n = 0;
    if (len == 0)
        return 0; /* p may be NULL: no arithmetic on it */
    for (const char *end = p + len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        n++;
    return n;
}

/* A write that failed (or was cancelled) loses every line it held. */
static void on_written(uv_write_t *req, int status)
{
    out_write_t *w = (out_write_t *)req;
    tool_out_t *o = w->o;
    o->queued -= w->len;
    if (status < 0)
        o->lost += count_lines(w->data, w->len);
    free(w->data);
    free(w);
    if (status < 0 && status != UV_ECANCELED)
        fail(o, -status);
    pressure(o);
}

/* A write that failed part way leaves a line cut short in a regular
 * file: cut the file back to the last whole line (`tail` bytes past it). */
static void drop_partial_line(tool_out_t *o, size_t tail)
{
    struct stat st;
    off_t end = lseek(o->fd, 0, SEEK_CUR);
    if (tail == 0 || end < (off_t)tail || fstat(o->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return;
    if (ftruncate(o->fd, end - (off_t)tail) == 0)
        lseek(o->fd, end - (off_t)tail, SEEK_SET);
}

/* Every line not written whole is lost, counted, and leaves no trace. */
static void write_direct(tool_out_t *o)
{
    size_t done = 0;
    int r = salvo_write_all_n(o->fd, o->buf.p, o->buf.len, &done);
    if (r == 0)
        return;
    size_t kept = done; /* up to the last newline that went */
    while (kept > 0 && o->buf.p[kept - 1] != '\n')
        kept--;
    drop_partial_line(o, done - kept);
    o->lost += count_lines(o->buf.p + kept, o->buf.len - kept);
    fail(o, -r);
}

/* The buffer itself goes with the write request: no copy. */
static void write_stream(tool_out_t *o)
{
    out_write_t *w = malloc(sizeof *w);
    if (w == NULL) {
        o->lost += count_lines(o->buf.p, o->buf.len);
        fail(o, ENOMEM);
        return;
    }
    w->o = o;
    w->data = o->buf.p;
    w->len = o->buf.len;
    o->buf.p = NULL;
    o->buf.cap = 0;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)w->len);
    int r = uv_write(&w->req, o->stream, &b, 1, on_written);
    if (r < 0) {
        o->lost += count_lines(w->data, w->len);
        free(w->data);
        free(w);
        fail(o, -r);
        return;
    }
    o->queued += w->len;
    pressure(o);
}

void tool_out_flush(tool_out_t *o)
{
    if (o->error) /* the lines buffered before the error was known */
        o->lost += count_lines(o->buf.p, o->buf.len);
    if (o->buf.len == 0 || o->error) {
        o->buf.len = 0;
        return;
    }
    if (o->stream)
        write_stream(o);
    else
        write_direct(o);
    o->buf.len = 0;
}

static void on_flusher(uv_prepare_t *p) { tool_out_flush(p->data); }

void tool_out_line(tool_out_t *o, const salvo_result_t *r)
{
    if (o->error) {
        o->lost++;
        return;
    }
    size_t before = o->buf.len;
    salvo_result_write(&o->buf, r, o->run);
    if (o->buf.oom) { /* this line is lost; the ones before it still go */
        o->buf.oom = 0;
        o->buf.len = before;
        tool_out_flush(o);
        o->lost++;
        fail(o, ENOMEM);
        return;
    }
    if (o->buf.len >= OUT_CHUNK)
        tool_out_flush(o);
}

int tool_out_init(tool_out_t *o, uv_loop_t *loop, int fd)
{
    memset(o, 0, sizeof *o);
    o->loop = loop;
    o->fd = fd;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    int r = 0;
    o->restore_flags = -1;
    if (isatty(fd)) {
        o->restore_flags = fcntl(fd, F_GETFL);
        r = uv_tty_init(loop, &o->h.tty, fd, 0);
        o->stream = (uv_stream_t *)&o->h.tty;
    } else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
        /* libuv owns what it opens and closes it: give it a copy, and put
         * the blocking flag back at the end (it is shared with the copy). */
        int dupfd = dup(fd);
        if (dupfd < 0)
            return -errno;
        o->restore_flags = fcntl(fd, F_GETFL);
        if ((r = uv_pipe_init(loop, &o->h.pipe, 0)) == 0 && (r = uv_pipe_open(&o->h.pipe, dupfd)) < 0) {
            uv_close((uv_handle_t *)&o->h.pipe, NULL);
            close(dupfd);
            return r;
        }
        o->stream = (uv_stream_t *)&o->h.pipe;
    }
    if (r < 0)
        return r;
    uv_prepare_init(loop, &o->flusher);
    o->flusher.data = o;
    uv_prepare_start(&o->flusher, on_flusher);
    uv_unref((uv_handle_t *)&o->flusher);
    o->open = 1;
    return 0;
}

void tool_out_close(tool_out_t *o)
{
    if (!o->open)
        return;
    o->open = 0;
    uv_close((uv_handle_t *)&o->flusher, NULL);
    if (o->stream)
        uv_close((uv_handle_t *)o->stream, NULL);
    if (o->restore_flags >= 0)
        fcntl(o->fd, F_SETFL, o->restore_flags);
    salvo_jbuf_free(&o->buf);
}
