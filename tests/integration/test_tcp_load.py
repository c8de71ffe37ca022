# SPDX-License-Identifier: GPL-2.0-or-later
"""test_tcp_load.py - many connections, and a peer that stops reading.

pasta runs attached to a user namespace with --config-net; the client
(tcp_peer.py) runs as root inside it, the server in `remote`.

* 500 connections open at once, each echoing its own 4 KiB payload: all
  complete and every echo is byte-identical.
* 10,000 sequential short connections: all complete, and afterwards pasta
  has as many descriptors as before (no leaked flow) and VmRSS at most
  2 MiB above the level measured after a warm-up of 300 connections.
* Zero window: the remote reads nothing for 5 s while the namespace writes
  50 MiB.  The writer must be held back (its last write completes only
  after the pause, so the window really closed), pasta's VmRSS must not
  grow by more than 4 MiB meanwhile (it does not buffer the stream), and
  after the remote resumes every byte arrives (SHA-256).
"""

import itertools
import time

import topo as T

_ports = itertools.count(24000)

RSS_SLACK_KIB = 2048
ZW_BYTES = 50 * T.MIB
ZW_PAUSE = 5.0
ZW_RSS_SLACK_KIB = 4096


def echo_run(topo, procs, tmp, att, conns, parallel, size, dst=T.REMOTE4,
             limit=60):
    """Run @conns echo exchanges of @size bytes from the namespace, at most
    @parallel at once; return (client, server) results."""
    port = next(_ports)
    srv = T.start_peer(procs, topo.remote, "listen", "::", port, tmp,
                       echo=True, conns=conns, deadline=limit)
    cli = T.start_peer(procs, att.netns, "connect", dst, port, conns=conns,
                       parallel=parallel, send=size, seed=port,
                       deadline=limit)
    c = T.peer_result(cli, limit + 15)
    s = T.peer_result(srv, 15)
    s["port"] = port
    return c, s


def check_echo(c, s, conns, size):
    assert c["ok"] == conns, c
    assert c["errors"] == {}, c
    assert s["conns"] == conns and s["bytes"] == conns * size, s


def test_500_concurrent_connections(topo, procs, tmp, attach_pasta):
    att = attach_pasta("--config-net")
    c, s = echo_run(topo, procs, tmp, att, 500, 500, 4096)
    check_echo(c, s, 500, 4096)
    assert T.pid_alive(att.pasta_pid)


def test_10000_sequential_connections_leak_nothing(topo, procs, tmp,
                                                   attach_pasta):
    att = attach_pasta("--config-net")
    pid = att.pasta_pid
    c, s = echo_run(topo, procs, tmp, att, 300, 1, 64)
    check_echo(c, s, 300, 64)
    fds0 = T.stable_fd_count(pid)
    rss0 = T.proc_rss_kib(pid)
    c, s = echo_run(topo, procs, tmp, att, 10000, 1, 64, limit=120)
    check_echo(c, s, 10000, 64)
    # closed flows may take a moment (timers) to give their sockets back
    assert T.wait_for(lambda: T.proc_fd_count(pid) == fds0, 10, 0.2), \
        ("descriptors", fds0, T.proc_fd_count(pid))
    rss1 = T.proc_rss_kib(pid)
    assert rss1 - rss0 <= RSS_SLACK_KIB, ("VmRSS KiB", rss0, rss1)
    # no connection left behind in any state but TIME-WAIT
    port = s["port"]
    assert T.wait_for(lambda: set(T.tcp_states(topo.remote, port)) <=
                      {"TIME-WAIT"}, 5, 0.2), \
        set(T.tcp_states(topo.remote, port))


def rss_sampler(pid, until, interval=0.1):
    """Max VmRSS (KiB) of @pid sampled while @until() is false."""
    peak = T.proc_rss_kib(pid) or 0
    end = time.monotonic() + 300
    while not until() and time.monotonic() < end:
        peak = max(peak, T.proc_rss_kib(pid) or 0)
        time.sleep(interval)
    return peak


def test_zero_window_does_not_buffer_or_lose(topo, procs, tmp,
                                             attach_pasta):
    att = attach_pasta("--config-net")
    pid = att.pasta_pid
    # warm-up: the first bulk transfer in each direction may fault in
    # pasta's static buffers; that is not growth
    c, s = echo_run(topo, procs, tmp, att, 4, 4, 2 * T.MIB)
    check_echo(c, s, 4, 2 * T.MIB)
    time.sleep(0.5)
    rss0 = T.proc_rss_kib(pid)
    port = next(_ports)
    srv = T.start_peer(procs, topo.remote, "listen", "::", port, tmp,
                       pause_read=ZW_PAUSE, order="recv-first",
                       deadline=120)
    cli = T.start_peer(procs, att.netns, "connect", T.REMOTE4, port,
                       send=ZW_BYTES, seed=7, order="send-first",
                       deadline=120)
    peak = rss_sampler(pid, lambda: cli.poll() is not None)
    ns = T.peer_result(cli, 130)
    rem = T.peer_result(srv, 15)
    assert ns["error"] is None and ns["send_error"] is None, ns
    assert rem["error"] is None, rem
    assert rem["recv"] == ZW_BYTES and rem["recv_sha"] == ns["sent_sha"]
    # the writer was held back by the closed window, not absorbed by pasta
    assert ns["send_secs"] >= ZW_PAUSE - 1.5, ns
    assert peak - rss0 <= ZW_RSS_SLACK_KIB, ("VmRSS KiB", rss0, peak)
