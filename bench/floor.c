/* The floor for salvo's per-order CPU: a bare libcurl multi loop sending
 * N POSTs with C easy handles reused (CURLOPT_POSTFIELDS), nothing else:
 * no input parsing, no pacing, no results. make bench compares salvo's
 * CPU per order against this, side by side in one run. It sends the same
 * request headers as salvo (Content-Type, Accept, an empty Expect and an
 * Idempotency-Key), so both put the same bytes on the wire.
 *
 *   salvo-floor URL N C */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p, (void)ud;
    return s * n;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: salvo-floor URL N C\n");
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
