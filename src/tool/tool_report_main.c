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
    "usage: salvo report [--rate R] [--window N/PERIOD] [--html FILE] [FILE...|-]\n"
    "Read salvo's result lines (each FILE in the order given, or stdin when none or -).\n"
    "First, over each order's final state (lines of one client_order_id, as a killed run\n"
    "and its --resume write, are one order: the later line wins, but not_sent, skipped\n"
    "and dry_run never hide an earlier line, and an unknown order stays unknown until\n"
    "the broker answers for it): the date and time, the unknown orders to call the\n"
    "broker about, the notional of LIMIT orders, the counts by symbol and side. Then\n"
    "each run's summary again: counts by status, by HTTP status and by error, the send\n"
    "rate, latency percentiles, the first send against --at. Lines of several runs are\n"
    "told apart by their \"run\" id.\n"
    "\n"
    "  --rate R        the run's --rate, to show the send rate against it: 100, 100/s, 6000/m\n"
    "  --window N/P    the run's --window (50/1s): the page draws it, counts orders per\n"
    "                  second in bins of PERIOD, and the orders sent in the busiest PERIOD\n"
    "  --html FILE     also write one self-contained HTML page (no network, no JavaScript):\n"
    "                  the same as tables, the orders not accepted by status; per run a\n"
    "                  latency histogram, every order over time, orders per second\n"
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

static int print_and_write(const tool_report_t *rp, const char *input, const char *bad_in, const char *html)
{
    int code = SALVO_EXIT_OK;
    salvo_jbuf_t head = {0};
    if (tool_report_head(rp, &head) < 0) {
        salvo_jbuf_free(&head);
        fprintf(stderr, "salvo report: %s\n", strerror(ENOMEM));
        return SALVO_EXIT_IO;
    }
    if (head.len)
        fwrite(head.p, 1, head.len, stdout);
    salvo_jbuf_free(&head);
    for (size_t i = 0; i < rp->nruns; i++) {
        char buf[8192];
        tool_report_text(rp, i, buf, sizeof buf);
        fputs(buf, stdout);
    }
    if (rp->nruns == 0)
        printf("salvo: %s holds no results\n", input);
    if (rp->bad)
        fprintf(stderr, "salvo report: %llu of %llu lines are not salvo results (the first: line %llu%s%s); skipped\n",
                (unsigned long long)rp->bad, (unsigned long long)rp->lines, (unsigned long long)rp->first_bad,
                bad_in ? " of " : "", bad_in ? bad_in : "");
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
    int li = -1;
    while ((c = getopt_long(argc, argv, "+h", opts, &li)) != -1) {
        const char *typed;
        size_t n;
        if (li >= 0 && !salvo_opt_whole(argv, optind, optarg, opts[li].name, &typed, &n)) {
            fprintf(stderr, "salvo report: unknown option '--%.*s': did you mean --%s? (see salvo report --help)\n",
                    (int)n, typed, opts[li].name);
            return SALVO_EXIT_USAGE;
        }
        li = -1;
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
    /* FILE...: read in the order given, so a later run's line of an order
     * (a --resume's) is read after the earlier run's */
    static char *const stdin_only[] = {"-"};
    char *const *files = optind < argc ? argv + optind : stdin_only;
    int nfiles = optind < argc ? argc - optind : 1;
    tool_report_t rp;
    int code = SALVO_EXIT_OK, r = tool_report_init(&rp, rate, html != NULL);
    rp.window_n = window_n;
    rp.window_ns = window_ns;
    salvo_jbuf_t names = {0};
    const char *bad_in = NULL; /* the file of the first line that is not a result, when several */
    for (int k = 0; k < nfiles && r == 0; k++) {
        const char *path = files[k];
        const char *input = strcmp(path, "-") == 0 ? "stdin" : path;
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (f == NULL) {
            fprintf(stderr, "salvo report: cannot read %s: %s\n", path, strerror(errno));
            code = SALVO_EXIT_IO;
            break;
        }
        salvo_jbuf_printf(&names, "%s%s", k ? ", " : "", input);
        uint64_t bad = rp.bad;
        rp.lineno = 0; /* line numbers are the file's */
        r = read_results(&rp, f);
        if (nfiles > 1 && bad == 0 && rp.bad)
            bad_in = input;
        if (f != stdin)
            fclose(f);
        if (r < 0) {
            fprintf(stderr, "salvo report: reading %s: %s\n", input, strerror(-r));
            code = SALVO_EXIT_IO;
        }
    }
    if (r == 0 && code == SALVO_EXIT_OK)
        code = names.oom ? SALVO_EXIT_IO : print_and_write(&rp, names.p, bad_in, html);
    else if (r < 0 && code == SALVO_EXIT_OK) { /* the report's own memory */
        fprintf(stderr, "salvo report: %s\n", strerror(-r));
        code = SALVO_EXIT_IO;
    }
    salvo_jbuf_free(&names);
    tool_report_free(&rp);
    return code;
}
