/* SPDX-License-Identifier: BSD-3-Clause */
/* Layout of the routing/fault table image sluice-control publishes and the dataplane reads. */
#ifndef SL_TABLE_IMAGE_H
#define SL_TABLE_IMAGE_H

/*
 * Design
 * ------
 * One POSIX shared-memory file per instance, /dev/shm/sluice.<instance>.tables,
 * created by sluice-control (mode 0644), mapped read-write by the dataplane
 * (it writes only its reader slots and its heartbeat), read-only by sluicectl.
 *
 *   +--------------------------+ 0
 *   | struct sl_tbl_region     |  magic, version, geometry, current (gen|slot),
 *   |                          |  control + dataplane heartbeats
 *   +--------------------------+ readers_off (64-aligned)
 *   | sl_tbl_reader[64]        |  one cache line per reader (poll core): QSBR
 *   +--------------------------+ slots_off (4096-aligned)
 *   | slot 0 .. n_slots-1      |  slot_size bytes each; a slot holds one image
 *   +--------------------------+ total_size
 *
 * An image (one slot) is position independent: every reference is an offset
 * from the image start, so the same bytes are valid in every process.
 *
 *   +--------------------------+ 0
 *   | struct sl_tbl_hdr        |  magic, layout version, sizes, generation,
 *   |                          |  config version, CRC32C, section offsets
 *   | sl_tbl_key[n_keys]       |  resource attribute keys the walker extracts
 *   | sl_tbl_cond[n_conds]     |  match terms of every route and fault
 *   | sl_tbl_route[n_routes]   |  in evaluation order; the default route last
 *   | sl_tbl_sink[n_sinks]     |  sinks of every route (fan-out: several)
 *   | sl_tbl_fault[n_faults]   |  in evaluation order
 *   | sl_tbl_tenant[n_tenants] |  index 0 is "no tenant"
 *   | sl_tbl_token[n_tokens]   |  bearer tokens, sorted for binary search
 *   | strings                  |  bytes referenced as (off, len) from strings_off
 *   +--------------------------+ total_size
 *
 * Publication (single writer, sluice-control):
 *   1. pick a free slot (not current, and every online reader's seen
 *      generation is above the generation the slot last held: QSBR);
 *   2. write the image into it with generation = current generation + 1,
 *      crc32c last;
 *   3. store region.current = (generation << 8) | slot with release order
 *      (SEQ_CST: see the reader's online step), then the slot is live.
 *
 * Reader (a poll core; no lock, syscall or allocation), at the top of every
 * loop iteration: sl_tbl_reader_enter() loads current and, when the
 * generation changed, stores it in its own reader line (release: every load
 * from the previous image happened before). From then on the core classifies
 * against that image until the next iteration, so a request is classified
 * against exactly one generation. A core that stops polling calls
 * sl_tbl_reader_offline() so it does not hold reclamation back.
 *
 * Why QSBR and not a reference count: a count is a shared cache line every
 * core writes per request; QSBR costs one load per loop and one store per
 * table change. Why not a lock: poll cores never block (DESIGN fast-path rule 2).
 *
 * Versioning: SL_TBL_LAYOUT_VERSION changes when any struct below changes
 * shape; a reader that finds another version keeps its last tables and
 * counts it. Appending fields at the end of a struct still changes it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_TBL_REGION_MAGIC   0x4e4f494745524c53ULL /* "SLREGION" little-endian */
#define SL_TBL_IMAGE_MAGIC    0x4547414d49424c53ULL /* "SLBIMAGE" little-endian */
#define SL_TBL_LAYOUT_VERSION 1

/* Reader lines; poll cores are at most SL_MAX_POLL (32), the rest is room for flush workers. */
#define SL_TBL_MAX_READERS 64
/*
 * Slots: one current, one being written, the rest for readers still on old
 * generations. Fewer than 3 makes every publication wait for every reader.
 */
#define SL_TBL_SLOTS 4
/*
 * Bytes per slot. The compiler refuses configs whose image does not fit;
 * 1 MiB holds the bounds below with room (about 300 KiB at the maxima).
 */
#define SL_TBL_SLOT_SIZE (1u << 20)

/* Compiler bounds: each sizes a fixed table the dataplane may index without checks. */
#define SL_TBL_MAX_ROUTES  256
#define SL_TBL_MAX_FAULTS  256
#define SL_TBL_MAX_TENANTS 256 /* including tenant 0, "none" */
#define SL_TBL_MAX_TOKENS  1024
#define SL_TBL_MAX_SINKS   8 /* per route */
#define SL_TBL_MAX_CONDS   16 /* per route or fault */
#define SL_TBL_MAX_KEYS    8 /* = SL_OTLP_WALK_MAX_KEYS: the walker extracts no more */
#define SL_TBL_NAME_LEN    32

/* region.current: generation in the high 56 bits, slot index in the low 8. */
#define SL_TBL_CUR_SLOT(c) ((uint32_t)((c)&0xffu))
#define SL_TBL_CUR_GEN(c)  ((c) >> 8)

struct sl_tbl_reader {
	/*
	 * Generation this reader is on; 0: offline (holds no image). Written by
	 * the reader only, read by the writer. Cache-line sized so that cores
	 * never share a line.
	 */
	uint64_t seen_gen;
	uint64_t reserved[7];
};

struct sl_tbl_slot_desc {
	uint64_t generation; /* generation the slot holds or last held; 0: never used */
	uint32_t size;       /* image bytes */
	uint32_t crc32c;     /* the image's crc32c, as in its header */
};

struct sl_tbl_region {
	uint64_t magic; /* SL_TBL_REGION_MAGIC, stored last by the creator */
	uint32_t version; /* SL_TBL_LAYOUT_VERSION */
	uint32_t hdr_size;
	uint64_t total_size;
	uint32_t n_slots;
	uint32_t slot_size;
	uint32_t readers_off;
	uint32_t n_readers;
	uint64_t slots_off;
	uint64_t current; /* (generation << 8) | slot; 0: nothing published yet */
	/* sluice-control's side: written by control every heartbeat interval */
	int32_t control_pid;
	uint32_t control_state; /* 1: running, 2: stopped cleanly */
	uint64_t control_start_ns;    /* CLOCK_REALTIME */
	uint64_t control_heartbeat_ns;
	uint64_t config_version;      /* version of the published image */
	/* the dataplane's side: written by its main lcore */
	int32_t dataplane_pid;
	uint32_t dataplane_readers;   /* reader lines in use: 0..n-1 */
	uint64_t dataplane_start_ns;
	uint64_t dataplane_heartbeat_ns;
	uint64_t dataplane_min_gen;   /* lowest generation any online reader is on (informative) */
	struct sl_tbl_slot_desc slots[SL_TBL_SLOTS];
	uint8_t reserved[64];
};

enum sl_tbl_cond_kind {
	SL_TBL_C_SIGNAL = 1,  /* a = bit mask of 1 << enum sl_signal */
	SL_TBL_C_ATTR_EXACT,  /* key = attribute slot; str = value */
	SL_TBL_C_ATTR_PREFIX, /* key = attribute slot; str = prefix */
	SL_TBL_C_ATTR_GLOB,   /* key = attribute slot; str = glob: * ? and \ escapes */
	SL_TBL_C_ATTR_EXISTS, /* key = attribute slot; present with any value type */
	SL_TBL_C_TENANT,      /* a = tenant index (never 0) */
	SL_TBL_C_SOURCE,      /* addr/plen: IPv6 prefix; IPv4 as ::ffff:a.b.c.d/(96 + n) */
	SL_TBL_C_PORT,        /* a = listener port (host order) */
};

/*
 * One match term; a route or fault matches when all its terms hold (AND).
 * Attribute slot 0 is service.name, slot 1 + i is keys[i] (the walker's
 * sl_otlp_entry.attrs[] indexes exactly the same way).
 */
struct sl_tbl_cond {
	uint8_t kind; /* enum sl_tbl_cond_kind */
	uint8_t key;  /* attribute slot */
	uint8_t plen; /* SOURCE: prefix length 0..128 */
	uint8_t reserved;
	uint32_t a;
	uint32_t str_off; /* from strings start */
	uint32_t str_len;
	uint8_t addr[16]; /* SOURCE: network order, host bits zero */
};

struct sl_tbl_key {
	uint32_t str_off;
	uint32_t str_len;
};

#define SL_TBL_R_DROP    (1u << 0) /* accept (200) and discard */
#define SL_TBL_R_DEFAULT (1u << 1) /* the default route: matches anything */
#define SL_TBL_R_SAMPLE  (1u << 2) /* sample_threshold applies */

enum sl_tbl_durability {
	SL_TBL_DUR_STATIC = 0,    /* the static config's pipeline.durability */
	SL_TBL_DUR_RECEIVED = 1,
	SL_TBL_DUR_PERSISTED = 2,
};

struct sl_tbl_route {
	char name[SL_TBL_NAME_LEN];
	uint32_t id;       /* stable: CRC32C of the name, for segment records and metrics */
	int32_t priority;  /* informative: the array is already in evaluation order */
	uint32_t flags;    /* SL_TBL_R_* */
	uint32_t durability; /* enum sl_tbl_durability */
	uint32_t first_cond;
	uint32_t n_conds;
	uint32_t first_sink;
	uint32_t n_sinks;   /* 0: the static store (store.dir) */
	/*
	 * Sampling: keep a span iff R >= sample_threshold, R being the low 56
	 * bits of its trace id read big-endian (trace_id[9..15]); threshold =
	 * round((1 - ratio) * 2^56). This is OpenTelemetry's consistent
	 * probability sampling rule, so sluice agrees with SDKs and collectors
	 * that sample the same trace, and every core and appliance agrees.
	 */
	uint64_t sample_threshold;
	uint32_t sample_ppm;     /* the ratio in parts per million, for display */
	uint32_t tenant_rate;    /* items/s per tenant on this route (token bucket); 0: none */
	uint32_t tenant_burst;   /* bucket depth in items */
	uint32_t reserved;
};

enum sl_tbl_sink_kind {
	SL_TBL_SINK_STORE = 1, /* a segment store directory (str) */
	/* later: SL_TBL_SINK_UPSTREAM (OTLP endpoint), SL_TBL_SINK_KAFKA (topic) */
};

struct sl_tbl_sink {
	uint32_t kind; /* enum sl_tbl_sink_kind */
	uint32_t weight; /* reserved for weighted sinks; 1 */
	uint32_t str_off;
	uint32_t str_len;
};

enum sl_tbl_fault_kind {
	SL_TBL_F_DELAY = 1, /* answer after delay_min_ns..delay_max_ns (uniform) */
	SL_TBL_F_ERROR,     /* answer status (HTTP) with Retry-After retry_after_s if non-zero */
	SL_TBL_F_RESET,     /* reset the connection (RST) instead of answering */
	SL_TBL_F_THROTTLE,  /* token bucket rate/s, burst; over it: 429 + Retry-After 1 */
	SL_TBL_F_PARTIAL,   /* accept, reject partial_ppm of the items via partial_success */
	SL_TBL_F_BLACKHOLE, /* accept and never answer */
};

struct sl_tbl_fault {
	char name[SL_TBL_NAME_LEN];
	uint32_t id;          /* CRC32C of the name: per-fault counters */
	uint32_t kind;        /* enum sl_tbl_fault_kind */
	uint32_t first_cond;
	uint32_t n_conds;
	/* fires iff (rnd64 >> 11) < prob_threshold; prob_threshold = round(p * 2^53) */
	uint64_t prob_threshold;
	uint64_t delay_min_ns;
	uint64_t delay_max_ns;
	uint64_t expires_unix_ns; /* CLOCK_REALTIME; control removes it then, readers may check */
	uint32_t status;          /* ERROR: HTTP status */
	uint32_t retry_after_s;   /* ERROR, THROTTLE: Retry-After seconds; 0: none */
	uint32_t rate;            /* THROTTLE: requests per second */
	uint32_t burst;           /* THROTTLE: bucket depth */
	uint32_t partial_ppm;     /* PARTIAL: share of items rejected, parts per million */
	uint32_t reserved;
};

struct sl_tbl_tenant {
	char name[SL_TBL_NAME_LEN];
	uint32_t rate;  /* items/s for the tenant across routes (token bucket); 0: unlimited */
	uint32_t burst;
};

struct sl_tbl_token {
	uint32_t str_off;
	uint32_t str_len;
	uint32_t tenant; /* index into tenants */
	uint32_t reserved;
};

struct sl_tbl_hdr {
	uint64_t magic;       /* SL_TBL_IMAGE_MAGIC */
	uint32_t version;     /* SL_TBL_LAYOUT_VERSION */
	uint32_t hdr_size;    /* sizeof(struct sl_tbl_hdr) */
	uint32_t total_size;  /* bytes of the image, header included */
	uint32_t crc32c;      /* CRC32C of all total_size bytes with this field zero */
	uint32_t body_crc32c; /* CRC32C of the bytes after the header: equal content, equal CRC */
	uint32_t flags;       /* reserved, 0 */
	uint64_t generation;  /* as in region.current when published */
	uint64_t config_version; /* sluice-control's version number it was compiled from */
	uint64_t built_unix_ns;
	uint32_t keys_off, n_keys;
	uint32_t conds_off, n_conds;
	uint32_t routes_off, n_routes;
	uint32_t sinks_off, n_sinks;
	uint32_t faults_off, n_faults;
	uint32_t tenants_off, n_tenants;
	uint32_t tokens_off, n_tokens;
	uint32_t strings_off, strings_size;
	uint32_t default_route;    /* index of the default route (always the last) */
	uint32_t tenant_header_off; /* header naming the tenant, lower case; len 0: none */
	uint32_t tenant_header_len;
	uint32_t retry_after_s;     /* Retry-After of rate-limit 429s */
	uint8_t reserved[32];
};

/* --- accessors (no checks: sl_tbl_image_check() validated the image once) --- */

static inline const void *
sl_tbl_at(const struct sl_tbl_hdr *h, uint32_t off)
{
	return (const char *)h + off;
}

static inline const char *
sl_tbl_str(const struct sl_tbl_hdr *h, uint32_t str_off)
{
	return (const char *)h + h->strings_off + str_off;
}

static inline const struct sl_tbl_route *
sl_tbl_routes(const struct sl_tbl_hdr *h)
{
	return (const struct sl_tbl_route *)sl_tbl_at(h, h->routes_off);
}

static inline const struct sl_tbl_fault *
sl_tbl_faults(const struct sl_tbl_hdr *h)
{
	return (const struct sl_tbl_fault *)sl_tbl_at(h, h->faults_off);
}

static inline const struct sl_tbl_cond *
sl_tbl_conds(const struct sl_tbl_hdr *h)
{
	return (const struct sl_tbl_cond *)sl_tbl_at(h, h->conds_off);
}

static inline const struct sl_tbl_sink *
sl_tbl_sinks(const struct sl_tbl_hdr *h)
{
	return (const struct sl_tbl_sink *)sl_tbl_at(h, h->sinks_off);
}

static inline const struct sl_tbl_tenant *
sl_tbl_tenants(const struct sl_tbl_hdr *h)
{
	return (const struct sl_tbl_tenant *)sl_tbl_at(h, h->tenants_off);
}

static inline const struct sl_tbl_token *
sl_tbl_tokens(const struct sl_tbl_hdr *h)
{
	return (const struct sl_tbl_token *)sl_tbl_at(h, h->tokens_off);
}

static inline const struct sl_tbl_key *
sl_tbl_keys(const struct sl_tbl_hdr *h)
{
	return (const struct sl_tbl_key *)sl_tbl_at(h, h->keys_off);
}

static inline struct sl_tbl_reader *
sl_tbl_reader_at(struct sl_tbl_region *r, uint32_t i)
{
	return (struct sl_tbl_reader *)((char *)r + r->readers_off) + i;
}

static inline const struct sl_tbl_hdr *
sl_tbl_slot(const struct sl_tbl_region *r, uint32_t slot)
{
	return (const struct sl_tbl_hdr *)((const char *)r + r->slots_off +
	                                   (uint64_t)slot * r->slot_size);
}

/* --- reader side (dataplane poll cores): QSBR ----------------------------- */

/*
 * A reader's private cache of where it is; lives in the core's own state.
 * img is NULL until the first image was accepted.
 */
struct sl_tbl_reader_cache {
	uint64_t gen;
	const struct sl_tbl_hdr *img;
	uint64_t rejected; /* images skipped: bad magic/version/CRC (count it) */
};

/*
 * Go online: call once before the first sl_tbl_reader_enter(), and after
 * sl_tbl_reader_offline(). The SEQ_CST fence pairs with the writer's fence
 * between storing current and reading the reader lines: either the writer sees
 * this reader online at a generation no newer than the one it will load, or
 * the reader's next load sees the writer's newer generation. Without it, a
 * reader coming online could take a slot the writer is reclaiming.
 */
static inline void
sl_tbl_reader_online(struct sl_tbl_region *r, uint32_t id)
{
	uint64_t cur = __atomic_load_n(&r->current, __ATOMIC_ACQUIRE);
	uint64_t g = SL_TBL_CUR_GEN(cur);

	/* 1 stands for "online, before any generation": it pins every published slot. */
	__atomic_store_n(&sl_tbl_reader_at(r, id)->seen_gen, g ? g : 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Go offline (the core stops polling or exits): it holds no image from now on. */
static inline void
sl_tbl_reader_offline(struct sl_tbl_region *r, uint32_t id, struct sl_tbl_reader_cache *c)
{
	/* Release: this core's last loads from its image are done before it lets go. */
	__atomic_store_n(&sl_tbl_reader_at(r, id)->seen_gen, 0, __ATOMIC_RELEASE);
	c->gen = 0;
	c->img = NULL;
}

/*
 * Top of a poll loop iteration: a quiescent point. Returns the image to
 * classify against until the next call (NULL while nothing valid was ever
 * published: use the static defaults). When the generation changed the
 * reader moves to it, stores it in its reader line, and the previous image
 * must not be touched any more. validate(img) is the caller's one-time check
 * of a new image (sl_tbl_image_check() is the full one; it costs a CRC over
 * the image, so a core may trust the CRC the writer put in the slot
 * descriptor instead, or let the main lcore validate and flag).
 * No lock, syscall or allocation.
 */
static inline const struct sl_tbl_hdr *
sl_tbl_reader_enter(struct sl_tbl_region *r, uint32_t id, struct sl_tbl_reader_cache *c,
                    bool (*validate)(const struct sl_tbl_hdr *img, uint32_t slot_size))
{
	uint64_t cur = __atomic_load_n(&r->current, __ATOMIC_ACQUIRE);
	uint64_t g = SL_TBL_CUR_GEN(cur);
	const struct sl_tbl_hdr *img;

	if (g == c->gen || g == 0)
		return c->img;
	c->gen = g;
	img = sl_tbl_slot(r, SL_TBL_CUR_SLOT(cur));
	if (SL_TBL_CUR_SLOT(cur) >= r->n_slots || img->generation != g ||
	    (validate != NULL && !validate(img, r->slot_size))) {
		/*
		 * Keep the last good image; its generation stays in the reader line,
		 * so its slot stays pinned (the writer frees only slots older than
		 * every online reader's generation). The next publication is tried.
		 */
		c->rejected++;
		return c->img;
	}
	/*
	 * Release: every load this core made from its previous image is ordered
	 * before the writer can see it moved on and reuse that slot.
	 */
	__atomic_store_n(&sl_tbl_reader_at(r, id)->seen_gen, g, __ATOMIC_RELEASE);
	c->img = img;
	return c->img;
}

#endif /* SL_TABLE_IMAGE_H */
