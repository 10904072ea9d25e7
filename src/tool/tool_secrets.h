/* The API key and other secrets: see tool_secrets.c. Each returns -1 to go
 * on (0 for tool_load_api_key), or an exit code with the message said. */
#ifndef SALVO_TOOL_SECRETS_H
#define SALVO_TOOL_SECRETS_H

#include "tool_args.h"

/* "Name: value" with a header-token name and no line break: 1 or 0. */
int tool_valid_header(const char *h);
/* --header-env NAME=VAR: a secret header whose value never touches argv. */
int tool_add_env_header(salvo_args_t *a, const char *v);
/* A secret header named with -H would sit in argv, readable in ps. */
int tool_refuse_secret_headers(const salvo_args_t *a);
/* The key from $SALVO_API_KEY (--api-key-env) or --api-key-file. 0, or an exit code. */
int tool_load_api_key(salvo_args_t *a);
/* The values held (the key, --header-env values, a profile's secrets), each
 * in every form it may be written in, and the secret header names: what
 * the trace and the result lines blank. */
int tool_gather_secrets(salvo_args_t *a);
/* While a secret is held: no ptrace by the same user, no core dump. */
void tool_hold_secrets_privately(const salvo_args_t *a);

#endif
