/* The floor for salvo's per-order CPU: a bare libcurl multi loop sending
 * N POSTs with C easy handles reused (CURLOPT_POSTFIELDS), nothing else:
 * no input parsing, no pacing, no results. make bench compares salvo's
 * CPU per order against this, side by side in one run. It sends the same
 * request headers as salvo (Content-Type, Accept, an empty Expect and an
 * Idempotency-Key), so both put the same bytes on the wire.
 *
 * With --burst it is the floor for a market open instead: it warms N
 * connections as salvo does, then adds N orders at once and lets
 * libcurl write them all; the broker's record of when each arrived gives
 * the burst's spread, against which make bench sets salvo's.
 *
 *   salvo-floor URL N C
 *   salvo-floor --burst URL N PREFIX [PAUSE_MS]   (PAUSE_MS: warm-up to burst, default 200) */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p, (void)ud;
    return s * n;
}

static CURL *floor_handle(const char *url, int tls_insecure)
{
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    /* salvo's settings that change the request path: the smallest send buffer, no checks */
    curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    /* salvo's default: libcurl 8 would otherwise take HTTP/2 by ALPN and multiplex */
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (tls_insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return h;
}

static void floor_set_order(CURL *h, struct curl_slist **hdr, char *body, size_t bodysz, const char *prefix,
                            long seq)
{
    char idem[96];
    int n = snprintf(body, bodysz,
                     "{\"symbol\":\"S%ld\",\"price\":\"100.5\",\"quantity\":1,\"side\":\"BUY\","
                     "\"type\":\"LIMIT\",\"client_order_id\":\"%s-%ld\"}", seq, prefix, seq);
    snprintf(idem, sizeof idem, "Idempotency-Key: %s-%ld", prefix, seq);
    curl_slist_free_all(*hdr);
    *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    *hdr = curl_slist_append(*hdr, "Accept: application/json");
    *hdr = curl_slist_append(*hdr, "Expect:");
    *hdr = curl_slist_append(*hdr, idem);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)n);
    curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body);
}

/* Adds the n handles at once and runs them to their answers; returns the failures. */
static long floor_run_all(CURLM *m, CURL **h, long n)
{
    long done = 0, failed = 0;
    for (long i = 0; i < n; i++)
        curl_multi_add_handle(m, h[i]);
    while (done < n) {
        int running, left;
        CURLMsg *msg;
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            long code = 0;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            failed += msg->data.result != CURLE_OK || code != 200;
            curl_multi_remove_handle(m, msg->easy_handle);
            done++;
        }
        if (done < n)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    return failed;
}

/* The origin's "/" (scheme://host:port/), which salvo's warm-up GETs by default. */
static void floor_origin_root(const char *url, char *out, size_t outsz)
{
    const char *host = strstr(url, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    size_t len = path ? (size_t)(path - url) : strlen(url);
    snprintf(out, outsz, "%.*s/", (int)len, url);
}

/* Warm n connections as salvo does (a GET of the origin's "/" each), wait a moment as
 * salvo waits for --at, then send n orders at once on them. */
static int floor_burst(const char *url, long n, const char *prefix, long pause_ms)
{
    char root[512], body[512];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, n);
    /* keep the warm connections when their handles leave the multi, as salvo does */
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, n);
    CURL **h = calloc((size_t)n, sizeof *h);
    struct curl_slist **hdr = calloc((size_t)n, sizeof *hdr);
    int tls = strncmp(url, "https:", 6) == 0;
    floor_origin_root(url, root, sizeof root);
    for (long i = 0; i < n; i++)
        h[i] = floor_handle(root, tls);
    floor_run_all(m, h, n); /* the answer to "/" is no matter: the connection is up */
    fprintf(stderr, "floor: %ld connections warm\n", n); /* make bench waits for this */
    struct timespec pause = {pause_ms / 1000, pause_ms % 1000 * 1000 * 1000};
    nanosleep(&pause, NULL);
    for (long i = 0; i < n; i++) {
        curl_easy_setopt(h[i], CURLOPT_URL, url);
        floor_set_order(h[i], &hdr[i], body, sizeof body, prefix, i);
    }
    long failed = floor_run_all(m, h, n);
    fprintf(stderr, "floor: burst of %ld, %ld failed\n", n, failed);
    return failed != 0;
}

int main(int argc, char **argv)
{
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "--burst") == 0)
        return floor_burst(argv[2], atol(argv[3]), argv[4], argc == 6 ? atol(argv[5]) : 200);
    if (argc != 4) {
        fprintf(stderr, "usage: salvo-floor URL N C | salvo-floor --burst URL N PREFIX [PAUSE_MS]\n");
        return 2;
    }
    long total = atol(argv[2]), conc = atol(argv[3]), sent = 0, done = 0, failed = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, conc);
    CURL **h = calloc((size_t)conc, sizeof *h);
    char (*body)[256] = calloc((size_t)conc, sizeof *body);
    char (*idem)[64] = calloc((size_t)conc, sizeof *idem);
    struct curl_slist **hdr = calloc((size_t)conc, sizeof *hdr);
    for (long i = 0; i < conc; i++) {
        h[i] = curl_easy_init();
        curl_easy_setopt(h[i], CURLOPT_URL, argv[1]);
        curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(h[i], CURLOPT_PRIVATE, (void *)(intptr_t)i);
        curl_easy_setopt(h[i], CURLOPT_TCP_NODELAY, 1L);
    }
    long *free_slots = malloc((size_t)conc * sizeof *free_slots), nfree = 0;
    for (long i = conc - 1; i >= 0; i--)
        free_slots[nfree++] = i;
    while (done < total) {
        while (sent < total && nfree > 0) {
            long i = free_slots[--nfree];
            int n = snprintf(body[i], sizeof body[i],
                             "{\"symbol\":\"S%ld\",\"price\":\"100.5\",\"quantity\":1,\"side\":\"BUY\","
                             "\"type\":\"LIMIT\",\"client_order_id\":\"floor-%ld\"}", sent, sent);
            snprintf(idem[i], sizeof idem[i], "Idempotency-Key: floor-%ld", sent);
            curl_slist_free_all(hdr[i]);
            hdr[i] = curl_slist_append(NULL, "Content-Type: application/json");
            hdr[i] = curl_slist_append(hdr[i], "Accept: application/json");
            hdr[i] = curl_slist_append(hdr[i], "Expect:");
            hdr[i] = curl_slist_append(hdr[i], idem[i]);
            curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdr[i]);
            curl_easy_setopt(h[i], CURLOPT_POSTFIELDSIZE, (long)n);
            curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, body[i]);
            curl_multi_add_handle(m, h[i]);
            sent++;
        }
        int running;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            long code = 0, i = 0;
            char *priv = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            i = (long)(intptr_t)priv;
            failed += msg->data.result != CURLE_OK || code != 200;
            curl_multi_remove_handle(m, msg->easy_handle);
            free_slots[nfree++] = i;
            done++;
        }
        if (done < total && nfree == 0)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    fprintf(stderr, "floor: %ld orders, %ld failed\n", done, failed);
    return failed != 0;
}
