#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the named seeds of tests/fuzz/corpus/tcp/ in fuzz_tcp.c's op format (keep the two in step).
"""Usage: tests/fuzz/gen_tcp_seeds.py tests/fuzz/corpus/tcp

Each seed is a short TCP scenario (handshakes, data, out of order with SACK,
RTO, persist, TIME_WAIT, SYN cookies, a full table, a starved pool, RSTs,
app callbacks that close or abort) so that a 20 s CI run starts deep in the
state machine. The hash-named files beside them are a libFuzzer merge
(-merge=1 -use_counters=0 -use_cmp=0) of a 30 min run: the shortest inputs
that keep its edge coverage. Read one with SLUICE_FUZZ_TRACE=1 fuzz_tcp FILE.
"""
import os
import struct
import sys

# Op codes (enum op in fuzz_tcp.c); the last one sets the accept mode.
SEG, CONNECT, STREAM, ACKALL, CLOCK, APP, POOL, ACCEPT = range(8)
# Payload length byte meaning "one full MSS" (fuzz_plen case 2, bit 0).
MSS_SEG = 0x81


def tup(peer, port):
    """4-tuple index: peer 0..2, local port index 0..4 (7 echo, 9 discard, 80 hold, 81 refuse, 82 none)."""
    return port * 3 + peer


def connect(t, seq, ts=True, ws=True, sack=True, mss=1460, data=None, lose_ack=False):
    sel = 1 | (2 if ws else 0) | (4 if sack else 0) | (8 if ts else 0)
    sel |= 0x30 if lose_ack else (0x10 if data is not None else 0)
    b = bytes([CONNECT, t, sel]) + struct.pack(">IH", seq, mss)
    if ws:
        b += bytes([7])
    if data is not None and not lose_ack:
        b += bytes([data])
    return b


def stream(t, plen, fin=False, wnd=None, long_len=None):
    """In-sequence data from the peer; long_len gives a 16-bit length instead of plen."""
    b = bytes([STREAM, t, 1 | (2 if fin else 0) | 4 | (8 if wnd is not None else 0)])
    if wnd is not None:
        b += bytes([wnd])
    if long_len is not None:
        return b + bytes([0xC0]) + struct.pack(">H", long_len)
    return b + bytes([plen])


def ackall(t, zero_window=False):
    return bytes([ACKALL, t, 0b11, 0]) if zero_window else bytes([ACKALL, t, 0])


def clock(b):
    """0x00-0x3f: b*100 us; 0x40: (b&63) ms; 0x80: (b&63)*50 ms; 0xc0: (b&63)*2 s."""
    return bytes([CLOCK, b])


def app(t, act, arg):
    """act: 0 consume arg slices, 1 on_data mode, 2 on_fin mode, 3 send, 4 close, 5 abort."""
    return bytes([APP, t, act, arg])


def seg(t, flags, rel_seq, plen):
    """A segment at rcv_nxt + rel_seq, acking snd_nxt, with short payload plen (< 64)."""
    return bytes([SEG, t, flags ^ 0x10, 1 | (1 << 2)]) + struct.pack(">h", rel_seq) + bytes([plen])


def dup_ack(t):
    """A pure ACK of snd_una at rcv_nxt (a duplicate while data is in flight)."""
    return bytes([SEG, t, 0, 1]) + struct.pack(">h", 0) + bytes([0, 0])


def seeds():
    s = {}
    s["echo_basic"] = (bytes([0]) + connect(tup(0, 0), 1000) + stream(tup(0, 0), 40) +
                       stream(tup(0, 0), MSS_SEG) + ackall(tup(0, 0)) +
                       stream(tup(0, 0), 10, fin=True) + ackall(tup(0, 0)) + clock(0x45))
    s["discard_fin"] = (bytes([0]) + connect(tup(1, 1), 5000) +
                        b"".join(stream(tup(1, 1), MSS_SEG) for _ in range(6)) +
                        stream(tup(1, 1), 0, fin=True) + ackall(tup(1, 1)) + clock(0x45))
    s["hold_window"] = (bytes([1]) + connect(tup(2, 2), 77, ws=False) +
                        b"".join(stream(tup(2, 2), 0x7F) for _ in range(6)) + app(tup(2, 2), 0, 0) +
                        stream(tup(2, 2), 0x7F) + app(tup(2, 2), 0, 3))
    b = bytes([0])
    for p in range(3):
        for port in range(3):
            b += connect(tup(p, port), 100 + 7 * p + 13 * port)
    s["table_full"] = b + connect(tup(0, 3), 999) + connect(tup(1, 4), 998)
    b = bytes([0])
    for p in range(3):
        b += connect(tup(p, 0), 42 + p, lose_ack=True)
    s["syn_flood_cookie"] = b + connect(tup(0, 1), 4242) + stream(tup(0, 1), 20, fin=True)
    s["cookie_always"] = (bytes([0x04]) + connect(tup(1, 0), 31337) + stream(tup(1, 0), MSS_SEG) +
                          ackall(tup(1, 0)) + stream(tup(1, 0), 5, fin=True))
    s["ooo_sack_fill"] = (bytes([0x80]) + connect(tup(0, 2), 1) + seg(tup(0, 2), 0x10, 1000, 10) +
                          seg(tup(0, 2), 0x10, 2000, 10) + stream(tup(0, 2), 0, long_len=1500) +
                          app(tup(0, 2), 0, 0) + stream(tup(0, 2), 3, fin=True))
    s["rto_abort"] = (bytes([0]) + connect(tup(2, 0), 9) + stream(tup(2, 0), 100) +
                      b"".join(clock(c) for c in (0x41, 0x44, 0x82, 0x84, 0x88, 0x90, 0xC2)))
    s["persist"] = (bytes([0]) + connect(tup(0, 0), 3) + stream(tup(0, 0), 200, wnd=0) +
                    clock(0x82) + clock(0x84) + clock(0x88) + ackall(tup(0, 0)) + clock(0x82))
    # The peer answers every probe with a zero window: the connection must live on.
    s["zero_window_alive"] = (bytes([0]) + connect(tup(0, 0), 3) + stream(tup(0, 0), 200, wnd=0) +
                              (clock(0x84) + ackall(tup(0, 0), zero_window=True)) * 16 +
                              ackall(tup(0, 0)) + clock(0x84))
    s["time_wait"] = (bytes([0]) + connect(tup(1, 2), 11) + app(tup(1, 2), 3, 5) +
                      app(tup(1, 2), 4, 0) + ackall(tup(1, 2)) + stream(tup(1, 2), 0, fin=True) +
                      clock(0x43) + clock(0x82))
    s["idle_timeouts"] = (bytes([0]) + connect(tup(0, 2), 5) + connect(tup(1, 2), 6) +
                          app(tup(1, 2), 4, 0) + ackall(tup(1, 2)) + clock(0xC1) + clock(0xC1))
    s["starved"] = (bytes([0]) + connect(tup(0, 0), 8) + bytes([POOL, 1 | (2 << 1)]) +
                    stream(tup(0, 0), 100) + stream(tup(0, 0), 100) + bytes([POOL, 0]) +
                    clock(0x82) + ackall(tup(0, 0)))
    s["rst_syn_challenge"] = (bytes([0]) + connect(tup(0, 3), 50) + connect(tup(1, 4), 51) +
                              connect(tup(2, 1), 52) + seg(tup(2, 1), 0x04, 5, 0) +
                              seg(tup(2, 1), 0x02, 0, 0) + seg(tup(2, 1), 0x04, 0, 0))
    s["app_modes"] = (bytes([0, ACCEPT, 1]) + connect(tup(0, 2), 60) + app(tup(0, 2), 1, 4) +
                      stream(tup(0, 2), 10) + bytes([ACCEPT, 2]) + connect(tup(1, 2), 61) +
                      stream(tup(1, 2), 10) + ackall(tup(1, 2)) + stream(tup(1, 2), 0, fin=True))
    s["big_window"] = (bytes([0x13]) + connect(tup(0, 1), 7, mss=536) +
                       b"".join(stream(tup(0, 1), MSS_SEG) for _ in range(12)) +
                       stream(tup(0, 1), 0, fin=True) + ackall(tup(0, 1)))
    s["fast_retransmit"] = (bytes([0]) + connect(tup(0, 0), 12) +
                            stream(tup(0, 0), 0, long_len=1800) + dup_ack(tup(0, 0)) * 4 +
                            ackall(tup(0, 0)))
    return s


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
