#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count TAP test points across meson test logs; the last line is "N passed, N failed".

usage: tests/summarize.py [--fail LABEL]... BUILDDIR...

Reads BUILDDIR/meson-logs/testlog.json (one JSON object per line, written by
`meson test`) for every build directory given. Each test program's stdout is
parsed as TAP:

  ok N - desc               passed
  ok N - desc # SKIP why    skipped
  not ok N - desc           failed
  not ok N - desc # TODO    skipped (a known gap, TAP says it must not fail the run)
  ok N - desc # TODO        passed (and listed: the TODO can be removed)
  Bail out! why             failed

Only unindented lines count (TAP 14 subtests are indented and summarised by
their parent line). A program that meson did not judge OK (crash, timeout,
plan mismatch, non-zero exit) but whose TAP shows no failing point adds one
failure, so a crash after the last "ok" is never lost. A program that prints
no TAP at all counts as one point, passed or failed by meson's verdict.

--fail LABEL adds a failure that happened before tests could run (a build
that did not compile); the front script uses it so the last line still
counts it. A build directory without a test log counts as one failure too.

Exit status: 1 if anything failed or no test point ran at all, else 0.
Python standard library only: it runs before anything else is installed.
"""

import argparse
import json
import os
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$")
PLAN_LINE = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(.*))?$")
DIRECTIVE = re.compile(r"(?<!\\)#\s*(SKIP|TODO)\b\s*(.*)$", re.IGNORECASE)
BAIL = re.compile(r"^Bail out!\s*(.*)$")

# meson verdicts that mean "the program did what was expected".
GOOD_RESULTS = {"OK", "EXPECTEDFAIL"}


class Tally:
    def __init__(self):
        self.programs = 0
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.duration = 0.0

    def add(self, other):
        self.programs += other.programs
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.duration += other.duration


def split_name(entry):
    """(suite, test name) from a testlog entry.

    meson 1.0 writes no suite field; its name reads "project:suite / test"
    (suites joined with '+'). Newer meson adds "suite": ["project:suite"].
    """
    full = entry.get("name", "?")
    suite = None
    if isinstance(entry.get("suite"), list) and entry["suite"]:
        suite = "+".join(s.split(":", 1)[-1] for s in entry["suite"])
    if " / " in full:
        head, name = full.split(" / ", 1)
    else:
        head, name = "", full
    if suite is None:
        suite = head.split(":", 1)[1] if ":" in head else (head or "default")
    return suite, name


def parse_tap(stdout):
    """Return (passed, failed, skipped, failing descriptions, todo-passes, saw_tap)."""
    passed = failed = skipped = 0
    failing = []
    todo_passes = []
    saw_tap = False
    for raw in stdout.splitlines():
        line = raw.rstrip("\r")
        plan = PLAN_LINE.match(line)
        if plan:
            saw_tap = True
            # "1..0 # SKIP why": the whole program was skipped.
            if plan.group(1) == "0":
                skipped += 1
            continue
        bail = BAIL.match(line)
        if bail:
            saw_tap = True
            failed += 1
            failing.append("Bail out! " + bail.group(1))
            continue
        m = TAP_LINE.match(line)
        if not m:
            continue
        saw_tap = True
        is_ok = m.group(1) == "ok"
        rest = m.group(3)
        d = DIRECTIVE.search(rest)
        directive = d.group(1).upper() if d else None
        if directive == "SKIP":
            skipped += 1
        elif directive == "TODO":
            if is_ok:
                passed += 1
                todo_passes.append(line)
            else:
                skipped += 1
        elif is_ok:
            passed += 1
        else:
            failed += 1
            failing.append(line)
    return passed, failed, skipped, failing, todo_passes, saw_tap


SANITIZER = re.compile(r"runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer|^SUMMARY: ")


def hint(entry):
    """The first sanitizer report line of a test's stderr, to name a crash."""
    for line in (entry.get("stderr") or "").splitlines():
        if SANITIZER.search(line):
            return "\n      " + line.strip()
    return ""


def read_log(builddir):
    """Yield testlog entries; raise FileNotFoundError when there is no log."""
    path = os.path.join(builddir, "meson-logs", "testlog.json")
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not JSON: {e}") from None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fail", action="append", default=[], metavar="LABEL",
                    help="count a failure that happened before tests ran")
    ap.add_argument("builddirs", nargs="*", metavar="BUILDDIR")
    args = ap.parse_args(argv)

    suites = {}        # "builddir/suite" -> Tally, in first-seen order
    failures = []      # (where, what)
    notes = []
    extra_failed = 0   # failures outside any test program: --fail, missing logs
    for label in args.fail:
        failures.append(("setup", label))
        extra_failed += 1

    for bdir in args.builddirs:
        bname = os.path.basename(os.path.normpath(bdir))
        try:
            entries = list(read_log(bdir))
        except FileNotFoundError:
            failures.append((bname, "no meson-logs/testlog.json (build failed or tests did not run)"))
            extra_failed += 1
            continue
        except ValueError as e:
            failures.append((bname, str(e)))
            extra_failed += 1
            continue
        for e in entries:
            suite, name = split_name(e)
            key = f"{bname}/{suite}"
            t = suites.setdefault(key, Tally())
            t.programs += 1
            t.duration += float(e.get("duration") or 0.0)
            result = str(e.get("result", "ERROR")).upper()
            where = f"{key}/{name}"
            p, f, s, failing, todo_passes, saw_tap = parse_tap(e.get("stdout") or "")
            for line in failing:
                failures.append((where, line))
            for line in todo_passes:
                notes.append(f"{where}: passes but is marked TODO: {line}")
            if not saw_tap:
                if result == "SKIP":
                    s = 1
                elif result in GOOD_RESULTS:
                    p = 1
                else:
                    f = 1
                    failures.append((where, f"{result} (exit {e.get('returncode')}), no TAP output"))
            elif result not in GOOD_RESULTS and result != "SKIP" and f == 0:
                # Crash, timeout, plan mismatch or bad exit after only "ok" lines.
                f = 1
                failures.append((where, f"{result} (exit {e.get('returncode')}) with no failing TAP point:"
                                        " crash, timeout or plan mismatch" + hint(e)))
            t.passed += p
            t.failed += f
            t.skipped += s

    total = Tally()
    for t in suites.values():
        total.add(t)
    total.failed += extra_failed

    if suites:
        width = max(len("suite"), max(len(k) for k in suites))
        hdr = f"{'suite':<{width}}  {'programs':>8}  {'passed':>6}  {'failed':>6}  {'skipped':>7}  {'time':>8}"
        print(hdr)
        print("-" * len(hdr))
        for k, t in suites.items():
            print(f"{k:<{width}}  {t.programs:>8}  {t.passed:>6}  {t.failed:>6}  {t.skipped:>7}  {t.duration:>7.1f}s")
        print("-" * len(hdr))
        t = total
        print(f"{'total':<{width}}  {t.programs:>8}  {t.passed:>6}  {t.failed:>6}  {t.skipped:>7}  {t.duration:>7.1f}s")
        print()
    for n in notes:
        print("note: " + n)
    if failures:
        print("failing:")
        for where, what in failures:
            print(f"  {where}: {what}")
        logs = [os.path.join(b, "meson-logs", "testlog.txt") for b in args.builddirs
                if any(w.startswith(os.path.basename(os.path.normpath(b)) + "/") for w, _ in failures)]
        if logs:
            print("full output (TAP diagnostics, stderr): " + ", ".join(logs))
        print()
    if total.passed + total.failed == 0:
        print("no test point ran: wrong build directory, or every test skipped")
    line = f"{total.passed} passed, {total.failed} failed"
    if total.skipped:
        line += f", {total.skipped} skipped"
    sys.stdout.flush()
    print(line)
    return 1 if total.failed or total.passed + total.failed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
