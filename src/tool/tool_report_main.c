/* The `salvo report` verb: its flags, the input read line by line, each
 * run's summary printed, the page written. */
#include "tool_report.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "parse.h"
#include "tool_args.h"

static const char report_usage[] =
    "usage: salvo report [--rate R] [--window N/PERIOD] [--html FILE] [FILE|-]\n"
    "Read salvo's result lines (FILE, or stdin when absent or -) and print the summary of\n"
    "each run in them again: counts by status, by HTTP status and by error, the send rate,\n"
    "latency percentiles, the first send against --at. Lines of several runs are told\n"
    "apart by their \"run\" id.\n"
    "\n"
    "  --rate R        the run's --rate, to show the send rate against it: 100, 100/s, 6000/m\n"
    "  --window N/P    the run's --window (50/1s): the page draws it, counts orders per\n"
    "                  second in bins of PERIOD, and the orders sent in the busiest PERIOD\n"
    "  --html FILE     also write one self-contained HTML page (no network, no JavaScript):\n"
    "                  latency histogram, every order over time, orders per second against\n"
    "                  the limit, a table of the orders not accepted\n"
    "  -h, --help      this text\n"
    "\n"
    "Exit: 0 done (whatever the orders' outcomes), 2 usage, 3 the input or FILE could not\n"
    "be read or written.\n";

/* Every line to the report. getline's -1 is the end only when feof says
 * so: a line it had no memory for (ENOMEM, the stream's error flag unset)
 * or a read error stops the report with an error, never a short count. */
static int read_results(tool_report_t *rp, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int e = 0;
    for (;;) {
        errno = 0;
        got = getline(&line, &cap, f);
        if (got < 0) {
            if (errno == ENOMEM || ferror(f) || !feof(f))
                e = errno ? errno : EIO;
            break;
        }
        size_t n = (size_t)got;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        tool_report_line(rp, line, n);
        if (rp->oom)
            break;
    }
    free(line);
    return e ? -e : rp->oom ? -ENOMEM : 0;
}

/* ================= the verb ================= */

static int write_page(const tool_report_t *rp, const char *path, const char *source)
{
    salvo_jbuf_t b = {0};
    int r = tool_report_page(rp, source, &b);
    if (r == 0) {
        FILE *f = fopen(path, "w");
        if (f == NULL) {
            r = -errno;
        } else {
            if (fwrite(b.p, 1, b.len, f) != b.len)
                r = -errno;
            if (fclose(f) != 0 && r == 0)
                r = -errno;
        }
    }
    salvo_jbuf_free(&b);
    return r;
}

static int print_and_write(const tool_report_t *rp, const char *input, const char *html)
{
    int code = SALVO_EXIT_OK;
    for (size_t i = 0; i < rp->nruns; i++) {
        char buf[8192];
        tool_report_text(rp, i, buf, sizeof buf);
        fputs(buf, stdout);
    }
    if (rp->nruns == 0)
        printf("salvo: %s holds no results\n", input);
    if (rp->bad)
        fprintf(stderr, "salvo report: %llu of %llu lines are not salvo results (the first: line %llu); skipped\n",
                (unsigned long long)rp->bad, (unsigned long long)rp->lines, (unsigned long long)rp->first_bad);
    if (rp->runs_over)
        fprintf(stderr, "salvo report: more than %d runs; the lines of the rest are counted in the last\n",
                REP_RUNS_MAX);
    if (fflush(stdout) != 0)
        code = SALVO_EXIT_IO;
    if (code == SALVO_EXIT_OK && html) {
        int r = write_page(rp, html, input);
        if (r < 0) {
            fprintf(stderr, "salvo report: --html %s: %s\n", html, strerror(-r));
            code = SALVO_EXIT_IO;
        }
    }
    return code;
}

int tool_report_main(int argc, char **argv)
{
    double rate = 0;
    uint32_t window_n = 0;
    int64_t window_ns = 0;
    const char *html = NULL;
    static const struct option opts[] = {
        {"rate", 1, 0, 'r'}, {"window", 1, 0, 'w'}, {"html", 1, 0, 'H'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (salvo_parse_rate(optarg, &rate) != 0 || rate <= 0) {
                fprintf(stderr, "salvo report: --rate '%s': want a rate like 100, 100/s, 6000/m (see salvo report --help)\n",
                        optarg);
                return SALVO_EXIT_USAGE;
            }
            break;
        case 'w':
            if (salvo_parse_window(optarg, &window_n, &window_ns) != 0) {
                fprintf(stderr, "salvo report: --window '%s': want N/PERIOD like 50/1s, 250/10s (see salvo report --help)\n",
                        optarg);
                return SALVO_EXIT_USAGE;
            }
            break;
        case 'H': html = optarg; break;
        case 'h': fputs(report_usage, stdout); return SALVO_EXIT_OK;
        default:
            fprintf(stderr, "salvo report: %s: unknown or incomplete option (see salvo report --help)\n",
                    argv[optind - 1]);
            return SALVO_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "salvo report: one file of results at most (see salvo report --help)\n");
        return SALVO_EXIT_USAGE;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    const char *input = strcmp(path, "-") == 0 ? "stdin" : path;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "salvo report: cannot read %s: %s\n", path, strerror(errno));
        return SALVO_EXIT_IO;
    }
    tool_report_t rp;
    int code = SALVO_EXIT_OK, r = tool_report_init(&rp, rate, html != NULL);
    rp.window_n = window_n;
    rp.window_ns = window_ns;
    if (r == 0)
        r = read_results(&rp, f);
    if (r < 0) {
        fprintf(stderr, "salvo report: reading %s: %s\n", input, strerror(-r));
        code = SALVO_EXIT_IO;
    } else {
        code = print_and_write(&rp, input, html);
    }
    if (f != stdin)
        fclose(f);
    tool_report_free(&rp);
    return code;
}
