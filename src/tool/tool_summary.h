/* The end-of-run summary: a few lines for people, a JSON file for tools. */
#ifndef SALVO_TOOL_SUMMARY_H
#define SALVO_TOOL_SUMMARY_H

#include "salvo/engine.h"

void tool_summary_print(const salvo_stats_t *s, int fd);
/* 0 or a negative errno. signal: the one that stopped the run, or 0. */
int tool_summary_write_json(const salvo_stats_t *s, int signal, const char *path);

#endif
