/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP: echo replies; every other type is a counted drop. */
#ifndef SL_ICMP_H
#define SL_ICMP_H

struct sl_core;
struct sl_core_port;
struct rte_mbuf;

/*
 * Answer an echo request in place (the same mbuf becomes the reply). Uses
 * m->l2_len and m->l3_len set by IPv4 input; the IP total length is already
 * trimmed to the packet. Consumes m.
 */
void sl_icmp_input(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m);

#endif /* SL_ICMP_H */
