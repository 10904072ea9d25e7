/* salvo's command line: one loop over argv with the table of flags
 * (tool_flags.c), whole names only, a hint at the flag a typo is near.
 * What the flags mean together is tool_checks.c's (tool_args_settle). */
#include "tool_args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "tool_flags.h"
#include "tool_msgs.h"

/* ================= what was typed wrong ================= */

/* The long option nearest to what was typed (name[0..n)): the one name it
 * begins, else one at most 2 edits away; NULL when none is near. */
static const char *nearest_option(const char *name, size_t n)
{
    const char *best = NULL, *begun = NULL;
    size_t best_d = n <= 4 ? 2 : 3, nbegun = 0; /* within 1 edit of a short word, 2 of a longer one */
    for (size_t k = 0; k < tool_nflags; k++) {
        const char *o = tool_flags[k].name;
        size_t m = strlen(o);
        if (n >= 2 && n < m && strncmp(o, name, n) == 0)
            begun = o, nbegun++;
        if (n > 20 || m > 20) /* the distance table below is for flag-sized names */
            continue;
        size_t d[21][21];
        for (size_t i = 0; i <= n; i++)
            d[i][0] = i;
        for (size_t j = 0; j <= m; j++)
            d[0][j] = j;
        for (size_t i = 1; i <= n; i++)
            for (size_t j = 1; j <= m; j++) {
                size_t sub = d[i - 1][j - 1] + (name[i - 1] != o[j - 1]);
                size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
                d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            }
        if (d[n][m] < best_d)
            best_d = d[n][m], best = o;
    }
    return nbegun == 1 ? begun : best; /* the start of several names suggests none of them */
}

/* "unknown option '--NAME'", and the flag it is near when there is one. */
static int unknown_long(const char *name, size_t n, const char *near)
{
    if (near)
        return usage_error("unknown option '--%.*s': did you mean --%s?", (int)n, name, near);
    return usage_error("unknown option '--%.*s'", (int)n, name);
}

/* getopt_long said '?'. optopt tells which case: a short option (argv
 * still points before it when it sat in a cluster like -zh), a value
 * given to a flag that takes none (256 + its row), or an unknown or
 * ambiguous long option (0). */
static int unknown_option(const char *arg)
{
    if (optopt > 0 && optopt < 256)
        return usage_error("unknown option '-%c'", optopt);
    if (optopt >= 256)
        return usage_error("option '%s' takes no value", arg);
    if (strncmp(arg, "--", 2) == 0) {
        size_t n = strcspn(arg + 2, "=");
        return unknown_long(arg + 2, n, nearest_option(arg + 2, n));
    }
    return usage_error("option '%s' is ambiguous or unknown", arg);
}

/* ================= the whole line ================= */

/* Each flag of argv into a, by the table; the input's name. -1 to go on,
 * or an exit code (said). */
static int read_flags(salvo_args_t *a, int argc, char **argv, const struct option *longs, const char *shorts)
{
    int o, li = -1;
    opterr = 0;
    optind = 0; /* glibc: start afresh, so argv can be parsed more than once (tests) */
    while ((o = getopt_long(argc, argv, shorts, longs, &li)) != -1) {
        if (o == '?')
            return unknown_option(argv[optind - 1]);
        if (o == ':')
            return optopt > 0 && optopt < 256 ? usage_error("option '-%c' needs a value", optopt)
                                               : usage_error("option '%s' needs a value", argv[optind - 1]);
        size_t i = 0;
        if (o >= 256) { /* a long option, by its whole name only (salvo_opt_whole) */
            i = (size_t)o - 256;
            const char *typed;
            size_t n;
            if (!salvo_opt_whole(argv, optind, optarg, tool_flags[i].name, &typed, &n))
                return unknown_long(typed, n, tool_flags[i].name);
        } else {
            while (tool_flags[i].letter != o) /* getopt returns only the letters in shorts */
                i++;
        }
        int r = tool_flag_take(a, &tool_flags[i], optarg);
        if (r >= 0)
            return r;
    }
    if (optind < argc)
        a->input_path = argv[optind++];
    if (optind < argc && a->op != SALVO_OP_SEND) { /* a run and its later lines, in the order given */
        a->more_inputs = (const char *const *)argv + optind;
        a->n_more_inputs = (size_t)(argc - optind);
        return -1;
    }
    if (optind < argc)
        return usage_error("one input file at most, got '%s' too", argv[optind]);
    return -1;
}

int salvo_args_parse(salvo_args_t *a, int argc, char **argv)
{
    return salvo_args_parse_op(a, SALVO_OP_SEND, argc, argv);
}

int salvo_args_parse_op(salvo_args_t *a, int op, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->op = op;
    salvo_config_init(&a->cfg);
    a->output_fd = 1;
    if ((a->headers = calloc((size_t)argc + 1, sizeof *a->headers)) == NULL ||
        (a->redact = calloc((size_t)argc + 1, sizeof *a->redact)) == NULL ||
        (a->secret_headers = calloc(2 * (size_t)argc + 1, sizeof *a->secret_headers)) == NULL ||
        (a->secret_values = calloc((size_t)argc + 2 + SALVO_SECRET_COUNT, sizeof *a->secret_values)) == NULL)
        return out_of_memory();
    /* getopt's view of the table: a long option's val is 256 + its row,
     * a short one's its letter */
    struct option *longs = calloc(tool_nflags + 1, sizeof *longs);
    char *shorts = malloc(2 * tool_nflags + 2);
    if (longs == NULL || shorts == NULL) {
        free(longs);
        free(shorts);
        return out_of_memory();
    }
    size_t ns = 0;
    shorts[ns++] = ':'; /* a missing value is ':', not '?' */
    for (size_t i = 0; i < tool_nflags; i++) {
        longs[i] = (struct option){tool_flags[i].name, tool_flags[i].value, NULL, 256 + (int)i};
        if (tool_flags[i].letter) {
            shorts[ns++] = tool_flags[i].letter;
            if (tool_flags[i].value)
                shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    int r = read_flags(a, argc, argv, longs, shorts);
    free(longs);
    free(shorts);
    return r >= 0 ? r : tool_args_settle(a);
}

void salvo_args_free(salvo_args_t *a)
{
    /* Don't leave a key in freed memory; explicit_bzero, since a memset
     * before free() is a dead store the compiler may drop. */
    if (a->auth_header) {
        explicit_bzero(a->auth_header, strlen(a->auth_header));
        free(a->auth_header);
    }
    for (size_t i = 0; i < a->nsecret; i++) {
        explicit_bzero(a->secret_headers[i], strlen(a->secret_headers[i]));
        free(a->secret_headers[i]);
    }
    free(a->secret_headers);
    free(a->secret_values);
    salvo_secret_forms_free(&a->secret_forms);
    free(a->redact);
    free(a->id_prefix);
    free(a->warm_url);
    free(a->batch_url);
    free(a->exec_line);
    free(a->headers);
    salvo_profile_free(a->profile);
    salvo_profile_free(a->cancel_profile);
    memset(a, 0, sizeof *a);
}
