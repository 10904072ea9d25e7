/* The secrets the salvo command holds: the API key (from the environment
 * or a file, never argv), --header-env values, and the refusal of a secret
 * header named on the command line. */
#include "tool_secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <unistd.h>

#include "salvo/secret.h"
#include "tool_msgs.h"

int tool_valid_header(const char *h)
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
int tool_load_api_key(salvo_args_t *a)
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

int tool_gather_secrets(salvo_args_t *a)
{
    for (size_t i = 0; i < a->nvalues; i++)
        if (salvo_secret_forms_add(&a->secret_forms, a->secret_values[i], strlen(a->secret_values[i])) < 0)
            return out_of_memory();
    a->secrets = (salvo_secrets_t){a->redact, a->nredact, (const char *const *)a->secret_forms.forms,
                                   a->secret_forms.n};
    return -1;
}

/* While salvo holds a secret, no other process of the same user may read
 * its memory (ptrace, /proc/PID/mem) and no core dump is written: a gcore
 * of a running salvo would hold the key. The price: a crashing salvo
 * leaves no core file, and a debugger must attach as root. */
void tool_hold_secrets_privately(const salvo_args_t *a)
{
#ifdef __linux__
    if (a->nvalues > 0)
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#else
    (void)a;
#endif
}

/* --header-env NAME=VAR: a secret header whose value never touches argv. */
int tool_add_env_header(salvo_args_t *a, const char *v)
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
    if (!tool_valid_header(h)) {
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

/* A secret header named with -H would sit in argv, readable in ps. */
int tool_refuse_secret_headers(const salvo_args_t *a)
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
