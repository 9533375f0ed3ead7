/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: arbitrary frames through Ethernet/ARP/IPv4/ICMP input; no crash, no leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eal_fixture.h"
#include "net/eth.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_port port;
static struct sl_core *core;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 2}};

	(void)argc;
	(void)argv;
	if (sl_test_eal_init() < 0)
		abort();
	port.mac = mac;
	port.ipv4 = RTE_BE32(RTE_IPV4(10, 9, 0, 2));
	port.ipv4_prefix = 24;
	port.ipv4_mask = RTE_BE32(0xffffff00);
	core = sl_test_core(&port);
	if (core == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;

	if (size > RTE_MBUF_DEFAULT_DATAROOM)
		return 0;
	m = sl_test_mbuf(data, size);
	if (m == NULL)
		abort();
	sl_eth_input(core, &core->ports[0], m);
	/* The stage either queued the frame or freed it: nothing else may be held. */
	if (sl_test_pool_in_use() != core->ports[0].tx_n)
		abort();
	sl_test_core_reset(core);
	return 0;
}
