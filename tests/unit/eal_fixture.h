/* SPDX-License-Identifier: BSD-3-Clause */
/* Test fixture: a small --no-huge EAL, a packet pool and a fake core for driving stages directly.
 */
#ifndef SL_TEST_EAL_FIXTURE_H
#define SL_TEST_EAL_FIXTURE_H

#include <stddef.h>

#include <rte_mbuf.h>

#include "core.h"
#include "port.h"

/* Start the EAL once per process (no hugepages, no PCI, no files). Returns 0 or -1. */
int sl_test_eal_init(void);

/* The shared test pool (created by sl_test_eal_init). */
struct rte_mempool *sl_test_pool(void);

/* A packet mbuf holding a copy of data, or NULL. */
struct rte_mbuf *sl_test_mbuf(const void *data, size_t len);

/*
 * A core with one port of the given identity, no real device behind it: the
 * stages queue replies in core->ports[0].tx_buf, which tests inspect and
 * free with sl_test_core_reset().
 */
struct sl_core *sl_test_core(struct sl_port *port);
void sl_test_core_reset(struct sl_core *core);
void sl_test_core_free(struct sl_core *core);

/* Mbufs of the test pool currently allocated (for leak checks). */
unsigned int sl_test_pool_in_use(void);

#endif /* SL_TEST_EAL_FIXTURE_H */
