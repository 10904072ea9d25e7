/* The HTTP transport's parts (http.c: the pool, the multi handle and the
 * answers; http_easy.c: one transfer's options on an easy handle). Not
 * installed. */
#ifndef SALVO_HTTP_INT_H
#define SALVO_HTTP_INT_H

#include "curluv.h"
#include "parts.h"

typedef struct http http_t;

/* One easy handle: made on first need, reused for every order after. */
typedef struct slot {
    http_t *h;
    CURL *easy;
    salvo_job_t *job;    /* NULL when free */
    salvo_queue_t qlink; /* on free_slots while free */
    unsigned index;      /* for the wire trace */
    int easy_get;        /* the handle is set up for a lookup GET */
    int own_url;         /* the last order had a URL of its own */
    int parsed_url;      /* CURLOPT_CURLU is set (http.url), not a URL's text */
    unsigned sends;      /* times libcurl began sending this attempt (prereq callback) */
    int64_t sent_unix_us; /* when it first began: the order's moment on the wire */
    int needs_reset;     /* clear libcurl's lifetime retry counter before the next use (before 8.17) */
    char resp[SALVO_RESPONSE_MAX];
    size_t resp_len;
    int resp_over;
    char errbuf[CURL_ERROR_SIZE];
} slot_t;

struct http {
    uv_loop_t *loop;
    const salvo_config_t *cfg;
    const struct curl_slist *headers;
    CURLU *url; /* cfg->url parsed once, or NULL (then libcurl parses its text each time) */
    CURLM *multi;
    salvo_curluv_t glue; /* its sockets and timers on the loop */
    slot_t *slots;
    size_t nslots, busy;
    salvo_queue_t free_slots;
    int sticky_retries;      /* this libcurl never clears a handle's retry count */
    salvo_reply_cb on_reply;
    void *ud;
    void (*on_wire)(void *ud, unsigned slot, const char *id, int kind, const char *data, size_t len);
    void *wire_ud;
};

/* Every option is checked: one libcurl refuses is a setup error, not a
 * request that quietly goes out differently. */
#define SET(opt, val) (rc |= curl_easy_setopt(easy, opt, val) != CURLE_OK)

/* libcurl before 8.17 (7.88, and 8.14 too) counts its own resends per easy
 * handle, not per transfer, and never resets the count: a pooled handle
 * that has resent 5 times in its life fails its next refused HTTP/2 stream
 * with "Connection died, tried 5 times before giving up" after one try.
 * Only curl_easy_reset clears it (8.17 clears it per transfer). */
#define HTTP_CURL_CLEARS_RETRIES 0x081100

/* http_easy.c. A new handle with every option the pool keeps across
 * orders; the same after curl_easy_reset (a retry count to clear); 0 or
 * a negative errno. */
int salvo_http_slot_setup(http_t *h, slot_t *s);
int salvo_http_slot_reset(http_t *h, slot_t *s);
/* Point the handle at the order endpoint (the job's signed request, or
 * its own URL and body) or at the lookup URL. 0, or -EINVAL. */
int salvo_http_slot_aim(slot_t *s, const salvo_job_t *j);

#endif
