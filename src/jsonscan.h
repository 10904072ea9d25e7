/* A strict RFC 8259 scanner that keeps the source bytes (internal).
 *
 * Nothing here converts: a number stays the text the writer wrote (no
 * double in between), a string stays escaped until salvo_json_unescape is
 * asked for it. Nesting is limited to SALVO_JSON_MAX_DEPTH so a hostile
 * document cannot exhaust the stack. All functions work on a complete text
 * s[0..n) and never read past n. */
#ifndef SALVO_JSONSCAN_H
#define SALVO_JSONSCAN_H

#include <stddef.h>

#include "salvo/jbuf.h"

#define SALVO_JSON_MAX_DEPTH 64


/* Length of the RFC 8259 number at the start of s, or 0 when none. */
size_t salvo_json_number_len(const char *s, size_t n);

/* Position of the first non-whitespace byte at or after pos (n if none). */
size_t salvo_json_skip_ws(const char *s, size_t n, size_t pos);

/* Check the value starting at s[*pos] and move *pos past it. With out, its
 * minified text is appended: whitespace between tokens dropped, tokens
 * copied verbatim, except inside strings: a byte that is not valid UTF-8,
 * and a \u escape of half a surrogate pair, become \ufffd (many parsers
 * refuse either). 0, or -1 when it is not a value (out then holds a
 * partial copy). depth: the nesting of the enclosing container, 0 for a
 * top-level value. */
int salvo_json_value(const char *s, size_t n, size_t *pos, int depth, salvo_jbuf_t *out);

/* Append the minified form of a text that is exactly one JSON value (plus
 * whitespace). 0, or -1 with out unchanged. */
int salvo_json_minify(salvo_jbuf_t *out, const char *s, size_t n);

/* One member of an object, as source spans. */
typedef struct salvo_json_member {
    const char *key;   /* between the quotes, still escaped */
    size_t key_len;
    const char *value; /* the value's source text */
    size_t value_len;
} salvo_json_member_t;

/* Walk a top-level object: open checks the '{' at s[*pos] (after
 * whitespace); next gives 1 and a member, 0 after the closing '}', or -1
 * when the object is malformed. Values are checked, not copied. */
int salvo_json_object_open(const char *s, size_t n, size_t *pos);
int salvo_json_object_next(const char *s, size_t n, size_t *pos, salvo_json_member_t *m);

enum salvo_json_unescape_error {
    SALVO_JSON_LONE_SURROGATE = -1, /* \ud800 without its pair, or a stray \udc00 */
    SALVO_JSON_BAD_UTF8 = -2,       /* raw bytes that are not UTF-8 */
};

/* Append the decoded contents of a string that salvo_json_value accepted
 * (s: the bytes between its quotes): escapes resolved, \uXXXX and
 * surrogate pairs as UTF-8. The result is never longer than n. 0 or a
 * negative enum salvo_json_unescape_error. */
int salvo_json_unescape(salvo_jbuf_t *out, const char *s, size_t n);

/* The same for text that is only shown: raw bytes that are not UTF-8 and
 * a lone surrogate each become U+FFFD, so the result is always UTF-8 (at
 * most 3n bytes). */
void salvo_json_unescape_lossy(salvo_jbuf_t *out, const char *s, size_t n);

#endif
