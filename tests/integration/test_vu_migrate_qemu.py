# SPDX-License-Identifier: GPL-2.0-or-later
"""test_vu_migrate_qemu.py - a real qemu 10.0 guest migrated from one
passt --vhost-user to another, through qemu's monitor.

Theory of operation: Debian 13's qemu 10.0 (in its root, deb13_env.py)
runs the vhost-user test guest of vu_guest.py twice over: the source,
booted on passt A, and the target, started with the same options on
passt B and -incoming tcp:127.0.0.1:PORT. Both passt run in `host`, B
with its own -t port (A's is still bound while A runs). Once the guest
listens (nc -l, "GT-LISTEN"), QMP's migrate on the source moves it: qemu
stops the device, saves passt A's state (SET_DEVICE_STATE_FD, our stream),
checks it (CHECK_DEVICE_STATE), and the target loads it into passt B.
Then:

* A logged "Migration complete, exiting" and exited 0 (--migrate-exit;
  Debian 13's passt exits there without the option);
* B logged the guest's MAC and addresses from the stream;
* a connection from `host` to B's -t port reaches the guest's nc, which
  now runs on the target: data both ways with matching SHA-256.

No TCP connection is open across the migration (that needs passt-repair:
the next step of issue 16). The reference run ($PASST pointing into the
Debian 13 root) runs both ends with upstream's passt; otherwise the
test also runs with Debian 13's passt as the source and ours as the
target, and the reverse.
"""

import json
import os
import socket
import time

import pytest

import deb13_env as D
import guest_image as G
import topo as T
import vu_guest as V
from test_vu_protocol import start_vu
from test_vu_qemu import GUEST_DIR, QEMU10, Guest, vu_env  # noqa: F401

FWD_PORT = 8490          # the guest's nc -l
NBYTES = 1 << 20         # each way on the inbound connection
MIG_SECS = 120           # bound on the migration itself
LIFE_SECS = 300          # bound on each qemu's life


class QMP:
    """A QMP client on the UNIX socket at @path (a host path)."""

    def __init__(self, path, timeout=30):
        end = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.settimeout(timeout)
                self.s.connect(str(path))
                break
            except OSError:
                self.s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        self.f = self.s.makefile("rb")
        self._read()                            # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def cmd(self, name, **args):
        """Run @name, return its "return" (events in between skipped)."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError("QMP %s: %s" % (name, r["error"]))

    def close(self):
        self.s.close()


# virtio-net features only ours offers, off in the device (see below)
OFFLOADS_OFF = (",csum=off,guest_csum=off,guest_tso4=off,guest_tso6=off,"
                "host_tso4=off,host_tso6=off,guest_uso4=off,guest_uso6=off")


def qemu(env, procs, tmp, name, sock, extra, plain=False, words=None):
    """A qemu 10.0 guest on passt's socket @sock (inside path), with QMP
    at /tmp/qmp-@name; returns (Guest, QMP socket inside).  @plain: the
    device without the offloads upstream's passt doesn't offer; @words:
    the guest's kernel command line words (default: this test's)."""
    qmp = "/tmp/qmp-%s-%d.sock" % (name, os.getpid())
    net = V.vu_net(sock, msix=True)
    if plain:
        net[-1] += OFFLOADS_OFF
    if words is None:
        words = V.cmdline(NBYTES, listen=FWD_PORT, hold=LIFE_SECS - 30,
                          timeout=120)
    argv = env.prefix(user=True) + [
        "timeout", "-s", "KILL", str(LIFE_SECS)] + G.qemu_argv(
        GUEST_DIR + "/vmlinuz", GUEST_DIR + "/initrd", words,
        net, qemu=QEMU10) + [
        "-qmp", "unix:%s,server=on,wait=off" % qmp] + list(extra)
    return Guest(procs, argv, tmp / ("console-%s.log" % name)), qmp


UPSTREAM = "/usr/bin/passt"    # Debian 13's, inside its root
ENDS = ["tested-tested", "upstream-tested", "tested-upstream"]


def passt_pair(topo, env, procs, tmp, ends, name, src_args, dst_args,
               src_exit=True):
    """Passt A (the source: @src_args, and --migrate-exit for ours unless
    not @src_exit) and B (the target: @dst_args) for the pair @ends, named
    @name-src/-dst and the index of @ends; skips the pairs the reference
    run can't have.  Returns (index, A is upstream's, B is, (A, A's socket
    inside), (B, B's socket inside))."""
    if D.is_reference("passt") and ends != "tested-tested":
        pytest.skip("reference run: both ends are upstream's already")
    T.wait_for(lambda: T.ll_ready(topo, topo.host, T.HOST_IF), 5)
    src_up, dst_up = [e == "upstream" or D.is_reference("passt")
                      for e in ends.split("-")]
    n = ENDS.index(ends)
    out = []
    for end, up, args in (("src", src_up, list(src_args) + (
            [] if src_up or not src_exit else ["--migrate-exit"])),
                          ("dst", dst_up, dst_args)):
        what = "%s-%s%d" % (name, end, n)
        if os.environ.get("MIG_DEBUG") and not up:     # -d in the logs
            args = list(args) + ["-d"]
        p = start_vu(topo, procs, tmp, what, list(args), env,
                     UPSTREAM if up else None)
        out.append((p, "/tmp/%s-%d.sock" % (what, os.getpid())))
    return n, src_up, dst_up, out[0], out[1]


@pytest.mark.parametrize("ends", ENDS)
def test_qemu10_migration(topo, vu_env, procs, tmp, ends):
    """@ends: source-target, "tested" being the passt under test (ours,
    or upstream's in the reference run), "upstream" Debian 13's."""
    env = vu_env
    n = ENDS.index(ends)
    port_b = FWD_PORT + 1 + n
    n, src_up, dst_up, (src, src_sock), (dst, dst_sock) = passt_pair(
        topo, env, procs, tmp, ends, "mig", ["-t", "none", "-u", "none"],
        ["-t", "%d:%d" % (port_b, FWD_PORT), "-u", "none"])
    try:
        run_migration(topo, env, procs, tmp, n, src, dst, src_sock,
                      dst_sock, port_b, dst_up, src_up)
    finally:
        # qemu runs under nsenter and timeout: end it by its PID inside
        for pid in env.pids("qemu-system-x86"):
            env.run(["kill", "-KILL", str(pid)], timeout=10)


def run_migration(topo, env, procs, tmp, n, src, dst, src_sock, dst_sock,
                  port_b, dst_up, src_up):
    """Boot on @src, migrate to @dst, reach the guest through @dst."""

    # qemu refuses to load a device whose guest took virtio features the
    # target's back end doesn't offer ("Features 0x... unsupported"), and
    # the source has given the guest up by then: from ours to Debian 13's
    # passt, both qemu need the device without our offloads
    plain = dst_up and not src_up
    a, a_qmp = qemu(env, procs, tmp, "src%d" % n, src_sock, (), plain)
    res = a.wait("LISTEN", 240)
    assert "LISTEN" in res, "guest never listened:\n" + a.console()[-3000:]

    mport = 44000 + os.getpid() % 1000 * 3 + n
    b, b_qmp = qemu(env, procs, tmp, "dst%d" % n, dst_sock,
                    ["-incoming", "tcp:127.0.0.1:%d" % mport], plain)
    qa = QMP(env.path(a_qmp))
    QMP(env.path(b_qmp)).close()             # the target is up
    t0 = time.monotonic()
    qa.cmd("migrate", uri="tcp:127.0.0.1:%d" % mport)
    status = None
    while time.monotonic() - t0 < MIG_SECS:
        status = qa.cmd("query-migrate").get("status")
        if status in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.2)
    secs = time.monotonic() - t0
    print("migration: %s in %.1f s" % (status, secs))
    assert status == "completed", "migration %s; source passt: %s; target " \
        "passt: %s" % (status, src.text()[-1500:], dst.text()[-1500:])

    # the source passt: done, and gone (--migrate-exit; Debian 13's always)
    assert src.wait(15) == 0, "source passt: " + src.text()[-1500:]
    assert "Migration complete, exiting" in src.text()
    qa.cmd("quit")
    qa.close()
    if not dst_up:
        # the target loads once the source sent everything: maybe later
        line = "Migration: from the source (stream version 2): guest MAC"
        assert T.wait_for(lambda: line in dst.text(), 30), \
            dst.text()[-1500:]

    # the guest now runs on the target, behind passt B
    client = V.inbound_client(topo.host, "127.0.0.1", port_b, NBYTES)
    got = b.wait("INBOUND", 120)
    assert "INBOUND" in got, "no inbound result on the target; console:\n" \
        + b.console()[-3000:]
    res = G.results(a.console() + "\n" + b.console())
    V.check_inbound(res, client, NBYTES, b.console()[-3000:])
    assert dst.alive(), "target passt: " + dst.text()[-1500:]
