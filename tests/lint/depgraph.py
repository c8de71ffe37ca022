#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""depgraph.py - libcommon's dependency graph has no cycle and points down.

Theory of operation
===================

Nodes are modules: libcommon/F/x.c and libcommon/F/x.h are one module "F/x"
in folder F (a header with no .c of its name, like transport/tcp.h, is a
module of its own). Edges come from two sources:

- includes: every quoted #include of a libcommon file, resolved as the
  compiler does (the including file's folder first, then libcommon/);
- calls: with --objects DIR (the build tree holding libcommon's objects,
  DIR/libcommon/F/x.o), an edge "F/x -> G/y" whenever x.o uses a global
  symbol that y.o defines (nm). This sees what includes can't: two .c files
  calling each other through one shared header, or through a declaration
  written in a .c file.

Three rules, each failure printed with the lines or symbols behind it:

1. Layers. A folder uses only folders of a lower layer, never one of its own
   layer or above. The layers, lowest first (doc/README.md, "Layers"):

       0  base
       1  os  packet
       2  services  flow
       3  transport
       4  link
       5  conf
       6  ctl
       7  loop

   Folders on one row are independent of each other. A new folder must be
   added here (and in doc/README.md) before it may be used.
2. No cycle between folders (F -> G -> ... -> F), and no cycle between the
   modules of one folder (F/a -> F/b -> ... -> F/a): every elementary cycle
   is named, up to a limit per strongly connected set.
3. No C source or header (.c, .h) under libcommon/, tools/, tests/ or bench/
   longer than 1000 lines.

KNOWN_CYCLES lists cycles being removed by work in progress: each is printed
as a note, and (with --objects) the check fails once one of them no longer
exists, so that the list shrinks with the code.

`make lint` builds libcommon, runs the self test (test_depgraph.py) and then
this check with --objects.

Usage: depgraph.py [--root DIR] [--objects DIR]; exit status 0 when clean,
1 when a rule is broken, 2 on a usage error. Standard library only.
"""

import argparse
import collections
import os
import re
import subprocess
import sys

LAYERS = (
    ('base',),
    ('os', 'packet'),
    ('services', 'flow'),
    ('transport',),
    ('link',),
    ('conf',),
    ('ctl',),
    ('loop',),
)

# Cycles allowed for now, each the set of modules on it, with the reason.
KNOWN_CYCLES = {}

MAX_LINES = 1000
SIZE_DIRS = ('libcommon', 'tools', 'tests', 'bench')
MAX_CYCLES = 50         # cycles named per strongly connected set

INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)
COMMENT_RE = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)


def rank_of(layers):
    """Map each folder name to its layer number"""
    return {f: n for n, row in enumerate(layers) for f in row}


def module_of(rel):
    """'transport/tcp_conn.c' -> 'transport/tcp_conn'"""
    return os.path.splitext(rel)[0]


def folder_of(mod):
    """'transport/tcp_conn' -> 'transport'"""
    return mod.split('/', 1)[0]


def strip_comments(text):
    """Blank out comments, keeping line numbers"""
    return COMMENT_RE.sub(lambda m: '\n' * m.group(0).count('\n'), text)


def lib_files(lib):
    """Relative paths of libcommon's .c and .h files, sorted"""
    out = []
    for d, _, files in os.walk(lib):
        for f in files:
            if f.endswith(('.c', '.h')):
                out.append(os.path.relpath(os.path.join(d, f), lib))
    return sorted(out)


class Graph:
    """Module graph: edges[a][b] is a list of reasons (strings)"""

    def __init__(self):
        self.nodes = set()
        self.edges = collections.defaultdict(
            lambda: collections.defaultdict(list))

    def add(self, a, b, why):
        self.nodes.update((a, b))
        if a != b:
            self.edges[a][b].append(why)


def include_edges(lib, graph):
    """Add an edge for every quoted include between two libcommon files"""
    files = set(lib_files(lib))
    for rel in sorted(files):
        with open(os.path.join(lib, rel), encoding='utf-8',
                  errors='replace') as f:
            text = strip_comments(f.read())
        graph.nodes.add(module_of(rel))
        for m in INCLUDE_RE.finditer(text):
            name = m.group(1)
            here = os.path.normpath(os.path.join(os.path.dirname(rel), name))
            if here in files:
                target = here
            elif os.path.normpath(name) in files:
                target = os.path.normpath(name)
            else:
                continue        # not ours: no edge
            line = text.count('\n', 0, m.start()) + 1
            graph.add(module_of(rel), module_of(target),
                      f'libcommon/{rel}:{line} includes "{name}"')


def nm_symbols(obj):
    """(defined, undefined) global symbol sets of one object file"""
    res = subprocess.run(['nm', '-P', obj], capture_output=True, text=True,
                         check=False)
    if res.returncode:
        raise RuntimeError(f'nm {obj}: {res.stderr.strip()}')
    defined, undefined = set(), set()
    for line in res.stdout.splitlines():
        p = line.split()
        if len(p) < 2:
            continue
        if p[1] == 'U':
            undefined.add(p[0])
        elif p[1] in 'TDBRGSVWC':
            defined.add(p[0])
    return defined, undefined


def call_edges(lib, objdir, graph):
    """Add an edge for every global symbol one object takes from another;
    the objects are those of libcommon's .c files, objdir/libcommon/F/x.o
    (stale objects of removed sources are never read)"""
    owner, needs = {}, {}
    for rel in lib_files(lib):
        if not rel.endswith('.c'):
            continue
        mod = module_of(rel)
        obj = os.path.join(objdir, 'libcommon', mod + '.o')
        if not os.path.isfile(obj):
            raise RuntimeError(f'{obj}: missing (build libcommon first)')
        defined, undefined = nm_symbols(obj)
        for s in defined:
            owner[s] = mod
        needs[mod] = undefined
    for mod in sorted(needs):
        graph.nodes.add(mod)
        for s in sorted(needs[mod]):
            if s in owner:
                graph.add(mod, owner[s],
                          f'libcommon/{mod}.c uses {s}() '
                          f'(libcommon/{owner[s]}.c)')


def sccs(nodes, succ):
    """Strongly connected sets of more than one node (Tarjan, iterative)"""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(succ(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(succ(w)))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def cycles_in(comp, succ, limit):
    """Elementary cycles inside one strongly connected set, each starting
    at its smallest node, at most limit of them: (cycles, truncated)"""
    comp = sorted(comp)
    found = []
    for i, start in enumerate(comp):
        allowed = set(comp[i:])
        path, seen = [start], {start}
        work = [iter(sorted(w for w in succ(start) if w in allowed))]
        while work:
            for w in work[-1]:
                if w == start:
                    found.append(path + [start])
                    if len(found) >= limit:
                        return found, True
                elif w not in seen:
                    path.append(w)
                    seen.add(w)
                    work.append(iter(sorted(x for x in succ(w)
                                            if x in allowed)))
                    break
            else:
                work.pop()
                seen.discard(path.pop())
    return found, False


def find_cycles(nodes, succ, limit=MAX_CYCLES):
    """Every elementary cycle (bounded per set): list of (cycle, truncated)"""
    out = []
    for comp in sccs(nodes, succ):
        cyc, cut = cycles_in(comp, succ, limit)
        out.extend((c, False) for c in cyc)
        if cut:
            out[-1] = (out[-1][0], True)
    return out


def reasons(graph, pairs):
    """The evidence behind edges between module pairs, a few lines each"""
    lines = []
    for a, b in pairs:
        why = graph.edges[a][b]
        lines.extend(why[:3])
        if len(why) > 3:
            lines.append(f'(and {len(why) - 3} more {a} -> {b})')
    return lines


class Report:
    """Collected failures and notes"""

    def __init__(self):
        self.errors = []
        self.notes = []

    def error(self, head, details=()):
        self.errors.append((head, list(details)))

    def note(self, head, details=()):
        self.notes.append((head, list(details)))

    def print(self, out):
        for kind, items in (('note', self.notes), ('error', self.errors)):
            for head, details in items:
                print(f'depgraph: {kind}: {head}', file=out)
                for d in details:
                    print(f'    {d}', file=out)


def check_layers(graph, layers, rep):
    """Rule 1: every edge between folders goes to a lower layer"""
    rank = rank_of(layers)
    for f in sorted({folder_of(n) for n in graph.nodes} - set(rank)):
        rep.error(f'folder {f}/ is in no layer: add it to LAYERS in '
                  'tests/lint/depgraph.py and to doc/README.md')
    for a in sorted(graph.edges):
        for b in sorted(graph.edges[a]):
            fa, fb = folder_of(a), folder_of(b)
            if fa == fb or fa not in rank or fb not in rank:
                continue
            if rank[fb] < rank[fa]:
                continue
            how = 'the same layer as' if rank[fa] == rank[fb] else 'above'
            rep.error(f'layer: {a} ({fa}/, layer {rank[fa]}) uses {b}: '
                      f'{fb}/ (layer {rank[fb]}) is {how} {fa}/',
                      reasons(graph, [(a, b)]))


def check_cycles(graph, known, rep, calls=True):
    """Rule 2: no cycle between folders, none between a folder's modules"""
    fsucc = collections.defaultdict(set)
    fpairs = collections.defaultdict(list)
    msucc = collections.defaultdict(set)
    for a in graph.edges:
        for b in graph.edges[a]:
            fa, fb = folder_of(a), folder_of(b)
            if fa != fb:
                fsucc[fa].add(fb)
                fpairs[fa, fb].append((a, b))
            else:
                msucc[a].add(b)

    folders = {folder_of(n) for n in graph.nodes}
    for cyc, cut in find_cycles(folders, lambda f: fsucc[f]):
        details = []
        for fa, fb in zip(cyc, cyc[1:]):
            details.extend(reasons(graph, fpairs[fa, fb][:2]))
        rep.error('cycle between folders: ' + ' -> '.join(cyc), details)
        if cut:
            rep.error(f'more cycles between folders not listed '
                      f'(limit {MAX_CYCLES})')

    seen_known = set()
    for cyc, cut in find_cycles(graph.nodes, lambda m: msucc[m]):
        details = reasons(graph, zip(cyc, cyc[1:]))
        head = (f'cycle in {folder_of(cyc[0])}/: ' + ' -> '.join(cyc))
        key = frozenset(cyc)
        if key in known:
            seen_known.add(key)
            rep.note(f'{head} (known: {known[key]})', details)
        else:
            rep.error(head, details)
        if cut:
            rep.error(f'more cycles in {folder_of(cyc[0])}/ not listed '
                      f'(limit {MAX_CYCLES})')
    if not calls:
        return          # known cycles may need call edges to show
    for key in sorted(set(known) - seen_known, key=sorted):
        rep.error('known cycle ' + ' <-> '.join(sorted(key)) +
                  ' is gone: remove it from KNOWN_CYCLES in '
                  'tests/lint/depgraph.py')


def check_sizes(root, dirs, limit, rep):
    """Rule 3: no .c or .h file longer than limit lines"""
    for top in dirs:
        for d, subdirs, files in os.walk(os.path.join(root, top)):
            subdirs.sort()
            for f in sorted(files):
                if not f.endswith(('.c', '.h')):
                    continue
                path = os.path.join(d, f)
                with open(path, 'rb') as fh:
                    n = sum(1 for _ in fh)
                if n > limit:
                    rep.error(f'too long: {os.path.relpath(path, root)} '
                              f'has {n} lines (limit {limit}): split it '
                              'by purpose')


def check(root, objdir=None, layers=LAYERS, known=None, out=sys.stdout):
    """Run every rule on the tree at root; print findings; True if clean"""
    if known is None:
        known = KNOWN_CYCLES
    lib = os.path.join(root, 'libcommon')
    graph = Graph()
    include_edges(lib, graph)
    if objdir:
        call_edges(lib, objdir, graph)
    rep = Report()
    check_layers(graph, layers, rep)
    check_cycles(graph, known, rep, calls=bool(objdir))
    check_sizes(root, SIZE_DIRS, MAX_LINES, rep)
    rep.print(out)
    if rep.errors:
        print(f'depgraph: {len(rep.errors)} problem(s); the rules are in '
              'the header of tests/lint/depgraph.py', file=out)
    return not rep.errors


def main(argv=None):
    """Command line entry point"""
    p = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    p.add_argument('--root', default='.', help='top of the source tree')
    p.add_argument('--objects', metavar='DIR',
                   help='build tree with libcommon/*/*.o for call edges')
    a = p.parse_args(argv)
    if not os.path.isdir(os.path.join(a.root, 'libcommon')):
        p.error(f'{a.root}/libcommon: no such directory')
    try:
        return 0 if check(a.root, a.objects) else 1
    except RuntimeError as e:
        print(f'depgraph: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
