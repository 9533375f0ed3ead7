/* SPDX-License-Identifier: BSD-3-Clause */
/* Loads, validates, prints and documents conf/sluice.yaml from one declarative table of keys. */

/*
 * Design
 * ------
 * Every key is one row of keys[] below: dotted name, type, default (as YAML
 * text), bounds, runtime mutability, the process that reads it, where it is
 * stored and a one-line description. That table alone drives:
 *
 *   sl_config_defaults   each row's default text, through the file's own parser
 *   parsing              the YAML tree is walked; each scalar goes to its row
 *   validation           bounds, charsets and enum names per row; the per-kind
 *                        and cross-port rules are row data too (kinds,
 *                        needed_by, F_UNIQUE, F_HOST)
 *   sl_config_get        the row formats its own field
 *   sl_config_doc        the markdown reference; the unit test holds
 *                        docs/config.md to it, row for row
 *
 * Apply once: struct sl_config is written only by store_value() through a row
 * (and the port count). A key is therefore read the same way by the parser,
 * the defaults and the docs, and a duplicate key cannot overwrite silently.
 *
 * Input is untrusted (a fuzzer drives sl_config_load_buf). It is read in two
 * libyaml passes: an event pass that bounds size, depth and node count and
 * refuses what a config never needs (several documents, anchors, aliases,
 * tags), then the document API builds the tree. The walk never recurses: root
 * mapping -> section mapping or port list -> port mapping -> scalar or lcore
 * list; any other shape is an error naming the line.
 *
 * Rejected: libcyaml (its schema would be a second table beside this one, and
 * it does not report the line of the offending key); YAML 1.1 booleans
 * (yes/no/on/off collide with huge: on|off, so only true/false are booleans);
 * aliases and merge keys (a config is a page long; sharing by alias hides
 * which line set a value).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config.h"

/*
 * RTE_MAX_LCORE of Debian's DPDK 22.11 build is 128. This file stays free of
 * DPDK, so the bound is repeated here; the dataplane checks the lcores again
 * against the EAL's view at start.
 */
#define MAX_LCORE_ID 127

/* A sluice config is a few kilobytes; the bound keeps a hostile file from costing memory. */
#define MAX_CONF_BYTES (1024 * 1024)
/* The deepest valid path is 3 (root -> ports -> port mapping); 8 leaves room for new sections. */
#define MAX_DEPTH 8
/* The largest valid config has a few hundred nodes (8 ports x 14 keys x 2 + 32 lcores). */
#define MAX_NODES 4096
/* The longest key a user can mean; longer ones are unknown and shown cut. */
#define MAX_KEY_SHOWN 48
/* How much of a bad value an error message repeats. */
#define MAX_VALUE_SHOWN 40
/* Bytes of packet pool per mbuf: 2176 data room + 128 rte_mbuf + mempool header, aligned. */
#define MBUF_FOOTPRINT 2560

enum ktype {
	T_INT,    /* unsigned integer in [min, max] stored in 1, 2, 4 or 8 bytes */
	T_BOOL,   /* true or false */
	T_STR,    /* 1..size-1 characters from charset */
	T_ENUM,   /* one of names[]; stored as the index, or as text with F_TEXT */
	T_CIDR,   /* a.b.c.d/n: address at off (network order), prefix length at aux */
	T_IPV4,   /* a.b.c.d at off (network order) */
	T_MAC,    /* aa:bb:cc:dd:ee:ff at off, "was set" flag at aux */
	T_LCORES, /* list of u16 lcore ids at off, count (u16) at aux */
	T_PROB,   /* a probability: a decimal in [0, 1] stored as a double */
};

enum kflag {
	F_REQUIRED = 1u << 0, /* must be given; has no default */
	F_POW2 = 1u << 1,     /* int: a power of two (hash table sizes) */
	F_TEXT = 1u << 2,     /* enum: stored as its name in a char array */
	F_UNIQUE = 1u << 3,   /* port key: no two ports may set the same value */
	F_HOST = 1u << 4,     /* CIDR: a unicast host address, not network or broadcast */
	F_ABSPATH = 1u << 5,  /* string: an absolute path */
	F_SIGNED = 1u << 6,   /* int: a signed field; min may be negative */
};

struct key {
	const char *name; /* dotted; "ports[].x" is key x of every port */
	enum ktype type;
	const char *def;          /* default as YAML text; NULL or "": unset (zeroes) */
	int64_t min, max;         /* T_INT bounds */
	const char *const *names; /* T_ENUM: names indexed by value, NULL-terminated */
	const char *charset;      /* T_STR: allowed characters as ranges, e.g. "a-z0-9_" */
	unsigned flags;           /* enum kflag */
	unsigned kinds;           /* port key: kinds that read it, 1 << kind; 0: every kind */
	unsigned needed_by;       /* port key: kinds that need it given */
	bool runtime;             /* may change without restarting its process */
	const char *target;       /* the process that reads it */
	size_t off, size;         /* the field, in struct sl_config or struct sl_port_conf */
	size_t aux;               /* second field of T_CIDR, T_MAC, T_LCORES */
	const char *desc;
};

#define CFG(f)     .off = offsetof(struct sl_config, f), .size = sizeof(((struct sl_config *)0)->f)
#define CFG_AUX(f) .aux = offsetof(struct sl_config, f)
#define PORT(f)                                                                                    \
	.off = offsetof(struct sl_port_conf, f), .size = sizeof(((struct sl_port_conf *)0)->f)
#define PORT_AUX(f) .aux = offsetof(struct sl_port_conf, f)
#define KIND(k)     (1u << SL_PORT_##k)

#define PORT_PREFIX "ports[]."

/* Character sets, as ranges; the docs print them as-is. */
static const char cs_name[] = "A-Za-z0-9_-";        /* names that become file and shm names */
static const char cs_ifname[] = "A-Za-z0-9_.-";     /* kernel interface and netns names */
static const char cs_pci[] = "0-9a-fA-F:.";         /* domain:bus:dev.fn */
static const char cs_args[] = "A-Za-z0-9_.,:/+=@-"; /* paths and devargs: no space, no quote */
static const char cs_path[] = "A-Za-z0-9_./~-";     /* HTTP paths */

/* The tables read best as rows, one key to a row. */
/* clang-format off */
static const char *const kind_names[] = {
	[SL_PORT_PCI] = "pci",   [SL_PORT_AF_XDP] = "af_xdp", [SL_PORT_AF_PACKET] = "af_packet",
	[SL_PORT_TAP] = "tap",   [SL_PORT_PCAP] = "pcap",     [SL_PORT_MEMIF] = "memif",
	[SL_PORT_RING] = "ring", [SL_PORT_NULL] = "null",     [SL_PORT_KIND_MAX] = NULL,
};
static const char *const huge_names[] = {
	[SL_HUGE_AUTO] = "auto", [SL_HUGE_ON] = "on", [SL_HUGE_OFF] = "off", NULL,
};
static const char *const role_names[] = {
	[SL_MEMIF_SERVER] = "server", [SL_MEMIF_CLIENT] = "client", NULL,
};
static const char *const durability_names[] = {
	[SL_DURABILITY_RECEIVED] = "received", [SL_DURABILITY_PERSISTED] = "persisted", NULL,
};
static const char *const fsync_names[] = {
	[SL_STORE_FSYNC_NONE] = "none", [SL_STORE_FSYNC_INTERVAL] = "interval",
	[SL_STORE_FSYNC_BATCH] = "batch", NULL,
};
static const char *const cookie_names[] = {
	[SL_TCP_SYNCOOKIES_AUTO] = "auto", [SL_TCP_SYNCOOKIES_ALWAYS] = "always",
	[SL_TCP_SYNCOOKIES_NEVER] = "never", NULL,
};
/* syslog's levels, which are also DPDK's RTE_LOG_* names. */
static const char *const log_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", NULL,
};

static const struct key keys[] = {
	/* dataplane: read once by sluice-dataplane at start */
	{ .name = "dataplane.instance", .type = T_STR, .def = "sluice", .charset = cs_name,
	  .target = "dataplane", CFG(dataplane.instance),
	  .desc = "EAL file prefix and shared-memory name; two dataplanes on a host need two." },
	{ .name = "dataplane.main_lcore", .type = T_INT, .def = "0", .min = 0, .max = MAX_LCORE_ID,
	  .target = "dataplane", CFG(dataplane.main_lcore),
	  .desc = "Lcore for timers, stats publication and table reclamation." },
	{ .name = "dataplane.poll_lcores", .type = T_LCORES, .def = "[0]", .target = "dataplane",
	  CFG(dataplane.poll_lcores), CFG_AUX(dataplane.n_poll),
	  .desc = "Lcores that poll the ports; may include main_lcore, which then polls too." },
	{ .name = "dataplane.memory_mb", .type = T_INT, .def = "256", .min = 64, .max = 65536,
	  .target = "dataplane", CFG(dataplane.memory_mb),
	  .desc = "Memory the EAL reserves at start, in MiB; all pools come from it." },
	{ .name = "dataplane.huge", .type = T_ENUM, .def = "auto", .names = huge_names,
	  .target = "dataplane", CFG(dataplane.huge),
	  .desc = "Hugepages: auto uses them if free ones exist, on requires them, off never." },
	{ .name = "dataplane.huge_dir", .type = T_STR, .def = "/dev/hugepages-sluice",
	  .charset = cs_args, .flags = F_ABSPATH, .target = "dataplane", CFG(dataplane.huge_dir),
	  .desc = "hugetlbfs mount the EAL uses, so other DPDK programs keep their pages." },
	{ .name = "dataplane.mbufs", .type = T_INT, .def = "16383", .min = 1023, .max = 4194303,
	  .target = "dataplane", CFG(dataplane.mbufs),
	  .desc = "Packet buffers in the pool; 2^n - 1 fills the mempool's ring exactly." },
	{ .name = "dataplane.mbuf_cache", .type = T_INT, .def = "256", .min = 0, .max = 512,
	  .target = "dataplane", CFG(dataplane.mbuf_cache),
	  .desc = "Per-lcore mempool cache, in mbufs (512 is DPDK's maximum)." },
	{ .name = "dataplane.burst", .type = T_INT, .def = "32", .min = 1, .max = 32,
	  .target = "dataplane", CFG(dataplane.burst),
	  .desc = "Most packets received or sent per driver call (SL_MAX_BURST is 32)." },
	{ .name = "dataplane.log_level", .type = T_ENUM, .def = "notice", .names = log_names,
	  .flags = F_TEXT, .target = "dataplane", CFG(dataplane.log_level),
	  .desc = "Log level of the EAL and of sluice." },
	{ .name = "dataplane.arp_entries", .type = T_INT, .def = "256", .min = 16, .max = 65536,
	  .flags = F_POW2, .target = "dataplane", CFG(dataplane.arp_entries),
	  .desc = "ARP cache slots per poll core; a power of two so a mask indexes it." },
	{ .name = "dataplane.arp_timeout_s", .type = T_INT, .def = "300", .min = 1, .max = 86400,
	  .target = "dataplane", CFG(dataplane.arp_timeout_s),
	  .desc = "Age in seconds after which an ARP entry is resolved again before use." },
	{ .name = "dataplane.stats_interval_ms", .type = T_INT, .def = "100", .min = 1,
	  .max = 10000, .target = "dataplane", CFG(dataplane.stats_interval_ms),
	  .desc = "How often poll cores publish their counters to shared memory." },
	{ .name = "dataplane.tx_drain_us", .type = T_INT, .def = "100", .min = 1, .max = 100000,
	  .target = "dataplane", CFG(dataplane.tx_drain_us),
	  .desc = "Longest a partly filled TX burst waits before it is sent, in microseconds." },

	/* ports: one mapping per port, read by sluice-dataplane at start */
	{ .name = "ports[].name", .type = T_STR, .charset = cs_name, .flags = F_REQUIRED | F_UNIQUE,
	  .target = "dataplane", PORT(name), .desc = "Port name in stats, logs and sluicectl." },
	{ .name = "ports[].kind", .type = T_ENUM, .names = kind_names, .flags = F_REQUIRED,
	  .target = "dataplane", PORT(kind), .desc = "Driver that brings the port up." },
	{ .name = "ports[].iface", .type = T_STR, .charset = cs_ifname, .flags = F_UNIQUE,
	  .kinds = KIND(TAP) | KIND(AF_PACKET) | KIND(AF_XDP),
	  .needed_by = KIND(TAP) | KIND(AF_PACKET) | KIND(AF_XDP), .target = "dataplane",
	  PORT(iface), .desc = "Kernel interface: the tap to create, or the one to attach to." },
	{ .name = "ports[].pci", .type = T_STR, .charset = cs_pci, .flags = F_UNIQUE,
	  .kinds = KIND(PCI), .needed_by = KIND(PCI), .target = "dataplane", PORT(pci),
	  .desc = "PCI address of a NIC bound to vfio-pci (domain:bus:dev.fn)." },
	{ .name = "ports[].socket", .type = T_STR, .charset = cs_args, .flags = F_ABSPATH,
	  .kinds = KIND(MEMIF), .needed_by = KIND(MEMIF), .target = "dataplane", PORT(socket),
	  .desc = "memif control socket path." },
	{ .name = "ports[].role", .type = T_ENUM, .def = "server", .names = role_names,
	  .kinds = KIND(MEMIF), .target = "dataplane", PORT(memif_role),
	  .desc = "memif role; the peer takes the other one." },
	{ .name = "ports[].devargs", .type = T_STR, .charset = cs_args, .needed_by = KIND(PCAP),
	  .target = "dataplane", PORT(devargs),
	  .desc = "Extra driver arguments, appended as-is (pcap: rx_pcap=...,tx_pcap=...)." },
	{ .name = "ports[].ipv4", .type = T_CIDR, .flags = F_REQUIRED | F_UNIQUE | F_HOST,
	  .target = "dataplane", PORT(ipv4), PORT_AUX(ipv4_prefix),
	  .desc = "Our address on this port and the prefix of its subnet." },
	{ .name = "ports[].mac", .type = T_MAC, .target = "dataplane", PORT(mac), PORT_AUX(mac_set),
	  .desc = "MAC address to use instead of the device's own." },
	{ .name = "ports[].rx_desc", .type = T_INT, .def = "1024", .min = 64, .max = 4096,
	  .target = "dataplane", PORT(rx_desc), .desc = "RX descriptors per queue." },
	{ .name = "ports[].tx_desc", .type = T_INT, .def = "1024", .min = 64, .max = 4096,
	  .target = "dataplane", PORT(tx_desc), .desc = "TX descriptors per queue." },
	{ .name = "ports[].mtu", .type = T_INT, .def = "1500", .min = 68, .max = 9000,
	  .target = "dataplane", PORT(mtu), .desc = "IP MTU of the port, in bytes." },
	{ .name = "ports[].promisc", .type = T_BOOL, .def = "false", .target = "dataplane",
	  PORT(promisc), .desc = "Receive frames sent to any MAC address." },

	/* demo: read by the ./sluice script, which builds the demo namespace */
	{ .name = "demo.netns", .type = T_STR, .def = "sluice-demo", .charset = cs_ifname,
	  .target = "demo", CFG(demo.netns),
	  .desc = "Network namespace that holds the kernel side of the demo port." },
	{ .name = "demo.host_ipv4", .type = T_CIDR, .def = "10.203.0.1/24", .flags = F_HOST,
	  .target = "demo", CFG(demo.host_ipv4), CFG_AUX(demo.host_prefix),
	  .desc = "Address of the kernel side of the demo port, inside netns." },

	/* tcp: the poll cores' TCP; per-core bounds are per poll core */
	{ .name = "tcp.max_conns", .type = T_INT, .def = "16384", .min = 16, .max = 1048576,
	  .target = "dataplane", CFG(tcp.max_conns),
	  .desc = "Connections per poll core (table and pool size); more SYNs get RST." },
	{ .name = "tcp.syn_queue", .type = T_INT, .def = "1024", .min = 1, .max = 65536,
	  .target = "dataplane", CFG(tcp.syn_queue),
	  .desc = "Half-open connections per poll core before SYN cookies take over." },
	{ .name = "tcp.syncookies", .type = T_ENUM, .def = "auto", .names = cookie_names,
	  .target = "dataplane", CFG(tcp.syncookies),
	  .desc = "auto: cookies when the SYN queue is full; always; never (drop SYNs)." },
	{ .name = "tcp.rcv_buf", .type = T_INT, .def = "262144", .min = 4096, .max = 16777216,
	  .target = "dataplane", CFG(tcp.rcv_buf),
	  .desc = "Receive buffer per connection, bytes: the most the window offers." },
	{ .name = "tcp.rcv_segs", .type = T_INT, .def = "256", .min = 8, .max = 65535,
	  .target = "dataplane", CFG(tcp.rcv_segs),
	  .desc = "Segments a connection may hold unconsumed (caps mbufs per connection)." },
	{ .name = "tcp.snd_buf", .type = T_INT, .def = "65536", .min = 2048, .max = 131072,
	  .target = "dataplane", CFG(tcp.snd_buf),
	  .desc = "Send buffer per connection, bytes (our responses)." },
	{ .name = "tcp.mss", .type = T_INT, .def = "1460", .min = 536, .max = 8960,
	  .target = "dataplane", CFG(tcp.mss),
	  .desc = "MSS we announce; at most the port MTU minus 40." },
	{ .name = "tcp.ooo_segs", .type = T_INT, .def = "64", .min = 1, .max = 1024,
	  .target = "dataplane", CFG(tcp.ooo_segs),
	  .desc = "Out-of-order segments held per connection." },
	{ .name = "tcp.ooo_core_segs", .type = T_INT, .def = "8192", .min = 0, .max = 4194304,
	  .target = "dataplane", CFG(tcp.ooo_core_segs),
	  .desc = "Out-of-order segments held per poll core, all connections." },
	{ .name = "tcp.delack_us", .type = T_INT, .def = "10000", .min = 1, .max = 500000,
	  .target = "dataplane", CFG(tcp.delack_us),
	  .desc = "Delayed-ACK timer; every second segment is ACKed at once anyway." },
	{ .name = "tcp.idle_timeout_ms", .type = T_INT, .def = "300000", .min = 1000,
	  .max = 86400000, .target = "dataplane", CFG(tcp.idle_timeout_ms),
	  .desc = "A connection with no segment for this long is reset." },
	{ .name = "tcp.time_wait_ms", .type = T_INT, .def = "5000", .min = 0, .max = 240000,
	  .target = "dataplane", CFG(tcp.time_wait_ms),
	  .desc = "TIME_WAIT, only where we close first (RFC 9293's 2MSL is 240000)." },
	{ .name = "tcp.fin_wait_ms", .type = T_INT, .def = "30000", .min = 1000, .max = 600000,
	  .target = "dataplane", CFG(tcp.fin_wait_ms),
	  .desc = "FIN_WAIT_2 without the peer's FIN before we reset." },
	{ .name = "tcp.rto_initial_ms", .type = T_INT, .def = "1000", .min = 10, .max = 60000,
	  .target = "dataplane", CFG(tcp.rto_initial_ms),
	  .desc = "Retransmission timeout before the first RTT sample (RFC 6298: 1 s)." },
	{ .name = "tcp.rto_min_ms", .type = T_INT, .def = "200", .min = 1, .max = 60000,
	  .target = "dataplane", CFG(tcp.rto_min_ms),
	  .desc = "Lower bound of the retransmission timeout." },
	{ .name = "tcp.rto_max_ms", .type = T_INT, .def = "60000", .min = 100, .max = 600000,
	  .target = "dataplane", CFG(tcp.rto_max_ms),
	  .desc = "Upper bound of the retransmission timeout (backoff cap)." },
	{ .name = "tcp.max_retries", .type = T_INT, .def = "8", .min = 1, .max = 30,
	  .target = "dataplane", CFG(tcp.max_retries),
	  .desc = "Retransmission timeouts in a row before the connection is reset." },
	{ .name = "tcp.synack_retries", .type = T_INT, .def = "5", .min = 0, .max = 30,
	  .target = "dataplane", CFG(tcp.synack_retries),
	  .desc = "SYN-ACK retransmissions before a half-open connection is dropped." },

	/* http: the OTLP/HTTP server on the poll cores */
	{ .name = "http.port", .type = T_INT, .def = "4318", .min = 0, .max = 65535,
	  .target = "dataplane", CFG(http.port),
	  .desc = "OTLP/HTTP listening port on every port's address; 0 turns it off." },
	{ .name = "http.max_body_bytes", .type = T_INT, .def = "20971520", .min = 1024,
	  .max = 268435456, .target = "dataplane", CFG(http.max_body_bytes),
	  .desc = "Largest request body, on the wire and after decompression (413 beyond)." },
	{ .name = "http.max_header_bytes", .type = T_INT, .def = "8192", .min = 256,
	  .max = 65536, .target = "dataplane", CFG(http.max_header_bytes),
	  .desc = "Largest request head (431 beyond)." },
	{ .name = "http.max_headers", .type = T_INT, .def = "64", .min = 4, .max = 1024,
	  .target = "dataplane", CFG(http.max_headers),
	  .desc = "Most header fields in a request (431 beyond)." },
	{ .name = "http.header_timeout_ms", .type = T_INT, .def = "10000", .min = 100,
	  .max = 600000, .target = "dataplane", CFG(http.header_timeout_ms),
	  .desc = "From a request's first byte to the end of its head (408 and close)." },
	{ .name = "http.body_timeout_ms", .type = T_INT, .def = "30000", .min = 100,
	  .max = 3600000, .target = "dataplane", CFG(http.body_timeout_ms),
	  .desc = "From the end of the head to the end of the body (408 and close)." },
	{ .name = "http.body_chunks", .type = T_INT, .def = "4096", .min = 16, .max = 1048576,
	  .target = "dataplane", CFG(http.body_chunks),
	  .desc = "Per core: chunks of 62 body slices for requests being received." },
	{ .name = "http.max_resources", .type = T_INT, .def = "4096", .min = 1, .max = 1048576,
	  .target = "dataplane", CFG(http.max_resources),
	  .desc = "Most Resource entries in one request (413 beyond)." },
	{ .name = "http.path_traces", .type = T_STR, .def = "/v1/traces", .charset = cs_path,
	  .flags = F_ABSPATH, .target = "dataplane", CFG(http.path_traces),
	  .desc = "Path of trace exports." },
	{ .name = "http.path_metrics", .type = T_STR, .def = "/v1/metrics", .charset = cs_path,
	  .flags = F_ABSPATH, .target = "dataplane", CFG(http.path_metrics),
	  .desc = "Path of metric exports." },
	{ .name = "http.path_logs", .type = T_STR, .def = "/v1/logs", .charset = cs_path,
	  .flags = F_ABSPATH, .target = "dataplane", CFG(http.path_logs),
	  .desc = "Path of log exports." },

	/* grpc: the OTLP/gRPC server (HTTP/2, h2c prior knowledge) on the poll cores */
	{ .name = "grpc.port", .type = T_INT, .def = "4317", .min = 0, .max = 65535,
	  .target = "dataplane", CFG(grpc.port),
	  .desc = "OTLP/gRPC listening port on every port's address; 0 turns it off." },
	{ .name = "grpc.max_concurrent_streams", .type = T_INT, .def = "128", .min = 1,
	  .max = 65536, .target = "dataplane", CFG(grpc.max_concurrent_streams),
	  .desc = "SETTINGS_MAX_CONCURRENT_STREAMS: open streams per connection." },
	{ .name = "grpc.initial_window", .type = T_INT, .def = "1048576", .min = 65535,
	  .max = 2147483647, .target = "dataplane", CFG(grpc.initial_window),
	  .desc = "SETTINGS_INITIAL_WINDOW_SIZE: bytes a client may send a stream unacknowledged." },
	{ .name = "grpc.conn_window", .type = T_INT, .def = "8388608", .min = 65535,
	  .max = 2147483647, .target = "dataplane", CFG(grpc.conn_window),
	  .desc = "Connection receive window: bytes a client may send unacknowledged in all." },
	{ .name = "grpc.max_frame_size", .type = T_INT, .def = "16384", .min = 16384,
	  .max = 16777215, .target = "dataplane", CFG(grpc.max_frame_size),
	  .desc = "SETTINGS_MAX_FRAME_SIZE: largest frame payload a client may send." },
	{ .name = "grpc.max_header_list_size", .type = T_INT, .def = "16384", .min = 1024,
	  .max = 1048576, .target = "dataplane", CFG(grpc.max_header_list_size),
	  .desc = "SETTINGS_MAX_HEADER_LIST_SIZE, enforced on the decoded list (HPACK bombs)." },
	{ .name = "grpc.max_message_bytes", .type = T_INT, .def = "4194304", .min = 1024,
	  .max = 268435456, .target = "dataplane", CFG(grpc.max_message_bytes),
	  .desc = "Largest gRPC message, compressed and decompressed (RESOURCE_EXHAUSTED above)." },
	{ .name = "grpc.streams", .type = T_INT, .def = "4096", .min = 16, .max = 1048576,
	  .target = "dataplane", CFG(grpc.streams),
	  .desc = "Per core: stream slots shared by all connections (REFUSED_STREAM when out)." },
	{ .name = "grpc.conn_mem_bytes", .type = T_INT, .def = "262144", .min = 65536,
	  .max = 67108864, .target = "dataplane", CFG(grpc.conn_mem_bytes),
	  .desc = "Per connection: nghttp2 memory (HPACK tables, queues) before it is closed." },
	{ .name = "grpc.arena_bytes", .type = T_INT, .def = "67108864", .min = 1048576,
	  .max = 2147483647, .target = "dataplane", CFG(grpc.arena_bytes),
	  .desc = "Per core: the preallocated arena every nghttp2 allocation comes from." },
	{ .name = "grpc.conn_buffer_bytes", .type = T_INT, .def = "16777216", .min = 65536,
	  .max = 2147483647, .target = "dataplane", CFG(grpc.conn_buffer_bytes),
	  .desc = "Per connection: message bytes held before WINDOW_UPDATEs stop." },
	{ .name = "grpc.max_resets_per_s", .type = T_INT, .def = "100", .min = 1, .max = 1000000,
	  .target = "dataplane", CFG(grpc.max_resets_per_s),
	  .desc = "RST_STREAM frames a client may send per second (burst twice that): rapid reset." },
	{ .name = "grpc.max_pings_per_s", .type = T_INT, .def = "20", .min = 1, .max = 1000000,
	  .target = "dataplane", CFG(grpc.max_pings_per_s),
	  .desc = "PING frames a client may send per second (burst twice that)." },
	{ .name = "grpc.max_settings_per_s", .type = T_INT, .def = "10", .min = 1, .max = 1000000,
	  .target = "dataplane", CFG(grpc.max_settings_per_s),
	  .desc = "SETTINGS frames a client may send per second (burst twice that)." },
	{ .name = "grpc.max_refused_streams", .type = T_INT, .def = "1000", .min = 1,
	  .max = 1000000, .target = "dataplane", CFG(grpc.max_refused_streams),
	  .desc = "Streams refused on one connection (too many open) before GOAWAY." },
	{ .name = "grpc.max_continuations", .type = T_INT, .def = "8", .min = 1, .max = 1024,
	  .target = "dataplane", CFG(grpc.max_continuations),
	  .desc = "CONTINUATION frames allowed after one HEADERS frame." },
	{ .name = "grpc.idle_timeout_ms", .type = T_INT, .def = "300000", .min = 100,
	  .max = 86400000, .target = "dataplane", CFG(grpc.idle_timeout_ms),
	  .desc = "GOAWAY a connection that sent nothing this long while owed no answer." },
	{ .name = "grpc.stall_timeout_ms", .type = T_INT, .def = "10000", .min = 100,
	  .max = 3600000, .target = "dataplane", CFG(grpc.stall_timeout_ms),
	  .desc = "Close a connection whose answers cannot be sent (zero window) this long." },

	/* pipeline: batch builders on the poll cores, flush workers off them */
	{ .name = "pipeline.seal_bytes", .type = T_INT, .def = "1048576", .min = 4096,
	  .max = 67108864, .target = "dataplane", CFG(pipeline.seal_bytes),
	  .desc = "Seal a batch once it holds this many raw OTLP bytes (one record each)." },
	{ .name = "pipeline.seal_items", .type = T_INT, .def = "8192", .min = 1, .max = 16777216,
	  .target = "dataplane", CFG(pipeline.seal_items),
	  .desc = "Seal a batch once it holds this many spans, data points or log records." },
	{ .name = "pipeline.seal_age_ms", .type = T_INT, .def = "200", .min = 1, .max = 60000,
	  .target = "dataplane", CFG(pipeline.seal_age_ms),
	  .desc = "Seal a batch once its oldest request is this old (persisted: also when idle)." },
	{ .name = "pipeline.flush_lcores", .type = T_LCORES, .def = "[1]", .target = "dataplane",
	  CFG(pipeline.flush_lcores), CFG_AUX(pipeline.n_flush),
	  .desc = "CPUs of the flush workers, one worker each; best not a polling one." },
	{ .name = "pipeline.ring_size", .type = T_INT, .def = "1024", .min = 16, .max = 1048576,
	  .flags = F_POW2, .target = "dataplane", CFG(pipeline.ring_size),
	  .desc = "Sealed batches queued per flush worker before poll cores must wait." },
	{ .name = "pipeline.batches", .type = T_INT, .def = "512", .min = 8, .max = 1048576,
	  .target = "dataplane", CFG(pipeline.batches),
	  .desc = "Per core: batch descriptors, open and in flight (503 when none is free)." },
	{ .name = "pipeline.batch_slices", .type = T_INT, .def = "4096", .min = 64,
	  .max = 1048576, .target = "dataplane", CFG(pipeline.batch_slices),
	  .desc = "Slices (mbuf ranges) one batch may reference before it is sealed." },
	{ .name = "pipeline.max_inflight_bytes", .type = T_INT, .def = "16777216", .min = 65536,
	  .max = INT64_MAX, .target = "dataplane", CFG(pipeline.max_inflight_bytes),
	  .desc = "Per core: buffer bytes batches may hold; new requests get 503 beyond it." },
	{ .name = "pipeline.copy_bufs", .type = T_INT, .def = "256", .min = 4, .max = 1048576,
	  .target = "dataplane", CFG(pipeline.copy_bufs),
	  .desc = "Per core: 64 KiB buffers holding inflated or transcoded bodies until flushed." },
	{ .name = "pipeline.zstd_level", .type = T_INT, .def = "1", .min = -7, .max = 19,
	  .flags = F_SIGNED, .target = "dataplane", CFG(pipeline.zstd_level),
	  .desc = "zstd level of records; negative levels are the fast modes." },
	{ .name = "pipeline.durability", .type = T_ENUM, .def = "received",
	  .names = durability_names, .target = "dataplane", CFG(pipeline.durability),
	  .desc = "received: answer once queued; persisted: once fdatasync'd in a record." },
	{ .name = "pipeline.persist_timeout_ms", .type = T_INT, .def = "5000", .min = 10,
	  .max = 600000, .target = "dataplane", CFG(pipeline.persist_timeout_ms),
	  .desc = "persisted: a request not durable by then gets 503 with Retry-After." },
	{ .name = "pipeline.pending", .type = T_INT, .def = "4096", .min = 16, .max = 1048576,
	  .target = "dataplane", CFG(pipeline.pending),
	  .desc = "Per core: responses waiting for durability or for earlier ones (503 beyond)." },

	/* store: the segment store every batch is written to */
	{ .name = "store.dir", .type = T_STR, .def = "/var/lib/sluice/store", .charset = cs_args,
	  .flags = F_ABSPATH, .target = "dataplane", CFG(store.dir),
	  .desc = "Store directory; flush worker i writes worker-<i>/ under it." },
	{ .name = "store.file_max_bytes", .type = T_INT, .def = "268435456", .min = 65536,
	  .max = INT64_MAX, .target = "dataplane", CFG(store.file_max_bytes),
	  .desc = "Start a new segment file before one would pass this size." },
	{ .name = "store.file_max_age_s", .type = T_INT, .def = "3600", .min = 0,
	  .max = 31536000, .target = "dataplane", CFG(store.file_max_age_s),
	  .desc = "Start a new segment file once the current one is this old; 0: never." },
	{ .name = "store.retain_bytes", .type = T_INT, .def = "0", .min = 0, .max = INT64_MAX,
	  .target = "dataplane", CFG(store.retain_bytes),
	  .desc = "Delete the oldest files while a worker's store is larger; 0: keep all." },
	{ .name = "store.retain_age_s", .type = T_INT, .def = "0", .min = 0, .max = 315360000,
	  .target = "dataplane", CFG(store.retain_age_s),
	  .desc = "Delete files last written longer ago than this; 0: keep all." },
	{ .name = "store.fsync", .type = T_ENUM, .def = "batch", .names = fsync_names,
	  .target = "dataplane", CFG(store.fsync),
	  .desc = "fdatasync policy: none, interval, or batch (group commit; persisted needs it)." },
	{ .name = "store.fsync_interval_ms", .type = T_INT, .def = "100", .min = 1,
	  .max = 600000, .target = "dataplane", CFG(store.fsync_interval_ms),
	  .desc = "fsync interval: the longest a written record may wait for fdatasync." },
	{ .name = "store.dictionaries", .type = T_BOOL, .def = "false", .target = "dataplane",
	  CFG(store.dictionaries),
	  .desc = "Compress with the newest dictionary per signal in <dir>/dicts/." },

	/* impair: the test-only impairment shim between port and stages */
	{ .name = "impair.enabled", .type = T_BOOL, .def = "false", .target = "dataplane",
	  CFG(impair.enabled), .desc = "Turn the impairment shim on (tests and demos only)." },
	{ .name = "impair.seed", .type = T_INT, .def = "1", .min = 0, .max = INT64_MAX,
	  .target = "dataplane", CFG(impair.seed),
	  .desc = "Seed of the shim's generators (mixed with the core index)." },
	{ .name = "impair.rx_loss", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.rx.loss), .desc = "Probability a received packet is dropped." },
	{ .name = "impair.rx_dup", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.rx.dup), .desc = "Probability a received packet is duplicated." },
	{ .name = "impair.rx_reorder", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.rx.reorder), .desc = "Probability a received packet is held behind the next." },
	{ .name = "impair.rx_corrupt", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.rx.corrupt), .desc = "Probability a received packet gets one bit flipped." },
	{ .name = "impair.tx_loss", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.tx.loss), .desc = "Probability a sent packet is dropped." },
	{ .name = "impair.tx_dup", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.tx.dup), .desc = "Probability a sent packet is duplicated." },
	{ .name = "impair.tx_reorder", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.tx.reorder), .desc = "Probability a sent packet is held behind the next." },
	{ .name = "impair.tx_corrupt", .type = T_PROB, .def = "0", .target = "dataplane",
	  CFG(impair.tx.corrupt), .desc = "Probability a sent packet gets one bit flipped." },

	/* test: listeners for the test suites; never in production */
	{ .name = "test.tcp_echo_port", .type = T_INT, .def = "0", .min = 0, .max = 65535,
	  .target = "dataplane", CFG(test.tcp_echo_port),
	  .desc = "TCP echo listener port (tests only); 0 is off." },
	{ .name = "test.tcp_discard_port", .type = T_INT, .def = "0", .min = 0, .max = 65535,
	  .target = "dataplane", CFG(test.tcp_discard_port),
	  .desc = "TCP discard listener port that answers a CRC-32 (tests only); 0 is off." },
	{ .name = "test.http_pressure", .type = T_BOOL, .def = "false", .target = "dataplane",
	  CFG(test.http_pressure),
	  .desc = "Answer every OTLP request 503 (gRPC: UNAVAILABLE) as under backpressure (tests)." },
	{ .name = "test.flush_delay_ms", .type = T_INT, .def = "0", .min = 0, .max = 60000,
	  .target = "dataplane", CFG(test.flush_delay_ms),
	  .desc = "A flush worker sleeps this long before each batch: a slow disk (tests only)." },

	/* control: sluice-control's own settings, read at its start (docs/control.md) */
	{ .name = "control.listen", .type = T_STR, .def = "127.0.0.1:9464", .charset = cs_args,
	  .target = "control", CFG(control.listen),
	  .desc = "Management HTTP address (host:port): /metrics, /healthz, /readyz." },
	{ .name = "control.socket", .type = T_STR, .def = NULL, .charset = cs_args,
	  .flags = F_ABSPATH, .target = "control", CFG(control.socket),
	  .desc = "sluicectl's UNIX socket; unset: /run/sluice/<instance>/control.sock." },
	{ .name = "control.state_dir", .type = T_STR, .def = "/var/lib/sluice/control",
	  .charset = cs_args, .flags = F_ABSPATH, .target = "control", CFG(control.state_dir),
	  .desc = "Versions and audit log of the dynamic config, in <state_dir>/<instance>/." },
	{ .name = "control.group", .type = T_STR, .def = "sluice", .charset = cs_name,
	  .target = "control", CFG(control.group),
	  .desc = "Besides root, members of this group may use the control socket." },
	{ .name = "control.heartbeat_ms", .type = T_INT, .def = "500", .min = 50, .max = 10000,
	  .target = "control", CFG(control.heartbeat_ms),
	  .desc = "sluice-control's heartbeat and fault-expiry tick, in milliseconds." },
};

/* clang-format on */

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Top-level sections, in the order the docs list them. */
static const char *const sections[] = {"dataplane", "ports",    "demo",  "tcp",   "http",
					"grpc",      "pipeline", "store",  "impair", "test",
					"control"};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

struct parse {
	const char *name; /* file name for messages */
	const char *buf;
	size_t len;
	yaml_document_t *doc;
	struct sl_config *cfg;
	char *err;
	size_t errlen;
	/* line where each key was given (0: not given); [0] globals, [1 + i] port i */
	size_t line[1 + SL_MAX_PORTS][N_KEYS];
	size_t port_line[SL_MAX_PORTS];
	size_t section_line[N_SECTIONS];
	size_t root_line;
};

static bool
is_port_key(const struct key *k)
{
	return strncmp(k->name, PORT_PREFIX, strlen(PORT_PREFIX)) == 0;
}

/* The part after the section: "memory_mb" of "dataplane.memory_mb". */
static const char *
leaf(const struct key *k)
{
	return strchr(k->name, '.') + 1;
}

static size_t
n_names(const char *const *names)
{
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	return n;
}

static bool
in_charset(const char *set, unsigned char c)
{
	for (const char *s = set; *s != '\0'; s++) {
		if (s[1] == '-' && s[2] != '\0') {
			if (c >= (unsigned char)s[0] && c <= (unsigned char)s[2])
				return true;
			s += 2;
		} else if (c == (unsigned char)*s) {
			return true;
		}
	}
	return false;
}

/* Copy untrusted text for a message: cut long, and no control bytes into a terminal. */
static void
show(char *dst, size_t n, const char *s, size_t len)
{
	size_t i, j = 0;

	for (i = 0; i < len && i < MAX_VALUE_SHOWN && j + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (i < len && j + 4 < n) {
		memcpy(dst + j, "...", 3);
		j += 3;
	}
	dst[j] = '\0';
}

static void
store_uint(void *p, size_t size, uint64_t v)
{
	switch (size) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(p, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;
		memcpy(p, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(p, &x, 4);
		break;
	}
	default: {
		uint64_t x = v;
		memcpy(p, &x, 8);
		break;
	}
	}
}

static uint64_t
load_uint(const void *p, size_t size)
{
	switch (size) {
	case 1: {
		uint8_t x;
		memcpy(&x, p, 1);
		return x;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, p, 2);
		return x;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, p, 4);
		return x;
	}
	default: {
		uint64_t x;
		memcpy(&x, p, 8);
		return x;
	}
	}
}

/* What a row accepts, in words; the same text goes into errors and into the docs. */
static void
allowed(const struct key *k, char *out, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	switch (k->type) {
	case T_INT:
		snprintf(out, n, "%lld..%lld%s", (long long)k->min, (long long)k->max,
		         (k->flags & F_POW2) ? ", a power of two" : "");
		break;
	case T_BOOL:
		snprintf(out, n, "true, false");
		break;
	case T_STR:
		snprintf(out, n, "%s1..%zu characters of [%s]",
		         (k->flags & F_ABSPATH) ? "an absolute path, " : "", k->size - 1,
		         k->charset);
		break;
	case T_ENUM:
		for (size_t i = 0; k->names[i] != NULL && used < n; i++) {
			int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", k->names[i]);

			if (w < 0)
				break;
			used += (size_t)w;
		}
		break;
	case T_CIDR:
		snprintf(out, n, "a.b.c.d/0..32%s",
		         (k->flags & F_HOST) ? ", a unicast host address of the prefix" : "");
		break;
	case T_IPV4:
		snprintf(out, n, "a.b.c.d");
		break;
	case T_MAC:
		snprintf(out, n, "aa:bb:cc:dd:ee:ff, unicast");
		break;
	case T_LCORES:
		snprintf(out, n, "a list of 1..%zu lcore ids in 0..%d, no duplicates",
		         k->size / sizeof(uint16_t), MAX_LCORE_ID);
		break;
	case T_PROB:
		snprintf(out, n, "a decimal in 0..1");
		break;
	}
}

static const char *
type_name(const struct key *k)
{
	static const char *const tn[] = {
	    [T_INT] = "int",   [T_BOOL] = "bool",         [T_STR] = "string",
	    [T_ENUM] = "enum", [T_CIDR] = "ipv4/prefix",  [T_IPV4] = "ipv4",
	    [T_MAC] = "mac",   [T_LCORES] = "lcore list", [T_PROB] = "probability",
	};

	return tn[k->type];
}

/* Decimal only: YAML's 0x, 0o, 1_000 and + forms are refused so a value reads one way. */
static int
parse_int(const char *s, size_t len, int64_t *v)
{
	size_t i = 0;
	bool neg = false;
	uint64_t x = 0;

	if (len > 0 && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (x > (UINT64_C(1) << 62) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

/* One decimal number of 1..3 digits, no leading zero (010 reads as octal to some tools). */
static int
parse_octet(const char *s, size_t len, size_t *pos, unsigned max, unsigned *out)
{
	size_t start = *pos;
	unsigned v = 0;

	while (*pos < len && *pos - start < 3 && s[*pos] >= '0' && s[*pos] <= '9')
		v = v * 10 + (unsigned)(s[(*pos)++] - '0');
	if (*pos == start || v > max)
		return -EINVAL;
	if (s[start] == '0' && *pos - start > 1)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_ipv4(const char *s, size_t len, bool with_prefix, uint8_t a[4], unsigned *prefix)
{
	size_t pos = 0;
	unsigned v;

	for (int i = 0; i < 4; i++) {
		if (i > 0 && (pos >= len || s[pos++] != '.'))
			return -EINVAL;
		if (parse_octet(s, len, &pos, 255, &v) < 0)
			return -EINVAL;
		a[i] = (uint8_t)v;
	}
	if (with_prefix) {
		if (pos >= len || s[pos++] != '/')
			return -EINVAL;
		if (parse_octet(s, len, &pos, 32, prefix) < 0)
			return -EINVAL;
	}
	return pos == len ? 0 : -EINVAL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
parse_mac(const char *s, size_t len, uint8_t m[6])
{
	if (len != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A YAML null: what an empty "key:" gives. Only plain scalars can be null. */
static bool
is_null(const char *s, size_t len, bool plain)
{
	return plain && (len == 0 || (len == 1 && s[0] == '~') ||
	                 (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) ||
	                               !memcmp(s, "NULL", 4))));
}

/* Check the address of a host: not network, broadcast, loopback, multicast or 0/8. */
static int
check_host(const uint8_t a[4], unsigned prefix, char *why, size_t n, const char *shown)
{
	uint32_t h = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	uint32_t host_mask = prefix >= 32 ? 0 : UINT32_MAX >> prefix;

	if (a[0] == 0 || a[0] == 127 || a[0] >= 224) {
		snprintf(why, n,
		         "%s is not a unicast address (allowed: a host address such as "
		         "10.203.0.2/24)",
		         shown);
		return -EINVAL;
	}
	/* /31 and /32 have no network or broadcast address (RFC 3021). */
	if (prefix <= 30 && (h & host_mask) == 0) {
		snprintf(why, n,
		         "%s is the network address of its prefix (allowed: a host address)",
		         shown);
		return -EINVAL;
	}
	if (prefix <= 30 && (h & host_mask) == host_mask) {
		snprintf(why, n,
		         "%s is the broadcast address of its prefix (allowed: a host address)",
		         shown);
		return -EINVAL;
	}
	return 0;
}

/* Append one lcore id to a T_LCORES field: the element check of lists and of defaults. */
static int
lcores_add(const struct key *k, void *base, const char *s, size_t len, bool plain, char *why,
           size_t n)
{
	uint16_t *list = (uint16_t *)((char *)base + k->off);
	size_t cap = k->size / sizeof(uint16_t);
	uint16_t cnt = (uint16_t)load_uint((char *)base + k->aux, sizeof(uint16_t));
	char shown[MAX_VALUE_SHOWN + 8];
	char al[128];
	int64_t v;
	int rc;

	show(shown, sizeof(shown), s, len);
	allowed(k, al, sizeof(al));
	rc = plain ? parse_int(s, len, &v) : -EINVAL;
	if (rc == -EINVAL) {
		snprintf(why, n, "\"%s\" is not an lcore id (allowed: %s)", shown, al);
		return -EINVAL;
	}
	if (rc < 0 || v < 0 || v > MAX_LCORE_ID) {
		snprintf(why, n, "lcore %s is out of range (allowed: %s)", shown, al);
		return -EINVAL;
	}
	if (cnt >= cap) {
		snprintf(why, n, "more than %zu lcores (allowed: %s)", cap, al);
		return -EINVAL;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (list[i] == v) {
			snprintf(why, n, "lcore %s is listed twice (allowed: %s)", shown, al);
			return -EINVAL;
		}
	}
	list[cnt++] = (uint16_t)v;
	store_uint((char *)base + k->aux, sizeof(uint16_t), cnt);
	return 0;
}

/*
 * Parse one scalar for row k and store it into base (struct sl_config, or the
 * port for port rows). The one place a value is checked and written. On error
 * why holds "VALUE is wrong (allowed: ...)" and nothing was stored.
 */
static int
store_value(const struct key *k, void *base, const char *s, size_t len, bool plain, char *why,
            size_t n)
{
	char *field = (char *)base + k->off;
	char shown[MAX_VALUE_SHOWN + 8];
	char al[160];
	uint8_t a[6];
	unsigned prefix = 32;
	int64_t v;
	int rc;

	show(shown, sizeof(shown), s, len);
	allowed(k, al, sizeof(al));
	/*
	 * "kind: null" names the null driver, not YAML's null: a scalar is read by
	 * its key's type, so a name of the enum wins over the null spelling.
	 */
	if (is_null(s, len, plain) && !(k->type == T_ENUM && len > 1)) {
		snprintf(why, n, "has no value (allowed: %s)", al);
		return -EINVAL;
	}
	if (memchr(s, '\0', len) != NULL) {
		snprintf(why, n, "value contains a NUL byte (allowed: %s)", al);
		return -EINVAL;
	}

	switch (k->type) {
	case T_INT:
		rc = plain ? parse_int(s, len, &v) : -EINVAL;
		if (rc == -EINVAL) {
			snprintf(why, n, "%s%s%s is not an integer (allowed: %s)",
			         plain ? "" : "\"", shown, plain ? "" : "\"", al);
			return -EINVAL;
		}
		if (rc < 0 || v < k->min || v > k->max) {
			snprintf(why, n, "%s is out of range (allowed: %s)", shown, al);
			return -EINVAL;
		}
		if ((k->flags & F_POW2) && (v & (v - 1)) != 0) {
			snprintf(why, n, "%s is not a power of two (allowed: %s)", shown, al);
			return -EINVAL;
		}
		store_uint(field, k->size, (uint64_t)v);
		return 0;

	case T_BOOL:
		if (plain && len == 4 && !memcmp(s, "true", 4)) {
			*(bool *)field = true;
			return 0;
		}
		if (plain && len == 5 && !memcmp(s, "false", 5)) {
			*(bool *)field = false;
			return 0;
		}
		snprintf(why, n, "%s is not a boolean (allowed: %s)", shown, al);
		return -EINVAL;

	case T_STR:
		if (len == 0) {
			snprintf(why, n, "is empty (allowed: %s)", al);
			return -EINVAL;
		}
		if (len > k->size - 1) {
			snprintf(why, n, "\"%s\" is %zu characters long (allowed: %s)", shown, len,
			         al);
			return -EINVAL;
		}
		for (size_t i = 0; i < len; i++) {
			if (!in_charset(k->charset, (unsigned char)s[i])) {
				snprintf(why, n,
				         "\"%s\" has a character not allowed at %zu (allowed: %s)",
				         shown, i + 1, al);
				return -EINVAL;
			}
		}
		if ((k->flags & F_ABSPATH) && s[0] != '/') {
			snprintf(why, n, "\"%s\" is not an absolute path (allowed: %s)", shown, al);
			return -EINVAL;
		}
		memcpy(field, s, len);
		field[len] = '\0';
		return 0;

	case T_ENUM:
		for (size_t i = 0; k->names[i] != NULL; i++) {
			if (strlen(k->names[i]) != len || memcmp(k->names[i], s, len) != 0)
				continue;
			if (k->flags & F_TEXT)
				snprintf(field, k->size, "%s", k->names[i]);
			else
				store_uint(field, k->size, i);
			return 0;
		}
		if (is_null(s, len, plain))
			snprintf(why, n, "has no value (allowed: %s)", al);
		else
			snprintf(why, n, "\"%s\" is not a valid value (allowed: %s)", shown, al);
		return -EINVAL;

	case T_CIDR:
	case T_IPV4:
		if (parse_ipv4(s, len, k->type == T_CIDR, a, &prefix) < 0) {
			snprintf(why, n, "\"%s\" is not an IPv4 %s (allowed: %s)", shown,
			         k->type == T_CIDR ? "address with prefix" : "address", al);
			return -EINVAL;
		}
		if ((k->flags & F_HOST) && check_host(a, prefix, why, n, shown) < 0)
			return -EINVAL;
		memcpy(field, a, 4); /* a[] is already in network order */
		if (k->type == T_CIDR)
			*((uint8_t *)base + k->aux) = (uint8_t)prefix;
		return 0;

	case T_MAC:
		if (parse_mac(s, len, a) < 0) {
			snprintf(why, n, "\"%s\" is not a MAC address (allowed: %s)", shown, al);
			return -EINVAL;
		}
		/* the group bit makes it multicast; all zeroes is no address at all */
		if ((a[0] & 1) || !(a[0] | a[1] | a[2] | a[3] | a[4] | a[5])) {
			snprintf(why, n, "%s is not a unicast MAC address (allowed: %s)", shown,
			         al);
			return -EINVAL;
		}
		memcpy(field, a, 6);
		*((bool *)((char *)base + k->aux)) = true;
		return 0;

	case T_LCORES: {
		/* Only defaults come here as text: "[0, 1]". The file gives a YAML list. */
		size_t i = 0, j;

		store_uint((char *)base + k->aux, sizeof(uint16_t), 0);
		if (len < 2 || s[0] != '[' || s[len - 1] != ']') {
			snprintf(why, n, "%s is not a list (allowed: %s)", shown, al);
			return -EINVAL;
		}
		s++;
		len -= 2;
		while (i < len) {
			while (i < len && s[i] == ' ')
				i++;
			for (j = i; j < len && s[j] != ',' && s[j] != ' '; j++)
				;
			rc = lcores_add(k, base, s + i, j - i, true, why, n);
			if (rc < 0)
				return rc;
			while (j < len && s[j] == ' ')
				j++;
			i = j + 1;
		}
		if (load_uint((char *)base + k->aux, sizeof(uint16_t)) == 0) {
			snprintf(why, n, "the list is empty (allowed: %s)", al);
			return -EINVAL;
		}
		return 0;
	}
	case T_PROB: {
		/* Plain decimals only ("0.01", "1", "0"): no exponents, hex, inf or nan. */
		char buf[32], *end;
		double d;
		size_t i;

		for (i = 0; i < len; i++)
			if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '.')
				break;
		if (!plain || len == 0 || len >= sizeof(buf) || i != len) {
			snprintf(why, n, "%s is not a decimal number (allowed: %s)", shown, al);
			return -EINVAL;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		d = strtod(buf, &end);
		if (*end != '\0' || errno != 0 || end == buf) {
			snprintf(why, n, "%s is not a decimal number (allowed: %s)", shown, al);
			return -EINVAL;
		}
		if (d < 0 || d > 1) {
			snprintf(why, n, "%s is out of range (allowed: %s)", shown, al);
			return -EINVAL;
		}
		memcpy(field, &d, sizeof(d));
		return 0;
	}
	}
	snprintf(why, n, "has a type this build cannot read");
	return -EINVAL;
}

/* Print row k's value from base the way the YAML spells it; -ENOSPC if out is short. */
static int
format_value(const struct key *k, const void *base, char *out, size_t n)
{
	const char *field = (const char *)base + k->off;
	const uint8_t *a = (const uint8_t *)field;
	int w = 0;

	if (n == 0)
		return -ENOSPC;
	switch (k->type) {
	case T_INT:
		if ((k->flags & F_SIGNED) && k->size == sizeof(int32_t))
			w = snprintf(out, n, "%d", *(const int32_t *)field);
		else
			w = snprintf(out, n, "%llu", (unsigned long long)load_uint(field, k->size));
		break;
	case T_BOOL:
		w = snprintf(out, n, "%s", *(const bool *)field ? "true" : "false");
		break;
	case T_STR:
		w = snprintf(out, n, "%.*s", (int)k->size, field);
		break;
	case T_ENUM:
		if (k->flags & F_TEXT) {
			w = snprintf(out, n, "%.*s", (int)k->size, field);
		} else {
			uint64_t i = load_uint(field, k->size);

			w = snprintf(out, n, "%s", i < n_names(k->names) ? k->names[i] : "?");
		}
		break;
	case T_CIDR:
		w = snprintf(out, n, "%u.%u.%u.%u/%u", a[0], a[1], a[2], a[3],
		             *((const uint8_t *)base + k->aux));
		break;
	case T_IPV4:
		w = snprintf(out, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		break;
	case T_MAC:
		if (!*(const bool *)((const char *)base + k->aux))
			w = snprintf(out, n, "%s", "");
		else
			w = snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2],
			             a[3], a[4], a[5]);
		break;
	case T_LCORES: {
		uint64_t cnt = load_uint((const char *)base + k->aux, sizeof(uint16_t));
		size_t used = 0;

		out[0] = '\0';
		for (uint64_t i = 0; i < cnt && i < k->size / sizeof(uint16_t); i++) {
			w = snprintf(out + used, n - used, "%s%u", i ? "," : "",
			             (unsigned)load_uint(field + 2 * i, sizeof(uint16_t)));
			if (w < 0 || (size_t)w >= n - used)
				return -ENOSPC;
			used += (size_t)w;
		}
		return 0;
	}
	case T_PROB: {
		double d;

		memcpy(&d, field, sizeof(d));
		w = snprintf(out, n, "%g", d);
		break;
	}
	}
	return (w < 0 || (size_t)w >= n) ? -ENOSPC : 0;
}

/* Check the table against itself once; a bad row is a bug that every debug test run catches. */
static void
table_check(void)
{
#ifndef NDEBUG
	static bool done;
	struct sl_config scratch;
	char why[256];

	if (done)
		return;
	done = true;
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];

		for (size_t j = 0; j < i; j++)
			if (strcmp(k->name, keys[j].name) == 0)
				abort();
		if (strchr(k->name, '.') == NULL || k->desc == NULL || k->target == NULL)
			abort();
		if (k->type == T_INT &&
		    ((k->min < 0 && !(k->flags & F_SIGNED)) ||
		     (k->size < 8 && (uint64_t)k->max >= UINT64_C(1) << (8 * k->size))))
			abort();
		if (k->type == T_STR && k->charset == NULL)
			abort();
		if (k->type == T_ENUM && k->names == NULL)
			abort();
		if ((k->flags & F_REQUIRED) && k->def != NULL)
			abort();
		if (k->def != NULL && k->def[0] != '\0') {
			void *base = is_port_key(k) ? (void *)&scratch.ports[0] : (void *)&scratch;
			size_t len = strlen(k->def);

			memset(&scratch, 0, sizeof(scratch));
			if (store_value(k, base, k->def, len, true, why, sizeof(why)) < 0)
				abort();
		}
	}
#endif
}

void
sl_config_defaults(struct sl_config *cfg)
{
	char why[256];

	table_check();
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];

		if (k->def == NULL || k->def[0] == '\0')
			continue;
		/* Every port slot gets defaults, so equal configs compare equal with memcmp. */
		if (is_port_key(k)) {
			for (size_t p = 0; p < SL_MAX_PORTS; p++)
				(void)store_value(k, &cfg->ports[p], k->def, strlen(k->def), true,
				                  why, sizeof(why));
		} else {
			(void)store_value(k, cfg, k->def, strlen(k->def), true, why, sizeof(why));
		}
	}
}

const char *
sl_port_kind_name(enum sl_port_kind kind)
{
	if ((unsigned)kind >= SL_PORT_KIND_MAX)
		return "unknown";
	return kind_names[kind];
}

static int fail(struct parse *p, size_t line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct parse *p, size_t line, const char *key, const char *fmt, ...)
{
	char msg[SL_CONF_ERR_LEN];
	va_list ap;

	if (p->err == NULL || p->errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL)
		snprintf(p->err, p->errlen, "%s:%zu: %s: %s", p->name, line, key, msg);
	else
		snprintf(p->err, p->errlen, "%s:%zu: %s", p->name, line, msg);
	return -EINVAL;
}

static size_t
line_of(const yaml_node_t *node)
{
	return node->start_mark.line + 1;
}

static const char *
node_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static bool
is_null_node(const yaml_node_t *node)
{
	return node->type == YAML_SCALAR_NODE &&
	       is_null((const char *)node->data.scalar.value, node->data.scalar.length,
	               node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
}

/*
 * Edit distance counting a swap of neighbours as one edit (optimal string
 * alignment), for "did you mean": "mut" is one edit from "mtu", two from "mac".
 * Both strings are at most MAX_KEY_SHOWN long (callers check).
 */
static size_t
distance(const char *a, size_t la, const char *b, size_t lb)
{
	uint8_t d[MAX_KEY_SHOWN + 1][MAX_KEY_SHOWN + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = (uint8_t)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (uint8_t)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1u < best)
				best = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < best)
				best = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1u < best)
				best = d[i - 2][j - 2] + 1u;
			d[i][j] = (uint8_t)best;
		}
	}
	return d[la][lb];
}

/*
 * Report an unknown key of a section, with the closest known one or the whole
 * list. shown names the mapping as messages do ("dataplane", "ports[2]").
 */
static int
unknown_key(struct parse *p, size_t line, const char *shown_key, const char *section,
            const char *shown, const char *s, size_t len)
{
	char list[512];
	size_t used = 0, best_d = SIZE_MAX;
	const struct key *best = NULL;
	size_t plen = strlen(section);

	list[0] = '\0';
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];
		const char *lf = leaf(k);
		int w;

		if (strncmp(k->name, section, plen) != 0 || k->name[plen] != '.')
			continue;
		if (len <= MAX_KEY_SHOWN && strlen(lf) <= MAX_KEY_SHOWN) {
			size_t d = distance(s, len, lf, strlen(lf));

			if (d < best_d) {
				best_d = d;
				best = k;
			}
		}
		w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", lf);
		if (w > 0 && (size_t)w < sizeof(list) - used)
			used += (size_t)w;
	}
	/* two edits catch a swapped pair of letters or a missing underscore */
	if (best != NULL && best_d <= 2)
		return fail(p, line, shown_key, "unknown key (did you mean %s.%s?)", shown,
		            leaf(best));
	return fail(p, line, shown_key, "unknown key (allowed: %s)", list);
}

static yaml_node_t *
node_at(struct parse *p, int index)
{
	return yaml_document_get_node(p->doc, index);
}

/* A mapping key must be a plain word; anything else cannot name a table row. */
static int
key_text(struct parse *p, const yaml_node_t *kn, const char *ctx, const char **s, size_t *len)
{
	if (kn->type != YAML_SCALAR_NODE)
		return fail(p, line_of(kn), ctx, "a key must be a word, not %s", node_kind(kn));
	*s = (const char *)kn->data.scalar.value;
	*len = kn->data.scalar.length;
	return 0;
}

/* Set row k from a YAML value node; display is the key as the messages name it. */
static int
set_from_node(struct parse *p, const struct key *k, void *base, const yaml_node_t *vn,
              const char *display)
{
	char why[384];
	char al[160];
	int rc;

	if (k->type == T_LCORES) {
		yaml_node_item_t *it;
		size_t idx = 0;

		allowed(k, al, sizeof(al));
		if (vn->type != YAML_SEQUENCE_NODE)
			return fail(p, line_of(vn), display,
			            "expected a list such as [0, 1], got %s (allowed: %s)",
			            node_kind(vn), al);
		store_uint((char *)base + k->aux, sizeof(uint16_t), 0);
		for (it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
			const yaml_node_t *in = node_at(p, *it);
			const char *text;
			bool plain;

			if (in == NULL || in->type != YAML_SCALAR_NODE)
				return fail(p, in ? line_of(in) : line_of(vn), display,
				            "item %zu is %s (allowed: %s)", idx,
				            in ? node_kind(in) : "missing", al);
			text = (const char *)in->data.scalar.value;
			plain = in->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			rc = lcores_add(k, base, text, in->data.scalar.length, plain, why,
			                sizeof(why));
			if (rc < 0)
				return fail(p, line_of(in), display, "%s", why);
			idx++;
		}
		if (idx == 0)
			return fail(p, line_of(vn), display, "the list is empty (allowed: %s)", al);
		return 0;
	}
	if (vn->type != YAML_SCALAR_NODE) {
		allowed(k, al, sizeof(al));
		return fail(p, line_of(vn), display,
		            "expected a single value, got %s (allowed: %s)", node_kind(vn), al);
	}
	rc = store_value(k, base, (const char *)vn->data.scalar.value, vn->data.scalar.length,
	                 vn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, why, sizeof(why));
	if (rc < 0)
		return fail(p, line_of(vn), display, "%s", why);
	return 0;
}

/*
 * Walk one mapping of keys of section (e.g. "dataplane" or "ports[]") into
 * base. slot indexes p->line; shown names the mapping in messages
 * ("dataplane", "ports[2]").
 */
static int
parse_mapping(struct parse *p, const yaml_node_t *map, const char *section, void *base, size_t slot,
              const char *shown)
{
	yaml_node_pair_t *pair;
	size_t plen = strlen(section);

	if (is_null_node(map))
		return 0; /* "dataplane:" with nothing under it: all defaults */
	if (map->type != YAML_MAPPING_NODE)
		return fail(p, line_of(map), shown, "expected a mapping of keys, got %s",
		            node_kind(map));
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = node_at(p, pair->key);
		const yaml_node_t *vn = node_at(p, pair->value);
		const struct key *k = NULL;
		char display[MAX_KEY_SHOWN * 2 + 16], kshown[MAX_KEY_SHOWN + 8];
		const char *s = NULL;
		size_t len = 0, idx = 0;
		int rc;

		if (kn == NULL || vn == NULL)
			return fail(p, line_of(map), shown, "malformed mapping");
		rc = key_text(p, kn, shown, &s, &len);
		if (rc < 0)
			return rc;
		show(kshown, sizeof(kshown), s, len);
		snprintf(display, sizeof(display), "%s.%s", shown, kshown);
		for (idx = 0; idx < N_KEYS; idx++) {
			const struct key *c = &keys[idx];

			if (strncmp(c->name, section, plen) == 0 && c->name[plen] == '.' &&
			    strlen(c->name + plen + 1) == len &&
			    memcmp(c->name + plen + 1, s, len) == 0) {
				k = c;
				break;
			}
		}
		if (k == NULL)
			return unknown_key(p, line_of(kn), display, section, shown, s, len);
		if (p->line[slot][idx] != 0)
			return fail(p, line_of(kn), display,
			            "duplicate key (first given at line %zu)", p->line[slot][idx]);
		p->line[slot][idx] = line_of(kn);
		rc = set_from_node(p, k, base, vn, display);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool
same_value(const struct key *k, const void *a, const void *b)
{
	const char *fa = (const char *)a + k->off, *fb = (const char *)b + k->off;

	if (k->type == T_STR)
		return strncmp(fa, fb, k->size) == 0;
	return memcmp(fa, fb, k->size) == 0;
}

/* Write "tap, af_packet" for a kinds mask. */
static void
kinds_text(unsigned mask, char *out, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < SL_PORT_KIND_MAX; i++) {
		int w;

		if (!(mask & (1u << i)))
			continue;
		w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", kind_names[i]);
		if (w < 0 || (size_t)w >= n - used)
			return;
		used += (size_t)w;
	}
}

/* The rules of one port that need more than one key: required keys, kinds, uniqueness. */
static int
check_port(struct parse *p, size_t i)
{
	const struct sl_port_conf *port = &p->cfg->ports[i];
	const size_t *line = p->line[1 + i];
	char display[64], kt[96], val[SL_DEVARGS_LEN];

	for (size_t idx = 0; idx < N_KEYS; idx++) {
		const struct key *k = &keys[idx];

		if (!is_port_key(k) || !(k->flags & F_REQUIRED) || line[idx] != 0)
			continue;
		snprintf(display, sizeof(display), "ports[%zu].%s", i, leaf(k));
		return fail(p, p->port_line[i], display, "missing required key");
	}
	for (size_t idx = 0; idx < N_KEYS; idx++) {
		const struct key *k = &keys[idx];
		unsigned bit = 1u << port->kind;

		if (!is_port_key(k))
			continue;
		snprintf(display, sizeof(display), "ports[%zu].%s", i, leaf(k));
		if (line[idx] != 0 && k->kinds != 0 && !(k->kinds & bit)) {
			kinds_text(k->kinds, kt, sizeof(kt));
			return fail(p, line[idx], display, "not used by kind %s (used by: %s)",
			            kind_names[port->kind], kt);
		}
		if (line[idx] == 0 && (k->needed_by & bit))
			return fail(p, p->port_line[i], display, "missing required key for kind %s",
			            kind_names[port->kind]);
		if (line[idx] == 0 || !(k->flags & F_UNIQUE))
			continue;
		for (size_t j = 0; j < i; j++) {
			if (p->line[1 + j][idx] == 0 || !same_value(k, port, &p->cfg->ports[j]))
				continue;
			if (format_value(k, port, val, sizeof(val)) < 0)
				val[0] = '\0';
			return fail(p, line[idx], display,
			            "%s is already used by ports[%zu] (line %zu)", val, j,
			            p->line[1 + j][idx]);
		}
	}
	return 0;
}

static int
parse_ports(struct parse *p, const yaml_node_t *seq)
{
	yaml_node_item_t *it;
	size_t i = 0;

	if (is_null_node(seq))
		return 0; /* reported as "no port" by the caller */
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(p, line_of(seq), "ports", "expected a list of port mappings, got %s",
		            node_kind(seq));
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++, i++) {
		const yaml_node_t *pn = node_at(p, *it);
		char shown[32];
		int rc;

		if (pn == NULL)
			return fail(p, line_of(seq), "ports", "malformed list");
		if (i >= SL_MAX_PORTS)
			return fail(p, line_of(pn), "ports", "more than %d ports (allowed: 1..%d)",
			            SL_MAX_PORTS, SL_MAX_PORTS);
		snprintf(shown, sizeof(shown), "ports[%zu]", i);
		if (pn->type != YAML_MAPPING_NODE)
			return fail(p, line_of(pn), shown,
			            "expected a mapping of port keys, got %s", node_kind(pn));
		p->port_line[i] = line_of(pn);
		rc = parse_mapping(p, pn, "ports[]", &p->cfg->ports[i], 1 + i, shown);
		if (rc < 0)
			return rc;
		p->cfg->n_ports = (uint16_t)(i + 1);
		rc = check_port(p, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static size_t
key_index(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	return N_KEYS; /* not reached for names of this file */
}

/* Line of a global key if given, else of its section, else of the document. */
static size_t
global_line(const struct parse *p, const char *name, size_t section)
{
	size_t idx = key_index(name);

	if (idx < N_KEYS && p->line[0][idx] != 0)
		return p->line[0][idx];
	return p->section_line[section] ? p->section_line[section] : p->root_line;
}

/* Rules across sections, once the whole file is read. */
static int
check_global(struct parse *p)
{
	const struct sl_config *c = p->cfg;
	uint64_t pool_mb = ((uint64_t)c->dataplane.mbufs * MBUF_FOOTPRINT) >> 20;

	if (c->n_ports == 0)
		return fail(p, p->section_line[1] ? p->section_line[1] : p->root_line, "ports",
		            "no port is configured (allowed: a list of 1..%d ports)", SL_MAX_PORTS);
	/* The pool must leave room for rings, descriptors and the connection tables. */
	if (pool_mb > (uint64_t)c->dataplane.memory_mb * 3 / 4)
		return fail(p, global_line(p, "dataplane.mbufs", 0), "dataplane.mbufs",
		            "%u mbufs need about %llu MiB, more than 3/4 of dataplane.memory_mb "
		            "(%u) (allowed: fewer mbufs or more memory_mb)",
		            c->dataplane.mbufs, (unsigned long long)pool_mb,
		            c->dataplane.memory_mb);
	for (size_t i = 0; i < c->n_ports; i++) {
		const uint8_t *a = (const uint8_t *)&c->demo.host_ipv4;

		if (c->ports[i].ipv4 != c->demo.host_ipv4)
			continue;
		return fail(p, global_line(p, "demo.host_ipv4", 2), "demo.host_ipv4",
		            "%u.%u.%u.%u is also the address of ports[%zu] (allowed: another host "
		            "of the port's prefix)",
		            a[0], a[1], a[2], a[3], i);
	}
	for (size_t i = 0; i < c->n_ports; i++) {
		if ((uint32_t)c->tcp.mss + 40 <= c->ports[i].mtu)
			continue;
		return fail(p, global_line(p, "tcp.mss", 3), "tcp.mss",
		            "%u does not fit ports[%zu].mtu %u minus 40 bytes of headers (allowed: "
		            "536..%u)",
		            c->tcp.mss, i, c->ports[i].mtu,
		            c->ports[i].mtu > 576 ? c->ports[i].mtu - 40u : 536u);
	}
	if (c->store.fsync != SL_STORE_FSYNC_BATCH &&
	    c->pipeline.durability == SL_DURABILITY_PERSISTED)
		return fail(p, global_line(p, "store.fsync", 6), "store.fsync",
		            "must be batch when pipeline.durability is persisted (a response waits "
		            "for the fdatasync of its batch) (allowed: batch)");
	if (c->pipeline.seal_bytes > c->pipeline.max_inflight_bytes / 2)
		return fail(p, global_line(p, "pipeline.seal_bytes", 5), "pipeline.seal_bytes",
		            "%u is more than half of pipeline.max_inflight_bytes %llu, so a core "
		            "could not fill one batch while another is flushed (allowed: up to %llu)",
		            c->pipeline.seal_bytes,
		            (unsigned long long)c->pipeline.max_inflight_bytes,
		            (unsigned long long)c->pipeline.max_inflight_bytes / 2);
	if (c->tcp.rto_min_ms > c->tcp.rto_max_ms)
		return fail(p, global_line(p, "tcp.rto_min_ms", 3), "tcp.rto_min_ms",
		            "%u is above tcp.rto_max_ms %u (allowed: 1..%u)", c->tcp.rto_min_ms,
		            c->tcp.rto_max_ms, c->tcp.rto_max_ms);
	if (c->tcp.rto_initial_ms < c->tcp.rto_min_ms || c->tcp.rto_initial_ms > c->tcp.rto_max_ms)
		return fail(p, global_line(p, "tcp.rto_initial_ms", 3), "tcp.rto_initial_ms",
		            "%u is outside tcp.rto_min_ms..tcp.rto_max_ms (allowed: %u..%u)",
		            c->tcp.rto_initial_ms, c->tcp.rto_min_ms, c->tcp.rto_max_ms);
	return 0;
}

bool
sl_config_is_dynamic_section(const char *s, size_t len)
{
	static const char *const dyn[] = {"routes", "faults", "tenants", "limits"};

	for (size_t i = 0; i < sizeof(dyn) / sizeof(dyn[0]); i++)
		if (strlen(dyn[i]) == len && memcmp(dyn[i], s, len) == 0)
			return true;
	return false;
}

static int
parse_root(struct parse *p)
{
	const yaml_node_t *root = yaml_document_get_root_node(p->doc);
	yaml_node_pair_t *pair;
	int rc;

	if (root == NULL || is_null_node(root))
		return fail(p, root ? line_of(root) : 1, NULL,
		            "empty configuration (expected the sections dataplane, ports, demo)");
	p->root_line = line_of(root);
	if (root->type != YAML_MAPPING_NODE)
		return fail(p, line_of(root), NULL,
		            "the top level is %s (expected a mapping of "
		            "the sections dataplane, ports, demo)",
		            node_kind(root));
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *kn = node_at(p, pair->key);
		const yaml_node_t *vn = node_at(p, pair->value);
		char kshown[MAX_KEY_SHOWN + 8];
		const char *s = NULL;
		size_t len = 0, sec;

		if (kn == NULL || vn == NULL)
			return fail(p, p->root_line, NULL, "malformed mapping");
		rc = key_text(p, kn, "(top level)", &s, &len);
		if (rc < 0)
			return rc;
		show(kshown, sizeof(kshown), s, len);
		for (sec = 0; sec < N_SECTIONS; sec++)
			if (strlen(sections[sec]) == len && memcmp(sections[sec], s, len) == 0)
				break;
		/* The dynamic sections belong to sluice-control (control/routes.c). */
		if (sec == N_SECTIONS && sl_config_is_dynamic_section(s, len))
			continue;
		if (sec == N_SECTIONS)
			return fail(p, line_of(kn), kshown,
			            "unknown section (allowed: dataplane, ports, demo, tcp, http, "
			            "grpc, pipeline, store, impair, test, control, and sluice-control's "
			            "routes, faults, tenants, limits)");
		if (p->section_line[sec] != 0)
			return fail(p, line_of(kn), kshown,
			            "duplicate section (first given at line "
			            "%zu)",
			            p->section_line[sec]);
		p->section_line[sec] = line_of(kn);
		if (sec == 1)
			rc = parse_ports(p, vn);
		else
			rc = parse_mapping(p, vn, sections[sec], p->cfg, 0, sections[sec]);
		if (rc < 0)
			return rc;
	}
	return check_global(p);
}

/* Line of a libyaml error; reader errors (bad UTF-8, control bytes) carry only an offset. */
static int
yaml_fail(struct parse *p, const yaml_parser_t *parser)
{
	size_t line = parser->problem_mark.line + 1;
	const char *what = parser->problem ? parser->problem : "unreadable YAML";

	if (parser->error == YAML_MEMORY_ERROR) {
		if (p->err != NULL && p->errlen > 0)
			snprintf(p->err, p->errlen, "%s: out of memory", p->name);
		return -ENOMEM;
	}
	if (parser->error == YAML_READER_ERROR) {
		line = 1;
		for (size_t i = 0; i < parser->problem_offset && i < p->len; i++)
			line += p->buf[i] == '\n';
	}
	if (parser->context != NULL)
		return fail(p, line, NULL, "YAML syntax error: %s (%s at line %zu)", what,
		            parser->context, (size_t)parser->context_mark.line + 1);
	return fail(p, line, NULL, "YAML syntax error: %s", what);
}

/*
 * First pass: syntax, and the shape limits the tree walk relies on. libyaml
 * itself has no depth limit, so "[[[[..." would grow its stacks with the input.
 */
static int
prescan(struct parse *p)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t depth = 0, nodes = 0, docs = 0;
	bool done = false;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)p->buf, p->len);
	while (!done && rc == 0) {
		const char *anchor = NULL, *tag = NULL;
		size_t line;

		if (!yaml_parser_parse(&parser, &ev)) {
			rc = yaml_fail(p, &parser);
			break;
		}
		line = ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = fail(p, line, NULL, "a second YAML document (allowed: one)");
			break;
		case YAML_ALIAS_EVENT:
			rc =
			    fail(p, line, NULL, "YAML aliases are not supported (write the value)");
			break;
		case YAML_SCALAR_EVENT:
			anchor = (const char *)ev.data.scalar.anchor;
			tag = (const char *)ev.data.scalar.tag;
			nodes++;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT) {
				anchor = (const char *)ev.data.sequence_start.anchor;
				tag = (const char *)ev.data.sequence_start.tag;
			} else {
				anchor = (const char *)ev.data.mapping_start.anchor;
				tag = (const char *)ev.data.mapping_start.tag;
			}
			nodes++;
			if (++depth > MAX_DEPTH)
				rc = fail(p, line, NULL, "nested deeper than %d levels", MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (rc == 0 && anchor != NULL)
			rc = fail(p, line, NULL, "YAML anchors are not supported (&%.32s)", anchor);
		if (rc == 0 && tag != NULL)
			rc = fail(p, line, NULL, "YAML tags are not supported (%.40s)", tag);
		if (rc == 0 && nodes > MAX_NODES)
			rc = fail(p, line, NULL, "more than %d YAML nodes", MAX_NODES);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int
sl_config_load_buf(const char *buf, size_t len, const char *name, struct sl_config *cfg, char *err,
                   size_t errlen)
{
	struct parse p = {
	    .name = name != NULL ? name : "<buffer>",
	    .buf = buf != NULL ? buf : "",
	    .len = buf != NULL ? len : 0,
	    .cfg = cfg,
	    .err = err,
	    .errlen = errlen,
	};
	yaml_parser_t parser;
	yaml_document_t doc;
	bool parser_ok = false, doc_ok = false;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p.len > MAX_CONF_BYTES) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %zu bytes is too large (allowed: up to %d)",
			         p.name, p.len, MAX_CONF_BYTES);
		return -EFBIG;
	}
	sl_config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", p.name);

	rc = prescan(&p);
	if (rc < 0)
		goto out;
	if (!yaml_parser_initialize(&parser)) {
		rc = -ENOMEM;
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)p.buf, p.len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_fail(&p, &parser);
		goto out;
	}
	doc_ok = true;
	p.doc = &doc;
	rc = parse_root(&p);
out:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	return rc;
}

int
sl_config_load(const char *path, struct sl_config *cfg, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	bool opened = false;
	int rc;

	f = fopen(path, "rb");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	/* One byte more than allowed, so a too-large file is told apart from a full one. */
	buf = malloc(MAX_CONF_BYTES + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	len = fread(buf, 1, MAX_CONF_BYTES + 1, f);
	if (ferror(f)) {
		rc = errno ? -errno : -EIO;
		goto out;
	}
	/* From here on the loader writes its own messages. */
	opened = true;
	rc = sl_config_load_buf(buf, len, path, cfg, err, errlen);
out:
	if (!opened && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-rc));
	free(buf);
	if (f != NULL)
		fclose(f);
	return rc;
}

int
sl_config_get(const struct sl_config *cfg, const char *key, char *out, size_t outlen)
{
	char row[64];
	const void *base = cfg;
	const char *rest;

	if (out == NULL || outlen == 0)
		return -ENOSPC;
	if (strcmp(key, "ports.count") == 0) {
		int w = snprintf(out, outlen, "%u", (unsigned)cfg->n_ports);

		return (w < 0 || (size_t)w >= outlen) ? -ENOSPC : 0;
	}
	/* "ports.N.x" reads row "ports[].x" of port N */
	if (strncmp(key, "ports.", 6) == 0) {
		char *end;
		unsigned long i;

		rest = key + 6;
		if (rest[0] < '0' || rest[0] > '9' || (rest[0] == '0' && rest[1] != '.'))
			return -ENOENT;
		errno = 0;
		i = strtoul(rest, &end, 10);
		if (errno != 0 || *end != '.' || i >= cfg->n_ports)
			return -ENOENT;
		if (snprintf(row, sizeof(row), PORT_PREFIX "%s", end + 1) >= (int)sizeof(row))
			return -ENOENT;
		base = &cfg->ports[i];
		key = row;
	} else if (strncmp(key, PORT_PREFIX, strlen(PORT_PREFIX)) == 0) {
		return -ENOENT;
	}
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			return format_value(&keys[i], base, out, outlen);
	return -ENOENT;
}

void
sl_config_doc(FILE *f)
{
	char al[256], kt[96], kn[96];

	if (f == NULL)
		return;
	fprintf(f, "| key | type | default | allowed | runtime | process | description |\n");
	fprintf(f, "|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];

		allowed(k, al, sizeof(al));
		fprintf(f, "| `%s` | %s | ", k->name, type_name(k));
		if (k->flags & F_REQUIRED)
			fprintf(f, "required");
		else if (k->def == NULL || k->def[0] == '\0')
			fprintf(f, "unset");
		else
			fprintf(f, "`%s`", k->def);
		fprintf(f, " | `%s` | %s | %s | %s", al, k->runtime ? "yes" : "no", k->target,
		        k->desc);
		if (k->needed_by != 0) {
			kinds_text(k->needed_by, kn, sizeof(kn));
			fprintf(f, " Required by kind %s.", kn);
		}
		if (k->kinds != 0 && k->kinds != k->needed_by) {
			kinds_text(k->kinds, kt, sizeof(kt));
			fprintf(f, " Only for kind %s.", kt);
		}
		fprintf(f, " |\n");
	}
}
