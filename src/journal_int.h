/* Between journal.c (the writer) and journal_index.c (the reader): what a
 * journal header says of a destination. Internal. */
#ifndef SALVO_JOURNAL_INT_H
#define SALVO_JOURNAL_INT_H

#include <stddef.h>

#include "salvo/jindex.h"

/* dest's endpoint (a URL's origin, without user:password; or "exec CMD")
 * and profile ("" none), as a header records them. */
void salvo__jdest_fields(const salvo_jdest_t *d, char *endpoint, size_t ecap, char *profile, size_t pcap);

#endif
