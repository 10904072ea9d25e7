/* libsalvo: submit batches of orders to a broker's HTTP API within rate
 * and concurrency limits, with one honest result per order.
 *
 * Ownership, once for the whole API: a function that returns a pointer
 * through an `out` parameter or as its value gives the caller ownership,
 * to be released with the matching *_free (or *_close) function; every
 * other pointer the library is given is borrowed, and must stay valid for
 * as long as the object it was given to (a config's strings for the
 * engine's life). Pointers the library hands to a callback are valid only
 * during that call.
 *
 * Errors are negative errno values (0 is success); salvo_strerror() names
 * them. The library never prints, never exits, never installs signal
 * handlers and keeps no global mutable state of its own: an engine runs on
 * a uv_loop_t the caller owns, and any number of engines can run in one
 * process (libcurl's global state the engine sets up itself: see
 * salvo/engine.h).
 *
 * Compatibility: the public types grow only at their ends, and a caller
 * never needs their size except salvo_config_t's, which salvo_config_init()
 * records (salvo/engine.h); everything else is opaque or the library's
 * own. The headers here are the whole API: libsalvo.so exports exactly the
 * functions marked SALVO_EXTERN, and a CI check (scripts/abi-check.sh)
 * compares its ABI with the one recorded in abi/libsalvo.abi. */
#ifndef SALVO_SALVO_H
#define SALVO_SALVO_H

#include "salvo/extern.h"

#include "salvo/version.h"

#include "salvo/body.h"
#include "salvo/engine.h"
#include "salvo/journal.h"
#include "salvo/profile.h"
#include "salvo/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "0.3.0": may differ from SALVO_VERSION_STRING
 * when a program runs against a newer shared library than it was built with. */
SALVO_EXTERN const char *salvo_version(void);

/* A message for a negative errno-style code from any salvo function. */
SALVO_EXTERN const char *salvo_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
