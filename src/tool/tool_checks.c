/* Mistakes caught before the first order leaves: a URL libcurl cannot
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
#include <unistd.h>

#include <curl/curl.h>

#include "lookup.h"
#include "tool_msgs.h"

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
        (r = check_summary_writable(a->summary_json)) >= 0)
        return r;
    return -1;
}
