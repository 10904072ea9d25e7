/* Body templates: the input is a template, a NUL byte, then CSV rows (a
 * header or positional). The template is parsed, bound to the layout the
 * rows give, and rendered for each valid order. A rendered body must be
 * JSON in UTF-8, and rendering must leave the template as it was: the same order
 * rendered twice, around another order, gives the same bytes. */
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "salvo/body.h"
#include "salvo/engine.h"
#include "salvo/order.h"
#include "salvo/reader.h"

static const char default_rows[] = "symbol,price,quantity,side,type,account\n2330,590.5,10,buy,,A1\n";

/* A MARKET order over an empty row: every raw column and the price are
 * empty, so rendering it detaches their keys, which the next render of
 * another order must find back in place. */
static char *render_sparse(salvo_body_t *b, const salvo_layout_t *l)
{
    salvo_order_t sparse = {.line = 1, .symbol = "S", .price = "", .quantity = "1", .side = "SELL",
                            .type = "MARKET", .client_order_id = "fz-0"};
    salvo_row_t empty = {.line = 1};
    int r = salvo_body_render(b, &sparse, l, &empty);
    FUZZ_CHECK(r == 0 || r == 1); /* 1: "S" under {{symbol:number}} */
    char *copy = strdup(r == 0 ? sparse.body : sparse.error);
    FUZZ_CHECK(copy != NULL);
    salvo_order_free(&sparse);
    return copy;
}

static void check_render(salvo_body_t *b, salvo_order_t *o, const salvo_layout_t *l, const salvo_row_t *row)
{
    int r = salvo_body_render(b, o, l, row);
    FUZZ_CHECK(r == 0 || r == 1);
    if (r == 1) {
        FUZZ_CHECK(o->error[0] != '\0');
        return;
    }
    FUZZ_CHECK(o->body_len == strlen(o->body));
    FUZZ_CHECK(salvo_is_utf8(o->body, o->body_len)); /* JSON on the wire is UTF-8 */
    cJSON *doc = cJSON_ParseWithLength(o->body, o->body_len);
    FUZZ_CHECK(doc != NULL);
    cJSON_Delete(doc);

    char *first = strdup(o->body);
    FUZZ_CHECK(first != NULL);
    char *sparse1 = render_sparse(b, l);
    FUZZ_CHECK(salvo_body_render(b, o, l, row) == 0);
    FUZZ_CHECK(strcmp(first, o->body) == 0);
    char *sparse2 = render_sparse(b, l);
    FUZZ_CHECK(strcmp(sparse1, sparse2) == 0);
    free(first);
    free(sparse1);
    free(sparse2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    const char *rows = nul ? (const char *)nul + 1 : default_rows;
    size_t rlen = nul ? size - tlen - 1 : sizeof default_rows - 1;

    char err[256] = "";
    salvo_body_t *b = NULL;
    salvo_body_new_template(&b, (const char *)data, tlen, err, sizeof err);
    if (b == NULL) {
        FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    const char *const *names;
    size_t nnames = salvo_body_columns(b, &names);
    salvo_layout_t l;
    FUZZ_CHECK(salvo_layout_init(&l, names, nnames) == 0);

    salvo_reader_t *rd = salvo_reader_new(SALVO_FORMAT_CSV, ',', 4096);
    FUZZ_CHECK(rd != NULL);
    FUZZ_CHECK(salvo_reader_push(rd, rows, rlen) == 0);
    salvo_reader_finish(rd);

    salvo_order_defaults_t d = {.quantity = "1", .side = NULL, .type = NULL, .id_prefix = "fz"};
    salvo_order_t o = {0};
    salvo_row_t row;
    int first = 1, bound = 0;
    uint64_t seq = 0;
    int r;
    while ((r = salvo_reader_next(rd, &row)) == 1) {
        if (first) {
            first = 0;
            if (row.error == SALVO_ROW_OK && salvo_layout_is_header(&row)) {
                salvo_layout_from_header(&l, &row);
                err[0] = '\0';
                bound = salvo_body_bind(b, &l, err, sizeof err) == 0;
                FUZZ_CHECK(bound || err[0] != '\0');
                continue;
            }
            salvo_layout_positional(&l);
            bound = salvo_body_bind(b, &l, err, sizeof err) == 0;
        }
        if (!bound)
            break; /* salvo stops at start-up here: nothing to render */
        if (salvo_order_from_row(&o, &l, &d, &row, ++seq) == 0)
            check_render(b, &o, &l, &row);
    }
    FUZZ_CHECK(r == 0 || !bound);
    salvo_order_free(&o);
    salvo_reader_free(rd);
    salvo_layout_free(&l);
    salvo_body_free(b);
    return 0;
}
