/* SPDX-License-Identifier: BSD-3-Clause */
/* Port bring-up per kind (pci, af_xdp, af_packet, tap, pcap, memif, ring, null). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "config.h"
#include "log.h"
#include "port.h"

/* Driver name of each kind; the vdev is named "<driver>_<port name>". */
static const char *const kind_driver[SL_PORT_KIND_MAX] = {
    [SL_PORT_PCI] = NULL,
    [SL_PORT_AF_XDP] = "net_af_xdp",
    [SL_PORT_AF_PACKET] = "net_af_packet",
    [SL_PORT_TAP] = "net_tap",
    [SL_PORT_PCAP] = "net_pcap",
    [SL_PORT_MEMIF] = "net_memif",
    [SL_PORT_RING] = "net_ring",
    [SL_PORT_NULL] = "net_null",
};

static int
dev_name(const struct sl_port_conf *pc, char *out, size_t len)
{
	int n;

	if (pc->kind == SL_PORT_PCI)
		n = snprintf(out, len, "%s", pc->pci);
	else
		n = snprintf(out, len, "%s_%s", kind_driver[pc->kind], pc->name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
sl_port_eal_args(const struct sl_port_conf *pc, char (*buf)[SL_DEVARGS_LEN + 64],
                 unsigned int n_slots, char **argv, unsigned int argc_max, unsigned int *argc)
{
	char name[64], *s;
	size_t len = SL_DEVARGS_LEN + 64;
	int n = 0, rc;

	if (*argc + 2 > argc_max || n_slots < 1)
		return -E2BIG;
	rc = dev_name(pc, name, sizeof(name));
	if (rc < 0)
		return rc;
	s = buf[0];

	switch (pc->kind) {
	case SL_PORT_PCI:
		n = snprintf(s, len, "%s%s%s", pc->pci, pc->devargs[0] ? "," : "", pc->devargs);
		argv[(*argc)++] = "-a";
		break;
	case SL_PORT_TAP:
		n = snprintf(s, len, "%s,iface=%s%s%s", name, pc->iface, pc->devargs[0] ? "," : "",
		             pc->devargs);
		argv[(*argc)++] = "--vdev";
		break;
	case SL_PORT_AF_PACKET:
		/* qpairs is set to the poll core count by the caller through devargs if needed. */
		n = snprintf(s, len, "%s,iface=%s%s%s", name, pc->iface, pc->devargs[0] ? "," : "",
		             pc->devargs);
		argv[(*argc)++] = "--vdev";
		break;
	case SL_PORT_AF_XDP:
		n = snprintf(s, len, "%s,iface=%s%s%s", name, pc->iface, pc->devargs[0] ? "," : "",
		             pc->devargs);
		argv[(*argc)++] = "--vdev";
		break;
	case SL_PORT_MEMIF:
		n = snprintf(s, len, "%s,role=%s,socket=%s%s%s", name,
		             pc->memif_role == SL_MEMIF_CLIENT ? "client" : "server", pc->socket,
		             pc->devargs[0] ? "," : "", pc->devargs);
		argv[(*argc)++] = "--vdev";
		break;
	case SL_PORT_PCAP:
	case SL_PORT_RING:
	case SL_PORT_NULL:
		n = snprintf(s, len, "%s%s%s", name, pc->devargs[0] ? "," : "", pc->devargs);
		argv[(*argc)++] = "--vdev";
		break;
	default:
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	argv[(*argc)++] = s;
	return 2;
}

int
sl_port_setup(struct sl_port *p, const struct sl_port_conf *pc, uint16_t n_queues,
              struct rte_mempool *pool, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxq;
	struct rte_eth_txconf txq;
	uint16_t q, nb_rxd, nb_txd;
	int rc, socket;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	p->kind = pc->kind;
	p->ipv4 = pc->ipv4;
	p->ipv4_prefix = pc->ipv4_prefix;
	p->ipv4_mask = pc->ipv4_prefix == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - pc->ipv4_prefix));
	rc = dev_name(pc, p->dev_name, sizeof(p->dev_name));
	if (rc < 0) {
		snprintf(err, errlen, "port '%s': device name too long", pc->name);
		return rc;
	}
	rc = rte_eth_dev_get_port_by_name(p->dev_name, &p->port_id);
	if (rc < 0) {
		snprintf(err, errlen,
		         "port '%s' (%s %s): device not found; the driver could not create or "
		         "probe it (see the EAL lines above)",
		         pc->name, sl_port_kind_name(pc->kind),
		         pc->kind == SL_PORT_PCI ? pc->pci : pc->iface);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0) {
		snprintf(err, errlen, "port '%s': cannot read device info: %s", pc->name,
		         rte_strerror(-rc));
		return rc;
	}
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		snprintf(
		    err, errlen,
		    "port '%s': %u poll cores need %u queue pairs, the device has %u RX / %u TX",
		    pc->name, n_queues, n_queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	p->n_queues = n_queues;

	memset(&conf, 0, sizeof(conf));
	if (n_queues > 1 && info.flow_type_rss_offloads != 0) {
		/* Spread flows across the poll cores by the 4-tuple, so a TCP connection stays on
		 * one core. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		p->rx_ip_cksum = true;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
		p->rx_l4_cksum = true;
	}
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
	    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		p->tx_tcp_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		p->tx_ip_cksum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;

	rc = rte_eth_dev_configure(p->port_id, n_queues, n_queues, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "port '%s': configure failed: %s", pc->name,
		         rte_strerror(-rc));
		return rc;
	}
	nb_rxd = pc->rx_desc;
	nb_txd = pc->tx_desc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	if (rc < 0) {
		snprintf(err, errlen, "port '%s': descriptor counts rejected: %s", pc->name,
		         rte_strerror(-rc));
		return rc;
	}
	socket = rte_eth_dev_socket_id(p->port_id);
	if (socket < 0)
		socket = 0;
	rxq = info.default_rxconf;
	rxq.offloads = conf.rxmode.offloads;
	txq = info.default_txconf;
	txq.offloads = conf.txmode.offloads;
	for (q = 0; q < n_queues; q++) {
		rc =
		    rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, (unsigned int)socket, &rxq, pool);
		if (rc < 0) {
			snprintf(err, errlen, "port '%s': RX queue %u: %s", pc->name, q,
			         rte_strerror(-rc));
			return rc;
		}
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, (unsigned int)socket, &txq);
		if (rc < 0) {
			snprintf(err, errlen, "port '%s': TX queue %u: %s", pc->name, q,
			         rte_strerror(-rc));
			return rc;
		}
	}
	/* MTU and MAC are best effort on virtual kinds: some cannot change them. */
	if (pc->mtu != 0 && rte_eth_dev_set_mtu(p->port_id, pc->mtu) < 0)
		SL_LOG(WARNING, "port '%s': cannot set MTU %u, keeping the device's", pc->name,
		       pc->mtu);
	if (pc->mac_set) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, pc->mac, sizeof(mac.addr_bytes));
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
		if (rc < 0) {
			snprintf(err, errlen, "port '%s': cannot set MAC: %s", pc->name,
			         rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		snprintf(err, errlen, "port '%s': start failed: %s", pc->name, rte_strerror(-rc));
		return rc;
	}
	p->started = true;
	rte_eth_macaddr_get(p->port_id, &p->mac);
	if (pc->promisc)
		rte_eth_promiscuous_enable(p->port_id);
	return 0;
}

void
sl_port_teardown(struct sl_port *p)
{
	if (p == NULL || !p->started)
		return;
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
	p->started = false;
}
