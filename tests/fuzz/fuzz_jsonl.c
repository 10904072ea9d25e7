/* JSON Lines reader and row validation: see fuzz_reader.h. */
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_reader(SALVO_FORMAT_JSONL, data, size); }
