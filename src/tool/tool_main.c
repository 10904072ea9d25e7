/* salvo: the command-line front end over libsalvo. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tool_args.h"
#include "tool_trace.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap < (1u << 24) ? realloc(buf, cap * 2) : NULL;
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                errno = EFBIG;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Each connection is a descriptor: raise the soft limit to what the
 * concurrency needs, or say plainly that it cannot be had. */
static int ensure_open_files(uint32_t concurrency)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)concurrency + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return 0;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) {
        fprintf(stderr, "salvo: --concurrency %u needs %llu open files; the hard limit is %llu (raise it with ulimit -Hn)\n",
                concurrency, (unsigned long long)need, (unsigned long long)rl.rlim_max);
        return -1;
    }
    return 0;
}

static int exit_code(const salvo_stats_t *st)
{
    if (st->signal == SIGINT)
        return SALVO_EXIT_SIGINT;
    if (st->signal == SIGTERM)
        return SALVO_EXIT_SIGTERM;
    if (st->input_error || st->output_error || st->journal_error)
        return SALVO_EXIT_IO;
    if (st->stop_reason != SALVO_STOP_NONE)
        return SALVO_EXIT_NOT_ACCEPTED;
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        if (i != SALVO_ACCEPTED && i != SALVO_DRY_RUN && i != SALVO_SKIPPED && st->count[i] > 0)
            return SALVO_EXIT_NOT_ACCEPTED;
    return st->not_sent ? SALVO_EXIT_NOT_ACCEPTED : SALVO_EXIT_OK;
}

static int load_body(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    char err[320];
    if (a->body_template == NULL)
        return (c->body = salvo_body_new_default()) ? -1 : SALVO_EXIT_IO;
    size_t len;
    char *text = read_file(a->body_template, &len);
    if (text == NULL) {
        fprintf(stderr, "salvo: --body-template %s: %s\n", a->body_template, strerror(errno));
        return SALVO_EXIT_USAGE;
    }
    c->body = salvo_body_new_template(text, len, err, sizeof err);
    free(text);
    if (c->body == NULL) {
        fprintf(stderr, "salvo: --body-template %s: %s\n", a->body_template, err);
        return SALVO_EXIT_USAGE;
    }
    return -1;
}

static const char *input_name(const salvo_args_t *a) { return a->input_path ? a->input_path : "stdin"; }

static int open_files(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    if (a->input_path && strcmp(a->input_path, "-") != 0 &&
        (c->input_fd = open(a->input_path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "salvo: cannot read %s: %s\n", a->input_path, strerror(errno));
        return SALVO_EXIT_IO;
    }
    if (a->output_path &&
        (c->output_fd = open(a->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "salvo: cannot write %s: %s\n", a->output_path, strerror(errno));
        return SALVO_EXIT_IO;
    }
    return -1;
}

static int is_regular(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* --check on a stream: keep a copy in an unlinked temporary file, so the
 * input can be read twice. The new descriptor, or -1. */
static int spool_input(int fd)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/salvo-check-XXXXXX", dir && *dir ? dir : "/tmp");
    int t = mkstemp(path);
    if (t < 0)
        return -1;
    unlink(path);
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write(t, buf, (size_t)n) != n) {
            close(t);
            return -1;
        }
    }
    if (lseek(t, 0, SEEK_SET) < 0) {
        close(t);
        return -1;
    }
    return t;
}

static void print_invalid(void *ud, const salvo_order_t *o)
{
    (void)ud;
    fprintf(stderr, "salvo: %s\n", o->error);
}

/* Read the whole input once and send nothing: --check, and the caps when
 * the input is a file (nothing goes out if the file is over them). */
static int precheck(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    int caps = c->max_orders || c->max_notional > 0;
    if (!a->check && !(caps && is_regular(c->input_fd)))
        return -1;
    if (!is_regular(c->input_fd)) {
        int fd = spool_input(c->input_fd);
        if (fd < 0) {
            fprintf(stderr, "salvo: --check: cannot keep a copy of %s: %s\n", input_name(a), strerror(errno));
            return SALVO_EXIT_IO;
        }
        c->input_fd = fd;
    }
    salvo_config_t chk = *c;
    chk.check_only = 1;
    chk.on_invalid = a->check ? print_invalid : NULL;
    chk.journal = NULL;
    chk.on_wire = NULL;
    salvo_stats_t st;
    char err[320];
    int r = salvo_run(&chk, &st, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "salvo: %s\n", err);
        return r == -EINVAL ? SALVO_EXIT_USAGE : SALVO_EXIT_IO;
    }
    if (st.input_error) {
        fprintf(stderr, "salvo: reading %s: %s\n", input_name(a), strerror(st.input_error));
        return SALVO_EXIT_IO;
    }
    if (a->check && st.count[SALVO_INVALID]) {
        fprintf(stderr, "salvo: --check: %llu of %llu rows are invalid (listed above); nothing was sent\n",
                (unsigned long long)st.count[SALVO_INVALID], (unsigned long long)st.orders);
        return SALVO_EXIT_USAGE;
    }
    if (c->max_orders && st.valid > c->max_orders) {
        fprintf(stderr, "salvo: %s holds %llu orders, over --max-orders %llu; nothing was sent\n", input_name(a),
                (unsigned long long)st.valid, (unsigned long long)c->max_orders);
        return SALVO_EXIT_USAGE;
    }
    if (c->max_notional > 0 && st.notional > c->max_notional * (1 + 1e-12)) {
        fprintf(stderr, "salvo: %s holds LIMIT orders worth %.2f, over --max-notional %.2f; nothing was sent\n",
                input_name(a), st.notional, c->max_notional);
        return SALVO_EXIT_USAGE;
    }
    if (lseek(c->input_fd, 0, SEEK_SET) < 0) {
        fprintf(stderr, "salvo: cannot rewind %s: %s\n", input_name(a), strerror(errno));
        return SALVO_EXIT_IO;
    }
    if (a->check)
        fprintf(stderr, "salvo: --check: %llu rows, all valid\n", (unsigned long long)st.orders);
    return -1;
}

/* Open the journal; on --resume, take the ids of the run it records. */
static int open_journal(salvo_args_t *a, salvo_jindex_t *ix)
{
    salvo_config_t *c = &a->cfg;
    char err[320];
    int flags = (a->resume ? SALVO_JOURNAL_RESUME : 0) | (a->fsync ? SALVO_JOURNAL_FSYNC : 0);
    int r = salvo_journal_open(&c->journal, a->journal_path, flags, ix, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "salvo: --journal %s: %s\n", a->journal_path, err);
        return r == -EINVAL || r == -EEXIST ? SALVO_EXIT_USAGE : SALVO_EXIT_IO;
    }
    if (ix->id_prefix[0]) {
        if (a->id_prefix_given && strcmp(a->id_prefix, ix->id_prefix) != 0) {
            fprintf(stderr, "salvo: --journal %s was written with --id-prefix %s, not %s; nothing was sent\n",
                    a->journal_path, ix->id_prefix, a->id_prefix);
            return SALVO_EXIT_USAGE;
        }
        /* The earlier run's ids, even for stdin or after midnight. */
        free(a->id_prefix);
        if ((a->id_prefix = strdup(ix->id_prefix)) == NULL)
            return SALVO_EXIT_IO;
        c->defaults.id_prefix = a->id_prefix;
    }
    if (a->resume) {
        c->resume = ix;
        fprintf(stderr, "salvo: resuming %s: %llu records%s\n", a->journal_path, (unsigned long long)ix->records,
                ix->torn_tail ? "; its torn last line was dropped" : "");
    }
    if ((r = salvo_journal_begin(c->journal, a->id_prefix)) < 0) {
        fprintf(stderr, "salvo: --journal %s: %s\n", a->journal_path, strerror(-r));
        return SALVO_EXIT_IO;
    }
    return -1;
}

static void report_stop(const salvo_args_t *a, const salvo_stats_t *st)
{
    const salvo_config_t *c = &a->cfg;
    if (st->input_error)
        fprintf(stderr, "salvo: reading %s: %s\n", input_name(a), strerror(st->input_error));
    if (st->output_error && st->output_error != EPIPE)
        fprintf(stderr, "salvo: writing results: %s\n", strerror(st->output_error));
    if (st->stop_reason == SALVO_STOP_MAX_ORDERS)
        fprintf(stderr, "salvo: --max-orders %llu reached: the rest of %s was not read or sent\n",
                (unsigned long long)c->max_orders, input_name(a));
    if (st->stop_reason == SALVO_STOP_MAX_NOTIONAL)
        fprintf(stderr, "salvo: --max-notional %.2f reached: the rest of %s was not read or sent\n",
                c->max_notional, input_name(a));
    if (st->journal_error)
        fprintf(stderr, "salvo: --journal %s: %s; the run stopped, orders in flight were recorded as far as possible\n",
                a->journal_path, strerror(-st->journal_error));
}

static void trace_wire(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len)
{
    salvo_trace_event(ud, slot, id, kind, data, len);
}

static int run(salvo_args_t *a, salvo_jindex_t *ix)
{
    salvo_config_t *c = &a->cfg;
    char err[320];
    int code;
    if ((code = load_body(a)) >= 0)
        return code;
    if (ensure_open_files(c->concurrency) < 0)
        return SALVO_EXIT_USAGE;
    if ((code = open_files(a)) >= 0 || (code = precheck(a)) >= 0)
        return code;
    if (a->journal_path && (code = open_journal(a, ix)) >= 0)
        return code;
    if (a->trace_path) {
        int r = salvo_trace_open(&a->trace, a->trace_path, &a->secrets);
        if (r < 0) {
            fprintf(stderr, "salvo: --trace %s: %s\n", a->trace_path, strerror(-r));
            return SALVO_EXIT_IO;
        }
        c->on_wire = trace_wire;
        c->wire_ud = a->trace;
    }

    salvo_stats_t st;
    int r = salvo_run(c, &st, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "salvo: %s\n", err);
        return r == -EINVAL ? SALVO_EXIT_USAGE : SALVO_EXIT_IO;
    }
    int jr = salvo_journal_close(c->journal);
    c->journal = NULL;
    if (jr < 0 && !st.journal_error)
        st.journal_error = jr;
    if ((r = salvo_trace_close(a->trace)) < 0)
        fprintf(stderr, "salvo: --trace %s: %s\n", a->trace_path, strerror(-r));
    a->trace = NULL;
    report_stop(a, &st);
    salvo_summary_print(&st, 2);
    if (a->summary_json && (r = salvo_summary_write_json(&st, a->summary_json)) < 0) {
        fprintf(stderr, "salvo: --summary-json %s: %s\n", a->summary_json, strerror(-r));
        return SALVO_EXIT_IO;
    }
    return exit_code(&st);
}

int main(int argc, char **argv)
{
    salvo_args_t a;
    int code = salvo_args_parse(&a, argc, argv);
    if (code < 0)
        code = salvo_args_check_environment(&a);
    if (code < 0) {
        signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE we handle */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        salvo_jindex_t ix;
        memset(&ix, 0, sizeof ix);
        code = run(&a, &ix);
        salvo_journal_close(a.cfg.journal); /* when run() stopped early */
        salvo_trace_close(a.trace);
        salvo_jindex_free(&ix);
        curl_global_cleanup();
        salvo_body_free(a.cfg.body);
    }
    salvo_args_free(&a);
    return code;
}
