/* Token bucket and sliding window, driven by a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "limit.h"

#define SEC 1000000000LL
#define MS 1000000LL

/* Send as fast as the bucket allows, waking on a timer of `tick` ns
 * resolution that fires up to `late` ns late; record the send times. */
static size_t simulate(salvo_bucket_t *b, salvo_window_t *w, size_t n, int64_t tick, int64_t late,
                       int64_t *times)
{
    int64_t now = 0;
    for (size_t i = 0; i < n;) {
        int64_t wait = salvo_bucket_wait(b, now);
        int64_t ww = w ? salvo_window_wait(w, now) : 0;
        if (ww > wait)
            wait = ww;
        if (wait == 0) {
            salvo_bucket_take(b, now);
            if (w)
                salvo_window_settle(w, salvo_window_take(w, now), now);
            times[i++] = now;
            continue;
        }
        /* a millisecond timer: round up, then fire a little late */
        int64_t sleep = (wait + tick - 1) / tick * tick;
        now += sleep + (late ? rand() % late : 0);
    }
    return n;
}

/* Most sends in any half-open window [t, t + len). */
static size_t busiest(const int64_t *t, size_t n, int64_t len)
{
    size_t best = 0, lo = 0;
    for (size_t hi = 0; hi < n; hi++) {
        while (t[hi] - t[lo] >= len)
            lo++;
        if (hi - lo + 1 > best)
            best = hi - lo + 1;
    }
    return best;
}

static void test_bucket_spacing(void **state)
{
    (void)state;
    salvo_bucket_t b;
    salvo_bucket_init(&b, 100, 1, 0);
    assert_int_equal(salvo_bucket_wait(&b, 0), 0);
    salvo_bucket_take(&b, 0);
    assert_int_equal(salvo_bucket_wait(&b, 0), 10 * MS);
    assert_int_equal(salvo_bucket_wait(&b, 9 * MS), 1 * MS);
    assert_int_equal(salvo_bucket_wait(&b, 10 * MS), 0);
}

static void test_bucket_burst(void **state)
{
    (void)state;
    salvo_bucket_t b;
    salvo_bucket_init(&b, 10, 5, 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(salvo_bucket_wait(&b, 0), 0);
        salvo_bucket_take(&b, 0);
    }
    assert_true(salvo_bucket_wait(&b, 0) > 0);
    /* idle for a long time: the burst comes back, not more */
    int64_t t = 10 * SEC;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(salvo_bucket_wait(&b, t), 0);
        salvo_bucket_take(&b, t);
    }
    assert_true(salvo_bucket_wait(&b, t) > 0);
}

static void test_bucket_fractional_rate(void **state)
{
    (void)state;
    salvo_bucket_t b;
    salvo_bucket_init(&b, 0.5, 1, 0);
    salvo_bucket_take(&b, 0);
    assert_int_equal(salvo_bucket_wait(&b, 1 * SEC), 1 * SEC);
    assert_int_equal(salvo_bucket_wait(&b, 2 * SEC), 0);
}

/* 20000/s is faster than a 1 ms timer can space one by one: the slack lets
 * late sends catch up, and the window keeps every second at 20000. */
static void test_high_rate_long_run(void **state)
{
    (void)state;
    const double rates[] = {20000, 5000, 333};
    for (size_t k = 0; k < 3; k++) {
        double rate = rates[k];
        size_t n = (size_t)(rate * 5);
        int64_t *t = malloc(n * sizeof *t);
        salvo_bucket_t b;
        salvo_window_t w;
        salvo_bucket_init(&b, rate, 1, SALVO_BUCKET_SLACK_NS);
        assert_int_equal(salvo_window_init(&w, (uint32_t)rate, SEC, SALVO_WINDOW_GUARD_NS), 0);
        simulate(&b, &w, n, MS, 300000, t);
        double achieved = (double)(n - 1) * 1e9 / (double)(t[n - 1] - t[0]);
        if (achieved < rate * 0.99 || achieved > rate * 1.0001)
            fail_msg("rate %.0f: achieved %.1f", rate, achieved);
        assert_true(busiest(t, n, SEC) <= (size_t)rate);
        salvo_window_free(&w);
        free(t);
    }
}

static void test_bucket_alone_never_exceeds_with_burst_1(void **state)
{
    (void)state;
    size_t n = 3000;
    int64_t *t = malloc(n * sizeof *t);
    salvo_bucket_t b;
    salvo_bucket_init(&b, 1000, 1, 0); /* no slack: strict spacing */
    simulate(&b, NULL, n, 1000, 0, t);
    assert_true(busiest(t, n, SEC) <= 1000);
    free(t);
}

static void test_window_fires_n_then_keeps_limit(void **state)
{
    (void)state;
    salvo_window_t w;
    assert_int_equal(salvo_window_init(&w, 200, SEC, 0), 0);
    uint64_t ids[600];
    for (int i = 0; i < 200; i++) {
        assert_int_equal(salvo_window_wait(&w, 0), 0);
        ids[i] = salvo_window_take(&w, 0);
    }
    /* in flight, never settled: wait for a completion */
    assert_int_equal(salvo_window_wait(&w, 5 * SEC), SALVO_WAIT_FOREVER);
    /* settled: the request went out at 2 ms; slots free at 1.002 s */
    for (int i = 0; i < 200; i++)
        salvo_window_settle(&w, ids[i], 2 * MS);
    assert_int_equal(salvo_window_wait(&w, 500 * MS), 502 * MS);
    assert_int_equal(salvo_window_wait(&w, SEC + 2 * MS), 0);
    for (int i = 200; i < 400; i++) {
        assert_int_equal(salvo_window_wait(&w, SEC + 2 * MS), 0);
        ids[i] = salvo_window_take(&w, SEC + 2 * MS);
    }
    assert_true(salvo_window_wait(&w, SEC + 2 * MS) > 0);
    salvo_window_free(&w);
}

static void test_window_random_never_more_than_n(void **state)
{
    (void)state;
    salvo_window_t w;
    const uint32_t N = 50;
    assert_int_equal(salvo_window_init(&w, N, 10 * SEC, 0), 0);
    int64_t t[2000];
    int64_t now = 0;
    for (size_t i = 0; i < 2000;) {
        int64_t wait = salvo_window_wait(&w, now);
        if (wait == 0) {
            salvo_window_settle(&w, salvo_window_take(&w, now), now);
            t[i++] = now;
        }
        now += rand() % (50 * MS);
    }
    assert_true(busiest(t, 2000, 10 * SEC) <= N);
    salvo_window_free(&w);
}

int main(void)
{
    srand(7);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_spacing), cmocka_unit_test(test_bucket_burst),
        cmocka_unit_test(test_bucket_fractional_rate), cmocka_unit_test(test_high_rate_long_run),
        cmocka_unit_test(test_bucket_alone_never_exceeds_with_burst_1),
        cmocka_unit_test(test_window_fires_n_then_keeps_limit),
        cmocka_unit_test(test_window_random_never_more_than_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
