#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""OTLP/HTTP load with an acknowledgement log, for the durability and backpressure tests.

Each request is an ExportTraceServiceRequest whose spans are named
"<run>-<client>-<seq>-<i>", encoded here by hand from the OTLP field numbers
(no generated code), so a test can later find exactly which requests are in
the segment store. A request is retried, on the same or a new connection,
until it gets 200 or the run ends (client retries make duplicates, which the
tests allow). Every 200 appends its request id to the ack log, flushed at
once, so a kill -9 of the appliance cannot hide an acknowledged request.

  otlp_load.py --url http://10.203.9.2:4318 --run R --clients 4 --duration 20 \
               --spans 20 --acks FILE [--stats FILE]

Prints a JSON summary: requests sent, 200s, 503s (with Retry-After seen),
other statuses, connection errors.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_len(num, payload):
    return varint((num << 3) | 2) + varint(len(payload)) + payload


def field_fixed64(num, v):
    return varint((num << 3) | 1) + v.to_bytes(8, "little")


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def kv_str(key, val):
    # KeyValue{key=1, value=2: AnyValue{string_value=1}}
    return field_len(1, key.encode()) + field_len(2, field_len(1, val.encode()))


def trace_request(rid, n_spans, service):
    now = time.time_ns()
    spans = b""
    for i in range(n_spans):
        span = (field_len(1, os.urandom(16)) + field_len(2, os.urandom(8)) +
                field_len(5, ("%s-%d" % (rid, i)).encode()) + field_varint(6, 2) +
                field_fixed64(7, now) + field_fixed64(8, now + 1000) +
                field_len(9, kv_str("sluice.test.request", rid)))
        spans += field_len(2, span)  # ScopeSpans.spans = 2
    scope = field_len(1, field_len(1, b"otlp_load"))  # ScopeSpans.scope = 1 {name = 1}
    resource = field_len(1, kv_str("service.name", service))  # Resource.attributes = 1
    rs = field_len(1, resource) + field_len(2, scope + spans)
    return field_len(1, rs)  # ExportTraceServiceRequest.resource_spans = 1


class Client(threading.Thread):
    def __init__(self, args, idx, acks, lock, stop):
        super().__init__(daemon=True)
        self.args, self.idx, self.acks, self.lock, self.stop = args, idx, acks, lock, stop
        self.stats = {"sent": 0, "ok": 0, "s503": 0, "retry_after": 0, "s429": 0,
                      "other": 0, "conn_errors": 0}
        u = urllib.parse.urlparse(args.url)
        self.host, self.port = u.hostname, u.port or 80
        self.conn = None

    def connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.args.timeout)

    def run(self):
        seq = 0
        deadline = time.monotonic() + self.args.duration
        while time.monotonic() < deadline and not self.stop.is_set():
            rid = "%s-%d-%d" % (self.args.run, self.idx, seq)
            body = trace_request(rid, self.args.spans, "svc-%d" % (seq % 7))
            # Retry this request until acknowledged or the run ends.
            while time.monotonic() < deadline + self.args.grace and not self.stop.is_set():
                try:
                    if self.conn is None:
                        self.connect()
                    self.stats["sent"] += 1
                    self.conn.request("POST", "/v1/traces", body,
                                      {"Content-Type": "application/x-protobuf"})
                    r = self.conn.getresponse()
                    r.read()
                    if r.status == 200:
                        self.stats["ok"] += 1
                        with self.lock:
                            self.acks.write(rid + "\n")
                            self.acks.flush()
                        break
                    if r.status in (503, 429):
                        self.stats["s503" if r.status == 503 else "s429"] += 1
                        ra = r.getheader("Retry-After")
                        if ra is not None:
                            self.stats["retry_after"] += 1
                        # Honour it, but briefly: the test wants pressure, not idleness.
                        time.sleep(min(float(ra or 1), 1.0) * self.args.backoff)
                    else:
                        self.stats["other"] += 1
                        sys.stderr.write("request %s: status %d\n" % (rid, r.status))
                        break
                    if r.getheader("Connection", "").lower() == "close":
                        self.conn.close()
                        self.conn = None
                except (OSError, http.client.HTTPException):
                    self.stats["conn_errors"] += 1
                    if self.conn is not None:
                        self.conn.close()
                    self.conn = None
                    time.sleep(0.05 + random.random() * 0.1)
            seq += 1
        if self.conn is not None:
            self.conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--run", required=True, help="prefix of every request id")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--grace", type=float, default=15,
                    help="seconds after --duration to keep retrying the last requests")
    ap.add_argument("--spans", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--backoff", type=float, default=0.1,
                    help="fraction of Retry-After actually waited")
    ap.add_argument("--acks", required=True)
    a = ap.parse_args()
    lock, stop = threading.Lock(), threading.Event()
    with open(a.acks, "a") as acks:
        cl = [Client(a, i, acks, lock, stop) for i in range(a.clients)]
        for c in cl:
            c.start()
        for c in cl:
            c.join()
    total = {}
    for c in cl:
        for k, v in c.stats.items():
            total[k] = total.get(k, 0) + v
    print(json.dumps(total))


if __name__ == "__main__":
    main()
