/* SPDX-License-Identifier: BSD-3-Clause */
/* Hugepage probes shared by the processes that start an EAL (the dataplane, sluice-gen). */
#ifndef SL_HUGE_H
#define SL_HUGE_H

#include <stdbool.h>

/* Free 2 MiB hugepages, or -1 when the kernel has none configured. Slow path (reads sysfs). */
long sl_huge_free_2m(void);

/* dir is a mounted hugetlbfs. Slow path (statfs). */
bool sl_huge_is_hugetlbfs(const char *dir);

#endif /* SL_HUGE_H */
