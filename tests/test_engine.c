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

static void mock_stop(mock_t *m)
{
    kill(m->pid, SIGTERM);
    waitpid(m->pid, NULL, 0);
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
    salvo_stats_t st;
    uint64_t stop_after; /* stop from on_result after this many (0: never) */
    int bad_symbol;      /* a result for an order of the other engine */
    char prefix;
} run_t;

static void on_result(void *ud, const salvo_result_t *r)
{
    run_t *run = ud;
    run->results++;
    run->by_status[r->status]++;
    if (r->order->symbol[0] != run->prefix)
        run->bad_symbol = 1;
    if (run->stop_after && run->results == run->stop_after)
        salvo_engine_stop(run->e, SALVO_STOP_DRAIN, "the test had enough");
}

static void on_done(void *ud, const salvo_stats_t *st)
{
    run_t *run = ud;
    run->done++;
    run->st = *st;
}

static salvo_config_t config(const char *url, int fd, salvo_body_t *body, uint32_t concurrency)
{
    salvo_config_t c = {
        .url = url, .method = "POST", .concurrency = concurrency, .timeout_ns = 10000000000LL,
        .connect_timeout_ns = 5000000000LL, .retries = 0, .backoff_ns = 1000000, .max_backoff_ns = 1000000,
        .idempotency_header = "Idempotency-Key", .input_fd = fd, .delim = ',', .body = body,
        .defaults = {.id_prefix = "t"},
    };
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
    salvo_body_t *body = salvo_body_new_default();
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

/* A stop from inside a result callback: every order read still gets
 * exactly one result, the ones not sent say why. */
static void test_stop_from_callback(void **state)
{
    (void)state;
    mock_t m;
    mock_start(&m, dir, "s", "--latency");
    uv_loop_t loop;
    uv_loop_init(&loop);
    salvo_body_t *body = salvo_body_new_default();
    salvo_config_t c = config(m.url, orders_file(dir, "s", 500, "S"), body, 4);
    run_t r = {.prefix = 'S', .stop_after = 10};
    salvo_callbacks_t calls = {.on_result = on_result, .on_done = on_done};
    assert_int_equal(salvo_engine_new(&r.e, &loop, &c, &calls, &r), 0);
    assert_int_equal(salvo_engine_start(r.e), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.results, r.st.orders);
    assert_true(r.st.orders < 500);
    assert_true(r.by_status[SALVO_NOT_SENT] > 0);
    assert_int_equal(r.by_status[SALVO_NOT_SENT] + r.by_status[SALVO_ACCEPTED], r.results);
    assert_int_equal(r.st.stop_reason, SALVO_STOP_CALLER);
    assert_false(r.st.invariant_broken);
    salvo_engine_free(r.e);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    salvo_body_free(body);
    close(c.input_fd);
    mock_stop(&m);
}

/* A stop before start reports nothing was read; a stop(NOW) after one
 * answer reports the rest in flight unknown. */
static void test_stop_now(void **state)
{
    (void)state;
    mock_t m;
    mock_start(&m, dir, "n", "--latency");
    uv_loop_t loop;
    uv_loop_init(&loop);
    salvo_body_t *body = salvo_body_new_default();
    salvo_config_t c = config(m.url, orders_file(dir, "n", 100, "N"), body, 8);
    run_t r = {.prefix = 'N'};
    salvo_callbacks_t calls = {.on_result = on_result, .on_done = on_done};
    assert_int_equal(salvo_engine_new(&r.e, &loop, &c, &calls, &r), 0);
    assert_int_equal(salvo_engine_start(r.e), 0);
    /* Run until the first orders are in flight, then stop without waiting. */
    while (salvo_engine_stats(r.e)->sends < 8)
        uv_run(&loop, UV_RUN_ONCE);
    salvo_engine_stop(r.e, SALVO_STOP_NOW, "the test is in a hurry");
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.results, r.st.orders);
    assert_true(r.by_status[SALVO_UNKNOWN] >= 1);
    assert_false(r.st.invariant_broken);
    salvo_engine_free(r.e);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    salvo_body_free(body);
    close(c.input_fd);
    mock_stop(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_engines_one_loop),
        cmocka_unit_test(test_stop_from_callback),
        cmocka_unit_test(test_stop_now),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
