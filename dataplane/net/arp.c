/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP for Ethernet/IPv4 (RFC 826): replies for our address, a bounded per-core neighbour cache. */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "core.h"
#include "net/arp.h"

int
sl_arp_cache_init(struct sl_arp_cache *c, uint32_t n_slots, uint64_t timeout_tsc, int socket)
{
	if (n_slots < SL_ARP_PROBE || (n_slots & (n_slots - 1)) != 0)
		return -EINVAL;
	c->slots =
	    rte_zmalloc_socket("sl_arp", sizeof(*c->slots) * n_slots, RTE_CACHE_LINE_SIZE, socket);
	if (c->slots == NULL)
		return -ENOMEM;
	c->mask = n_slots - 1;
	c->timeout_tsc = timeout_tsc;
	return 0;
}

void
sl_arp_cache_free(struct sl_arp_cache *c)
{
	if (c == NULL)
		return;
	rte_free(c->slots);
	c->slots = NULL;
}

static inline uint32_t
slot_of(const struct sl_arp_cache *c, uint32_t ip)
{
	return rte_jhash_1word(ip, 0x5111ceu) & c->mask;
}

bool
sl_arp_cache_learn(struct sl_arp_cache *c, uint32_t ip, const struct rte_ether_addr *mac,
                   uint64_t now_tsc)
{
	struct sl_arp_entry *e, *victim = NULL;
	uint32_t i, s = slot_of(c, ip);
	bool evicted;

	for (i = 0; i < SL_ARP_PROBE; i++) {
		e = &c->slots[(s + i) & c->mask];
		if (e->ip == ip) {
			victim = e;
			break;
		}
		if (e->ip == 0) {
			if (victim == NULL || victim->ip != 0)
				victim = e;
		} else if (victim == NULL ||
		           (victim->ip != 0 && e->learned_tsc < victim->learned_tsc)) {
			victim = e;
		}
	}
	/* Replacing a live entry for another address is an eviction; a stale one is not. */
	evicted =
	    victim->ip != 0 && victim->ip != ip && now_tsc - victim->learned_tsc < c->timeout_tsc;
	victim->ip = ip;
	victim->mac = *mac;
	victim->learned_tsc = now_tsc;
	return evicted;
}

bool
sl_arp_cache_lookup(const struct sl_arp_cache *c, uint32_t ip, struct rte_ether_addr *mac,
                    uint64_t now_tsc)
{
	const struct sl_arp_entry *e;
	uint32_t i, s = slot_of(c, ip);

	if (ip == 0)
		return false;
	for (i = 0; i < SL_ARP_PROBE; i++) {
		e = &c->slots[(s + i) & c->mask];
		if (e->ip == ip) {
			if (now_tsc - e->learned_tsc >= c->timeout_tsc)
				return false;
			*mac = e->mac;
			return true;
		}
	}
	return false;
}

static void
learn(struct sl_core *core, uint32_t ip, const struct rte_ether_addr *mac)
{
	core->ctr[SL_CTR_ARP_LEARNED]++;
	if (sl_arp_cache_learn(&core->arp, ip, mac, core->now))
		core->ctr[SL_CTR_ARP_EVICTED]++;
}

/* True if ip already has a slot: RFC 826's merge step updates only known senders. */
static bool
known(const struct sl_core *core, uint32_t ip)
{
	struct rte_ether_addr mac;

	return sl_arp_cache_lookup(&core->arp, ip, &mac, core->now);
}

void
sl_arp_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m, uint16_t arp_off)
{
	const struct sl_port *port = cp->port;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	uint32_t sip, tip;

	if (unlikely(rte_pktmbuf_data_len(m) < arp_off + sizeof(struct rte_arp_hdr))) {
		sl_core_drop(core, m, SL_DROP_ARP_TRUNCATED);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, arp_off);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != sizeof(uint32_t)) {
		sl_core_drop(core, m, SL_DROP_ARP_UNSUPPORTED);
		return;
	}
	if (!rte_is_valid_assigned_ether_addr(&arp->arp_data.arp_sha)) {
		sl_core_drop(core, m, SL_DROP_ARP_BAD_SENDER);
		return;
	}
	sip = arp->arp_data.arp_sip;
	tip = arp->arp_data.arp_tip;

	switch (arp->arp_opcode) {
	case RTE_BE16(RTE_ARP_OP_REQUEST):
		if (tip != port->ipv4 || sip == port->ipv4) {
			/* Someone else's request, or a gratuitous ARP: refresh only what we know.
			 */
			if (sip != 0 && known(core, sip))
				learn(core, sip, &arp->arp_data.arp_sha);
			sl_core_drop(core, m, SL_DROP_ARP_NOT_FOR_US);
			return;
		}
		core->ctr[SL_CTR_ARP_REQUESTS_IN]++;
		if (sip != 0) /* an address probe (RFC 5227) has sender 0: nothing to learn */
			learn(core, sip, &arp->arp_data.arp_sha);
		/* Turn the request into the reply in place. */
		arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
		arp->arp_data.arp_tha = arp->arp_data.arp_sha;
		arp->arp_data.arp_tip = sip;
		arp->arp_data.arp_sha = port->mac;
		arp->arp_data.arp_sip = port->ipv4;
		eth->dst_addr = arp->arp_data.arp_tha;
		eth->src_addr = port->mac;
		/* Drop trailing padding and anything past the ARP body. */
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - arp_off - sizeof(struct rte_arp_hdr));
		core->ctr[SL_CTR_ARP_REPLIES_OUT]++;
		sl_core_tx(core, cp, m);
		return;
	case RTE_BE16(RTE_ARP_OP_REPLY):
		core->ctr[SL_CTR_ARP_REPLIES_IN]++;
		if (tip == port->ipv4 && sip != 0)
			learn(core, sip, &arp->arp_data.arp_sha);
		rte_pktmbuf_free(m); /* consumed, not dropped */
		return;
	default:
		sl_core_drop(core, m, SL_DROP_ARP_BAD_OPCODE);
		return;
	}
}

int
sl_arp_send_gratuitous(struct sl_core *core, struct sl_core_port *cp)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(core->pool);
	if (m == NULL)
		return -ENOMEM;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = cp->port->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(uint32_t);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = cp->port->mac;
	arp->arp_data.arp_sip = cp->port->ipv4;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = cp->port->ipv4;
	core->ctr[SL_CTR_ARP_GRATUITOUS_OUT]++;
	sl_core_tx(core, cp, m);
	return 0;
}
