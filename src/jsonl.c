/* JSON Lines: one object per line; the wanted keys become the row's fields. */
#include "reader_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Shortest text that reads back as the same double: 590.1 stays "590.1". */
static void number_text(double v, char *out, size_t len)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static int put_str(struct salvo_reader *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (salvo_reader_field_byte(r, s[i]) < 0)
            return -ENOMEM;
    return salvo_reader_end_field(r);
}

static int put_value(struct salvo_reader *r, const cJSON *v)
{
    char num[40];
    if (v == NULL || cJSON_IsNull(v)) {
        if (salvo_reader_end_field(r) < 0)
            return -ENOMEM;
        r->fields[r->nfields - 1].present = 0;
        return 0;
    }
    if (cJSON_IsString(v))
        return put_str(r, v->valuestring, strlen(v->valuestring));
    if (cJSON_IsNumber(v)) {
        number_text(v->valuedouble, num, sizeof num);
        return put_str(r, num, strlen(num));
    }
    if (cJSON_IsBool(v))
        return put_str(r, cJSON_IsTrue(v) ? "true" : "false", cJSON_IsTrue(v) ? 4 : 5);
    char *s = cJSON_PrintUnformatted(v);
    if (s == NULL)
        return -ENOMEM;
    int e = put_str(r, s, strlen(s));
    cJSON_free(s);
    return e;
}

/* Map one complete line to the wanted columns. */
static int parse_line(struct salvo_reader *r, const char *line, size_t len)
{
    if (memchr(line, '\0', len) != NULL) {
        r->row_error = SALVO_ROW_NUL;
        return 0;
    }
    cJSON *obj = cJSON_ParseWithLength(line, len);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        r->row_error = SALVO_ROW_BAD_JSON;
        return 0;
    }
    int e = 0;
    for (size_t i = 0; i < r->ncols && e == 0; i++) {
        /* Keys match case-insensitively, as CSV headers do. */
        e = put_value(r, cJSON_GetObjectItem(obj, r->cols[i]));
    }
    cJSON_Delete(obj);
    return e;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int salvo_jsonl_next(struct salvo_reader *r, salvo_row_t *row)
{
    for (;;) {
        salvo_reader_reset_row(r);
        char *start = r->in + r->pos;
        size_t avail = r->len - r->pos;
        char *nl = memchr(start, '\n', avail);
        if (nl == NULL && !r->eof) {
            if (avail > r->max_line) { /* too long already: drop it up to its newline */
                r->pos = r->len;
                r->line_skipping = true;
            }
            return 0;
        }
        if (nl == NULL && avail == 0 && !r->line_skipping)
            return 0;
        size_t n = nl ? (size_t)(nl - start) : avail;
        r->pos += n + (nl != NULL);
        r->row_line = r->line++;
        if (r->line_skipping || n > r->max_line) {
            r->line_skipping = false;
            r->row_error = SALVO_ROW_TOO_LONG;
        } else {
            if (n > 0 && start[n - 1] == '\r')
                n--;
            if (is_blank(start, n))
                continue;
            int e = parse_line(r, start, n);
            if (e < 0)
                return e;
        }
        salvo_reader_emit(r, row);
        return 1;
    }
}
