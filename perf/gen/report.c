/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's run report: merge per-thread counts, write JSON and CSV rows. */

/*
 * The CSV columns are one X-macro table (CSV_COLS) that writes both the
 * header and the row, so they cannot drift apart; the JSON writer nests the
 * same values. Throughput counts only requests answered 2xx over the
 * measured window (ramp excluded); latency covers every response. Doubles are
 * printed with a fixed number of decimals so that files diff cleanly.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "report.h"

void
sl_gen_counts_reset(struct sl_gen_counts *c)
{
	memset(c, 0, offsetof(struct sl_gen_counts, lat));
	sl_hist_reset(&c->lat);
}

void
sl_gen_counts_merge(struct sl_gen_counts *dst, const struct sl_gen_counts *src)
{
	uint32_t i;

	dst->sent += src->sent;
	dst->responses += src->responses;
	dst->ok += src->ok;
	dst->items += src->items;
	dst->bytes += src->bytes;
	dst->timeouts += src->timeouts;
	dst->protocol_errors += src->protocol_errors;
	dst->failed += src->failed;
	dst->retries += src->retries;
	dst->connection_failures += src->connection_failures;
	dst->reconnects += src->reconnects;
	if (src->backlog_max > dst->backlog_max)
		dst->backlog_max = src->backlog_max;
	dst->backlog_end += src->backlog_end;
	dst->drained += src->drained;
	dst->drained_items += src->drained_items;
	for (i = 0; i < SL_GEN_STATUS_MAX; i++)
		dst->by_status[i] += src->by_status[i];
	for (i = 0; i < SL_GEN_GRPC_STATUS_MAX; i++)
		dst->by_grpc_status[i] += src->by_grpc_status[i];
	sl_hist_merge(&dst->lat, &src->lat);
}

uint64_t
sl_gen_counts_errors(const struct sl_gen_counts *c)
{
	uint64_t n = c->timeouts + c->protocol_errors + c->failed;
	uint32_t i;

	for (i = 0; i < SL_GEN_STATUS_MAX; i++)
		n += c->by_status[i];
	for (i = 1; i < SL_GEN_GRPC_STATUS_MAX; i++) /* 0 is OK, never counted here */
		n += c->by_grpc_status[i];
	return n;
}

bool
sl_gen_counts_grpc(struct sl_gen_counts *c, uint16_t status, int grpc_status, uint32_t items,
                   uint64_t latency_ns)
{
	if (status == 0) { /* reset (RST_STREAM, GOAWAY) before any answer */
		c->protocol_errors++;
		return false;
	}
	c->responses++;
	sl_hist_record(&c->lat, latency_ns);
	if (status != 200) {
		c->by_status[status < SL_GEN_STATUS_MAX ? status : 0]++;
		return false;
	}
	if (grpc_status == 0) {
		c->ok++;
		c->items += items;
		return true;
	}
	c->by_grpc_status[grpc_status > 0 && grpc_status < SL_GEN_GRPC_STATUS_OTHER
	                      ? grpc_status
	                      : SL_GEN_GRPC_STATUS_OTHER]++;
	return false;
}

/* Values derived once for both writers. */
struct derived {
	double rps, ips, bps;
	double p50, p95, p99, p999, max, mean; /* us */
	uint64_t errors;
	char by_status[512]; /* "503:2;429:1" */
	char by_grpc[256];   /* "14:2;other:1" */
	double t_busy_pct, t_cyc_item, t_cyc_req, t_cpu_m, t_cyc_pkt, t_cpu_cyc_item,
	    t_user_cyc_item;
};

static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

static void
derive(const struct sl_gen_report *r, struct derived *d)
{
	const struct sl_gen_counts *c = r->c;
	const struct sl_gen_target *t = r->target;
	size_t n = 0;
	uint32_t i;

	memset(d, 0, sizeof(*d));
	d->rps = ratio((double)c->ok, r->elapsed_s);
	d->ips = ratio((double)c->items, r->elapsed_s);
	d->bps = ratio((double)c->bytes, r->elapsed_s);
	d->p50 = (double)sl_hist_percentile(&c->lat, 50) / 1e3;
	d->p95 = (double)sl_hist_percentile(&c->lat, 95) / 1e3;
	d->p99 = (double)sl_hist_percentile(&c->lat, 99) / 1e3;
	d->p999 = (double)sl_hist_percentile(&c->lat, 99.9) / 1e3;
	d->max = (double)sl_hist_percentile(&c->lat, 100) / 1e3;
	d->mean = sl_hist_mean(&c->lat) / 1e3;
	d->errors = sl_gen_counts_errors(c);
	for (i = 0; i < SL_GEN_STATUS_MAX; i++) {
		int k;

		if (c->by_status[i] == 0)
			continue;
		k = snprintf(d->by_status + n, sizeof(d->by_status) - n, "%s%u:%" PRIu64,
		             n ? ";" : "", i, c->by_status[i]);
		if (k < 0 || (size_t)k >= sizeof(d->by_status) - n)
			break; /* 40+ distinct codes: the JSON has them all */
		n += (size_t)k;
	}
	n = 0;
	for (i = 1; i < SL_GEN_GRPC_STATUS_MAX; i++) {
		int k;

		if (c->by_grpc_status[i] == 0)
			continue;
		if (i == SL_GEN_GRPC_STATUS_OTHER)
			k = snprintf(d->by_grpc + n, sizeof(d->by_grpc) - n, "%sother:%" PRIu64,
			             n ? ";" : "", c->by_grpc_status[i]);
		else
			k = snprintf(d->by_grpc + n, sizeof(d->by_grpc) - n, "%s%u:%" PRIu64,
			             n ? ";" : "", i, c->by_grpc_status[i]);
		if (k < 0 || (size_t)k >= sizeof(d->by_grpc) - n)
			break;
		n += (size_t)k;
	}
	if (t) {
		d->t_busy_pct = 100.0 * ratio((double)t->busy, (double)(t->busy + t->idle));
		d->t_cyc_item = ratio((double)t->busy, (double)t->items);
		d->t_cyc_req = ratio((double)t->busy, (double)t->requests);
		d->t_cpu_m = 1e6 * ratio(t->cpu_s, (double)t->items);
		d->t_cyc_pkt = ratio((double)t->busy, (double)(t->rx_packets + t->tx_packets));
		/* CPU time at TSC rate: unlike busy cycles, time preempted is not in it. */
		d->t_cpu_cyc_item = ratio(t->cpu_s * (double)t->tsc_hz, (double)t->items);
		d->t_user_cyc_item = ratio(t->cpu_user_s * (double)t->tsc_hz, (double)t->items);
	}
}

/* ---- JSON ---- */

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static const char *
bool_s(bool b)
{
	return b ? "true" : "false";
}

int
sl_gen_report_json(const struct sl_gen_report *r, FILE *f)
{
	const struct sl_gen_params *p = &r->params;
	const struct sl_gen_counts *c = r->c;
	const struct sl_gen_target *t = r->target;
	struct derived d;
	bool first = true;
	uint32_t i;

	derive(r, &d);
	fputs("{\"tool\":\"sluice-gen\",\"params\":{\"label\":", f);
	json_str(f, p->label ? p->label : "");
	fputs(",\"mode\":", f);
	json_str(f, p->mode);
	fputs(",\"endpoint\":", f);
	json_str(f, p->endpoint);
	fputs(",\"proto\":", f);
	json_str(f, p->proto ? p->proto : "http");
	fprintf(f, ",\"streams\":%u", p->streams ? p->streams : 1);
	fprintf(f,
	        ",\"signal\":\"%s\",\"items_per_request\":%u,\"resources\":%u,"
	        "\"attributes_per_item\":%u,\"attribute_value_bytes\":%u,\"services\":%u,"
	        "\"hosts\":%u,\"gzip\":%s,\"gzip_level\":%d,\"json_body\":%s,\"variants\":%u,"
	        "\"threads\":%u,\"connections\":%u,\"loop\":\"%s\",\"rate\":%.3f,"
	        "\"duration_s\":%.3f,\"ramp_s\":%.3f,\"body_bytes\":%zu},",
	        sl_signal_name(p->signal), p->items_per_request, p->resources, p->attrs,
	        p->value_len, p->services, p->hosts, bool_s(p->gzip), p->gzip_level,
	        bool_s(p->json_body), p->variants, p->threads, p->connections,
	        p->rate > 0 ? "open" : "closed", p->rate, p->duration_s, p->ramp_s, p->body_bytes);
	fprintf(f,
	        "\"elapsed_s\":%.6f,\"requests\":%" PRIu64 ",\"items\":%" PRIu64
	        ",\"bytes\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"responses\":%" PRIu64 ",",
	        r->elapsed_s, c->ok, c->items, c->bytes, c->sent, c->responses);
	fprintf(f,
	        "\"throughput\":{\"requests_per_s\":%.3f,\"items_per_s\":%.3f,"
	        "\"bytes_per_s\":%.3f},",
	        d.rps, d.ips, d.bps);
	fprintf(f,
	        "\"latency_us\":{\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
	        "\"max\":%.3f,\"mean\":%.3f,\"count\":%" PRIu64 "},",
	        d.p50, d.p95, d.p99, d.p999, d.max, d.mean, c->lat.count);
	fprintf(f, "\"errors\":{\"total\":%" PRIu64 ",\"by_status\":{", d.errors);
	for (i = 0; i < SL_GEN_STATUS_MAX; i++) {
		if (c->by_status[i] == 0)
			continue;
		fprintf(f, "%s\"%u\":%" PRIu64, first ? "" : ",", i, c->by_status[i]);
		first = false;
	}
	fputs("},\"by_grpc_status\":{", f);
	first = true;
	for (i = 1; i < SL_GEN_GRPC_STATUS_MAX; i++) {
		if (c->by_grpc_status[i] == 0)
			continue;
		if (i == SL_GEN_GRPC_STATUS_OTHER)
			fprintf(f, "%s\"other\":%" PRIu64, first ? "" : ",", c->by_grpc_status[i]);
		else
			fprintf(f, "%s\"%u\":%" PRIu64, first ? "" : ",", i, c->by_grpc_status[i]);
		first = false;
	}
	fprintf(f,
	        "},\"timeouts\":%" PRIu64 ",\"protocol\":%" PRIu64 ",\"failed\":%" PRIu64 "},"
	        "\"retries\":%" PRIu64 ",\"connection_failures\":%" PRIu64
	        ",\"reconnects\":%" PRIu64 ",\"open_loop\":{\"backlog_max\":%" PRIu64
	        ",\"backlog_end\":%" PRIu64 "},\"drained\":{\"responses\":%" PRIu64
	        ",\"items\":%" PRIu64 "}",
	        c->timeouts, c->protocol_errors, c->failed, c->retries, c->connection_failures,
	        c->reconnects, c->backlog_max, c->backlog_end, c->drained, c->drained_items);
	if (t) {
		fputs(",\"target\":{\"instance\":", f);
		json_str(f, t->instance);
		fprintf(
		    f,
		    ",\"pid\":%d,\"tsc_hz\":%" PRIu64 ",\"cpu_s\":%.3f,\"cpu_user_s\":%.3f,"
		    "\"cpu_sys_s\":%.3f,"
		    "\"cpu_s_per_million_items\":%.3f,\"items\":%" PRIu64 ",\"requests\":%" PRIu64
		    ",\"busy_cycles\":%" PRIu64 ",\"idle_cycles\":%" PRIu64 ",\"busy_pct\":%.2f,"
		    "\"busy_cycles_per_item\":%.1f,\"busy_cycles_per_request\":%.1f,"
		    "\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64
		    ",\"busy_cycles_per_packet\":%.1f,\"cpu_cycles_per_item\":%.1f,"
		    "\"user_cycles_per_item\":%.1f,\"items_per_cpu_s\":%.1f,\"cores\":[",
		    t->pid, t->tsc_hz, t->cpu_s, t->cpu_user_s, t->cpu_sys_s, d.t_cpu_m, t->items,
		    t->requests, t->busy, t->idle, d.t_busy_pct, d.t_cyc_item, d.t_cyc_req,
		    t->rx_packets, t->tx_packets, d.t_cyc_pkt, d.t_cpu_cyc_item, d.t_user_cyc_item,
		    ratio((double)t->items, t->cpu_s));
		for (i = 0; i < t->n_cores && i < SL_GEN_TARGET_CORES_MAX; i++)
			fprintf(f,
			        "%s{\"lcore\":%u,\"busy_cycles\":%" PRIu64
			        ",\"idle_cycles\":%" PRIu64 ",\"busy_pct\":%.2f,\"items\":%" PRIu64
			        ",\"requests\":%" PRIu64 ",\"busy_cycles_per_item\":%.1f}",
			        i ? "," : "", t->core[i].lcore, t->core[i].busy, t->core[i].idle,
			        100.0 * ratio((double)t->core[i].busy,
			                      (double)(t->core[i].busy + t->core[i].idle)),
			        t->core[i].items, t->core[i].requests,
			        ratio((double)t->core[i].busy, (double)t->core[i].items));
		fputs("]}", f);
	}
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

/* ---- CSV ---- */

/*
 * X(name, kind, expr): kinds S string, U uint64, D double (3 decimals), B bool,
 * TU / TD a target value (empty cell without a target).
 */
#define CSV_COLS(X)                                                                                \
	X("label", S, p->label ? p->label : "")                                                    \
	X("mode", S, p->mode)                                                                      \
	X("endpoint", S, p->endpoint)                                                              \
	X("proto", S, p->proto ? p->proto : "http")                                                \
	X("streams", U, (uint64_t)(p->streams ? p->streams : 1))                                   \
	X("signal", S, sl_signal_name(p->signal))                                                  \
	X("items_per_request", U, p->items_per_request)                                            \
	X("resources", U, p->resources)                                                            \
	X("attributes_per_item", U, p->attrs)                                                      \
	X("attribute_value_bytes", U, p->value_len)                                                \
	X("services", U, p->services)                                                              \
	X("hosts", U, p->hosts)                                                                    \
	X("gzip", B, p->gzip)                                                                      \
	X("gzip_level", U, (uint64_t)p->gzip_level)                                                \
	X("json_body", B, p->json_body)                                                            \
	X("variants", U, p->variants)                                                              \
	X("threads", U, p->threads)                                                                \
	X("connections", U, p->connections)                                                        \
	X("loop", S, p->rate > 0 ? "open" : "closed")                                              \
	X("rate", D, p->rate)                                                                      \
	X("duration_s", D, p->duration_s)                                                          \
	X("ramp_s", D, p->ramp_s)                                                                  \
	X("body_bytes", U, p->body_bytes)                                                          \
	X("elapsed_s", D, r->elapsed_s)                                                            \
	X("requests", U, c->ok)                                                                    \
	X("items", U, c->items)                                                                    \
	X("bytes", U, c->bytes)                                                                    \
	X("requests_per_s", D, d.rps)                                                              \
	X("items_per_s", D, d.ips)                                                                 \
	X("bytes_per_s", D, d.bps)                                                                 \
	X("latency_us_p50", D, d.p50)                                                              \
	X("latency_us_p95", D, d.p95)                                                              \
	X("latency_us_p99", D, d.p99)                                                              \
	X("latency_us_p999", D, d.p999)                                                            \
	X("latency_us_max", D, d.max)                                                              \
	X("latency_us_mean", D, d.mean)                                                            \
	X("errors_total", U, d.errors)                                                             \
	X("errors_by_status", S, d.by_status)                                                      \
	X("errors_by_grpc_status", S, d.by_grpc)                                                   \
	X("timeouts", U, c->timeouts)                                                              \
	X("protocol_errors", U, c->protocol_errors)                                                \
	X("failed", U, c->failed)                                                                  \
	X("retries", U, c->retries)                                                                \
	X("connection_failures", U, c->connection_failures)                                        \
	X("reconnects", U, c->reconnects)                                                          \
	X("backlog_max", U, c->backlog_max)                                                        \
	X("backlog_end", U, c->backlog_end)                                                        \
	X("target_instance", TS, t ? t->instance : "")                                             \
	X("target_cpu_s", TD, t ? t->cpu_s : 0)                                                    \
	X("target_cpu_user_s", TD, t ? t->cpu_user_s : 0)                                          \
	X("target_cpu_sys_s", TD, t ? t->cpu_sys_s : 0)                                            \
	X("target_cpu_s_per_million_items", TD, d.t_cpu_m)                                         \
	X("target_items", TU, t ? t->items : 0)                                                    \
	X("target_requests", TU, t ? t->requests : 0)                                              \
	X("target_busy_cycles", TU, t ? t->busy : 0)                                               \
	X("target_idle_cycles", TU, t ? t->idle : 0)                                               \
	X("target_busy_pct", TD, d.t_busy_pct)                                                     \
	X("target_busy_cycles_per_item", TD, d.t_cyc_item)                                         \
	X("target_busy_cycles_per_request", TD, d.t_cyc_req)                                       \
	X("target_rx_packets", TU, t ? t->rx_packets : 0)                                          \
	X("target_tx_packets", TU, t ? t->tx_packets : 0)                                          \
	X("target_busy_cycles_per_packet", TD, d.t_cyc_pkt)                                        \
	X("target_cpu_cycles_per_item", TD, d.t_cpu_cyc_item)                                      \
	X("target_user_cycles_per_item", TD, d.t_user_cyc_item)

static void
sep(FILE *f, bool *first)
{
	if (!*first)
		fputc(',', f);
	*first = false;
}

static void
put_S(FILE *f, bool *first, bool has_t, const char *s)
{
	(void)has_t;
	sep(f, first);
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
put_U(FILE *f, bool *first, bool has_t, uint64_t v)
{
	(void)has_t;
	sep(f, first);
	fprintf(f, "%" PRIu64, v);
}

static void
put_D(FILE *f, bool *first, bool has_t, double v)
{
	(void)has_t;
	sep(f, first);
	fprintf(f, "%.3f", v);
}

static void
put_B(FILE *f, bool *first, bool has_t, bool v)
{
	(void)has_t;
	sep(f, first);
	fputs(v ? "true" : "false", f);
}

static void
put_TS(FILE *f, bool *first, bool has_t, const char *s)
{
	put_S(f, first, has_t, has_t ? s : "");
}

static void
put_TU(FILE *f, bool *first, bool has_t, uint64_t v)
{
	if (has_t)
		put_U(f, first, has_t, v);
	else
		sep(f, first);
}

static void
put_TD(FILE *f, bool *first, bool has_t, double v)
{
	if (has_t)
		put_D(f, first, has_t, v);
	else
		sep(f, first);
}

int
sl_gen_report_csv_header(FILE *f)
{
	bool first = true;

#define X_HDR(name, kind, expr)                                                                    \
	sep(f, &first);                                                                            \
	fputs(name, f);
	CSV_COLS(X_HDR)
#undef X_HDR
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int
sl_gen_report_csv_row(const struct sl_gen_report *r, FILE *f)
{
	const struct sl_gen_params *p = &r->params;
	const struct sl_gen_counts *c = r->c;
	const struct sl_gen_target *t = r->target;
	bool first = true, has_t = t != NULL;
	struct derived d;

	derive(r, &d);
#define X_ROW(name, kind, expr) put_##kind(f, &first, has_t, (expr));
	CSV_COLS(X_ROW)
#undef X_ROW
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

int
sl_gen_report_csv_append(const struct sl_gen_report *r, const char *path)
{
	char want[4096], got[4096];
	FILE *mem, *f;
	long size;
	int rc = 0;

	/* The header as text, to compare with what the file starts with. */
	mem = fmemopen(want, sizeof(want), "w");
	if (mem == NULL)
		return -errno;
	sl_gen_report_csv_header(mem);
	fclose(mem);
	want[sizeof(want) - 1] = '\0';

	f = fopen(path, "a+");
	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		rc = -errno;
		goto out;
	}
	if (size == 0) {
		rc = sl_gen_report_csv_header(f);
	} else {
		rewind(f);
		if (fgets(got, sizeof(got), f) == NULL || strcmp(got, want) != 0) {
			rc = -EPROTO;
			goto out;
		}
		fseek(f, 0, SEEK_END);
	}
	if (rc == 0)
		rc = sl_gen_report_csv_row(r, f);
out:
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}
