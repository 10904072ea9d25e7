/* salvo-mock: a scriptable mock broker for salvo's tests, benchmarks and CI. */
#include "mock.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "parse.h"
#include "salvo/version.h"

static void usage(FILE *out)
{
    fputs(
        "usage: salvo-mock [options]\n"
        "  --listen HOST:PORT     address to listen on (default 127.0.0.1:8080; port 0 = any free port)\n"
        "  --port-file FILE       write the bound port to FILE once listening\n"
        "  --orders-path PATH     order endpoint (default /orders)\n"
        "  --api-key KEY          require 'Authorization: Bearer KEY' (or env SALVO_MOCK_API_KEY)\n"
        "  --latency DUR          hold every order answer this long (default 0; e.g. 100ms)\n"
        "  --jitter DUR           add uniform noise in [-DUR, +DUR] to the latency (default 0)\n"
        "  --seed N               seed for every random choice (default: time-based)\n"
        "  --reject-rate F        fraction answered 422 (business rejection)\n"
        "  --error-rate F         fraction recorded, then answered 500 (ambiguous outcome)\n"
        "  --drop-rate F          fraction recorded, then the connection closed without an answer\n"
        "  --stall-rate F         fraction never answered (not recorded)\n"
        "  --rate-limit N/s       answer 429 + Retry-After beyond N requests in the trailing second\n"
        "  --record FILE          append each recorded order as NDJSON\n"
        "  --fill-every N         every Nth order recorded is filled at once (the rest rest open\n"
        "                         until a DELETE /orders/{client_order_id} cancels them)\n"
        "  --max-body BYTES       largest accepted request body (default 1048576)\n"
        "  --tls-cert FILE --tls-key FILE   serve HTTPS (HTTP/2 by ALPN)\n"
        "  -h, --help             this text\n"
        "  --version              print the version\n"
        "Endpoints: POST/GET /orders, GET/DELETE /orders/{client_order_id}, GET /stats, POST /reset,\n"
        "           GET /health\n",
        out);
}

static int bad_flag(const char *flag, const char *val)
{
    fprintf(stderr, "salvo-mock: invalid value for %s: '%s'\n", flag, val);
    return 2;
}

static int parse_args(int argc, char **argv, mock_config_t *c)
{
    enum { O_LISTEN = 256, O_PORT_FILE, O_PATH, O_KEY, O_LAT, O_JIT, O_SEED, O_REJ, O_ERR, O_DROP,
           O_STALL, O_RL, O_REC, O_MAXB, O_CERT, O_TKEY, O_VERSION, O_FILL };
    static const struct option opts[] = {
        {"listen", 1, 0, O_LISTEN}, {"port-file", 1, 0, O_PORT_FILE}, {"orders-path", 1, 0, O_PATH},
        {"api-key", 1, 0, O_KEY}, {"latency", 1, 0, O_LAT}, {"jitter", 1, 0, O_JIT}, {"seed", 1, 0, O_SEED},
        {"reject-rate", 1, 0, O_REJ}, {"error-rate", 1, 0, O_ERR}, {"drop-rate", 1, 0, O_DROP},
        {"stall-rate", 1, 0, O_STALL}, {"rate-limit", 1, 0, O_RL}, {"record", 1, 0, O_REC},
        {"max-body", 1, 0, O_MAXB}, {"tls-cert", 1, 0, O_CERT}, {"tls-key", 1, 0, O_TKEY},
        {"version", 0, 0, O_VERSION}, {"fill-every", 1, 0, O_FILL}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int o;
    uint64_t u;
    int li = -1;
    while ((o = getopt_long(argc, argv, "h", opts, &li)) != -1) {
        const char *typed;
        size_t n;
        if (li >= 0 && !salvo_opt_whole(argv, optind, optarg, opts[li].name, &typed, &n)) {
            fprintf(stderr, "salvo-mock: unknown option '--%.*s': did you mean --%s?\n", (int)n, typed, opts[li].name);
            return 2;
        }
        li = -1;
        const char *name = o >= 256 ? opts[o - 256].name : "";
        char flag[40];
        snprintf(flag, sizeof flag, "--%s", name);
        switch (o) {
        case O_LISTEN: c->listen = optarg; break;
        case O_PORT_FILE: c->port_file = optarg; break;
        case O_PATH:
            if (optarg[0] != '/')
                return bad_flag(flag, optarg);
            c->orders_path = optarg;
            break;
        case O_KEY: c->api_key = optarg; break;
        case O_LAT: if (salvo_parse_duration(optarg, &c->latency_ns)) return bad_flag(flag, optarg); break;
        case O_JIT: if (salvo_parse_duration(optarg, &c->jitter_ns)) return bad_flag(flag, optarg); break;
        case O_SEED: if (salvo_parse_uint(optarg, 0, UINT64_MAX, &c->seed)) return bad_flag(flag, optarg); break;
        case O_REJ: if (salvo_parse_fraction(optarg, &c->reject_rate)) return bad_flag(flag, optarg); break;
        case O_ERR: if (salvo_parse_fraction(optarg, &c->error_rate)) return bad_flag(flag, optarg); break;
        case O_DROP: if (salvo_parse_fraction(optarg, &c->drop_rate)) return bad_flag(flag, optarg); break;
        case O_STALL: if (salvo_parse_fraction(optarg, &c->stall_rate)) return bad_flag(flag, optarg); break;
        case O_RL: {
            double r;
            if (salvo_parse_rate(optarg, &r) || r < 1 || r > UINT32_MAX)
                return bad_flag(flag, optarg);
            c->rate_limit = (uint32_t)r;
            break;
        }
        case O_REC: c->record_path = optarg; break;
        case O_MAXB:
            if (salvo_parse_uint(optarg, 1, 1u << 30, &u))
                return bad_flag(flag, optarg);
            c->max_body = (size_t)u;
            break;
        case O_FILL: if (salvo_parse_uint(optarg, 1, UINT64_MAX, &c->fill_every)) return bad_flag(flag, optarg); break;
        case O_CERT: c->tls_cert = optarg; break;
        case O_TKEY: c->tls_key = optarg; break;
        case O_VERSION: printf("salvo-mock %s\n", SALVO_VERSION_STRING); exit(0);
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "salvo-mock: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (c->reject_rate + c->error_rate + c->drop_rate + c->stall_rate > 1) {
        fprintf(stderr, "salvo-mock: --reject-rate, --error-rate, --drop-rate and --stall-rate add up to more than 1\n");
        return 2;
    }
    if (!c->tls_cert != !c->tls_key) {
        fprintf(stderr, "salvo-mock: --tls-cert and --tls-key go together\n");
        return 2;
    }
    return 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    uv_stop(h->loop);
}

static void on_prepare(uv_prepare_t *h) { mock_flush_record(h->data); }

/* Every client connection is a descriptor: take all the system allows. */
static void raise_open_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    mock_config_t cfg = {.listen = "127.0.0.1:8080", .orders_path = "/orders", .max_body = 1 << 20,
                         .seed = (uint64_t)time(NULL)};
    cfg.api_key = getenv("SALVO_MOCK_API_KEY");
    if (cfg.api_key && !*cfg.api_key)
        cfg.api_key = NULL;
    int r = parse_args(argc, argv, &cfg);
    if (r != 0)
        return r;

    signal(SIGPIPE, SIG_IGN);
    raise_open_files();
    uv_loop_t *loop = uv_default_loop();
    mock_server_t srv = {.cfg = &cfg, .loop = loop, .start_ns = uv_hrtime(), .rng = cfg.seed};
    mock_book_init(&srv.book);
    if (cfg.record_path && (srv.record = fopen(cfg.record_path, "a")) == NULL) {
        fprintf(stderr, "salvo-mock: --record %s: %s\n", cfg.record_path, strerror(errno));
        return 3;
    }
    /* The handlers before the port file: whoever reads the port may send
     * SIGTERM at once, and must get the clean stop (exit 0, stats), not
     * the default death by signal. */
    uv_signal_t sigint, sigterm;
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_signal_init(loop, &sigterm);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    if (mock_http_start(&srv) < 0)
        return 1;
    uv_prepare_t prep;
    uv_prepare_init(loop, &prep);
    prep.data = &srv;
    uv_prepare_start(&prep, on_prepare);

    uv_run(loop, UV_RUN_DEFAULT);

    mock_flush_record(&srv);
    if (srv.record)
        fclose(srv.record);
    char *stats = mock_book_stats_json(&srv.book);
    fprintf(stderr, "salvo-mock: stopped: %s\n", stats ? stats : "");
    free(stats);
    mock_book_free(&srv.book);
    return 0;
}
