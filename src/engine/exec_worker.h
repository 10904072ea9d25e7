/* One worker process of the --exec transport (docs/exec-protocol.md): its
 * spawn, its three pipes, the lines written to its stdin, the lines read
 * from its stdout (the handshake, then one answer a line out) and its
 * stderr, its end. It knows no pool: what happens is told to exec.c through
 * salvo_worker_ops_t, and exec.c decides what comes next (which line, a
 * restart, giving up). Calls go one way: exec.c calls the functions below;
 * a worker calls nothing of exec.c but its ops. */
#ifndef SALVO_EXEC_WORKER_H
#define SALVO_EXEC_WORKER_H

#include "parts.h"

enum salvo_worker_state {
    WORKER_OFF,   /* not running: never started, or waiting for its restart */
    WORKER_HELLO, /* spawned, the handshake sent, its answer awaited */
    WORKER_IDLE,  /* may take a line */
    WORKER_BUSY,  /* holds one line */
    WORKER_FLUSH, /* answered before its line was written whole: no new line until that write is done */
    WORKER_DOWN,  /* being taken down: killed or told to go, its handles closing */
    WORKER_GONE,  /* never again (given up, or the transport is closing) */
};

typedef struct salvo_worker salvo_worker_t;

/* What a worker tells its pool; ctx is the one given to salvo_worker_init.
 * They come from the worker's libuv callbacks and from salvo_worker_spawn
 * and _give; the pool may call the worker again from inside one (an answer
 * frees the worker for the next line at once). */
typedef struct salvo_worker_ops {
    /* The handshake was answered: w is WORKER_IDLE, or WORKER_FLUSH. */
    void (*on_hello)(void *ctx, salvo_worker_t *w);
    /* The answer to j's line (j NULL: cancelled, nobody wants it); w is
     * WORKER_IDLE or WORKER_FLUSH. r lives for the call. */
    void (*on_answer)(void *ctx, salvo_worker_t *w, salvo_job_t *j, const salvo_reply_t *r);
    /* A worker that answered early has its line written whole: WORKER_IDLE now. */
    void (*on_idle)(void *ctx, salvo_worker_t *w);
    /* This incarnation is lost (died, garbage, timeout): w is WORKER_DOWN,
     * its handles closing. was: its state before; j: the job whose line it
     * held, or NULL; word: the result's word ("died", "garbage",
     * "timeout"); why: worded to follow "worker N ". */
    void (*on_lost)(void *ctx, salvo_worker_t *w, int was, salvo_job_t *j, const char *word, const char *why);
    /* Every handle of the incarnation has closed: w is WORKER_OFF, and may be
     * spawned again, retired or ended. */
    void (*on_down)(void *ctx, salvo_worker_t *w);
    /* A line of its stderr (SALVO_WORKER_STDERR) or a note about it
     * (SALVO_WORKER_NOTE); not NUL-terminated. */
    void (*on_log)(void *ctx, salvo_worker_t *w, int kind, const char *line, size_t len);
    /* After salvo_worker_end: w is finished with, its memory may go. */
    void (*on_released)(void *ctx, salvo_worker_t *w);
} salvo_worker_ops_t;

/* What every worker of a pool shares, filled in by the pool: the loop, the
 * config (exec_argv, timeout_ns, exec_start_timeout_ns), the environment
 * (env_worker is one of its entries: a spawn writes its own number there)
 * and a read buffer (each read is consumed before the next). */
typedef struct salvo_worker_kit {
    uv_loop_t *loop;
    const salvo_config_t *cfg;
    unsigned nw;
    char **env;
    char env_worker[32];
    char readbuf[64 * 1024];
} salvo_worker_kit_t;

/* The pool may read n, state, served, sent_ns and proc.pid; the rest is the
 * worker's own. */
struct salvo_worker {
    salvo_worker_kit_t *kit; /* shared: spawn writes env_worker, reads use readbuf */
    const salvo_worker_ops_t *ops;
    void *ctx;
    unsigned n; /* 1-based */
    int state;
    uv_process_t proc; /* these four live one incarnation each */
    uv_pipe_t in, out, err;
    int open;          /* of them, not yet closed */
    uv_timer_t timer;  /* lives until salvo_worker_end: handshake, answer, grace, linger, restart */
    int timer_closed;
    int running;       /* spawned and not yet exited */
    int killed;        /* signals sent this incarnation */
    int out_eof, err_eof;
    char exit_words[64]; /* "exited with status 1", "was killed by signal 9" */
    salvo_job_t *job;    /* WORKER_BUSY: whose line it holds; NULL once cancelled */
    uint64_t want_id;    /* the id its answer must carry */
    uint64_t sent_ns;    /* uv_hrtime() of the write */
    int served;          /* this incarnation answered a line */
    salvo_jbuf_t line;   /* stdout: the line being read */
    int line_over;
    char eline[2048];    /* stderr: the line being read, passed on in pieces of at most this */
    size_t eline_len;
    salvo_jbuf_t wbuf;   /* the line being written; kept until its write is done */
    uv_write_t wreq;
    int writing;         /* wreq is pending: wbuf and wreq are libuv's until on_written */
    char why[240];       /* why it went down */
};

/* Worker n (1-based) of kit (which outlives it): WORKER_OFF, its timer
 * open until salvo_worker_end, and on_released after that. */
void salvo_worker_init(salvo_worker_t *w, salvo_worker_kit_t *kit, unsigned n, const salvo_worker_ops_t *ops,
                       void *ctx);
/* Start an incarnation now (a failure comes back as on_lost), or after
 * ms (WORKER_OFF until then). */
void salvo_worker_spawn(salvo_worker_t *w);
void salvo_worker_spawn_in(salvo_worker_t *w, uint64_t ms);
/* Write j's line, numbered id, to an idle worker: 0 (WORKER_BUSY, under
 * --timeout), -ENOMEM (the line could not be built: still WORKER_IDLE), or -1: not a byte reached it
 * (on_lost has come, with no job: j is still the caller's). */
int salvo_worker_give(salvo_worker_t *w, salvo_job_t *j, uint64_t id);
/* j's answer is not wanted any more: it is dropped when it comes. */
void salvo_worker_cancel(salvo_worker_t *w, salvo_job_t *j);
/* Never start again (WORKER_GONE), until salvo_worker_end closes it. */
void salvo_worker_retire(salvo_worker_t *w);
/* The end: its stdin closes once the line being written is whole, it has
 * a grace to leave, then SIGTERM, then SIGKILL; one still logging in gets
 * SIGTERM at once. One down already is left alone: end it again from
 * its on_down. */
void salvo_worker_end(salvo_worker_t *w);

#endif
