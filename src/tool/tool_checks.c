/* What the flags mean together, once every one was read: the checks
 * across flags (--resume needs --journal, --exec refuses what only HTTP
 * has), the defaults derived from others (--at's warm-up, --drain-timeout
 * from --timeout, the id prefix), the profile and the secrets. Then the
 * mistakes caught before the first order leaves: a URL libcurl cannot
 * parse, a CA file that is not there, an output that is the input, a
 * summary that cannot be written. Each would otherwise surface per order,
 * after sending, or never (salvo -o orders.csv orders.csv truncated its own
 * input and reported "0 orders"). See tool_args.h. */
#include "tool_args.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lookup.h"
#include "util.h"
#include "salvo/salvo.h"
#include "tool_broker.h"
#include "tool_msgs.h"
#include "tool_op.h"
#include "tool_secrets.h"

/* ================= across flags, after the last one ================= */

/* s + today's local date: the same orders get the same ids all day, from
 * any copy of the file or from stdin (src/orderid.h), and are new orders
 * tomorrow. 7 characters, so ids stay within 24 (brokers allow 32 or 36). */
static int default_id_prefix(salvo_args_t *a)
{
    time_t now = time(NULL);
    struct tm tm;
    if ((a->id_prefix = malloc(16)) == NULL)
        return out_of_memory();
    localtime_r(&now, &tm);
    strftime(a->id_prefix, 16, "s%y%m%d", &tm);
    return 0;
}

/* The instant --at names, in UTC: what a local time or an offset came to
 * is said before anything waits for it. */
static void say_at_utc(const salvo_args_t *a)
{
    int64_t us = a->at_unix_us % 1000000;
    us += us < 0 ? 1000000 : 0; /* before 1970: the second below */
    time_t t = (time_t)((a->at_unix_us - us) / 1000000);
    struct tm tm;
    char day[32];
    if (gmtime_r(&t, &tm) == NULL || strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return;
    fprintf(stderr, "salvo: --at %s is %s.%06lldZ (UTC)\n", a->at, day, (long long)us);
}

/* --at: a moment in the next 24 hours (or past, with --at-late); the
 * input is checked whole first; the connections are warmed. */
static int check_at(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    if (a->at == NULL) {
        if (a->at_late || a->warm_given || c->warm_url)
            return usage_error("%s needs --at TIME", a->at_late ? "--at-late" : a->warm_given ? "--warm" : "--warm-url");
        return -1;
    }
    say_at_utc(a);
    int64_t now = salvo_unix_us(), ahead = a->at_unix_us - now;
    if (ahead < 0 && !a->at_late)
        return usage_error("--at %s was %.3f s ago (pass --at-late to fire at once)", a->at, (double)-ahead / 1e6);
    if (ahead > 24LL * 3600 * 1000000)
        return usage_error("--at %s is more than 24 hours ahead", a->at);
    a->check = 1;
    if (!a->warm_given && !a->exec_cmd) /* workers have no connections to warm */
        c->warm = c->concurrency;
    if (c->warm_url == NULL && c->url) {
        const char *p = strstr(c->url, "://");
        size_t n = p ? strcspn(p + 3, "/?#") + (size_t)(p + 3 - c->url) : strlen(c->url);
        if ((a->warm_url = malloc(n + 2)) == NULL)
            return out_of_memory();
        memcpy(a->warm_url, c->url, n);
        strcpy(a->warm_url + n, "/");
        c->warm_url = a->warm_url;
    }
    return -1;
}

/* --exec: the workers take the place of HTTP; what only HTTP has is
 * refused rather than ignored. */
static int check_exec(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    if (a->exec_cmd == NULL) {
        if (a->workers_given || c->exec_lookup || c->exec_start_timeout_ns)
            return usage_error("%s needs --exec 'CMD ARGS'", a->workers_given ? "--workers"
                                                               : c->exec_lookup ? "--exec-lookup"
                                                                                : "--exec-start-timeout");
        return -1;
    }
    const char *http_only = c->url ? "--url" : a->broker ? "--broker" : a->sandbox ? "--sandbox"
                          : a->check_profile ? "--check-profile" : c->reconcile_url ? "--reconcile-url" : c->http2 ? "--http2"
                          : a->nheaders ? "--header" : a->nsecret ? "--header-env" : a->api_key_env ? "--api-key-env"
                          : a->api_key_file ? "--api-key-file" : a->warm_given ? "--warm" : c->warm_url ? "--warm-url"
                          : c->timings ? "--timings" : a->trace_path ? "--trace" : c->no_reuse ? "--no-reuse"
                          : c->cacert ? "--cacert" : c->h2_streams ? "--h2-streams" : NULL;
    if (http_only)
        return usage_error("%s is for HTTP brokers; with --exec the worker talks to the broker (see docs/exec-protocol.md)",
                           http_only);
    if (!a->workers_given)
        c->workers = a->given.concurrency ? c->concurrency : 8;
    if (!a->given.concurrency)
        c->concurrency = c->workers;
    if (c->concurrency > c->workers)
        return usage_error("--concurrency %u is more than --workers %u: each order in flight needs a worker of its own",
                           c->concurrency, c->workers);
    size_t n = strlen(a->exec_cmd);
    if ((a->exec_line = malloc(n + 6)) == NULL)
        return out_of_memory();
    memcpy(a->exec_line, "exec ", 5);
    memcpy(a->exec_line + 5, a->exec_cmd, n + 1);
    a->exec_argv[0] = "/bin/sh";
    a->exec_argv[1] = "-c";
    a->exec_argv[2] = a->exec_line;
    a->exec_argv[3] = NULL;
    c->exec_argv = a->exec_argv;
    return -1;
}

/* --cancel-after DUR: the profile's cancel request, DUR after --at's TIME
 * (or the start). A dry run checks it, and has nothing to cancel. */
static int check_cancel_after(const salvo_args_t *a)
{
    if (a->cancel_after_ns == 0)
        return -1;
    if (a->op != SALVO_OP_SEND)
        return usage_error("salvo %s takes no --cancel-after", salvo_op_name(a->op));
    if (a->broker == NULL)
        return usage_error("--cancel-after needs --broker NAME|FILE, whose profile has a \"cancel\" request");
    if (a->given.url) /* the cancel goes where the profile's cancel request says, not to the send's --url */
        return usage_error("--cancel-after with --url: the cancel would go to the profile's own host; send with the "
                           "profile's URL, or cancel with salvo cancel --url ... RESULTS");
    return -1;
}

/* --batch N: a profile's batch request carries the orders (tool_broker.c
 * checks the profile has one, and N). */
static int check_batch(const salvo_args_t *a)
{
    if (a->cfg.batch < 2 && a->batch_url_arg == NULL)
        return -1;
    if (a->cfg.batch < 2)
        return usage_error("--batch-url needs --batch N");
    if (a->op != SALVO_OP_SEND)
        return usage_error("salvo %s takes no --batch: it sends one request an order", salvo_op_name(a->op));
    if (a->broker == NULL || a->exec_cmd)
        return usage_error("--batch needs --broker NAME|FILE, whose profile has a \"batch\" request");
    return -1;
}

/* The profile's secret headers (a signature, a key) are blanked in the
 * trace and the dry run like --redact-header's. */
static int redact_profile_headers(salvo_args_t *a)
{
    size_t n = 0;
    while (salvo_profile_secret_header(a->profile, n))
        n++;
    const char **r = realloc(a->redact, (a->nredact + n + 1) * sizeof *r);
    if (r == NULL)
        return out_of_memory();
    a->redact = r;
    for (size_t i = 0; i < n; i++)
        a->redact[a->nredact++] = salvo_profile_secret_header(a->profile, i);
    a->redact[a->nredact] = NULL;
    return -1;
}

static int is_json_lines_name(const char *path)
{
    size_t n = strlen(path);
    return (n > 6 && strcmp(path + n - 6, ".jsonl") == 0) || (n > 7 && strcmp(path + n - 7, ".ndjson") == 0);
}

/* See tool_args.h. The order matters: the profile fills what no flag
 * gave before the checks that need it, the secrets come last. */
int tool_args_settle(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    if (a->output_path && strcmp(a->output_path, "-") == 0)
        a->output_path = NULL; /* -o -: stdout, as for the input */
    if (a->force && a->append)
        return usage_error("--force and --append contradict each other: drop one");
    if ((a->force || a->append) && a->output_path == NULL) /* stdout: the shell's > or >> decides */
        return usage_error("%s needs -o FILE", a->force ? "--force" : "--append");
    int rb;
    if (a->op != SALVO_OP_SEND && (rb = tool_op_settle(a)) >= 0)
        return rb;
    if (!a->format_given && a->input_path && is_json_lines_name(a->input_path))
        c->format = SALVO_FORMAT_JSONL; /* orders.jsonl is JSON Lines without saying so */
    if (a->check_profile) { /* the first row (or a sample), as it would be sent */
        c->dry_run = 1;
        c->max_orders = 1;
    }
    rb = check_exec(a);
    if (rb >= 0 || (rb = check_cancel_after(a)) >= 0 || (rb = check_batch(a)) >= 0)
        return rb;
    if ((rb = tool_broker_load(a)) >= 0)
        return rb;
    if (a->profile && (rb = redact_profile_headers(a)) >= 0)
        return rb;
    if (c->url == NULL && a->exec_cmd == NULL)
        return usage_error("--url is required (or --broker, or --exec for a broker reached through SDK workers)");
    if (c->retry_ambiguous && c->idempotency_header == NULL && a->profile == NULL) /* a profile's: tool_broker.c */
        return usage_error("--retry-ambiguous needs the idempotency header (drop --no-idempotency-header)");
    if (c->resend_unknown && c->idempotency_header == NULL && a->profile == NULL)
        return usage_error("--resend-unknown needs the idempotency header (drop --no-idempotency-header)");
    if ((a->resume || a->fsync) && a->journal_path == NULL)
        return usage_error("%s needs --journal FILE", a->resume ? "--resume" : "--fsync");
    if (a->resume_old_journal && !a->resume)
        return usage_error("--resume-old-journal needs --resume");
    c->redact = a->redact;
    c->nredact = a->nredact;
    int r = tool_refuse_secret_headers(a);
    if (r >= 0)
        return r;
    if ((r = check_at(a)) >= 0)
        return r;
    if (!a->drain_given)
        a->drain_timeout_ns = c->timeout_ns;
    char err[256];
    if (salvo_order_check_defaults(&c->defaults, err, sizeof err) < 0)
        return usage_error("%s", err);
    c->headers = a->headers;
    c->nheaders = a->nheaders;
    /* A profile brings its own credentials; --api-key-env still adds a bearer. A worker holds its own. */
    r = a->exec_cmd || (a->profile && !a->api_key_env && !a->api_key_file) ? 0 : tool_load_api_key(a);
    if (r != 0)
        return r;
    c->auth_header = a->auth_header;
    if ((r = tool_gather_secrets(a)) >= 0)
        return r;
    tool_hold_secrets_privately(a);
    if (a->id_prefix == NULL && (r = default_id_prefix(a)) != 0)
        return r;
    c->defaults.id_prefix = a->id_prefix;
    return -1;
}

/* ================= the environment, before anything is opened ================= */


/* libcurl's own parser, the one CURLOPT_URL uses: what fails here would
 * fail for every order. shown: what to print (the flag's value). */
static int check_url(const char *flag, const char *url, const char *shown)
{
    CURLU *u = curl_url();
    if (u == NULL)
        return tool_fail(SALVO_EXIT_IO, "%s: out of memory", flag);
    char *host = NULL;
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (rc == CURLUE_OK)
        rc = curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_free(host);
    curl_url_cleanup(u);
    if (rc != CURLUE_OK)
        return tool_fail(SALVO_EXIT_USAGE, "%s '%s': not a valid URL: %s", flag, shown, curl_url_strerror(rc));
    return -1;
}

static int check_urls(const salvo_args_t *a)
{
    if (a->cfg.url == NULL) /* --exec */
        return -1;
    int r = check_url("--url", a->cfg.url, a->cfg.url);
    if (r >= 0 || a->cfg.reconcile_url == NULL)
        return r;
    char *sample = salvo_lookup_url(a->cfg.reconcile_url, "sample-1");
    if (sample == NULL)
        return tool_fail(SALVO_EXIT_IO, "--reconcile-url: out of memory");
    r = check_url("--reconcile-url", sample, a->cfg.reconcile_url);
    free(sample);
    return r;
}

static int check_cacert(const char *path)
{
    struct stat st;
    if (path == NULL)
        return -1;
    if (stat(path, &st) != 0)
        return tool_fail(SALVO_EXIT_USAGE, "--cacert %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return tool_fail(SALVO_EXIT_USAGE, "--cacert %s: not a regular file (a PEM bundle of CA certificates)", path);
    if (access(path, R_OK) != 0)
        return tool_fail(SALVO_EXIT_USAGE, "--cacert %s: %s", path, strerror(errno));
    return -1;
}

/* An output opened with O_TRUNC that is the input empties it before a row
 * is read: compare device and inode, which sees through links and ./paths. */
static int check_not_input(const salvo_args_t *a)
{
    struct stat in;
    int is_stdin = a->input_path == NULL || strcmp(a->input_path, "-") == 0;
    if ((is_stdin ? fstat(0, &in) : stat(a->input_path, &in)) != 0 || !S_ISREG(in.st_mode))
        return -1; /* a pipe, a terminal, or missing (reported when opened) */
    const struct {
        const char *flag, *path;
    } outs[] = {{"-o", a->output_path},
                {"--trace", a->trace_path},
                {"--summary-json", a->summary_json},
                {"--journal", a->journal_path}};
    for (size_t i = 0; i < sizeof outs / sizeof *outs; i++) {
        struct stat st;
        if (outs[i].path && stat(outs[i].path, &st) == 0 && st.st_dev == in.st_dev && st.st_ino == in.st_ino)
            return tool_fail(SALVO_EXIT_USAGE, "%s %s is the same file as the input (%s): it would be overwritten "
                        "before it is read", outs[i].flag, outs[i].path, is_stdin ? "stdin" : a->input_path);
    }
    return -1;
}

/* -o onto a file that holds something (yesterday's results, a resumed
 * run's first half) would cut it to nothing before the first order: say
 * so, unless --force says to or --append (or --resume) adds after it. An
 * empty file has nothing to lose; a device or a pipe is not cut. */
static int check_output_kept(const salvo_args_t *a)
{
    struct stat st;
    if (a->output_path == NULL || a->force || a->append || a->resume || stat(a->output_path, &st) != 0 ||
        !S_ISREG(st.st_mode) || st.st_size == 0)
        return -1;
    return tool_output_not_empty(a->output_path, st.st_size);
}

int tool_output_not_empty(const char *path, long long size)
{
    return tool_fail(SALVO_EXIT_USAGE, "-o %s is not empty (%lld bytes): --force to overwrite it, --append to add "
                     "to it; nothing was sent", path, size);
}

/* The summary is written after every order was sent: find out now that it
 * cannot be. */
static int check_summary_writable(const char *path)
{
    struct stat st;
    if (path == NULL)
        return -1;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return tool_fail(SALVO_EXIT_IO, "--summary-json %s: is a directory", path);
        if (access(path, W_OK) != 0)
            return tool_fail(SALVO_EXIT_IO, "--summary-json %s: %s", path, strerror(errno));
        return -1;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return tool_fail(SALVO_EXIT_IO, "--summary-json: out of memory");
    const char *dir = dirname(copy);
    int r = -1;
    if (stat(dir, &st) != 0)
        r = tool_fail(SALVO_EXIT_IO, "--summary-json %s: cannot be created: %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        r = tool_fail(SALVO_EXIT_IO, "--summary-json %s: cannot be created: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        r = tool_fail(SALVO_EXIT_IO, "--summary-json %s: cannot be created in %s: %s", path, dir, strerror(errno));
    free(copy);
    return r;
}

int salvo_args_check_environment(const salvo_args_t *a)
{
    int r;
    if ((r = check_urls(a)) >= 0 || (r = check_cacert(a->cfg.cacert)) >= 0 || (r = check_not_input(a)) >= 0 ||
        (r = check_output_kept(a)) >= 0 || (r = check_summary_writable(a->summary_json)) >= 0)
        return r;
    return -1;
}
