/* Result lines to stdout (or -o FILE) without ever blocking the loop.
 *
 * A pipe or terminal is written through libuv; when the reader falls
 * behind, on_pressure(1) asks the caller to stop admitting orders, and
 * on_pressure(0) lets it go on once the backlog has drained. A regular
 * file is written directly (it does not block for long). The first write
 * error is sticky: on_error is called once; every line of the failed
 * write, and every later line, is counted as lost, and a line cut short in
 * a regular file is cut off (the file ends with a whole line). */
#ifndef SALVO_TOOL_OUTPUT_H
#define SALVO_TOOL_OUTPUT_H

#include <stdint.h>

#include <uv.h>

#include "salvo/jbuf.h"
#include "salvo/order.h" /* salvo_result_write */
#include "salvo/result.h"

typedef struct tool_out {
    uv_loop_t *loop;
    int fd;
    uv_stream_t *stream;       /* NULL: direct writes */
    union { uv_pipe_t pipe; uv_tty_t tty; } h;
    int restore_flags;         /* the fd's flags to put back (libuv makes it non-blocking) */
    salvo_jbuf_t buf;          /* lines not yet handed to a write */
    size_t queued;             /* bytes in write requests */
    int error;                 /* errno of the first failure */
    uint64_t lost;             /* lines not written whole: those of a failed write, and all after it */
    int high;
    void (*on_pressure)(void *ud, int high);
    void (*on_error)(void *ud, int err);
    void *ud;
    uv_prepare_t flusher;      /* hand lines over before the loop blocks */
    int open;
    const char *run;           /* each line's "run": the run id, borrowed; NULL: none */
} tool_out_t;

/* 0 or a negative errno. fd is borrowed: never closed. */
int tool_out_init(tool_out_t *o, uv_loop_t *loop, int fd);
void tool_out_line(tool_out_t *o, const salvo_result_t *r);
/* Hand everything over; the loop must run until the writes are done. */
void tool_out_flush(tool_out_t *o);
/* Close the handles (after a final flush and run). */
void tool_out_close(tool_out_t *o);

#endif
