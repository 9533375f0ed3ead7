/* SPDX-License-Identifier: BSD-3-Clause */
/* Loading, validating and querying conf/sluice.yaml through one declarative key table. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config_types.h"

/* Fill cfg with every key's default (the table's default column). */
void sl_config_defaults(struct sl_config *cfg);

/*
 * Parse and validate a YAML file into cfg (defaults first, then the file).
 * Returns 0, or a negative errno with a one-line message in err of the form
 * "FILE:LINE: KEY: what is wrong (allowed: ...)". cfg is undefined on error.
 */
int sl_config_load(const char *path, struct sl_config *cfg, char *err, size_t errlen);

/* As sl_config_load, from memory; name stands in for the file name in errors. */
int sl_config_load_buf(const char *buf, size_t len, const char *name, struct sl_config *cfg,
		       char *err, size_t errlen);

/*
 * Print one key's value as text, the way the YAML spells it ("demo.netns",
 * "dataplane.memory_mb", "ports.0.ipv4" gives "10.203.0.2/24"). Returns 0,
 * -ENOENT for an unknown key or port index, -ENOSPC if out is too small.
 */
int sl_config_get(const struct sl_config *cfg, const char *key, char *out, size_t outlen);

/* Write the key reference (markdown table: key, type, default, range, runtime, description). */
void sl_config_doc(FILE *f);

const char *sl_port_kind_name(enum sl_port_kind kind);

/* True for the top-level sections sluice-control owns (routes, faults, tenants, limits). */
bool sl_config_is_dynamic_section(const char *s, size_t len);

#endif /* SL_CONFIG_H */
