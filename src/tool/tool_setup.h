/* The salvo command before its first order: what tool_setup.c builds and
 * opens from the arguments, and closes at the end. */
#ifndef SALVO_TOOL_SETUP_H
#define SALVO_TOOL_SETUP_H

#include "salvo/salvo.h"
#include "tool.h"

/* Each connection is a descriptor, each --exec worker three pipes: raise
 * the soft limit of open files to what c needs, before the loop exists.
 * -1 to go on, or SALVO_EXIT_USAGE with the knob to lower named (said). */
int tool_setup_limits(const salvo_config_t *c);

/* Everything tl's run needs before its first order, in this order: the
 * body (--body-template, else the profile's, else the default) into
 * a->cfg.body; --check-profile's description; the input (or --check-profile's
 * sample row) into a->cfg.input_fd and -o into a->output_fd (a file that
 * holds something: appended to with --append or --resume, refused without
 * --force); the check passes (tool_precheck); the journal into
 * a->cfg.journal, on --resume read into ix and checked against the input
 * and the destination; the trace into a->trace; last, --force cuts the -o
 * file. -1 to go on, or an exit code (said). Whatever it
 * opened, tool_setup_close closes, also after an exit code. */
int tool_setup(tool_t *tl, salvo_jindex_t *ix);

/* Close what tool_setup opened and is still open (the journal and the
 * trace, when the run stopped before closing them), free ix and the body. */
void tool_setup_close(salvo_args_t *a, salvo_jindex_t *ix);

#endif
