/* SPDX-License-Identifier: BSD-3-Clause */
/* Compiling the dynamic configuration into a table image, and publishing images to shared memory. */
#ifndef SL_TABLE_COMPILE_H
#define SL_TABLE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "routes_types.h"
#include "table_image.h"

/*
 * Compile d into an image in buf (cap bytes, 8-aligned): routes sorted by
 * priority (larger first, ties in order), the default route last (the one
 * marked default, else an implicit "default" to the static store), faults
 * that expire after now_ns in order. generation is filled by the publisher.
 * Returns the image size, or a negative errno with err filled (-E2BIG: it
 * does not fit).
 */
long sl_tbl_compile(const struct sl_dyn *d, uint64_t config_version, uint64_t now_ns, void *buf,
                    size_t cap, char *err, size_t errlen);

/* Set generation and the two CRCs of a compiled image (also used by tests). */
void sl_tbl_seal(void *img, uint64_t generation);

/* The writer's (sluice-control's) mapping of /dev/shm/sluice.<instance>.tables. */
struct sl_tbl_map {
	int fd;
	struct sl_tbl_region *r;
	size_t size;
	char path[128];
};

int sl_tbl_path(const char *instance, char *out, size_t len);

/*
 * Writer: open the region, creating it (or re-creating one of another
 * layout) if needed. An existing region of this layout is kept, with its
 * generation and reader lines, so the dataplane does not notice a restart.
 */
int sl_tbl_region_open_writer(struct sl_tbl_map *m, const char *instance);
/* Reader (sluicectl, tests): map read-only and check the layout. -ENOENT if none. */
int sl_tbl_region_open_reader(struct sl_tbl_map *m, const char *instance);
void sl_tbl_region_close(struct sl_tbl_map *m);

/*
 * Publish an image (len bytes, compiled, not sealed): find a free slot
 * (QSBR), copy, seal with the next generation, switch current. Readers of
 * a dataplane whose pid is gone are ignored (and reset). Returns the new
 * generation (> 0) or -EBUSY when every slot is still held by a reader.
 */
int64_t sl_tbl_publish(struct sl_tbl_map *m, const void *img, size_t len);

/* The current image, or NULL. */
const struct sl_tbl_hdr *sl_tbl_current(const struct sl_tbl_map *m);

#endif /* SL_TABLE_COMPILE_H */
