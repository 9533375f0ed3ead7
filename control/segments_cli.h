/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl's offline segment store commands: segments list|verify|stats|dump|replay, dict train.
 */
#ifndef SL_SEGMENTS_CLI_H
#define SL_SEGMENTS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/otlp_types.h"

/*
 * Exit statuses of the commands (the same as sluicectl's): 0 done and all
 * good, 1 faults found or a failure, 2 bad arguments.
 */
#define SL_SEGCLI_EXIT_OK    0
#define SL_SEGCLI_EXIT_FAIL  1
#define SL_SEGCLI_EXIT_USAGE 2

/*
 * Runs "sluicectl segments ARGS..." (argv[0] is the subcommand: list, verify,
 * stats, dump or replay). config_path is sluicectl's --config (NULL:
 * conf/sluice.yaml), read only when no store directory is given; json is
 * sluicectl's --json. Output goes to stdout (or --out), messages to stderr.
 * Returns the process exit status.
 */
int sl_segments_cli_run(int argc, char **argv, const char *config_path, bool json);

/* Runs "sluicectl dict ARGS..." (argv[0]: train). Returns the process exit status. */
int sl_segments_cli_dict(int argc, char **argv, const char *config_path, bool json);

/* Writes the commands' lines for sluicectl's usage text. */
void sl_segments_cli_usage(FILE *f);

/*
 * Renders pb[0..len), a protobuf Export*ServiceRequest of signal sig, as one
 * line of OTLP/JSON (no newline) in *buf, a malloc'd buffer of *cap bytes
 * that grows as needed (start with NULL and 0; free() it). The bytes are
 * first validated by the walker (sl_otlp_walk), so protobuf-c only ever
 * unpacks a well-formed request. *out_len gets the length. Returns 0,
 * -EBADMSG (not a valid request; err gets the walker's "path: what at byte
 * N"), -ENOMEM, or -E2BIG (the JSON would pass 1 GiB).
 */
int sl_segments_cli_to_json(enum sl_signal sig, const uint8_t *pb, size_t len, char **buf,
                            size_t *cap, size_t *out_len, char *err, size_t errlen);

#endif /* SL_SEGMENTS_CLI_H */
