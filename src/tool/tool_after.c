/* --cancel-after DUR: DUR after --at's TIME (or the send's start), the
 * send stops sending (what is in flight is answered), and every order it
 * placed or may have placed (accepted, duplicate, unknown) is cancelled
 * with the profile's cancel request, as salvo cancel would, into the same
 * results. A signal before the cancel starts cancels nothing, and says how
 * to (salvo cancel RESULTS). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"
#include "tool_msgs.h"
#include "tool_op.h"
#include "util.h"

static void on_cancel_time(uv_timer_t *t)
{
    tool_t *tl = t->data;
    if (salvo_unix_us() < tl->cancel_at_us) { /* early by the clock: wait out the rest */
        tool_timer_at(t, tl->cancel_at_us, on_cancel_time);
        return;
    }
    tl->cancel_due = 1;
    if (tl->engine && !tl->engine_done) /* the send is still going: the rest is not sent */
        salvo_engine_stop(tl->engine, SALVO_STOP_DRAIN, "--cancel-after: its time came");
}

int tool_after_arm(tool_t *tl, int64_t start_unix_us)
{
    const salvo_args_t *a = tl->a;
    if (a->cancel_after_ns == 0)
        return 0;
    if ((tl->live = tmpfile()) == NULL)
        return -errno;
    tl->cancel_at_us = (a->at_unix_us ? a->at_unix_us : start_unix_us) + a->cancel_after_ns / 1000;
    uv_timer_init(&tl->loop, &tl->cancel_timer);
    tl->cancel_timer.data = tl;
    tl->cancel_armed = 1;
    tool_timer_at(&tl->cancel_timer, tl->cancel_at_us, on_cancel_time);
    uv_unref((uv_handle_t *)&tl->cancel_timer); /* the send's loop ends when the send does */
    return 0;
}

/* Wait for the cancel's time; 0, or the signal that came first. */
static int wait_for_time(tool_t *tl)
{
    uv_ref((uv_handle_t *)&tl->cancel_timer);
    while (!tl->cancel_due && !tl->signal)
        uv_run(&tl->loop, UV_RUN_ONCE);
    uv_timer_stop(&tl->cancel_timer);
    return tl->signal;
}

/* The cancel's configuration: the send's (timeouts, TLS, headers,
 * redaction), with the profile's cancel request and limits, its orders
 * from the spool, and none of what only the send does (the journal, --at,
 * caps, resends, batches, the input's format and defaults). */
static int cancel_config(tool_t *tl, salvo_config_t *c, int fd)
{
    const salvo_args_t *a = tl->a;
    *c = a->cfg;
    c->body = NULL, c->profile = NULL, c->journal = NULL, c->resume = NULL;
    c->input_fd = fd, c->format = SALVO_FORMAT_JSONL, c->delim = ',', c->no_header = 0;
    c->start_at_unix_us = 0, c->warm = 0, c->warm_url = NULL, c->max_orders = 0, c->max_notional = 0;
    c->reconcile_url = NULL, c->reconcile_pointer = NULL, c->resend_unknown = 0, c->retry_ambiguous = 0;
    c->idempotency_header = NULL, c->dry_run = 0, c->check_only = 0;
    c->batch = 0, c->batch_url = NULL; /* a cancel is one request an order */
    c->defaults.quantity = c->defaults.side = c->defaults.type = NULL;
    salvo_config_t d; /* the pace is the profile's, else none: not the send's flags */
    salvo_config_init(&d);
    c->rate = d.rate, c->burst = d.burst, c->window_n = d.window_n, c->window_ns = d.window_ns;
    c->rate_per_cols = d.rate_per_cols, c->rate_per_n = d.rate_per_n, c->rate_per_ns = d.rate_per_ns;
    c->rate_per_values = d.rate_per_values, c->concurrency = d.concurrency;
    /* the profile's cancel limits (its section's, else the profile's), not
     * the send's flags: a kill switch is not held to the order pace */
    unsigned flags = SALVO_PROFILE_NO_BODY | (a->sandbox ? SALVO_PROFILE_SANDBOX : 0);
    char err[320];
    int r = salvo_config_apply_profile(c, a->cancel_profile, flags, err, sizeof err);
    if (r == 0)
        r = salvo_profile_new_body(&c->body, a->cancel_profile, c->url, err, sizeof err);
    if (r < 0)
        fprintf(stderr, "salvo: --cancel-after: %s\n", r == -ENOMEM ? "out of memory" : err);
    return r;
}

int tool_after_cancel(tool_t *tl, int *ran)
{
    const salvo_args_t *a = tl->a;
    *ran = 0;
    if (tl->live == NULL)
        return -1;
    long live = fflush(tl->live) == 0 ? ftell(tl->live) : -1;
    if (tl->live_error || live < 0) {
        fprintf(stderr, "salvo: --cancel-after: the orders to cancel could not be kept: nothing was cancelled; "
                        "salvo cancel --broker %s RESULTS cancels them\n", a->broker);
        return SALVO_EXIT_IO;
    }
    if (live == 0) {
        fprintf(stderr, "salvo: --cancel-after: no order may be live: nothing to cancel\n");
        return -1;
    }
    if (tl->signal || wait_for_time(tl)) {
        fprintf(stderr, "salvo: --cancel-after: %s before the cancel: nothing was cancelled; "
                        "salvo cancel --broker %s RESULTS cancels what may be live\n",
                tool_signal_words(tl->signal), a->broker);
        return -1;
    }
    int fd = fseek(tl->live, 0, SEEK_SET) == 0 ? fcntl(fileno(tl->live), F_DUPFD_CLOEXEC, 0) : -1;
    if (fd < 0) {
        fprintf(stderr, "salvo: --cancel-after: %s\n", strerror(errno));
        return SALVO_EXIT_IO;
    }
    salvo_config_t c;
    if (cancel_config(tl, &c, fd) < 0) {
        close(fd);
        salvo_body_free(c.body);
        fprintf(stderr, "salvo: --cancel-after: nothing was cancelled; salvo cancel --broker %s RESULTS cancels what "
                        "may be live\n", a->broker);
        return SALVO_EXIT_USAGE;
    }
    fprintf(stderr, "salvo: --cancel-after: cancelling what may be live\n");
    snprintf(tl->cancel_run, sizeof tl->cancel_run, "%s-cancel", tl->run_id);
    tl->out.run = tl->cancel_run;
    *ran = 1;
    int r = tool_run_engine(tl, &c);
    tl->out.run = tl->run_id;
    salvo_body_free(c.body);
    close(fd);
    return r < 0 ? SALVO_EXIT_IO : -1;
}

void tool_after_close(tool_t *tl)
{
    if (tl->cancel_armed) {
        uv_close((uv_handle_t *)&tl->cancel_timer, NULL);
        tl->cancel_armed = 0;
    }
    if (tl->live)
        fclose(tl->live);
    tl->live = NULL;
}
