#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# TCP test client (Linux kernel TCP as the peer) for the dataplane's echo and discard listeners.
"""Drives the test-only listeners of sluice-dataplane and checks every byte.

  discard: the listener answers "<bytes> <crc32>\\n" after our half-close;
           we compare with what we sent.
  echo:    we read back what we send, concurrently, and compare CRC-32s.

Modes (all print one JSON line and exit 1 on any mismatch or error):
  seq N [W]             N short connections one after another (discard, 64 B each);
                        with W, W workers each do N/W in sequence (for lossy runs,
                        where a lost SYN costs the kernel a 1 s timeout)
  burst N               N connections opened at once, then each sends 64 B (discard)
  bulk N SIZE           N concurrent connections each sending SIZE bytes (discard)
  echo N SIZE           N concurrent connections each echoing SIZE bytes
  stream SIZE           one connection sending SIZE bytes (discard), in 1 MiB writes
  full N                hold N idle connections (the appliance's table bound), then
                        expect connection N+1 to be refused with RST
  stall SIZE            echo SIZE bytes but read nothing for 2 s: the appliance must
                        close its window instead of dropping, then deliver it all
"""
import asyncio
import json
import os
import socket
import sys
import time
import zlib

HOST = os.environ.get("SL_APP_IP", "10.203.0.2")
ECHO = int(os.environ.get("SL_ECHO_PORT", "7"))
DISCARD = int(os.environ.get("SL_DISCARD_PORT", "9"))
TIMEOUT = float(os.environ.get("SL_TCP_TIMEOUT", "120"))


def pattern(seed, size):
    """Deterministic, incompressible-enough bytes for connection seed."""
    base = os.urandom(1 << 16) if seed < 0 else (seed.to_bytes(4, "little") * 16384)
    reps, rest = divmod(size, len(base))
    return base * reps + base[:rest]


async def discard_one(i, size, chunk=1 << 20, connect_barrier=None):
    r, w = await asyncio.open_connection(HOST, DISCARD)
    if connect_barrier is not None:
        await connect_barrier.wait()
    data = os.urandom(min(size, 1 << 16))
    crc, sent = 0, 0
    while sent < size:
        n = min(chunk, size - sent)
        piece = data * (n // len(data) + 1)
        piece = piece[:n]
        w.write(piece)
        crc = zlib.crc32(piece, crc)
        sent += n
        await w.drain()
    w.write_eof()
    reply = await r.read()
    w.close()
    try:
        await w.wait_closed()
    except ConnectionError:
        pass
    want = f"{size} {crc:08x}\n".encode()
    if reply != want:
        raise RuntimeError(f"conn {i}: discard answered {reply!r}, want {want!r}")


async def echo_one(i, size):
    r, w = await asyncio.open_connection(HOST, ECHO)
    data = os.urandom(1 << 16)
    want_crc = 0

    async def writer():
        nonlocal want_crc
        sent = 0
        while sent < size:
            n = min(len(data), size - sent)
            w.write(data[:n])
            want_crc = zlib.crc32(data[:n], want_crc)
            sent += n
            await w.drain()
        w.write_eof()

    async def reader():
        got, crc = 0, 0
        while True:
            b = await r.read(1 << 16)
            if not b:
                break
            crc = zlib.crc32(b, crc)
            got += len(b)
        return got, crc

    _, (got, crc) = await asyncio.gather(writer(), reader())
    w.close()
    if got != size or crc != want_crc:
        raise RuntimeError(f"conn {i}: echoed {got} bytes crc {crc:08x}, want {size} {want_crc:08x}")


async def run_many(coros):
    res = await asyncio.gather(*coros, return_exceptions=True)
    errs = [str(e) or repr(e) for e in res if isinstance(e, BaseException)]
    return errs


async def main(argv):
    mode = argv[0]
    t0 = time.time()
    errs = []
    total = 0
    if mode == "seq":
        n = int(argv[1])
        workers = int(argv[2]) if len(argv) > 2 else 1

        async def worker(w):
            for i in range(w, n, workers):
                try:
                    await asyncio.wait_for(discard_one(i, 64), 30)
                except Exception as e:  # noqa: BLE001 - reported below
                    errs.append(f"conn {i}: {e!r}")
                    if len(errs) > 10:
                        return

        await asyncio.gather(*[worker(w) for w in range(workers)])
        total = 64 * n
    elif mode == "burst":
        n = int(argv[1])
        barrier = asyncio.Event()
        tasks = [asyncio.create_task(discard_one(i, 64, connect_barrier=barrier)) for i in range(n)]
        await asyncio.sleep(0.5)
        barrier.set()
        errs = await run_many(tasks)
        total = 64 * n
    elif mode == "bulk":
        n, size = int(argv[1]), int(argv[2])
        errs = await run_many([discard_one(i, size) for i in range(n)])
        total = n * size
    elif mode == "echo":
        n, size = int(argv[1]), int(argv[2])
        errs = await run_many([echo_one(i, size) for i in range(n)])
        total = n * size
    elif mode == "full":
        n = int(argv[1])
        held = []
        try:
            for i in range(n):
                held.append(await asyncio.wait_for(asyncio.open_connection(HOST, DISCARD), 10))
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection(HOST, DISCARD), 10)
                # A refused connection may also show as a reset on first use.
                w.write(b"x")
                w.write_eof()
                got = await asyncio.wait_for(r.read(), 5)
                errs.append(f"connection {n + 1} was accepted (answered {got!r})")
            except (ConnectionRefusedError, ConnectionResetError):
                pass
        finally:
            for r, w in held:
                w.close()
        total = 0
    elif mode == "stall":
        size = int(argv[1])
        r, w = await asyncio.open_connection(HOST, ECHO)
        data = os.urandom(size)

        async def writer():
            w.write(data)
            await w.drain()
            w.write_eof()

        async def reader():
            await asyncio.sleep(2)
            return await r.read()

        _, got = await asyncio.gather(writer(), reader())
        w.close()
        if got != data:
            errs.append(f"echoed {len(got)} bytes, not the {size} sent (or different bytes)")
        total = size
    elif mode == "stream":
        size = int(argv[1])
        errs = await run_many([discard_one(0, size)])
        total = size
    else:
        print(__doc__, file=sys.stderr)
        return 2
    dt = time.time() - t0
    print(json.dumps({"mode": mode, "args": argv[1:], "seconds": round(dt, 2),
                      "bytes": total, "mb_per_s": round(total / dt / 1e6, 1),
                      "errors": len(errs), "first_errors": errs[:5]}))
    return 1 if errs else 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(asyncio.wait_for(main(sys.argv[1:]), TIMEOUT)))
    except asyncio.TimeoutError:
        print(json.dumps({"mode": sys.argv[1], "errors": 1, "first_errors": ["timeout"]}))
        sys.exit(1)
