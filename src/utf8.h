/* UTF-8, in one place (internal). */
#ifndef SALVO_UTF8_H
#define SALVO_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), or 0 when it
 * is not one: a stray continuation byte, a truncated sequence, an overlong
 * form, a surrogate or a code point above U+10FFFF. n must be at least 1. */
size_t salvo_utf8_seq_len(const char *s, size_t n);

/* Is s[0..n) entirely valid UTF-8? */
int salvo_utf8_is_valid(const char *s, size_t n);

/* Encode a code point (not a surrogate, at most U+10FFFF) into out; the
 * number of bytes written (1..4). */
size_t salvo_utf8_encode(uint32_t cp, char out[4]);

/* 1 for a byte that stands for itself inside a JSON string as salvo reads
 * and writes one (printable ASCII but '"' and '\\'): the scanners and the
 * string writer skip runs of them with one load a byte. */
extern const unsigned char salvo_json_plain[256];

/* How many bytes at the start of s[0..n) are plain (salvo_json_plain).
 * Eight at a time while none is special: most strings an order carries
 * (ids, symbols, a broker's answer) are plain all through, and a byte at
 * a time was most of the cost of writing them. A word with a special byte
 * stops the fast loop (the lowest flagged byte is always a real one: a
 * borrow only runs upwards), and the table finds it exactly. */
static inline size_t salvo_json_plain_run(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t x, q, b;
        memcpy(&x, s + i, 8);
        q = x ^ (ones * '"');
        b = x ^ (ones * '\\');
        /* bytes below 0x20, equal to '"' or '\\', or at or above 0x80 */
        if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & high)
            break;
    }
    while (i < n && salvo_json_plain[s[i]])
        i++;
    return i;
}

#endif
