/* The command line: what a key file may hold, flags by their whole names,
 * and the mistakes salvo_args_check_environment catches before anything is
 * sent. (Which names and values are secret: test_secret.c.) */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "tool_args.h"
#include "testutil.h"

/* ---- the command line: key files, names, --no-auth ---- */

static int parse(salvo_args_t *a, const char *const *argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return salvo_args_parse(a, argc, (char **)argv);
}

static void write_file(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

struct keycase {
    const char *name, *data;
    size_t len;   /* 0: strlen(data) */
    int code;     /* -1: parsed */
    const char *header;
};

static void test_key_files(void **state)
{
    (void)state;
    unsetenv("SALVO_API_KEY");
    char path[256], big[5000];
    temp_path(path, sizeof path, "key");
    memset(big, 'k', sizeof big);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1); /* no key held yet */
    const struct keycase cases[] = {
        {"plain", "abc", 0, -1, "Authorization: Bearer abc"},
        {"LF", "abc\n", 0, -1, "Authorization: Bearer abc"},
        {"CRLF", "abc\r\n", 0, -1, "Authorization: Bearer abc"},
        {"more lines", "abc\nnotes\n", 0, -1, "Authorization: Bearer abc"},
        {"BOM", "\xef\xbb\xbf" "abc\n", 0, -1, "Authorization: Bearer abc"},
        {"exactly 4095 bytes", big, 4095, -1, NULL},
        {"4096 bytes: refused, not cut", big, 4096, SALVO_EXIT_USAGE, NULL},
        {"5000 bytes", big, 5000, SALVO_EXIT_USAGE, NULL},
        {"empty", "", 0, SALVO_EXIT_USAGE, NULL},
        {"only a BOM", "\xef\xbb\xbf", 0, SALVO_EXIT_USAGE, NULL},
        {"blank first line", "\nabc\n", 0, SALVO_EXIT_USAGE, NULL},
        {"CR first", "\r\nabc", 0, SALVO_EXIT_USAGE, NULL},
        {"a space in the key", "ab c\n", 0, SALVO_EXIT_USAGE, NULL},
        {"a NUL in the key", "ab\0c\n", 5, SALVO_EXIT_USAGE, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct keycase *c = &cases[i];
        write_file(path, c->data, c->len ? c->len : strlen(c->data));
        const char *argv[] = {"salvo", "--url", "http://h/o", "--api-key-file", path, NULL};
        salvo_args_t a;
        int code = parse(&a, argv);
        if (code != c->code)
            fail_msg("%s: exit %d, want %d", c->name, code, c->code);
        if (c->header && (a.auth_header == NULL || strcmp(a.auth_header, c->header) != 0))
            fail_msg("%s: header \"%s\"", c->name, a.auth_header ? a.auth_header : "(none)");
        if (code < 0 && c->len == 4095)
            assert_int_equal(strlen(a.auth_header), strlen("Authorization: Bearer ") + 4095);
        if (code < 0) { /* the trace learns the key's value */
            assert_int_equal(a.nvalues, 1); /* one value held; a.secrets has it in all its forms */
            assert_string_equal(a.secrets.values[0], a.auth_header + strlen("Authorization: Bearer "));
        }
        salvo_args_free(&a);
    }
    unlink(path);
    /* Holding a key, the process is not dumpable: no core, no ptrace by the same user. */
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    const char *dir_argv[] = {"salvo", "--url", "http://h/o", "--api-key-file", "/tmp", NULL};
    salvo_args_t a;
    assert_int_equal(parse(&a, dir_argv), SALVO_EXIT_USAGE);
    salvo_args_free(&a);
}

static void test_no_auth(void **state)
{
    (void)state;
    salvo_args_t a;
    unsetenv("SALVO_API_KEY");
    const char *none[] = {"salvo", "--url", "http://h/o", NULL};
    assert_int_equal(parse(&a, none), SALVO_EXIT_USAGE);
    salvo_args_free(&a);
    setenv("SALVO_API_KEY", "", 1);
    assert_int_equal(parse(&a, none), SALVO_EXIT_USAGE);
    salvo_args_free(&a);
    const char *no_auth[] = {"salvo", "--url", "http://h/o", "--no-auth", NULL};
    assert_int_equal(parse(&a, no_auth), -1);
    assert_null(a.cfg.auth_header);
    salvo_args_free(&a);
    const char *dry[] = {"salvo", "--url", "http://h/o", "--dry-run", NULL};
    assert_int_equal(parse(&a, dry), -1); /* nothing is sent */
    salvo_args_free(&a);
    setenv("DESK_T", "d3sk", 1);
    const char *env_hdr[] = {"salvo", "--url", "http://h/o", "--header-env", "X-Desk-Token=DESK_T", NULL};
    assert_int_equal(parse(&a, env_hdr), -1); /* a secret header is a credential */
    assert_int_equal(a.nvalues, 1);
    assert_string_equal(a.secrets.values[0], "d3sk");
    assert_int_equal(a.secrets.nnames, 1);
    salvo_args_free(&a);
    setenv("SALVO_API_KEY", "envkey", 1);
    assert_int_equal(parse(&a, no_auth), -1); /* asked for none: the variable is for another run */
    assert_null(a.cfg.auth_header);
    salvo_args_free(&a);
    const char *both[] = {"salvo", "--url", "http://h/o", "--no-auth", "--api-key-env", "SALVO_API_KEY", NULL};
    assert_int_equal(parse(&a, both), SALVO_EXIT_USAGE);
    salvo_args_free(&a);
    assert_int_equal(parse(&a, none), -1);
    assert_string_equal(a.cfg.auth_header, "Authorization: Bearer envkey");
    salvo_args_free(&a);
    unsetenv("SALVO_API_KEY");
}

/* Long options by their whole names only: getopt_long would take "--rat"
 * for --rate, so a flag mistyped by a letter could silently be another. */
static void test_long_options_exact(void **state)
{
    (void)state;
    salvo_args_t a;
    struct {
        const char *argv[6];
        int code;
    } cases[] = {
        {{"--rate", "10"}, -1},
        {{"--rate=10"}, -1},
        {{"--rat", "10"}, SALVO_EXIT_USAGE},
        {{"--rat=10"}, SALVO_EXIT_USAGE},
        {{"--concurr", "4"}, SALVO_EXIT_USAGE},
        {{"--insec"}, SALVO_EXIT_USAGE},
        {{"--header", "--rat: 1"}, -1}, /* a value that looks like a flag is a value */
        {{"-H", "X-A: 1", "--retries", "1"}, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *argv[12] = {"salvo", "--no-auth", "--url", "http://h/o"};
        size_t n = 4;
        for (size_t k = 0; k < 6 && cases[i].argv[k]; k++)
            argv[n++] = cases[i].argv[k];
        int got = parse(&a, argv);
        salvo_args_free(&a);
        if (got != cases[i].code)
            fail_msg("%s %s: %d, want %d", cases[i].argv[0], cases[i].argv[1] ? cases[i].argv[1] : "", got,
                     cases[i].code);
    }
}

static void test_header_names(void **state)
{
    (void)state;
    salvo_args_t a;
    const char *refused[] = {"X-API-KEY: a", "api-key: a", "CB-ACCESS-SIGN: a", "kc-api-passphrase: a",
                             "OK-ACCESS-KEY: a", "X-BAPI-API-KEY: a", "ACCESS-TOKEN: a", "Authorization: a"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        const char *argv[] = {"salvo", "--url", "http://h/o", "--no-auth", "-H", refused[i], NULL};
        if (parse(&a, argv) != SALVO_EXIT_USAGE)
            fail_msg("-H '%s' was taken", refused[i]);
        salvo_args_free(&a);
    }
    const char *fine[] = {"salvo", "--url", "http://h/o", "--no-auth", "-H", "Access-Control-Request-Method: POST",
                          NULL};
    assert_int_equal(parse(&a, fine), -1);
    salvo_args_free(&a);

    char long_name[80];
    memset(long_name, 'X', sizeof long_name);
    struct {
        const char *name;
        int code;
    } idem[] = {
        {"Idempotency-Key", -1}, {"X-Client-Order-Id", -1}, {"a!#$%&'*+-.^_`|~9", -1}, {"", SALVO_EXIT_USAGE},
        {"Idem Key", SALVO_EXIT_USAGE}, {"Idem:Key", SALVO_EXIT_USAGE}, {"Idem(Key)", SALVO_EXIT_USAGE},
        {"Idem\"Key", SALVO_EXIT_USAGE}, {"Idé", SALVO_EXIT_USAGE}, {NULL, 0},
    };
    long_name[64] = '\0';
    idem[sizeof idem / sizeof *idem - 1].name = long_name; /* 64: the most */
    idem[sizeof idem / sizeof *idem - 1].code = -1;
    for (size_t i = 0; i < sizeof idem / sizeof *idem; i++) {
        const char *argv[] = {"salvo", "--url", "http://h/o", "--no-auth", "--idempotency-header", idem[i].name, NULL};
        int code = parse(&a, argv);
        if (code != idem[i].code)
            fail_msg("--idempotency-header '%s': %d, want %d", idem[i].name, code, idem[i].code);
        salvo_args_free(&a);
    }
    long_name[64] = 'X';
    long_name[65] = '\0';
    const char *too_long[] = {"salvo", "--url", "http://h/o", "--no-auth", "--idempotency-header", long_name, NULL};
    assert_int_equal(parse(&a, too_long), SALVO_EXIT_USAGE);
    salvo_args_free(&a);
}

/* ---- salvo_args_check_environment ---- */

static int check(const char *const *argv)
{
    salvo_args_t a;
    int code = parse(&a, argv);
    if (code < 0)
        code = salvo_args_check_environment(&a);
    salvo_args_free(&a);
    return code;
}

static void test_check_environment(void **state)
{
    (void)state;
    char in[256], lnk[256], other[256], ro_dir[256], ro_file[256], full[256];
    temp_path(in, sizeof in, "in.csv");
    temp_path(full, sizeof full, "results.ndjson");
    write_file(full, "{\"seq\":1}\n", 11);
    temp_path(lnk, sizeof lnk, "link.csv");
    temp_path(other, sizeof other, "other");
    temp_path(ro_dir, sizeof ro_dir, "rodir");
    temp_path(ro_file, sizeof ro_file, "ro.json");
    write_file(in, "symbol,price\n", 13);
    assert_int_equal(link(in, lnk), 0);
    write_file(other, "", 0);
    write_file(ro_file, "", 0);
    chmod(ro_file, 0400);
    rmdir(ro_dir);
    assert_int_equal(mkdir(ro_dir, 0500), 0);
    char in_ro_dir[300];
    snprintf(in_ro_dir, sizeof in_ro_dir, "%s/sum.json", ro_dir);
    int root = geteuid() == 0; /* root writes anywhere */

    struct {
        const char *what;
        const char *argv[10];
        int code;
    } cases[] = {
        {"fine", {"--url", "http://127.0.0.1:1/orders", in}, -1},
        {"IPv6 literal", {"--url", "http://[::1]:8080/orders", in}, -1},
        {"malformed URL", {"--url", "http://[::1/orders", in}, SALVO_EXIT_USAGE},
        {"bad port", {"--url", "https://h:99999/orders", in}, SALVO_EXIT_USAGE},
        {"space in host", {"--url", "http://a b/orders", in}, SALVO_EXIT_USAGE},
        {"reconcile fine", {"--url", "http://h/o", "--reconcile-url", "http://h/o/{{client_order_id}}", in}, -1},
        {"reconcile malformed", {"--url", "http://h/o", "--reconcile-url", "http://[::1/{{client_order_id}}", in},
         SALVO_EXIT_USAGE},
        {"cacert missing", {"--url", "http://h/o", "--cacert", "/nonexistent/ca.pem", in}, SALVO_EXIT_USAGE},
        {"cacert a directory", {"--url", "http://h/o", "--cacert", "/tmp", in}, SALVO_EXIT_USAGE},
        {"cacert fine", {"--url", "http://h/o", "--cacert", other, in}, -1},
        {"-o is the input", {"--url", "http://h/o", "-o", in, in}, SALVO_EXIT_USAGE},
        {"-o is a link to the input", {"--url", "http://h/o", "-o", lnk, in}, SALVO_EXIT_USAGE},
        {"--trace is the input", {"--url", "http://h/o", "--trace", in, in}, SALVO_EXIT_USAGE},
        {"--journal is the input", {"--url", "http://h/o", "--journal", lnk, in}, SALVO_EXIT_USAGE},
        {"--summary-json is the input", {"--url", "http://h/o", "--summary-json", in, in}, SALVO_EXIT_USAGE},
        {"-o another file", {"--url", "http://h/o", "-o", other, in}, -1},
        {"-o a file that holds something", {"--url", "http://h/o", "-o", full, in}, SALVO_EXIT_USAGE},
        {"-o it, --force", {"--url", "http://h/o", "-o", full, "--force", in}, -1},
        {"-o it, --append", {"--url", "http://h/o", "-o", full, "--append", in}, -1},
        {"-o it, --resume: appends", {"--url", "http://h/o", "--journal", "j", "--resume", "-o", full, in}, -1},
        {"-o it, --force --append", {"--url", "http://h/o", "-o", full, "--force", "--append", in}, SALVO_EXIT_USAGE},
        {"--force without -o", {"--url", "http://h/o", "--force", in}, SALVO_EXIT_USAGE},
        {"-o - is stdout: --append has no file", {"--url", "http://h/o", "-o", "-", "--append", in}, SALVO_EXIT_USAGE},
        {"summary in a missing directory", {"--url", "http://h/o", "--summary-json", "/nonexistent/s.json", in},
         SALVO_EXIT_IO},
        {"summary is a directory", {"--url", "http://h/o", "--summary-json", "/tmp", in}, SALVO_EXIT_IO},
        {"summary in a read-only directory", {"--url", "http://h/o", "--summary-json", in_ro_dir, in},
         root ? -1 : SALVO_EXIT_IO},
        {"summary a read-only file", {"--url", "http://h/o", "--summary-json", ro_file, in}, root ? -1 : SALVO_EXIT_IO},
        {"summary a new file", {"--url", "http://h/o", "--summary-json", "sum-new.json", in}, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *argv[12] = {"salvo", "--no-auth"};
        size_t n = 2;
        for (size_t k = 0; cases[i].argv[k]; k++)
            argv[n++] = cases[i].argv[k];
        int code = check(argv);
        if (code != cases[i].code)
            fail_msg("%s: %d, want %d", cases[i].what, code, cases[i].code);
    }
    /* stdin's file is the input too: salvo -o f - < f */
    int saved = dup(0);
    int fd = open(in, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    const char *from_stdin[] = {"salvo", "--no-auth", "--url", "http://h/o", "-o", in, "-", NULL};
    int code = check(from_stdin);
    dup2(saved, 0);
    close(saved);
    assert_int_equal(code, SALVO_EXIT_USAGE);
    unlink(in);
    unlink(lnk);
    unlink(other);
    unlink(full);
    unlink(ro_file);
    rmdir(ro_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_check_environment),
        cmocka_unit_test(test_key_files), /* the first to hold a key: the process turns undumpable */
        cmocka_unit_test(test_no_auth),
        cmocka_unit_test(test_long_options_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
