/* Values read and written: histograms, retry timing, command-line values,
 * --at, id prefixes, JSON strings, numbers and times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "salvo/hist.h"
#include "parse.h"
#include "salvo/jbuf.h"
#include "salvo/result.h"
#include "retry.h"
#include "utf8.h"
#include "tool_args.h"

static void test_hist_percentiles(void **state)
{
    (void)state;
    salvo_hist_t h;
    salvo_hist_init(&h);
    assert_int_equal(salvo_hist_percentile(&h, 50), 0);
    for (uint64_t v = 1; v <= 100000; v++)
        salvo_hist_add(&h, v);
    const double ps[] = {50, 90, 99, 99.9};
    for (size_t i = 0; i < 4; i++) {
        double want = ps[i] * 1000;
        double got = (double)salvo_hist_percentile(&h, ps[i]);
        if (got < want * 0.97 || got > want * 1.03)
            fail_msg("p%.1f: got %.0f want %.0f", ps[i], got, want);
    }
    assert_int_equal(salvo_hist_percentile(&h, 0), 1);
    assert_int_equal(salvo_hist_percentile(&h, 100), 100000);
    salvo_hist_add(&h, 1ull << 50); /* beyond the top bucket: clamped, max exact */
    assert_int_equal(salvo_hist_percentile(&h, 100), 1ull << 50);
}

static void test_hist_small_values_exact(void **state)
{
    (void)state;
    salvo_hist_t h;
    salvo_hist_init(&h);
    for (int i = 0; i < 10; i++)
        salvo_hist_add(&h, 7);
    salvo_hist_add(&h, 20);
    assert_int_equal(salvo_hist_percentile(&h, 50), 7);
    assert_int_equal(salvo_hist_percentile(&h, 99), 20);
}

static void test_backoff_and_retry_after(void **state)
{
    (void)state;
    const int64_t ms = 1000000;
    assert_int_equal(salvo_backoff_ns(1, 100 * ms, 5000 * ms, 0.5), 50 * ms);
    assert_int_equal(salvo_backoff_ns(3, 100 * ms, 5000 * ms, 0.5), 200 * ms);
    assert_int_equal(salvo_backoff_ns(20, 100 * ms, 5000 * ms, 0.999999), 4999995LL * 1000);
    assert_int_equal(salvo_parse_retry_after("3", 0), 3000 * ms);
    assert_int_equal(salvo_parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480), 10000 * ms);
    assert_int_equal(salvo_parse_retry_after("soon", 0), -1);
}

/* Retry-After: 99999999999 (or a date in 9999) times 1e9 overflowed int64
 * (UBSan). Beyond a year it is clamped; negative or garbage is -1. */
static void test_retry_after_bounds(void **state)
{
    (void)state;
    const int64_t year = 365LL * 24 * 3600 * 1000000000LL;
    assert_int_equal(salvo_parse_retry_after("99999999999", 0), year);
    assert_int_equal(salvo_parse_retry_after("999999999999999999999999", 0), year);
    assert_int_equal(salvo_parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 1700000000), year);
    assert_int_equal(salvo_parse_retry_after("31536000", 0), year);
    assert_int_equal(salvo_parse_retry_after("31535999", 0), year - 1000000000LL);
    assert_int_equal(salvo_parse_retry_after("0", 0), 0);
    /* A 429's Retry-After pauses every send for at most --retry-max-backoff:
     * clamped before the seconds become ns (issue 19). */
    const int64_t s = 1000000000LL;
    assert_int_equal(salvo_retry_after_ns(99999999999LL, 5 * s), 5 * s);
    assert_int_equal(salvo_retry_after_ns(INT64_MAX, INT64_MAX), INT64_MAX);
    assert_int_equal(salvo_retry_after_ns(3, 5 * s), 3 * s);
    assert_int_equal(salvo_retry_after_ns(0, 5 * s), 0);
    assert_int_equal(salvo_retry_after_ns(-1, 5 * s), -1);
    assert_int_equal(salvo_parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1700000000), 0);
    assert_int_equal(salvo_parse_retry_after("-5", 0), -1);
    assert_int_equal(salvo_parse_retry_after("-999999999999999999999999", 0), -1);
    assert_int_equal(salvo_parse_retry_after("", 0), -1);
    assert_int_equal(salvo_parse_retry_after("5x", 0), -1);
}

/* A profile's rate_limit.reset header, in its four units. The broker's
 * text, so: NaN, 1e300 and negatives must not reach an integer cast (UB),
 * and a reset years away is clamped like Retry-After. */
static void test_rate_reset(void **state)
{
    (void)state;
    const int64_t s = 1000000000LL, year = SALVO_RETRY_AFTER_MAX_S * s;
    const double now = 1764234000.0;
    assert_int_equal(salvo_parse_rate_reset("1764234002", 1, 1, now), 2 * s);
    assert_int_equal(salvo_parse_rate_reset("1764234002500", 1, 1e-3, now), 2500000000LL);
    assert_int_equal(salvo_parse_rate_reset("3", 0, 1, now), 3 * s);
    assert_int_equal(salvo_parse_rate_reset("250", 0, 1e-3, now), 250000000LL);
    assert_int_equal(salvo_parse_rate_reset("1764233000", 1, 1, now), 0); /* passed: now */
    assert_int_equal(salvo_parse_rate_reset("1e300", 0, 1, now), year);
    assert_int_equal(salvo_parse_rate_reset("1e300", 1, 1e-3, now), year);
    assert_int_equal(salvo_parse_rate_reset("nan", 0, 1, now), -1);
    assert_int_equal(salvo_parse_rate_reset("inf", 0, 1, now), -1);
    assert_int_equal(salvo_parse_rate_reset("-1e300", 0, 1, now), -1);
    assert_int_equal(salvo_parse_rate_reset("soon", 0, 1, now), -1);
    assert_int_equal(salvo_parse_rate_reset("", 0, 1, now), -1);
}

/* A broker's clock (profile server_time) in s, ms or us, as Unix ms;
 * refused when it is no time: 1e300 was cast to long (UB). */
static void test_clock_ms(void **state)
{
    (void)state;
    double ms = 0;
    assert_int_equal(salvo_parse_clock_ms(1764234000.25, &ms), 0);
    assert_true(ms == 1764234000250.0);
    assert_int_equal(salvo_parse_clock_ms(1764234000250.0, &ms), 0);
    assert_true(ms == 1764234000250.0);
    assert_int_equal(salvo_parse_clock_ms(1764234000250123.0, &ms), 0);
    assert_true(fabs(ms - 1764234000250.123) < 1e-3);
    assert_int_equal(salvo_parse_clock_ms(5, &ms), -EINVAL);
    assert_int_equal(salvo_parse_clock_ms(1e300, &ms), -EINVAL);
    assert_int_equal(salvo_parse_clock_ms(-1e300, &ms), -EINVAL);
    assert_int_equal(salvo_parse_clock_ms(NAN, &ms), -EINVAL);
}

static void test_parse_values(void **state)
{
    (void)state;
    double r;
    int64_t ns;
    uint32_t n;
    assert_int_equal(salvo_parse_rate("100", &r), 0);
    assert_true(r == 100);
    assert_int_equal(salvo_parse_rate("6000/m", &r), 0);
    assert_true(r == 100);
    assert_int_equal(salvo_parse_rate("0.5/s", &r), 0);
    assert_true(r == 0.5);
    assert_int_equal(salvo_parse_rate("-1", &r), -22);
    assert_int_equal(salvo_parse_rate("10/x", &r), -22);
    assert_int_equal(salvo_parse_rate("0", &r), -22);
    assert_int_equal(salvo_parse_duration("100ms", &ns), 0);
    assert_int_equal(ns, 100000000);
    assert_int_equal(salvo_parse_duration("2", &ns), 0);
    assert_int_equal(ns, 2000000000);
    assert_int_equal(salvo_parse_duration("5 s", &ns), -22);
    assert_int_equal(salvo_parse_window("250/10s", &n, &ns), 0);
    assert_int_equal(n, 250);
    assert_int_equal(ns, 10000000000LL);
    assert_int_equal(salvo_parse_window("200/1m", &n, &ns), 0);
    assert_int_equal(ns, 60000000000LL);
    assert_int_equal(salvo_parse_window("50/s", &n, &ns), 0);
    assert_int_equal(ns, 1000000000);
    assert_int_equal(salvo_parse_window("0/1s", &n, &ns), -22);
    assert_int_equal(salvo_parse_window("/1s", &n, &ns), -22);
    unsigned cols;
    assert_int_equal(salvo_parse_rate_per("symbol=60/2s", &cols, &n, &ns), 0);
    assert_int_equal(cols, 1u << SALVO_COL_SYMBOL);
    assert_int_equal(n, 60);
    assert_int_equal(ns, 2000000000LL);
    assert_int_equal(salvo_parse_rate_per("symbol+side=20/s", &cols, &n, &ns), 0);
    assert_int_equal(cols, (1u << SALVO_COL_SYMBOL) | (1u << SALVO_COL_SIDE));
    assert_int_equal(salvo_parse_rate_per("side+type+symbol=1/1m", &cols, &n, &ns), 0);
    assert_int_equal(cols, (1u << SALVO_COL_SYMBOL) | (1u << SALVO_COL_SIDE) | (1u << SALVO_COL_TYPE));
    const char *bad[] = {"symbol", "=5/1s", "instId=5/1s", "symbol+=5/1s", "+symbol=5/1s", "symbol+symbol=5/1s",
                         "price=5/1s", "symbol=0/1s", "symbol=5", "Symbol=5/1s", "symbol=5/1s=", NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(salvo_parse_rate_per(bad[i], &cols, &n, &ns), -22);
}

/* --at never normalises: a day the month lacks, a local time the clocks
 * skip, or one they pass twice is refused, not moved to a neighbour. */
static void test_parse_at_refuses_what_is_not_a_moment(void **state)
{
    (void)state;
    const char *tz = getenv("TZ");
    char *saved = tz ? strdup(tz) : NULL;
    setenv("TZ", "America/New_York", 1);
    tzset();
    int64_t us;
    char why[200];
    assert_int_equal(salvo_parse_at("2026-11-30T09:00:00", &us, why, sizeof why), 0);
    assert_int_equal(us, 1796047200LL * 1000000); /* 14:00Z, EST */
    assert_int_equal(salvo_parse_at("2028-02-29T09:00", &us, why, sizeof why), 0);
    assert_int_equal(salvo_parse_at("2026-11-31T09:00", &us, why, sizeof why), -EINVAL);
    assert_string_equal(why, "no such day: 2026-11 has 30 days");
    assert_int_equal(salvo_parse_at("2026-02-30T09:00", &us, why, sizeof why), -EINVAL);
    assert_int_equal(salvo_parse_at("2026-02-29T09:00", &us, why, sizeof why), -EINVAL);
    assert_int_equal(salvo_parse_at("2026-04-31T09:00Z", &us, why, sizeof why), -EINVAL);
    assert_int_equal(salvo_parse_at("2026-03-08T02:30", &us, why, sizeof why), -EINVAL); /* the clocks skip 02:00-03:00 */
    assert_non_null(strstr(why, "skips"));
    assert_int_equal(salvo_parse_at("2026-11-01T01:30", &us, why, sizeof why), -EINVAL); /* 01:00-02:00 happens twice */
    assert_non_null(strstr(why, "-04:00 for the first, -05:00 for the second"));
    assert_int_equal(salvo_parse_at("2026-11-01T01:30-04:00", &us, why, sizeof why), 0);  /* the first, EDT */
    assert_int_equal(us, 1793511000LL * 1000000);
    assert_int_equal(salvo_parse_at("2026-11-01T01:30-05:00", &us, why, sizeof why), 0);  /* the second, EST */
    assert_int_equal(us, 1793514600LL * 1000000);
    assert_int_equal(salvo_parse_at("2026-03-08T03:30", &us, why, sizeof why), 0);
    assert_int_equal(us, 1772955000LL * 1000000);
    assert_int_equal(salvo_parse_at("25:61", &us, why, sizeof why), -EINVAL);
    assert_string_equal(why, ""); /* no time at all: the caller says what one looks like */
    setenv("TZ", "Australia/Lord_Howe", 1); /* a half-hour change: 02:00-02:30 skipped on 2026-10-04 */
    tzset();
    assert_int_equal(salvo_parse_at("2026-10-04T02:15", &us, why, sizeof why), -EINVAL);
    assert_int_equal(salvo_parse_at("2026-04-05T01:45", &us, why, sizeof why), -EINVAL); /* twice */
    assert_non_null(strstr(why, "+11:00 for the first, +10:30 for the second"));
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    free(saved);
    tzset();
}

/* The default id prefix is s + the local date, whatever the input is. */
static void test_default_id_prefix(void **state)
{
    (void)state;
    const char *inputs[] = {"orders.csv", "/elsewhere/copy-of-orders.csv", "-"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        char *argv[] = {"salvo", "--url", "http://127.0.0.1:9/orders", "--no-auth", (char *)inputs[i], NULL};
        salvo_args_t a;
        optind = 0; /* a fresh getopt scan */
        time_t before = time(NULL);
        assert_int_equal(salvo_args_parse(&a, 5, argv), -1);
        char want[2][16];
        time_t after = time(NULL);
        struct tm tm;
        strftime(want[0], sizeof want[0], "s%y%m%d", localtime_r(&before, &tm));
        strftime(want[1], sizeof want[1], "s%y%m%d", localtime_r(&after, &tm));
        if (strcmp(a.id_prefix, want[0]) != 0 && strcmp(a.id_prefix, want[1]) != 0)
            fail_msg("%s: prefix %s, want %s", inputs[i], a.id_prefix, want[0]);
        assert_ptr_equal(a.cfg.defaults.id_prefix, a.id_prefix);
        salvo_args_free(&a);
    }
}

/* The number writers agree with printf, and the RFC 3339 writer with
 * gmtime_r + strftime, over edges and a spread of values. */
/* The word-at-a-time scan agrees with the table: each byte value at each
 * place of a word (a borrow must not hide or invent one), and random
 * bytes at every alignment and length. */
static void test_json_plain_run_matches_the_table(void **state)
{
    (void)state;
    unsigned char buf[24];
    for (int c = 0; c < 256; c++)
        for (size_t at = 0; at < sizeof buf; at++) {
            memset(buf, 'a', sizeof buf);
            buf[at] = (unsigned char)c;
            if (at > 0)
                buf[at - 1] = 0x1f + (unsigned char)(c & 1) * 0x60; /* a neighbour at an edge: 0x1f or 0x7f */
            size_t first = at > 0 && !salvo_json_plain[buf[at - 1]] ? at - 1 : salvo_json_plain[c] ? sizeof buf : at;
            assert_int_equal(salvo_json_plain_run((const char *)buf, sizeof buf), first);
        }
    unsigned char r[64];
    srand(7);
    for (int round = 0; round < 5000; round++) {
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)(rand() % 8 ? ' ' + rand() % 95 : rand() % 256);
        size_t from = (size_t)rand() % sizeof r, n = (size_t)rand() % (sizeof r + 1 - from), want = 0;
        while (want < n && salvo_json_plain[r[from + want]])
            want++;
        assert_int_equal(salvo_json_plain_run((const char *)r + from, n), want);
    }
}

static void test_jbuf_numbers_match_printf(void **state)
{
    (void)state;
    const unsigned long long us[] = {0, 1, 9, 10, 99, 100, 12345, 4294967295ULL, 18446744073709551615ULL};
    const long long is[] = {0, -1, 1, -9, 429, -2147483648LL, 9223372036854775807LL, -9223372036854775807LL - 1};
    const double ds[] = {0, 0.0004, 0.0006, 1, 1.5, 12.3456, 999.9996, -0.25, -3.1416, -0.0004, 123456789.123,
                         1e14, 5e-7, 7.0625, 7.0615, 0.0005, 0.0015, 2.5e-4, 1e15, -1e16};
    char want[64];
    for (size_t i = 0; i < sizeof us / sizeof *us; i++) {
        salvo_jbuf_t b = {0};
        salvo_jbuf_u64(&b, us[i]);
        snprintf(want, sizeof want, "%llu", us[i]);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.p, want, b.len);
        salvo_jbuf_free(&b);
    }
    for (size_t i = 0; i < sizeof is / sizeof *is; i++) {
        salvo_jbuf_t b = {0};
        salvo_jbuf_i64(&b, is[i]);
        snprintf(want, sizeof want, "%lld", is[i]);
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.p, want, b.len);
        salvo_jbuf_free(&b);
    }
    for (size_t i = 0; i < sizeof ds / sizeof *ds; i++) {
        salvo_jbuf_t b = {0};
        salvo_jbuf_fixed3(&b, ds[i]);
        snprintf(want, sizeof want, "%.3f", ds[i]);
        if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0)
            fail_msg("%.17g: wrote %.*s, printf %s", ds[i], (int)b.len, b.p, want);
        salvo_jbuf_free(&b);
    }
    /* a latency as the engine computes it: integer nanoseconds / 1e6 */
    for (long long ns = 0; ns < 50000000; ns += 7919) {
        salvo_jbuf_t b = {0};
        double ms = (double)ns / 1e6;
        salvo_jbuf_fixed3(&b, ms);
        snprintf(want, sizeof want, "%.3f", ms);
        if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0)
            fail_msg("%lld ns: wrote %.*s, printf %s", ns, (int)b.len, b.p, want);
        salvo_jbuf_free(&b);
    }
}

static void test_rfc3339_matches_strftime(void **state)
{
    (void)state;
    const int64_t day = 86400LL * 1000000;
    const int64_t at[] = {0, 1, 999999, day - 1, day, 951782400LL * 1000000 /* 2000-02-29 */,
                          4107542399LL * 1000000 + 999999 /* 2100-02-28 23:59:59 */, 1798761600LL * 1000000,
                          -1, -day, -2208988800LL * 1000000 /* 1900-01-01 */, 253402300799LL * 1000000 + 999999};
    for (size_t i = 0; i < sizeof at / sizeof *at + 2000; i++) {
        int64_t us = i < sizeof at / sizeof *at ? at[i] : (int64_t)(i * 7919) * 1000003LL * 997;
        char got[32], want[40];
        salvo_format_rfc3339_us(us, got);
        time_t secs = (time_t)(us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000));
        struct tm tm;
        gmtime_r(&secs, &tm);
        size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want + n, sizeof want - n, ".%06dZ", (int)(us - (int64_t)secs * 1000000));
        if (strcmp(got, want) != 0)
            fail_msg("%lld us: wrote %s, strftime %s", (long long)us, got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_percentiles),
        cmocka_unit_test(test_hist_small_values_exact),
        cmocka_unit_test(test_backoff_and_retry_after),
        cmocka_unit_test(test_retry_after_bounds),
        cmocka_unit_test(test_rate_reset),
        cmocka_unit_test(test_clock_ms),
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_at_refuses_what_is_not_a_moment),
        cmocka_unit_test(test_default_id_prefix),
        cmocka_unit_test(test_json_plain_run_matches_the_table),
        cmocka_unit_test(test_jbuf_numbers_match_printf),
        cmocka_unit_test(test_rfc3339_matches_strftime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
