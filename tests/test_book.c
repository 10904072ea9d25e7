/* salvo-mock's book: validation, idempotency index, trailing windows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "book.h"

#define SEC 1000000000LL

static int validate(const char *json, mock_fields_t *f, char *err)
{
    cJSON *root = cJSON_Parse(json);
    int r = mock_validate_order(root, f, err, 128);
    cJSON_Delete(root);
    return r;
}

static void test_validation(void **state)
{
    (void)state;
    mock_fields_t f;
    char err[128];
    static const struct { const char *body, *err; } cases[] = {
        {"{\"symbol\":\"A\",\"side\":\"BUY\",\"quantity\":\"5\",\"type\":\"LIMIT\",\"price\":\"1.5\"}", NULL},
        {"{\"symbol\":\"A\",\"side\":\"SELL\",\"quantity\":5,\"type\":\"MARKET\"}", NULL},
        {"[1]", "body must be a JSON object"},
        {"{\"side\":\"BUY\"}", "symbol: must be a non-empty string"},
        {"{\"symbol\":\"A\",\"side\":\"buy\"}", "side: must be BUY or SELL"},
        {"{\"symbol\":\"A\",\"side\":\"BUY\",\"quantity\":1.5}", "quantity: must be a positive integer"},
        {"{\"symbol\":\"A\",\"side\":\"BUY\",\"quantity\":1,\"type\":\"STOP\"}", "type: must be LIMIT or MARKET"},
        {"{\"symbol\":\"A\",\"side\":\"BUY\",\"quantity\":1,\"type\":\"LIMIT\"}", "price: required for a LIMIT order"},
        {"{\"symbol\":\"A\",\"side\":\"BUY\",\"quantity\":1,\"type\":\"LIMIT\",\"price\":-1}", "price: must be a positive decimal"},
        {"{\"symbol\":\"A\",\"side\":\"BUY\",\"quantity\":1,\"type\":\"MARKET\",\"price\":\"1\"}", "price: must be absent for a MARKET order"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = validate(cases[i].body, &f, err);
        if (cases[i].err == NULL && r != 0)
            fail_msg("%s: unexpected error %s", cases[i].body, err);
        if (cases[i].err != NULL && (r == 0 || strcmp(err, cases[i].err) != 0))
            fail_msg("%s: got '%s', want '%s'", cases[i].body, r ? err : "ok", cases[i].err);
    }
}

static void test_index_and_json(void **state)
{
    (void)state;
    mock_book_t b;
    mock_book_init(&b);
    char id[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "c-%d", i);
        mock_fields_t f = {.symbol = "2330", .side = "BUY", .type = "LIMIT", .client_order_id = id};
        strcpy(f.quantity, "1");
        strcpy(f.price, "590");
        assert_int_equal(mock_book_add(&b, i, &f, MOCK_ACCEPTED), i);
    }
    assert_int_equal(mock_book_find(&b, "c-12345"), 12345);
    assert_int_equal(mock_book_find(&b, "c-20000"), -1);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(mock_order_to_json(&b, 7, &buf, &len, &cap), 0);
    assert_non_null(strstr(buf, "\"order_id\":\"MOCK-00000008\",\"client_order_id\":\"c-7\""));
    free(buf);
    mock_book_reset(&b);
    assert_int_equal(mock_book_find(&b, "c-1"), -1);
    mock_book_free(&b);
}

static void test_windows(void **state)
{
    (void)state;
    mock_book_t b;
    mock_book_init(&b);
    for (int i = 0; i < 10; i++)
        mock_book_note_arrival(&b, i * SEC / 10); /* 10 in [0, 0.9s] */
    mock_book_note_arrival(&b, SEC);             /* the one at 0 has left */
    assert_int_equal(b.max_per_second, 10);
    assert_int_equal(b.counts.received, 11);
    assert_int_equal(mock_book_admit(&b, 0, 2), 0);
    assert_int_equal(mock_book_admit(&b, SEC / 2, 2), 0);
    assert_int_equal(mock_book_admit(&b, SEC / 2, 2), 1); /* Retry-After: 1 */
    assert_int_equal(mock_book_admit(&b, SEC, 2), 0);     /* the first has left */
    mock_book_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation), cmocka_unit_test(test_index_and_json), cmocka_unit_test(test_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
