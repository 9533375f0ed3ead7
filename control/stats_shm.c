/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared-memory stats region: creation by the dataplane, lock-free reads by everyone else. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats_map.h"

#define X_NAME(e, name, help) name,
static const char *const ctr_names[SL_CTR_MAX] = {SL_CORE_COUNTERS(X_NAME)};
static const char *const drop_names[SL_DROP_MAX] = {SL_DROP_REASONS(X_NAME)};
static const char *const hist_names[SL_STATS_HIST_MAX] = {SL_CORE_HISTOGRAMS(X_NAME)};
#undef X_NAME
#define X_HELP(e, name, help) help,
static const char *const hist_helps[SL_STATS_HIST_MAX] = {SL_CORE_HISTOGRAMS(X_HELP)};
#undef X_HELP

/* Value meanings per kind: the comment of enum sl_named_kind. */
static const struct sl_stats_named_desc named_desc[] = {
    [SL_NAMED_ROUTE] = {"route",
                        {"entries", "items", "dropped_items", "sampled_out_items"},
                        {"sluice_route_entries_total", "sluice_route_items_total",
                         "sluice_route_items_dropped_total",
                         "sluice_route_items_sampled_out_total"},
                        {"resource entries classified to the route",
                         "items (spans, data points, log records) classified to the route",
                         "items the route accepted and discarded (drop route); all routes per "
                         "core: sluice_route_dropped_items_total",
                         "items the route's sampling left out; all routes per core: "
                         "sluice_route_sampled_out_items_total"}},
    [SL_NAMED_FAULT] = {"fault",
                        {"matched_requests", "fired_requests", NULL, NULL},
                        {"sluice_fault_matched_requests_total", "sluice_fault_fired_requests_total",
                         NULL, NULL},
                        {"requests the fault's match selected",
                         "requests the fault acted on (after its probability)", NULL, NULL}},
    [SL_NAMED_TENANT] = {"tenant",
                         {"requests", "items", "limited_items", NULL},
                         {"sluice_tenant_requests_total", "sluice_tenant_items_total",
                          "sluice_tenant_items_limited_total", NULL},
                         {"requests authenticated as the tenant", "items in the tenant's requests",
                          "items refused by the tenant's rate limit (429); all tenants per core: "
                          "sluice_tenant_limited_items_total",
                          NULL}},
};

/* 64 bytes: a core block never shares a cache line with its neighbour. */
#define CORE_ALIGN 64

static size_t
align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

uint64_t
sl_stats_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
sl_stats_path(const char *instance, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "/dev/shm/sluice.%s.stats", instance);

	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int
sl_stats_create(struct sl_stats_map *m, const char *instance, uint32_t n_cores, uint32_t n_ports)
{
	struct sl_stats_hdr *h;
	size_t names_off, ports_off, cores_off, stride, total;
	uint32_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	rc = sl_stats_path(instance, m->path, sizeof(m->path));
	if (rc < 0)
		return rc;

	names_off = align_up(sizeof(*h), CORE_ALIGN);
	ports_off = align_up(names_off + (size_t)(SL_CTR_MAX + SL_DROP_MAX) * SL_STATS_NAME_LEN,
	                     CORE_ALIGN);
	cores_off =
	    align_up(ports_off + (size_t)n_ports * sizeof(struct sl_stats_port), CORE_ALIGN);
	stride = align_up(sizeof(struct sl_stats_core), CORE_ALIGN);
	total = cores_off + (size_t)n_cores * stride;

	m->fd = open(m->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (m->fd < 0)
		return -errno;
	if (ftruncate(m->fd, (off_t)total) < 0)
		goto err;
	m->base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto err;
	}
	m->size = total;
	m->writer = true;

	h = m->base;
	h->version = SL_STATS_VERSION;
	h->hdr_size = sizeof(*h);
	h->total_size = total;
	h->n_counters = SL_CTR_MAX;
	h->n_drops = SL_DROP_MAX;
	h->n_cores = n_cores;
	h->core_stride = (uint32_t)stride;
	h->n_ports = n_ports;
	h->names_off = (uint32_t)names_off;
	h->ports_off = (uint32_t)ports_off;
	h->cores_off = (uint32_t)cores_off;
	h->pid = getpid();
	h->state = SL_STATS_STARTING;
	h->start_unix_ns = sl_stats_now_ns();
	h->heartbeat_ns = h->start_unix_ns;
	snprintf(h->instance, sizeof(h->instance), "%s", instance);
	for (i = 0; i < SL_CTR_MAX; i++)
		snprintf((char *)m->base + names_off + (size_t)i * SL_STATS_NAME_LEN,
		         SL_STATS_NAME_LEN, "%s", ctr_names[i]);
	for (i = 0; i < SL_DROP_MAX; i++)
		snprintf((char *)m->base + names_off + (size_t)(SL_CTR_MAX + i) * SL_STATS_NAME_LEN,
		         SL_STATS_NAME_LEN, "%s", drop_names[i]);
	/* Magic last: a reader that sees it sees a complete header. */
	__atomic_store_n(&h->magic, SL_STATS_MAGIC, __ATOMIC_RELEASE);
	return 0;
err:
	rc = -errno;
	close(m->fd);
	unlink(m->path);
	m->fd = -1;
	return rc;
}

int
sl_stats_open(struct sl_stats_map *m, const char *instance)
{
	struct sl_stats_hdr *h;
	struct stat st;
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	rc = sl_stats_path(instance, m->path, sizeof(m->path));
	if (rc < 0)
		return rc;
	m->fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0)
		return -errno;
	if (fstat(m->fd, &st) < 0)
		goto err_errno;
	if ((size_t)st.st_size < sizeof(*h)) {
		rc = -EPROTO;
		goto err;
	}
	m->base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		goto err_errno;
	}
	m->size = (size_t)st.st_size;
	h = m->base;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SL_STATS_MAGIC ||
	    h->version != SL_STATS_VERSION || h->total_size > m->size ||
	    h->n_counters > SL_CTR_MAX || h->n_drops > SL_DROP_MAX ||
	    h->core_stride < sizeof(struct sl_stats_core) ||
	    (uint64_t)h->cores_off + (uint64_t)h->n_cores * h->core_stride > m->size ||
	    (uint64_t)h->ports_off + (uint64_t)h->n_ports * sizeof(struct sl_stats_port) >
	        m->size) {
		rc = -EPROTO;
		goto err;
	}
	return 0;
err_errno:
	rc = -errno;
err:
	sl_stats_close(m, false);
	return rc;
}

void
sl_stats_close(struct sl_stats_map *m, bool unlink_file)
{
	if (m == NULL)
		return;
	if (m->base != NULL)
		munmap(m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	if (unlink_file && m->writer && m->path[0] != '\0')
		unlink(m->path);
	m->base = NULL;
	m->fd = -1;
}

const char *
sl_stats_counter_name(const struct sl_stats_map *m, uint32_t i)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);

	return (const char *)m->base + h->names_off + (size_t)i * SL_STATS_NAME_LEN;
}

const char *
sl_stats_drop_name(const struct sl_stats_map *m, uint32_t i)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);

	return (const char *)m->base + h->names_off +
	       (size_t)(h->n_counters + i) * SL_STATS_NAME_LEN;
}

void
sl_stats_core_publish(struct sl_stats_core *dst, const uint64_t *counters, const uint64_t *drops,
                      const struct sl_stats_ext *ext, uint64_t tsc)
{
	uint64_t seq = dst->seq;

	/*
	 * Seqlock writer: the odd count must be visible before the data, and the
	 * data before the even count. Release on the closing store orders the
	 * copies before it; the fence after the opening store keeps the copies
	 * from moving above it (a release store alone would not).
	 */
	__atomic_store_n(&dst->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(dst->counters, counters, sizeof(dst->counters));
	memcpy(dst->drops, drops, sizeof(dst->drops));
	if (ext != NULL)
		memcpy(&dst->ext, ext, sizeof(dst->ext));
	dst->publish_tsc = tsc;
	__atomic_store_n(&dst->seq, seq + 2, __ATOMIC_RELEASE);
}

int
sl_stats_core_read(const struct sl_stats_map *m, uint32_t i, struct sl_stats_core_snap *out)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	const struct sl_stats_core *c = sl_stats_core_at(m, i);
	uint64_t s1, s2;
	int tries;

	for (tries = 0; tries < 10000; tries++) {
		s1 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1)
			continue;
		memset(out, 0, sizeof(*out));
		out->lcore_id = c->lcore_id;
		out->core_idx = c->core_idx;
		memcpy(out->counters, c->counters, h->n_counters * sizeof(uint64_t));
		memcpy(out->drops, c->drops, h->n_drops * sizeof(uint64_t));
		memcpy(&out->ext, &c->ext, sizeof(out->ext));
		/* Reader side of the seqlock: the copies must complete before the re-check. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
		if (s1 == s2) {
			/* The writer terminates names; a reader does not trust shared memory to. */
			for (uint32_t k = 0; k < SL_STATS_NAMED_MAX; k++)
				out->ext.named[k].name[sizeof(out->ext.named[k].name) - 1] = '\0';
			return 0;
		}
	}
	return -EAGAIN;
}

const struct sl_stats_named_desc *
sl_stats_named_desc(unsigned kind)
{
	if (kind >= sizeof(named_desc) / sizeof(named_desc[0]) || named_desc[kind].kind == NULL)
		return NULL;
	return &named_desc[kind];
}

static int
named_cmp(const void *a, const void *b)
{
	const struct sl_stats_named *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

uint32_t
sl_stats_named_merge(const struct sl_stats_core_snap *snaps, uint32_t n, struct sl_stats_named *out,
                     uint32_t max)
{
	uint32_t i, k, j, m = 0;

	/* Gather, sort by key, then fold equal neighbours: n * 256 entries at most, no hashing. */
	for (i = 0; i < n; i++)
		for (k = 0; k < SL_STATS_NAMED_MAX && m < max; k++)
			if (sl_stats_named_desc(snaps[i].ext.named[k].kind) != NULL)
				out[m++] = snaps[i].ext.named[k];
	if (m == 0)
		return 0;
	qsort(out, m, sizeof(*out), named_cmp);
	for (i = 1, k = 0; i < m; i++) {
		if (named_cmp(&out[k], &out[i]) == 0) {
			for (j = 0; j < SL_NAMED_V; j++)
				out[k].v[j] += out[i].v[j];
		} else {
			out[++k] = out[i];
		}
	}
	return k + 1;
}

double
sl_stats_hist_bound_s(uint32_t b)
{
	static const uint32_t bounds_us[SL_STATS_HIST_BUCKETS - 1] = SL_STATS_HIST_BOUNDS_US;

	return b < SL_STATS_HIST_BUCKETS - 1 ? (double)bounds_us[b] / 1e6 : INFINITY;
}

double
sl_stats_hist_quantile(const struct sl_stats_hist *h, double q)
{
	uint64_t total = 0, cum = 0;
	double rank, lo;
	uint32_t b;

	/* The buckets, not count: a torn-free snapshot has them equal, but trust what is summed. */
	for (b = 0; b < SL_STATS_HIST_BUCKETS; b++)
		total += h->bucket[b];
	if (total == 0)
		return -1.0;
	rank = q * (double)total;
	for (b = 0; b < SL_STATS_HIST_BUCKETS - 1; b++) {
		if (h->bucket[b] != 0 && (double)(cum + h->bucket[b]) >= rank) {
			lo = b == 0 ? 0.0 : sl_stats_hist_bound_s(b - 1);
			return lo + (sl_stats_hist_bound_s(b) - lo) * (rank - (double)cum) /
			                (double)h->bucket[b];
		}
		cum += h->bucket[b];
	}
	return sl_stats_hist_bound_s(SL_STATS_HIST_BUCKETS - 2);
}

const char *
sl_stats_hist_name(uint32_t i)
{
	return i < SL_STATS_HIST_MAX ? hist_names[i] : NULL;
}

const char *
sl_stats_hist_help(uint32_t i)
{
	return i < SL_STATS_HIST_MAX ? hist_helps[i] : NULL;
}

bool
sl_stats_alive(const struct sl_stats_map *m, uint64_t max_age_ms)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	uint64_t hb = __atomic_load_n(&h->heartbeat_ns, __ATOMIC_RELAXED);
	uint64_t now = sl_stats_now_ns();

	if (h->pid <= 0 || (kill(h->pid, 0) < 0 && errno == ESRCH))
		return false;
	return now < hb || (now - hb) / 1000000ull <= max_age_ms;
}
