/* UTF-8, in one place (internal). */
#ifndef SALVO_UTF8_H
#define SALVO_UTF8_H

#include <stddef.h>
#include <stdint.h>

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

#endif
