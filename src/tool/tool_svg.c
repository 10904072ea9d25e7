/* The frame of salvo report's SVG charts: see tool_svg.h. */
#include "tool_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tool_report.h"
#include "utf8.h"

/* The HTML for one byte of text (or NULL: the byte as it is). */
static const char *html_entity(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return c < 0x20 || c == 0x7f ? " " : NULL;
    }
}

void tool_html_escape(salvo_jbuf_t *b, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        if ((unsigned char)s[i] >= 0x80) {
            size_t len = salvo_utf8_seq_len(s + i, n - i);
            if (len > 0) { /* a whole character, kept */
                i += len - 1;
                continue;
            }
            rep = "\xef\xbf\xbd"; /* not UTF-8: U+FFFD, what a browser would show */
        } else if ((rep = html_entity((unsigned char)s[i])) == NULL) {
            continue;
        }
        salvo_jbuf_raw(b, s + from, i - from);
        salvo_jbuf_cstr(b, rep);
        from = i + 1;
    }
    salvo_jbuf_raw(b, s + from, n - from);
}

void tool_html_str(salvo_jbuf_t *b, const char *s) { tool_html_escape(b, s, strlen(s)); }

double tool_svg_nice(double x)
{
    if (!(x > 0))
        return 1;
    double p = pow(10, floor(log10(x)));
    for (int i = 0; i < 3; i++) {
        double m = (double[]){1, 2, 5}[i] * p;
        if (m >= x * 0.999999)
            return m;
    }
    return 10 * p;
}

void tool_svg_num(char *out, size_t cap, double v)
{
    if (v != 0 && fabs(v) < 0.01)
        snprintf(out, cap, "%.3g", v);
    else
        snprintf(out, cap, "%.6g", v);
}

const char *tool_svg_secs(char *out, size_t cap, int64_t ns)
{
    tool_svg_num(out, cap, (double)ns / 1e9);
    return out;
}

void tool_svg_open(salvo_jbuf_t *b, const char *kind, size_t run, const char *label)
{
    salvo_jbuf_printf(b,
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart %s\" id=\"%s-%zu\" width=\"%d\" "
                      "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
                      kind, kind, run + 1, SVG_CW, SVG_CH, SVG_CW, SVG_CH);
    tool_html_str(b, label);
    salvo_jbuf_cstr(b, "\"");
}

void tool_svg_axes(salvo_jbuf_t *b, const char *xlabel, const char *ylabel)
{
    salvo_jbuf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", SVG_ML, SVG_MT + SVG_PH,
                      SVG_ML + SVG_PW, SVG_MT + SVG_PH);
    salvo_jbuf_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", SVG_ML, SVG_MT, SVG_ML,
                      SVG_MT + SVG_PH);
    salvo_jbuf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", SVG_ML + SVG_PW / 2, SVG_CH - 6);
    tool_html_str(b, xlabel);
    salvo_jbuf_printf(b, "</text><text transform=\"translate(14 %d) rotate(-90)\" text-anchor=\"middle\">",
                      SVG_MT + SVG_PH / 2);
    tool_html_str(b, ylabel);
    salvo_jbuf_cstr(b, "</text>");
}

void tool_svg_xtick(salvo_jbuf_t *b, double x, const char *label)
{
    salvo_jbuf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>", x, SVG_MT, x,
                      SVG_MT + SVG_PH);
    salvo_jbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, SVG_MT + SVG_PH + 14, label);
}

void tool_svg_ytick(salvo_jbuf_t *b, double y, const char *label)
{
    salvo_jbuf_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", SVG_ML, y,
                      SVG_ML + SVG_PW, y);
    salvo_jbuf_printf(b, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", SVG_ML - 4, y + 4, label);
}
