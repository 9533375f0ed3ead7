/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's side of sluice-control's route/fault tables: attach, heartbeat, QSBR readers. */
#ifndef SL_TABLES_H
#define SL_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table_image.h"

/*
 * The tables region as the dataplane maps it (read-write: it writes its
 * reader lines and its heartbeat, never an image). r stays NULL until
 * sluice-control has created the region; the main lcore attaches then, and
 * poll cores pick r up at the top of their next loop.
 */
struct sl_tables {
	struct sl_tbl_region *r; /* published to the poll cores with release order */
	size_t size;
	int fd;
	uint32_t n_readers; /* poll cores: reader line i is poll core i */
	uint64_t start_ns;
	uint64_t next_try_ns;
	bool warned; /* a region of another layout was reported */
	char path[128];
};

/* A poll core's reader state (in its own struct sl_core). */
struct sl_tables_reader {
	struct sl_tbl_reader_cache cache;
	uint32_t id;
	bool online;
};

/*
 * Main lcore, every stats interval: attach when the region appears (at most
 * once a second; stale reader lines of a previous dataplane are cleared
 * first), then write pid, heartbeat and the lowest generation the cores are
 * on. Slow path: syscalls allowed.
 */
void sl_tables_housekeeping(struct sl_tables *t, const char *instance, uint64_t now_ns);

/* After the poll cores stopped: every reader offline, pid cleared, unmapped. NULL-safe. */
void sl_tables_detach(struct sl_tables *t);

/* The one-time check of a new image a reader accepts (sl_tbl_image_check: header and CRC). */
bool sl_tables_validate(const struct sl_tbl_hdr *img, uint32_t slot_size);

/*
 * Top of a poll loop iteration (a quiescent point): the image this core
 * classifies against until the next call, or NULL (no tables yet: static
 * defaults). One load per call when nothing changed; no lock, syscall or
 * allocation.
 */
static inline const struct sl_tbl_hdr *
sl_tables_enter(struct sl_tables *t, struct sl_tables_reader *rd)
{
	struct sl_tbl_region *r = __atomic_load_n(&t->r, __ATOMIC_ACQUIRE);

	if (r == NULL)
		return NULL;
	if (!rd->online) {
		sl_tbl_reader_online(r, rd->id);
		rd->online = true;
	}
	return sl_tbl_reader_enter(r, rd->id, &rd->cache, sl_tables_validate);
}

/* The core stops polling: it holds no image from now on. */
static inline void
sl_tables_leave(struct sl_tables *t, struct sl_tables_reader *rd)
{
	struct sl_tbl_region *r = __atomic_load_n(&t->r, __ATOMIC_ACQUIRE);

	if (r != NULL && rd->online)
		sl_tbl_reader_offline(r, rd->id, &rd->cache);
	rd->online = false;
}

#endif /* SL_TABLES_H */
