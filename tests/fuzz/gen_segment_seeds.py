#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Writes the segment fuzz seeds from docs/segment-format.md alone (an independent writer).
# Usage, from the repo root: tests/fuzz/gen_segment_seeds.py tests/fuzz/corpus/segment
import struct, subprocess, sys
T=[]
for i in range(256):
    c=i
    for _ in range(8): c=(c>>1)^0x82F63B78 if c&1 else c>>1
    T.append(c)
def crc(b,c=0):
    c^=0xffffffff
    for x in b: c=T[(c^x)&0xff]^(c>>8)
    return c^0xffffffff
assert crc(b"123456789")==0xe3069283
def fhdr(base):
    h=b"\x89SLSEG\r\n"+struct.pack("<HHIQQ",1,64,0,base,1700000000000000000)+bytes(range(16))+bytes(12)
    return h+struct.pack("<I",crc(h))
def rec(pos,sig,route,raw,z):
    pad=(8-len(z)%8)%8
    h=b"SLrc"+struct.pack("<HHBBHIIIIIQQQI",1,64,sig,0,0,route,route+1,0,raw,len(z),1000*route,1000*route+999,pos,0)
    return h+struct.pack("<I",crc(h+z+bytes(pad)))+z+bytes(pad)
def mk(base,items):
    b=fhdr(base)
    for sig,route,pb in items:
        raw=open(pb,'rb').read()
        z=subprocess.run(["zstd","-q","-c","-1","--no-check"],input=raw,capture_output=True).stdout
        b+=rec(base+len(b),sig,route,len(raw),z)
    return b
out=sys.argv[1]
open(out+"/three_signals.seg","wb").write(mk(0,[(0,0,"tests/data/traces.pb"),(1,1,"tests/data/metrics.pb"),(2,2,"tests/data/logs.pb")]))
open(out+"/one_log_base4096.seg","wb").write(mk(4096,[(2,7,"tests/data/logs.pb")]))
open(out+"/header_only.seg","wb").write(fhdr(0))
