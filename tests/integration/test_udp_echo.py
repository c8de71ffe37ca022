# SPDX-License-Identifier: GPL-2.0-or-later
"""test_udp_echo.py - UDP request/reply through pasta, both directions.

pasta runs attached to a user namespace with --config-net; udp_peer.py runs
as root on both sides.

* outbound: a client in the namespace gets its datagrams (8 bytes to 64 KiB
  less headers) echoed by a server in remote, every answer from the
  server's address and port; the server sees the host's address
  (198.51.100.1 / 2001:db8:1::1) as the source;
* inbound (-u PORT): a client in remote sends to the host's address; the
  server inside the namespace gets it from remote's own address and port,
  and the client gets the echo from the host's address and PORT;
* broadcast and multicast from the namespace (255.255.255.255, the subnet
  broadcast, 224.0.0.1, 239.1.2.3, ff02::1, ff0e::1, and pinging the
  broadcast address): whether pasta forwards them or drops them, it stays
  alive, whatever reaches remote is exactly what was sent, and unicast
  still works afterwards.
"""

import itertools

import pytest

import topo as T

_ports = itertools.count(25200)


def query(procs, netns, addr, port, count=3, size=100, bind=None):
    """Send @count numbered datagrams one by one from @netns (from @bind);
    the result of udp_peer.py query (answers, and where they came from)."""
    p = T.start_udp_peer(procs, netns, "query", addr, port, count=count,
                         size=size, retries=1, wait=2, bind=bind)
    return T.peer_result(p, count * 4 + 10)


@pytest.mark.parametrize("dst,src", [(T.REMOTE4, T.HOST4),
                                     (T.REMOTE6, T.HOST6)],
                         ids=["v4", "v6"])
@pytest.mark.parametrize("size", [8, 1400, 65000])
def test_outbound_echo(topo, procs, tmp, attach_pasta, dst, src, size):
    att = attach_pasta("--config-net")
    port = next(_ports)
    srv = T.start_udp_peer(procs, topo.remote, "echo", dst, port, tmp)
    c = query(procs, att.netns, dst, port, size=size)
    s = T.stop_udp_peer(srv)
    assert c["answers"] == 3, c
    assert c["sources"] == {"%s %d" % (dst, port): 3}, c
    assert s["peers"] == 1 and s["sample"][0].startswith(src + " "), s
    assert s["corrupt"] == 0 and s["distinct"] == 3, s


@pytest.mark.parametrize("host,remote", [
    (T.HOST4, T.REMOTE4),
    (T.HOST6, T.REMOTE6)],
    ids=["v4", "v6"])
def test_inbound_forwarded_port(topo, procs, tmp, attach_pasta, host,
                                remote):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=T.fwd_args(udp=[port]))
    # Debian's 2023 pasta learns the namespace's MAC from its frames
    T.announce(att.netns)
    srv = T.start_udp_peer(procs, att.netns, "echo", "::", port, tmp)
    # from remote's own address, not the gateway's that remote also holds
    c = query(procs, topo.remote, host, port, count=5, bind=remote)
    s = T.stop_udp_peer(srv)
    assert c["answers"] == 5, c
    # the reply comes back from where the request went
    assert c["sources"] == {"%s %d" % (host, port): 5}, c
    # the namespace sees remote's real address (a dual-stack socket shows
    # IPv4 peers as ::ffff:a.b.c.d)
    assert s["peers"] == 1, s
    peer = s["sample"][0].split()[0]
    assert peer in (remote, "::ffff:" + remote), s
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.ours_only("answers from the address sent to: upstream 2025")
@pytest.mark.parametrize("first,second,plen,remote", [
    (T.HOST4, "198.51.100.11", 24, T.REMOTE4),
    (T.HOST6, "2001:db8:1::11", 64, T.REMOTE6)],
    ids=["v4", "v6"])
def test_inbound_answer_from_second_address(topo, procs, tmp, attach_pasta,
                                            first, second, plen, remote):
    """Datagrams to either address of the host, on a wildcard -u listener:
    each echo comes back from the address it went to, not the one the
    kernel prefers (pktinfo.c), so that a connected client takes it."""
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=T.fwd_args(udp=[port]))
    T.announce(att.netns)
    add = ["ip", "-n", topo.host, "addr", "add", "%s/%d" % (second, plen),
           "dev", T.HOST_IF] + (["nodad"] if ":" in second else [])
    T.sh(add)
    try:
        srv = T.start_udp_peer(procs, att.netns, "echo", "::", port, tmp)
        c2 = query(procs, topo.remote, second, port, count=5, bind=remote)
        c1 = query(procs, topo.remote, first, port, count=5, bind=remote)
        T.stop_udp_peer(srv)
    finally:
        T.sh(["ip", "-n", topo.host, "addr", "del", "%s/%d" % (second, plen),
              "dev", T.HOST_IF])
    assert c2["sources"] == {"%s %d" % (second, port): 5}, c2
    assert c1["sources"] == {"%s %d" % (first, port): 5}, c1


BROADCAST = r"""
import socket, sys, struct
port, ifname = int(sys.argv[1]), sys.argv[2]
sent = 0
for i, dst in enumerate(("255.255.255.255", "198.51.100.255", "224.0.0.1",
                         "239.1.2.3", "ff02::1%" + ifname, "ff0e::1")):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 4)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF,
                     socket.if_nametoindex(ifname))
    addr = socket.getaddrinfo(dst, port, fam, socket.SOCK_DGRAM)[0][4]
    for k in range(5):
        try:
            s.sendto(struct.pack(">Q", 1000 + i * 10 + k) + b"bcast" * 20,
                     addr)
            sent += 1
        except OSError as e:
            print("error", dst, e.errno)
print("sent", sent)
"""


def test_broadcast_and_multicast_are_survived(topo, procs, tmp,
                                              attach_pasta):
    att = attach_pasta("--config-net")
    port = next(_ports)
    # remote listens on everything, so it would see anything pasta relays
    rec = T.start_udp_peer(procs, topo.remote, "echo", "::", port, tmp,
                           record=True, no_echo=True)
    r = topo.in_ns(att.netns, [T.PY, "-c", BROADCAST, port, att.ifname])
    assert "sent 30" in r.stdout, r.stdout + r.stderr
    topo.in_ns(att.netns, ["ping", "-b", "-n", "-c", "2", "-i", "0.2", "-W",
                           "1", "198.51.100.255"], timeout=10)
    topo.in_ns(att.netns, ["ping", "-n", "-c", "2", "-i", "0.2", "-W",
                           "1", "ff02::1%" + att.ifname], timeout=10)
    T.wait_for(lambda: False, 0.5)
    assert T.pid_alive(att.pasta_pid), "pasta died on broadcast/multicast"
    got = T.stop_udp_peer(rec)
    for h in got["payloads"]:
        b = bytes.fromhex(h)
        assert b[8:] == b"bcast" * 20, "relayed but altered: %r" % b
    # unicast still works
    port = next(_ports)
    srv = T.start_udp_peer(procs, topo.remote, "echo", T.REMOTE4, port, tmp)
    c = query(procs, att.netns, T.REMOTE4, port)
    T.stop_udp_peer(srv)
    assert c["answers"] == 3, c
    rc, tx, rx, out = T.ping(topo, att.netns, T.REMOTE4, count=1)
    assert rx == 1, out
