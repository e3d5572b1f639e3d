#!/usr/bin/env python3
"""Counts the distinct colours of a PNG, to tell a rendered page from a blank
one without any third-party package: parses IHDR, inflates the IDAT chunks,
undoes the per-row filters (PNG spec section 9) and counts pixels.

Usage: png_colors.py FILE.png
Prints: `WIDTHxHEIGHT colors=N dominant=SHARE` (SHARE: the most common
colour's share of the pixels). Handles 8-bit greyscale, grey+alpha, RGB,
RGBA and palette images without interlacing (what Chromium writes).
"""

import struct
import sys
import zlib
from collections import Counter
from itertools import accumulate

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        yield kind, data[at + 8 : at + 8 + length]
        at += 12 + length


def add_bytes(a, b):
    """a + b per byte, mod 256, on whole rows at once (SIMD within an int)."""
    n = len(a)
    x = int.from_bytes(a, "big")
    y = int.from_bytes(b, "big")
    low = int.from_bytes(b"\x7f" * n, "big")
    high = int.from_bytes(b"\x80" * n, "big")
    return (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big")


def unfilter(raw, width, height, bpp):
    stride = width * bpp
    prev = bytes(stride)
    rows = []
    at = 0
    for _ in range(height):
        ftype = raw[at]
        line = raw[at + 1 : at + 1 + stride]
        at += 1 + stride
        if ftype == 0:
            cur = bytes(line)
        elif ftype == 1:  # Sub: running sum per channel
            out = bytearray(stride)
            for c in range(bpp):
                out[c::bpp] = bytes(v & 0xFF for v in accumulate(line[c::bpp]))
            cur = bytes(out)
        elif ftype == 2:  # Up
            cur = add_bytes(line, prev)
        elif ftype == 3:  # Average
            out = bytearray(stride)
            for i in range(stride):
                left = out[i - bpp] if i >= bpp else 0
                out[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
            cur = bytes(out)
        elif ftype == 4:  # Paeth
            out = bytearray(stride)
            for i in range(stride):
                a = out[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                out[i] = (line[i] + pred) & 0xFF
            cur = bytes(out)
        else:
            raise ValueError(f"bad filter type {ftype}")
        rows.append(cur)
        prev = cur
    return rows


def colors(path):
    with open(path, "rb") as f:
        data = f.read()
    idat = []
    width = height = depth = ctype = interlace = None
    for kind, body in chunks(data):
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if width is None:
        raise ValueError("no IHDR chunk")
    if depth != 8 or interlace != 0 or ctype not in CHANNELS:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {ctype}, interlace {interlace}")
    bpp = CHANNELS[ctype]
    raw = zlib.decompress(b"".join(idat))
    count = Counter()
    for row in unfilter(raw, width, height, bpp):
        count.update(row[i : i + bpp] for i in range(0, len(row), bpp))
    dominant = count.most_common(1)[0][1] / (width * height) if count else 1.0
    return width, height, len(count), dominant


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: png_colors.py FILE.png")
    w, h, n, dominant = colors(sys.argv[1])
    print(f"{w}x{h} colors={n} dominant={dominant:.4f}")


if __name__ == "__main__":
    main()
