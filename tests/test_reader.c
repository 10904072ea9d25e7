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

#include "salvo/body.h"
#include "salvo/engine.h" /* enum salvo_format */
#include "salvo/order.h"
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

static const char *error_name(int e)
{
    switch (e) {
    case SALVO_ROW_TOO_LONG: return "too_long";
    case SALVO_ROW_NUL: return "nul";
    case SALVO_ROW_BAD_QUOTE: return "bad_quote";
    case SALVO_ROW_BAD_JSON: return "bad_json";
    case SALVO_ROW_BAD_UTF8: return "bad_utf8";
    case SALVO_ROW_LONE_SURROGATE: return "lone_surrogate";
    case SALVO_ROW_DUP_KEY: return "dup_key";
    }
    return "?";
}

/* Render every row as "line:f1|f2;..." and a row error as "!name" or
 * "!name(detail)"; an absent field is "~". */
static void render(salvo_reader_t *r, char *out, size_t outlen)
{
    salvo_row_t row;
    size_t n = strlen(out);
    while (salvo_reader_next(r, &row) == 1) {
        n += (size_t)snprintf(out + n, outlen - n, "%s%llu:", n ? ";" : "", (unsigned long long)row.line);
        if (row.error) {
            n += (size_t)snprintf(out + n, outlen - n, "!%s", error_name(row.error));
            if (row.error_detail != NULL)
                n += (size_t)snprintf(out + n, outlen - n, "(%s)", row.error_detail);
            continue;
        }
        for (size_t i = 0; i < row.nfields; i++)
            n += (size_t)snprintf(out + n, outlen - n, "%s%.*s", i ? "|" : "",
                                  row.fields[i].present ? (int)row.fields[i].len : 1,
                                  row.fields[i].present ? row.fields[i].s : "~");
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
    /* unterminated quote at EOF */
    check_all_chunkings("unterminated", "a,b\n\"x,y\n", 9, SALVO_FORMAT_CSV, "1:a|b;2:!bad_quote");
    /* text after a closing quote; the next row still parses */
    check_all_chunkings("after quote", "\"a\"x,b\nc,d\n", 11, SALVO_FORMAT_CSV, "1:!bad_quote;2:c|d");
    /* NUL byte in a field */
    check_all_chunkings("nul", "a\0b,x\nc,d\n", 10, SALVO_FORMAT_CSV, "1:!nul;2:c|d");
    /* a line over max_line (64 here) is reported, and the next one is fine */
    char big[300];
    memset(big, 'x', 200);
    strcpy(big + 200, ",y\nc,d\n");
    check_all_chunkings("too long", big, strlen(big), SALVO_FORMAT_CSV, "1:!too_long;2:c|d");
    /* a line of delimiters only, over the limit: bounded, reported */
    memset(big, ',', 250);
    strcpy(big + 250, "\nc,d\n");
    check_all_chunkings("commas", big, strlen(big), SALVO_FORMAT_CSV, "1:!too_long;2:c|d");
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
    check_all_chunkings("jsonl", in, strlen(in), SALVO_FORMAT_JSONL, "1:2330|590;3:X|590.1;4:!bad_json;5:Y|~");
}

/* One JSONL line each, with the columns symbol and price: values keep their
 * exact source text (numbers never pass through a double), strings are
 * unescaped, and a line that is not exactly one clean object is invalid. */
static const struct csv_case jsonl_cases[] = {
    {"exact decimal", "{\"symbol\":\"A\",\"price\":123456789.123456789}", "1:A|123456789.123456789"},
    {"trailing zero kept", "{\"symbol\":\"A\",\"price\":590.10}", "1:A|590.10"},
    {"big integer exact", "{\"symbol\":\"A\",\"price\":9007199254740993}", "1:A|9007199254740993"},
    {"exponent kept as written", "{\"symbol\":\"A\",\"price\":1e2}", "1:A|1e2"},
    {"negative kept", "{\"symbol\":\"A\",\"price\":-0.5E-3}", "1:A|-0.5E-3"},
    {"literals as text", "{\"symbol\":true,\"price\":false}", "1:true|false"},
    {"null is absent", "{\"symbol\":null,\"price\":\"1\"}", "1:~|1"},
    {"nested minified", "{\"symbol\":{ \"a\" : [1, 2.50] },\"price\":[ ]}", "1:{\"a\":[1,2.50]}|[]"},
    {"escapes", "{\"symbol\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "1:\"\\/\b\f\n\r\t|~"},
    {"\\u00e9", "{\"symbol\":\"caf\\u00e9 \\u00E9\"}", "1:caf\xc3\xa9 \xc3\xa9|~"},
    {"\\u20ac", "{\"symbol\":\"\\u20ac\"}", "1:\xe2\x82\xac|~"},
    {"surrogate pair", "{\"symbol\":\"\\ud83d\\ude00!\"}", "1:\xf0\x9f\x98\x80!|~"},
    {"raw UTF-8 kept", "{\"symbol\":\"\xe5\x8f\xb0\xe7\xa9\x8d\"}", "1:\xe5\x8f\xb0\xe7\xa9\x8d|~"},
    {"keys case-insensitive", "{\"SYMBOL\":\"A\",\"Price\":\"1\"}", "1:A|1"},
    {"escaped key", "{\"sym\\u0062ol\":\"A\"}", "1:A|~"},
    {"whitespace", " {\t\"symbol\" : \"A\" , \"price\" : 1 } ", "1:A|1"},
    {"empty object", "{}", "1:~|~"},
    {"other keys ignored", "{\"x\":{\"y\":[1,{}]},\"symbol\":\"A\"}", "1:A|~"},
    {"duplicate key", "{\"symbol\":\"A\",\"symbol\":\"B\"}", "1:!dup_key(symbol)"},
    {"duplicate key, other case", "{\"symbol\":\"A\",\"SymBol\":\"B\"}", "1:!dup_key(SymBol)"},
    {"duplicate escaped key", "{\"price\":1,\"pric\\u0065\":2}", "1:!dup_key(price)"},
    {"duplicate other key", "{\"x\":1,\"symbol\":\"A\",\"X\":2}", "1:!dup_key(X)"},
    {"keys differ after a \\u0000", "{\"a\\u0000x\":1,\"a\\u0000y\":2,\"symbol\":\"A\"}", "1:A|~"},
    {"empty keys", "{\"\":1,\"\":2}", "1:!dup_key()"},
    {"lone high surrogate", "{\"symbol\":\"\\ud800\"}", "1:!lone_surrogate(symbol)"},
    {"lone low surrogate", "{\"symbol\":\"a\\udc00\"}", "1:!lone_surrogate(symbol)"},
    {"high then non-low", "{\"price\":\"\\ud800\\u0041\"}", "1:!lone_surrogate(price)"},
    {"lone surrogate in a key", "{\"\\udfff\":1}", "1:!lone_surrogate(\\udfff)"},
    {"invalid UTF-8", "{\"symbol\":\"\xff\"}", "1:!bad_utf8"},
    {"overlong UTF-8", "{\"symbol\":\"\xc0\xae\"}", "1:!bad_utf8"},
    {"\\u0000", "{\"symbol\":\"a\\u0000b\"}", "1:!nul"},
    {"trailing text", "{\"symbol\":\"A\"} x", "1:!bad_json"},
    {"two objects", "{\"symbol\":\"A\"}{}", "1:!bad_json"},
    {"array", "[1]", "1:!bad_json"},
    {"leading zero", "{\"symbol\":01}", "1:!bad_json"},
    {"bare dot", "{\"price\":1.}", "1:!bad_json"},
    {"raw tab in a string", "{\"symbol\":\"a\tb\"}", "1:!bad_json"},
    {"bad escape", "{\"symbol\":\"\\x41\"}", "1:!bad_json"},
    {"trailing comma", "{\"symbol\":\"A\",}", "1:!bad_json"},
    {"unclosed", "{\"symbol\":\"A\"", "1:!bad_json"},
    {"single quotes", "{'symbol':'A'}", "1:!bad_json"},
};

static void test_jsonl_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof jsonl_cases / sizeof jsonl_cases[0]; i++) {
        char in[128];
        /* each case twice, to show the next line is unaffected */
        int n = snprintf(in, sizeof in, "%s\n%s", jsonl_cases[i].input, jsonl_cases[i].input);
        char want[256];
        snprintf(want, sizeof want, "%s;2:%s", jsonl_cases[i].expect, jsonl_cases[i].expect + 2);
        check_all_chunkings(jsonl_cases[i].name, in, (size_t)n, SALVO_FORMAT_JSONL, want);
    }
}

/* A nesting bomb is a bad line, not a crash; 64 levels are fine. */
static void test_jsonl_depth(void **state)
{
    (void)state;
    static const struct { size_t depth; int ok; } t[] = {{63, 1}, {64, 0}, {30000, 0}};
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        size_t d = t[k].depth, len = 11 + 2 * d + 1;
        char *line = malloc(len + 1);
        memcpy(line, "{\"symbol\":", 10);
        memset(line + 10, '[', d);
        memset(line + 10 + d, ']', d);
        memcpy(line + 10 + 2 * d, "}\n", 2);
        salvo_reader_t *r = salvo_reader_new(SALVO_FORMAT_JSONL, ',', 0);
        const char *cols[] = {"symbol"};
        assert_int_equal(salvo_reader_set_columns(r, cols, 1), 0);
        assert_int_equal(salvo_reader_push(r, line, len), 0);
        salvo_reader_finish(r);
        salvo_row_t row;
        assert_int_equal(salvo_reader_next(r, &row), 1);
        if (t[k].ok) {
            assert_int_equal(row.error, SALVO_ROW_OK);
            assert_int_equal(row.fields[0].len, 2 * d);
        } else {
            assert_int_equal(row.error, SALVO_ROW_BAD_JSON);
        }
        salvo_reader_free(r);
        free(line);
    }
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

/* From a JSONL line to the default body, or to the message a user sees:
 * one number grammar for CSV and JSONL (CSV's "1e3" is refused the same way). */
static const struct csv_case jsonl_orders[] = {
    {"price exact", "{\"symbol\":\"A\",\"price\":123456789.123456789,\"quantity\":9007199254740993,\"side\":\"buy\"}",
     "{\"symbol\":\"A\",\"price\":\"123456789.123456789\",\"quantity\":9007199254740993,\"side\":\"BUY\","
     "\"type\":\"LIMIT\"}"},
    {"price as written", "{\"symbol\":\"A\",\"price\":590.10,\"quantity\":20,\"side\":\"SELL\"}",
     "{\"symbol\":\"A\",\"price\":\"590.10\",\"quantity\":20,\"side\":\"SELL\",\"type\":\"LIMIT\"}"},
    {"price exponent", "{\"symbol\":\"A\",\"price\":1e2,\"quantity\":1,\"side\":\"BUY\"}",
     "!line 1: price \"1e2\" is not a positive decimal"},
    {"quantity exponent", "{\"symbol\":\"A\",\"price\":1,\"quantity\":1e2,\"side\":\"BUY\"}",
     "!line 1: quantity \"1e2\" is not a positive integer"},
    {"quantity 19 digits", "{\"symbol\":\"A\",\"price\":1,\"quantity\":1234567890123456789,\"side\":\"BUY\"}",
     "!line 1: quantity \"1234567890123456789\" is not a positive integer"},
    {"duplicate key", "{\"symbol\":\"A\",\"price\":1,\"quantity\":1,\"side\":\"BUY\",\"Side\":\"SELL\"}",
     "!line 1: duplicate key \"Side\""},
    {"lone surrogate", "{\"symbol\":\"\\ud83d\",\"price\":1,\"quantity\":1,\"side\":\"BUY\"}",
     "!line 1: lone UTF-16 surrogate escape in \"symbol\""},
    {"invalid UTF-8", "{\"symbol\":\"\xe5\x8f\",\"price\":1,\"quantity\":1,\"side\":\"BUY\"}",
     "!line 1: not valid UTF-8"},
    /* qty is quantity, as in a CSV header */
    {"qty alias", "{\"symbol\":\"A\",\"price\":1,\"QTY\":7,\"side\":\"BUY\"}",
     "{\"symbol\":\"A\",\"price\":\"1\",\"quantity\":7,\"side\":\"BUY\",\"type\":\"LIMIT\"}"},
    {"qty and quantity", "{\"symbol\":\"A\",\"price\":1,\"quantity\":7,\"side\":\"BUY\",\"qty\":8}",
     "!line 1: duplicate key \"qty\""},
    {"quantity and qty", "{\"qty\":8,\"symbol\":\"A\",\"price\":1,\"quantity\":7,\"side\":\"BUY\"}",
     "!line 1: duplicate key \"quantity\""},
};

static void test_jsonl_orders(void **state)
{
    (void)state;
    salvo_layout_t l;
    assert_int_equal(salvo_layout_init(&l, NULL, 0), 0);
    salvo_layout_identity(&l);
    salvo_body_t *b = NULL;
    assert_int_equal(salvo_body_new_default(&b), 0);
    char err[128];
    assert_int_equal(salvo_body_bind(b, &l, err, sizeof err), 0);
    salvo_order_t o = {0};
    salvo_order_defaults_t d = {0}; /* ids are orderid.c's business: none here */
    for (size_t i = 0; i < sizeof jsonl_orders / sizeof jsonl_orders[0]; i++) {
        salvo_reader_t *r = salvo_reader_new(SALVO_FORMAT_JSONL, ',', 0);
        assert_int_equal(salvo_reader_set_columns(r, (const char *const *)l.names, l.ncols), 0);
        assert_int_equal(salvo_reader_push(r, jsonl_orders[i].input, strlen(jsonl_orders[i].input)), 0);
        salvo_reader_finish(r);
        salvo_row_t row;
        assert_int_equal(salvo_reader_next(r, &row), 1);
        const char *got;
        char msg[400];
        if (salvo_order_from_row(&o, &l, &d, &row, 1) != 0) {
            snprintf(msg, sizeof msg, "!%s", o.error);
            got = msg;
        } else {
            assert_int_equal(salvo_body_render(b, &o, &l, &row), 0);
            got = o.body;
        }
        if (strcmp(got, jsonl_orders[i].expect) != 0)
            fail_msg("case '%s': got '%s', want '%s'", jsonl_orders[i].name, got, jsonl_orders[i].expect);
        salvo_reader_free(r);
    }
    salvo_order_free(&o);
    salvo_body_free(b);
    salvo_layout_free(&l);
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
        cmocka_unit_test(test_jsonl_absent_and_long), cmocka_unit_test(test_jsonl_cases),
        cmocka_unit_test(test_jsonl_depth), cmocka_unit_test(test_jsonl_orders),
        cmocka_unit_test(test_empty_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
