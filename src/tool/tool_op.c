/* salvo cancel / salvo status: the orders of earlier runs, read from
 * their result lines, become the input of a run that cancels or looks up
 * each one (README, "Cancel and status"). An order's lines are read in the
 * file's order, so a later line says more than an earlier one: a send's
 * accepted, a cancel's cancelled, a lookup's filled. */
#include "tool_op.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "salvo/order.h"
#include "tool_msgs.h"
#include "util.h"

/* What one result line says about one order. */
typedef struct op_line {
    char *id;         /* client_order_id, owned */
    size_t seq;       /* its place in the input */
    int op, status;   /* enum salvo_op, enum salvo_status */
    int placed_before; /* a --resume's skipped line: the earlier run placed it */
    cJSON *row;       /* a send's: the order's columns, owned; NULL otherwise */
    char *order_id;   /* the broker's id when the line names one, owned */
} op_line_t;

typedef struct op_lines {
    op_line_t *v;
    size_t n, cap;
    uint64_t unread; /* lines that are not a result line */
} op_lines_t;

static void lines_free(op_lines_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].order_id);
        cJSON_Delete(l->v[i].row);
    }
    free(l->v);
}

/* The results read, for messages: a file's name, or how many. */
static const char *input_name(const salvo_args_t *a)
{
    if (a->n_more_inputs)
        return "the results";
    return a->input_path && strcmp(a->input_path, "-") != 0 ? a->input_path : "stdin";
}

static int status_of(const char *s)
{
    for (int i = 0; i < SALVO_STATUS_COUNT; i++)
        if (strcmp(s, salvo_status_name(i)) == 0)
            return i;
    return -1;
}

static int op_of(const cJSON *doc)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(doc, "op");
    if (!cJSON_IsString(op))
        return SALVO_OP_SEND;
    return strcmp(op->valuestring, "cancel") == 0 ? SALVO_OP_CANCEL
           : strcmp(op->valuestring, "status") == 0 ? SALVO_OP_STATUS
                                                    : -1;
}

/* The columns an order's cancel or lookup may name (a profile's URL,
 * body or signature): those a result line carries. */
static cJSON *row_of(const cJSON *doc)
{
    static const char *const cols[] = {"client_order_id", "symbol", "side", "type", "quantity", "price", NULL};
    cJSON *row = cJSON_CreateObject();
    for (const char *const *k = cols; row && *k; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, *k);
        if ((cJSON_IsString(v) || cJSON_IsNumber(v)) && !cJSON_AddItemToObject(row, *k, cJSON_Duplicate(v, 0))) {
            cJSON_Delete(row);
            return NULL;
        }
    }
    return row;
}

/* One result line into l. 0; 1 when it is not one (said); -ENOMEM. */
static int read_line(op_lines_t *l, const char *text, size_t len, uint64_t lineno, const char *name)
{
    cJSON *doc = cJSON_ParseWithLength(text, len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "client_order_id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "status");
    const cJSON *oid = cJSON_GetObjectItemCaseSensitive(doc, "order_id");
    int op = op_of(doc), status = cJSON_IsString(st) ? status_of(st->valuestring) : -1;
    if (!cJSON_IsString(id) || !id->valuestring[0] || status < 0 || op < 0) {
        cJSON_Delete(doc);
        /* an invalid row has no id to act on: nothing was sent for it */
        if (status == SALVO_INVALID)
            return 0;
        if (l->unread++ < 10)
            fprintf(stderr, "salvo: %s line %llu: not a salvo result line (%s)\n", name, (unsigned long long)lineno,
                    op < 0 ? "an \"op\" salvo does not know" : "no client_order_id or status");
        return 1;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        op_line_t *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL) {
            cJSON_Delete(doc);
            return -ENOMEM;
        }
        l->v = v, l->cap = cap;
    }
    op_line_t *x = &l->v[l->n];
    const cJSON *prev = cJSON_GetObjectItemCaseSensitive(doc, "previous");
    *x = (op_line_t){.id = strdup(id->valuestring), .seq = l->n, .op = op, .status = status,
                     .placed_before = cJSON_IsString(prev) && strcmp(prev->valuestring, "accepted") == 0};
    x->row = op == SALVO_OP_SEND ? row_of(doc) : NULL;
    x->order_id = cJSON_IsString(oid) && oid->valuestring[0] ? strdup(oid->valuestring) : NULL;
    int oom = x->id == NULL || (op == SALVO_OP_SEND && x->row == NULL) || (cJSON_IsString(oid) && oid->valuestring[0] &&
                                                                           x->order_id == NULL);
    cJSON_Delete(doc);
    l->n++; /* freed with the rest, whole or not */
    return oom ? -ENOMEM : 0;
}

static int read_lines(op_lines_t *l, FILE *f, const char *name)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    int rc = 0;
    while (rc >= 0 && (n = getline(&buf, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        rc = read_line(l, buf, len, lineno, name);
    }
    if (rc >= 0 && ferror(f))
        rc = errno ? -errno : -EIO;
    free(buf);
    return rc < 0 ? rc : 0;
}

static int by_id_then_seq(const void *pa, const void *pb)
{
    const op_line_t *a = pa, *b = pb;
    int c = strcmp(a->id, b->id);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* An order's lines, oldest first: may it be live at the broker (cancel),
 * may it ever have reached the broker (status)? */
typedef struct op_fold {
    int ever, live;
    const cJSON *row;
    const char *order_id;
    size_t first_seq;
} op_fold_t;

/* A send's line says its order may be at the broker: placed (accepted,
 * duplicate), no answer (unknown), or a --resume's skipped line for one
 * the earlier run placed ("previous":"accepted"; sent or unknown ones are
 * reported unknown). */
static int send_may_be_live(int status, int placed_before)
{
    return status == SALVO_ACCEPTED || status == SALVO_DUPLICATE || status == SALVO_UNKNOWN ||
           (status == SALVO_SKIPPED && placed_before);
}

/* A send's line that may stand for a newer order than the earlier lines'
 * (same-day ids repeat for the same rows): its broker id, or none, is the
 * one to use; an earlier send's id must not name a later order. A
 * duplicate's answer names the order the broker already has, or nothing. */
static const char *broker_id_after(const op_line_t *x, const char *before)
{
    if (x->op == SALVO_OP_SEND && x->status == SALVO_ACCEPTED) /* a new order, with its id or none */
        return x->order_id;
    /* an unknown resend with no id: at a broker that dedupes, the same order */
    return x->order_id ? x->order_id : before;
}

static op_fold_t fold(const op_line_t *v, size_t n)
{
    op_fold_t f = {.first_seq = v[0].seq};
    for (size_t i = 0; i < n; i++) {
        int s = v[i].status;
        if (v[i].row)
            f.row = v[i].row;
        f.order_id = broker_id_after(&v[i], f.order_id);
        if (v[i].op == SALVO_OP_SEND && send_may_be_live(s, v[i].placed_before))
            f.ever = f.live = 1;
        else if (v[i].op == SALVO_OP_CANCEL && s == SALVO_CANCELLED)
            f.live = 0;
        else if (v[i].op == SALVO_OP_STATUS && (s == SALVO_OPEN || s == SALVO_PARTIALLY_FILLED))
            f.live = f.ever;
        else if (v[i].op == SALVO_OP_STATUS && (s == SALVO_FILLED || s == SALVO_CANCELLED || s == SALVO_REJECTED))
            f.live = 0;
        /* anything else changes nothing: a cancel is asked again, which is
         * harmless. already_closed too: several brokers give it for an
         * order they do not know (a wrong account or key), not only for
         * one filled or cancelled */
    }
    return f;
}

static int by_first_seq(const void *pa, const void *pb)
{
    const op_fold_t *a = pa, *b = pb;
    return (a->first_seq > b->first_seq) - (a->first_seq < b->first_seq);
}

int tool_op_check_columns(const salvo_body_t *b, const char *who, int op)
{
    static const char *const carried[] = {"client_order_id", "symbol", "side", "type", "quantity", "price",
                                          "order_id", NULL};
    const char *const *names;
    size_t n = salvo_body_columns(b, &names);
    for (size_t i = 0; i < n; i++) {
        const char *const *k = carried;
        while (*k && strcmp(*k, names[i]) != 0)
            k++;
        if (*k == NULL && !salvo_body_is_pseudo(names[i]))
            return usage_error("%s: the request needs column %s, which result lines do not carry (give the URL "
                               "with it: salvo %s --url ... RESULTS)", who, names[i], salvo_op_name(op));
    }
    return -1;
}

int tool_op_spool_live(FILE *f, const salvo_result_t *r)
{
    const salvo_order_t *o = r->order;
    if (r->op != SALVO_OP_SEND || !send_may_be_live(r->status, r->previous && strcmp(r->previous, "accepted") == 0))
        return 0;
    const char *const kv[][2] = {{"client_order_id", o->client_order_id}, {"symbol", o->symbol}, {"side", o->side},
                                 {"type", o->type}, {"quantity", o->quantity}, {"price", o->price},
                                 {"order_id", r->order_id}};
    cJSON *row = cJSON_CreateObject();
    for (size_t i = 0; row && i < sizeof kv / sizeof *kv; i++)
        if (kv[i][1] && kv[i][1][0] && !cJSON_AddStringToObject(row, kv[i][0], kv[i][1])) {
            cJSON_Delete(row);
            row = NULL;
        }
    char *text = row ? cJSON_PrintUnformatted(row) : NULL;
    cJSON_Delete(row);
    if (text == NULL)
        return -ENOMEM;
    int w = fprintf(f, "%s\n", text);
    free(text);
    return w < 0 ? -EIO : 0;
}

/* The chosen orders as JSON Lines onto out. */
static int write_rows(const op_fold_t *chosen, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *row = cJSON_Duplicate(chosen[i].row, 1);
        if (row == NULL || (chosen[i].order_id && !cJSON_AddStringToObject(row, "order_id", chosen[i].order_id))) {
            cJSON_Delete(row);
            return -ENOMEM;
        }
        char *text = cJSON_PrintUnformatted(row);
        cJSON_Delete(row);
        if (text == NULL)
            return -ENOMEM;
        int w = fprintf(out, "%s\n", text);
        free(text);
        if (w < 0)
            return -EIO;
    }
    return fflush(out) == 0 ? 0 : -EIO;
}

/* Each order's lines folded; those the op acts on written to out, oldest
 * first. *n_chosen, *n_left: how many orders were chosen, how many not. */
static int choose(op_lines_t *l, int op, FILE *out, size_t *n_chosen, size_t *n_left)
{
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, by_id_then_seq);
    op_fold_t *chosen = calloc(l->n ? l->n : 1, sizeof *chosen);
    if (chosen == NULL)
        return -ENOMEM;
    size_t nc = 0, left = 0;
    for (size_t i = 0, j; i < l->n; i = j) {
        for (j = i + 1; j < l->n && strcmp(l->v[j].id, l->v[i].id) == 0;)
            j++;
        op_fold_t f = fold(&l->v[i], j - i);
        int take = f.row && (op == SALVO_OP_CANCEL ? f.live : f.ever);
        if (take)
            chosen[nc++] = f;
        else
            left++;
    }
    if (nc)
        qsort(chosen, nc, sizeof *chosen, by_first_seq);
    int rc = write_rows(chosen, nc, out);
    free(chosen);
    *n_chosen = nc, *n_left = left;
    return rc;
}

static void say_choice(const salvo_args_t *a, size_t nc, size_t left)
{
    const char *name = input_name(a);
    if (nc == 0) {
        fprintf(stderr, "salvo: %s: no order %s (%zu read)\n", name,
                a->op == SALVO_OP_CANCEL ? "may be live: nothing to cancel" : "reached the broker: nothing to look up",
                left);
        return;
    }
    if (a->op == SALVO_OP_CANCEL)
        fprintf(stderr, "salvo: %s: %zu order%s may be live: cancelling %s", name, nc, nc == 1 ? "" : "s",
                nc == 1 ? "it" : "them");
    else
        fprintf(stderr, "salvo: %s: %zu order%s may have reached the broker: looking %s up", name, nc,
                nc == 1 ? "" : "s", nc == 1 ? "it" : "them");
    if (left)
        fprintf(stderr, " (%zu other%s %s)", left, left == 1 ? "" : "s",
                a->op == SALVO_OP_CANCEL ? "never placed, or already closed" : "never placed");
    fputs("\n", stderr);
}

/* Every results file given, in order, into l. 0, or an exit code (said). */
static int read_inputs(const salvo_args_t *a, op_lines_t *l)
{
    for (size_t i = 0; i <= a->n_more_inputs; i++) {
        const char *path = i == 0 ? a->input_path : a->more_inputs[i - 1];
        const char *name = path && strcmp(path, "-") != 0 ? path : "stdin";
        int is_stdin = path == NULL || strcmp(path, "-") == 0;
        FILE *in = is_stdin ? stdin : fopen(path, "re");
        if (in == NULL)
            return tool_fail(SALVO_EXIT_IO, "cannot read %s: %s", name, strerror(errno));
        int rc = read_lines(l, in, name);
        if (!is_stdin)
            fclose(in);
        if (rc == -ENOMEM)
            return out_of_memory();
        if (rc < 0)
            return tool_fail(SALVO_EXIT_IO, "reading %s: %s", name, strerror(-rc));
    }
    return 0;
}

int tool_op_input(salvo_args_t *a, uint64_t *unread)
{
    const char *name = input_name(a);
    FILE *out = tmpfile(); /* the chosen orders: seekable, for --check and --at's pass over the input */
    if (out == NULL)
        return tool_fail(SALVO_EXIT_IO, "cannot hold the orders read: %s", strerror(errno));
    op_lines_t l = {0};
    size_t nc = 0, left = 0;
    int rc = read_inputs(a, &l);
    if (rc > 0) {
        lines_free(&l);
        fclose(out);
        return rc;
    }
    rc = choose(&l, a->op, out, &nc, &left);
    *unread = l.unread;
    lines_free(&l);
    if (rc == 0 && fseek(out, 0, SEEK_SET) != 0)
        rc = -errno;
    int fd = rc == 0 ? fcntl(fileno(out), F_DUPFD_CLOEXEC, 0) : -1;
    fclose(out);
    if (rc == -ENOMEM)
        return out_of_memory();
    if (rc < 0 || fd < 0)
        return tool_fail(SALVO_EXIT_IO, "reading %s: %s", name, strerror(rc < 0 ? -rc : errno));
    if (l.unread)
        fprintf(stderr, "salvo: %s: %llu line%s could not be read: their orders were not %s\n", name,
                (unsigned long long)l.unread, l.unread == 1 ? "" : "s",
                a->op == SALVO_OP_CANCEL ? "cancelled" : "looked up");
    say_choice(a, nc, left);
    if (nc == 0) { /* done: nothing is sent, no line is written */
        close(fd);
        return l.unread ? SALVO_EXIT_NOT_ACCEPTED : SALVO_EXIT_OK;
    }
    a->cfg.input_fd = fd;
    a->cfg.format = SALVO_FORMAT_JSONL;
    return -1;
}

/* The flag a cancel or status run would ignore: its orders and their ids
 * come from the results, its request from the profile's section (or
 * --url), and it changes nothing twice, so the send's safety nets for
 * resending have nothing to do. NULL when none was given. */
static const char *flag_not_for_op(const salvo_args_t *a)
{
    const salvo_config_t *c = &a->cfg;
    int from_results = a->journal_path == NULL; /* else the send's orders, read as it read them */
    const struct {
        int given;
        const char *flag;
    } t[] = {
        {a->body_template != NULL, "--body-template"},
        {c->retry_ambiguous, "--retry-ambiguous"},
        {c->resend_unknown, "--resend-unknown"},
        {c->reconcile_url != NULL, "--reconcile-url"},
        {c->reconcile_pointer != NULL, "--reconcile-id-pointer"},
        {a->exec_cmd != NULL, "--exec"},
        {a->resume, "--resume"},
        {a->fsync, "--fsync"},
        {a->resume_old_journal, "--resume-old-journal"},
        {c->max_notional > 0, "--max-notional"},
        {from_results && a->format_given, "--input-format"},
        {from_results && c->delim != ',', "--delimiter"},
        {from_results && c->no_header, "--no-header"},
        {from_results && c->defaults.quantity != NULL, "--quantity"},
        {from_results && c->defaults.side != NULL, "--side"},
        {from_results && c->defaults.type != NULL, "--type"},
        {from_results && c->defaults.decimal_quantity, "--decimal-quantity"},
        {a->id_prefix_given, "--id-prefix"},
        {a->check_profile, "--check-profile"},
        {c->idempotency_header && c->idempotency_header != salvo__idempotency_default, "--idempotency-header"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (t[i].given)
            return t[i].flag;
    return NULL;
}

int tool_op_settle(salvo_args_t *a)
{
    salvo_config_t *c = &a->cfg;
    const char *cmd = salvo_op_name(a->op);
    const char *flag = flag_not_for_op(a);
    if (flag && a->journal_path == NULL)
        return usage_error("salvo %s takes no %s: the orders come from the results given", cmd, flag);
    if (flag)
        return usage_error("salvo %s --journal takes no %s: it reads the send's journal and orders, and writes "
                           "no journal (run it again to finish what an interrupted one left)", cmd, flag);
    if (a->journal_path && a->n_more_inputs)
        return usage_error("salvo %s --journal J reads one file: the orders the send read (give them as it did)",
                           cmd);
    c->op = a->op;
    c->idempotency_header = NULL; /* never the order's key on its cancel */
    if (a->broker && a->given.method)
        return usage_error("salvo %s --broker takes no --method: the profile's \"%s\" request names its method, and "
                           "its body and signature are made for it", cmd, cmd);
    if (a->broker)
        return -1;
    if (a->op == SALVO_OP_STATUS) /* an order's state is in the answer's words: a profile's rules read them */
        return usage_error("salvo status needs --broker NAME|FILE: its \"status\" rules read the broker's answer "
                           "(docs/profiles.md, \"Cancel and status\"); --url overrides its URL");
    if (c->url == NULL)
        return usage_error("salvo %s needs --broker NAME|FILE (a profile with a \"%s\" request) or --url naming the "
                           "order, such as https://broker/orders/{{client_order_id}}", cmd, cmd);
    if (strstr(c->url, "{{") == NULL)
        return usage_error("salvo %s --url %s names no order: put its id in the URL, such as "
                           "https://broker/orders/{{client_order_id}}", cmd, c->url);
    if (!a->given.method)
        c->method = a->op == SALVO_OP_CANCEL ? "DELETE" : "GET";
    return -1;
}
