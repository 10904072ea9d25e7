/* salvo's flags, one row each (after curl's tool_getparam.c aliases[]):
 * its names, how its value is read, within what bounds, where it goes and
 * what a bad one is told. tool_args.c walks argv with it. */
#ifndef SALVO_TOOL_FLAGS_H
#define SALVO_TOOL_FLAGS_H

#include <stddef.h>
#include <stdint.h>

#include "tool_args.h"

/* How a flag's value is read, and what it does to the flag's target. */
enum arg_kind {
    ARG_BOOL,     /* takes no value: the int target becomes 1 */
    ARG_STRING,   /* the value as given, into the const char * target */
    ARG_URL,      /* an http:// or https:// URL, into the const char * target */
    ARG_UINT,     /* a whole number in [min, max], into the unsigned target (4 or 8 bytes) */
    ARG_DURATION, /* "30s", "500ms", at least min ns, into the int64_t target */
    ARG_OWN,      /* its own parser: lists, choices, checks of its own, help */
};

typedef int (*arg_parser)(salvo_args_t *a, const char *v, const char *flag, const char *want);

typedef struct tool_flag {
    const char *name;  /* --name, taken whole only */
    char letter;       /* -L, or 0 */
    unsigned char kind;  /* enum arg_kind */
    unsigned char value; /* 1: takes a value */
    size_t field;      /* offsetof(salvo_args_t, target) */
    unsigned char size;  /* sizeof the target */
    size_t given;      /* 1 + offsetof(salvo_args_t, an int set once the flag is read); 0: none */
    uint64_t min, max; /* ARG_UINT's bounds; ARG_DURATION's least ns */
    const char *want;  /* what a bad value is told: "salvo: --FLAG 'VALUE': WANT" */
    arg_parser parse;  /* ARG_OWN: -1 to go on, or an exit code (said) */
} tool_flag_t;

/* Every flag of `salvo`, in the typo hint's order; tool_nflags rows. */
extern const tool_flag_t tool_flags[];
extern const size_t tool_nflags;

/* Read f's value v (NULL for a flag that takes none) into a: -1 to go on,
 * or an exit code, the message said naming the flag (0 after --help). */
int tool_flag_take(salvo_args_t *a, const tool_flag_t *f, const char *v);

#endif
