/* The frame of salvo report's SVG charts: one size for all, margins for
 * the axes, ticks and labels, numbers as the axes write them. The charts
 * themselves are tool_report_html.c. Every text is HTML-escaped. */
#ifndef SALVO_TOOL_SVG_H
#define SALVO_TOOL_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "salvo/jbuf.h"

#define SVG_CW 960   /* chart size */
#define SVG_CH 300
#define SVG_ML 64    /* margins */
#define SVG_MR 20
#define SVG_MT 14
#define SVG_MB 40
#define SVG_PW (SVG_CW - SVG_ML - SVG_MR)
#define SVG_PH (SVG_CH - SVG_MT - SVG_MB)

/* Append s[0..n) with & < > " ' as entities, control bytes as spaces,
 * bytes that are not UTF-8 as U+FFFD. */
void tool_html_escape(salvo_jbuf_t *b, const char *s, size_t n);
/* s, NUL-terminated, HTML-escaped (tool_html_escape). */
void tool_html_str(salvo_jbuf_t *b, const char *s);
/* 1, 2 or 5 times a power of ten, at least x (1 for x <= 0). */
double tool_svg_nice(double x);
/* v as an axis writes it: 6 significant digits, 3 below 0.01. */
void tool_svg_num(char *out, size_t cap, double v);
/* ns in seconds, as tool_svg_num writes them: out. */
const char *tool_svg_secs(char *out, size_t cap, int64_t ns);
/* <svg class="chart KIND" id="KIND-N" ... aria-label="LABEL", left open
 * for the caller's data-* attributes and '>'. run: 0-based. */
void tool_svg_open(salvo_jbuf_t *b, const char *kind, size_t run, const char *label);
void tool_svg_axes(salvo_jbuf_t *b, const char *xlabel, const char *ylabel);
/* A grid line with its label: at x along the bottom, at y up the left. */
void tool_svg_xtick(salvo_jbuf_t *b, double x, const char *label);
void tool_svg_ytick(salvo_jbuf_t *b, double y, const char *label);

#endif
