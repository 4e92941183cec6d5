#!/usr/bin/env python3
"""Pairs of sibling modules that import each other (issue 11's rule, which holds for all work).

For each crate `src` folder given, every `crate::`/`super::`/`self::` path of each module is
resolved to the module it names; two children of one parent (a folder counts as one module,
its files included) that reach into each other are reported, with the files that do it. A
parent using its own children is fine. Exits 1 when a pair is found."""
import os, re, sys
from collections import defaultdict

def modpath(src, f):
    rel = os.path.relpath(f, src)[:-3].split(os.sep)
    if rel[-1] in ("lib", "main", "mod"): rel = rel[:-1]
    if rel and rel[0] == "bin": return None
    return tuple(rel)

def strip_comments(s):
    s = re.sub(r'//[^\n]*', '', s)
    s = re.sub(r'/\*.*?\*/', '', s, flags=re.S)
    s = re.sub(r'"(?:\\.|[^"\\])*"', '""', s)
    return s

def expand_use(body):
    # body like crate::{a::b, c} ; returns list of paths
    body = body.strip()
    m = re.match(r'^(.*?)\{(.*)\}$', body, flags=re.S)
    if not m: return [body]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ''
    for ch in inner:
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        if ch == ',' and depth == 0: parts.append(cur); cur = ''
        else: cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip()
        if p: out += expand_use(prefix + p)
    return out

def resolve(cur, path, mods):
    segs = [x for x in re.split(r'::', path) if x]
    if not segs: return None
    if segs[0] == 'crate': base = (); segs = segs[1:]
    elif segs[0] in ('super', 'self'):
        base = cur
        while segs and segs[0] in ('super', 'self'):
            if segs[0] == 'super': base = base[:-1]
            segs = segs[1:]
    else: return None
    # longest module prefix
    p = base
    for s in segs:
        if p + (s,) in mods: p = p + (s,)
        else: break
    return p

def main(src):
    files = []
    for d, _, fs in os.walk(src):
        for f in fs:
            if f.endswith('.rs'): files.append(os.path.join(d, f))
    mods = {}
    for f in files:
        m = modpath(src, f)
        if m is not None: mods[m] = f
    edges = defaultdict(set)
    for m, f in mods.items():
        s = strip_comments(open(f).read())
        paths = []
        for u in re.finditer(r'\buse\s+([^;]+);', s):
            paths += expand_use(u.group(1))
        paths += re.findall(r'\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)', s)
        for p in paths:
            p = re.sub(r'\s+as\s+\w+$', '', p.strip())
            t = resolve(m, p, mods)
            if t is None or t == m: continue
            edges[m].add((t, f))
    pairs = defaultdict(set)
    for a, ts in edges.items():
        for b, f in ts:
            # lowest common ancestor
            i = 0
            while i < min(len(a), len(b)) and a[i] == b[i]: i += 1
            if i == len(a) or i == len(b): continue  # ancestor/descendant
            sa, sb = a[:i+1], b[:i+1]
            pairs[(sa, sb)].add(os.path.relpath(f, src))
    bad = 0
    for (sa, sb), fs in sorted(pairs.items()):
        if (sb, sa) in pairs and sa < sb:
            bad += 1
            print(f"{'::'.join(sa)} <-> {'::'.join(sb)}")
            print(f"    {'::'.join(sa)} -> {'::'.join(sb)} in {sorted(fs)}")
            print(f"    {'::'.join(sb)} -> {'::'.join(sa)} in {sorted(pairs[(sb, sa)])}")
    return bad

bad = 0
for src in sys.argv[1:]:
    print("==", src); bad += main(src)
sys.exit(1 if bad else 0)
