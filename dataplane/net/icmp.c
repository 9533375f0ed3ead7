/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP echo (RFC 792): the request mbuf is turned into the reply in place. */
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "core.h"
#include "net/icmp.h"
#include "net/net.h"

/* TTL of our replies: Linux's default, so traceroute-style tools see a familiar host. */
#define SL_IPV4_TTL 64

void
sl_icmp_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m)
{
	const struct sl_port *port = cp->port;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint32_t off = m->l2_len + m->l3_len;
	uint32_t len = rte_pktmbuf_pkt_len(m) - off;
	uint16_t sum;

	if (unlikely(len < sizeof(struct rte_icmp_hdr) ||
	             rte_pktmbuf_data_len(m) < off + sizeof(struct rte_icmp_hdr))) {
		sl_core_drop(core, m, SL_DROP_ICMP_TRUNCATED);
		return;
	}
	/* The checksum covers the whole message, which may span segments. */
	if (unlikely(rte_raw_cksum_mbuf(m, off, len, &sum) != 0 || sum != 0xffff)) {
		sl_core_drop(core, m, SL_DROP_ICMP_BAD_CSUM);
		return;
	}
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, off);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		sl_core_drop(core, m, SL_DROP_ICMP_UNHANDLED);
		return;
	}
	core->ctr[SL_CTR_ICMP_ECHO_IN]++;

	/*
	 * Type 8 -> 0 changes one 16-bit word by 0x0800 (in network order), so
	 * patch the checksum incrementally (RFC 1624, eqn. 3) instead of
	 * re-summing the payload.
	 */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	{
		uint32_t c = (uint16_t)~rte_be_to_cpu_16(icmp->icmp_cksum);

		c += (uint16_t) ~(RTE_IP_ICMP_ECHO_REQUEST << 8); /* ~m  */
		c += (uint16_t)(RTE_IP_ICMP_ECHO_REPLY << 8);     /* m'  */
		c = (c & 0xffff) + (c >> 16);
		c = (c & 0xffff) + (c >> 16);
		icmp->icmp_cksum = rte_cpu_to_be_16((uint16_t)~c);
	}

	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	ip->dst_addr = ip->src_addr;
	ip->src_addr = port->ipv4;
	ip->time_to_live = SL_IPV4_TTL;
	sl_ipv4_set_cksum(ip);

	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = port->mac;
	m->ol_flags = 0;
	core->ctr[SL_CTR_ICMP_ECHO_OUT]++;
	sl_core_tx(core, cp, m);
}
