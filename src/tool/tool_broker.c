/* --broker: loading a profile, its defaults, its secrets. */
#include "tool_broker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "sign.h"
#include "tool_msgs.h"
#include "tool_op.h"
#include "util.h"

#define PROFILE_MAX (1 << 20)

static const char *const slot_names[SALVO_SECRET_COUNT] = {"key", "secret", "passphrase"};

int tool_broker_secret_env(salvo_args_t *a, const char *v)
{
    const char *eq = strchr(v, '=');
    for (int s = 0; eq && s < SALVO_SECRET_COUNT; s++) {
        if (strlen(slot_names[s]) == (size_t)(eq - v) && strncmp(v, slot_names[s], (size_t)(eq - v)) == 0 &&
            eq[1] != '\0') {
            a->secret_env[s] = eq + 1;
            return -1;
        }
    }
    return usage_error("--secret-env '%s': expected key=VAR, secret=VAR or passphrase=VAR", v);
}

/* A bundled profile's file: $SALVO_BROKERS_DIR, beside the installed
 * binary (../share/salvo/brokers), the install prefix, the source tree. */
static char *find_bundled(const char *name, size_t *len, char *path, size_t cap)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash)
        *slash = '\0';
    const char *dirs[4] = {getenv("SALVO_BROKERS_DIR"), NULL, SALVO_BROKERS_DIR, SALVO_SOURCE_BROKERS_DIR};
    char beside[4200];
    if (slash) {
        snprintf(beside, sizeof beside, "%s/../share/salvo/brokers", exe);
        dirs[1] = beside;
    }
    for (size_t i = 0; i < 4; i++) {
        if (dirs[i] == NULL || dirs[i][0] == '\0')
            continue;
        snprintf(path, cap, "%s/%s.json", dirs[i], name);
        char *text = salvo_read_path(path, PROFILE_MAX, len);
        if (text)
            return text;
    }
    return NULL;
}

static int is_file_name(const char *v)
{
    size_t n = strlen(v);
    return strchr(v, '/') != NULL || (n > 5 && strcmp(v + n - 5, ".json") == 0);
}

/* a->broker's profile for op (enum salvo_op) into *out. -1 to go on, or
 * an exit code (said; for a profile without the op's request, how else). */
static int read_profile_op(const salvo_args_t *a, int op, salvo_profile_t **out)
{
    char path[4400];
    size_t len = 0;
    char *text;
    if (is_file_name(a->broker)) {
        snprintf(path, sizeof path, "%s", a->broker);
        if ((text = salvo_read_path(path, PROFILE_MAX, &len)) == NULL)
            return usage_error("--broker %s: %s", a->broker, strerror(errno));
    } else if ((text = find_bundled(a->broker, &len, path, sizeof path)) == NULL) {
        return usage_error("--broker %s: no such bundled profile (see examples/brokers/, or give a FILE.json)",
                           a->broker);
    }
    char err[320];
    int r = salvo_profile_parse_op(out, text, len, op, err, sizeof err);
    free(text);
    if (r == -ENOMEM)
        return out_of_memory();
    if (r == -ENOENT && a->op == SALVO_OP_SEND) /* --cancel-after */
        return usage_error("--cancel-after: --broker %s: %s (docs/profiles.md, \"Cancel and status\")", a->broker,
                           err);
    if (r == -ENOENT)
        return usage_error("--broker %s: %s (docs/profiles.md, \"Cancel and status\"); or give --url naming the "
                           "order, such as https://broker/orders/{{client_order_id}}", a->broker, err);
    if (r < 0)
        return usage_error("--broker %s: %s", path, err);
    return -1;
}

static int read_profile(salvo_args_t *a) { return read_profile_op(a, a->op, &a->profile); }

/* The warm-up GET on the origin of the URL in use (--sandbox, --url):
 * warm_url's path there, so a test or sandbox run never warms the live
 * broker. */
static char *on_origin(const char *url, const char *other)
{
    const char *s = strstr(url, "://");
    size_t origin = s ? (size_t)(s + 3 - url) + strcspn(s + 3, "/?#") : strlen(url);
    const char *os = strstr(other, "://");
    const char *path = os ? os + 3 + strcspn(os + 3, "/?#") : other;
    size_t n = origin + strlen(path) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s%s%s", (int)origin, url, *path == '/' ? "" : "/", path);
    return out;
}

static int rebase_warm_url(salvo_args_t *a, const char *warm)
{
    free(a->warm_url);
    if ((a->warm_url = on_origin(a->cfg.url, warm)) == NULL)
        return out_of_memory();
    a->cfg.warm_url = a->warm_url;
    return -1;
}

/* --batch: a profile's batch request, and where it goes: --batch-url, or
 * the batch url's path on --url's origin (a test server, a sandbox: the
 * singles and the batches go to the same place), else the profile's. */
static int settle_batch(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    unsigned max = salvo_profile_batch_max(a->profile);
    if (c->batch < 2)
        return -1;
    if (max == 0)
        return usage_error("--batch: the %s profile has no \"batch\" request (docs/profiles.md, \"Batches\")",
                           salvo_profile_name(a->profile));
    if (c->batch > max)
        return usage_error("--batch %u: the %s profile's batch request carries at most %u orders", c->batch,
                           salvo_profile_name(a->profile), max);
    if (a->batch_url_arg) {
        c->batch_url = a->batch_url_arg;
    } else if (a->given.url && c->batch_url) {
        free(a->batch_url);
        if ((a->batch_url = on_origin(c->url, c->batch_url)) == NULL)
            return out_of_memory();
        c->batch_url = a->batch_url;
    }
    if (c->batch_url == NULL)
        return usage_error("--batch: the %s profile has no batch sandbox_url; give --batch-url",
                           salvo_profile_name(a->profile));
    const char *bm = salvo_profile_batch_method(a->profile), *m = c->method ? c->method : "POST";
    if (strcmp(bm, m) != 0)
        return usage_error("--batch: the %s profile's batch request is a %s, its orders' a %s: one run sends one "
                           "method", salvo_profile_name(a->profile), bm, m);
    if (strstr(c->url, "{{"))
        return usage_error("--batch: the order URL names columns (%s): each order goes to its own URL, which a "
                           "batch cannot keep", c->url);
    return -1;
}

/* --retry-ambiguous and --resend-unknown send again an order that may be
 * at the broker: safe only where the broker never places an id twice, or
 * honours the idempotency header. -1 to go on, or an exit code. */
static int check_resend(const salvo_args_t *a)
{
    const salvo_config_t *c = &a->cfg;
    const char *flag = c->retry_ambiguous ? "--retry-ambiguous" : c->resend_unknown ? "--resend-unknown" : NULL;
    if (flag == NULL || c->idempotency_header || salvo_profile_dedupes_client_id(a->profile))
        return -1;
    return usage_error("%s: the %s profile's broker may place a client order id twice (no \"dedupes_client_id\") "
                       "and the profile sends no idempotency header: an order sent again could execute twice "
                       "(--idempotency-header NAME if the broker honours one)", flag, salvo_profile_name(a->profile));
}

/* The profile wired into the configuration where no flag says otherwise
 * (salvo_config_apply_profile); the body comes later (tool_main.c). */
static int apply_defaults(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    unsigned flags = SALVO_PROFILE_NO_BODY | (a->sandbox ? SALVO_PROFILE_SANDBOX : 0) |
                     (a->given.url ? SALVO_PROFILE_KEEP_URL : 0) | (a->given.method ? SALVO_PROFILE_KEEP_METHOD : 0) |
                     (a->given.rate ? SALVO_PROFILE_KEEP_RATE : 0) | (a->given.window ? SALVO_PROFILE_KEEP_WINDOW : 0) |
                     (a->given.rate_per ? SALVO_PROFILE_KEEP_RATE_PER : 0) |
                     (a->given.concurrency ? SALVO_PROFILE_KEEP_CONCURRENCY : 0) |
                     (a->body_template ? SALVO_PROFILE_OWN_BODY : 0);
    char err[320];
    int r = salvo_config_apply_profile(c, a->profile, flags, err, sizeof err);
    if (r == -ENOMEM)
        return out_of_memory();
    if (r == -ENOENT)
        return usage_error("--broker %s: %s%s; give --url", a->broker, err, a->sandbox ? " (--sandbox)" : "");
    if (r < 0)
        return usage_error("--broker %s: %s", a->broker, err);
    if (c->warm_url == NULL && a->given.at && salvo_profile_warm_url(a->profile))
        return rebase_warm_url(a, salvo_profile_warm_url(a->profile));
    return -1;
}

static const char *secret_var(const salvo_args_t *a, int s)
{
    return a->secret_env[s] ? a->secret_env[s] : salvo_profile_secret_var(a->profile, s);
}

/* "its key in $A (not set), its secret in $B (empty)" for every secret
 * profile p needs and the environment lacks, into buf: how many. */
static int missing_secrets_of(const salvo_args_t *a, const salvo_profile_t *p, char *buf, size_t cap)
{
    int n = 0;
    size_t k = 0;
    buf[0] = '\0';
    for (int s = 0; s < SALVO_SECRET_COUNT; s++) {
        if (!salvo_profile_needs(p, s))
            continue;
        const char *v = getenv(secret_var(a, s));
        if (v != NULL && *v != '\0')
            continue;
        k = tool_put(buf, cap, k, "%sits %s in $%s (%s)", n++ ? ", " : "", slot_names[s], secret_var(a, s),
                     v ? "empty" : "not set");
    }
    return n;
}

static int missing_secrets(const salvo_args_t *a, char *buf, size_t cap)
{
    return missing_secrets_of(a, a->profile, buf, cap);
}

int tool_broker_check_secrets(const salvo_args_t *a)
{
    char missing[600];
    if (a->profile == NULL || missing_secrets(a, missing, sizeof missing) == 0)
        return -1;
    return tool_fail(SALVO_EXIT_USAGE, "--check-profile: %s needs %s: a real run would refuse to start",
                     salvo_profile_name(a->profile), missing);
}

/* Each secret the profile uses, from its variable (or --secret-env). A
 * dry run or --check-profile goes on without: nothing is signed then. A
 * real run names every one missing at once. */
/* Remember v for the trace's redaction, once. */
static void note_secret_value(salvo_args_t *a, const char *v)
{
    for (size_t i = 0; i < a->nvalues; i++)
        if (a->secret_values[i] == v || strcmp(a->secret_values[i], v) == 0)
            return;
    a->secret_values[a->nvalues++] = v; /* at most one a slot: room is kept for them */
}

/* The secrets p needs, from their variables, into p. */
static int set_secrets(salvo_args_t *a, salvo_profile_t *p)
{
    for (int s = 0; s < SALVO_SECRET_COUNT; s++) {
        if (!salvo_profile_needs(p, s))
            continue;
        const char *var = secret_var(a, s);
        const char *v = getenv(var);
        if (v == NULL || *v == '\0')
            continue; /* a dry run, or --check-profile: nothing is signed */
        if (s != SALVO_SECRET_SECRET && strpbrk(v, "\r\n")) /* named as given, --secret-env or not */
            return usage_error("--broker %s: $%s holds a line break (CR or LF)", salvo_profile_name(p), var);
        char err[256];
        int r = salvo_profile_set_secret(p, s, v, strlen(v), err, sizeof err);
        if (r == -ENOMEM)
            return out_of_memory();
        if (r < 0)
            return usage_error("--broker %s: %s", salvo_profile_name(p), err);
        note_secret_value(a, v);
    }
    return -1;
}

/* --cancel-after: the profile's cancel request, ready before any order
 * leaves: its secrets set, and asking only for what results carry. */
static int load_cancel_request(salvo_args_t *a)
{
    char missing[600], err[320];
    int r = read_profile_op(a, SALVO_OP_CANCEL, &a->cancel_profile);
    if (r >= 0)
        return r;
    if (!a->cfg.dry_run && missing_secrets_of(a, a->cancel_profile, missing, sizeof missing) > 0)
        return usage_error("--cancel-after: --broker %s's cancel request needs %s", a->broker, missing);
    if ((r = set_secrets(a, a->cancel_profile)) >= 0)
        return r;
    if (salvo_profile_url(a->cancel_profile, a->sandbox) == NULL)
        return usage_error("--cancel-after: --broker %s's cancel request has no %s", a->broker,
                           a->sandbox ? "sandbox_url (--sandbox)" : "url");
    salvo_body_t *b;
    int br = salvo_profile_new_body(&b, a->cancel_profile, salvo_profile_url(a->cancel_profile, a->sandbox), err,
                                    sizeof err);
    if (br == -ENOMEM)
        return out_of_memory();
    if (br < 0)
        return usage_error("--cancel-after: --broker %s: %s", a->broker, err);
    r = tool_op_check_columns(b, "--cancel-after", SALVO_OP_CANCEL);
    salvo_body_free(b);
    return r;
}

static int load_secrets(salvo_args_t *a)
{
    char missing[600];
    if (!a->cfg.dry_run && !a->check_profile && missing_secrets(a, missing, sizeof missing) > 0)
        return usage_error("--broker %s needs %s (or --secret-env NAME=VAR)", salvo_profile_name(a->profile),
                           missing);
    int r = set_secrets(a, a->profile);
    return r < 0 && a->cancel_after_ns ? load_cancel_request(a) : r;
}

/* --clock MS: a dry run signs as at MS (a broker's published example). A
 * request so signed is stale at the broker, and its nonce repeats from run
 * to run: never sent. -1 to go on (the clock in *ms, 0 when none), or an
 * exit code. */
static int check_clock(const salvo_args_t *a, int64_t *ms)
{
    uint64_t u;
    *ms = 0;
    if (a->clock == NULL)
        return -1;
    if (salvo_parse_uint(a->clock, 1, 253402300799999ULL, &u)) /* to 9999-12-31 */
        return bad("--clock", a->clock, "expected Unix time in milliseconds, such as 1499827319559");
    if (a->broker == NULL)
        return usage_error("--clock fixes a profile's signing clock: it needs --broker NAME|FILE");
    if (!a->cfg.dry_run)
        return usage_error("--clock %s is for --dry-run and --check-profile only: a request signed at a fixed "
                           "time would be refused by the broker (and its nonce repeats from run to run)", a->clock);
    *ms = (int64_t)u;
    return -1;
}

int tool_broker_load(salvo_args_t *a)
{
    int64_t clock_ms;
    int rc = check_clock(a, &clock_ms);
    if (rc >= 0)
        return rc;
    if (a->broker == NULL) {
        if (a->sandbox || a->check_profile)
            return usage_error("%s needs --broker NAME|FILE", a->sandbox ? "--sandbox" : "--check-profile");
        return -1;
    }
    int r = read_profile(a);
    if (r < 0)
        r = apply_defaults(a);
    if (r < 0)
        r = settle_batch(a);
    if (r < 0)
        r = check_resend(a);
    if (r < 0)
        r = load_secrets(a);
    if (r < 0 && clock_ms)
        salvo_sign_fix_clock(a->profile, clock_ms);
    if (r < 0)
        a->cfg.profile = a->profile;
    return r;
}

int tool_broker_shape_body(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    char err[320];
    if (a->profile && !a->body_template)
        return -1; /* the profile's own: salvo_profile_new_body shaped it */
    int r = a->profile ? salvo_body_set_encoding(c->body, salvo_profile_encoding(a->profile), err, sizeof err) : 0;
    if (r == 0 && c->url)
        r = salvo_body_set_url(c->body, c->url, err, sizeof err);
    if (r == -ENOMEM)
        return out_of_memory();
    if (r < 0)
        return usage_error("%s: %s", a->profile ? a->broker : "--url", err);
    return -1;
}

void tool_broker_describe(const salvo_args_t *a, FILE *out)
{
    const salvo_profile_t *p = a->profile;
    fprintf(out, "salvo: profile %s%s%s\n", salvo_profile_name(p), *salvo_profile_about(p) ? ": " : "",
            salvo_profile_about(p));
    fprintf(out, "salvo: sends %s %s\n", a->cfg.method, a->cfg.url);
    for (int s = 0; s < SALVO_SECRET_COUNT; s++) {
        if (!salvo_profile_needs(p, s))
            continue;
        const char *var = secret_var(a, s);
        const char *v = getenv(var);
        fprintf(out, "salvo: its %s comes from $%s (%s)\n", slot_names[s], var, !v ? "NOT SET" : *v ? "set" : "EMPTY");
    }
}
