/* SPDX-License-Identifier: BSD-3-Clause */
/* Builds the golden OTLP protobuf payloads of tests/data/ (used by gen_golden and the tests). */
#ifndef SL_GOLDEN_H
#define SL_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#include "proto/otlp_types.h"

/*
 * The goldens are packed by protobuf-c from fixed content, so the bytes
 * depend only on the content in golden.c and the schema in proto/: a change
 * to either shows up as a diff of the committed .pb files.
 */

/* File name of the golden of sig in tests/data/ ("traces.pb"). */
const char *sl_golden_name(enum sl_signal sig);

/*
 * Packs the golden Export*ServiceRequest of sig into a new malloc'd buffer
 * (*buf, *len; free() it). Returns 0, -EINVAL or -ENOMEM.
 */
int sl_golden_build(enum sl_signal sig, uint8_t **buf, size_t *len);

/*
 * Reads a whole file into a new malloc'd buffer (free() it; one spare byte
 * past *len). NULL when it cannot. For tests and tools reading goldens.
 */
uint8_t *sl_golden_read_file(const char *path, size_t *len);

/* Writes every golden into dir (which must exist). Returns 0 or a negative errno. */
int sl_golden_write_all(const char *dir);

#endif /* SL_GOLDEN_H */
