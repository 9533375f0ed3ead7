/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 6298 retransmission timeout: RTT estimator, bounds and backoff, in microseconds. */
#ifndef SL_NET_TCP_RTO_H
#define SL_NET_TCP_RTO_H

#include <stdint.h>

/*
 * The estimator of one connection. The caller measures, this computes:
 *  - feed sl_tcp_rto_sample() only with RTTs that Karn's algorithm allows
 *    (not from a retransmitted segment, unless a timestamp echo dates it);
 *  - call sl_tcp_rto_backoff() each time the retransmission timer expires
 *    (RFC 6298 5.5); the next sample recomputes the RTO and drops the backoff;
 *  - arm the timer with sl_tcp_rto_us().
 *
 * Arithmetic: SRTT and RTTVAR are kept in microseconds with SL_TCP_RTO_FRAC
 * fraction bits, so the 1/8 and 1/4 gains lose under 1/256 us per sample and
 * the result matches the RFC's real-number formulas to the microsecond. RTO is
 * rounded up, never down.
 */

/* Fraction bits of srtt and rttvar. */
#define SL_TCP_RTO_FRAC 8

/* RFC 6298 2.1: RTO before any sample. */
#define SL_TCP_RTO_INITIAL_US 1000000u
/* RFC 6298 2.4: lower bound (Linux uses 200 ms; lower risks spurious retransmits). */
#define SL_TCP_RTO_MIN_US 1000000u
/* RFC 6298 2.5: an upper bound must be at least 60 s. */
#define SL_TCP_RTO_MAX_US 60000000u
/* RFC 6298 5.7: RTO once the handshake is done if a SYN was lost and no RTT is known. */
#define SL_TCP_RTO_SYN_FALLBACK_US 3000000u
/* G: clock granularity, the timer wheel's tick (1 ms by default). */
#define SL_TCP_RTO_GRANULARITY_US 1000u

/* Per-listener settings, checked once with sl_tcp_rto_conf_check() when loaded. */
struct sl_tcp_rto_conf {
	uint32_t initial_us;
	uint32_t min_us;
	uint32_t max_us;
	uint32_t granularity_us;
};

/* Initialiser with the RFC 6298 values. */
#define SL_TCP_RTO_CONF_DEFAULT                                                                    \
	{                                                                                          \
		.initial_us = SL_TCP_RTO_INITIAL_US, .min_us = SL_TCP_RTO_MIN_US,                  \
		.max_us = SL_TCP_RTO_MAX_US, .granularity_us = SL_TCP_RTO_GRANULARITY_US,          \
	}

/* 40 bytes, embedded in the connection. */
struct sl_tcp_rto {
	uint64_t srtt;   /* smoothed RTT, us << SL_TCP_RTO_FRAC; 0 until a sample */
	uint64_t rttvar; /* RTT variation, us << SL_TCP_RTO_FRAC */
	uint32_t rto_us; /* current timeout, backoff included */
	uint32_t min_us; /* bounds and G, copied from the conf */
	uint32_t max_us;
	uint32_t granularity_us;
	uint8_t backoffs; /* timer expiries since the last sample (saturates at 255) */
	uint8_t have_sample;
};

/* 0 if the conf is usable (0 < min <= initial <= max, G <= max), else -EINVAL. */
int sl_tcp_rto_conf_check(const struct sl_tcp_rto_conf *conf);

/* Start a connection's estimator; conf NULL means SL_TCP_RTO_CONF_DEFAULT. */
void sl_tcp_rto_init(struct sl_tcp_rto *r, const struct sl_tcp_rto_conf *conf);

/* Take one RTT measurement (RFC 6298 2.2 for the first, 2.3 after). */
void sl_tcp_rto_sample(struct sl_tcp_rto *r, uint32_t rtt_us);

/* The retransmission timer expired: double the RTO, up to the maximum (RFC 6298 5.5). */
void sl_tcp_rto_backoff(struct sl_tcp_rto *r);

/*
 * The handshake completed after our SYN-ACK was retransmitted (RFC 6298 5.7):
 * with no RTT sample the RTO becomes 3 s (within the bounds); with one (from
 * a timestamp echo) the RTO is recomputed from it, without the backoff.
 */
void sl_tcp_rto_syn_retransmitted(struct sl_tcp_rto *r);

/* The timeout to arm the retransmission timer with. */
static inline uint32_t
sl_tcp_rto_us(const struct sl_tcp_rto *r)
{
	return r->rto_us;
}

/* SRTT to the nearest microsecond (0 before the first sample). */
static inline uint32_t
sl_tcp_rto_srtt_us(const struct sl_tcp_rto *r)
{
	return (uint32_t)((r->srtt + (1u << (SL_TCP_RTO_FRAC - 1))) >> SL_TCP_RTO_FRAC);
}

/* RTTVAR to the nearest microsecond. */
static inline uint32_t
sl_tcp_rto_rttvar_us(const struct sl_tcp_rto *r)
{
	return (uint32_t)((r->rttvar + (1u << (SL_TCP_RTO_FRAC - 1))) >> SL_TCP_RTO_FRAC);
}

/* Expiries since the last sample: the caller gives up past its retry limit. */
static inline unsigned
sl_tcp_rto_backoffs(const struct sl_tcp_rto *r)
{
	return r->backoffs;
}

#endif /* SL_NET_TCP_RTO_H */
