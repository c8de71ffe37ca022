# SPDX-License-Identifier: GPL-2.0-or-later
"""guest_bridge.py - passt with a namespace's kernel as the guest, and a
minimal client of passt's stream socket.

Theory of operation: passt talks to a guest over a UNIX stream socket
(compat.md 4.1: 4-byte big-endian length + Ethernet frame, both ways).  Two
kinds of "guest" are provided here:

* a real one: guest_bridge.c (built on demand into build/guest_bridge, or
  by `make build/guest_bridge`) connects to the socket and moves frames
  to and from a tap device it creates inside a network namespace of its own
  (`pt<PID>-pgN`); the Linux stack of that namespace is the guest, so
  udhcpc, dhclient, SLAAC, ping, tcp_peer.py, udp_peer.py and curl run
  there unchanged (`passt_guest` fixture, class Guest);
* a scripted one: StreamClient speaks the framing directly (to a socket
  path or an already-connected socket) and can run a DHCP DISCOVER/OFFER
  exchange built by hand (dhcp_offer()), for the contract and malformed
  stream tests.

passt always runs as the unprivileged test user in the `host` namespace of
the topology (topo.py), with -f unless a test checks daemonisation; `remote`
is the internet.  Its binary is $PASST (default <repo>/passt).

Run as a script, `guest_bridge.py qemu-launch PIDFILE -- ARGV...` plays
qemu 10.1's `-netdev passt` (compat.md 3.4): it becomes a child subreaper,
puts one end of a socketpair on fd 3 of ARGV, waits for ARGV to exit, reads
the pid file the way qemu does (strtoll), asks for a DHCP lease over its end
of the pair, closes it and waits for the daemon (now its child) to exit; it
prints one JSON line with everything it saw.
"""

import ctypes
import itertools
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

import topo as T

BRIDGE_SRC = T.HERE / "guest_bridge.c"
BRIDGE_BIN = T.REPO / "build" / "guest_bridge"
GUEST_IF = "eth0"
GUEST_MAC = "52:54:00:12:34:56"
ETH_P_IP = 0x0800
DHCP_DISCOVER, DHCP_OFFER = 1, 2

_guest_ids = itertools.count(1)


# -- the tools -------------------------------------------------------------
def passt_path():
    """Path of the passt under test ($PASST, default <repo>/passt)."""
    return T.tool_path("passt")


def bridge_binary():
    """build/guest_bridge, compiled from guest_bridge.c if missing or
    older than its source."""
    if (not BRIDGE_BIN.exists() or
            BRIDGE_BIN.stat().st_mtime < BRIDGE_SRC.stat().st_mtime):
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        T.need(cc is not None, "no C compiler to build guest_bridge")
        BRIDGE_BIN.parent.mkdir(parents=True, exist_ok=True)
        T.sh([cc, "-std=gnu11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
              "-Werror", str(BRIDGE_SRC), "-o", str(BRIDGE_BIN)], timeout=60)
    return str(BRIDGE_BIN)


@pytest.fixture(scope="session")
def passt():
    """Path of the passt under test."""
    p = passt_path()
    T.need(os.access(p, os.X_OK), "passt under test not found: " + p +
           " (build it with make, or set PASST)")
    return p


def passt_fwd(tcp=(), udp=()):
    """passt's forwarding options (-t/-u only: -T/-U are pasta's)."""
    def spec(ports):
        return ",".join(str(p) for p in ports) if ports else "none"
    return ["-t", spec(tcp), "-u", spec(udp)]


def start_passt(topo, procs, passt_bin, sock, args=(), fwd=None):
    """passt -f -s @sock as the user in `host`, tracked by @procs; returns
    the Popen once the socket exists (fails the test otherwise)."""
    fwd = passt_fwd() if fwd is None else list(fwd)
    p = topo.popen_as_user_in_host(procs, [passt_bin, "-f", "-s", sock] +
                                   fwd + list(args))
    ok = T.wait_for(lambda: is_socket(sock) or p.poll() is not None, 10)
    if not ok or p.poll() is not None:
        if p.poll() is None:
            p.kill()
        out, err = p.communicate(timeout=5)
        pytest.fail("passt did not start (exit %s): %s %s"
                    % (p.returncode, out[-1000:], err[-2000:]))
    return p


def is_socket(path):
    try:
        return (os.stat(path).st_mode & 0o170000) == 0o140000
    except OSError:
        return False


# -- the kernel guest ------------------------------------------------------
class Guest:
    """passt plus a bridged tap in a namespace of its own.

    netns: `ip netns` name of the guest; ifname: its tap; tmp: the test's
    directory; sock: passt's socket; passt: passt's Popen (pid: its PID);
    bridge: the bridge's Popen.  Attributes match conftest.Attached where
    the shared DHCP helpers need them (netns, ifname, tmp).
    """

    def __init__(self, netns, tmp, sock, passt_proc, bridge):
        self.netns = netns
        self.ifname = GUEST_IF
        self.tmp = tmp
        self.sock = sock
        self.passt = passt_proc
        self.pid = passt_proc.pid
        self.bridge = bridge


def bridge_stats(g, timeout=5):
    """Stop the bridge of Guest @g; return its closing line (counters)."""
    if g.bridge.poll() is None:
        g.bridge.send_signal(signal.SIGTERM)
    try:
        _, err = g.bridge.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        g.bridge.kill()
        _, err = g.bridge.communicate(timeout=5)
    return err.decode(errors="replace").strip()


def add_guest_ns(topo):
    """A fresh namespace (lo up, the test resolv.conf), cleaned up by the
    session finalizer if the test's own cleanup does not run."""
    name = "%s-pg%d" % (topo.tag, next(_guest_ids))
    T.sh(["ip", "netns", "add", name])
    topo.netns.append(name)
    T.sh(["ip", "-n", name, "link", "set", "lo", "up"])
    topo.write_resolv(name)
    return name


def start_bridge(procs, netns, sock, mtu=T.MTU_DEFAULT):
    """guest_bridge in @netns on @sock; waits for its "ready" line."""
    p = procs.popen(["ip", "netns", "exec", netns, bridge_binary(), sock,
                     GUEST_IF, "--mtu", str(mtu)])
    r, _, _ = select.select([p.stdout], [], [], 15)
    line = p.stdout.readline() if r else b""
    if line.strip() != b"ready":
        p.kill()
        _, err = p.communicate(timeout=5)
        pytest.fail("guest_bridge did not start: %r %r" % (line, err))
    return p


@pytest.fixture
def passt_guest(topo, procs, tmp, passt):
    """Factory: passt_guest(*args, fwd=None, mtu=65520, configure=True)
    starts passt (-f, @args, forwarding @fwd from passt_fwd()), a guest
    namespace and the bridge; with @configure the guest takes its IPv4
    lease with udhcpc, forms its SLAAC address and resolves both gateways
    through passt.  Returns a Guest."""
    made = []

    def start(*args, fwd=None, mtu=T.MTU_DEFAULT, configure=True):
        sock = str(tmp / ("passt%d.socket" % (len(made) + 1)))
        p = start_passt(topo, procs, passt, sock, args, fwd)
        ns = add_guest_ns(topo)
        made.append(ns)
        br = start_bridge(procs, ns, sock, mtu)
        g = Guest(ns, tmp, sock, p, br)
        if configure:
            configure_guest(topo, g)
        return g

    yield start
    for ns in made:
        topo.detach_netns(ns)


CONFIG_SCRIPT = """#!/bin/sh
# udhcpc hook: configure address and default route, record the lease
case "$1" in
bound|renew)
  busybox ip addr add "$ip/${mask:-24}" dev "$interface"
  busybox ip route add default via "$router" dev "$interface"
  echo "LEASE ip=$ip router=$router"
  ;;
esac
exit 0
"""


def slaac_addr(topo, g):
    """The guest's non-tentative global address in 2001:db8:1::/64."""
    j = topo.ip_json(g.netns, ["-6", "addr", "show", "dev", g.ifname,
                               "scope", "global"])
    for entry in j:
        for a in entry.get("addr_info", []):
            if (a.get("local", "").startswith(T.PREFIX6[:-1]) and
                    not a.get("tentative")):
                return a["local"]
    return None


def configure_guest(topo, g):
    """IPv4 by udhcpc, IPv6 by SLAAC, then both gateways resolved."""
    T.need(shutil.which("busybox") is not None, "busybox is not installed")
    script = g.tmp / "configure.sh"
    script.write_text(CONFIG_SCRIPT)
    script.chmod(0o755)
    r = topo.in_ns(g.netns, ["unshare", "--uts", "busybox", "udhcpc", "-i",
                             g.ifname, "-n", "-q", "-f", "-t", "5", "-T", "1",
                             "-s", script], timeout=20)
    assert r.returncode == 0 and "LEASE ip=" in r.stdout, \
        "guest got no DHCP lease: %s %s" % (r.stdout, r.stderr)
    a = T.wait_for(lambda: slaac_addr(topo, g), 15, 0.1)
    assert a, "guest formed no SLAAC address"
    g.addr6 = a
    assert T.wait_for(lambda: topo.ip_json(g.netns, ["-6", "route", "show",
                                                     "default"]), 5, 0.1), \
        "no IPv6 default route from the RA"
    assert T.announce(g.netns), "guest could not resolve the gateways"


# -- the scripted guest ----------------------------------------------------
def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def csum(data):
    """Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def dhcp_discover(mac, xid):
    """Ethernet frame: broadcast DHCPDISCOVER (RFC 2131) from @mac."""
    opts = bytes([53, 1, DHCP_DISCOVER, 55, 6, 1, 3, 6, 15, 26, 119, 255])
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, xid, 0,
                        0x8000, b"", b"", b"", b"", mac_bytes(mac), b"", b"",
                        0x63825363) + opts
    bootp += b"\0" * max(0, 300 - len(bootp))
    udp_len = 8 + len(bootp)
    src, dst = b"\0\0\0\0", b"\xff\xff\xff\xff"
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", 68, 67, udp_len, 0) + bootp
    uc = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\xff" * 6 + mac_bytes(mac) + struct.pack("!H", ETH_P_IP)
    return eth + ip + udp


def parse_dhcp(frame, xid):
    """The DHCP reply with transaction @xid in @frame as a dict (type,
    yiaddr, src_mac, dst_mac, options {code: bytes}), or None."""
    if len(frame) < 14 + 20 + 8 + 240:
        return None
    if struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return None
    ihl = (frame[14] & 0xf) * 4
    if frame[23] != 17:
        return None
    u = 14 + ihl
    sport, dport = struct.unpack_from("!HH", frame, u)
    b = u + 8
    if (sport, dport) != (67, 68) or len(frame) < b + 240:
        return None
    if frame[b] != 2 or struct.unpack_from("!I", frame, b + 4)[0] != xid:
        return None
    opts, i = {}, b + 240
    while i < len(frame) and frame[i] != 255:
        if frame[i] == 0:
            i += 1
            continue
        if i + 1 >= len(frame):
            break
        n = frame[i + 1]
        opts[frame[i]] = bytes(frame[i + 2:i + 2 + n])
        i += 2 + n
    t = opts.get(53, b"\0")[0]
    return {"type": t, "yiaddr": socket.inet_ntoa(frame[b + 16:b + 20]),
            "src_mac": mac_str(frame[6:12]), "dst_mac": mac_str(frame[0:6]),
            "options": opts}


def connect_unix(path, timeout=5):
    """A stream socket connected to @path.  A full listen backlog (EAGAIN:
    the server has not accepted earlier clients yet) is retried until
    @timeout, then raised as socket.timeout."""
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() >= end:
                raise socket.timeout("backlog of %s stays full" % path)
            time.sleep(0.05)
        except OSError:
            s.close()
            raise


class StreamClient:
    """One client of passt's stream socket (framing of compat.md 4.1)."""

    def __init__(self, path=None, sock=None, timeout=5):
        if sock is None:
            sock = connect_unix(path, timeout)
        sock.settimeout(timeout)
        self.s = sock
        self.buf = b""

    def send_frame(self, frame):
        self.s.sendall(struct.pack("!I", len(frame)) + frame)

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no frame from passt")
            self.s.settimeout(left)
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError("passt closed the connection")
            self.buf += d

    def recv_frame(self, timeout=5):
        """The next frame from passt (checks its length is sane)."""
        deadline = time.monotonic() + timeout
        self._fill(4, deadline)
        n = struct.unpack_from("!I", self.buf)[0]
        assert 14 <= n <= 65535, "passt sent a frame length of %d" % n
        self._fill(4 + n, deadline)
        f, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return f

    def dhcp_offer(self, mac=GUEST_MAC, timeout=5, tries=3):
        """DISCOVER until an OFFER arrives (other frames are skipped);
        returns parse_dhcp() of the offer, or None."""
        xid = random.getrandbits(32)
        for _ in range(tries):
            self.send_frame(dhcp_discover(mac, xid))
            end = time.monotonic() + timeout / tries
            while time.monotonic() < end:
                try:
                    f = self.recv_frame(end - time.monotonic())
                except socket.timeout:
                    break
                d = parse_dhcp(f, xid)
                if d and d["type"] == DHCP_OFFER:
                    return d
        return None

    def closed_by_peer(self, timeout=5):
        """True once passt has closed (or reset) this connection; frames it
        still sends before that are discarded."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.s.settimeout(max(0.01, end - time.monotonic()))
            try:
                if not self.s.recv(1 << 16):
                    return True
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
        return False

    def close(self):
        self.s.close()


def opt_addr(offer, code):
    """IPv4 address(es) in option @code of @offer, space separated."""
    v = offer["options"].get(code, b"")
    return " ".join(socket.inet_ntoa(v[i:i + 4]) for i in range(0, len(v), 4))


def opt_u16(offer, code):
    v = offer["options"].get(code)
    return struct.unpack("!H", v)[0] if v and len(v) == 2 else None


# -- qemu 10.1 -netdev passt stand-in (runs as its own process) -------------
PR_SET_CHILD_SUBREAPER = 36


def strtoll(text):
    """What qemu's strtoll() makes of a pid file: leading blanks, a number;
    None if there is no number at all."""
    m = re.match(r"\s*([+-]?\d+)", text)
    return int(m.group(1)) if m else None


def _reap(pid, timeout):
    """waitpid() @pid (our child or orphan) for at most @timeout seconds:
    ("exit", code), ("signal", n) or ("timeout", None)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return ("not-a-child", None)
        if got == pid:
            if os.WIFEXITED(status):
                return ("exit", os.WEXITSTATUS(status))
            return ("signal", os.WTERMSIG(status))
        time.sleep(0.05)
    return ("timeout", None)


def qemu_launch(pidfile, argv, timeout=15):
    """The body of `qemu-launch`: see the module docstring."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    tfd = theirs.fileno()
    res = {}
    # the peer end becomes fd 3 of the child, as GSubprocess does for qemu
    p = subprocess.Popen(argv, pass_fds=(3,), preexec_fn=lambda:
                         os.dup2(tfd, 3, inheritable=True),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    theirs.close()
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate(timeout=5)
        res["parent_timeout"] = True
    res.update(parent_rc=p.returncode, parent_out=out.decode(errors="replace"),
               parent_err=err.decode(errors="replace"))
    try:
        res["pidfile"] = Path(pidfile).read_text()
    except OSError as e:
        res["pidfile_error"] = e.strerror
        res["pidfile"] = ""
    pid = strtoll(res["pidfile"])
    res["pid"] = pid
    if pid is None or pid <= 1:
        print(json.dumps(res))
        return
    res["alive"] = T.pid_alive(pid)
    try:
        offer = StreamClient(sock=ours).dhcp_offer(timeout=6)
    except (OSError, EOFError, AssertionError) as e:
        offer, res["dhcp_error"] = None, repr(e)
    res["offer"] = offer and {k: v for k, v in offer.items()
                              if k != "options"}
    res["alive_after_dhcp"] = T.pid_alive(pid)
    ours.close()
    res["daemon"] = _reap(pid, timeout)
    if res["daemon"][0] == "timeout":
        os.kill(pid, signal.SIGKILL)
        _reap(pid, 5)
    print(json.dumps(res))


def main(argv):
    if len(argv) >= 4 and argv[1] == "qemu-launch" and argv[3] == "--":
        qemu_launch(argv[2], argv[4:])
        return 0
    print("usage: guest_bridge.py qemu-launch PIDFILE -- ARGV...",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
