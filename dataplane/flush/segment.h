/* SPDX-License-Identifier: BSD-3-Clause */
/* The segment store: append-only record files (writer, reader, verify, zstd helpers, CRC32C). */
#ifndef SL_SEGMENT_H
#define SL_SEGMENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "flush/segment_types.h"

struct sl_seg_writer;
struct sl_seg_reader;
struct sl_seg_codec;

/*
 * CRC32C (Castagnoli, as in iSCSI and ext4), chainable: start with 0, and
 * sl_crc32c(sl_crc32c(0, a), b) is the CRC of a then b. "123456789" gives
 * 0xe3069283.
 */
uint32_t sl_crc32c(uint32_t crc, const void *buf, size_t len);

/* Text of a damage kind ("record CRC32C mismatch"). */
const char *sl_seg_err_str(enum sl_seg_err kind);

/*
 * Opens the store in dir (made if missing, one level) for appending, on the
 * flush worker that will own it (not thread-safe; one writer per directory).
 * Scans the files: the newest one is read record by record and a torn or
 * damaged tail is cut with ftruncate (counted in torn_tails/torn_bytes).
 * Appends continue in the newest file when it was clean, else in a new file
 * placed after every byte ever seen, so no position is reused. Then applies
 * retention. opts may be NULL (defaults). Returns the writer, or NULL with
 * errno set (EINVAL for bad options or another store's files, EIO, ENOMEM...).
 */
struct sl_seg_writer *sl_seg_writer_open(const char *dir, const struct sl_seg_writer_opts *opts);

/*
 * Appends one record whose payload is payload[0..n) (a zstd frame, usually
 * from sl_seg_compress; n <= SL_SEG_IOV_MAX) with one pwritev, rotating
 * first when the file is full or old. In INTERVAL mode it may fdatasync.
 * *end (may be NULL) gets the store position just past the record: the
 * record is durable once sl_seg_sync() reports at least that. A failed write
 * is undone with ftruncate, so the file never holds a torn record the writer
 * knows of; if the undo fails too, every later call returns -EIO.
 * Returns 0, -EINVAL (bad signal, lengths, n), -EFBIG (payload too big),
 * -ENOSPC, -EIO or another write(2) errno.
 */
int sl_seg_append(struct sl_seg_writer *w, const struct sl_seg_rec_info *info,
                  const struct iovec *payload, int n, uint64_t *end);

/*
 * Group commit: fdatasyncs what was appended since the last sync and stores
 * in *durable the store position up to which every record is durable
 * (release acknowledgements of records whose end <= *durable). In NONE mode
 * nothing is synced and *durable is the write position (safe against a
 * process crash only). Returns 0 or the negative errno of fdatasync; after a
 * failed fdatasync the writer refuses further writes (-EIO): the page cache
 * may have dropped the dirty pages, so nothing later could be trusted.
 */
int sl_seg_sync(struct sl_seg_writer *w, uint64_t *durable);

/*
 * Deletes the oldest files beyond the retention limits (total bytes, age by
 * mtime), never the file being written. Runs at open and after each
 * rotation; a flush worker calls it from a timer too, so age limits apply
 * to an idle store. Returns the number of files deleted, or a negative errno.
 */
int sl_seg_retain(struct sl_seg_writer *w);

/* Counters, and the store position the next record would get. */
const struct sl_seg_stats *sl_seg_writer_stats(const struct sl_seg_writer *w);
uint64_t sl_seg_writer_pos(const struct sl_seg_writer *w);

/* Syncs (unless NONE), closes and frees; NULL is fine. Returns 0 or fdatasync's errno. */
int sl_seg_writer_close(struct sl_seg_writer *w);

/*
 * Opens one segment file for reading. Returns NULL with errno set only when
 * the file cannot be opened or memory is short; a bad file header is
 * reported by the first sl_seg_next() as damage at offset 0.
 */
struct sl_seg_reader *sl_seg_reader_open(const char *path);

/* Frees; NULL is fine. */
void sl_seg_reader_close(struct sl_seg_reader *r);

/* The file header, or NULL when it is damaged. */
const struct sl_seg_file_hdr *sl_seg_reader_file_hdr(const struct sl_seg_reader *r);

/*
 * Reads the next record into *rec and, when buf is not NULL, its payload
 * into buf[0..cap). The CRC is always checked (with buf NULL through an
 * internal scratch buffer, for listing and verifying).
 * Returns 0, SL_SEG_EOF at the clean end, -ENOBUFS when cap < rec->comp_len
 * (rec is filled and the reader stays put: grow buf and call again), or on
 * damage -EBADMSG (-EPROTONOSUPPORT for an unknown version, -EIO for a read
 * error) with *dmg (may be NULL) saying what and at which file offset; the
 * reader then stays at the damage.
 */
int sl_seg_next(struct sl_seg_reader *r, struct sl_seg_rec *rec, void *buf, size_t cap,
                struct sl_seg_damage *dmg);

/*
 * Reads the whole file at path, calling cb (may be NULL) per record and for
 * the damage. *dmg (may be NULL) gets the first damage (kind NONE if clean).
 * Returns the number of good records if the file is clean, or the negative
 * errno of sl_seg_next / open.
 */
int sl_seg_verify_file(const char *path, sl_seg_verify_fn cb, void *arg, struct sl_seg_damage *dmg);

/*
 * zstd for record payloads: one reusable compression context at level
 * (ZSTD_minCLevel()..ZSTD_maxCLevel(), negative levels included; 0 is
 * zstd's default) and one decompression context. Slow path: make one per
 * flush worker (or per sluicectl run). Returns NULL with errno set.
 */
struct sl_seg_codec *sl_seg_codec_create(int level);

/* Frees; NULL is fine. */
void sl_seg_codec_free(struct sl_seg_codec *c);

/* Largest frame sl_seg_compress can produce from raw_len bytes. */
size_t sl_seg_compress_bound(size_t raw_len);

/*
 * Loads every *.zdict file in dir (named <signal>-<id>.zdict, id = the
 * content's ZDICT_getDictID) for decompression by id, and makes the newest
 * dictionary of each signal (highest mtime, then highest id) the one
 * sl_seg_compress uses, as a ZSTD_CDict built once here at the codec's
 * level. May be called for several directories (a reader looking in a store
 * and its parents calls it nearest first): an id already loaded is skipped,
 * and the newest over all of them compresses. Slow path (start-up).
 * Returns how many dictionaries it added, 0 when dir does not exist, or
 * -EINVAL (a badly named file, content not a zstd dictionary or not matching
 * its name, larger than SL_SEG_DICT_MAX; logged with the file name), -E2BIG
 * (more than SL_SEG_DICTS_MAX), -ENOMEM or another open/read errno; after an
 * error the dictionaries loaded before the bad file stay loaded.
 */
int sl_seg_codec_load_dicts(struct sl_seg_codec *c, const char *dir);

/* The id of the dictionary sl_seg_compress uses for sig; 0: none. */
uint32_t sl_seg_codec_dict(const struct sl_seg_codec *c, enum sl_signal sig);

/*
 * Compresses src[0..n) (e.g. batch slices, in order), an Export*ServiceRequest
 * of signal sig, into one zstd frame in dst[0..cap) that declares its content
 * size, with sig's loaded dictionary if there is one. *comp_len and *raw_len
 * get the sizes, *dict_id the dictionary's id or 0 (put it in the record).
 * No allocation once each signal has been compressed once. Returns 0,
 * -EINVAL (bad sig), -EFBIG (frame or input larger than cap or
 * SL_SEG_PAYLOAD_MAX) or -EIO (zstd error).
 */
int sl_seg_compress(struct sl_seg_codec *c, enum sl_signal sig, const struct iovec *src, int n,
                    void *dst, size_t cap, uint32_t *comp_len, uint32_t *raw_len,
                    uint32_t *dict_id);

/*
 * Decompresses a record payload into dst[0..cap): it must be exactly
 * rec->raw_len bytes (so cap >= raw_len), which bounds the work a corrupt
 * or hostile frame can cause. A record with a dict_id needs that dictionary
 * loaded (sl_seg_codec_load_dicts). No allocation. Returns 0, -ENOBUFS
 * (cap < raw_len), -ENOTSUP (dictionary rec->dict_id is not loaded; not
 * logged: the caller names the id and the record) or -EBADMSG (corrupt, or
 * made with another dictionary).
 */
int sl_seg_decompress(struct sl_seg_codec *c, const struct sl_seg_rec *rec, const void *payload,
                      void *dst, size_t cap);

#endif /* SL_SEGMENT_H */
