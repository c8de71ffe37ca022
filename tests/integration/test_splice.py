# SPDX-License-Identifier: GPL-2.0-or-later
"""test_splice.py - pasta's loopback fast path (splice), -T, and its options.

pasta runs as the test user in `host`, attached to a user-owned namespace
with --config-net (so the namespace has the host's address 198.51.100.1).
Clients and servers run as root: tcp_peer.py on the host side in `host`,
connecting to 127.0.0.1 or ::1, and inside the namespace.

* Integrity: TCP_SPLICE_BYTES (default 1 GiB) host loopback -> namespace
  and namespace -> host loopback through -t, SHA-256 compared at both
  ends; the tap's byte counters must not have carried the data (it was
  spliced, not translated).
* Source addresses (compat.md 1.2): spliced connections arrive from the
  namespace's own address, from 127.0.0.1 / ::1 with --host-lo-to-ns-lo,
  and with --no-splice through the tap from the gateway (and the tap's
  counters carry the data).
* 500 concurrent spliced connections with small echoed payloads; no
  descriptor left behind.
* A reader that pauses: pasta's socket towards it holds at most 1 MiB not
  yet sent (TCP_NOTSENT_LOWAT), both ways; the data arrives intact.
* Half-close both ways, and RST propagation: SO_LINGER 0 on either side
  reaches the other side as ECONNRESET.
* -T: a server on the host's loopback reached from inside the namespace.
* UDP answers leave from the loopback address the peer sent to (127.0.0.2
  as well as 127.0.0.1), both ways.
* --splice-only: no tap in the namespace, -t/-T/-u/-U all work, and a
  connection from a non-loopback address is refused.

Set TCP_SPLICE_BYTES (e.g. 16777216) for a quick pass.
"""

import itertools
import json
import os
import subprocess
import time

import pytest

import topo as T

pytestmark = pytest.mark.ours_only("the splice tests check this build's "
                                   "options and source addresses")

NBYTES = int(os.environ.get("TCP_SPLICE_BYTES", T.GIB))
LO = {"v4": "127.0.0.1", "v6": "::1"}
_ports = itertools.count(26000)

# One connection, as root: print the peer's address as JSON, echo a line
PEER_SRV = r"""
import json, socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1])))
s.listen()
open(sys.argv[2], "w").close()
s.settimeout(10)
c, a = s.accept()
c.settimeout(10)
d = c.recv(100)
c.sendall(b"echo:" + d)
c.close()
print(json.dumps({"peer": a[0]}))
"""


def tap_bytes(netns, ifname):
    """rx + tx bytes of the tap in @netns."""
    total = 0
    for d in ("rx_bytes", "tx_bytes"):
        r = T.run(["ip", "netns", "exec", netns, "cat",
                   "/sys/class/net/%s/statistics/%s" % (ifname, d)])
        total += int(r.stdout.strip() or 0)
    return total


def fwd(tcp=None, tcp_ns=None):
    return ["-t", str(tcp) if tcp else "none", "-u", "none",
            "-T", str(tcp_ns) if tcp_ns else "none", "-U", "none"]


def peer_seen(topo, procs, tmp, att, port, addr):
    """Connect from `host` to @addr:@port; the address the server inside
    the namespace saw."""
    ready = tmp / ("peer-ready-%d" % port)
    srv = procs.popen(["ip", "netns", "exec", att.netns, T.PY, "-c",
                       PEER_SRV, str(port), str(ready)],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert T.wait_for(ready.exists, 5), "server did not start"
    code = ("import socket, sys\n"
            "c = socket.create_connection((sys.argv[1], int(sys.argv[2])),"
            " timeout=10)\n"
            "c.sendall(b'hi'); print(c.recv(100).decode())\n")
    r = topo.in_ns(topo.host, [T.PY, "-c", code, addr, port])
    assert r.stdout.strip() == "echo:hi", r
    out, err = srv.communicate(timeout=15)
    return json.loads(out.decode().strip().splitlines()[-1])["peer"]


def transfer(topo, procs, tmp, att, addr, port, ns_bytes, host_bytes,
             ns_order="concurrent", host_order="concurrent", **host_opts):
    """One tcp_peer exchange: server in the namespace, client in `host`
    connecting to @addr; returns (namespace result, host result)."""
    limit = T.transfer_timeout(ns_bytes + host_bytes)
    srv = T.start_peer(procs, att.netns, "listen", "::", port, tmp,
                       send=ns_bytes, seed=1, deadline=limit,
                       order=ns_order)
    cli = T.start_peer(procs, topo.host, "connect", addr, port,
                       send=host_bytes, seed=2, deadline=limit,
                       order=host_order, **host_opts)
    host = T.peer_result(cli, limit + 10)
    ns = T.peer_result(srv, limit + 10)
    return ns, host


def check_intact(ns, host, ns_bytes, host_bytes):
    for side, r in (("namespace", ns), ("host", host)):
        assert r.get("error") is None, (side, r)
        assert r.get("send_error") is None, (side, r)
    assert (ns["sent"], host["recv"]) == (ns_bytes, ns_bytes), (ns, host)
    assert (host["sent"], ns["recv"]) == (host_bytes, host_bytes), (ns, host)
    assert host["recv_sha"] == ns["sent_sha"], "namespace -> host corrupted"
    assert ns["recv_sha"] == host["sent_sha"], "host -> namespace corrupted"


@pytest.mark.parametrize("way", ["host_to_ns", "ns_to_host"])
def test_bulk_integrity_spliced(topo, procs, tmp, attach_pasta, way):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=fwd(tcp=port))
    ns_bytes, host_bytes = (0, NBYTES) if way == "host_to_ns" else \
        (NBYTES, 0)
    tap0 = tap_bytes(att.netns, att.ifname)
    ns, host = transfer(topo, procs, tmp, att, "127.0.0.1", port, ns_bytes,
                        host_bytes,
                        ns_order="recv-first" if not ns_bytes else
                        "concurrent",
                        host_order="recv-first" if not host_bytes else
                        "concurrent")
    check_intact(ns, host, ns_bytes, host_bytes)
    # spliced: the data never went through the tap
    assert tap_bytes(att.netns, att.ifname) - tap0 < NBYTES // 100
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.parametrize("fam", LO)
def test_source_is_namespace_address(topo, procs, tmp, attach_pasta, fam):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=fwd(tcp=port))
    peer = peer_seen(topo, procs, tmp, att, port, LO[fam])
    assert peer in (T.HOST4, "::ffff:" + T.HOST4, T.HOST6), peer
    assert (peer == T.HOST6) == (fam == "v6"), peer


@pytest.mark.parametrize("fam", LO)
def test_host_lo_to_ns_lo(topo, procs, tmp, attach_pasta, fam):
    port = next(_ports)
    att = attach_pasta("--config-net", "--host-lo-to-ns-lo",
                       fwd=fwd(tcp=port))
    peer = peer_seen(topo, procs, tmp, att, port, LO[fam])
    assert peer == {"v4": "::ffff:127.0.0.1", "v6": "::1"}[fam], peer


def test_no_splice_goes_through_tap(topo, procs, tmp, attach_pasta):
    port = next(_ports)
    att = attach_pasta("--config-net", "--no-splice", fwd=fwd(tcp=port))
    peer = peer_seen(topo, procs, tmp, att, port, "127.0.0.1")
    # the tap path: host loopback appears as the gateway (map-host-loopback)
    assert peer == "::ffff:" + T.GW4, peer
    port = next(_ports)
    att = attach_pasta("--config-net", "--no-splice", fwd=fwd(tcp=port))
    tap0 = tap_bytes(att.netns, att.ifname)
    size = 8 * T.MIB
    ns, host = transfer(topo, procs, tmp, att, "127.0.0.1", port, 0, size,
                        ns_order="recv-first")
    check_intact(ns, host, 0, size)
    assert tap_bytes(att.netns, att.ifname) - tap0 >= size


def test_500_concurrent_connections(topo, procs, tmp, attach_pasta):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=fwd(tcp=port))
    ns, host = transfer(topo, procs, tmp, att, "127.0.0.1", port, 0, 10)
    check_intact(ns, host, 0, 10)
    fds = T.stable_fd_count(att.pasta_pid)
    srv = T.start_peer(procs, att.netns, "listen", "::", port, tmp,
                       echo=True, conns=500, deadline=90)
    cli = T.start_peer(procs, topo.host, "connect", "127.0.0.1", port,
                       conns=500, parallel=500, send=2000, seed=3,
                       deadline=90)
    host = T.peer_result(cli, 100)
    ns = T.peer_result(srv, 100)
    assert host["ok"] == 500 and not host["errors"], host
    assert ns["conns"] == 500 and not ns["errors"], ns
    # nothing left behind: at most the spare sockets and pipes of the pools
    after = T.stable_fd_count(att.pasta_pid)
    assert after <= fds + 2 * 32 + 2 * 16, (fds, after)


def unsent_towards(netns, port):
    """(not yet sent, send queue) in bytes of the socket in @netns that
    sends to local port @port: pasta's side of a spliced connection."""
    r = T.run(["ip", "netns", "exec", netns, "ss", "-tniH", "state",
               "established", "( dport = :%d )" % port])
    words = r.stdout.split()
    assert words, "no connection to port %d: %r" % (port, r)
    notsent = [int(w.split(":")[1]) for w in words
               if w.startswith("notsent:")]
    return (notsent[0] if notsent else 0), int(words[1])


@pytest.mark.parametrize("way", ["host_to_ns", "ns_to_host"])
def test_slow_reader_keeps_data_in_the_pipe(topo, procs, tmp, attach_pasta,
                                            way):
    """Towards a reader that doesn't keep up, pasta's socket holds at most
    TCP_NOTSENT_LOWAT (1 MiB) it couldn't send yet, the rest waits in the
    pipe and the sender's socket (doc/splice.md, Flow control); nothing is
    lost once the reader catches up.  -t into the namespace, -T out."""
    port = next(_ports)
    inward = way == "host_to_ns"
    att = attach_pasta("--config-net", fwd=fwd(tcp=port) if inward else
                       fwd(tcp_ns=port))
    srv_ns, cli_ns = (att.netns, topo.host) if inward else \
        (topo.host, att.netns)
    size = 64 * T.MIB
    srv = T.start_peer(procs, srv_ns, "listen", "::" if inward else
                       "127.0.0.1", port, tmp, pause_read=4,
                       order="recv-first", deadline=60)
    cli = T.start_peer(procs, cli_ns, "connect", "127.0.0.1", port,
                       send=size, seed=5, order="send-first", deadline=60)
    time.sleep(2.5)
    notsent, sendq = unsent_towards(srv_ns, port)
    sent = T.peer_result(cli, 70)
    got = T.peer_result(srv, 70)
    assert got["recv"] == size and got["recv_sha"] == sent["sent_sha"], got
    # the reader's window is full: what's queued beyond it is unsent
    assert sendq > 0, (notsent, sendq)
    assert notsent <= T.MIB + 256 * 1024, (notsent, sendq)


@pytest.mark.parametrize("first", ["host", "ns"])
def test_half_close(topo, procs, tmp, attach_pasta, first):
    """The side that half-closes first keeps receiving the other's data."""
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=fwd(tcp=port))
    a, b = 300 * 1024, 700 * 1024
    orders = ("send-first", "recv-first")
    ns_order, host_order = orders if first == "ns" else orders[::-1]
    ns, host = transfer(topo, procs, tmp, att, "127.0.0.1", port, a, b,
                        ns_order=ns_order, host_order=host_order)
    check_intact(ns, host, a, b)


def test_rst_from_namespace_server(topo, procs, tmp, attach_pasta):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=fwd(tcp=port))
    srv = T.start_peer(procs, att.netns, "listen", "::", port, tmp,
                       rst_after_recv=1000, no_shut=True, deadline=30)
    cli = T.start_peer(procs, topo.host, "connect", "127.0.0.1", port,
                       send=1000, seed=1, no_shut=True, deadline=30)
    host = T.peer_result(cli, 40)
    ns = T.peer_result(srv, 40)
    assert ns["rst"] and ns["recv"] == 1000, ns
    assert host["error"] == "ECONNRESET", host


def test_rst_from_host_client(topo, procs, tmp, attach_pasta):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=fwd(tcp=port))
    srv = T.start_peer(procs, att.netns, "listen", "::", port, tmp,
                       no_shut=True, deadline=30)
    cli = T.start_peer(procs, topo.host, "connect", "127.0.0.1", port,
                       send=1000, seed=1, rst_after_send=1.0, deadline=30)
    host = T.peer_result(cli, 40)
    ns = T.peer_result(srv, 40)
    assert host["rst"] and host["sent"] == 1000, host
    assert ns["recv"] == 1000 and ns["recv_sha"] == host["sent_sha"], ns
    assert ns["error"] == "ECONNRESET", ns


@pytest.mark.parametrize("fam", LO)
def test_tcp_ns_reaches_host_loopback(topo, procs, tmp, attach_pasta, fam):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=fwd(tcp_ns=port))
    size = 32 * T.MIB
    limit = T.transfer_timeout(2 * size)
    srv = T.start_peer(procs, topo.host, "listen", LO[fam], port, tmp,
                       send=size, seed=1, deadline=limit)
    cli = T.start_peer(procs, att.netns, "connect", LO[fam], port,
                       send=size, seed=2, deadline=limit)
    ns = T.peer_result(cli, limit + 10)
    host = T.peer_result(srv, limit + 10)
    check_intact(ns, host, size, size)


def test_splice_only_refuses_non_loopback(topo, procs, tmp, attach_pasta):
    port = next(_ports)
    att = attach_pasta("--config-net", "--splice-only", fwd=fwd(tcp=port),
                       link_up=False)
    srv = T.start_peer(procs, att.netns, "listen", "::", port, tmp,
                       send=10, seed=1, deadline=20)
    cli = T.start_peer(procs, topo.remote, "connect", T.HOST4, port,
                       send=10, seed=2, deadline=10, timeout=5)
    rem = T.peer_result(cli, 20)
    # reset once accepted: seen at connect() or at the first read
    assert rem.get("recv", 0) == 0 and rem.get("error") in ("ECONNRESET",
                                                     "ECONNREFUSED",
                                                     "EPIPE"), rem
    # a loopback client still gets through, from loopback
    cli = T.start_peer(procs, topo.host, "connect", "127.0.0.1", port,
                       send=10, seed=2, deadline=20)
    host = T.peer_result(cli, 30)
    ns = T.peer_result(srv, 30)
    check_intact(ns, host, 10, 10)


def test_splice_only_has_no_tap(topo, procs, tmp, attach_pasta):
    """--splice-only (compat.md 1.1): no tap in the namespace, loopback up,
    and every way of the splice path works: -t and -T (TCP), -u and -U
    (UDP); nothing answers ping, there being nothing to reach."""
    tp, tp_ns, up, up_ns = (next(_ports) for _ in range(4))
    att = attach_pasta("--config-net", "--splice-only", link_up=False,
                       fwd=["-t", str(tp), "-u", str(up), "-T", str(tp_ns),
                            "-U", str(up_ns)])
    links = T.run(["ip", "-n", att.netns, "-o", "link", "show"]).stdout
    names = [ln.split(":")[1].strip() for ln in links.splitlines()]
    assert names == ["lo"], links
    assert "UP" in links.split("<")[1].split(">")[0], links
    assert "No tap interface (--splice-only)" in att.result.stderr, \
        att.result.stderr
    # -t: host loopback -> namespace, seen from loopback
    assert peer_seen(topo, procs, tmp, att, tp, "127.0.0.1") in \
        ("127.0.0.1", "::ffff:127.0.0.1")
    # -T: namespace loopback -> host loopback
    srv = T.start_peer(procs, topo.host, "listen", "127.0.0.1", tp_ns, tmp,
                       send=1000, seed=1, deadline=20)
    cli = T.start_peer(procs, att.netns, "connect", "127.0.0.1", tp_ns,
                       send=2000, seed=2, deadline=20)
    check_intact(T.peer_result(cli, 30), T.peer_result(srv, 30), 2000,
                 1000)
    # -u and -U
    srv = T.start_udp_peer(procs, att.netns, "echo", "::", up, tmp)
    c = udp_query(procs, topo.host, "127.0.0.1", up)
    T.stop_udp_peer(srv)
    assert c["answers"] == 5, c
    srv = T.start_udp_peer(procs, topo.host, "echo", "127.0.0.1", up_ns, tmp)
    c = udp_query(procs, att.netns, "127.0.0.1", up_ns)
    T.stop_udp_peer(srv)
    assert c["answers"] == 5, c


def udp_fwd(udp=None, udp_ns=None):
    return ["-t", "none", "-u", str(udp) if udp else "none",
            "-T", "none", "-U", str(udp_ns) if udp_ns else "none"]


def udp_query(procs, netns, addr, port, count=5, size=1400):
    p = T.start_udp_peer(procs, netns, "query", addr, port, count=count,
                         size=size, retries=1, wait=2)
    return T.peer_result(p, count * 4 + 10)


@pytest.mark.parametrize("fam", LO)
def test_udp_loopback_echo_spliced(topo, procs, tmp, attach_pasta, fam):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=udp_fwd(udp=port))
    srv = T.start_udp_peer(procs, att.netns, "echo", "::", port, tmp)
    tap0 = tap_bytes(att.netns, att.ifname)
    c = udp_query(procs, topo.host, LO[fam], port, size=60000)
    s = T.stop_udp_peer(srv)
    assert c["answers"] == 5, c
    # answers come from the port the datagrams went to
    assert c["sources"] == {"%s %d" % (LO[fam], port): 5}, c
    assert s["corrupt"] == 0 and s["distinct"] == 5, s
    # spliced: from the namespace's own address, not through the tap
    peer = s["sample"][0].split()[0]
    assert peer in ("::ffff:" + T.HOST4, T.HOST6), s
    assert tap_bytes(att.netns, att.ifname) - tap0 < 60000, "went via tap"


@pytest.mark.parametrize("way", ["in", "out"])
def test_udp_spliced_answer_from_the_address_sent_to(topo, procs, tmp,
                                                     attach_pasta, way):
    """Sent to 127.0.0.2 on a wildcard listener (-u on the host, -U in the
    namespace): the answers come from 127.0.0.2, not 127.0.0.1
    (pktinfo.c), and 127.0.0.1 is a flow of its own."""
    port = next(_ports)
    inward = way == "in"
    att = attach_pasta("--config-net", fwd=udp_fwd(udp=port) if inward
                       else udp_fwd(udp_ns=port))
    srv_ns, cli_ns = (att.netns, topo.host) if inward else \
        (topo.host, att.netns)
    srv = T.start_udp_peer(procs, srv_ns, "echo",
                           "::" if inward else "127.0.0.1", port, tmp)
    two = udp_query(procs, cli_ns, "127.0.0.2", port)
    one = udp_query(procs, cli_ns, "127.0.0.1", port)
    T.stop_udp_peer(srv)
    assert two["sources"] == {"127.0.0.2 %d" % port: 5}, two
    assert one["sources"] == {"127.0.0.1 %d" % port: 5}, one


def test_udp_no_splice_goes_through_tap(topo, procs, tmp, attach_pasta):
    port = next(_ports)
    att = attach_pasta("--config-net", "--no-splice", fwd=udp_fwd(udp=port))
    srv = T.start_udp_peer(procs, att.netns, "echo", "::", port, tmp)
    c = udp_query(procs, topo.host, "127.0.0.1", port)
    s = T.stop_udp_peer(srv)
    assert c["answers"] == 5, c
    assert s["sample"][0].split()[0] == "::ffff:" + T.GW4, s


@pytest.mark.parametrize("fam", LO)
def test_udp_ns_reaches_host_loopback(topo, procs, tmp, attach_pasta, fam):
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=udp_fwd(udp_ns=port))
    srv = T.start_udp_peer(procs, topo.host, "echo", LO[fam], port, tmp)
    c = udp_query(procs, att.netns, LO[fam], port, size=2000)
    s = T.stop_udp_peer(srv)
    assert c["answers"] == 5, c
    assert c["sources"] == {"%s %d" % (LO[fam], port): 5}, c
    assert s["corrupt"] == 0 and s["distinct"] == 5, s
    assert s["sample"][0].split()[0] == LO[fam], s


def test_udp_stream_spliced(topo, procs, tmp, attach_pasta):
    """A paced stream of numbered datagrams: none corrupted or duplicated,
    and (on loopback, paced) practically none lost."""
    port = next(_ports)
    att = attach_pasta("--config-net", fwd=udp_fwd(udp=port))
    srv = T.start_udp_peer(procs, att.netns, "echo", "::", port, tmp)
    p = T.start_udp_peer(procs, topo.host, "stream", "127.0.0.1", port,
                         count=5000, size=1000, rate=5000)
    c = T.peer_result(p, 60)
    s = T.stop_udp_peer(srv)
    assert s["corrupt"] == 0 and s["dups"] == 0, s
    assert s["count"] >= 4900, s
    assert c["count"] >= 4800 and c["corrupt"] == 0, c
