/* SPDX-License-Identifier: BSD-3-Clause */
/* The dynamic configuration: YAML in and out, command-line specs, validation. */
#ifndef SL_ROUTES_H
#define SL_ROUTES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "routes_types.h"

/* A zeroed dyn with the default limits. Returns NULL with errno set. Free with free(). */
struct sl_dyn *sl_dyn_new(void);
void sl_dyn_reset(struct sl_dyn *d);

/*
 * Parse the dynamic sections (routes, faults, tenants, limits) of a YAML
 * buffer; other top-level sections are skipped (they are the static loader's).
 * name stands in for the file in errors: "NAME:LINE: routes[1].match.port:
 * what is wrong (allowed: ...)". A fault with a ttl and no expires_at
 * expires at now_ns + ttl. Validates (sl_dyn_validate). Returns 0 or a
 * negative errno with err filled.
 */
int sl_dyn_load_buf(struct sl_dyn *d, const char *buf, size_t len, const char *name,
                    uint64_t now_ns, char *err, size_t errlen);
int sl_dyn_load_file(struct sl_dyn *d, const char *path, uint64_t now_ns, char *err,
                     size_t errlen);

/* Cross-entry rules: unique names, known tenants, at most SL_TBL_MAX_KEYS attribute keys. */
int sl_dyn_validate(const struct sl_dyn *d, const char *name, char *err, size_t errlen);

/* Write d as YAML that sl_dyn_load_buf reads back to the same d (faults with expires_at). */
void sl_dyn_write(FILE *f, const struct sl_dyn *d);

/*
 * Command-line forms (sluicectl passes its argv through the control socket):
 *   NAME [--match K=V]... (--error STATUS | --delay D[-D] | --reset | --throttle N/s |
 *        --partial R | --blackhole) [--probability P] [--ttl D] [--retry-after D]
 *   NAME [--match K=V]... [--sink DIR]... [--drop] [--durability received|persisted]
 *        [--sample R] [--priority N] [--tenant-rate N/s] [--default]
 * --match takes signal=traces[,logs], tenant=T, source=CIDR, port=N, KEY=VALUE
 * (exact, or glob when VALUE has * or ?), KEY^=PREFIX, KEY? (exists).
 * Return 0 or -EINVAL with err filled.
 */
int sl_dyn_fault_from_args(int argc, char **argv, uint64_t now_ns, struct sl_dyn_fault *f,
                           char *err, size_t errlen);
int sl_dyn_route_from_args(int argc, char **argv, struct sl_dyn_route *r, char *err,
                           size_t errlen);

/* Parse "200ms", "10m", "1.5s", "2h", "500us" into ns. Returns 0 or -EINVAL. */
int sl_dyn_parse_duration(const char *s, uint64_t *ns);
/* "10.0.0.0/8", "2001:db8::/32", "10.1.2.3" (/32). Returns 0 or -EINVAL. */
int sl_dyn_parse_cidr(const char *s, uint8_t addr[16], uint8_t *plen);
/* "1h2m", "250ms": a short human form of a duration. */
void sl_dyn_format_duration(uint64_t ns, char *out, size_t len);
/* One line describing a match ("service.name=checkout signal=traces"); "*" when empty. */
void sl_dyn_format_match(const struct sl_dyn_match *m, char *out, size_t len);
/* "error 503 retry-after 5s", "delay 100ms-2s", ... */
void sl_dyn_format_fault_action(const struct sl_dyn_fault *f, char *out, size_t len);

const char *sl_dyn_fault_kind_name(uint32_t kind);

/*
 * now + ttl rounded up to a whole second: version files store seconds, so a
 * fault reloaded after a restart compiles to the same bytes.
 */
uint64_t sl_dyn_expiry(uint64_t now_ns, uint64_t ttl_ns);

int sl_dyn_find_route(const struct sl_dyn *d, const char *name);
int sl_dyn_find_fault(const struct sl_dyn *d, const char *name);

#endif /* SL_ROUTES_H */
