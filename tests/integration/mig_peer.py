#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mig_peer.py - the remote ends of the TCP connections that a guest keeps
open across a live migration (test_vu_migrate_tcp.py); prints JSON.

Theory of operation: `serve ADDR BASE` listens on BASE+1 ... BASE+7 (one
connection each, one thread each) with one behaviour per port:

  +1 down   seeded data as fast as the socket takes it, until --after
            seconds past the stop file; then a half-close, and read
            until the guest's end of file (the guest reads slowly: the
            queues fill up)
  +2 up     read until end of file, answer "bytes=N sha256=H", close
  +3 push   like down (the guest reads as fast as it can)
  +4 echo   send back whatever arrives, close after end of file
  +6 half   read until end of file (the guest half-closes at once), then
            once the stop file exists answer "bytes=N sha256=H" and
            HALF_TAIL seeded bytes, close
  +7 idle   nothing either way until the stop file exists, then the line
            "after-migration", read the guest's answer until end of file

The test creates the stop file once the migration is over.  Every
connection keeps the SHA-256 and count of what it sent and received, the
CLOCK_MONOTONIC time (comparable with the test's time.monotonic()) of its
first and last transfer, of the peer's end of file, and the longest pause
between two transfers (the downtime as the remote sees it), and reports
socket errors (a reset) by errno name.  The listener writes --state, a
JSON list of the behaviours accepted so far, after each accept.

`echo-client ADDR PORT` is the remote end of a connection opened from the
remote (through passt's -t port): a line every --interval seconds, the
echo read and hashed, until --after seconds past the stop file; then it
waits for the whole echo, half-closes and reads to end of file.  It
writes --ready once the first echo is back.

Every socket has a timeout, every loop a bound (--deadline, --max-bytes).
"""

import argparse
import errno
import hashlib
import json
import os
import select
import socket
import sys
import threading
import time

from tcp_peer import die_with_parent, errname, stream_chunks

MODES = {1: "down", 2: "up", 3: "push", 4: "echo", 6: "half", 7: "idle"}
HALF_TAIL = 256 << 10
BUF = 1 << 16


class Rec:
    """What one connection did (the JSON record)."""

    def __init__(self):
        self.sh, self.rh = hashlib.sha256(), hashlib.sha256()
        self.r = {"sent": 0, "recv": 0, "error": None, "accepted": None,
                  "first": None, "last": None, "eof": None, "gap": 0.0,
                  "gap_at": None, "text": ""}

    def tick(self):
        now = time.monotonic()
        if self.r["first"] is None:
            self.r["first"] = now
        elif now - self.r["last"] > self.r["gap"]:
            self.r["gap"] = round(now - self.r["last"], 3)
            self.r["gap_at"] = self.r["last"]
        self.r["last"] = now

    def sent(self, data):
        self.sh.update(data)
        self.r["sent"] += len(data)
        self.tick()

    def got(self, data):
        self.rh.update(data)
        self.r["recv"] += len(data)
        self.tick()

    def result(self):
        self.r["sent_sha"] = self.sh.hexdigest()
        self.r["recv_sha"] = self.rh.hexdigest()
        return self.r


def wait_stop(a, end):
    """Wait (bounded by @end) for the stop file; True if it came."""
    while time.monotonic() < end:
        if os.path.exists(a.stop):
            return True
        time.sleep(0.05)
    return False


def blast(s, rec, a, end):
    """Send seeded data until --after seconds past the stop file (down,
    push); the peer's end of file before is recorded as "early_eof"."""
    s.setblocking(False)
    chunks = stream_chunks(a.seed, a.max_bytes)
    pend = memoryview(b"")
    stop_at = None
    while time.monotonic() < end:
        if stop_at is None and os.path.exists(a.stop):
            stop_at = time.monotonic() + a.after
        if stop_at is not None and time.monotonic() >= stop_at:
            break
        if not pend:
            pend = next(chunks, None)
            if pend is None:
                break
        r, w, _ = select.select([s], [s], [], 1)
        if r:
            d = s.recv(BUF)
            if not d:
                rec.r["eof"] = rec.r["early_eof"] = time.monotonic()
                break
            rec.got(d)
        if w:
            try:
                n = s.send(pend)
            except BlockingIOError:
                continue
            rec.sent(pend[:n])
            pend = pend[n:]
    s.settimeout(a.timeout)
    s.shutdown(socket.SHUT_WR)
    drain(s, rec, end)


def drain(s, rec, end):
    """Read until end of file (bounded by @end)."""
    while time.monotonic() < end:
        d = s.recv(BUF)
        if not d:
            if rec.r["eof"] is None:
                rec.r["eof"] = time.monotonic()
            return
        rec.got(d)


def answer(s, rec):
    """Send "bytes=N sha256=H" of what arrived."""
    line = ("bytes=%d sha256=%s\n" % (rec.r["recv"], rec.rh.hexdigest()))
    s.sendall(line.encode())
    rec.sent(line.encode())


def serve_one(mode, s, rec, a, end):
    if mode in ("down", "push"):
        blast(s, rec, a, end)
    elif mode == "up":
        drain(s, rec, end)
        answer(s, rec)
    elif mode == "echo":
        while time.monotonic() < end:
            d = s.recv(BUF)
            if not d:
                rec.r["eof"] = time.monotonic()
                break
            rec.got(d)
            s.sendall(d)
            rec.sent(d)
    elif mode == "half":
        drain(s, rec, end)
        if wait_stop(a, end):
            answer(s, rec)
            for c in stream_chunks(a.seed + 6, HALF_TAIL):
                s.sendall(c)
                rec.sent(c)
    elif mode == "idle":
        s.settimeout(0.1)
        early = b""
        while not os.path.exists(a.stop) and time.monotonic() < end:
            try:
                d = s.recv(BUF)
            except socket.timeout:
                continue
            early += d
            if not d:
                break
        s.settimeout(a.timeout)
        rec.r["early"] = len(early)
        if os.path.exists(a.stop):
            line = b"after-migration\n"
            s.sendall(line)
            rec.sent(line)
            got = b""
            while time.monotonic() < end and len(got) < 4096:
                d = s.recv(BUF)
                if not d:
                    rec.r["eof"] = time.monotonic()
                    break
                got += d
                rec.got(d)
            rec.r["text"] = got.decode(errors="replace").strip()


def serve_port(mode, ls, a, out, lock, end):
    rec = Rec()
    out[mode] = rec
    try:
        ls.settimeout(max(end - time.monotonic(), 1))
        s, _ = ls.accept()
    except OSError as e:
        rec.r["error"] = "accept: " + errname(e)
        return
    finally:
        ls.close()
    rec.r["accepted"] = time.monotonic()
    with lock:
        tmp = a.state + ".tmp"
        with open(tmp, "w") as f:
            json.dump(sorted(m for m, r in out.items()
                             if r.r["accepted"]), f)
        os.rename(tmp, a.state)
    s.settimeout(a.timeout)
    try:
        serve_one(mode, s, rec, a, end)
    except OSError as e:
        rec.r["error"] = errname(e)
    finally:
        s.close()


def serve(a):
    end = time.monotonic() + a.deadline
    out, lock, threads = {}, threading.Lock(), []
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    for off, mode in sorted(MODES.items()):
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.addr, a.base + off))
        ls.listen(1)
        t = threading.Thread(target=serve_port, daemon=True,
                             args=(mode, ls, a, out, lock, end))
        threads.append(t)
    with open(a.state, "w") as f:
        f.write("[]")
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(end - time.monotonic(), 0) + 5)
    return {m: r.result() for m, r in out.items()}


def echo_client(a):
    rec = Rec()
    end = time.monotonic() + a.deadline
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        s.connect((a.addr, a.port))
    except OSError as e:
        return {"error": "connect: " + errname(e)}
    rec.r["accepted"] = time.monotonic()
    ready, stop_at, i, out = False, None, 0, b""
    try:
        while time.monotonic() < end:
            now = time.monotonic()
            if stop_at is None and os.path.exists(a.stop):
                stop_at = now + a.after
            if stop_at is not None and now >= stop_at:
                break
            line = ("line %d %.3f\n" % (i, now)).encode()
            s.sendall(line)
            rec.sent(line)
            i += 1
            t_next = now + a.interval
            while time.monotonic() < t_next:
                r, _, _ = select.select([s], [], [],
                                        max(t_next - time.monotonic(), 0))
                if r:
                    d = s.recv(BUF)
                    if not d:
                        raise OSError(errno.EPIPE, "early end of file")
                    rec.got(d)
                    out += d
                    if not ready and a.ready:
                        with open(a.ready, "w") as f:
                            f.write("1\n")
                        ready = True
        while rec.r["recv"] < rec.r["sent"] and time.monotonic() < end:
            d = s.recv(BUF)
            if not d:
                break
            rec.got(d)
        s.shutdown(socket.SHUT_WR)
        drain(s, rec, end)
    except OSError as e:
        rec.r["error"] = errname(e)
    finally:
        s.close()
    rec.r["lines"] = i
    return rec.result()


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("role", choices=("serve", "echo-client"))
    p.add_argument("addr")
    p.add_argument("port", type=int, help="serve: base port")
    p.add_argument("--stop", required=True)
    p.add_argument("--state", default=os.devnull)
    p.add_argument("--ready")
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--max-bytes", type=int, default=2 << 30)
    p.add_argument("--after", type=float, default=4)
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--deadline", type=float, default=400)
    a = p.parse_args(argv)
    a.base = a.port
    return a


def main(argv):
    a = parse(argv)
    die_with_parent()
    r = serve(a) if a.role == "serve" else echo_client(a)
    print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
