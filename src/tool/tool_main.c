/* salvo: the command-line front end over libsalvo. It alone owns the
 * process: arguments, the loop, signals, the send, the summary, the exit
 * code. What the run needs before its first order: tool_setup.c. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include <curl/curl.h>
#include <uv.h>

#include "salvo/salvo.h"
#include "tool.h"
#include "tool_args.h"
#include "tool_broker.h"
#include "tool_msgs.h"
#include "tool_output.h"
#include "tool_report.h"
#include "tool_setup.h"
#include "tool_summary.h"
#include "tool_trace.h"
#include "util.h"


/* ================= signals ================= */

static void on_drain_timeout(uv_timer_t *t)
{
    tool_t *tl = t->data;
    if (tl->engine && !tl->engine_done)
        salvo_engine_stop(tl->engine, SALVO_STOP_NOW, "--drain-timeout passed");
}

/* The first signal drains: no new sends, answers in flight are awaited (up
 * to --drain-timeout); a second one stops waiting. Before the first send,
 * nothing is sent at all. */
static void on_signal(uv_signal_t *h, int signum)
{
    tool_t *tl = h->data;
    tl->nsignals++;
    if (!tl->signal)
        tl->signal = signum;
    if (tl->spooling)
        tool_stop_spooling(tl);
    if (tl->engine == NULL || tl->engine_done)
        return;
    if (tl->nsignals > 1) {
        salvo_engine_stop(tl->engine, SALVO_STOP_NOW, "a second signal stopped the wait");
        return;
    }
    salvo_engine_stop(tl->engine, SALVO_STOP_DRAIN, tool_signal_words(signum));
    uv_timer_start(&tl->drain, on_drain_timeout, tl->a->drain_timeout_ns / 1000000, 0);
}

static int watch_signals(tool_t *tl)
{
    uv_signal_t *hs[] = {&tl->sigint, &tl->sigterm};
    int nums[] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
        int r = uv_signal_init(&tl->loop, hs[i]);
        if (r == 0)
            r = uv_signal_start(hs[i], on_signal, nums[i]);
        if (r < 0)
            return r;
        hs[i]->data = tl;
        uv_unref((uv_handle_t *)hs[i]);
    }
    uv_timer_init(&tl->loop, &tl->drain);
    tl->drain.data = tl;
    uv_unref((uv_handle_t *)&tl->drain);
    return 0;
}


/* ================= after ================= */

static void report_stop(const tool_t *tl)
{
    const salvo_args_t *a = tl->a;
    const salvo_config_t *c = &a->cfg;
    const salvo_stats_t *st = &tl->st;
    if (st->input_error)
        fprintf(stderr, "salvo: reading %s: %s\n", tool_input_name(a), strerror(st->input_error));
    if (st->stop_reason == SALVO_STOP_SETUP)
        fprintf(stderr, "salvo: %s\n", st->setup_error);
    if (tl->out.error && tl->out.error != EPIPE)
        fprintf(stderr, "salvo: writing results: %s\n", strerror(tl->out.error));
    if (tl->out.error && tl->out.lost)
        fprintf(stderr, "salvo: %llu results could not be written%s\n", (unsigned long long)tl->out.lost,
                a->journal_path ? "; the journal holds every order's outcome (--resume reads it)" : "");
    /* a file's rest was read and reported skipped; a stream's was not read */
    const char *rest = st->input_unread ? "not read or sent" : "not sent";
    if (st->stop_reason == SALVO_STOP_MAX_ORDERS)
        fprintf(stderr, "salvo: --max-orders %llu reached: the rest of %s was %s\n",
                (unsigned long long)c->max_orders, tool_input_name(a), rest);
    if (st->stop_reason == SALVO_STOP_MAX_NOTIONAL)
        fprintf(stderr, "salvo: --max-notional %.10g reached: the rest of %s was %s\n", c->max_notional,
                tool_input_name(a), rest);
    if (st->journal_error)
        fprintf(stderr, "salvo: --journal %s: %s; the run stopped, orders in flight were recorded as far as possible\n",
                a->journal_path, strerror(-st->journal_error));
    if (st->invariant_broken)
        fprintf(stderr, "salvo: BUG: %llu orders were read but the results do not add up to that; "
                "please report it\n", (unsigned long long)st->orders);
    if (st->orders == 0 && !tl->signal && st->stop_reason == SALVO_STOP_NONE && !tl->out.error && a->op == SALVO_OP_SEND)
        fprintf(stderr, "salvo: %s holds no orders\n", tool_input_name(a));
}

/* An order whose line ends the run's job: a send placed it; a cancel
 * left nothing live (cancelled, or closed before); a lookup read its
 * state. Any other line makes the exit code 1 (unknown: 4): a not_found
 * too, for an order a send said was placed may mean a wrong URL or
 * account as well as an order that never arrived. */
static int status_is_done(int op, int status)
{
    static const unsigned done[] = {
        [SALVO_OP_SEND] = 1u << SALVO_ACCEPTED | 1u << SALVO_DUPLICATE,
        [SALVO_OP_CANCEL] = 1u << SALVO_CANCELLED | 1u << SALVO_ALREADY_CLOSED,
        [SALVO_OP_STATUS] = 1u << SALVO_OPEN | 1u << SALVO_PARTIALLY_FILLED | 1u << SALVO_FILLED |
                            1u << SALVO_CANCELLED | 1u << SALVO_REJECTED,
    };
    return status == SALVO_DRY_RUN || status == SALVO_SKIPPED || (done[op] >> status & 1u);
}

static int exit_code_of(const tool_t *tl, const salvo_stats_t *st, int op)
{
    if (tl->signal)
        return tool_exit_for_signal(tl->signal);
    if (st->input_error || tl->out.error || st->journal_error)
        return SALVO_EXIT_IO;
    if (st->stop_reason == SALVO_STOP_SETUP)
        return SALVO_EXIT_USAGE;
    /* an order that may be at the broker outranks one that is not: the
     * first needs a human at the broker, the second a fixed input */
    if (st->count[SALVO_UNKNOWN] > 0 || st->invariant_broken)
        return SALVO_EXIT_UNKNOWN;
    if (st->stop_reason != SALVO_STOP_NONE || tl->a->op_unread)
        return SALVO_EXIT_NOT_ACCEPTED;
    if (st->orders == 0) /* a cancel with nothing live to cancel is done */
        return op == SALVO_OP_CANCEL ? SALVO_EXIT_OK : SALVO_EXIT_NOT_ACCEPTED;
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        if (!status_is_done(op, i) && st->count[i] > 0)
            return SALVO_EXIT_NOT_ACCEPTED;
    return SALVO_EXIT_OK;
}

static int exit_code(const tool_t *tl) { return exit_code_of(tl, &tl->st, tl->a->op); }

/* Of two exit codes, the one the documented order puts first: a signal,
 * I/O, usage, unknown, not accepted, done. */
static int first_exit_code(int x, int y)
{
    static const int order[] = {SALVO_EXIT_SIGINT, SALVO_EXIT_SIGTERM, SALVO_EXIT_IO, SALVO_EXIT_USAGE,
                                SALVO_EXIT_UNKNOWN, SALVO_EXIT_NOT_ACCEPTED};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (x == order[i] || y == order[i])
            return order[i];
    return SALVO_EXIT_OK;
}

/* Hand the last lines over and wait for them to be written. */
static void finish_output(tool_t *tl)
{
    tool_out_flush(&tl->out);
    uv_run(&tl->loop, UV_RUN_DEFAULT);
    tool_out_close(&tl->out);
    uv_run(&tl->loop, UV_RUN_DEFAULT);
}

/* --at fires by this machine's clock: say so when nobody keeps it right. */
static void warn_unsynced_clock(void)
{
    struct timex tx = {0};
    int state = adjtimex(&tx);
    if (state == TIME_ERROR || (tx.status & STA_UNSYNC))
        fprintf(stderr, "salvo: warning: the system clock is not synchronised (no NTP); --at fires by it\n");
}

/* --at: the moment, handed to the engine only now (the check pass came
 * first, and must not wait for it); the engine takes it onto the monotonic
 * clock when it starts. -1 to go on, or an exit code. */
static int arm_start_time(tool_t *tl)
{
    salvo_args_t *a = tl->a;
    if (a->at_unix_us == 0)
        return -1;
    int64_t ahead_us = a->at_unix_us - salvo_unix_us();
    if (ahead_us <= 0 && !a->at_late) {
        fprintf(stderr, "salvo: --at %s passed while the input was being checked; nothing was sent "
                        "(--at-late fires at once)\n", a->at);
        return SALVO_EXIT_USAGE;
    }
    a->cfg.start_at_unix_us = a->at_unix_us; /* passed (--at-late): at once, offsets still from it */
    warn_unsynced_clock();
    return -1;
}

/* A run's id: 8 hex digits from the start time and the pid, enough to
 * tell apart the runs appended to one file. */
static void make_run_id(tool_t *tl)
{
    uint64_t x = (uint64_t)salvo_unix_us() ^ ((uint64_t)getpid() << 40);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    snprintf(tl->run_id, sizeof tl->run_id, "%08x", (unsigned)(x & 0xffffffffu));
}

/* --cancel-after's part of the run, after the send: what it did. */
typedef struct after {
    int ran;          /* a cancel was sent */
    int code;         /* an exit code it said, or -1 */
    tool_agg_t agg;   /* its results, when it ran */
    salvo_stats_t st;
} after_t;

/* The cancel runs on the same loop and output; the send's figures are
 * kept for its own summary. */
static void cancel_after_send(tool_t *tl, after_t *af)
{
    salvo_stats_t send_st = tl->st;
    tool_agg_t send_agg = tl->agg;
    tool_agg_init(&tl->agg);
    af->code = tool_after_cancel(tl, &af->ran);
    af->agg = tl->agg;
    af->st = tl->st;
    tl->st = send_st;
    tl->agg = send_agg;
}

/* The cancel's summary after the send's; the exit code of the two. */
static int report_cancel_after(tool_t *tl, const after_t *af, int code)
{
    if (af->ran) {
        tool_agg_t g = af->agg;
        tool_live_t live = {.st = &af->st};
        snprintf(g.run, sizeof g.run, "%s", tl->cancel_run);
        tool_summary_print(&g, &live, 2); /* after the send's, in order */
        code = first_exit_code(code, exit_code_of(tl, &af->st, SALVO_OP_CANCEL));
    }
    return af->code >= 0 ? first_exit_code(code, af->code) : code;
}

static int send_orders(tool_t *tl)
{
    salvo_args_t *a = tl->a;
    make_run_id(tl);
    int code = arm_start_time(tl);
    if (code >= 0)
        return code;
    int r = tool_out_init(&tl->out, &tl->loop, a->output_fd);
    if (r < 0) {
        fprintf(stderr, "salvo: cannot write results: %s\n", uv_strerror(r));
        return SALVO_EXIT_IO;
    }
    tl->out.run = tl->run_id[0] ? tl->run_id : NULL;
    tool_watch_output(tl);
    if ((r = tool_after_arm(tl, salvo_unix_us())) < 0) {
        fprintf(stderr, "salvo: --cancel-after: %s\n", strerror(-r));
        return SALVO_EXIT_IO;
    }
    if (tool_progress_wanted(a->quiet, a->output_fd, a->cfg.input_fd) &&
        tool_progress_start(&tl->progress, &tl->loop, (const salvo_engine_t *const *)&tl->engine, tl->input_rows,
                            &a->cfg) < 0)
        tool_progress_stop(&tl->progress); /* no line, then */
    r = tool_run_engine(tl, &a->cfg);
    tool_progress_stop(&tl->progress); /* erased before anything else is said */
    after_t af = {.code = -1};
    if (r == 0)
        cancel_after_send(tl, &af);
    finish_output(tl);
    if (r < 0)
        return r == -EINVAL ? SALVO_EXIT_USAGE : SALVO_EXIT_IO;
    int jr = salvo_journal_close(a->cfg.journal);
    a->cfg.journal = NULL;
    if (jr < 0 && !tl->st.journal_error)
        tl->st.journal_error = jr;
    if (a->trace && (r = salvo_trace_close(a->trace)) < 0)
        fprintf(stderr, "salvo: --trace %s: %s\n", a->trace_path, strerror(-r));
    a->trace = NULL;
    report_stop(tl);
    tool_live_t live = {.st = &tl->st, .at_unix_us = a->at_unix_us};
    tl->agg.target_rate = a->cfg.rate;
    tl->agg.workers = a->cfg.exec_argv != NULL;
    snprintf(tl->agg.run, sizeof tl->agg.run, "%s", tl->run_id);
    /* an input the configuration cannot read: the message is the news, not "0 orders" */
    if (!(tl->st.stop_reason == SALVO_STOP_SETUP && tl->agg.orders == 0))
        tool_summary_print(&tl->agg, &live, 2);
    tool_agg_t after_g = af.agg;
    tool_live_t after_live = {.st = &af.st};
    snprintf(after_g.run, sizeof after_g.run, "%s", tl->cancel_run);
    if (a->summary_json && (r = tool_summary_write_json(&tl->agg, &live, tl->signal, af.ran ? &after_g : NULL,
                                                        &after_live, a->summary_json)) < 0) {
        fprintf(stderr, "salvo: --summary-json %s: %s\n", a->summary_json, strerror(-r));
        return SALVO_EXIT_IO;
    }
    return report_cancel_after(tl, &af, exit_code(tl));
}

static int run(tool_t *tl, salvo_jindex_t *ix)
{
    int code = tool_setup(tl, ix);
    if (code >= 0)
        return code;
    code = send_orders(tl);
    /* a check that passes without the keys would say the run is ready */
    int sc = tl->a->check_profile && code == SALVO_EXIT_OK ? tool_broker_check_secrets(tl->a) : -1;
    return sc >= 0 ? sc : code;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return tool_report_main(argc - 1, argv + 1);
    int op = argc > 1 && strcmp(argv[1], "cancel") == 0   ? SALVO_OP_CANCEL
             : argc > 1 && strcmp(argv[1], "status") == 0 ? SALVO_OP_STATUS
                                                          : SALVO_OP_SEND;
    salvo_args_t a;
    int code = op == SALVO_OP_SEND ? salvo_args_parse(&a, argc, argv) : salvo_args_parse_op(&a, op, argc - 1, argv + 1);
    if (code < 0)
        code = salvo_args_check_environment(&a);
    if (code >= 0) {
        salvo_args_free(&a);
        return code;
    }
    if ((code = tool_setup_limits(&a.cfg)) >= 0) {
        salvo_args_free(&a);
        return code;
    }
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE we handle */
    signal(SIGXFSZ, SIG_IGN); /* a file over ulimit -f is an EFBIG we handle */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tool_t *tl = calloc(1, sizeof *tl);
    salvo_jindex_t ix;
    memset(&ix, 0, sizeof ix);
    int r = tl ? uv_loop_init(&tl->loop) : UV_ENOMEM;
    if (r < 0) {
        fprintf(stderr, "salvo: cannot start: %s\n", r == UV_EMFILE || r == UV_ENFILE
                                                        ? "too many open files (raise them: ulimit -n)"
                                                        : uv_strerror(r));
        code = SALVO_EXIT_IO;
    } else {
        tl->a = &a;
        tool_redact_init(&tl->redact, &a.secrets);
        if (watch_signals(tl) < 0) {
            fprintf(stderr, "salvo: cannot watch signals\n");
            code = SALVO_EXIT_IO;
        } else {
            code = run(tl, &ix);
        }
        uv_close((uv_handle_t *)&tl->sigint, NULL);
        uv_close((uv_handle_t *)&tl->sigterm, NULL);
        uv_close((uv_handle_t *)&tl->drain, NULL);
        tool_after_close(tl);
        uv_run(&tl->loop, UV_RUN_DEFAULT);
        uv_loop_close(&tl->loop);
        tool_redact_free(&tl->redact);
    }
    tool_setup_close(&a, &ix); /* the journal and trace when run() stopped early */
    curl_global_cleanup();
    salvo_args_free(&a);
    free(tl);
    return code;
}
