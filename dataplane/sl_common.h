/* SPDX-License-Identifier: BSD-3-Clause */
/* Constants and tiny helpers every dataplane module uses. */
#ifndef SL_COMMON_H
#define SL_COMMON_H

#include <stdint.h>

/*
 * Largest RX/TX burst. 32 is DPDK's sweet spot: the burst arrays stay in L1,
 * and most PMDs' vector paths want a multiple of 4 up to 32. Raising it
 * grows every on-stack burst array; config dataplane.burst may only lower it.
 */
#define SL_MAX_BURST 32

/* Packets a core buffers per port before a TX burst; two bursts absorb a reply spike. */
#define SL_TX_BUF (2 * SL_MAX_BURST)

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define SL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* SL_COMMON_H */
