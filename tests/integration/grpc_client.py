#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# OTLP/gRPC test client: grpcio Export calls with raw request bytes, and a raw HTTP/2 attacker.
"""
Subcommands (one JSON line on stdout each):

  export --addr H:P --signal S --file F [--count N] [--concurrency C] [--gzip] [--save DIR]
      N Export calls with the bytes of F (an Export*ServiceRequest) as the message, C in flight
      at once on one channel (so one HTTP/2 connection, C concurrent streams). With --save,
      each call answered OK leaves a copy of what was sent in DIR (for roundtrip.mjs record).
  status --addr H:P --signal S --file F --expect CODE [--method PATH] [--pad BYTES]
      One call; prints the status code name, details and the decoded RetryInfo delay, if any.
  raw --addr H:P --attack NAME
      A hand-built HTTP/2 client (no h2 library): rapid_reset, continuation, hpack_bomb,
      settings_flood, ping_flood, streams, streams_acked, zero_window, wait (idle until
      GOAWAY: shutdown drain). Prints what the server did: goaway
      (and its error code), refused stream count, closed, and the seconds it took.
"""
import argparse
import concurrent.futures
import json
import os
import socket
import struct
import sys
import time

PATHS = {
    'traces': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    'metrics': '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    'logs': '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
}


def cmd_export(a):
    import grpc
    body = open(a.file, 'rb').read()
    ch = grpc.insecure_channel(a.addr)
    call = ch.unary_unary(PATHS[a.signal])
    comp = grpc.Compression.Gzip if a.gzip else grpc.Compression.NoCompression
    ok = failed = 0
    codes = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        pending = []
        sent = 0
        while sent < a.count or pending:
            while sent < a.count and len(pending) < a.concurrency:
                pending.append(call.future(body, timeout=30, compression=comp))
                sent += 1
            f = pending.pop(0)
            try:
                f.result()
                ok += 1
                if a.save:
                    with open(os.path.join(a.save, '%s-%d.pb' % (a.signal, ok)), 'wb') as o:
                        o.write(body)
            except grpc.RpcError as e:
                failed += 1
                codes[e.code().name] = codes.get(e.code().name, 0) + 1
    ch.close()
    print(json.dumps({'ok': ok, 'failed': failed, 'codes': codes}))


def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << s
        s += 7
        if not c & 0x80:
            return v, i


def fields(b):
    i = 0
    while i < len(b):
        k, i = varint(b, i)
        if k & 7 == 0:
            v, i = varint(b, i)
        elif k & 7 == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        elif k & 7 == 1:
            v = b[i:i + 8]
            i += 8
        elif k & 7 == 5:
            v = b[i:i + 4]
            i += 4
        else:
            raise ValueError('wire type %d' % (k & 7))
        yield k >> 3, v


def retry_delay(details):
    """Seconds of the google.rpc.RetryInfo in a google.rpc.Status, or None."""
    for f, v in fields(details):
        if f != 3:
            continue
        any_ = dict(fields(v))
        if any_.get(1) == b'type.googleapis.com/google.rpc.RetryInfo':
            ri = dict(fields(any_[2]))
            return dict(fields(ri[1])).get(1, 0)
    return None


def cmd_status(a):
    import grpc
    import base64
    body = open(a.file, 'rb').read() + b'\0' * a.pad
    ch = grpc.insecure_channel(a.addr, options=[('grpc.max_send_message_length', -1)])
    call = ch.unary_unary(a.method or PATHS[a.signal])
    out = {'code': 'OK', 'details': '', 'retry_s': None}
    try:
        call(body, timeout=20)
    except grpc.RpcError as e:
        out['code'] = e.code().name
        out['details'] = e.details()
        for k, v in e.trailing_metadata() or ():
            if k == 'grpc-status-details-bin':
                raw = v if isinstance(v, bytes) else base64.b64decode(v + '==')
                out['retry_s'] = retry_delay(raw)
    ch.close()
    print(json.dumps(out))


# ---------------------------------------------------------------- raw HTTP/2

DATA, HEADERS, RST, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0, 1, 3, 4, 6, 7, 8, 9


def frame(t, flags, sid, payload=b''):
    return struct.pack('>I', len(payload))[1:] + bytes([t, flags]) + struct.pack('>I', sid) + payload


def hint(v, prefix, first=0):
    """HPACK integer (RFC 7541 5.1) with an N-bit prefix."""
    lim = (1 << prefix) - 1
    if v < lim:
        return bytes([first | v])
    out = [first | lim]
    v -= lim
    while v >= 128:
        out.append(v % 128 + 128)
        v //= 128
    out.append(v)
    return bytes(out)


def lit(name, value, indexing=False):
    name, value = name.encode(), value.encode()
    return (b'\x40' if indexing else b'\x00') + hint(len(name), 7) + name + \
        hint(len(value), 7) + value


def request_block(path, extra=b''):
    return (b'\x83\x86' + lit(':authority', 'sluice') + lit(':path', path) +
            lit('content-type', 'application/grpc') + lit('te', 'trailers') + extra)


class Conn:
    def __init__(self, addr, settings=b'', ack=True):
        h, p = addr.rsplit(':', 1)
        self.s = socket.create_connection((h, int(p)), timeout=5)
        self.s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + frame(SETTINGS, 0, 0, settings))
        self.buf = b''
        self.goaway = None
        self.refused = 0
        self.closed = False
        self.statuses = []
        self.ack = ack

    def send(self, b):
        try:
            self.s.sendall(b)
            return True
        except OSError:
            self.closed = True
            return False

    def pump(self, until, secs):
        """Read frames for up to secs or until until(self) holds."""
        end = time.time() + secs
        while time.time() < end and not until(self) and not self.closed:
            self.s.settimeout(max(0.01, end - time.time()))
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                self.closed = True
                break
            if not d:
                self.closed = True
                break
            self.buf += d
            while len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], 'big')
                if len(self.buf) < 9 + n:
                    break
                t, fl, sid = self.buf[3], self.buf[4], int.from_bytes(self.buf[5:9], 'big')
                pl = self.buf[9:9 + n]
                self.buf = self.buf[9 + n:]
                if t == SETTINGS and not fl & 1 and self.ack:
                    self.send(frame(SETTINGS, 1, 0))
                elif t == GOAWAY:
                    self.goaway = int.from_bytes(pl[4:8], 'big')
                elif t == RST and int.from_bytes(pl[:4], 'big') == 7:
                    self.refused += 1
                elif t == HEADERS:
                    self.statuses.append(sid)


def cmd_raw(a):
    t0 = time.time()
    settings = b''
    if a.attack == 'zero_window':
        settings = struct.pack('>HI', 4, 0)  # SETTINGS_INITIAL_WINDOW_SIZE = 0
    # 'streams': no SETTINGS ACK, so nghttp2 refuses streams past our limit (REFUSED_STREAM)
    # rather than ending the connection, as it does past an acknowledged limit.
    c = Conn(a.addr, settings, ack=a.attack != 'streams')
    c.pump(lambda c: False, 0.2)
    path = PATHS['logs']
    if a.attack == 'rapid_reset':
        out = b''
        for i in range(2000):
            sid = 1 + 2 * i
            out += frame(HEADERS, 4, sid, request_block(path)) + frame(RST, 0, sid, struct.pack('>I', 8))
            if len(out) > 16384:
                if not c.send(out):
                    break
                out = b''
        c.send(out)
    elif a.attack == 'continuation':
        c.send(frame(HEADERS, 0, 1, b'\x83'))
        for _ in range(64):
            if not c.send(frame(CONTINUATION, 0, 1, b'\x86')):
                break
    elif a.attack == 'hpack_bomb':
        block = request_block(path, lit('x-bomb', 'b' * 4000, indexing=True) + b'\xbe' * 200)
        c.send(frame(HEADERS, 4 | 1, 1, block))
    elif a.attack == 'settings_flood':
        c.send(b''.join(frame(SETTINGS, 0, 0) for _ in range(500)))
    elif a.attack == 'ping_flood':
        c.send(b''.join(frame(PING, 0, 0, b'12345678') for _ in range(500)))
    elif a.attack in ('streams', 'streams_acked'):
        out = b''
        for i in range(a.n):
            out += frame(HEADERS, 4, 1 + 2 * i, request_block(path))
        c.send(out)
    elif a.attack == 'zero_window':
        body = b'\0\0\0\0\0'  # an empty logs request: answered OK, DATA blocked by the window
        c.send(frame(HEADERS, 4, 1, request_block(path)) + frame(DATA, 1, 1, body))
    c.pump(lambda c: c.goaway is not None and a.attack != 'zero_window', a.wait)
    if a.attack == 'wait' and c.goaway is not None:
        c.pump(lambda c: False, 1)  # the close after GOAWAY
    print(json.dumps({'goaway': c.goaway, 'refused': c.refused, 'closed': c.closed,
                      'headers': len(c.statuses), 'secs': round(time.time() - t0, 2)}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    e = sub.add_parser('export')
    e.add_argument('--addr', required=True)
    e.add_argument('--signal', required=True, choices=PATHS)
    e.add_argument('--file', required=True)
    e.add_argument('--count', type=int, default=1)
    e.add_argument('--concurrency', type=int, default=1)
    e.add_argument('--gzip', action='store_true')
    e.add_argument('--save')
    s = sub.add_parser('status')
    s.add_argument('--addr', required=True)
    s.add_argument('--signal', default='traces', choices=PATHS)
    s.add_argument('--file', required=True)
    s.add_argument('--method')
    s.add_argument('--pad', type=int, default=0)
    r = sub.add_parser('raw')
    r.add_argument('--addr', required=True)
    r.add_argument('--attack', required=True)
    r.add_argument('--n', type=int, default=300)
    r.add_argument('--wait', type=float, default=5)
    a = p.parse_args()
    {'export': cmd_export, 'status': cmd_status, 'raw': cmd_raw}[a.cmd](a)


if __name__ == '__main__':
    main()
