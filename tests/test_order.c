/* Row validation: each case is a CSV data row under a fixed header and
 * either the normalised order or the exact message a user sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "salvo/idmap.h"
#include "salvo/order.h"

struct order_case {
    const char *row;      /* symbol,price,quantity,side,type,client_order_id */
    const char *defaults; /* "side=BUY" "quantity=5" or NULL */
    const char *expect;   /* "SYMBOL PRICE QTY SIDE TYPE ID" or "!message" */
};

static const struct order_case cases[] = {
    {"2330,590,20,buy,limit,", NULL, "2330 590 20 BUY LIMIT P-1"},
    {"2330,590.25,007,SELL,,", NULL, "2330 590.25 7 SELL LIMIT P-1"},
    {"2330,,20,BUY,MARKET,", NULL, "2330 - 20 BUY MARKET P-1"},
    {"2330,590,20,BUY,LIMIT,my-id-1", NULL, "2330 590 20 BUY LIMIT my-id-1"},
    {"2330,590,,,,", "side=BUY quantity=5", "2330 590 5 BUY LIMIT P-1"},
    {" 2330 , 590 , 20 , BUY ,,", NULL, "2330 590 20 BUY LIMIT P-1"},
    {"台積電,590,20,BUY,,", NULL, "台積電 590 20 BUY LIMIT P-1"},
    {"2330,590,1.5,BUY,,", NULL, "!line 9: quantity \"1.5\" is not a positive integer"},
    {"2330,590,0,BUY,,", NULL, "!line 9: quantity \"0\" is not a positive integer"},
    {"2330,590,-3,BUY,,", NULL, "!line 9: quantity \"-3\" is not a positive integer"},
    {"2330,590,,BUY,,", NULL, "!line 9: quantity is missing: add a quantity column or --quantity"},
    {"2330,abc,20,BUY,,", NULL, "!line 9: price \"abc\" is not a positive decimal"},
    {"2330,0.00,20,BUY,,", NULL, "!line 9: price \"0.00\" is not a positive decimal"},
    {"2330,1e3,20,BUY,,", NULL, "!line 9: price \"1e3\" is not a positive decimal"},
    {"2330,5.,20,BUY,,", NULL, "!line 9: price \"5.\" is not a positive decimal"},
    {"2330,,20,BUY,LIMIT,", NULL, "!line 9: price is missing for a LIMIT order"},
    {"2330,590,20,BUY,MARKET,", NULL, "!line 9: price \"590\" given for a MARKET order"},
    {"2330,590,20,HOLD,,", NULL, "!line 9: side \"HOLD\" is not BUY or SELL"},
    {"2330,590,20,,,", NULL, "!line 9: side is missing: add a side column or --side"},
    {"2330,590,20,SELL,,", "side=BUY", "!line 9: side SELL disagrees with --side BUY"},
    {"2330,590,20,BUY,STOP,", NULL, "!line 9: type \"STOP\" is not LIMIT or MARKET"},
    {",590,20,BUY,,", NULL, "!line 9: symbol is missing"},
    {"23\x01" "30,590,20,BUY,,", NULL, "!line 9: symbol \"23\x01" "30\" has control characters or is not valid UTF-8"},
    {"\xff\xfe,590,20,BUY,,", NULL, "!line 9: symbol \"\xff\xfe\" has control characters or is not valid UTF-8"},
    {"2330,590,20,BUY,,has space", NULL,
     "!line 9: client_order_id \"has space\" must be 1 to 128 printable ASCII characters without spaces"},
};

static void split_row(char *buf, salvo_field_t *f, salvo_row_t *row)
{
    size_t n = 0;
    char *s = buf;
    for (;;) {
        char *comma = strchr(s, ',');
        f[n] = (salvo_field_t){.s = s, .len = comma ? (size_t)(comma - s) : strlen(s), .present = 1};
        n++;
        if (!comma)
            break;
        *comma = '\0';
        s = comma + 1;
    }
    *row = (salvo_row_t){.line = 9, .nfields = n, .fields = f};
}

static void test_cases(void **state)
{
    (void)state;
    salvo_layout_t l;
    assert_int_equal(salvo_layout_init(&l, NULL, 0), 0);
    salvo_field_t hf[6] = {{"symbol", 6, 1}, {"price", 5, 1}, {"QTY", 3, 1}, {"side", 4, 1}, {"type", 4, 1},
                           {"client_order_id", 15, 1}};
    salvo_row_t header = {.line = 1, .nfields = 6, .fields = hf};
    assert_true(salvo_layout_is_header(&header));
    salvo_layout_from_header(&l, &header);
    salvo_order_t o = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[256];
        salvo_field_t f[8];
        salvo_row_t row;
        snprintf(buf, sizeof buf, "%s", cases[i].row);
        split_row(buf, f, &row);
        salvo_order_defaults_t d = {.id_prefix = "P"};
        if (cases[i].defaults && strstr(cases[i].defaults, "side=BUY"))
            d.side = "BUY";
        if (cases[i].defaults && strstr(cases[i].defaults, "quantity=5"))
            d.quantity = "5";
        int rc = salvo_order_from_row(&o, &l, &d, &row, 1);
        char got[400];
        if (rc == 0)
            snprintf(got, sizeof got, "%s %s %s %s %s %s", o.symbol, *o.price ? o.price : "-", o.quantity, o.side,
                     o.type, o.client_order_id);
        else
            snprintf(got, sizeof got, "!%s", o.error);
        if (strcmp(got, cases[i].expect) != 0)
            fail_msg("row '%s': got '%s', want '%s'", cases[i].row, got, cases[i].expect);
    }
    salvo_order_free(&o);
    salvo_layout_free(&l);
}

static void test_header_detection(void **state)
{
    (void)state;
    salvo_field_t data[2] = {{"2330", 4, 1}, {"590", 3, 1}};
    salvo_row_t row = {.line = 1, .nfields = 2, .fields = data};
    assert_false(salvo_layout_is_header(&row));
    salvo_layout_t l;
    salvo_layout_init(&l, NULL, 0);
    salvo_layout_positional(&l);
    salvo_order_t o = {0};
    salvo_order_defaults_t d = {.side = "BUY", .quantity = "20", .id_prefix = "P"};
    assert_int_equal(salvo_order_from_row(&o, &l, &d, &row, 3), 0);
    assert_string_equal(o.symbol, "2330");
    assert_string_equal(o.price, "590");
    assert_string_equal(o.client_order_id, "P-3");
    salvo_order_free(&o);
    salvo_layout_free(&l);
}

static void test_check_defaults(void **state)
{
    (void)state;
    char err[128];
    salvo_order_defaults_t d = {.side = "hold"};
    assert_int_equal(salvo_order_check_defaults(&d, err, sizeof err), -22);
    assert_string_equal(err, "--side must be BUY or SELL, not 'hold'");
    d = (salvo_order_defaults_t){.quantity = "2.5"};
    assert_int_equal(salvo_order_check_defaults(&d, err, sizeof err), -22);
    d = (salvo_order_defaults_t){.side = "sell", .type = "market", .quantity = "1"};
    assert_int_equal(salvo_order_check_defaults(&d, err, sizeof err), 0);
}

static void test_idmap(void **state)
{
    (void)state;
    salvo_idmap_t m = {0};
    char id[32];
    assert_int_equal(salvo_idmap_get(&m, "none"), 0);
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        assert_int_equal(salvo_idmap_set(&m, id, (uint8_t)(1 + i % 200)), 0);
    }
    for (int i = 0; i < 5000; i += 7) { /* survives growth; set returns the old value */
        snprintf(id, sizeof id, "id-%d", i);
        assert_int_equal(salvo_idmap_get(&m, id), 1 + i % 200);
        assert_int_equal(salvo_idmap_set(&m, id, 250), 1 + i % 200);
        assert_int_equal(salvo_idmap_get(&m, id), 250);
    }
    assert_int_equal(salvo_idmap_get(&m, "id-5000"), 0);
    assert_int_equal(m.len, 5000);
    salvo_idmap_free(&m);
}

static void test_number_grammar(void **state)
{
    (void)state;
    assert_true(salvo_is_json_number("0", 1));
    assert_true(salvo_is_json_number("-1.5e+10", 8));
    assert_false(salvo_is_json_number("01", 2));
    assert_false(salvo_is_json_number("1.", 2));
    assert_false(salvo_is_json_number("", 0));
    assert_false(salvo_is_json_number("0x10", 4));
    assert_true(salvo_is_utf8("\xe5\x8f\xb0", 3));
    assert_false(salvo_is_utf8("\xc0\x80", 2)); /* overlong */
    assert_false(salvo_is_utf8("\xed\xa0\x80", 3)); /* surrogate */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases), cmocka_unit_test(test_header_detection),
        cmocka_unit_test(test_check_defaults), cmocka_unit_test(test_idmap),
        cmocka_unit_test(test_number_grammar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
