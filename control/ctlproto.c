/* SPDX-License-Identifier: BSD-3-Clause */
/* Framing of the control protocol (format in ctlproto.h) and a blocking client. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlproto.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

long
sl_ctl_encode_req(int argc, char *const *argv, uint32_t flags, void *buf, size_t cap)
{
	uint8_t *b = buf;
	size_t used = SL_CTL_HDR_LEN;

	if (argc < 0 || argc > SL_CTL_MAX_ARGS || cap < SL_CTL_HDR_LEN)
		return -E2BIG;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (used + n > cap || used + n - SL_CTL_HDR_LEN > SL_CTL_MAX_REQ)
			return -E2BIG;
		memcpy(b + used, argv[i], n);
		used += n;
	}
	memcpy(b, "SLCQ", 4);
	put16(b + 4, SL_CTL_VERSION);
	put16(b + 6, (uint16_t)flags);
	put32(b + 8, (uint32_t)argc);
	put32(b + 12, (uint32_t)(used - SL_CTL_HDR_LEN));
	return (long)used;
}

long
sl_ctl_req_need(const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t plen;

	if (len < SL_CTL_HDR_LEN)
		return SL_CTL_HDR_LEN;
	if (memcmp(b, "SLCQ", 4) != 0 || get16(b + 4) != SL_CTL_VERSION ||
	    get32(b + 8) > SL_CTL_MAX_ARGS)
		return -EBADMSG;
	plen = get32(b + 12);
	if (plen > SL_CTL_MAX_REQ)
		return -EBADMSG;
	return (long)(SL_CTL_HDR_LEN + plen);
}

int
sl_ctl_decode_req(const void *buf, size_t len, struct sl_ctl_req *out)
{
	const uint8_t *b = buf;
	long need = sl_ctl_req_need(buf, len);
	uint32_t argc, plen, i;
	size_t pos = 0;

	if (need < 0 || (size_t)need != len || len < SL_CTL_HDR_LEN)
		return -EBADMSG;
	argc = get32(b + 8);
	plen = get32(b + 12);
	out->flags = get16(b + 6);
	memcpy(out->data, b + SL_CTL_HDR_LEN, plen);
	out->data[plen] = '\0';
	for (i = 0; i < argc; i++) {
		char *nul;

		if (pos >= plen)
			return -EBADMSG;
		nul = memchr(out->data + pos, '\0', plen - pos);
		if (nul == NULL)
			return -EBADMSG;
		out->argv[i] = out->data + pos;
		pos = (size_t)(nul - out->data) + 1;
	}
	if (pos != plen)
		return -EBADMSG; /* trailing bytes: not what a client sends */
	out->argv[argc] = NULL;
	out->argc = (int)argc;
	return 0;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EPIPE;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int
sl_ctl_write_resp(int fd, int exit_code, const char *out, size_t out_len, const char *err,
                  size_t err_len)
{
	uint8_t h[20];
	int rc;

	memcpy(h, "SLCR", 4);
	put16(h + 4, SL_CTL_VERSION);
	put16(h + 6, 0);
	put32(h + 8, (uint32_t)exit_code);
	put32(h + 12, (uint32_t)out_len);
	put32(h + 16, (uint32_t)err_len);
	rc = write_all(fd, h, sizeof(h));
	if (rc == 0 && out_len)
		rc = write_all(fd, out, out_len);
	if (rc == 0 && err_len)
		rc = write_all(fd, err, err_len);
	return rc;
}

int
sl_ctl_call(const char *path, int argc, char *const *argv, uint32_t flags, int *exit_code,
            char **out, char **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint8_t h[20];
	char *buf = NULL;
	long len;
	uint32_t ol, el;
	int fd, rc;

	*out = *err = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	buf = malloc(SL_CTL_HDR_LEN + SL_CTL_MAX_REQ);
	if (buf == NULL)
		return -ENOMEM;
	len = sl_ctl_encode_req(argc, argv, flags, buf, SL_CTL_HDR_LEN + SL_CTL_MAX_REQ);
	if (len < 0) {
		free(buf);
		return (int)len;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(fd, buf, (size_t)len);
	if (rc < 0)
		goto out;
	rc = read_all(fd, h, sizeof(h));
	if (rc == -EPIPE || rc == -ECONNRESET) {
		/* closed without a response: the daemon refused our credentials */
		rc = -EPERM;
		goto out;
	}
	if (rc < 0)
		goto out;
	ol = get32(h + 12);
	el = get32(h + 16);
	if (memcmp(h, "SLCR", 4) != 0 || ol > SL_CTL_MAX_RESP || el > SL_CTL_MAX_RESP) {
		rc = -EBADMSG;
		goto out;
	}
	*exit_code = (int)get32(h + 8);
	*out = malloc((size_t)ol + 1);
	*err = malloc((size_t)el + 1);
	if (*out == NULL || *err == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = read_all(fd, *out, ol);
	if (rc == 0)
		rc = read_all(fd, *err, el);
	if (rc == 0) {
		(*out)[ol] = '\0';
		(*err)[el] = '\0';
	}
out:
	if (rc < 0) {
		free(*out);
		free(*err);
		*out = *err = NULL;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}
