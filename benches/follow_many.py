#!/usr/bin/env python3
"""CPU per written line of `maillog421 follow` on many files (issue 16 §3).

    python3 benches/follow_many.py [BIN] [FILES] [LINES] [--poll]

Creates FILES (default 5,000) empty Exim logs in a fresh directory, starts
`follow --format json` on all of them, waits until the last one is opened,
then appends LINES (default 200) single 421 lines to one of them, 20 ms
apart, waits for every event on follow's stdout and reads follow's CPU time
(user + system, /proc/PID/stat) before the first write and after the last
event. Prints the CPU per line. BIN defaults to target/release/maillog421.
Bounded: it gives up after 120 s.
"""
import os
import subprocess
import sys
import tempfile
import threading
import time

POLL = "--poll" in sys.argv
ARGS = [a for a in sys.argv[1:] if a != "--poll"]
BIN = ARGS[0] if len(ARGS) > 0 else os.path.join(
    os.path.dirname(__file__), "..", "target", "release", "maillog421")
FILES = int(ARGS[1]) if len(ARGS) > 1 else 5000
LINES = int(ARGS[2]) if len(ARGS) > 2 else 200
LINE = ("2026-11-23 12:00:{s:02d} 1vL{i:03d}-000001-AB == u{i}@gmail.com R=dnslookup T=remote_smtp "
        "defer (-44) H=gmail-smtp-in.l.google.com [192.0.2.27]: SMTP error from remote mail server "
        "after RCPT TO:<u{i}@gmail.com>: 421 4.7.28 Gmail has detected an unusual rate - gsmtp\n")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    d = tempfile.mkdtemp()
    logs = [os.path.join(d, f"mainlog{k}") for k in range(FILES)]
    for p in logs:
        open(p, "w").close()
    p = subprocess.Popen([BIN, "follow", "--format", "json", "--every", "0", "--tz", "utc",
                          "--input-format", "exim"] + (["--poll"] if POLL else []) + logs,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = [0]
    done = threading.Event()
    opened = [0]
    ready = threading.Event()

    def read_out():
        for line in p.stdout:
            if '"recipient"' in line:
                events[0] += 1
                if events[0] == LINES:
                    done.set()

    def read_err():
        for line in p.stderr:
            if line.endswith(": opened\n"):
                opened[0] += 1
                if opened[0] == FILES:
                    ready.set()

    threading.Thread(target=read_out, daemon=True).start()
    threading.Thread(target=read_err, daemon=True).start()
    deadline = time.monotonic() + 120
    if not ready.wait(60):
        p.kill()
        sys.exit(f"only {opened[0]} of {FILES} files opened")
    time.sleep(2)
    before = cpu_seconds(p.pid)
    with open(logs[FILES // 2], "a") as f:
        for i in range(LINES):
            f.write(LINE.format(s=i % 60, i=i))
            f.flush()
            time.sleep(0.02)
    done.wait(max(1, deadline - time.monotonic()))
    after = cpu_seconds(p.pid)
    p.terminate()
    p.wait(10)
    print(f"{FILES} files, {events[0]} of {LINES} events, follow CPU {after - before:.2f} s, "
          f"{(after - before) / LINES * 1000:.1f} ms per line{' (--poll)' if POLL else ''}")


if __name__ == "__main__":
    main()
