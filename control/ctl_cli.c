/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl's control-plane commands: remote ones through ctlproto, routes test and cores locally. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "config.h"
#include "ctl_cli.h"
#include "ctlproto.h"
#include "proto/otlp_walk.h"
#include "routes.h"
#include "stats_map.h"
#include "table_compile.h"
#include "table_match.h"

#define PROG "sluicectl"

/* sluicectl's exit codes (see sluicectl.c); 77 is EX_NOPERM of sysexits.h. */
enum { E_OK = 0, E_FAIL = 1, E_USAGE = 2, E_NOT_RUNNING = 3, E_DENIED = 77 };

void
sl_ctl_cli_usage(FILE *f)
{
	fprintf(f,
	        "  cores                  poll cores and flush workers: busy %%, packets, requests\n"
	        "  routes list            routes in evaluation order (sluice-control)\n"
	        "  routes add NAME [--match K=V]... [--sink DIR]... [--drop] [--durability MODE]\n"
	        "             [--sample R] [--priority N] [--tenant-rate N/s] [--default]\n"
	        "  routes del NAME\n"
	        "  routes test FILE [--signal S] [--tenant T] [--source IP] [--port N]\n"
	        "                         which route and fault each Resource entry of an OTLP\n"
	        "                         protobuf file gets (the published tables, else --config)\n"
	        "  faults list\n"
	        "  faults add NAME [--match K=V]... (--error STATUS | --delay D[-D] | --reset |\n"
	        "             --throttle N/s | --partial R | --blackhole) [--probability P]\n"
	        "             [--ttl D] [--retry-after D]\n"
	        "  faults clear NAME|--all\n"
	        "  config show [VERSION]  the running (or a past) dynamic configuration\n"
	        "  config diff [A [B]]    running vs config file, version A vs running, A vs B\n"
	        "  config reload          read the config file's dynamic sections as a new version\n"
	        "  config rollback N      make version N's content the running config (a new version)\n"
	        "  config history         the audit log\n"
	        "  control                sluice-control's status (version, generation, CRC)\n"
	        "  --match takes KEY=VALUE (glob if VALUE has * or ?), KEY^=PREFIX, KEY? (exists),\n"
	        "  signal=traces[,logs], tenant=T, source=CIDR, port=N; it repeats (all must hold)\n");
}

static void
socket_path(const char *sock, const char *instance, const char *config_path, char *out,
            size_t len)
{
	static struct sl_config cfg;
	char err[SL_CONF_ERR_LEN];
	const char *env = getenv("SLUICE_CONTROL_SOCKET");

	if (sock != NULL) {
		snprintf(out, len, "%s", sock);
		return;
	}
	if (env != NULL && env[0]) {
		snprintf(out, len, "%s", env);
		return;
	}
	if (config_path != NULL && sl_config_load(config_path, &cfg, err, sizeof(err)) == 0 &&
	    cfg.control.socket[0]) {
		snprintf(out, len, "%s", cfg.control.socket);
		return;
	}
	snprintf(out, len, "/run/sluice/%s/control.sock", instance);
}

int
sl_ctl_cli_remote(int argc, char **argv, const char *sock, const char *instance,
                  const char *config_path, bool json)
{
	char path[SL_PATH_LEN];
	char *out = NULL, *err = NULL;
	int code = E_FAIL, rc;

	socket_path(sock, instance, config_path, path, sizeof(path));
	rc = sl_ctl_call(path, argc, argv, json ? SL_CTL_F_JSON : 0, &code, &out, &err);
	if (rc == -ENOENT || rc == -ECONNREFUSED) {
		fprintf(stderr, PROG ": sluice-control is not running (nothing listens on %s)\n",
		        path);
		if (json)
			printf("{\"error\":\"sluice-control is not running\",\"socket\":\"%s\"}\n",
			       path);
		return E_NOT_RUNNING;
	}
	if (rc == -EACCES || rc == -EPERM) {
		fprintf(stderr, PROG ": %s: permission denied (root or group sluice)\n", path);
		return E_DENIED;
	}
	if (rc < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(-rc));
		return E_FAIL;
	}
	fputs(out, stdout);
	if (err[0])
		fprintf(stderr, PROG ": %s", err);
	free(out);
	free(err);
	return code;
}

static int
read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return -EIO;
	}
	*buf = malloc((size_t)n + 1);
	if (*buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(*buf, 1, (size_t)n, f);
	fclose(f);
	return 0;
}

static void
json_s(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int
sl_ctl_cli_routes_test(int argc, char **argv, const char *instance, const char *config_path,
                       bool json)
{
	static struct sl_otlp_entry entries[1024];
	struct sl_otlp_walk_result res = {.entries = entries, .max_entries = 1024};
	struct sl_otlp_walk_opts opts;
	const char *keys[SL_TBL_MAX_KEYS];
	struct sl_tbl_ctx ctx = {.signal = SL_SIGNAL_TRACES, .listener_port = 4318};
	const char *file = NULL, *tenant = NULL, *source = "127.0.0.1", *from;
	struct sl_tbl_map map = {.fd = -1};
	const struct sl_tbl_hdr *h = NULL;
	void *own = NULL;
	uint8_t *body = NULL;
	size_t len = 0;
	uint8_t plen;
	bool sig_given = false;
	int i, rc, ret = E_FAIL;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (o[0] != '-' && file == NULL) {
			file = o;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, PROG ": routes test: %s needs a value\n", o);
			return E_USAGE;
		}
		if (strcmp(o, "--signal") == 0) {
			const char *v = argv[++i];

			sig_given = true;
			if (strcmp(v, "traces") == 0)
				ctx.signal = SL_SIGNAL_TRACES;
			else if (strcmp(v, "metrics") == 0)
				ctx.signal = SL_SIGNAL_METRICS;
			else if (strcmp(v, "logs") == 0)
				ctx.signal = SL_SIGNAL_LOGS;
			else {
				fprintf(stderr, PROG ": routes test: --signal traces|metrics|logs\n");
				return E_USAGE;
			}
		} else if (strcmp(o, "--tenant") == 0) {
			tenant = argv[++i];
		} else if (strcmp(o, "--source") == 0) {
			source = argv[++i];
		} else if (strcmp(o, "--port") == 0) {
			ctx.listener_port = (uint16_t)atoi(argv[++i]);
		} else {
			fprintf(stderr, PROG ": routes test: unknown option '%s'\n", o);
			return E_USAGE;
		}
	}
	if (file == NULL) {
		fprintf(stderr, PROG ": routes test: expected an OTLP protobuf FILE\n");
		return E_USAGE;
	}
	if (!sig_given && strstr(file, "metric") != NULL)
		ctx.signal = SL_SIGNAL_METRICS;
	else if (!sig_given && strstr(file, "log") != NULL)
		ctx.signal = SL_SIGNAL_LOGS;
	if (sl_dyn_parse_cidr(source, ctx.src, &plen) < 0 || (plen != 128)) {
		fprintf(stderr, PROG ": routes test: --source '%s' is not an address\n", source);
		return E_USAGE;
	}
	/* The tables the dataplane would use; else compile the config file's routes. */
	if (sl_tbl_region_open_reader(&map, instance) == 0 && (h = sl_tbl_current(&map)) != NULL &&
	    sl_tbl_image_check(h, map.r->slot_size) == 0) {
		from = "published tables";
	} else {
		struct sl_dyn *d = sl_dyn_new();
		char err[SL_DYN_ERR_LEN];
		long n;

		h = NULL;
		own = malloc(SL_TBL_SLOT_SIZE);
		if (d == NULL || own == NULL || config_path == NULL) {
			fprintf(stderr, PROG ": routes test: no published tables for instance %s and "
			                "no --config to compile\n", instance);
			free(d);
			goto out;
		}
		rc = sl_dyn_load_file(d, config_path, sl_stats_now_ns(), err, sizeof(err));
		n = rc < 0 ? rc
		           : sl_tbl_compile(d, 0, sl_stats_now_ns(), own, SL_TBL_SLOT_SIZE, err,
		                            sizeof(err));
		free(d);
		if (n < 0) {
			fprintf(stderr, PROG ": routes test: %s\n", err);
			goto out;
		}
		h = own;
		from = config_path;
	}
	if (tenant != NULL) {
		ctx.tenant = sl_tbl_tenant_by_name(h, tenant, strlen(tenant));
		if (ctx.tenant == 0) {
			fprintf(stderr, PROG ": routes test: no tenant '%s' in the tables\n", tenant);
			ret = E_USAGE;
			goto out;
		}
	}
	for (uint32_t k = 0; k < h->n_keys; k++) {
		/* strings in the image are not NUL-terminated: copy them out */
		static char kb[SL_TBL_MAX_KEYS][SL_OTLP_KEY_MAX + 1];
		const struct sl_tbl_key *key = &sl_tbl_keys(h)[k];

		snprintf(kb[k], sizeof(kb[k]), "%.*s", (int)key->str_len, sl_tbl_str(h, key->str_off));
		keys[k] = kb[k];
	}
	if (sl_otlp_walk_opts_init(&opts, keys, h->n_keys) < 0) {
		fprintf(stderr, PROG ": routes test: the tables' attribute keys are not usable\n");
		goto out;
	}
	rc = read_file(file, &body, &len);
	if (rc < 0) {
		fprintf(stderr, PROG ": routes test: %s: %s\n", file, strerror(-rc));
		goto out;
	}
	rc = sl_otlp_walk_buf(ctx.signal, body, (uint32_t)len, &opts, &res);
	if (rc < 0) {
		fprintf(stderr, PROG ": routes test: %s is not a valid OTLP %s request: %s\n", file,
		        sl_signal_name(ctx.signal), res.err_msg);
		goto out;
	}
	if (json)
		printf("{\"file\":\"%s\",\"signal\":\"%s\",\"tables\":\"%s\",\"generation\":%" PRIu64
		       ",\"entries\":[",
		       file, sl_signal_name(ctx.signal), from, h->generation);
	else
		printf("%s: %u %s Resource entr%s, against %s (generation %" PRIu64 ")\n", file,
		       res.n_entries, sl_signal_name(ctx.signal), res.n_entries == 1 ? "y" : "ies",
		       from, h->generation);
	if (!json)
		printf("%-4s %-18s %6s %-28s %-20s %s\n", "#", "bytes", "items", "service.name",
		       "route", "fault");
	for (uint32_t e = 0; e < res.n_entries; e++) {
		const struct sl_otlp_entry *en = &entries[e];
		uint32_t r = sl_tbl_match_route(h, &ctx, en);
		int f = sl_tbl_match_fault(h, &ctx, en, sl_stats_now_ns());
		const struct sl_tbl_route *rt = &sl_tbl_routes(h)[r];
		const char *svc = (en->present & 1) ? en->attrs[0].val : "";
		char range[40], fault[96];

		snprintf(range, sizeof(range), "%u+%u", en->off, en->len);
		if (f >= 0) {
			const struct sl_tbl_fault *ft = &sl_tbl_faults(h)[f];

			snprintf(fault, sizeof(fault), "%s (%s, p=%.3g)", ft->name,
			         sl_dyn_fault_kind_name(ft->kind),
			         (double)ft->prob_threshold / 9007199254740992.0);
		} else {
			snprintf(fault, sizeof(fault), "-");
		}
		if (json) {
			printf("%s{\"index\":%u,\"offset\":%u,\"length\":%u,\"items\":%u,"
			       "\"service_name\":",
			       e ? "," : "", e, en->off, en->len, en->items);
			json_s(svc, strlen(svc));
			printf(",\"route\":");
			json_s(rt->name, strlen(rt->name));
			printf(",\"route_index\":%u,\"fault\":", r);
			if (f >= 0)
				json_s(sl_tbl_faults(h)[f].name, strlen(sl_tbl_faults(h)[f].name));
			else
				printf("null");
			printf("}");
		} else {
			printf("%-4u %-18s %6u %-28.28s %-20s %s\n", e, range, en->items,
			       svc[0] ? svc : "(none)", rt->name, fault);
		}
	}
	if (json)
		printf("]}\n");
	ret = E_OK;
out:
	free(body);
	free(own);
	sl_tbl_region_close(&map);
	return ret;
}

static double
busy(const struct sl_stats_core_snap *s)
{
	uint64_t b = s->counters[SL_CTR_BUSY_CYCLES], i = s->counters[SL_CTR_IDLE_CYCLES];

	return b + i == 0 ? 0.0 : 100.0 * (double)b / (double)(b + i);
}

int
sl_ctl_cli_cores(const char *instance, bool json)
{
	struct sl_stats_map m;
	const struct sl_stats_hdr *h;
	struct sl_stats_core_snap s;
	uint32_t i, n, nf;
	int rc = sl_stats_open(&m, instance);

	if (rc < 0) {
		fprintf(stderr, PROG ": instance '%s' is not running (no stats region)\n", instance);
		return rc == -ENOENT ? E_NOT_RUNNING : E_FAIL;
	}
	h = sl_stats_hdr(&m);
	n = h->n_cores;
	nf = h->n_flush < n ? h->n_flush : n;
	if (json)
		printf("{\"instance\":\"%s\",\"cores\":[", h->instance);
	else
		printf("%-6s %-5s %6s %7s %14s %14s %12s %10s %12s\n", "core", "kind", "lcore",
		       "busy%", "rx packets", "tx packets", "http reqs", "tcp conns", "batches");
	for (i = 0; i < n; i++) {
		bool fl = i >= n - nf;

		if (sl_stats_core_read(&m, i, &s) < 0) {
			sl_stats_close(&m, false);
			return E_FAIL;
		}
		if (json)
			printf("%s{\"core\":%u,\"kind\":\"%s\",\"lcore\":%u,\"busy_pct\":%.2f,"
			       "\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64
			       ",\"http_requests\":%" PRIu64 ",\"tcp_connections\":%" PRIu64
			       ",\"flush_batches\":%" PRIu64 ",\"loops\":%" PRIu64 "}",
			       i ? "," : "", fl ? i - (n - nf) : i, fl ? "flush" : "poll", s.lcore_id,
			       busy(&s), s.counters[SL_CTR_RX_PACKETS], s.counters[SL_CTR_TX_PACKETS],
			       s.counters[SL_CTR_HTTP_REQUESTS], s.counters[SL_CTR_TCP_CONNS],
			       s.counters[SL_CTR_FLUSH_BATCHES], s.counters[SL_CTR_LOOPS]);
		else
			printf("%-6u %-5s %6u %6.1f%% %14" PRIu64 " %14" PRIu64 " %12" PRIu64
			       " %10" PRIu64 " %12" PRIu64 "\n",
			       fl ? i - (n - nf) : i, fl ? "flush" : "poll", s.lcore_id, busy(&s),
			       s.counters[SL_CTR_RX_PACKETS], s.counters[SL_CTR_TX_PACKETS],
			       s.counters[SL_CTR_HTTP_REQUESTS], s.counters[SL_CTR_TCP_CONNS],
			       s.counters[SL_CTR_FLUSH_BATCHES]);
	}
	if (json)
		printf("]}\n");
	sl_stats_close(&m, false);
	return E_OK;
}
