/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet input: destination filter and ethertype dispatch. */
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "core.h"
#include "net/arp.h"
#include "net/eth.h"
#include "net/ipv4.h"

void
sl_eth_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;
	uint16_t type;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))) {
		sl_core_drop(core, m, SL_DROP_ETH_TRUNCATED);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/*
	 * Unicast to us or broadcast. Multicast is refused until IPv6 neighbour
	 * discovery needs it; promiscuous ports see other hosts' frames, which
	 * land here too.
	 */
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &cp->port->mac) &&
	             !rte_is_broadcast_ether_addr(&eth->dst_addr))) {
		sl_core_drop(core, m, SL_DROP_ETH_NOT_FOR_US);
		return;
	}
	type = eth->ether_type;
	if (likely(type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		m->l2_len = sizeof(struct rte_ether_hdr);
		sl_ipv4_input(core, cp, m, sizeof(struct rte_ether_hdr));
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		sl_arp_input(core, cp, m, sizeof(struct rte_ether_hdr));
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		sl_core_drop(core, m, SL_DROP_ETH_VLAN);
	} else {
		sl_core_drop(core, m, SL_DROP_ETH_UNKNOWN_TYPE);
	}
}
