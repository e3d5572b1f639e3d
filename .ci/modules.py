#!/usr/bin/env python3
"""Module graph of src/ from `crate::`/`super::`/`self::` paths; exits 1 on
an import cycle, naming each cyclic group.

    python3 .ci/modules.py [src] [--edges|--dot] [--check] [--max-lines=N]

Issue 15 asks for no cycle. With --check (what .ci/run uses) only the
cycles are printed, and the status is 1 when there is one. With
--max-lines=N it also fails on a file of more than N lines (issue 15: 500).
"""
import os, re, sys
from collections import defaultdict

args = [a for a in sys.argv[1:] if not a.startswith("--")]
src = args[0] if args else "src"
mods = {}
for dp, _, fs in os.walk(src):
    for f in fs:
        if not f.endswith(".rs"):
            continue
        rel = os.path.relpath(os.path.join(dp, f), src)[:-3].split(os.sep)
        if rel[-1] == "mod":
            rel = rel[:-1]
        if rel in (["lib"], ["main"]):
            rel = [rel[0]]  # crate roots
        mods["::".join(rel)] = os.path.join(dp, f)

def strip_comments(s):
    s = re.sub(r"//[^\n]*", "", s)
    return re.sub(r"/\*.*?\*/", "", s, flags=re.S)

def resolve(path):
    """Longest prefix of path that is a module."""
    parts = path.split("::")
    for n in range(len(parts), 0, -1):
        k = "::".join(parts[:n])
        if k in mods:
            return k
    return None

edges = defaultdict(set)
path_re = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
group_re = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
for m, f in mods.items():
    if m in ("lib", "main"):
        continue
    text = strip_comments(open(f).read())
    # An inline `#[cfg(test)] mod tests { ... }` (at the end by custom) is
    # another module: its `super` is this file, so it is left out.
    inline_tests = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    if inline_tests:
        text = text[: inline_tests.start()]
    here = m.split("::")
    def base(kw):
        if kw == "crate":
            return []
        if kw == "self":
            return here
        return here[:-1]
    targets = []
    for g in group_re.finditer(text):
        pre = base(g.group(1)) + [p for p in g.group(2).split("::") if p]
        for item in re.split(r",", re.sub(r"\{[^{}]*\}", "", g.group(3))):
            item = item.strip().split(" as ")[0].strip()
            if item:
                targets.append("::".join(pre + item.split("::")))
        # nested groups
        for inner in re.finditer(r"([A-Za-z_:]+)::\{", g.group(3)):
            targets.append("::".join(pre + inner.group(1).split("::")))
    for p in path_re.finditer(text):
        pre = base(p.group(1)) + [x for x in p.group(2).split("::") if x]
        targets.append("::".join(pre))
    for t in targets:
        r = resolve(t)
        if r and r != m and r not in ("lib", "main"):
            # a parent module reached only as a path prefix of a child is not an edge
            edges[m].add(r)

# drop edges child -> ancestor that only name the ancestor module itself? keep all.
def cycles():
    # Tarjan SCC
    idx, low, st, on, out, i = {}, {}, [], set(), [], [0]
    def sc(v):
        idx[v] = low[v] = i[0]; i[0] += 1; st.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in idx:
                sc(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = st.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(mods):
        if v not in idx: sc(v)
    return out

if "--dot" in sys.argv:
    print("digraph modules {")
    for a in sorted(edges):
        for b in sorted(edges[a]):
            print(f'  "{a}" -> "{b}";')
    print("}")
elif "--edges" in sys.argv:
    for a in sorted(edges):
        print(f"{a} -> {', '.join(sorted(edges[a]))}")
cs = cycles()
for c in cs:
    print("cycle:", " <-> ".join(c), file=sys.stderr)
print(f"{len(mods)} modules, {sum(len(v) for v in edges.values())} edges, {len(cs)} cyclic groups", file=sys.stderr)
long = []
for a in sys.argv[1:]:
    if a.startswith("--max-lines="):
        most = int(a.split("=", 1)[1])
        for dp, _, fs in os.walk(src):
            for f in sorted(fs):
                if f.endswith(".rs"):
                    p = os.path.join(dp, f)
                    with open(p, encoding="utf-8") as fh:
                        n = sum(1 for _ in fh)
                    if n > most:
                        long.append(p)
                        print(f"too long: {p}: {n} lines (at most {most})", file=sys.stderr)
sys.exit(1 if cs or long else 0)
