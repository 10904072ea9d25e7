/* salvo cancel and salvo status (tool_op.c). */
#ifndef SALVO_TOOL_OP_H
#define SALVO_TOOL_OP_H

#include <stdint.h>
#include <stdio.h>

#include "tool_args.h"

/* What a cancel or status run refuses, and its defaults (the method of
 * a --url without a profile), once every flag was read. -1 to go on, or
 * an exit code (said). */
int tool_op_settle(salvo_args_t *a);

/* A cancel or lookup (op) from result lines: the columns body (and its
 * URL) names are ones result lines carry. -1, or SALVO_EXIT_USAGE (said,
 * who: what asked, naming the column and the command that can give it). */
int tool_op_check_columns(const salvo_body_t *b, const char *who, int op);

/* --cancel-after: r's order as a row of salvo cancel's input onto f, when
 * it may be live (accepted, duplicate, unknown). 0, or a negative errno. */
int tool_op_spool_live(FILE *f, const salvo_result_t *r);

/* The result lines in the input (a file or stdin) become the run's
 * orders (a->cfg.input_fd, JSON Lines): each order that may be live
 * (cancel) or may have reached the broker (status), once, in the order
 * first seen. *unread: lines that were not result lines (said). -1 to go
 * on, or an exit code (said). */
int tool_op_input(salvo_args_t *a, uint64_t *unread);

#endif
