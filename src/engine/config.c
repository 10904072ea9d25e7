/* The configuration: its defaults, and the caller's copy taken by size
 * (salvo/engine.h: fields are only ever appended to salvo_config_t). */
#include "parts.h"
#include "parse.h"
#include "util.h"

/* The fields of the first salvo_config_t (0.2), through exec_lookup: a
 * caller's size is at least this. Later fields are appended after it. */
#define CONFIG_SIZE_0 (offsetof(salvo_config_t, exec_lookup) + sizeof(int))

/* The default idempotency header, by address: salvo_config_apply_profile
 * replaces it with the profile's (none unless it names one), and a caller
 * who set one, even this same name, keeps theirs. */
const char salvo__idempotency_default[] = "Idempotency-Key";

static void defaults(salvo_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->size = sizeof *c;
    c->method = "POST";
    c->timeout_ns = 30 * SALVO_NS_PER_SEC;
    c->connect_timeout_ns = 5 * SALVO_NS_PER_SEC;
    c->concurrency = 32;
    c->give_up_after = 5;
    c->burst = 1;
    c->retries = 2;
    c->backoff_ns = 100 * SALVO_NS_PER_MS;
    c->max_backoff_ns = 5 * SALVO_NS_PER_SEC;
    c->delim = ',';
    c->idempotency_header = salvo__idempotency_default;
    c->input_fd = 0;
}

void salvo_config_init_size(salvo_config_t *c, size_t size)
{
    salvo_config_t d;
    defaults(&d);
    /* A caller built against a newer header: its fields past ours are
     * zero, which salvo_config_take checks. */
    memset(c, 0, size);
    memcpy(c, &d, size < sizeof d ? size : sizeof d);
    c->size = size;
}

static int check_config(const salvo_config_t *c)
{
    if (c->body == NULL || c->concurrency == 0 || (!c->dry_run && !c->check_only && c->url == NULL && c->exec_argv == NULL))
        return -EINVAL;
    if (c->exec_argv && (c->workers == 0 || c->concurrency > c->workers))
        return -EINVAL;
    /* a cancel or lookup is an HTTP request of a profile's or --url's: a
     * worker's "accepted" would read as cancelled */
    if (c->op < SALVO_OP_SEND || c->op > SALVO_OP_STATUS || (c->op != SALVO_OP_SEND && c->exec_argv))
        return -EINVAL;
    /* a batch is a profile's request of placements over HTTP, with the
     * orders' method (the transport sends that one), to one URL (an order
     * URL naming columns routes each order: a batch would lose it) */
    if (c->batch > 1 && (c->profile == NULL || salvo_profile_batch_max(c->profile) < c->batch ||
                         c->batch_url == NULL || c->exec_argv || c->op != SALVO_OP_SEND || c->batch > 100000 ||
                         strcmp(salvo_profile_batch_method(c->profile), c->method ? c->method : "POST") != 0 ||
                         (c->url && strstr(c->url, "{{"))))
        return -EINVAL;
    return 0;
}

int salvo_config_take(salvo_config_t *own, const salvo_config_t *cfg)
{
    size_t size = cfg->size;
    if (size < CONFIG_SIZE_0)
        return -EINVAL; /* not from salvo_config_init */
    /* A field this library does not know, set: the caller asks for
     * something it cannot do. */
    for (size_t i = sizeof *own; i < size; i++)
        if (((const unsigned char *)cfg)[i] != 0)
            return -ENOTSUP;
    defaults(own);
    memcpy(own, cfg, size < sizeof *own ? size : sizeof *own);
    own->size = sizeof *own;
    return check_config(own);
}
