/* SPDX-License-Identifier: BSD-3-Clause */
/* The dynamic configuration (routes, faults, tenants, limits): YAML in and out, CLI specs. */

/*
 * One model (struct sl_dyn) with three ways in: the dynamic sections of
 * conf/sluice.yaml, sluice-control's version files (the same schema, written
 * by sl_dyn_write), and sluicectl's command-line specs. All three end in
 * sl_dyn_validate, so a rule holds whichever way a route arrived.
 *
 * The YAML is untrusted in the same way as the static config (a fuzzer drives
 * sl_dyn_load_buf): at most MAX_BYTES, at most MAX_NODES nodes, no aliases
 * (an alias would let one node be walked many times). The walk follows the
 * schema's fixed shape and never recurses.
 *
 * Rejected: extending the static key table in config.c with list-valued
 * sections. Its rows are scalars at fixed paths and its struct is memcpy-able;
 * routes are lists of nested maps, owned by another process, and change at
 * runtime, so they get their own model and loader. config.c only accepts and
 * skips these sections (sl_config_is_dynamic_section).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "proto/otlp_types.h"
#include "routes.h"

#define MAX_BYTES (1024 * 1024)
#define MAX_NODES 65536 /* 256 routes + 256 faults, ~40 nodes each, with room */

static const char *const signal_names[] = {"traces", "metrics", "logs"};

struct sl_dyn *
sl_dyn_new(void)
{
	struct sl_dyn *d = calloc(1, sizeof(*d));

	if (d != NULL)
		sl_dyn_reset(d);
	return d;
}

void
sl_dyn_reset(struct sl_dyn *d)
{
	memset(d, 0, sizeof(*d));
	d->limits.retry_after_s = 1;
}

const char *
sl_dyn_fault_kind_name(uint32_t kind)
{
	switch (kind) {
	case SL_TBL_F_DELAY:
		return "delay";
	case SL_TBL_F_ERROR:
		return "error";
	case SL_TBL_F_RESET:
		return "reset";
	case SL_TBL_F_THROTTLE:
		return "throttle";
	case SL_TBL_F_PARTIAL:
		return "partial";
	case SL_TBL_F_BLACKHOLE:
		return "blackhole";
	default:
		return "?";
	}
}

int
sl_dyn_find_route(const struct sl_dyn *d, const char *name)
{
	for (uint32_t i = 0; i < d->n_routes; i++)
		if (strcmp(d->routes[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
sl_dyn_find_fault(const struct sl_dyn *d, const char *name)
{
	for (uint32_t i = 0; i < d->n_faults; i++)
		if (strcmp(d->faults[i].name, name) == 0)
			return (int)i;
	return -1;
}

uint64_t
sl_dyn_expiry(uint64_t now_ns, uint64_t ttl_ns)
{
	uint64_t t = now_ns + ttl_ns;

	return (t + 999999999ull) / 1000000000ull * 1000000000ull;
}

/* --- scalars ------------------------------------------------------------- */

int
sl_dyn_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
	             {"m", 60e9}, {"h", 3600e9}, {"d", 86400e9}};
	char *end;
	double v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			double r = v * units[i].mult;

			if (r > 3.2e18) /* 100 years: beyond that a TTL means nothing */
				return -EINVAL;
			*ns = (uint64_t)(r + 0.5);
			return 0;
		}
	}
	return -EINVAL;
}

void
sl_dyn_format_duration(uint64_t ns, char *out, size_t len)
{
	if (ns == 0)
		snprintf(out, len, "0s");
	else if (ns % 3600000000000ull == 0)
		snprintf(out, len, "%" PRIu64 "h", (uint64_t)(ns / 3600000000000ull));
	else if (ns % 60000000000ull == 0)
		snprintf(out, len, "%" PRIu64 "m", (uint64_t)(ns / 60000000000ull));
	else if (ns % 1000000000ull == 0)
		snprintf(out, len, "%" PRIu64 "s", (uint64_t)(ns / 1000000000ull));
	else if (ns % 1000000ull == 0)
		snprintf(out, len, "%" PRIu64 "ms", (uint64_t)(ns / 1000000ull));
	else if (ns % 1000ull == 0)
		snprintf(out, len, "%" PRIu64 "us", (uint64_t)(ns / 1000ull));
	else
		snprintf(out, len, "%" PRIu64 "ns", ns);
}

int
sl_dyn_parse_cidr(const char *s, uint8_t addr[16], uint8_t *plen)
{
	char buf[64];
	char *slash;
	unsigned long n;
	uint8_t a[16];
	bool v4;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	v4 = strchr(buf, ':') == NULL;
	memset(a, 0, sizeof(a));
	if (v4) {
		struct in_addr in;

		if (inet_pton(AF_INET, buf, &in) != 1)
			return -EINVAL;
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &in, 4);
	} else if (inet_pton(AF_INET6, buf, a) != 1) {
		return -EINVAL;
	}
	if (slash == NULL) {
		n = v4 ? 32 : 128;
	} else {
		char *end;

		if (*slash < '0' || *slash > '9')
			return -EINVAL;
		n = strtoul(slash, &end, 10);
		if (*end != '\0' || n > (v4 ? 32u : 128u))
			return -EINVAL;
	}
	if (v4)
		n += 96;
	/* Host bits must be zero: 10.1.2.3/8 is a typo more often than a wish. */
	for (unsigned b = (unsigned)n; b < 128; b++)
		if (a[b / 8] & (0x80u >> (b % 8)))
			return -EINVAL;
	memcpy(addr, a, 16);
	*plen = (uint8_t)n;
	return 0;
}

static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SL_TBL_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static bool
valid_key(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SL_DYN_KEY_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '=' || s[i] == '^' || s[i] == '?' ||
		    (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static int
parse_signals(const char *s, uint32_t *mask)
{
	char buf[64], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < 3; i++)
			if (strcmp(tok, signal_names[i]) == 0)
				break;
		if (i == 3)
			return -EINVAL;
		*mask |= 1u << i;
	}
	return *mask ? 0 : -EINVAL;
}

static bool
has_glob(const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' && v[1] != '\0')
			v++;
		else if (*v == '*' || *v == '?')
			return true;
	}
	return false;
}

/* --- YAML walk ----------------------------------------------------------- */

struct yp {
	const char *name;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	uint64_t now;
};

static int fail(struct yp *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(struct yp *p, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err != NULL && p->errlen > 0)
		snprintf(p->err, p->errlen, "%s:%zu: %s: %s", p->name,
		         n ? (size_t)n->start_mark.line + 1 : (size_t)1, path, msg);
	return -EINVAL;
}

static yaml_node_t *
node(struct yp *p, int i)
{
	return yaml_document_get_node(p->doc, i);
}

static bool
is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (n->data.scalar.length == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0);
}

/* A scalar's text, or an error naming path. */
static int
scalar(struct yp *p, const yaml_node_t *n, const char *path, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return fail(p, n, path, "expected a value");
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return fail(p, n, path, "NUL byte in value");
	*out = (const char *)n->data.scalar.value;
	return 0;
}

static int
get_str(struct yp *p, const yaml_node_t *n, const char *path, char *out, size_t size)
{
	const char *s;
	int rc = scalar(p, n, path, &s);

	if (rc < 0)
		return rc;
	if (strlen(s) >= size)
		return fail(p, n, path, "longer than %zu bytes", size - 1);
	snprintf(out, size, "%s", s);
	return 0;
}

static int
get_int(struct yp *p, const yaml_node_t *n, const char *path, int64_t min, int64_t max,
        int64_t *v)
{
	const char *s;
	char *end;
	long long x;
	int rc = scalar(p, n, path, &s);

	if (rc < 0)
		return rc;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0)
		return fail(p, n, path, "'%.40s' is not an integer", s);
	if (x < min || x > max)
		return fail(p, n, path, "%lld is out of range (allowed: %" PRId64 "..%" PRId64 ")",
		            x, min, max);
	*v = x;
	return 0;
}

static int
get_bool(struct yp *p, const yaml_node_t *n, const char *path, bool *v)
{
	const char *s;
	int rc = scalar(p, n, path, &s);

	if (rc < 0)
		return rc;
	if (strcmp(s, "true") == 0)
		*v = true;
	else if (strcmp(s, "false") == 0)
		*v = false;
	else
		return fail(p, n, path, "'%.40s' is not a boolean (allowed: true, false)", s);
	return 0;
}

/* A decimal in (lo_open ? (lo, hi] : [lo, hi]). */
static int
get_ratio(struct yp *p, const yaml_node_t *n, const char *path, bool lo_open, double *v)
{
	const char *s;
	char *end;
	double x;
	int rc = scalar(p, n, path, &s);

	if (rc < 0)
		return rc;
	x = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(x) || x > 1 || x < 0 || (lo_open && x == 0))
		return fail(p, n, path, "'%.40s' is not a ratio (allowed: %s..1)", s,
		            lo_open ? "above 0" : "0");
	*v = x;
	return 0;
}

static int
get_duration(struct yp *p, const yaml_node_t *n, const char *path, uint64_t *ns)
{
	const char *s;
	int rc = scalar(p, n, path, &s);

	if (rc < 0)
		return rc;
	if (sl_dyn_parse_duration(s, ns) < 0)
		return fail(p, n, path, "'%.40s' is not a duration (e.g. 500ms, 30s, 10m, 2h)", s);
	return 0;
}

static int
get_rate(const char *s, uint32_t *rate)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || (*end != '\0' && strcmp(end, "/s") != 0) || v == 0 || v > 100000000)
		return -EINVAL;
	*rate = (uint32_t)v;
	return 0;
}

static int
get_delay(const char *s, uint64_t *lo, uint64_t *hi)
{
	char buf[64];
	char *dash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash++ = '\0';
	if (sl_dyn_parse_duration(buf, lo) < 0)
		return -EINVAL;
	*hi = *lo;
	if (dash != NULL && (sl_dyn_parse_duration(dash, hi) < 0 || *hi < *lo))
		return -EINVAL;
	/* An hour: longer holds a connection that no exporter waits for. */
	return *hi > 3600000000000ull ? -EINVAL : 0;
}

#define FOR_PAIRS(p, map, pair) \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start; \
	     pair < (map)->data.mapping.pairs.top; pair++)

static int
expect_map(struct yp *p, const yaml_node_t *n, const char *path)
{
	return n->type == YAML_MAPPING_NODE ? 0 : fail(p, n, path, "expected a mapping");
}

static int
key_of(struct yp *p, yaml_node_pair_t *pair, const char *path, const char **k, yaml_node_t **v)
{
	yaml_node_t *kn = node(p, pair->key);

	*v = node(p, pair->value);
	if (kn == NULL || *v == NULL || kn->type != YAML_SCALAR_NODE)
		return fail(p, kn, path, "expected a key");
	*k = (const char *)kn->data.scalar.value;
	return 0;
}

static int
unknown(struct yp *p, const yaml_node_t *n, const char *path, const char *k, const char *allowed)
{
	return fail(p, n, path, "unknown key '%.40s' (allowed: %s)", k, allowed);
}

static int
parse_attr(struct yp *p, const char *key, yaml_node_t *v, const char *path, struct sl_dyn_attr *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	if (!valid_key(key))
		return fail(p, v, path, "bad attribute key '%.40s' (1..64 printable bytes)", key);
	snprintf(a->key, sizeof(a->key), "%s", key);
	if (v->type == YAML_SCALAR_NODE) {
		a->kind = SL_DYN_EXACT;
		return get_str(p, v, path, a->value, sizeof(a->value));
	}
	if (v->type != YAML_MAPPING_NODE || v->data.mapping.pairs.top - v->data.mapping.pairs.start != 1)
		return fail(p, v, path,
		            "expected a value or one of {exact: V}, {prefix: V}, {glob: G}, "
		            "{exists: true}");
	FOR_PAIRS(p, v, pair)
	{
		const char *k;
		yaml_node_t *vv;
		bool b;

		rc = key_of(p, pair, path, &k, &vv);
		if (rc < 0)
			return rc;
		if (strcmp(k, "exact") == 0)
			a->kind = SL_DYN_EXACT;
		else if (strcmp(k, "prefix") == 0)
			a->kind = SL_DYN_PREFIX;
		else if (strcmp(k, "glob") == 0)
			a->kind = SL_DYN_GLOB;
		else if (strcmp(k, "exists") == 0) {
			a->kind = SL_DYN_EXISTS;
			rc = get_bool(p, vv, path, &b);
			if (rc == 0 && !b)
				rc = fail(p, vv, path, "exists: false is not supported (leave it out)");
			return rc;
		} else
			return unknown(p, vv, path, k, "exact, prefix, glob, exists");
		return get_str(p, vv, path, a->value, sizeof(a->value));
	}
	return 0;
}

static int
parse_match(struct yp *p, yaml_node_t *m, const char *path, struct sl_dyn_match *out)
{
	char sub[160];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = expect_map(p, m, path);
	if (rc < 0)
		return rc;
	FOR_PAIRS(p, m, pair)
	{
		const char *k, *s;
		yaml_node_t *v;
		int64_t x;

		rc = key_of(p, pair, path, &k, &v);
		if (rc < 0)
			return rc;
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		if (strcmp(k, "signal") == 0) {
			if (v->type == YAML_SEQUENCE_NODE) {
				for (yaml_node_item_t *it = v->data.sequence.items.start;
				     it < v->data.sequence.items.top; it++) {
					yaml_node_t *e = node(p, *it);

					rc = scalar(p, e, sub, &s);
					if (rc < 0)
						return rc;
					if (parse_signals(s, &out->signals) < 0)
						return fail(p, e, sub, "'%.40s' is not a signal (allowed: traces, metrics, logs)", s);
				}
			} else {
				rc = scalar(p, v, sub, &s);
				if (rc < 0)
					return rc;
				if (parse_signals(s, &out->signals) < 0)
					return fail(p, v, sub, "'%.40s' is not a signal (allowed: traces, metrics, logs)", s);
			}
		} else if (strcmp(k, "tenant") == 0) {
			rc = get_str(p, v, sub, out->tenant, sizeof(out->tenant));
			if (rc < 0)
				return rc;
		} else if (strcmp(k, "source") == 0) {
			rc = get_str(p, v, sub, out->source, sizeof(out->source));
			if (rc < 0)
				return rc;
			if (sl_dyn_parse_cidr(out->source, out->addr, &out->plen) < 0)
				return fail(p, v, sub, "'%.40s' is not an address prefix (e.g. 10.0.0.0/8, fd00::/8; host bits zero)", out->source);
			out->has_source = true;
		} else if (strcmp(k, "port") == 0) {
			rc = get_int(p, v, sub, 1, 65535, &x);
			if (rc < 0)
				return rc;
			out->port = (uint16_t)x;
		} else if (strcmp(k, "attributes") == 0) {
			rc = expect_map(p, v, sub);
			if (rc < 0)
				return rc;
			FOR_PAIRS(p, v, ap)
			{
				const char *ak;
				yaml_node_t *av;
				char asub[200];

				rc = key_of(p, ap, sub, &ak, &av);
				if (rc < 0)
					return rc;
				snprintf(asub, sizeof(asub), "%s.%s", sub, ak);
				if (out->n_attrs == SL_TBL_MAX_CONDS - 4)
					return fail(p, av, asub, "more than %d attribute terms", SL_TBL_MAX_CONDS - 4);
				rc = parse_attr(p, ak, av, asub, &out->attrs[out->n_attrs++]);
				if (rc < 0)
					return rc;
			}
		} else {
			return unknown(p, v, sub, k, "signal, tenant, source, port, attributes");
		}
	}
	return 0;
}

static int
parse_route(struct yp *p, yaml_node_t *m, const char *path, struct sl_dyn_route *r)
{
	char sub[160];
	bool named = false;
	int rc;

	memset(r, 0, sizeof(*r));
	r->sample = 1.0;
	rc = expect_map(p, m, path);
	if (rc < 0)
		return rc;
	r->line = (uint32_t)m->start_mark.line + 1;
	FOR_PAIRS(p, m, pair)
	{
		const char *k, *s;
		yaml_node_t *v;
		int64_t x;

		rc = key_of(p, pair, path, &k, &v);
		if (rc < 0)
			return rc;
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		if (strcmp(k, "name") == 0) {
			rc = get_str(p, v, sub, r->name, sizeof(r->name));
			if (rc == 0 && !valid_name(r->name))
				rc = fail(p, v, sub, "'%s' is not a name (allowed: 1..31 of A-Za-z0-9_.-)", r->name);
			named = true;
		} else if (strcmp(k, "priority") == 0) {
			rc = get_int(p, v, sub, -1000000, 1000000, &x);
			r->priority = (int32_t)x;
		} else if (strcmp(k, "default") == 0) {
			rc = get_bool(p, v, sub, &r->is_default);
		} else if (strcmp(k, "match") == 0) {
			rc = parse_match(p, v, sub, &r->match);
		} else if (strcmp(k, "sinks") == 0 || strcmp(k, "sink") == 0) {
			yaml_node_item_t one = pair->value, *it = &one, *top = &one + 1;

			if (v->type == YAML_SEQUENCE_NODE) {
				it = v->data.sequence.items.start;
				top = v->data.sequence.items.top;
			}
			for (; it < top && rc == 0; it++) {
				yaml_node_t *e = node(p, *it);

				if (r->n_sinks == SL_TBL_MAX_SINKS)
					return fail(p, e, sub, "more than %d sinks", SL_TBL_MAX_SINKS);
				rc = get_str(p, e, sub, r->sinks[r->n_sinks], SL_DYN_PATH_LEN);
				if (rc == 0 && r->sinks[r->n_sinks][0] != '/')
					rc = fail(p, e, sub, "'%.60s' is not an absolute directory", r->sinks[r->n_sinks]);
				r->n_sinks++;
			}
		} else if (strcmp(k, "drop") == 0) {
			rc = get_bool(p, v, sub, &r->drop);
		} else if (strcmp(k, "sample") == 0) {
			rc = get_ratio(p, v, sub, true, &r->sample);
		} else if (strcmp(k, "durability") == 0) {
			rc = scalar(p, v, sub, &s);
			if (rc == 0 && strcmp(s, "received") == 0)
				r->durability = SL_TBL_DUR_RECEIVED;
			else if (rc == 0 && strcmp(s, "persisted") == 0)
				r->durability = SL_TBL_DUR_PERSISTED;
			else if (rc == 0)
				rc = fail(p, v, sub, "'%.40s' (allowed: received, persisted)", s);
		} else if (strcmp(k, "tenant_rate") == 0) {
			rc = scalar(p, v, sub, &s);
			if (rc == 0 && get_rate(s, &r->tenant_rate) < 0)
				rc = fail(p, v, sub, "'%.40s' is not a rate (e.g. 5000 or 5000/s)", s);
		} else if (strcmp(k, "tenant_burst") == 0) {
			rc = get_int(p, v, sub, 1, 100000000, &x);
			r->tenant_burst = (uint32_t)x;
		} else {
			return unknown(p, v, sub, k,
			               "name, priority, default, match, sinks, drop, sample, "
			               "durability, tenant_rate, tenant_burst");
		}
		if (rc < 0)
			return rc;
	}
	if (!named)
		return fail(p, m, path, "missing required key name");
	return 0;
}

static int
parse_fault(struct yp *p, yaml_node_t *m, const char *path, struct sl_dyn_fault *f)
{
	char sub[160];
	bool named = false, have_ttl = false, have_exp = false;
	int kinds = 0, rc;

	memset(f, 0, sizeof(*f));
	f->probability = 1.0;
	rc = expect_map(p, m, path);
	if (rc < 0)
		return rc;
	f->line = (uint32_t)m->start_mark.line + 1;
	FOR_PAIRS(p, m, pair)
	{
		const char *k, *s;
		yaml_node_t *v;
		int64_t x;
		bool b;

		rc = key_of(p, pair, path, &k, &v);
		if (rc < 0)
			return rc;
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		if (strcmp(k, "name") == 0) {
			rc = get_str(p, v, sub, f->name, sizeof(f->name));
			if (rc == 0 && !valid_name(f->name))
				rc = fail(p, v, sub, "'%s' is not a name (allowed: 1..31 of A-Za-z0-9_.-)", f->name);
			named = true;
		} else if (strcmp(k, "match") == 0) {
			rc = parse_match(p, v, sub, &f->match);
		} else if (strcmp(k, "probability") == 0) {
			rc = get_ratio(p, v, sub, false, &f->probability);
		} else if (strcmp(k, "ttl") == 0) {
			rc = get_duration(p, v, sub, &f->ttl_ns);
			if (rc == 0 && f->ttl_ns < 1000000000ull)
				rc = fail(p, v, sub, "a TTL under 1s is too short to observe");
			have_ttl = true;
		} else if (strcmp(k, "expires_at") == 0) {
			rc = get_int(p, v, sub, 1, INT64_MAX / 1000000000, &x);
			f->expires_unix_ns = (uint64_t)x * 1000000000ull;
			have_exp = true;
		} else if (strcmp(k, "retry_after") == 0) {
			uint64_t ns;

			rc = get_duration(p, v, sub, &ns);
			if (rc == 0 && ns / 1000000000ull > 86400)
				rc = fail(p, v, sub, "more than a day");
			f->retry_after_s = (uint32_t)(ns / 1000000000ull);
		} else if (strcmp(k, "error") == 0) {
			kinds++;
			f->kind = SL_TBL_F_ERROR;
			rc = get_int(p, v, sub, 400, 599, &x);
			f->status = (uint32_t)x;
		} else if (strcmp(k, "delay") == 0) {
			kinds++;
			f->kind = SL_TBL_F_DELAY;
			rc = scalar(p, v, sub, &s);
			if (rc == 0 && get_delay(s, &f->delay_min_ns, &f->delay_max_ns) < 0)
				rc = fail(p, v, sub, "'%.40s' is not a delay (e.g. 200ms or 100ms-2s, at most 1h)", s);
		} else if (strcmp(k, "throttle") == 0) {
			kinds++;
			f->kind = SL_TBL_F_THROTTLE;
			rc = scalar(p, v, sub, &s);
			if (rc == 0 && get_rate(s, &f->rate) < 0)
				rc = fail(p, v, sub, "'%.40s' is not a rate (e.g. 100/s)", s);
		} else if (strcmp(k, "burst") == 0) {
			rc = get_int(p, v, sub, 1, 100000000, &x);
			f->burst = (uint32_t)x;
		} else if (strcmp(k, "partial") == 0) {
			kinds++;
			f->kind = SL_TBL_F_PARTIAL;
			rc = get_ratio(p, v, sub, true, &f->partial);
		} else if (strcmp(k, "reset") == 0 || strcmp(k, "blackhole") == 0) {
			kinds++;
			f->kind = k[0] == 'r' ? SL_TBL_F_RESET : SL_TBL_F_BLACKHOLE;
			rc = get_bool(p, v, sub, &b);
			if (rc == 0 && !b)
				rc = fail(p, v, sub, "only true (leave the key out otherwise)");
		} else {
			return unknown(p, v, sub, k,
			               "name, match, probability, ttl, expires_at, error, retry_after, "
			               "delay, reset, throttle, burst, partial, blackhole");
		}
		if (rc < 0)
			return rc;
	}
	if (!named)
		return fail(p, m, path, "missing required key name");
	if (kinds != 1)
		return fail(p, m, path,
		            "%s (one of: error, delay, reset, throttle, partial, blackhole)",
		            kinds ? "more than one kind" : "no kind");
	if (!have_ttl && !have_exp)
		return fail(p, m, path, "missing required key ttl (every fault expires)");
	if (!have_exp)
		f->expires_unix_ns = sl_dyn_expiry(p->now, f->ttl_ns);
	if (f->kind == SL_TBL_F_THROTTLE && f->burst == 0)
		f->burst = f->rate;
	return 0;
}

static int
parse_tenant(struct yp *p, yaml_node_t *m, const char *path, struct sl_dyn_tenant *t)
{
	char sub[160];
	bool named = false;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = expect_map(p, m, path);
	if (rc < 0)
		return rc;
	t->line = (uint32_t)m->start_mark.line + 1;
	FOR_PAIRS(p, m, pair)
	{
		const char *k, *s;
		yaml_node_t *v;
		int64_t x;

		rc = key_of(p, pair, path, &k, &v);
		if (rc < 0)
			return rc;
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		if (strcmp(k, "name") == 0) {
			rc = get_str(p, v, sub, t->name, sizeof(t->name));
			if (rc == 0 && !valid_name(t->name))
				rc = fail(p, v, sub, "'%s' is not a name (allowed: 1..31 of A-Za-z0-9_.-)", t->name);
			named = true;
		} else if (strcmp(k, "rate") == 0) {
			rc = scalar(p, v, sub, &s);
			if (rc == 0 && get_rate(s, &t->rate) < 0)
				rc = fail(p, v, sub, "'%.40s' is not a rate (e.g. 50000/s)", s);
		} else if (strcmp(k, "burst") == 0) {
			rc = get_int(p, v, sub, 1, 100000000, &x);
			t->burst = (uint32_t)x;
		} else if (strcmp(k, "tokens") == 0) {
			if (v->type != YAML_SEQUENCE_NODE)
				return fail(p, v, sub, "expected a list of bearer tokens");
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top && rc == 0; it++) {
				if (t->n_tokens == SL_DYN_TOKENS)
					return fail(p, node(p, *it), sub, "more than %d tokens", SL_DYN_TOKENS);
				rc = get_str(p, node(p, *it), sub, t->tokens[t->n_tokens++],
				             SL_DYN_TOKEN_LEN);
			}
		} else {
			return unknown(p, v, sub, k, "name, tokens, rate, burst");
		}
		if (rc < 0)
			return rc;
	}
	if (!named)
		return fail(p, m, path, "missing required key name");
	if (t->rate != 0 && t->burst == 0)
		t->burst = t->rate;
	return 0;
}

static int
parse_limits(struct yp *p, yaml_node_t *m, struct sl_dyn_limits *l)
{
	char sub[160];
	int rc = expect_map(p, m, "limits");

	if (rc < 0)
		return rc;
	FOR_PAIRS(p, m, pair)
	{
		const char *k;
		yaml_node_t *v;

		rc = key_of(p, pair, "limits", &k, &v);
		if (rc < 0)
			return rc;
		snprintf(sub, sizeof(sub), "limits.%s", k);
		if (strcmp(k, "tenant_header") == 0) {
			rc = get_str(p, v, sub, l->tenant_header, sizeof(l->tenant_header));
			for (char *c = l->tenant_header; rc == 0 && *c; c++) {
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
				if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
					rc = fail(p, v, sub, "'%s' is not a header name", l->tenant_header);
			}
		} else if (strcmp(k, "retry_after") == 0) {
			uint64_t ns;

			rc = get_duration(p, v, sub, &ns);
			if (rc == 0 && (ns < 1000000000ull || ns > 86400000000000ull))
				rc = fail(p, v, sub, "allowed: 1s..24h");
			l->retry_after_s = (uint32_t)(ns / 1000000000ull);
		} else {
			return unknown(p, v, sub, k, "tenant_header, retry_after");
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
parse_list(struct yp *p, yaml_node_t *v, const char *sec, uint32_t max, uint32_t *n,
           int (*one)(struct yp *, yaml_node_t *, const char *, void *), void *arr, size_t elem)
{
	char path[64];
	int rc;

	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(p, v, sec, "expected a list");
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		snprintf(path, sizeof(path), "%s[%u]", sec, *n);
		if (*n == max)
			return fail(p, node(p, *it), path, "more than %u entries", max);
		rc = one(p, node(p, *it), path, (char *)arr + (size_t)*n * elem);
		if (rc < 0)
			return rc;
		(*n)++;
	}
	return 0;
}

static int
one_route(struct yp *p, yaml_node_t *n, const char *path, void *out)
{
	return parse_route(p, n, path, out);
}

static int
one_fault(struct yp *p, yaml_node_t *n, const char *path, void *out)
{
	return parse_fault(p, n, path, out);
}

static int
one_tenant(struct yp *p, yaml_node_t *n, const char *path, void *out)
{
	return parse_tenant(p, n, path, out);
}

/* Node count and no aliases, before the tree is built (see the design comment). */
static int
prescan(struct yp *p, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	size_t nodes = 0;
	int rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = fail(p, NULL, "(yaml)", "YAML syntax error: %s (line %zu)",
			          parser.problem ? parser.problem : "unreadable",
			          (size_t)parser.problem_mark.line + 1);
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT)
			done = true;
		else if (ev.type == YAML_ALIAS_EVENT)
			rc = fail(p, NULL, "(yaml)", "YAML aliases are not supported (line %zu)",
			          (size_t)ev.start_mark.line + 1);
		else if ((ev.type == YAML_SCALAR_EVENT || ev.type == YAML_MAPPING_START_EVENT ||
		          ev.type == YAML_SEQUENCE_START_EVENT) &&
		         ++nodes > MAX_NODES)
			rc = fail(p, NULL, "(yaml)", "more than %d YAML nodes", MAX_NODES);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int
sl_dyn_load_buf(struct sl_dyn *d, const char *buf, size_t len, const char *name, uint64_t now_ns,
                char *err, size_t errlen)
{
	struct yp p = {.name = name ? name : "<buffer>", .err = err, .errlen = errlen, .now = now_ns};
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	bool seen[4] = {false};
	int rc;

	sl_dyn_reset(d);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > MAX_BYTES)
		return fail(&p, NULL, "(file)", "%zu bytes is too large (allowed: up to %d)", len,
		            MAX_BYTES);
	rc = prescan(&p, buf, len);
	if (rc < 0)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_parser_delete(&parser);
		return fail(&p, NULL, "(yaml)", "YAML syntax error");
	}
	p.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || is_null(root))
		goto out; /* empty: no routes, no faults */
	if (root->type != YAML_MAPPING_NODE) {
		rc = fail(&p, root, "(top level)", "expected a mapping of sections");
		goto out;
	}
	FOR_PAIRS(&p, root, pair)
	{
		const char *k;
		yaml_node_t *v;
		int sec = -1;

		rc = key_of(&p, pair, "(top level)", &k, &v);
		if (rc < 0)
			goto out;
		if (strcmp(k, "routes") == 0)
			sec = 0;
		else if (strcmp(k, "faults") == 0)
			sec = 1;
		else if (strcmp(k, "tenants") == 0)
			sec = 2;
		else if (strcmp(k, "limits") == 0)
			sec = 3;
		if (sec < 0)
			continue; /* a static section: config.c's */
		if (seen[sec]) {
			rc = fail(&p, node(&p, pair->key), k, "duplicate section");
			goto out;
		}
		seen[sec] = true;
		if (sec == 0)
			rc = parse_list(&p, v, "routes", SL_TBL_MAX_ROUTES, &d->n_routes, one_route,
			                d->routes, sizeof(d->routes[0]));
		else if (sec == 1)
			rc = parse_list(&p, v, "faults", SL_TBL_MAX_FAULTS, &d->n_faults, one_fault,
			                d->faults, sizeof(d->faults[0]));
		else if (sec == 2)
			rc = parse_list(&p, v, "tenants", SL_TBL_MAX_TENANTS - 1, &d->n_tenants,
			                one_tenant, d->tenants, sizeof(d->tenants[0]));
		else if (!is_null(v))
			rc = parse_limits(&p, v, &d->limits);
		if (rc < 0)
			goto out;
	}
	rc = sl_dyn_validate(d, p.name, err, errlen);
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int
sl_dyn_load_file(struct sl_dyn *d, const char *path, uint64_t now_ns, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t len;
	int rc;

	if (f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return rc;
	}
	buf = malloc(MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, MAX_BYTES + 1, f);
	fclose(f);
	rc = sl_dyn_load_buf(d, buf, len, path, now_ns, err, errlen);
	free(buf);
	return rc;
}

/* --- validation ---------------------------------------------------------- */

static int
vfail(const char *name, uint32_t line, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
vfail(const char *name, uint32_t line, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err == NULL || errlen == 0)
		return -EINVAL;
	if (line)
		snprintf(err, errlen, "%s:%u: %s", name, line, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

static int
add_key(const char *keys[], uint32_t *n, const char *k)
{
	if (strcmp(k, "service.name") == 0)
		return 0;
	for (uint32_t i = 0; i < *n; i++)
		if (strcmp(keys[i], k) == 0)
			return 0;
	if (*n == SL_TBL_MAX_KEYS)
		return -E2BIG;
	keys[(*n)++] = k;
	return 0;
}

static int
check_match(const struct sl_dyn *d, const struct sl_dyn_match *m, const char *what,
            const char *ename, const char *name, uint32_t line, const char *keys[], uint32_t *nk,
            char *err, size_t errlen)
{
	bool found = m->tenant[0] == '\0';

	for (uint32_t t = 0; t < d->n_tenants && !found; t++)
		found = strcmp(d->tenants[t].name, m->tenant) == 0;
	if (!found)
		return vfail(name, line, err, errlen, "%s %s: match.tenant: unknown tenant '%s'",
		             what, ename, m->tenant);
	for (uint32_t a = 0; a < m->n_attrs; a++)
		if (add_key(keys, nk, m->attrs[a].key) < 0)
			return vfail(name, line, err, errlen,
			             "%s %s: attribute '%s': more than %d distinct attribute keys "
			             "besides service.name in all routes and faults (the walker "
			             "extracts no more)",
			             what, ename, m->attrs[a].key, SL_TBL_MAX_KEYS);
	return 0;
}

int
sl_dyn_validate(const struct sl_dyn *d, const char *name, char *err, size_t errlen)
{
	const char *keys[SL_TBL_MAX_KEYS];
	uint32_t nk = 0, defaults = 0, i, j;
	int rc;

	for (i = 0; i < d->n_tenants; i++)
		for (j = 0; j < i; j++)
			if (strcmp(d->tenants[i].name, d->tenants[j].name) == 0)
				return vfail(name, d->tenants[i].line, err, errlen,
				             "tenant %s: duplicate name", d->tenants[i].name);
	for (i = 0; i < d->n_routes; i++) {
		const struct sl_dyn_route *r = &d->routes[i];

		for (j = 0; j < i; j++)
			if (strcmp(r->name, d->routes[j].name) == 0)
				return vfail(name, r->line, err, errlen, "route %s: duplicate name",
				             r->name);
		if (r->is_default && ++defaults > 1)
			return vfail(name, r->line, err, errlen,
			             "route %s: a second default route", r->name);
		if (r->drop && r->n_sinks)
			return vfail(name, r->line, err, errlen,
			             "route %s: drop and sinks together", r->name);
		rc = check_match(d, &r->match, "route", r->name, name, r->line, keys, &nk, err,
		                 errlen);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < d->n_faults; i++) {
		const struct sl_dyn_fault *f = &d->faults[i];

		for (j = 0; j < i; j++)
			if (strcmp(f->name, d->faults[j].name) == 0)
				return vfail(name, f->line, err, errlen, "fault %s: duplicate name",
				             f->name);
		rc = check_match(d, &f->match, "fault", f->name, name, f->line, keys, &nk, err,
		                 errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* --- YAML out ------------------------------------------------------------ */

static void
q(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
write_match(FILE *f, const struct sl_dyn_match *m)
{
	static const char *const kinds[] = {"exact", "prefix", "glob", "exists"};

	fprintf(f, "    match:");
	if (!m->signals && !m->tenant[0] && !m->has_source && !m->port && !m->n_attrs) {
		fprintf(f, " {}\n");
		return;
	}
	fputc('\n', f);
	if (m->signals) {
		fprintf(f, "      signal: [");
		for (int i = 0, n = 0; i < 3; i++)
			if (m->signals & (1u << i))
				fprintf(f, "%s%s", n++ ? ", " : "", signal_names[i]);
		fprintf(f, "]\n");
	}
	if (m->tenant[0]) {
		fprintf(f, "      tenant: ");
		q(f, m->tenant);
		fputc('\n', f);
	}
	if (m->has_source) {
		fprintf(f, "      source: ");
		q(f, m->source);
		fputc('\n', f);
	}
	if (m->port)
		fprintf(f, "      port: %u\n", m->port);
	if (m->n_attrs) {
		fprintf(f, "      attributes:\n");
		for (uint32_t a = 0; a < m->n_attrs; a++) {
			fprintf(f, "        ");
			q(f, m->attrs[a].key);
			if (m->attrs[a].kind == SL_DYN_EXISTS) {
				fprintf(f, ": {exists: true}\n");
				continue;
			}
			fprintf(f, ": {%s: ", kinds[m->attrs[a].kind]);
			q(f, m->attrs[a].value);
			fprintf(f, "}\n");
		}
	}
}

void
sl_dyn_write(FILE *f, const struct sl_dyn *d)
{
	char dur[32];
	uint32_t i, k;

	fprintf(f, "limits:\n  tenant_header: ");
	q(f, d->limits.tenant_header);
	fprintf(f, "\n  retry_after: %us\n", d->limits.retry_after_s);
	fprintf(f, "tenants:%s\n", d->n_tenants ? "" : " []");
	for (i = 0; i < d->n_tenants; i++) {
		const struct sl_dyn_tenant *t = &d->tenants[i];

		fprintf(f, "  - name: ");
		q(f, t->name);
		fputc('\n', f);
		if (t->rate)
			fprintf(f, "    rate: %u\n    burst: %u\n", t->rate, t->burst);
		if (t->n_tokens) {
			fprintf(f, "    tokens: [");
			for (k = 0; k < t->n_tokens; k++) {
				fprintf(f, k ? ", " : "");
				q(f, t->tokens[k]);
			}
			fprintf(f, "]\n");
		}
	}
	fprintf(f, "routes:%s\n", d->n_routes ? "" : " []");
	for (i = 0; i < d->n_routes; i++) {
		const struct sl_dyn_route *r = &d->routes[i];

		fprintf(f, "  - name: ");
		q(f, r->name);
		fprintf(f, "\n    priority: %d\n", r->priority);
		if (r->is_default)
			fprintf(f, "    default: true\n");
		write_match(f, &r->match);
		if (r->n_sinks) {
			fprintf(f, "    sinks:\n");
			for (k = 0; k < r->n_sinks; k++) {
				fprintf(f, "      - ");
				q(f, r->sinks[k]);
				fputc('\n', f);
			}
		}
		if (r->drop)
			fprintf(f, "    drop: true\n");
		if (r->sample < 1.0)
			fprintf(f, "    sample: %.9g\n", r->sample);
		if (r->durability)
			fprintf(f, "    durability: %s\n",
			        r->durability == SL_TBL_DUR_PERSISTED ? "persisted" : "received");
		if (r->tenant_rate)
			fprintf(f, "    tenant_rate: %u\n    tenant_burst: %u\n", r->tenant_rate,
			        r->tenant_burst ? r->tenant_burst : r->tenant_rate);
	}
	fprintf(f, "faults:%s\n", d->n_faults ? "" : " []");
	for (i = 0; i < d->n_faults; i++) {
		const struct sl_dyn_fault *ft = &d->faults[i];

		fprintf(f, "  - name: ");
		q(f, ft->name);
		fputc('\n', f);
		write_match(f, &ft->match);
		fprintf(f, "    probability: %.9g\n", ft->probability);
		switch (ft->kind) {
		case SL_TBL_F_ERROR:
			fprintf(f, "    error: %u\n", ft->status);
			break;
		case SL_TBL_F_DELAY: {
			char lo[32], hi[32];

			sl_dyn_format_duration(ft->delay_min_ns, lo, sizeof(lo));
			sl_dyn_format_duration(ft->delay_max_ns, hi, sizeof(hi));
			if (ft->delay_min_ns == ft->delay_max_ns)
				fprintf(f, "    delay: %s\n", lo);
			else
				fprintf(f, "    delay: %s-%s\n", lo, hi);
			break;
		}
		case SL_TBL_F_THROTTLE:
			fprintf(f, "    throttle: %u/s\n    burst: %u\n", ft->rate, ft->burst);
			break;
		case SL_TBL_F_PARTIAL:
			fprintf(f, "    partial: %.9g\n", ft->partial);
			break;
		case SL_TBL_F_RESET:
			fprintf(f, "    reset: true\n");
			break;
		case SL_TBL_F_BLACKHOLE:
			fprintf(f, "    blackhole: true\n");
			break;
		}
		if (ft->retry_after_s)
			fprintf(f, "    retry_after: %us\n", ft->retry_after_s);
		sl_dyn_format_duration(ft->ttl_ns, dur, sizeof(dur));
		fprintf(f, "    ttl: %s\n    expires_at: %" PRIu64 "\n", dur,
		        (uint64_t)((ft->expires_unix_ns + 999999999ull) / 1000000000ull));
	}
}

/* --- command-line specs -------------------------------------------------- */

static int
cli_match(struct sl_dyn_match *m, const char *spec, char *err, size_t errlen)
{
	char key[SL_DYN_KEY_LEN + 2];
	const char *eq = strchr(spec, '=');
	size_t kl;
	struct sl_dyn_attr *a;

	if (eq == NULL) {
		kl = strlen(spec);
		if (kl >= 2 && spec[kl - 1] == '?' && kl - 1 < SL_DYN_KEY_LEN) {
			if (m->n_attrs == SL_TBL_MAX_CONDS - 4)
				goto too_many;
			a = &m->attrs[m->n_attrs];
			memset(a, 0, sizeof(*a));
			memcpy(a->key, spec, kl - 1);
			a->kind = SL_DYN_EXISTS;
			if (!valid_key(a->key))
				goto bad;
			m->n_attrs++;
			return 0;
		}
		goto bad;
	}
	kl = (size_t)(eq - spec);
	if (kl == 0 || kl > SL_DYN_KEY_LEN)
		goto bad;
	memcpy(key, spec, kl);
	key[kl] = '\0';
	if (strcmp(key, "signal") == 0) {
		if (parse_signals(eq + 1, &m->signals) < 0) {
			snprintf(err, errlen, "--match %s: not a signal (allowed: traces, metrics, logs)", spec);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "tenant") == 0) {
		if (!valid_name(eq + 1))
			goto bad;
		snprintf(m->tenant, sizeof(m->tenant), "%s", eq + 1);
		return 0;
	}
	if (strcmp(key, "source") == 0) {
		if (strlen(eq + 1) >= sizeof(m->source) ||
		    sl_dyn_parse_cidr(eq + 1, m->addr, &m->plen) < 0) {
			snprintf(err, errlen,
			         "--match %s: not an address prefix (e.g. 10.0.0.0/8; host bits zero)",
			         spec);
			return -EINVAL;
		}
		snprintf(m->source, sizeof(m->source), "%s", eq + 1);
		m->has_source = true;
		return 0;
	}
	if (strcmp(key, "port") == 0) {
		char *end;
		unsigned long p = strtoul(eq + 1, &end, 10);

		if (end == eq + 1 || *end || p == 0 || p > 65535)
			goto bad;
		m->port = (uint16_t)p;
		return 0;
	}
	if (m->n_attrs == SL_TBL_MAX_CONDS - 4)
		goto too_many;
	a = &m->attrs[m->n_attrs];
	memset(a, 0, sizeof(*a));
	a->kind = SL_DYN_EXACT;
	if (kl > 1 && key[kl - 1] == '^') {
		key[kl - 1] = '\0';
		a->kind = SL_DYN_PREFIX;
	} else if (has_glob(eq + 1)) {
		a->kind = SL_DYN_GLOB;
	}
	if (!valid_key(key) || strlen(eq + 1) >= SL_DYN_VAL_LEN)
		goto bad;
	memcpy(a->key, key, strlen(key) + 1);
	snprintf(a->value, sizeof(a->value), "%s", eq + 1);
	m->n_attrs++;
	return 0;
too_many:
	snprintf(err, errlen, "--match: more than %d attribute terms", SL_TBL_MAX_CONDS - 4);
	return -EINVAL;
bad:
	snprintf(err, errlen,
	         "--match '%.80s': expected KEY=VALUE, KEY^=PREFIX, KEY? (exists), signal=S, "
	         "tenant=T, source=CIDR or port=N",
	         spec);
	return -EINVAL;
}

static const char *
need_arg(int argc, char **argv, int *i, char *err, size_t errlen)
{
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int
parse_ratio_arg(const char *opt, const char *s, bool lo_open, double *v, char *err, size_t errlen)
{
	char *end;
	double x = strtod(s, &end);

	if (end == s || *end || !isfinite(x) || x < 0 || x > 1 || (lo_open && x == 0)) {
		snprintf(err, errlen, "%s '%s': not a ratio (allowed: %s..1)", opt, s,
		         lo_open ? "above 0" : "0");
		return -EINVAL;
	}
	*v = x;
	return 0;
}

int
sl_dyn_fault_from_args(int argc, char **argv, uint64_t now_ns, struct sl_dyn_fault *f, char *err,
                       size_t errlen)
{
	int kinds = 0, i;
	const char *v;

	memset(f, 0, sizeof(*f));
	f->probability = 1.0;
	f->ttl_ns = 600000000000ull; /* 10m when not given: every fault expires */
	if (argc < 1 || argv[0][0] == '-') {
		snprintf(err, errlen, "faults add: expected NAME first");
		return -EINVAL;
	}
	if (!valid_name(argv[0])) {
		snprintf(err, errlen, "'%s' is not a name (allowed: 1..31 of A-Za-z0-9_.-)", argv[0]);
		return -EINVAL;
	}
	snprintf(f->name, sizeof(f->name), "%s", argv[0]);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--reset") == 0 || strcmp(o, "--blackhole") == 0) {
			kinds++;
			f->kind = o[2] == 'r' ? SL_TBL_F_RESET : SL_TBL_F_BLACKHOLE;
			continue;
		}
		if (strcmp(o, "--match") != 0 && strcmp(o, "--error") != 0 &&
		    strcmp(o, "--delay") != 0 && strcmp(o, "--throttle") != 0 &&
		    strcmp(o, "--partial") != 0 && strcmp(o, "--probability") != 0 &&
		    strcmp(o, "--ttl") != 0 && strcmp(o, "--retry-after") != 0 &&
		    strcmp(o, "--burst") != 0) {
			snprintf(err, errlen,
			         "faults add: unknown option '%s' (allowed: --match, --error, --delay, "
			         "--reset, --throttle, --partial, --blackhole, --probability, --ttl, "
			         "--retry-after, --burst)",
			         o);
			return -EINVAL;
		}
		v = need_arg(argc, argv, &i, err, errlen);
		if (v == NULL)
			return -EINVAL;
		if (strcmp(o, "--match") == 0) {
			if (cli_match(&f->match, v, err, errlen) < 0)
				return -EINVAL;
		} else if (strcmp(o, "--error") == 0) {
			char *end;
			unsigned long s = strtoul(v, &end, 10);

			kinds++;
			f->kind = SL_TBL_F_ERROR;
			if (end == v || *end || s < 400 || s > 599) {
				snprintf(err, errlen, "--error '%s': an HTTP status 400..599", v);
				return -EINVAL;
			}
			f->status = (uint32_t)s;
		} else if (strcmp(o, "--delay") == 0) {
			kinds++;
			f->kind = SL_TBL_F_DELAY;
			if (get_delay(v, &f->delay_min_ns, &f->delay_max_ns) < 0) {
				snprintf(err, errlen,
				         "--delay '%s': expected a duration or a range (200ms, 100ms-2s; "
				         "at most 1h)",
				         v);
				return -EINVAL;
			}
		} else if (strcmp(o, "--throttle") == 0) {
			kinds++;
			f->kind = SL_TBL_F_THROTTLE;
			if (get_rate(v, &f->rate) < 0) {
				snprintf(err, errlen, "--throttle '%s': expected N/s (e.g. 100/s)", v);
				return -EINVAL;
			}
		} else if (strcmp(o, "--burst") == 0) {
			if (get_rate(v, &f->burst) < 0) {
				snprintf(err, errlen, "--burst '%s': expected a count", v);
				return -EINVAL;
			}
		} else if (strcmp(o, "--partial") == 0) {
			kinds++;
			f->kind = SL_TBL_F_PARTIAL;
			if (parse_ratio_arg(o, v, true, &f->partial, err, errlen) < 0)
				return -EINVAL;
		} else if (strcmp(o, "--probability") == 0) {
			if (parse_ratio_arg(o, v, false, &f->probability, err, errlen) < 0)
				return -EINVAL;
		} else if (strcmp(o, "--ttl") == 0) {
			if (sl_dyn_parse_duration(v, &f->ttl_ns) < 0 || f->ttl_ns < 1000000000ull) {
				snprintf(err, errlen, "--ttl '%s': expected a duration of 1s or more (e.g. 10m)", v);
				return -EINVAL;
			}
		} else {
			uint64_t ns;

			if (sl_dyn_parse_duration(v, &ns) < 0 || ns > 86400000000000ull) {
				snprintf(err, errlen, "--retry-after '%s': expected a duration up to 24h", v);
				return -EINVAL;
			}
			f->retry_after_s = (uint32_t)(ns / 1000000000ull);
		}
	}
	if (kinds != 1) {
		snprintf(err, errlen,
		         "faults add %s: %s (one of --error STATUS, --delay D[-D], --reset, "
		         "--throttle N/s, --partial R, --blackhole)",
		         f->name, kinds ? "more than one kind" : "no kind");
		return -EINVAL;
	}
	if (f->kind == SL_TBL_F_THROTTLE && f->burst == 0)
		f->burst = f->rate;
	f->expires_unix_ns = sl_dyn_expiry(now_ns, f->ttl_ns);
	return 0;
}

int
sl_dyn_route_from_args(int argc, char **argv, struct sl_dyn_route *r, char *err, size_t errlen)
{
	const char *v;
	int i;

	memset(r, 0, sizeof(*r));
	r->sample = 1.0;
	if (argc < 1 || argv[0][0] == '-') {
		snprintf(err, errlen, "routes add: expected NAME first");
		return -EINVAL;
	}
	if (!valid_name(argv[0])) {
		snprintf(err, errlen, "'%s' is not a name (allowed: 1..31 of A-Za-z0-9_.-)", argv[0]);
		return -EINVAL;
	}
	snprintf(r->name, sizeof(r->name), "%s", argv[0]);
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "--drop") == 0) {
			r->drop = true;
			continue;
		}
		if (strcmp(o, "--default") == 0) {
			r->is_default = true;
			continue;
		}
		if (strcmp(o, "--match") != 0 && strcmp(o, "--sink") != 0 &&
		    strcmp(o, "--durability") != 0 && strcmp(o, "--sample") != 0 &&
		    strcmp(o, "--priority") != 0 && strcmp(o, "--tenant-rate") != 0) {
			snprintf(err, errlen,
			         "routes add: unknown option '%s' (allowed: --match, --sink, --drop, "
			         "--durability, --sample, --priority, --tenant-rate, --default)",
			         o);
			return -EINVAL;
		}
		v = need_arg(argc, argv, &i, err, errlen);
		if (v == NULL)
			return -EINVAL;
		if (strcmp(o, "--match") == 0) {
			if (cli_match(&r->match, v, err, errlen) < 0)
				return -EINVAL;
		} else if (strcmp(o, "--sink") == 0) {
			if (r->n_sinks == SL_TBL_MAX_SINKS) {
				snprintf(err, errlen, "--sink: more than %d sinks", SL_TBL_MAX_SINKS);
				return -EINVAL;
			}
			if (v[0] != '/' || strlen(v) >= SL_DYN_PATH_LEN) {
				snprintf(err, errlen, "--sink '%s': expected an absolute directory", v);
				return -EINVAL;
			}
			snprintf(r->sinks[r->n_sinks++], SL_DYN_PATH_LEN, "%s", v);
		} else if (strcmp(o, "--durability") == 0) {
			if (strcmp(v, "received") == 0)
				r->durability = SL_TBL_DUR_RECEIVED;
			else if (strcmp(v, "persisted") == 0)
				r->durability = SL_TBL_DUR_PERSISTED;
			else {
				snprintf(err, errlen, "--durability '%s' (allowed: received, persisted)", v);
				return -EINVAL;
			}
		} else if (strcmp(o, "--sample") == 0) {
			if (parse_ratio_arg(o, v, true, &r->sample, err, errlen) < 0)
				return -EINVAL;
		} else if (strcmp(o, "--priority") == 0) {
			char *end;
			long p = strtol(v, &end, 10);

			if (end == v || *end || p < -1000000 || p > 1000000) {
				snprintf(err, errlen, "--priority '%s': an integer in -1000000..1000000", v);
				return -EINVAL;
			}
			r->priority = (int32_t)p;
		} else {
			if (get_rate(v, &r->tenant_rate) < 0) {
				snprintf(err, errlen, "--tenant-rate '%s': expected N/s", v);
				return -EINVAL;
			}
			r->tenant_burst = r->tenant_rate;
		}
	}
	if (r->drop && r->n_sinks) {
		snprintf(err, errlen, "routes add %s: --drop and --sink together", r->name);
		return -EINVAL;
	}
	return 0;
}

/* --- display ------------------------------------------------------------- */

void
sl_dyn_format_match(const struct sl_dyn_match *m, char *out, size_t len)
{
	static const char *const ops[] = {"=", "^=", "=", "?"};
	size_t used = 0;
	int w;

	out[0] = '\0';
#define APPEND(...)                                                                    \
	do {                                                                               \
		w = snprintf(out + used, len - used, __VA_ARGS__);                         \
		if (w < 0 || (size_t)w >= len - used)                                      \
			return;                                                            \
		used += (size_t)w;                                                         \
	} while (0)
	for (uint32_t a = 0; a < m->n_attrs; a++) {
		if (m->attrs[a].kind == SL_DYN_EXISTS)
			APPEND("%s%s?", used ? " " : "", m->attrs[a].key);
		else
			APPEND("%s%s%s%s", used ? " " : "", m->attrs[a].key, ops[m->attrs[a].kind],
			       m->attrs[a].value);
	}
	if (m->signals) {
		APPEND("%ssignal=", used ? " " : "");
		for (int i = 0, n = 0; i < 3; i++)
			if (m->signals & (1u << i))
				APPEND("%s%s", n++ ? "," : "", signal_names[i]);
	}
	if (m->tenant[0])
		APPEND("%stenant=%s", used ? " " : "", m->tenant);
	if (m->has_source)
		APPEND("%ssource=%s", used ? " " : "", m->source);
	if (m->port)
		APPEND("%sport=%u", used ? " " : "", m->port);
	if (used == 0)
		APPEND("*");
#undef APPEND
}

void
sl_dyn_format_fault_action(const struct sl_dyn_fault *f, char *out, size_t len)
{
	char a[32], b[32];

	switch (f->kind) {
	case SL_TBL_F_ERROR:
		if (f->retry_after_s)
			snprintf(out, len, "error %u retry-after %us", f->status, f->retry_after_s);
		else
			snprintf(out, len, "error %u", f->status);
		break;
	case SL_TBL_F_DELAY:
		sl_dyn_format_duration(f->delay_min_ns, a, sizeof(a));
		sl_dyn_format_duration(f->delay_max_ns, b, sizeof(b));
		if (f->delay_min_ns == f->delay_max_ns)
			snprintf(out, len, "delay %s", a);
		else
			snprintf(out, len, "delay %s-%s", a, b);
		break;
	case SL_TBL_F_THROTTLE:
		snprintf(out, len, "throttle %u/s", f->rate);
		break;
	case SL_TBL_F_PARTIAL:
		snprintf(out, len, "partial %g", f->partial);
		break;
	default:
		snprintf(out, len, "%s", sl_dyn_fault_kind_name(f->kind));
	}
}
