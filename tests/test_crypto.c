/* src/crypto.c against published vectors. Each vector names where it was
 * published; signatures salvo makes are also checked with libcrypto
 * directly (EVP_DigestVerify), not through salvo's code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto.h"

/* ---- helpers ---- */

static void assert_hex(const unsigned char *got, size_t n, const char *want)
{
    char hex[2 * 1024 + 1];
    assert_true(n <= 1024);
    salvo_hex_encode(got, n, hex);
    assert_string_equal(hex, want);
}

static void assert_b64(const unsigned char *got, size_t n, int url, const char *want)
{
    char b64[1024];
    int len = salvo_b64_encode(got, n, url, b64, sizeof b64);
    assert_true(len >= 0);
    assert_string_equal(b64, want);
}

static salvo_pkey_t *load(const char *pem, int kind)
{
    salvo_pkey_t *k = NULL;
    char err[256];
    int rc = salvo_pkey_load_pem(&k, pem, strlen(pem), err, sizeof err);
    if (rc != 0)
        fail_msg("load: %d %s", rc, err);
    assert_int_equal(salvo_pkey_kind(k), kind);
    return k;
}

/* The same key re-written by libcrypto as PKCS#8 ("BEGIN PRIVATE KEY"). */
static char *to_pkcs8(const char *pem)
{
    BIO *in = BIO_new_mem_buf(pem, -1), *out = BIO_new(BIO_s_mem());
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    assert_non_null(pk);
    assert_int_equal(PEM_write_bio_PKCS8PrivateKey(out, pk, NULL, NULL, 0, NULL, NULL), 1);
    char *p;
    long n = BIO_get_mem_data(out, &p);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    EVP_PKEY_free(pk);
    BIO_free(in);
    BIO_free(out);
    return s;
}

/* Verify with libcrypto alone: md NULL for Ed25519; an ES256 r||s is
 * turned into DER first. */
static int verify(const char *pem, const EVP_MD *md, int es256, const void *msg, size_t mlen,
                  const unsigned char *sig, size_t siglen)
{
    BIO *in = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    assert_non_null(pk);
    unsigned char der[80];
    if (es256) {
        assert_int_equal(siglen, 64);
        ECDSA_SIG *es = ECDSA_SIG_new();
        assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)), 1);
        unsigned char *p = der;
        int n = i2d_ECDSA_SIG(es, &p);
        assert_true(n > 0 && n <= (int)sizeof der);
        ECDSA_SIG_free(es);
        sig = der;
        siglen = (size_t)n;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk), 1);
    int ok = EVP_DigestVerify(ctx, sig, siglen, msg, mlen);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    BIO_free(in);
    return ok;
}

/* ---- HMAC and digests ---- */

/* RFC 4231 section 4 (as transcribed in CPython's Lib/test/test_hmac.py):
 * test cases 1, 2, 6 (key longer than the block) and 7. */
static void test_hmac_rfc4231(void **state)
{
    (void)state;
    unsigned char key1[20], key6[131], out[SALVO_MAC_MAX];
    memset(key1, 0x0b, sizeof key1);
    memset(key6, 0xaa, sizeof key6);
    static const char msg6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char msg7[] = "This is a test using a larger than block-size key and a larger than block-size data. "
                               "The key needs to be hashed before being used by the HMAC algorithm.";
    struct {
        const void *key;
        size_t klen;
        const char *msg;
        const char *want[3]; /* SHA-256, SHA-384, SHA-512 */
    } v[] = {
        {key1, sizeof key1, "Hi There",
         {"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
          "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
          "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"}},
        {"Jefe", 4, "what do ya want for nothing?",
         {"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
          "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
          "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"}},
        {key6, sizeof key6, msg6,
         {"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
          "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
          "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"}},
        {key6, sizeof key6, msg7,
         {"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
          "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
          "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"}},
    };
    const int algs[3] = {SALVO_SHA256, SALVO_SHA384, SALVO_SHA512};
    const size_t lens[3] = {32, 48, 64};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        for (int a = 0; a < 3; a++) {
            size_t n = 0;
            assert_int_equal(salvo_hmac(algs[a], v[i].key, v[i].klen, v[i].msg, strlen(v[i].msg), out, &n), 0);
            assert_int_equal(n, lens[a]);
            assert_hex(out, n, v[i].want[a]);
        }
}

static void test_hmac_edges(void **state)
{
    (void)state;
    unsigned char out[SALVO_MAC_MAX];
    size_t n = 0;
    /* Empty key, empty message: the example on Wikipedia's "HMAC" page. */
    assert_int_equal(salvo_hmac(SALVO_SHA256, NULL, 0, NULL, 0, out, &n), 0);
    assert_hex(out, n, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    assert_int_equal(salvo_hmac(7, "k", 1, "m", 1, out, &n), -EINVAL);
    assert_int_equal(salvo_digest(-1, "m", 1, out, &n), -EINVAL);
}

/* FIPS 180-2 appendix examples: "abc". */
static void test_digest_abc(void **state)
{
    (void)state;
    unsigned char out[SALVO_MAC_MAX];
    size_t n = 0;
    assert_int_equal(salvo_digest(SALVO_SHA256, "abc", 3, out, &n), 0);
    assert_hex(out, n, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(salvo_digest(SALVO_SHA384, "abc", 3, out, &n), 0);
    assert_hex(out, n, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    assert_int_equal(salvo_digest(SALVO_SHA512, "abc", 3, out, &n), 0);
    assert_hex(out, n, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

/* binance/binance-spot-api-docs rest-api.md, "SIGNED Endpoint Examples for
 * POST /api/v3/order", HMAC Keys: both the ASCII and the percent-encoded
 * example. */
static void test_binance_hmac(void **state)
{
    (void)state;
    static const char secret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    static const char p1[] = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    static const char p2[] = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC"
                             "&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    unsigned char out[SALVO_MAC_MAX];
    size_t n = 0;
    assert_int_equal(salvo_hmac(SALVO_SHA256, secret, strlen(secret), p1, strlen(p1), out, &n), 0);
    assert_hex(out, n, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_int_equal(salvo_hmac(SALVO_SHA256, secret, strlen(secret), p2, strlen(p2), out, &n), 0);
    assert_hex(out, n, "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

/* Kraken's Spot REST authentication guide (docs.kraken.com, API-Sign
 * example): HMAC-SHA512(b64decode(secret), path || SHA256(nonce || postdata)),
 * base64. The vector is reproduced by many independent clients' tests. */
static void test_kraken_api_sign(void **state)
{
    (void)state;
    static const char secret[] = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
    static const char nonce[] = "1616492376594";
    static const char post[] = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
    static const char path[] = "/0/private/AddOrder";
    unsigned char key[64], inner[256], mac[SALVO_MAC_MAX];
    int klen = salvo_b64_decode(secret, strlen(secret), key, sizeof key);
    assert_int_equal(klen, 64);

    char np[256];
    snprintf(np, sizeof np, "%s%s", nonce, post);
    size_t plen = strlen(path), dlen = 0, mlen = 0;
    memcpy(inner, path, plen);
    assert_int_equal(salvo_digest(SALVO_SHA256, np, strlen(np), inner + plen, &dlen), 0);
    assert_int_equal(dlen, 32);
    assert_int_equal(salvo_hmac(SALVO_SHA512, key, (size_t)klen, inner, plen + dlen, mac, &mlen), 0);
    assert_b64(mac, mlen, 0, "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==");
    salvo_crypto_wipe(key, sizeof key);
    for (size_t i = 0; i < sizeof key; i++)
        assert_int_equal(key[i], 0);
}

/* ---- encodings ---- */

/* RFC 4648 section 10. */
static void test_base64_rfc4648(void **state)
{
    (void)state;
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    static const char *url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        const unsigned char *p = (const unsigned char *)in[i];
        size_t n = strlen(in[i]);
        char out[16];
        assert_int_equal(salvo_b64_encode(p, n, 0, out, sizeof out), (int)strlen(std[i]));
        assert_string_equal(out, std[i]);
        assert_int_equal(salvo_b64_encode(p, n, 1, out, sizeof out), (int)strlen(url[i]));
        assert_string_equal(out, url[i]);
        /* Exactly enough room, then one byte less. */
        assert_int_equal(salvo_b64_encode(p, n, 0, out, strlen(std[i]) + 1), (int)strlen(std[i]));
        assert_int_equal(salvo_b64_encode(p, n, 0, out, strlen(std[i])), -ENOSPC);
        assert_int_equal(salvo_b64_encode(p, n, 1, out, strlen(url[i])), -ENOSPC);

        unsigned char dec[16];
        assert_int_equal(salvo_b64_decode(std[i], strlen(std[i]), dec, sizeof dec), (int)n);
        assert_memory_equal(dec, in[i], n);
        /* Padding may be missing. */
        assert_int_equal(salvo_b64_decode(url[i], strlen(url[i]), dec, sizeof dec), (int)n);
        assert_memory_equal(dec, in[i], n);
        if (n > 0)
            assert_int_equal(salvo_b64_decode(std[i], strlen(std[i]), dec, n - 1), -ENOSPC);
    }
}

static void test_base64_alphabets_and_bad_input(void **state)
{
    (void)state;
    const unsigned char b[] = {0xfb, 0xff, 0xbf};
    assert_b64(b, 3, 0, "+/+/");
    assert_b64(b, 3, 1, "-_-_");
    assert_b64(b, 2, 0, "+/8=");
    assert_b64(b, 2, 1, "-_8");

    unsigned char out[16];
    static const char *bad[] = {"Z", "Zg=", "Zg===", "Zm9v!", "Zg==Zg==", "-_8", "Zm 9v", "Zm9v\n", "=", "Zm9vY"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (salvo_b64_decode(bad[i], strlen(bad[i]), out, sizeof out) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(salvo_b64_decode("", 0, NULL, 0), 0);
}

static void test_base64_hex_round_trips(void **state)
{
    (void)state;
    unsigned char in[200], back[200];
    char text[300];
    assert_int_equal(salvo_random_bytes(in, sizeof in), 0);
    for (size_t n = 0; n <= sizeof in; n++) {
        int len = salvo_b64_encode(in, n, 0, text, sizeof text);
        assert_int_equal(len, (int)((n + 2) / 3 * 4));
        assert_int_equal(salvo_b64_decode(text, (size_t)len, back, sizeof back), (int)n);
        assert_memory_equal(back, in, n);
        len = salvo_b64_encode(in, n, 1, text, sizeof text);
        assert_null(strchr(text, '='));
        assert_null(strchr(text, '+'));
        assert_null(strchr(text, '/'));
    }
    char hex[8];
    assert_int_equal(salvo_hex_encode((const unsigned char *)"\x00\xff\x10", 3, hex), 6);
    assert_string_equal(hex, "00ff10");
    assert_int_equal(salvo_hex_encode(NULL, 0, hex), 0);
    assert_string_equal(hex, "");
}

static void test_random(void **state)
{
    (void)state;
    unsigned char a[32] = {0}, b[32] = {0};
    assert_int_equal(salvo_random_bytes(a, sizeof a), 0);
    assert_int_equal(salvo_random_bytes(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(salvo_random_bytes(a, 0), 0);
}

/* ---- keys and signatures ---- */

/* RFC 8032 section 7.1 TEST 1 and TEST 2: the secret keys (32-byte seeds)
 * wrapped as PKCS#8 by `openssl pkey -inform DER` from
 * 302e020100300506032b657004220420 || seed. */
static const char ed_test1[] = "-----BEGIN PRIVATE KEY-----\n"
                               "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                               "-----END PRIVATE KEY-----\n";
static const char ed_test2[] = "-----BEGIN PRIVATE KEY-----\n"
                               "MC4CAQAwBQYDK2VwBCIEIEzNCJso/5banbbDRuwRTg9bijGfNaumJNqM9u1PuKb7\n"
                               "-----END PRIVATE KEY-----\n";

static void test_ed25519_rfc8032(void **state)
{
    (void)state;
    unsigned char sig[64];
    size_t n = 0;
    salvo_pkey_t *k = load(ed_test1, SALVO_PKEY_ED25519);
    assert_int_equal(salvo_pkey_sig_max(k), 64);
    assert_int_equal(salvo_pkey_sign(k, "", 0, sig, sizeof sig, &n), 0);
    assert_hex(sig, n, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assert_int_equal(salvo_pkey_sign(k, NULL, 0, sig, sizeof sig, &n), 0);
    assert_hex(sig, n, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assert_int_equal(salvo_pkey_sign(k, "", 0, sig, 63, &n), -ENOSPC);
    salvo_pkey_free(k);

    k = load(ed_test2, SALVO_PKEY_ED25519);
    assert_int_equal(salvo_pkey_sign(k, "\x72", 1, sig, sizeof sig, &n), 0);
    assert_hex(sig, n, "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    salvo_pkey_free(k);
}

/* binance/binance-spot-api-docs fix-api.md, "Signature computation for
 * Logon": an example Ed25519 key and the signature of
 * A SOH EXAMPLE SOH SPOT SOH 1 SOH 20240627-11:17:25.223, base64. */
static void test_ed25519_binance_fix(void **state)
{
    (void)state;
    static const char pem[] = "-----BEGIN PRIVATE KEY-----\n"
                              "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
                              "-----END PRIVATE KEY-----\n";
    static const char payload[] = "A\x01" "EXAMPLE\x01" "SPOT\x01" "1\x01" "20240627-11:17:25.223";
    unsigned char sig[64];
    size_t n = 0;
    salvo_pkey_t *k = load(pem, SALVO_PKEY_ED25519);
    assert_int_equal(salvo_pkey_sign(k, payload, strlen(payload), sig, sizeof sig, &n), 0);
    assert_b64(sig, n, 0, "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==");
    salvo_pkey_free(k);
}

/* RFC 7515 appendix A.2 (RS256): the RSA key of A.2.1, here as a
 * traditional "RSA PRIVATE KEY" built from its JWK members (n, e, d, p, q;
 * dp, dq, qi computed), and the published signature of the A.1 signing
 * input. RSASSA-PKCS1-v1_5 is deterministic. */
static const char rsa_a2[] = "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd/wWJcyQoTbji9k0\n"
    "l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL+yRT+SFd2lZS+pC\n"
    "gNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb/7OMg0LOL+bSf63kpaSHSX\n"
    "ndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uD\n"
    "Zlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxXFvUK+DWNmoudF8NAco9/h9iaGNj8\n"
    "q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQIDAQABAoIBABKucaRpzQorw35S\n"
    "bEUAVx8dYXUdZOlJcHtiWQ+dC6V8ljxAHj/PLyzTveyI5QO/xkObCyjIL303l2cf\n"
    "UhPu2MFaJdjVzqACXuOrLot/eSFvxjvqVidTtAZExqFRJ9mylUVAoLvhowVWmC1O\n"
    "n95fZCXxTUtxNEG1Xcc7m0rtzJKs45J+N/V9DP1edYH6USyPSWGp6wuA+KgHRnKK\n"
    "Vf9GRx80JQY7nVNkL17eHoTWEwga+lwi0FEoW9Y7lDtWXYmKBWhUE+U8PGxlJf8f\n"
    "40493HDw1WRQ/aSLoS4QTp3rn7gYgeHEvfJdkkf0UMhlknlo53M09EFPdadQ4TlU\n"
    "bjqKc50CgYEA4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH/5IB3jw3bcxGn6QLvnE\n"
    "tfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw/Py5PJdTJNPY8cQn7ouZ2KKDcmnPG\n"
    "BY5t7yLc1QlQ5xHdwW1VhvKn+nXqhJTBgIPgtldC+KDV5z+y2XDwGUcCgYEAuQPE\n"
    "fgmVtjL0Uyyx88GZFF1fOunH3+7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYs\n"
    "p1ZSe7zFYHj7C6ul7TjeLQeZD/YwD66t62wDmpe/HlB+TnBA+njbglfIsRLtXlnD\n"
    "zQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdcCgYAHAp9XcCSrn8wVkMVkKdb7\n"
    "DOX4IKjzdahm+ctDAJN4O/y7OW5FKebvUjdAIt2GuoTZ71iTG+7F0F+lP88jtjP4\n"
    "U4qe7VHoewl4MKOfXZKTe+YCS1XbNvfgwJ3Ltyl1OH9hWvu2yza7q+d5PCsDzqtm\n"
    "27kxuvULVeya+TEdAB1ijQKBgQCH/3r6YrVH/uCWGy6bzV1nGNOdjKc9tmkfOJmN\n"
    "54dxdixdpozCQ6U4OxZrsj3FcOhHBsqAHvX2uuYjagqvo3cOj1TRqNocX40omfCC\n"
    "Mx3bD1yPPf/6TI2XECva/ggqEY2mYzmIiA5LVVmc5nrybr+lssFKneeyxN2Wq93S\n"
    "0iJMdQKBgCGHewxzoa1r8ZMD0LETNrToK423K377UCYqXfg5XMclbrjPbEC3YI1Z\n"
    "NqMtuhdBJqUnBi6tjKMF+34Xf0CUN8ncuXGO2CAYvO8PdyCixHX52ybaDjy1FtCE\n"
    "6yUXjoKNXKvUm7MWGsAYH6f4IegOetN5NvmUMFStCSkh7ixZLkN1\n"
    "-----END RSA PRIVATE KEY-----\n";
/* The JWS Signing Input of RFC 7515 A.1 (and A.2, A.3). */
static const char jws_input[] = "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

static void test_rs256_rfc7515(void **state)
{
    (void)state;
    static const char want[] = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
        "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383"
        "LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0ig"
        "cN_IoypGlUPQGe77Rw";
    unsigned char sig[512];
    size_t n = 0;
    char *p8 = to_pkcs8(rsa_a2);
    const char *pems[2] = {rsa_a2, p8};
    for (int i = 0; i < 2; i++) {
        salvo_pkey_t *k = load(pems[i], SALVO_PKEY_RSA);
        assert_int_equal(salvo_pkey_sig_max(k), 256);
        assert_int_equal(salvo_pkey_sign(k, jws_input, strlen(jws_input), sig, 255, &n), -ENOSPC);
        assert_int_equal(salvo_pkey_sign(k, jws_input, strlen(jws_input), sig, sizeof sig, &n), 0);
        assert_int_equal(n, 256);
        assert_b64(sig, n, 1, want);
        assert_int_equal(verify(rsa_a2, EVP_sha256(), 0, jws_input, strlen(jws_input), sig, n), 1);
        salvo_pkey_free(k);
    }
    free(p8);
}

/* RFC 7515 appendix A.3 (ES256): the P-256 key of A.3.1 (d, x, y) as a
 * traditional "EC PRIVATE KEY", and its published signature (r||s). */
static const char ec_a3[] = "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEII6bEJ5xkJi/mASH3x9dd+nLKWBuvtImO19XwhPfhPSyoAoGCCqGSM49\n"
    "AwEHoUQDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72b\n"
    "focs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
    "-----END EC PRIVATE KEY-----\n";

static void test_es256_rfc7515(void **state)
{
    (void)state;
    static const char es_input[] = "eyJhbGciOiJFUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    static const char published[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    /* The published signature, in the r||s form salvo makes, verifies
     * under the key: salvo's layout is JOSE's. (The text is base64url:
     * the standard decoder takes it once '-' and '_' are swapped back.) */
    char std[128];
    size_t len = strlen(published);
    for (size_t i = 0; i <= len; i++)
        std[i] = published[i] == '-' ? '+' : published[i] == '_' ? '/' : published[i];
    unsigned char rs[64];
    assert_int_equal(salvo_b64_decode(std, len, rs, sizeof rs), 64);
    assert_int_equal(verify(ec_a3, EVP_sha256(), 1, es_input, strlen(es_input), rs, 64), 1);
    rs[10] ^= 1;
    assert_int_equal(verify(ec_a3, EVP_sha256(), 1, es_input, strlen(es_input), rs, 64), 0);

    /* ECDSA is randomised: salvo's own signatures are checked by verifying
     * them. A short r or s (a left-padded half) comes 1 in 128 signatures:
     * 1500 make one all but certain (missed 1 run in 100,000). */
    char *p8 = to_pkcs8(ec_a3);
    const char *pems[2] = {ec_a3, p8};
    for (int i = 0; i < 2; i++) {
        salvo_pkey_t *k = load(pems[i], SALVO_PKEY_EC_P256);
        assert_int_equal(salvo_pkey_sig_max(k), 64);
        unsigned char sig[64];
        size_t n = 0;
        assert_int_equal(salvo_pkey_sign(k, es_input, strlen(es_input), sig, 63, &n), -ENOSPC);
        for (int j = 0; j < (i == 0 ? 1500 : 5); j++) {
            n = 0;
            assert_int_equal(salvo_pkey_sign(k, es_input, strlen(es_input), sig, sizeof sig, &n), 0);
            assert_int_equal(n, 64);
            assert_int_equal(verify(ec_a3, EVP_sha256(), 1, es_input, strlen(es_input), sig, n), 1);
        }
        salvo_pkey_free(k);
    }
    free(p8);
}

/* Coinbase hands keys out with newlines as the two characters \n. */
static void test_pem_escaped_newlines(void **state)
{
    (void)state;
    const char *pems[2] = {ed_test1, ec_a3};
    for (int i = 0; i < 2; i++) {
        char esc[1024];
        size_t o = 0;
        for (const char *p = pems[i]; *p; p++) {
            if (*p == '\n') {
                esc[o++] = '\\';
                esc[o++] = 'n';
            } else {
                esc[o++] = *p;
            }
        }
        esc[o] = '\0';
        assert_null(strchr(esc, '\n'));
        salvo_pkey_t *k = load(esc, i == 0 ? SALVO_PKEY_ED25519 : SALVO_PKEY_EC_P256);
        unsigned char sig[64];
        size_t n = 0;
        assert_int_equal(salvo_pkey_sign(k, "", 0, sig, sizeof sig, &n), 0);
        if (i == 0)
            assert_hex(sig, n, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        else
            assert_int_equal(verify(ec_a3, EVP_sha256(), 1, "", 0, sig, n), 1);
        salvo_pkey_free(k);
    }
}

static void expect_refusal(const char *pem, size_t len, const char *want_in_err, const char *secret_part)
{
    salvo_pkey_t *k = (salvo_pkey_t *)&k; /* set to NULL on failure */
    char err[256] = "";
    assert_int_equal(salvo_pkey_load_pem(&k, pem, len, err, sizeof err), -EINVAL);
    assert_null(k);
    if (!strstr(err, want_in_err))
        fail_msg("error \"%s\" does not say \"%s\"", err, want_in_err);
    if (secret_part && strstr(err, secret_part))
        fail_msg("error \"%s\" shows key material", err);
}

static void test_pem_refused(void **state)
{
    (void)state;
    /* A throwaway P-384 key (openssl genpkey): the curve is named. */
    static const char p384[] = "-----BEGIN PRIVATE KEY-----\n"
        "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBJ9z55yj3uAe2LiN/5\n"
        "5+7SboEigxFYiOy/dNzAQKURn6TQhhI6OzzPGk2IRVgFk3ehZANiAARVpkp38+N4\n"
        "dPKGX1QsbEy+MPxraqoePcPShSM2y75eUC702xD0Gg6dIxhUWqAmbIjxER35O8dW\n"
        "SNLz1LZmtxcYgZrYF13CpHom33uN91UPtGObfU6v+a0uHiRghksmgXs=\n"
        "-----END PRIVATE KEY-----\n";
    expect_refusal(p384, strlen(p384), "secp384r1", "MIG2AgEAMBAGByqGSM49");

    /* A damaged key: its base64 must not reach the message. */
    char bad[sizeof ed_test1];
    memcpy(bad, ed_test1, sizeof bad);
    bad[40] = '!';
    expect_refusal(bad, strlen(bad), "not a PEM private key", "MC4CAQAw");
    expect_refusal(ed_test1, 40, "not a PEM private key", "MC4CAQAw"); /* cut short */
    expect_refusal("hello", 5, "not a PEM private key", NULL);
    expect_refusal("", 0, "no PEM private key", NULL);

    /* Found by fuzz_crypto: one character changed inside p (the last byte
     * of RFC 7515's RSA prime). The PEM still parses, but no signature can
     * be made with it: refused when loaded, not at every order's send. */
    char rsa_bad[sizeof rsa_a2];
    memcpy(rsa_bad, rsa_a2, sizeof rsa_bad);
    char *at = strstr(rsa_bad, "y2XDwGUcCgYEA");
    assert_non_null(at);
    at[7] = 'g';
    expect_refusal(rsa_bad, strlen(rsa_bad), "cannot sign", "MIIEowIBAAKCAQEA");

    /* Encrypted: refused without asking for a passphrase. */
    BIO *in = BIO_new_mem_buf(ed_test1, -1), *out = BIO_new(BIO_s_mem());
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    assert_int_equal(PEM_write_bio_PKCS8PrivateKey(out, pk, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"pass"), 1);
    char *enc;
    long n = BIO_get_mem_data(out, &enc);
    expect_refusal(enc, (size_t)n, "encrypted", NULL);
    EVP_PKEY_free(pk);
    BIO_free(in);
    BIO_free(out);

    /* A public key is not a private key. */
    static const char pub[] = "-----BEGIN PUBLIC KEY-----\n"
                              "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
                              "-----END PUBLIC KEY-----\n";
    expect_refusal(pub, strlen(pub), "not a PEM private key", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hmac_edges),
        cmocka_unit_test(test_digest_abc),
        cmocka_unit_test(test_binance_hmac),
        cmocka_unit_test(test_kraken_api_sign),
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_base64_alphabets_and_bad_input),
        cmocka_unit_test(test_base64_hex_round_trips),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_ed25519_rfc8032),
        cmocka_unit_test(test_ed25519_binance_fix),
        cmocka_unit_test(test_rs256_rfc7515),
        cmocka_unit_test(test_es256_rfc7515),
        cmocka_unit_test(test_pem_escaped_newlines),
        cmocka_unit_test(test_pem_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
