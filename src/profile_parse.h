/* Reading a profile's fields (not installed): the helpers every part of
 * the loader shares, and the parts profile.c calls. Calls go one way:
 * profile.c -> profile_request.c, profile_orders.c -> profile_parse.c. */
#ifndef SALVO_PROFILE_PARSE_H
#define SALVO_PROFILE_PARSE_H

#include "profile_int.h"

/* The profile being read, and where a message goes. */
typedef struct salvo_pctx {
    salvo_profile_t *p;
    char *err;
    size_t errlen;
} salvo_pctx_t;

/* fmt (one %s: what) into the message: -EINVAL. */
int salvo_pf_bad(salvo_pctx_t *c, const char *fmt, const char *what);
const struct cJSON *salvo_pf_item(const struct cJSON *o, const char *k);
/* An optional string field: 0 (absent: *out stays), or -EINVAL. */
int salvo_pf_str(salvo_pctx_t *c, const struct cJSON *o, const char *k, const char **out);
/* An optional true/false field: 0 (absent: *out stays), or -EINVAL naming
 * it as where (NULL: k). */
int salvo_pf_bool(salvo_pctx_t *c, const struct cJSON *o, const char *k, const char *where, int *out);
/* Every key of o is one of names (NULL-ended) or starts with '_'. */
int salvo_pf_check_keys(salvo_pctx_t *c, const struct cJSON *o, const char *where, const char *const *names);
int salvo_pf_compile(salvo_pctx_t *c, salvo_tmpl_t *t, const char *text, const char *where);
/* v's index in names (NULL-ended) into *out, or -EINVAL naming field. */
int salvo_pf_pick(salvo_pctx_t *c, const char *v, const char *field, const char *const *names, int *out);

/* profile_request.c: what goes on the wire. */
int salvo_pf_headers(salvo_pctx_t *c, const struct cJSON *headers, const struct cJSON *sandbox_headers);
int salvo_pf_sign(salvo_pctx_t *c, const struct cJSON *sign);

/* profile_op.c: the root of op's request (enum salvo_op, not a send):
 * the profile's with the "cancel" or "status" section's fields in place of
 * the order's, into *out (the caller's to cJSON_Delete). 0; -ENOENT when
 * the profile has no such section; -EINVAL; -ENOMEM. */
/* A section's request (cancel, status, batch) as a profile's root, into
 * *out (the caller's): root's copy less the keys in drop, with sec's
 * members (those named in take; NULL: all) in place of root's. 0 or
 * -ENOMEM. */
int salvo_pf_section_root(const struct cJSON *root, const char *const *drop, const struct cJSON *sec,
                          const char *const *take, struct cJSON **out);
/* v into m under key, in place of any there; m takes v (NULL: -ENOMEM). */
int salvo_pf_replace(struct cJSON *m, const char *key, struct cJSON *v);
int salvo_pf_op_root(salvo_pctx_t *c, const struct cJSON *root, int op, struct cJSON **out);
/* profile_batch.c: the batch's request as a profile's root (*out, the
 * caller's), and the rest of the section into b (after b->req is read). */
int salvo_pf_batch_root(salvo_pctx_t *c, const struct cJSON *root, struct cJSON **out);
int salvo_pf_batch_spec(salvo_pctx_t *c, const struct cJSON *sec, salvo_batch_t *b);

/* profile_orders.c: the orders a profile takes. */
int salvo_pf_client_id(salvo_pctx_t *c, const struct cJSON *client_id);
int salvo_pf_refuse(salvo_pctx_t *c, const struct cJSON *refuse);

#endif
