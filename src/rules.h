/* A profile's rules for reading an answer: the first rule whose HTTP
 * statuses and body conditions all hold decides what the answer means
 * (docs/profiles.md, "Reading the answer"). Not installed. */
#ifndef SALVO_RULES_H
#define SALVO_RULES_H

#include <stddef.h>

#include "retry.h"

struct cJSON;
struct salvo_order;

enum salvo_verdict {
    SALVO_V_NONE = -1, /* no rule matched: the HTTP status decides */
    SALVO_V_ACCEPTED,
    SALVO_V_REJECTED,
    SALVO_V_DUPLICATE,
    SALVO_V_UNKNOWN,
    SALVO_V_RATE_LIMITED, /* the broker did not act; pause every send, then retry */
    SALVO_V_BANNED,       /* the broker refuses this client for a while: stop */
    /* a cancel's answer */
    SALVO_V_CANCELLED,
    SALVO_V_ALREADY_CLOSED,
    SALVO_V_NOT_FOUND,
    /* a lookup's answer: the order's state */
    SALVO_V_OPEN,
    SALVO_V_PARTIALLY_FILLED,
    SALVO_V_FILLED,
    SALVO_V_COUNT
};

/* A condition's test (salvo_cond_t.op), named as in a profile: eq, ne,
 * in, not_in, exists, nonempty, contains, gt, lt. */
enum {
    SALVO_COND_EQ,
    SALVO_COND_NE,
    SALVO_COND_IN,
    SALVO_COND_NOT_IN,
    SALVO_COND_EXISTS,
    SALVO_COND_NONEMPTY,
    SALVO_COND_CONTAINS,
    SALVO_COND_GT,
    SALVO_COND_LT,
    SALVO_COND_COUNT
};

typedef struct salvo_cond {
    char *pointer;
    int op;              /* SALVO_COND_* */
    struct cJSON *value; /* owned */
    int column;          /* eq/ne "{{side}}": the order's own value (SALVO_COL_*), or -1 */
} salvo_cond_t;

typedef struct salvo_rule {
    int *http;     /* codes; 1..5 stand for the classes 1xx..5xx */
    size_t nhttp;  /* 0: any status below 500 */
    salvo_cond_t *cond;
    size_t ncond;
    int verdict;
} salvo_rule_t;

typedef struct salvo_rules {
    salvo_rule_t *rule;
    size_t n;
    char *order_id;  /* pointer to the broker's order id, or NULL */
    char **error;    /* pointers whose values make the error text */
    size_t nerror;
    char *filled;    /* a lookup's: pointer to the quantity filled, or NULL */
    int indexed;     /* a batch's: pointers may name {{index}} and {{element}} (salvo_rules_at_t) */
} salvo_rules_t;

/* From a profile's "result" object (NULL: no rules), for a request of op
 * (enum salvo_op), whose statuses its rules may name. 0, or -EINVAL with
 * a message naming the rule; -ENOMEM. */
int salvo_rules_parse(salvo_rules_t *rs, const struct cJSON *result, int op, char *err, size_t errlen);
/* A batch request's "result": a send's rules, read once per order of the
 * batch, whose pointers (conditions, order_id, error) may name {{index}}
 * and {{element}}. */
int salvo_rules_parse_indexed(salvo_rules_t *rs, const struct cJSON *result, char *err, size_t errlen);
void salvo_rules_free(salvo_rules_t *rs);

/* The verdict for an answer to order o: body may be NULL (not JSON); o may
 * be NULL (then a condition on the order's own values never holds). */
int salvo_rules_match(const salvo_rules_t *rs, long http, const struct cJSON *body, const struct salvo_order *o);

/* Where a batch's order is in its answer: {{index}} in a pointer is its
 * place (0-based), {{element}} the pointer to its own element ("/data/3",
 * or where its client order id was found); NULL: none. */
typedef struct salvo_rules_at {
    long index;
    const char *element;
} salvo_rules_at_t;

/* The same for the order at `at` of a batch. */
int salvo_rules_match_at(const salvo_rules_t *rs, long http, const struct cJSON *body, const struct salvo_order *o,
                         const salvo_rules_at_t *at);

/* What pointer p finds in body, with o's values and at's (NULL: none)
 * put in for its {{order_id}}, {{client_order_id}}, {{index}} and
 * {{element}}; NULL when nothing. */
const struct cJSON *salvo_rules_find(const struct cJSON *body, const char *p, const struct salvo_order *o,
                                     const salvo_rules_at_t *at);

/* The broker's order id as text into out ("" when none). */
void salvo_rules_order_id(const salvo_rules_t *rs, const struct cJSON *body, char *out, size_t cap);
void salvo_rules_order_id_at(const salvo_rules_t *rs, const struct cJSON *body, const salvo_rules_at_t *at, char *out,
                             size_t cap);
/* The quantity filled (a lookup's "filled") as text into out ("" when
 * none); its pointer may name order o's {{order_id}} or {{client_order_id}}. */
void salvo_rules_filled(const salvo_rules_t *rs, const struct cJSON *body, const struct salvo_order *o, char *out,
                        size_t cap);
/* The broker's words ("insufficient balance (110007)") into out, "" when none. */
void salvo_rules_error(const salvo_rules_t *rs, const struct cJSON *body, char *out, size_t cap);
void salvo_rules_error_at(const salvo_rules_t *rs, const struct cJSON *body, const salvo_rules_at_t *at, char *out,
                          size_t cap);

const char *salvo_verdict_name(int v);

/* What a verdict means for the order; by_status is the reading by HTTP
 * status alone (kept when no rule matched). A "no" after an earlier copy
 * may have reached the broker is not believed: unknown, as without rules. */
salvo_outcome_t salvo_verdict_outcome(int verdict, int earlier_copy, salvo_outcome_t by_status);

/* A cancel's or lookup's outcome (op != SALVO_OP_SEND), from oc, the
 * outcome so far, and verdict, the rule that decided it (SALVO_V_NONE:
 * none, oc is the reading by HTTP status). Without a rule a cancel's 2xx
 * is cancelled, a 404 not_found, another refusal rejected; a lookup's 2xx
 * names no state the profile knows, so it stays unknown, as does any
 * other refusal. The request changes nothing twice, so whatever got no
 * answer may be tried again. */
salvo_outcome_t salvo_op_outcome(int op, int verdict, long http, salvo_outcome_t oc);

#endif
