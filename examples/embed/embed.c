/* Submit a CSV file of orders through libsalvo, on a loop we own.
 *
 *   cc embed.c $(pkg-config --cflags --libs salvo) -o embed
 *   ./embed http://127.0.0.1:8080/orders orders.csv
 *
 * One line per order on stdout; exit 0 when every order was accepted. */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

#include <salvo/salvo.h>

static void on_result(void *ud, const salvo_result_t *r)
{
    (void)ud;
    printf("%s %s %s\n", r->order->client_order_id, r->order->symbol, salvo_status_name(r->status));
}

static void on_done(void *ud, const salvo_stats_t *st)
{
    *(int *)ud = st->count[SALVO_ACCEPTED] == st->orders && st->orders > 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s URL ORDERS.csv\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    uv_loop_t loop;
    uv_loop_init(&loop);

    salvo_config_t cfg;
    salvo_config_init(&cfg); /* the salvo command's defaults; then what differs */
    cfg.url = argv[1];
    cfg.concurrency = 8;
    cfg.rate = 100;
    cfg.defaults.id_prefix = "embed";
    cfg.body = salvo_body_new_default();
    cfg.input_fd = open(argv[2], O_RDONLY);
    if (cfg.input_fd < 0 || cfg.body == NULL) {
        perror(argv[2]);
        return 2;
    }
    int all_accepted = 0;
    salvo_callbacks_t cb = {.on_result = on_result, .on_done = on_done};
    salvo_engine_t *e;
    int r = salvo_engine_new(&e, &loop, &cfg, &cb, &all_accepted);
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
    close(cfg.input_fd);
    curl_global_cleanup();
    fprintf(stderr, "libsalvo %s\n", salvo_version());
    return r == 0 && all_accepted ? 0 : 1;
}
