/* salvo's command line: one parser filling one config struct. */
#ifndef SALVO_TOOL_ARGS_H
#define SALVO_TOOL_ARGS_H

#include "salvo/engine.h"
#include "salvo/jindex.h"
#include "salvo/order.h"
#include "salvo/stats.h"
#include "salvo/secret.h"
#include "tool_trace.h"

/* Documented exit codes (README, --help). When several apply, the first
 * in this order wins: a signal, I/O, usage, unknown, not accepted. */
enum salvo_exit {
    SALVO_EXIT_OK = 0,           /* every order accepted or duplicate (or done earlier) */
    SALVO_EXIT_NOT_ACCEPTED = 1, /* some order definitely not placed (rejected, failed, invalid,
                                    not sent, over a cap), none unknown: fix the input, rerun */
    SALVO_EXIT_USAGE = 2,        /* usage or configuration error: nothing was sent */
    SALVO_EXIT_IO = 3,           /* input, results or journal could not be read or written */
    SALVO_EXIT_UNKNOWN = 4,      /* some order may be at the broker without an answer: a
                                    human checks the broker (or --reconcile-url) */
    SALVO_EXIT_SIGINT = 130,
    SALVO_EXIT_SIGTERM = 143,
};

typedef struct salvo_args {
    salvo_config_t cfg;
    const char *input_path;  /* NULL or "-": stdin */
    const char *output_path; /* NULL (or -o -): stdout */
    int force, append;       /* -o onto a file that holds something: overwrite it, add after it */
    const char *summary_json;
    const char *body_template;
    const char *api_key_env, *api_key_file;
    const char **headers;
    size_t nheaders;
    char *auth_header;       /* owned; a secret */
    char *id_prefix;         /* owned */
    int id_prefix_given;     /* by --id-prefix, not derived */
    char **secret_headers;   /* owned, from --header-env: "Name: value" */
    size_t nsecret;
    const char **redact;     /* header names to blank out */
    size_t nredact;
    const char **secret_values; /* the key and --header-env values, pointing into the above */
    size_t nvalues;
    salvo_secret_forms_t secret_forms; /* owned: secret_values, each in all its forms */
    salvo_secrets_t secrets; /* redact + secret_forms: for the trace and the result lines */
    int no_auth;             /* --no-auth: the broker needs no credentials */
    const char *journal_path, *trace_path;
    int resume, fsync, check;
    int resume_old_journal; /* a journal naming no destination: take it as this run's */
    const char *at;          /* --at TIME as given */
    int64_t at_unix_us;      /* its moment; 0: none */
    int at_late;             /* --at-late: a time already past fires at once */
    int warm_given;
    char *warm_url;          /* owned: the default, the order URL's origin */
    const char *batch_url_arg; /* --batch-url */
    char *batch_url;         /* owned: the batch url's path on --url's origin */
    salvo_trace_t *trace;    /* --trace, owned */
    int output_fd;           /* results go here */
    int quiet;               /* --quiet: no progress line on a terminal */
    int64_t drain_timeout_ns; /* after SIGINT/SIGTERM, wait this long for answers */
    int drain_given;         /* by --drain-timeout; else it is --timeout */
    const char *broker;      /* --broker NAME|FILE */
    const char *clock;       /* --clock MS: a dry run's fixed signing clock (tool_broker.c) */
    salvo_profile_t *profile; /* owned */
    int sandbox, check_profile;
    int format_given;            /* --input-format given (else orders.jsonl reads as JSON Lines) */
    const char *secret_env[SALVO_SECRET_COUNT]; /* --secret-env overrides */
    struct { int url, method, rate, window, concurrency, at, rate_per; } given; /* flags a profile must not override */
    const char *exec_cmd;    /* --exec 'CMD ARGS': run by /bin/sh -c 'exec CMD ARGS' */
    char *exec_line;         /* owned: "exec " + exec_cmd */
    const char *exec_argv[4];
    int workers_given;
    int op;                  /* enum salvo_op: salvo (send), salvo cancel, salvo status */
    uint64_t op_unread;      /* cancel, status: input lines that were not result lines */
    int64_t cancel_after_ns;  /* --cancel-after DUR; 0: none */
    salvo_profile_t *cancel_profile; /* owned: --cancel-after's request (the profile's "cancel") */
    const char *const *more_inputs; /* cancel, status: the result files after input_path, in argv */
    size_t n_more_inputs;
} salvo_args_t;

/* Parse argv. Returns -1 to go on, or an exit code (help, version, error:
 * the message is already on stderr, naming the flag). */
int salvo_args_parse(salvo_args_t *a, int argc, char **argv);
/* The same for `salvo cancel` and `salvo status` (op: enum salvo_op),
 * argv starting at the command's name. */
int salvo_args_parse_op(salvo_args_t *a, int op, int argc, char **argv);
void salvo_args_free(salvo_args_t *a);

/* tool_checks.c, for salvo_args_parse once every flag was read: the checks
 * across flags and the defaults derived from others, the profile loaded
 * and the secrets gathered. -1 to go on, or an exit code (said). */
int tool_args_settle(salvo_args_t *a);

/* What can be checked before any file is opened for writing or any order
 * leaves, call it right after salvo_args_parse: --url and --reconcile-url
 * (with a sample id) parse as URLs, --cacert is a readable regular file, no
 * output (-o, --trace, --summary-json, --journal) is the input file (same
 * device and inode; stdin's file when the input is stdin),
 * --summary-json can be created or written, and -o does not name a file
 * that holds something without --force, --append or --resume (which
 * appends). Returns -1 to go on, or the exit
 * code: SALVO_EXIT_USAGE, or SALVO_EXIT_IO for an unwritable --summary-json
 * (the message is on stderr, naming the flag). Reads a, changes nothing. */
int salvo_args_check_environment(const salvo_args_t *a);

/* "-o PATH is not empty (SIZE bytes): --force ..., --append ...": said,
 * SALVO_EXIT_USAGE. For the check above and for the file when it is opened. */
int tool_output_not_empty(const char *path, long long size);

#endif
