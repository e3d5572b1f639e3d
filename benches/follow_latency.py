#!/usr/bin/env python3
"""Latency and idle CPU of `maillog421 follow` (issue 6).

    cargo build --release && python3 benches/follow_latency.py [N] [IDLE_S] [--poll]

Starts `follow --format json` on a fresh log file, appends N single 421
lines (default 50) at random moments 50-300 ms apart, and times each from
the moment its write returned to the moment its JSON event was read from
follow's stdout. Then leaves follow alone on the quiet file for IDLE_S
seconds (default 30) and reads its CPU time from /proc before and after.
Prints the latency median, p90 and maximum, and the idle CPU share.
With --poll, follow checks the file every 0.25 s instead of using inotify.
"""
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time

POLL = "--poll" in sys.argv
ARGS = [a for a in sys.argv[1:] if a != "--poll"]
N = int(ARGS[0]) if len(ARGS) > 0 else 50
IDLE = float(ARGS[1]) if len(ARGS) > 1 else 30.0
BIN = os.path.join(os.path.dirname(__file__), "..", "target", "release", "maillog421")
LINE = ("2026-11-23 12:00:{s:02d} 1vL{i:03d}-000001-AB == u{i}@gmail.com R=dnslookup T=remote_smtp "
        "defer (-44) H=gmail-smtp-in.l.google.com [192.0.2.27]: SMTP error from remote mail server "
        "after RCPT TO:<u{i}@gmail.com>: 421 4.7.28 Gmail has detected an unusual rate - gsmtp\n")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    d = tempfile.mkdtemp()
    log = os.path.join(d, "mainlog")
    open(log, "w").close()
    p = subprocess.Popen([BIN, "follow", "--format", "json", "--every", "0", "--tz", "utc",
                          "--input-format", "exim", log] + (["--poll"] if POLL else []),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = {}
    ready = threading.Event()

    def read_out():
        for line in p.stdout:
            t = time.monotonic()
            v = json.loads(line)
            if v.get("recipient"):
                seen[v["recipient"]] = t

    def read_err():
        for line in p.stderr:
            if "opened" in line:
                ready.set()

    threading.Thread(target=read_out, daemon=True).start()
    threading.Thread(target=read_err, daemon=True).start()
    ready.wait(10)
    time.sleep(0.5)
    written = {}
    rnd = random.Random(421)
    with open(log, "a") as f:
        for i in range(N):
            time.sleep(rnd.uniform(0.05, 0.3))
            f.write(LINE.format(s=i % 60, i=i))
            f.flush()
            written[f"u{i}@gmail.com"] = time.monotonic()
    deadline = time.monotonic() + 5
    while len(seen) < N and time.monotonic() < deadline:
        time.sleep(0.05)
    lat = sorted((seen[r] - t) * 1000 for r, t in written.items() if r in seen)
    missing = N - len(lat)
    time.sleep(1)
    c0, w0 = cpu_seconds(p.pid), time.monotonic()
    time.sleep(IDLE)
    c1, w1 = cpu_seconds(p.pid), time.monotonic()
    p.terminate()
    p.wait(10)
    p90 = lat[max(0, -(-9 * len(lat) // 10) - 1)] if lat else float("nan")
    print(f"events: {len(lat)} of {N} seen ({missing} missing)")
    print(f"latency ms: median {statistics.median(lat):.1f}, p90 {p90:.1f}, max {lat[-1]:.1f}")
    print(f"idle: {c1 - c0:.2f} s CPU in {w1 - w0:.1f} s wall = {100 * (c1 - c0) / (w1 - w0):.2f}% of one core")
    print(f"exit status after SIGTERM: {p.returncode}")


if __name__ == "__main__":
    main()
