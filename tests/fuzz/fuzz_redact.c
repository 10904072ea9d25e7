/* A broker's answer blanked of the secrets a run holds (tool_redact.c, the
 * same mask as the trace's). Input: a byte of flags (a cut response), up
 * to three secret values (a length byte, then its bytes), then the answer.
 * Checked: no form of a value survives in the response or the error (for
 * values without '*': "***" itself could spell one), a text with nothing
 * to blank is not copied, and captured headers that were JSON stay JSON. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "fuzz.h"
#include "jsonscan.h"
#include "salvo/order.h"
#include "salvo/secret.h"
#include "tool_redact.h"

static int is_json(const char *s, size_t n)
{
    size_t pos = 0;
    return salvo_json_value(s, n, &pos, 0, NULL) == 0 && salvo_json_skip_ws(s, n, pos) == n;
}

static void check_absent(const salvo_secret_forms_t *f, const char *text, size_t len)
{
    for (size_t i = 0; i < f->n; i++)
        if (strchr(f->forms[i], '*') == NULL)
            FUZZ_CHECK(memmem(text, len, f->forms[i], strlen(f->forms[i])) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in_t in = {data, size};
    int cut = fuzz_byte(&in) & 1;
    salvo_secret_forms_t f = {0};
    for (int k = 0; k < 3 && in.n > 0; k++) {
        size_t n = fuzz_byte(&in) % 33;
        n = n < in.n ? n : in.n;
        char v[33];
        memcpy(v, in.p, n);
        in.p += n, in.n -= n;
        if (n > 0 && memchr(v, '\0', n) == NULL && salvo_secret_forms_add(&f, v, n) < 0)
            goto out;
    }
    size_t len = in.n < 4096 ? in.n : 4096;
    char text[4097];
    memcpy(text, in.p, len);
    text[len] = '\0';
    size_t clen = strlen(text); /* the C-string fields end at a NUL */
    salvo_secrets_t s = {NULL, 0, (const char *const *)f.forms, f.n};
    tool_redact_t rd;
    tool_redact_init(&rd, &s);
    salvo_order_t o = {.client_order_id = "p-1"};
    salvo_result_t r = {.order = &o, .response = text, .response_len = len, .response_truncated = cut,
                        .error = text, .headers = text, .order_id = text};
    tool_redact_result(&rd, &r);
    check_absent(&f, r.response, r.response_len);
    check_absent(&f, r.error, strlen(r.error));
    FUZZ_CHECK(strlen(r.error) <= 3 * clen + 64);
    if (is_json(text, clen))
        FUZZ_CHECK(is_json(r.headers, strlen(r.headers)));
    salvo_secrets_t none = {0};
    rd.secrets = &none;
    salvo_result_t c = {.order = &o, .error = "timeout"};
    const char *err = c.error;
    tool_redact_result(&rd, &c);
    FUZZ_CHECK(c.error == err);
    tool_redact_free(&rd);
out:
    salvo_secret_forms_free(&f);
    return 0;
}
