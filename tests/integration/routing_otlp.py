#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""OTLP clients and store checks for tests/integration/test_routing.sh.

Requests are encoded here by hand from the OTLP field numbers (no generated
code). Every item carries its identity in itself, so a store can be read back
and each item traced to the request and Resource entry that sent it:

  span name / log body / metric name  =  "<rid>.e<entry>.<i>"   (metrics: + "#<as_int>")

Subcommands (all but body print one JSON line on stdout):

  send --plan PLAN.json --log SENT.jsonl
      Send the requests of a plan (a list of {"id", "signal", "transport": "http"|"grpc",
      "encoding": "pb"|"json"|"gzip" (HTTP), "headers": {..}, "tenant" (expected),
      "entries": [{"service", "n", "traces": [hex, ..]}]}) one by one on
      one keep-alive connection per transport; log each with its status, Retry-After
      (HTTP) or RetryInfo (gRPC), and the exact bytes of every entry.
  load --url U --run R --clients N --duration S --entries svc:n,svc:n --acks FILE
      Steady keep-alive OTLP/HTTP traces load; every 200 appends the request id to FILE.
      --retry: retry a request until acknowledged (duplicates allowed then).
  check --spec SPEC.json --sent SENT.jsonl.. --prefix P
      Decode every store of the spec (sluicectl segments dump --format pb) and compare
      with what the 200-answered requests of the logs must have put where: the route
      of each entry by first match, its sinks (or the default store), drop, sampling
      by the consistent trace id rule. Items, whole entries (byte for byte where no
      sampling applies), route ids (segments stats).
  plan KIND --prefix P --out PLAN.json: the requests of one phase of the test (split, sample,
      tenants, burst, one).
  body --services a,b,.. --out FILE: one ExportTraceServiceRequest, an entry per service.
  churn --socket S --ops CYCLES.json --rate N --duration S --parallel W: control commands
      over the control socket at a steady rate; prints the rate achieved and latencies.
  check-load --acks FILE.. --entries svc:n,.. --dirs NAME=DIR,.. --expect svc=NAME|NAME,..
      For every acknowledged request id of a load run: each entry's items are in exactly
      one store (all of an entry in the same one), one of the stores its service allows;
      with --same svc, all entries of that service of one request in the same store.
"""
import argparse
import base64
import collections
import gzip
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from otlp_load import field_len as f_len, field_varint as f_varint, kv_str, varint  # noqa: E402

SIGNALS = ("traces", "metrics", "logs")
GRPC_PATHS = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "metrics": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}

# ---------------------------------------------------------------- encoding


def f_fixed64(num, v):
    """A fixed64 field; negative values as two's complement (otlp_load's takes unsigned only)."""
    return varint((num << 3) | 1) + (v & (2**64 - 1)).to_bytes(8, "little")


def resource(service, attrs=None):
    b = f_len(1, kv_str("service.name", service))
    for k, v in (attrs or {}).items():
        b += f_len(1, kv_str(k, v))
    return f_len(1, b)  # ResourceX.resource = 1 { attributes = 1 (repeated KeyValue) }


def entry_bytes(signal, service, names, traces, attrs=None):
    """One Resource{Spans,Metrics,Logs} message (without its field header)."""
    now = time.time_ns()
    scope = f_len(1, f_len(1, b"sluice-routing-test"))  # Scope*.scope = 1 {name = 1}
    items = b""
    for i, name in enumerate(names):
        tid = bytes.fromhex(traces[i]) if traces and traces[i] else b""
        if signal == "traces":
            tid = tid or os.urandom(16)  # a span needs one; unsampled routes ignore it
            span = (f_len(1, tid) + f_len(2, os.urandom(8)) + f_len(5, name.encode()) +
                    f_varint(6, 2) + f_fixed64(7, now) + f_fixed64(8, now + 1000))
            items += f_len(2, span)  # ScopeSpans.spans = 2
        elif signal == "logs":
            rec = (f_fixed64(1, now) + f_varint(2, 9) + f_len(5, f_len(1, name.encode())))
            if tid:
                rec += f_len(9, tid) + f_len(10, os.urandom(8))
            items += f_len(2, rec)  # ScopeLogs.log_records = 2
        else:
            # Metric{name=1, gauge=5{data_points=1: NumberDataPoint{time=3, as_int=6}}}
            dp = f_fixed64(3, now) + f_fixed64(6, i)
            m = f_len(1, name.encode()) + f_len(5, f_len(1, dp))
            items += f_len(2, m)  # ScopeMetrics.metrics = 2
    return resource(service, attrs) + f_len(2, scope + items)


def entry_json(signal, service, names, traces):
    """The same entry as OTLP/JSON (an object of resource{Spans,Metrics,Logs})."""
    now = str(time.time_ns())
    res = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    items = []
    for i, name in enumerate(names):
        tid = traces[i] if traces and traces[i] else ""
        if signal == "traces":
            items.append({"traceId": tid or os.urandom(16).hex(), "spanId": os.urandom(8).hex(),
                          "name": name, "kind": 2, "startTimeUnixNano": now,
                          "endTimeUnixNano": now})
        elif signal == "logs":
            rec = {"timeUnixNano": now, "severityNumber": 9, "body": {"stringValue": name}}
            if tid:
                rec.update(traceId=tid, spanId=os.urandom(8).hex())
            items.append(rec)
        else:
            items.append({"name": name, "gauge": {"dataPoints": [
                {"timeUnixNano": now, "asInt": str(i)}]}})
    scope = {"scope": {"name": "sluice-routing-test"},
             {"traces": "spans", "logs": "logRecords", "metrics": "metrics"}[signal]: items}
    key = {"traces": "scopeSpans", "logs": "scopeLogs", "metrics": "scopeMetrics"}[signal]
    return {"resource": res, key: [scope]}


JSON_TOP = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}


def request_bytes(entries):
    return b"".join(f_len(1, e) for e in entries)


# ---------------------------------------------------------------- decoding


def fields(b):
    i, n = 0, len(b)
    while i < n:
        k = s = 0
        while True:
            c = b[i]
            i += 1
            k |= (c & 0x7F) << s
            s += 7
            if not c & 0x80:
                break
        wt, num = k & 7, k >> 3
        if wt == 0:
            v = s = 0
            while True:
                c = b[i]
                i += 1
                v |= (c & 0x7F) << s
                s += 7
                if not c & 0x80:
                    break
        elif wt == 1:
            v = b[i:i + 8]
            i += 8
        elif wt == 5:
            v = b[i:i + 4]
            i += 4
        elif wt == 2:
            ln = s = 0
            while True:
                c = b[i]
                i += 1
                ln |= (c & 0x7F) << s
                s += 7
                if not c & 0x80:
                    break
            v = b[i:i + ln]
            i += ln
        else:
            raise ValueError("wire type %d" % wt)
        yield num, v


def service_of(res):
    for num, kv in fields(res):
        if num != 1:
            continue
        d = dict(fields(kv))
        if d.get(1) == b"service.name":
            return dict(fields(d.get(2, b""))).get(1, b"").decode()
    return ""


def items_of(signal, entry):
    """[(key, trace_hex)] of one Resource* entry, and its service.name."""
    svc, out = "", []
    for num, v in fields(entry):
        if num == 1:
            svc = service_of(v)
        elif num == 2:
            for n2, it in fields(v):
                if n2 != 2:
                    continue
                d = {}
                for n3, x in fields(it):
                    d.setdefault(n3, x)
                if signal == "traces":
                    out.append((d.get(5, b"").decode(), d.get(1, b"").hex()))
                elif signal == "logs":
                    body = dict(fields(d.get(5, b""))).get(1, b"").decode()
                    out.append((body, d.get(9, b"").hex()))
                else:
                    # Metric.gauge (5) .data_points (1) .as_int (6, sfixed64)
                    for n4, dp in fields(d.get(5, b"")):
                        if n4 == 1:
                            iv = int.from_bytes(dict(fields(dp)).get(6, b"\0" * 8), "little")
                            out.append(("%s#%d" % (d.get(1, b"").decode(), iv), ""))
    return svc, out


def read_dump(path):
    """Records of a `segments dump --format pb` file: [payload bytes]."""
    b = open(path, "rb").read()
    i, out = 0, []
    while i + 4 <= len(b):
        n = int.from_bytes(b[i:i + 4], "big")
        out.append(b[i + 4:i + 4 + n])
        i += 4 + n
    return out


def store_entries(sluicectl, d, signal, tmp):
    """[(raw entry, service, items)] of every record of signal under d (none if d is absent)."""
    if not os.path.isdir(d):
        return []
    out = os.path.join(tmp, "dump.%d.pb" % random.randrange(1 << 30))
    r = subprocess.run([sluicectl, "segments", "dump", "--format", "pb", "--signal", signal,
                        "--out", out, d], capture_output=True, text=True)
    if r.returncode != 0 and "0 record(s)" not in r.stderr:
        raise RuntimeError("segments dump %s: %s" % (d, r.stderr.strip()))
    res = []
    if os.path.exists(out):
        for rec in read_dump(out):
            for num, e in fields(rec):
                if num == 1:
                    svc, items = items_of(signal, e)
                    res.append((bytes(e), svc, items))
        os.unlink(out)
    return res


def route_ids(sluicectl, d):
    if not os.path.isdir(d):
        return {}
    r = subprocess.run([sluicectl, "--json", "segments", "stats", d], capture_output=True,
                       text=True)
    try:
        st = json.loads(r.stdout)
    except ValueError:
        return {"error": r.stdout[-200:] + r.stderr[-200:]}
    return {int(k): v.get("total", v).get("items", 0) if isinstance(v, dict) else 0
            for k, v in st.get("routes", {}).items()}


def crc32c(b, crc=0):
    crc ^= 0xFFFFFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def sample_threshold(r):
    return round((1 - r) * (1 << 56))


def sample_keep(trace_hex, r):
    """The contract's consistent sampling rule: low 56 bits of the trace id (bytes 9..15)."""
    if r is None:
        return True
    if not trace_hex:
        return True  # log records without a trace id are kept
    return int(trace_hex[18:32], 16) >= sample_threshold(r)


# ---------------------------------------------------------------- sending


def grpc_retry_delay(details):
    """Seconds of the google.rpc.RetryInfo in a google.rpc.Status, or None."""
    for f, v in fields(details):
        if f != 3:
            continue
        any_ = dict(fields(v))
        if any_.get(1) == b"type.googleapis.com/google.rpc.RetryInfo":
            ri = dict(fields(any_[2]))
            return dict(fields(ri.get(1, b""))).get(1, 0)
    return None


class HttpConn:
    def __init__(self, url, timeout=15):
        u = urllib.parse.urlparse(url)
        self.host, self.port, self.timeout = u.hostname, u.port or 80, timeout
        self.c = None

    def post(self, path, body, headers):
        for attempt in range(2):
            try:
                if self.c is None:
                    self.c = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=self.timeout)
                h = {"Content-Type": "application/x-protobuf"}
                h.update(headers)
                self.c.request("POST", path, body, h)
                r = self.c.getresponse()
                r.read()
                if (r.getheader("Connection") or "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, r.getheader("Retry-After")
            except (OSError, http.client.HTTPException):
                if self.c is not None:
                    self.c.close()
                self.c = None
                if attempt:
                    return 0, None
        return 0, None


class GrpcConn:
    def __init__(self, addr):
        import grpc
        self.grpc = grpc
        self.ch = grpc.insecure_channel(addr)
        self.calls = {s: self.ch.unary_unary(p) for s, p in GRPC_PATHS.items()}

    def post(self, signal, body, headers):
        md = [(k.lower(), v) for k, v in headers.items()]
        try:
            self.calls[signal](body, timeout=15, metadata=md or None)
            return "OK", None
        except self.grpc.RpcError as e:
            ra = None
            for k, v in e.trailing_metadata() or ():
                if k == "grpc-status-details-bin":
                    raw = v if isinstance(v, bytes) else base64.b64decode(v + "==")
                    ra = grpc_retry_delay(raw)
            return e.code().name, ra


def cmd_send(a):
    plan = json.load(open(a.plan))
    http_c = HttpConn(a.url) if a.url else None
    grpc_c = None
    stats = collections.Counter()
    with open(a.log, "a") as log:
        for req in plan:
            sig = req["signal"]
            ents = []
            for k, e in enumerate(req["entries"]):
                names = ["%s.e%d.%d" % (req["id"], k, i) for i in range(e["n"])]
                ents.append((e, names, entry_bytes(sig, e["service"], names, e.get("traces"))))
            body = request_bytes([x[2] for x in ents])
            hdr = dict(req.get("headers", {}))
            enc = req.get("encoding", "pb")
            if enc == "json":
                # The store then holds the transcoded entries: same items, other bytes.
                body = json.dumps({JSON_TOP[sig]: [
                    entry_json(sig, e["service"], names, e.get("traces"))
                    for e, names, _raw in ents]}).encode()
                hdr["Content-Type"] = "application/json"
            elif enc == "gzip":
                body = gzip.compress(body)
                hdr["Content-Encoding"] = "gzip"
            if req.get("transport", "http") == "grpc":
                if grpc_c is None:
                    grpc_c = GrpcConn(a.grpc)
                st, ra = grpc_c.post(sig, body, hdr)
                ok = st == "OK"
            else:
                st, ra = http_c.post("/v1/" + sig, body, hdr)
                ok = st == 200
            stats["ok" if ok else "status_%s" % st] += 1
            if ra is not None:
                stats["retry_after"] += 1
            log.write(json.dumps({
                "id": req["id"], "signal": sig, "transport": req.get("transport", "http"),
                "status": st, "ok": ok, "retry_after": ra, "tenant": req.get("tenant", ""),
                "encoding": enc,
                "entries": [{"service": e["service"],
                             "raw": base64.b64encode(raw).decode(),
                             "items": [[nm + ("#%d" % i if sig == "metrics" else ""),
                                        (e.get("traces") or [""] * len(names))[i] or ""]
                                       for i, nm in enumerate(names)]}
                            for e, names, raw in ents]}) + "\n")
            if a.pace:
                time.sleep(a.pace)
    print(json.dumps(dict(stats)))


def parse_entries(s):
    out = []
    for part in s.split(","):
        svc, n = part.rsplit(":", 1)
        out.append((svc, int(n)))
    return out


class Loader(threading.Thread):
    def __init__(self, a, idx, acks, lock, stop):
        super().__init__(daemon=True)
        self.a, self.idx, self.acks, self.lock, self.stop = a, idx, acks, lock, stop
        self.st = collections.Counter()
        self.entries = parse_entries(a.entries)

    def run(self):
        a = self.a
        c = HttpConn(a.url, timeout=10)
        seq = 0
        deadline = time.monotonic() + a.duration
        while time.monotonic() < deadline and not self.stop.is_set() and \
                not os.path.exists(a.stop_file or "/nonexistent"):
            rid = "%s-%d-%d" % (a.run, self.idx, seq)
            body = request_bytes([
                entry_bytes("traces", svc, ["%s.e%d.%d" % (rid, k, i) for i in range(n)], None)
                for k, (svc, n) in enumerate(self.entries)])
            while True:
                self.st["sent"] += 1
                st, ra = c.post("/v1/traces", body, {})
                self.st["s%d" % st] += 1
                if st != 200 and ra is not None:
                    self.st["retry_after"] += 1
                if st == 200:
                    with self.lock:
                        self.acks.write(rid + "\n")
                        self.acks.flush()
                    break
                if not a.retry or time.monotonic() > deadline + a.grace:
                    with self.lock:
                        self.acks.write("#failed %s %d\n" % (rid, st))
                        self.acks.flush()
                    break
                time.sleep(0.05 + random.random() * 0.05)
            seq += 1
            if a.pace:
                time.sleep(a.pace)


def cmd_load(a):
    lock, stop = threading.Lock(), threading.Event()
    with open(a.acks, "a") as acks:
        cl = [Loader(a, i, acks, lock, stop) for i in range(a.clients)]
        for c in cl:
            c.start()
        for c in cl:
            c.join()
    tot = collections.Counter()
    for c in cl:
        tot.update(c.st)
    print(json.dumps(dict(tot)))


# ---------------------------------------------------------------- plans


def plan_split(rnd, pre):
    """Phase 1: entries of several services mixed in each request, every signal, HTTP and
    gRPC; request .3 has entries for exactly 3 routes, .all for every route."""
    svcs = ["svc-a", "svc-b", "svc-c", "svc-debug", "svc-other"]
    plan = []

    def ents(services):
        return [{"service": s, "n": rnd.randint(1, 5)} for s in services]

    plan.append({"id": pre + "-three", "signal": "traces",
                 "entries": ents(["svc-a", "svc-b", "svc-other", "svc-a"])})
    plan.append({"id": pre + "-all", "signal": "traces", "entries": ents(svcs)})
    for i in range(30):
        sig = SIGNALS[i % 3]
        grpc = i % 4 == 3
        plan.append({"id": "%s-%d" % (pre, i), "signal": sig,
                     "transport": "grpc" if grpc else "http",
                     # HTTP: protobuf, OTLP/JSON (transcoded) and gzip (inflated) bodies
                     "encoding": "pb" if grpc else ["pb", "json", "gzip"][(i // 3) % 3],
                     "entries": ents([rnd.choice(svcs) for _ in range(rnd.randint(2, 6))])})
    return plan


def plan_sample(rnd, pre, traces, spans_per_req):
    """Phase 2: `traces` traces of 2..6 spans each, the spans shuffled over requests of two
    svc-s entries (so every request mixes traces and every trace spans requests), half over
    gRPC; then logs, with trace ids of the same traces and some without any."""
    tids = [os.urandom(16).hex() for _ in range(traces)]
    spans = [t for t in tids for _ in range(rnd.randint(2, 6))]
    rnd.shuffle(spans)
    plan, k = [], 0
    while spans:
        chunk, spans = spans[:spans_per_req], spans[spans_per_req:]
        h = len(chunk) // 2
        plan.append({"id": "%s-t%d" % (pre, k), "signal": "traces",
                     "transport": "grpc" if k % 2 else "http",
                     "entries": [{"service": "svc-s", "n": h, "traces": chunk[:h]},
                                 {"service": "svc-s", "n": len(chunk) - h,
                                  "traces": chunk[h:]}]})
        k += 1
    for j in range(16):
        tr = [rnd.choice(tids) if rnd.random() < 0.8 else "" for _ in range(10)]
        plan.append({"id": "%s-l%d" % (pre, j), "signal": "logs",
                     "transport": "grpc" if j % 2 else "http",
                     "entries": [{"service": "svc-s", "n": 10, "traces": tr}]})
    # Metrics are not sampled.
    plan.append({"id": pre + "-m", "signal": "metrics",
                 "entries": [{"service": "svc-s", "n": 7}]})
    return plan


def plan_tenants(rnd, pre, header):
    """Phase 3: tenants by header and by bearer token over HTTP and gRPC, no tenant, an
    unknown token; then tenant tiny (rate-limited) in a burst."""
    p = []
    forms = [
        ("acme", "http", {header: "acme"}),
        ("acme", "grpc", {header: "acme"}),
        ("acme", "http", {"Authorization": "Bearer tok-acme"}),
        ("globex", "http", {"Authorization": "Bearer tok-globex"}),
        ("globex", "grpc", {"Authorization": "Bearer tok-globex"}),
        ("globex", "http", {header: "globex"}),
        ("", "http", {}),
        ("", "grpc", {}),
        ("", "http", {"Authorization": "Bearer not-a-token"}),
    ]
    for i, (t, tr, h) in enumerate(forms):
        for sig in ("traces", "logs"):
            p.append({"id": "%s-%d%s" % (pre, i, sig[0]), "signal": sig, "transport": tr,
                      "headers": h, "tenant": t,
                      "entries": [{"service": "svc-t", "n": 3}, {"service": "svc-t2", "n": 2}]})
    return p


def plan_burst(a):
    """Requests of one tenant (bearer token --token, tenant --tenant) sent back to back:
    --n-http over HTTP then --n-grpc over gRPC, each an entry of --items items of --service
    (plus --extra SVC:N, an entry for another route that must not be stored either)."""
    p = []
    for i in range(a.n_http + a.n_grpc):
        ents = [{"service": a.service, "n": a.items}]
        if a.extra:
            svc, n = a.extra.rsplit(":", 1)
            ents.append({"service": svc, "n": int(n)})
        p.append({"id": "%s-%d" % (a.prefix, i), "signal": "traces",
                  "transport": "http" if i < a.n_http else "grpc",
                  "headers": {"Authorization": "Bearer " + a.token}, "tenant": a.tenant,
                  "entries": ents})
    return p


def cmd_body(a):
    """One traces request, an entry of one span per service, to a file (routes test)."""
    svcs = a.services.split(",")
    open(a.out, "wb").write(request_bytes(
        [entry_bytes("traces", svc, ["%s.e%d.0" % (a.prefix, i)], None)
         for i, svc in enumerate(svcs)]))
    return 0


def cmd_plan(a):
    rnd = random.Random(a.seed)
    if a.kind == "split":
        plan = plan_split(rnd, a.prefix)
    elif a.kind == "sample":
        plan = plan_sample(rnd, a.prefix, a.traces, a.spans_per_req)
    elif a.kind == "tenants":
        plan = plan_tenants(rnd, a.prefix, a.header)
    elif a.kind == "burst":
        plan = plan_burst(a)
    else:  # one: a single traces request of one service
        plan = [{"id": a.prefix, "signal": "traces",
                 "entries": [{"service": a.service, "n": a.items}]}]
    json.dump(plan, open(a.out, "w"))
    print(json.dumps({"requests": len(plan)}))


# ---------------------------------------------------------------- control churn


def ctl_call(sock_path, args, timeout=5):
    """One sluicectl command over the control socket (docs/control.md, control protocol)."""
    import socket
    import struct
    payload = b"".join(x.encode() + b"\0" for x in args)
    req = b"SLCQ" + struct.pack("<HHII", 1, 0, len(args), len(payload)) + payload
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(req)
        buf = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            if len(buf) >= 20:
                _m, _v, _f, code, ol, el = struct.unpack_from("<4sHHiII", buf, 0)
                if len(buf) >= 20 + ol + el:
                    return code, buf[20:20 + ol].decode(errors="replace"), \
                        buf[20 + ol:20 + ol + el].decode(errors="replace")
        raise OSError("short response")
    finally:
        s.close()


def cmd_churn(a):
    """Apply control commands at --rate per second in all for --duration seconds over the
    control socket. --ops is a JSON list of cycles (lists of argument lists); worker w of
    --parallel runs cycles[w % len] in order at rate/parallel, "{w}" replaced by w, so each
    worker owns the names it adds and deletes and no two workers' commands conflict."""
    cycles = json.load(open(a.ops))
    lock = threading.Lock()
    st = collections.Counter()
    lat = []
    errors = []
    t0 = time.monotonic()
    end = t0 + a.duration
    per = a.rate / a.parallel

    def worker(w):
        cyc = [[x.replace("{w}", str(w)) for x in op] for op in cycles[min(w, len(cycles) - 1)]]
        i = 0
        while True:
            due = t0 + (i + w / a.parallel) / per
            if due >= end:
                return
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            op = cyc[i % len(cyc)]
            t = time.monotonic()
            try:
                code, _out, err = ctl_call(a.socket, op)
            except OSError as e:
                code, err = -1, str(e)
            d = time.monotonic() - t
            with lock:
                lat.append(d)
                st["ok" if code == 0 else "failed"] += 1
                if code != 0 and len(errors) < 5:
                    errors.append("%s: %d %s" % (" ".join(op), code, err.strip()))
            i += 1

    th = [threading.Thread(target=worker, args=(w,)) for w in range(a.parallel)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    el = time.monotonic() - t0
    lat.sort()
    n = len(lat)
    print(json.dumps({"updates": n, "ok": st["ok"], "failed": st["failed"],
                      "seconds": round(el, 3), "rate": round(st["ok"] / el, 1),
                      "p50_ms": round(1000 * lat[n // 2], 3) if n else None,
                      "p99_ms": round(1000 * lat[min(n - 1, n * 99 // 100)], 3) if n else None,
                      "errors": errors}))
    return 0


# ---------------------------------------------------------------- checks


def first_match(routes, svc, tenant):
    for r in routes:
        m = r.get("match", {})
        if "service" in m and m["service"] != svc:
            continue
        if "tenant" in m and m["tenant"] != tenant:
            continue
        return r
    return None


def cmd_check(a):
    spec = json.load(open(a.spec))
    routes, default_dir = spec["routes"], spec["default_dir"]
    dirs = set([default_dir] + spec.get("extra_dirs", []))
    for r in routes:
        dirs.update(r.get("sinks", []))
    if a.only_dirs:
        dirs = set(a.only_dirs)
    sample_of_dir = collections.defaultdict(set)
    expect = {d: collections.Counter() for d in dirs}      # (signal, key) -> count
    expect_raw = {d: collections.Counter() for d in dirs}  # raw entries, unsampled routes
    rejected = set()
    sent_items = collections.Counter()
    counts = collections.Counter()  # what the dataplane's counters must say
    trace_spans = collections.defaultdict(collections.Counter)  # dir -> trace -> spans sent
    trace_rule = {}  # trace -> kept by the rule
    # What the named counters must say: per route of accepted requests, entries, items,
    # dropped items, sampled-out items; per tenant requests, items, items refused.
    by_route = collections.defaultdict(lambda: [0, 0, 0, 0])
    by_tenant = collections.defaultdict(lambda: [0, 0, 0])
    json_ids = set()  # transcoded requests: items compared, bytes not
    n_ok = 0
    for path in a.sent:
        for line in open(path):
            req = json.loads(line)
            sig = req["signal"]
            ten = req.get("tenant", "")
            n_items = sum(len(e["items"]) for e in req["entries"])
            if not req["ok"]:
                counts["rejected_requests"] += 1
                if ten:
                    by_tenant[ten][2] += n_items
                for e in req["entries"]:
                    rejected.update((sig, k) for k, _ in e["items"])
                    counts["rejected_items"] += len(e["items"])
                continue
            n_ok += 1
            if req.get("encoding") == "json":
                json_ids.add(req["id"])
            if ten:
                by_tenant[ten][0] += 1
                by_tenant[ten][1] += n_items
            for e in req["entries"]:
                r = first_match(routes, e["service"], ten)
                if r is None:
                    raise SystemExit("spec has no route for %s" % e["service"])
                sent_items[r["name"]] += len(e["items"])
                br = by_route[r["name"]]
                br[0] += 1
                br[1] += len(e["items"])
                counts["items"] += len(e["items"])
                if r.get("drop"):
                    counts["dropped_items"] += len(e["items"])
                    br[2] += len(e["items"])
                    continue
                samp = r.get("sample") if sig != "metrics" else None
                if samp is not None:
                    out_n = sum(1 for _, t in e["items"] if not sample_keep(t, samp))
                    counts["sampled_out_items"] += out_n
                    br[3] += out_n
                for d in r.get("sinks") or [default_dir]:
                    if d not in dirs:
                        continue
                    if samp is not None:
                        sample_of_dir[d].add(r["name"])
                        for _, t in e["items"]:
                            if t and sig == "traces":
                                trace_spans[d][t] += 1
                                trace_rule[t] = sample_keep(t, samp)
                    for k, t in e["items"]:
                        if sample_keep(t, samp):
                            expect[d][(sig, k)] += 1
                    if samp is None and req.get("encoding") != "json":
                        expect_raw[d][base64.b64decode(e["raw"])] += 1
    problems, summary = [], {"requests_ok": n_ok, "dirs": {}}
    pre = a.prefix
    for d in sorted(dirs):
        got, got_raw = collections.Counter(), collections.Counter()
        got_traces = collections.Counter()
        empty = 0
        for sig in SIGNALS:
            for raw, svc, items in store_entries(a.sluicectl, d, sig, a.tmp):
                if not items:
                    empty += 1  # e.g. an entry whose items were all sampled out
                mine = [(k, t) for k, t in items if k.startswith(pre)]
                if not mine:
                    continue
                for k, t in mine:
                    got[(sig, k)] += 1
                    if sig == "traces" and t:
                        got_traces[t] += 1
                if not any(k.split(".", 1)[0] in json_ids for k, _ in mine):
                    got_raw[raw] += 1
        missing = expect[d] - got
        extra = got - expect[d]
        ds = summary["dirs"][d] = {"expected": sum(expect[d].values()),
                                   "stored": sum(got.values()), "empty_entries": empty}
        if missing:
            problems.append("%s: %d item(s) missing, e.g. %s" % (
                d, sum(missing.values()), sorted(missing)[:3]))
        if extra:
            leaked = [x for x in extra if x in rejected]
            problems.append("%s: %d item(s) not expected there (%d of rejected requests), "
                            "e.g. %s" % (d, sum(extra.values()), len(leaked), sorted(extra)[:3]))
        if not sample_of_dir[d]:
            # Byte ranges: every stored entry is one of the sent ones, verbatim.
            if got_raw != expect_raw[d]:
                problems.append("%s: entries not stored byte for byte (%d expected, %d "
                                "stored, %d differ)" % (
                                    d, sum(expect_raw[d].values()), sum(got_raw.values()),
                                    sum(((got_raw - expect_raw[d]) +
                                         (expect_raw[d] - got_raw)).values())))
        else:
            # Whole traces: every trace of a sampled route is stored complete or not at all.
            sent_t = trace_spans[d]
            partial = [t for t in sent_t if 0 < got_traces[t] != sent_t[t]]
            kept = [t for t in sent_t if got_traces[t] == sent_t[t]]
            kept_rule = [t for t in sent_t if trace_rule[t]]
            ds.update({"traces": len(sent_t), "traces_kept": len(kept),
                       "traces_partial": len(partial), "traces_kept_by_rule": len(kept_rule),
                       "kept_set_equals_rule": set(kept) == set(kept_rule)})
            if partial:
                problems.append("%s: %d trace(s) stored in part, e.g. %s (%d of %d spans)" % (
                    d, len(partial), partial[0], got_traces[partial[0]], sent_t[partial[0]]))
            if empty:
                problems.append("%s: %d stored Resource entries without an item (all sampled "
                                "out, yet kept)" % (d, empty))
    if spec.get("check_route_ids"):
        for r in routes:
            want = crc32c(r["name"].encode())
            # A route without sinks writes to store.dir: the spec's default store.
            for d in r.get("sinks") or ([] if r.get("drop") else [default_dir]):
                if d not in dirs:
                    continue
                ids = route_ids(a.sluicectl, d)
                if set(ids) - {want} or (expect[d] and want not in ids):
                    problems.append("%s: records carry route ids %s, want crc32c(%s)=%d" % (
                        d, sorted(ids), r["name"], want))
                summary.setdefault("route_ids", {})[d] = sorted(ids)
    summary["sent_items_by_route"] = dict(sent_items)
    summary["named"] = {"route": dict(by_route), "tenant": dict(by_tenant)}
    summary["counts"] = dict(counts)
    summary["problems"] = problems
    print(json.dumps(summary))
    return 1 if problems else 0


def cmd_check_load(a):
    ents = parse_entries(a.entries)
    dirs = dict(x.split("=", 1) for x in a.dirs.split(","))
    allow = {}
    for x in a.expect.split(","):
        svc, names = x.split("=", 1)
        allow[svc] = set(names.split("|"))
    acked, failed = set(), set()
    for path in a.acks:
        for line in open(path):
            line = line.strip()
            if line.startswith("#failed "):
                failed.add(line.split()[1])
            elif line:
                acked.add(line)
    # where[rid][entry] -> Counter(dir name) of items
    where = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    pre = a.run + "-"
    for name, d in dirs.items():
        for raw, svc, items in store_entries(a.sluicectl, d, "traces", a.tmp):
            for k, _ in items:
                if not k.startswith(pre):
                    continue
                rid, e, _i = k.rsplit(".", 2)
                where[rid][int(e[1:])][name] += 1
    problems = collections.Counter()
    examples = {}
    per_dir = collections.Counter()
    stored_items = 0

    def bad(kind, ex):
        problems[kind] += 1
        examples.setdefault(kind, ex)

    for rid in acked:
        w = where.get(rid, {})
        same = {}
        for k, (svc, n) in enumerate(ents):
            c = w.get(k, collections.Counter())
            tot = sum(c.values())
            stored_items += tot
            if tot == 0:
                bad("acknowledged entry missing", "%s e%d" % (rid, k))
                continue
            if len(c) > 1:
                bad("entry split over stores", "%s e%d: %s" % (rid, k, dict(c)))
            for dn, cnt in c.items():
                per_dir[dn] += cnt
                if dn not in allow[svc]:
                    bad("entry in a store its service cannot reach",
                        "%s e%d (%s) in %s" % (rid, k, svc, dn))
                if cnt % n != 0 or (not a.allow_dups and cnt != n):
                    bad("items missing or duplicated",
                        "%s e%d: %d items, sent %d" % (rid, k, cnt, n))
            if svc in (a.same or []) and c:
                same.setdefault(svc, set()).update(c)
        for svc, s in same.items():
            if len(s) > 1:
                bad("entries of one service in one request went to different stores "
                    "(two generations)", "%s %s: %s" % (rid, svc, sorted(s)))
    unacked_stored = sum(1 for rid in where if rid not in acked and rid not in failed)
    if not a.allow_dups:
        # A refused request (without retries) is stored nowhere.
        for rid in failed & set(where):
            bad("refused request stored", rid)
    out = {"acked": len(acked), "failed": len(failed), "stored_items": stored_items,
           "acked_items": len(acked) * sum(n for _, n in ents),
           "items_per_store": dict(per_dir), "problems": dict(problems),
           "examples": examples, "stored_never_sent": unacked_stored}
    print(json.dumps(out))
    return 1 if problems or unacked_stored else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--plan", required=True)
    s.add_argument("--log", required=True)
    s.add_argument("--url")
    s.add_argument("--grpc")
    s.add_argument("--pace", type=float, default=0)
    s = sub.add_parser("load")
    s.add_argument("--url", required=True)
    s.add_argument("--run", required=True)
    s.add_argument("--clients", type=int, default=4)
    s.add_argument("--duration", type=float, default=10)
    s.add_argument("--grace", type=float, default=20)
    s.add_argument("--entries", required=True)
    s.add_argument("--acks", required=True)
    s.add_argument("--retry", action="store_true")
    s.add_argument("--pace", type=float, default=0)
    s.add_argument("--stop-file")
    s = sub.add_parser("check")
    s.add_argument("--spec", required=True)
    s.add_argument("--sent", nargs="+", required=True)
    s.add_argument("--prefix", required=True)
    s.add_argument("--sluicectl", required=True)
    s.add_argument("--tmp", default="/tmp")
    s.add_argument("--only-dirs", nargs="+")
    s = sub.add_parser("plan")
    s.add_argument("kind", choices=["split", "sample", "tenants", "burst", "one"])
    s.add_argument("--prefix", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--traces", type=int, default=400)
    s.add_argument("--spans-per-req", type=int, default=24)
    s.add_argument("--header", default="X-Scope-OrgID")
    s.add_argument("--n-http", type=int, default=6)
    s.add_argument("--n-grpc", type=int, default=4)
    s.add_argument("--items", type=int, default=20)
    s.add_argument("--service", default="svc-a")
    s.add_argument("--token", default="tok-tiny")
    s.add_argument("--tenant", default="tiny")
    s.add_argument("--extra")
    s = sub.add_parser("body")
    s.add_argument("--services", required=True)
    s.add_argument("--prefix", default="body")
    s.add_argument("--out", required=True)
    s = sub.add_parser("churn")
    s.add_argument("--socket", required=True)
    s.add_argument("--ops", required=True)
    s.add_argument("--rate", type=float, default=1000)
    s.add_argument("--duration", type=float, default=10)
    s.add_argument("--parallel", type=int, default=1)
    s = sub.add_parser("check-load")
    s.add_argument("--acks", nargs="+", required=True)
    s.add_argument("--run", required=True)
    s.add_argument("--entries", required=True)
    s.add_argument("--dirs", required=True)
    s.add_argument("--expect", required=True)
    s.add_argument("--same", action="append")
    s.add_argument("--allow-dups", action="store_true")
    s.add_argument("--sluicectl", required=True)
    s.add_argument("--tmp", default="/tmp")
    a = ap.parse_args()
    rc = {"send": cmd_send, "load": cmd_load, "check": cmd_check, "plan": cmd_plan,
          "churn": cmd_churn, "check-load": cmd_check_load, "body": cmd_body}[a.cmd](a)
    sys.exit(rc or 0)


if __name__ == "__main__":
    main()
