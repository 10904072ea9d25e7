/* The progress line's text: what it says, that it never passes the
 * terminal's width (a wrapped line cannot be erased with \r), and the
 * cheap count of a file's orders. The drawing itself is tested through a
 * pseudo-terminal (tests/e2e/progress.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tool_progress.h"

static salvo_stats_t sample(void)
{
    salvo_stats_t st;
    memset(&st, 0, sizeof st);
    salvo_hist_init(&st.latency);
    st.orders = 600;
    st.in_flight = 32;
    st.count[SALVO_ACCEPTED] = 480;
    st.count[SALVO_DUPLICATE] = 20;
    st.count[SALVO_REJECTED] = 7;
    st.count[SALVO_UNKNOWN] = 3;
    for (int i = 0; i < 500; i++)
        salvo_hist_add(&st.latency, 12000 + (uint64_t)i);
    return st;
}

static void test_line(void **state)
{
    (void)state;
    salvo_stats_t st = sample();
    char buf[512];
    tool_progress_format(buf, sizeof buf, 200, &st, 1000, 0, 98.46, 100, 10.0, 0);
    assert_string_equal(buf, "salvo: 510/1000 done (51%), ETA 10s | 32 in flight | ok 500 rej 7 unk 3"
                             " | 98.5/s of 100/s | p50/p99 12.2/12.4 ms");
    /* a stream: no total, no ETA; statuses beyond the three counted as other */
    st.count[SALVO_INVALID] = 2;
    tool_progress_format(buf, sizeof buf, 200, &st, 0, 0, 40, 0, 3.0, 0);
    assert_string_equal(buf, "salvo: 512 done | 32 in flight | ok 500 rej 7 unk 3 other 2 | 40.0/s"
                             " | p50/p99 12.2/12.4 ms");
    /* --at not yet */
    st.warmed = 50;
    tool_progress_format(buf, sizeof buf, 200, &st, 1000, 0, 0, 100, 0, 4.25);
    assert_string_equal(buf, "salvo: --at in 4.2s | 600 orders read | 50 connections warm");
}

static void test_width(void **state)
{
    (void)state;
    salvo_stats_t st = sample();
    char buf[512];
    for (unsigned w = 1; w <= 200; w++) {
        tool_progress_format(buf, sizeof buf, w, &st, 123456789, 0, 12345.6, 20000, 7200, 0);
        if (w > 1 && strlen(buf) > w - 1)
            fail_msg("width %u: %zu columns: %s", w, strlen(buf), buf);
        /* whole segments only: never a cut one */
        size_t n = strlen(buf);
        assert_true(n == 0 || buf[n - 1] != ' ');
    }
    /* 80 columns: shorter words keep the rate and the latency (they were
     * left out); in flight goes first */
    tool_progress_format(buf, sizeof buf, 80, &st, 1000, 0, 98.5, 100, 10.0, 0);
    assert_string_equal(buf, "salvo 510/1000 51% ETA 10s | ok 500 rej 7 unk 3 | 98.5/s of 100/s | p99 12.4ms");
    /* the first draw has no rate to show yet: none, not 0.0/s */
    tool_progress_format(buf, sizeof buf, 200, &st, 1000, 0, -1, 100, 0.2, 0);
    assert_null(strstr(buf, "/s"));
    assert_non_null(strstr(buf, "ok 500 rej 7 unk 3"));
}

static void test_count(void **state)
{
    (void)state;
    char path[] = "/tmp/salvo-progress-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    salvo_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.delim = ',';
    const char csv[] = "symbol,price,quantity,side\nA,1,1,BUY\nB,1,1,BUY\nC,1,1,BUY";
    assert_int_equal(write(fd, csv, sizeof csv - 1), (ssize_t)(sizeof csv - 1));
    assert_int_equal(tool_progress_count(fd, &cfg), 3); /* a header, no final newline */
    assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)(sizeof csv - 1)); /* pread: the offset stays */
    cfg.no_header = 1;
    assert_int_equal(tool_progress_count(fd, &cfg), 4);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_line), cmocka_unit_test(test_width),
                                       cmocka_unit_test(test_count)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
