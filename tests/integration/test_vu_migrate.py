# SPDX-License-Identifier: GPL-2.0-or-later
"""test_vu_migrate.py - live migration's device state, through a scripted
qemu (vu_frontend.py), with our passt and with Debian 13's upstream one.

Theory of operation: qemu moves a vhost-user back end's state with two
messages (compat.md 4.4): SET_DEVICE_STATE_FD hands the back end one end of
a pipe, to write its state into (save, on the source) or read the source's
from (load, on the target); CHECK_DEVICE_STATE then asks how it went.
vu_frontend.py does both as qemu does, so these tests check:

* the save: after a guest sent from its addresses, the stream's bytes are
  upstream's version 2 (header, the 42 bytes of observed addresses, a flow
  count of 0: no repair helper), CHECK_DEVICE_STATE is 0, and the source
  logs "Migration complete" and, with -1, no longer ends when qemu goes
  (--migrate-exit: it ends, status 0);
* the load: the target takes the guest's MAC and addresses, and uses them:
  the SYN of a connection to a -t port goes to the migrated MAC and IPv6
  address before the guest sent anything;
* refusals: another magic, a compat_version above 2, a cut stream, TCP
  connections the target can't restore, a phase other than "stopped": a
  non-zero CHECK_DEVICE_STATE, and passt stays alive and serves the next
  guest;
* interop: Debian 13's passt (upstream 2025-05) as the source and ours as
  the target, and the reverse, each in its own process in `host`.

All passt run in the topology's `host` namespace, ours as the test user,
Debian 13's in its root (deb13_env.py) as `tester`.  In the reference run
($PASST pointing into the Debian 13 root), the passt "under test" is
upstream's: where it dies or lacks an option, the check is skipped with
what it did.  Debian 12's passt (2023) has no vhost-user: the file skips.
"""

import os
import random
import socket
import struct
import subprocess
import time

import pytest

import deb13_env as D
import guest_bridge as GB
import topo as T
import vu_frontend as V
from test_vu_protocol import eth, ipv4, start_vu
from vu_frontend import bit

MAGIC = bytes.fromhex("b1bb1d1b0bb1d1b0")
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86dd
GUEST_MAC = GB.GUEST_MAC
# The guest's SLAAC-like address in the topology's prefix, and its
# link-local one (both as a Linux guest with GUEST_MAC would form them)
GUEST6 = "2001:db8:1:0:5054:ff:fe12:3456"   # as inet_ntop() writes it
GUEST_LL = "fe80::5054:ff:fe12:3456"
# What a target is told by a hand-made stream (a guest it never saw)
MIG_MAC = "52:54:00:ab:cd:ef"
MIG6 = "2001:db8:1::77"
MIG_LL = "fe80::77"
MIG4 = "198.51.100.77"
PFEATURES = (bit(V.PF_LOG_SHMFD) | bit(V.PF_REPLY_ACK) | bit(V.PF_RARP) |
             bit(V.PF_DEVICE_STATE))
STATE_NONE_OK = 0


def stream(mac=MIG_MAC, a6=MIG6, ll=MIG_LL, a4=MIG4, version=2, compat=2,
           count=0, magic=MAGIC):
    """A state stream as upstream's passt writes it."""
    return (magic + struct.pack("!II", version, compat) +
            socket.inet_pton(socket.AF_INET6, a6) +
            socket.inet_pton(socket.AF_INET6, ll) +
            socket.inet_aton(a4) + GB.mac_bytes(mac) +
            struct.pack("!I", count))


def parse(data):
    """(version, compat, MAC, in6, ll6, in4, count) of a stream's start."""
    assert len(data) >= 62, "stream of %d bytes" % len(data)
    assert data[:8] == MAGIC, data[:8].hex()
    ver, compat = struct.unpack_from("!II", data, 8)
    return (ver, compat, GB.mac_str(data[52:58]),
            socket.inet_ntop(socket.AF_INET6, data[16:32]),
            socket.inet_ntop(socket.AF_INET6, data[32:48]),
            socket.inet_ntoa(data[48:52]),
            struct.unpack_from("!I", data, 58)[0])


# -- frames from the guest ------------------------------------------------
def _csum6(src, dst, proto, payload):
    pseudo = (socket.inet_pton(socket.AF_INET6, src) +
              socket.inet_pton(socket.AF_INET6, dst) +
              struct.pack("!IxxxB", len(payload), proto))
    return GB.csum(pseudo + payload) or 0xffff


def udp6_frame(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    u = u[:6] + struct.pack("!H", _csum6(src, dst, 17, u)) + u[8:]
    h = struct.pack("!IHBB", 6 << 28, len(u), 17, 64) + \
        socket.inet_pton(socket.AF_INET6, src) + \
        socket.inet_pton(socket.AF_INET6, dst)
    return eth(GB.mac_bytes("9a:55:9a:55:9a:55"), GB.mac_bytes(GUEST_MAC),
               ETH_P_IPV6, h + u)


def udp4_frame(src, dst, sport, dport, data):
    n = 8 + len(data)
    u = struct.pack("!HHHH", sport, dport, n, 0) + data
    return eth(GB.mac_bytes("9a:55:9a:55:9a:55"), GB.mac_bytes(GUEST_MAC),
               ETH_P_IP, ipv4(src, dst, 17, u))


def speak(f):
    """The guest sends from its IPv4, global and link-local IPv6
    addresses (global first: upstream takes a link-local one as its
    global until it saw a global one)."""
    f.send_frame(udp4_frame(T.HOST4, T.REMOTE4, 40000, 9, b"v4"))
    f.send_frame(udp6_frame(GUEST6, T.REMOTE6, 40000, 9, b"v6"))
    f.send_frame(udp6_frame(GUEST_LL, "ff02::1", 40000, 9, b"ll"))
    assert f.tx_done(), "passt didn't take the guest's frames"


def syn_to_guest(frame):
    """(dst MAC, dst address) if @frame is a TCP SYN towards the guest."""
    et = struct.unpack_from("!H", frame, 12)[0]
    if et == ETH_P_IPV6 and len(frame) >= 54 + 14 and frame[20] == 6:
        flags = frame[54 + 13]
        if flags & 0x02 and not flags & 0x10:
            return (GB.mac_str(frame[:6]),
                    socket.inet_ntop(socket.AF_INET6, frame[38:54]))
    if et == ETH_P_IP and len(frame) >= 34 + 14 and frame[23] == 6:
        ihl = (frame[14] & 0xf) * 4
        flags = frame[14 + ihl + 13]
        if flags & 0x02 and not flags & 0x10:
            return GB.mac_str(frame[:6]), socket.inet_ntoa(frame[30:34])
    return None


def inbound_syn(topo, procs, f, port, family, p=None):
    """Connect from `remote` to our -t @port over @family; the SYN passt
    sends the guest: (dst MAC, dst address)."""
    dst = T.HOST6 if family == socket.AF_INET6 else T.HOST4
    code = ("import socket; s = socket.socket(%d); s.settimeout(3)\n"
            "try: s.connect((%r, %d))\nexcept OSError: pass\n"
            % (family, dst, port))
    procs.popen(["ip", "netns", "exec", topo.remote, T.PY, "-c", code],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    got = f.recv_frames(6, want=lambda fr: syn_to_guest(fr) is not None)
    syn = [syn_to_guest(fr[1]) for fr in got if syn_to_guest(fr[1])]
    assert syn, "no SYN towards the guest; frames: %s; log: %s" % (
        [fr[1][:60].hex() for fr in got], p.text()[-3000:] if p else "")
    return syn[0]


# -- starting passt ------------------------------------------------------
_port = [21000 + (os.getpid() % 500) * 8]


def free_port():
    _port[0] += 1
    return _port[0]


class Runner:
    """Starts passt --vhost-user -f: ours (the passt under test, as the
    test user) or Debian 13's own (in its root, as `tester`)."""

    def __init__(self, topo, procs, tmp):
        self.topo, self.procs, self.tmp, self.n = topo, procs, tmp, 0
        self.env = None

    def deb13(self):
        if self.env is None:
            self.env = D.start_or_skip(self.topo, ("/usr/bin/passt",))
        return self.env

    def start(self, upstream=False, args=(), tcp=None):
        """A passt (@upstream: Debian 13's /usr/bin/passt, else the one
        under test) with @args, -t @tcp if given; returns Passt."""
        self.n += 1
        # upstream's passt leaves IPv6 off while the template interface
        # has no usable link-local address (DAD on a fresh topology)
        T.wait_for(lambda: T.ll_ready(self.topo, self.topo.host, T.HOST_IF),
                   5)
        fwd = ["-t", str(tcp) if tcp else "none", "-u", "none"]
        env = self.deb13() if upstream or not ours() else None
        return start_vu(self.topo, self.procs, self.tmp, "mig-%d" % self.n,
                        ["-d"] + fwd + list(args), env,
                        "/usr/bin/passt" if upstream else None)

    def stop(self):
        if self.env is not None:
            self.env.stop()
            self.env = None


@pytest.fixture
def run(topo, procs, tmp):
    path = GB.passt_path()
    T.need(os.access(path, os.X_OK), "passt under test not found: " + path)
    if T.is_reference(path) and not D.is_reference("passt"):
        pytest.skip("reference passt differs: Debian 12's passt (2023) has "
                    "no --vhost-user")
    r = Runner(topo, procs, tmp)
    try:
        yield r
    finally:
        r.stop()


def ours():
    """True unless the passt under test is upstream's (reference run)."""
    return not D.is_reference("passt")


def guest(p, start=True):
    """A frontend on @p: negotiated (DEVICE_STATE too), queues running
    and receive buffers posted if @start."""
    f = V.Frontend(p.sock)
    f.negotiate(pfeatures=PFEATURES)
    if start:
        f.setup_queues()
        f.post_rx(32, 4096)
        f.sync()
    return f


def saved_by(p):
    """A guest on @p that spoke, then a save as qemu's source does:
    (SET_DEVICE_STATE_FD reply, stream, CHECK_DEVICE_STATE)."""
    f = guest(p)
    speak(f)
    f.stop_queues()
    out = f.save_state()
    return f, out


def loaded_into(p, data):
    """A load into @p as qemu's target does, the queues started after
    it: (frontend, SET_DEVICE_STATE_FD reply, CHECK_DEVICE_STATE)."""
    f = guest(p, start=False)
    rep, chk = f.load_state(data)
    f.setup_queues()
    f.post_rx(64, 4096)
    f.sync()
    return f, rep, chk


def serves_next_guest(p):
    """A new frontend gets a DHCP OFFER from @p."""
    f = V.Frontend(p.sock)
    try:
        f.start()
        xid = random.getrandbits(32)
        end = time.monotonic() + 8
        while time.monotonic() < end:
            f.send_frame(GB.dhcp_discover(GUEST_MAC, xid))
            got = f.recv_frames(1, want=lambda fr: _offer(fr, xid))
            if got and _offer(got[-1][1], xid):
                return True
        return False
    finally:
        f.close()


def _offer(frame, xid):
    d = GB.parse_dhcp(frame, xid)
    return bool(d and d["type"] == GB.DHCP_OFFER)


# -- the source --------------------------------------------------------------
def test_source_saves_observed_addresses(run):
    """The stream is upstream's version 2: what the guest sent from, its
    MAC, no flows; CHECK_DEVICE_STATE 0; -1 no longer applies."""
    p = run.start(args=("-1",))
    f, (rep, data, chk) = saved_by(p)
    assert rep == V.VRING_NOFD, hex(rep)
    assert chk == 0, "CHECK_DEVICE_STATE %d; log: %s" % (chk, p.text()[-800:])
    ver, compat, mac, a6, ll, a4, count = parse(data)
    assert (ver, compat) == (2, 2)
    assert (mac, a6, ll, a4, count) == (GUEST_MAC, GUEST6, GUEST_LL,
                                        T.HOST4, 0), (parse(data), p.text()[-2500:])
    assert len(data) == 62, "trailing bytes after the flow count"
    if not ours():
        # Debian 13's (2025-05) ends after a save by default (compat.md)
        f.close()
        assert p.wait(5) == 0
        return
    assert T.wait_for(lambda: "Migration complete" in p.text(), 5), \
        p.text()[-800:]
    f.close()
    time.sleep(0.5)
    assert p.alive(), "the source ended with -1 after migrating away"
    assert serves_next_guest(p)


def test_source_migrate_exit(run):
    """--migrate-exit: the source ends with status 0 once qemu checked."""
    if not ours():
        pytest.skip("reference passt differs: Debian 13's passt (2025-05) "
                    "has no --migrate-exit, and exits after every save")
    p = run.start(args=("--migrate-exit",))
    f, (rep, data, chk) = saved_by(p)
    assert chk == 0
    assert p.wait(5) == 0, p.text()[-800:]
    assert "Migration complete, exiting" in p.text()
    f.close()


def test_source_without_check_keeps_one_off(run):
    """A save qemu never checked (the migration failed elsewhere): -1
    still ends the source when qemu goes, nothing was given away."""
    p = run.start(args=("-1",))
    f = guest(p)
    speak(f)
    rep, fd = f.state_fd(V.STATE_SAVE)
    while os.read(fd, 4096):
        pass
    os.close(fd)
    f.close()
    assert p.wait(5) == 0, "-1 didn't end passt after its client left"


# -- the target --------------------------------------------------------------
def test_target_uses_migrated_addresses(run, topo, procs):
    """The SYN of an inbound connection goes to the migrated MAC and
    IPv6 address, before the guest sent a single frame."""
    port = free_port()
    p = run.start(tcp=port)
    f, rep, chk = loaded_into(p, stream())
    assert rep == V.VRING_NOFD, hex(rep)
    assert chk == 0, "CHECK_DEVICE_STATE %d; log: %s" % (chk, p.text()[-800:])
    assert inbound_syn(topo, procs, f, port, socket.AF_INET6, p) == \
        (MIG_MAC, MIG6)
    mac, a4 = inbound_syn(topo, procs, f, port, socket.AF_INET)
    assert mac == MIG_MAC
    if ours():
        # ours sends inbound IPv4 to the configured address (the DHCP
        # lease); upstream to the last one the guest used
        assert a4 == T.HOST4
        assert "Migration: from the source (stream version 2): guest " \
            "MAC %s, IPv4 %s, IPv6 %s, link-local %s" % (
                MIG_MAC, MIG4, MIG6, MIG_LL) in p.text()
    else:
        assert a4 == MIG4


REFUSALS = {
    "magic": (stream(magic=bytes(8)), "Invalid incoming device state"),
    "compat_version 3": (stream(version=3, compat=3),
                         "Unsupported device state version: 3"),
    "version 1": (stream(version=1, compat=1),
                  "Unsupported device state version: 1"),
    "cut in the addresses": (stream()[:40], None),
    "empty": (b"", None),
    "TCP connections": (stream(count=1) + bytes(112), None),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_target_refuses(run, case):
    """A stream the target can't read: CHECK_DEVICE_STATE is an errno,
    the guest's addresses untouched, passt alive and serving."""
    data, line = REFUSALS[case]
    p = run.start()
    try:
        f, rep, chk = loaded_into(p, data)
    except (EOFError, OSError):
        assert not ours(), "passt closed the connection: " + p.text()[-800:]
        pytest.skip("reference passt differs (deliberately better): "
                    "upstream went away: exit %s, %s" % (
                        p.wait(5), p.lines()[-1:]))
    assert rep == V.VRING_NOFD, hex(rep)
    assert chk != 0, "stream accepted: " + p.text()[-600:]
    if ours():
        assert 0 < chk < 4096, "not a positive errno: %d" % chk
    if line:
        assert line in p.text(), p.text()[-800:]
    assert "guest MAC" not in p.text()
    assert p.alive()
    f.close()
    assert serves_next_guest(p)


def test_phase_not_stopped_refused(run):
    """SET_DEVICE_STATE_FD in a phase that doesn't exist: an error in its
    reply and in CHECK_DEVICE_STATE; passt goes on (upstream dies)."""
    p = run.start()
    f = guest(p, start=False)
    f.send(V.SET_DEVICE_STATE_FD, struct.pack("<II", V.STATE_LOAD, 1),
           [os.open("/dev/null", os.O_RDONLY)])
    try:
        r = f.recv()
    except (EOFError, OSError):
        r = None
    if not ours():
        assert p.wait(5) == 1
        pytest.skip("reference passt differs (deliberately better): "
                    "upstream dies: " + p.text().splitlines()[-1])
    assert r is not None and r.u64 & 0xff and r.u64 & V.VRING_NOFD, r
    assert f.check_state() != 0
    assert p.alive()
    f.setup_queues()
    f.close()
    assert serves_next_guest(p)


# -- interop with Debian 13's passt -------------------------------------------
def test_upstream_source_to_our_target(run, topo, procs):
    """Debian 13's passt saves, ours loads: the addresses carry over."""
    if not ours():
        pytest.skip("reference run: both ends would be upstream's")
    src = run.start(upstream=True)
    f, (rep, data, chk) = saved_by(src)
    assert chk == 0, src.text()[-800:]
    ver, compat, mac, a6, ll, a4, count = parse(data)
    assert (ver, compat, count) == (2, 2, 0)
    assert (mac, a6, ll, a4) == (GUEST_MAC, GUEST6, GUEST_LL, T.HOST4)
    # Debian 13's (2025-05) ends after a save qemu checked (compat.md)
    assert src.wait(5) == 0, src.text()[-600:]
    f.close()

    port = free_port()
    dst = run.start(tcp=port)
    g, rep, chk = loaded_into(dst, data)
    assert chk == 0, dst.text()[-800:]
    assert inbound_syn(topo, procs, g, port, socket.AF_INET6) == \
        (GUEST_MAC, GUEST6)
    g.close()


def test_our_source_to_upstream_target(run, topo, procs):
    """Ours saves, Debian 13's passt loads: it then sends inbound
    connections to the guest's migrated MAC and addresses."""
    if not ours():
        pytest.skip("reference run: both ends would be upstream's")
    src = run.start()
    f, (rep, data, chk) = saved_by(src)
    assert chk == 0, src.text()[-800:]
    f.close()

    port = free_port()
    dst = run.start(upstream=True, tcp=port)
    g, rep, chk = loaded_into(dst, data)
    assert rep == V.VRING_NOFD, hex(rep)
    assert chk == 0, dst.text()[-800:]
    assert inbound_syn(topo, procs, g, port, socket.AF_INET6) == \
        (GUEST_MAC, GUEST6)
    assert inbound_syn(topo, procs, g, port, socket.AF_INET) == \
        (GUEST_MAC, T.HOST4)
    assert "Migration: from the source" not in dst.text()  # upstream's
    g.close()


def test_upstream_refuses_newer_stream(run):
    """Debian 13's passt refuses a stream it can't read as ours does,
    and keeps serving: both say so in CHECK_DEVICE_STATE."""
    if not ours():
        pytest.skip("reference run: covered by test_target_refuses")
    dst = run.start(upstream=True)
    g, rep, chk = loaded_into(dst, stream(version=3, compat=3))
    assert chk != 0
    assert "Unsupported device state version: 3" in dst.text()
    assert dst.alive()
    g.close()
