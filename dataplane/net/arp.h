/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP: answer requests for our addresses, learn neighbours into a bounded per-core cache. */
#ifndef SL_ARP_H
#define SL_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

struct sl_core;
struct sl_core_port;
struct rte_mbuf;

/*
 * One cache slot. The cache is per core (no sharing, no locks): each core
 * learns the neighbours it talks to. Open addressing over a power-of-two
 * array, probing SL_ARP_PROBE slots; a full probe window evicts its oldest.
 */
struct sl_arp_entry {
	uint32_t ip; /* network byte order; 0 = free */
	struct rte_ether_addr mac;
	uint64_t learned_tsc;
};

#define SL_ARP_PROBE 4 /* slots searched per lookup; more finds more, costs more misses */

struct sl_arp_cache {
	struct sl_arp_entry *slots; /* n_slots entries, allocated at start */
	uint32_t mask;              /* n_slots - 1 */
	uint64_t timeout_tsc;
};

/* Allocate n_slots (a power of two) on the given NUMA socket. Returns 0 or -ENOMEM/-EINVAL. */
int sl_arp_cache_init(struct sl_arp_cache *c, uint32_t n_slots, uint64_t timeout_tsc, int socket);
void sl_arp_cache_free(struct sl_arp_cache *c);

/* Insert or refresh ip -> mac. Returns true if a valid entry for another address was evicted. */
bool sl_arp_cache_learn(struct sl_arp_cache *c, uint32_t ip, const struct rte_ether_addr *mac,
                        uint64_t now_tsc);

/* Look up a fresh entry. Returns true and fills mac, or false. */
bool sl_arp_cache_lookup(const struct sl_arp_cache *c, uint32_t ip, struct rte_ether_addr *mac,
                         uint64_t now_tsc);

/*
 * Handle one ARP frame (m->data_off at the Ethernet header, arp_off bytes
 * further the ARP header). Consumes m: turns it into a reply and queues it on
 * cp, or frees it counting a drop reason.
 */
void sl_arp_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m,
                  uint16_t arp_off);

/* Build a gratuitous ARP request announcing cp's address and queue it. Returns 0 or -ENOMEM. */
int sl_arp_send_gratuitous(struct sl_core *core, struct sl_core_port *cp);

#endif /* SL_ARP_H */
