/* What the unit tests share (include after <cmocka.h>). */
#ifndef SALVO_TESTUTIL_H
#define SALVO_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A path of this test process's own in $TMPDIR (or /tmp), removed first. */
static inline char *temp_path(char *buf, size_t n, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, n, "%s/salvo-test-%d-%s", dir && *dir ? dir : "/tmp", (int)getpid(), name);
    unlink(buf);
    return buf;
}

/* The file at path, NUL-terminated, at most cap - 1 bytes of it. */
static inline char *slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

#endif
