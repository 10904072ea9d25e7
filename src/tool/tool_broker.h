/* --broker NAME|FILE: a broker profile (docs/profiles.md) fills in what
 * the command line left out, and its secrets come from the environment. */
#ifndef SALVO_TOOL_BROKER_H
#define SALVO_TOOL_BROKER_H

#include "tool_args.h"

/* --secret-env NAME=VAR: -1 to go on, or an exit code. */
int tool_broker_secret_env(salvo_args_t *a, const char *v);
/* Load a->broker and apply it to a->cfg where no flag was given. -1 to go
 * on, or an exit code (said, naming the file, field or variable). */
int tool_broker_load(salvo_args_t *a);
/* The body template the profile sets: after salvo_body_new_*(). -1 or an exit code. */
int tool_broker_shape_body(salvo_args_t *a);
/* --check-profile: what the profile is and where its secrets come from. */
void tool_broker_describe(const salvo_args_t *a, FILE *out);
/* --check-profile's verdict on the secrets: -1 when every one the profile
 * needs is set, else SALVO_EXIT_USAGE, each missing one named (said). */
int tool_broker_check_secrets(const salvo_args_t *a);

#endif
