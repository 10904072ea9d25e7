#ifndef SALVO_TOOL_HELP_H
#define SALVO_TOOL_HELP_H

/* What salvo --help prints. */
extern const char tool_usage_text[];
/* What salvo cancel --help and salvo status --help print. */
extern const char tool_op_usage_text[];

/* What salvo --version prints: salvo's, libsalvo's and libcurl's versions,
 * and what the libcurl in use means for HTTP/2. */
void tool_print_version(void);

#endif
