/* The end-of-run summary: a few lines for people, a JSON file for tools. */
#ifndef SALVO_TOOL_SUMMARY_H
#define SALVO_TOOL_SUMMARY_H

#include "salvo/engine.h"

/* at_unix_us: --at's moment, or 0. */
void tool_summary_print(const salvo_stats_t *s, int64_t at_unix_us, int fd);
/* 0 or a negative errno. signal: the one that stopped the run, or 0. */
int tool_summary_write_json(const salvo_stats_t *s, int signal, int64_t at_unix_us, const char *path);

#endif
