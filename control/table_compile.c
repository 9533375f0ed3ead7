/* SPDX-License-Identifier: BSD-3-Clause */
/* Routes + faults -> table image (layout in table_image.h), and the writer side of publication. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "table_compile.h"
#include "table_match.h"

struct builder {
	char *buf;
	size_t cap, used;
	/* strings are collected apart and appended last */
	char *str;
	size_t str_cap, str_used;
	bool overflow;
};

static size_t
align8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

static void *
reserve(struct builder *b, size_t n, uint32_t *off)
{
	size_t at = align8(b->used);

	if (at + n > b->cap) {
		b->overflow = true;
		return NULL;
	}
	*off = (uint32_t)at;
	memset(b->buf + b->used, 0, at - b->used + n); /* alignment gaps too: stable bytes */
	b->used = at + n;
	return b->buf + at;
}

static uint32_t
add_str(struct builder *b, const char *s, size_t len)
{
	uint32_t off = (uint32_t)b->str_used;

	if (b->str_used + len > b->str_cap) {
		b->overflow = true;
		return 0;
	}
	memcpy(b->str + b->str_used, s, len);
	b->str_used += len;
	return off;
}

/* Index of an attribute key: 0 service.name, 1 + i keys[i]. */
static int
key_slot(const char *keys[], uint32_t *nk, const char *k)
{
	if (strcmp(k, "service.name") == 0)
		return 0;
	for (uint32_t i = 0; i < *nk; i++)
		if (strcmp(keys[i], k) == 0)
			return (int)i + 1;
	if (*nk == SL_TBL_MAX_KEYS)
		return -1;
	keys[(*nk)++] = k;
	return (int)*nk;
}

static int
tenant_index(const struct sl_dyn *d, const char *name)
{
	for (uint32_t t = 0; t < d->n_tenants; t++)
		if (strcmp(d->tenants[t].name, name) == 0)
			return (int)t + 1;
	return -1;
}

/* Terms of one match; returns how many, or -1 (key or tenant unknown). */
static int
emit_conds(struct builder *b, const struct sl_dyn *d, const struct sl_dyn_match *m,
           struct sl_tbl_cond *c, const char *keys[], uint32_t *nk)
{
	static const uint8_t kinds[] = {SL_TBL_C_ATTR_EXACT, SL_TBL_C_ATTR_PREFIX,
	                                SL_TBL_C_ATTR_GLOB, SL_TBL_C_ATTR_EXISTS};
	int n = 0;

	/* Cheap terms first: a signal or port miss skips the string compares. */
	if (m->signals) {
		c[n].kind = SL_TBL_C_SIGNAL;
		c[n++].a = m->signals;
	}
	if (m->port) {
		c[n].kind = SL_TBL_C_PORT;
		c[n++].a = m->port;
	}
	if (m->tenant[0]) {
		int t = tenant_index(d, m->tenant);

		if (t < 0)
			return -1;
		c[n].kind = SL_TBL_C_TENANT;
		c[n++].a = (uint32_t)t;
	}
	if (m->has_source) {
		c[n].kind = SL_TBL_C_SOURCE;
		c[n].plen = m->plen;
		memcpy(c[n++].addr, m->addr, 16);
	}
	for (uint32_t a = 0; a < m->n_attrs; a++) {
		int slot = key_slot(keys, nk, m->attrs[a].key);
		size_t vl = strlen(m->attrs[a].value);

		if (slot < 0)
			return -1;
		c[n].kind = kinds[m->attrs[a].kind];
		c[n].key = (uint8_t)slot;
		c[n].str_off = add_str(b, m->attrs[a].value, vl);
		c[n++].str_len = (uint32_t)vl;
	}
	return n;
}

long
sl_tbl_compile(const struct sl_dyn *d, uint64_t config_version, uint64_t now_ns, void *buf,
               size_t cap, char *err, size_t errlen)
{
	struct builder b = {.buf = buf, .cap = cap};
	struct sl_tbl_hdr *h;
	uint32_t ncond[SL_TBL_MAX_ROUTES + 1 + SL_TBL_MAX_FAULTS];
	uint32_t order[SL_TBL_MAX_ROUTES], nr = 0, nf = 0, total_conds = 0, total_sinks = 0;
	uint32_t fault_idx[SL_TBL_MAX_FAULTS], ntok = 0;
	const char *keys[SL_TBL_MAX_KEYS];
	uint32_t nk = 0, off, i, k;
	int def = -1;

	b.str_cap = cap;
	b.str = malloc(b.str_cap);
	if (b.str == NULL)
		return -ENOMEM;
	h = reserve(&b, sizeof(*h), &off);
	if (h == NULL)
		goto overflow;
	/* Route order: stable sort by priority, larger first; the default apart. */
	for (i = 0; i < d->n_routes; i++) {
		if (d->routes[i].is_default) {
			def = (int)i;
			continue;
		}
		k = nr++;
		while (k > 0 && d->routes[order[k - 1]].priority < d->routes[i].priority) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	for (i = 0; i < d->n_faults; i++)
		if (d->faults[i].expires_unix_ns > now_ns)
			fault_idx[nf++] = i;

	{
		/* conds is big (~300 KiB); heap, not stack */
		struct sl_tbl_cond(*cs)[SL_TBL_MAX_CONDS] =
		    calloc(SL_TBL_MAX_ROUTES + 1 + SL_TBL_MAX_FAULTS, sizeof(*cs));
		struct sl_tbl_route *routes;
		struct sl_tbl_fault *faults;
		struct sl_tbl_sink *sinks;
		struct sl_tbl_tenant *tenants;
		struct sl_tbl_token *tokens;
		struct sl_tbl_key *kp;
		struct sl_tbl_cond *cp;
		uint32_t n_all = nr + 1 + nf, c0;

		if (cs == NULL) {
			free(b.str);
			return -ENOMEM;
		}
		for (i = 0; i < n_all; i++) {
			const struct sl_dyn_match *m = NULL;
			int n;

			if (i < nr)
				m = &d->routes[order[i]].match;
			else if (i > nr)
				m = &d->faults[fault_idx[i - nr - 1]].match;
			if (m == NULL) {
				ncond[i] = 0; /* the default route has no terms */
				continue;
			}
			n = emit_conds(&b, d, m, cs[i], keys, &nk);
			if (n < 0) {
				snprintf(err, errlen,
				         "%s: unknown tenant or more than %d attribute keys",
				         i < nr ? d->routes[order[i]].name
				                : d->faults[fault_idx[i - nr - 1]].name,
				         SL_TBL_MAX_KEYS);
				free(cs);
				free(b.str);
				return -EINVAL;
			}
			ncond[i] = (uint32_t)n;
			total_conds += (uint32_t)n;
		}
		kp = reserve(&b, nk * sizeof(*kp), &h->keys_off);
		h = (struct sl_tbl_hdr *)b.buf;
		h->n_keys = nk;
		for (i = 0; kp && i < nk; i++) {
			kp[i].str_len = (uint32_t)strlen(keys[i]);
			kp[i].str_off = add_str(&b, keys[i], kp[i].str_len);
		}
		cp = reserve(&b, total_conds * sizeof(*cp), &h->conds_off);
		h->n_conds = total_conds;
		for (i = 0, c0 = 0; cp && i < n_all; i++) {
			memcpy(cp + c0, cs[i], ncond[i] * sizeof(*cp));
			c0 += ncond[i];
		}
		free(cs);

		routes = reserve(&b, (nr + 1) * sizeof(*routes), &h->routes_off);
		h->n_routes = nr + 1;
		for (i = 0; i < nr; i++)
			total_sinks += d->routes[order[i]].n_sinks;
		if (def >= 0)
			total_sinks += d->routes[def].n_sinks;
		sinks = reserve(&b, total_sinks * sizeof(*sinks), &h->sinks_off);
		h->n_sinks = total_sinks;
		if (routes == NULL || (total_sinks && sinks == NULL))
			goto overflow_free;
		for (i = 0, c0 = 0, k = 0; i <= nr; i++) {
			const struct sl_dyn_route *dr = i < nr ? &d->routes[order[i]]
			                                      : (def >= 0 ? &d->routes[def] : NULL);
			struct sl_tbl_route *r = &routes[i];

			r->first_cond = c0;
			r->n_conds = ncond[i];
			c0 += ncond[i];
			r->first_sink = k;
			if (dr == NULL) {
				snprintf(r->name, sizeof(r->name), "default");
				r->flags = SL_TBL_R_DEFAULT;
				r->id = sl_tbl_crc32c(0, r->name, strlen(r->name));
				r->sample_ppm = 1000000;
				continue;
			}
			snprintf(r->name, sizeof(r->name), "%s", dr->name);
			r->id = sl_tbl_crc32c(0, r->name, strlen(r->name));
			r->priority = dr->priority;
			r->flags = (dr->drop ? SL_TBL_R_DROP : 0) | (i == nr ? SL_TBL_R_DEFAULT : 0);
			r->durability = dr->durability;
			r->n_sinks = dr->n_sinks;
			for (uint32_t s = 0; s < dr->n_sinks; s++, k++) {
				size_t sl = strlen(dr->sinks[s]);

				sinks[k].kind = SL_TBL_SINK_STORE;
				sinks[k].weight = 1;
				sinks[k].str_off = add_str(&b, dr->sinks[s], sl);
				sinks[k].str_len = (uint32_t)sl;
			}
			r->sample_ppm = (uint32_t)llround(dr->sample * 1e6);
			if (dr->sample < 1.0) {
				r->flags |= SL_TBL_R_SAMPLE;
				r->sample_threshold =
				    (uint64_t)llround((1.0 - dr->sample) * 72057594037927936.0);
			}
			r->tenant_rate = dr->tenant_rate;
			r->tenant_burst = dr->tenant_burst ? dr->tenant_burst : dr->tenant_rate;
		}
		h->default_route = nr;

		faults = reserve(&b, nf * sizeof(*faults), &h->faults_off);
		h->n_faults = nf;
		if (nf && faults == NULL)
			goto overflow_free;
		for (i = 0; i < nf; i++) {
			const struct sl_dyn_fault *df = &d->faults[fault_idx[i]];
			struct sl_tbl_fault *f = &faults[i];

			snprintf(f->name, sizeof(f->name), "%s", df->name);
			f->id = sl_tbl_crc32c(0, f->name, strlen(f->name));
			f->kind = df->kind;
			f->first_cond = c0;
			f->n_conds = ncond[nr + 1 + i];
			c0 += f->n_conds;
			f->prob_threshold = (uint64_t)llround(df->probability * 9007199254740992.0);
			f->delay_min_ns = df->delay_min_ns;
			f->delay_max_ns = df->delay_max_ns;
			f->expires_unix_ns = df->expires_unix_ns;
			f->status = df->status;
			f->retry_after_s = df->retry_after_s;
			f->rate = df->rate;
			f->burst = df->burst;
			f->partial_ppm = (uint32_t)llround(df->partial * 1e6);
		}

		tenants = reserve(&b, (d->n_tenants + 1) * sizeof(*tenants), &h->tenants_off);
		h->n_tenants = d->n_tenants + 1;
		if (tenants == NULL)
			goto overflow_free;
		snprintf(tenants[0].name, SL_TBL_NAME_LEN, "-");
		for (i = 0; i < d->n_tenants; i++) {
			snprintf(tenants[i + 1].name, SL_TBL_NAME_LEN, "%s", d->tenants[i].name);
			tenants[i + 1].rate = d->tenants[i].rate;
			tenants[i + 1].burst = d->tenants[i].burst;
			ntok += d->tenants[i].n_tokens;
		}
		if (ntok > SL_TBL_MAX_TOKENS) {
			snprintf(err, errlen, "more than %d bearer tokens", SL_TBL_MAX_TOKENS);
			free(b.str);
			return -E2BIG;
		}
		tokens = reserve(&b, ntok * sizeof(*tokens), &h->tokens_off);
		h->n_tokens = ntok;
		if (ntok && tokens == NULL)
			goto overflow_free;
		for (i = 0, k = 0; i < d->n_tenants; i++) {
			for (uint32_t t = 0; t < d->tenants[i].n_tokens; t++, k++) {
				const char *s = d->tenants[i].tokens[t];
				size_t sl = strlen(s);
				uint32_t j = k;

				/* insertion sort by (length, bytes): sl_tbl_tenant_by_token bisects */
				while (j > 0) {
					const struct sl_tbl_token *p = &tokens[j - 1];
					const char *ps = b.str + p->str_off;

					if (p->str_len < sl ||
					    (p->str_len == sl && memcmp(ps, s, sl) <= 0))
						break;
					tokens[j] = tokens[j - 1];
					j--;
				}
				tokens[j].str_off = add_str(&b, s, sl);
				tokens[j].str_len = (uint32_t)sl;
				tokens[j].tenant = i + 1;
				tokens[j].reserved = 0;
				if (j + 1 <= k && tokens[j].str_len == tokens[j + 1].str_len &&
				    memcmp(b.str + tokens[j].str_off, b.str + tokens[j + 1].str_off,
				           sl) == 0) {
					snprintf(err, errlen, "bearer token given to two tenants (%s)",
					         d->tenants[i].name);
					free(b.str);
					return -EINVAL;
				}
			}
		}
		h->tenant_header_len = (uint32_t)strlen(d->limits.tenant_header);
		h->tenant_header_off = add_str(&b, d->limits.tenant_header, h->tenant_header_len);
		h->retry_after_s = d->limits.retry_after_s;
	}
	/* strings last */
	{
		char *s = reserve(&b, b.str_used, &off);

		if (s == NULL || b.overflow)
			goto overflow;
		h = (struct sl_tbl_hdr *)b.buf;
		memcpy(s, b.str, b.str_used);
		h->strings_off = off;
		h->strings_size = (uint32_t)b.str_used;
	}
	/* Padding is zeroed: equal configs give equal bytes and equal body CRCs. */
	if (align8(b.used) > cap)
		goto overflow;
	memset(b.buf + b.used, 0, align8(b.used) - b.used);
	b.used = align8(b.used);
	h->magic = SL_TBL_IMAGE_MAGIC;
	h->version = SL_TBL_LAYOUT_VERSION;
	h->hdr_size = sizeof(*h);
	h->total_size = (uint32_t)b.used;
	h->config_version = config_version;
	h->built_unix_ns = now_ns;
	free(b.str);
	sl_tbl_seal(buf, 0);
	return (long)b.used;
overflow_free:
overflow:
	free(b.str);
	snprintf(err, errlen, "the table image does not fit in %zu bytes", cap);
	return -E2BIG;
}

void
sl_tbl_seal(void *img, uint64_t generation)
{
	struct sl_tbl_hdr *h = img;
	struct sl_tbl_hdr copy;
	uint32_t crc;

	h->generation = generation;
	h->body_crc32c = sl_tbl_crc32c(0, (char *)img + sizeof(*h), h->total_size - sizeof(*h));
	copy = *h;
	copy.crc32c = 0;
	crc = sl_tbl_crc32c(0, &copy, sizeof(copy));
	h->crc32c = sl_tbl_crc32c(crc, (char *)img + sizeof(*h), h->total_size - sizeof(*h));
}

/* --- the shared-memory region -------------------------------------------- */

int
sl_tbl_path(const char *instance, char *out, size_t len)
{
	int n = snprintf(out, len, "/dev/shm/sluice.%s.tables", instance);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static size_t
region_size(uint32_t *readers_off, uint64_t *slots_off)
{
	*readers_off = (uint32_t)((sizeof(struct sl_tbl_region) + 63) & ~(size_t)63);
	*slots_off = (*readers_off + SL_TBL_MAX_READERS * sizeof(struct sl_tbl_reader) + 4095) &
	             ~(uint64_t)4095;
	return (size_t)(*slots_off + (uint64_t)SL_TBL_SLOTS * SL_TBL_SLOT_SIZE);
}

static bool
region_ok(const struct sl_tbl_region *r, size_t size)
{
	uint32_t ro;
	uint64_t so;
	size_t want = region_size(&ro, &so);

	return size >= want && __atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) == SL_TBL_REGION_MAGIC &&
	       r->version == SL_TBL_LAYOUT_VERSION && r->hdr_size == sizeof(*r) &&
	       r->total_size == want && r->n_slots == SL_TBL_SLOTS &&
	       r->slot_size == SL_TBL_SLOT_SIZE && r->readers_off == ro && r->slots_off == so &&
	       r->n_readers == SL_TBL_MAX_READERS;
}

int
sl_tbl_region_open_writer(struct sl_tbl_map *m, const char *instance)
{
	struct sl_tbl_region *r;
	struct stat st;
	uint32_t ro;
	uint64_t so;
	size_t want = region_size(&ro, &so);
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	rc = sl_tbl_path(instance, m->path, sizeof(m->path));
	if (rc < 0)
		return rc;
	m->fd = open(m->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (m->fd < 0)
		return -errno;
	/* the umask may have taken the read bits: the dataplane and sluicectl read it */
	(void)fchmod(m->fd, 0644);
	if (fstat(m->fd, &st) < 0)
		goto err;
	if ((size_t)st.st_size == want) {
		r = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
		if (r == MAP_FAILED)
			goto err;
		if (region_ok(r, want)) {
			m->r = r;
			m->size = want;
			return 0;
		}
		munmap(r, want);
	}
	/* New, or another layout: start afresh (a reader of the old layout rejects it). */
	if (ftruncate(m->fd, 0) < 0 || ftruncate(m->fd, (off_t)want) < 0)
		goto err;
	r = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (r == MAP_FAILED)
		goto err;
	r->version = SL_TBL_LAYOUT_VERSION;
	r->hdr_size = sizeof(*r);
	r->total_size = want;
	r->n_slots = SL_TBL_SLOTS;
	r->slot_size = SL_TBL_SLOT_SIZE;
	r->readers_off = ro;
	r->n_readers = SL_TBL_MAX_READERS;
	r->slots_off = so;
	__atomic_store_n(&r->magic, SL_TBL_REGION_MAGIC, __ATOMIC_RELEASE);
	m->r = r;
	m->size = want;
	return 0;
err:
	rc = -errno;
	close(m->fd);
	m->fd = -1;
	return rc;
}

int
sl_tbl_region_open_reader(struct sl_tbl_map *m, const char *instance)
{
	struct stat st;
	void *p;
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	rc = sl_tbl_path(instance, m->path, sizeof(m->path));
	if (rc < 0)
		return rc;
	m->fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0)
		return -errno;
	if (fstat(m->fd, &st) < 0 || st.st_size < (off_t)sizeof(struct sl_tbl_region)) {
		rc = -EPROTO;
		goto err;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto err;
	}
	m->r = p;
	m->size = (size_t)st.st_size;
	if (!region_ok(m->r, m->size)) {
		sl_tbl_region_close(m);
		return -EPROTO;
	}
	return 0;
err:
	close(m->fd);
	m->fd = -1;
	return rc;
}

void
sl_tbl_region_close(struct sl_tbl_map *m)
{
	if (m == NULL)
		return;
	if (m->r != NULL)
		munmap(m->r, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->r = NULL;
	m->fd = -1;
}

const struct sl_tbl_hdr *
sl_tbl_current(const struct sl_tbl_map *m)
{
	uint64_t cur = __atomic_load_n(&m->r->current, __ATOMIC_ACQUIRE);

	if (SL_TBL_CUR_GEN(cur) == 0 || SL_TBL_CUR_SLOT(cur) >= m->r->n_slots)
		return NULL;
	return sl_tbl_slot(m->r, SL_TBL_CUR_SLOT(cur));
}

static bool
dataplane_alive(const struct sl_tbl_region *r)
{
	int32_t pid = __atomic_load_n(&r->dataplane_pid, __ATOMIC_RELAXED);

	return pid > 0 && !(kill(pid, 0) < 0 && errno == ESRCH);
}

int64_t
sl_tbl_publish(struct sl_tbl_map *m, const void *img, size_t len)
{
	struct sl_tbl_region *r = m->r;
	uint64_t cur = __atomic_load_n(&r->current, __ATOMIC_ACQUIRE);
	uint64_t gen = SL_TBL_CUR_GEN(cur) + 1, min_seen = UINT64_MAX;
	uint32_t cur_slot = SL_TBL_CUR_SLOT(cur), s, i;
	bool alive = dataplane_alive(r);
	void *dst;

	if (len > r->slot_size)
		return -E2BIG;
	/*
	 * Pairs with the reader's online fence: the readers are read after the
	 * current value a coming-online reader might have loaded.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (i = 0; i < r->n_readers; i++) {
		struct sl_tbl_reader *rd = sl_tbl_reader_at(r, i);
		uint64_t seen = __atomic_load_n(&rd->seen_gen, __ATOMIC_ACQUIRE);

		if (seen == 0)
			continue;
		if (!alive) {
			/* A dead dataplane's lines would pin slots forever. */
			__atomic_store_n(&rd->seen_gen, 0, __ATOMIC_RELAXED);
			continue;
		}
		if (seen < min_seen)
			min_seen = seen;
	}
	for (s = 0; s < r->n_slots; s++) {
		if (cur != 0 && s == cur_slot)
			continue;
		if (r->slots[s].generation < min_seen)
			break;
	}
	if (s == r->n_slots)
		return -EBUSY;
	dst = (char *)r + r->slots_off + (uint64_t)s * r->slot_size;
	memcpy(dst, img, len);
	sl_tbl_seal(dst, gen);
	r->slots[s].generation = gen;
	r->slots[s].size = (uint32_t)len;
	r->slots[s].crc32c = ((struct sl_tbl_hdr *)dst)->crc32c;
	__atomic_store_n(&r->config_version, ((struct sl_tbl_hdr *)dst)->config_version,
	                 __ATOMIC_RELAXED);
	/* SEQ_CST: the image is complete before current names it (release), and see above. */
	__atomic_store_n(&r->current, (gen << 8) | s, __ATOMIC_SEQ_CST);
	return (int64_t)gen;
}
