/* Intake: input bytes -> rows -> validated, rendered orders.
 *
 * A regular file is read synchronously (it never blocks for long); a pipe
 * or terminal through libuv, one chunk at a time: reading stops while a
 * chunk is unparsed, which is the input's share of backpressure. Knows
 * nothing of the engine: it says "more input" through on_input. */
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parts.h"
#include "orderid.h"
#include "utf8.h"

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    salvo_intake_t *in = h->data;
    buf->base = in->chunk;
    buf->len = sizeof in->chunk;
}

static void stop_reading(salvo_intake_t *in)
{
    if (in->stream && in->reading) {
        uv_read_stop(in->stream);
        in->reading = 0;
    }
}

static void on_stream_closed(uv_handle_t *h)
{
    salvo_intake_t *in = h->data;
    in->on_closed(in->ud);
}

static void close_stream(salvo_intake_t *in)
{
    stop_reading(in);
    if (in->stream && !in->closed) {
        in->closed = 1;
        uv_close((uv_handle_t *)in->stream, on_stream_closed);
    }
}

static void input_end(salvo_intake_t *in, int error)
{
    in->eof = 1;
    if (error && !in->error)
        in->error = error;
    salvo_reader_finish(in->reader);
    close_stream(in);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    salvo_intake_t *in = s->data;
    if (n > 0) {
        if (salvo_reader_push(in->reader, buf->base, (size_t)n) < 0)
            input_end(in, ENOMEM);
        stop_reading(in); /* parse this chunk before reading the next */
    } else if (n == UV_EOF) {
        input_end(in, 0);
    } else if (n < 0) {
        input_end(in, (int)-n);
    }
    if (n != 0)
        in->on_input(in->ud);
}

static void read_file_chunk(salvo_intake_t *in)
{
    ssize_t n;
    do
        n = read(in->cfg->input_fd, in->chunk, sizeof in->chunk);
    while (n < 0 && errno == EINTR);
    if (n > 0 && salvo_reader_push(in->reader, in->chunk, (size_t)n) == 0)
        return;
    input_end(in, n < 0 ? errno : n > 0 ? ENOMEM : 0);
}

/* A directory (or anything libuv cannot watch) is refused here, with a
 * reason, rather than aborting inside libuv. */
static int open_stream(salvo_intake_t *in)
{
    int fd = in->cfg->input_fd;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        if (!isatty(fd))
            return 0;
    }
    int r;
    if (isatty(fd)) {
        r = uv_tty_init(in->loop, &in->handle.tty, fd, 1);
    } else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
        r = uv_pipe_init(in->loop, &in->handle.pipe, 0);
    } else {
        return -EINVAL;
    }
    if (r < 0)
        return r;
    /* From here the handle is open: closing it calls on_closed. */
    in->stream = (uv_stream_t *)&in->handle;
    in->stream->data = in;
    in->closed = 0;
    if (!isatty(fd) && (r = uv_pipe_open(&in->handle.pipe, fd)) < 0)
        return r;
    return 0;
}

int salvo_intake_init(salvo_intake_t *in, uv_loop_t *loop, const salvo_config_t *cfg,
                      void (*on_input)(void *), void (*on_closed)(void *), void *ud)
{
    memset(in, 0, sizeof *in);
    in->loop = loop;
    in->cfg = cfg;
    in->on_input = on_input;
    in->on_closed = on_closed;
    in->ud = ud;
    in->closed = 1;
    salvo_orderid_init(&in->oids);
    if ((in->reader = salvo_reader_new(cfg->format, cfg->delim, SALVO_MAX_LINE_DEFAULT)) == NULL)
        return -ENOMEM;
    const char *const *extra;
    size_t nextra = salvo_body_columns(cfg->body, &extra);
    if (salvo_layout_init(&in->layout, extra, nextra) < 0)
        return -ENOMEM;
    if (cfg->format == SALVO_FORMAT_JSONL &&
        salvo_reader_set_columns(in->reader, (const char *const *)in->layout.names, in->layout.ncols) < 0)
        return -ENOMEM;
    return open_stream(in);
}

/* A first row that names a column salvo knows, or whose cells are all
 * words (no number in it, none empty), is a header, not an order. */
static int looks_like_header(const salvo_row_t *row)
{
    static const char *const known[] = {"price", "quantity", "qty", "side", "type", "client_order_id"};
    if (row->error != SALVO_ROW_OK)
        return 0;
    int words = 1;
    for (size_t i = 0; i < row->nfields; i++) {
        const salvo_field_t *f = &row->fields[i];
        size_t b = strspn(f->s, " \t"), n = f->len - b;
        while (n && (f->s[b + n - 1] == ' ' || f->s[b + n - 1] == '\t'))
            n--;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            if (strlen(known[k]) == n && strncasecmp(f->s + b, known[k], n) == 0)
                return 1;
        if (n == 0 || salvo_is_positive_decimal(f->s + b, n) || (f->s[b] == '-' && n > 1))
            words = 0;
    }
    return words;
}

/* The header's cells as "A, B, C" into out: whole UTF-8 characters kept,
 * a tab as \t, anything else not printable (a control character, a stray
 * byte) as '?', and "..." where it does not fit. */
static void show_cells(const salvo_row_t *row, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < row->nfields && k + 8 < cap; i++) {
        if (i)
            k += (size_t)snprintf(out + k, cap - k, ", ");
        const char *c = row->fields[i].s;
        size_t n = row->fields[i].len, j = 0;
        while (j < n && k + 9 < cap) {
            size_t len = salvo_utf8_seq_len(c + j, n - j);
            if (len == 1 && c[j] == '\t') {
                out[k++] = '\\', out[k++] = 't';
            } else if (len == 0 || (len == 1 && ((unsigned char)c[j] < 0x20 || c[j] == 0x7f))) {
                out[k++] = '?';
                len = 1;
            } else {
                memcpy(out + k, c + j, len);
                k += len;
            }
            j += len;
        }
        out[k] = '\0';
    }
    if (k + 8 >= cap)
        snprintf(out + k, cap - k, "...");
}

/* A header read as one cell that another separator would split into
 * known names ("symbol;price;..."): that separator, else 0. */
static char other_delimiter(const salvo_row_t *row)
{
    if (row->nfields != 1)
        return 0;
    const char *s = row->fields[0].s;
    size_t n = row->fields[0].len;
    for (const char *d = "\t;|"; *d; d++) {
        const char *p = memchr(s, *d, n);
        if (p != NULL && (size_t)(p - s) == 6 && strncasecmp(s, "symbol", 6) == 0)
            return *d;
    }
    return 0;
}

/* "line 1 looks like a header ...: it has A, B, C; expected ...", or the
 * separator it seems to use. */
static void unknown_header(salvo_intake_t *in, const salvo_row_t *row)
{
    char seen[88]; /* what the 256 bytes of stats.setup_error leave beside the words */
    char d = other_delimiter(row);
    if (d) {
        snprintf(in->setup_err, sizeof in->setup_err,
                 "line %llu looks like a header separated by '%s', not '%c': give --delimiter %s",
                 (unsigned long long)row->line, d == '\t' ? "\\t" : (char[2]){d, 0}, in->cfg->delim,
                 d == '\t' ? "'\\t'" : d == ';' ? "';'" : "'|'");
        return;
    }
    show_cells(row, seen, sizeof seen);
    snprintf(in->setup_err, sizeof in->setup_err,
             "line %llu looks like a header without a symbol column: it has %s; expected symbol, price, "
             "quantity (or qty), side, type, client_order_id (any case), or --no-header",
             (unsigned long long)row->line, seen);
}

/* The first CSV row decides the layout; then the template must bind. */
static int setup_layout(salvo_intake_t *in, const salvo_row_t *row, int *consumed)
{
    *consumed = 0;
    if (in->cfg->format == SALVO_FORMAT_JSONL) {
        salvo_layout_identity(&in->layout);
    } else if (!in->cfg->no_header && salvo_layout_is_header(row)) {
        salvo_layout_from_header(&in->layout, row);
        in->width = row->nfields;
        in->layout_from_header = 1;
        *consumed = 1;
    } else if (!in->cfg->no_header && looks_like_header(row)) {
        unknown_header(in, row);
        return -EINVAL;
    } else {
        salvo_layout_positional(&in->layout);
        in->width = SALVO_COL_CLIENT_ORDER_ID; /* symbol,price,quantity,side,type */
    }
    in->layout_ready = 1;
    if (salvo_body_bind(in->cfg->body, &in->layout, in->setup_err, sizeof in->setup_err) < 0)
        return -EINVAL;
    return 0;
}

/* A repeated id in one input would be two orders under one key. */
static int check_unique_id(salvo_intake_t *in, salvo_order_t *o)
{
    if (!o->client_order_id[0] || in->layout.pos[SALVO_COL_CLIENT_ORDER_ID] < 0)
        return 0; /* content ids differ by construction (k tells identical rows apart) */
    int dup = salvo_idmap_set(&in->ids, o->client_order_id, 1);
    if (dup < 0)
        return dup;
    if (dup)
        snprintf(o->error, sizeof o->error, "line %llu: client_order_id \"%.64s\" appears earlier in the input",
                 (unsigned long long)o->line, o->client_order_id);
    return dup ? 1 : 0;
}

/* A profile's client id shape (Bybit: 36 of A-Za-z0-9_-, OKX: 32
 * alphanumerics). A made id is made to fit: characters the broker refuses
 * dropped, the end cut (the hash's tail; a 64-bit hash cut to 40 bits still
 * tells a day's orders apart). An id from the input that does not fit makes
 * its row invalid: changing it would lose the user's key. */
static int shape_id(salvo_intake_t *in, salvo_order_t *o)
{
    const salvo_profile_t *p = in->cfg->profile;
    if (p == NULL || o->client_order_id[0] == '\0')
        return 0;
    unsigned max = salvo_profile_id_max(p);
    if (o->client_order_id == o->made_id) {
        size_t k = 0;
        for (size_t i = 0; o->made_id[i]; i++)
            if (salvo_profile_id_allows(p, (unsigned char)o->made_id[i]))
                o->made_id[k++] = o->made_id[i];
        o->made_id[max && k > max ? max : k] = '\0';
        return 0;
    }
    const char *id = o->client_order_id;
    size_t n = strlen(id), i = 0;
    while (i < n && salvo_profile_id_allows(p, (unsigned char)id[i]))
        i++;
    if (i == n && (max == 0 || n <= max))
        return 0;
    if (i < n)
        snprintf(o->error, sizeof o->error, "line %llu: client_order_id \"%.64s\" holds '%c', which %s does not take",
                 (unsigned long long)o->line, id, id[i], salvo_profile_name(p));
    else
        snprintf(o->error, sizeof o->error, "line %llu: client_order_id \"%.64s\" is longer than the %u characters %s takes",
                 (unsigned long long)o->line, id, max, salvo_profile_name(p));
    return 1;
}

/* A row the profile's body would send wrong is invalid, with the profile's
 * reason: Bitget's MARKET BUY size is quote coins, and sending the base
 * quantity there would buy another amount than the row says. */
static int refused_by_profile(salvo_intake_t *in, salvo_order_t *o)
{
    const salvo_profile_t *p = in->cfg->profile;
    const char *why = p ? salvo_profile_refusal(p, o) : NULL;
    if (why == NULL)
        return 0;
    snprintf(o->error, sizeof o->error, "line %llu: %s: %s; not sent", (unsigned long long)o->line,
             salvo_profile_name(p), why);
    return 1;
}

/* A CSV row with more fields than the header is invalid: it is most likely
 * misaligned (a value with an unquoted delimiter, "1,234.50"), so none of
 * its values can be trusted, and sending it could place a wrong order. */
static int extra_fields(salvo_intake_t *in, const salvo_row_t *row, salvo_order_t *o)
{
    if (in->width == 0 || row->nfields <= in->width || row->error != SALVO_ROW_OK)
        return 0;
    o->symbol = o->price = o->quantity = o->side = o->type = o->client_order_id = "";
    if (in->layout_from_header)
        snprintf(o->error, sizeof o->error, "line %llu: %zu fields where the header has %zu (a value with an "
                 "unquoted \"%c\"?); not sent", (unsigned long long)row->line, row->nfields, in->width,
                 in->cfg->delim ? in->cfg->delim : ',');
    else
        snprintf(o->error, sizeof o->error, "line %llu: %zu fields where salvo reads at most %zu without a header "
                 "(symbol,price,quantity,side,type); not sent", (unsigned long long)row->line, row->nfields,
                 in->width);
    return 1;
}

/* A cancel or lookup: the broker's order id the input names (its
 * "order_id" column), for the rules' pointers that name it (Kraken keys
 * its answer by it). */
static void keep_ref(const salvo_intake_t *in, const salvo_row_t *row, salvo_order_t *o)
{
    o->ref[0] = '\0';
    long col = in->cfg->op != SALVO_OP_SEND ? salvo_layout_find(&in->layout, "order_id") : -1;
    const salvo_field_t *f = col >= 0 ? salvo_layout_field(&in->layout, row, (size_t)col) : NULL;
    if (f && f->len < sizeof o->ref && memchr(f->s, '\0', f->len) == NULL)
        memcpy(o->ref, f->s, f->len + 1);
}

/* One row into an order: 0 valid, 1 invalid, -ENOMEM. */
static int build_order(salvo_intake_t *in, const salvo_row_t *row, salvo_order_t *o)
{
    int rc = salvo_order_from_row(o, &in->layout, &in->cfg->defaults, row, ++in->seq);
    keep_ref(in, row, o);
    if (rc >= 0 && extra_fields(in, row, o))
        return 1;
    if (rc == 0 && refused_by_profile(in, o))
        return 1;
    if (rc == 0 && in->cfg->defaults.id_prefix)
        rc = salvo_orderid_assign(&in->oids, o, in->cfg->defaults.id_prefix);
    if (rc == 0)
        rc = shape_id(in, o);
    if (rc == 0)
        rc = check_unique_id(in, o);
    if (rc == 0)
        rc = salvo_body_render(in->cfg->body, o, &in->layout, row);
    return rc;
}

int salvo_intake_next(salvo_intake_t *in, salvo_order_t *o)
{
    for (;;) {
        salvo_row_t row;
        int rc = salvo_reader_next(in->reader, &row);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            if (!in->layout_ready) {
                int consumed;
                if (setup_layout(in, &row, &consumed) < 0)
                    return -EINVAL;
                if (consumed)
                    continue;
            }
            rc = build_order(in, &row, o);
            if (rc < 0)
                return rc;
            return rc == 0 ? INTAKE_ORDER : INTAKE_INVALID;
        }
        if (in->eof)
            return in->error ? -EIO : INTAKE_END;
        if (in->stream == NULL) {
            read_file_chunk(in);
            continue;
        }
        if (!in->reading) {
            int r = uv_read_start(in->stream, on_alloc, on_read);
            if (r < 0) {
                input_end(in, -r);
                continue;
            }
            in->reading = 1;
        }
        return INTAKE_WAIT;
    }
}

void salvo_intake_stop(salvo_intake_t *in) { close_stream(in); }

void salvo_intake_free(salvo_intake_t *in)
{
    salvo_reader_free(in->reader);
    salvo_layout_free(&in->layout);
    salvo_idmap_free(&in->ids);
    salvo_orderid_free(&in->oids);
    in->reader = NULL;
}
