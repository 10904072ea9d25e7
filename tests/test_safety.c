/* The journal (reader and writer), one run at a time, resumes, lookup URLs.
 * (Secrets: test_secret.c.) */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "salvo/jindex.h"
#include "lookup.h"
#include "orderid.h"
#include "testutil.h"

#define HDR "{\"salvo_journal\":1,\"id_prefix\":\"p\",\"started\":\"2026-11-24T08:00:00Z\"}\n"

/* ---- the journal reader, as data: text in, states or an error out ---- */

struct jcase {
    const char *name, *text;
    int rc;            /* 0 or -EINVAL */
    const char *err;   /* expected message when -EINVAL */
    const char *ids[4];
    int states[4];
    int torn;
};

static const struct jcase jcases[] = {
    {"empty", "", 0, NULL, {NULL}, {0}, 0},
    {"header only", HDR, 0, NULL, {"p-1"}, {SALVO_J_NONE}, 0},
    {"sent, no outcome", HDR "{\"sent\":\"p-1\",\"line\":2,\"attempt\":1}\n", 0, NULL, {"p-1", "p-2"},
     {SALVO_J_SENT, SALVO_J_NONE}, 0},
    /* found by fuzz_journal: a line number no integer holds (UBSan) */
    {"absurd input line", HDR "{\"sent\":\"p-1\",\"line\":3.3e63,\"attempt\":1}\n", 0, NULL, {"p-1"},
     {SALVO_J_SENT}, 0},
    {"the last record wins",
     HDR "{\"sent\":\"p-1\",\"line\":2,\"attempt\":1}\n{\"id\":\"p-1\",\"status\":\"failed\",\"http\":503}\n"
         "{\"sent\":\"p-1\",\"line\":2,\"attempt\":1}\n{\"id\":\"p-1\",\"status\":\"accepted\",\"http\":200}\n"
         "{\"id\":\"p-2\",\"status\":\"rejected\",\"http\":422}\n{\"id\":\"p-3\",\"status\":\"unknown\",\"http\":500}\n",
     0, NULL, {"p-1", "p-2", "p-3"}, {SALVO_J_ACCEPTED, SALVO_J_REJECTED, SALVO_J_UNKNOWN}, 0},
    {"torn last line without newline",
     HDR "{\"id\":\"p-1\",\"status\":\"accepted\",\"http\":200}\n{\"sent\":\"p-2\",\"li", 0, NULL, {"p-1", "p-2"},
     {SALVO_J_ACCEPTED, SALVO_J_NONE}, 1},
    {"torn status at the end", HDR "{\"sent\":\"p-2\",\"line\":3,\"attempt\":1}\n{\"id\":\"p-2\",\"status\":\"acc",
     0, NULL, {"p-2"}, {SALVO_J_SENT}, 1},
    {"garbage last line with newline", HDR "{\"sent\":\"p-1\",\"line\":2,\"attempt\":1}\n\x01\x02zz\n", 0, NULL,
     {"p-1"}, {SALVO_J_SENT}, 1},
    {"corruption in the middle",
     HDR "{\"sent\":\"p-1\",\"line\":2,\"attempt\":1}\nnot json\n{\"id\":\"p-1\",\"status\":\"accepted\",\"http\":200}\n",
     -EINVAL, "line 3 is not a salvo journal record", {NULL}, {0}, 0},
    {"an unknown status is corruption",
     HDR "{\"id\":\"p-1\",\"status\":\"maybe\",\"http\":200}\n{\"sent\":\"p-2\",\"line\":3,\"attempt\":1}\n", -EINVAL,
     "line 2 is not a salvo journal record", {NULL}, {0}, 0},
    {"not a journal", "symbol,price\nAAPL,1\n", -EINVAL, "line 1 is not a salvo journal record (is this a journal?)",
     {NULL}, {0}, 0},
    /* A file without a header is no journal, even when its only line looks torn: it is refused, not cut. */
    {"one JSON line without newline", "{\"config\":\"precious\"}", -EINVAL,
     "line 1 is not a salvo journal record (is this a journal?)", {NULL}, {0}, 0},
    {"a header torn mid-write", "{\"salvo_journal\":1,\"id_prefix\":\"p\"", -EINVAL,
     "line 1 is not a salvo journal record (is this a journal?)", {NULL}, {0}, 0},
    {"records before the header", "{\"sent\":\"p-1\",\"line\":2,\"attempt\":1}\n" HDR, -EINVAL,
     "line 1 is not a salvo journal record (is this a journal?)", {NULL}, {0}, 0},
    {"two headers with other ids", HDR "{\"salvo_journal\":1,\"id_prefix\":\"q\"}\n{\"sent\":\"q-1\"}\n", -EINVAL,
     "line 2 is not a salvo journal record", {NULL}, {0}, 0},
    {"a resumed run's second header", HDR "{\"sent\":\"p-1\"}\n" HDR "{\"id\":\"p-1\",\"status\":\"accepted\"}\n", 0,
     NULL, {"p-1"}, {SALVO_J_ACCEPTED}, 0},
    {"an empty id", HDR "{\"sent\":\"\"}\n{\"sent\":\"p-1\"}\n", -EINVAL, "line 2 is not a salvo journal record",
     {NULL}, {0}, 0},
    {"an order of another prefix", HDR "{\"sent\":\"p-1\"}\n{\"sent\":\"q-1\",\"line\":3}\n{\"sent\":\"p-2\"}\n",
     -EINVAL, "line 3 records order \"q-1\", which is not one of this journal's (p-...)", {NULL}, {0}, 0},
    {"an outcome of another prefix, last", HDR "{\"id\":\"pp-1\",\"status\":\"accepted\",\"http\":200}\n", -EINVAL,
     "line 2 records order \"pp-1\", which is not one of this journal's (p-...)", {NULL}, {0}, 0},
    {"a header naming another destination",
     "{\"salvo_journal\":1,\"id_prefix\":\"p\",\"endpoint\":\"https://a\",\"profile\":null,\"sandbox\":false}\n"
     "{\"salvo_journal\":1,\"id_prefix\":\"p\",\"endpoint\":\"https://b\",\"profile\":\"x\",\"sandbox\":true}\n",
     -EINVAL, "line 2 is a run sending to https://b (profile x, --sandbox), but the journal's orders went to https://a "
              "(no profile)", {NULL}, {0}, 0},
    {"an old header, then one naming the destination",
     HDR "{\"salvo_journal\":1,\"id_prefix\":\"p\",\"endpoint\":\"https://a\",\"profile\":null,\"sandbox\":false}\n",
     0, NULL, {"p-1"}, {SALVO_J_NONE}, 0},
    {"ids the input gave need no prefix",
     HDR "{\"sent\":\"acct-7\",\"line\":2,\"attempt\":1,\"given\":true}\n"
         "{\"id\":\"acct-7\",\"status\":\"accepted\",\"http\":200,\"given\":true}\n",
     0, NULL, {"acct-7"}, {SALVO_J_ACCEPTED}, 0},
};

static void test_jindex_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof jcases / sizeof *jcases; i++) {
        const struct jcase *c = &jcases[i];
        salvo_jindex_t ix;
        memset(&ix, 0, sizeof ix);
        char err[256] = "";
        int rc = salvo_jindex_parse(&ix, c->text, strlen(c->text), err, sizeof err);
        if (rc != c->rc)
            fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc, err);
        if (c->err && strcmp(err, c->err) != 0)
            fail_msg("%s: error \"%s\", want \"%s\"", c->name, err, c->err);
        for (size_t k = 0; rc == 0 && k < 4 && c->ids[k]; k++)
            if (salvo_jindex_get(&ix, c->ids[k]) != c->states[k])
                fail_msg("%s: %s is %s, want %s", c->name, c->ids[k], salvo_jstate_name(salvo_jindex_get(&ix, c->ids[k])),
                         salvo_jstate_name(c->states[k]));
        if (rc == 0 && ix.torn_tail != c->torn)
            fail_msg("%s: torn_tail %d", c->name, ix.torn_tail);
        if (rc == 0 && !c->torn && ix.good_len != strlen(c->text))
            fail_msg("%s: good_len %zu of %zu", c->name, ix.good_len, strlen(c->text));
        salvo_jindex_clear(&ix);
    }
}

/* ---- the journal writer: what one run writes, the next one reads ---- */

static void put_order(salvo_order_t *o, const char *id, uint64_t line)
{
    memset(o, 0, sizeof *o);
    o->client_order_id = id;
    o->line = line;
}

static void test_journal_round_trip(void **state)
{
    (void)state;
    char path[256], err[256];
    temp_path(path, sizeof path, "journal");
    salvo_jindex_t ix;
    memset(&ix, 0, sizeof ix);
    salvo_journal_t *j;
    assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_FSYNC, &ix, err, sizeof err), 0);
    assert_int_equal(salvo_journal_begin(j, "run7"), 0);
    salvo_order_t a, b, c;
    put_order(&a, "run7-1", 2);
    put_order(&b, "run7-2", 3);
    put_order(&c, "run7-\"3\"", 4); /* quotes must survive the JSON */
    salvo_result_t ra = {.order = &a, .status = SALVO_ACCEPTED, .http_status = 200};
    salvo_result_t rb = {.order = &b, .status = SALVO_FAILED, .http_status = 503};
    salvo_result_t rinv = {.order = &b, .status = SALVO_INVALID};
    assert_int_equal(salvo_journal_sent(j, &a, 1), 0);
    assert_int_equal(salvo_journal_sent(j, &b, 1), 0);
    assert_int_equal(salvo_journal_sent(j, &c, 1), 0);
    assert_true(salvo_journal_wants_sync(j));
    assert_int_equal(salvo_journal_sync(j), 0);
    assert_false(salvo_journal_wants_sync(j));
    assert_int_equal(salvo_journal_outcome(j, &ra), 0);
    assert_int_equal(salvo_journal_outcome(j, &rb), 0);
    assert_int_equal(salvo_journal_outcome(j, &rinv), 0); /* never sent: not written */
    assert_int_equal(salvo_journal_close(j), 0);

    /* A second run without --resume must not mix into it. */
    assert_int_equal(salvo_journal_open(&j, path, 0, &ix, err, sizeof err), -EEXIST);
    assert_non_null(strstr(err, "--resume"));

    /* A crash mid-write: a torn line at the end is dropped and cut off. */
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"id\":\"run7-", 12), 12);
    close(fd);
    assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_RESUME, &ix, err, sizeof err), 0);
    assert_string_equal(ix.id_prefix, "run7");
    assert_int_equal(ix.torn_tail, 1);
    assert_int_equal(salvo_jindex_get(&ix, "run7-1"), SALVO_J_ACCEPTED);
    assert_int_equal(salvo_jindex_get(&ix, "run7-2"), SALVO_J_FAILED);
    assert_int_equal(salvo_jindex_get(&ix, "run7-\"3\""), SALVO_J_SENT);
    assert_int_equal(salvo_journal_begin(j, "run7"), 0);
    assert_int_equal(salvo_journal_outcome(j, &(salvo_result_t){.order = &c, .status = SALVO_UNKNOWN}), 0);
    assert_int_equal(salvo_journal_close(j), 0);
    salvo_jindex_clear(&ix);

    /* The resumed part reads back whole: no torn line in the middle. */
    memset(&ix, 0, sizeof ix);
    assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_RESUME, &ix, err, sizeof err), 0);
    assert_int_equal(ix.torn_tail, 0);
    assert_int_equal(salvo_jindex_get(&ix, "run7-\"3\""), SALVO_J_UNKNOWN);
    assert_int_equal(ix.records, 6);
    salvo_journal_close(j);
    salvo_jindex_clear(&ix);
    unlink(path);
}

/* A journal names where its orders went; a resume must send there. The
 * endpoint is the URL's origin: however it is written, without a password. */
static void test_journal_dest(void **state)
{
    (void)state;
    char path[256], err[512] = "";
    temp_path(path, sizeof path, "dest");
    salvo_jindex_t ix;
    memset(&ix, 0, sizeof ix);
    salvo_journal_t *j;
    const salvo_jdest_t first = {.url = "HTTPS://user:pw-77@API.Example.com:443/v1/{{account}}/orders?x=1",
                                 .profile = "bybit", .sandbox = 1};
    assert_int_equal(salvo_journal_open(&j, path, 0, &ix, err, sizeof err), 0);
    assert_int_equal(salvo_jindex_check_dest(&ix, &first, err, sizeof err), 0); /* a new journal */
    assert_int_equal(salvo_journal_begin_dest(j, "p", "o.csv", &first), 0);
    assert_int_equal(salvo_journal_close(j), 0);
    assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_RESUME, &ix, err, sizeof err), 0);
    salvo_journal_close(j);
    assert_string_equal(ix.endpoint, "https://api.example.com");
    assert_string_equal(ix.profile, "bybit");
    assert_int_equal(ix.sandbox, 1);
    static const struct {
        salvo_jdest_t d;
        int rc;
        const char *here;
    } cases[] = {
        {{.url = "https://api.example.com/v1/x", .profile = "bybit", .sandbox = 1}, 0, NULL},
        {{.url = "https://api.example.com:8443/v1/x", .profile = "bybit", .sandbox = 1}, -EINVAL,
         "this run sends to https://api.example.com:8443 (profile bybit, --sandbox)"},
        {{.url = "http://api.example.com/v1/x", .profile = "bybit", .sandbox = 1}, -EINVAL,
         "this run sends to http://api.example.com (profile bybit, --sandbox)"},
        {{.url = "https://api.example.com/v1/x", .profile = "bybit"}, -EINVAL,
         "this run sends to https://api.example.com (profile bybit):"},
        {{.url = "https://api.example.com/v1/x", .profile = "okx", .sandbox = 1}, -EINVAL,
         "this run sends to https://api.example.com (profile okx, --sandbox)"},
        {{.url = "https://api.example.com/v1/x"}, -EINVAL, "this run sends to https://api.example.com (no profile)"},
        {{.exec = "python3 bridge.py"}, -EINVAL, "this run sends to exec python3 bridge.py (no profile)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        err[0] = '\0';
        int rc = salvo_jindex_check_dest(&ix, &cases[i].d, err, sizeof err);
        if (rc != cases[i].rc || (cases[i].here && strstr(err, cases[i].here) == NULL))
            fail_msg("case %zu: rc %d, err \"%s\"", i, rc, err);
        if (rc && strstr(err, "its orders went to https://api.example.com (profile bybit, --sandbox)") == NULL)
            fail_msg("case %zu: does not name the journal's: \"%s\"", i, err);
    }
    /* the password is nowhere in the file */
    FILE *f = fopen(path, "r");
    char text[1024] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_null(strstr(text, "pw-77"));
    salvo_jindex_clear(&ix);
    unlink(path);

    /* origins: default ports dropped, IPv6 kept whole */
    static const char *const same[][2] = {
        {"http://h:80/a", "http://H/b"},
        {"http://[::1]:8080/a", "http://[::1]:8080"},
        {"http://u@[::1]/a", "http://[::1]:80/"},
    };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        memset(&ix, 0, sizeof ix);
        temp_path(path, sizeof path, "dest2");
        assert_int_equal(salvo_journal_open(&j, path, 0, &ix, err, sizeof err), 0);
        assert_int_equal(salvo_journal_begin_dest(j, "p", NULL, &(salvo_jdest_t){.url = same[i][0]}), 0);
        salvo_journal_close(j);
        assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_RESUME, &ix, err, sizeof err), 0);
        salvo_journal_close(j);
        if (salvo_jindex_check_dest(&ix, &(salvo_jdest_t){.url = same[i][1]}, err, sizeof err) != 0)
            fail_msg("%s and %s: %s", same[i][0], same[i][1], err);
        assert_int_equal(salvo_jindex_check_dest(&ix, &(salvo_jdest_t){.url = "http://[::2]:8080/"}, err, sizeof err),
                         -EINVAL);
        salvo_jindex_clear(&ix);
        unlink(path);
    }

    /* an old journal names none: the caller decides */
    memset(&ix, 0, sizeof ix);
    assert_int_equal(salvo_jindex_parse(&ix, HDR, strlen(HDR), err, sizeof err), 0);
    assert_int_equal(salvo_jindex_check_dest(&ix, &first, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "does not say where its orders went"));
    salvo_jindex_clear(&ix);
}

static void test_journal_refuses_other_files(void **state)
{
    (void)state;
    char path[256], err[256] = "";
    temp_path(path, sizeof path, "notjournal");
    FILE *f = fopen(path, "w");
    fputs("symbol,price\nAAPL,1\n", f);
    fclose(f);
    salvo_jindex_t ix;
    memset(&ix, 0, sizeof ix);
    salvo_journal_t *j = NULL;
    assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_RESUME, &ix, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "line 1"));
    assert_non_null(strstr(err, "nothing was sent"));
    salvo_jindex_clear(&ix);
    unlink(path);
}

/* ---- one run at a time ---- */

/* A child holds the journal open until told; the parent is the second run. */
static void test_journal_lock(void **state)
{
    (void)state;
    char path[256], err[256] = "";
    temp_path(path, sizeof path, "locked");
    int go[2], ready[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) { /* it exits when the parent does, whatever the parent's fate */
        close(go[1]);
        salvo_jindex_t ix = {0};
        salvo_journal_t *j;
        char c = salvo_journal_open(&j, path, 0, &ix, err, sizeof err) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
            _exit(1);
        _exit(c == 'k' ? 0 : salvo_journal_close(j) == 0 ? 0 : 1);
    }
    close(go[0]);
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    salvo_jindex_t ix = {0};
    salvo_journal_t *j = NULL;
    char want[64];
    snprintf(want, sizeof want, "(pid %ld)", (long)child);
    for (int flags = 0; flags <= SALVO_JOURNAL_RESUME; flags += SALVO_JOURNAL_RESUME) {
        assert_int_equal(salvo_journal_open(&j, path, flags, &ix, err, sizeof err), -EBUSY);
        if (strstr(err, want) == NULL)
            fail_msg("err \"%s\" does not name %s", err, want);
    }
    /* The holder dies without closing (kill -9): the lock goes with it. */
    kill(child, SIGKILL);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_RESUME, &ix, err, sizeof err), 0);
    salvo_journal_close(j);
    salvo_jindex_clear(&ix);
    close(go[1]), close(ready[0]), close(ready[1]);
    unlink(path);
}

/* ---- a resume must read the input the journal's run read ---- */

#define MAXROWS 5

struct resume_case {
    const char *name;
    const char *first[MAXROWS], *second[MAXROWS]; /* CSV rows under a header; the first run sends all */
    long jline, input_line;                       /* the first missing order's, or 0: the check passes */
};

static const struct resume_case resume_cases[] = {
    {"the same input", {"A,1,1,BUY", "B,2,2,SELL", "C,3,3,BUY"}, {"A,1,1,BUY", "B,2,2,SELL", "C,3,3,BUY"}, 0, 0},
    {"a row inserted at the top", {"A,1,1,BUY", "B,2,2,SELL"}, {"N,9,9,BUY", "A,1,1,BUY", "B,2,2,SELL"}, 0, 0},
    {"an identical row inserted", {"A,1,1,BUY", "B,2,2,SELL"}, {"A,1,1,BUY", "A,1,1,BUY", "B,2,2,SELL"}, 0, 0},
    {"the same rows reordered", {"A,1,1,BUY", "B,2,2,SELL"}, {"B,2,2,SELL", "A,1,1,BUY"}, 0, 0},
    /* journal: 1 header, then a sent and an outcome line per order */
    {"a row changed", {"A,1,1,BUY", "B,2,2,SELL", "C,3,3,BUY"}, {"A,1,1,BUY", "B,2,20,SELL", "C,3,3,BUY"}, 4, 3},
    {"a row deleted", {"A,1,1,BUY", "B,2,2,SELL", "C,3,3,BUY"}, {"A,1,1,BUY", "B,2,2,SELL"}, 6, 4},
    {"one of two identical rows deleted", {"A,1,1,BUY", "A,1,1,BUY"}, {"A,1,1,BUY"}, 4, 3},
    {"a different file", {"A,1,1,BUY", "B,2,2,SELL"}, {"X,1,1,BUY", "Y,2,2,SELL"}, 2, 2},
};

/* Orders from rows, ids as the engine gives them; ids[i] valid until the next call. */
static size_t orders_of(const char *const *rows, salvo_order_t *o, size_t max)
{
    salvo_layout_t l;
    assert_int_equal(salvo_layout_init(&l, NULL, 0), 0);
    salvo_layout_positional(&l);
    salvo_orderid_t ids;
    salvo_orderid_init(&ids);
    salvo_order_defaults_t d = {.id_prefix = "s261127"};
    size_t n = 0;
    for (; n < max && rows[n]; n++) {
        char buf[64];
        salvo_field_t f[5];
        size_t nf = 0;
        snprintf(buf, sizeof buf, "%s", rows[n]);
        for (char *tok = strtok(buf, ","); tok && nf < 5; tok = strtok(NULL, ","))
            f[nf] = (salvo_field_t){.s = tok, .len = strlen(tok), .present = 1}, nf++;
        salvo_row_t row = {.line = n + 2, .nfields = nf, .fields = f};
        memset(&o[n], 0, sizeof o[n]);
        assert_int_equal(salvo_order_from_row(&o[n], &l, &d, &row, n + 1), 0);
        assert_int_equal(salvo_orderid_assign(&ids, &o[n], d.id_prefix), 0);
    }
    salvo_orderid_free(&ids);
    salvo_layout_free(&l);
    return n;
}

static void test_resume_checks_input(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof resume_cases / sizeof *resume_cases; c++) {
        const struct resume_case *k = &resume_cases[c];
        char path[256], err[512] = "";
        temp_path(path, sizeof path, "resume");
        salvo_order_t o[MAXROWS];
        salvo_jindex_t ix = {0};
        salvo_journal_t *j;
        assert_int_equal(salvo_journal_open(&j, path, 0, &ix, err, sizeof err), 0);
        assert_int_equal(salvo_journal_begin_input(j, "s261127", "orders.csv"), 0);
        size_t n = orders_of(k->first, o, MAXROWS);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(salvo_journal_sent(j, &o[i], 1), 0);
            assert_int_equal(salvo_journal_outcome(j, &(salvo_result_t){.order = &o[i], .status = SALVO_ACCEPTED}), 0);
        }
        char first_ids[MAXROWS][64];
        for (size_t i = 0; i < n; i++)
            snprintf(first_ids[i], sizeof first_ids[i], "%s", o[i].client_order_id);
        for (size_t i = 0; i < n; i++)
            salvo_order_free(&o[i]);
        assert_int_equal(salvo_journal_close(j), 0);

        assert_int_equal(salvo_journal_open(&j, path, SALVO_JOURNAL_RESUME, &ix, err, sizeof err), 0);
        assert_string_equal(ix.input, "orders.csv");
        salvo_idmap_t input = {0};
        n = orders_of(k->second, o, MAXROWS);
        for (size_t i = 0; i < n; i++) {
            assert_true(salvo_idmap_set(&input, o[i].client_order_id, 1) >= 0);
            salvo_order_free(&o[i]);
        }
        int rc = salvo_journal_check_input(j, &ix, &input, err, sizeof err);
        if (k->jline == 0 && rc != 0)
            fail_msg("%s: refused: %s", k->name, err);
        if (k->jline) {
            char want[256];
            size_t order = (size_t)(k->jline - 2) / 2; /* which order of the first run */
            snprintf(want, sizeof want,
                     "line %ld records order %s (input line %ld), which this input does not hold (the journal's "
                     "run read orders.csv): resume with the same input, or start a new journal; nothing was sent",
                     k->jline, first_ids[order], k->input_line);
            if (rc != -EINVAL || strcmp(err, want) != 0)
                fail_msg("%s: rc %d, err\n  \"%s\", want\n  \"%s\"", k->name, rc, err, want);
        }
        salvo_idmap_free(&input);
        salvo_journal_close(j);
        salvo_jindex_clear(&ix);
        unlink(path);
    }
}

/* ---- lookups ---- */

static void test_lookup_url(void **state)
{
    (void)state;
    char *u = salvo_lookup_url("http://h/orders/{{client_order_id}}", "s1-42");
    assert_string_equal(u, "http://h/orders/s1-42");
    free(u);
    u = salvo_lookup_url("https://h/v2/orders:by_client_order_id?client_order_id={{client_order_id}}&x={{client_order_id}}",
                         "a b/c?&é");
    assert_string_equal(u, "https://h/v2/orders:by_client_order_id?client_order_id=a%20b%2Fc%3F%26%C3%A9&x=a%20b%2Fc%3F%26%C3%A9");
    free(u);
    assert_int_equal(salvo_lookup_template_ok("http://h/orders/{{client_order_id}}"), 1);
    assert_int_equal(salvo_lookup_template_ok("http://h/orders/{{id}}"), 0);
    static const struct { int curl; long http; const char *body, *ptr; int want; } t[] = {
        {CURLE_OK, 200, "{\"client_order_id\":\"p-1\",\"status\":\"new\"}", "/client_order_id", SALVO_LOOKUP_FOUND},
        {CURLE_OK, 200, "{}", "/client_order_id", SALVO_LOOKUP_UNSURE},          /* names nothing */
        {CURLE_OK, 200, "[]", "/client_order_id", SALVO_LOOKUP_UNSURE},
        {CURLE_OK, 200, "", "/client_order_id", SALVO_LOOKUP_UNSURE},
        {CURLE_OK, 200, "{\"client_order_id\":\"p-2\"}", "/client_order_id", SALVO_LOOKUP_UNSURE}, /* another */
        {CURLE_OK, 200, "[{\"clientOrderId\":\"p-1\"}]", "/0/clientOrderId", SALVO_LOOKUP_FOUND},
        {CURLE_OK, 200, "{\"a/b\":{\"m~n\":\"p-1\"}}", "/a~1b/m~0n", SALVO_LOOKUP_FOUND},
        {CURLE_OK, 200, "{\"client_order_id\":1}", "/client_order_id", SALVO_LOOKUP_UNSURE},
        {CURLE_OK, 200, "not json", "/client_order_id", SALVO_LOOKUP_UNSURE},
        {CURLE_OK, 404, "", "/client_order_id", SALVO_LOOKUP_ABSENT},
        {CURLE_OK, 410, "", "/client_order_id", SALVO_LOOKUP_ABSENT},
        {CURLE_OK, 401, "", "/client_order_id", SALVO_LOOKUP_UNSURE},
        {CURLE_OK, 500, "", "/client_order_id", SALVO_LOOKUP_UNSURE},
        {CURLE_OPERATION_TIMEDOUT, 0, "", "/client_order_id", SALVO_LOOKUP_UNSURE},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (salvo_lookup_outcome(t[i].curl, t[i].http, t[i].body, strlen(t[i].body), t[i].ptr, "p-1") != t[i].want)
            fail_msg("lookup row %zu: %s", i, t[i].body);
    /* an id "." or ".." in a lookup's path looks up another path: its 404 proves nothing */
    assert_int_equal(salvo_lookup_outcome(CURLE_OK, 404, "", 0, "/client_order_id", ".."), SALVO_LOOKUP_UNSURE);
    assert_int_equal(salvo_lookup_outcome(CURLE_OK, 410, "", 0, "/client_order_id", "."), SALVO_LOOKUP_UNSURE);
    assert_int_equal(salvo_lookup_outcome(CURLE_OK, 404, "", 0, "/client_order_id", "..."), SALVO_LOOKUP_ABSENT);
    static const char named[] = "{\"client_order_id\":\"..\"}";
    assert_int_equal(salvo_lookup_outcome(CURLE_OK, 200, named, sizeof named - 1, "/client_order_id", ".."),
                     SALVO_LOOKUP_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jindex_cases),     cmocka_unit_test(test_journal_round_trip),
        cmocka_unit_test(test_journal_refuses_other_files), cmocka_unit_test(test_lookup_url),
        cmocka_unit_test(test_journal_dest),
        cmocka_unit_test(test_journal_lock),     cmocka_unit_test(test_resume_checks_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
