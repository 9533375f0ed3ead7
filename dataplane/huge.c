/* SPDX-License-Identifier: BSD-3-Clause */
/* Hugepage probes shared by the processes that start an EAL (the dataplane, sluice-gen). */
#include <stdio.h>
#include <sys/statfs.h>

#include "huge.h"

/* statfs(2) f_type of a hugetlbfs mount (linux/magic.h). */
#define HUGETLBFS_MAGIC   0x958458f6
#define HUGEPAGE_2M_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

long
sl_huge_free_2m(void)
{
	FILE *f = fopen(HUGEPAGE_2M_SYSFS, "r");
	long n = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

bool
sl_huge_is_hugetlbfs(const char *dir)
{
	struct statfs sfs;

	return statfs(dir, &sfs) == 0 && (unsigned long)sfs.f_type == HUGETLBFS_MAGIC;
}
