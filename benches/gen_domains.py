#!/usr/bin/env python3
"""Exim mainlog with N distinct recipient domains, for the memory figures.

    python3 benches/gen_domains.py 1000000 > /tmp/domains.log

One message per domain over 30 days: arrival, delivery, Completed; every
100th domain first meets a 421 (a deferral line, then the delivery).
"""
import sys

n = int(sys.argv[1])
out = sys.stdout
base = 1793491200  # 2026-11-01 00:00:00 UTC
span = 30 * 86400
import time as _t

def stamp(t):
    return _t.strftime("%Y-%m-%d %H:%M:%S", _t.gmtime(t))

A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

def mid(i):
    s = ""
    for _ in range(6):
        s = A[i % 62] + s
        i //= 62
    return "1x" + s[2:] + "-" + s + "-" + s[:2]

buf = []
for i in range(n):
    t = base + i * span // n
    ts = stamp(t)
    m = mid(i)
    d = f"d{i}.test"
    buf.append(f"{ts} {m} <= news@src.test U=root P=local S=1234 id=m{i}@src.test\n")
    if i % 100 == 0:
        buf.append(
            f"{ts} {m} == user@{d} R=dnslookup T=remote_smtp defer (-44) H=mx.{d} [192.0.2.1]: "
            f"SMTP error from remote mail server after RCPT TO:<user@{d}>: 421 4.7.0 Too many connections, try again later\n"
        )
    buf.append(f'{ts} {m} => user@{d} R=dnslookup T=remote_smtp H=mx.{d} [192.0.2.1] C="250 2.0.0 Ok"\n')
    buf.append(f"{ts} {m} Completed\n")
    if len(buf) > 30000:
        out.write("".join(buf))
        buf.clear()
out.write("".join(buf))
