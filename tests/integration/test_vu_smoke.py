# SPDX-License-Identifier: GPL-2.0-or-later
"""test_vu_smoke.py - passt --vhost-user with a real frontend, quickly.

The frontend is DPDK's dpdk-testpmd with net_virtio_user (a vhost-user
frontend without a VM, ../shared/docs/test-infra/vhost-user.sh), forwarding
between the virtio device and a net_tap device `gtap0` in a namespace of its
own: that namespace's kernel is the guest.  passt runs as the test user in
`host` with -f; `remote` is the internet.  testpmd's buffers hold 2 KiB, so
the guest keeps the tap's MTU of 1500.  The rings have 1024 entries and
the guest's uploads are paced (pace()).

* the guest gets its IPv4 lease from udhcpc, forms its SLAAC address from
  our router advertisement and resolves both gateways;
* ping and ping -6 to remote;
* TCP: VU_SMOKE_BYTES (default 16 MiB) of seeded data remote -> guest and
  guest -> remote, SHA-256 and byte counts equal at both ends;
* the frontend goes away and a new one connects: it gets a lease again,
  passt stays; with -1, passt exits 0 when the frontend goes away;
* passt listens for passt-repair on `<socket>.repair`, as upstream's
  does (compat.md 4.4); ours removes it when it exits (upstream's leaves
  it: a reference difference, not checked then).

The heavy matrix (1 GiB, UDP, offloads, many connections) is in the DPDK
tests; the qemu and libvirt ones are in test_vu_qemu*.py.
"""

import itertools
import os
import shutil
import signal
import stat
import subprocess
import time

import pytest

import guest_bridge as G
import test_tcp_integrity as TI
import topo as T
from guest_bridge import passt  # noqa: F401 (fixture)

NBYTES = int(os.environ.get("VU_SMOKE_BYTES", 16 * T.MIB))
TESTPMD = "dpdk-testpmd"
GUEST_IF = "gtap0"
_ids = itertools.count(1)
_ports = itertools.count(27000)


class VuGuest:
    """passt --vhost-user, testpmd, and the namespace whose kernel is the
    guest (attributes as guest_bridge.Guest: netns, ifname, tmp, sock)."""

    def __init__(self, netns, tmp, sock, passt_proc, testpmd):
        self.netns = netns
        self.ifname = GUEST_IF
        self.tmp = tmp
        self.sock = sock
        self.passt = passt_proc
        self.testpmd = testpmd


def start_testpmd(procs, netns, sock):
    """dpdk-testpmd in @netns as a vhost-user frontend on @sock, bridged to
    the tap `gtap0`; returns its Popen once the tap exists."""
    prefix = "vus%d-%d" % (os.getpid(), next(_ids))
    p = procs.popen(["ip", "netns", "exec", netns, "timeout", "300",
                     TESTPMD, "-l", "0,1", "--no-huge", "-m", "512",
                     "--no-pci", "--file-prefix=" + prefix,
                     "--vdev", "net_virtio_user0,path=%s,queues=1,"
                     "queue_size=1024" % sock,
                     "--vdev", "net_tap0,iface=" + GUEST_IF, "--",
                     "--forward-mode=io", "--auto-start",
                     "--stats-period=3600", "--no-mlockall",
                     "--txd=1024", "--rxd=1024",
                     "--total-num-mbufs=16384"])
    ok = T.wait_for(lambda: T.run(["ip", "-n", netns, "link", "show",
                                   GUEST_IF]).returncode == 0
                    or p.poll() is not None, 20, 0.2)
    if not ok or p.poll() is not None:
        pytest.fail("testpmd did not start (exit %s)" % p.poll())
    return p


def stop_testpmd(p):
    """End testpmd the way an operator does (SIGINT), bounded."""
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
    try:
        p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate(timeout=5)


@pytest.fixture
def vu_guest(topo, procs, tmp, passt):  # noqa: F811
    """Factory: vu_guest(*args, configure=True) starts passt --vhost-user
    (-f, @args), a guest namespace and testpmd; with @configure, the guest
    takes its lease, its SLAAC address and resolves the gateways."""
    T.need(shutil.which(TESTPMD) is not None,
           "dpdk-testpmd is not installed (Debian package dpdk)")
    T.need(shutil.which("busybox") is not None, "busybox is not installed")
    made = []

    def start(*args, configure=True):
        sock = str(tmp / ("vu%d.socket" % (len(made) + 1)))
        p = G.start_passt(topo, procs, passt, sock,
                          ["--vhost-user"] + list(args))
        ns = G.add_guest_ns(topo)
        made.append(ns)
        g = VuGuest(ns, tmp, sock, p, start_testpmd(procs, ns, sock))
        if configure:
            G.configure_guest(topo, g)
        return g

    yield start
    for ns in made:
        topo.detach_netns(ns)


def pace(topo, g):
    """Pace what the guest sends: testpmd's io forwarding moves whatever
    the guest's kernel queued on the tap into the virtio ring at once and
    drops what doesn't fit, where a VM's driver would wait. On a loaded
    machine we don't always empty 1024 descriptors in time, and the losses
    cost our engine (no out-of-order queue) a round trip per segment."""
    r = topo.in_ns(g.netns, ["tc", "qdisc", "add", "dev", GUEST_IF, "root",
                             "tbf", "rate", "100mbit", "burst", "32kb",
                             "latency", "50ms"])
    assert r.returncode == 0, r.stderr


def still_running(g):
    assert g.passt.poll() is None, "passt exited (%s)" % g.passt.returncode
    assert g.testpmd.poll() is None, "testpmd exited (%s)" % \
        g.testpmd.returncode


def test_vu_lease_slaac(topo, vu_guest):
    g = vu_guest()       # configure_guest() asserts lease, SLAAC, gateways
    addrs = T.addrs(topo.ip_json(g.netns, ["addr", "show", "dev",
                                           GUEST_IF]), GUEST_IF, "inet")
    assert any(a[0] == T.HOST4 for a in addrs or []), addrs
    still_running(g)


@pytest.mark.parametrize("dst", [T.REMOTE4, T.REMOTE6], ids=["v4", "v6"])
def test_vu_ping(topo, vu_guest, dst):
    g = vu_guest()
    rc, tx, rx, out = T.ping(topo, g.netns, dst, count=3)
    assert rc == 0 and tx == 3 and rx == 3, out
    still_running(g)


@pytest.mark.parametrize("way", ["down", "up"])
def test_vu_tcp_integrity(topo, procs, tmp, vu_guest, way):
    g_bytes, rem_bytes = (0, NBYTES) if way == "down" else (NBYTES, 0)
    port = next(_ports)
    limit = T.transfer_timeout(NBYTES) + 60   # a busy-polling frontend
    g = vu_guest()
    if g_bytes:
        pace(topo, g)
    srv = T.start_peer(procs, topo.remote, "listen", "::", port, tmp,
                       send=rem_bytes, seed=2, deadline=limit,
                       order=TI.order(rem_bytes))
    cli = T.start_peer(procs, g.netns, "connect", T.REMOTE4, port,
                       send=g_bytes, seed=1, deadline=limit,
                       order=TI.order(g_bytes))
    gr = T.peer_result(cli, limit)
    rem = T.peer_result(srv, 15)
    TI.check_pair(gr, rem, g_bytes, rem_bytes)
    still_running(g)


def test_vu_reconnect(topo, procs, vu_guest):
    g = vu_guest(configure=False)
    stop_testpmd(g.testpmd)
    assert not T.wait_for(lambda: g.passt.poll() is not None, 1), \
        "passt exited without -1 when the frontend went away"
    topo.detach_netns(g.netns)
    g.netns = G.add_guest_ns(topo)
    g.testpmd = start_testpmd(procs, g.netns, g.sock)
    G.configure_guest(topo, g)
    still_running(g)
    assert stat.S_ISSOCK(os.stat(g.sock + ".repair").st_mode), \
        "no repair socket beside the vhost-user socket"


def test_vu_one_off_exits(topo, vu_guest):
    g = vu_guest("-1", configure=False)
    time.sleep(1)        # the device is set up
    stop_testpmd(g.testpmd)
    assert T.wait_for(lambda: g.passt.poll() is not None, 10), \
        "passt -1 still running after the frontend went away"
    assert g.passt.returncode == 0
    if not T.is_reference(G.passt_path()):  # upstream leaves it
        assert not os.path.exists(g.sock + ".repair"), \
            "repair socket left behind"

