# SPDX-License-Identifier: GPL-2.0-or-later
"""test_tcp_close.py - half-close and reset through pasta.

pasta runs attached to a user namespace with --config-net; tcp_peer.py runs
as root inside it (the client) and in `remote` (the server).

* Half-close, either side first: one side sends, shuts down its write side
  (FIN) and keeps reading; the other reads to end of file, then sends its
  own data and closes.  Both must receive exactly the other's bytes (hash),
  see a clean end of file, and within a few seconds no socket of the port
  may be left in any state but TIME-WAIT, in `remote` nor in the namespace.
* RST from remote (SO_LINGER 0 close) must reach the namespace's socket as
  ECONNRESET; RST from the namespace must reach the remote the same way.
* After each exchange, pasta's descriptor count is back to where it was
  (measured after one warm-up connection per family).
"""

import itertools

import pytest

import topo as T

_ports = itertools.count(23000)
FAMS = {"v4": T.REMOTE4, "v6": T.REMOTE6}
A_BYTES = 300 * 1024        # namespace -> remote
B_BYTES = 700 * 1024        # remote -> namespace

# states a finished connection may be seen in
DONE = ("TIME-WAIT",)


def settled(netns, port):
    """True once only TIME-WAIT sockets (or none) are left on @port."""
    return T.wait_for(lambda: all(s in DONE
                                  for s in T.tcp_states(netns, port)), 5,
                      interval=0.1)


def warm_fds(topo, procs, tmp, att):
    """pasta's descriptor count once it has carried a connection of each
    family (the first one may open socket pools that stay)."""
    for fam in FAMS:
        ns, rem, _ = exchange(topo, procs, tmp, att, fam,
                              dict(send=10, order="recv-first"),
                              dict(send=10, order="send-first"), limit=20)
        assert ns["recv"] == 10 and rem["recv"] == 10, (fam, ns, rem)
    return T.stable_fd_count(att.pasta_pid)


def fds_back(pid, before):
    return T.wait_for(lambda: T.proc_fd_count(pid) == before, 5,
                      interval=0.1)


def exchange(topo, procs, tmp, att, fam, ns_opts, rem_opts, limit=60):
    """Run one connection namespace -> remote; return (ns, remote) results
    and the port."""
    port = next(_ports)
    srv = T.start_peer(procs, topo.remote, "listen", "::", port, tmp,
                       deadline=limit, timeout=20, **rem_opts)
    cli = T.start_peer(procs, att.netns, "connect", FAMS[fam], port,
                       deadline=limit, timeout=20, **ns_opts)
    ns = T.peer_result(cli, limit + 10)
    rem = T.peer_result(srv, limit + 10)
    return ns, rem, port


def check_intact(ns, rem):
    for side, r in (("namespace", ns), ("remote", rem)):
        assert r["error"] is None and r["send_error"] is None, (side, r)
    assert (ns["sent"], rem["recv"]) == (A_BYTES, A_BYTES), (ns, rem)
    assert (rem["sent"], ns["recv"]) == (B_BYTES, B_BYTES), (ns, rem)
    assert rem["recv_sha"] == ns["sent_sha"]
    assert ns["recv_sha"] == rem["sent_sha"]


@pytest.mark.ours_only("guest half-close first repeats data")
@pytest.mark.parametrize("fam", FAMS)
def test_half_close_from_namespace(topo, procs, tmp, attach_pasta, fam):
    att = attach_pasta("--config-net")
    fds = warm_fds(topo, procs, tmp, att)
    ns, rem, port = exchange(
        topo, procs, tmp, att, fam,
        dict(send=A_BYTES, seed=1, order="send-first"),
        dict(send=B_BYTES, seed=2, order="recv-first"))
    check_intact(ns, rem)
    assert settled(topo.remote, port), T.tcp_states(topo.remote, port)
    assert settled(att.netns, port), T.tcp_states(att.netns, port)
    assert fds_back(att.pasta_pid, fds), (fds,
                                          T.proc_fd_count(att.pasta_pid))


@pytest.mark.parametrize("fam", FAMS)
def test_half_close_from_remote(topo, procs, tmp, attach_pasta, fam):
    att = attach_pasta("--config-net")
    fds = warm_fds(topo, procs, tmp, att)
    ns, rem, port = exchange(
        topo, procs, tmp, att, fam,
        dict(send=A_BYTES, seed=1, order="recv-first"),
        dict(send=B_BYTES, seed=2, order="send-first"))
    check_intact(ns, rem)
    assert settled(topo.remote, port), T.tcp_states(topo.remote, port)
    assert settled(att.netns, port), T.tcp_states(att.netns, port)
    assert fds_back(att.pasta_pid, fds), (fds,
                                          T.proc_fd_count(att.pasta_pid))


@pytest.mark.parametrize("fam", FAMS)
def test_rst_from_remote_is_econnreset(topo, procs, tmp, attach_pasta, fam):
    att = attach_pasta("--config-net")
    fds = warm_fds(topo, procs, tmp, att)
    ns, rem, port = exchange(
        topo, procs, tmp, att, fam,
        dict(send=1000, seed=1, no_shut=True),
        dict(rst_after_recv=1000, no_shut=True), limit=30)
    assert rem["rst"] and rem["recv"] == 1000, rem
    assert rem["recv_sha"] == ns["sent_sha"]
    # the namespace was reading when the reset came
    assert ns["error"] == "ECONNRESET", ns
    assert ns["recv"] == 0, ns
    assert settled(att.netns, port), T.tcp_states(att.netns, port)
    assert fds_back(att.pasta_pid, fds), (fds,
                                          T.proc_fd_count(att.pasta_pid))


@pytest.mark.ours_only("the 2023 build closes the socket with a FIN when "
                       "the namespace resets")
@pytest.mark.parametrize("fam", FAMS)
def test_rst_from_namespace_is_econnreset(topo, procs, tmp, attach_pasta,
                                          fam):
    att = attach_pasta("--config-net")
    fds = warm_fds(topo, procs, tmp, att)
    ns, rem, port = exchange(
        topo, procs, tmp, att, fam,
        dict(send=1000, seed=1, rst_after_send=1.0),
        dict(no_shut=True), limit=30)
    assert ns["rst"] and ns["sent"] == 1000, ns
    assert rem["recv"] == 1000 and rem["recv_sha"] == ns["sent_sha"], rem
    # a FIN here (clean end of file) would hide the reset from the peer
    assert rem["error"] == "ECONNRESET", rem
    assert settled(topo.remote, port), T.tcp_states(topo.remote, port)
    assert fds_back(att.pasta_pid, fds), (fds,
                                          T.proc_fd_count(att.pasta_pid))
