/* salvo report (result lines read back, the page written): any bytes give
 * summaries that add up, and a page whose every tag is one salvo writes:
 * nothing from the results (broker text) reaches the page unescaped; the
 * summary, the report's own lines and the page are UTF-8 whatever bytes
 * the results hold, and each of the report's lines is one line. */
#include <string.h>

#include "fuzz.h"
#include "tool_report.h"
#include "utf8.h"

static const char *const tags[] = {"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3",
                                   "p", "section", "pre", "table", "tr", "th", "td", "i", "code", "svg", "line",
                                   "text", "rect", "path", "desc", "span", "b"};

static int known_tag(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (strlen(tags[i]) == n && memcmp(tags[i], s, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tool_report_t rp;
    if (tool_report_init(&rp, 100, 1) < 0)
        return 0;
    const char *s = (const char *)data;
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(s + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - s) : size;
        tool_report_line(&rp, s + at, end - at);
        at = end + 1;
    }
    uint64_t orders = 0;
    for (size_t i = 0; i < rp.nruns; i++) {
        const tool_agg_t *g = &rp.runs[i].agg;
        uint64_t sum = 0;
        for (int k = 0; k < SALVO_STATUS_COUNT; k++)
            sum += g->count[k];
        FUZZ_CHECK(sum == g->orders);
        FUZZ_CHECK(g->latency.n <= g->orders && rp.runs[i].npts <= g->orders);
        orders += g->orders;
        char buf[8192];
        size_t n = tool_report_text(&rp, i, buf, sizeof buf);
        FUZZ_CHECK(n < sizeof buf && buf[n] == '\0' && strncmp(buf, "salvo: ", 7) == 0);
        FUZZ_CHECK(salvo_utf8_is_valid(buf, n));
    }
    FUZZ_CHECK(orders + rp.bad == rp.lines);
    /* the report's own lines: one final state per order, every line its own */
    FUZZ_CHECK(rp.nords + rp.merged == orders);
    salvo_jbuf_t head = {0};
    if (tool_report_head(&rp, &head) == 0 && head.len) {
        FUZZ_CHECK(salvo_utf8_is_valid(head.p, head.len) && head.p[head.len - 1] == '\n');
        for (size_t i = 0; i < head.len; i = (size_t)((char *)memchr(head.p + i, '\n', head.len - i) - head.p) + 1)
            FUZZ_CHECK(strncmp(head.p + i, "salvo report: ", 14) == 0);
    }
    salvo_jbuf_free(&head);
    salvo_jbuf_t page = {0};
    if (tool_report_page(&rp, "<in>", &page) == 0) {
        FUZZ_CHECK(salvo_utf8_is_valid(page.p, page.len));
        for (size_t i = 0; i < page.len; i++) {
            if (page.p[i] != '<')
                continue;
            size_t j = i + 1 + (i + 1 < page.len && page.p[i + 1] == '/');
            size_t k = j;
            while (k < page.len && page.p[k] != ' ' && page.p[k] != '>' && page.p[k] != '\n')
                k++;
            FUZZ_CHECK(known_tag(page.p + j, k - j));
        }
    }
    salvo_jbuf_free(&page);
    tool_report_free(&rp);
    return 0;
}
