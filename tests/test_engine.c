/* The engine through its public API, on a loop the test owns, against real
 * salvo-mock processes: two engines at once, stop from a callback, hold.
 * SALVO_MOCK names the mock binary. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "salvo/salvo.h"

extern char **environ;

typedef struct mock {
    pid_t pid;
    char url[128];
} mock_t;

/* Start salvo-mock on a free port; wait for its port file (an event). */
static void mock_start(mock_t *m, const char *dir, const char *name, const char *extra)
{
    const char *bin = getenv("SALVO_MOCK");
    assert_non_null(bin);
    char pf[256];
    snprintf(pf, sizeof pf, "%s/%s.port", dir, name);
    char *argv[] = {(char *)bin, "--listen", "127.0.0.1:0", "--port-file", pf, extra ? (char *)extra : NULL,
                    extra ? "20ms" : NULL, NULL};
    assert_int_equal(posix_spawn(&m->pid, bin, NULL, NULL, argv, environ), 0);
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(pf, "r");
        int port = 0;
        if (f && fscanf(f, "%d", &port) == 1 && port > 0) {
            fclose(f);
            snprintf(m->url, sizeof m->url, "http://127.0.0.1:%d/orders", port);
            return;
        }
        if (f)
            fclose(f);
        usleep(10000);
    }
    fail_msg("salvo-mock did not start");
}

/* The mock exits 0 on SIGTERM; anything else (a sanitizer report in it
 * exits non-zero) fails the test. */
static void mock_stop(mock_t *m)
{
    int status = 0;
    kill(m->pid, SIGTERM);
    assert_int_equal(waitpid(m->pid, &status, 0), m->pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("salvo-mock ended with status 0x%x (a sanitizer report is on stderr)", status);
}

static int orders_file(const char *dir, const char *name, int n, const char *sym)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "symbol,price,quantity,side\n");
    for (int i = 1; i <= n; i++)
        fprintf(f, "%s%d,%d.5,%d,BUY\n", sym, i, 100 + i % 50, 1 + i % 9);
    fclose(f);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    return fd;
}

/* What one engine saw. */
typedef struct run {
    salvo_engine_t *e;
    uint64_t results, by_status[SALVO_STATUS_COUNT];
    int done;
    struct { /* from on_done's stats, through the accessors */
        int64_t orders, invariant_broken, input_unread, stop_reason;
    } st;
    uint64_t stop_after; /* stop from on_result after this many (0: never) */
    int bad_symbol;      /* a result for an order of the other engine */
    char prefix;
} run_t;

static void on_result(void *ud, const salvo_result_t *r)
{
    run_t *run = ud;
    run->results++;
    run->by_status[r->status]++;
    if (salvo_order_field(r->order, SALVO_COL_SYMBOL)[0] != run->prefix)
        run->bad_symbol = 1;
    if (run->stop_after && run->results == run->stop_after)
        salvo_engine_stop(run->e, SALVO_STOP_DRAIN, "the test had enough");
}

static void on_done(void *ud, const salvo_stats_t *st)
{
    run_t *run = ud;
    run->done++;
    run->st.orders = salvo_stats_get(st, SALVO_STAT_ORDERS);
    run->st.invariant_broken = salvo_stats_get(st, SALVO_STAT_INVARIANT_BROKEN);
    run->st.input_unread = salvo_stats_get(st, SALVO_STAT_INPUT_UNREAD);
    run->st.stop_reason = salvo_stats_get(st, SALVO_STAT_STOP_REASON);
}

static salvo_config_t config(const char *url, int fd, salvo_body_t *body, uint32_t concurrency)
{
    salvo_config_t c;
    salvo_config_init(&c);
    c.url = url;
    c.concurrency = concurrency;
    c.timeout_ns = 10000000000LL;
    c.retries = 0;
    c.backoff_ns = c.max_backoff_ns = 1000000;
    c.input_fd = fd;
    c.body = body;
    c.defaults.id_prefix = "t";
    c.give_up_after = 0;
    return c;
}

static char dir[] = "/tmp/salvo-test-engine-XXXXXX";

static int setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    curl_global_cleanup();
    return system(cmd) == 0 ? 0 : -1;
}

/* No global state: two engines on one loop, each with its own broker and
 * orders, each reporting only its own. */
static void test_two_engines_one_loop(void **state)
{
    (void)state;
    mock_t ma, mb;
    mock_start(&ma, dir, "a", NULL);
    mock_start(&mb, dir, "b", "--latency");
    uv_loop_t loop;
    uv_loop_init(&loop);
    salvo_body_t *body = NULL;
    assert_int_equal(salvo_body_new_default(&body), 0);
    salvo_config_t ca = config(ma.url, orders_file(dir, "a", 300, "A"), body, 8);
    salvo_config_t cb = config(mb.url, orders_file(dir, "b", 200, "B"), body, 16);
    run_t ra = {.prefix = 'A'}, rb = {.prefix = 'B'};
    salvo_callbacks_t calls = {.on_result = on_result, .on_done = on_done};
    assert_int_equal(salvo_engine_new(&ra.e, &loop, &ca, &calls, &ra), 0);
    assert_int_equal(salvo_engine_new(&rb.e, &loop, &cb, &calls, &rb), 0);
    assert_int_equal(salvo_engine_start(ra.e), 0);
    assert_int_equal(salvo_engine_start(rb.e), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(ra.done, 1);
    assert_int_equal(rb.done, 1);
    assert_int_equal(ra.by_status[SALVO_ACCEPTED], 300);
    assert_int_equal(rb.by_status[SALVO_ACCEPTED], 200);
    assert_int_equal(ra.st.orders, 300);
    assert_int_equal(rb.st.orders, 200);
    assert_false(ra.bad_symbol || rb.bad_symbol);
    assert_false(ra.st.invariant_broken || rb.st.invariant_broken);
    salvo_engine_free(ra.e);
    salvo_engine_free(rb.e);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0); /* every handle closed */
    salvo_body_free(body);
    close(ca.input_fd);
    close(cb.input_fd);
    mock_stop(&ma);
    mock_stop(&mb);
}

/* One engine against its own mock (20 ms a answer), started. */
typedef struct single {
    mock_t m;
    uv_loop_t loop;
    salvo_body_t *body;
    salvo_config_t c;
    run_t r;
} single_t;

static void single_start(single_t *t, const char *name, int n, char sym, uint32_t concurrency)
{
    char s[2] = {sym, 0};
    mock_start(&t->m, dir, name, "--latency");
    uv_loop_init(&t->loop);
    assert_int_equal(salvo_body_new_default(&t->body), 0);
    t->c = config(t->m.url, orders_file(dir, name, n, s), t->body, concurrency);
    t->r.prefix = sym;
    salvo_callbacks_t calls = {.on_result = on_result, .on_done = on_done};
    assert_int_equal(salvo_engine_new(&t->r.e, &t->loop, &t->c, &calls, &t->r), 0);
    assert_int_equal(salvo_engine_start(t->r.e), 0);
}

/* What every run must show, then everything closed. */
static void single_end(single_t *t)
{
    assert_int_equal(t->r.done, 1);
    assert_int_equal(t->r.results, t->r.st.orders);
    assert_false(t->r.st.invariant_broken);
    salvo_engine_free(t->r.e);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&t->loop), 0);
    salvo_body_free(t->body);
    close(t->c.input_fd);
    mock_stop(&t->m);
}

/* A stop from inside a result callback: every row of the file still gets
 * exactly one result (the rest of the file is read, sending nothing), the
 * ones not sent say why. */
static void test_stop_from_callback(void **state)
{
    (void)state;
    single_t t = {.r = {.stop_after = 10}};
    single_start(&t, "s", 500, 'S', 4);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    assert_int_equal(t.r.st.orders, 500);
    assert_false(t.r.st.input_unread);
    assert_true(t.r.by_status[SALVO_NOT_SENT] > 0);
    assert_int_equal(t.r.by_status[SALVO_NOT_SENT] + t.r.by_status[SALVO_ACCEPTED], t.r.results);
    assert_int_equal(t.r.st.stop_reason, SALVO_STOP_CALLER);
    single_end(&t);
}

/* stop(NOW) with orders in flight: they are reported unknown at once. */
static void test_stop_now(void **state)
{
    (void)state;
    single_t t = {0};
    single_start(&t, "n", 100, 'N', 8);
    while (salvo_stats_get(salvo_engine_stats(t.r.e), SALVO_STAT_SENDS) < 8) /* until the first orders are in flight */
        uv_run(&t.loop, UV_RUN_ONCE);
    salvo_engine_stop(t.r.e, SALVO_STOP_NOW, "the test is in a hurry");
    uv_run(&t.loop, UV_RUN_DEFAULT);
    assert_true(t.r.by_status[SALVO_UNKNOWN] >= 1);
    single_end(&t);
}

/* salvo_run hands the caller's own ud to every callback, the optional
 * ones too: on_wire (HTTP) and on_worker_log (--exec, here a worker in sh
 * that speaks the protocol and says hello on its stderr). */
typedef struct own {
    int wire, wire_wrong, logs, log_wrong, hello;
    uint64_t accepted;
} own_t;

static own_t own;

static void own_wire(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len)
{
    (void)slot, (void)id, (void)kind, (void)data, (void)len;
    own.wire++;
    own.wire_wrong += ud != &own;
}

static void own_log(void *ud, unsigned worker, int kind, const char *line, size_t len)
{
    (void)worker;
    own.logs++;
    own.log_wrong += ud != &own;
    own.hello += kind == SALVO_WORKER_STDERR && len == 5 && memcmp(line, "hello", 5) == 0;
}

static void own_result(void *ud, const salvo_result_t *r)
{
    (void)ud;
    own.accepted += r->status == SALVO_ACCEPTED;
}

/* salvo_run's stats come to on_done: what the tests read of them */
static uint64_t done_accepted, done_orders;

static void own_done(void *ud, const salvo_stats_t *st)
{
    (void)ud;
    done_accepted = salvo_stats_count(st, SALVO_ACCEPTED);
    done_orders = (uint64_t)salvo_stats_get(st, SALVO_STAT_ORDERS);
}

static void test_run_own_ud(void **state)
{
    (void)state;
    mock_t m;
    mock_start(&m, dir, "own", NULL);
    salvo_body_t *body = NULL;
    assert_int_equal(salvo_body_new_default(&body), 0);
    salvo_callbacks_t cb = {.on_result = own_result, .on_done = own_done, .on_wire = own_wire,
                            .on_worker_log = own_log};
    salvo_config_t c = config(m.url, orders_file(dir, "own", 5, "W"), body, 2);
    assert_int_equal(salvo_run(&c, &cb, &own), 0);
    close(c.input_fd);
    mock_stop(&m);
    assert_int_equal(own.accepted, 5);
    assert_true(own.wire > 0);
    assert_int_equal(own.wire_wrong, 0);

    const char *argv[] = {"/bin/sh", "-c",
                          "read hello; echo hello >&2; echo '{\"protocol\":1,\"ready\":true}'; "
                          "while read line; do id=$(echo \"$line\" | sed 's/.*\"id\":\\([0-9]*\\).*/\\1/'); "
                          "echo \"{\\\"id\\\":$id,\\\"status\\\":\\\"accepted\\\"}\"; done",
                          NULL};
    c = config(NULL, orders_file(dir, "ownx", 4, "X"), body, 2);
    c.exec_argv = argv;
    c.workers = 2;
    own.accepted = 0;
    assert_int_equal(salvo_run(&c, &cb, &own), 0);
    close(c.input_fd);
    assert_int_equal(own.accepted, 4);
    assert_int_equal(done_accepted, 4);
    assert_int_equal(own.hello, 2); /* each worker's stderr, as one line */
    assert_int_equal(own.log_wrong, 0);
    salvo_body_free(body);
}

/* salvo_run in check mode hands each valid order to on_valid, with the
 * caller's own ud; an invalid row is a result, never a valid order. */
typedef struct checked {
    int valid, wrong_ud, invalid;
    char first[16];
} checked_t;

static checked_t checked;

static void checked_valid(void *ud, const salvo_order_t *o)
{
    checked.wrong_ud += ud != &checked;
    if (checked.valid++ == 0)
        snprintf(checked.first, sizeof checked.first, "%s", salvo_order_field(o, SALVO_COL_SYMBOL));
}

static void checked_result(void *ud, const salvo_result_t *r)
{
    (void)ud;
    checked.invalid += r->status == SALVO_INVALID;
}

/* rows under a symbol,price,quantity,side header, in the test's directory: open for reading */
static int open_orders(const char *name, const char *rows)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "symbol,price,quantity,side\n%s", rows);
    fclose(f);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    return fd;
}

static void test_run_on_valid(void **state)
{
    (void)state;
    salvo_body_t *body = NULL;
    assert_int_equal(salvo_body_new_default(&body), 0);
    salvo_config_t c = config(NULL, open_orders("valid.csv", "V1,1.5,1,BUY\nV2,xx,1,BUY\nV3,2.5,2,SELL\n"), body, 1);
    c.check_only = 1;
    salvo_callbacks_t cb = {.on_result = checked_result, .on_valid = checked_valid, .on_done = own_done};
    assert_int_equal(salvo_run(&c, &cb, &checked), 0);
    close(c.input_fd);
    salvo_body_free(body);
    assert_int_equal(checked.valid, 2);
    assert_string_equal(checked.first, "V1");
    assert_int_equal(checked.wrong_ud, 0);
    assert_int_equal(checked.invalid, 1);
    assert_int_equal(done_orders, 3);
}

/* salvo_config_init: a zeroed config is refused; one from the defaults
 * with only input and body set runs, and has the documented defaults. */
static void test_config_init(void **state)
{
    (void)state;
    salvo_config_t zero = {0};
    salvo_engine_t *e = NULL;
    uv_loop_t loop;
    uv_loop_init(&loop);
    salvo_callbacks_t none = {0};
    assert_int_equal(salvo_engine_new(&e, &loop, &zero, &none, NULL), -EINVAL);
    assert_null(e);
    uv_loop_close(&loop);

    salvo_config_t c;
    salvo_config_init(&c);
    assert_string_equal(c.method, "POST");
    assert_string_equal(c.idempotency_header, "Idempotency-Key");
    assert_int_equal(c.concurrency, 32);
    assert_int_equal(c.retries, 2);
    assert_int_equal(c.delim, ',');
    assert_true(c.timeout_ns > 0 && c.connect_timeout_ns > 0 && c.backoff_ns > 0);
    assert_int_equal(salvo_body_new_default(&c.body), 0);
    c.input_fd = open_orders("init.csv", "I1,1.5,1,BUY\nI2,2.5,2,SELL\n");
    c.check_only = 1;
    salvo_callbacks_t cb = {.on_result = checked_result, .on_valid = checked_valid, .on_done = own_done};
    memset(&checked, 0, sizeof checked);
    assert_int_equal(salvo_run(&c, &cb, &checked), 0);
    close(c.input_fd);
    assert_int_equal(checked.valid, 2);
    assert_int_equal(done_orders, 2);

    /* The size the caller was compiled with decides what is read. A caller
     * built against a newer header (a bigger struct) with only our fields
     * set runs; one that sets a field beyond ours is refused, not ignored. */
    struct newer {
        salvo_config_t c;
        int64_t later_field;
    } n;
    salvo_config_init_size(&n.c, sizeof n);
    assert_int_equal(n.c.size, sizeof n);
    assert_int_equal(n.later_field, 0);
    assert_int_equal(n.c.concurrency, 32);
    n.c.body = c.body;
    n.c.input_fd = open_orders("newer.csv", "N1,1.5,1,BUY\n");
    n.c.check_only = 1;
    done_orders = 0;
    assert_int_equal(salvo_run(&n.c, &cb, &checked), 0);
    assert_int_equal(done_orders, 1);
    n.later_field = 7;
    assert_int_equal(salvo_run(&n.c, &cb, &checked), -ENOTSUP);
    close(n.c.input_fd);
    /* A size short of the first salvo_config_t's (0.2's, through
     * exec_lookup) is no config from salvo_config_init. (A field appended
     * later is defaulted for a caller whose size stops before it.) */
    salvo_config_t old;
    salvo_config_init(&old);
    old.size = offsetof(salvo_config_t, exec_lookup);
    old.body = c.body;
    old.check_only = 1;
    assert_int_equal(salvo_run(&old, &cb, &checked), -EINVAL);
    salvo_body_free(c.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_engines_one_loop),
        cmocka_unit_test(test_stop_from_callback),
        cmocka_unit_test(test_stop_now),
        cmocka_unit_test(test_run_own_ud),
        cmocka_unit_test(test_run_on_valid),
        cmocka_unit_test(test_config_init),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
