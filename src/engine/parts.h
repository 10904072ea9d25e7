/* The engine's private types, shared by its parts (not installed).
 *
 * The pipeline, and who calls whom (calls go down only):
 *
 *   engine.c    lifecycle, the dispatch loop (pump), timers, the end of a run
 *     admit.c     what to do with a valid order: check, dry run, resume, caps, queue
 *     complete.c  an attempt's reply: classify, decide retry / look up / finish
 *       answer.c    the answer read: the profile's rules, a batch order's element,
 *                   the broker's words
 *     batch.c     --batch: orders gathered into one request, its answer handed out
 *     stop.c      stop and drain
 *     at.c        --at: the start time, the warm-up
 *       job.c       a job's start and end: the result, the journal's outcome line
 * A part below engine.c never calls up: it leaves a job in a state (complete.c)
 * or raises a stop (salvo_engine_raise) and the engine acts on it.
 *   intake.c    input bytes -> rows -> validated orders (knows no engine)
 *   pace.c      token bucket + windows (knows no engine)
 *   http.c      the HTTP transport: a pool of easy handles, libcurl <-> libuv
 *               (knows no engine: replies go back through a callback)
 *   exec.c      the worker transport (--exec): SDK worker processes speaking
 *               docs/exec-protocol.md (knows no engine, as http.c)
 *     exec_worker.c  one worker process's life (knows no pool: it tells
 *                    exec.c what happened through callbacks)
 *
 * A job is one order from the moment it is read to its result. Jobs come
 * from a fixed pool; each sits on at most one queue at a time, through
 * `qlink`, and `state` says which; from its start to its end it is also on
 * the busy list, through `busy_link`. */
#ifndef SALVO_ENGINE_PARTS_H
#define SALVO_ENGINE_PARTS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <uv.h>

#include "limit.h"
#include "orderid.h"
#include "queue.h"
#include "retry.h"
#include "salvo/engine.h"
#include "salvo/idmap.h"
#include "salvo/jindex.h"
#include "salvo/order.h"
#include "salvo/reader.h"
#include "salvo/stats.h"
#include "sign.h"
#include "util.h"

#define SALVO_MAX_LOOKUPS 2 /* --reconcile-url lookups of one order */

enum job_state {
    JOB_FREE,    /* on free_jobs */
    JOB_READY,   /* read and valid, on ready: waiting for a slot and a token */
    JOB_LAUNCH,  /* on launch: its journal line is written, the transport gets it this turn */
    JOB_FLIGHT,  /* with the transport */
    JOB_BACKOFF, /* its backoff timer runs */
    JOB_RETRY,   /* on retry: backoff over, waiting for a token */
};

enum job_mode { JOB_POST, JOB_LOOKUP, JOB_WARM };

/* The pacing gate: every limiter salvo keeps. */
typedef struct salvo_pace {
    salvo_bucket_t bucket;
    salvo_window_t window, rate_window;
    int has_bucket, has_window, has_rate_window;
    int64_t paused_until; /* engine time: the broker asked for a pause */
    salvo_rateper_t *per; /* --rate-per, owned; NULL: none */
    unsigned per_cols;
} salvo_pace_t;

/* The slots one send took, to settle when its answer says when it left. */
typedef struct salvo_pace_ticket {
    uint64_t window_id, rate_window_id;
    int taken;
    uint64_t per_id; /* --rate-per: the value's slot, when per_taken */
    uint32_t per_slot;
    int per_taken;
} salvo_pace_ticket_t;

typedef struct salvo_job {
    salvo_order_t order;     /* its buffers are reused from job to job */
    salvo_queue_t qlink;
    salvo_queue_t busy_link;
    struct salvo_engine *e;
    int state, mode;
    int journal_state;       /* --resume: enum salvo_jstate of the earlier run */
    int lookup_first;        /* --resume: look it up before anything is sent */
    int maybe_delivered;     /* an earlier attempt (or run) may have reached the broker */
    unsigned lookups;
    char *lookup_url;        /* owned */
    int64_t read_ns;
    uint64_t send_index;     /* its first attempt was the n-th send of the run (0-based) */
    int64_t delay_ns;        /* JOB_BACKOFF: how long */
    salvo_pace_ticket_t ticket;
    char *idem;              /* "Idempotency-Key: ID", owned */
    size_t idem_cap;
    struct curl_slist idem_node;
    char *resp;              /* the last answer's body, owned */
    size_t resp_len, resp_cap;
    int resp_over;
    char errbuf[256];
    char *request;           /* --dry-run: the request as JSON, owned */
    size_t request_cap;
    salvo_wire_t wire;       /* a profile's request for this attempt (sign.h) */
    int has_wire;
    struct curl_slist hnodes[SALVO_WIRE_MAX_HEADERS]; /* its header lines, then the shared ones */
    char order_id[96];       /* the broker's, from the profile's result.order_id */
    char filled[40];         /* a status run's: the quantity filled (result.filled) */
    salvo_jbuf_t captured;   /* rate_limit.capture: {"Name":"value",...} */
    salvo_result_t res;
    uv_timer_t backoff;
    /* --batch: an attempt that carries several orders in one request. Its
     * lead (the first) holds the request; every order of it, the lead too,
     * points to the lead and knows its place. */
    struct salvo_job *lead;  /* NULL: a request of its own */
    unsigned index;          /* its place in the batch */
    struct salvo_job **members; /* the lead's: the batch's orders, in order (owned, cfg->batch) */
    unsigned nmembers;       /* the lead's; 0 when it leads none */
    salvo_jbuf_t batch_body; /* the lead's: the request's body */
} salvo_job_t;

/* What the transport learnt of one attempt. Pointers are valid during the
 * reply callback only. */
typedef struct salvo_reply {
    int code;              /* CURLcode; 0 when an answer came */
    long http;             /* status, 0 when none */
    long http_version;     /* SALVO_HTTP_*, 0 when unknown */
    int connected;         /* the request may have left */
    int resent;            /* the transport sent it more than once on its own */
    int refused;           /* the server refused the stream unprocessed (HTTP/2) */
    int64_t total_us, pretransfer_us;
    int64_t retry_after_s; /* -1: none */
    const char *location;
    const char *body;
    size_t body_len;
    int body_over;         /* longer than SALVO_RESPONSE_MAX */
    const char *error;     /* the transport's words, NULL when none */
    int reused;            /* went out on a connection opened before */
    int64_t dns_us, connect_us, tls_us, ttfb_us; /* from the transfer's start */
    int64_t date_unix;     /* the answer's Date header, 0 when none */
    int64_t sent_unix_us;  /* when the request began going out (libcurl about to send), 0: unknown */
    /* A response header's value, or NULL (during the callback only). */
    const char *(*header)(const struct salvo_reply *r, const char *name);
    void *hctx;
    /* A transport that knows the outcome itself (worker processes, exec.c)
     * says so here instead of in code/http: known is 1 + enum salvo_status
     * (a lookup: ACCEPTED found, FAILED absent, UNKNOWN cannot tell),
     * known_retry an enum salvo_retry. 0: classify code/http as HTTP. */
    int known, known_retry;
    const char *word;      /* its name for the attempt, for attempt_statuses */
    unsigned worker;       /* 1-based, 0: none */
    int fatal;             /* every later order would fail the same way (no worker can run) */
    const char *order_id;  /* the broker's order id, when the transport was told it */
} salvo_reply_t;

typedef void (*salvo_reply_cb)(void *ud, salvo_job_t *j, const salvo_reply_t *r);

/* A transport takes a job's attempt and answers through its reply
 * callback: HTTP today, worker processes later. */
typedef struct salvo_transport_ops {
    /* 0, or a negative errno when the attempt could not start (then no
     * reply comes): -EBUSY when every connection slot is in use. */
    int (*send)(void *t, salvo_job_t *j);
    /* Forget j's attempt in flight: no reply will come. */
    void (*cancel)(void *t, salvo_job_t *j);
    /* Release everything; handles close on the loop. */
    void (*close)(void *t);
    /* Optional: add what only the transport knows to the run's stats. */
    void (*stats)(const void *t, salvo_stats_t *st);
} salvo_transport_ops_t;

/* ---- engine.c: the loop's callbacks, which life.c registers ---- */

void salvo_engine_on_reply(void *ud, salvo_job_t *j, const salvo_reply_t *r);
void salvo_engine_on_input(void *ud);
void salvo_engine_on_transport_state(void *ud, int state, const char *why);

/* ---- config.c ---- */

/* The caller's configuration into own: the fields its size holds, the
 * rest defaults; checked. 0, -EINVAL (not from salvo_config_init, or a
 * configuration that cannot work), -ENOTSUP (it sets a field this library
 * does not know). */
int salvo_config_take(salvo_config_t *own, const salvo_config_t *cfg);

/* ---- intake.c: input -> orders ---- */

typedef struct salvo_intake {
    uv_loop_t *loop;
    const salvo_config_t *cfg;
    salvo_reader_t *reader;
    salvo_layout_t layout;
    int layout_ready;
    size_t width;            /* CSV: fields a row may have (the header's, or 5); 0: any */
    int layout_from_header;
    uv_stream_t *stream;     /* pipe or tty; NULL for a regular file */
    union { uv_pipe_t pipe; uv_tty_t tty; } handle;
    int reading, eof, closed;
    uint64_t seq;
    salvo_idmap_t ids;       /* ids the input carries: each once */
    salvo_orderid_t oids;    /* occurrences of each order content: content ids */
    char chunk[64 * 1024];
    void (*on_input)(void *ud); /* more input arrived */
    void (*on_closed)(void *ud); /* its stream has closed */
    void *ud;
    int error;               /* errno of a failed read */
    char setup_err[256];
} salvo_intake_t;

enum { INTAKE_WAIT = 0, INTAKE_ORDER = 1, INTAKE_INVALID = 2, INTAKE_END = 3 };

/* 0, or a negative errno (-EISDIR for a directory). When in->stream is
 * set, on_closed will be called once it has closed. */
int salvo_intake_init(salvo_intake_t *in, uv_loop_t *loop, const salvo_config_t *cfg,
                      void (*on_input)(void *), void (*on_closed)(void *), void *ud);
/* The next order into o: INTAKE_ORDER (valid), INTAKE_INVALID (o->error
 * says why), INTAKE_WAIT (on_input will be called), INTAKE_END, or a
 * negative errno (-EINVAL: setup_err says why; -ENOMEM; -EIO: in->error). */
int salvo_intake_next(salvo_intake_t *in, salvo_order_t *o);
void salvo_intake_stop(salvo_intake_t *in);
void salvo_intake_free(salvo_intake_t *in);

/* ---- pace.c ---- */

int salvo_pace_init(salvo_pace_t *p, const salvo_config_t *cfg);
void salvo_pace_free(salvo_pace_t *p);
/* 0 when a send may go at now, else ns to wait (SALVO_WAIT_FOREVER: until
 * an answer settles a slot). */
int64_t salvo_pace_wait(salvo_pace_t *p, int64_t now);
/* --rate-per: an order's value of the columns (NUL between them) into buf,
 * its length; a longer value is cut at cap, which only ever joins two
 * values under one limit, the safe side. 0 when there is no --rate-per. */
#define SALVO_PACE_KEY_MAX 256
size_t salvo_pace_key(const salvo_pace_t *p, const salvo_order_t *o, char *buf, size_t cap);
/* 0 when a send of that value may go at now (as far as --rate-per goes;
 * salvo_pace_wait says for the rest), else ns to wait. */
int64_t salvo_pace_wait_key(salvo_pace_t *p, const char *key, size_t len, int64_t now);
/* Take every limiter's slot; key NULL: no --rate-per slot (a lookup, which
 * places no order). 0, or -ENOMEM (nothing taken). */
int salvo_pace_take(salvo_pace_t *p, int64_t now, const char *key, size_t len, salvo_pace_ticket_t *t);
/* The send left at `sent`; or, with sent < 0, never left (settled now). */
void salvo_pace_settle(salvo_pace_t *p, salvo_pace_ticket_t *t, int64_t sent, int64_t now);
void salvo_pace_pause(salvo_pace_t *p, int64_t until);

/* ---- http.c ---- */

int salvo_http_new(void **out, uv_loop_t *loop, const salvo_config_t *cfg, const struct curl_slist *headers,
                   salvo_reply_cb cb, void *ud, const salvo_callbacks_t *wire, void *wire_ud);
extern const salvo_transport_ops_t salvo_http_ops;

/* ---- exec.c: worker processes (docs/exec-protocol.md) ---- */

enum { SALVO_EXEC_READY = 1, SALVO_EXEC_FAILED = 2 };
/* Jobs handed over while no worker is free wait inside, on their qlink
 * (a JOB_FLIGHT job is on no engine queue). on_state is called once: every
 * worker answered its handshake (READY), or one could not start (FAILED,
 * why says which and how). */
int salvo_exec_new(void **out, uv_loop_t *loop, const salvo_config_t *cfg, salvo_reply_cb cb, void *ud,
                   void (*on_state)(void *ud, int state, const char *why), const salvo_callbacks_t *log,
                   void *log_ud);
/* Spawn the workers. 0 or -ENOMEM; a spawn that fails is reported through on_state. */
int salvo_exec_start(void *t);
extern const salvo_transport_ops_t salvo_exec_ops;

/* ---- the engine ---- */

struct salvo_engine {
    const salvo_config_t *cfg; /* &own_cfg */
    salvo_config_t own_cfg;  /* the caller's, as far as its size goes; defaults beyond */
    int64_t start_at_ns;     /* start_at_unix_us on uv_hrtime()'s clock (salvo_engine_start); 0: none */
    int curl_inited;         /* curl_global_init() was called: cleanup goes with the memory */
    salvo_callbacks_t cb;
    void *ud;
    uv_loop_t *loop;
    salvo_stats_t st;
    int64_t t0;

    salvo_intake_t in;
    salvo_pace_t pace;
    const salvo_transport_ops_t *tops;
    void *transport;
    struct curl_slist *shared_headers; /* our own nodes, never strdup'ed */
    struct curl_slist batch_ct;        /* --batch of form-encoded orders: a JSON Content-Type, then */
    struct curl_slist *batch_shared;   /* the shared headers a batch sends (shared_headers, or batch_ct) */
    uint64_t rng;
    salvo_signer_t signer;   /* a profile's send-time state (the last nonce) */
    int64_t wire_first_us, wire_burst_last_us; /* the first burst's moments on the wire (Unix us) */

    salvo_job_t *jobs;
    size_t njobs;
    salvo_queue_t free_jobs, ready, retry, launch, busy;
    size_t active;           /* jobs on busy */
    size_t riders;           /* --batch: busy jobs whose attempt rides on another's request */
    salvo_job_t **dry;       /* --batch --dry-run: the orders to be shown together (cfg->batch), owned */
    unsigned ndry;

    uv_timer_t pace_timer;   /* a limiter said "wait" */
    uv_timer_t at_timer;     /* --at: wake just before start_at_ns */
    int fired;               /* start_at has come (or there is none) */
    int64_t rewarm_at;       /* uv_hrtime() of the next re-warm, 0: none due */
    salvo_job_t *warm_jobs;  /* --warm: requests that open connections early */
    unsigned nwarm, warm_busy;
    int64_t warm_slowest_ns; /* the longest warm-up round trip yet: a re-warm must be back by start_at */
    uv_idle_t later;         /* pump on the next turn */
    int handles;             /* open: the engine goes with the last (salvo_engine_free) */

    int started, stopping, aborting, held, input_done, done, freed, in_stop;
    int waiting_transport;   /* the workers are starting: nothing may be sent yet */
    int capped;              /* a --max-* cap was hit: read no further */
    int fail_reason;         /* a part asked the run to stop (salvo_engine_raise) */
    char fail_why[160];
    int fatal_kind;          /* the last attempt's fatal answer (see complete.c), 0: none */
    unsigned fatal_run;      /* how many in a row */
    char stop_why[160];
};

static inline int64_t salvo_engine_now(const struct salvo_engine *e) { return (int64_t)uv_hrtime() - e->t0; }

/* A part below the engine asks for the run to stop (the journal failed,
 * the broker keeps refusing): the engine acts on it at its next step, so
 * calls only ever go down. The first reason wins. */
static inline void salvo_engine_raise(struct salvo_engine *e, int reason, const char *why)
{
    if (e->fail_reason)
        return;
    e->fail_reason = reason;
    snprintf(e->fail_why, sizeof e->fail_why, "%s", why);
}

/* A cancel or lookup so made sends none at all, whatever its template
 * renders (a send's --method DELETE sends what its template makes). */
static inline int salvo_sends_no_body(const salvo_config_t *c)
{
    return c->op != SALVO_OP_SEND && salvo_method_bodyless(c->method);
}

/* engine.c */
void salvo_engine_pump(struct salvo_engine *e);

/* job.c: j's --rate-per value into buf (SALVO_PACE_KEY_MAX), its length;
 * -1 when its next attempt is not paced by value (no --rate-per, or a
 * lookup). */
long salvo_job_pace_key(struct salvo_engine *e, const salvo_job_t *j, char *buf);

/* admit.c: a valid order just read; it is reported or queued. */
void salvo_admit(struct salvo_engine *e, salvo_job_t *j);
void salvo_admit_dry_run(struct salvo_engine *e, salvo_job_t *j);
/* --batch --dry-run: j waits to be shown with the orders read with it that
 * would share its request; flush shows those waiting (each its line, the
 * batch's request in it), after every pass over the input. */
void salvo_admit_dry_batch(struct salvo_engine *e, salvo_job_t *j);
void salvo_admit_dry_flush(struct salvo_engine *e);
/* A valid order read after the run stopped (or hit a cap): reported, never sent. */
void salvo_admit_unsent(struct salvo_engine *e, salvo_job_t *j);

/* complete.c: after it, j is finished (JOB_FREE), or waits: JOB_BACKOFF
 * (for j->delay_ns) or JOB_RETRY (for a token); the engine arranges that. */
void salvo_complete(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *r);
/* The same for one order of a batch's answer: doc is the answer parsed
 * (NULL: none, or not JSON), index the order's place in the batch. */
struct cJSON;
void salvo_complete_member(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *r, const struct cJSON *doc,
                           unsigned index, unsigned n);

/* answer.c: a broker's answer read, for complete.c. */
/* One order of a batch's answer: the answer parsed once for the batch,
 * the order's place, and where its own element is (salvo_answer_locate). */
typedef struct salvo_batch_read {
    const struct cJSON *doc; /* NULL: none, not JSON, or cut off */
    unsigned index, n;       /* the order's place, and the batch's size */
    int found;               /* the answer has the order's own element, at element */
    char element[160];
} salvo_batch_read_t;
struct salvo_batch;
/* Find the order's own element: by its id in the lists (match), or in its
 * place, where the list has one an order and (element_id) names it. A
 * list of another length could put one order's answer on another: none
 * counts. */
void salvo_answer_locate(const struct salvo_batch *b, salvo_batch_read_t *br, const salvo_order_t *o);
/* What the profile's rules make of a whole answer (its rate-limit headers
 * read too): oc is replaced when a rule matches; msg gets the broker's
 * words for a non-accepted answer. The verdict, SALVO_V_NONE when no rule
 * decided. A ban stops the run. */
int salvo_answer_read(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep, int earlier_copy,
                      salvo_outcome_t *oc, char *msg, size_t msglen);
/* The same for one order of a batch, by the batch's rules at its element.
 * An answer that says "done" but has no element for the order, or an
 * element no rule reads, leaves it unknown: a batch's 2xx says the broker
 * read the request, not what it did with each order. */
int salvo_answer_read_member(struct salvo_engine *e, salvo_job_t *j, const salvo_reply_t *rep,
                             const salvo_batch_read_t *br, int earlier_copy, salvo_outcome_t *oc, char *msg,
                             size_t msglen);
/* Hold every send for delay_ns (at most --retry-max-backoff): the broker
 * said to slow down. */
void salvo_answer_pause(struct salvo_engine *e, int64_t delay_ns);
/* A broker's words for a "no" that no profile read (issue 22: "error":
 * null left jq .error empty): an answer object's "error" and the first of
 * its message/reason/... strings, joined; else the start of a text answer. */
void salvo_answer_reason(const salvo_reply_t *rep, char *out, size_t cap);
int salvo_job_set_lookup(struct salvo_engine *e, salvo_job_t *j);

/* at.c: --at's start time and warm-up */
int salvo_at_start_warm(struct salvo_engine *e);
void salvo_at_schedule(struct salvo_engine *e, uv_timer_cb cb);
int salvo_at_tick(struct salvo_engine *e);
int salvo_at_reached(struct salvo_engine *e);
void salvo_at_warm_done(struct salvo_engine *e, salvo_job_t *w, const salvo_reply_t *r);

/* stop.c: every job the engine holds gets its result now (or, in flight,
 * when its answer comes; at once with SALVO_STOP_NOW). */
void salvo_stop_all(struct salvo_engine *e, int mode);

/* job.c */
salvo_job_t *salvo_job_alloc(struct salvo_engine *e);
void salvo_job_release(struct salvo_engine *e, salvo_job_t *j);
void salvo_job_report(struct salvo_engine *e, salvo_job_t *j, int status, const char *previous, const char *error);
void salvo_job_start(struct salvo_engine *e, salvo_job_t *j);
void salvo_job_finish(struct salvo_engine *e, salvo_job_t *j);
/* --batch: j leaves its batch (finished, or going on its own). */
void salvo_job_detach(struct salvo_engine *e, salvo_job_t *j);
void salvo_job_not_sent(struct salvo_engine *e, salvo_job_t *j, const char *why);
int salvo_job_prepare(struct salvo_engine *e, salvo_job_t *j, int64_t now);
/* The same, its tokens already taken. */
int salvo_job_prepare_paced(struct salvo_engine *e, salvo_job_t *j, int64_t now);
int salvo_job_journal_sent(struct salvo_engine *e, salvo_job_t *j);
void salvo_job_count_send(struct salvo_engine *e, salvo_job_t *j, int64_t now);
/* A profile's request for j, signed now, into j->wire: url and body, its
 * header lines before the idempotency header and shared (redact: a dry
 * run's, secrets as ***). 0, or a negative errno with j->errbuf saying why. */
int salvo_job_sign(struct salvo_engine *e, salvo_job_t *j, const salvo_profile_t *p, const char *url, const char *body,
                   size_t len, int redact, struct curl_slist *shared);

/* batch.c: --batch. gather: j may go now; with the orders waiting behind
 * it that may share its request (its group, as many as the limiters
 * allow), it goes as a batch: 1, every order started and the lead on
 * launch. 0: j goes alone (salvo_job_prepare), nothing was done. */
int salvo_batch_gather(struct salvo_engine *e, salvo_job_t *j, int64_t now);
/* The lead's answer, read for each order of its batch; each is then
 * finished, or waits (JOB_BACKOFF, JOB_RETRY) and is handed to wait(). */
void salvo_batch_complete(struct salvo_engine *e, salvo_job_t *lead, const salvo_reply_t *r,
                          void (*wait)(struct salvo_engine *, salvo_job_t *));
/* The lead's request could not go: its orders, the lead too, wait for
 * their next turn on their own (JOB_RETRY, through wait()), or are
 * finished not sent (why non-NULL). */
void salvo_batch_undo(struct salvo_engine *e, salvo_job_t *lead, const char *why,
                      void (*wait)(struct salvo_engine *, salvo_job_t *));
/* Can j share the lead's request (a placing attempt, the lead's values
 * of the profile's "group" columns)? */
struct salvo_batch;
int salvo_batch_may_ride(const struct salvo_batch *b, const salvo_job_t *lead, const salvo_job_t *j);
/* The lead's request: its members' bodies in the batch's body, signed
 * now (redact: a dry run's, secrets as ***). 0, or a negative errno with
 * lead->errbuf saying why. */
int salvo_batch_build(struct salvo_engine *e, salvo_job_t *lead, int redact);
int salvo_job_build_wire(struct salvo_engine *e, salvo_job_t *j, int redact);

#endif
