/* The table of salvo's flags and the parsers of the values a kind of
 * value cannot check alone. See tool_flags.h. */
#include "tool_flags.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lookup.h"
#include "parse.h"
#include "salvo/salvo.h"
#include "tool_broker.h"
#include "tool_help.h"
#include "tool_msgs.h"
#include "tool_secrets.h"

#define IDEM_NAME_MAX 64 /* a header name, not a paragraph */

/* ================= the values a kind cannot say ================= */

static int is_http_url(const char *v)
{
    return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

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

static int p_method(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (!*v || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(v))
        return bad(flag, v, want);
    a->cfg.method = v;
    a->given.method = 1;
    return -1;
}

static int p_broker(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (!*v)
        return bad(flag, v, want);
    a->broker = v;
    return -1;
}

static int p_secret_env(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    (void)flag, (void)want;
    return tool_broker_secret_env(a, v);
}

static int p_header(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (!tool_valid_header(v))
        return bad(flag, v, want);
    a->headers[a->nheaders++] = v; /* room for every argv */
    return -1;
}

static int p_header_env(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    (void)flag, (void)want;
    return tool_add_env_header(a, v);
}

static int p_redact(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (!*v || strpbrk(v, ": \t\r\n") != NULL)
        return bad(flag, v, want);
    a->redact[a->nredact++] = v; /* room for every argv */
    return -1;
}

static int p_reconcile(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (!is_http_url(v) || !salvo_lookup_template_ok(v))
        return bad(flag, v, want);
    a->cfg.reconcile_url = v;
    return -1;
}

static int p_pointer(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (*v != '/')
        return bad(flag, v, want);
    a->cfg.reconcile_pointer = v;
    return -1;
}

static int p_at(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    char why[200];
    if (salvo_parse_at(v, &a->at_unix_us, why, sizeof why) < 0)
        return bad(flag, v, why[0] ? why : want);
    a->at = v;
    a->given.at = 1;
    return -1;
}

static int p_exec(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (strspn(v, " \t") == strlen(v))
        return bad(flag, v, want);
    a->exec_cmd = v;
    return -1;
}

static int p_max_notional(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !(x > 0) || x > 1e18)
        return bad(flag, v, want);
    a->cfg.max_notional = x;
    return -1;
}

static int p_id_prefix(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (!*v || strlen(v) > 64 || strpbrk(v, " \t\r\n\"\\") != NULL)
        return bad(flag, v, want);
    free(a->id_prefix);
    if ((a->id_prefix = strdup(v)) == NULL)
        return out_of_memory();
    a->id_prefix_given = 1;
    return -1;
}

static int p_idem_header(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (!is_token(v) || strlen(v) > IDEM_NAME_MAX)
        return bad(flag, v, want);
    a->cfg.idempotency_header = v;
    return -1;
}

static int p_no_idem(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    (void)v, (void)flag, (void)want;
    a->cfg.idempotency_header = NULL;
    return -1;
}

static int p_http2(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    (void)v, (void)want;
    if (!(curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2))
        return usage_error("%s: this libcurl (%s) was built without HTTP/2", flag, curl_version());
    a->cfg.http2 = 1;
    return -1;
}

static int p_rate(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (salvo_parse_rate(v, &a->cfg.rate) || a->cfg.rate > 1e6)
        return bad(flag, v, want);
    a->given.rate = 1;
    return -1;
}

static int p_window(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (salvo_parse_window(v, &a->cfg.window_n, &a->cfg.window_ns) || a->cfg.window_n > 10000000)
        return bad(flag, v, want);
    a->given.window = 1;
    return -1;
}

static int p_rate_per(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    salvo_config_t *c = &a->cfg;
    if (salvo_parse_rate_per(v, &c->rate_per_cols, &c->rate_per_n, &c->rate_per_ns) || c->rate_per_n > 100000)
        return bad(flag, v, want);
    a->given.rate_per = 1;
    return -1;
}

static int p_format(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (strcmp(v, "csv") == 0)
        a->cfg.format = SALVO_FORMAT_CSV;
    else if (strcmp(v, "jsonl") == 0)
        a->cfg.format = SALVO_FORMAT_JSONL;
    else
        return bad(flag, v, want);
    a->format_given = 1;
    return -1;
}

static int p_delimiter(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    if (strcmp(v, "\\t") == 0 || strcmp(v, "tab") == 0)
        v = "\t";
    if (strlen(v) != 1 || *v == '"' || *v == '\n' || *v == '\r')
        return bad(flag, v, want);
    a->cfg.delim = *v;
    return -1;
}

static int p_help(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    (void)v, (void)flag, (void)want;
    fputs(a->op == SALVO_OP_SEND ? tool_usage_text : tool_op_usage_text, stdout);
    return SALVO_EXIT_OK;
}

static int p_version(salvo_args_t *a, const char *v, const char *flag, const char *want)
{
    (void)a, (void)v, (void)flag, (void)want;
    tool_print_version();
    return SALVO_EXIT_OK;
}

/* A target's offset and size, checked as far as C11 lets a constant be:
 * a whole number's target is 4 or 8 bytes (else an array of size -1), and
 * a pointer's, a flag's or a duration's has that type (else the row
 * compares distinct pointer types, which -Werror refuses). */
#define SIZE(f) sizeof(((salvo_args_t *)0)->f)
#define AT(f) offsetof(salvo_args_t, f) + 0 * sizeof(char[SIZE(f) == 4 || SIZE(f) == 8 ? 1 : -1]), SIZE(f)
#define TYPED(f, T) offsetof(salvo_args_t, f) + 0 * sizeof(&((salvo_args_t *)0)->f == (T *)0), SIZE(f)
#define GIVEN(f) (offsetof(salvo_args_t, f) + 1)

#define BOOL(n, l, f) {n, l, ARG_BOOL, 0, TYPED(f, int), 0, 0, 0, NULL, NULL}
#define STRING(n, l, f) {n, l, ARG_STRING, 1, TYPED(f, const char *), 0, 0, 0, NULL, NULL}
#define URL(n, f, g, want) {n, 0, ARG_URL, 1, TYPED(f, const char *), g, 0, 0, want, NULL}
#define UINT(n, f, lo, hi, g, want) {n, 0, ARG_UINT, 1, AT(f), g, lo, hi, want, NULL}
#define DURATION(n, f, least, g, want) {n, 0, ARG_DURATION, 1, TYPED(f, int64_t), g, least, 0, want, NULL}
#define OWN(n, l, takes, fn, want) {n, l, ARG_OWN, takes, 0, 0, 0, 0, 0, want, fn}

/* Every flag of `salvo` (`salvo report`'s are tool_report_main.c's). Its
 * --help line is in tool_help.c and its entry in docs/man/salvo.1.in:
 * tests/e2e/docs.sh keeps the three in step. The order is the typo hint's
 * tie-break (the first nearest name wins): a new flag goes at the end,
 * where it changes no hint given today. */
const tool_flag_t tool_flags[] = {
    URL("url", cfg.url, GIVEN(given.url), "expected an http:// or https:// URL"),
    OWN("method", 0, 1, p_method, "expected an upper-case method such as POST or PUT"),
    OWN("header", 'H', 1, p_header, "expected 'Name: value'"),
    DURATION("timeout", cfg.timeout_ns, SALVO_NS_PER_MS, 0, "expected a duration such as 30s or 500ms"),
    DURATION("connect-timeout", cfg.connect_timeout_ns, SALVO_NS_PER_MS, 0, "expected a duration such as 5s"),
    STRING("api-key-env", 0, api_key_env),
    STRING("api-key-file", 0, api_key_file),
    STRING("body-template", 0, body_template),
    OWN("id-prefix", 0, 1, p_id_prefix, "expected up to 64 printable characters without spaces"),
    OWN("idempotency-header", 0, 1, p_idem_header,
        "expected a header name: 1 to 64 letters, digits or !#$%&'*+-.^_`|~"),
    OWN("no-idempotency-header", 0, 0, p_no_idem, NULL),
    OWN("http2", 0, 0, p_http2, NULL),
    BOOL("insecure", 0, cfg.insecure),
    STRING("cacert", 0, cfg.cacert),
    BOOL("no-reuse", 0, cfg.no_reuse),
    OWN("rate", 0, 1, p_rate, "expected a rate such as 100, 100/s, 6000/m or 0.5/s (at most 1000000/s)"),
    UINT("burst", cfg.burst, 1, 1000000, 0, "expected a whole number from 1"),
    OWN("window", 0, 1, p_window, "expected N/PERIOD such as 50/1s, 250/10s or 200/1m"),
    UINT("concurrency", cfg.concurrency, 1, 100000, GIVEN(given.concurrency),
         "expected a whole number from 1 to 100000"),
    UINT("retries", cfg.retries, 0, SALVO_MAX_ATTEMPTS - 1, 0, "expected a whole number from 0 to 15"),
    DURATION("retry-backoff", cfg.backoff_ns, 0, 0, "expected a duration such as 100ms"),
    DURATION("retry-max-backoff", cfg.max_backoff_ns, 0, 0, "expected a duration such as 5s"),
    BOOL("retry-ambiguous", 0, cfg.retry_ambiguous),
    OWN("input-format", 0, 1, p_format, "expected csv or jsonl"),
    OWN("delimiter", 0, 1, p_delimiter, "expected one character (or \\t)"),
    BOOL("no-header", 0, cfg.no_header),
    STRING("quantity", 0, cfg.defaults.quantity),
    STRING("side", 0, cfg.defaults.side),
    STRING("type", 0, cfg.defaults.type),
    STRING("output", 'o', output_path),
    STRING("summary-json", 0, summary_json),
    BOOL("dry-run", 0, cfg.dry_run),
    DURATION("drain-timeout", drain_timeout_ns, 0, GIVEN(drain_given), "expected a duration such as 10s"),
    UINT("seed", cfg.seed, 0, UINT64_MAX, 0, "expected a whole number"),
    STRING("journal", 0, journal_path),
    BOOL("resume", 0, resume),
    BOOL("resume-old-journal", 0, resume_old_journal),
    BOOL("fsync", 0, fsync),
    BOOL("resend-unknown", 0, cfg.resend_unknown),
    OWN("reconcile-url", 0, 1, p_reconcile, "expected an http(s) URL naming {{client_order_id}}"),
    BOOL("check", 0, check),
    UINT("max-orders", cfg.max_orders, 1, UINT64_MAX, 0, "expected a whole number from 1"),
    OWN("max-notional", 0, 1, p_max_notional, "expected a positive amount such as 250000"),
    STRING("trace", 0, trace_path),
    OWN("redact-header", 0, 1, p_redact, "expected a header name"),
    OWN("header-env", 0, 1, p_header_env, NULL),
    BOOL("no-auth", 0, no_auth),
    OWN("reconcile-id-pointer", 0, 1, p_pointer,
        "expected a JSON pointer such as /client_order_id or /0/clientOrderId"),
    UINT("give-up-after", cfg.give_up_after, 0, 1000000, 0, "expected a whole number (0: never give up)"),
    UINT("h2-streams", cfg.h2_streams, 1, 1000, 0, "expected a whole number from 1 to 1000"),
    OWN("at", 0, 1, p_at, "expected a time: 08:59:59.950 (today, local), 2026-11-30T08:59:59.950, "
                          "or with a zone: ...Z or ...+08:00"),
    BOOL("at-late", 0, at_late),
    UINT("warm", cfg.warm, 0, 100000, GIVEN(warm_given), "expected a whole number of connections (0: none)"),
    URL("warm-url", cfg.warm_url, 0, "expected an http:// or https:// URL the broker answers harmlessly"),
    BOOL("timings", 0, cfg.timings),
    OWN("exec", 0, 1, p_exec, "expected a command such as 'python3 bridges/fubon_neo.py'"),
    UINT("workers", cfg.workers, 1, 1000, GIVEN(workers_given),
         "expected a whole number of worker processes from 1 to 1000"),
    DURATION("exec-start-timeout", cfg.exec_start_timeout_ns, SALVO_NS_PER_MS, 0, "expected a duration such as 30s"),
    BOOL("exec-lookup", 0, cfg.exec_lookup),
    OWN("broker", 0, 1, p_broker, "expected a bundled profile's name (binance) or a FILE.json"),
    BOOL("sandbox", 0, sandbox),
    OWN("secret-env", 0, 1, p_secret_env, NULL),
    BOOL("check-profile", 0, check_profile),
    BOOL("decimal-quantity", 0, cfg.defaults.decimal_quantity),
    BOOL("quiet", 'q', quiet),
    OWN("help", 'h', 0, p_help, NULL),
    OWN("version", 0, 0, p_version, NULL),
    BOOL("force", 0, force),
    BOOL("append", 0, append),
    STRING("clock", 0, clock), /* checked and used in tool_broker.c */
    OWN("rate-per", 0, 1, p_rate_per, "expected COLUMN=N/PERIOD such as symbol=60/2s or symbol+side=20/1s "
                                      "(COLUMN: symbol, side, type, joined by +; N at most 100000)"),
    UINT("batch", cfg.batch, 2, 1000, 0, "expected a whole number of orders per request, from 2"),
    URL("batch-url", batch_url_arg, 0, "expected an http:// or https:// URL"),
    DURATION("cancel-after", cancel_after_ns, SALVO_NS_PER_MS, 0, "expected a duration such as 5s or 500ms"),
};
const size_t tool_nflags = sizeof tool_flags / sizeof *tool_flags;

/* ================= one flag ================= */

static void put_uint(void *p, size_t size, uint64_t u)
{
    if (size == sizeof(uint64_t))
        memcpy(p, &u, sizeof u);
    else {
        uint32_t w = (uint32_t)u; /* bounds of at most UINT32_MAX for 4-byte targets */
        memcpy(p, &w, sizeof w);
    }
}

int tool_flag_take(salvo_args_t *a, const tool_flag_t *f, const char *v)
{
    char flag[48];
    char *target = (char *)a + f->field;
    uint64_t u;
    int64_t ns;
    snprintf(flag, sizeof flag, "--%s", f->name);
    switch ((enum arg_kind)f->kind) {
    case ARG_BOOL:
        *(int *)(void *)target = 1;
        break;
    case ARG_URL:
        if (!is_http_url(v))
            return bad(flag, v, f->want);
        /* fall through */
    case ARG_STRING:
        *(const char **)(void *)target = v;
        break;
    case ARG_UINT:
        if (salvo_parse_uint(v, f->min, f->max, &u))
            return bad(flag, v, f->want);
        put_uint(target, f->size, u);
        break;
    case ARG_DURATION:
        if (salvo_parse_duration(v, &ns) || ns < (int64_t)f->min)
            return bad(flag, v, f->want);
        *(int64_t *)(void *)target = ns;
        break;
    case ARG_OWN: {
        int r = f->parse(a, v, flag, f->want);
        if (r >= 0)
            return r;
        break;
    }
    }
    if (f->given)
        *(int *)(void *)((char *)a + f->given - 1) = 1;
    return -1;
}
