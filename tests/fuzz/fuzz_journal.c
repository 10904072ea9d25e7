/* Journal parsing (what --resume reads): any bytes give 0 or -EINVAL with
 * a message, and the good prefix ends on a line boundary. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "salvo/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    salvo_jindex_t ix;
    memset(&ix, 0, sizeof ix);
    char err[160] = "";
    int r = salvo_jindex_parse(&ix, (const char *)data, size, err, sizeof err);
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    FUZZ_CHECK(r == 0 || err[0] != '\0');
    FUZZ_CHECK(ix.good_len <= size);
    FUZZ_CHECK(ix.good_len == 0 || data[ix.good_len - 1] == '\n');
    FUZZ_CHECK(r != 0 || ix.good_len == size || ix.torn_tail);
    FUZZ_CHECK(memchr(ix.id_prefix, '\0', sizeof ix.id_prefix) != NULL);
    char id[96];
    snprintf(id, sizeof id, "%s-1", ix.id_prefix);
    int st = salvo_jindex_get(&ix, id);
    FUZZ_CHECK(st >= SALVO_J_NONE && st <= SALVO_J_UNKNOWN);
    salvo_jindex_free(&ix);
    return 0;
}
