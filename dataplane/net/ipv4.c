/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 input: validate the header, trim link padding, deliver locally by protocol. */
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "core.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/net.h"
#include "net/tcp.h"

void
sl_ipv4_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m, uint16_t l3_off)
{
	const struct sl_port *port = cp->port;
	struct rte_ipv4_hdr *ip;
	uint32_t avail, hlen, tot;
	uint64_t ck;

	avail = rte_pktmbuf_pkt_len(m) - l3_off;
	if (unlikely(rte_pktmbuf_data_len(m) < l3_off + sizeof(struct rte_ipv4_hdr))) {
		sl_core_drop(core, m, SL_DROP_IPV4_TRUNCATED);
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l3_off);
	if (unlikely((ip->version_ihl >> 4) != 4)) {
		sl_core_drop(core, m, SL_DROP_IPV4_BAD_VERSION);
		return;
	}
	hlen = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (unlikely(hlen < sizeof(struct rte_ipv4_hdr) ||
	             l3_off + hlen > rte_pktmbuf_data_len(m))) {
		sl_core_drop(core, m, SL_DROP_IPV4_BAD_HLEN);
		return;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tot < hlen)) {
		sl_core_drop(core, m, SL_DROP_IPV4_BAD_LEN);
		return;
	}
	if (unlikely(tot > avail)) {
		sl_core_drop(core, m, SL_DROP_IPV4_TRUNCATED);
		return;
	}
	ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD)) {
		sl_core_drop(core, m, SL_DROP_IPV4_BAD_CSUM);
		return;
	}
	/* Verify in software unless the port vouched for it; a valid header sums to 0xffff. */
	if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && unlikely(rte_raw_cksum(ip, hlen) != 0xffff)) {
		sl_core_drop(core, m, SL_DROP_IPV4_BAD_CSUM);
		return;
	}
	if (unlikely(ip->fragment_offset &
	             RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		sl_core_drop(core, m, SL_DROP_IPV4_FRAGMENT);
		return;
	}
	if (unlikely(ip->dst_addr != port->ipv4)) {
		sl_core_drop(core, m, SL_DROP_IPV4_NOT_FOR_US);
		return;
	}
	if (unlikely(sl_ipv4_bad_source(ip->src_addr) || ip->src_addr == port->ipv4 ||
	             (ip->src_addr | port->ipv4_mask) == UINT32_MAX)) {
		sl_core_drop(core, m, SL_DROP_IPV4_BAD_SRC);
		return;
	}
	/* Ethernet pads short frames to 60 bytes: cut the padding so upper layers see the datagram.
	 */
	if (avail > tot)
		rte_pktmbuf_trim(m, avail - tot);
	m->l2_len = l3_off;
	m->l3_len = hlen;
	core->ctr[SL_CTR_IPV4_IN]++;

	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		sl_icmp_input(core, cp, m);
		return;
	case IPPROTO_TCP:
		if (likely(core->tcp != NULL)) {
			sl_tcp_input(core->tcp, cp, m);
			return;
		}
		/* no TCP on this core (unit tests of lower layers) */
		sl_core_drop(core, m, SL_DROP_IPV4_UNKNOWN_PROTO);
		return;
	default:
		sl_core_drop(core, m, SL_DROP_IPV4_UNKNOWN_PROTO);
		return;
	}
}
