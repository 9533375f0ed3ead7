/* SPDX-License-Identifier: BSD-3-Clause */
/* Re-encodes one OTLP Resource* entry without the spans, data points or log records left out. */
#ifndef SL_ITEM_FILTER_H
#define SL_ITEM_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/otlp_types.h"

/*
 * Decide one item: true keeps it. idx: the item's index within the entry
 * (0-based, wire order: spans, data points, log records), the same count
 * sl_otlp_walk() makes (sl_otlp_entry.items), so entry base + idx is the
 * item's index in the request. trace_id: the item's 16-byte trace id, or
 * NULL when it has none (metric data points; log records with no or a
 * non-16-byte trace_id; spans with a trace_id of another length). The last
 * trace_id field of a span or log record wins, as in protobuf. trace_id
 * points into the caller's input and is valid during the call only.
 * Called once per item, in index order.
 */
typedef bool (*sl_item_keep_fn)(void *arg, uint32_t idx, const uint8_t *trace_id);

/* What one sl_item_filter() call did. */
struct sl_item_filter_res {
	uint32_t out_len; /* bytes written; 0 when no item was kept (the entry vanishes) */
	uint32_t kept;    /* items kept */
	uint32_t dropped; /* items left out */
};

/*
 * Re-encode one Resource* entry, keeping only the items keep() accepts.
 * in/len: the whole entry exactly as the walker reports it (sl_otlp_entry
 * off/len: the field-1 tag of ExportXServiceRequest, its length prefix, and
 * the ResourceSpans/ResourceMetrics/ResourceLogs payload), contiguous.
 * Writes the filtered entry (same tag, new length prefix) to out, which must
 * not overlap in; every byte that is not a dropped item or a container left
 * empty is copied unchanged and in order.
 *
 * Containers left empty are dropped: a ScopeSpans / ScopeLogs with no item
 * left, a Metric with no data point left, a ScopeMetrics with no metric
 * left; "left empty" means it held at least one item and all were dropped
 * (a container that held none, e.g. a Metric without points, stays when its
 * parent stays). If nothing is kept at all, out_len = 0. So keep-all gives
 * back the input byte for byte, unless the entry holds no item at all.
 *
 * Metric data arms: when a Metric carries several data fields, only those
 * protobuf keeps (the last run of the same arm, merged) hold items, as in
 * the walker's count; earlier arms are copied unchanged and never passed to
 * keep(). The arm messages themselves (Gauge, Sum, ...) are kept with their
 * other fields even when all their points go.
 *
 * The input is first validated with sl_otlp_walk() (so any output walks
 * clean); keep() is called only for a valid entry. Length prefixes of
 * changed messages are re-encoded minimal; unchanged ones are copied as
 * they were.
 *
 * The output is never longer than the input, so cap >= len always
 * suffices. A smaller cap may give -ENOSPC even when the output would fit:
 * room is claimed as the entry is written, before later decisions shrink
 * it (a message's old length prefix is held until the message is closed).
 *
 * Returns 0, -ENOSPC (cap too small), -EBADMSG (not a well-formed entry),
 * -EINVAL (bad arguments). On error *res is zeroed and out holds garbage;
 * after -ENOSPC keep() may have been called for some items. No allocation;
 * recursion depth is fixed and small (4 frames, plus the walk's stack).
 */
int sl_item_filter(enum sl_signal sig, const uint8_t *in, uint32_t len, sl_item_keep_fn keep,
                   void *arg, uint8_t *out, uint32_t cap, struct sl_item_filter_res *res);

/*
 * sl_item_filter for an entry the caller's sl_otlp_walk() already validated
 * (as part of its whole request) and counted (items: its sl_otlp_entry.items):
 * the same output without the second walk (~40% of the filter's cost). Reads
 * stay inside [in, in + len) whatever the bytes; on bytes the walker would
 * refuse, the output is unspecified (not -EBADMSG) unless the item count
 * disagrees with items.
 */
int sl_item_filter_walked(enum sl_signal sig, const uint8_t *in, uint32_t len, uint32_t items,
                          sl_item_keep_fn keep, void *arg, uint8_t *out, uint32_t cap,
                          struct sl_item_filter_res *res);

#endif /* SL_ITEM_FILTER_H */
