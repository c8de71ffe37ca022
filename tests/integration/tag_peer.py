#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tag_peer.py - a server that says who it is and who it sees, and its
client; prints JSON.

Theory of operation: the tests of listeners and address translation ask
one question of a port: who answers, and what does the answering side
see as the peer's address and its own?  "serve" binds ADDR PORT (TCP, UDP
or both; "::" is dual-stack unless --v6only) and answers every TCP
connection and every datagram with one line "TAG PEER LOCAL DATA": its
tag, the client's address, the address the client reached (for UDP from
IPV6_PKTINFO/IP_PKTINFO) and the line the client sent, so a reply proves
data went both ways.  An IPv4-mapped address is written as IPv4.  The
UDP reply is sent with a plain sendto(): the kernel picks its source, as
most servers let it.  "ask" connects to (or sends to) ADDR PORT, once per
--tries within --timeout, from --bind and --sport if given (a UDP client
is connected: it takes answers from ADDR PORT only), and prints {"tag",
"peer", "local", "echo"} or {"error"}.

Standard library only; runs as root in any namespace; every socket has a
timeout and "serve" a --deadline.
"""

import argparse
import errno
import json
import os
import select
import socket
import sys
import time

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # not in older Pythons


def plain(addr):
    """@addr without an IPv4-mapped prefix or a scope."""
    addr = addr.split("%")[0]
    return addr[7:] if addr.startswith("::ffff:") else addr


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def errname(e):
    if isinstance(e, socket.timeout):
        return "TIMEOUT"
    return errno.errorcode.get(e.errno, str(e.errno))


def local_of(ancdata, fallback):
    """Destination address of a datagram from its ancillary data."""
    for level, kind, data in ancdata:
        if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
            return plain(socket.inet_ntop(socket.AF_INET6, data[:16]))
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
            return socket.inet_ntop(socket.AF_INET, data[8:12])
    return fallback


def serve(a):
    fam = family(a.addr)
    socks = []
    if a.tcp:
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, a.v6only)
        t.bind((a.addr, a.port))
        t.listen(16)
        socks.append(t)
    if a.udp:
        u = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, a.v6only)
            u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        else:
            u.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        u.bind((a.addr, a.port))
        socks.append(u)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    end = time.monotonic() + a.deadline
    served = 0
    while time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], 0.5)
        for s in r:
            if s.type == socket.SOCK_STREAM:
                c, peer = s.accept()
                c.settimeout(5)
                try:
                    line = c.makefile("rb").readline().strip().decode()
                    c.sendall(("%s %s %s %s\n" % (
                        a.tag, plain(peer[0]),
                        plain(c.getsockname()[0]), line)).encode())
                except OSError:
                    pass
                c.close()
            else:
                data, anc, _, peer = s.recvmsg(2048, 256)
                local = local_of(anc, plain(s.getsockname()[0]))
                s.sendto(("%s %s %s %s\n" % (
                    a.tag, plain(peer[0]), local,
                    data.decode(errors="replace").strip())).encode(), peer)
            served += 1
    print(json.dumps({"served": served}))


def ask_once(a, line):
    fam = family(a.addr)
    src = (a.bind or ("::" if fam == socket.AF_INET6 else "0.0.0.0"),
           a.sport) if a.bind or a.sport else None
    if a.proto == "tcp":
        c = socket.create_connection((a.addr, a.port), timeout=a.wait,
                                     source_address=src)
        c.sendall((line + "\n").encode())
        reply = c.makefile("rb").readline()
        c.close()
    else:
        c = socket.socket(fam, socket.SOCK_DGRAM)
        c.settimeout(a.wait)
        if src:
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            c.bind(src)
        # connected: an answer from another address or port is dropped
        c.connect((a.addr, a.port))
        c.send((line + "\n").encode())
        reply = c.recv(2048)
        c.close()
    return reply.decode(errors="replace").split()


def ask(a):
    line = "hello-%s" % os.urandom(4).hex()
    end = time.monotonic() + a.timeout
    res = {"error": "TIMEOUT"}
    for _ in range(a.tries):
        try:
            f = ask_once(a, line)
            res = {"tag": f[0] if f else None,
                   "peer": f[1] if len(f) > 1 else None,
                   "local": f[2] if len(f) > 2 else None,
                   "echo": len(f) > 3 and f[3] == line}
            break
        except OSError as e:
            res = {"error": errname(e)}
        if time.monotonic() >= end:
            break
        time.sleep(0.2)
    print(json.dumps(res))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=("serve", "ask"))
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("what", help="serve: tag; ask: tcp or udp")
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--udp", action="store_true")
    p.add_argument("--v6only", type=int, default=0)
    p.add_argument("--ready")
    p.add_argument("--deadline", type=float, default=60)
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--wait", type=float, default=1)
    p.add_argument("--tries", type=int, default=1)
    p.add_argument("--bind", help="ask: source address")
    p.add_argument("--sport", type=int, default=0, help="ask: source port")
    a = p.parse_args()
    if a.role == "serve":
        a.tag = a.what
        serve(a)
    else:
        a.proto = a.what
        ask(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
