/* The salvo command's messages (stderr): each returns the exit code. */
#ifndef SALVO_TOOL_MSGS_H
#define SALVO_TOOL_MSGS_H

#include <stddef.h>

/* "salvo: <what>", and " (see salvo --help)" when code is SALVO_EXIT_USAGE: code. */
int tool_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "salvo: <what> (see salvo --help)": SALVO_EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "salvo: FLAG 'VALUE': WANT": SALVO_EXIT_USAGE. */
int bad(const char *flag, const char *val, const char *want);
/* "salvo: out of memory": SALVO_EXIT_IO. */
int out_of_memory(void);

/* Append to buf (cap bytes, n used), never past its end: the new n, which
 * stays within the buffer. For lines built piece by piece (summary, progress). */
size_t tool_put(char *buf, size_t cap, size_t n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
