/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the config loader must accept or refuse any bytes without a crash. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"dataplane.instance", "dataplane.poll_lcores",
	                                   "ports.count",        "ports.0.ipv4",
	                                   "ports.0.mac",        "demo.host_ipv4"};
	struct sl_config cfg;
	char err[SL_CONF_ERR_LEN], out[SL_PATH_LEN];

	if (sl_config_load_buf((const char *)data, size, "f.yaml", &cfg, err, sizeof(err)) < 0) {
		/* every refusal names the file, so an operator can find the line */
		if (strncmp(err, "f.yaml:", 7) != 0)
			__builtin_trap();
		return 0;
	}
	/* a config that loads has at least one port and prints every key it holds */
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (sl_config_get(&cfg, keys[i], out, sizeof(out)) < 0 || cfg.n_ports == 0)
			__builtin_trap();
	return 0;
}
