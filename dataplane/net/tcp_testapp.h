/* SPDX-License-Identifier: BSD-3-Clause */
/* Test-only TCP listeners (echo and discard-with-digest), enabled by config for TCP tests. */
#ifndef SL_TCP_TESTAPP_H
#define SL_TCP_TESTAPP_H

#include <stdint.h>

#include "net/tcp_types.h"

/*
 * echo:    every byte received is sent back; backpressure is real (bytes are
 *          consumed only once the send buffer took them).
 * discard: bytes are consumed at once and folded into a CRC-32 (the one of
 *          zlib and Python's zlib.crc32); when the peer half-closes, the
 *          listener answers "<bytes> <crc32 as 8 hex digits>\n" and closes.
 * Per-connection state is preallocated per core: no allocation per connection.
 */
struct sl_testapp_conn {
	uint64_t bytes;
	uint32_t crc;
	uint16_t head;
	uint16_t n;         /* pending slices (echo: not yet taken by the send buffer) */
	uint32_t first_off; /* bytes of pend[head] already sent */
	uint8_t echo;
	uint8_t close_when_flushed;
	struct sl_slice *pend; /* rcv_segs slots */
};

struct sl_testapp {
	struct sl_tcp_core *tc;
	uint32_t n_conns;
	uint32_t pend_cap;
	struct sl_testapp_conn *conns;
	struct sl_slice *pend_store;
};

/* Allocate state for tc's connections and listen on the non-zero ports. 0 or -errno. */
int sl_testapp_init(struct sl_testapp *ta, struct sl_tcp_core *tc, uint16_t echo_port,
                    uint16_t discard_port, int socket);
void sl_testapp_fini(struct sl_testapp *ta);

#endif /* SL_TCP_TESTAPP_H */
