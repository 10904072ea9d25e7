/* Before the first order: the run's parts built from the arguments (the
 * body from --body-template or the profile), the input and the results
 * file opened, the check passes run, the journal opened (and on --resume
 * read), the trace opened. tool_main.c -> tool_setup.c -> tool_prepass.c:
 * nothing here calls back up. See tool_setup.h. */
#include "tool_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "salvo/salvo.h"
#include "tool_broker.h"
#include "tool_msgs.h"
#include "tool_op.h"
#include "tool_trace.h"
#include "util.h"

/* A body template bigger than this is not one (the old reader stopped at 16 MB too). */
#define BODY_TEMPLATE_MAX (1u << 24)

/* Before the loop exists: it needs descriptors of its own. */
int tool_setup_limits(const salvo_config_t *c)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)c->concurrency + 3 * (rlim_t)c->workers + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return -1;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) {
        char knob[48];
        if (c->exec_argv)
            snprintf(knob, sizeof knob, "--workers %u", c->workers);
        else
            snprintf(knob, sizeof knob, "--concurrency %u", c->concurrency);
        fprintf(stderr, "salvo: too many open files: %s needs %llu, the limit is %llu (raise it: ulimit -n %llu; "
                        "or lower %.*s)\n",
                knob, (unsigned long long)need, (unsigned long long)rl.rlim_max, (unsigned long long)need,
                (int)strcspn(knob, " "), knob);
        return SALVO_EXIT_USAGE;
    }
    return -1;
}

/* The profile's body (and its MARKET one), else the default, shaped by
 * the profile. */
static int profile_body(salvo_args_t *a)
{
    char err[320];
    int r = salvo_profile_new_body(&a->cfg.body, a->profile, a->cfg.url, err, sizeof err);
    if (r == -ENOMEM)
        return out_of_memory();
    if (r < 0) {
        fprintf(stderr, "salvo: --broker %s: %s\n", a->broker, err);
        return SALVO_EXIT_USAGE;
    }
    return -1;
}

static int load_template(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    char err[320];
    if (a->body_template == NULL && a->profile)
        return profile_body(a);
    if (a->op != SALVO_OP_SEND) /* --url's cancel or lookup: the URL names the order, the body says nothing */
        return salvo_body_new_template(&c->body, "{}", 2, err, sizeof err) == 0 ? -1 : out_of_memory();
    if (a->body_template == NULL)
        return salvo_body_new_default(&c->body) == 0 ? -1 : out_of_memory();
    size_t len;
    char *text = salvo_read_path(a->body_template, BODY_TEMPLATE_MAX, &len);
    if (text == NULL) {
        fprintf(stderr, "salvo: --body-template %s: %s\n", a->body_template, strerror(errno));
        return SALVO_EXIT_USAGE;
    }
    int r = salvo_body_new_template(&c->body, text, len, err, sizeof err);
    free(text);
    if (r == -ENOMEM)
        return out_of_memory();
    if (r < 0) {
        fprintf(stderr, "salvo: --body-template %s: %s\n", a->body_template, err);
        return SALVO_EXIT_USAGE;
    }
    return -1;
}

static int load_body(salvo_args_t *a)
{
    int r = load_template(a);
    if (r < 0)
        r = tool_broker_shape_body(a);
    if (r < 0 && a->op != SALVO_OP_SEND && a->journal_path == NULL) /* from results: their columns only */
        r = tool_op_check_columns(a->cfg.body, a->broker ? a->broker : "--url", a->op);
    return r;
}

/* --check-profile without a file: one sample row naming every column the
 * profile's body and URL use. */
static int sample_input(salvo_args_t *a)
{
    static const char *const canon[] = {"symbol", "price", "quantity", "side", "type"};
    static const char *const value[] = {"BTCUSDT", "50000.5", "1", "BUY", "LIMIT"};
    char head[2048], row[2048];
    size_t hn = 0, rn = 0;
    for (size_t i = 0; i < 5; i++) {
        hn += (size_t)snprintf(head + hn, sizeof head - hn, "%s%s", i ? "," : "", canon[i]);
        rn += (size_t)snprintf(row + rn, sizeof row - rn, "%s%s", i ? "," : "", value[i]);
    }
    const char *const *names;
    size_t n = salvo_body_columns(a->cfg.body, &names);
    salvo_layout_t l;
    if (salvo_layout_init(&l, NULL, 0) < 0)
        return out_of_memory();
    for (size_t i = 0; i < n && hn + 80 < sizeof head && rn + 80 < sizeof row; i++) {
        if (salvo_layout_find(&l, names[i]) >= 0 || salvo_body_is_pseudo(names[i]))
            continue;
        hn += (size_t)snprintf(head + hn, sizeof head - hn, ",%s", names[i]);
        rn += (size_t)snprintf(row + rn, sizeof row - rn, ",SAMPLE");
    }
    salvo_layout_free(&l);
    int fd[2];
    if (pipe(fd) < 0) {
        fprintf(stderr, "salvo: --check-profile: %s\n", strerror(errno));
        return SALVO_EXIT_IO;
    }
    fcntl(fd[0], F_SETFD, FD_CLOEXEC);
    dprintf(fd[1], "%s\n%s\n", head, row); /* well under a pipe's buffer */
    close(fd[1]);
    a->cfg.input_fd = fd[0];
    return -1;
}

/* A results file that holds something is added to (--append, and
 * --resume: the first run's lines are the only copy of the broker's
 * answers), cut by --force only once every check before the first order
 * has passed (keep_or_cut_output), or else refused: it may have been
 * written since salvo_args_check_environment looked. */
static int adds_to_output(const salvo_args_t *a)
{
    return a->append || (a->resume && !a->force);
}

static int open_output(salvo_args_t *a)
{
    struct stat st;
    if (a->output_path == NULL)
        return -1;
    int fd = open(a->output_path, O_WRONLY | O_CREAT | O_CLOEXEC | (adds_to_output(a) ? O_APPEND : 0), 0644);
    if (fd < 0) {
        fprintf(stderr, "salvo: cannot write %s: %s\n", a->output_path, strerror(errno));
        return SALVO_EXIT_IO;
    }
    if (!adds_to_output(a) && !a->force && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        close(fd);
        return tool_output_not_empty(a->output_path, (long long)st.st_size);
    }
    a->output_fd = fd;
    return -1;
}

/* The last step before the first order: --force cuts the results file,
 * a --resume says it adds to it. */
static int keep_or_cut_output(const salvo_args_t *a)
{
    struct stat st;
    if (a->output_path == NULL || fstat(a->output_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return -1;
    if (a->force && ftruncate(a->output_fd, 0) < 0) {
        fprintf(stderr, "salvo: cannot write %s: %s\n", a->output_path, strerror(errno));
        return SALVO_EXIT_IO;
    }
    if (a->resume && !a->append && !a->force)
        fprintf(stderr, "salvo: -o %s: --resume adds this run's results after the %lld bytes there "
                        "(--force overwrites)\n", a->output_path, (long long)st.st_size);
    return -1;
}

static void on_at(uv_timer_t *t) { (void)t; }

/* salvo cancel|status --at TIME: what they read (the results, or the
 * send's journal) is read at TIME, so that what the send wrote since the
 * start is in; the cancels leave at once then. -1 to go on, or an exit
 * code (a signal came first: said). */
static int wait_for_at(tool_t *tl)
{
    salvo_args_t *a = tl->a;
    uv_timer_t t;
    uv_timer_init(&tl->loop, &t);
    /* by the wall clock: a timer may fire early (tool_timer_at) */
    while (a->at_unix_us && salvo_unix_us() < a->at_unix_us && !tl->signal) {
        tool_timer_at(&t, a->at_unix_us, on_at);
        while (uv_is_active((uv_handle_t *)&t) && !tl->signal)
            uv_run(&tl->loop, UV_RUN_ONCE);
        uv_timer_stop(&t);
    }
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&tl->loop, UV_RUN_NOWAIT);
    if (tl->signal) {
        fprintf(stderr, "salvo: %s before --at %s: nothing was read or sent\n", tool_signal_words(tl->signal), a->at);
        return tool_exit_for_signal(tl->signal);
    }
    a->at_unix_us = 0; /* the wait is over: the engine sends at once, on fresh connections */
    a->cfg.warm = 0;
    a->cfg.warm_url = NULL;
    return -1;
}

static int open_files(tool_t *tl)
{
    salvo_args_t *a = tl->a;
    salvo_config_t *c = &a->cfg;
    int sr;
    if (a->check_profile && a->input_path == NULL && (sr = sample_input(a)) >= 0)
        return sr;
    /* a cancel or lookup: the output first (a bad -o says so before any wait), then TIME */
    if (a->op != SALVO_OP_SEND && ((sr = open_output(a)) >= 0 || (sr = wait_for_at(tl)) >= 0))
        return sr;
    if (a->op != SALVO_OP_SEND && a->journal_path == NULL) /* from results; with --journal, the send's orders */
        return tool_op_input(a, &a->op_unread);
    if (a->input_path && strcmp(a->input_path, "-") != 0 &&
        (c->input_fd = open(a->input_path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "salvo: cannot read %s: %s\n", a->input_path, strerror(errno));
        return SALVO_EXIT_IO;
    }
    struct stat st;
    if (fstat(c->input_fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "salvo: %s is a directory, not a file of orders\n", tool_input_name(a));
        return SALVO_EXIT_USAGE;
    }
    return a->op == SALVO_OP_SEND ? open_output(a) : -1;
}

/* --resume: the journal's orders went where this run sends, or nothing
 * is sent (a resume elsewhere would skip orders that broker never had). */
static int check_journal_dest(const salvo_args_t *a, const salvo_jindex_t *ix, const salvo_jdest_t *dest)
{
    char err[1024];
    int r = salvo_jindex_check_dest(ix, dest, err, sizeof err);
    if (r == -ENOENT && a->resume_old_journal) {
        fprintf(stderr, "salvo: --journal %s: %s; --resume-old-journal: taken as sent where this run sends\n",
                a->journal_path, err);
        return -1;
    }
    if (r == -ENOENT) {
        fprintf(stderr,
                "salvo: --journal %s: %s: if they went where this run sends, pass --resume-old-journal; "
                "nothing was sent\n",
                a->journal_path, err);
        return SALVO_EXIT_USAGE;
    }
    if (r < 0) {
        fprintf(stderr, "salvo: --journal %s: %s\n", a->journal_path, err);
        return SALVO_EXIT_USAGE;
    }
    return -1;
}

/* Open the journal; on --resume, take the ids of the run it records. */
static int open_journal(tool_t *tl, salvo_jindex_t *ix)
{
    salvo_args_t *a = tl->a;
    salvo_config_t *c = &a->cfg;
    char err[320];
    int flags = (a->resume ? SALVO_JOURNAL_RESUME : 0) | (a->fsync ? SALVO_JOURNAL_FSYNC : 0);
    int r = salvo_journal_open(&c->journal, a->journal_path, flags, ix, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "salvo: --journal %s: %s\n", a->journal_path, err);
        return r == -EINVAL || r == -EEXIST || r == -EBUSY ? SALVO_EXIT_USAGE : SALVO_EXIT_IO;
    }
    const salvo_jdest_t dest = {.url = a->exec_cmd ? NULL : c->url,
                                .exec = a->exec_cmd,
                                .profile = a->profile ? salvo_profile_name(a->profile) : NULL,
                                .sandbox = a->sandbox};
    int code;
    if (a->resume && (code = check_journal_dest(a, ix, &dest)) >= 0)
        return code;
    if (ix->id_prefix[0]) {
        if (a->id_prefix_given && strcmp(a->id_prefix, ix->id_prefix) != 0) {
            fprintf(stderr, "salvo: --journal %s was written with --id-prefix %s, not %s; nothing was sent\n",
                    a->journal_path, ix->id_prefix, a->id_prefix);
            return SALVO_EXIT_USAGE;
        }
        /* The earlier run's ids, even for stdin or after midnight. */
        free(a->id_prefix);
        if ((a->id_prefix = strdup(ix->id_prefix)) == NULL)
            return out_of_memory();
        c->defaults.id_prefix = a->id_prefix;
    }
    if (a->resume) {
        code = tool_check_resumed_input(tl, ix);
        if (code >= 0)
            return code;
        c->resume = ix;
        fprintf(stderr, "salvo: resuming %s: %llu records%s\n", a->journal_path, (unsigned long long)ix->records,
                ix->torn_tail ? "; its torn last line was dropped" : "");
    }
    if ((r = salvo_journal_begin_dest(c->journal, a->id_prefix, a->input_path ? a->input_path : "-", &dest)) < 0) {
        fprintf(stderr, "salvo: --journal %s: %s\n", a->journal_path, strerror(-r));
        return SALVO_EXIT_IO;
    }
    return -1;
}

/* salvo cancel|status --journal J ORDERS: the send's journal is read
 * (locked while it is, so a send still running is refused) and never
 * written; its id prefix makes the orders' ids, the input must hold every
 * order it records, and the orders it says may be at the broker are the
 * ones asked about (cfg.resume). */
static int read_send_journal(tool_t *tl, salvo_jindex_t *ix)
{
    salvo_args_t *a = tl->a;
    salvo_config_t *c = &a->cfg;
    char err[320];
    salvo_journal_t *j = NULL;
    struct stat st;
    /* a journal not there (yet: the send has not started, or a typo) would be made empty, and
     * every order "never sent" */
    if (stat(a->journal_path, &st) != 0) {
        fprintf(stderr, "salvo: --journal %s: %s: nothing was %s\n", a->journal_path, strerror(errno),
                a->op == SALVO_OP_CANCEL ? "cancelled" : "looked up");
        return errno == ENOENT ? SALVO_EXIT_USAGE : SALVO_EXIT_IO;
    }
    int r = salvo_journal_open(&j, a->journal_path, SALVO_JOURNAL_RESUME, ix, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "salvo: --journal %s: %s%s\n", a->journal_path, err,
                r == -EBUSY ? " (the send is still running: stop it first)" : "");
        return r == -EINVAL || r == -EBUSY ? SALVO_EXIT_USAGE : SALVO_EXIT_IO;
    }
    const salvo_jdest_t dest = {.url = c->url, .profile = a->profile ? salvo_profile_name(a->profile) : NULL,
                                .sandbox = a->sandbox};
    int code = -1;
    if (ix->records == 0 && ix->endpoint[0] == '\0' && ix->id_prefix[0] == '\0') {
        fprintf(stderr, "salvo: --journal %s holds no run of salvo's: nothing was %s\n", a->journal_path,
                a->op == SALVO_OP_CANCEL ? "cancelled" : "looked up");
        code = SALVO_EXIT_USAGE;
    }
    if (code < 0 && (r = salvo_jindex_check_dest(ix, &dest, err, sizeof err)) < 0 && r != -ENOENT) {
        fprintf(stderr, "salvo: --journal %s: %s\n", a->journal_path, err);
        code = SALVO_EXIT_USAGE;
    }
    if (code < 0 && ix->id_prefix[0]) { /* the send's ids, even for stdin or after midnight */
        free(a->id_prefix);
        if ((a->id_prefix = strdup(ix->id_prefix)) == NULL)
            code = out_of_memory();
        c->defaults.id_prefix = a->id_prefix;
    }
    c->journal = j; /* for the check's message only */
    if (code < 0)
        code = tool_check_resumed_input(tl, ix);
    c->journal = NULL;
    salvo_journal_close(j);
    c->resume = ix;
    return code;
}

int tool_setup(tool_t *tl, salvo_jindex_t *ix)
{
    salvo_args_t *a = tl->a;
    int code;
    if ((code = load_body(a)) >= 0)
        return code;
    if (a->check_profile)
        tool_broker_describe(a, stderr);
    if ((code = open_files(tl)) >= 0 || (code = tool_precheck(tl)) >= 0)
        return code;
    if (a->journal_path && (code = a->op == SALVO_OP_SEND ? open_journal(tl, ix) : read_send_journal(tl, ix)) >= 0)
        return code;
    if (a->trace_path) {
        int r = salvo_trace_open(&a->trace, a->trace_path, &a->secrets);
        if (r < 0) {
            fprintf(stderr, "salvo: --trace %s: %s\n", a->trace_path, strerror(-r));
            return SALVO_EXIT_IO;
        }
    }
    return keep_or_cut_output(a);
}

void tool_setup_close(salvo_args_t *a, salvo_jindex_t *ix)
{
    salvo_journal_close(a->cfg.journal);
    a->cfg.journal = NULL;
    salvo_trace_close(a->trace);
    a->trace = NULL;
    salvo_jindex_clear(ix);
    salvo_body_free(a->cfg.body);
    a->cfg.body = NULL;
}
