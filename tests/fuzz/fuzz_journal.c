/* Journal parsing (what --resume reads): any bytes give 0 or -EINVAL with
 * a message, and the good prefix ends on a line boundary; the destination
 * check then answers with a message too. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "salvo/jindex.h"
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
    FUZZ_CHECK(memchr(ix.endpoint, '\0', sizeof ix.endpoint) != NULL);
    FUZZ_CHECK(memchr(ix.profile, '\0', sizeof ix.profile) != NULL);
    /* where its orders went: the same, another, or not said; never a crash */
    static const salvo_jdest_t dests[] = {{.url = "https://user:pw@API.example.com:443/v1/{{a}}/orders"},
                                          {.url = "http://[::1]:8080/x", .profile = "bybit", .sandbox = 1},
                                          {.exec = "python3 bridge.py"}};
    for (size_t i = 0; r == 0 && i < sizeof dests / sizeof *dests; i++) {
        char derr[1024] = "";
        int dr = salvo_jindex_check_dest(&ix, &dests[i], derr, sizeof derr);
        FUZZ_CHECK(dr == 0 || dr == -EINVAL || dr == -ENOENT);
        FUZZ_CHECK(dr == 0 || derr[0] != '\0');
        FUZZ_CHECK(dr != -ENOENT || ix.endpoint[0] == '\0');
    }
    char id[96];
    snprintf(id, sizeof id, "%s-1", ix.id_prefix);
    int st = salvo_jindex_get(&ix, id);
    FUZZ_CHECK(st >= SALVO_J_NONE && st <= SALVO_J_UNKNOWN);
    salvo_jindex_clear(&ix);
    return 0;
}
