# SPDX-License-Identifier: GPL-2.0-or-later
"""test_udp_load.py - UDP throughput, integrity and many flows through pasta.

pasta runs attached to a user namespace with --config-net; clients run as
root inside it, servers in `remote`.

* iperf3 -u, 3 s at 100 Mbit/s of 1400-byte datagrams, namespace to remote
  and (-R) back: completes, and loses at most IPERF_LOSS_PCT;
* 100,000 numbered 1000-byte datagrams from the namespace to an echo server
  in remote and back, paced at STREAM_RATE per second (udp_peer.py): each
  direction loses at most STREAM_LOSS_PCT, no datagram is duplicated or
  corrupted, and at most STREAM_LATE_PCT arrive after a later one.  pasta
  relays a flow in order (one socket, one tap queue), so reordering should
  be zero; loss comes from socket buffers overflowing when a Python end
  falls behind on a 2-core machine, never from pasta dropping by design;
* 1,000 UDP flows at once (1,000 sockets in the namespace, each sends one
  datagram and must get its own echo back, from 198.51.100.2 port P): all
  answered; pasta holds a UDP socket for (nearly) each of them meanwhile.
  With PASST_TEST_UDP_IDLE=SECS (e.g. 200: upstream expires an idle UDP
  flow after 180 s) the test then waits up to that long for pasta's UDP
  sockets to come back to their idle number.
"""

import itertools
import json
import select
import shutil

import pytest

import topo as T

_ports = itertools.count(25000)

IPERF_RATE = "100M"           # 1400-byte datagrams: ~9,000 per second
IPERF_LOSS_PCT = 2.0
STREAM_COUNT = 100000
STREAM_SIZE = 1000
STREAM_RATE = T.env_secs("PASST_TEST_UDP_RATE", 10000)
STREAM_LOSS_PCT = 1.0
STREAM_LATE_PCT = 0.1
FLOWS = 1000


def iperf3(topo, procs, att, reverse):
    T.need(shutil.which("iperf3") is not None, "iperf3 is not installed")
    port = next(_ports)
    srv = procs.popen(["ip", "netns", "exec", topo.remote, "iperf3", "-s",
                       "-1", "-B", T.REMOTE4, "-p", str(port)], text=True)
    # the server is up once it listens on its control port
    assert T.wait_for(lambda: topo.in_ns(topo.remote, [
        "ss", "-Htln", "sport = :%d" % port]).stdout.strip(), 5), \
        "iperf3 -s did not listen"
    r = topo.in_ns(att.netns, ["iperf3", "-c", T.REMOTE4, "-p", port, "-u",
                               "-b", IPERF_RATE, "-l", "1400", "-t", "3", "-J"]
                   + (["-R"] if reverse else []), timeout=30)
    try:
        srv.communicate(timeout=10)
    except T.subprocess.TimeoutExpired:
        srv.kill()
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("reverse", [False, True], ids=["out", "in"])
def test_iperf3_udp(topo, procs, attach_pasta, reverse):
    att = attach_pasta("--config-net")
    res = iperf3(topo, procs, att, reverse)
    sent, got = res["end"]["sum_sent"], res["end"]["sum_received"]
    assert sent["packets"] > 20000, sent     # 3 s at ~9,000 per second
    assert got["lost_percent"] <= IPERF_LOSS_PCT, got
    assert got["bytes"] >= sent["bytes"] * (1 - IPERF_LOSS_PCT / 100), \
        (sent, got)
    assert T.pid_alive(att.pasta_pid)


def test_numbered_datagrams_there_and_back(topo, procs, tmp, attach_pasta):
    att = attach_pasta("--config-net")
    port = next(_ports)
    limit = STREAM_COUNT / STREAM_RATE + 30
    srv = T.start_udp_peer(procs, topo.remote, "echo", T.REMOTE4, port, tmp,
                           deadline=limit + 10)
    cli = T.start_udp_peer(procs, att.netns, "stream", T.REMOTE4, port,
                           count=STREAM_COUNT, size=STREAM_SIZE,
                           rate=STREAM_RATE, deadline=limit)
    c = T.peer_result(cli, limit + 15)
    s = T.stop_udp_peer(srv)
    n = STREAM_COUNT
    assert c["sent"] == n and c["send_errors"] == 0, c
    # out: namespace -> remote, as the echo server counted it
    assert s["corrupt"] == 0 and s["dups"] == 0, s
    assert s["distinct"] >= n * (1 - STREAM_LOSS_PCT / 100), ("out", s)
    assert s["late"] <= n * STREAM_LATE_PCT / 100, ("out", s)
    assert s["peers"] == 1, s
    # back: what the namespace got of what the echo server sent
    assert c["corrupt"] == 0 and c["dups"] == 0, c
    assert c["distinct"] >= s["echoed"] * (1 - STREAM_LOSS_PCT / 100), \
        ("back", c, s)
    assert c["late"] <= n * STREAM_LATE_PCT / 100, ("back", c)
    assert T.pid_alive(att.pasta_pid)


def read_line(p, timeout):
    """First stdout line of Popen @p within @timeout seconds, or b""."""
    r, _, _ = select.select([p.stdout], [], [], timeout)
    return p.stdout.readline() if r else b""


@pytest.mark.parametrize("dst", [T.REMOTE4, T.REMOTE6], ids=["v4", "v6"])
def test_1000_concurrent_flows(topo, procs, tmp, attach_pasta, dst):
    att = attach_pasta("--config-net")
    pid = att.pasta_pid
    port = next(_ports)
    # bound to @dst: a reply from "::" would leave from whichever of
    # remote's addresses the kernel prefers (2001:db8:1::fe)
    srv = T.start_udp_peer(procs, topo.remote, "echo", dst, port, tmp,
                           deadline=60)
    socks0 = T.udp_sockets(pid)
    cli = T.start_udp_peer(procs, att.netns, "flows", dst, port,
                           flows=FLOWS, deadline=30, hold=True)
    line = read_line(cli, 40)
    assert line, "flows client said nothing: %r" % (cli.poll(),)
    c = T.peer_json(line)
    socks1 = T.udp_sockets(pid)
    cli.stdin.write(b"done\n")
    cli.stdin.flush()
    T.peer_result(cli, 15)
    s = T.stop_udp_peer(srv)
    assert c["answered"] == FLOWS, c
    assert c["wrong_src"] == 0 and c["bad"] == 0, c
    assert s["peers"] == FLOWS, s
    # one socket per flow on the host side while they are alive
    assert socks1 - socks0 >= FLOWS * 0.9, (socks0, socks1)
    assert T.pid_alive(pid)
    idle = T.env_secs("PASST_TEST_UDP_IDLE", 0)
    if idle > 0:
        assert T.wait_for(lambda: T.udp_sockets(pid) <= socks0 + 2, idle,
                          1), "UDP sockets: %d before, %d %d s after" % (
                              socks0, T.udp_sockets(pid), idle)
