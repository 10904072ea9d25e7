/* The summary's aggregate and text (src/tool/tool_summary.c): what the
 * run prints at its end and salvo report prints later. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "salvo/order.h"
#include "tool_report.h"
#include "tool_svg.h"
#include "utf8.h"
#include "tool_summary.h"

static tool_rec_t sent(int status, int http, int64_t at_us, int64_t lat_us)
{
    tool_rec_t r = {.status = status, .http_status = http, .attempts = 1, .latency_us = lat_us, .sent_at_us = at_us};
    return r;
}

static const char *text(const tool_agg_t *g)
{
    static char buf[8192];
    tool_summary_format(g, NULL, buf, sizeof buf);
    return buf;
}

static void counts_why_and_rate(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    g.target_rate = 10;
    int64_t t0 = 1764234000000000;
    for (int i = 0; i < 10; i++) /* 10 sends 0.1 s apart: 0.9 s, 10/s */
        tool_agg_add(&g, &(tool_rec_t){.status = i < 8 ? SALVO_ACCEPTED : SALVO_REJECTED,
                                       .http_status = i < 8 ? 200 : 422, .attempts = 1, .latency_us = 1000 + i,
                                       .sent_at_us = t0 + i * 100000});
    tool_rec_t bad1 = {.status = SALVO_INVALID, .error = "line 6: quantity \"1.5\" is not a positive integer"};
    tool_rec_t bad2 = {.status = SALVO_INVALID, .error = "line 12: quantity \"x\" is not a positive integer"};
    bad1.error_len = strlen(bad1.error);
    bad2.error_len = strlen(bad2.error);
    tool_agg_add(&g, &bad1);
    tool_agg_add(&g, &bad2);
    tool_rec_t lost = sent(SALVO_UNKNOWN, 0, t0 + 50000, 30000000);
    lost.error = "Operation timed out after 30000 milliseconds";
    lost.error_len = strlen(lost.error);
    tool_agg_add(&g, &lost);
    const char *s = text(&g);
    assert_non_null(strstr(s, "salvo: 13 orders: 8 accepted, 2 rejected, 1 unknown, 2 invalid\n"));
    assert_non_null(strstr(s, "salvo: by HTTP status: 200 x8, 422 x2, no answer x1\n"));
    assert_non_null(strstr(s, "salvo: by error: 2 x quantity \"...\" is not a positive integer; "
                              "1 x Operation timed out after ... milliseconds\n"));
    assert_non_null(strstr(s, "salvo: 11 orders sent, first to last send 0.900 s: send rate 11.1/s (--rate 10/s)\n"));
    assert_null(strstr(s, "wall time")); /* only the live run knows it */
}

/* Issue 19: orders a second signal left unanswered have no latency (it
 * read 0.000); sends microseconds apart are a burst, not a rate (it read
 * 750000/s); a worker's answers have no HTTP status (it read "no answer"). */
static void unanswered_burst_and_workers(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    int64_t t0 = 1764234000000000;
    for (int i = 0; i < 4; i++) {
        tool_rec_t r = sent(SALVO_UNKNOWN, 0, t0 + i, -1);
        r.by_worker = 1;
        tool_agg_add(&g, &r);
    }
    const char *s = text(&g);
    assert_non_null(strstr(s, "salvo: 4 orders sent, first to last send 0.003 ms: one burst, no rate\n"));
    assert_null(strstr(s, "latency"));
    assert_null(strstr(s, "by HTTP status"));
}

/* One timeout is one kind whatever libcurl measured, and so is one
 * refused connection ("after 1000 ms" and "after 1001 ms" were two). */
static void measured_numbers_one_kind(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    const char *errs[] = {"Operation timed out after 1000 milliseconds with 0 bytes received",
                          "Operation timed out after 1001 milliseconds with 0 bytes received",
                          "Operation timed out after 1002 milliseconds with 12 out of 300 bytes received",
                          "Failed to connect to 127.0.0.1 port 9 after 0 ms: Could not connect to server",
                          "Failed to connect to 127.0.0.1 port 9 after 2 ms: Could not connect to server"};
    for (size_t i = 0; i < sizeof errs / sizeof *errs; i++) {
        tool_rec_t r = sent(SALVO_UNKNOWN, 0, 1764234000000000 + (int64_t)i, -1);
        r.error = errs[i];
        r.error_len = strlen(errs[i]);
        tool_agg_add(&g, &r);
    }
    const char *s = text(&g);
    assert_non_null(strstr(s, "2 x Operation timed out after ... milliseconds with ... bytes received"));
    assert_non_null(strstr(s, "1 x Operation timed out after ... milliseconds with ... out of ... bytes received"));
    assert_non_null(strstr(s, "2 x Failed to connect to 127.0.0.1 port 9 after ... ms: Could not connect to server"));
}

/* One order is "1 order", not "1 orders". */
static void one_order_singular(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    tool_rec_t r = sent(SALVO_ACCEPTED, 200, 1764234000000000, 1000);
    tool_agg_add(&g, &r);
    const char *s = text(&g);
    assert_non_null(strstr(s, "salvo: 1 order: 1 accepted"));
    assert_non_null(strstr(s, "salvo: 1 order sent"));
    assert_null(strstr(s, "1 orders"));
}

static void dry_run_says_nothing_of_requests(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    for (int i = 0; i < 3; i++)
        tool_agg_add(&g, &(tool_rec_t){.status = SALVO_DRY_RUN});
    assert_string_equal(text(&g), "salvo: 3 orders: 3 dry_run\n");
}

static void many_kinds_of_error(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    char e[64];
    for (int i = 0; i < TOOL_WHY_KINDS + 5; i++) {
        snprintf(e, sizeof e, "error kind %d", i);
        tool_agg_add(&g, &(tool_rec_t){.status = SALVO_FAILED, .error = e, .error_len = strlen(e)});
    }
    assert_int_equal(g.nwhy, TOOL_WHY_KINDS);
    assert_int_equal(g.why_more, 5);
    assert_non_null(strstr(text(&g), "; 31 more of other kinds\n")); /* 6 shown of 32, and 5 past them */
}

static void an_error_is_cut_whole_and_on_one_line(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    char e[400];
    size_t n = 0;
    e[n++] = 'a';
    e[n++] = '\n';
    while (n + 2 < sizeof e) { /* "é" again and again */
        e[n++] = (char)0xc3;
        e[n++] = (char)0xa9;
    }
    tool_agg_add(&g, &(tool_rec_t){.status = SALVO_FAILED, .error = e, .error_len = n});
    const char *k = g.why[0].text;
    assert_true(strlen(k) < TOOL_WHY_LEN && strlen(k) >= TOOL_WHY_LEN - 8);
    assert_int_equal(k[1], ' ');
    assert_int_equal((strlen(k) - 2) % 2, 0); /* whole characters only */
}

static void the_at_offset_is_the_first_send(void **state)
{
    (void)state;
    tool_agg_t g;
    tool_agg_init(&g);
    tool_rec_t a = sent(SALVO_ACCEPTED, 200, 5, 100), b = sent(SALVO_ACCEPTED, 200, 6, 100);
    a.has_at = b.has_at = 1;
    a.at_offset_us = 40;
    b.at_offset_us = 13;
    tool_agg_add(&g, &a);
    tool_agg_add(&g, &b);
    assert_non_null(strstr(text(&g), "salvo: --at: the first order left +0.013 ms from TIME\n"));
}

static void html_escape(void **state)
{
    (void)state;
    salvo_jbuf_t b = {0};
    const char s[] = "<a href='x'>\"&\"</a>\n";
    tool_html_escape(&b, s, sizeof s - 1);
    assert_int_equal(b.len, strlen("&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt; "));
    assert_memory_equal(b.p, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt; ", b.len);
    salvo_jbuf_free(&b);
}

/* The promise behind `salvo report`: a result's record, taken live, and
 * the record of the line it was written as are the same, so the two
 * summaries are the same. Latencies and offsets at the edges of rounding. */
static void a_line_reads_back_as_its_result(void **state)
{
    (void)state;
    static const double lat[] = {12.345, 0.001, 0.0005, 29999.999, 1.0015, 7.4994999, 0};
    static const double at[] = {-3.25, 0.013, 1000.0005};
    tool_agg_t live, back;
    tool_agg_init(&live);
    tool_report_t rp;
    assert_int_equal(tool_report_init(&rp, 0, 1), 0);
    for (unsigned i = 0; i < 3 * sizeof lat / sizeof lat[0]; i++) {
        salvo_order_t o = {.seq = i + 1, .line = i + 2, .symbol = "S<1>", .price = "1.5", .quantity = "3",
                           .side = "BUY", .type = "LIMIT", .client_order_id = "p-1"};
        int st = i % 4 == 0 ? SALVO_REJECTED : i % 4 == 1 ? SALVO_UNKNOWN : i % 4 == 2 ? SALVO_NOT_SENT : SALVO_ACCEPTED;
        salvo_result_t r = {.order = &o, .status = st, .http_status = st == SALVO_REJECTED ? 422 : 200,
                            .attempts = st == SALVO_NOT_SENT ? 0 : 1 + i % 2,
                            .latency_ms = lat[i % (sizeof lat / sizeof lat[0])],
                            .sent_at_us = st == SALVO_NOT_SENT ? 0 : 1764234000000000 + 999999 * (int64_t)i,
                            .error = st == SALVO_NOT_SENT ? "not sent: stopped (SIGTERM)" : NULL,
                            .has_at = st != SALVO_NOT_SENT, .at_offset_ms = at[i % 3], .reused = -1};
        tool_rec_t rec;
        tool_rec_from_result(&rec, &r);
        tool_agg_add(&live, &rec);
        salvo_jbuf_t line = {0};
        salvo_result_write(&line, &r, "0123abcd");
        tool_report_line(&rp, line.p, line.len - 1);
        salvo_jbuf_free(&line);
    }
    assert_int_equal(rp.bad, 0);
    assert_int_equal(rp.nruns, 1);
    back = rp.runs[0].agg;
    snprintf(live.run, sizeof live.run, "0123abcd");
    char a[8192], b[8192];
    tool_summary_format(&live, NULL, a, sizeof a);
    tool_summary_format(&back, NULL, b, sizeof b);
    assert_string_equal(a, b);
    assert_memory_equal(live.latency.counts, back.latency.counts, sizeof live.latency.counts);
    assert_int_equal(live.at_first_us, back.at_first_us);
    assert_int_equal(live.first_sent_us, back.first_sent_us);
    assert_int_equal(live.last_sent_us, back.last_sent_us);
    assert_int_equal(live.requests, back.requests);
    tool_report_free(&rp);
}

/* Found by fuzz_report: "error" twice, the second one not a string that
 * unescaped (now it reads as text, U+FFFD for what is not), left the first
 * one's text pointing into a moved buffer. */
static void an_error_given_twice(void **state)
{
    (void)state;
    tool_report_t rp;
    assert_int_equal(tool_report_init(&rp, 0, 1), 0);
    char line[600];
    int n = snprintf(line, sizeof line, "{\"status\":\"failed\",\"error\":\"short\",\"error\":\"%0400d\\ud800\"}", 0);
    tool_report_line(&rp, line, (size_t)n);
    assert_int_equal(rp.bad, 0);
    assert_int_equal(rp.runs[0].agg.count[SALVO_FAILED], 1);
    /* the error that counts is the last, its lone surrogate read as U+FFFD */
    assert_int_equal(rp.runs[0].agg.nwhy, 1);
    assert_memory_equal(rp.runs[0].agg.why[0].text, "00000", 5);
    tool_report_free(&rp);
}

/* Found by fuzz_report (CI, stop 9): numbers out of any sane range were
 * cast to int (UB for 1e10), and an offset of -9e15 ms overflowed when the
 * --at instant was worked out from it. They read as absent, and the line
 * still counts under its status. */
static void numbers_out_of_range(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "{\"status\":\"rejected\",\"http_status\":1e10,\"attempts\":1,\"latency_ms\":1e300}",
        "{\"status\":\"rejected\",\"http_status\":4294967718,\"attempts\":1,\"latency_ms\":-5}",
        "{\"status\":\"accepted\",\"http_status\":-1e300,\"attempts\":1,\"sent_at\":\"2026-11-24T08:30:00.000001Z\",\"at_offset_ms\":-9.2e15}",
    };
    tool_report_t rp;
    assert_int_equal(tool_report_init(&rp, 0, 1), 0);
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        tool_report_line(&rp, lines[i], strlen(lines[i]));
    assert_int_equal(rp.bad, 0);
    const tool_agg_t *g = &rp.runs[0].agg;
    assert_int_equal(g->count[SALVO_REJECTED], 2);
    assert_int_equal(g->count[SALVO_ACCEPTED], 1);
    assert_int_equal(g->http[0], 3); /* none is an HTTP status, 422 least of all */
    assert_int_equal(g->http[422], 0);
    assert_int_equal(g->has_at, 0);
    assert_int_equal(rp.runs[0].at_unix_us, 0);
    assert_true(salvo_hist_percentile(&g->latency, 100) == 0);
    salvo_jbuf_t page = {0};
    assert_int_equal(tool_report_page(&rp, "<in>", &page), 0);
    salvo_jbuf_free(&page);
    tool_report_free(&rp);
}

/* Found by fuzz_report: an empty "sent_at" as the report's first string
 * left the scratch buffer unallocated, and the date parser copied from
 * its NULL (UB even for 0 bytes). The order counts, unsent in time. */
static void an_empty_sent_at(void **state)
{
    (void)state;
    static const char line[] = "{\"status\":\"accepted\",\"attempts\":1,\"sent_at\":\"\"}";
    tool_report_t rp;
    assert_int_equal(tool_report_init(&rp, 0, 1), 0);
    tool_report_line(&rp, line, sizeof line - 1);
    assert_int_equal(rp.bad, 0);
    assert_int_equal(rp.runs[0].agg.count[SALVO_ACCEPTED], 1);
    assert_int_equal(rp.runs[0].agg.sent, 0);
    static const char row[] = "{\"status\":\"rejected\",\"symbol\":\"\"}"; /* a table cell, empty */
    tool_report_t rp2;
    assert_int_equal(tool_report_init(&rp2, 0, 1), 0);
    tool_report_line(&rp2, row, sizeof row - 1);
    assert_int_equal(rp2.nords, 1);
    salvo_jbuf_t page = {0};
    assert_int_equal(tool_report_page(&rp2, "<in>", &page), 0);
    assert_non_null(strstr(page.p, "<tr data-status=\"rejected\">")); /* in the not-accepted table */
    salvo_jbuf_free(&page);
    tool_report_free(&rp2);
    tool_report_free(&rp);
}

/* A result file is text a user may have edited or a disk may have torn:
 * bytes that are not UTF-8 (in a string, a run id, a raw JSON answer)
 * reach neither the page nor the summary as they are; each bad sequence
 * reads as U+FFFD. */
#define FFFD "\xef\xbf\xbd"
static void bytes_not_utf8_read_as_replacement(void **state)
{
    (void)state;
    static const char line[] = "{\"run\":\"r\xff" "1\",\"seq\":1,\"client_order_id\":\"a\xfe\",\"symbol\":\"AA\xc3\","
                               "\"status\":\"rejected\",\"attempts\":1,\"error\":\"bad \xff\xfe thing\","
                               "\"sent_at\":\"2026-01-01T00:00:00Z\"}";
    static const char raw[] = "{\"run\":\"r\xff" "1\",\"status\":\"unknown\",\"response\":{\"m\":\"\xc0\xaf\"}}";
    tool_report_t rp;
    assert_int_equal(tool_report_init(&rp, 0, 1), 0);
    tool_report_line(&rp, line, sizeof line - 1);
    tool_report_line(&rp, raw, sizeof raw - 1);
    assert_int_equal(rp.bad, 0);
    assert_int_equal(rp.nruns, 1);
    const rep_run_t *run = &rp.runs[0];
    assert_string_equal(run->id, "r" FFFD "1");
    assert_int_equal(run->agg.nwhy, 1);
    assert_string_equal(run->agg.why[0].text, "bad " FFFD FFFD " thing");
    char text[4096];
    size_t n = tool_report_text(&rp, 0, text, sizeof text);
    assert_true(salvo_utf8_is_valid(text, n));
    salvo_jbuf_t head = {0};
    assert_int_equal(tool_report_head(&rp, &head), 0);
    assert_true(salvo_utf8_is_valid(head.p, head.len));
    assert_non_null(strstr(head.p, "unknown order, which may be at the broker:\n"));
    assert_non_null(strstr(head.p, "{\"m\":\"" FFFD FFFD "\"}"));
    salvo_jbuf_free(&head);
    salvo_jbuf_t page = {0};
    assert_int_equal(tool_report_page(&rp, "<in\xff>", &page), 0);
    assert_true(salvo_utf8_is_valid(page.p, page.len));
    assert_non_null(strstr(page.p, "<td>a" FFFD "</td><td>AA" FFFD "</td>"));
    assert_non_null(strstr(page.p, "{&quot;m&quot;:&quot;" FFFD FFFD "&quot;}"));
    salvo_jbuf_free(&page);
    tool_report_free(&rp);
}

/* A sent_at with a field out of its range (month 99, February 30th, hour
 * 24, a sign where a digit belongs) is no time: read as absent, as numbers
 * out of range are; the line still counts. */
static void a_sent_at_out_of_range(void **state)
{
    (void)state;
    static const char *const bad[] = {"9999-99-99T99:99:99Z", "2026-02-30T08:00:00Z", "2026-01-01T24:00:00Z",
                                      "2026-01-01T08:60:00Z", "2026-+1-01T08:00:00Z", "2026-01-01T08:00:00+01:00",
                                      "2026-01-01T8:00:00Z"};
    tool_report_t rp;
    assert_int_equal(tool_report_init(&rp, 0, 1), 0);
    char line[200];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = snprintf(line, sizeof line, "{\"status\":\"accepted\",\"attempts\":1,\"sent_at\":\"%s\"}", bad[i]);
        tool_report_line(&rp, line, (size_t)n);
        if (rp.runs[0].agg.sent != 0)
            fail_msg("sent_at %s was read as a time", bad[i]);
    }
    int n = snprintf(line, sizeof line, "{\"status\":\"accepted\",\"attempts\":1,\"sent_at\":\"%s\"}",
                     "2028-02-29T23:59:59.25Z");
    tool_report_line(&rp, line, (size_t)n);
    assert_int_equal(rp.bad, 0);
    assert_int_equal(rp.runs[0].agg.count[SALVO_ACCEPTED], 8);
    assert_int_equal(rp.runs[0].agg.sent, 1);
    assert_int_equal(rp.runs[0].agg.first_sent_us, 1835481599250000LL);
    tool_report_free(&rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_why_and_rate),
        cmocka_unit_test(unanswered_burst_and_workers),
        cmocka_unit_test(one_order_singular),
        cmocka_unit_test(measured_numbers_one_kind),
        cmocka_unit_test(dry_run_says_nothing_of_requests),
        cmocka_unit_test(many_kinds_of_error),
        cmocka_unit_test(an_error_is_cut_whole_and_on_one_line),
        cmocka_unit_test(the_at_offset_is_the_first_send),
        cmocka_unit_test(html_escape),
        cmocka_unit_test(a_line_reads_back_as_its_result),
        cmocka_unit_test(an_error_given_twice),
        cmocka_unit_test(numbers_out_of_range),
        cmocka_unit_test(an_empty_sent_at),
        cmocka_unit_test(bytes_not_utf8_read_as_replacement),
        cmocka_unit_test(a_sent_at_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
