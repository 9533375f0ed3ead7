/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the parsed configuration (conf/sluice.yaml), shared by every process. */
#ifndef SL_CONFIG_TYPES_H
#define SL_CONFIG_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Bounds. They size fixed arrays in struct sl_config so that the config can be
 * copied and compared with memcpy/memcmp and needs no destructor. Raising one
 * costs memory only; lowering one may make a valid old config invalid.
 */
#define SL_MAX_PORTS     8  /* ports per dataplane; one queue pair per poll core each */
#define SL_MAX_POLL      32 /* poll lcores; also bounds stats_shm core slots */
#define SL_NAME_LEN      32 /* instance and port names: [A-Za-z0-9_-], NUL included */
#define SL_IFNAME_LEN    16 /* IFNAMSIZ: a kernel interface name, NUL included */
#define SL_DEVARGS_LEN   256
#define SL_PATH_LEN      256
#define SL_CONF_ERR_LEN  512

enum sl_port_kind {
	SL_PORT_PCI,       /* a NIC bound to vfio-pci, by PCI address */
	SL_PORT_AF_XDP,    /* net_af_xdp on a kernel interface */
	SL_PORT_AF_PACKET, /* net_af_packet on a kernel interface */
	SL_PORT_TAP,       /* net_tap: a tap interface DPDK creates */
	SL_PORT_PCAP,      /* net_pcap: devargs name the files or interface */
	SL_PORT_MEMIF,     /* net_memif: shared-memory packet interface (benchmarks) */
	SL_PORT_RING,      /* net_ring: in-process rings (tests) */
	SL_PORT_NULL,      /* net_null: drops TX, RX returns nothing or junk (tests) */
	SL_PORT_KIND_MAX,
};

enum sl_huge_mode {
	SL_HUGE_AUTO, /* use hugepages when free ones exist, else --no-huge with a warning */
	SL_HUGE_ON,   /* refuse to start without hugepages */
	SL_HUGE_OFF,  /* always --no-huge (slow, for tests and laptops) */
};

enum sl_memif_role {
	SL_MEMIF_SERVER,
	SL_MEMIF_CLIENT,
};

struct sl_port_conf {
	char name[SL_NAME_LEN];
	enum sl_port_kind kind;
	char iface[SL_IFNAME_LEN];     /* tap, af_packet, af_xdp: the kernel interface */
	char pci[SL_NAME_LEN];         /* pci: domain:bus:dev.fn */
	char socket[SL_PATH_LEN];      /* memif: control socket path */
	enum sl_memif_role memif_role; /* memif: server or client */
	char devargs[SL_DEVARGS_LEN];  /* extra driver arguments appended as-is */
	uint32_t ipv4;                 /* our address, network byte order */
	uint8_t ipv4_prefix;           /* prefix length of ipv4 */
	bool mac_set;                  /* mac below overrides the device's */
	uint8_t mac[6];
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint16_t mtu;
	bool promisc;
};

struct sl_dataplane_conf {
	char instance[SL_NAME_LEN]; /* EAL file prefix and shared-memory name stem */
	uint16_t main_lcore;
	uint16_t poll_lcores[SL_MAX_POLL]; /* may include main_lcore: it then polls too */
	uint16_t n_poll;
	uint32_t memory_mb;
	enum sl_huge_mode huge;
	char huge_dir[SL_PATH_LEN];
	uint32_t mbufs;      /* mbufs in the packet pool */
	uint32_t mbuf_cache; /* per-lcore mempool cache */
	uint16_t burst;      /* RX/TX burst size, at most SL_MAX_BURST */
	char log_level[16];  /* EAL and sluice log level */
	uint32_t arp_entries;    /* per-core ARP cache slots */
	uint32_t arp_timeout_s;  /* age after which an ARP entry is not trusted */
	uint32_t stats_interval_ms; /* how often poll cores publish counters */
	uint32_t tx_drain_us;   /* longest a partial TX burst waits */
};

struct sl_demo_conf {
	char netns[SL_NAME_LEN];  /* namespace holding the kernel side of the demo port */
	uint32_t host_ipv4;       /* kernel side address, network byte order */
	uint8_t host_prefix;
};

enum sl_tcp_syncookies {
	SL_TCP_SYNCOOKIES_AUTO,   /* when the per-core SYN queue is full */
	SL_TCP_SYNCOOKIES_ALWAYS, /* every SYN (tests, or a host under constant SYN flood) */
	SL_TCP_SYNCOOKIES_NEVER,  /* full SYN queue: new SYNs are dropped and counted */
};

/* Static TCP settings (section tcp:), read once at start. Per-core bounds are per poll core. */
struct sl_tcp_conf {
	uint32_t max_conns;       /* per core: connection table bound */
	uint32_t syn_queue;       /* per core: half-open connections before SYN cookies */
	uint32_t rcv_buf;         /* per connection: bytes held for the app + out of order */
	uint32_t rcv_segs;        /* per connection: segments held (guards against tiny segments) */
	uint32_t snd_buf;         /* per connection: bytes queued for sending */
	uint32_t ooo_core_segs;   /* per core: out-of-order segments, all connections */
	uint32_t delack_us;       /* delayed ACK timer */
	uint32_t idle_timeout_ms; /* connection with no traffic: reset */
	uint32_t time_wait_ms;    /* TIME_WAIT (only where we close first) */
	uint32_t fin_wait_ms;     /* FIN_WAIT_2 without the peer's FIN */
	uint32_t rto_min_ms;
	uint32_t rto_max_ms;
	uint32_t rto_initial_ms;
	uint16_t mss;             /* our MSS option */
	uint16_t ooo_segs;        /* per connection out-of-order queue slots */
	uint8_t max_retries;      /* RTO expiries in a row before the connection is aborted */
	uint8_t synack_retries;
	enum sl_tcp_syncookies syncookies;
};

/* One direction of the test-only impairment shim (section impair:). */
struct sl_impair_dir_conf {
	double loss;    /* probability a packet is freed */
	double dup;     /* probability a packet is sent/received twice */
	double reorder; /* probability a packet is held back behind the next one */
	double corrupt; /* probability one bit past the Ethernet header is flipped */
};

struct sl_impair_conf {
	bool enabled;
	uint64_t seed;
	struct sl_impair_dir_conf rx;
	struct sl_impair_dir_conf tx;
};

/* OTLP/HTTP server (section http:). */
struct sl_http_conf {
	uint16_t port;               /* 0: no OTLP/HTTP listener */
	uint32_t max_body_bytes;     /* request body, on the wire and after decompression */
	uint32_t max_header_bytes;
	uint32_t max_headers;
	uint32_t header_timeout_ms;  /* first byte of a request to the end of its head */
	uint32_t body_timeout_ms;    /* end of the head to the end of the body */
	uint32_t body_chunks;        /* per core: body slice chunks (62 slices each) */
	uint32_t max_resources;      /* Resource* entries per request */
	char path_traces[64];
	char path_metrics[64];
	char path_logs[64];
};

/* OTLP/gRPC server: HTTP/2 cleartext with prior knowledge (section grpc:). */
struct sl_grpc_conf {
	uint16_t port;                  /* 0: no OTLP/gRPC listener */
	uint32_t max_concurrent_streams; /* SETTINGS_MAX_CONCURRENT_STREAMS per connection */
	uint32_t initial_window;        /* SETTINGS_INITIAL_WINDOW_SIZE (stream receive window) */
	uint32_t conn_window;           /* connection receive window */
	uint32_t max_frame_size;        /* SETTINGS_MAX_FRAME_SIZE */
	uint32_t max_header_list_size;  /* SETTINGS_MAX_HEADER_LIST_SIZE, enforced (HPACK bombs) */
	uint32_t max_message_bytes;     /* one gRPC message, on the wire and decompressed */
	uint32_t streams;               /* per core: stream slots shared by all connections */
	uint32_t conn_mem_bytes;        /* per connection: nghttp2 state (HPACK tables, queues) */
	uint32_t arena_bytes;           /* per core: the nghttp2 allocator's arena */
	uint32_t conn_buffer_bytes;     /* per connection: DATA bytes held before windows close */
	uint32_t max_resets_per_s;      /* RST_STREAM from a client per second (rapid reset) */
	uint32_t max_pings_per_s;       /* PING frames per second */
	uint32_t max_settings_per_s;    /* SETTINGS frames per second */
	uint32_t max_refused_streams;   /* streams refused on one connection before GOAWAY */
	uint32_t max_continuations;     /* CONTINUATION frames after one HEADERS */
	uint32_t idle_timeout_ms;       /* no frame received (and no answer owed): GOAWAY */
	uint32_t stall_timeout_ms;      /* answers blocked by a zero window or full send buffer */
};

#define SL_MAX_FLUSH 16 /* flush workers */

/* When a request is answered (per route; the default route's mode until routes exist). */
enum sl_durability {
	SL_DURABILITY_RECEIVED,  /* once parsed and queued in a batch */
	SL_DURABILITY_PERSISTED, /* once every item is in a record that was fdatasync'd */
};

/* Batching and flush workers (section pipeline:). Per-core bounds are per poll core. */
struct sl_pipeline_conf {
	uint32_t seal_bytes;         /* seal a batch at this many raw bytes */
	uint32_t seal_items;         /* ... or items */
	uint32_t seal_age_ms;        /* ... or age of its oldest request */
	uint16_t flush_lcores[SL_MAX_FLUSH]; /* CPUs of the flush workers, one worker each */
	uint16_t n_flush;
	uint32_t ring_size;          /* per flush worker: sealed batches queued (power of two) */
	uint32_t batches;            /* per core: batch descriptors (open + in flight) */
	uint32_t batch_slices;       /* slices one batch may reference */
	uint64_t max_inflight_bytes; /* per core: buffer bytes held by batches before 503 */
	uint32_t copy_bufs;          /* per core: 64 KiB buffers for inflated/transcoded bodies */
	int32_t zstd_level;          /* negative levels are zstd's fast modes */
	enum sl_durability durability;
	uint32_t persist_timeout_ms; /* persisted: longest wait for the group commit (503 after) */
	uint32_t pending;            /* per core: responses waiting for durability */
};

enum sl_store_fsync {
	SL_STORE_FSYNC_NONE,     /* never (survives kill -9 through the page cache, not power loss) */
	SL_STORE_FSYNC_INTERVAL, /* at most every fsync_interval_ms */
	SL_STORE_FSYNC_BATCH,    /* after every group of batches a worker writes (group commit) */
};

/* The segment store, the default sink (section store:). */
struct sl_store_conf {
	char dir[SL_PATH_LEN];       /* flush worker i writes <dir>/worker-<i>/ */
	uint64_t file_max_bytes;     /* rotate a file at this size */
	uint32_t file_max_age_s;     /* ... or age; 0: never by age */
	uint64_t retain_bytes;       /* delete oldest files beyond this total; 0: keep all */
	uint32_t retain_age_s;       /* ... or older than this; 0: keep all */
	enum sl_store_fsync fsync;
	uint32_t fsync_interval_ms;
	bool dictionaries;           /* compress with <dir>/dicts/ (sluicectl dict train) */
};

/* Test-only listeners and hooks (section test:); 0 = off. Never enable them in production. */
struct sl_test_conf {
	uint16_t tcp_echo_port;
	uint16_t tcp_discard_port;
	bool http_pressure;     /* answer every OTLP request as if under backpressure (503) */
	uint32_t flush_delay_ms; /* a flush worker sleeps this long per batch (slow disk) */
};

/*
 * sluice-control's own settings (section control:), read at its start. The
 * dynamic sections (routes, faults, tenants, limits) are parsed by
 * control/routes.c; this loader accepts and skips them (docs/control.md).
 */
struct sl_control_conf {
	char listen[64];           /* management HTTP address host:port (/metrics, /healthz) */
	char socket[SL_PATH_LEN];  /* sluicectl socket; empty: /run/sluice/<instance>/control.sock */
	char state_dir[SL_PATH_LEN]; /* versions and audit log live in <state_dir>/<instance>/ */
	char group[SL_NAME_LEN];   /* besides root, members of this group may use the socket */
	uint32_t heartbeat_ms;     /* control heartbeat and fault-expiry tick */
};

struct sl_config {
	char path[SL_PATH_LEN];
	struct sl_dataplane_conf dataplane;
	struct sl_port_conf ports[SL_MAX_PORTS];
	uint16_t n_ports;
	struct sl_demo_conf demo;
	struct sl_tcp_conf tcp;
	struct sl_http_conf http;
	struct sl_grpc_conf grpc;
	struct sl_pipeline_conf pipeline;
	struct sl_store_conf store;
	struct sl_impair_conf impair;
	struct sl_test_conf test;
	struct sl_control_conf control;
};

#endif /* SL_CONFIG_TYPES_H */
