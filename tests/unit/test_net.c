/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the network stages: Ethernet, ARP (and its cache), IPv4 and ICMP echo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "eal_fixture.h"
#include "net/arp.h"
#include "net/eth.h"

static const struct rte_ether_addr our_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
static const struct rte_ether_addr peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
#define OUR_IP  RTE_BE32(RTE_IPV4(10, 9, 0, 2))
#define PEER_IP RTE_BE32(RTE_IPV4(10, 9, 0, 1))

static struct sl_port port;
static struct sl_core *core;
static unsigned int in_use_before;

static int
setup(void **state)
{
	(void)state;
	memset(&port, 0, sizeof(port));
	port.mac = our_mac;
	port.ipv4 = OUR_IP;
	port.ipv4_prefix = 24;
	port.ipv4_mask = RTE_BE32(0xffffff00);
	core = sl_test_core(&port);
	in_use_before = sl_test_pool_in_use();
	return core == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	sl_test_core_free(core);
	core = NULL;
	/* Every mbuf a stage took was either queued (freed by reset) or freed: no leaks. */
	return sl_test_pool_in_use() == 0 ? 0 : -1;
}

/* ---- frame builders ---- */

static size_t
build_eth(uint8_t *b, const struct rte_ether_addr *dst, uint16_t type)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)b;

	e->dst_addr = *dst;
	e->src_addr = peer_mac;
	e->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*e);
}

static size_t
build_arp(uint8_t *b, uint16_t op, uint32_t sip, uint32_t tip)
{
	static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	size_t off = build_eth(b, &bcast, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(b + off);

	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = peer_mac;
	a->arp_data.arp_sip = sip;
	memset(&a->arp_data.arp_tha, 0, 6);
	a->arp_data.arp_tip = tip;
	return off + sizeof(*a);
}

/* Ethernet + IPv4 + ICMP echo request with a payload of plen bytes; returns the frame length. */
static size_t
build_ping(uint8_t *b, size_t plen, uint32_t src, uint32_t dst)
{
	size_t off = build_eth(b, &our_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + off);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	size_t i;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*ic) + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	ic->icmp_ident = RTE_BE16(0x1234);
	ic->icmp_seq_nb = RTE_BE16(7);
	for (i = 0; i < plen; i++)
		((uint8_t *)(ic + 1))[i] = (uint8_t)(i * 7 + 3);
	ic->icmp_cksum = ~rte_raw_cksum(ic, sizeof(*ic) + plen);
	return off + sizeof(*ip) + sizeof(*ic) + plen;
}

static void
feed(const uint8_t *frame, size_t len)
{
	struct rte_mbuf *m = sl_test_mbuf(frame, len);

	assert_non_null(m);
	sl_eth_input(core, &core->ports[0], m);
}

static void
expect_drop(const uint8_t *frame, size_t len, enum sl_drop reason)
{
	sl_test_core_reset(core);
	feed(frame, len);
	assert_int_equal(core->drop[reason], 1);
	assert_int_equal(core->ports[0].tx_n, 0);
}

static struct rte_mbuf *
only_tx(void)
{
	assert_int_equal(core->ports[0].tx_n, 1);
	return core->ports[0].tx_buf[0];
}

/* ---- ARP ---- */

static void
arp_request_for_us_is_answered(void **state)
{
	uint8_t f[128];
	size_t n = build_arp(f, RTE_ARP_OP_REQUEST, PEER_IP, OUR_IP);
	struct rte_ether_hdr *e;
	struct rte_arp_hdr *a;
	struct rte_ether_addr mac;
	struct rte_mbuf *m;

	(void)state;
	memset(f + n, 0, 18); /* Ethernet padding to 60 bytes must not reach the reply */
	sl_test_core_reset(core);
	feed(f, n + 18);
	m = only_tx();
	assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(*e) + sizeof(*a));
	e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	a = (struct rte_arp_hdr *)(e + 1);
	assert_memory_equal(&e->dst_addr, &peer_mac, 6);
	assert_memory_equal(&e->src_addr, &our_mac, 6);
	assert_int_equal(e->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	assert_int_equal(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	assert_memory_equal(&a->arp_data.arp_sha, &our_mac, 6);
	assert_int_equal(a->arp_data.arp_sip, OUR_IP);
	assert_memory_equal(&a->arp_data.arp_tha, &peer_mac, 6);
	assert_int_equal(a->arp_data.arp_tip, PEER_IP);
	assert_int_equal(core->ctr[SL_CTR_ARP_REQUESTS_IN], 1);
	assert_int_equal(core->ctr[SL_CTR_ARP_REPLIES_OUT], 1);
	/* The requester was learned. */
	assert_true(sl_arp_cache_lookup(&core->arp, PEER_IP, &mac, core->now));
	assert_memory_equal(&mac, &peer_mac, 6);
}

static void
arp_drops_have_reasons(void **state)
{
	uint8_t f[128];
	size_t n;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + sizeof(struct rte_ether_hdr));

	(void)state;
	n = build_arp(f, RTE_ARP_OP_REQUEST, PEER_IP, RTE_BE32(RTE_IPV4(10, 9, 0, 77)));
	expect_drop(f, n, SL_DROP_ARP_NOT_FOR_US);

	n = build_arp(f, RTE_ARP_OP_REQUEST, PEER_IP, OUR_IP);
	expect_drop(f, n - 1, SL_DROP_ARP_TRUNCATED);

	a->arp_hardware = RTE_BE16(6);
	expect_drop(f, n, SL_DROP_ARP_UNSUPPORTED);

	n = build_arp(f, RTE_ARP_OP_REQUEST, PEER_IP, OUR_IP);
	a->arp_plen = 16;
	expect_drop(f, n, SL_DROP_ARP_UNSUPPORTED);

	n = build_arp(f, 9, PEER_IP, OUR_IP);
	expect_drop(f, n, SL_DROP_ARP_BAD_OPCODE);

	n = build_arp(f, RTE_ARP_OP_REQUEST, PEER_IP, OUR_IP);
	memset(&a->arp_data.arp_sha, 0xff, 6);
	expect_drop(f, n, SL_DROP_ARP_BAD_SENDER);
	memset(&a->arp_data.arp_sha, 0, 6);
	expect_drop(f, n, SL_DROP_ARP_BAD_SENDER);
}

static void
arp_reply_is_learned_not_dropped(void **state)
{
	uint8_t f[128];
	size_t n = build_arp(f, RTE_ARP_OP_REPLY, PEER_IP, OUR_IP);
	struct rte_ether_addr mac;
	unsigned int k, drops = 0;

	(void)state;
	sl_test_core_reset(core);
	feed(f, n);
	for (k = 0; k < SL_DROP_MAX; k++)
		drops += core->drop[k];
	assert_int_equal(drops, 0);
	assert_int_equal(core->ports[0].tx_n, 0);
	assert_int_equal(core->ctr[SL_CTR_ARP_REPLIES_IN], 1);
	assert_true(sl_arp_cache_lookup(&core->arp, PEER_IP, &mac, core->now));
}

static void
arp_cache_bounds_and_ageing(void **state)
{
	struct sl_arp_cache c;
	struct rte_ether_addr mac = peer_mac, got;
	uint32_t i, found = 0, evictions = 0;

	(void)state;
	assert_int_equal(sl_arp_cache_init(&c, 6, 100, 0), -EINVAL); /* not a power of two */
	assert_int_equal(sl_arp_cache_init(&c, 16, 100, 0), 0);
	/* More addresses than slots: the cache stays bounded and evicts, counting it. */
	for (i = 1; i <= 64; i++) {
		mac.addr_bytes[5] = (uint8_t)i;
		if (sl_arp_cache_learn(&c, rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, i)), &mac, 10 + i))
			evictions++;
	}
	for (i = 1; i <= 64; i++)
		if (sl_arp_cache_lookup(&c, rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, i)), &got, 80)) {
			found++;
			assert_int_equal(got.addr_bytes[5], i);
		}
	assert_true(found <= 16);
	assert_true(found >= 8);
	assert_true(evictions >= 64 - 16);
	/* The newest one is always present and an old entry expires. */
	assert_true(sl_arp_cache_lookup(&c, rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 64)), &got, 80));
	assert_false(
	    sl_arp_cache_lookup(&c, rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 64)), &got, 74 + 100));
	assert_false(sl_arp_cache_lookup(&c, 0, &got, 80));
	sl_arp_cache_free(&c);
	sl_arp_cache_free(NULL);
}

static void
gratuitous_arp_announces_us(void **state)
{
	struct rte_arp_hdr *a;
	struct rte_mbuf *m;

	(void)state;
	sl_test_core_reset(core);
	assert_int_equal(sl_arp_send_gratuitous(core, &core->ports[0]), 0);
	m = only_tx();
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	assert_true(
	    rte_is_broadcast_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr));
	assert_int_equal(a->arp_data.arp_sip, OUR_IP);
	assert_int_equal(a->arp_data.arp_tip, OUR_IP);
	assert_int_equal(core->ctr[SL_CTR_ARP_GRATUITOUS_OUT], 1);
}

/* ---- Ethernet ---- */

static void
eth_drops_have_reasons(void **state)
{
	static const struct rte_ether_addr other = {{0x02, 9, 9, 9, 9, 9}};
	static const struct rte_ether_addr mcast = {{0x33, 0x33, 0, 0, 0, 1}};
	uint8_t f[128] = {0};
	size_t n;

	(void)state;
	expect_drop(f, 13, SL_DROP_ETH_TRUNCATED);
	n = build_eth(f, &other, RTE_ETHER_TYPE_IPV4);
	expect_drop(f, n + 40, SL_DROP_ETH_NOT_FOR_US);
	n = build_eth(f, &mcast, RTE_ETHER_TYPE_IPV6);
	expect_drop(f, n + 40, SL_DROP_ETH_NOT_FOR_US);
	n = build_eth(f, &our_mac, 0x88b5);
	expect_drop(f, n + 40, SL_DROP_ETH_UNKNOWN_TYPE);
	n = build_eth(f, &our_mac, RTE_ETHER_TYPE_VLAN);
	expect_drop(f, n + 40, SL_DROP_ETH_VLAN);
}

/* ---- IPv4 + ICMP ---- */

static void
ping_is_answered_in_place(void **state)
{
	uint8_t f[256];
	size_t n = build_ping(f, 56, PEER_IP, OUR_IP);
	struct rte_ether_hdr *e;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *m;
	size_t i;

	(void)state;
	sl_test_core_reset(core);
	feed(f, n);
	m = only_tx();
	assert_int_equal(rte_pktmbuf_pkt_len(m), n);
	e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(e + 1);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	assert_memory_equal(&e->dst_addr, &peer_mac, 6);
	assert_memory_equal(&e->src_addr, &our_mac, 6);
	assert_int_equal(ip->src_addr, OUR_IP);
	assert_int_equal(ip->dst_addr, PEER_IP);
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	assert_int_equal(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(ic->icmp_ident, RTE_BE16(0x1234));
	assert_int_equal(ic->icmp_seq_nb, RTE_BE16(7));
	/* The incremental checksum update must equal a full recomputation. */
	assert_int_equal(rte_raw_cksum(ic, sizeof(*ic) + 56), 0xffff);
	for (i = 0; i < 56; i++)
		assert_int_equal(((uint8_t *)(ic + 1))[i], (uint8_t)(i * 7 + 3));
	assert_int_equal(core->ctr[SL_CTR_ICMP_ECHO_IN], 1);
	assert_int_equal(core->ctr[SL_CTR_ICMP_ECHO_OUT], 1);
	assert_int_equal(core->ctr[SL_CTR_IPV4_IN], 1);
}

static void
ping_checksum_update_all_values(void **state)
{
	uint8_t f[256];
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *m;
	unsigned int seq;

	(void)state;
	/* Walk sequence numbers so the checksum takes many values, 0x0000/0xffff edges included. */
	for (seq = 0; seq < 65536; seq += 257) {
		size_t n = build_ping(f, 8, PEER_IP, OUR_IP);

		ic = (struct rte_icmp_hdr *)(f + 14 + 20);
		ic->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)seq);
		ic->icmp_cksum = 0;
		ic->icmp_cksum = ~rte_raw_cksum(ic, sizeof(*ic) + 8);
		sl_test_core_reset(core);
		feed(f, n);
		m = only_tx();
		ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, 14 + 20);
		assert_int_equal(rte_raw_cksum(ic, sizeof(*ic) + 8), 0xffff);
	}
}

static void
padded_ping_reply_has_datagram_length(void **state)
{
	uint8_t f[256];
	size_t n = build_ping(f, 4, PEER_IP, OUR_IP); /* 46 bytes: Ethernet pads to 60 */
	struct rte_mbuf *m;

	(void)state;
	memset(f + n, 0xee, 60 - n);
	sl_test_core_reset(core);
	feed(f, 60);
	m = only_tx();
	assert_int_equal(rte_pktmbuf_pkt_len(m), n);
}

static void
ipv4_drops_have_reasons(void **state)
{
	uint8_t f[256];
	size_t n;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + sizeof(struct rte_ether_hdr));
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);

	(void)state;
	n = build_ping(f, 16, PEER_IP, OUR_IP);
	expect_drop(f, 14 + 19, SL_DROP_IPV4_TRUNCATED);
	expect_drop(f, n - 1, SL_DROP_IPV4_TRUNCATED); /* total length past the frame */

	ip->hdr_checksum ^= 0x0101;
	expect_drop(f, n, SL_DROP_IPV4_BAD_CSUM);

	n = build_ping(f, 16, PEER_IP, OUR_IP);
	ip->version_ihl = 0x65;
	expect_drop(f, n, SL_DROP_IPV4_BAD_VERSION);
	ip->version_ihl = 0x44;
	expect_drop(f, n, SL_DROP_IPV4_BAD_HLEN);
	ip->version_ihl = 0x4f; /* 60-byte header past a 64-byte datagram's first bytes: fine, */
	ip->total_length = RTE_BE16(20);
	expect_drop(f, 14 + 40, SL_DROP_IPV4_BAD_HLEN); /* but not past the frame */

	n = build_ping(f, 16, PEER_IP, OUR_IP);
	ip->total_length = RTE_BE16(12);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(f, n, SL_DROP_IPV4_BAD_LEN);

	n = build_ping(f, 16, PEER_IP, OUR_IP);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(f, n, SL_DROP_IPV4_FRAGMENT);

	n = build_ping(f, 16, PEER_IP, RTE_BE32(RTE_IPV4(10, 9, 0, 3)));
	expect_drop(f, n, SL_DROP_IPV4_NOT_FOR_US);
	n = build_ping(f, 16, RTE_BE32(0xe0000001u) /* 224.0.0.1 */, OUR_IP);
	expect_drop(f, n, SL_DROP_IPV4_BAD_SRC);
	n = build_ping(f, 16, RTE_BE32(RTE_IPV4(10, 9, 0, 255)), OUR_IP); /* subnet broadcast */
	expect_drop(f, n, SL_DROP_IPV4_BAD_SRC);
	n = build_ping(f, 16, OUR_IP, OUR_IP);
	expect_drop(f, n, SL_DROP_IPV4_BAD_SRC);

	n = build_ping(f, 16, PEER_IP, OUR_IP);
	ip->next_proto_id = 47;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(f, n, SL_DROP_IPV4_UNKNOWN_PROTO);

	n = build_ping(f, 16, PEER_IP, OUR_IP);
	ic->icmp_cksum ^= 0x0400;
	expect_drop(f, n, SL_DROP_ICMP_BAD_CSUM);

	n = build_ping(f, 16, PEER_IP, OUR_IP);
	ic->icmp_type = 13; /* timestamp */
	ic->icmp_cksum = 0;
	ic->icmp_cksum = ~rte_raw_cksum(ic, sizeof(*ic) + 16);
	expect_drop(f, n, SL_DROP_ICMP_UNHANDLED);

	n = build_ping(f, 0, PEER_IP, OUR_IP);
	ip->total_length = RTE_BE16(20 + 4);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	expect_drop(f, n, SL_DROP_ICMP_TRUNCATED);
}

static void
rx_checksum_offload_flags_are_trusted(void **state)
{
	uint8_t f[256];
	size_t n = build_ping(f, 16, PEER_IP, OUR_IP);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + sizeof(struct rte_ether_hdr));
	struct rte_mbuf *m;

	(void)state;
	/* The NIC said BAD: drop though the header is fine. */
	sl_test_core_reset(core);
	m = sl_test_mbuf(f, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	sl_eth_input(core, &core->ports[0], m);
	assert_int_equal(core->drop[SL_DROP_IPV4_BAD_CSUM], 1);
	/* The NIC said GOOD: no software check (a wrong sum goes through). */
	ip->hdr_checksum ^= 0x1111;
	sl_test_core_reset(core);
	m = sl_test_mbuf(f, n);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	sl_eth_input(core, &core->ports[0], m);
	assert_int_equal(core->ctr[SL_CTR_ICMP_ECHO_OUT], 1);
	only_tx();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(arp_request_for_us_is_answered, setup, teardown),
	    cmocka_unit_test_setup_teardown(arp_drops_have_reasons, setup, teardown),
	    cmocka_unit_test_setup_teardown(arp_reply_is_learned_not_dropped, setup, teardown),
	    cmocka_unit_test(arp_cache_bounds_and_ageing),
	    cmocka_unit_test_setup_teardown(gratuitous_arp_announces_us, setup, teardown),
	    cmocka_unit_test_setup_teardown(eth_drops_have_reasons, setup, teardown),
	    cmocka_unit_test_setup_teardown(ping_is_answered_in_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(ping_checksum_update_all_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(padded_ping_reply_has_datagram_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(ipv4_drops_have_reasons, setup, teardown),
	    cmocka_unit_test_setup_teardown(rx_checksum_offload_flags_are_trusted, setup, teardown),
	};

	if (sl_test_eal_init() < 0) {
		fprintf(stderr, "cannot start the EAL for tests\n");
		return 1;
	}
	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
