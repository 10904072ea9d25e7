/* Secrets and keys as users paste them: the input is tried as a base64
 * secret (Kraken's) and as a PEM private key (newlines maybe written as
 * backslash-n). Checked: any bytes survive a base64 and a base64url round
 * trip; text that decodes decodes again the same after re-encoding; a key
 * is either loaded and signs, or refused with a message and no key. */
#include <errno.h>
#include <string.h>

#include "crypto.h"
#include "fuzz.h"

#define MAXN 4096

static unsigned char bin[MAXN], back[MAXN];
static char text[MAXN / 3 * 4 + 8];

static void check_round_trip(const uint8_t *data, size_t size)
{
    for (int url = 0; url <= 1; url++) {
        int len = salvo_b64_encode(data, size, url, text, sizeof text);
        FUZZ_CHECK(len >= 0 && (size_t)len < sizeof text && text[len] == '\0');
        FUZZ_CHECK(strspn(text, url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                                    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == (size_t)len);
        if (url)
            continue;
        FUZZ_CHECK(len % 4 == 0);
        FUZZ_CHECK(salvo_b64_decode(text, (size_t)len, back, sizeof back) == (int)size);
        FUZZ_CHECK(memcmp(back, data, size) == 0);
    }
}

static void check_decode(const uint8_t *data, size_t size)
{
    int n = salvo_b64_decode((const char *)data, size, bin, sizeof bin);
    FUZZ_CHECK(n == -EINVAL || (n >= 0 && (size_t)n <= size * 3 / 4));
    if (n < 0)
        return;
    int len = salvo_b64_encode(bin, (size_t)n, 0, text, sizeof text);
    FUZZ_CHECK(len >= 0);
    FUZZ_CHECK(salvo_b64_decode(text, (size_t)len, back, sizeof back) == n);
    FUZZ_CHECK(memcmp(back, bin, (size_t)n) == 0);
}

static void check_pem(const uint8_t *data, size_t size)
{
    salvo_pkey_t *k = NULL;
    char err[200];
    memset(err, 'x', sizeof err);
    int rc = salvo_pkey_load_pem(&k, (const char *)data, size, err, sizeof err);
    FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
        FUZZ_CHECK(k == NULL && err[0] != '\0');
        return;
    }
    FUZZ_CHECK(k != NULL && err[0] == '\0');
    unsigned char sig[1024];
    size_t n = 0;
    FUZZ_CHECK(salvo_pkey_sig_max(k) <= sizeof sig);
    FUZZ_CHECK(salvo_pkey_sign(k, data, size, sig, sizeof sig, &n) == 0);
    FUZZ_CHECK(n > 0 && n <= salvo_pkey_sig_max(k));
    salvo_pkey_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAXN)
        return 0;
    check_round_trip(data, size);
    check_decode(data, size);
    check_pem(data, size);
    return 0;
}
