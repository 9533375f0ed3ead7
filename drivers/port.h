/* SPDX-License-Identifier: BSD-3-Clause */
/* Port bring-up per kind: EAL arguments before rte_eal_init, ethdev set-up after it. */
#ifndef SL_PORT_H
#define SL_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "config_types.h"

/*
 * A port's identity and capabilities, fixed after sl_port_setup() and read
 * (never written) by every poll core.
 */
struct sl_port {
	char name[SL_NAME_LEN];
	enum sl_port_kind kind;
	uint16_t port_id;
	uint16_t n_queues; /* RX/TX queue pairs: one per poll core */
	struct rte_ether_addr mac;
	uint32_t ipv4;      /* network byte order */
	uint32_t ipv4_mask; /* network byte order */
	uint8_t ipv4_prefix;
	bool rx_ip_cksum;  /* the NIC verifies IPv4 header checksums */
	bool tx_ip_cksum;  /* the NIC fills IPv4 header checksums */
	bool rx_l4_cksum;  /* the NIC verifies TCP checksums */
	bool tx_tcp_cksum; /* the NIC fills TCP checksums (given the pseudo-header sum) */
	bool started;
	char dev_name[64]; /* ethdev name: vdev name or PCI address */
};

/*
 * Append the EAL arguments that create or allow this port (--vdev for
 * virtual kinds, -a for PCI) to argv. Each string is written into a slot of
 * buf (slot_len bytes each, n_slots of them). Returns how many arguments were
 * added or a negative errno. idx is the port's index in the config.
 */
int sl_port_eal_args(const struct sl_port_conf *pc, char (*buf)[SL_DEVARGS_LEN + 64],
                     unsigned int n_slots, char **argv, unsigned int argc_max, unsigned int *argc);

/*
 * Find the probed device, configure n_queues RX/TX queues from pool, enable
 * the checksum offloads it has, set MTU/MAC/promiscuous, start it. On error,
 * writes a one-line reason to err and returns a negative errno; the port is
 * left stopped.
 */
int sl_port_setup(struct sl_port *p, const struct sl_port_conf *pc, uint16_t n_queues,
                  struct rte_mempool *pool, char *err, size_t errlen);

/* Stop and close the device. Accepts a port that never started. */
void sl_port_teardown(struct sl_port *p);

#endif /* SL_PORT_H */
