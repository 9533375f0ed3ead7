/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet input: the first stage every received frame goes through. */
#ifndef SL_ETH_H
#define SL_ETH_H

struct sl_core;
struct sl_core_port;
struct rte_mbuf;

/*
 * Classify one frame by destination MAC and ethertype and hand it to ARP or
 * IPv4 (IPv6 and VLANs come later: they are counted drops today).
 * Uses: data_off at the Ethernet header, data_len. Consumes m.
 */
void sl_eth_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m);

#endif /* SL_ETH_H */
