/* SPDX-License-Identifier: BSD-3-Clause */
/* Types and on-disk constants of the segment store (docs/segment-format.md is the spec). */
#ifndef SL_SEGMENT_TYPES_H
#define SL_SEGMENT_TYPES_H

#include <stdint.h>

#include "proto/otlp_types.h"

/*
 * On-disk constants. Every one of them is part of format version 1: changing
 * any makes existing files unreadable, so a change means a new version and a
 * reader that still understands version 1.
 */
#define SL_SEG_VERSION      1
#define SL_SEG_FILE_HDR_LEN 64 /* file header; records start right after it */
#define SL_SEG_REC_HDR_LEN  64 /* record header; the payload starts right after it */
#define SL_SEG_ALIGN        8  /* records start on multiples of 8 (u64 fields aligned) */
#define SL_SEG_STORE_ID_LEN 16
#define SL_SEG_NAME_DIGITS  20 /* "%020" PRIu64 ".seg": sorts by name == sorts by offset */
#define SL_SEG_SUFFIX       ".seg"
#define SL_SEG_NAME_LEN     (SL_SEG_NAME_DIGITS + 4)

/* File magic: PNG-style, the high-bit byte and CR LF catch 7-bit and text-mode copies. */
#define SL_SEG_FILE_MAGIC "\x89SLSEG\r\n"
/* Record magic "SLrc": a resynchronising scanner can look for it. */
#define SL_SEG_REC_MAGIC "SLrc"

/*
 * Largest payload (compressed) and raw length of one record. A batch is far
 * smaller (the flush worker seals at a few MiB); the bound stops a corrupt
 * length field from making a reader allocate or read gigabytes. Raising it
 * needs no format change (the fields are u32), but readers built with the
 * old bound would reject the bigger records as damaged.
 */
#define SL_SEG_PAYLOAD_MAX (256u << 20)

/*
 * Compression dictionaries (docs/segment-format.md, "Dictionaries"): files
 * <signal>-<id>.zdict in the dicts/ folder of a store directory or of a
 * parent. Not part of the record format: a record carries only the id.
 */
#define SL_SEG_DICTS_DIR    "dicts"
#define SL_SEG_DICT_SUFFIX  ".zdict"
/* Largest dictionary file loaded; zstd's trainer defaults to 110 KiB, 2 MiB is ample. */
#define SL_SEG_DICT_MAX     (2u << 20)
/*
 * Dictionaries one codec holds. Each costs its size plus a DDict (~30 KiB
 * more) in every codec; a reader of a store trained every day for a year
 * needs ~365. A directory with more refuses to load rather than exhaust memory.
 */
#define SL_SEG_DICTS_MAX    1024

/* Payload pieces one append may pass (writev takes them plus header and padding). */
#define SL_SEG_IOV_MAX 64

/* Defaults applied by sl_seg_writer_open() when an option is 0. */
#define SL_SEG_FILE_MAX_DEFAULT       (256ull << 20) /* rotation size: a few seconds at line rate */
#define SL_SEG_FSYNC_INTERVAL_DEFAULT 10000000ull    /* 10 ms: an interval-mode loss window */

/* When the writer calls fdatasync on its own. */
enum sl_seg_fsync {
	SL_SEG_FSYNC_NONE,     /* never: survives kill -9 (page cache), not power loss */
	SL_SEG_FSYNC_INTERVAL, /* sl_seg_append syncs once fsync_interval_ns has passed */
	SL_SEG_FSYNC_BATCH,    /* the caller calls sl_seg_sync after each batch (group commit) */
};

/* Options of sl_seg_writer_open(); zero means the default or "no limit" as noted. */
struct sl_seg_writer_opts {
	uint64_t file_max_bytes;    /* rotate before a record would pass it; 0: default */
	uint64_t file_max_age_ns;   /* rotate a file older than this; 0: never by age */
	uint64_t retain_bytes;      /* delete oldest files while the total exceeds it; 0: off */
	uint64_t retain_age_ns;     /* delete files last written longer ago than it; 0: off */
	enum sl_seg_fsync fsync;    /* automatic fdatasync policy */
	uint64_t fsync_interval_ns; /* INTERVAL mode; 0: default */
	/* Store identity: all zero takes it from the existing files, or makes a random one. */
	uint8_t store_id[SL_SEG_STORE_ID_LEN];
	/* Wall clock in ns for ages and headers; NULL: CLOCK_REALTIME (tests inject one). */
	uint64_t (*now_ns)(void);
};

/* Writer counters; read with sl_seg_writer_stats(), only the writer's thread writes them. */
struct sl_seg_stats {
	uint64_t records;         /* sluice_segment_records_total */
	uint64_t bytes;           /* sluice_segment_bytes_total (record bytes appended) */
	uint64_t syncs;           /* sluice_segment_syncs_total (fdatasync of appended records) */
	uint64_t rotations;       /* sluice_segment_rotations_total */
	uint64_t torn_tails;      /* sluice_segment_torn_tails_total (cut at open) */
	uint64_t torn_bytes;      /* sluice_segment_torn_bytes_total */
	uint64_t retention_files; /* sluice_segment_retention_deleted_files_total */
	uint64_t retention_bytes; /* sluice_segment_retention_deleted_bytes_total */
	uint64_t write_errors;    /* sluice_segment_write_errors_total */
};

/* One record's header, decoded (host byte order). */
struct sl_seg_rec {
	uint64_t pos;           /* store position of the record's first byte */
	uint64_t file_off;      /* its offset inside the file */
	uint64_t first_recv_ns; /* receive time of the oldest item (wall clock, ns) */
	uint64_t last_recv_ns;  /* and of the newest */
	uint32_t route_id;
	uint32_t item_count; /* spans, data points or log records */
	uint32_t raw_len;    /* uncompressed Export*ServiceRequest bytes */
	uint32_t comp_len;   /* payload (zstd frame) bytes */
	uint32_t dict_id;    /* zstd dictionary; 0: none */
	uint32_t crc;        /* as stored (already checked) */
	enum sl_signal signal;
};

/* What the caller of sl_seg_append knows about a record; the lengths it gets from the iovecs. */
struct sl_seg_rec_info {
	enum sl_signal signal;
	uint32_t route_id;
	uint32_t item_count;
	uint32_t raw_len;
	uint32_t dict_id;
	uint64_t first_recv_ns;
	uint64_t last_recv_ns;
};

/* A segment file's header, decoded. */
struct sl_seg_file_hdr {
	uint64_t base;       /* store position of the file's byte 0 (its name) */
	uint64_t created_ns; /* wall clock when the writer made it */
	uint16_t version;
	uint8_t store_id[SL_SEG_STORE_ID_LEN];
};

/*
 * Kinds of damage a reader reports, with the file offset where it starts.
 * X-macro: enum name, short text (sluicectl segments verify prints it).
 */
#define SL_SEG_ERRS(X)                                                                             \
	X(NONE, "ok")                                                                              \
	X(FILE_SHORT, "file shorter than its header")                                              \
	X(FILE_MAGIC, "bad file magic")                                                            \
	X(FILE_VERSION, "unknown file format version")                                             \
	X(FILE_HEADER, "bad file header (length, flags, name or CRC)")                             \
	X(TRUNCATED, "record truncated (file ends inside it)")                                     \
	X(MAGIC, "bad record magic")                                                               \
	X(VERSION, "unknown record format version")                                                \
	X(HEADER, "bad record header field")                                                       \
	X(CRC, "record CRC32C mismatch")                                                           \
	X(IO, "read error")

#define SL_SEG_ERR_ENUM(name, text) SL_SEG_ERR_##name,
enum sl_seg_err { SL_SEG_ERRS(SL_SEG_ERR_ENUM) SL_SEG_ERR_MAX };
#undef SL_SEG_ERR_ENUM

/* Where a file stops being readable. */
struct sl_seg_damage {
	enum sl_seg_err kind;
	uint64_t offset; /* file offset of the damaged header or record */
};

/* sl_seg_next() at the clean end of a file. */
#define SL_SEG_EOF 1

/*
 * Called by sl_seg_verify_file(): once per good record (dmg NULL), then once
 * with the damage if any (rec NULL).
 */
typedef void (*sl_seg_verify_fn)(void *arg, const struct sl_seg_rec *rec,
                                 const struct sl_seg_damage *dmg);

#endif /* SL_SEGMENT_TYPES_H */
