/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookies: a stateless ISN proving a SYN was seen, and options carried in the TSval. */
#ifndef SL_NET_TCP_SYNCOOKIE_H
#define SL_NET_TCP_SYNCOOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * When a core's SYN queue is full, the SYN-ACK carries a cookie as its ISN
 * and nothing is stored. The peer's ACK echoes cookie + 1; if it verifies,
 * the connection is created from the ACK alone.
 *
 * Cookie (our ISN), 32 bits:
 *
 *    31    29 28   26 25                                          0
 *   +--------+-------+---------------------------------------------+
 *   |slot % 8|mss idx| SipHash-2-4(secret; flow, peer ISN, slot,   |
 *   |        |       |             mss idx) & 0x3ffffff            |
 *   +--------+-------+---------------------------------------------+
 *
 * slot is a 64 s time counter (SL_TCP_SYNCOOKIE_SLOT_SHIFT); a cookie is
 * accepted in the slot it was made and the next one, so it lives 64 to 128 s.
 * The full slot value, the 4-tuple and the peer's ISN are hashed, so a cookie
 * cannot be replayed on another connection or after it expired; a forged ACK
 * passes with probability 2^-26 per try. The MSS index is hashed too, so it
 * cannot be raised by flipping bits.
 *
 * What does not fit in the ISN - the peer's window scale and SACK-permitted -
 * goes in the low bits of our TSval when the peer sent timestamps (as Linux
 * does): the peer echoes it in TSecr. Without timestamps a cookie connection
 * has neither window scaling nor SACK (RFC 4987 section 3.6 trade-off).
 * Those bits are not authenticated; a forger gains nothing from them that he
 * could not have asked for in a SYN.
 *
 * The secret is per process, shared read-only by all poll cores.
 */

/* A slot is 2^6 = 64 s. Longer slots keep stolen cookies valid longer; shorter ones let a slow
 * handshake (SYN-ACK lost and retransmitted) outlive its cookie. */
#define SL_TCP_SYNCOOKIE_SLOT_SHIFT 6
/* Number of MSS classes; the index takes 3 bits of the cookie. */
#define SL_TCP_SYNCOOKIE_MSS_CLASSES 8
/* Low TSval bits carrying the options: 4 bits window scale, 1 SACK-permitted, 1 reserved (0). */
#define SL_TCP_SYNCOOKIE_TS_BITS 6
/* Window-scale field value for "the peer sent no window scale option". */
#define SL_TCP_WSCALE_NONE 0xf
/* RFC 7323 2.3: larger shifts are treated as 14. */
#define SL_TCP_WSCALE_MAX 14

/* 128-bit SipHash key: k0 from bytes 0..7 of the key, k1 from bytes 8..15 (little endian). */
struct sl_tcp_syncookie_key {
	uint64_t k0;
	uint64_t k1;
};

/*
 * The connection as seen in the peer's segments (SYN and ACK alike):
 * s = the peer, d = us. Addresses and ports in network byte order, copied
 * from the headers as they are. IPv4 uses saddr[0]/daddr[0] with the rest 0.
 */
struct sl_tcp_cookie_flow {
	uint32_t saddr[4];
	uint32_t daddr[4];
	uint16_t sport;
	uint16_t dport;
	uint8_t v6; /* 1 when the addresses are IPv6 */
};

/* MSS values a cookie can carry, ascending; index 0 is the IPv4 default (RFC 9293 3.7.1). */
extern const uint16_t sl_tcp_syncookie_mss_tab[SL_TCP_SYNCOOKIE_MSS_CLASSES];

/* Fill the secret from the kernel's random source. Slow path (a syscall). 0 or -errno. */
int sl_tcp_syncookie_key_init(struct sl_tcp_syncookie_key *key);

/* Time counter for a monotonic clock in seconds (e.g. rte_rdtsc() / rte_get_tsc_hz()). */
static inline uint32_t
sl_tcp_syncookie_slot(uint64_t now_s)
{
	return (uint32_t)(now_s >> SL_TCP_SYNCOOKIE_SLOT_SHIFT);
}

/*
 * The ISN for our SYN-ACK to the SYN with sequence number peer_isn on flow.
 * mss is what the connection may use: the smaller of the peer's MSS option
 * (536 when absent, RFC 9293 3.7.1) and ours. It is rounded down to a table
 * class (up to 536 if below), and the class value is stored in *mss_out when
 * mss_out is not NULL: use that value, it is what verify will give back.
 */
uint32_t sl_tcp_syncookie_encode(const struct sl_tcp_syncookie_key *key,
                                 const struct sl_tcp_cookie_flow *flow, uint32_t peer_isn,
                                 uint32_t slot, uint16_t mss, uint16_t *mss_out);

/*
 * Check the ACK completing a cookie handshake: cookie is its ACK number - 1,
 * peer_isn its sequence number - 1 (no data consumed yet), now_slot the
 * current time counter. Returns 0 and the MSS class in *mss_out, -ETIMEDOUT if
 * the cookie is older than the previous slot (or from the future), -EBADMSG
 * if it was not made with this secret for this flow and peer ISN.
 */
int sl_tcp_syncookie_verify(const struct sl_tcp_syncookie_key *key,
                            const struct sl_tcp_cookie_flow *flow, uint32_t peer_isn,
                            uint32_t cookie, uint32_t now_slot, uint16_t *mss_out);

/*
 * The TSval for a cookie SYN-ACK when the peer sent timestamps: ts_now with
 * its low SL_TCP_SYNCOOKIE_TS_BITS replaced by the peer's window scale
 * (SL_TCP_WSCALE_NONE if none; larger than 14 is stored as 14) and its
 * SACK-permitted flag, moved back one step if that would put it after ts_now,
 * so our TSvals never run ahead of our clock.
 */
uint32_t sl_tcp_syncookie_ts_encode(uint32_t ts_now, uint8_t wscale, bool sack_ok);

/*
 * Read the options back from the TSecr of the completing ACK. Returns 0, or
 * -EINVAL if the reserved bit is set or tsecr is after ts_now (we never sent
 * it). *wscale gets 0..14 or SL_TCP_WSCALE_NONE.
 */
int sl_tcp_syncookie_ts_decode(uint32_t tsecr, uint32_t ts_now, uint8_t *wscale, bool *sack_ok);

/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of len bytes, as specified:
 * bytes read little endian, 2 compression rounds, 4 finalisation rounds. The
 * cookie uses it; it is exported for its test and for keyed table hashing.
 */
uint64_t sl_tcp_syncookie_siphash(const struct sl_tcp_syncookie_key *key, const void *data,
                                  size_t len);

#endif /* SL_NET_TCP_SYNCOOKIE_H */
