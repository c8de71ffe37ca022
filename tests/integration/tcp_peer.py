#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tcp_peer.py - one end of a TCP test exchange; prints a JSON result.

Theory of operation: the same script runs on both sides of pasta (inside its
namespace and in `remote`), as root or as the test user, standard library
only.  In stream mode (the default) each side sends --send bytes of seeded
pseudo-random data and, concurrently or in the --order given, reads until
end of file; it hashes both what it sent and what it received, so the test
compares SHA-256 and byte counts of the two ends.  The data is cut from a
random pool at offsets that do not repeat with any short period, so a
duplicated, dropped or reordered segment changes the hash.

Resets are made on purpose with SO_LINGER {1, 0} (--rst-after-recv,
--rst-after-send) and reported, like every socket error, by errno name in
the "error" field rather than as an exception.

With --conns N the script runs many small exchanges instead: the client
opens N connections, at most --parallel at a time, and sends on each its
own payload behind a 4-byte length; the listener (--echo) sends the payload
back and closes; the client checks that the echo is identical.

Every socket has a timeout and every run a deadline (--deadline).
"""

import argparse
import errno
import hashlib
import json
import os
import random
import selectors
import socket
import struct
import sys
import threading
import time

POOL = (1 << 20) + (1 << 16)
CHUNK = 1 << 16
STRIDE = 7919 * 13             # odd, not a multiple of any chunk size


def stream_chunks(seed, total):
    """Yield memoryviews summing to @total bytes, from a pool seeded @seed."""
    pool = memoryview(random.Random(seed).randbytes(POOL))
    off, k = 0, 0
    while off < total:
        n = min(CHUNK, total - off)
        start = (k * STRIDE) % (POOL - CHUNK)
        yield pool[start:start + n]
        off += n
        k += 1


def errname(e):
    if isinstance(e, socket.timeout):
        return "TIMEOUT"
    if e.errno is not None:
        return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__


def reset_close(sock):
    """Close @sock with an RST (SO_LINGER on, timeout 0)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.close()


class Stream:
    """State and result of one stream-mode connection."""

    def __init__(self, sock, args):
        self.sock = sock
        self.a = args
        self.res = {"sent": 0, "sent_sha": None, "recv": 0,
                    "recv_sha": None, "error": None, "send_error": None,
                    "send_secs": None, "rst": False}
        self.t0 = time.monotonic()

    def send(self):
        h = hashlib.sha256()
        try:
            for c in stream_chunks(self.a.seed, self.a.send):
                self.sock.sendall(c)
                h.update(c)
                self.res["sent"] += len(c)
            self.res["send_secs"] = time.monotonic() - self.t0
            if self.a.rst_after_send is not None:
                # let the data be delivered and acknowledged first
                time.sleep(self.a.rst_after_send)
                self.res["rst"] = True
                return
            if not self.a.no_shut:
                self.sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.res["send_error"] = errname(e)
        finally:
            self.res["sent_sha"] = h.hexdigest()

    def recv(self):
        h = hashlib.sha256()
        buf = bytearray(1 << 18)
        mv = memoryview(buf)
        limit = self.a.rst_after_recv
        try:
            if self.a.pause_read:
                time.sleep(self.a.pause_read)
            while limit is None or self.res["recv"] < limit:
                n = self.sock.recv_into(mv)
                if n == 0:
                    break
                h.update(mv[:n])
                self.res["recv"] += n
        except OSError as e:
            self.res["error"] = errname(e)
        finally:
            self.res["recv_sha"] = h.hexdigest()

    def run(self):
        order = self.a.order
        if self.a.rst_after_send is not None:
            self.send()
            reset_close(self.sock)
            self.res["secs"] = round(time.monotonic() - self.t0, 3)
            return self.res
        if order == "send-first":
            self.send()
            self.recv()
        elif order == "recv-first":
            self.recv()
            self.send()
        else:
            t = threading.Thread(target=self.send, daemon=True)
            t.start()
            self.recv()
            t.join(self.a.deadline)
        if self.a.rst_after_recv is not None or self.res["rst"]:
            self.res["rst"] = True
            reset_close(self.sock)
        else:
            self.sock.close()
        self.res["secs"] = round(time.monotonic() - self.t0, 3)
        return self.res


def payload(seed, i, n):
    return random.Random(seed * 1000003 + i).randbytes(n)


class Conn:
    """One small exchange of --conns mode (either side)."""

    def __init__(self, sock, out=b"", idx=None):
        self.sock = sock
        self.out = out          # client: payload; server: filled at EOF
        self.off = 0
        self.inb = bytearray()
        self.idx = idx
        self.eof = False


def echo_server(lsock, a):
    """Accept up to a.conns connections, echo each one's payload, close."""
    sel = selectors.DefaultSelector()
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    done, nbytes, errs = 0, 0, {}
    end = time.monotonic() + a.deadline
    while done < a.conns and time.monotonic() < end:
        for key, ev in sel.select(timeout=1):
            if key.data is None:
                try:
                    s, _ = lsock.accept()
                except BlockingIOError:
                    continue
                s.setblocking(False)
                sel.register(s, selectors.EVENT_READ, Conn(s))
                continue
            c = key.data
            fin = step(sel, c, ev, server=True)
            if fin is None:
                continue
            done += 1
            nbytes += len(c.out)
            if fin:
                errs[fin] = errs.get(fin, 0) + 1
    return {"conns": done, "bytes": nbytes, "errors": errs}


def want(c):
    """Server side: True once the whole length-prefixed request is in."""
    if len(c.inb) < 4:
        return False
    return len(c.inb) >= 4 + struct.unpack("!I", c.inb[:4])[0]


def step(sel, c, ev, server):
    """Advance @c; None while in progress, "" when done, or an error name.

    Each request is a 4-byte length and the payload; the server sends the
    payload back and closes first, the client reads to end of file (so the
    namespace never half-closes first, which the 2023 pasta mishandles).
    """
    try:
        if ev & selectors.EVENT_READ:
            while not c.eof:
                d = c.sock.recv(1 << 16)
                if not d:
                    c.eof = True
                    break
                c.inb += d
                if server and want(c):
                    break
        if server and not c.out and want(c):
            c.out = bytes(c.inb[4:])
            sel.modify(c.sock, selectors.EVENT_WRITE, c)
            return None
        if server and c.eof and not c.out:
            return finish(sel, c, "SHORT")
        if ev & selectors.EVENT_WRITE and c.off < len(c.out):
            c.off += c.sock.send(c.out[c.off:])
        if c.off >= len(c.out) and (ev & selectors.EVENT_WRITE):
            if server:
                return finish(sel, c, "")
            sel.modify(c.sock, selectors.EVENT_READ, c)
        if not server and c.eof:
            return finish(sel, c, "" if bytes(c.inb) == c.out[4:]
                          else "MISMATCH")
    except BlockingIOError:
        return None
    except OSError as e:
        return finish(sel, c, errname(e))
    return None


def finish(sel, c, err):
    sel.unregister(c.sock)
    c.sock.close()
    return err


def open_conn(sel, a, fam, addr, i):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    data = payload(a.seed, i, a.send)
    c = Conn(s, struct.pack("!I", len(data)) + data, i)
    rc = s.connect_ex(addr)
    if rc not in (0, errno.EINPROGRESS):
        s.close()
        return errno.errorcode.get(rc, str(rc))
    sel.register(s, selectors.EVENT_WRITE, c)
    return None


def many_client(a, fam, addr):
    """Run a.conns echo exchanges, at most a.parallel open at once."""
    sel = selectors.DefaultSelector()
    started, done, ok, errs, first = 0, 0, 0, {}, []
    t0 = time.monotonic()
    end = t0 + a.deadline
    while done < a.conns and time.monotonic() < end:
        while started < a.conns and started - done < a.parallel:
            e = open_conn(sel, a, fam, addr, started)
            started += 1
            if e:
                done += 1
                errs[e] = errs.get(e, 0) + 1
        for key, ev in sel.select(timeout=1):
            c = key.data
            if ev & selectors.EVENT_WRITE and c.off == 0 and not c.eof:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    r = finish(sel, c, errno.errorcode.get(err, str(err)))
                    done += 1
                    errs[r] = errs.get(r, 0) + 1
                    continue
            r = step(sel, c, ev, server=False)
            if r is None:
                continue
            done += 1
            if r:
                errs[r] = errs.get(r, 0) + 1
                if len(first) < 5:
                    first.append([c.idx, r, len(c.inb)])
            else:
                ok += 1
    return {"conns": done, "started": started, "ok": ok, "errors": errs,
            "first_failures": first,
            "secs": round(time.monotonic() - t0, 3)}


def sockaddr(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return fam, (host, port)


def listen(a):
    fam, addr = sockaddr(a.addr, a.port)
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6 and a.addr == "::":
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.bind(addr)
    ls.listen(1024)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    if a.echo:
        return echo_server(ls, a)
    ls.settimeout(a.deadline)
    s, peer = ls.accept()
    ls.close()
    s.settimeout(a.timeout)
    r = Stream(s, a).run()
    r["peer"] = peer[0]
    return r


def connect(a):
    fam, addr = sockaddr(a.addr, a.port)
    if a.conns:
        return many_client(a, fam, addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        s.connect(addr)
    except OSError as e:
        return {"error": errname(e), "connect_failed": True}
    return Stream(s, a).run()


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("role", choices=("listen", "connect"))
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--send", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--order", default="concurrent",
                   choices=("concurrent", "send-first", "recv-first"))
    p.add_argument("--no-shut", action="store_true")
    p.add_argument("--pause-read", type=float, default=0)
    p.add_argument("--rst-after-recv", type=int)
    p.add_argument("--rst-after-send", type=float)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--deadline", type=float, default=300)
    p.add_argument("--ready")
    p.add_argument("--echo", action="store_true")
    p.add_argument("--conns", type=int, default=0)
    p.add_argument("--parallel", type=int, default=1)
    return p.parse_args(argv)


def die_with_parent():
    """Get SIGKILL when the parent (pasta, or the test) dies, so that a
    peer never outlives a killed pasta and holds the test's pipes."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, 9, 0, 0, 0)
    except OSError:
        pass


def main(argv):
    a = parse(argv)
    die_with_parent()
    if a.echo and not a.conns:
        a.conns = 1
    r = listen(a) if a.role == "listen" else connect(a)
    print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
