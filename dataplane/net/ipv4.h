/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 input: header validation, local delivery by protocol. */
#ifndef SL_IPV4_H
#define SL_IPV4_H

#include <stdint.h>

struct sl_core;
struct sl_core_port;
struct rte_mbuf;

/*
 * Validate the IPv4 header at l3_off (version, IHL, total length, checksum
 * unless the port verified it, fragments, addresses), trim Ethernet padding,
 * and deliver to ICMP (TCP lands with the TCP stage). Sets m->l2_len and
 * m->l3_len. Consumes m.
 */
void sl_ipv4_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m,
                   uint16_t l3_off);

#endif /* SL_IPV4_H */
