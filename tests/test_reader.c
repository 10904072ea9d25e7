/* CSV and JSONL readers. Cases are data: input text and the rows it must
 * give, written as fields joined by '|' and rows by ';', each with its
 * line number. Every case is fed whole, byte by byte, and in random chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "salvo/reader.h"

struct csv_case {
    const char *name, *input, *expect;
};

static const struct csv_case csv_cases[] = {
    {"simple", "a,b\n1,2\n", "1:a|b;2:1|2"},
    {"no final newline", "a,b\n1,2", "1:a|b;2:1|2"},
    {"crlf", "a,b\r\n1,2\r\n", "1:a|b;2:1|2"},
    {"bom", "\xEF\xBB\xBFsymbol,price\n2330,590\n", "1:symbol|price;2:2330|590"},
    {"blank lines skipped", "\n\na,b\n\n\r\n1,2\n\n", "3:a|b;6:1|2"},
    {"quoted comma", "\"a,b\",c\n", "1:a,b|c"},
    {"escaped quote", "\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x"},
    {"newline in quotes", "\"l1\nl2\",x\ny,z\n", "1:l1\nl2|x;3:y|z"},
    {"empty fields", ",,\n", "1:||"},
    {"empty quoted field", "\"\",a\n", "1:|a"},
    {"quoted last line no newline", "a,\"b\"", "1:a|b"},
    {"lone cr line end", "a,b\r1,2\r", "1:a|b;2:1|2"},
};

/* Render every row as "line:f1|f2;..." and report any row error as "!E". */
static void render(salvo_reader_t *r, char *out, size_t outlen)
{
    salvo_row_t row;
    size_t n = strlen(out);
    while (salvo_reader_next(r, &row) == 1) {
        n += (size_t)snprintf(out + n, outlen - n, "%s%llu:", n ? ";" : "", (unsigned long long)row.line);
        if (row.error) {
            n += (size_t)snprintf(out + n, outlen - n, "!%d", row.error);
            continue;
        }
        for (size_t i = 0; i < row.nfields; i++)
            n += (size_t)snprintf(out + n, outlen - n, "%s%.*s", i ? "|" : "", (int)row.fields[i].len,
                                  row.fields[i].s);
    }
}

static void feed(const char *input, size_t len, int format, size_t (*chunk)(size_t), char *out, size_t outlen)
{
    salvo_reader_t *r = salvo_reader_new(format, ',', 64);
    assert_non_null(r);
    const char *cols[] = {"symbol", "price"};
    if (format == SALVO_FORMAT_JSONL)
        assert_int_equal(salvo_reader_set_columns(r, cols, 2), 0);
    out[0] = '\0';
    for (size_t off = 0; off < len;) {
        size_t n = chunk(len - off);
        assert_int_equal(salvo_reader_push(r, input + off, n), 0);
        off += n;
        render(r, out, outlen);
    }
    salvo_reader_finish(r);
    render(r, out, outlen);
    salvo_reader_free(r);
}

static size_t whole(size_t left) { return left; }
static size_t one(size_t left) { (void)left; return 1; }
static size_t random_chunk(size_t left)
{
    size_t n = (size_t)(rand() % 7) + 1;
    return n < left ? n : left;
}

static void check_all_chunkings(const char *name, const char *input, size_t len, int format, const char *expect)
{
    char out[2048];
    size_t (*chunkers[])(size_t) = {whole, one, random_chunk, random_chunk, random_chunk};
    for (size_t k = 0; k < sizeof chunkers / sizeof chunkers[0]; k++) {
        feed(input, len, format, chunkers[k], out, sizeof out);
        if (strcmp(out, expect) != 0)
            fail_msg("case '%s' (chunking %zu): got '%s', want '%s'", name, k, out, expect);
    }
}

static void test_csv_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof csv_cases / sizeof csv_cases[0]; i++)
        check_all_chunkings(csv_cases[i].name, csv_cases[i].input, strlen(csv_cases[i].input),
                            SALVO_FORMAT_CSV, csv_cases[i].expect);
}

static void test_csv_invalid_rows(void **state)
{
    (void)state;
    char expect[64];
    /* unterminated quote at EOF */
    snprintf(expect, sizeof expect, "1:a|b;2:!%d", SALVO_ROW_BAD_QUOTE);
    check_all_chunkings("unterminated", "a,b\n\"x,y\n", 9, SALVO_FORMAT_CSV, expect);
    /* text after a closing quote; the next row still parses */
    snprintf(expect, sizeof expect, "1:!%d;2:c|d", SALVO_ROW_BAD_QUOTE);
    check_all_chunkings("after quote", "\"a\"x,b\nc,d\n", 11, SALVO_FORMAT_CSV, expect);
    /* NUL byte in a field */
    snprintf(expect, sizeof expect, "1:!%d;2:c|d", SALVO_ROW_NUL);
    check_all_chunkings("nul", "a\0b,x\nc,d\n", 10, SALVO_FORMAT_CSV, expect);
    /* a line over max_line (64 here) is reported, and the next one is fine */
    char big[300];
    memset(big, 'x', 200);
    strcpy(big + 200, ",y\nc,d\n");
    snprintf(expect, sizeof expect, "1:!%d;2:c|d", SALVO_ROW_TOO_LONG);
    check_all_chunkings("too long", big, strlen(big), SALVO_FORMAT_CSV, expect);
    /* a line of delimiters only, over the limit: bounded, reported */
    memset(big, ',', 250);
    strcpy(big + 250, "\nc,d\n");
    check_all_chunkings("commas", big, strlen(big), SALVO_FORMAT_CSV, expect);
}

static void test_csv_delimiter(void **state)
{
    (void)state;
    salvo_reader_t *r = salvo_reader_new(SALVO_FORMAT_CSV, ';', 0);
    assert_int_equal(salvo_reader_push(r, "a;\"b;c\"\n", 8), 0);
    salvo_reader_finish(r);
    salvo_row_t row;
    assert_int_equal(salvo_reader_next(r, &row), 1);
    assert_int_equal(row.nfields, 2);
    assert_string_equal(row.fields[1].s, "b;c");
    assert_int_equal(salvo_reader_next(r, &row), 0);
    salvo_reader_free(r);
}

static void test_jsonl(void **state)
{
    (void)state;
    const char *in = "{\"symbol\":\"2330\",\"price\":\"590\"}\n\n{\"price\":590.1,\"symbol\":\"X\"}\r\n"
                     "not json\n{\"symbol\":\"Y\"}";
    char expect[96];
    snprintf(expect, sizeof expect, "1:2330|590;3:X|590.1;4:!%d;5:Y|", SALVO_ROW_BAD_JSON);
    check_all_chunkings("jsonl", in, strlen(in), SALVO_FORMAT_JSONL, expect);
}

static void test_jsonl_absent_and_long(void **state)
{
    (void)state;
    salvo_reader_t *r = salvo_reader_new(SALVO_FORMAT_JSONL, ',', 64);
    const char *cols[] = {"symbol", "price"};
    salvo_reader_set_columns(r, cols, 2);
    char big[200];
    memset(big, ' ', sizeof big);
    memcpy(big, "{\"symbol\":\"", 11);
    big[198] = '\n';
    salvo_reader_push(r, big, 199);
    salvo_reader_push(r, "{\"symbol\":\"A\",\"price\":null}\n", 28);
    salvo_reader_finish(r);
    salvo_row_t row;
    assert_int_equal(salvo_reader_next(r, &row), 1);
    assert_int_equal(row.error, SALVO_ROW_TOO_LONG);
    assert_int_equal(row.line, 1);
    assert_int_equal(salvo_reader_next(r, &row), 1);
    assert_int_equal(row.line, 2);
    assert_int_equal(row.fields[1].present, 0);
    salvo_reader_free(r);
}

/* Input that ends before any byte came: the input buffer is still NULL,
 * and the JSONL reader did pointer arithmetic on it (clang UBSan). */
static void test_empty_input(void **state)
{
    (void)state;
    const int formats[] = {SALVO_FORMAT_CSV, SALVO_FORMAT_JSONL};
    const char *cols[] = {"symbol"};
    for (size_t i = 0; i < 2; i++) {
        salvo_reader_t *r = salvo_reader_new(formats[i], ',', 64);
        assert_non_null(r);
        assert_int_equal(salvo_reader_set_columns(r, cols, 1), 0);
        salvo_row_t row;
        assert_int_equal(salvo_reader_next(r, &row), 0);
        assert_int_equal(salvo_reader_push(r, "", 0), 0);
        assert_int_equal(salvo_reader_next(r, &row), 0);
        salvo_reader_finish(r);
        assert_int_equal(salvo_reader_next(r, &row), 0);
        assert_int_equal(salvo_reader_pending(r), 0);
        salvo_reader_free(r);
    }
}

int main(void)
{
    srand(42);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_cases),  cmocka_unit_test(test_csv_invalid_rows),
        cmocka_unit_test(test_csv_delimiter), cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_absent_and_long), cmocka_unit_test(test_empty_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
