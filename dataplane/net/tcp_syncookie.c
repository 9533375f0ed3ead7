/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN cookie encode/verify, timestamp option packing, and the SipHash-2-4 they use. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "tcp_seq.h"
#include "tcp_syncookie.h"

#define COOKIE_SLOT_SHIFT 29
#define COOKIE_MSS_SHIFT  26
#define COOKIE_MAC_MASK   ((UINT32_C(1) << COOKIE_MSS_SHIFT) - 1)
#define COOKIE_SLOT_MASK  7u /* 3 bits of the slot travel in the cookie */

#define TS_MASK     ((UINT32_C(1) << SL_TCP_SYNCOOKIE_TS_BITS) - 1)
#define TS_WS_MASK  0xfu
#define TS_SACK     0x10u
#define TS_RESERVED 0x20u

/*
 * Ascending. 536: IPv4 default; 1220: IPv6 minimum MTU (1280 - 60); 1300 and
 * 1380: tunnels and VPNs; 1440: IPv6 on Ethernet; 1452: PPPoE; 1460: IPv4 on
 * Ethernet; 8960: 9000-byte jumbo frames. A peer between two classes gets the
 * lower one, costing it at most (next - this) / next of its segment size.
 */
const uint16_t sl_tcp_syncookie_mss_tab[SL_TCP_SYNCOOKIE_MSS_CLASSES] = {
    536, 1220, 1300, 1380, 1440, 1452, 1460, 8960,
};

/* ---- SipHash-2-4 ---------------------------------------------------------------------- */

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t
rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound: the ARX network of the paper's figure 2.1. */
static inline void
sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

/* Initialisation: the key xored with "somepseudorandomlygeneratedbytes". */
static inline void
sip_init(struct sip_state *s, const struct sl_tcp_syncookie_key *key)
{
	s->v0 = key->k0 ^ UINT64_C(0x736f6d6570736575);
	s->v1 = key->k1 ^ UINT64_C(0x646f72616e646f6d);
	s->v2 = key->k0 ^ UINT64_C(0x6c7967656e657261);
	s->v3 = key->k1 ^ UINT64_C(0x7465646279746573);
}

/* Compression of one 64-bit message word: c = 2 rounds. */
static inline void
sip_compress(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* Last block (len mod 256 in the top byte, tail bytes below), then d = 4 rounds. */
static inline uint64_t
sip_finish(struct sip_state *s, uint64_t last)
{
	sip_compress(s, last);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* SipHash of the 8n-byte little-endian encoding of w[0..n). */
static uint64_t
siphash_words(const struct sl_tcp_syncookie_key *key, const uint64_t *w, size_t n)
{
	struct sip_state s;
	size_t i;

	sip_init(&s, key);
	for (i = 0; i < n; i++)
		sip_compress(&s, w[i]);
	return sip_finish(&s, (uint64_t)(n * 8) << 56);
}

static inline uint64_t
load_le64(const uint8_t *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t
sl_tcp_syncookie_siphash(const struct sl_tcp_syncookie_key *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t full = len / 8, i;
	struct sip_state s;

	sip_init(&s, key);
	for (i = 0; i < full; i++)
		sip_compress(&s, load_le64(p + 8 * i, 8));
	return sip_finish(&s, ((uint64_t)len << 56) | load_le64(p + 8 * full, len % 8));
}

/* ---- cookies --------------------------------------------------------------------------- */

int
sl_tcp_syncookie_key_init(struct sl_tcp_syncookie_key *key)
{
	uint8_t b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	key->k0 = load_le64(b, 8);
	key->k1 = load_le64(b + 8, 8);
	memset(b, 0, sizeof(b));
	return 0;
}

static uint32_t
cookie_mac(const struct sl_tcp_syncookie_key *key, const struct sl_tcp_cookie_flow *f,
           uint32_t peer_isn, uint32_t slot, unsigned mss_idx)
{
	uint64_t w[6];
	size_t n = 0;

	if (f->v6) {
		w[n++] = (uint64_t)f->saddr[0] << 32 | f->saddr[1];
		w[n++] = (uint64_t)f->saddr[2] << 32 | f->saddr[3];
		w[n++] = (uint64_t)f->daddr[0] << 32 | f->daddr[1];
		w[n++] = (uint64_t)f->daddr[2] << 32 | f->daddr[3];
	} else {
		w[n++] = (uint64_t)f->saddr[0] << 32 | f->daddr[0];
	}
	w[n++] = (uint64_t)f->sport << 48 | (uint64_t)f->dport << 32 | peer_isn;
	/* The family is hashed so a v4 flow never collides with a v6 one. */
	w[n++] = (uint64_t)slot << 32 | (uint64_t)mss_idx << 8 | (f->v6 ? 6u : 4u);
	return (uint32_t)siphash_words(key, w, n) & COOKIE_MAC_MASK;
}

uint32_t
sl_tcp_syncookie_encode(const struct sl_tcp_syncookie_key *key,
                        const struct sl_tcp_cookie_flow *flow, uint32_t peer_isn, uint32_t slot,
                        uint16_t mss, uint16_t *mss_out)
{
	unsigned idx = SL_TCP_SYNCOOKIE_MSS_CLASSES - 1;

	while (idx > 0 && sl_tcp_syncookie_mss_tab[idx] > mss)
		idx--;
	if (mss_out != NULL)
		*mss_out = sl_tcp_syncookie_mss_tab[idx];
	return (slot & COOKIE_SLOT_MASK) << COOKIE_SLOT_SHIFT | (uint32_t)idx << COOKIE_MSS_SHIFT |
	       cookie_mac(key, flow, peer_isn, slot, idx);
}

int
sl_tcp_syncookie_verify(const struct sl_tcp_syncookie_key *key,
                        const struct sl_tcp_cookie_flow *flow, uint32_t peer_isn, uint32_t cookie,
                        uint32_t now_slot, uint16_t *mss_out)
{
	uint32_t age = (now_slot - (cookie >> COOKIE_SLOT_SHIFT)) & COOKIE_SLOT_MASK;
	unsigned idx = (cookie >> COOKIE_MSS_SHIFT) & 7u;

	/* Ages 2..7 mod 8 are stale or from a slot we have not reached. */
	if (age > 1)
		return -ETIMEDOUT;
	if ((cookie & COOKIE_MAC_MASK) != cookie_mac(key, flow, peer_isn, now_slot - age, idx))
		return -EBADMSG;
	if (mss_out != NULL)
		*mss_out = sl_tcp_syncookie_mss_tab[idx];
	return 0;
}

uint32_t
sl_tcp_syncookie_ts_encode(uint32_t ts_now, uint8_t wscale, bool sack_ok)
{
	uint32_t opts, ts;

	if (wscale != SL_TCP_WSCALE_NONE && wscale > SL_TCP_WSCALE_MAX)
		wscale = SL_TCP_WSCALE_MAX;
	opts = (wscale & TS_WS_MASK) | (sack_ok ? TS_SACK : 0);
	ts = (ts_now & ~TS_MASK) | opts;
	if (sl_tcp_seq_gt(ts, ts_now))
		ts -= TS_MASK + 1;
	return ts;
}

int
sl_tcp_syncookie_ts_decode(uint32_t tsecr, uint32_t ts_now, uint8_t *wscale, bool *sack_ok)
{
	if ((tsecr & TS_RESERVED) != 0 || sl_tcp_seq_gt(tsecr, ts_now))
		return -EINVAL;
	*wscale = (uint8_t)(tsecr & TS_WS_MASK);
	*sack_ok = (tsecr & TS_SACK) != 0;
	return 0;
}
