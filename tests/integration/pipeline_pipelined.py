#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Pipelined OTLP/HTTP requests on one connection, sent without reading any answer first.

  pipeline_pipelined.py HOST PORT N RUN

Sends N ExportTraceServiceRequests (spans named "<RUN>-0-<i>-<k>", built by
otlp_load.trace_request) back to back on one keep-alive connection, then
reads N responses. Prints JSON: how many were 200, the statuses in order,
and how long the sends took (a send that waits on a closed window shows up
there). Used by test_pipeline_durability.sh: in persisted mode each answer
waits for a group commit and the appliance holds the connection's further
input meanwhile, so its receive window must close and every request still be
answered, in order.
"""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from otlp_load import trace_request  # noqa: E402


def read_response(f):
    line = f.readline()
    if not line:
        raise EOFError("connection closed")
    status = int(line.split()[1])
    length = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    f.read(length)
    return status


def main():
    host, port, n, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    s = socket.create_connection((host, port), timeout=60)
    # A small send buffer, so a closed window stops our sends instead of filling kernel memory.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)
    t0 = time.monotonic()
    for i in range(n):
        body = trace_request("%s-0-%d" % (run, i), 20, "svc-pipelined")
        head = ("POST /v1/traces HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-protobuf\r\n"
                "Content-Length: %d\r\n\r\n" % (host, len(body))).encode()
        s.sendall(head + body)
    sent_s = time.monotonic() - t0
    f = s.makefile("rb")
    statuses = [read_response(f) for _ in range(n)]
    s.close()
    print(json.dumps({"n": n, "ok": statuses.count(200), "statuses": statuses,
                      "send_s": round(sent_s, 3), "total_s": round(time.monotonic() - t0, 3)}))


if __name__ == "__main__":
    main()
