/* The journal: see journal.h. */
#include "salvo/journal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "salvo/jbuf.h"
#include "util.h"

struct salvo_journal {
    int fd;
    int fsync;
    int dirty;     /* written since the last fsync */
    int error;     /* first write or fsync error (negative errno), sticky */
    int created;   /* by this run: its directory entry needs an fsync too */
    char *path;
    salvo_jbuf_t line;
};

static const char *const jstate_names[] = {"none", "sent", "accepted", "rejected", "failed", "unknown"};

const char *salvo_jstate_name(int state)
{
    return state >= 0 && state <= SALVO_J_UNKNOWN ? jstate_names[state] : "?";
}

static int jstate_from_name(const char *s)
{
    for (int i = SALVO_J_ACCEPTED; i <= SALVO_J_UNKNOWN; i++)
        if (strcmp(s, jstate_names[i]) == 0)
            return i;
    return -1;
}

/* ================= where the orders go ================= */

/* Append s[0..n) lower-cased, as far as out's cap bytes allow. */
static void put_lower(char *out, size_t cap, size_t *used, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *used + 1 < cap; i++)
        out[(*used)++] = (char)tolower((unsigned char)s[i]);
    out[*used] = '\0';
}

/* The origin of url, scheme://host[:port]: lower case, without a
 * user:password (no secret goes in a journal) or the scheme's default
 * port, so one endpoint written two ways is one. */
static void url_origin(const char *url, char *out, size_t cap)
{
    const char *sep = strstr(url, "://");
    const char *auth = sep ? sep + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    for (size_t i = alen; i > 0; i--) {
        if (auth[i - 1] == '@') {
            auth += i, alen -= i;
            break;
        }
    }
    const char *bracket = memchr(auth, ']', alen); /* an IPv6 host's ':' are inside [...] */
    size_t host_len = alen, from = bracket ? (size_t)(bracket - auth) : 0;
    for (size_t i = alen; i > from; i--) {
        if (auth[i - 1] == ':') {
            host_len = i - 1;
            break;
        }
    }
    const char *port = auth + host_len + (host_len < alen);
    size_t port_len = alen - host_len - (host_len < alen);
    size_t n = 0;
    put_lower(out, cap, &n, sep ? url : "http", sep ? (size_t)(sep - url) : 4);
    int is_default = (port_len == 2 && strncmp(port, "80", 2) == 0 && strcmp(out, "http") == 0) ||
                     (port_len == 3 && strncmp(port, "443", 3) == 0 && strcmp(out, "https") == 0);
    put_lower(out, cap, &n, "://", 3);
    put_lower(out, cap, &n, auth, host_len);
    if (port_len && !is_default) {
        put_lower(out, cap, &n, ":", 1);
        put_lower(out, cap, &n, port, port_len);
    }
}

/* What a journal header says of dest: its endpoint and profile ("" none). */
static void dest_fields(const salvo_jdest_t *d, char *endpoint, size_t ecap, char *profile, size_t pcap)
{
    if (d->url)
        url_origin(d->url, endpoint, ecap);
    else
        snprintf(endpoint, ecap, "%s%s", d->exec ? "exec " : "", d->exec ? d->exec : "");
    snprintf(profile, pcap, "%s", d->profile ? d->profile : "");
}

/* "https://api.example.com (profile bybit, --sandbox)", for messages. */
static void describe_dest(char *out, size_t cap, const char *endpoint, const char *profile, int sandbox)
{
    snprintf(out, cap, "%s (%s%s%s)", endpoint, *profile ? "profile " : "no profile", profile,
             sandbox ? ", --sandbox" : "");
}

static int is_journal_dest(const salvo_jindex_t *ix, const char *endpoint, const char *profile, int sandbox)
{
    return strcmp(endpoint, ix->endpoint) == 0 && strcmp(profile, ix->profile) == 0 && !sandbox == !ix->sandbox;
}

int salvo_jindex_check_dest(const salvo_jindex_t *ix, const salvo_jdest_t *dest, char *err, size_t errlen)
{
    if (ix->headers == 0) /* an empty file: a new journal */
        return 0;
    if (ix->endpoint[0] == '\0') {
        snprintf(err, errlen, "it does not say where its orders went (a journal an older salvo wrote)");
        return -ENOENT;
    }
    char endpoint[sizeof ix->endpoint], profile[sizeof ix->profile];
    dest_fields(dest, endpoint, sizeof endpoint, profile, sizeof profile);
    if (is_journal_dest(ix, endpoint, profile, dest->sandbox))
        return 0;
    char there[sizeof ix->endpoint + sizeof ix->profile + 32], here[sizeof there];
    describe_dest(there, sizeof there, ix->endpoint, ix->profile, ix->sandbox);
    describe_dest(here, sizeof here, endpoint, profile, dest->sandbox);
    snprintf(err, errlen,
             "its orders went to %s, this run sends to %s: a resume there would skip, as done, orders it never had; "
             "resume against the same, or start a new journal; nothing was sent",
             there, here);
    return -EINVAL;
}

/* ================= reading ================= */

/* Per id, besides its state: where the journal first names it (bits 32-62)
 * and the input line its first "sent" record gives (bits 0-31), each
 * saturating; for the message when a resumed input lacks the order. */
#define LINE_MAX32 0xffffffffULL
#define JLINE_MAX 0x7fffffffULL

static uint64_t pack_lines(uint64_t jline, uint64_t input_line)
{
    return (jline < JLINE_MAX ? jline : JLINE_MAX) << 32 | (input_line < LINE_MAX32 ? input_line : LINE_MAX32);
}

static int has_prefix(const char *id, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(id, prefix, n) == 0 && id[n] == '-';
}

/* A header's destination, as the index holds one: 1 when it names one. */
static int header_dest(const cJSON *rec, char *endpoint, size_t ecap, char *profile, size_t pcap, int *sandbox)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(rec, "endpoint");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(rec, "profile");
    if (!cJSON_IsString(e) || e->valuestring[0] == '\0')
        return 0;
    snprintf(endpoint, ecap, "%s", e->valuestring);
    snprintf(profile, pcap, "%s", cJSON_IsString(p) ? p->valuestring : "");
    *sandbox = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "sandbox"));
    return 1;
}

/* The first header naming a destination sets the journal's; a later one
 * naming another is not of this journal: -1. */
static int index_header_dest(salvo_jindex_t *ix, const cJSON *rec)
{
    char endpoint[sizeof ix->endpoint], profile[sizeof ix->profile];
    int sandbox;
    if (!header_dest(rec, endpoint, sizeof endpoint, profile, sizeof profile, &sandbox))
        return 0;
    if (ix->endpoint[0] == '\0') {
        memcpy(ix->endpoint, endpoint, sizeof endpoint);
        memcpy(ix->profile, profile, sizeof profile);
        ix->sandbox = sandbox;
        return 0;
    }
    return is_journal_dest(ix, endpoint, profile, sandbox) ? 0 : -1;
}

static int index_header(salvo_jindex_t *ix, const cJSON *rec)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "salvo_journal");
    if (!cJSON_IsNumber(v) || v->valueint != 1)
        return 1;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(rec, "id_prefix");
    if (cJSON_IsString(p)) {
        if (ix->headers && strcmp(ix->id_prefix, p->valuestring) != 0)
            return 1; /* one journal, one set of ids */
        snprintf(ix->id_prefix, sizeof ix->id_prefix, "%s", p->valuestring);
    }
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(rec, "input");
    if (cJSON_IsString(in) && ix->input[0] == '\0')
        snprintf(ix->input, sizeof ix->input, "%s", in->valuestring);
    if (index_header_dest(ix, rec) < 0)
        return 3;
    ix->headers++;
    return 0;
}

/* One record into the index: 0, 1 when it is not a journal record, 2 when
 * it names an order its header's run could not have made, 3 when a header
 * names another destination than the journal's, -ENOMEM. */
static int index_record(salvo_jindex_t *ix, const cJSON *rec, uint64_t lineno)
{
    if (!cJSON_IsObject(rec))
        return 1;
    if (cJSON_GetObjectItemCaseSensitive(rec, "salvo_journal") != NULL)
        return index_header(ix, rec);
    if (ix->headers == 0)
        return 1; /* a journal starts with its header */
    int state;
    const cJSON *v, *line = NULL;
    const char *id;
    if ((v = cJSON_GetObjectItemCaseSensitive(rec, "sent")) != NULL) {
        if (!cJSON_IsString(v))
            return 1;
        id = v->valuestring, state = SALVO_J_SENT;
        line = cJSON_GetObjectItemCaseSensitive(rec, "line");
    } else {
        v = cJSON_GetObjectItemCaseSensitive(rec, "id");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(rec, "status");
        if (!cJSON_IsString(v) || !cJSON_IsString(st) || (state = jstate_from_name(st->valuestring)) < 0)
            return 1;
        id = v->valuestring;
    }
    if (*id == '\0')
        return 1;
    /* Ids salvo made carry the run's prefix; only the input's own are exempt. */
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "given")) && !has_prefix(id, ix->id_prefix))
        return 2;
    ix->records++;
    uint64_t h = salvo_idmap_hash(id);
    uint64_t *where = salvo_idmap_data_h(&ix->states, h);
    if (where == NULL)
        return -ENOMEM;
    if (*where == 0 || (line && (*where & LINE_MAX32) == 0))
        *where = pack_lines(*where ? *where >> 32 : lineno,
                            cJSON_IsNumber(line) && line->valuedouble >= 1 && line->valuedouble < (double)LINE_MAX32
                                ? (uint64_t)line->valuedouble
                                : 0); /* a line number no integer holds names none */
    salvo_idmap_set_h(&ix->states, h, (uint8_t)state); /* present now: cannot fail */
    return 0;
}

int salvo_jindex_parse(salvo_jindex_t *ix, const char *text, size_t len, char *err, size_t errlen)
{
    size_t pos = 0;
    uint64_t lineno = 0;
    ix->good_len = 0;
    ix->torn_tail = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        int last = nl == NULL || end + 1 == len;
        cJSON *rec = nl ? cJSON_ParseWithLength(text + pos, end - pos) : NULL;
        int r = rec ? index_record(ix, rec, lineno) : 1;
        if (r == 3) {
            char endpoint[sizeof ix->endpoint], profile[sizeof ix->profile], there[400], here[400];
            int sandbox = 0;
            header_dest(rec, endpoint, sizeof endpoint, profile, sizeof profile, &sandbox);
            describe_dest(here, sizeof here, endpoint, profile, sandbox);
            describe_dest(there, sizeof there, ix->endpoint, ix->profile, ix->sandbox);
            snprintf(err, errlen, "line %llu is a run sending to %s, but the journal's orders went to %s",
                     (unsigned long long)lineno, here, there);
            cJSON_Delete(rec);
            return -EINVAL;
        }
        if (r == 2) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "sent");
            v = v ? v : cJSON_GetObjectItemCaseSensitive(rec, "id");
            snprintf(err, errlen, "line %llu records order \"%.64s\", which is not one of this journal's (%s-...)",
                     (unsigned long long)lineno, v->valuestring, ix->id_prefix);
            cJSON_Delete(rec);
            return -EINVAL;
        }
        cJSON_Delete(rec);
        if (r < 0)
            return r;
        if (r == 1) {
            if (last && ix->headers > 0) { /* the crash came mid-write: that line never counted */
                ix->torn_tail = 1;
                return 0;
            }
            snprintf(err, errlen, "line %llu is not a salvo journal record%s", (unsigned long long)lineno,
                     lineno == 1 ? " (is this a journal?)" : "");
            return -EINVAL;
        }
        pos = end + 1;
        ix->good_len = pos;
    }
    return 0;
}

int salvo_jindex_first_missing(const salvo_jindex_t *ix, const salvo_idmap_t *input_ids, uint64_t *jline,
                               uint64_t *input_line)
{
    const salvo_idmap_t *m = &ix->states;
    uint64_t first = UINT64_MAX;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] && m->data && salvo_idmap_get_h(input_ids, m->keys[i]) == 0 && m->data[i] < first)
            first = m->data[i];
    if (first == UINT64_MAX)
        return 0;
    *jline = first >> 32;
    *input_line = first & LINE_MAX32;
    return 1;
}

int salvo_jindex_get(const salvo_jindex_t *ix, const char *id) { return salvo_idmap_get(&ix->states, id); }

void salvo_jindex_free(salvo_jindex_t *ix) { salvo_idmap_free(&ix->states); }

static int read_all(int fd, char **text, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return -ENOMEM;
    for (;;) {
        if (n == cap && salvo_grow((void **)&buf, &cap, n + 1, 1) < 0)
            return free(buf), -ENOMEM;
        ssize_t got = pread(fd, buf + n, cap - n, (off_t)n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            return -e;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    *text = buf;
    *len = n;
    return 0;
}

/* ================= writing ================= */

static int write_line(salvo_journal_t *j)
{
    if (j->error)
        return j->error;
    if (j->line.oom)
        return j->line.oom = 0, j->line.len = 0, -ENOMEM;
    j->error = salvo_write_all(j->fd, j->line.p, j->line.len);
    j->line.len = 0;
    j->dirty = 1;
    return j->error;
}

static int sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return -ENOMEM;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r;
}

static void write_dest(salvo_journal_t *j, const salvo_jdest_t *dest)
{
    char endpoint[sizeof ((salvo_jindex_t *)0)->endpoint], profile[sizeof ((salvo_jindex_t *)0)->profile];
    dest_fields(dest, endpoint, sizeof endpoint, profile, sizeof profile);
    salvo_jbuf_cstr(&j->line, ",\"endpoint\":");
    salvo_jbuf_str(&j->line, endpoint, strlen(endpoint));
    salvo_jbuf_cstr(&j->line, ",\"profile\":");
    if (profile[0])
        salvo_jbuf_str(&j->line, profile, strlen(profile));
    else
        salvo_jbuf_cstr(&j->line, "null");
    salvo_jbuf_cstr(&j->line, dest->sandbox ? ",\"sandbox\":true" : ",\"sandbox\":false");
}

static int write_header(salvo_journal_t *j, const char *id_prefix, const char *input, const salvo_jdest_t *dest)
{
    char when[32];
    salvo_format_rfc3339_us(salvo_unix_us(), when);
    salvo_jbuf_cstr(&j->line, "{\"salvo_journal\":1,\"id_prefix\":");
    salvo_jbuf_str(&j->line, id_prefix ? id_prefix : "", id_prefix ? strlen(id_prefix) : 0);
    if (input) {
        salvo_jbuf_cstr(&j->line, ",\"input\":");
        salvo_jbuf_str(&j->line, input, strlen(input));
    }
    if (dest)
        write_dest(j, dest);
    salvo_jbuf_printf(&j->line, ",\"started\":\"%s\"}\n", when);
    return write_line(j);
}

/* An id the input gave (a client_order_id column), not one salvo made:
 * such records are exempt from the journal's prefix check. */
static int id_given(const salvo_order_t *o) { return o->client_order_id != o->made_id; }

/* Read an existing journal into ix and cut a torn last line off. */
static int load_for_resume(salvo_journal_t *j, salvo_jindex_t *ix, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int r = read_all(j->fd, &text, &len);
    if (r < 0)
        return snprintf(err, errlen, "cannot read it: %s", strerror(-r)), r;
    char perr[256] = "";
    r = salvo_jindex_parse(ix, text, len, perr, sizeof perr);
    free(text);
    if (r == -EINVAL)
        return snprintf(err, errlen, "%s; nothing was sent", perr), r;
    if (r < 0)
        return snprintf(err, errlen, "out of memory"), r;
    if (ix->good_len < len && ftruncate(j->fd, (off_t)ix->good_len) < 0)
        return r = -errno, snprintf(err, errlen, "cannot cut its torn last line: %s", strerror(-r)), r;
    return 0;
}

static void journal_free(salvo_journal_t *j)
{
    if (j->fd >= 0)
        close(j->fd);
    salvo_jbuf_free(&j->line);
    free(j->path);
    free(j);
}

static int open_fail(salvo_journal_t *j, int r, char *err, size_t errlen, const char *what)
{
    if (what)
        snprintf(err, errlen, "%s: %s", what, strerror(-r));
    journal_free(j);
    return r;
}

/* One run at a time: a POSIX record lock on the whole file, held until
 * close or exit (kill -9 included). fcntl, not flock(2): F_GETLK names
 * the holder's pid. Such a lock is also dropped when this process closes
 * any other descriptor of the file, so nothing else here opens it. */
static int lock_journal(salvo_journal_t *j, char *err, size_t errlen)
{
    for (int tries = 0; tries < 3; tries++) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        if (fcntl(j->fd, F_SETLK, &fl) == 0)
            return 0;
        if (errno != EACCES && errno != EAGAIN) {
            int r = -errno;
            return snprintf(err, errlen, "cannot lock it: %s", strerror(-r)), r;
        }
        if (fcntl(j->fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
            snprintf(err, errlen, "another run (pid %ld) is using it; nothing was sent", (long)fl.l_pid);
            return -EBUSY;
        }
        /* the holder let go between the two calls: try again */
    }
    snprintf(err, errlen, "another run is using it; nothing was sent");
    return -EBUSY;
}

int salvo_journal_open(salvo_journal_t **out, const char *path, int flags, salvo_jindex_t *ix, char *err,
                       size_t errlen)
{
    salvo_journal_t *j = calloc(1, sizeof *j);
    if (j == NULL || (j->path = strdup(path)) == NULL) {
        free(j);
        return snprintf(err, errlen, "out of memory"), -ENOMEM;
    }
    j->fsync = (flags & SALVO_JOURNAL_FSYNC) != 0;
    j->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (j->fd < 0 && errno == ENOENT) {
        j->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        j->created = j->fd >= 0;
        if (j->fd < 0 && errno == EEXIST) /* another run created it just now: the lock decides */
            j->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    }
    if (j->fd < 0)
        return open_fail(j, -errno, err, errlen, "cannot open it");
    int r = lock_journal(j, err, errlen);
    if (r < 0)
        return open_fail(j, r, err, errlen, NULL);
    struct stat st;
    if (fstat(j->fd, &st) < 0)
        return open_fail(j, -errno, err, errlen, "cannot stat it");
    if (st.st_size > 0 && !(flags & SALVO_JOURNAL_RESUME)) {
        snprintf(err, errlen, "it already holds a run: pass --resume to continue that run, or name a new file");
        return open_fail(j, -EEXIST, err, errlen, NULL);
    }
    if (st.st_size > 0 && (r = load_for_resume(j, ix, err, errlen)) < 0)
        return open_fail(j, r, err, errlen, NULL);
    *out = j;
    return 0;
}

int salvo_journal_begin(salvo_journal_t *j, const char *id_prefix) { return salvo_journal_begin_input(j, id_prefix, NULL); }

int salvo_journal_begin_input(salvo_journal_t *j, const char *id_prefix, const char *input)
{
    return salvo_journal_begin_dest(j, id_prefix, input, NULL);
}

int salvo_journal_begin_dest(salvo_journal_t *j, const char *id_prefix, const char *input, const salvo_jdest_t *dest)
{
    int r = write_header(j, id_prefix, input, dest);
    if (r == 0 && j->fsync)
        r = salvo_journal_sync(j);
    if (r == 0 && j->fsync && j->created)
        r = sync_dir_of(j->path);
    return r;
}

int salvo_journal_sent(salvo_journal_t *j, const salvo_order_t *o, unsigned attempt)
{
    salvo_jbuf_cstr(&j->line, "{\"sent\":");
    salvo_jbuf_str(&j->line, o->client_order_id, strlen(o->client_order_id));
    salvo_jbuf_printf(&j->line, ",\"line\":%llu,\"attempt\":%u%s}\n", (unsigned long long)o->line, attempt,
                      id_given(o) ? ",\"given\":true" : "");
    return write_line(j);
}

int salvo_journal_outcome(salvo_journal_t *j, const salvo_result_t *r)
{
    static const int state_of[SALVO_STATUS_COUNT] = {
        [SALVO_ACCEPTED] = SALVO_J_ACCEPTED, [SALVO_REJECTED] = SALVO_J_REJECTED,
        [SALVO_FAILED] = SALVO_J_FAILED,     [SALVO_UNKNOWN] = SALVO_J_UNKNOWN,
        /* the broker holds it: as good as accepted for a resume */
        [SALVO_DUPLICATE] = SALVO_J_ACCEPTED,
        /* its "sent" line went down, the request did not: safe to send again */
        [SALVO_NOT_SENT] = SALVO_J_FAILED};
    int state = r->status >= 0 && r->status < SALVO_STATUS_COUNT ? state_of[r->status] : 0;
    if (state == 0)
        return 0; /* never sent: nothing to remember */
    salvo_jbuf_cstr(&j->line, "{\"id\":");
    salvo_jbuf_str(&j->line, r->order->client_order_id, strlen(r->order->client_order_id));
    salvo_jbuf_printf(&j->line, ",\"status\":\"%s\",\"http\":%d%s%s}\n", jstate_names[state], r->http_status,
                      r->reconciled ? ",\"reconciled\":true" : "", id_given(r->order) ? ",\"given\":true" : "");
    return write_line(j);
}

/* The id of journal line jline, read back from the file (only when a
 * check fails, so the index need not keep every id's text). */
static void id_at_line(salvo_journal_t *j, uint64_t jline, char *id, size_t idlen)
{
    char *text = NULL;
    size_t len = 0;
    snprintf(id, idlen, "?");
    if (read_all(j->fd, &text, &len) < 0)
        return;
    const char *p = text, *end = text + len;
    for (uint64_t n = 1; n < jline && p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    cJSON *rec = nl ? cJSON_ParseWithLength(p, (size_t)(nl - p)) : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, "sent");
    v = v ? v : cJSON_GetObjectItemCaseSensitive(rec, "id");
    if (cJSON_IsString(v))
        snprintf(id, idlen, "%s", v->valuestring);
    cJSON_Delete(rec);
    free(text);
}

int salvo_journal_check_input(salvo_journal_t *j, const salvo_jindex_t *ix, const salvo_idmap_t *input_ids,
                              char *err, size_t errlen)
{
    uint64_t jline, input_line;
    if (!salvo_jindex_first_missing(ix, input_ids, &jline, &input_line))
        return 0;
    char id[136], from[48] = "";
    id_at_line(j, jline, id, sizeof id);
    if (input_line)
        snprintf(from, sizeof from, " (input line %llu)", (unsigned long long)input_line);
    snprintf(err, errlen,
             "line %llu records order %s%s, which this input does not hold%s%s%s: resume with the same input, "
             "or start a new journal; nothing was sent",
             (unsigned long long)jline, id, from, ix->input[0] ? " (the journal's run read " : "", ix->input,
             ix->input[0] ? ")" : "");
    return -EINVAL;
}

int salvo_journal_wants_sync(const salvo_journal_t *j) { return j->fsync && j->dirty; }

int salvo_journal_sync(salvo_journal_t *j)
{
    if (j->error || !j->fsync || !j->dirty)
        return j->error;
    if (fsync(j->fd) < 0)
        j->error = -errno;
    j->dirty = 0;
    return j->error;
}

int salvo_journal_close(salvo_journal_t *j)
{
    if (j == NULL)
        return 0;
    int r = salvo_journal_sync(j);
    if (close(j->fd) < 0 && r == 0)
        r = -errno;
    j->fd = -1;
    journal_free(j);
    return r;
}
