/* SPDX-License-Identifier: BSD-3-Clause */
/* The route/fault matcher over a table image, the image validator and CRC32C (no DPDK). */
#include <errno.h>
#include <string.h>

#include "table_match.h"

static uint32_t crc_table[256];
static int crc_ready;

static void
crc_init(void)
{
	uint32_t i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc_table[i] = c;
	}
	__atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint32_t
sl_tbl_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = ~crc;

	/* Idempotent: two threads filling the table write the same values. */
	if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE))
		crc_init();
	while (len--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

bool
sl_tbl_glob(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star_p = ++p;
			star_i = i;
			continue;
		}
		if (p < plen && pat[p] == '\\' && p + 1 < plen) {
			if (pat[p + 1] == s[i]) {
				p += 2;
				i++;
				continue;
			}
		} else if (p < plen && (pat[p] == '?' || pat[p] == s[i])) {
			p++;
			i++;
			continue;
		}
		if (star_p == (size_t)-1)
			return false;
		/* Backtrack: the last '*' takes one byte more. */
		p = star_p;
		i = ++star_i;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

static bool
attr_cond(const struct sl_tbl_hdr *h, const struct sl_tbl_cond *c, const struct sl_otlp_entry *e)
{
	const struct sl_otlp_attr *a;
	const char *v;

	if (c->key > SL_TBL_MAX_KEYS || !(e->present & (1u << c->key)))
		return false;
	a = &e->attrs[c->key];
	if (c->kind == SL_TBL_C_ATTR_EXISTS)
		return true;
	if (a->type != SL_OTLP_VAL_STRING)
		return false;
	v = sl_tbl_str(h, c->str_off);
	switch (c->kind) {
	case SL_TBL_C_ATTR_EXACT:
		/* A cut value cannot be decided: a miss (documented limit). */
		return !a->truncated && a->len == c->str_len && memcmp(a->val, v, a->len) == 0;
	case SL_TBL_C_ATTR_PREFIX:
		return a->len >= c->str_len && memcmp(a->val, v, c->str_len) == 0;
	case SL_TBL_C_ATTR_GLOB:
		return !a->truncated && sl_tbl_glob(v, c->str_len, a->val, a->len);
	default:
		return false;
	}
}

static bool
prefix_match(const uint8_t *net, unsigned plen, const uint8_t *addr)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(net, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((net[full] ^ addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

static bool
conds_hold(const struct sl_tbl_hdr *h, uint32_t first, uint32_t n, const struct sl_tbl_ctx *ctx,
           const struct sl_otlp_entry *e)
{
	const struct sl_tbl_cond *c = sl_tbl_conds(h) + first;
	uint32_t i;

	for (i = 0; i < n; i++, c++) {
		switch (c->kind) {
		case SL_TBL_C_SIGNAL:
			if (!(c->a & (1u << ctx->signal)))
				return false;
			break;
		case SL_TBL_C_TENANT:
			if (ctx->tenant != c->a)
				return false;
			break;
		case SL_TBL_C_PORT:
			if (ctx->listener_port != c->a)
				return false;
			break;
		case SL_TBL_C_SOURCE:
			if (!prefix_match(c->addr, c->plen, ctx->src))
				return false;
			break;
		default:
			if (e == NULL || !attr_cond(h, c, e))
				return false;
		}
	}
	return true;
}

uint32_t
sl_tbl_match_route(const struct sl_tbl_hdr *h, const struct sl_tbl_ctx *ctx,
                   const struct sl_otlp_entry *e)
{
	const struct sl_tbl_route *r = sl_tbl_routes(h);
	uint32_t i;

	for (i = 0; i < h->n_routes; i++)
		if ((r[i].flags & SL_TBL_R_DEFAULT) ||
		    conds_hold(h, r[i].first_cond, r[i].n_conds, ctx, e))
			return i;
	return h->default_route;
}

int
sl_tbl_match_fault(const struct sl_tbl_hdr *h, const struct sl_tbl_ctx *ctx,
                   const struct sl_otlp_entry *e, uint64_t now_ns)
{
	const struct sl_tbl_fault *f = sl_tbl_faults(h);
	uint32_t i;

	for (i = 0; i < h->n_faults; i++) {
		if (now_ns != 0 && f[i].expires_unix_ns != 0 && f[i].expires_unix_ns <= now_ns)
			continue;
		if (conds_hold(h, f[i].first_cond, f[i].n_conds, ctx, e))
			return (int)i;
	}
	return -1;
}

uint32_t
sl_tbl_tenant_by_name(const struct sl_tbl_hdr *h, const char *name, size_t len)
{
	const struct sl_tbl_tenant *t = sl_tbl_tenants(h);
	uint32_t i;

	if (len == 0 || len >= SL_TBL_NAME_LEN)
		return 0;
	for (i = 1; i < h->n_tenants; i++)
		if (strncmp(t[i].name, name, len) == 0 && t[i].name[len] == '\0')
			return i;
	return 0;
}

/* Tokens are sorted by (length, bytes): a length compare settles most probes. */
static int
tok_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	if (al != bl)
		return al < bl ? -1 : 1;
	return memcmp(a, b, al);
}

uint32_t
sl_tbl_tenant_by_token(const struct sl_tbl_hdr *h, const char *tok, size_t len)
{
	const struct sl_tbl_token *t = sl_tbl_tokens(h);
	uint32_t lo = 0, hi = h->n_tokens;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = tok_cmp(tok, len, sl_tbl_str(h, t[mid].str_off), t[mid].str_len);

		if (c == 0)
			return t[mid].tenant;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* [off, off + n * size) inside [hdr_size, total)? */
static bool
section_ok(uint32_t off, uint32_t n, size_t size, uint32_t total, uint32_t hdr_size)
{
	uint64_t end = (uint64_t)off + (uint64_t)n * size;

	if (n == 0)
		return off <= total;
	return off >= hdr_size && off % 8 == 0 && end <= total;
}

static bool
str_ok(const struct sl_tbl_hdr *h, uint32_t off, uint32_t len)
{
	return (uint64_t)off + len <= h->strings_size;
}

static bool
conds_ok(const struct sl_tbl_hdr *h, uint32_t first, uint32_t n)
{
	const struct sl_tbl_cond *c;
	uint32_t i;

	if ((uint64_t)first + n > h->n_conds || n > SL_TBL_MAX_CONDS)
		return false;
	c = sl_tbl_conds(h) + first;
	for (i = 0; i < n; i++, c++) {
		switch (c->kind) {
		case SL_TBL_C_SIGNAL:
		case SL_TBL_C_PORT:
			break;
		case SL_TBL_C_TENANT:
			if (c->a == 0 || c->a >= h->n_tenants)
				return false;
			break;
		case SL_TBL_C_SOURCE:
			if (c->plen > 128)
				return false;
			break;
		case SL_TBL_C_ATTR_EXACT:
		case SL_TBL_C_ATTR_PREFIX:
		case SL_TBL_C_ATTR_GLOB:
		case SL_TBL_C_ATTR_EXISTS:
			if (c->key > h->n_keys || !str_ok(h, c->str_off, c->str_len))
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

int
sl_tbl_image_check(const void *img, size_t max_size)
{
	const struct sl_tbl_hdr *h = img;
	struct sl_tbl_hdr copy;
	uint32_t crc, i;

	if (max_size < sizeof(*h) || h->magic != SL_TBL_IMAGE_MAGIC ||
	    h->version != SL_TBL_LAYOUT_VERSION || h->hdr_size != sizeof(*h) ||
	    h->total_size < sizeof(*h) || h->total_size > max_size)
		return -EPROTO;
	copy = *h;
	copy.crc32c = 0;
	crc = sl_tbl_crc32c(0, &copy, sizeof(copy));
	crc = sl_tbl_crc32c(crc, (const char *)img + sizeof(copy), h->total_size - sizeof(copy));
	if (crc != h->crc32c)
		return -EBADMSG;
	if (!section_ok(h->keys_off, h->n_keys, sizeof(struct sl_tbl_key), h->total_size,
	                h->hdr_size) ||
	    !section_ok(h->conds_off, h->n_conds, sizeof(struct sl_tbl_cond), h->total_size,
	                h->hdr_size) ||
	    !section_ok(h->routes_off, h->n_routes, sizeof(struct sl_tbl_route), h->total_size,
	                h->hdr_size) ||
	    !section_ok(h->sinks_off, h->n_sinks, sizeof(struct sl_tbl_sink), h->total_size,
	                h->hdr_size) ||
	    !section_ok(h->faults_off, h->n_faults, sizeof(struct sl_tbl_fault), h->total_size,
	                h->hdr_size) ||
	    !section_ok(h->tenants_off, h->n_tenants, sizeof(struct sl_tbl_tenant), h->total_size,
	                h->hdr_size) ||
	    !section_ok(h->tokens_off, h->n_tokens, sizeof(struct sl_tbl_token), h->total_size,
	                h->hdr_size) ||
	    (uint64_t)h->strings_off + h->strings_size > h->total_size ||
	    h->strings_off < h->hdr_size)
		return -EINVAL;
	if (h->n_keys > SL_TBL_MAX_KEYS || h->n_routes == 0 || h->n_routes > SL_TBL_MAX_ROUTES + 1 ||
	    h->n_faults > SL_TBL_MAX_FAULTS || h->n_tenants == 0 ||
	    h->n_tenants > SL_TBL_MAX_TENANTS || h->n_tokens > SL_TBL_MAX_TOKENS ||
	    h->default_route != h->n_routes - 1 ||
	    !(sl_tbl_routes(h)[h->default_route].flags & SL_TBL_R_DEFAULT) ||
	    !str_ok(h, h->tenant_header_off, h->tenant_header_len))
		return -EINVAL;
	for (i = 0; i < h->n_keys; i++)
		if (!str_ok(h, sl_tbl_keys(h)[i].str_off, sl_tbl_keys(h)[i].str_len))
			return -EINVAL;
	for (i = 0; i < h->n_routes; i++) {
		const struct sl_tbl_route *r = &sl_tbl_routes(h)[i];
		uint32_t k;

		if (!conds_ok(h, r->first_cond, r->n_conds) || r->n_sinks > SL_TBL_MAX_SINKS ||
		    (uint64_t)r->first_sink + r->n_sinks > h->n_sinks ||
		    memchr(r->name, '\0', sizeof(r->name)) == NULL)
			return -EINVAL;
		for (k = 0; k < r->n_sinks; k++) {
			const struct sl_tbl_sink *s = &sl_tbl_sinks(h)[r->first_sink + k];

			if (!str_ok(h, s->str_off, s->str_len))
				return -EINVAL;
		}
	}
	for (i = 0; i < h->n_faults; i++) {
		const struct sl_tbl_fault *f = &sl_tbl_faults(h)[i];

		if (!conds_ok(h, f->first_cond, f->n_conds) || f->kind < SL_TBL_F_DELAY ||
		    f->kind > SL_TBL_F_BLACKHOLE || memchr(f->name, '\0', sizeof(f->name)) == NULL)
			return -EINVAL;
	}
	for (i = 0; i < h->n_tenants; i++)
		if (memchr(sl_tbl_tenants(h)[i].name, '\0', SL_TBL_NAME_LEN) == NULL)
			return -EINVAL;
	for (i = 0; i < h->n_tokens; i++) {
		const struct sl_tbl_token *t = &sl_tbl_tokens(h)[i];

		if (!str_ok(h, t->str_off, t->str_len) || t->tenant == 0 ||
		    t->tenant >= h->n_tenants)
			return -EINVAL;
	}
	return 0;
}
