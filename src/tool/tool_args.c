#include "tool_args.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lookup.h"
#include "parse.h"
#include "util.h"
#include "salvo/secret.h"
#include "tool_trace.h"

#include "salvo/salvo.h"

static const char usage_text[] =
    "usage: salvo --url URL [options] [FILE|-]\n"
    "Submit each order of FILE (CSV or JSON Lines; stdin when absent or -) as one HTTP\n"
    "request, within the rate and concurrency limits, printing one JSON line per order.\n"
    "\n"
    "Request:\n"
    "  --url URL               order endpoint (required)\n"
    "  --method M              HTTP method (default POST)\n"
    "  -H, --header 'N: v'     extra request header (repeatable; not for secrets)\n"
    "  --header-env N=VAR      header N with the value of environment variable VAR, kept secret\n"
    "                          like the API key (repeatable): APCA-API-SECRET-KEY=APCA_SECRET\n"
    "  --timeout DUR           total time per request (default 30s)\n"
    "  --connect-timeout DUR   time to connect (default 5s)\n"
    "  --api-key-env NAME      read the API key from env NAME (default SALVO_API_KEY); sent as\n"
    "                          'Authorization: Bearer KEY', never printed\n"
    "  --api-key-file FILE     read the API key from FILE instead: its first line (a BOM and the\n"
    "                          line end are dropped), at most 4095 bytes in all\n"
    "  --no-auth               send no credentials (a broker that needs none); without a key or a\n"
    "                          --header-env, salvo refuses to start unless this is given\n"
    "  --body-template FILE    JSON body with \"{{column}}\" / \"{{column:number}}\" values\n"
    "                          (default: symbol, price, quantity, side, type, client_order_id)\n"
    "  --id-prefix P           ids of orders without one are P-HASH, HASH from the order's fields\n"
    "                          and its number among identical rows (default: s + local YYMMDD);\n"
    "                          a new P sends the same orders again\n"
    "  --idempotency-header N  header carrying the client order id (default Idempotency-Key);\n"
    "                          a header name of at most 64 characters\n"
    "  --no-idempotency-header send no idempotency header\n"
    "  --http2                 use HTTP/2 over TLS when the server offers it\n"
    "  --h2-streams N          HTTP/2 requests in flight on one connection (default 1). More\n"
    "                          saves connections, but libcurl 7.88 can lose the answer of a\n"
    "                          server that ends a stream right after answering (nginx): such an\n"
    "                          order ends unknown\n"
    "  --insecure              do not verify the TLS peer (test servers only)\n"
    "  --cacert FILE           CA bundle for a private CA\n"
    "  --no-reuse              a fresh connection per order (default: keep-alive). Costs a TCP\n"
    "                          (and TLS) handshake per order; use it only with brokers that\n"
    "                          cannot deduplicate client order ids, since libcurl may resend a\n"
    "                          request on a reused connection that closed under it\n"
    "\n"
    "Market open:\n"
    "  --at TIME               send nothing before TIME: 08:59:59.950 (local, today),\n"
    "                          2026-11-30T08:59:59.950 (local), or with Z / +08:00. Until then the\n"
    "                          input is checked whole (as --check) and the connections warmed; the\n"
    "                          first order leaves within a millisecond of TIME. A past TIME is an\n"
    "                          error unless --at-late; more than 24 h ahead is an error\n"
    "  --at-late               a TIME already past fires at once\n"
    "  --warm N                connections to open before TIME (default with --at: the\n"
    "                          concurrency; 0: none)\n"
    "  --warm-url U            what the warm-up GETs (default: the order URL's origin, /); name a\n"
    "                          harmless endpoint of the broker's, e.g. Alpaca /v2/clock\n"
    "  --timings               each result carries dns/connect/tls/ttfb times\n"
    "\n"
    "Pacing:\n"
    "  --rate R                at most R orders per second: 100, 100/s, 6000/m, 0.5/s\n"
    "                          (default: unlimited)\n"
    "  --burst B               orders that may leave at once under --rate (default 1)\n"
    "  --window N/PERIOD       at most N orders in any trailing PERIOD: 50/1s, 250/10s, 200/1m\n"
    "  --concurrency C         requests in flight at most (default 32)\n"
    "\n"
    "Retries:\n"
    "  --retries N             further attempts for safe failures: connect errors, 429, 503\n"
    "                          (default 2)\n"
    "  --retry-backoff DUR     first backoff, doubled each time, full jitter (default 100ms)\n"
    "  --retry-max-backoff DUR backoff cap (default 5s); Retry-After is honoured\n"
    "  --retry-ambiguous       also retry outcomes that may have reached the broker (timeout\n"
    "                          after send, reset, 500/502/504); needs the idempotency header\n"
    "\n"
    "Order safety:\n"
    "  --journal FILE          record each order's sending and outcome, one write a line\n"
    "  --resume                continue the run FILE records: skip orders it saw accepted or\n"
    "                          rejected, send those never sent, report those sent without an\n"
    "                          outcome as unknown (needs --journal)\n"
    "  --fsync                 fsync the journal before each batch leaves (power-loss safe)\n"
    "  --resend-unknown        send again orders that may already be at the broker; safe only\n"
    "                          when the broker rejects duplicate client order ids\n"
    "  --reconcile-url T       look up each unknown order at T, which names {{client_order_id}}:\n"
    "                          found: accepted; 404: never arrived (sent again with\n"
    "                          --resend-unknown). Check T by hand first: a wrong path is a 404 too\n"
    "  --reconcile-id-pointer P  where the lookup's JSON answer holds the client order id (RFC 6901;\n"
    "                          default /client_order_id): a 200 that does not name the order\n"
    "                          leaves it unknown\n"
    "  --give-up-after N       stop sending after N orders in a row fail the same fatal way\n"
    "                          (401/403, TLS verification, connection refused); the rest are\n"
    "                          not_sent (default 5; 0: never)\n"
    "  --check                 validate the whole input first; send nothing if a row is bad\n"
    "  --max-orders N          send at most N orders (a file over it: nothing is sent)\n"
    "  --max-notional X        LIMIT orders worth at most X in all, sum of price x quantity\n"
    "                          (a file over it: nothing is sent)\n"
    "  --trace FILE            libcurl's wire trace; every line (HTTP/2's too) with the values of\n"
    "                          secret headers and the key and --header-env values replaced by ***\n"
    "  --redact-header N       one more secret header name for traces and --dry-run (repeatable;\n"
    "                          N-* names a prefix). Always secret: Authorization, cookies,\n"
    "                          X-API-KEY, API-Key, API-Sign, X-Auth-Token, X-MBX-APIKEY, APCA-API-*,\n"
    "                          CB-ACCESS-*, KC-API-*, OK-ACCESS-*, X-BAPI-*, ACCESS-*, X-GEMINI-*\n"
    "\n"
    "Input:\n"
    "  --input-format F        csv or jsonl (default csv)\n"
    "  --delimiter C           CSV field separator (default ,)\n"
    "  --no-header             the first row is data: symbol,price[,quantity[,side[,type]]]\n"
    "                          (default: a first row naming a 'symbol' column is the header)\n"
    "  --quantity Q            quantity for rows without one\n"
    "  --side BUY|SELL         side for rows without one (a row that disagrees is invalid)\n"
    "  --type LIMIT|MARKET     type for rows without one (default LIMIT)\n"
    "\n"
    "Output:\n"
    "  -o, --output FILE       results here instead of stdout\n"
    "  --summary-json FILE     the summary as JSON\n"
    "  --dry-run               send nothing; print each request instead\n"
    "  --drain-timeout DUR     on SIGINT/SIGTERM, wait this long for requests in flight\n"
    "                          (default: the request timeout); a second SIGINT stops at once\n"
    "  --seed N                seed for retry jitter (default: time-based)\n"
    "  -h, --help              this text\n"
    "  --version               print the version\n"
    "\n"
    "Exit: 0 all accepted, 1 some order not accepted, 2 usage or configuration error,\n"
    "3 input or output error, 130 SIGINT, 143 SIGTERM.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("salvo: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see salvo --help)\n", stderr);
    va_end(ap);
    return SALVO_EXIT_USAGE;
}

static int out_of_memory(void)
{
    fputs("salvo: out of memory\n", stderr);
    return SALVO_EXIT_IO;
}

static int bad(const char *flag, const char *val, const char *want)
{
    return usage_error("%s '%s': %s", flag, val, want);
}

#define IDEM_NAME_MAX 64 /* the engine formats "Name: id" into a fixed buffer */

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

static int valid_header(const char *h)
{
    const char *colon = strchr(h, ':');
    if (colon == NULL || colon == h || strpbrk(h, "\r\n") != NULL)
        return 0;
    for (const char *p = h; p < colon; p++)
        if (*p <= ' ' || *p >= 0x7f)
            return 0;
    return 1;
}

#define KEY_MAX 4095 /* bytes of an API key */
#define BEARER "Authorization: Bearer "

/* All of path, up to KEY_MAX + 1 bytes into buf (so a longer file is seen
 * to be longer, never cut). A pipe is fine: --api-key-file <(pass show k). */
static int read_key_file(const char *path, char *buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return usage_error("--api-key-file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return usage_error("--api-key-file %s: is a directory, not a file holding the key", path);
    }
    size_t n = 0;
    while (n < KEY_MAX + 1) {
        ssize_t r = read(fd, buf + n, KEY_MAX + 1 - n);
        if (r == 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return usage_error("--api-key-file %s: %s", path, strerror(e));
        }
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    if (n > KEY_MAX)
        return usage_error("--api-key-file %s: the file is over %d bytes; it should hold just the key", path,
                           KEY_MAX);
    return 0;
}

/* The key is the file's first line: a BOM before it and the CR/LF after it
 * are no part of it. *key points into buf. */
static int key_from_file(const char *path, char *buf, size_t n, char **key)
{
    if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
        buf += 3;
        n -= 3;
    }
    if (n == 0)
        return usage_error("--api-key-file %s: the file is empty", path);
    size_t first = 0;
    while (first < n && buf[first] != '\r' && buf[first] != '\n')
        first++;
    if (first == 0)
        return usage_error("--api-key-file %s: the first line is blank; put the key on the first line", path);
    if (memchr(buf, '\0', first) != NULL) /* a C string would stop there: a cut key */
        return usage_error("--api-key-file %s: the key holds a NUL byte", path);
    buf[first] = '\0';
    *key = buf;
    return 0;
}

static int no_key_error(void)
{
    return usage_error("no API key: set SALVO_API_KEY (or name the variable with --api-key-env), use "
                       "--api-key-file FILE or --header-env NAME=VAR, or pass --no-auth for a broker that "
                       "needs no credentials");
}

/* The API key never comes from argv: only from the environment or a file. */
static int load_api_key(salvo_args_t *a)
{
    if (a->no_auth) {
        if (a->api_key_file || a->api_key_env)
            return usage_error("--no-auth and %s contradict each other: drop one",
                               a->api_key_file ? "--api-key-file" : "--api-key-env");
        return 0; /* $SALVO_API_KEY, if set, is for another run */
    }
    char buf[KEY_MAX + 2];
    char *key = NULL;
    int r = 0;
    if (a->api_key_file) {
        size_t n = 0;
        if ((r = read_key_file(a->api_key_file, buf, &n)) == 0)
            r = key_from_file(a->api_key_file, buf, n, &key);
    } else {
        const char *name = a->api_key_env ? a->api_key_env : "SALVO_API_KEY";
        const char *v = getenv(name);
        if (v == NULL || *v == '\0') {
            if (a->api_key_env)
                return usage_error("--api-key-env %s: that variable is not set", name);
            /* Sending with no credentials must be asked for: 401s per order
             * after the fact are a poor way to learn the key was missing. */
            return a->nsecret || a->cfg.dry_run ? 0 : no_key_error();
        }
        if (strlen(v) > KEY_MAX)
            return usage_error("--api-key-env %s: the key is over %d bytes", name, KEY_MAX);
        key = strcpy(buf, v);
    }
    for (const char *p = key; r == 0 && *p; p++)
        if ((unsigned char)*p < 0x21 || *p == 0x7f)
            r = a->api_key_file
                    ? usage_error("--api-key-file %s: the key holds a space or control character", a->api_key_file)
                    : usage_error("$%s: the key holds a space or control character",
                                  a->api_key_env ? a->api_key_env : "SALVO_API_KEY");
    size_t len = strlen(BEARER) + (key ? strlen(key) : 0) + 1;
    if (r == 0 && (a->auth_header = malloc(len)) == NULL)
        r = out_of_memory();
    if (r == 0) {
        snprintf(a->auth_header, len, BEARER "%s", key);
        a->secret_values[a->nvalues++] = a->auth_header + strlen(BEARER);
    }
    explicit_bzero(buf, sizeof buf); /* memset here could be optimised away */
    return r;
}

/* While salvo holds a secret, no other process of the same user may read
 * its memory (ptrace, /proc/PID/mem) and no core dump is written: a gcore
 * of a running salvo would hold the key. The price: a crashing salvo
 * leaves no core file, and a debugger must attach as root. */
static void hold_secrets_privately(const salvo_args_t *a)
{
#ifdef __linux__
    if (a->nvalues > 0)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#else
    (void)a;
#endif
}

/* Rerunning the same file the same day gives the same ids, so a broker
 * that deduplicates client order ids catches a double run. */
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

/* --header-env NAME=VAR: a secret header whose value never touches argv. */
static int add_env_header(salvo_args_t *a, const char *v)
{
    const char *eq = strchr(v, '=');
    if (eq == NULL || eq == v || eq[1] == '\0')
        return bad("--header-env", v, "expected NAME=VARIABLE");
    size_t nlen = (size_t)(eq - v);
    const char *val = getenv(eq + 1);
    if (val == NULL || *val == '\0')
        return usage_error("--header-env %s: variable %s is not set", v, eq + 1);
    size_t len = nlen + 2 + strlen(val) + 1;
    char *h = malloc(len);
    if (h == NULL)
        return out_of_memory();
    snprintf(h, len, "%.*s: %s", (int)nlen, v, val);
    if (!valid_header(h)) {
        explicit_bzero(h, len);
        free(h);
        return usage_error("--header-env %.*s: not a valid header name, or the value holds a line break",
                           (int)nlen, v);
    }
    h[nlen] = '\0'; /* the name alone, for the redaction list */
    char *name = strdup(h);
    h[nlen] = ':';
    if (name == NULL)
        return free(h), out_of_memory();
    a->secret_headers[a->nsecret++] = h;
    a->secret_headers[a->nsecret++] = name;
    a->secret_values[a->nvalues++] = h + nlen + 2;
    a->headers[a->nheaders++] = h;
    a->redact[a->nredact++] = name;
    return -1;
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
    int64_t now = salvo_unix_us(), ahead = a->at_unix_us - now;
    if (ahead < 0 && !a->at_late)
        return usage_error("--at %s was %.3f s ago (pass --at-late to fire at once)", a->at, (double)-ahead / 1e6);
    if (ahead > 24LL * 3600 * 1000000)
        return usage_error("--at %s is more than 24 hours ahead", a->at);
    a->check = 1;
    if (!a->warm_given)
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
    c->at_unix_us = a->at_unix_us;
    return -1;
}

/* A secret header named with -H would sit in argv, readable in ps. */
static int refuse_secret_headers(const salvo_args_t *a)
{
    for (size_t i = 0; i < a->nheaders; i++) {
        const char *h = a->headers[i];
        int from_env = 0;
        for (size_t k = 0; k < a->nsecret; k++)
            from_env |= a->secret_headers[k] == h;
        if (!from_env && salvo_header_secret_at(h, strlen(h), a->redact, a->nredact))
            return usage_error("--header: '%.*s' carries a secret: pass it with --header-env or --api-key-env, "
                               "never in argv", (int)strcspn(h, ":"), h);
    }
    return -1;
}

enum {
    O_URL = 256, O_METHOD, O_TIMEOUT, O_CTIMEOUT, O_KEYENV, O_KEYFILE, O_TEMPLATE, O_IDPREFIX, O_IDEMHDR,
    O_NOIDEM, O_HTTP2, O_INSECURE, O_CACERT, O_NOREUSE, O_RATE, O_BURST, O_WINDOW, O_CONC, O_RETRIES,
    O_BACKOFF, O_MAXBACKOFF, O_RETRYAMB, O_FORMAT, O_DELIM, O_NOHEADER, O_QTY, O_SIDE, O_TYPE,
    O_SUMMARY, O_DRYRUN, O_DRAIN, O_SEED, O_VERSION, O_JOURNAL, O_RESUME, O_JFSYNC, O_RESEND, O_RECONCILE,
    O_CHECK, O_MAXORDERS, O_MAXNOTIONAL, O_TRACE, O_REDACT, O_HDRENV, O_NOAUTH,
    O_RECPTR, O_GIVEUP, O_H2STREAMS, O_AT, O_ATLATE, O_WARM, O_WARMURL, O_TIMINGS,
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
    {"journal", 1, 0, O_JOURNAL}, {"resume", 0, 0, O_RESUME}, {"fsync", 0, 0, O_JFSYNC},
    {"resend-unknown", 0, 0, O_RESEND}, {"reconcile-url", 1, 0, O_RECONCILE}, {"check", 0, 0, O_CHECK},
    {"max-orders", 1, 0, O_MAXORDERS}, {"max-notional", 1, 0, O_MAXNOTIONAL}, {"trace", 1, 0, O_TRACE},
    {"redact-header", 1, 0, O_REDACT}, {"header-env", 1, 0, O_HDRENV}, {"no-auth", 0, 0, O_NOAUTH},
    {"reconcile-id-pointer", 1, 0, O_RECPTR}, {"give-up-after", 1, 0, O_GIVEUP},
    {"h2-streams", 1, 0, O_H2STREAMS}, {"at", 1, 0, O_AT}, {"at-late", 0, 0, O_ATLATE},
    {"warm", 1, 0, O_WARM}, {"warm-url", 1, 0, O_WARMURL}, {"timings", 0, 0, O_TIMINGS},
    {"help", 0, 0, 'h'}, {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};

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
        break;
    case O_METHOD:
        if (!*v || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(v))
            return bad(flag, v, "expected an upper-case method such as POST or PUT");
        c->method = v;
        break;
    case 'H':
        if (!valid_header(v))
            return bad("--header", v, "expected 'Name: value'");
        a->headers[a->nheaders++] = v;
        break;
    case O_HDRENV:
        return add_env_header(a, v);
    case O_REDACT:
        if (!*v || strpbrk(v, ": \t\r\n") != NULL)
            return bad(flag, v, "expected a header name");
        a->redact[a->nredact++] = v;
        break;
    case O_JOURNAL: a->journal_path = v; break;
    case O_RESUME: a->resume = 1; break;
    case O_JFSYNC: a->fsync = 1; break;
    case O_RESEND: c->resend_unknown = 1; break;
    case O_RECONCILE:
        if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) || !salvo_lookup_template_ok(v))
            return bad(flag, v, "expected an http(s) URL naming {{client_order_id}}");
        c->reconcile_url = v;
        break;
    case O_CHECK: a->check = 1; break;
    case O_AT:
        if (salvo_parse_at(v, &a->at_unix_us) < 0)
            return bad(flag, v, "expected a time: 08:59:59.950 (today, local), 2026-11-30T08:59:59.950, "
                                "or with a zone: ...Z or ...+08:00");
        a->at = v;
        break;
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
        break;
    case O_BURST:
        if (salvo_parse_uint(v, 1, 1000000, &u))
            return bad(flag, v, "expected a whole number from 1");
        c->burst = (uint32_t)u;
        break;
    case O_WINDOW:
        if (salvo_parse_window(v, &c->window_n, &c->window_ns) || c->window_n > 10000000)
            return bad(flag, v, "expected N/PERIOD such as 50/1s, 250/10s or 200/1m");
        break;
    case O_CONC:
        if (salvo_parse_uint(v, 1, 100000, &u))
            return bad(flag, v, "expected a whole number from 1 to 100000");
        c->concurrency = (uint32_t)u;
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
    case 'h': fputs(usage_text, stdout); return SALVO_EXIT_OK;
    case O_VERSION:
        printf("salvo %s (libsalvo %s, %s)\n", SALVO_VERSION_STRING, salvo_version(), curl_version());
        return SALVO_EXIT_OK;
    default: return usage_error("unknown option");
    }
    return -1;
}

/* getopt_long said '?'. optopt tells which case: a short option (argv
 * still points before it when it sat in a cluster like -zh), a value
 * given to a flag that takes none (its long option's value), or an
 * unknown or ambiguous long option (0). */
static int unknown_option(const char *arg)
{
    if (optopt > 0 && optopt < 256)
        return usage_error("unknown option '-%c'", optopt);
    if (optopt >= 256)
        return usage_error("option '%s' takes no value", arg);
    return usage_error("option '%s' is ambiguous or unknown", arg);
}

int salvo_args_parse(salvo_args_t *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    salvo_config_t *c = &a->cfg;
    c->method = "POST";
    c->timeout_ns = 30 * SALVO_NS_PER_SEC;
    c->connect_timeout_ns = 5 * SALVO_NS_PER_SEC;
    c->concurrency = 32;
    c->give_up_after = 5;
    c->burst = 1;
    c->retries = 2;
    c->backoff_ns = 100 * SALVO_NS_PER_MS;
    c->max_backoff_ns = 5 * SALVO_NS_PER_SEC;
    c->delim = ',';
    c->idempotency_header = "Idempotency-Key";
    c->input_fd = 0;
    a->output_fd = 1;
    if ((a->headers = calloc((size_t)argc + 1, sizeof *a->headers)) == NULL ||
        (a->redact = calloc((size_t)argc + 1, sizeof *a->redact)) == NULL ||
        (a->secret_headers = calloc(2 * (size_t)argc + 1, sizeof *a->secret_headers)) == NULL ||
        (a->secret_values = calloc((size_t)argc + 2, sizeof *a->secret_values)) == NULL)
        return out_of_memory();

    int o, drain_set = 0;
    opterr = 0;
    optind = 0; /* glibc: start afresh, so argv can be parsed more than once (tests) */
    while ((o = getopt_long(argc, argv, ":H:o:h", long_opts, NULL)) != -1) {
        if (o == '?')
            return unknown_option(argv[optind - 1]);
        if (o == ':')
            return optopt > 0 && optopt < 256 ? usage_error("option '-%c' needs a value", optopt)
                                               : usage_error("option '%s' needs a value", argv[optind - 1]);
        int r = parse_one(a, o, optarg, &drain_set);
        if (r >= 0)
            return r;
    }
    if (optind < argc)
        a->input_path = argv[optind++];
    if (optind < argc)
        return usage_error("one input file at most, got '%s' too", argv[optind]);
    if (c->url == NULL)
        return usage_error("--url is required");
    if (c->retry_ambiguous && c->idempotency_header == NULL)
        return usage_error("--retry-ambiguous needs the idempotency header (drop --no-idempotency-header)");
    if (c->resend_unknown && c->idempotency_header == NULL)
        return usage_error("--resend-unknown needs the idempotency header (drop --no-idempotency-header)");
    if ((a->resume || a->fsync) && a->journal_path == NULL)
        return usage_error("%s needs --journal FILE", a->resume ? "--resume" : "--fsync");
    c->redact = a->redact;
    c->nredact = a->nredact;
    int r = refuse_secret_headers(a);
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
    r = load_api_key(a);
    if (r != 0)
        return r;
    c->auth_header = a->auth_header;
    a->secrets = (salvo_secrets_t){a->redact, a->nredact, a->secret_values, a->nvalues};
    hold_secrets_privately(a);
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
    free(a->redact);
    free(a->id_prefix);
    free(a->warm_url);
    free(a->headers);
    memset(a, 0, sizeof *a);
}
