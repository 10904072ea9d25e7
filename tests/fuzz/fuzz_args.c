/* salvo's command line: the input split at NUL bytes is argv (after
 * "salvo"). Any argv gives "go on" (-1) or an exit code, and nothing leaks.
 * --api-key-file would open a path the input names: every spelling of it
 * is pointed at /dev/null (an empty key file) instead. */
#include <getopt.h>
#include <string.h>

#include "fuzz.h"
#include "tool_args.h"

#define MAX_ARGS 64

/* "--api-key-f", "--api-key-file=x", ...: getopt_long takes any unambiguous prefix. */
static int names_key_file(const char *arg)
{
    size_t n = strcspn(arg, "=");
    return n >= strlen("--api-key-f") && strncmp(arg, "--api-key-file", n) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "salvo";
    for (char *p = buf; p <= buf + size && argc <= MAX_ARGS; p += strlen(p) + 1)
        argv[argc++] = names_key_file(p) ? "--api-key-file=/dev/null" : p;
    argv[argc] = NULL;

    optind = 0; /* getopt keeps state between calls: 0 starts it afresh */
    salvo_args_t a;
    int r = salvo_args_parse(&a, argc, argv);
    FUZZ_CHECK(r == -1 || r == SALVO_EXIT_OK || r == SALVO_EXIT_USAGE || r == SALVO_EXIT_IO);
    if (r == -1) {
        FUZZ_CHECK((a.cfg.url != NULL) != (a.cfg.exec_argv != NULL) && a.cfg.defaults.id_prefix != NULL);
        FUZZ_CHECK(a.cfg.exec_argv == NULL || (a.cfg.workers >= 1 && a.cfg.concurrency <= a.cfg.workers));
        FUZZ_CHECK(a.cfg.concurrency >= 1 && a.cfg.retries < SALVO_MAX_ATTEMPTS);
    }
    salvo_args_free(&a);
    free(buf);
    return 0;
}
