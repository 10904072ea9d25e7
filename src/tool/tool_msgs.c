/* What the salvo command says when it refuses: one voice for every part
 * of the tool (after curl's tool_msgs). */
#include "tool_msgs.h"

#include <stdarg.h>
#include <stdio.h>

#include "tool_args.h"

static int say(int code, const char *fmt, va_list ap)
{
    fputs("salvo: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(code == SALVO_EXIT_USAGE ? " (see salvo --help)\n" : "\n", stderr);
    return code;
}

int tool_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(code, fmt, ap);
    va_end(ap);
    return code;
}

int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(SALVO_EXIT_USAGE, fmt, ap);
    va_end(ap);
    return SALVO_EXIT_USAGE;
}

int out_of_memory(void)
{
    fputs("salvo: out of memory\n", stderr);
    return SALVO_EXIT_IO;
}

int bad(const char *flag, const char *val, const char *want)
{
    return usage_error("%s '%s': %s", flag, val, want);
}

size_t tool_put(char *buf, size_t cap, size_t n, const char *fmt, ...)
{
    if (n + 1 >= cap)
        return n;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
    if (k < 0)
        return n;
    return n + (size_t)k >= cap ? cap - 1 : n + (size_t)k;
}
