/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's side of sluice-control's route/fault tables: attach, heartbeat, QSBR readers. */

/*
 * Design
 * ------
 * sluice-control owns /dev/shm/sluice.<instance>.tables (control/table_image.h
 * is the layout and the protocol). The dataplane never creates it: it may run
 * without a control process (static config only) and must keep its last
 * tables when control is down. So the main lcore polls for the region once a
 * second until it exists, maps it read-write, clears the reader lines a
 * killed predecessor may have left (they would pin slots forever), and only
 * then publishes the pointer to the poll cores, which go online at the top of
 * their next loop and from then on switch generation there (QSBR: a core's
 * reader line says which generation it may still be reading).
 *
 * The heartbeat (pid, start time, heartbeat time, lowest generation in use)
 * lets sluice-control tell a live dataplane from a dead one, and republish
 * after a dataplane restart: a restarted dataplane reads the current image
 * at once, since the region and its images survive in /dev/shm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "table_compile.h"
#include "table_match.h"
#include "tables.h"

#define ATTACH_EVERY_NS 1000000000ull

bool
sl_tables_validate(const struct sl_tbl_hdr *img, uint32_t slot_size)
{
	return sl_tbl_image_check(img, slot_size) == 0;
}

/* Map the region if sluice-control made one of our layout. 0, or -errno (-ENOENT: not yet). */
static int
attach(struct sl_tables *t, const char *instance)
{
	struct sl_tbl_region *r;
	struct stat st;
	uint32_t i;
	int fd, rc;

	rc = sl_tbl_path(instance, t->path, sizeof(t->path));
	if (rc < 0)
		return rc;
	fd = open(t->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(*r)) {
		close(fd);
		return -EAGAIN; /* being created */
	}
	r = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (__atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != SL_TBL_REGION_MAGIC ||
	    r->version != SL_TBL_LAYOUT_VERSION || r->total_size != (uint64_t)st.st_size ||
	    r->n_readers < t->n_readers) {
		munmap(r, (size_t)st.st_size);
		close(fd);
		return -EPROTO;
	}
	for (i = 0; i < t->n_readers; i++)
		__atomic_store_n(&sl_tbl_reader_at(r, i)->seen_gen, 0, __ATOMIC_RELEASE);
	r->dataplane_start_ns = t->start_ns;
	r->dataplane_readers = t->n_readers;
	__atomic_store_n(&r->dataplane_pid, (int32_t)getpid(), __ATOMIC_RELEASE);
	t->fd = fd;
	t->size = (size_t)st.st_size;
	/* Release: the cleared lines and our pid are visible before a core goes online. */
	__atomic_store_n(&t->r, r, __ATOMIC_RELEASE);
	SL_LOG(NOTICE, "tables: attached to %s (generation %llu)", t->path,
	       (unsigned long long)SL_TBL_CUR_GEN(__atomic_load_n(&r->current, __ATOMIC_ACQUIRE)));
	return 0;
}

void
sl_tables_housekeeping(struct sl_tables *t, const char *instance, uint64_t now_ns)
{
	struct sl_tbl_region *r = t->r;
	uint64_t min = 0, g;
	uint32_t i;
	int rc;

	if (t->start_ns == 0)
		t->start_ns = now_ns;
	if (r == NULL) {
		if (now_ns < t->next_try_ns)
			return;
		t->next_try_ns = now_ns + ATTACH_EVERY_NS;
		rc = attach(t, instance);
		if (rc == -EPROTO && !t->warned) {
			t->warned = true;
			SL_LOG(WARNING, "tables: %s has another layout; keeping static defaults",
			       t->path);
		}
		return;
	}
	for (i = 0; i < t->n_readers; i++) {
		g = __atomic_load_n(&sl_tbl_reader_at(r, i)->seen_gen, __ATOMIC_RELAXED);
		if (g != 0 && (min == 0 || g < min))
			min = g;
	}
	__atomic_store_n(&r->dataplane_min_gen, min, __ATOMIC_RELAXED);
	__atomic_store_n(&r->dataplane_heartbeat_ns, now_ns, __ATOMIC_RELEASE);
}

void
sl_tables_detach(struct sl_tables *t)
{
	uint32_t i;

	if (t == NULL || t->r == NULL)
		return;
	for (i = 0; i < t->n_readers; i++)
		__atomic_store_n(&sl_tbl_reader_at(t->r, i)->seen_gen, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&t->r->dataplane_pid, 0, __ATOMIC_RELEASE);
	munmap(t->r, t->size);
	close(t->fd);
	t->r = NULL;
	t->fd = -1;
}
