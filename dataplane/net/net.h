/* SPDX-License-Identifier: BSD-3-Clause */
/* Address predicates and checksum helpers shared by the network-layer stages. */
#ifndef SL_NET_H
#define SL_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

/* A source address no host may use: 0/8, 127/8, multicast 224/4, reserved 240/4 and broadcast. */
static inline bool
sl_ipv4_bad_source(uint32_t ip_be)
{
	uint32_t ip = rte_be_to_cpu_32(ip_be);
	uint32_t top = ip >> 24;

	return top == 0 || top == 127 || top >= 224;
}

/* Fill an IPv4 header's checksum in software (headers are 20-60 bytes: cheap). */
static inline void
sl_ipv4_set_cksum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

#endif /* SL_NET_H */
