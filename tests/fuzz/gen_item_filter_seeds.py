#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the seed corpus of fuzz_item_filter: each Resource* entry of the golden .pb files,
# behind the target's 4 bytes (signal, keep rule, seed, room), plus a Metric with merged arms.
# Usage, from the repo root: tests/fuzz/gen_item_filter_seeds.py tests/fuzz/corpus/item_filter
import os
import sys

SIGNALS = ['traces', 'metrics', 'logs']  # enum sl_signal order


def varint(b, i):
    v = s = 0
    while True:
        v |= (b[i] & 0x7f) << s
        s += 7
        i += 1
        if b[i - 1] < 0x80:
            return v, i


def enc(v):
    out = bytearray()
    while True:
        out.append((v & 0x7f) | (0x80 if v > 0x7f else 0))
        v >>= 7
        if not v:
            return bytes(out)


def ld(field, body):
    return enc(field << 3 | 2) + enc(len(body)) + body


def entries(pb):
    i = 0
    while i < len(pb):
        start = i
        tag, i = varint(pb, i)
        assert tag == 0x0a, 'golden request holds only field-1 entries'
        n, i = varint(pb, i)
        i += n
        yield pb[start:i]


def main():
    out = sys.argv[1]
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data')
    os.makedirs(out, exist_ok=True)
    seeds = {}
    for sig, name in enumerate(SIGNALS):
        pb = open(os.path.join(data, name + '.pb'), 'rb').read()
        for k, e in enumerate(entries(pb)):
            # rule 2 (hash) with room to spare; rule 3 (trace id) with a tight cap
            seeds['%s_e%d_hash' % (name, k)] = bytes([sig, 2, 0x5a, 0]) + e
            seeds['%s_e%d_trace_tight' % (name, k)] = bytes([sig, 3, 0x01, 0x83]) + e
    # Metric {gauge{p, p}, gauge{p}, sum{p, temporality}}: merged and replaced arms
    p = b'\x19' + bytes(8) + b'\x31' + bytes(8)  # NumberDataPoint: time, as_int
    gauge = ld(1, p) + ld(1, p)
    metric = ld(1, b'm') + ld(5, gauge) + ld(5, ld(1, p)) + ld(7, ld(1, p) + b'\x10\x02')
    seeds['metrics_arms'] = bytes([1, 2, 0x33, 0]) + ld(1, ld(2, ld(2, metric)))
    for name, b in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(b)


if __name__ == '__main__':
    main()
