/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-request classification on a poll core: tenant, routes, faults, rate limits, sampling. */

/*
 * Design
 * ------
 * One classifier per poll core, bound to the table image the core entered
 * at the top of its loop (control/table_image.h: one generation per loop
 * iteration, hence per request). A request, once walked with the image's
 * attribute keys, goes through:
 *
 *   faults  the first fault in table order matching any entry; it
 *           fires with its probability (one draw per request): error,
 *           reset and throttle decide the answer and nothing is stored;
 *           delay, partial and blackhole change the answer of an accepted
 *           request
 *   routes  per entry, first matching route: a route slot, or none (drop);
 *           durability is persisted when any stored entry's route says so
 *   limits  tenant rate and per-route tenant rates, token buckets in items
 *           per second, checked all before any is charged (a refused
 *           request costs no tokens): over one, 429 and nothing stored
 *   filter  only when a route samples or a partial fault fires: the
 *           entries are re-encoded without the items left out
 *           (pipeline/item_filter.c) into a per-core buffer, which the
 *           pipeline then copies like an inflated body
 *
 * Rates are per appliance in the tables and split evenly over the poll
 * cores (RSS spreads connections, not tenants, so a tenant on one core gets
 * 1/n of its rate there; documented in docs/routing.md). Buckets are keyed
 * by names' CRC32C, not table indices, so a new generation does not refill
 * them.
 *
 * Rejected: sampling whole Resource entries by the first span's trace id
 * (cheap, but a trace whose spans share an entry with other traces would
 * be split); re-encoding every request (the common case has no sampling
 * and keeps DESIGN rule 4's zero copy).
 *
 * Measured (taskset -c 1 build/perf/classify_bench, 2026-11-27, 100-span
 * trace requests of ~260 B spans in 1448-byte fragments; docs/benchmarks.md):
 * the walk is ~12,300 TSC cycles per request (123 per span); with 20 routes
 * (match at the 10th) and 10 non-matching faults classification adds ~410
 * cycles per request with 1 Resource entry (3% of the walk) and ~1,540 with
 * 4 (12%), about 380 per entry, mostly fault and route conditions; a tenant
 * rate bucket adds under 30, and a matching fault (fired or not) ends the
 * fault scan early. A sampling route (0.1) costs ~195 cycles per span over
 * that (1.6x the walk; ~310 before the filter trusted this walk instead of
 * walking each entry again).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "classify.h"
#include "core.h"
#include "pipeline/batch_types.h"
#include "pipeline/item_filter.h"
#include "table_match.h"

#define KEY_THROTTLE (UINT64_C(1) << 62)
#define KEY_TENANT   (UINT64_C(2) << 62)
#define KEY_ROUTE    (UINT64_C(3) << 62)
#define PROBES       16

int
sl_cls_init(struct sl_cls *cls, struct sl_core *core, uint32_t n_cores,
            enum sl_durability static_durability, uint32_t max_entries, uint32_t max_body,
            struct sl_stats_ext *ext)
{
	struct timespec ts;

	memset(cls, 0, sizeof(*cls));
	cls->core = core;
	cls->n_cores = n_cores != 0 ? n_cores : 1;
	cls->static_durability = static_durability;
	cls->hz = rte_get_tsc_hz();
	cls->ext = ext;
	cls->max_entries = max_entries;
	cls->max_body = max_body;
	clock_gettime(CLOCK_REALTIME, &ts);
	cls->base_tsc = rte_rdtsc();
	cls->base_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	cls->rng = cls->base_tsc ^ ((uint64_t)core->idx << 32) ^ 0x9e3779b97f4a7c15ULL;
	cls->route = calloc(max_entries, sizeof(*cls->route));
	cls->froute = calloc(max_entries, sizeof(*cls->froute));
	cls->fentries = calloc(max_entries, sizeof(*cls->fentries));
	cls->gather = malloc(max_body);
	cls->fbuf = malloc(max_body);
	if (cls->route == NULL || cls->froute == NULL || cls->fentries == NULL ||
	    cls->gather == NULL || cls->fbuf == NULL) {
		sl_cls_fini(cls);
		return -ENOMEM;
	}
	return 0;
}

void
sl_cls_fini(struct sl_cls *cls)
{
	if (cls == NULL)
		return;
	free(cls->route);
	free(cls->froute);
	free(cls->fentries);
	free(cls->gather);
	free(cls->fbuf);
	cls->route = cls->froute = NULL;
	cls->fentries = NULL;
	cls->gather = cls->fbuf = NULL;
}

void
sl_cls_bind(struct sl_cls *cls, const struct sl_tbl_hdr *img, uint64_t gen)
{
	uint32_t i, n;

	cls->img = img;
	cls->gen = gen;
	memset(&cls->opts, 0, sizeof(cls->opts));
	if (img == NULL)
		return;
	n = img->n_keys < SL_TBL_MAX_KEYS ? img->n_keys : SL_TBL_MAX_KEYS;
	for (i = 0; i < n; i++) {
		const struct sl_tbl_key *k = &sl_tbl_keys(img)[i];
		uint32_t len = k->str_len <= SL_OTLP_KEY_MAX ? k->str_len : SL_OTLP_KEY_MAX;

		memcpy(cls->keys[i], sl_tbl_str(img, k->str_off), len);
		cls->keys[i][len] = '\0';
		cls->opts.keys[i].name = cls->keys[i];
		cls->opts.keys[i].len = len;
	}
	cls->opts.n_keys = n;
	for (i = 0; i < img->n_tenants && i < SL_TBL_MAX_TENANTS; i++) {
		const char *name = sl_tbl_tenants(img)[i].name;

		cls->tenant_key[i] = sl_tbl_crc32c(0, name, strnlen(name, SL_TBL_NAME_LEN));
	}
}

const char *
sl_cls_tenant_header(const struct sl_cls *cls, uint32_t *len)
{
	if (cls->img == NULL || cls->img->tenant_header_len == 0) {
		*len = 0;
		return NULL;
	}
	*len = cls->img->tenant_header_len;
	return sl_tbl_str(cls->img, cls->img->tenant_header_off);
}

uint32_t
sl_cls_tenant(const struct sl_cls *cls, const char *hval, uint32_t hlen, const char *auth,
              uint32_t alen)
{
	static const char bearer[] = "bearer ";
	uint32_t t = 0, i;

	if (cls->img == NULL)
		return 0;
	if (hval != NULL && hlen != 0)
		t = sl_tbl_tenant_by_name(cls->img, hval, hlen);
	if (t != 0 || auth == NULL || alen <= sizeof(bearer) - 1)
		return t;
	for (i = 0; i < sizeof(bearer) - 1; i++)
		if ((auth[i] | 0x20) != bearer[i] && !(bearer[i] == ' ' && auth[i] == ' '))
			return 0;
	while (i < alen && auth[i] == ' ')
		i++;
	return sl_tbl_tenant_by_token(cls->img, auth + i, alen - i);
}

/* xorshift64*: a core's own stream, no shared state. */
static inline uint64_t
rnd64(struct sl_cls *cls)
{
	uint64_t x = cls->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	cls->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t *
named(struct sl_cls *cls, enum sl_named_kind kind, uint32_t id, const char *name)
{
	static uint64_t sink[SL_NAMED_V];
	uint64_t *v;

	if (cls->ext == NULL)
		return sink;
	v = sl_stats_named(cls->ext, kind, id, name);
	if (v == NULL) {
		cls->core->ctr[SL_CTR_NAMED_FULL]++;
		return sink;
	}
	return v;
}

/* Bucket of key (rate per second, burst), refilled to now. Evicts on a full probe run. */
static struct sl_cls_bucket *
bucket(struct sl_cls *cls, uint64_t key, uint32_t rate, uint32_t burst, double *depth)
{
	double r = (double)rate / cls->n_cores;
	double d = (double)(burst != 0 ? burst : rate) / cls->n_cores;
	uint64_t now = cls->core->now, h = key * 0x9e3779b97f4a7c15ULL;
	struct sl_cls_bucket *b = NULL;
	uint32_t k;

	if (d < 1)
		d = 1;
	*depth = d;
	for (k = 0; k < PROBES; k++) {
		b = &cls->buckets[(h + k) & (SL_CLS_BUCKETS - 1)];
		if (b->key == key)
			break;
		if (b->key == 0)
			goto fresh;
	}
	if (k == PROBES) {
		b = &cls->buckets[h & (SL_CLS_BUCKETS - 1)];
		goto fresh;
	}
	if (now > b->last_tsc) {
		b->tokens += (double)(now - b->last_tsc) * r / (double)cls->hz;
		if (b->tokens > d)
			b->tokens = d;
		b->last_tsc = now;
	}
	return b;
fresh:
	b->key = key;
	b->tokens = d;
	b->last_tsc = now;
	return b;
}

/* A full bucket lets one request bigger than its depth through (then owes). */
static inline bool
bucket_has(const struct sl_cls_bucket *b, double depth, uint32_t need)
{
	return b->tokens >= (double)need || b->tokens >= depth;
}

/* Copy [off, off + len) of the body in iov[0..n) to dst. */
static void
iov_copy(const struct sl_iov *iov, unsigned n, uint32_t off, uint32_t len, uint8_t *dst)
{
	unsigned i;

	for (i = 0; i < n && len != 0; i++) {
		uint32_t take;

		if (off >= iov[i].len) {
			off -= iov[i].len;
			continue;
		}
		take = iov[i].len - off < len ? iov[i].len - off : len;
		memcpy(dst, iov[i].base + off, take);
		dst += take;
		len -= take;
		off = 0;
	}
}

struct keep_ctx {
	const struct sl_tbl_route *route; /* sampling route, or NULL */
	uint32_t base;                    /* request-wide index of the entry's first item */
	uint32_t cut;                     /* items at or past it are refused (partial) */
	uint32_t sampled_out;
	uint32_t partial_out;
};

static bool
keep_item(void *arg, uint32_t idx, const uint8_t *trace_id)
{
	struct keep_ctx *k = arg;

	if (k->base + idx >= k->cut) {
		k->partial_out++;
		return false;
	}
	if (k->route != NULL && trace_id != NULL && !sl_tbl_sample_keep(k->route, trace_id)) {
		k->sampled_out++;
		return false;
	}
	return true;
}

/*
 * Re-encode the stored entries into cls->fbuf without the items sampling
 * and the partial fault leave out; out then points at the copy.
 */
static void
filter_entries(struct sl_cls *cls, const struct sl_cls_in *in, const struct sl_iov *iov,
               unsigned n_iov, const struct sl_otlp_walk_result *res, uint32_t cut,
               struct sl_cls_out *out)
{
	const struct sl_tbl_route *routes = sl_tbl_routes(cls->img);
	uint64_t *ctr = cls->core->ctr;
	uint32_t i, o = 0, m = 0, base = 0, items = 0;

	for (i = 0; i < res->n_entries; base += res->entries[i].items, i++) {
		const struct sl_otlp_entry *e = &res->entries[i];
		uint16_t r = cls->route[i];
		struct sl_item_filter_res fr;
		struct keep_ctx k = {NULL, base, cut, 0, 0};
		bool sample;

		if (r == SL_PIPE_ROUTE_NONE || e->len == 0)
			continue;
		sample = (routes[r].flags & SL_TBL_R_SAMPLE) && in->signal != SL_SIGNAL_METRICS;
		cls->fentries[m] = *e;
		cls->froute[m] = r;
		if (!sample && base + e->items <= cut) {
			iov_copy(iov, n_iov, e->off, e->len, cls->fbuf + o);
			cls->fentries[m].off = o;
			o += e->len;
			items += e->items;
			m++;
			continue;
		}
		k.route = sample ? &routes[r] : NULL;
		iov_copy(iov, n_iov, e->off, e->len, cls->gather);
		ctr[SL_CTR_ROUTE_FILTER_BYTES] += e->len;
		if (sl_item_filter_walked(in->signal, cls->gather, e->len, e->items, keep_item, &k,
		                          cls->fbuf + o, cls->max_body - o, &fr) < 0) {
			/* The walker passed it: cannot happen; keep the entry whole, lose nothing. */
			memcpy(cls->fbuf + o, cls->gather, e->len);
			cls->fentries[m].off = o;
			o += e->len;
			items += e->items;
			m++;
			continue;
		}
		ctr[SL_CTR_ROUTE_SAMPLED_OUT] += k.sampled_out;
		if (k.sampled_out != 0)
			named(cls, SL_NAMED_ROUTE, routes[r].id, routes[r].name)[3] += k.sampled_out;
		if (fr.out_len == 0)
			continue;
		cls->fentries[m].off = o;
		cls->fentries[m].len = fr.out_len;
		cls->fentries[m].items = fr.kept;
		o += fr.out_len;
		items += fr.kept;
		m++;
	}
	out->flat = cls->fbuf;
	out->flat_len = o;
	out->entries = cls->fentries;
	out->entry_route = cls->froute;
	out->n_entries = m;
	out->items_stored = items;
}

/* Fault handling; returns true when the verdict is final (nothing stored). */
static bool
apply_fault(struct sl_cls *cls, const struct sl_tbl_fault *f, uint32_t items, struct sl_cls_out *out)
{
	uint64_t *v = named(cls, SL_NAMED_FAULT, f->id, f->name);
	uint64_t *ctr = cls->core->ctr;

	v[0]++;
	if (!sl_tbl_fault_fires(f, rnd64(cls)))
		return false;
	memcpy(out->fault_name, f->name, sizeof(out->fault_name));
	out->fault_name[sizeof(out->fault_name) - 1] = '\0';
	switch (f->kind) {
	case SL_TBL_F_ERROR:
		v[1]++;
		ctr[SL_CTR_FAULT_ERROR]++;
		out->verdict = SL_CLS_ERROR;
		out->status = f->status;
		out->retry_after_s = f->retry_after_s;
		return true;
	case SL_TBL_F_RESET:
		v[1]++;
		ctr[SL_CTR_FAULT_RESET]++;
		out->verdict = SL_CLS_RESET;
		return true;
	case SL_TBL_F_THROTTLE: {
		double depth;
		struct sl_cls_bucket *b = bucket(cls, KEY_THROTTLE | f->id, f->rate, f->burst, &depth);

		if (bucket_has(b, depth, 1)) {
			b->tokens -= 1;
			return false;
		}
		v[1]++;
		ctr[SL_CTR_FAULT_THROTTLE]++;
		out->verdict = SL_CLS_LIMITED;
		out->status = 429;
		out->retry_after_s = f->retry_after_s != 0 ? f->retry_after_s : 1;
		return true;
	}
	case SL_TBL_F_DELAY: {
		uint64_t ns = f->delay_min_ns;

		if (f->delay_max_ns > f->delay_min_ns)
			ns += rnd64(cls) % (f->delay_max_ns - f->delay_min_ns + 1);
		v[1]++;
		out->fault_kind = SL_TBL_F_DELAY;
		out->delay_tsc = (uint64_t)((double)ns * (double)cls->hz / 1e9);
		return false;
	}
	case SL_TBL_F_PARTIAL:
		v[1]++;
		out->fault_kind = SL_TBL_F_PARTIAL;
		out->rejected = (uint32_t)((uint64_t)items * f->partial_ppm / 1000000u);
		return false;
	case SL_TBL_F_BLACKHOLE:
		v[1]++;
		out->fault_kind = SL_TBL_F_BLACKHOLE;
		return false;
	default:
		return false;
	}
}

/*
 * Tenant and per-route tenant rates: every bucket is checked before any is
 * charged. False (and out set) when the request is over a limit.
 */
static bool
within_limits(struct sl_cls *cls, const struct sl_cls_in *in,
              const struct sl_otlp_walk_result *res, struct sl_cls_out *out)
{
	const struct sl_tbl_hdr *img = cls->img;
	const struct sl_tbl_route *routes = sl_tbl_routes(img);
	struct sl_cls_bucket *b[SL_TBL_MAX_ROUTES + 2];
	uint32_t need[SL_TBL_MAX_ROUTES + 2];
	double depth[SL_TBL_MAX_ROUTES + 2];
	uint64_t seen[(SL_TBL_MAX_ROUTES + 1 + 63) / 64] = {0};
	uint16_t bi[SL_TBL_MAX_ROUTES + 1];
	uint32_t n = 0, i, k, t = in->tenant, tkey = cls->tenant_key[t];
	const struct sl_tbl_tenant *ten = &sl_tbl_tenants(img)[t];

	if (t != 0 && ten->rate != 0) {
		b[n] = bucket(cls, KEY_TENANT | tkey, ten->rate, ten->burst, &depth[n]);
		need[n++] = res->items;
	}
	for (i = 0; i < res->n_entries; i++) {
		uint16_t r = cls->route[i];

		if ((routes[r].flags & SL_TBL_R_DROP) || routes[r].tenant_rate == 0)
			continue;
		if (!(seen[r / 64] & (UINT64_C(1) << (r % 64)))) {
			seen[r / 64] |= UINT64_C(1) << (r % 64);
			bi[r] = (uint16_t)n;
			b[n] = bucket(cls, KEY_ROUTE | (((uint64_t)routes[r].id << 24) ^ tkey),
			              routes[r].tenant_rate, routes[r].tenant_burst, &depth[n]);
			need[n++] = 0;
		}
		need[bi[r]] += res->entries[i].items;
	}
	for (k = 0; k < n; k++)
		if (!bucket_has(b[k], depth[k], need[k])) {
			cls->core->ctr[SL_CTR_TENANT_LIMITED]++;
			cls->core->ctr[SL_CTR_TENANT_LIMITED_ITEMS] += res->items;
			if (t != 0)
				named(cls, SL_NAMED_TENANT, tkey, ten->name)[2] += res->items;
			out->verdict = SL_CLS_LIMITED;
			out->status = 429;
			out->retry_after_s = img->retry_after_s != 0 ? img->retry_after_s : 1;
			return false;
		}
	for (k = 0; k < n; k++)
		b[k]->tokens -= need[k];
	return true;
}

void
sl_cls_request(struct sl_cls *cls, const struct sl_cls_in *in, const struct sl_iov *iov,
               unsigned n_iov, const struct sl_otlp_walk_result *res, struct sl_cls_out *out)
{
	const struct sl_tbl_hdr *img = cls->img;
	const struct sl_tbl_route *routes;
	uint64_t *ctr = cls->core->ctr;
	struct sl_tbl_ctx ctx;
	uint64_t now_ns;
	uint32_t i, cut;
	bool persisted = false, filter = false;
	int fi = -1;

	memset(out, 0, offsetof(struct sl_cls_out, durability));
	out->durability = cls->static_durability;
	out->entries = res->entries;
	out->entry_route = cls->route;
	out->n_entries = res->n_entries;
	out->flat = NULL;
	out->flat_len = 0;
	out->items_stored = res->items;
	out->gen = cls->gen;
	if (img == NULL) {
		ctr[SL_CTR_TBL_STATIC]++;
		for (i = 0; i < res->n_entries; i++)
			cls->route[i] = 0;
		return;
	}
	ctr[SL_CTR_TBL_CLASSIFIED]++;
	routes = sl_tbl_routes(img);
	ctx.signal = in->signal;
	ctx.tenant = in->tenant;
	ctx.listener_port = in->lport;
	ctx.reserved = 0;
	sl_tbl_addr_v4(ctx.src, in->raddr_be);
	/* Signed: another lcore's TSC may be a little behind the one init read. */
	now_ns = cls->base_ns +
	         (uint64_t)((double)(int64_t)(cls->core->now - cls->base_tsc) * 1e9 / (double)cls->hz);

	/*
	 * Faults: the first in table order that matches any entry (the lowest of
	 * the entries' first matches; a match of fault 0 ends the search).
	 */
	if (img->n_faults != 0) {
		if (res->n_entries == 0)
			fi = sl_tbl_match_fault(img, &ctx, NULL, now_ns);
		for (i = 0; i < res->n_entries && fi != 0; i++) {
			int f = sl_tbl_match_fault(img, &ctx, &res->entries[i], now_ns);

			if (f >= 0 && (fi < 0 || f < fi))
				fi = f;
		}
		if (fi >= 0 && apply_fault(cls, &sl_tbl_faults(img)[fi], res->items, out))
			return;
	}

	/* Routes, entry by entry. */
	out->items_stored = 0;
	for (i = 0; i < res->n_entries; i++) {
		const struct sl_otlp_entry *e = &res->entries[i];
		uint32_t r = sl_tbl_match_route(img, &ctx, e);
		const struct sl_tbl_route *rt = &routes[r];
		enum sl_durability d;

		cls->route[i] = (uint16_t)r;
		if (rt->flags & SL_TBL_R_DROP)
			continue;
		out->items_stored += e->items;
		if ((rt->flags & SL_TBL_R_SAMPLE) && in->signal != SL_SIGNAL_METRICS)
			filter = true;
		d = rt->durability == SL_TBL_DUR_PERSISTED  ? SL_DURABILITY_PERSISTED
		    : rt->durability == SL_TBL_DUR_RECEIVED ? SL_DURABILITY_RECEIVED
		                                            : cls->static_durability;
		if (d == SL_DURABILITY_PERSISTED)
			persisted = true;
	}
	out->durability = persisted ? SL_DURABILITY_PERSISTED : SL_DURABILITY_RECEIVED;

	if (!within_limits(cls, in, res, out))
		return;

	/* Accepted: count per route, tenant and fault effect; drop routes' entries go nowhere. */
	for (i = 0; i < res->n_entries; i++) {
		const struct sl_otlp_entry *e = &res->entries[i];
		const struct sl_tbl_route *rt = &routes[cls->route[i]];
		uint64_t *v = named(cls, SL_NAMED_ROUTE, rt->id, rt->name);

		v[0]++;
		v[1] += e->items;
		if (rt->flags & SL_TBL_R_DROP) {
			cls->route[i] = SL_PIPE_ROUTE_NONE;
			v[2] += e->items;
			ctr[SL_CTR_ROUTE_DROPPED_ITEMS] += e->items;
		}
	}
	if (in->tenant != 0) {
		uint64_t *v = named(cls, SL_NAMED_TENANT, cls->tenant_key[in->tenant],
		                    sl_tbl_tenants(img)[in->tenant].name);

		v[0]++;
		v[1] += res->items;
	}
	switch (out->fault_kind) {
	case SL_TBL_F_DELAY:
		ctr[SL_CTR_FAULT_DELAY]++;
		break;
	case SL_TBL_F_PARTIAL:
		ctr[SL_CTR_FAULT_PARTIAL]++;
		ctr[SL_CTR_FAULT_PARTIAL_ITEMS] += out->rejected;
		break;
	case SL_TBL_F_BLACKHOLE:
		ctr[SL_CTR_FAULT_BLACKHOLE]++;
		break;
	default:
		break;
	}
	cut = res->items - out->rejected;
	if (filter || out->rejected != 0)
		filter_entries(cls, in, iov, n_iov, res, cut, out);
}

int
sl_cls_grpc_code(uint32_t s)
{
	switch (s) {
	case 400:
		return 3; /* INVALID_ARGUMENT */
	case 401:
		return 16; /* UNAUTHENTICATED */
	case 403:
		return 7; /* PERMISSION_DENIED */
	case 404:
		return 5; /* NOT_FOUND */
	case 408:
	case 504:
		return 4; /* DEADLINE_EXCEEDED */
	case 409:
		return 10; /* ABORTED */
	case 429:
		return 8; /* RESOURCE_EXHAUSTED */
	case 500:
		return 13; /* INTERNAL */
	case 501:
		return 12; /* UNIMPLEMENTED */
	case 502:
	case 503:
		return 14; /* UNAVAILABLE */
	default:
		return 2; /* UNKNOWN */
	}
}

static uint32_t
put_varint(uint8_t *p, uint64_t v)
{
	uint32_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

uint32_t
sl_cls_partial_response(enum sl_signal sig, uint32_t rejected, const char *msg, bool json,
                        uint8_t *out, uint32_t cap)
{
	static const char *const field[SL_SIGNAL_MAX] = {"rejectedSpans", "rejectedDataPoints",
	                                                  "rejectedLogRecords"};
	uint8_t inner[320];
	uint32_t n = 0, mlen = (uint32_t)strnlen(msg, 256), o = 0;
	int w;

	if ((unsigned)sig >= SL_SIGNAL_MAX)
		return 0;
	if (json) {
		/* The message is ours: no character needs escaping (checked by the caller's names). */
		w = snprintf((char *)out, cap,
		             "{\"partialSuccess\":{\"%s\":\"%u\",\"errorMessage\":\"%.*s\"}}",
		             field[sig], rejected, (int)mlen, msg);
		return w > 0 && (uint32_t)w < cap ? (uint32_t)w : 0;
	}
	/* Export*PartialSuccess {1: rejected (int64), 2: error_message} */
	inner[n++] = 0x08;
	n += put_varint(inner + n, rejected);
	inner[n++] = 0x12;
	n += put_varint(inner + n, mlen);
	memcpy(inner + n, msg, mlen);
	n += mlen;
	if (cap < n + 6)
		return 0;
	/* Export*ServiceResponse {1: partial_success} */
	out[o++] = 0x0a;
	o += put_varint(out + o, n);
	memcpy(out + o, inner, n);
	return o + n;
}
