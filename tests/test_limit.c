/* Token bucket and sliding window, driven by a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* ---- per-value windows (--rate-per) ---- */

static int64_t rp_send(salvo_rateper_t *r, const char *key, int64_t now)
{
    uint32_t slot;
    uint64_t id;
    assert_int_equal(salvo_rateper_wait(r, key, strlen(key), now), 0);
    assert_int_equal(salvo_rateper_take(r, key, strlen(key), now, &slot, &id), 0);
    salvo_rateper_settle(r, slot, id, now);
    return now;
}

/* A held value holds only itself: another value goes at once. */
static void test_rateper_values_apart(void **state)
{
    (void)state;
    salvo_rateper_t *r;
    assert_int_equal(salvo_rateper_new(&r, 3, SEC, 0, 16), 0);
    for (int i = 0; i < 3; i++)
        rp_send(r, "BTC-USDT", 0);
    assert_int_equal(salvo_rateper_wait(r, "BTC-USDT", 8, 0), SEC);
    assert_int_equal(salvo_rateper_wait(r, "BTC-USDT", 8, SEC / 2), SEC / 2);
    assert_int_equal(salvo_rateper_wait(r, "ETH-USDT", 8, 0), 0);
    rp_send(r, "ETH-USDT", 0);
    /* keys are whole values, not prefixes */
    assert_int_equal(salvo_rateper_wait(r, "BTC-USD", 7, 0), 0);
    assert_int_equal(salvo_rateper_values(r), 2);
    assert_int_equal(salvo_rateper_wait(r, "BTC-USDT", 8, SEC), 0);
    salvo_rateper_free(r);
}

/* Random traffic over a few values: none ever has more than n sends in
 * any trailing period, and the values together go faster than one. */
static void test_rateper_random_never_more_than_n(void **state)
{
    (void)state;
    enum { KEYS = 5, SENDS = 600 };
    const uint32_t N = 7;
    salvo_rateper_t *r;
    assert_int_equal(salvo_rateper_new(&r, N, SEC, 0, KEYS), 0);
    int64_t t[KEYS][SENDS];
    size_t c[KEYS] = {0}, total = 0;
    int64_t now = 0;
    char key[8];
    while (total < SENDS) {
        int k = rand() % KEYS;
        snprintf(key, sizeof key, "S%d", k);
        if (salvo_rateper_wait(r, key, strlen(key), now) == 0) {
            uint32_t slot;
            uint64_t id;
            assert_int_equal(salvo_rateper_take(r, key, strlen(key), now, &slot, &id), 0);
            /* settled a little later, as an answer would */
            salvo_rateper_settle(r, slot, id, now + rand() % (5 * MS));
            t[k][c[k]++] = now;
            total++;
        }
        now += rand() % (20 * MS);
    }
    for (int k = 0; k < KEYS; k++)
        assert_true(c[k] == 0 || busiest(t[k], c[k], SEC) <= N);
    /* 5 values x 7/s: well over one value's 7/s */
    assert_true(now < (int64_t)SENDS / N * SEC / 3);
    salvo_rateper_free(r);
}

/* At the cap, a new value takes the least recently used window only once
 * that one is idle (its sends past the period), so no limit is forgotten
 * early; while it is busy the new value waits, and a send still open
 * (not settled) holds it until its answer. */
static void test_rateper_evicts_only_idle(void **state)
{
    (void)state;
    salvo_rateper_t *r;
    assert_int_equal(salvo_rateper_new(&r, 2, SEC, 0, 2), 0);
    rp_send(r, "A", 0);
    rp_send(r, "B", 100 * MS);
    assert_int_equal(salvo_rateper_values(r), 2);
    /* C: A is the least recent; idle at 1 s */
    assert_int_equal(salvo_rateper_wait(r, "C", 1, 500 * MS), 500 * MS);
    rp_send(r, "C", SEC);
    assert_int_equal(salvo_rateper_values(r), 2);
    /* A is new again, and B (least recent now) is idle at 1.1 s */
    assert_int_equal(salvo_rateper_wait(r, "A", 1, SEC), 100 * MS);
    /* B, still held, keeps its own history */
    assert_int_equal(salvo_rateper_wait(r, "B", 1, SEC), 0);
    rp_send(r, "B", SEC);
    assert_int_equal(salvo_rateper_wait(r, "B", 1, SEC + 1), 100 * MS - 1);

    /* an open send blocks eviction until it settles */
    salvo_rateper_t *o;
    uint32_t slot;
    uint64_t id;
    assert_int_equal(salvo_rateper_new(&o, 1, SEC, 0, 1), 0);
    assert_int_equal(salvo_rateper_take(o, "X", 1, 0, &slot, &id), 0);
    assert_int_equal(salvo_rateper_wait(o, "Y", 1, 10 * SEC), SALVO_WAIT_FOREVER);
    salvo_rateper_settle(o, slot, id, 10 * SEC);
    assert_int_equal(salvo_rateper_wait(o, "Y", 1, 10 * SEC), SEC);
    rp_send(o, "Y", 11 * SEC);
    /* a settle of X's old slot, after X's window went to Y, changes nothing */
    salvo_rateper_settle(o, slot, id, 30 * SEC);
    assert_int_equal(salvo_rateper_wait(o, "Y", 1, 11 * SEC), SEC);
    salvo_rateper_free(o);
    salvo_rateper_free(r);
}

/* A million distinct values, each sent once: the windows kept never pass
 * the cap, and each value still gets its own limit. */
static void test_rateper_million_values_bounded(void **state)
{
    (void)state;
    enum { CAP = 64 };
    salvo_rateper_t *r;
    assert_int_equal(salvo_rateper_new(&r, 1, 10 * MS, 0, CAP), 0);
    char key[24];
    int64_t now = 0;
    for (int i = 0; i < 1000000; i++) {
        int len = snprintf(key, sizeof key, "SYM%07d", i);
        int64_t w = salvo_rateper_wait(r, key, (size_t)len, now);
        if (w > 0) {
            assert_true(w <= 10 * MS);
            now += w;
        }
        rp_send(r, key, now);
        assert_true(salvo_rateper_values(r) <= CAP);
        if (i % 1000 == 0) /* the last value is held: one per 10 ms */
            assert_int_equal(salvo_rateper_wait(r, key, (size_t)len, now), 10 * MS);
    }
    assert_int_equal(salvo_rateper_values(r), CAP);
    salvo_rateper_free(r);
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
        cmocka_unit_test(test_rateper_values_apart),
        cmocka_unit_test(test_rateper_random_never_more_than_n),
        cmocka_unit_test(test_rateper_evicts_only_idle),
        cmocka_unit_test(test_rateper_million_values_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
