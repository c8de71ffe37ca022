# SPDX-License-Identifier: GPL-2.0-or-later
"""test_vu_qemu.py - qemu guests on passt --vhost-user: qemu 7.2 (this
machine's) and qemu 10.0 (Debian 13's).

Theory of operation: passt --vhost-user -f -s SOCK -t PORT runs as the
unprivileged user `tester` inside the Debian 13 environment (deb13_env.py,
in the topology's `host` namespace): ours, copied in first in PATH, or the
root's own upstream 2025-05 build in the reference run
(PASST=<root>/usr/bin/passt), which needs the root's glibc.  The guest is
vu_guest.py's: guest_image.py's kernel and busybox initramfs plus the
steps of /gt.sh, under TCG.  Its RAM is a shared memfd (vu_guest.vu_net()).

* test_qemu7_vhost_user: qemu 7.2 on this machine (as root, in an empty
  network namespace of its own; it reaches passt's socket through the
  environment's root, /proc/ANCHOR/root/...), virtio-net-pci with
  vectors=0.  One boot checks: the DHCP lease (198.51.100.1/24 via .254),
  a SLAAC address in 2001:db8:1::/64 and the DHCPv6 lease of 2001:db8:1::1,
  ping to remote over IPv4 and IPv6, a wget download of XFER_BYTES from
  http.server in `remote` and an upload of the guest's XFER_BYTES random
  bytes to a POST server there, the same bytes with nc to tcp_peer.py
  (nc half-closes when done, then waits for the server's FIN) (SHA-256 and counts of both ends: at 4 KiB receive
  buffers and 256 descriptors a ring wraps every MiB at most), and an
  inbound connection through `-t`: a client in `host` connects to
  127.0.0.1:PORT and the guest's nc -l, and both send XFER_BYTES at once.
  passt (no -1) is still running when the guest powered off; a second
  qemu then connects to the same passt and gets its lease and a 1 MiB
  download again (qemu reconnecting after a disconnect).
* test_qemu10_vhost_user: Debian 13's qemu 10.0, run inside the
  environment as `tester`, with MSI-X (no vectors=0; the guest's
  /proc/interrupts shows PCI-MSI for virtio, INTx for qemu 7.2): the same
  checks in one boot.

Beyond upstream: the guest must have negotiated checksum and TCP
segmentation offload both ways (CSUM, GUEST_CSUM, HOST_TSO4/6,
GUEST_TSO4/6: read from the guest's sysfs), so every transfer above runs
with them.  Upstream's passt offers none; in the reference run that is
reported as a skip ("reference passt differs") after every other check.

A passt that refuses --vhost-user (ours before issue 15, Debian 12's 2023
build) skips both, and fails them with CI=true.  The wall time of each
boot and the guest's transfer rates are printed (pytest -s).
"""

import os
import time

import pytest

import deb13_env as D
import guest_image as G
import topo as T
import vu_guest as V
from test_passt_qemu import blob_server

QEMU10 = "/usr/bin/qemu-system-x86_64"
GUEST_DIR = D.HOME + "/guest"
SOCK_DIR = "/tmp/vu"
XFER_BYTES = 16 << 20
HTTP_PORT = 8481         # download server in `remote`
PUT_PORT = 8482          # upload server in `remote`, nc
POST_PORT = 8483         # upload server in `remote`, HTTP
FWD_PORT = 8480          # passt -t, the guest's nc -l
BOOT_SECS = 240          # bound on one guest's whole life
SMALL = 1 << 20          # the reconnected guest's download


@pytest.fixture(scope="module")
def vu_env(topo):
    """The Debian 13 environment with the vhost-user guest's kernel and
    initramfs (host paths) and copies in GUEST_DIR."""
    env = D.start_or_skip(topo, (QEMU10, "/usr/bin/busybox"), ("passt",))
    try:
        try:
            kernel, initrd = V.build(env.path("/usr/bin/busybox"))
        except G.Unavailable as e:
            T.need(False, "no guest image: %s" % e)
        env.sh("install -d -o %d -g %d %s" % (D.UID, D.UID, GUEST_DIR))
        env.copy_in(kernel, GUEST_DIR + "/vmlinuz")
        env.copy_in(initrd, GUEST_DIR + "/initrd")
        env.kernel, env.initrd = kernel, initrd
        yield env
    finally:
        env.stop()


def passt_pids(env):
    """Live passt daemons inside (Debian's re-executes passt.avx2)."""
    return env.pids("passt") + env.pids("passt.avx2")


def start_passt(env, procs, tmp, args):
    """passt --vhost-user -f -s SOCK_DIR/passt.sock @args as `tester`;
    return (socket path inside, Popen).  A passt without vhost-user mode
    skips the test (fails in CI)."""
    sock = SOCK_DIR + "/passt.sock"
    env.sh("rm -rf %s && install -d -o %d %s" % (SOCK_DIR, D.UID, SOCK_DIR))
    log = open(tmp / "passt.log", "w")
    p = env.popen(procs, [D.tool("passt"), "--vhost-user", "-f", "-s", sock]
                  + list(args), user=True, stdout=log, stderr=log)
    log.close()
    T.wait_for(lambda: env.path(sock).is_socket() or p.poll() is not None,
               10)
    text = (tmp / "passt.log").read_text()
    if p.poll() is not None:
        T.need(not V.refused(text), "passt under test (%s) refuses "
               "--vhost-user: %s" % (T.tool_path("passt"), text.strip()))
        pytest.fail("passt exited %r: %s" % (p.returncode, text))
    assert env.path(sock).is_socket(), "no socket; passt said: " + text
    return sock, p


def stop_passt(env):
    for pid in passt_pids(env):
        env.run(["kill", pid], timeout=10)


class Guest:
    """A qemu process with its console in a file of the test."""

    def __init__(self, procs, argv, log):
        self.log = log
        self.t0 = time.monotonic()
        with open(log, "wb") as out:
            self.p = procs.popen([str(a) for a in argv],
                                 stdin=open(os.devnull, "rb"), stdout=out,
                                 stderr=out)

    def console(self):
        return self.log.read_bytes().decode(errors="replace")

    def wait(self, key, timeout=BOOT_SECS):
        """Console results once "GT-@key" (or GT-DONE) is printed."""
        return G.wait_console(self.log, key, timeout,
                              alive=lambda: self.p.poll() is None)

    def finish(self, timeout=60):
        """Wait for qemu's exit (the guest's poweroff); return (exit
        code or None if killed, results, console tail, seconds)."""
        try:
            rc = self.p.wait(timeout=timeout)
        except Exception:  # noqa: BLE001 (subprocess.TimeoutExpired)
            self.p.kill()
            self.p.wait(timeout=10)
            rc = None
        text = self.console()
        return rc, G.results(text), text[-4000:], time.monotonic() - self.t0


def put_server(procs, topo, tmp):
    """tcp_peer.py in `remote` reading the upload until the guest's FIN,
    and only then closing (busybox nc quits at the server's FIN, whatever
    it has not sent yet)."""
    return T.start_peer(procs, topo.remote, "listen", T.REMOTE4, PUT_PORT,
                        tmp, order="recv-first", timeout=60,
                        deadline=BOOT_SECS)


def full_cmdline(blob):
    return V.cmdline(XFER_BYTES, fetch=blob[0],
                     post="http://%s:%d/" % (T.REMOTE4, POST_PORT),
                     put=(T.REMOTE4, PUT_PORT), listen=FWD_PORT, v6=True,
                     ping=(T.REMOTE4, T.REMOTE6), timeout=90)


def run_full_guest(topo, procs, tmp, argv, pp, blob, label, msix):
    """Boot the guest of @argv with every step; check them all.  @pp:
    passt's Popen, still running when the guest is gone; @blob: the
    download (URL, SHA-256); @msix: whether the guest must see MSI-X.
    Returns what upstream's passt lacks (vu_guest.verdict())."""
    put = put_server(procs, topo, tmp)
    V.post_sink(procs, topo.remote, T.REMOTE4, POST_PORT)
    g = Guest(procs, argv, tmp / ("console-%s.log" % label))
    res = g.wait("LISTEN")
    assert "LISTEN" in res, "guest never listened; console:\n" \
        + g.console()[-4000:]
    # passt -t: a client in `host` at 127.0.0.1
    client = V.inbound_client(topo.host, "127.0.0.1", FWD_PORT, XFER_BYTES)
    rc, res, tail, secs = g.finish(BOOT_SECS)
    print("%s: boot with every step %.1f s; download %s, upload %s, "
          "inbound %s" % (label, secs,
                          V.speed(res, "FETCH", XFER_BYTES),
                          V.speed(res, "POST", XFER_BYTES),
                          V.speed(res, "INBOUND", 2 * XFER_BYTES)))
    assert rc == 0, "qemu exit %r (None: killed); console:\n%s" % (rc, tail)
    assert "DONE" in res, "guest did not finish; console:\n" + tail
    V.check_lease(res, tail, msix=msix)
    V.check_v6(res, tail)
    V.check_ping(res, tail)
    V.check_fetch(res, blob, XFER_BYTES, tail)
    V.check_post(res, XFER_BYTES, tail)
    V.check_inbound(res, client, XFER_BYTES, tail)
    V.check_put(res, T.peer_result(put, 30), XFER_BYTES, tail)
    assert not res["ERR"], res["ERR"]
    assert pp.poll() is None, "passt exited %r with the guest" % pp.returncode
    why = V.offload_result(res, tail)
    return [why] if why else []


@pytest.fixture(scope="module")
def big_blob(topo):
    """XFER_BYTES random bytes over HTTP from `remote`: (URL, SHA-256)."""
    with blob_server(topo, XFER_BYTES, HTTP_PORT) as blob:
        yield blob


def test_qemu7_vhost_user(topo, vu_env, procs, tmp, big_blob):
    env = vu_env
    T.need(os.access("/usr/bin/" + G.QEMU, os.X_OK),
           G.QEMU + " is not installed (qemu-system-x86)")
    sock, pp = start_passt(env, procs, tmp, ["-t", str(FWD_PORT),
                                             "-u", "none"])
    try:
        daemons = passt_pids(env)
        host_sock = env.path(sock)
        net = V.vu_net(host_sock, msix=False)
        argv = ["unshare", "--net"] + G.qemu_argv(
            env.kernel, env.initrd, full_cmdline(big_blob), net)
        notes = run_full_guest(topo, procs, tmp, argv, pp, big_blob,
                               "qemu 7.2", msix=False)

        # the same passt serves a second qemu
        with blob_server(topo, SMALL, HTTP_PORT + 10) as small:
            argv = ["unshare", "--net"] + G.qemu_argv(
                env.kernel, env.initrd,
                V.cmdline(fetch=small[0], timeout=60), net)
            g = Guest(procs, argv, tmp / "console-reconnect.log")
            rc, res, tail, secs = g.finish(BOOT_SECS)
        print("qemu 7.2 reconnected: boot %.1f s" % secs)
        assert rc == 0, "second qemu exit %r; console:\n%s" % (rc, tail)
        V.check_lease(res, tail)
        V.check_fetch(res, small, SMALL, tail)
        assert not res["ERR"], res["ERR"]
        assert pp.poll() is None and passt_pids(env) == daemons, \
            "passt did not stay for the second qemu"
    finally:
        stop_passt(env)
    V.verdict(notes)


def test_qemu10_vhost_user(topo, vu_env, procs, tmp, big_blob):
    env = vu_env
    r = env.run([QEMU10, "--version"], timeout=20)
    assert r.stdout.startswith("QEMU emulator version 10.0"), r.stdout
    sock, pp = start_passt(env, procs, tmp, ["-t", str(FWD_PORT),
                                             "-u", "none"])
    try:
        argv = env.prefix(user=True) + [
            "timeout", "-s", "KILL", str(BOOT_SECS)] + G.qemu_argv(
            GUEST_DIR + "/vmlinuz", GUEST_DIR + "/initrd",
            full_cmdline(big_blob), V.vu_net(sock, msix=True), qemu=QEMU10)
        notes = run_full_guest(topo, procs, tmp, argv, pp, big_blob,
                               "qemu 10.0", msix=True)
    finally:
        stop_passt(env)
    V.verdict(notes)
