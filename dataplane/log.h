/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging for the dataplane's slow paths through rte_log (never on a poll core's fast path). */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <rte_log.h>

extern int sl_logtype;

#define SL_LOG(level, fmt, ...)                                                                    \
	rte_log(RTE_LOG_##level, sl_logtype, "sluice: " fmt "\n", ##__VA_ARGS__)

/*
 * Fast-path debug logging: compiled out unless built with -DSL_DEBUG, so a
 * stray debug line can never put a printf on a poll core in production.
 */
#ifdef SL_DEBUG
#define SL_DLOG(fmt, ...) SL_LOG(DEBUG, fmt, ##__VA_ARGS__)
#else
#define SL_DLOG(fmt, ...)                                                                          \
	do {                                                                                       \
	} while (0)
#endif

/* Map a config log level name ("notice") to an RTE_LOG_* value; -EINVAL if unknown. */
int sl_log_level_parse(const char *name);

#endif /* SL_LOG_H */
