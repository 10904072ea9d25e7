/* Parsing of the command-line values salvo and salvo-mock share.
 * Every function returns 0 or -EINVAL and writes *out only on success. */
#ifndef SALVO_PARSE_H
#define SALVO_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define SALVO_NS_PER_SEC 1000000000LL
#define SALVO_NS_PER_MS 1000000LL

/* "250us", "100ms", "5s", "2m", "1h"; a bare number is seconds ("0.5"). */
int salvo_parse_duration(const char *s, int64_t *out_ns);

/* "100", "100/s", "6000/m", "0.5/s", "3600/h": orders per second, > 0. */
int salvo_parse_rate(const char *s, double *out_per_sec);
/* --rate-per COLUMNS=N/PERIOD: COLUMNS is symbol, side or type, or several
 * joined by '+' (symbol+side); *cols gets 1u << SALVO_COL_* of each. 0 or
 * -EINVAL. */
int salvo_parse_rate_per(const char *s, unsigned *cols, uint32_t *n, int64_t *period_ns);

/* "50/1s", "250/10s", "200/1m": at most N per PERIOD (N >= 1, PERIOD > 0). */
int salvo_parse_window(const char *s, uint32_t *out_n, int64_t *out_period_ns);

/* A fraction in [0, 1]: "0.05". */
int salvo_parse_fraction(const char *s, double *out);

/* A moment: "08:59:59.950" or "08:59" (today, local time, TZ honoured),
 * "2026-11-30T08:59:59.950" (local), or with a zone "...Z" / "...+08:00".
 * Unix microseconds. Nothing is normalised: a day the month lacks, a local
 * time the clocks skip and one they show twice (no offset given) are
 * -EINVAL with why[] saying so; why[] is "" when s is no time at all. */
int salvo_parse_at(const char *s, int64_t *out_unix_us, char *why, size_t whylen);

/* A UTC time as salvo writes one (a result's sent_at): exactly
 * "2026-11-24T08:30:00.123456Z", every field in its range (no 2026-02-30,
 * no 24:00, no second 60). Unix microseconds. */
int salvo_parse_utc_us(const char *s, size_t n, int64_t *out_unix_us);

/* A broker's clock (a profile's server_time) in Unix seconds, ms or us,
 * told apart by size: Unix ms. -EINVAL when it is no time of this era. */
int salvo_parse_clock_ms(double t, double *out_ms);

/* A whole number in [min, max]. */
int salvo_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* After getopt_long matched the long option NAME: was it typed whole?
 * getopt takes any unambiguous prefix ("--rat" for --rate), so a flag
 * mistyped by a letter could silently be another; salvo's commands take
 * whole names. argv and optind as getopt left them, optarg its value.
 * 1 if whole; else 0, with what was typed (after "--", up to '=') in
 * *typed, *n bytes. */
int salvo_opt_whole(char *const *argv, int optind, const char *optarg, const char *name, const char **typed,
                    size_t *n);

#endif
