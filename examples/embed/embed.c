/* Submit a CSV file of orders through libsalvo, on a loop we own.
 *
 *   cc embed.c $(pkg-config --cflags --libs salvo) -o embed
 *   ./embed http://127.0.0.1:8080/orders orders.csv               salvo's default body
 *   ./embed https://paper-api.alpaca.markets/v2/orders orders.csv alpaca.json
 *                                        a broker profile: its body, signing and
 *                                        limits; its secrets from the variables it
 *                                        names (ALPACA_API_KEY, ...)
 *
 * One line per order on stdout; exit 0 when every order was accepted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <salvo/salvo.h>

static void on_result(void *ud, const salvo_result_t *r)
{
    (void)ud;
    printf("%s %s %s\n", salvo_order_field(r->order, SALVO_COL_CLIENT_ORDER_ID),
           salvo_order_field(r->order, SALVO_COL_SYMBOL), salvo_status_name(r->status));
    if (r->error)
        fprintf(stderr, "line %llu: %s\n", (unsigned long long)salvo_order_line(r->order), r->error);
}

static void on_done(void *ud, const salvo_stats_t *st)
{
    int64_t orders = salvo_stats_get(st, SALVO_STAT_ORDERS);
    *(int *)ud = orders > 0 && salvo_stats_count(st, SALVO_ACCEPTED) == (uint64_t)orders;
    fprintf(stderr, "%lld orders, latency p50 %.3f ms, max %.3f ms\n", (long long)orders,
            salvo_stats_percentile_ms(st, SALVO_TIMING_LATENCY, 50), salvo_stats_percentile_ms(st, SALVO_TIMING_LATENCY, 100));
}

/* A profile from its file, its secrets from the environment. NULL after a message. */
static salvo_profile_t *load_profile(const char *path)
{
    static char json[1 << 20];
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(json, 1, sizeof json, f) : 0;
    if (f)
        fclose(f);
    char err[320];
    salvo_profile_t *p = NULL;
    if (len == 0 || salvo_profile_parse(&p, json, len, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", path, len == 0 ? "cannot read it" : err);
        return NULL;
    }
    for (int slot = 0; slot < SALVO_SECRET_COUNT; slot++) {
        if (!salvo_profile_needs(p, slot))
            continue;
        const char *v = getenv(salvo_profile_secret_var(p, slot));
        if (v == NULL || salvo_profile_set_secret(p, slot, v, strlen(v), err, sizeof err) < 0) {
            fprintf(stderr, "%s: $%s: %s\n", path, salvo_profile_secret_var(p, slot), v ? err : "not set");
            salvo_profile_free(p);
            return NULL;
        }
    }
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s URL ORDERS.csv [PROFILE.json]\n", argv[0]);
        return 2;
    }
    salvo_config_t cfg;
    salvo_config_init(&cfg); /* the salvo command's defaults; then what differs */
    cfg.url = argv[1];
    cfg.concurrency = 8;
    cfg.rate = 100;
    cfg.defaults.id_prefix = "embed";
    salvo_profile_t *profile = argc == 4 ? load_profile(argv[3]) : NULL;
    if (argc == 4 && profile == NULL)
        return 2;
    char err[320];
    int r = 0;
    if (profile) /* its body, signing, method and limits; our URL (a sandbox, a test server) */
        r = salvo_config_apply_profile(&cfg, profile, SALVO_PROFILE_KEEP_URL, err, sizeof err);
    else
        r = salvo_body_new_default(&cfg.body);
    if (r < 0) {
        fprintf(stderr, "%s: %s\n", argc == 4 ? argv[3] : "salvo", r == -ENOMEM ? salvo_strerror(r) : err);
        return 2;
    }
    cfg.input_fd = open(argv[2], O_RDONLY);
    if (cfg.input_fd < 0) {
        perror(argv[2]);
        return 2;
    }

    uv_loop_t loop;
    uv_loop_init(&loop);
    int all_accepted = 0;
    salvo_callbacks_t cb = {.on_result = on_result, .on_done = on_done};
    salvo_engine_t *e;
    r = salvo_engine_new(&e, &loop, &cfg, &cb, &all_accepted);
    if (r == 0)
        r = salvo_engine_start(e);
    if (r == 0)
        uv_run(&loop, UV_RUN_DEFAULT);
    else
        fprintf(stderr, "salvo: %s\n", salvo_strerror(r));
    salvo_engine_free(e);
    uv_run(&loop, UV_RUN_DEFAULT); /* its handles close */
    uv_loop_close(&loop);
    salvo_body_free(cfg.body);
    salvo_profile_free(profile);
    close(cfg.input_fd);
    fprintf(stderr, "libsalvo %s\n", salvo_version());
    return r == 0 && all_accepted ? 0 : 1;
}
