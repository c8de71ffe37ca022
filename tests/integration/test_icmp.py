# SPDX-License-Identifier: GPL-2.0-or-later
"""test_icmp.py - ICMP and ICMPv6 echo translation through pasta.

pasta runs attached to a user namespace with --config-net; iputils ping runs
as root inside it, `remote` answers as an ordinary host.  pasta itself has no
privilege: it relays echo requests through unprivileged ping sockets in the
host namespace, whose net.ipv4.ping_group_range the topology opens.

* ping -c 3 to 198.51.100.2 and (ping -6) 2001:db8:1::2: 3 sent, 3
  received, also with 1400-byte payloads;
* pings to an address where nothing answers (198.51.100.77,
  2001:db8:1::77) get no reply, and pasta does not keep a socket per
  request: 10 pinging processes (10 echo identifiers, 30 requests) leave
  at most one ping socket per identifier (counted through
  /proc/PID/net/icmp{,6}: pasta's other descriptors come and go with its
  pools of spare sockets and pipes).  With PASST_TEST_ICMP_IDLE=SECS (e.g.
  75: upstream expires an idle echo flow after 60 s) the test also waits up
  to that long for pasta to hold no ping socket at all.
"""

import subprocess

import pytest

import topo as T

UNREACH4 = "198.51.100.77"
UNREACH6 = "2001:db8:1::77"
PINGERS = 10


def need_ping(topo):
    T.need(T.shutil.which("ping") is not None,
           "ping is not installed (iputils-ping)")
    rng = topo.in_ns(topo.host, ["sysctl", "-n",
                                 "net.ipv4.ping_group_range"]).stdout.split()
    T.need(len(rng) == 2 and int(rng[0]) <= int(rng[1]),
           "ping_group_range is closed in the host namespace: %r" % rng)


@pytest.mark.parametrize("addr,size", [(T.REMOTE4, 56), (T.REMOTE6, 56),
                                       (T.REMOTE4, 1400), (T.REMOTE6, 1400)],
                         ids=["v4", "v6", "v4-1400", "v6-1400"])
def test_ping_remote(topo, attach_pasta, addr, size):
    need_ping(topo)
    att = attach_pasta("--config-net")
    rc, tx, rx, out = T.ping(topo, att.netns, addr, args=["-s", size])
    assert (rc, tx, rx) == (0, 3, 3), out
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.parametrize("addr", [UNREACH4, UNREACH6], ids=["v4", "v6"])
def test_ping_nowhere_times_out_without_leak(topo, procs, attach_pasta,
                                             addr):
    need_ping(topo)
    att = attach_pasta("--config-net")
    pid = att.pasta_pid
    there = T.REMOTE4 if "." in addr else T.REMOTE6
    # warm up: neighbour resolution, and one echo flow that then idles
    rc, _, rx, out = T.ping(topo, att.netns, there, count=1)
    assert rx == 1, out
    socks0 = T.icmp_sockets(pid)
    pingers = [procs.popen(["ip", "netns", "exec", att.netns, "ping", "-n",
                            "-c", "3", "-i", "0.2", "-W", "1", addr],
                           text=True)
               for _ in range(PINGERS)]
    for p in pingers:
        try:
            out, _ = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("ping to %s did not time out by itself" % addr)
        assert " 0 received" in out, out
        assert p.returncode == 1, out
    assert T.pid_alive(pid)
    socks1 = T.icmp_sockets(pid)
    # one echo flow (socket) per identifier at most, none per request
    assert socks0 < socks1 <= socks0 + PINGERS, \
        "ping sockets before %d, after %d pingers (%d requests): %d" % (
            socks0, PINGERS, 3 * PINGERS, socks1)
    # still relaying
    rc, tx, rx, out = T.ping(topo, att.netns, there, count=1)
    assert rx == 1, out
    idle = T.env_secs("PASST_TEST_ICMP_IDLE", 0)
    if idle > 0:
        T.skip_on_reference(T.tool_path("pasta"), "Debian's 2023 pasta "
                            "never closes an idle ping socket (still open "
                            "after 200 s)")
        assert T.wait_for(lambda: T.icmp_sockets(pid) == 0, idle, 1), \
            "ping sockets %d s after the last request: %d" % (
                idle, T.icmp_sockets(pid))
