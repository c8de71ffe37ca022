# SPDX-License-Identifier: GPL-2.0-or-later
"""passt's qemu socket, at the socket level: framing, clients, lifecycle.

Theory of operation: passt runs as the test user in the `host` namespace
(template interface ext0: the guest gets 198.51.100.1, gateway
198.51.100.254). A Python client plays qemu: it speaks the 4-byte
big-endian length + Ethernet frame protocol on passt's UNIX socket, sends
ARP and DHCP requests and checks the answers byte by byte. Around it: a
second client is turned away, a bad length resets only that client, -1 and
--fd exit 0 when the client goes, daemonising writes the daemon's PID, the
default /tmp/passt_N.socket paths are probed, an address in use exits 1,
and systemd socket activation (systemd-socket-activate, sd_notify) works.
"""

import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

import topo as T

GUEST_MAC = bytes.fromhex("020000000001")
OUR_MAC = bytes.fromhex("9a559a559a55")
GUEST4 = "198.51.100.1"
GW4 = T.GW4
NO_FWD = ["-t", "none", "-u", "none"]
ETH_P_ARP = 0x0806
ETH_P_IP = 0x0800


@pytest.fixture(scope="module")
def passt():
    p = T.tool_path("passt")
    T.need(os.access(p, os.X_OK), "passt under test not found: " + p)
    T.skip_on_reference(p, "2023 passt: different logs and options")
    return p


# -- the qemu side ------------------------------------------------------------
class Client:
    """A qemu stand-in on passt's socket."""

    def __init__(self, sock):
        self.s = sock
        self.s.settimeout(5)
        self.buf = b""

    @classmethod
    def connect(cls, path, timeout=5):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        end = time.monotonic() + timeout
        while True:
            try:
                s.connect(str(path))
                return cls(s)
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)

    def send(self, frame):
        self.s.sendall(struct.pack("!I", len(frame)) + frame)

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no frame from passt")
            self.s.settimeout(left)
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError("passt closed the connection")
            self.buf += d

    def recv(self, timeout=5):
        deadline = time.monotonic() + timeout
        self._fill(4, deadline)
        n = struct.unpack("!I", self.buf[:4])[0]
        assert 14 <= n <= 65535, "bad length from passt: %d" % n
        self._fill(4 + n, deadline)
        f, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
        return f

    def recv_match(self, pred, timeout=5):
        """First frame satisfying @pred; others are skipped (checked for
        the 60-byte minimum on the way)."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.recv(max(0.01, deadline - time.monotonic()))
            assert len(f) >= 60, "unpadded frame of %d bytes" % len(f)
            if pred(f):
                return f

    def closed_by_peer(self, timeout=5):
        """True if passt closes this connection within @timeout."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.s.settimeout(max(0.01, deadline - time.monotonic()))
                if not self.s.recv(1 << 16):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        return False

    def close(self):
        self.s.close()


def arp_request(target=GW4, sender=GUEST4, smac=GUEST_MAC):
    return (b"\xff" * 6 + smac + struct.pack("!H", ETH_P_ARP) +
            struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 1) + smac +
            socket.inet_aton(sender) + b"\0" * 6 + socket.inet_aton(target))


def is_arp_reply(f):
    return (struct.unpack("!H", f[12:14])[0] == ETH_P_ARP and
            struct.unpack("!H", f[20:22])[0] == 2)


def check_arp_reply(f, target=GW4, sender=GUEST4, smac=GUEST_MAC):
    assert len(f) == 60, "ARP reply not padded to 60: %d" % len(f)
    assert f[0:6] == smac and f[6:12] == OUR_MAC
    assert f[22:28] == OUR_MAC
    assert socket.inet_ntoa(f[28:32]) == target
    assert f[32:38] == smac
    assert socket.inet_ntoa(f[38:42]) == sender
    assert f[42:60] == b"\0" * 18


def arp_roundtrip(c):
    c.send(arp_request())
    check_arp_reply(c.recv_match(is_arp_reply))


def dhcp_discover(xid=0x1234abcd):
    from scapy.all import BOOTP, DHCP, IP, UDP, Ether
    p = (Ether(src=GUEST_MAC, dst="ff:ff:ff:ff:ff:ff") /
         IP(src="0.0.0.0", dst="255.255.255.255") /
         UDP(sport=68, dport=67) /
         BOOTP(chaddr=GUEST_MAC + b"\0" * 10, xid=xid, flags=0x8000) /
         DHCP(options=[("message-type", "discover"), "end"]))
    return bytes(p)


# -- running passt ------------------------------------------------------------
class Run:
    """A foreground passt, with its stderr collected as it comes."""

    def __init__(self, popen):
        self.p = popen
        self.err = ""

    def read_err(self, timeout=0.0):
        fd = self.p.stderr.fileno()
        end = time.monotonic() + timeout
        while True:
            r, _, _ = select.select([fd], [], [],
                                    max(0.0, end - time.monotonic()))
            if not r:
                return self.err
            d = os.read(fd, 65536)
            if not d:
                return self.err
            self.err += d.decode(errors="replace")

    def wait_err(self, regex, timeout=5):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = re.search(regex, self.read_err(0.1))
            if m:
                return m
            if self.p.poll() is not None:
                m = re.search(regex, self.read_err(0.1))
                break
        else:
            m = None
        assert m, "no %r in passt's stderr: %s" % (regex, self.err)
        return m

    def wait_exit(self, timeout=10):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


def start_fg(topo, procs, passt, args, **kw):
    p = topo.popen_as_user_in_host(procs, [passt, "-f"] + NO_FWD +
                                   list(args), **kw)
    return Run(p)


def sock_ready(path):
    return T.wait_for(lambda: os.path.exists(path), 5)


# -- tests --------------------------------------------------------------------
@pytest.mark.ours_only("rule display of upstream since v0.60")
def test_inbound_rules_listed(topo, procs, tmp, passt):
    """compat.md 5.2: passt has one table, the host side's."""
    path = tmp / "p.socket"
    r = Run(topo.popen_as_user_in_host(procs, [
        passt, "-f", "-s", path, "-t", "15000-15001", "-u", "::1/15353:53"]))
    r.wait_err(r"UNIX domain socket bound at ")
    err = r.err
    assert ("Inbound forwarding rules (HOST):\n"
            "    TCP [*]:15000-15001  =>  15000-15001 \n"
            "    UDP [::1]:15353  =>  53 \n") in err, err
    assert "SPLICE" not in err, err


def test_arp_and_dhcp_answered_over_socket(topo, procs, tmp, passt):
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt, ["-s", path])
    r.wait_err(r"UNIX domain socket bound at " + re.escape(str(path)))
    r.wait_err(r"addr\.path=" + re.escape(str(path)))
    c = Client.connect(path)
    arp_roundtrip(c)

    from scapy.all import BOOTP, DHCP, Ether
    c.send(dhcp_discover())
    f = c.recv_match(lambda f: f[12:14] == b"\x08\x00" and f[23] == 17 and
                     f[36:38] == b"\x00\x44")
    e = Ether(f)
    assert e[BOOTP].xid == 0x1234abcd
    assert e[BOOTP].yiaddr == GUEST4
    opts = dict(o for o in e[DHCP].options if isinstance(o, tuple))
    assert opts["message-type"] == 2           # offer
    assert opts["router"] == GW4
    assert opts["subnet_mask"] == "255.255.255.0"
    c.close()
    assert r.p.poll() is None, "passt exited after the client left"


def test_frames_split_across_writes(topo, procs, tmp, passt):
    path = tmp / "p.socket"
    start_fg(topo, procs, passt, ["-s", path])
    c = Client.connect(path)
    f = arp_request()
    msg = struct.pack("!I", len(f)) + f
    # two requests: the first byte by byte, the second glued to its end
    req2 = arp_request(target="198.51.100.7")
    both = msg + struct.pack("!I", len(req2)) + req2
    for i in range(len(msg) - 1):
        c.s.sendall(both[i:i + 1])
        time.sleep(0.002)
    c.s.sendall(both[len(msg) - 1:])
    check_arp_reply(c.recv_match(is_arp_reply))
    check_arp_reply(c.recv_match(is_arp_reply), target="198.51.100.7")
    # many in one write
    c.s.sendall(msg * 50)
    for _ in range(50):
        check_arp_reply(c.recv_match(is_arp_reply))


def test_second_client_accepted_and_closed(topo, procs, tmp, passt):
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt, ["-s", path])
    a = Client.connect(path)
    arp_roundtrip(a)
    b = Client.connect(path)
    assert b.closed_by_peer(), "second client was not closed"
    r.wait_err(r"Discarding connection from PID \d+")
    arp_roundtrip(a)
    a.close()
    # after the first one leaves, a new client is served
    c = Client.connect(path)
    arp_roundtrip(c)


def test_stopped_and_continued_serves_the_new_client(topo, procs, tmp,
                                                     passt):
    """qemu reconnects (its reconnect-ms) while passt is stopped (SIGSTOP,
    a debugger, a frozen cgroup): when passt is continued, the kernel
    resumes its interrupted poll() or nap through restart_syscall(), which
    the seccomp filter must allow, and it finishes the old client and
    serves the new one, whose connection waited in the listening queue."""
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt, ["-s", path])
    for _ in range(3):
        a = Client.connect(path)
        arp_roundtrip(a)
        os.kill(r.p.pid, signal.SIGSTOP)
        try:
            b = Client.connect(path)
            a.close()
            time.sleep(0.05)
        finally:
            os.kill(r.p.pid, signal.SIGCONT)
        arp_roundtrip(b)
        b.close()
        r.wait_err("Client connection closed")
    assert r.p.poll() is None


@pytest.mark.parametrize("bad", [0, 13, 65536, 0xFFFFFFFF])
def test_bad_length_resets_only_that_client(topo, procs, tmp, passt, bad):
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt, ["-s", path])
    c = Client.connect(path)
    arp_roundtrip(c)
    c.s.sendall(struct.pack("!I", bad) + b"\xab" * 64)
    assert c.closed_by_peer(), "client with a bad length was not reset"
    r.wait_err("Bad frame size from guest")
    assert r.p.poll() is None
    c = Client.connect(path)
    arp_roundtrip(c)


def test_garbage_then_disconnect_leaves_next_client_clean(topo, procs, tmp,
                                                          passt):
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt, ["-s", path])
    c = Client.connect(path)
    # a truncated frame: the next client must not inherit its tail
    f = arp_request()
    c.s.sendall(struct.pack("!I", 1000) + f)
    c.close()
    r.wait_err("Client connection closed")
    c = Client.connect(path)
    arp_roundtrip(c)
    assert r.p.poll() is None


def test_one_off_exits_zero_on_disconnect(topo, procs, tmp, passt):
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt, ["-1", "-s", path])
    c = Client.connect(path)
    arp_roundtrip(c)
    assert r.p.poll() is None
    c.close()
    assert r.wait_exit(5) == 0, r.read_err()
    assert "Client connection closed, exiting" in r.read_err()


def test_one_off_exits_zero_on_bad_length(topo, procs, tmp, passt):
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt, ["--one-off", "--socket", path])
    c = Client.connect(path)
    c.s.sendall(struct.pack("!I", 3) + b"xyz")
    assert r.wait_exit(5) == 0, r.read_err()


def test_fd_socketpair(topo, procs, passt):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fd = theirs.fileno()
    r = start_fg(topo, procs, passt, ["--fd", str(fd)], pass_fds=(fd,))
    theirs.close()
    c = Client(ours)
    arp_roundtrip(c)
    assert r.p.poll() is None
    c.close()
    assert r.wait_exit(5) == 0, r.read_err()
    assert "UNIX domain socket bound" not in r.read_err()


def test_fd_that_is_not_a_socket_fails(topo, procs, passt):
    rd, wr = os.pipe()
    try:
        r = start_fg(topo, procs, passt, ["-F", str(rd)], pass_fds=(rd,))
        assert r.wait_exit(5) == 1
    finally:
        os.close(rd)
        os.close(wr)


def test_daemonise_parent_exits_zero_pid_file_live(topo, procs, tmp, passt):
    path, pidfile = tmp / "p.socket", tmp / "passt.pid"
    res = topo.run_as_user_in_host([passt] + NO_FWD +
                                   ["-s", path, "-P", pidfile])
    assert res.returncode == 0, res.stderr
    txt = pidfile.read_text()
    assert re.fullmatch(r"\d+\n", txt), repr(txt)
    pid = int(txt)
    procs.add(pid)
    assert T.pid_alive(pid)
    assert T.pid_uid(pid) == topo.user.pw_uid
    assert T._comm(pid) == "passt"
    # stdio detached: fd 0-2 point to /dev/null
    for fd in range(3):
        # (same device; the path reads /null after the sandbox's
        # pivot_root into an empty tmpfs)
        assert os.stat("/proc/%d/fd/%d" % (pid, fd)).st_rdev == \
            os.stat("/dev/null").st_rdev
    c = Client.connect(path)
    arp_roundtrip(c)
    c.close()
    # not one-off: still there for the next client
    time.sleep(0.2)
    assert T.pid_alive(pid)
    c = Client.connect(path)
    arp_roundtrip(c)


def test_daemonise_with_fd_and_pid_like_qemu(topo, procs, tmp, passt):
    """qemu 10.1's -netdev passt: --quiet ... --pid F --fd 3, waits for 0."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pidfile = tmp / "passt.pid"
    fd = theirs.fileno()
    res = topo.run_as_user_in_host([passt, "--quiet"] + NO_FWD +
                                   ["--pid", pidfile, "--fd", str(fd)],
                                   pass_fds=(fd,))
    theirs.close()
    assert res.returncode == 0, res.stderr
    pid = int(pidfile.read_text())
    procs.add(pid)
    c = Client(ours)
    arp_roundtrip(c)
    c.close()
    assert T.wait_for(lambda: not T.pid_alive(pid), 5)


def test_default_path_probing(topo, procs, passt):
    made = []
    try:
        r1 = start_fg(topo, procs, passt, [])
        p1 = r1.wait_err(r"UNIX domain socket bound at "
                         r"(/tmp/passt_(\d+)\.socket)")
        made.append(p1.group(1))
        r2 = start_fg(topo, procs, passt, [])
        p2 = r2.wait_err(r"UNIX domain socket bound at "
                         r"(/tmp/passt_(\d+)\.socket)")
        made.append(p2.group(1))
        assert int(p2.group(2)) > int(p1.group(2))
        for path in made:
            arp_roundtrip(Client.connect(path))
    finally:
        for path in made:
            try:
                os.unlink(path)
            except OSError:
                pass


def test_socket_in_use_exits_1(topo, procs, tmp, passt):
    path = tmp / "p.socket"
    start_fg(topo, procs, passt, ["-s", path])
    assert sock_ready(path)
    Client.connect(path).close()
    res = topo.run_as_user_in_host([passt, "-f"] + NO_FWD + ["-s", path])
    assert res.returncode == 1
    assert "Socket path %s already in use" % path in res.stderr


def test_stale_socket_file_is_replaced(topo, procs, tmp, passt):
    path = tmp / "stale.socket"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()                       # a file nobody listens on
    os.chmod(path, 0o777)
    os.chmod(tmp, 0o777)            # no sticky bit: the user may replace it
    start_fg(topo, procs, passt, ["-s", path])
    arp_roundtrip(Client.connect(path))


def need_socket_activate():
    T.need(shutil.which("systemd-socket-activate") is not None,
           "systemd-socket-activate is not installed")


def test_socket_activation_serves_early_client(topo, procs, tmp, passt):
    need_socket_activate()
    path = tmp / "act.socket"
    sa = topo.popen_as_user_in_host(
        procs, ["systemd-socket-activate", "-l", path, passt, "-f"] +
        NO_FWD)
    r = Run(sa)
    assert sock_ready(path)
    # connect and send before passt even runs: the frame waits in the socket
    c = Client.connect(path)
    c.send(arp_request())
    check_arp_reply(c.recv_match(is_arp_reply, timeout=10))
    r.wait_err("Using the socket passed by systemd")
    assert "UNIX domain socket bound" not in r.read_err()
    c.close()
    # Accept=no: passt keeps the listening socket for the next client
    c = Client.connect(path)
    arp_roundtrip(c)


def test_socket_activation_accept_yes(topo, procs, tmp, passt):
    need_socket_activate()
    path = tmp / "acc.socket"
    sa = topo.popen_as_user_in_host(
        procs, ["systemd-socket-activate", "-a", "-l", path, passt, "-f"] +
        NO_FWD)
    assert sock_ready(path)
    c = Client.connect(path)
    arp_roundtrip(c)
    c.close()
    assert sa.poll() is None or sa.returncode == 0


def test_sd_notify_ready(topo, procs, tmp, passt):
    ns = tmp / "notify"
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n.bind(str(ns))
    os.chmod(ns, 0o777)
    n.settimeout(5)
    path = tmp / "p.socket"
    p = procs.popen(topo.user_prefix() + ["NOTIFY_SOCKET=%s" % ns, passt,
                                          "-f"] + NO_FWD + ["-s", str(path)])
    try:
        msg = n.recv(4096)
        # At that moment passt must be sandboxed already: seccomp filter,
        # a user namespace of its own, an empty root (systemd reports the
        # unit as started on READY=1, and a failing sandbox set-up used
        # to come after it)
        status = Path("/proc/%d/status" % p.pid).read_text()
        userns = os.readlink("/proc/%d/ns/user" % p.pid)
        root = os.listdir("/proc/%d/root" % p.pid)
    finally:
        n.close()
    assert msg == b"READY=1"
    assert "\nSeccomp:\t2\n" in status, status
    assert userns != os.readlink("/proc/self/ns/user")
    assert root == []
    assert p.poll() is None
    arp_roundtrip(Client.connect(path))


def test_host_loopback_reaches_guest_from_gateway(topo, procs, tmp, passt):
    """-t: a connection to the host's 127.0.0.1 arrives at the guest from
    the gateway address, with a valid (non-offloaded) TCP checksum."""
    from scapy.all import IP, TCP, Ether
    port = 10022
    path = tmp / "p.socket"
    r = Run(topo.popen_as_user_in_host(procs, [passt, "-f", "-u", "none",
                                               "-t", str(port), "-s", path]))
    c = Client.connect(path)
    arp_roundtrip(c)                # the guest's MAC is known now
    conn = procs.popen(["ip", "netns", "exec", topo.host, T.PY, "-c",
                        "import socket,time;"
                        "s=socket.create_connection(('127.0.0.1',%d),3);"
                        "time.sleep(3)" % port])
    f = c.recv_match(lambda f: f[12:14] == b"\x08\x00" and f[23] == 6,
                     timeout=5)
    e = Ether(f)
    assert e[IP].src == GW4
    assert e[IP].dst == GUEST4
    assert e[TCP].dport == port
    assert e[TCP].flags & 0x02, "not a SYN: %s" % e[TCP].flags
    assert e.dst == GUEST_MAC.hex(":")
    got = e[TCP].chksum
    del e[TCP].chksum
    del e[IP].chksum
    assert Ether(bytes(e))[TCP].chksum == got, "bad TCP checksum"
    assert r.p.poll() is None
    conn.kill()


def _ports_of(netns, proto, pid):
    """Ports @pid listens on (TCP) or is bound to (UDP) in @netns."""
    r = T.run(["ip", "netns", "exec", netns, "ss", "-Hn",
               "-ltp" if proto == "tcp" else "-lup"])
    ports = set()
    for line in r.stdout.splitlines():
        if "pid=%d," % pid not in line:
            continue
        local = line.split()[3]
        ports.add(int(local.rsplit(":", 1)[1]))
    return ports


def _sysctl(netns, name, value=None):
    path = "/proc/sys/" + name.replace(".", "/")
    if value is None:
        return T.run(["ip", "netns", "exec", netns, "cat", path]
                     ).stdout.strip()
    T.run(["ip", "netns", "exec", netns, "sysctl", "-qw",
           "%s=%s" % (name, value)])
    return value


def test_all_binds_every_free_non_ephemeral_port(topo, procs, tmp, passt):
    """-t all -u all (passt only): every port outside the ephemeral range
    that is free and allowed to the user; a port whose 0.0.0.0 is in use
    is bound on [::] only (listen.c: when the dual-stack bind fails, each
    family on its own, as upstream's 2025 releases do).  The
    ephemeral range of `host` is widened for the test (1024-64000), so
    that two sockets per remaining port fit this machine's limit of open
    files, and every port is allowed to the user."""
    old = {k: _sysctl(topo.host, k) for k in (
        "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start")}
    first, last = 1024, 64000
    _sysctl(topo.host, "net.ipv4.ip_local_port_range", "%d %d" % (first, last))
    _sysctl(topo.host, "net.ipv4.ip_unprivileged_port_start", 0)
    try:
        busy = procs.popen(["ip", "netns", "exec", topo.host, T.PY, "-c",
                            "import socket,time;s=socket.socket();"
                            "s.bind(('0.0.0.0',64999));s.listen();"
                            "print('ok',flush=True);time.sleep(30)"],
                           stdout=subprocess.PIPE, text=True)
        assert busy.stdout.readline().strip() == "ok"
        path = tmp / "p.socket"
        r = Run(topo.popen_as_user_in_host(procs, [passt, "-f", "-t", "all",
                                                   "-u", "all", "-s", path]))
        assert sock_ready(path)
        want = set(range(1, 65536)) - set(range(first, last + 1))
        for proto in ("tcp", "udp"):
            ports = _ports_of(topo.host, proto, r.p.pid)
            assert not ports & set(range(first, last + 1)), \
                "%s: ephemeral ports bound" % proto
            missing = want - ports
            assert missing == set(), (proto, len(ports),
                                      sorted(missing)[:10])
        ss = T.run(["ip", "netns", "exec", topo.host, "ss", "-Hnltp",
                    "sport = :64999"]).stdout
        mine = [ln.split()[3] for ln in ss.splitlines()
                if "pid=%d," % r.p.pid in ln]
        assert mine == ["[::]:64999"], ss
        assert r.p.poll() is None
        busy.kill()
    finally:
        for k, v in old.items():
            _sysctl(topo.host, k, v.replace("\t", " "))


def test_units_verify():
    """systemd-analyze verify accepts both units, without any warning."""
    T.need(shutil.which("systemd-analyze") is not None,
           "systemd-analyze is not installed")
    units = [str(T.REPO / "units" / u)
             for u in ("passt@.socket", "passt@.service")]
    r = T.run(["systemd-analyze", "verify", "--man=no"] + units, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr
