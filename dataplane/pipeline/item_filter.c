/* SPDX-License-Identifier: BSD-3-Clause */
/* Re-encodes one OTLP Resource* entry without the spans, data points or log records left out. */

/*
 * Design
 * ======
 *
 * Where it runs. Only on the copying path: a route that samples, or a
 * partial-success fault that refuses the tail of a request (classify.c).
 * Every other request keeps DESIGN rule 4's zero copy and never comes here.
 *
 * What it touches. Four message levels and the items below them; every
 * other byte is copied as a blob:
 *
 *   entry  field 1 of Export*ServiceRequest          tag, new length
 *   L_RESOURCE  ResourceSpans / Metrics / Logs       field 2 -> L_SCOPE
 *   L_SCOPE     ScopeSpans / Metrics / Logs          field 2 -> item (span,
 *                                                    log record) or L_METRIC
 *   L_METRIC    Metric                               live arms 5 7 9 10 11
 *                                                    -> L_ARM
 *   L_ARM       Gauge Sum Histogram ExpHist Summary  field 1 -> item (point)
 *
 * One pass, writing forward. A message that may change is written as its
 * original tag, then a hole as wide as its original length prefix, then its
 * filtered fields (recursively, depth fixed at 4). On close, an unchanged
 * message gets its original prefix bytes back (so keep-all is byte for byte
 * the input, even for a non-minimal prefix); a shorter one gets a minimal
 * varint and, when that is narrower than the hole, its body is moved down
 * (memmove). A container left empty is undone by rewinding the write
 * cursor to its tag. keep() is called exactly once per item, in wire order,
 * so a stateful sampler sees each item once.
 *
 * Cost: a validating walk of the entry (sl_otlp_walk, ~80 cycles a span;
 * skipped by sl_item_filter_walked, for entries the caller's walk of the
 * whole request validated), then one read of every byte, one copy of every kept byte, and a memmove of
 * a message body only where its length varint gets narrower (a length
 * crossing 2^7, 2^14 or 2^21): at most 4 moves of a byte, one per level
 * above it. Items are scanned once more for their trace_id (spans and log
 * records only). No allocation; ~0.5 KiB of stack here (the walk result
 * with its error text, 4 frames of 100 bytes) plus the walk's ~3.5 KiB.
 *
 * Item indices are the walker's (otlp_walk.c, OP_ARM): spans and log
 * records in wire order; for metrics, data points in wire order, except
 * that a Metric carrying a different data arm than before drops the points
 * counted for the earlier arm (protobuf's oneof: last arm wins; the same arm
 * twice merges). So a Metric is prescanned for where its last run of one
 * arm starts; arms before that are dead: copied as they are, never counted
 * or passed to keep(). Arms are never dropped themselves (a Sum keeps its
 * temporality even with no point left); a Metric is, when its live points
 * all go.
 *
 * Invariants: every read is inside [in, in + len) (each length is checked
 * against its enclosing message); every write is inside [out, out + cap);
 * the output is never longer than the input (subset of fields, prefixes
 * never wider).
 *
 * Rejected:
 *  - Two passes per container (size bottom-up, then write): keep() would be
 *    called twice per item or its answers stored (unbounded, or bounded and
 *    failing on big entries).
 *  - Non-minimal length varints padded to the old width (no memmove): valid
 *    protobuf, but some strict decoders and every byte-comparing test would
 *    trip on them; the move is rare and small.
 *  - Trusting every caller's walk: the filter would then copy unchecked
 *    bytes and would have to prove everything the walker does to promise an
 *    output that walks clean. sl_item_filter() walks; sl_item_filter_walked()
 *    is for the one caller (classify.c) whose walk of the whole request
 *    covers the entry's exact bytes, and still keeps every read in bounds
 *    and checks the item count (~40% of the filter's cost saved there).
 *  - Decoding with protobuf-c and re-packing: allocates, and re-packing
 *    loses unknown fields' order and non-minimal encodings.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/item_filter.h"
#include "proto/otlp_walk.h"

/* Wire types (protobuf encoding). */
#define WT_VARINT 0
#define WT_I64    1
#define WT_LEN    2
#define WT_I32    5

/* The field number of the trace_id of a span and of a log record (trace.proto, logs.proto). */
#define SPAN_TRACE_ID 1
#define LOG_TRACE_ID  9
/* Bytes of a valid trace id; other lengths are passed as NULL. */
#define TRACE_ID_LEN 16

/* The message levels that may change (see the Design comment). */
enum lvl {
	L_RESOURCE,
	L_SCOPE,
	L_METRIC,
	L_ARM,
};

/* One decoded field of the input. */
struct field {
	const uint8_t *at;   /* its tag */
	const uint8_t *body; /* past tag and length prefix (WT_LEN), past the tag otherwise */
	const uint8_t *end;  /* past the whole field */
	uint32_t fnum;
	uint32_t wt;
	uint32_t len;    /* payload bytes (WT_LEN) */
	uint8_t tag_len; /* bytes of the tag varint */
	uint8_t pfx_len; /* bytes of the length prefix (WT_LEN) */
};

/* State of one filter call. */
struct flt {
	sl_item_keep_fn keep;
	void *arg;
	uint8_t *out;
	uint32_t cap;
	uint32_t pos;     /* next byte of out */
	uint32_t idx;     /* walker index of the next item */
	uint32_t kept;    /* items kept so far */
	uint32_t dropped; /* items left out so far */
	enum sl_signal sig;
	uint32_t tid_field; /* SPAN_TRACE_ID or LOG_TRACE_ID */
};

/* A message opened in the output: where its tag and its body start. */
struct mark {
	uint32_t start;
	uint32_t body;
};

/* Reads a varint of at most max bytes from [p, end). Returns its length, or 0 (bad or cut). */
static unsigned int
varint(const uint8_t *p, const uint8_t *end, unsigned int max, uint64_t *v)
{
	uint64_t x = 0;
	unsigned int i;

	for (i = 0; i < max && p + i < end; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (p[i] < 0x80) {
			*v = x;
			return i + 1;
		}
	}
	return 0;
}

/*
 * Decodes the field at p inside a message ending at end. Returns 0 or
 * -EBADMSG (bad tag, wire type, varint, or a value past end).
 */
static int
next_field(const uint8_t *p, const uint8_t *end, struct field *f)
{
	unsigned int n;
	uint64_t v;

	f->at = p;
	n = varint(p, end, 5, &v);
	if (n == 0 || v > UINT32_MAX || (v >> 3) == 0)
		return -EBADMSG;
	f->tag_len = (uint8_t)n;
	f->fnum = (uint32_t)(v >> 3);
	f->wt = (uint32_t)v & 7;
	f->pfx_len = 0;
	f->len = 0;
	p += n;
	switch (f->wt) {
	case WT_VARINT:
		n = varint(p, end, 10, &v);
		if (n == 0)
			return -EBADMSG;
		f->body = p;
		f->end = p + n;
		return 0;
	case WT_I64:
	case WT_I32:
		n = f->wt == WT_I64 ? 8 : 4;
		if ((size_t)(end - p) < n)
			return -EBADMSG;
		f->body = p;
		f->end = p + n;
		return 0;
	case WT_LEN:
		n = varint(p, end, 5, &v);
		if (n == 0 || v > (uint64_t)(end - p - n))
			return -EBADMSG;
		f->pfx_len = (uint8_t)n;
		f->len = (uint32_t)v;
		f->body = p + n;
		f->end = f->body + v;
		return 0;
	default: /* groups (3, 4) are not proto3; 6 and 7 do not exist */
		return -EBADMSG;
	}
}

/* Appends n bytes. Returns 0 or -ENOSPC. */
static int
emit(struct flt *f, const uint8_t *src, uint32_t n)
{
	if (n > f->cap - f->pos)
		return -ENOSPC;
	memcpy(f->out + f->pos, src, n);
	f->pos += n;
	return 0;
}

/* Copies a whole field unchanged. */
static int
copy_field(struct flt *f, const struct field *fld)
{
	return emit(f, fld->at, (uint32_t)(fld->end - fld->at));
}

/* Writes fld's tag and leaves a hole as wide as its length prefix; *m says where. */
static int
open_msg(struct flt *f, const struct field *fld, struct mark *m)
{
	m->start = f->pos;
	if ((uint32_t)fld->tag_len + fld->pfx_len > f->cap - f->pos)
		return -ENOSPC;
	memcpy(f->out + f->pos, fld->at, fld->tag_len);
	f->pos += fld->tag_len + fld->pfx_len;
	m->body = f->pos;
	return 0;
}

/*
 * Fills the hole open_msg left: the original prefix when the body kept its
 * length, else a minimal varint, moving the body down when that is narrower.
 */
static void
close_msg(struct flt *f, const struct field *fld, const struct mark *m)
{
	uint32_t n = f->pos - m->body, pfx = m->body - fld->pfx_len;
	uint8_t buf[5];
	unsigned int k = 0;
	uint32_t v = n;

	if (n == fld->len) {
		memcpy(f->out + pfx, fld->body - fld->pfx_len, fld->pfx_len);
		return;
	}
	/* n < fld->len, so its minimal varint is at most as wide as the old prefix */
	do {
		buf[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	assert(k <= fld->pfx_len);
	memcpy(f->out + pfx, buf, k);
	if (k < fld->pfx_len) {
		memmove(f->out + pfx + k, f->out + m->body, n);
		f->pos -= fld->pfx_len - k;
	}
}

/* Decides one span or log record: keep() on its last trace_id, then copy or skip. */
static int
filter_record(struct flt *f, const struct field *item)
{
	const uint8_t *p = item->body, *end = item->end, *tid = NULL;
	struct field fld;
	int rc;

	while (p < end) {
		if ((rc = next_field(p, end, &fld)) < 0)
			return rc;
		if (fld.fnum == f->tid_field && fld.wt == WT_LEN)
			tid = fld.len == TRACE_ID_LEN ? fld.body : NULL;
		p = fld.end;
	}
	if (f->keep(f->arg, f->idx++, tid)) {
		f->kept++;
		return copy_field(f, item);
	}
	f->dropped++;
	return 0;
}

/* Decides one metric data point (no trace id). */
static int
filter_point(struct flt *f, const struct field *item)
{
	if (f->keep(f->arg, f->idx++, NULL)) {
		f->kept++;
		return copy_field(f, item);
	}
	f->dropped++;
	return 0;
}

/* Metric data arms: gauge, sum, histogram, exponential_histogram, summary. */
static int
is_arm(uint32_t fnum)
{
	return fnum == 5 || fnum == 7 || fnum == 9 || fnum == 10 || fnum == 11;
}

/*
 * Where the arms protobuf keeps start in a Metric [p, end): the first of
 * the last run of one arm field number (NULL: no arm). Arms before it are
 * replaced by a later, different one.
 */
static int
live_arms(const uint8_t *p, const uint8_t *end, const uint8_t **live)
{
	struct field fld;
	uint32_t cur = 0;
	int rc;

	*live = NULL;
	while (p < end) {
		if ((rc = next_field(p, end, &fld)) < 0)
			return rc;
		if (is_arm(fld.fnum) && fld.wt == WT_LEN && fld.fnum != cur) {
			cur = fld.fnum;
			*live = fld.at;
		}
		p = fld.end;
	}
	return 0;
}

/*
 * Writes the message [p, end) of level lvl, filtered. *held: items it held
 * (as the walker counts them), *kept: those kept.
 */
static int
filter_msg(struct flt *f, enum lvl lvl, const uint8_t *p, const uint8_t *end, uint32_t *held,
           uint32_t *kept)
{
	const uint8_t *live = NULL;
	struct field fld;
	int rc;

	*held = 0;
	*kept = 0;
	if (lvl == L_METRIC && (rc = live_arms(p, end, &live)) < 0)
		return rc;
	while (p < end) {
		uint32_t k0 = f->kept;
		enum lvl child;

		if ((rc = next_field(p, end, &fld)) < 0)
			return rc;
		p = fld.end;
		if (fld.wt != WT_LEN)
			goto copy;
		switch (lvl) {
		case L_RESOURCE:
			if (fld.fnum != 2)
				goto copy;
			child = L_SCOPE;
			break;
		case L_SCOPE:
			if (fld.fnum != 2)
				goto copy;
			if (f->sig != SL_SIGNAL_METRICS) {
				if ((rc = filter_record(f, &fld)) < 0)
					return rc;
				*held += 1;
				*kept += f->kept - k0;
				continue;
			}
			child = L_METRIC;
			break;
		case L_METRIC:
			if (!is_arm(fld.fnum) || live == NULL || fld.at < live)
				goto copy;
			child = L_ARM;
			break;
		default: /* L_ARM */
			if (fld.fnum != 1)
				goto copy;
			if ((rc = filter_point(f, &fld)) < 0)
				return rc;
			*held += 1;
			*kept += f->kept - k0;
			continue;
		}

		/* a container: write it filtered, or not at all when it was emptied */
		{
			struct mark m;
			uint32_t h, k;

			if ((rc = open_msg(f, &fld, &m)) < 0)
				return rc;
			if ((rc = filter_msg(f, child, fld.body, fld.end, &h, &k)) < 0)
				return rc;
			*held += h;
			*kept += k;
			if (h != 0 && k == 0 && child != L_ARM)
				f->pos = m.start;
			else
				close_msg(f, &fld, &m);
		}
		continue;
copy:
		if ((rc = copy_field(f, &fld)) < 0)
			return rc;
	}
	return 0;
}

/* Both entry points: walked says the caller's walk already validated in and counted items. */
static int
filter_entry(enum sl_signal sig, const uint8_t *in, uint32_t len, bool walked, uint32_t items,
             sl_item_keep_fn keep, void *arg, uint8_t *out, uint32_t cap,
             struct sl_item_filter_res *res)
{
	struct sl_otlp_walk_result wr;
	struct field fld;
	struct mark m;
	struct flt f;
	uint32_t held, kept;
	int rc;

	if (res == NULL)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if ((unsigned int)sig >= SL_SIGNAL_MAX || keep == NULL || (in == NULL && len > 0) ||
	    (out == NULL && cap > 0))
		return -EINVAL;

	/* one field 1 spanning the whole input, and a valid request around it */
	if (len == 0 || next_field(in, in + len, &fld) < 0 || fld.fnum != 1 || fld.wt != WT_LEN ||
	    fld.end != in + len)
		return -EBADMSG;
	if (walked) {
		wr.items = items;
	} else {
		wr.entries = NULL;
		wr.max_entries = 0;
		if (sl_otlp_walk_buf(sig, in, len, NULL, &wr) < 0 || wr.n_entries != 1)
			return -EBADMSG;
	}

	f.keep = keep;
	f.arg = arg;
	f.out = out;
	f.cap = cap;
	f.pos = 0;
	f.idx = 0;
	f.kept = 0;
	f.dropped = 0;
	f.sig = sig;
	f.tid_field = sig == SL_SIGNAL_LOGS ? LOG_TRACE_ID : SPAN_TRACE_ID;

	if ((rc = open_msg(&f, &fld, &m)) < 0)
		goto err;
	if ((rc = filter_msg(&f, L_RESOURCE, fld.body, fld.end, &held, &kept)) < 0)
		goto err;
	/* the walker's count: what classify.c adds to the entry's base */
	assert(walked || (held == wr.items && f.idx == held && held == f.kept + f.dropped));
	if (held != wr.items) {
		rc = -EBADMSG;
		goto err;
	}
	if (f.kept == 0)
		f.pos = 0;
	else
		close_msg(&f, &fld, &m);
	res->out_len = f.pos;
	res->kept = f.kept;
	res->dropped = f.dropped;
	return 0;
err:
	memset(res, 0, sizeof(*res));
	return rc;
}

int
sl_item_filter(enum sl_signal sig, const uint8_t *in, uint32_t len, sl_item_keep_fn keep, void *arg,
               uint8_t *out, uint32_t cap, struct sl_item_filter_res *res)
{
	return filter_entry(sig, in, len, false, 0, keep, arg, out, cap, res);
}

int
sl_item_filter_walked(enum sl_signal sig, const uint8_t *in, uint32_t len, uint32_t items,
                      sl_item_keep_fn keep, void *arg, uint8_t *out, uint32_t cap,
                      struct sl_item_filter_res *res)
{
	return filter_entry(sig, in, len, true, items, keep, arg, out, cap, res);
}
