/* The salvo command's state while it runs. tool_main.c (the loop,
 * signals, the send) -> tool_setup.c (what the run needs first) ->
 * tool_prepass.c (the passes before the send) -> tool_engine.c (running
 * one engine): calls go down only. */
#ifndef SALVO_TOOL_H
#define SALVO_TOOL_H

#include <uv.h>

#include "salvo/salvo.h"
#include "tool_args.h"
#include "tool_output.h"
#include "tool_progress.h"
#include "tool_redact.h"
#include "tool_summary.h"

/* What one invocation holds while it runs. */
typedef struct tool {
    salvo_args_t *a;
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_timer_t drain;
    int signal;               /* the first signal seen, or 0 */
    int nsignals;
    salvo_engine_t *engine;   /* the one running now */
    salvo_stats_t st;         /* its stats, when it is done */
    tool_agg_t agg;           /* the send's results, for the summary */
    char run_id[16];          /* "run" in every result line: tells runs apart in one file */
    int engine_done;
    tool_out_t out;
    tool_redact_t redact;     /* each result's text, its secrets blanked before it goes anywhere */
    int checking;             /* a check pass runs: bad rows to stderr (with --check), none to the output */
    salvo_idmap_t *collect;   /* a check pass: the valid orders' ids go here */
    int warned_h1;            /* --http2 fell back to HTTP/1.1: said once */
    tool_progress_t progress; /* the live line on a terminal */
    uint64_t input_rows;      /* a check pass counted the input's orders; 0: none ran */
    int collect_oom;
    /* --check on a stream: its copy, made on the loop so a signal stops it */
    uv_pipe_t spool_in;
    int spool_fd, spooling, spool_error;
    char spool_buf[64 * 1024];
    /* --cancel-after (tool_after.c) */
    FILE *live;               /* the send's orders that may be live, as JSON Lines */
    int live_error;
    uv_timer_t cancel_timer;
    int cancel_armed, cancel_due;
    int64_t cancel_at_us;     /* its moment, Unix time */
    char cancel_run[24];      /* the cancel's run id: the send's, "-cancel" */
} tool_t;

const char *tool_input_name(const salvo_args_t *a);
/* "interrupted (SIGINT)" / "stopped (SIGTERM)" */
const char *tool_signal_words(int signum);
int tool_exit_for_signal(int signum);
int tool_is_regular(int fd);

/* Run cfg to its end on the tool's loop (results to tl->out, or in check
 * mode to stderr and tl->collect). 0, or a negative errno (said). */
int tool_run_engine(tool_t *tl, const salvo_config_t *cfg);

/* Start t for the wall-clock moment at_unix_us (whole milliseconds after,
 * from a fresh loop time). libuv counts from its loop time, which lags
 * when the loop was busy: a callback checks salvo_unix_us() and starts it
 * again when it came early. */
void tool_timer_at(uv_timer_t *t, int64_t at_unix_us, uv_timer_cb cb);

/* The engine running now hears of the output's backpressure and errors. */
void tool_watch_output(tool_t *tl);

/* --cancel-after (tool_after.c): arm its clock and its spool (tl->live,
 * which the send's results fill, tool_engine.c) as the send starts (0, or
 * a negative errno); after the send, wait for the time and cancel what
 * may be live (-1 when done or nothing to do, or an exit code, said);
 * close what it holds. */
int tool_after_arm(tool_t *tl, int64_t start_unix_us);
int tool_after_cancel(tool_t *tl, int *ran);
void tool_after_close(tool_t *tl);

/* --check, and the caps over a file: -1 to go on, or an exit code. */
int tool_precheck(tool_t *tl);
/* --resume: the input must hold every order the journal records. */
int tool_check_resumed_input(tool_t *tl, salvo_jindex_t *ix);
/* A signal came while a stream was being copied. */
void tool_stop_spooling(tool_t *tl);

#endif
