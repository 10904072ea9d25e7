/* Body rendering: default body, templates, and start-up errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "salvo/body.h"
#include "salvo/order.h"
#include "salvo/profile.h"

struct fixture {
    salvo_layout_t l;
    salvo_order_t o;
    salvo_field_t f[8];
    salvo_row_t row;
};

/* Header symbol,price,quantity,side,type,account; one data row. */
static int setup_row(struct fixture *fx, const char *const *extra, size_t nextra, const char *const vals[6])
{
    static const char *const names[6] = {"symbol", "price", "quantity", "side", "type", "account"};
    salvo_field_t hf[6];
    for (int i = 0; i < 6; i++)
        hf[i] = (salvo_field_t){names[i], strlen(names[i]), 1};
    salvo_row_t header = {.line = 1, .nfields = 6, .fields = hf};
    if (salvo_layout_init(&fx->l, extra, nextra) < 0)
        return -1;
    salvo_layout_from_header(&fx->l, &header);
    for (int i = 0; i < 6; i++)
        fx->f[i] = (salvo_field_t){vals[i], strlen(vals[i]), 1};
    fx->row = (salvo_row_t){.line = 2, .nfields = 6, .fields = fx->f};
    salvo_order_defaults_t d = {.id_prefix = "run"};
    int rc = salvo_order_from_row(&fx->o, &fx->l, &d, &fx->row, 1);
    if (rc == 0 && fx->o.client_order_id[0] == '\0')
        fx->o.client_order_id = "run-1"; /* the engine's salvo_orderid_assign() would give one */
    return rc;
}

static void teardown_fx(struct fixture *fx)
{
    salvo_order_free(&fx->o);
    salvo_layout_free(&fx->l);
}

static void test_default_body(void **state)
{
    (void)state;
    struct fixture fx = {0};
    const char *const vals[6] = {"2330", "590.10", "20", "buy", "LIMIT", "acct-9"};
    assert_int_equal(setup_row(&fx, NULL, 0, vals), 0);
    salvo_body_t *b = NULL;
    assert_int_equal(salvo_body_new_default(&b), 0);
    char err[128];
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    /* price stays the exact string written; quantity is a number */
    assert_string_equal(fx.o.body, "{\"symbol\":\"2330\",\"price\":\"590.10\",\"quantity\":20,\"side\":\"BUY\","
                                   "\"type\":\"LIMIT\",\"client_order_id\":\"run-1\"}");
    /* the tree is restored: a MARKET order after it drops price, then a LIMIT gets it back */
    const char *const mkt[6] = {"2330", "", "20", "SELL", "MARKET", "x"};
    teardown_fx(&fx);
    assert_int_equal(setup_row(&fx, NULL, 0, mkt), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.body, "{\"symbol\":\"2330\",\"quantity\":20,\"side\":\"SELL\",\"type\":\"MARKET\","
                                   "\"client_order_id\":\"run-1\"}");
    teardown_fx(&fx);
    assert_int_equal(setup_row(&fx, NULL, 0, vals), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_non_null(strstr(fx.o.body, "\"price\":\"590.10\",\"quantity\":20"));
    teardown_fx(&fx);
    salvo_body_free(b);
}

static void test_template(void **state)
{
    (void)state;
    const char *tpl = "{\"order\":{\"sym\":\"{{symbol}}\",\"px\":\"{{price:number}}\",\"acct\":\"{{account}}\"},"
                      "\"tags\":[\"{{side}}\",\"fixed\"],\"n\":1}";
    char err[160];
    salvo_body_t *b = NULL;
    salvo_body_new_template(&b, tpl, strlen(tpl), err, sizeof err);
    assert_non_null(b);
    const char *const *cols;
    size_t n = salvo_body_columns(b, &cols);
    assert_int_equal(n, 4);
    struct fixture fx = {0};
    const char *const vals[6] = {"AA\"PL", "1.5", "3", "sell", "", "acct \\ 7"};
    assert_int_equal(setup_row(&fx, cols, n, vals), 0);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.body, "{\"order\":{\"sym\":\"AA\\\"PL\",\"px\":1.5,\"acct\":\"acct \\\\ 7\"},"
                                   "\"tags\":[\"SELL\",\"fixed\"],\"n\":1}");
    teardown_fx(&fx);
    salvo_body_free(b);
}

static void test_template_number_rejects_text(void **state)
{
    (void)state;
    const char *tpl = "{\"a\":\"{{account:number}}\"}";
    char err[160];
    salvo_body_t *b = NULL;
    salvo_body_new_template(&b, tpl, strlen(tpl), err, sizeof err);
    const char *const *cols;
    size_t n = salvo_body_columns(b, &cols);
    struct fixture fx = {0};
    const char *const vals[6] = {"X", "1", "1", "BUY", "", "12ab"};
    assert_int_equal(setup_row(&fx, cols, n, vals), 0);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 1);
    assert_string_equal(fx.o.error, "line 2: column account value \"12ab\" is not a number");
    /* still renders the next good row */
    fx.f[5] = (salvo_field_t){"12", 2, 1};
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.body, "{\"a\":12}");
    teardown_fx(&fx);
    salvo_body_free(b);
}

static void test_template_errors(void **state)
{
    salvo_body_t *refused;
    (void)state;
    char err[160];
    assert_int_equal(salvo_body_new_template(&refused, "{\"a\":", 5, err, sizeof err), -EINVAL);
    assert_null(refused);
    assert_non_null(strstr(err, "not valid JSON"));
    const char *partial = "{\"a\":\"id-{{symbol}}\"}";
    assert_int_equal(salvo_body_new_template(&refused, partial, strlen(partial), err, sizeof err), -EINVAL);
    assert_null(refused);
    assert_non_null(strstr(err, "must be the whole string"));

    const char *tpl = "{\"a\":\"{{nosuch}}\"}";
    salvo_body_t *b = NULL;
    salvo_body_new_template(&b, tpl, strlen(tpl), err, sizeof err);
    const char *const *cols;
    size_t n = salvo_body_columns(b, &cols);
    struct fixture fx = {0};
    const char *const vals[6] = {"X", "1", "1", "BUY", "", ""};
    setup_row(&fx, cols, n, vals);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), -2);
    assert_string_equal(err, "body template names column 'nosuch', which the input does not have");
    teardown_fx(&fx);
    salvo_body_free(b);
}

/* A body on the wire is one JSON text in UTF-8 (found by fuzz_template):
 * a template that is not UTF-8, or has more after its JSON value, is a
 * start-up error; a raw column that is not UTF-8 makes its row invalid. */
static void test_template_utf8_and_whole(void **state)
{
    salvo_body_t *refused;
    (void)state;
    char err[160];
    const char *bad = "{\"a\":\"caf\xe9\",\"s\":\"{{symbol}}\"}";
    assert_int_equal(salvo_body_new_template(&refused, bad, strlen(bad), err, sizeof err), -EINVAL);
    assert_null(refused);
    assert_string_equal(err, "template is not valid UTF-8");
    const char *two = "{\"a\":\"{{symbol}}\"}\n{\"b\":1}\n";
    assert_int_equal(salvo_body_new_template(&refused, two, strlen(two), err, sizeof err), -EINVAL);
    assert_null(refused);
    assert_string_equal(err, "template has more after its JSON value (byte 19)");
    const char *blanks = "\xEF\xBB\xBF {\"a\":\"{{account}}\",\"caf\xc3\xa9\":1}\r\n\n";
    salvo_body_t *b = NULL;
    salvo_body_new_template(&b, blanks, strlen(blanks), err, sizeof err);
    assert_non_null(b);

    const char *const *cols;
    size_t n = salvo_body_columns(b, &cols);
    struct fixture fx = {0};
    const char *const vals[6] = {"X", "1", "1", "BUY", "", "acct-\xff"};
    assert_int_equal(setup_row(&fx, cols, n, vals), 0);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 1);
    assert_string_equal(fx.o.error, "line 2: column account is not valid UTF-8");
    fx.f[5] = (salvo_field_t){"acct-\xc3\xa9", 7, 1};
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.body, "{\"a\":\"acct-\xc3\xa9\",\"caf\xc3\xa9\":1}");
    teardown_fx(&fx);
    salvo_body_free(b);
}


/* Form bodies (Binance, Kraken, Tradier): pairs in the template's order,
 * each percent-encoded, empty values dropped, literals as written. */
static void test_form_encoding(void **state)
{
    (void)state;
    struct fixture fx = {0};
    const char *const vals[6] = {"ETH USDT", "", "2", "sell", "MARKET", "a/b&c"};
    static const char *const extra[] = {"account"};
    assert_int_equal(setup_row(&fx, extra, 1, vals), 0);
    static const char t[] = "{\"symbol\":\"{{symbol}}\",\"side\":\"{{side}}\",\"price\":\"{{price}}\","
                            "\"tif\":\"GTC\",\"recv\":5000,\"acct\":\"{{account}}\",\"s\":\"{{side_lower}}\"}";
    char err[160];
    salvo_body_t *b = NULL;
    salvo_body_new_template(&b, t, sizeof t - 1, err, sizeof err);
    assert_non_null(b);
    assert_int_equal(salvo_body_set_encoding(b, SALVO_ENC_FORM, err, sizeof err), 0);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    /* a MARKET order has no price: no price pair */
    assert_string_equal(fx.o.body, "symbol=ETH%20USDT&side=SELL&tif=GTC&recv=5000&acct=a%2Fb%26c&s=sell");
    assert_int_equal(fx.o.body_len, strlen(fx.o.body));
    salvo_body_free(b);
    /* a literal too big for an integer type (a cast of it was UB): as JSON wrote it */
    static const char big[] = "{\"symbol\":\"{{symbol}}\",\"n\":1e300,\"m\":-9.5e18,\"k\":12345678901234567}";
    salvo_body_new_template(&b, big, sizeof big - 1, err, sizeof err);
    assert_non_null(b);
    assert_int_equal(salvo_body_set_encoding(b, SALVO_ENC_FORM, err, sizeof err), 0);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.body, "symbol=ETH%20USDT&n=1e%2B300&m=-9.5e%2B18&k=12345678901234568");
    salvo_body_free(b);
    /* nested objects cannot be form pairs */
    static const char nested[] = "{\"a\":{\"b\":\"{{symbol}}\"}}";
    salvo_body_new_template(&b, nested, sizeof nested - 1, err, sizeof err);
    assert_int_equal(salvo_body_set_encoding(b, SALVO_ENC_FORM, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "\"a\""));
    salvo_body_free(b);
    teardown_fx(&fx);
}

/* A URL naming columns (OANDA's account id, Deribit's side): each order's
 * own URL, values percent-encoded so a value cannot change the path. */
static void test_url_template(void **state)
{
    (void)state;
    struct fixture fx = {0};
    const char *const vals[6] = {"EUR_USD", "1.1", "100", "BUY", "LIMIT", "101-004/../x?y"};
    salvo_body_t *b = NULL;
    assert_int_equal(salvo_body_new_default(&b), 0);
    char err[160];
    assert_int_equal(salvo_body_set_url(b, "https://h/v3/accounts/{{account}}/orders/{{side_lower}}", err, sizeof err), 0);
    const char *const *names;
    size_t n = salvo_body_columns(b, &names);
    assert_int_equal(setup_row(&fx, names, n, vals), 0);
    int saw_account = 0;
    for (size_t i = 0; i < n; i++)
        saw_account |= strcmp(names[i], "account") == 0;
    assert_true(saw_account); /* the layout must read the URL's columns too */
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.target, "https://h/v3/accounts/101-004%2F..%2Fx%3Fy/orders/buy");
    salvo_body_free(b);
    /* a column the input lacks is a start-up error naming it */
    assert_int_equal(salvo_body_new_default(&b), 0);
    assert_int_equal(salvo_body_set_url(b, "https://h/{{nope}}", err, sizeof err), 0);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), -ENOENT);
    assert_non_null(strstr(err, "nope"));
    salvo_body_free(b);
    /* a URL without placeholders leaves target alone */
    assert_int_equal(salvo_body_new_default(&b), 0);
    assert_int_equal(salvo_body_set_url(b, "https://h/orders", err, sizeof err), 0);
    salvo_body_free(b);
    teardown_fx(&fx);
}


/* Render one account value into url; the order's error when refused. */
static int render_account(const char *url, const char *account, char *target, size_t cap, char *error, size_t ecap)
{
    struct fixture fx = {0};
    const char *const vals[6] = {"EUR_USD", "1.1", "100", "BUY", "LIMIT", account};
    salvo_body_t *b = NULL;
    assert_int_equal(salvo_body_new_default(&b), 0);
    char err[160];
    const char *const *names;
    int rc = salvo_body_set_url(b, url, err, sizeof err);
    size_t n = salvo_body_columns(b, &names);
    if (rc == 0)
        rc = setup_row(&fx, names, n, vals);
    if (rc == 0)
        rc = salvo_body_bind(b, &fx.l, err, sizeof err);
    if (rc == 0)
        rc = salvo_body_render(b, &fx.o, &fx.l, &fx.row);
    snprintf(target, cap, "%s", rc == 0 && fx.o.target ? fx.o.target : "");
    snprintf(error, ecap, "%s", fx.o.error);
    salvo_body_free(b);
    teardown_fx(&fx);
    return rc;
}

/* A value that makes a path segment "." or ".." would change the path
 * (libcurl, or the server, drops it with the segment before; a server
 * decodes %2E first): the order is refused, naming its line and column. */
static void test_url_dot_segments_refused(void **state)
{
    (void)state;
    static const struct {
        const char *url, *account;
        int refused;
    } cases[] = {
        {"https://h/v3/accounts/{{account}}/orders", "..", 1},
        {"https://h/v3/accounts/{{account}}/orders", ".", 1},
        {"https://h/v3/accounts/{{account}}", "..", 1},          /* the last segment */
        {"https://h/v3/accounts/.{{account}}/orders", ".", 1},   /* with the template's own dot */
        {"https://h/v3/accounts/%2E{{account}}/orders", ".", 1}, /* servers decode %2E */
        {"https://h/v3/{{account}}{{side_lower}}/orders", ".", 0}, /* ".buy" is a name */
        {"https://h/v3/accounts/{{account}}/orders", "...", 0},
        {"https://h/v3/accounts/{{account}}/orders", ".a", 0},
        {"https://h/v3/orders?account={{account}}", "..", 0},    /* the query is no path */
        {"https://h/v3/orders#{{account}}", "..", 0},
        {"h:8080/v3/accounts/{{account}}/orders", "..", 1},      /* no scheme: the path starts at its first / */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char target[160], error[320];
        int rc = render_account(cases[i].url, cases[i].account, target, sizeof target, error, sizeof error);
        if (rc != cases[i].refused)
            fail_msg("%s with \"%s\": rc %d, target \"%s\", error \"%s\"", cases[i].url, cases[i].account, rc,
                     target, error);
        if (cases[i].refused) {
            assert_non_null(strstr(error, "line 2"));
            assert_non_null(strstr(error, "account"));
        }
    }
}


/* The derived columns (Bybit's Buy/Limit, OANDA's signed units) and a
 * second template for MARKET orders. */
static void test_derived_columns_and_market_body(void **state)
{
    (void)state;
    struct fixture fx = {0};
    const char *const vals[6] = {"EUR_USD", "", "100", "sell", "MARKET", "acct"};
    assert_int_equal(setup_row(&fx, NULL, 0, vals), 0);
    static const char t[] = "{\"s\":\"{{side_title}}\",\"t\":\"{{type_title}}\",\"u\":\"{{signed_quantity}}\","
                            "\"tif\":\"GTC\",\"px\":\"{{price}}\"}";
    static const char m[] = "{\"s\":\"{{side_title}}\",\"kind\":\"market\",\"u\":\"{{signed_quantity}}\"}";
    char err[160];
    salvo_body_t *b = NULL;
    salvo_body_new_template(&b, t, sizeof t - 1, err, sizeof err);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.body, "{\"s\":\"Sell\",\"t\":\"Market\",\"u\":\"-100\",\"tif\":\"GTC\"}");
    salvo_body_t *market = NULL;
    assert_int_equal(salvo_body_new_template(&market, m, sizeof m - 1, err, sizeof err), 0);
    assert_int_equal(salvo_body_set_market(b, market), 0);
    assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
    assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
    assert_string_equal(fx.o.body, "{\"s\":\"Sell\",\"kind\":\"market\",\"u\":\"-100\"}");
    salvo_body_free(b);
    teardown_fx(&fx);
}

/* The reference: cJSON's own print of the template with each placeholder
 * replaced by its value (a number raw), an empty one dropped from an
 * object and null in an array. */
static const char *value_of(const char *name, const char *const names[6], const char *const vals[6])
{
    for (int i = 0; i < 6; i++)
        if (strcmp(name, names[i]) == 0)
            return vals[i];
    return NULL;
}

static void substitute(cJSON *node, const char *const names[6], const char *const vals[6])
{
    cJSON *next;
    for (cJSON *c = node->child; c; c = next) {
        next = c->next;
        if (c->child)
            substitute(c, names, vals);
        if (!cJSON_IsString(c) || strncmp(c->valuestring, "{{", 2) != 0)
            continue;
        char name[32];
        snprintf(name, sizeof name, "%s", c->valuestring + 2);
        int number = strstr(name, ":number}}") != NULL;
        *strpbrk(name, ":}") = '\0';
        const char *v = value_of(name, names, vals);
        assert_non_null(v);
        cJSON *with = *v == '\0' ? NULL : number ? cJSON_CreateRaw(v) : cJSON_CreateString(v);
        if (with == NULL && cJSON_IsObject(node)) {
            cJSON_Delete(cJSON_DetachItemViaPointer(node, c));
            continue;
        }
        if (with == NULL)
            with = cJSON_CreateNull();
        with->string = c->string; /* the key moves over (ViaPointer keeps none) */
        c->string = NULL;
        cJSON_ReplaceItemViaPointer(node, c, with);
    }
}

/* The compiled template writes what cJSON would print, byte for byte:
 * members dropped first, last, all, and in nested objects and arrays,
 * keys and literals cJSON escapes, numbers as cJSON prints them. */
static void test_render_matches_cjson(void **state)
{
    (void)state;
    static const char *const names[6] = {"symbol", "price", "quantity", "side", "type", "account"};
    static const char *const templates[] = {
        "{\"a\":\"{{account}}\",\"s\":\"{{symbol}}\"}",
        "{\"s\":\"{{symbol}}\",\"a\":\"{{account}}\"}",
        "{\"a\":\"{{account}}\",\"p\":\"{{price}}\"}",
        ("{\"x\":1,\"a\":\"{{account}}\",\"y\":[1,\"{{account}}\",{\"z\":\"{{account}}\",\"q\":\"{{quantity:number}}\"}],"
         "\"e\":{},\"f\":[],\"t\":true,\"n\":null,\"d\":0.1,\"big\":1e300,\"neg\":-0}"),
        "[\"{{account}}\",\"{{symbol}}\",[\"{{price:number}}\"],{\"k\":\"{{account}}\"}]",
        "{\"o\":{\"o\":{\"a\":\"{{account}}\",\"b\":\"{{account}}\"},\"c\":\"{{side}}\"},\"tail\":\"x\"}",
        "{\"k\\b\\f\\u0001\\\"\\\\/\\u00e9\":\"{{symbol}}\",\"lit\":\"tab\\there\\u0002\"}",
        "{\"a\":[[[\"{{account}}\"]]],\"b\":\"{{type}}\"}",
        "\"{{symbol}}\"",
        "42",
    };
    static const char *const rows[][6] = {
        {"AAPL", "1.5", "3", "BUY", "LIMIT", "acct-1"},
        {"AAPL", "", "3", "SELL", "MARKET", ""},
        {"A\"B\\C\xc3\xa9", "2", "1000", "BUY", "LIMIT", "x\x01\b\f\n\r\t\x1f/\"\\"},
    };
    for (size_t t = 0; t < sizeof templates / sizeof *templates; t++) {
        char err[160];
        salvo_body_t *b = NULL;
        salvo_body_new_template(&b, templates[t], strlen(templates[t]), err, sizeof err);
        if (b == NULL)
            fail_msg("template %zu: %s", t, err);
        for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
            struct fixture fx = {0};
            static const char *const extra[] = {"account"};
            if (setup_row(&fx, extra, 1, rows[r]) != 0)
                fail_msg("row %zu: %s", r, fx.o.error);
            assert_int_equal(salvo_body_bind(b, &fx.l, err, sizeof err), 0);
            assert_int_equal(salvo_body_render(b, &fx.o, &fx.l, &fx.row), 0);
            const char *const vals[6] = {fx.o.symbol, fx.o.price, fx.o.quantity, fx.o.side, fx.o.type,
                                         rows[r][5]};
            cJSON *ref = cJSON_Parse(templates[t]);
            assert_non_null(ref);
            substitute(ref, names, vals);
            char *want = cJSON_PrintUnformatted(ref);
            if (strcmp(fx.o.body, want) != 0 || fx.o.body_len != strlen(want))
                fail_msg("template %zu row %zu:\n got  %s\n want %s", t, r, fx.o.body, want);
            cJSON_free(want);
            cJSON_Delete(ref);
            teardown_fx(&fx);
        }
        salvo_body_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_body), cmocka_unit_test(test_template),
        cmocka_unit_test(test_template_number_rejects_text), cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_template_utf8_and_whole),
        cmocka_unit_test(test_form_encoding),
        cmocka_unit_test(test_url_template),
        cmocka_unit_test(test_url_dot_segments_refused),
        cmocka_unit_test(test_derived_columns_and_market_body),
        cmocka_unit_test(test_render_matches_cjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
