#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seed corpus of fuzz_http2 (byte 0: cut size and preface flag; then client bytes).
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', 'integration'))
from grpc_client import (CONTINUATION, DATA, HEADERS, PATHS, PING, RST, SETTINGS,  # noqa: E402
                         WINDOW_UPDATE, frame, lit, request_block)

out = os.path.join(here, 'corpus', 'http2')
os.makedirs(out, exist_ok=True)
data = os.path.join(here, '..', 'data')


def msg(b, flag=0):
    return bytes([flag]) + struct.pack('>I', len(b)) + b


def call(sid, sig, body, split=0):
    f = frame(HEADERS, 4, sid, request_block(PATHS[sig]))
    if split:
        f += frame(DATA, 0, sid, body[:split]) + frame(DATA, 1, sid, body[split:])
    else:
        f += frame(DATA, 1, sid, body)
    return f


seeds = {}
tr = open(os.path.join(data, 'traces.pb'), 'rb').read()
lg = open(os.path.join(data, 'logs.pb'), 'rb').read()
mt = open(os.path.join(data, 'metrics.pb'), 'rb').read()
seeds['traces'] = b'\x01' + call(1, 'traces', msg(tr))
seeds['three_split'] = b'\x0f' + call(1, 'traces', msg(tr), 3) + call(3, 'logs', msg(lg), 7) + \
    call(5, 'metrics', msg(mt), 100)
seeds['bad_msg'] = b'\x01' + call(1, 'traces', msg(b'\x0a\xff\xff\xff\x0f'))
seeds['too_big'] = b'\x01' + call(1, 'logs', b'\0\x01\0\0\0' + b'x' * 100)
seeds['unknown'] = b'\x01' + frame(HEADERS, 5, 1, request_block('/x.Y/Z'))
seeds['gzip_flag'] = b'\x01' + frame(HEADERS, 4, 1, request_block(
    PATHS['traces'], lit('grpc-encoding', 'gzip'))) + frame(DATA, 1, 1, msg(b'\x1f\x8b\x08\0', 1))
seeds['ping_settings'] = b'\x01' + frame(PING, 0, 0, b'12345678') + frame(SETTINGS, 0, 0,
                                                                          struct.pack('>HI', 4, 0))
seeds['rst'] = b'\x01' + frame(HEADERS, 4, 1, request_block(PATHS['logs'])) + \
    frame(RST, 0, 1, struct.pack('>I', 8)) + frame(WINDOW_UPDATE, 0, 0, struct.pack('>I', 1000))
seeds['continuation'] = b'\x01' + frame(HEADERS, 0, 1, b'\x83') + \
    b''.join(frame(CONTINUATION, 0, 1, b'\x86') for _ in range(3)) + \
    frame(CONTINUATION, 4, 1, lit(':path', PATHS['logs']))
seeds['hpack'] = b'\x01' + frame(HEADERS, 5, 1, request_block(PATHS['logs'], lit(
    'x-a', 'b' * 1000, True) + b'\xbe' * 5))
seeds['no_preface'] = b'\x00PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + frame(SETTINGS, 0, 0)
for k, v in seeds.items():
    with open(os.path.join(out, k), 'wb') as f:
        f.write(v)
