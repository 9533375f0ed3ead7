#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Client side of the fault injection test (test_faults.sh): bodies, raw HTTP/1.1 and HTTP/2, load.
"""Usage: faults_client.py COMMAND [ARGS]; every command prints one JSON line.

  body --svc S[,S2..] --spans N --rid R [--signal traces|logs] [--json] --out FILE
      An Export{Trace,Logs}ServiceRequest, one Resource entry per service, in that order,
      N spans (log records) each, named "<R>-<k>" over the whole request (k from 0), so a
      store shows which items of a request were kept. --json: the OTLP/JSON form.
  decode --kind status|trace-resp [--json] FILE
      A google.rpc.Status (code, message) or an Export*ServiceResponse (partial_success:
      rejected, message; the field numbers are the same for the three signals), protobuf
      or JSON.
  points FILE
      The data points of an ExportMetricsServiceRequest.
  http --addr H:P --body F [--body2 F2] [--n N] [--path P] [--json] [--timeout S]
      N requests on ONE connection, one after the other (the second and later with F2 if
      given): per request the status, Retry-After, Connection header, elapsed seconds, or
      what happened instead: "reset" (ECONNRESET: an RST), "eof" (closed), "timeout".
  pipe --addr H:P --body F --body2 F2
      Both requests in one write on one connection (pipelined): the statuses in order and
      the seconds until each answer.
  hold --addr H:P --body F [--secs S]
      Sends F, prints "sent", then waits up to S seconds: what came back (data, eof,
      reset, timeout) and when. For a blackholed request pending while the appliance stops.
  storm --addr H:P --body F --n N [--conns C] [--window W]
      N requests over C keep-alive connections, W in flight on each (pipelined): how many
      of each status, how many carried Retry-After (and its values), connection errors,
      elapsed seconds. For 10,000 requests in a few seconds.
  paced --addr H:P --body F --n N --rate R
      N requests on one connection, R per second: statuses.
  store --ctl SLUICECTL --dir D [--svc S]
      `sluicectl segments dump --format json D`: items per service.name; with --svc, that
      service's items, distinct span ids and item names.
  grpc --addr H:P --svc S [--svc S2].. [--spans N] [--rid R] [--signal S] [--timeout S] [--n N]
      grpcio Export calls on one channel, per service (a request of N items named
      "<R>-<S>-<k>"): with --n 1 the status code name, details, RetryInfo delay (s),
      partial_success of an OK and the seconds taken; with --n N > 1, per code how many,
      per RetryInfo delay how many, and the seconds all N took.
  h2 --addr H:P --body F --body2 F2 [--signal S] [--wait S] [--together]
      A hand-built HTTP/2 client, one connection: stream 1 carries F, then (once stream 1
      is done or S seconds passed) stream 3 carries F2; --together: both at once, and the
      seconds until each stream finished. Per stream: RST_STREAM (and its error code),
      response HEADERS, END_STREAM; GOAWAY; whether the connection closed.
  metrics --url URL --fault NAME
      sluice_fault_{matched,fired}_requests_total{fault="NAME"} from sluice-control's
      /metrics (the core="total" series if the family ever gets per-core ones, else the sum);
      null when the fault has no series.
  named --stats FILE --fault NAME
      The same two counts from `sluicectl stats --json` (its "named" list).
"""
import argparse
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from otlp_load import field_fixed64, field_len, field_varint, kv_str  # noqa: E402
from grpc_client import fields  # noqa: E402

PATHS_GRPC = {
    'traces': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    'logs': '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
}


def out(d):
    print(json.dumps(d, sort_keys=True))
    sys.stdout.flush()


# ------------------------------------------------------------------ bodies

def build_pb(signal, svcs, n, rid):
    now = time.time_ns()
    body = b''
    k = 0
    for svc in svcs:
        items = b''
        for _ in range(n):
            name = ('%s-%d' % (rid, k)).encode()
            if signal == 'traces':
                span = (field_len(1, os.urandom(16)) + field_len(2, os.urandom(8)) +
                        field_len(5, name) + field_varint(6, 2) + field_fixed64(7, now) +
                        field_fixed64(8, now + 1000))
                items += field_len(2, span)  # ScopeSpans.spans = 2
            else:
                # LogRecord: time_unix_nano = 1, body = 5 (AnyValue.string_value = 1)
                items += field_len(2, field_fixed64(1, now) + field_len(5, field_len(1, name)))
            k += 1
        scope = field_len(1, field_len(1, b'faults_client'))  # scope = 1 {name = 1}
        resource = field_len(1, kv_str('service.name', svc))
        body += field_len(1, field_len(1, resource) + field_len(2, scope + items))
    return body


def build_json(signal, svcs, n, rid):
    now = str(time.time_ns())
    ents = []
    k = 0
    for svc in svcs:
        items = []
        for _ in range(n):
            name = '%s-%d' % (rid, k)
            if signal == 'traces':
                items.append({'traceId': os.urandom(16).hex(), 'spanId': os.urandom(8).hex(),
                              'name': name, 'kind': 2, 'startTimeUnixNano': now,
                              'endTimeUnixNano': now})
            else:
                items.append({'timeUnixNano': now, 'body': {'stringValue': name}})
            k += 1
        res = {'attributes': [{'key': 'service.name', 'value': {'stringValue': svc}}]}
        scope = {'name': 'faults_client'}
        if signal == 'traces':
            ents.append({'resource': res, 'scopeSpans': [{'scope': scope, 'spans': items}]})
        else:
            ents.append({'resource': res, 'scopeLogs': [{'scope': scope, 'logRecords': items}]})
    key = 'resourceSpans' if signal == 'traces' else 'resourceLogs'
    return json.dumps({key: ents}).encode()


def cmd_body(a):
    svcs = a.svc.split(',')
    b = (build_json if a.json else build_pb)(a.signal, svcs, a.spans, a.rid)
    with open(a.out, 'wb') as f:
        f.write(b)
    out({'bytes': len(b), 'items': a.spans * len(svcs)})


# ------------------------------------------------------------------ protobuf reading

def decode_status(b, is_json):
    if is_json:
        d = json.loads(b or b'{}')
        return {'code': d.get('code', 0), 'message': d.get('message', '')}
    d = {}
    for f, v in fields(b):
        d.setdefault(f, v)
    return {'code': d.get(1, 0), 'message': d.get(2, b'').decode('utf-8', 'replace')}


def decode_partial(b, is_json):
    """ExportTraceServiceResponse / ExportLogsServiceResponse: partial_success = 1
    {rejected_spans|rejected_log_records = 1, error_message = 2}."""
    if is_json:
        d = json.loads(b or b'{}').get('partialSuccess')
        if d is None:
            return {'partial': False, 'rejected': 0, 'message': ''}
        rej = 0
        for k in ('rejectedSpans', 'rejectedLogRecords', 'rejectedDataPoints'):
            rej += int(d.get(k, 0))
        return {'partial': True, 'rejected': rej, 'message': d.get('errorMessage', '')}
    ps = None
    for f, v in fields(b):
        if f == 1:
            ps = v
    if ps is None:
        return {'partial': False, 'rejected': 0, 'message': ''}
    rej, msg = 0, ''
    for f, v in fields(ps):
        if f == 1:
            rej = v
        elif f == 2:
            msg = v.decode('utf-8', 'replace')
    return {'partial': True, 'rejected': rej, 'message': msg}


def cmd_points(a):
    """Data points of an ExportMetricsServiceRequest: ResourceMetrics (1) > ScopeMetrics (2)
    > Metric (2) > gauge 5 | sum 7 | histogram 9 | exponential_histogram 10 | summary 11
    > data_points (1)."""
    n = 0
    for _, rm in fields(open(a.file, 'rb').read()):
        for f, sm in fields(rm):
            if f != 2:
                continue
            for f3, m in fields(sm):
                if f3 != 2:
                    continue
                for f4, data in fields(m):
                    if f4 in (5, 7, 9, 10, 11):
                        n += sum(1 for f5, _ in fields(data) if f5 == 1)
    out({'points': n})


def cmd_decode(a):
    b = open(a.file, 'rb').read()
    if a.kind == 'status':
        out(decode_status(b, a.json))
    else:
        out(decode_partial(b, a.json))


# ------------------------------------------------------------------ raw HTTP/1.1

def request(path, body, ctype, host='sluice'):
    return (('POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n'
             % (path, host, ctype, len(body))).encode() + body)


class Reader:
    """Reads HTTP/1.1 responses (Content-Length or chunked) off a socket."""

    def __init__(self, s):
        self.s = s
        self.buf = b''

    def fill(self):
        d = self.s.recv(262144)
        if not d:
            raise EOFError
        self.buf += d

    def response(self):
        while b'\r\n\r\n' not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        status = int(lines[0].split()[1])
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(':')
            hdrs[k.strip().lower()] = v.strip()
        if hdrs.get('transfer-encoding', '').lower() == 'chunked':
            body = b''
            while True:
                while b'\r\n' not in self.buf:
                    self.fill()
                ln, self.buf = self.buf.split(b'\r\n', 1)
                n = int(ln.split(b';')[0], 16)
                while len(self.buf) < n + 2:
                    self.fill()
                body += self.buf[:n]
                self.buf = self.buf[n + 2:]
                if n == 0:
                    break
        else:
            n = int(hdrs.get('content-length', '0'))
            while len(self.buf) < n:
                self.fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        if status == 100:
            return self.response()
        return status, hdrs, body


def addr_of(s):
    h, p = s.rsplit(':', 1)
    return h, int(p)


def cmd_http(a):
    bodies = [open(a.body, 'rb').read()]
    if a.body2:
        bodies.append(open(a.body2, 'rb').read())
    ctype = 'application/json' if a.json else 'application/x-protobuf'
    s = socket.create_connection(addr_of(a.addr), timeout=10)
    r = Reader(s)
    res = []
    for i in range(a.n):
        body = bodies[min(i, len(bodies) - 1)]
        t0 = time.monotonic()
        one = {}
        try:
            s.sendall(request(a.path, body, ctype))
            s.settimeout(a.timeout)
            st, h, b = r.response()
            one = {'status': st, 'retry_after': h.get('retry-after'),
                   'connection': h.get('connection'), 'ctype': h.get('content-type')}
            if st >= 300 or st < 200:
                one.update({'rpc_' + k: v for k, v in decode_status(b, a.json).items()})
            else:
                one.update(decode_partial(b, a.json))
        except ConnectionResetError:
            one = {'status': 'reset'}
        except (EOFError, BrokenPipeError):
            one = {'status': 'eof'}
        except socket.timeout:
            one = {'status': 'timeout'}
        except Exception as e:  # noqa: BLE001: a test client reports, never hides
            one = {'status': 'error', 'error': repr(e)}
        one['secs'] = round(time.monotonic() - t0, 4)
        res.append(one)
        if one['status'] in ('reset', 'eof', 'error'):
            break
    s.close()
    out({'responses': res, 'statuses': [x['status'] for x in res]})


def cmd_pipe(a):
    """Both bodies in one write on one connection; the answers, in order, with their times."""
    b1 = open(a.body, 'rb').read()
    b2 = open(a.body2, 'rb').read()
    s = socket.create_connection(addr_of(a.addr), timeout=a.timeout)
    r = Reader(s)
    t0 = time.monotonic()
    s.sendall(request('/v1/traces', b1, 'application/x-protobuf') +
              request('/v1/traces', b2, 'application/x-protobuf'))
    st, secs = [], []
    try:
        for _ in range(2):
            st.append(r.response()[0])
            secs.append(round(time.monotonic() - t0, 4))
    except (OSError, EOFError) as e:
        st.append(repr(e))
    s.close()
    out({'statuses': st, 'secs': secs})


def cmd_hold(a):
    """Sends the body and keeps the connection open for --secs (a blackholed request that
    is still pending when the appliance stops); prints what came back, if anything."""
    s = socket.create_connection(addr_of(a.addr), timeout=a.secs)
    s.sendall(request('/v1/traces', open(a.body, 'rb').read(), 'application/x-protobuf'))
    print('sent', flush=True)
    t0 = time.monotonic()
    try:
        d = s.recv(65536)
        res = 'eof' if not d else 'data'
    except ConnectionResetError:
        res = 'reset'
    except socket.timeout:
        res = 'timeout'
    out({'result': res, 'secs': round(time.monotonic() - t0, 3)})


def cmd_storm(a):
    body = open(a.body, 'rb').read()
    req = request('/v1/traces', body, 'application/x-protobuf')
    per = [a.n // a.conns + (1 if i < a.n % a.conns else 0) for i in range(a.conns)]
    lock = threading.Lock()
    tot = {'statuses': {}, 'retry_after': {}, 'conn_errors': 0, 'sent': 0, 'answered': 0}

    def one(n):
        st = {}
        ra = {}
        sent = got = 0
        err = 0
        try:
            s = socket.create_connection(addr_of(a.addr), timeout=10)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            r = Reader(s)
            while got < n:
                k = min(a.window - (sent - got), n - sent)
                if k > 0:
                    s.sendall(req * k)
                    sent += k
                code, h, _ = r.response()
                got += 1
                st[code] = st.get(code, 0) + 1
                if 'retry-after' in h:
                    ra[h['retry-after']] = ra.get(h['retry-after'], 0) + 1
            s.close()
        except (OSError, EOFError):
            err = 1
        with lock:
            for k, v in st.items():
                tot['statuses'][str(k)] = tot['statuses'].get(str(k), 0) + v
            for k, v in ra.items():
                tot['retry_after'][k] = tot['retry_after'].get(k, 0) + v
            tot['conn_errors'] += err
            tot['sent'] += sent
            tot['answered'] += got

    t0 = time.monotonic()
    th = [threading.Thread(target=one, args=(k,)) for k in per]
    for t in th:
        t.start()
    for t in th:
        t.join()
    tot['secs'] = round(time.monotonic() - t0, 3)
    out(tot)


def cmd_paced(a):
    body = open(a.body, 'rb').read()
    req = request('/v1/traces', body, 'application/x-protobuf')
    s = socket.create_connection(addr_of(a.addr), timeout=10)
    r = Reader(s)
    st = []
    t0 = time.monotonic()
    for i in range(a.n):
        delay = t0 + i / a.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendall(req)
        st.append(r.response()[0])
    s.close()
    out({'statuses': st, 'ok': st.count(200)})


# ------------------------------------------------------------------ the store

def cmd_store(a):
    p = subprocess.run([a.ctl, 'segments', 'dump', '--format', 'json', a.dir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0 and not p.stdout:
        out({'error': p.stderr.decode(errors='replace')[-300:], 'rc': p.returncode})
        sys.exit(1)
    per = {}
    names, ids = [], set()
    for line in p.stdout.decode().splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        for key, sk, ik in (('resourceSpans', 'scopeSpans', 'spans'),
                            ('resourceLogs', 'scopeLogs', 'logRecords')):
            for ent in d.get(key, []):
                svc = ''
                for kv in ent.get('resource', {}).get('attributes', []):
                    if kv.get('key') == 'service.name':
                        svc = kv.get('value', {}).get('stringValue', '')
                n = 0
                for sc in ent.get(sk, []):
                    for it in sc.get(ik, []):
                        n += 1
                        if svc == a.svc:
                            names.append(it.get('name') or
                                         it.get('body', {}).get('stringValue', ''))
                            ids.add(it.get('spanId', '') + '/' + it.get('traceId', ''))
                per[svc] = per.get(svc, 0) + n
    res = {'services': per, 'rc': p.returncode}
    if a.svc is not None:
        res.update({'items': per.get(a.svc, 0), 'distinct': len(ids), 'names': sorted(names)})
    out(res)


# ------------------------------------------------------------------ gRPC

def retry_delay(details):
    """RetryInfo's delay in seconds (fractions kept) from a google.rpc.Status, or None."""
    for f, v in fields(details):
        if f != 3:
            continue
        any_ = dict(fields(v))
        if any_.get(1) == b'type.googleapis.com/google.rpc.RetryInfo':
            d = dict(fields(dict(fields(any_[2])).get(1, b'')))
            return d.get(1, 0) + d.get(2, 0) / 1e9
    return None


def grpc_one(call, body, timeout):
    import base64
    import grpc
    r = {'code': 'OK', 'details': None, 'retry_s': None, 'partial': None}
    t0 = time.monotonic()
    try:
        resp = call(body, timeout=timeout)
        r['partial'] = decode_partial(resp, False)
    except grpc.RpcError as e:
        r['code'] = e.code().name
        r['details'] = e.details()
        for k, v in e.trailing_metadata() or ():
            if k == 'grpc-status-details-bin':
                raw = v if isinstance(v, bytes) else base64.b64decode(v + '==')
                r['retry_s'] = retry_delay(raw)
    r['secs'] = round(time.monotonic() - t0, 4)
    return r


def cmd_grpc(a):
    import grpc
    ch = grpc.insecure_channel(a.addr)
    call = ch.unary_unary(PATHS_GRPC[a.signal])
    res = {}
    for svc in a.svc:
        body = build_pb(a.signal, [svc], a.spans, '%s-%s' % (a.rid, svc))
        if a.n == 1:
            res[svc] = grpc_one(call, body, a.timeout)
            continue
        agg = {'codes': {}, 'retry_s': {}, 'details': None}
        t0 = time.monotonic()
        for _ in range(a.n):
            r = grpc_one(call, body, a.timeout)
            agg['codes'][r['code']] = agg['codes'].get(r['code'], 0) + 1
            if r['code'] != 'OK':
                agg['details'] = r['details']
                k = 'none' if r['retry_s'] is None else '%g' % r['retry_s']
                agg['retry_s'][k] = agg['retry_s'].get(k, 0) + 1
        agg['secs'] = round(time.monotonic() - t0, 4)
        res[svc] = agg
    ch.close()
    out(res)


def cmd_h2(a):
    from grpc_client import DATA, GOAWAY, HEADERS, RST, SETTINGS, frame, request_block
    b1 = open(a.body, 'rb').read()
    b2 = open(a.body2, 'rb').read()
    s = socket.create_connection(addr_of(a.addr), timeout=5)
    s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + frame(SETTINGS, 0, 0))
    st = {1: {'rst': None, 'headers': 0, 'end': False}, 3: {'rst': None, 'headers': 0, 'end': False}}
    res = {'goaway': None, 'closed': False}
    buf = b''

    def msg(sid, b):
        path = PATHS_GRPC[a.signal]
        return (frame(HEADERS, 4, sid, request_block(path)) +
                frame(DATA, 1, sid, b'\0' + struct.pack('>I', len(b)) + b))

    def pump(secs, until):
        nonlocal buf
        end = time.time() + secs
        while time.time() < end and not until() and not res['closed']:
            s.settimeout(max(0.01, end - time.time()))
            try:
                d = s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                res['closed'] = True
                break
            if not d:
                res['closed'] = True
                break
            buf += d
            while len(buf) >= 9:
                n = int.from_bytes(buf[:3], 'big')
                if len(buf) < 9 + n:
                    break
                t, fl, sid = buf[3], buf[4], int.from_bytes(buf[5:9], 'big') & 0x7fffffff
                pl = buf[9:9 + n]
                buf = buf[9 + n:]
                if t == SETTINGS and not fl & 1:
                    s.sendall(frame(SETTINGS, 1, 0))
                elif t == GOAWAY:
                    res['goaway'] = int.from_bytes(pl[4:8], 'big')
                elif t == RST and sid in st:
                    st[sid]['rst'] = int.from_bytes(pl[:4], 'big')
                elif t in (HEADERS, DATA) and sid in st:
                    st[sid]['headers'] += t == HEADERS
                    st[sid]['end'] = st[sid]['end'] or bool(fl & 1)

    done = (lambda sid: lambda: st[sid]['rst'] is not None or st[sid]['end'])
    t0 = time.monotonic()
    if a.together:
        # Both streams at once; note when each finished.
        s.sendall(msg(1, b1) + msg(3, b2))
        for _ in range(2):
            pump(a.wait, lambda: any((done(k)() and 'secs' not in st[k]) for k in (1, 3)))
            for k in (1, 3):
                if done(k)() and 'secs' not in st[k]:
                    st[k]['secs'] = round(time.monotonic() - t0, 3)
    else:
        s.sendall(msg(1, b1))
        pump(a.wait, done(1))
        res['s1_secs'] = round(time.monotonic() - t0, 3)
        if not res['closed']:
            s.sendall(msg(3, b2))
            pump(a.wait, done(3))
    s.close()
    res['s1'] = st[1]
    res['s3'] = st[3]
    out(res)


# ------------------------------------------------------------------ counters

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def cmd_metrics(a):
    text = urllib.request.urlopen(a.url, timeout=5).read().decode()
    res = {}
    for fam, key in (('sluice_fault_matched_requests_total', 'matched'),
                     ('sluice_fault_fired_requests_total', 'fired')):
        tot = None
        summed = 0
        seen = False
        for line in text.splitlines():
            m = LINE.match(line)
            if not m or m.group(1) != fam:
                continue
            lab = dict(LABEL.findall(m.group(3) or ''))
            if lab.get('fault') != a.fault:
                continue
            seen = True
            v = int(float(m.group(4)))
            if lab.get('core') == 'total':
                tot = v
            elif 'core' not in lab or lab.get('core') != 'total':
                summed += v
        res[key] = (tot if tot is not None else summed) if seen else None
    out(res)


def cmd_named(a):
    """`sluicectl stats --json`: "named": [{"kind": "fault", "name": N, "id": CRC,
    "matched_requests": M, "fired_requests": F}, ...], summed over the cores already."""
    d = json.load(open(a.stats))
    if 'named' not in d:
        out({'matched': None, 'fired': None, 'error': 'no "named" in stats --json'})
        return
    res = {'matched': None, 'fired': None}
    for e in d['named']:
        if e.get('kind') == 'fault' and e.get('name') == a.fault:
            res['matched'] = (res['matched'] or 0) + e.get('matched_requests', 0)
            res['fired'] = (res['fired'] or 0) + e.get('fired_requests', 0)
    out(res)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    x = sub.add_parser('body')
    x.add_argument('--svc', required=True)
    x.add_argument('--spans', type=int, default=1)
    x.add_argument('--rid', required=True)
    x.add_argument('--signal', default='traces', choices=('traces', 'logs'))
    x.add_argument('--json', action='store_true')
    x.add_argument('--out', required=True)
    x = sub.add_parser('decode')
    x.add_argument('--kind', required=True, choices=('status', 'trace-resp'))
    x.add_argument('--json', action='store_true')
    x.add_argument('file')
    x = sub.add_parser('points')
    x.add_argument('file')
    x = sub.add_parser('http')
    x.add_argument('--addr', required=True)
    x.add_argument('--body', required=True)
    x.add_argument('--body2')
    x.add_argument('--n', type=int, default=1)
    x.add_argument('--path', default='/v1/traces')
    x.add_argument('--json', action='store_true')
    x.add_argument('--timeout', type=float, default=10)
    x = sub.add_parser('pipe')
    x.add_argument('--addr', required=True)
    x.add_argument('--body', required=True)
    x.add_argument('--body2', required=True)
    x.add_argument('--timeout', type=float, default=10)
    x = sub.add_parser('hold')
    x.add_argument('--addr', required=True)
    x.add_argument('--body', required=True)
    x.add_argument('--secs', type=float, default=30)
    x = sub.add_parser('storm')
    x.add_argument('--addr', required=True)
    x.add_argument('--body', required=True)
    x.add_argument('--n', type=int, required=True)
    x.add_argument('--conns', type=int, default=4)
    x.add_argument('--window', type=int, default=16)
    x = sub.add_parser('paced')
    x.add_argument('--addr', required=True)
    x.add_argument('--body', required=True)
    x.add_argument('--n', type=int, required=True)
    x.add_argument('--rate', type=float, required=True)
    x = sub.add_parser('store')
    x.add_argument('--ctl', required=True)
    x.add_argument('--dir', required=True)
    x.add_argument('--svc')
    x = sub.add_parser('grpc')
    x.add_argument('--addr', required=True)
    x.add_argument('--svc', action='append', required=True)
    x.add_argument('--spans', type=int, default=1)
    x.add_argument('--rid', default='g')
    x.add_argument('--signal', default='traces', choices=PATHS_GRPC)
    x.add_argument('--timeout', type=float, default=10)
    x.add_argument('--n', type=int, default=1)
    x = sub.add_parser('h2')
    x.add_argument('--addr', required=True)
    x.add_argument('--body', required=True)
    x.add_argument('--body2', required=True)
    x.add_argument('--signal', default='traces', choices=PATHS_GRPC)
    x.add_argument('--wait', type=float, default=3)
    x.add_argument('--together', action='store_true')
    x = sub.add_parser('metrics')
    x.add_argument('--url', required=True)
    x.add_argument('--fault', required=True)
    x = sub.add_parser('named')
    x.add_argument('--stats', required=True)
    x.add_argument('--fault', required=True)
    a = p.parse_args()
    globals()['cmd_' + a.cmd.replace('-', '_')](a)


if __name__ == '__main__':
    main()
