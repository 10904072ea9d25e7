/* Before anything is sent: the passes that read the whole input once
 * (--check, a cap over a file, a resume's check of the input), on the
 * tool's loop so a signal stops them; a stream is kept in a temporary
 * file first so it can be read twice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

int tool_is_regular(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static void on_spool_closed(uv_handle_t *h) { (void)h; }

void tool_stop_spooling(tool_t *tl)
{
    if (!tl->spooling)
        return;
    tl->spooling = 0;
    uv_close((uv_handle_t *)&tl->spool_in, on_spool_closed);
}

static void on_spool_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    tool_t *tl = h->data;
    *buf = uv_buf_init(tl->spool_buf, sizeof tl->spool_buf);
}

static void on_spool_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    tool_t *tl = s->data;
    if (n > 0 && write(tl->spool_fd, buf->base, (size_t)n) != n)
        tl->spool_error = errno ? errno : EIO;
    if ((n < 0 && n != UV_EOF) || tl->spool_error) {
        if (!tl->spool_error)
            tl->spool_error = (int)-n;
    }
    if (n < 0 || tl->spool_error)
        tool_stop_spooling(tl);
}

/* --check on a stream: keep a copy in an unlinked temporary file, so the
 * input can be read twice. Read on the loop: a signal stops it. 0, or an
 * errno (or -1 for a signal). */
static int spool_input(tool_t *tl, int fd, int *out)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/salvo-check-XXXXXX", dir && *dir ? dir : "/tmp");
    int t = mkstemp(path);
    if (t < 0)
        return errno;
    unlink(path);
    tl->spool_fd = t;
    int dupfd = dup(fd);
    int r = dupfd < 0 ? -errno : uv_pipe_init(&tl->loop, &tl->spool_in, 0);
    if (r == 0) {
        tl->spool_in.data = tl;
        tl->spooling = 1;
        if ((r = uv_pipe_open(&tl->spool_in, dupfd)) == 0)
            r = uv_read_start((uv_stream_t *)&tl->spool_in, on_spool_alloc, on_spool_read);
        if (r < 0)
            tool_stop_spooling(tl);
    }
    if (r == 0)
        uv_run(&tl->loop, UV_RUN_DEFAULT);
    else
        tl->spool_error = -r;
    if (tl->signal) {
        close(t);
        return -1;
    }
    if (tl->spool_error || lseek(t, 0, SEEK_SET) < 0) {
        int e = tl->spool_error ? tl->spool_error : errno;
        close(t);
        return e;
    }
    *out = t;
    return 0;
}


/* A stream read twice: keep a copy first. -1 to go on, or an exit code. */
static int make_rereadable(tool_t *tl, const char *why)
{
    salvo_args_t *a = tl->a;
    if (tool_is_regular(a->cfg.input_fd))
        return -1;
    int fd = -1, e = spool_input(tl, a->cfg.input_fd, &fd);
    if (e == -1) {
        fprintf(stderr, "salvo: %s while reading %s: nothing was sent\n", tool_signal_words(tl->signal), tool_input_name(a));
        return tool_exit_for_signal(tl->signal);
    }
    if (e) {
        fprintf(stderr, "salvo: %s: cannot keep a copy of %s: %s\n", why, tool_input_name(a), strerror(e));
        return SALVO_EXIT_IO;
    }
    a->cfg.input_fd = fd;
    return -1;
}

/* One pass over the whole input, sending nothing: the bad rows go to
 * stderr when --check asked for them, the valid orders' ids into collect.
 * -1 to go on, or an exit code (said). */
static int check_pass(tool_t *tl, salvo_idmap_t *collect)
{
    salvo_args_t *a = tl->a;
    salvo_config_t chk = a->cfg;
    chk.check_only = 1;
    chk.journal = NULL;
    chk.resume = NULL;
    tl->checking = 1;
    tl->collect = collect;
    tl->collect_oom = 0;
    int r = tool_run_engine(tl, &chk);
    tl->checking = 0;
    tl->collect = NULL;
    const salvo_stats_t *st = &tl->st;
    if (r < 0)
        return SALVO_EXIT_IO;
    if (tl->signal) {
        fprintf(stderr, "salvo: %s while checking %s: nothing was sent\n", tool_signal_words(tl->signal),
                tool_input_name(a));
        return tool_exit_for_signal(tl->signal);
    }
    if (st->stop_reason == SALVO_STOP_SETUP) {
        fprintf(stderr, "salvo: %s\n", st->setup_error);
        return SALVO_EXIT_USAGE;
    }
    if (st->input_error || tl->collect_oom) {
        fprintf(stderr, "salvo: reading %s: %s\n", tool_input_name(a),
                tl->collect_oom ? "out of memory" : strerror(st->input_error));
        return SALVO_EXIT_IO;
    }
    tl->input_rows = st->orders; /* the progress line's total */
    return -1;
}

/* The pass read the input: back to its start for the next one. */
static int rewind_input(tool_t *tl)
{
    if (lseek(tl->a->cfg.input_fd, 0, SEEK_SET) < 0) {
        fprintf(stderr, "salvo: cannot rewind %s: %s\n", tool_input_name(tl->a), strerror(errno));
        return SALVO_EXIT_IO;
    }
    return -1;
}

/* Read the whole input once and send nothing: --check, and the caps when
 * the input is a file (nothing goes out if the file is over them). */
int tool_precheck(tool_t *tl)
{
    salvo_args_t *a = tl->a;
    salvo_config_t *c = &a->cfg;
    /* --check-profile's cap of one row is its own (it shows the first), not
     * a --max-orders the file could be over */
    int caps = !a->check_profile && (c->max_orders || c->max_notional > 0);
    if (!a->check && !(caps && tool_is_regular(c->input_fd)))
        return -1;
    int code = make_rereadable(tl, "--check");
    if (code < 0)
        code = check_pass(tl, NULL);
    if (code >= 0)
        return code;
    const salvo_stats_t *st = &tl->st;
    if (a->check && st->count[SALVO_INVALID]) {
        fprintf(stderr, "salvo: --check: %llu of %llu rows are invalid (listed above); nothing was sent\n",
                (unsigned long long)st->count[SALVO_INVALID], (unsigned long long)st->orders);
        return SALVO_EXIT_USAGE;
    }
    if (c->max_orders && st->valid > c->max_orders) {
        fprintf(stderr, "salvo: %s holds %llu orders, over --max-orders %llu; nothing was sent\n", tool_input_name(a),
                (unsigned long long)st->valid, (unsigned long long)c->max_orders);
        return SALVO_EXIT_USAGE;
    }
    if (c->max_notional > 0 && st->notional > c->max_notional * (1 + 1e-12)) {
        fprintf(stderr, "salvo: %s holds LIMIT orders worth %.10g, over --max-notional %.10g; nothing was sent\n",
                tool_input_name(a), st->notional, c->max_notional);
        return SALVO_EXIT_USAGE;
    }
    if ((code = rewind_input(tl)) >= 0)
        return code;
    if (a->check)
        fprintf(stderr, "salvo: --check: %llu rows, all valid\n", (unsigned long long)st->orders);
    return -1;
}

/* --resume: read the whole input once, with the journal's ids, and refuse
 * it unless it holds every order the journal records. */
int tool_check_resumed_input(tool_t *tl, salvo_jindex_t *ix)
{
    salvo_args_t *a = tl->a;
    if (ix->records == 0)
        return -1;
    int code = make_rereadable(tl, "--resume");
    if (code >= 0)
        return code;
    salvo_idmap_t ids = {0};
    char err[512];
    code = check_pass(tl, &ids);
    if (code < 0 && salvo_journal_check_input(a->cfg.journal, ix, &ids, err, sizeof err) < 0) {
        fprintf(stderr, "salvo: --journal %s: %s\n", a->journal_path, err);
        code = SALVO_EXIT_USAGE;
    }
    if (code < 0)
        code = rewind_input(tl);
    salvo_idmap_free(&ids);
    return code;
}
