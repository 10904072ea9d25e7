/* salvo: the command-line front end over libsalvo. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

#include "args.h"

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
    if (st->input_error || st->output_error)
        return SALVO_EXIT_IO;
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        if (i != SALVO_ACCEPTED && i != SALVO_DRY_RUN && i != SALVO_SKIPPED && st->count[i] > 0)
            return SALVO_EXIT_NOT_ACCEPTED;
    return st->not_sent ? SALVO_EXIT_NOT_ACCEPTED : SALVO_EXIT_OK;
}

static int run(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    char err[320];
    if (a->body_template) {
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
    } else if ((c->body = salvo_body_new_default()) == NULL) {
        return SALVO_EXIT_IO;
    }
    if (ensure_open_files(c->concurrency) < 0)
        return SALVO_EXIT_USAGE;
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

    salvo_stats_t st;
    int r = salvo_run(c, &st, err, sizeof err);
    if (r == -EINVAL) {
        fprintf(stderr, "salvo: %s\n", err);
        return SALVO_EXIT_USAGE;
    }
    if (r < 0) {
        fprintf(stderr, "salvo: %s\n", err);
        return SALVO_EXIT_IO;
    }
    if (st.input_error)
        fprintf(stderr, "salvo: reading %s: %s\n", a->input_path ? a->input_path : "stdin", strerror(st.input_error));
    if (st.output_error && st.output_error != EPIPE)
        fprintf(stderr, "salvo: writing results: %s\n", strerror(st.output_error));
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
    if (code < 0) {
        signal(SIGPIPE, SIG_IGN); /* a closed stdout is an EPIPE we handle */
        curl_global_init(CURL_GLOBAL_DEFAULT);
        code = run(&a);
        curl_global_cleanup();
        salvo_body_free(a.cfg.body);
    }
    salvo_args_free(&a);
    return code;
}
