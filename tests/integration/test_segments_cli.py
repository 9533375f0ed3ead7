#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# sluicectl segments list|verify|stats|dump|replay and dict train over stores built from the goldens.
"""Prints TAP. No root, no DPDK: stores are written by tests/tools/seg_build.

Environment: SLUICE_BUILD (build dir with sluicectl and tests/tools/seg_build),
SLUICE_SRC (source root). SLUICE_TEST_KEEP=1 keeps the temp dir.
"""
import http.server
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading

SRC = os.environ.get("SLUICE_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SLUICE_BUILD", os.path.join(SRC, "build"))
CTL = os.path.join(BUILD, "sluicectl")
SEG_BUILD = os.path.join(BUILD, "tests", "tools", "seg_build")
DATA = os.path.join(SRC, "tests", "data")
SIGNALS = ["traces", "metrics", "logs"]

n_tests = 0
n_failed = 0


def check(desc, cond, diag=None):
    global n_tests, n_failed
    n_tests += 1
    if cond:
        print(f"ok {n_tests} - {desc}")
    else:
        n_failed += 1
        print(f"not ok {n_tests} - {desc}")
        if diag is not None:
            for line in str(diag).splitlines()[-30:]:
                print(f"#   {line}")
    sys.stdout.flush()
    return cond


def run(*args, env=None, input=None):
    p = subprocess.run([CTL, *args], capture_output=True, env=env, input=input, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def seg_build(store, *opts):
    os.makedirs(os.path.dirname(store), exist_ok=True)
    out = subprocess.run([SEG_BUILD, "--data", DATA, *opts, store], capture_output=True,
                         check=True, timeout=60).stdout
    return json.loads(out)


def golden_items():
    """Items per golden, counted from the JSON goldens (not by the C walker)."""
    t = json.load(open(os.path.join(DATA, "traces.json")))
    spans = sum(len(ss.get("spans", [])) for rs in t["resourceSpans"]
                for ss in rs.get("scopeSpans", []))
    m = json.load(open(os.path.join(DATA, "metrics.json")))
    points = 0
    for rm in m["resourceMetrics"]:
        for sm in rm.get("scopeMetrics", []):
            for met in sm.get("metrics", []):
                for kind in ("gauge", "sum", "histogram", "exponentialHistogram", "summary"):
                    if kind in met:
                        points += len(met[kind].get("dataPoints", []))
    lg = json.load(open(os.path.join(DATA, "logs.json")))
    logs = sum(len(sl.get("logRecords", [])) for rl in lg["resourceLogs"]
               for sl in rl.get("scopeLogs", []))
    return {"traces": spans, "metrics": points, "logs": logs}


def records_of(path):
    """(offset, signal, comp_len, raw_len, dict_id) of each record, parsed per docs/segment-format.md."""
    b = open(path, "rb").read()
    off, out = 64, []
    while off + 64 <= len(b):
        sig, = struct.unpack_from("<B", b, off + 8)
        dict_id, raw, comp = struct.unpack_from("<III", b, off + 20)
        out.append((off, sig, comp, raw, dict_id))
        off += 64 + comp + (8 - comp % 8) % 8
    return out


class Capture(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies = []        # (path, body, client port)
    fail_next = []     # statuses to answer, one per request, before answering 200
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with Capture.lock:
            status = Capture.fail_next.pop(0) if Capture.fail_next else 200
            if status == 200:
                Capture.bodies.append((self.path, body, self.client_address[1],
                                       self.headers.get("Content-Type")))
        self.send_response(status)
        if status != 200:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def main():
    tmp = tempfile.mkdtemp(prefix="sluice-segcli.")
    try:
        body(tmp)
    except Exception as e:  # a crash of the test itself is a failed test point, not a traceback
        import traceback
        check(f"test ran to the end ({type(e).__name__}: {e})", False, traceback.format_exc())
    finally:
        if os.environ.get("SLUICE_TEST_KEEP") == "1":
            print(f"# kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"1..{n_tests}")
    return 1 if n_failed else 0


def body(tmp):
    items = golden_items()
    pb = {s: open(os.path.join(DATA, s + ".pb"), "rb").read() for s in SIGNALS}
    js = {s: open(os.path.join(DATA, s + ".json"), "rb").read().rstrip(b"\n") for s in SIGNALS}
    top = os.path.join(tmp, "store")
    # worker-0: 4 rounds over routes 0 and 1, rotating at 8000 bytes; worker-1: 2 rounds.
    m0 = seg_build(os.path.join(top, "worker-0"), "--rounds", "4", "--routes", "2",
                   "--file-max", "8000")
    m1 = seg_build(os.path.join(top, "worker-1"), "--rounds", "2")
    order = SIGNALS * 4 + SIGNALS * 2  # store order of the records' signals
    check("seg_build counts the goldens' items like the JSON goldens do",
          all(m0[s]["items"] == 4 * items[s] for s in SIGNALS), (m0, items))

    # list
    rc, out, err = run("segments", "list", "--json", top)
    lst = json.loads(out) if rc == 0 else {}
    files = lst.get("files", [])
    check("list --json exits 0 and lists 3 files in store order", rc == 0 and
          [(f["store"], f["base"]) for f in files][:1] == [("worker-0", 0)] and
          [f["store"] for f in files] == ["worker-0", "worker-0", "worker-1"], out + err.encode())
    if len(files) == 3:
        check("list: bases follow file sizes, records add up, all signals, no damage",
              files[1]["base"] == files[0]["size"] and
              sum(f["records"] for f in files) == 18 and
              all(f["signals"] == SIGNALS and f["damage"] is None for f in files) and
              files[0]["first_recv_ns"] == 1700000000000000000, files)
    rc, out, err = run("segments", "list", top)
    check("list (table) names each file", rc == 0 and out.count(b".seg") == 3, out)

    # stats
    rc, out, err = run("segments", "stats", "--json", top)
    st = json.loads(out) if rc == 0 else {}
    ok = rc == 0
    for s in SIGNALS:
        ok = ok and st[s]["records"] == 6 and st[s]["items"] == 6 * items[s] and \
            st[s]["bytes"] == 6 * len(pb[s]) and \
            st[s]["compressed_bytes"] == m0[s]["compressed_bytes"] + m1[s]["compressed_bytes"]
    check("stats --json: records, items and raw bytes per signal match the goldens", ok, out)
    # worker-0 record k is on route k % 2 (k counts t, m, l per round); worker-1 all route 0.
    r1 = {s: sum(1 for k in range(12) if k % 2 == 1 and order[k] == s) for s in SIGNALS}
    check("stats --json: per-route records and totals",
          ok and all(st["routes"]["1"][s]["records"] == r1[s] for s in SIGNALS) and
          st["total"]["records"] == 18 and
          st["total"]["items"] == 6 * sum(items.values()) and
          st["routes"]["0"]["total"]["records"] + st["routes"]["1"]["total"]["records"] == 18,
          out)

    # verify
    rc, out, err = run("segments", "verify", "--json", top)
    v = json.loads(out) if out else {}
    check("verify of a clean store exits 0 with 18 records", rc == 0 and v.get("ok") is True and
          v.get("records") == 18, out + err.encode())

    # dump
    rc, out, err = run("segments", "dump", top)
    lines = out.rstrip(b"\n").split(b"\n")
    check("dump: one OTLP/JSON line per record, equal to the JSON goldens, in store order",
          rc == 0 and lines == [js[s] for s in order], err)
    try:
        parsed = [json.loads(x) for x in lines]
        span = parsed[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
        check("dump: lines parse as JSON; ids are hex, int64 are strings, enums ints",
              len(span["traceId"]) == 32 and isinstance(span["startTimeUnixNano"], str) and
              isinstance(span.get("kind", 0), int))
    except (ValueError, KeyError, IndexError) as e:
        check("dump: lines parse as JSON", False, e)
    out_file = os.path.join(tmp, "logs.pb")
    rc, out, err = run("segments", "dump", "--format", "pb", "--signal", "logs", "--out",
                       out_file, top)
    b = open(out_file, "rb").read() if os.path.exists(out_file) else b""
    recs, off = [], 0
    while off + 4 <= len(b):
        n, = struct.unpack_from(">I", b, off)
        recs.append(b[off + 4:off + 4 + n])
        off += 4 + n
    check("dump --format pb --signal logs --out: 4-byte big-endian length + protobuf, byte-equal",
          rc == 0 and off == len(b) and recs == [pb["logs"]] * 6, err)

    # corruption: a byte in the second record of worker-0's second file
    bad = os.path.join(tmp, "bad")
    shutil.copytree(top, bad)
    f2 = os.path.join(bad, "worker-0", sorted(os.listdir(os.path.join(bad, "worker-0")))[1])
    r2 = records_of(f2)[1]
    with open(f2, "r+b") as f:
        f.seek(r2[0] + 64 + 5)
        c = f.read(1)
        f.seek(r2[0] + 64 + 5)
        f.write(bytes([c[0] ^ 0x40]))
    rc, out, err = run("segments", "verify", "--json", bad)
    v = json.loads(out) if out else {}
    fl = v.get("faults", [])
    check("verify after a flipped byte exits 1 naming the file and the record's offset",
          rc == 1 and len(fl) == 1 and fl[0]["path"].endswith(f2[len(bad):]) and
          fl[0]["offset"] == r2[0] and "CRC" in fl[0]["what"], out + err.encode())
    rc, out, err = run("segments", "verify", bad)
    check("verify (text) prints FILE: offset N", rc == 1 and
          f"{os.path.basename(f2)}: offset {r2[0]}: ".encode() in out, out)

    # truncation: cut worker-1's file inside its last record
    cut = os.path.join(tmp, "cut")
    shutil.copytree(top, cut)
    f1 = os.path.join(cut, "worker-1", os.listdir(os.path.join(cut, "worker-1"))[0])
    last = records_of(f1)[-1]
    os.truncate(f1, last[0] + 64 + last[2] // 2)
    rc, out, err = run("segments", "verify", "--json", cut)
    v = json.loads(out) if out else {}
    fl = v.get("faults", [])
    check("verify reports a truncated record at its offset", rc == 1 and len(fl) == 1 and
          fl[0]["offset"] == last[0] and "truncated" in fl[0]["what"] and
          v.get("records") == 17, out + err.encode())
    rc, out, err = run("segments", "stats", "--json", cut)
    check("stats counts up to the damage and reports it", rc == 0 and
          json.loads(out)["damaged_files"] == 1 and json.loads(out)["total"]["records"] == 17,
          out)

    # dictionaries
    small = os.path.join(tmp, "small")
    seg_build(os.path.join(small, "worker-0"), "--rounds", "1")
    rc, out, err = run("dict", "train", "--signal", "traces", small)
    check("dict train with too few samples exits 1 with a clear message",
          rc == 1 and "need at least" in err, err)
    rc, out, err = run("dict", "train", "--size", "4096", "--json", top)
    d = json.loads(out) if rc == 0 else {}
    ids = {x["signal"]: x["id"] for x in d.get("dicts", [])}
    check("dict train writes one dictionary per signal into DIR/dicts/<signal>-<id>.zdict",
          rc == 0 and sorted(ids) == sorted(SIGNALS) and
          all(os.path.exists(os.path.join(top, "dicts", f"{s}-{ids[s]}.zdict")) for s in ids),
          out + err.encode())
    if rc == 0:
        m2 = seg_build(os.path.join(top, "worker-2"), "--rounds", "2", "--dicts",
                       os.path.join(top, "dicts"))
        check("records written with the dictionaries carry their ids",
              all(m2[s]["dict"] == ids[s] for s in SIGNALS), m2)
        rc, out, err = run("segments", "dump", top)
        lines = out.rstrip(b"\n").split(b"\n")
        check("dump finds the dictionaries in a parent's dicts/ and the records dump as before",
              rc == 0 and lines == [js[s] for s in order + SIGNALS * 2], err)
        rc, out, err = run("segments", "verify", top)
        check("verify of a store with dictionary records exits 0", rc == 0, out + err.encode())
        rc, out, err = run("segments", "dump", os.path.join(top, "worker-2"))
        check("without the dictionary, dump exits 1 naming the missing id",
              rc == 1 and f"needs zstd dictionary {ids['traces']}" in err, err)
        rc, out, err = run("segments", "dump", "--dicts", os.path.join(top, "dicts"),
                           os.path.join(top, "worker-2"))
        check("--dicts DIR supplies them", rc == 0 and out.count(b"\n") == 6, err)
        shutil.rmtree(os.path.join(top, "worker-2"))

    # replay to a capture server
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    state = os.path.join(tmp, "replay.state")
    try:
        Capture.fail_next = [200, 503]  # the second request is refused once, with Retry-After
        rc, out, err = run("segments", "replay", "--endpoint", url, "--resume", state,
                           "--json", top)
        sm = json.loads(out) if out else {}
        got = [(p, b) for p, b, _, _ in Capture.bodies]
        check("replay exits 0: 18 sent, 18 acknowledged, none failed", rc == 0 and
              sm.get("sent") == 18 and sm.get("acked") == 18 and sm.get("failed") == 0,
              out + err.encode())
        check("every body arrives byte-equal at /v1/<signal>, in store order",
              got == [(f"/v1/{s}", pb[s]) for s in order], [p for p, _ in got])
        check("Content-Type is application/x-protobuf",
              all(ct == "application/x-protobuf" for _, _, _, ct in Capture.bodies))
        check("503 with Retry-After was retried", sm.get("retried") == 1, out)
        check("one keep-alive connection carried the requests",
              len({port for _, _, port, _ in Capture.bodies}) == 1,
              {port for _, _, port, _ in Capture.bodies})
        check("--resume wrote a state file of store id and position lines",
              os.path.exists(state) and
              len([x for x in open(state) if not x.startswith("#")]) == 2)
        before = len(Capture.bodies)
        rc, out, err = run("segments", "replay", "--endpoint", url, "--resume", state,
                           "--json", top)
        sm = json.loads(out) if out else {}
        check("replay --resume again sends nothing and skips all 18", rc == 0 and
              sm.get("sent") == 0 and sm.get("skipped") == 18 and
              len(Capture.bodies) == before, out + err.encode())
        Capture.fail_next = [400]
        rc, out, err = run("segments", "replay", "--endpoint", url + "/custom", "--signal",
                           "metrics", "--json", top)
        sm = json.loads(out) if out else {}
        check("a 400 fails that record (not retried), exit 1; a URL path is used as is",
              rc == 1 and sm.get("failed") == 1 and sm.get("acked") == 5 and
              Capture.bodies[-1][0] == "/custom", out + err.encode())
    finally:
        srv.shutdown()
        srv.server_close()
    rc, out, err = run("segments", "replay", "--endpoint", url, "--timeout", "2",
                       "--retries", "1", "--max-wait", "0.1", top)
    check("replay to a closed port fails and exits 1", rc == 1 and b"1 failed" in out,
          out + err.encode())

    # usage errors
    for args in (["segments"], ["segments", "nope"], ["segments", "dump", "--format", "xml", top],
                 ["segments", "list", "--bogus", top], ["segments", "replay", top],
                 ["segments", "replay", "--endpoint", "https://x", top],
                 ["dict", "train", "--signal", "spans", top], ["segments", "list", top, top]):
        rc, out, err = run(*args)
        check(f"usage error exits 2: {' '.join(a if a != top else 'DIR' for a in args)}",
              rc == 2 and err.strip() != "", err)
    rc, out, err = run("help")
    check("help lists segments and dict train", rc == 0 and b"segments replay" in out and
          b"dict train" in out, out)


if __name__ == "__main__":
    sys.exit(main())
