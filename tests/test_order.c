/* Row validation: each case is a CSV data row under a fixed header and
 * either the normalised order or the exact message a user sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "orderid.h"
#include "salvo/idmap.h"
#include "salvo/order.h"

struct order_case {
    const char *row;      /* symbol,price,quantity,side,type,client_order_id */
    const char *defaults; /* "side=BUY" "quantity=5" or NULL */
    const char *expect;   /* "SYMBOL PRICE QTY SIDE TYPE ID" or "!message"; ID P-# is a content id */
};

static const struct order_case cases[] = {
    {"2330,590,20,buy,limit,", NULL, "2330 590 20 BUY LIMIT P-#"},
    {"2330,590.25,007,SELL,,", NULL, "2330 590.25 7 SELL LIMIT P-#"},
    {"2330,,20,BUY,MARKET,", NULL, "2330 - 20 BUY MARKET P-#"},
    {"2330,590,20,BUY,LIMIT,my-id-1", NULL, "2330 590 20 BUY LIMIT my-id-1"},
    {"2330,590,,,,", "side=BUY quantity=5", "2330 590 5 BUY LIMIT P-#"},
    {" 2330 , 590 , 20 , BUY ,,", NULL, "2330 590 20 BUY LIMIT P-#"},
    {"台積電,590,20,BUY,,", NULL, "台積電 590 20 BUY LIMIT P-#"},
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
    /* --decimal-quantity (crypto venues): fractions, leading zeros as JSON wants them */
    {"BTC,50000,0.001,BUY,,", "decimal", "BTC 50000 0.001 BUY LIMIT P-#"},
    {"BTC,50000,007.50,BUY,,", "decimal", "BTC 50000 7.50 BUY LIMIT P-#"},
    {"BTC,50000,00.5,BUY,,", "decimal", "BTC 50000 0.5 BUY LIMIT P-#"},
    {"BTC,50000,0.000,BUY,,", "decimal", "!line 9: quantity \"0.000\" is not a positive decimal"},
    {"BTC,50000,.5,BUY,,", "decimal", "!line 9: quantity \".5\" is not a positive decimal"},
    {"BTC,50000,1e-3,BUY,,", "decimal", "!line 9: quantity \"1e-3\" is not a positive decimal"},
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

/* PREFIX-H with H 16 lowercase hex digits. */
static int is_content_id(const char *id, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(id, prefix, n) != 0 || id[n] != '-' || strlen(id + n + 1) != 16)
        return 0;
    return strspn(id + n + 1, "0123456789abcdef") == 16;
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
        if (cases[i].defaults && strstr(cases[i].defaults, "decimal"))
            d.decimal_quantity = 1;
        int rc = salvo_order_from_row(&o, &l, &d, &row, 1);
        salvo_orderid_t ids;
        salvo_orderid_init(&ids);
        if (rc == 0)
            assert_int_equal(salvo_orderid_assign(&ids, &o, "P"), 0);
        salvo_orderid_free(&ids);
        char got[400];
        if (rc == 0 && is_content_id(o.client_order_id, "P"))
            snprintf(got, sizeof got, "%s %s %s %s %s P-#", o.symbol, *o.price ? o.price : "-", o.quantity, o.side,
                     o.type);
        else if (rc == 0)
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

/* An invalid row keeps the fields that validated before the bad one, so a
 * result line shows which symbol was bad; the bad field and those after it
 * are empty (never an unchecked value in a field a reader trusts). */
static void test_invalid_keeps_fields(void **state)
{
    (void)state;
    static const struct {
        const char *row, *expect; /* "symbol|side|type|quantity|price|id" */
    } cs[] = {
        {"2330,590,1.5,BUY,,", "2330|BUY|LIMIT|||"},
        {"2330,abc,20,SELL,,", "2330|SELL|LIMIT|20||"},
        {"2330,590,20,HOLD,,my-1", "2330|||||my-1"},
        {",590,20,BUY,,", "|||||"},
    };
    salvo_layout_t l;
    assert_int_equal(salvo_layout_init(&l, NULL, 0), 0);
    salvo_field_t hf[6] = {{"symbol", 6, 1}, {"price", 5, 1}, {"quantity", 8, 1}, {"side", 4, 1}, {"type", 4, 1},
                           {"client_order_id", 15, 1}};
    salvo_row_t header = {.line = 1, .nfields = 6, .fields = hf};
    salvo_layout_from_header(&l, &header);
    salvo_order_t o = {0};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        char buf[256], got[512];
        salvo_field_t f[8];
        salvo_row_t row;
        snprintf(buf, sizeof buf, "%s", cs[i].row);
        split_row(buf, f, &row);
        salvo_order_defaults_t d = {.id_prefix = "P"};
        assert_int_equal(salvo_order_from_row(&o, &l, &d, &row, 1), 1);
        snprintf(got, sizeof got, "%s|%s|%s|%s|%s|%s", o.symbol, o.side, o.type, o.quantity, o.price,
                 o.client_order_id);
        if (strcmp(got, cs[i].expect) != 0)
            fail_msg("row '%s': got '%s', want '%s'", cs[i].row, got, cs[i].expect);
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
    assert_string_equal(o.client_order_id, ""); /* for salvo_orderid_assign */
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

/* ---- content ids: what makes two ids equal ---- */

#define MAXROWS 6
#define NOID "#" /* a prefix that means: expect no ids in common */

struct id_case {
    const char *name;
    const char *prefix_a, *rows_a[MAXROWS]; /* symbol,price,quantity,side,type,client_order_id */
    const char *prefix_b, *rows_b[MAXROWS];
    enum { SAME, A_IN_B, DISJOINT } rel;     /* of the id sets */
};

static const struct id_case id_cases[] = {
    {"the same rows, the same ids", "P", {"A,1,1,BUY,,", "B,2,3,SELL,,"}, "P", {"A,1,1,BUY,,", "B,2,3,SELL,,"}, SAME},
    {"the same rows in another order", "P", {"A,1,1,BUY,,", "B,2,3,SELL,,", "A,1,1,BUY,,"},
     "P", {"B,2,3,SELL,,", "A,1,1,BUY,,", "A,1,1,BUY,,"}, SAME},
    {"blanks, case and leading zeros are normalised first", "P", {"A,1,1,BUY,LIMIT,"},
     "P", {" A , 1 ,001, buy ,limit,"}, SAME},
    {"a row inserted at the top keeps the others' ids", "P", {"A,1,1,BUY,,", "B,2,3,SELL,,"},
     "P", {"C,9,9,BUY,,", "A,1,1,BUY,,", "B,2,3,SELL,,"}, A_IN_B},
    {"an identical row inserted is one more occurrence", "P", {"A,1,1,BUY,,", "B,2,3,SELL,,"},
     "P", {"A,1,1,BUY,,", "B,2,3,SELL,,", "A,1,1,BUY,,"}, A_IN_B},
    {"a row with its own id is not counted", "P", {"A,1,1,BUY,,"}, "P", {"A,1,1,BUY,,own-1", "A,1,1,BUY,,"}, A_IN_B},
    {"symbol changed", "P", {"A,1,1,BUY,,"}, "P", {"AA,1,1,BUY,,"}, DISJOINT},
    {"price changed", "P", {"A,1,1,BUY,,"}, "P", {"A,1.5,1,BUY,,"}, DISJOINT},
    {"price written otherwise", "P", {"A,1,1,BUY,,"}, "P", {"A,1.0,1,BUY,,"}, DISJOINT},
    {"quantity changed", "P", {"A,1,1,BUY,,"}, "P", {"A,1,2,BUY,,"}, DISJOINT},
    {"side changed", "P", {"A,1,1,BUY,,"}, "P", {"A,1,1,SELL,,"}, DISJOINT},
    {"type changed", "P", {"A,,1,BUY,MARKET,"}, "P", {"A,1,1,BUY,LIMIT,"}, DISJOINT},
    {"fields do not run into each other", "P", {"A,23,1,BUY,,"}, "P", {"A,3,12,BUY,,"}, DISJOINT},
    {"another prefix", "P", {"A,1,1,BUY,,", "B,2,3,SELL,,"}, "Q", {"A,1,1,BUY,,", "B,2,3,SELL,,"}, DISJOINT},
};

/* The ids a fresh counter gives rows, in row order; rows with their own
 * id give "". */
static size_t ids_of(const char *prefix, const char *const *rows, char out[][64])
{
    salvo_layout_t l;
    assert_int_equal(salvo_layout_init(&l, NULL, 0), 0);
    salvo_layout_identity(&l);
    salvo_orderid_t ids;
    salvo_orderid_init(&ids);
    salvo_order_t o = {0};
    salvo_order_defaults_t d = {.id_prefix = prefix};
    size_t n = 0;
    for (; n < MAXROWS && rows[n]; n++) {
        char buf[128];
        salvo_field_t f[8];
        salvo_row_t row;
        snprintf(buf, sizeof buf, "%s", rows[n]);
        split_row(buf, f, &row);
        if (salvo_order_from_row(&o, &l, &d, &row, n + 1) != 0)
            fail_msg("row '%s': %s", rows[n], o.error);
        int own = o.client_order_id[0] != '\0';
        assert_int_equal(salvo_orderid_assign(&ids, &o, prefix), 0);
        if (own)
            out[n][0] = '\0';
        else if (!is_content_id(o.client_order_id, prefix))
            fail_msg("row '%s': id '%s' is not %s-<16 hex>", rows[n], o.client_order_id, prefix);
        else
            snprintf(out[n], 64, "%s", o.client_order_id);
    }
    salvo_order_free(&o);
    salvo_orderid_free(&ids);
    salvo_layout_free(&l);
    return n;
}

static int holds(char ids[][64], size_t n, const char *id)
{
    for (size_t i = 0; i < n && i < MAXROWS; i++) /* the bound also for gcc -O2's reading */
        if (strcmp(ids[i], id) == 0)
            return 1;
    return 0;
}

static void test_content_ids(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof id_cases / sizeof *id_cases; c++) {
        const struct id_case *k = &id_cases[c];
        char a[MAXROWS][64], b[MAXROWS][64];
        size_t na = ids_of(k->prefix_a, k->rows_a, a), nb = ids_of(k->prefix_b, k->rows_b, b);
        for (size_t i = 0; i < na; i++) /* never two orders on one id */
            for (size_t j = i + 1; j < na; j++)
                if (a[i][0] && strcmp(a[i], a[j]) == 0)
                    fail_msg("%s: rows %zu and %zu share %s", k->name, i + 1, j + 1, a[i]);
        size_t a_in_b = 0, b_in_a = 0, own_a = 0, own_b = 0;
        for (size_t i = 0; i < na; i++)
            a[i][0] ? (void)(a_in_b += (size_t)holds(b, nb, a[i])) : (void)own_a++;
        for (size_t i = 0; i < nb; i++)
            b[i][0] ? (void)(b_in_a += (size_t)holds(a, na, b[i])) : (void)own_b++;
        int ok = k->rel == SAME       ? a_in_b == na - own_a && b_in_a == nb - own_b && na == nb
                 : k->rel == A_IN_B   ? a_in_b == na - own_a
                                      : a_in_b == 0;
        if (!ok)
            fail_msg("%s: %zu of %zu ids of a are in b, %zu of %zu of b in a", k->name, a_in_b, na, b_in_a, nb);
    }
}

/* The occurrence number goes past the 8-bit counter without repeating. */
static void test_content_ids_many_identical(void **state)
{
    (void)state;
    salvo_orderid_t ids;
    salvo_orderid_init(&ids);
    salvo_idmap_t seen = {0};
    salvo_order_t o = {.symbol = "A", .price = "1", .quantity = "1", .side = "BUY", .type = "LIMIT"};
    for (int i = 0; i < 700; i++) {
        o.client_order_id = "";
        assert_int_equal(salvo_orderid_assign(&ids, &o, "s261127"), 0);
        assert_int_equal(strlen(o.client_order_id), 24);
        assert_int_equal(salvo_idmap_set(&seen, o.client_order_id, 1), 0);
    }
    assert_int_equal(salvo_orderid_hash(&o, 300) == salvo_orderid_hash(&o, 301), 0);
    salvo_idmap_free(&seen);
    salvo_orderid_free(&ids);
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

/* Payloads survive growth, start at 0, and leave the 8-bit values alone. */
static void test_idmap_payload(void **state)
{
    (void)state;
    salvo_idmap_t m = {0};
    assert_int_equal(salvo_idmap_set_h(&m, 7, 3), 0);
    uint64_t *p = salvo_idmap_data_h(&m, 7);
    assert_non_null(p);
    assert_int_equal(*p, 0);
    *p = 42;
    for (uint64_t h = 100; h < 3100; h++) {
        p = salvo_idmap_data_h(&m, h);
        assert_non_null(p);
        assert_int_equal(*p, 0);
        *p = h * 3;
    }
    assert_int_equal(*salvo_idmap_data_h(&m, 7), 42);
    assert_int_equal(salvo_idmap_get_h(&m, 7), 3);
    for (uint64_t h = 100; h < 3100; h += 13)
        assert_int_equal(*salvo_idmap_data_h(&m, h), h * 3);
    assert_int_equal(m.len, 3001);
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
        cmocka_unit_test(test_cases), cmocka_unit_test(test_header_detection), cmocka_unit_test(test_invalid_keeps_fields),
        cmocka_unit_test(test_check_defaults), cmocka_unit_test(test_idmap),
        cmocka_unit_test(test_number_grammar), cmocka_unit_test(test_content_ids),
        cmocka_unit_test(test_content_ids_many_identical), cmocka_unit_test(test_idmap_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
