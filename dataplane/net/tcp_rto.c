/* SPDX-License-Identifier: BSD-3-Clause */
/* RFC 6298 retransmission timeout computation for one connection (see tcp_rto.h). */
#include <errno.h>
#include <stddef.h>

#include "tcp_rto.h"

#define ONE ((uint64_t)1 << SL_TCP_RTO_FRAC)

static const struct sl_tcp_rto_conf rto_conf_default = SL_TCP_RTO_CONF_DEFAULT;

static uint32_t
clamp_us(const struct sl_tcp_rto *r, uint64_t us)
{
	if (us < r->min_us)
		return r->min_us;
	if (us > r->max_us)
		return r->max_us;
	return (uint32_t)us;
}

/* RFC 6298 2.2/2.3: RTO = SRTT + max(G, K * RTTVAR), K = 4, rounded up, bounded. */
static void
recompute(struct sl_tcp_rto *r)
{
	uint64_t var = r->rttvar * 4;
	uint64_t g = (uint64_t)r->granularity_us << SL_TCP_RTO_FRAC;
	uint64_t rto = r->srtt + (var > g ? var : g);

	r->rto_us = clamp_us(r, (rto + ONE - 1) >> SL_TCP_RTO_FRAC);
	r->backoffs = 0;
}

int
sl_tcp_rto_conf_check(const struct sl_tcp_rto_conf *conf)
{
	if (conf == NULL || conf->min_us == 0 || conf->min_us > conf->initial_us ||
	    conf->initial_us > conf->max_us || conf->granularity_us > conf->max_us)
		return -EINVAL;
	return 0;
}

void
sl_tcp_rto_init(struct sl_tcp_rto *r, const struct sl_tcp_rto_conf *conf)
{
	if (conf == NULL)
		conf = &rto_conf_default;
	r->srtt = 0;
	r->rttvar = 0;
	r->min_us = conf->min_us;
	r->max_us = conf->max_us;
	r->granularity_us = conf->granularity_us;
	r->rto_us = clamp_us(r, conf->initial_us);
	r->backoffs = 0;
	r->have_sample = 0;
}

void
sl_tcp_rto_sample(struct sl_tcp_rto *r, uint32_t rtt_us)
{
	uint64_t m = (uint64_t)rtt_us << SL_TCP_RTO_FRAC;

	if (!r->have_sample) {
		/* 2.2: SRTT <- R, RTTVAR <- R/2 */
		r->srtt = m;
		r->rttvar = m / 2;
		r->have_sample = 1;
	} else {
		/*
		 * 2.3, in this order (RTTVAR uses the old SRTT):
		 * RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R'|
		 * SRTT   <- 7/8 SRTT + 1/8 R'
		 * Values stay below 2^40, so the products cannot overflow.
		 */
		uint64_t err = r->srtt > m ? r->srtt - m : m - r->srtt;

		r->rttvar = (3 * r->rttvar + err) / 4;
		r->srtt = (7 * r->srtt + m) / 8;
	}
	recompute(r);
}

void
sl_tcp_rto_backoff(struct sl_tcp_rto *r)
{
	uint64_t rto = (uint64_t)r->rto_us * 2;

	r->rto_us = rto > r->max_us ? r->max_us : (uint32_t)rto;
	if (r->backoffs < UINT8_MAX)
		r->backoffs++;
}

void
sl_tcp_rto_syn_retransmitted(struct sl_tcp_rto *r)
{
	if (r->have_sample) {
		recompute(r);
		return;
	}
	r->rto_us = clamp_us(r, SL_TCP_RTO_SYN_FALLBACK_US);
	r->backoffs = 0;
}
