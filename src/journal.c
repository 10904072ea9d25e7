/* The journal written: see salvo/journal.h (journal_index.c reads it back). */
#include "salvo/jindex.h"

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

#include "journal_int.h"
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
    salvo__jdest_fields(dest, endpoint, sizeof endpoint, profile, sizeof profile);
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
        [SALVO_NOT_SENT] = SALVO_J_FAILED,
        /* a cancel's or lookup's final answer: a resume does not ask again */
        [SALVO_CANCELLED] = SALVO_J_ACCEPTED, [SALVO_ALREADY_CLOSED] = SALVO_J_ACCEPTED,
        [SALVO_NOT_FOUND] = SALVO_J_ACCEPTED, [SALVO_OPEN] = SALVO_J_ACCEPTED,
        [SALVO_PARTIALLY_FILLED] = SALVO_J_ACCEPTED, [SALVO_FILLED] = SALVO_J_ACCEPTED};
    int state = r->status >= 0 && r->status < SALVO_STATUS_COUNT ? state_of[r->status] : 0;
    if (state == 0)
        return 0; /* never sent: nothing to remember */
    salvo_jbuf_cstr(&j->line, "{\"id\":");
    salvo_jbuf_str(&j->line, r->order->client_order_id, strlen(r->order->client_order_id));
    salvo_jbuf_printf(&j->line, ",\"status\":\"%s\",\"http\":%d%s%s}\n", salvo_jstate_name(state), r->http_status,
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
