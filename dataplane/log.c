/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane's log type and level names. */
#include <errno.h>
#include <string.h>

#include "log.h"

RTE_LOG_REGISTER(sl_logtype, sluice, NOTICE);

int
sl_log_level_parse(const char *name)
{
	static const char *const names[] = {"",        "emerg",  "alert", "crit", "err",
	                                    "warning", "notice", "info",  "debug"};
	unsigned int i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i; /* RTE_LOG_EMERG is 1 ... RTE_LOG_DEBUG is 8 */
	return -EINVAL;
}
