/* SPDX-License-Identifier: BSD-3-Clause */
/* The OTLP signals, shared by the walker, routing, batching and the segment store. */
#ifndef SL_OTLP_TYPES_H
#define SL_OTLP_TYPES_H

/*
 * One value per Export*ServiceRequest kind. The numbering is stored in
 * segment records and table images: append new signals, never renumber.
 */
enum sl_signal {
	SL_SIGNAL_TRACES,
	SL_SIGNAL_METRICS,
	SL_SIGNAL_LOGS,
	SL_SIGNAL_MAX,
};

/* Lower-case name, as in OTLP/HTTP paths (/v1/traces) and metric labels. */
static inline const char *
sl_signal_name(enum sl_signal sig)
{
	switch (sig) {
	case SL_SIGNAL_TRACES:
		return "traces";
	case SL_SIGNAL_METRICS:
		return "metrics";
	case SL_SIGNAL_LOGS:
		return "logs";
	default:
		return "unknown";
	}
}

#endif /* SL_OTLP_TYPES_H */
