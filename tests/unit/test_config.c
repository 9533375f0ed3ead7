/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the config loader: the shipped file, defaults, every kind of bad input, docs. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A valid port block starting at line 1 of its own; bad cases append to it or precede it. */
#define PORT                                                                                       \
	"ports:\n"                                                                                 \
	"  - name: p0\n"                                                                           \
	"    kind: tap\n"                                                                          \
	"    iface: t0\n"                                                                          \
	"    ipv4: 10.0.0.2/24\n"

/* Every key set away from its default, and two ports of kinds with their own keys. */
static const char full_yaml[] = "dataplane:\n"
                                "  instance: edge-1\n"
                                "  main_lcore: 1\n"
                                "  poll_lcores: [2, 3]\n"
                                "  memory_mb: 1024\n"
                                "  huge: on\n"
                                "  huge_dir: /mnt/huge\n"
                                "  mbufs: 65535\n"
                                "  mbuf_cache: 128\n"
                                "  burst: 16\n"
                                "  log_level: debug\n"
                                "  arp_entries: 1024\n"
                                "  arp_timeout_s: 60\n"
                                "  stats_interval_ms: 250\n"
                                "  tx_drain_us: 50\n"
                                "ports:\n"
                                "  - name: nic0\n"
                                "    kind: pci\n"
                                "    pci: 0000:01:00.0\n"
                                "    devargs: rxq_cqe_comp_en=0\n"
                                "    ipv4: 192.168.10.5/24\n"
                                "    mac: \"02:00:00:AA:bb:01\"\n"
                                "    rx_desc: 2048\n"
                                "    tx_desc: 512\n"
                                "    mtu: 9000\n"
                                "    promisc: true\n"
                                "  - name: bench\n"
                                "    kind: memif\n"
                                "    socket: /run/sluice/memif.sock\n"
                                "    role: client\n"
                                "    ipv4: 10.1.0.1/30\n"
                                "demo:\n"
                                "  netns: other-ns\n"
                                "  host_ipv4: 10.9.0.1/16\n";

static char err[SL_CONF_ERR_LEN];

static int
load(const char *text, struct sl_config *cfg)
{
	err[0] = '\0';
	return sl_config_load_buf(text, strlen(text), "t.yaml", cfg, err, sizeof(err));
}

static void
expect_get(const struct sl_config *cfg, const char *key, const char *want)
{
	char out[SL_PATH_LEN];
	int rc = sl_config_get(cfg, key, out, sizeof(out));

	if (rc != 0)
		print_error("sl_config_get(%s) = %d\n", key, rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

/* Read a whole file under $SLUICE_SRC (set by meson) into a NUL-terminated buffer. */
static char *
read_src(const char *rel)
{
	const char *src = getenv("SLUICE_SRC");
	char path[1024];
	char *buf;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", src ? src : ".", rel);
	f = fopen(path, "rb");
	if (f == NULL) {
		print_error("cannot open %s\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
test_shipped_config(void **state)
{
	const char *src = getenv("SLUICE_SRC");
	struct sl_config cfg;
	char path[1024];
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s/conf/sluice.yaml", src ? src : ".");
	rc = sl_config_load(path, &cfg, err, sizeof(err));
	if (rc != 0)
		print_error("%s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(cfg.path, path);
	expect_get(&cfg, "dataplane.instance", "sluice");
	expect_get(&cfg, "dataplane.main_lcore", "0");
	expect_get(&cfg, "dataplane.poll_lcores", "0");
	expect_get(&cfg, "dataplane.huge", "auto");
	expect_get(&cfg, "ports.count", "1");
	expect_get(&cfg, "ports.0.name", "demo");
	expect_get(&cfg, "ports.0.kind", "tap");
	expect_get(&cfg, "ports.0.iface", "sluice0");
	expect_get(&cfg, "ports.0.ipv4", "10.203.0.2/24");
	expect_get(&cfg, "demo.netns", "sluice-demo");
	expect_get(&cfg, "demo.host_ipv4", "10.203.0.1/24");
	assert_int_equal(cfg.ports[0].kind, SL_PORT_TAP);
}

static void
test_defaults(void **state)
{
	struct sl_config cfg;
	const uint8_t host[4] = {10, 203, 0, 1};

	(void)state;
	sl_config_defaults(&cfg);
	assert_string_equal(cfg.dataplane.instance, "sluice");
	assert_int_equal(cfg.dataplane.main_lcore, 0);
	assert_int_equal(cfg.dataplane.n_poll, 1);
	assert_int_equal(cfg.dataplane.poll_lcores[0], 0);
	assert_int_equal(cfg.dataplane.memory_mb, 256);
	assert_int_equal(cfg.dataplane.huge, SL_HUGE_AUTO);
	assert_string_equal(cfg.dataplane.huge_dir, "/dev/hugepages-sluice");
	assert_int_equal(cfg.dataplane.mbufs, 16383);
	assert_int_equal(cfg.dataplane.mbuf_cache, 256);
	assert_int_equal(cfg.dataplane.burst, 32);
	assert_string_equal(cfg.dataplane.log_level, "notice");
	assert_int_equal(cfg.dataplane.arp_entries, 256);
	assert_int_equal(cfg.dataplane.arp_timeout_s, 300);
	assert_int_equal(cfg.dataplane.stats_interval_ms, 100);
	assert_int_equal(cfg.dataplane.tx_drain_us, 100);
	assert_int_equal(cfg.n_ports, 0);
	for (int i = 0; i < SL_MAX_PORTS; i++) {
		assert_int_equal(cfg.ports[i].rx_desc, 1024);
		assert_int_equal(cfg.ports[i].tx_desc, 1024);
		assert_int_equal(cfg.ports[i].mtu, 1500);
		assert_false(cfg.ports[i].promisc);
		assert_false(cfg.ports[i].mac_set);
		assert_int_equal(cfg.ports[i].memif_role, SL_MEMIF_SERVER);
	}
	assert_string_equal(cfg.demo.netns, "sluice-demo");
	assert_memory_equal(&cfg.demo.host_ipv4, host, 4);
	assert_int_equal(cfg.demo.host_prefix, 24);
}

/* A file with only a port takes every other value from the defaults, byte for byte. */
static void
test_minimal_is_defaults(void **state)
{
	struct sl_config cfg, def;
	const uint8_t ip[4] = {10, 0, 0, 2};

	(void)state;
	assert_int_equal(load(PORT, &cfg), 0);
	sl_config_defaults(&def);
	assert_memory_equal(&cfg.dataplane, &def.dataplane, sizeof(def.dataplane));
	assert_memory_equal(&cfg.demo, &def.demo, sizeof(def.demo));
	assert_int_equal(cfg.n_ports, 1);
	assert_string_equal(cfg.ports[0].name, "p0");
	assert_string_equal(cfg.ports[0].iface, "t0");
	assert_memory_equal(&cfg.ports[0].ipv4, ip, 4);
	assert_int_equal(cfg.ports[0].ipv4_prefix, 24);
	assert_memory_equal(&cfg.ports[1], &def.ports[1], sizeof(def.ports[1]));
}

/* Loading the same text twice gives identical bytes: no stale state, no uninitialised padding. */
static void
test_load_is_repeatable(void **state)
{
	struct sl_config a, b;

	(void)state;
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	assert_int_equal(load(full_yaml, &a), 0);
	assert_int_equal(load(full_yaml, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void
test_full_config(void **state)
{
	struct sl_config cfg;
	const uint8_t mac[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0x01};

	(void)state;
	if (load(full_yaml, &cfg) != 0)
		print_error("%s\n", err);
	assert_int_equal(load(full_yaml, &cfg), 0);
	assert_int_equal(cfg.dataplane.n_poll, 2);
	assert_int_equal(cfg.dataplane.poll_lcores[1], 3);
	assert_int_equal(cfg.dataplane.huge, SL_HUGE_ON);
	assert_int_equal(cfg.ports[0].kind, SL_PORT_PCI);
	assert_true(cfg.ports[0].mac_set);
	assert_memory_equal(cfg.ports[0].mac, mac, 6);
	assert_int_equal(cfg.ports[1].memif_role, SL_MEMIF_CLIENT);

	expect_get(&cfg, "dataplane.instance", "edge-1");
	expect_get(&cfg, "dataplane.main_lcore", "1");
	expect_get(&cfg, "dataplane.poll_lcores", "2,3");
	expect_get(&cfg, "dataplane.memory_mb", "1024");
	expect_get(&cfg, "dataplane.huge", "on");
	expect_get(&cfg, "dataplane.huge_dir", "/mnt/huge");
	expect_get(&cfg, "dataplane.mbufs", "65535");
	expect_get(&cfg, "dataplane.mbuf_cache", "128");
	expect_get(&cfg, "dataplane.burst", "16");
	expect_get(&cfg, "dataplane.log_level", "debug");
	expect_get(&cfg, "dataplane.arp_entries", "1024");
	expect_get(&cfg, "dataplane.arp_timeout_s", "60");
	expect_get(&cfg, "dataplane.stats_interval_ms", "250");
	expect_get(&cfg, "dataplane.tx_drain_us", "50");
	expect_get(&cfg, "ports.count", "2");
	expect_get(&cfg, "ports.0.name", "nic0");
	expect_get(&cfg, "ports.0.kind", "pci");
	expect_get(&cfg, "ports.0.pci", "0000:01:00.0");
	expect_get(&cfg, "ports.0.devargs", "rxq_cqe_comp_en=0");
	expect_get(&cfg, "ports.0.ipv4", "192.168.10.5/24");
	expect_get(&cfg, "ports.0.mac", "02:00:00:aa:bb:01");
	expect_get(&cfg, "ports.0.rx_desc", "2048");
	expect_get(&cfg, "ports.0.tx_desc", "512");
	expect_get(&cfg, "ports.0.mtu", "9000");
	expect_get(&cfg, "ports.0.promisc", "true");
	expect_get(&cfg, "ports.0.iface", "");
	expect_get(&cfg, "ports.1.name", "bench");
	expect_get(&cfg, "ports.1.kind", "memif");
	expect_get(&cfg, "ports.1.socket", "/run/sluice/memif.sock");
	expect_get(&cfg, "ports.1.role", "client");
	expect_get(&cfg, "ports.1.ipv4", "10.1.0.1/30");
	expect_get(&cfg, "ports.1.mac", "");
	expect_get(&cfg, "ports.1.promisc", "false");
	expect_get(&cfg, "demo.netns", "other-ns");
	expect_get(&cfg, "demo.host_ipv4", "10.9.0.1/16");
}

static void
test_get_errors(void **state)
{
	struct sl_config cfg;
	char out[64], tiny[4];

	(void)state;
	assert_int_equal(load(PORT, &cfg), 0);
	assert_int_equal(sl_config_get(&cfg, "dataplane.nope", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "ports.1.name", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "ports.00.name", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "ports.0.nope", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "ports.0", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "ports[].name", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "ports.x.name", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "", out, sizeof(out)), -ENOENT);
	assert_int_equal(sl_config_get(&cfg, "dataplane.instance", tiny, sizeof(tiny)), -ENOSPC);
	assert_int_equal(sl_config_get(&cfg, "demo.host_ipv4", tiny, sizeof(tiny)), -ENOSPC);
	assert_int_equal(sl_config_get(&cfg, "dataplane.burst", tiny, sizeof(tiny)), 0);
	assert_string_equal(tiny, "32");
	assert_int_equal(sl_config_get(&cfg, "dataplane.burst", out, 0), -ENOSPC);
}

static void
test_kind_names(void **state)
{
	static const char *const want[] = {"pci",  "af_xdp", "af_packet", "tap",
	                                   "pcap", "memif",  "ring",      "null"};

	(void)state;
	assert_int_equal(ARRAY_SIZE(want), SL_PORT_KIND_MAX);
	for (int i = 0; i < SL_PORT_KIND_MAX; i++)
		assert_string_equal(sl_port_kind_name((enum sl_port_kind)i), want[i]);
	assert_string_equal(sl_port_kind_name(SL_PORT_KIND_MAX), "unknown");
}

/* Each kind loads with just the keys it needs. */
static void
test_every_kind(void **state)
{
	static const char *const ports[] = {
	    "ports:\n  - {name: a, kind: pci, pci: \"0000:3b:00.1\", ipv4: 10.0.0.2/24}\n",
	    "ports:\n  - {name: a, kind: af_xdp, iface: enp1s0, ipv4: 10.0.0.2/24}\n",
	    "ports:\n  - {name: a, kind: af_packet, iface: veth-sl, ipv4: 10.0.0.2/24}\n",
	    "ports:\n  - {name: a, kind: tap, iface: sluice0, ipv4: 10.0.0.2/24}\n",
	    ("ports:\n  - {name: a, kind: pcap, devargs: \"rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/o\", "
	     "ipv4: 10.0.0.2/24}\n"),
	    "ports:\n  - {name: a, kind: memif, socket: /run/m.sock, ipv4: 10.0.0.2/24}\n",
	    "ports:\n  - {name: a, kind: ring, ipv4: 10.0.0.2/24}\n",
	    "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.2/24}\n",
	};
	struct sl_config cfg;

	(void)state;
	assert_int_equal(ARRAY_SIZE(ports), SL_PORT_KIND_MAX);
	for (int i = 0; i < SL_PORT_KIND_MAX; i++) {
		if (load(ports[i], &cfg) != 0)
			print_error("%s: %s\n", sl_port_kind_name((enum sl_port_kind)i), err);
		assert_int_equal(load(ports[i], &cfg), 0);
		assert_int_equal(cfg.ports[0].kind, i);
	}
}

/* Values at the edges of what is allowed load; /31 and /32 have no network address to avoid. */
static void
test_edges_accepted(void **state)
{
	static const char *const ok[] = {
	    PORT "dataplane:\n  memory_mb: 64\n  mbufs: 1023\n  mbuf_cache: 0\n  burst: 1\n",
	    PORT "dataplane:\n  memory_mb: 65536\n  mbufs: 4194303\n  mbuf_cache: 512\n",
	    PORT "dataplane:\n  arp_entries: 65536\n  poll_lcores: [127, 0, 5]\n",
	    PORT "dataplane:\n  huge: \"off\"\n  instance: 'a_b-C9'\n",
	    PORT "dataplane:\n",
	    "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.0/31}\n",
	    "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.1/32}\n",
	    "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.1/8, mac: 02:00:00:00:00:01}\n",
	    ("ports:\n  - {name: a, kind: null, ipv4: 10.0.0.1/8}\n  - {name: b, kind: null, "
	     "ipv4: 10.0.0.3/8}\n"),
	    ("ports:\n  - name: a\n    kind: null\n    ipv4: 10.0.0.1/8\n    mtu: 576\n    "
	     "promisc: false\ntcp:\n  mss: 536\n"),
	    ("ports:\n  - {name: a, kind: null, ipv4: 10.0.0.1/8}\nimpair:\n  enabled: true\n"
	     "  rx_loss: 0.01\n  tx_dup: 1\n  rx_reorder: 0\ntest:\n  tcp_echo_port: 7\n"),
	};
	struct sl_config cfg;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		int rc = load(ok[i], &cfg);

		if (rc != 0)
			print_error("case %zu: %s\n", i, err);
		assert_int_equal(rc, 0);
	}
	assert_int_equal(load(ok[2], &cfg), 0);
	expect_get(&cfg, "dataplane.poll_lcores", "127,0,5");
}

static void
test_missing_file(void **state)
{
	struct sl_config cfg;
	int rc;

	(void)state;
	rc = sl_config_load("/nonexistent/sluice.yaml", &cfg, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/sluice.yaml"));
}

/* A tiny or absent error buffer is still safe, and the message is still terminated. */
static void
test_small_err_buffer(void **state)
{
	struct sl_config cfg;
	char small[8];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_true(sl_config_load_buf("x: 1\n", 5, "t.yaml", &cfg, small, sizeof(small)) < 0);
	assert_string_equal(small, "t.yaml:");
	assert_true(sl_config_load_buf("x: 1\n", 5, "t.yaml", &cfg, NULL, 0) < 0);
	assert_true(sl_config_load_buf(NULL, 0, NULL, &cfg, NULL, 0) < 0);
}

/* Raw NUL bytes and a too-large buffer are refused, not read past. */
static void
test_raw_bytes(void **state)
{
	static const char nul[] = PORT "dataplane:\n  instance: a\0b\n";
	struct sl_config cfg;
	size_t big = 2 * 1024 * 1024;
	char *buf;

	(void)state;
	assert_true(sl_config_load_buf(nul, sizeof(nul) - 1, "t.yaml", &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "t.yaml:"));
	buf = calloc(1, big);
	assert_non_null(buf);
	memset(buf, '#', big);
	assert_int_equal(sl_config_load_buf(buf, big, "t.yaml", &cfg, err, sizeof(err)), -EFBIG);
	free(buf);
}

/* docs/config.md must hold sl_config_doc's table row for row, so the reference stays true. */
static void
test_docs_match_table(void **state)
{
	char *docs = read_src("docs/config.md");
	char *gen = NULL, *line, *save = NULL;
	size_t gen_len = 0;
	int rows = 0, missing = 0;
	FILE *f;

	(void)state;
	assert_non_null(docs);
	f = open_memstream(&gen, &gen_len);
	assert_non_null(f);
	sl_config_doc(f);
	fclose(f);
	for (line = strtok_r(gen, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "| `", 3) != 0)
			continue;
		rows++;
		if (strstr(docs, line) == NULL) {
			print_error("docs/config.md lacks or differs from this row:\n%s\n", line);
			missing++;
		}
	}
	assert_true(rows >= 29);
	assert_int_equal(missing, 0);
	free(gen);
	free(docs);
}

/* Bad input: a negative return and a message with FILE:LINE:, the key and what is allowed. */
struct bad_case {
	const char *name;
	const char *yaml;
	const char *want[3];
};

/* One case to a row. */
/* clang-format off */
static const struct bad_case bad[] = {
	{ "unknown_key_suggests", "dataplane:\n  instance: x\n  memroy_mb: 512\n" PORT,
	  { "t.yaml:3: dataplane.memroy_mb: unknown key", "did you mean dataplane.memory_mb?" } },
	{ "unknown_key_lists_allowed", "dataplane:\n  bogus_thing_here: 1\n" PORT,
	  { "t.yaml:2: dataplane.bogus_thing_here: unknown key",
	    "(allowed: instance, main_lcore" } },
	{ "unknown_section", "dataplan:\n  burst: 1\n" PORT,
	  { "t.yaml:1: dataplan: unknown section", "allowed: dataplane, ports, demo" } },
	{ "unknown_port_key", PORT "    colour: red\n",
	  { "t.yaml:6: ports[0].colour: unknown key" } },
	{ "unknown_port_key_suggests",
	  PORT "  - {name: b, kind: null, ipv4: 10.0.0.3/24, mut: 9000}\n",
	  { "t.yaml:6: ports[1].mut: unknown key (did you mean ports[1].mtu?)" } },
	{ "unknown_demo_key", PORT "demo:\n  netnsx: a\n",
	  { "t.yaml:7: demo.netnsx: unknown key", "did you mean demo.netns?" } },
	{ "wrong_type_int", "dataplane:\n  memory_mb: lots\n" PORT,
	  { "t.yaml:2: dataplane.memory_mb: lots is not an integer (allowed: 64..65536)" } },
	{ "wrong_type_quoted_int", "dataplane:\n  memory_mb: \"512\"\n" PORT,
	  { "t.yaml:2: dataplane.memory_mb: \"512\" is not an integer" } },
	{ "wrong_type_hex_int", "dataplane:\n  memory_mb: 0x200\n" PORT,
	  { "t.yaml:2: dataplane.memory_mb: 0x200 is not an integer" } },
	{ "wrong_type_list", "dataplane:\n  burst: [1, 2]\n" PORT,
	  { "t.yaml:2: dataplane.burst: expected a single value, got a list", "allowed: 1..32" } },
	{ "wrong_type_bool", PORT "    promisc: yes\n",
	  { "t.yaml:6: ports[0].promisc: yes is not a boolean (allowed: true, false)" } },
	{ "wrong_type_section", "dataplane: 5\n" PORT,
	  { "t.yaml:1: dataplane: expected a mapping of keys, got a single value" } },
	{ "out_of_range", "dataplane:\n  memory_mb: 99999999\n" PORT,
	  { "t.yaml:2: dataplane.memory_mb: 99999999 is out of range (allowed: 64..65536)" } },
	{ "out_of_range_low", "dataplane:\n  mbufs: 1022\n" PORT,
	  { "t.yaml:2: dataplane.mbufs: 1022 is out of range (allowed: 1023..4194303)" } },
	{ "out_of_range_negative", PORT "    mtu: -1\n",
	  { "t.yaml:6: ports[0].mtu: -1 is out of range (allowed: 68..9000)" } },
	{ "out_of_range_overflow", "dataplane:\n  mbufs: 99999999999999999999999\n" PORT,
	  { "t.yaml:2: dataplane.mbufs: 99999999999999999999999 is out of range" } },
	{ "out_of_range_burst", "dataplane:\n  burst: 33\n" PORT,
	  { "t.yaml:2: dataplane.burst: 33 is out of range (allowed: 1..32)" } },
	{ "out_of_range_main_lcore", "dataplane:\n  main_lcore: 128\n" PORT,
	  { "t.yaml:2: dataplane.main_lcore: 128 is out of range (allowed: 0..127)" } },
	{ "prob_out_of_range", "impair:\n  rx_loss: 1.5\n" PORT,
	  { "t.yaml:2: impair.rx_loss: 1.5 is out of range (allowed: a decimal in 0..1)" } },
	{ "prob_not_decimal", "impair:\n  tx_dup: 1e-3\n" PORT,
	  { "t.yaml:2: impair.tx_dup: 1e-3 is not a decimal number" } },
	{ "prob_negative", "impair:\n  tx_dup: -0.1\n" PORT,
	  { "t.yaml:2: impair.tx_dup: -0.1 is not a decimal number" } },
	{ "tcp_mss_past_mtu", "tcp:\n  mss: 1461\n" PORT,
	  { "t.yaml:2: tcp.mss: 1461 does not fit ports[0].mtu 1500 minus 40 bytes" } },
	{ "tcp_rto_bounds", "tcp:\n  rto_min_ms: 5000\n  rto_max_ms: 1000\n" PORT,
	  { "t.yaml:2: tcp.rto_min_ms: 5000 is above tcp.rto_max_ms 1000" } },
	{ "tcp_unknown_key", "tcp:\n  max_conn: 5\n" PORT,
	  { "t.yaml:2: tcp.max_conn: unknown key (did you mean tcp.max_conns?)" } },
	{ "not_power_of_two", "dataplane:\n  arp_entries: 100\n" PORT,
	  { "t.yaml:2: dataplane.arp_entries: 100 is not a power of two",
	    "allowed: 16..65536, a power of two" } },
	{ "bad_enum", "dataplane:\n  huge: maybe\n" PORT,
	  { "t.yaml:2: dataplane.huge: \"maybe\" is not a valid value (allowed: auto, on, off)" } },
	{ "bad_enum_kind", "ports:\n  - name: p0\n    kind: tapp\n",
	  { "t.yaml:3: ports[0].kind: \"tapp\"",
	    "(allowed: pci, af_xdp, af_packet, tap, pcap, memif, ring, null)" } },
	{ "bad_enum_log_level", "dataplane:\n  log_level: verbose\n" PORT,
	  { "t.yaml:2: dataplane.log_level: \"verbose\"",
	    "allowed: emerg, alert, crit, err, warning, notice, info, debug" } },
	{ "bad_enum_case", "dataplane:\n  huge: AUTO\n" PORT, { "t.yaml:2: dataplane.huge:" } },
	{ "null_enum", "ports:\n  - {name: a, kind: NULL, ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].kind: has no value (allowed: pci," } },
	{ "bad_enum_role", PORT "    role: master\n", { "t.yaml:6: ports[0].role: \"master\"" } },
	{ "bad_cidr_octet", "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.300/24}\n",
	  { "t.yaml:2: ports[0].ipv4: \"10.0.0.300/24\" is not an IPv4 address with prefix",
	    "allowed: a.b.c.d/0..32" } },
	{ "bad_cidr_no_prefix", "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.2}\n",
	  { "t.yaml:2: ports[0].ipv4: \"10.0.0.2\" is not an IPv4 address with prefix" } },
	{ "bad_cidr_prefix", "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.2/33}\n",
	  { "t.yaml:2: ports[0].ipv4:", "allowed: a.b.c.d/0..32" } },
	{ "bad_cidr_leading_zero", "ports:\n  - {name: a, kind: null, ipv4: 010.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].ipv4:", "not an IPv4 address" } },
	{ "bad_cidr_short", "ports:\n  - {name: a, kind: null, ipv4: 10.0.2/24}\n",
	  { "t.yaml:2: ports[0].ipv4:", "not an IPv4 address" } },
	{ "bad_cidr_trailing", "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.2/24x}\n",
	  { "t.yaml:2: ports[0].ipv4:", "not an IPv4 address" } },
	{ "cidr_network_address", "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.0/24}\n",
	  { "t.yaml:2: ports[0].ipv4: 10.0.0.0/24 is the network address of its prefix" } },
	{ "cidr_broadcast_address", "ports:\n  - {name: a, kind: null, ipv4: 10.0.0.255/24}\n",
	  { "t.yaml:2: ports[0].ipv4: 10.0.0.255/24 is the broadcast address of its prefix" } },
	{ "cidr_multicast", "ports:\n  - {name: a, kind: null, ipv4: 224.0.0.1/4}\n",
	  { "t.yaml:2: ports[0].ipv4: 224.0.0.1/4 is not a unicast address" } },
	{ "cidr_loopback", "ports:\n  - {name: a, kind: null, ipv4: 127.0.0.1/8}\n",
	  { "t.yaml:2: ports[0].ipv4:", "not a unicast address" } },
	{ "bad_cidr_demo", PORT "demo:\n  host_ipv4: 10.203.0.1\n",
	  { "t.yaml:7: demo.host_ipv4:", "not an IPv4 address with prefix" } },
	{ "bad_mac", PORT "    mac: zz:00:00:00:00:01\n",
	  { "t.yaml:6: ports[0].mac: \"zz:00:00:00:00:01\" is not a MAC address",
	    "allowed: aa:bb:cc:dd:ee:ff" } },
	{ "bad_mac_short", PORT "    mac: 02:00:00:00:01\n",
	  { "t.yaml:6: ports[0].mac:", "is not a MAC address" } },
	{ "bad_mac_separator", PORT "    mac: 02-00-00-00-00-01\n",
	  { "t.yaml:6: ports[0].mac:", "is not a MAC address" } },
	{ "mac_multicast", PORT "    mac: 01:00:5e:00:00:01\n",
	  { "t.yaml:6: ports[0].mac: 01:00:5e:00:00:01 is not a unicast MAC address" } },
	{ "mac_zero", PORT "    mac: 00:00:00:00:00:00\n",
	  { "t.yaml:6: ports[0].mac:", "not a unicast MAC address" } },
	{ "duplicate_key", "dataplane:\n  burst: 16\n  burst: 8\n" PORT,
	  { "t.yaml:3: dataplane.burst: duplicate key (first given at line 2)" } },
	{ "duplicate_section", "dataplane:\n  burst: 8\n" PORT "dataplane:\n  burst: 4\n",
	  { "t.yaml:8: dataplane: duplicate section (first given at line 1)" } },
	{ "duplicate_port_key", PORT "    iface: t1\n",
	  { "t.yaml:6: ports[0].iface: duplicate key (first given at line 4)" } },
	{ "missing_required_ipv4", "ports:\n  - name: p0\n    kind: null\n",
	  { "t.yaml:2: ports[0].ipv4: missing required key" } },
	{ "missing_required_name", "ports:\n  - kind: null\n    ipv4: 10.0.0.2/24\n",
	  { "t.yaml:2: ports[0].name: missing required key" } },
	{ "missing_required_kind", "ports:\n  - name: a\n    ipv4: 10.0.0.2/24\n",
	  { "t.yaml:2: ports[0].kind: missing required key" } },
	{ "tap_needs_iface", "ports:\n  - {name: a, kind: tap, ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].iface: missing required key for kind tap" } },
	{ "af_xdp_needs_iface", "ports:\n  - {name: a, kind: af_xdp, ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].iface: missing required key for kind af_xdp" } },
	{ "pci_needs_pci", "ports:\n  - {name: a, kind: pci, ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].pci: missing required key for kind pci" } },
	{ "memif_needs_socket", "ports:\n  - {name: a, kind: memif, ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].socket: missing required key for kind memif" } },
	{ "pcap_needs_devargs", "ports:\n  - {name: a, kind: pcap, ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].devargs: missing required key for kind pcap" } },
	{ "iface_unused_by_pci",
	  "ports:\n  - name: a\n    kind: pci\n    pci: 0000:01:00.0\n    iface: eth0\n"
	  "    ipv4: 10.0.0.2/24\n",
	  { "t.yaml:5: ports[0].iface: not used by kind pci (used by: af_xdp, af_packet, tap)" } },
	{ "role_unused_by_tap", PORT "    role: client\n",
	  { "t.yaml:6: ports[0].role: not used by kind tap (used by: memif)" } },
	{ "duplicate_port_name", PORT "  - name: p0\n    kind: null\n    ipv4: 10.0.0.3/24\n",
	  { "t.yaml:6: ports[1].name: p0 is already used by ports[0] (line 2)" } },
	{ "duplicate_port_iface",
	  PORT "  - name: p1\n    kind: af_packet\n    iface: t0\n    ipv4: 10.0.0.3/24\n",
	  { "t.yaml:8: ports[1].iface: t0 is already used by ports[0] (line 4)" } },
	{ "duplicate_port_ipv4", PORT "  - name: p1\n    kind: null\n    ipv4: 10.0.0.2/16\n",
	  { "t.yaml:8: ports[1].ipv4: 10.0.0.2/16 is already used by ports[0]" } },
	{ "too_many_ports",
	  "ports:\n"
	  "  - {name: a0, kind: null, ipv4: 10.0.0.1/24}\n"
	  "  - {name: a1, kind: null, ipv4: 10.0.1.1/24}\n"
	  "  - {name: a2, kind: null, ipv4: 10.0.2.1/24}\n"
	  "  - {name: a3, kind: null, ipv4: 10.0.3.1/24}\n"
	  "  - {name: a4, kind: null, ipv4: 10.0.4.1/24}\n"
	  "  - {name: a5, kind: null, ipv4: 10.0.5.1/24}\n"
	  "  - {name: a6, kind: null, ipv4: 10.0.6.1/24}\n"
	  "  - {name: a7, kind: null, ipv4: 10.0.7.1/24}\n"
	  "  - {name: a8, kind: null, ipv4: 10.0.8.1/24}\n",
	  { "t.yaml:10: ports: more than 8 ports (allowed: 1..8)" } },
	{ "no_ports", "dataplane:\n  burst: 8\n",
	  { "t.yaml:1: ports: no port is configured (allowed: a list of 1..8 ports)" } },
	{ "ports_empty_list", "dataplane:\n  burst: 8\nports: []\n",
	  { "t.yaml:3: ports: no port is configured" } },
	{ "ports_not_list", "ports:\n  name: a\n",
	  { "t.yaml:2: ports: expected a list of port mappings, got a mapping" } },
	{ "port_not_mapping", "ports:\n  - tap\n",
	  { "t.yaml:2: ports[0]: expected a mapping of port keys, got a single value" } },
	{ "syntax_error", "dataplane:\n  burst: 8\n  mtu: [1, 2\nports: 1\n",
	  { "t.yaml:4: YAML syntax error" } },
	{ "syntax_error_indent", "dataplane:\n  burst: 8\n bad: 1\n",
	  { "t.yaml:3: YAML syntax error" } },
	{ "syntax_error_tab", "dataplane:\n\tburst: 8\n", { "t.yaml:2: YAML syntax error" } },
	{ "empty_file", "", { "t.yaml:1: empty configuration" } },
	{ "comments_only", "# nothing here\n\n# still nothing\n",
	  { "t.yaml:1: empty configuration" } },
	{ "document_marker_only", "---\n", { "t.yaml:", "empty configuration" } },
	{ "top_level_list", "- a\n- b\n", { "t.yaml:1: the top level is a list" } },
	{ "top_level_scalar", "hello\n", { "t.yaml:1: the top level is a single value" } },
	{ "lcores_empty", "dataplane:\n  poll_lcores: []\n" PORT,
	  { "t.yaml:2: dataplane.poll_lcores: the list is empty" } },
	{ "lcores_duplicate", "dataplane:\n  poll_lcores: [1, 2, 1]\n" PORT,
	  { "t.yaml:2: dataplane.poll_lcores: lcore 1 is listed twice" } },
	{ "lcores_out_of_range", "dataplane:\n  poll_lcores:\n    - 0\n    - 200\n" PORT,
	  { "t.yaml:4: dataplane.poll_lcores: lcore 200 is out of range",
	    "allowed: a list of 1..32 lcore ids in 0..127, no duplicates" } },
	{ "lcores_not_number", "dataplane:\n  poll_lcores: [a]\n" PORT,
	  { "t.yaml:2: dataplane.poll_lcores: \"a\" is not an lcore id" } },
	{ "lcores_scalar", "dataplane:\n  poll_lcores: 0\n" PORT,
	  { "t.yaml:2: dataplane.poll_lcores: expected a list such as [0, 1], got a single" } },
	{ "lcores_nested", "dataplane:\n  poll_lcores: [[1]]\n" PORT,
	  { "t.yaml:2: dataplane.poll_lcores: item 0 is a list" } },
	{ "lcores_too_many",
	  "dataplane:\n  poll_lcores: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, "
	  "17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32]\n" PORT,
	  { "t.yaml:2: dataplane.poll_lcores: more than 32 lcores" } },
	{ "string_too_long",
	  "dataplane:\n  instance: abcdefghijabcdefghijabcdefghijabcdefghij\n" PORT,
	  { "t.yaml:2: dataplane.instance:", "is 40 characters long",
	    "allowed: 1..31 characters of [A-Za-z0-9_-]" } },
	{ "iface_too_long",
	  "ports:\n  - {name: a, kind: tap, iface: abcdefghijklmnop, ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].iface:", "is 16 characters long",
	    "allowed: 1..15 characters of [A-Za-z0-9_.-]" } },
	{ "string_bad_char", "dataplane:\n  instance: \"a b\"\n" PORT,
	  { "t.yaml:2: dataplane.instance: \"a b\" has a character not allowed at 2" } },
	{ "string_bad_char_slash", PORT "demo:\n  netns: a/b\n",
	  { "t.yaml:7: demo.netns: \"a/b\" has a character not allowed at 2" } },
	{ "string_empty", "ports:\n  - {name: a, kind: tap, iface: \"\", ipv4: 10.0.0.2/24}\n",
	  { "t.yaml:2: ports[0].iface: is empty (allowed: 1..15 characters" } },
	{ "null_value", "dataplane:\n  memory_mb:\n" PORT,
	  { "t.yaml:", "dataplane.memory_mb: has no value (allowed: 64..65536)" } },
	{ "null_tilde", "dataplane:\n  instance: ~\n" PORT,
	  { "t.yaml:2: dataplane.instance: has no value" } },
	{ "nul_escape", "dataplane:\n  instance: \"a\\0b\"\n" PORT,
	  { "t.yaml:2: dataplane.instance: value contains a NUL byte" } },
	{ "relative_path", "dataplane:\n  huge_dir: hugepages\n" PORT,
	  { "t.yaml:2: dataplane.huge_dir: \"hugepages\" is not an absolute path" } },
	{ "second_document", PORT "---\n" PORT, { "t.yaml:6: a second YAML document" } },
	{ "anchor", "dataplane:\n  burst: &b 8\n" PORT,
	  { "t.yaml:2: YAML anchors are not supported" } },
	{ "alias", "dataplane:\n  burst: *b\n" PORT,
	  { "t.yaml:2: YAML aliases are not supported" } },
	{ "tag", "dataplane:\n  memory_mb: !!str 512\n" PORT,
	  { "t.yaml:2: YAML tags are not supported" } },
	{ "deep_nesting", "a: [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]\n",
	  { "t.yaml:1: nested deeper than 8 levels" } },
	{ "key_not_word", "? [a]\n: 1\n",
	  { "t.yaml:1: (top level): a key must be a word, not a list" } },
	{ "port_key_not_word", "ports:\n  - {[a]: 1}\n",
	  { "t.yaml:2: ports[0]: a key must be a word" } },
	{ "demo_host_is_port", PORT "demo:\n  host_ipv4: 10.0.0.2/24\n",
	  { "t.yaml:7: demo.host_ipv4: 10.0.0.2 is also the address of ports[0]" } },
	{ "mbufs_exceed_memory", "dataplane:\n  memory_mb: 64\n  mbufs: 4194303\n" PORT,
	  { "t.yaml:3: dataplane.mbufs: 4194303 mbufs need about", "dataplane.memory_mb (64)" } },
	{ "bad_utf8", "dataplane:\n  instance: \x80\x81\n" PORT,
	  { "t.yaml:2: YAML syntax error" } },
	{ "control_byte", "dataplane:\n  instance: a\x01" "b\n" PORT,
	  { "t.yaml:2: YAML syntax error" } },
};

/* clang-format on */

static void
check_bad(void **state)
{
	const struct bad_case *c = *state;
	struct sl_config cfg;
	int rc = load(c->yaml, &cfg);

	if (rc >= 0)
		print_error("%s: loaded, but should have failed\n", c->name);
	assert_true(rc < 0);
	for (size_t i = 0; i < ARRAY_SIZE(c->want) && c->want[i] != NULL; i++) {
		if (strstr(err, c->want[i]) == NULL)
			print_error("%s:\n  got:  %s\n  want: %s\n", c->name, err, c->want[i]);
		assert_non_null(strstr(err, c->want[i]));
	}
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(test_shipped_config),      cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_minimal_is_defaults), cmocka_unit_test(test_load_is_repeatable),
	    cmocka_unit_test(test_full_config),         cmocka_unit_test(test_get_errors),
	    cmocka_unit_test(test_kind_names),          cmocka_unit_test(test_every_kind),
	    cmocka_unit_test(test_edges_accepted),      cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_small_err_buffer),    cmocka_unit_test(test_raw_bytes),
	    cmocka_unit_test(test_docs_match_table),
	};
	struct CMUnitTest tests[ARRAY_SIZE(fixed) + ARRAY_SIZE(bad)];

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		tests[ARRAY_SIZE(fixed) + i] = (struct CMUnitTest){
		    .name = bad[i].name,
		    .test_func = check_bad,
		    .initial_state = (void *)&bad[i],
		};
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
