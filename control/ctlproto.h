/* SPDX-License-Identifier: BSD-3-Clause */
/* The sluicectl <-> sluice-control protocol over a UNIX stream socket: framing, encode, decode. */
#ifndef SL_CTLPROTO_H
#define SL_CTLPROTO_H

/*
 * One request and one response per connection; all integers little-endian.
 *
 *   request  = "SLCQ" u16 version(1) u16 flags u32 argc u32 len, then len bytes:
 *              argc NUL-terminated arguments (the sluicectl command line after
 *              the global options, e.g. "faults" "add" "x" "--error" "503")
 *   response = "SLCR" u16 version(1) u16 0 i32 exit_code u32 out_len u32 err_len,
 *              then out_len bytes for stdout, err_len bytes for stderr
 *
 * flags: SL_CTL_F_JSON asks for JSON output. The daemon renders the output,
 * so a sluicectl of another revision still prints what the daemon knows.
 * Peer credentials are checked by the daemon (SO_PEERCRED) before reading.
 */

#include <stddef.h>
#include <stdint.h>

#define SL_CTL_VERSION   1
#define SL_CTL_F_JSON    (1u << 0)
#define SL_CTL_HDR_LEN   16
#define SL_CTL_MAX_ARGS  128        /* a command line longer than this is a mistake */
#define SL_CTL_MAX_REQ   (64 * 1024) /* request payload */
#define SL_CTL_MAX_RESP  (16u << 20) /* a config show of the largest config fits */

struct sl_ctl_req {
	uint32_t flags;
	int argc;
	char *argv[SL_CTL_MAX_ARGS + 1];
	char data[SL_CTL_MAX_REQ + 1];
};

/* Encode a request into buf. Returns its length or -E2BIG. */
long sl_ctl_encode_req(int argc, char *const *argv, uint32_t flags, void *buf, size_t cap);

/*
 * How many bytes the request starting at buf (len bytes so far) needs in
 * total: > len means read more. -EBADMSG for a bad header.
 */
long sl_ctl_req_need(const void *buf, size_t len);

/* Decode a complete request (len from sl_ctl_req_need). Returns 0 or -EBADMSG. */
int sl_ctl_decode_req(const void *buf, size_t len, struct sl_ctl_req *out);

/* Write a response to fd (blocking). Returns 0 or a negative errno. */
int sl_ctl_write_resp(int fd, int exit_code, const char *out, size_t out_len, const char *err,
                      size_t err_len);

/*
 * Client: connect to path, send argv, read the response. *out and *err are
 * malloc'd, NUL-terminated (free them). Returns 0 (with *exit_code) or a
 * negative errno: -ENOENT/-ECONNREFUSED no daemon, -EACCES socket perms,
 * -EPERM refused by the daemon's credential check, -EBADMSG garbage.
 */
int sl_ctl_call(const char *path, int argc, char *const *argv, uint32_t flags, int *exit_code,
                char **out, char **err);

#endif /* SL_CTLPROTO_H */
