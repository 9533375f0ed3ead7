#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Raw HTTP/1.1 probes the curl command line cannot make: pipelining, slow heads, header floods.
"""Usage: http_raw.py HOST PORT MODE [ARGS]; prints one JSON line, exits 1 on a mismatch.

  pipeline FILE N    N POST /v1/traces requests of FILE's bytes in one write; expects
                     N responses 200, in order, on the same connection
  slow SECONDS       sends half a request head, then waits: expects 408 and a close
  headers N          a request with N header fields: prints the status
  after_error        a bad protobuf body (400), then a valid one on the same connection
"""
import json
import socket
import sys
import time


def read_responses(s, n, timeout=10):
    """Read n HTTP responses (Content-Length framed); returns [(status, headers, body)]."""
    s.settimeout(timeout)
    buf = b""
    out = []
    while len(out) < n:
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                return out
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        if status == 100:
            continue
        clen = int(hdrs.get("content-length", "0"))
        while len(buf) < clen:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        body, buf = buf[:clen], buf[clen:]
        out.append((status, hdrs, body))
    return out


def request(path, body, ctype="application/x-protobuf", extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: sluice\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body


def main(host, port, mode, args):
    s = socket.create_connection((host, port), timeout=10)
    res = {"mode": mode}
    ok = False
    if mode == "pipeline":
        body = open(args[0], "rb").read()
        n = int(args[1])
        s.sendall(b"".join(request("/v1/traces", body) for _ in range(n)))
        rs = read_responses(s, n)
        res["statuses"] = [r[0] for r in rs]
        ok = res["statuses"] == [200] * n
    elif mode == "slow":
        s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: sluice\r\nContent-Ty")
        t0 = time.time()
        rs = read_responses(s, 1, timeout=float(args[0]) + 10)
        res["statuses"] = [r[0] for r in rs]
        res["after_s"] = round(time.time() - t0, 2)
        res["connection"] = rs[0][1].get("connection") if rs else None
        s.settimeout(5)
        res["closed"] = s.recv(10) == b""
        ok = res["statuses"] == [408] and res["closed"]
    elif mode == "headers":
        n = int(args[0])
        fields = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(n))
        s.sendall(request("/v1/traces", b"", extra=fields))
        rs = read_responses(s, 1)
        res["statuses"] = [r[0] for r in rs]
        print(json.dumps(res))
        return 0 if rs else 1
    elif mode == "after_error":
        body = open(args[0], "rb").read()
        s.sendall(request("/v1/traces", b"\xff\xff\xff"))
        rs = read_responses(s, 1)
        s.sendall(request("/v1/traces", body))
        rs += read_responses(s, 1)
        res["statuses"] = [r[0] for r in rs]
        ok = res["statuses"] == [400, 200]
    print(json.dumps(res))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]))
