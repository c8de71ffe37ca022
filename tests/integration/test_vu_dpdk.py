# SPDX-License-Identifier: GPL-2.0-or-later
"""test_vu_dpdk.py - passt --vhost-user with DPDK's testpmd as the frontend
and a namespace's kernel as the guest (dpdk_vu.py has the set-up).

passt (ours: $PASST in `host`; upstream: $PASST pointing into the Debian 13
root, run in a deb13_env.Deb13 environment) serves one testpmd per test,
which bridges its virtio_user port to the tap `gtap0` of the guest's
namespace; the guest takes its lease with udhcpc and its address by SLAAC
(MTU 1500: the tap PMD's limit).  `remote` is the internet.

* TCP integrity: 1 GiB each way ($VU_BYTES remote -> guest, $VU_UP_BYTES
  guest -> remote say otherwise), IPv4 and IPv6, SHA-256 and counts equal at
  both ends (tcp_peer.py).  The guest's tap drops a frame now and then
  under a burst (its queue is full before testpmd reads it): the upload
  also proves that the TCP engine recovers from that at once (it keeps
  what comes ahead of the gap, doc/tcp.md) instead of stalling behind the
  guest's retransmission back-off, as it did in about half the runs.
* 500 concurrent connections, each echoing its own payload (tcp_peer.py
  --conns).
* UDP: 100,000 numbered datagrams guest -> remote -> guest (udp_peer.py),
  no corruption, no duplicates, loss at most UDP_LOSS_PCT each way.
* Offloads: with testpmd's ports configured for no offload, no checksum
  or segmentation feature is negotiated; configured for every offload the
  backend offers (a probe run reads them) that this frontend can carry
  (CSUM, GUEST_CSUM, HOST_TSO4/6: not GUEST_TSO4/6, see dpdk_vu.py),
  every one of those is negotiated (the virtio PMD's "features after
  negotiate" line), and a transfer each way is intact in both runs.  Ours
  must offer CSUM, GUEST_CSUM, HOST_TSO4/6 and GUEST_TSO4/6; upstream
  offers none of them.

Upstream (Debian 13's passt 2025-05) differs from the contract in two ways
the tests work around, and ours must not need:
* it sends TCP frames with no checksum and VIRTIO_NET_HDR_F_DATA_VALID
  although GUEST_CSUM was not negotiated (its tcp_vu.c computes TCP
  checksums only when a capture file is set); testpmd's virtio PMD ignores
  that flag then, as the virtio spec lets it, so the guest's kernel drops
  the segments.  Upstream runs with `-p /dev/null` here, which makes it
  compute them;
* it sometimes ignores the guest's first router solicitations (they are
  in its capture, no RA follows): the guest restarts IPv6 on the tap, up
  to RA_TRIES_REF times.  Ours must answer the first.

A test that needs our vhost-user and finds it refused is skipped, and
fails with CI=true.
"""

import itertools
import os

import pytest

import deb13_env as E
import dpdk_vu as V
import test_tcp_integrity as TI
import test_tcp_load as TL
import topo as T

VU_BYTES = int(os.environ.get("VU_BYTES", T.GIB))
VU_UP_BYTES = int(os.environ.get("VU_UP_BYTES", T.GIB))
WAYS = {"up": (VU_UP_BYTES, 0), "down": (0, VU_BYTES)}
FAMS = {"v4": T.REMOTE4, "v6": T.REMOTE6}
CONNS, CONN_PARALLEL, CONN_SIZE = 500, 500, 4096
UDP_COUNT, UDP_SIZE = 100000, 1000
UDP_RATE = T.env_secs("PASST_TEST_UDP_RATE", 5000)
# The same bound as test_passt_guest.py's through the stream socket: at
# 5,000 datagrams/s neither testpmd's rings (1024 descriptors, polled,
# retried when full) nor the kernels' socket buffers should overflow.
# Upstream met it guest -> remote (0.3 % and 0.2 % lost) and loses about
# half remote -> guest (skipped for it, see the test).
UDP_LOSS_PCT = 1.0
OFFLOAD_BYTES = 16 * T.MIB
# Upstream moves guest -> remote TCP at about 5 MB/s through this frontend
# (256 MiB in 50 s, ours 13 s): its transfers get this many times the
# usual time limit (T.transfer_timeout(), 10 MiB/s)
UPSTREAM_SLOWDOWN = 4
RA_TRIES_REF = 5
OURS_OFFLOADS = ("CSUM", "GUEST_CSUM", "GUEST_TSO4", "GUEST_TSO6",
                 "HOST_TSO4", "HOST_TSO6")

_ports = itertools.count(27000)


@pytest.fixture(scope="module")
def backend_env(topo):
    """The Deb13 environment upstream's passt runs in (None for ours)."""
    V.need_testpmd()
    if not E.is_reference("passt"):
        yield None
        return
    env = E.start_or_skip(topo, tools=("passt",))
    try:
        yield env
    finally:
        env.stop()


def is_upstream():
    return E.is_reference("passt")


@pytest.fixture
def vu(topo, procs, tmp, backend_env):
    """Factory: vu(offloads="off") starts passt --vhost-user, testpmd and
    the guest; returns (Backend, TestPmd, Guest)."""
    made = []

    def start(offloads="off"):
        binary = E.tool("passt") if backend_env else T.tool_path("passt")
        args = ["-p", "/dev/null"] if backend_env else []
        try:
            be = V.start_backend(topo, procs, tmp, binary, env=backend_env,
                                 args=args)
        except RuntimeError as e:
            T.need(False, "passt --vhost-user refused: %s" % e)
        made.append(be)
        bits = V.probe(topo, procs, tmp, be.sock) if offloads == "on" else 0
        tp = V.start_testpmd(topo, procs, tmp, be.sock, offloads=offloads,
                             host_bits=bits)
        made.append(tp)
        g, tries = V.configure(topo, tp, tmp, ra_tries=RA_TRIES_REF
                               if backend_env else 1)
        if tries > 1:
            print("guest needed %d router solicitation rounds" % tries)
        return be, tp, g

    yield start
    for x in reversed(made):
        x.stop()
        if isinstance(x, V.TestPmd):
            topo.detach_netns(x.netns)


def still_running(be, tp):
    assert be.alive(), "passt exited: %s" % be.log_text()[-2000:]
    assert tp.alive(), "testpmd exited: %s" % tp.text()[-2000:]


def transfer(topo, procs, tmp, g, dst, g_bytes, rem_bytes):
    """tcp_peer.py: the guest connects to remote's @dst; checks the pair."""
    port = next(_ports)
    limit = T.transfer_timeout(g_bytes + rem_bytes) * (
        UPSTREAM_SLOWDOWN if is_upstream() else 1)
    srv = T.start_peer(procs, topo.remote, "listen", "::", port, tmp,
                       send=rem_bytes, seed=2, deadline=limit,
                       order=TI.order(rem_bytes))
    cli = T.start_peer(procs, g.netns, "connect", dst, port, send=g_bytes,
                       seed=1, deadline=limit, order=TI.order(g_bytes))
    gr = T.peer_result(cli, limit + 10)
    rem = T.peer_result(srv, 15)
    TI.check_pair(gr, rem, g_bytes, rem_bytes)
    return gr


@pytest.mark.parametrize("fam", FAMS)
@pytest.mark.parametrize("way", WAYS)
def test_tcp_integrity(topo, procs, tmp, vu, way, fam):
    be, tp, g = vu()
    transfer(topo, procs, tmp, g, FAMS[fam], *WAYS[way])
    still_running(be, tp)


def test_tcp_500_connections(topo, procs, tmp, vu):
    be, tp, g = vu()
    c, s = TL.echo_run(topo, procs, tmp, g, CONNS, CONN_PARALLEL, CONN_SIZE,
                       limit=120)
    TL.check_echo(c, s, CONNS, CONN_SIZE)
    still_running(be, tp)


@pytest.mark.parametrize("dst", [T.REMOTE4, T.REMOTE6], ids=["v4", "v6"])
def test_udp_numbered_datagrams(topo, procs, tmp, vu, dst):
    be, tp, g = vu()
    c, s = T.udp_there_and_back(procs, g.netns, topo.remote, dst,
                                next(_ports), tmp, UDP_COUNT, UDP_SIZE,
                                UDP_RATE)
    still_running(be, tp)
    n = UDP_COUNT
    print("UDP %s: remote got %d of %d, guest got back %d of %d"
          % (dst, s["distinct"], n, c["distinct"], s["echoed"]))
    assert c["sent"] == n and c["send_errors"] == 0, c
    assert s["corrupt"] == 0 and s["dups"] == 0, s
    assert s["distinct"] >= n * (1 - UDP_LOSS_PCT / 100), ("out", s)
    assert c["corrupt"] == 0 and c["dups"] == 0, c
    if is_upstream():
        # measured: 8 % to 48 % of the echoes lost on the way to the
        # guest, depending on the machine's load; ours is held to the
        # stream socket's bound
        pytest.skip("upstream loses about half of remote -> guest at "
                    "%d/s (%d of %d arrived)" % (UDP_RATE, c["distinct"],
                                                 s["echoed"]))
    assert c["distinct"] >= s["echoed"] * (1 - UDP_LOSS_PCT / 100), \
        ("back", c, s)


@pytest.mark.parametrize("offloads", ["off", "on"])
def test_offloads(topo, procs, tmp, vu, offloads):
    be, tp, g = vu(offloads)
    offered = set(V.names(tp.host_bits)) & set(V.OFFLOAD_BITS)
    got = set(V.names(tp.features)) & set(V.OFFLOAD_BITS)
    print("offered %s, negotiated %s" % (sorted(offered), sorted(got)))
    if not is_upstream():
        missing = set(OURS_OFFLOADS) - offered
        assert not missing, "ours must offer %s" % sorted(missing)
    if offloads == "off":
        assert not got, "offloads negotiated with none configured: %s" % got
    else:
        assert got == offered & set(V.FRONTEND_OFFLOADS), (offered, got)
    for fam in FAMS.values():
        transfer(topo, procs, tmp, g, fam, OFFLOAD_BYTES, 0)
        transfer(topo, procs, tmp, g, fam, 0, OFFLOAD_BYTES)
    still_running(be, tp)
