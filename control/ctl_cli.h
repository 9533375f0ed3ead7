/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl's control-plane commands: routes, faults, config versions (via sluice-control), cores. */
#ifndef SL_CTL_CLI_H
#define SL_CTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Run "routes ...", "faults ...", "config show|diff|reload|rollback|history",
 * "control" against sluice-control at sock (NULL: derived from the config or
 * instance). argv[0] is the command word. Prints the daemon's output and
 * returns its exit code; 3 when no daemon answers, 77 when refused.
 */
int sl_ctl_cli_remote(int argc, char **argv, const char *sock, const char *instance,
                      const char *config_path, bool json);

/* routes test FILE [--signal S] [--tenant T] [--source IP] [--port N]: local, no daemon needed. */
int sl_ctl_cli_routes_test(int argc, char **argv, const char *instance, const char *config_path,
                           bool json);

/* cores: per-core table from the stats region. */
int sl_ctl_cli_cores(const char *instance, bool json);

void sl_ctl_cli_usage(FILE *f);

#endif /* SL_CTL_CLI_H */
