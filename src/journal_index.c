/* The journal read back (internal to libsalvo beside journal.c): what each
 * order's last record says, and where the orders went. Pure: text in,
 * an index out; journal.c writes. See salvo/journal.h. */
#include "salvo/jindex.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "journal_int.h"

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
void salvo__jdest_fields(const salvo_jdest_t *d, char *endpoint, size_t ecap, char *profile, size_t pcap)
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
    salvo__jdest_fields(dest, endpoint, sizeof endpoint, profile, sizeof profile);
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

void salvo_jindex_clear(salvo_jindex_t *ix) { salvo_idmap_free(&ix->states); }

int salvo_jindex_new(salvo_jindex_t **out)
{
    *out = calloc(1, sizeof(salvo_jindex_t));
    return *out ? 0 : -ENOMEM;
}

void salvo_jindex_free(salvo_jindex_t *ix)
{
    if (ix) {
        salvo_jindex_clear(ix);
        free(ix);
    }
}

const char *salvo_jindex_id_prefix(const salvo_jindex_t *ix) { return ix->id_prefix; }
uint64_t salvo_jindex_records(const salvo_jindex_t *ix) { return ix->records; }
int salvo_jindex_torn(const salvo_jindex_t *ix) { return ix->torn_tail; }
