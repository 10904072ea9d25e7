/* The live progress line on a terminal: one line on stderr, redrawn a few
 * times a second from a timer on the tool's loop while an engine runs, and
 * erased before anything else is written there. Never on a pipe or a file,
 * never with --quiet or TERM=dumb, never when the results themselves go to
 * the terminal or the orders are typed there; stdout is never touched. */
#ifndef SALVO_TOOL_PROGRESS_H
#define SALVO_TOOL_PROGRESS_H

#include <stdint.h>

#include <uv.h>

#include "salvo/engine.h"
#include "salvo/stats.h"

typedef struct tool_progress {
    uv_timer_t timer;
    int started;            /* the timer is open */
    int drawn;              /* a line is on the terminal now */
    int fd;                 /* stderr */
    const salvo_engine_t *const *engine; /* the tool's pointer to the engine running now (may be NULL) */
    uint64_t total;         /* orders in the input (a check pass counted them); 0: unknown */
    int input_fd;           /* a regular file: bytes read of its size; else -1 */
    int64_t input_size;
    double rate;            /* --rate, 0: none */
    int64_t start_at_ns;    /* --at: uv_hrtime() to fire at; 0: none */
    int64_t start_ns;
    /* sends at each of the last ticks (one second), for the current rate */
    int64_t ring_ns[5];
    uint64_t ring_sends[5];
    unsigned ring_n;
} tool_progress_t;

/* Should there be a line at all? stderr is a terminal; the results
 * (out_fd) are not, nor is the input (in_fd: someone typing orders); TERM
 * is not dumb; not quiet. */
int tool_progress_wanted(int quiet, int out_fd, int in_fd);

/* Start drawing every 250 ms from loop (the timer does not keep the loop
 * alive). *engine is read at each tick. total: the input's orders when a
 * check pass counted them, else 0: a regular file up to 256 MB is counted
 * here (its lines), a larger one shows the share of its bytes read, a
 * stream only what is done. 0 or a negative
 * libuv error. */
int tool_progress_start(tool_progress_t *p, uv_loop_t *loop, const salvo_engine_t *const *engine,
                        uint64_t total, const salvo_config_t *cfg);

/* Orders in a regular file: its lines, less a header; a little high when
 * a newline is quoted or a line blank. Read with pread (the offset stays).
 * 0 when it cannot tell. */
uint64_t tool_progress_count(int fd, const salvo_config_t *cfg);

/* Erase the line now (before writing anything else to stderr); the next
 * tick draws it again. */
void tool_progress_erase(tool_progress_t *p);

/* Erase the line and close the timer (run the loop once more to let it
 * close). Safe when never started, and more than once. */
void tool_progress_stop(tool_progress_t *p);

/* The line itself, for a test or a tick: at most width - 1 columns, in
 * shorter words when the whole does not fit; rate_now < 0: not measured
 * yet (no rate shown). */
void tool_progress_format(char *buf, size_t cap, unsigned width, const salvo_stats_t *st, uint64_t total,
                          double fraction, double rate_now, double rate_limit, double elapsed_s, double wait_s);

#endif
