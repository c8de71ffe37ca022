#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""udp_peer.py - one end of a UDP test exchange; prints a JSON result.

Theory of operation: the same standard-library script runs on both sides of
pasta, as root, under `ip netns exec`.  Roles:

* echo ADDR PORT: bind, send every datagram back to its sender.  Numbered
  datagrams (see below) are checked on the way: count, duplicates, datagrams
  that arrive after a higher number ("late", i.e. reordered), and corrupted
  payloads.  Every sender address seen is counted.  Ends on SIGTERM, after
  --idle seconds without traffic (once something arrived) or at --deadline,
  and prints its JSON (with --record, every payload in hex too).
* stream ADDR PORT: send --count numbered datagrams of --size bytes, paced
  at --rate per second, and check the echoes the same way.
* flows ADDR PORT: open --flows sockets at once, each sends its own datagram
  (retried at most --retries times) and must get it back, from ADDR PORT.
* query ADDR PORT: send --count datagrams one at a time on one socket, each
  answered before the next; reports the answers' source addresses.

A numbered datagram is "SEQ" (8 bytes, big endian) followed by bytes that
are a function of SEQ and the length, so a datagram carrying another's
bytes, stale buffer contents or a wrong length is counted as corrupt.

Every socket operation has a timeout and every run a deadline.
"""

import argparse
import json
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import time

HDR = struct.Struct(">Q")
BUF = 1 << 16                   # larger than any UDP payload


_fill = {}


def body(seq, size):
    """The payload of numbered datagram @seq, @size bytes (>= 8)."""
    n = size - HDR.size
    key = ((seq * 7) & 0xff, n)
    f = _fill.get(key)
    if f is None:
        pat = bytes(((key[0] + i) & 0xff) for i in range(251))
        f = _fill[key] = (pat * (n // len(pat) + 1))[:n]
    return HDR.pack(seq) + f


class Tally:
    """Sequence checks of numbered datagrams."""

    def __init__(self):
        self.count = 0
        self.bytes = 0
        self.seen = set()
        self.dups = 0
        self.late = 0
        self.corrupt = 0
        self.top = -1
        self.payloads = []

    def add(self, data):
        self.count += 1
        self.bytes += len(data)
        if len(data) < HDR.size:
            self.corrupt += 1
            return
        seq = HDR.unpack_from(data)[0]
        if data != body(seq, len(data)):
            self.corrupt += 1
            return
        if seq in self.seen:
            self.dups += 1
            return
        self.seen.add(seq)
        if seq < self.top:
            self.late += 1
        self.top = max(self.top, seq)

    def result(self):
        return {"count": self.count, "bytes": self.bytes,
                "distinct": len(self.seen), "dups": self.dups,
                "late": self.late, "corrupt": self.corrupt}


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_socket(addr, bufsize=0):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    if bufsize:
        for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            try:
                # SO_RCVBUFFORCE/SO_SNDBUFFORCE: 33, 32 (root only)
                force = 33 if opt == socket.SO_RCVBUF else 32
                s.setsockopt(socket.SOL_SOCKET, force, bufsize)
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, opt, bufsize)
    return s


def peer_key(sa):
    return "%s %d" % (sa[0], sa[1])


def echo(a):
    s = udp_socket(a.addr, 8 << 20)
    if family(a.addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind((a.addr, a.port))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    t, peers, sent_back, errors = Tally(), {}, 0, 0
    buf = bytearray(BUF)
    view = memoryview(buf)
    end = time.monotonic() + a.deadline
    last = None
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    while not stop and time.monotonic() < end:
        if last is not None and a.idle and time.monotonic() - last > a.idle:
            break
        sel.select(0.2)
        before = t.count
        # drain without a poll() per datagram: the echo must keep up
        for _ in range(10000):
            try:
                n, sa = s.recvfrom_into(buf)
            except (BlockingIOError, InterruptedError):
                break
            data = view[:n]
            t.add(data)
            k = peer_key(sa)
            peers[k] = peers.get(k, 0) + 1
            if a.record and len(t.payloads) < 5000:
                t.payloads.append(bytes(data).hex())
            if not a.echoes:
                continue
            try:
                s.sendto(data, sa)
                sent_back += 1
            except OSError:
                errors += 1
        if t.count > before:
            last = time.monotonic()
    r = t.result()
    r.update({"peers": len(peers), "sample": sorted(peers)[:5],
              "echoed": sent_back, "send_errors": errors})
    if a.record:
        r["payloads"] = t.payloads
    return r


def stream(a):
    """Paced sender that also takes the echoes, in one thread (no GIL
    contention): send what is due, then drain, then wait for the next
    due time or an echo."""
    s = udp_socket(a.addr, 8 << 20)
    s.connect((a.addr, a.port))
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    t = Tally()
    info = {"sent": 0, "send_errors": 0, "refused": 0}
    t0 = time.monotonic()
    end = t0 + a.deadline
    i, quiet_since = 0, None
    while time.monotonic() < end:
        now = time.monotonic()
        while i < a.count and t0 + i / a.rate <= now:
            try:
                s.send(body(i, a.size))
                info["sent"] += 1
            except BlockingIOError:
                break
            except ConnectionRefusedError:
                info["refused"] += 1
            except OSError:
                info["send_errors"] += 1
            i += 1
        if i == a.count and "send_secs" not in info:
            info["send_secs"] = round(now - t0, 3)
        got = drain(s, t, info, a.echoes)
        if i < a.count:
            timeout = max(0.0, t0 + i / a.rate - time.monotonic())
        else:
            if not a.echoes or t.count >= info["sent"]:
                break
            if got:
                quiet_since = None
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= a.linger:
                break
            timeout = 0.05
        if a.echoes:
            sel.select(min(timeout, 0.05))
        elif timeout > 0:
            time.sleep(min(timeout, 0.05))
    r = t.result()
    r.update(info)
    return r


def drain(s, t, info, echoes, buf=bytearray(BUF)):
    """Read every queued echo into @t; return how many were read."""
    n, view = 0, memoryview(buf)
    while echoes and n < 4096:
        try:
            t.add(view[:s.recv_into(buf)])
            n += 1
        except BlockingIOError:
            break
        except ConnectionRefusedError:
            info["refused"] += 1
    return n


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n), hard))


def flows(a):
    raise_nofile(a.flows + 64)
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(a.flows):
        s = udp_socket(a.addr)
        s.setblocking(False)
        s.bind(("::" if family(a.addr) == socket.AF_INET6 else "0.0.0.0",
                0))
        sel.register(s, selectors.EVENT_READ, i)
        socks.append(s)
    want = {i: ("flow %d " % i).encode() * 4 for i in range(a.flows)}
    dst = (a.addr, a.port)
    ok, bad, wrong_src, retries = set(), 0, 0, 0
    first_wrong = None
    end = time.monotonic() + a.deadline
    for attempt in range(a.retries + 1):
        pending = [i for i in range(a.flows) if i not in ok]
        if not pending:
            break
        retries += len(pending) if attempt else 0
        for i in pending:
            try:
                socks[i].sendto(want[i], dst)
            except OSError:
                pass
        wait_end = min(end, time.monotonic() + a.wait)
        while len(ok) < a.flows and time.monotonic() < wait_end:
            for key, _ in sel.select(0.1):
                i = key.data
                try:
                    data, sa = socks[i].recvfrom(BUF)
                except OSError:
                    continue
                if sa[0] != a.addr or sa[1] != a.port:
                    wrong_src += 1
                    first_wrong = first_wrong or peer_key(sa)
                elif data != want[i]:
                    bad += 1
                else:
                    ok.add(i)
    r = {"flows": a.flows, "answered": len(ok), "bad": bad,
         "wrong_src": wrong_src, "first_wrong": first_wrong,
         "retries": retries}
    if a.hold:
        # keep every socket open until told (the test counts pasta's fds)
        print(json.dumps(r), flush=True)
        sys.stdin.readline()
    for s in socks:
        s.close()
    return r


def query(a):
    s = udp_socket(a.addr)
    if a.bind:
        s.bind((a.bind, 0))
    s.settimeout(a.wait)
    answers, sources, lost = 0, {}, 0
    for i in range(a.count):
        msg = body(i, a.size)
        for _ in range(a.retries + 1):
            try:
                s.sendto(msg, (a.addr, a.port))
                data, sa = s.recvfrom(BUF)
            except socket.timeout:
                continue
            except OSError as e:
                sources["error " + str(e.errno)] = 1
                break
            k = peer_key(sa[:2])
            sources[k] = sources.get(k, 0) + 1
            if data == msg:
                answers += 1
                break
        else:
            lost += 1
    return {"count": a.count, "answers": answers, "lost": lost,
            "sources": sources}


def parse(argv):
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=("echo", "stream", "flows", "query"))
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--ready")
    p.add_argument("--deadline", type=float, default=60)
    p.add_argument("--idle", type=float, default=0)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--size", type=int, default=1000)
    p.add_argument("--rate", type=float, default=10000)
    p.add_argument("--linger", type=float, default=2)
    p.add_argument("--flows", type=int, default=1000)
    p.add_argument("--retries", type=int, default=1)
    p.add_argument("--wait", type=float, default=3)
    p.add_argument("--bind", help="query: source address")
    p.add_argument("--hold", action="store_true")
    p.add_argument("--record", action="store_true",
                   help="echo: list every payload (hex) in the result")
    p.add_argument("--no-echo", dest="echoes", action="store_false",
                   help="stream: expect no echoes; echo: just count")
    a = p.parse_args(argv)
    a.size = max(a.size, HDR.size)
    return a


def die_with_parent():
    """SIGKILL when the parent (the test) dies: no peer outlives a run."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9, 0, 0, 0)       # PR_SET_PDEATHSIG, SIGKILL
    except OSError:
        pass


def main(argv):
    a = parse(argv)
    die_with_parent()
    r = {"echo": echo, "stream": stream, "flows": flows,
         "query": query}[a.role](a)
    print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main(sys.argv[1:]))
