#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send malformed Ethernet frames out of one interface through an AF_PACKET raw socket.

usage: rawsend.py --iface IF --dst-mac MAC --src-ip A --dst-ip B [--count N] KIND...

Run it where the interface lives (ip netns exec NS python3 rawsend.py ...).
Each KIND names the frame and the dataplane drop reason it must land in:

  ipv4_bad_checksum       ICMP echo whose IPv4 header checksum is wrong
  ipv4_truncated          Ethernet + 12 bytes of an IPv4 header
  ipv4_bad_header_length  IHL 4 (< 5) in an otherwise sane header
  eth_unknown_type        ethertype 0x88b5 (IEEE local experimental)
  eth_truncated           a 10-byte runt (the kernel may refuse to send it)
  icmp_bad_checksum       valid IPv4, ICMP echo with a wrong checksum
  ipv4_fragment           first fragment (MF set) of an ICMP echo
  arp_truncated           ethertype ARP with 10 bytes of ARP

Prints one JSON object: {"KIND": frames sent, ...}, and for a kind the kernel
refused, "KIND": 0 plus {"refused": {"KIND": "why"}}. Frames go out exactly as
built: a tap has no FCS and no minimum-size padding on the kernel side.
Python standard library only.
"""

import argparse
import json
import socket
import struct
import sys

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_LOCAL_EXP = 0x88B5


def csum16(data):
    """Internet checksum (RFC 1071) of data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(text):
    b = bytes(int(x, 16) for x in text.split(":"))
    if len(b) != 6:
        raise ValueError(f"bad MAC {text!r}")
    return b


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def icmp_echo(ident, seq, payload=b"sluice-rawsend", bad_csum=False):
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    c = csum16(hdr + payload)
    if bad_csum:
        c ^= 0x5A5A  # still wrong after any single-bit "fix"; never 0 -> valid
    return struct.pack("!BBHHH", 8, 0, c, ident, seq) + payload


def ipv4(src, dst, proto, payload, ihl=5, flags_frag=0, bad_csum=False, ident=0x5151):
    total = ihl * 4 + len(payload) if ihl >= 5 else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, flags_frag, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    if ihl > 5:
        hdr += b"\0" * ((ihl - 5) * 4)
    c = csum16(hdr)
    if bad_csum:
        c ^= 0x5A5A
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def build(kind, a, seq):
    """The frame for one KIND; seq varies the ICMP sequence so frames differ."""
    dst, src = a.dst_mac_b, a.src_mac_b
    echo = icmp_echo(0x51C3, seq)
    if kind == "ipv4_bad_checksum":
        return eth(dst, src, ETH_P_IP, ipv4(a.src_ip, a.dst_ip, 1, echo, bad_csum=True))
    if kind == "ipv4_truncated":
        return eth(dst, src, ETH_P_IP, ipv4(a.src_ip, a.dst_ip, 1, echo)[:12])
    if kind == "ipv4_bad_header_length":
        return eth(dst, src, ETH_P_IP, ipv4(a.src_ip, a.dst_ip, 1, echo, ihl=4))
    if kind == "eth_unknown_type":
        return eth(dst, src, ETH_P_LOCAL_EXP, b"sluice-rawsend".ljust(46, b"\0"))
    if kind == "eth_truncated":
        return (dst + src)[:10]
    if kind == "icmp_bad_checksum":
        return eth(dst, src, ETH_P_IP, ipv4(a.src_ip, a.dst_ip, 1, icmp_echo(0x51C3, seq, bad_csum=True)))
    if kind == "ipv4_fragment":
        # MF set, offset 0: the head of a datagram that is never completed.
        return eth(dst, src, ETH_P_IP, ipv4(a.src_ip, a.dst_ip, 1, echo, flags_frag=0x2000))
    if kind == "arp_truncated":
        # htype 1, ptype IPv4, hlen 6, plen 4, op request, then 2 bytes of sender MAC.
        return eth(dst, src, ETH_P_ARP, struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1) + src[:2])
    raise ValueError(f"unknown kind {kind!r}")


KINDS = ["ipv4_bad_checksum", "ipv4_truncated", "ipv4_bad_header_length", "eth_unknown_type",
         "eth_truncated", "icmp_bad_checksum", "ipv4_fragment", "arp_truncated"]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src-mac", help="default: the interface's own MAC")
    ap.add_argument("--src-ip", required=True)
    ap.add_argument("--dst-ip", required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("kinds", nargs="+", metavar="KIND", help="|".join(KINDS) + "|all")
    a = ap.parse_args(argv)
    kinds = KINDS if a.kinds == ["all"] else a.kinds
    for k in kinds:
        if k not in KINDS:
            ap.error(f"unknown kind {k!r}")

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind((a.iface, 0))
    a.dst_mac_b = mac_bytes(a.dst_mac)
    a.src_mac_b = mac_bytes(a.src_mac) if a.src_mac else s.getsockname()[4]

    sent = {}
    refused = {}
    for k in kinds:
        sent[k] = 0
        for i in range(a.count):
            frame = build(k, a, i + 1)
            try:
                n = s.send(frame)
            except OSError as e:
                # Linux refuses SOCK_RAW frames shorter than the link header
                # (dev_validate_header): a runt cannot leave through the kernel.
                refused[k] = f"{e.strerror} (errno {e.errno}) for a {len(frame)}-byte frame"
                break
            if n != len(frame):
                refused[k] = f"short send {n}/{len(frame)}"
                break
            sent[k] += 1
    out = dict(sent)
    if refused:
        out["refused"] = refused
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
