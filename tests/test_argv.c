/* salvo's command line: what a bad flag is told, and that every path
 * through the parser frees what it took (ASan's leak check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <getopt.h>

#include "tool_args.h"

/* Parse a space-separated command line; what it prints goes into msg. */
static int parse_line(const char *line, char *msg, size_t msglen)
{
    char buf[512], *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    argv[argc++] = "salvo";
    for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;

    FILE *cap = tmpfile();
    assert_non_null(cap);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved = dup(2);
    dup2(fileno(cap), 1);
    dup2(fileno(cap), 2);
    optind = 0; /* getopt's state from the last parse */
    salvo_args_t a;
    int r = salvo_args_parse(&a, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved, 2);
    close(saved_out);
    close(saved);
    salvo_args_free(&a);
    rewind(cap);
    size_t n = fread(msg, 1, msglen - 1, cap);
    msg[n] = '\0';
    fclose(cap);
    return r;
}

static void expect_usage(const char *line, const char *want)
{
    char msg[512];
    int r = parse_line(line, msg, sizeof msg);
    if (r != SALVO_EXIT_USAGE || strstr(msg, want) == NULL)
        fail_msg("'%s': exit %d, message '%s', want '%s'", line, r, msg, want);
}

/* The message names the flag the user typed: an unknown short option in
 * a cluster was reported as argv[0] ("unknown option 'salvo'"), and a
 * value given to a flag that takes none as an unknown option. */
static void test_bad_flags_named(void **state)
{
    (void)state;
    expect_usage("-zh", "unknown option '-z'");
    expect_usage("--url http://h/o -x", "unknown option '-x'"); /* -q is --quiet */
    expect_usage("--url http://h/o --frobnicate", "unknown option '--frobnicate'");
    expect_usage("--url http://h/o --rat 5", "unknown option '--rat': did you mean --rate?"); /* not --rate */
    expect_usage("--url http://h/o --concurency 5", "did you mean --concurrency?");
    expect_usage("--url http://h/o --resume=yes", "option '--resume=yes' takes no value");
    expect_usage("--url http://h/o --quiet=1", "option '--quiet=1' takes no value"); /* not "unknown option '-q'" */
    expect_usage("--url http://h/o --re", "unknown option '--re'"); /* the start of several */
    expect_usage("--url", "option '--url' needs a value");
    expect_usage("--url http://h/o -H", "option '-H' needs a value");
    expect_usage("--url http://h/o --output", "option '--output' needs a value"); /* not '-o' */
    expect_usage("--url ftp://h/o", "--url 'ftp://h/o'");
    expect_usage("--url http://h/o --rate 5 --rate fast", "--rate 'fast'");
}

static void test_good_line(void **state)
{
    (void)state;
    unsetenv("SALVO_API_KEY");
    char msg[512];
    assert_int_equal(parse_line("--url http://h/o --no-auth --rate 100/s --id-prefix p --id-prefix q -H X-A:1 -", msg,
                                sizeof msg), -1);
    assert_string_equal(msg, "");
    assert_int_equal(parse_line("--help", msg, sizeof msg), SALVO_EXIT_OK);
    assert_non_null(strstr(msg, "usage: salvo --url URL"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_flags_named),
        cmocka_unit_test(test_good_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
