#ifndef SALVO_TOOL_HELP_H
#define SALVO_TOOL_HELP_H

/* What salvo --help prints. */
extern const char tool_usage_text[];

#endif
