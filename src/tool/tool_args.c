#include "tool_args.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lookup.h"
#include "parse.h"
#include "util.h"
#include "salvo/secret.h"
#include "tool_broker.h"
#include "tool_help.h"
#include "tool_msgs.h"
#include "tool_secrets.h"
#include "tool_trace.h"

#include "salvo/salvo.h"


#define IDEM_NAME_MAX 64 /* a header name, not a paragraph */

/* An RFC 7230 token: what a header name is made of. */
static int is_token(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
            return 0;
    return 1;
}

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

enum {
    O_URL = 256, O_METHOD, O_TIMEOUT, O_CTIMEOUT, O_KEYENV, O_KEYFILE, O_TEMPLATE, O_IDPREFIX, O_IDEMHDR,
    O_NOIDEM, O_HTTP2, O_INSECURE, O_CACERT, O_NOREUSE, O_RATE, O_BURST, O_WINDOW, O_CONC, O_RETRIES,
    O_BACKOFF, O_MAXBACKOFF, O_RETRYAMB, O_FORMAT, O_DELIM, O_NOHEADER, O_QTY, O_SIDE, O_TYPE,
    O_SUMMARY, O_DRYRUN, O_DRAIN, O_SEED, O_VERSION, O_JOURNAL, O_RESUME, O_RESUMEOLD, O_JFSYNC, O_RESEND, O_RECONCILE,
    O_CHECK, O_MAXORDERS, O_MAXNOTIONAL, O_TRACE, O_REDACT, O_HDRENV, O_NOAUTH,
    O_RECPTR, O_GIVEUP, O_H2STREAMS, O_AT, O_ATLATE, O_WARM, O_WARMURL, O_TIMINGS,
    O_EXEC, O_WORKERS, O_EXECSTART, O_EXECLOOKUP,
    O_BROKER, O_SANDBOX, O_SECRETENV, O_CHECKPROFILE, O_DECQTY, O_RATEPER,
};

static const struct option long_opts[] = {
    {"url", 1, 0, O_URL}, {"method", 1, 0, O_METHOD}, {"header", 1, 0, 'H'}, {"timeout", 1, 0, O_TIMEOUT},
    {"connect-timeout", 1, 0, O_CTIMEOUT}, {"api-key-env", 1, 0, O_KEYENV}, {"api-key-file", 1, 0, O_KEYFILE},
    {"body-template", 1, 0, O_TEMPLATE}, {"id-prefix", 1, 0, O_IDPREFIX},
    {"idempotency-header", 1, 0, O_IDEMHDR}, {"no-idempotency-header", 0, 0, O_NOIDEM},
    {"http2", 0, 0, O_HTTP2}, {"insecure", 0, 0, O_INSECURE}, {"cacert", 1, 0, O_CACERT},
    {"no-reuse", 0, 0, O_NOREUSE}, {"rate", 1, 0, O_RATE}, {"burst", 1, 0, O_BURST},
    {"window", 1, 0, O_WINDOW}, {"concurrency", 1, 0, O_CONC}, {"retries", 1, 0, O_RETRIES},
    {"retry-backoff", 1, 0, O_BACKOFF}, {"retry-max-backoff", 1, 0, O_MAXBACKOFF},
    {"retry-ambiguous", 0, 0, O_RETRYAMB}, {"input-format", 1, 0, O_FORMAT}, {"delimiter", 1, 0, O_DELIM},
    {"no-header", 0, 0, O_NOHEADER}, {"quantity", 1, 0, O_QTY}, {"side", 1, 0, O_SIDE},
    {"type", 1, 0, O_TYPE}, {"output", 1, 0, 'o'}, {"summary-json", 1, 0, O_SUMMARY},
    {"dry-run", 0, 0, O_DRYRUN}, {"drain-timeout", 1, 0, O_DRAIN}, {"seed", 1, 0, O_SEED},
    {"journal", 1, 0, O_JOURNAL}, {"resume", 0, 0, O_RESUME},
    {"resume-old-journal", 0, 0, O_RESUMEOLD}, {"fsync", 0, 0, O_JFSYNC},
    {"resend-unknown", 0, 0, O_RESEND}, {"reconcile-url", 1, 0, O_RECONCILE}, {"check", 0, 0, O_CHECK},
    {"max-orders", 1, 0, O_MAXORDERS}, {"max-notional", 1, 0, O_MAXNOTIONAL}, {"trace", 1, 0, O_TRACE},
    {"redact-header", 1, 0, O_REDACT}, {"header-env", 1, 0, O_HDRENV}, {"no-auth", 0, 0, O_NOAUTH},
    {"reconcile-id-pointer", 1, 0, O_RECPTR}, {"give-up-after", 1, 0, O_GIVEUP},
    {"h2-streams", 1, 0, O_H2STREAMS}, {"at", 1, 0, O_AT}, {"at-late", 0, 0, O_ATLATE},
    {"warm", 1, 0, O_WARM}, {"warm-url", 1, 0, O_WARMURL}, {"timings", 0, 0, O_TIMINGS},
    {"exec", 1, 0, O_EXEC}, {"workers", 1, 0, O_WORKERS}, {"exec-start-timeout", 1, 0, O_EXECSTART},
    {"exec-lookup", 0, 0, O_EXECLOOKUP},
    {"broker", 1, 0, O_BROKER}, {"sandbox", 0, 0, O_SANDBOX}, {"secret-env", 1, 0, O_SECRETENV},
    {"check-profile", 0, 0, O_CHECKPROFILE}, {"decimal-quantity", 0, 0, O_DECQTY},
    {"rate-per", 1, 0, O_RATEPER},
    {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};

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

static int parse_one(salvo_args_t *a, int o, const char *v, int *drain_set)
{
    salvo_config_t *c = &a->cfg;
    uint64_t u;
    char flag[48] = "";
    for (const struct option *lo = long_opts; lo->name; lo++)
        if (lo->val == o)
            snprintf(flag, sizeof flag, "--%s", lo->name);
    switch (o) {
    case O_URL:
        if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
            return bad(flag, v, "expected an http:// or https:// URL");
        c->url = v;
        a->given.url = 1;
        break;
    case O_METHOD:
        if (!*v || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(v))
            return bad(flag, v, "expected an upper-case method such as POST or PUT");
        c->method = v;
        a->given.method = 1;
        break;
    case O_BROKER:
        if (!*v)
            return bad(flag, v, "expected a bundled profile's name (binance) or a FILE.json");
        a->broker = v;
        break;
    case O_SANDBOX: a->sandbox = 1; break;
    case O_SECRETENV: return tool_broker_secret_env(a, v);
    case O_CHECKPROFILE: a->check_profile = 1; break;
    case O_DECQTY: c->defaults.decimal_quantity = 1; break;
    case O_RATEPER:
        if (salvo_parse_rate_per(v, &c->rate_per_cols, &c->rate_per_n, &c->rate_per_ns) || c->rate_per_n > 100000)
            return bad(flag, v, "expected COLUMN=N/PERIOD such as symbol=60/2s or symbol+side=20/1s "
                                "(COLUMN: symbol, side, type, joined by +; N at most 100000)");
        a->given.rate_per = 1;
        break;
    case 'H':
        if (!tool_valid_header(v))
            return bad("--header", v, "expected 'Name: value'");
        a->headers[a->nheaders++] = v;
        break;
    case O_HDRENV:
        return tool_add_env_header(a, v);
    case O_REDACT:
        if (!*v || strpbrk(v, ": \t\r\n") != NULL)
            return bad(flag, v, "expected a header name");
        a->redact[a->nredact++] = v;
        break;
    case O_JOURNAL: a->journal_path = v; break;
    case O_RESUME: a->resume = 1; break;
    case O_RESUMEOLD: a->resume_old_journal = 1; break;
    case O_JFSYNC: a->fsync = 1; break;
    case O_RESEND: c->resend_unknown = 1; break;
    case O_RECONCILE:
        if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) || !salvo_lookup_template_ok(v))
            return bad(flag, v, "expected an http(s) URL naming {{client_order_id}}");
        c->reconcile_url = v;
        break;
    case O_CHECK: a->check = 1; break;
    case O_AT: {
        char why[200];
        if (salvo_parse_at(v, &a->at_unix_us, why, sizeof why) < 0)
            return bad(flag, v, why[0] ? why : "expected a time: 08:59:59.950 (today, local), 2026-11-30T08:59:59.950, "
                                               "or with a zone: ...Z or ...+08:00");
        a->at = v;
        a->given.at = 1;
        break;
    }
    case O_ATLATE: a->at_late = 1; break;
    case O_WARM:
        if (salvo_parse_uint(v, 0, 100000, &u))
            return bad(flag, v, "expected a whole number of connections (0: none)");
        c->warm = (unsigned)u;
        a->warm_given = 1;
        break;
    case O_WARMURL:
        if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
            return bad(flag, v, "expected an http:// or https:// URL the broker answers harmlessly");
        c->warm_url = v;
        break;
    case O_TIMINGS: c->timings = 1; break;
    case O_EXEC:
        if (strspn(v, " \t") == strlen(v))
            return bad(flag, v, "expected a command such as 'python3 bridges/fubon_neo.py'");
        a->exec_cmd = v;
        break;
    case O_WORKERS:
        if (salvo_parse_uint(v, 1, 1000, &u))
            return bad(flag, v, "expected a whole number of worker processes from 1 to 1000");
        c->workers = (unsigned)u;
        a->workers_given = 1;
        break;
    case O_EXECSTART:
        if (salvo_parse_duration(v, &c->exec_start_timeout_ns) || c->exec_start_timeout_ns < SALVO_NS_PER_MS)
            return bad(flag, v, "expected a duration such as 30s");
        break;
    case O_EXECLOOKUP: c->exec_lookup = 1; break;
    case O_H2STREAMS:
        if (salvo_parse_uint(v, 1, 1000, &u))
            return bad(flag, v, "expected a whole number from 1 to 1000");
        c->h2_streams = (unsigned)u;
        break;
    case O_RECPTR:
        if (*v != '/')
            return bad(flag, v, "expected a JSON pointer such as /client_order_id or /0/clientOrderId");
        c->reconcile_pointer = v;
        break;
    case O_GIVEUP:
        if (salvo_parse_uint(v, 0, 1000000, &u))
            return bad(flag, v, "expected a whole number (0: never give up)");
        c->give_up_after = (unsigned)u;
        break;
    case O_MAXORDERS:
        if (salvo_parse_uint(v, 1, UINT64_MAX, &c->max_orders))
            return bad(flag, v, "expected a whole number from 1");
        break;
    case O_MAXNOTIONAL: {
        char *end;
        c->max_notional = strtod(v, &end);
        if (end == v || *end || !(c->max_notional > 0) || c->max_notional > 1e18)
            return bad(flag, v, "expected a positive amount such as 250000");
        break;
    }
    case O_TRACE: a->trace_path = v; break;
    case O_TIMEOUT:
        if (salvo_parse_duration(v, &c->timeout_ns) || c->timeout_ns < SALVO_NS_PER_MS)
            return bad(flag, v, "expected a duration such as 30s or 500ms");
        break;
    case O_CTIMEOUT:
        if (salvo_parse_duration(v, &c->connect_timeout_ns) || c->connect_timeout_ns < SALVO_NS_PER_MS)
            return bad(flag, v, "expected a duration such as 5s");
        break;
    case O_KEYENV: a->api_key_env = v; break;
    case O_NOAUTH: a->no_auth = 1; break;
    case O_KEYFILE: a->api_key_file = v; break;
    case O_TEMPLATE: a->body_template = v; break;
    case O_IDPREFIX:
        if (!*v || strlen(v) > 64 || strpbrk(v, " \t\r\n\"\\") != NULL)
            return bad(flag, v, "expected up to 64 printable characters without spaces");
        free(a->id_prefix);
        if ((a->id_prefix = strdup(v)) == NULL)
            return out_of_memory();
        a->id_prefix_given = 1;
        break;
    case O_IDEMHDR:
        if (!is_token(v) || strlen(v) > IDEM_NAME_MAX)
            return bad(flag, v, "expected a header name: 1 to 64 letters, digits or !#$%&'*+-.^_`|~");
        c->idempotency_header = v;
        break;
    case O_NOIDEM: c->idempotency_header = NULL; break;
    case O_HTTP2:
        if (!(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2))
            return usage_error("--http2: this libcurl (%s) was built without HTTP/2", curl_version());
        c->http2 = 1;
        break;
    case O_INSECURE: c->insecure = 1; break;
    case O_CACERT: c->cacert = v; break;
    case O_NOREUSE: c->no_reuse = 1; break;
    case O_RATE:
        if (salvo_parse_rate(v, &c->rate) || c->rate > 1e6)
            return bad(flag, v, "expected a rate such as 100, 100/s, 6000/m or 0.5/s (at most 1000000/s)");
        a->given.rate = 1;
        break;
    case O_BURST:
        if (salvo_parse_uint(v, 1, 1000000, &u))
            return bad(flag, v, "expected a whole number from 1");
        c->burst = (uint32_t)u;
        break;
    case O_WINDOW:
        if (salvo_parse_window(v, &c->window_n, &c->window_ns) || c->window_n > 10000000)
            return bad(flag, v, "expected N/PERIOD such as 50/1s, 250/10s or 200/1m");
        a->given.window = 1;
        break;
    case O_CONC:
        if (salvo_parse_uint(v, 1, 100000, &u))
            return bad(flag, v, "expected a whole number from 1 to 100000");
        c->concurrency = (uint32_t)u;
        a->given.concurrency = 1;
        break;
    case O_RETRIES:
        if (salvo_parse_uint(v, 0, SALVO_MAX_ATTEMPTS - 1, &u))
            return bad(flag, v, "expected a whole number from 0 to 15");
        c->retries = (unsigned)u;
        break;
    case O_BACKOFF:
        if (salvo_parse_duration(v, &c->backoff_ns))
            return bad(flag, v, "expected a duration such as 100ms");
        break;
    case O_MAXBACKOFF:
        if (salvo_parse_duration(v, &c->max_backoff_ns))
            return bad(flag, v, "expected a duration such as 5s");
        break;
    case O_RETRYAMB: c->retry_ambiguous = 1; break;
    case O_FORMAT:
        if (strcmp(v, "csv") == 0)
            c->format = SALVO_FORMAT_CSV;
        else if (strcmp(v, "jsonl") == 0)
            c->format = SALVO_FORMAT_JSONL;
        else
            return bad(flag, v, "expected csv or jsonl");
        a->format_given = 1;
        break;
    case O_DELIM:
        if (strcmp(v, "\\t") == 0 || strcmp(v, "tab") == 0)
            v = "\t";
        if (strlen(v) != 1 || *v == '"' || *v == '\n' || *v == '\r')
            return bad(flag, v, "expected one character (or \\t)");
        c->delim = *v;
        break;
    case O_NOHEADER: c->no_header = 1; break;
    case O_QTY: c->defaults.quantity = v; break;
    case O_SIDE: c->defaults.side = v; break;
    case O_TYPE: c->defaults.type = v; break;
    case 'o': a->output_path = v; break;
    case 'q': a->quiet = 1; break;
    case O_SUMMARY: a->summary_json = v; break;
    case O_DRYRUN: c->dry_run = 1; break;
    case O_DRAIN:
        if (salvo_parse_duration(v, &a->drain_timeout_ns))
            return bad(flag, v, "expected a duration such as 10s");
        *drain_set = 1;
        break;
    case O_SEED:
        if (salvo_parse_uint(v, 0, UINT64_MAX, &c->seed))
            return bad(flag, v, "expected a whole number");
        break;
    case 'h': fputs(tool_usage_text, stdout); return SALVO_EXIT_OK;
    case O_VERSION:
        tool_print_version();
        return SALVO_EXIT_OK;
    default: return usage_error("unknown option");
    }
    return -1;
}

/* getopt_long said '?'. optopt tells which case: a short option (argv
 * still points before it when it sat in a cluster like -zh), a value
 * given to a flag that takes none (its long option's value), or an
 * unknown or ambiguous long option (0). */
/* The long option nearest to what was typed (name[0..n)): the one name it
 * begins, else one at most 2 edits away; NULL when none is near. */
static const char *nearest_option(const char *name, size_t n)
{
    const char *best = NULL, *begun = NULL;
    size_t best_d = n <= 4 ? 2 : 3, nbegun = 0; /* within 1 edit of a short word, 2 of a longer one */
    for (const struct option *o = long_opts; o->name; o++) {
        size_t m = strlen(o->name);
        if (n >= 2 && n < m && strncmp(o->name, name, n) == 0)
            begun = o->name, nbegun++;
        if (n > 20 || m > 20) /* the distance table below is for flag-sized names */
            continue;
        size_t d[21][21];
        for (size_t i = 0; i <= n; i++)
            d[i][0] = i;
        for (size_t j = 0; j <= m; j++)
            d[0][j] = j;
        for (size_t i = 1; i <= n; i++)
            for (size_t j = 1; j <= m; j++) {
                size_t sub = d[i - 1][j - 1] + (name[i - 1] != o->name[j - 1]);
                size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
                d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            }
        if (d[n][m] < best_d)
            best_d = d[n][m], best = o->name;
    }
    return nbegun == 1 ? begun : best; /* the start of several names suggests none of them */
}

/* "unknown option '--NAME'", and the flag it is near when there is one. */
static int unknown_long(const char *name, size_t n, const char *near)
{
    if (near)
        return usage_error("unknown option '--%.*s': did you mean --%s?", (int)n, name, near);
    return usage_error("unknown option '--%.*s'", (int)n, name);
}

/* "--name" or "--name=value" as typed: the whole name of long_opts[li]?
 * getopt_long takes any unambiguous prefix ("--rat" for --rate), so a flag
 * mistyped by a letter could silently be another: salvo takes whole names. */
static int whole_name_or_refuse(const char *given, int li)
{
    const char *name = given + 2;
    size_t n = strcspn(name, "=");
    if (n == strlen(long_opts[li].name) && strncmp(name, long_opts[li].name, n) == 0)
        return -1;
    return unknown_long(name, n, long_opts[li].name);
}

static int unknown_option(const char *arg)
{
    if (optopt > 0 && optopt < 256)
        return usage_error("unknown option '-%c'", optopt);
    if (optopt >= 256)
        return usage_error("option '%s' takes no value", arg);
    if (strncmp(arg, "--", 2) == 0) {
        size_t n = strcspn(arg + 2, "=");
        return unknown_long(arg + 2, n, nearest_option(arg + 2, n));
    }
    return usage_error("option '%s' is ambiguous or unknown", arg);
}

static int is_json_lines_name(const char *path)
{
    size_t n = strlen(path);
    return (n > 6 && strcmp(path + n - 6, ".jsonl") == 0) || (n > 7 && strcmp(path + n - 7, ".ndjson") == 0);
}

int salvo_args_parse(salvo_args_t *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    salvo_config_t *c = &a->cfg;
    salvo_config_init(c);
    a->output_fd = 1;
    if ((a->headers = calloc((size_t)argc + 1, sizeof *a->headers)) == NULL ||
        (a->redact = calloc((size_t)argc + 1, sizeof *a->redact)) == NULL ||
        (a->secret_headers = calloc(2 * (size_t)argc + 1, sizeof *a->secret_headers)) == NULL ||
        (a->secret_values = calloc((size_t)argc + 2 + SALVO_SECRET_COUNT, sizeof *a->secret_values)) == NULL)
        return out_of_memory();

    int o, li = -1, drain_set = 0;
    opterr = 0;
    optind = 0; /* glibc: start afresh, so argv can be parsed more than once (tests) */
    while ((o = getopt_long(argc, argv, ":H:o:hq", long_opts, &li)) != -1) {
        if (o == '?')
            return unknown_option(argv[optind - 1]);
        if (o == ':')
            return optopt > 0 && optopt < 256 ? usage_error("option '-%c' needs a value", optopt)
                                               : usage_error("option '%s' needs a value", argv[optind - 1]);
        if (li >= 0) { /* a long option: as typed, it is argv[optind - 1], or before its separate value */
            const char *given = optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2]
                                                                                      : argv[optind - 1];
            int rw = whole_name_or_refuse(given, li);
            if (rw >= 0)
                return rw;
            li = -1;
        }
        int r = parse_one(a, o, optarg, &drain_set);
        if (r >= 0)
            return r;
    }
    if (optind < argc)
        a->input_path = argv[optind++];
    if (!a->format_given && a->input_path && is_json_lines_name(a->input_path))
        c->format = SALVO_FORMAT_JSONL; /* orders.jsonl is JSON Lines without saying so */
    if (optind < argc)
        return usage_error("one input file at most, got '%s' too", argv[optind]);
    if (a->check_profile) { /* the first row (or a sample), as it would be sent */
        c->dry_run = 1;
        c->max_orders = 1;
    }
    int rb = check_exec(a);
    if (rb >= 0)
        return rb;
    if ((rb = tool_broker_load(a)) >= 0)
        return rb;
    if (a->profile && (rb = redact_profile_headers(a)) >= 0)
        return rb;
    if (c->url == NULL && a->exec_cmd == NULL)
        return usage_error("--url is required (or --broker, or --exec for a broker reached through SDK workers)");
    if (c->retry_ambiguous && c->idempotency_header == NULL)
        return usage_error("--retry-ambiguous needs the idempotency header (drop --no-idempotency-header)");
    if (c->resend_unknown && c->idempotency_header == NULL)
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
    if (!drain_set)
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

void salvo_args_free(salvo_args_t *a)
{
    /* Don't leave a key in freed memory; explicit_bzero, since a memset
     * before free() is a dead store the compiler may drop. */
    if (a->auth_header) {
        explicit_bzero(a->auth_header, strlen(a->auth_header));
        free(a->auth_header);
    }
    for (size_t i = 0; i < a->nsecret; i++) {
        explicit_bzero(a->secret_headers[i], strlen(a->secret_headers[i]));
        free(a->secret_headers[i]);
    }
    free(a->secret_headers);
    free(a->secret_values);
    salvo_secret_forms_free(&a->secret_forms);
    free(a->redact);
    free(a->id_prefix);
    free(a->warm_url);
    free(a->exec_line);
    free(a->headers);
    salvo_profile_free(a->profile);
    memset(a, 0, sizeof *a);
}
