# SPDX-License-Identifier: GPL-2.0-or-later
"""dpdk_vu.py - passt --vhost-user with DPDK's testpmd as the frontend and a
namespace's kernel as the guest (test_vu_dpdk.py, bench/run).

Theory of operation: dpdk-testpmd (DPDK 22.11, package dpdk-dev) runs two
virtual ports in a network namespace of its own (`pt<PID>-vuN`):

    port 0: net_virtio_user0, a vhost-user frontend (no VM) connected to
            passt's socket: it maps its own memory into passt with
            SET_MEM_TABLE and drives split virtqueues like a guest driver;
    port 1: net_tap0, a tap `gtap0` whose other side is the namespace's
            kernel, which is the guest (udhcpc, SLAAC, tcp_peer.py...).

testpmd forwards between the two on one busy-polling lcore (`-l 0,1`: the
main lcore and one forwarding lcore; `--no-huge -m 512 --no-pci`).  Its mbufs
hold 2 KiB, so frames longer than that are chains of mbufs: rx scatter on
both ports lets chains through, but the tap PMD takes frames of at most
1522 bytes, so the guest's MTU is 1500 (segments of up to 64 KiB still
travel between testpmd and passt when TSO is negotiated).

Forwarding.  testpmd's `io` engine moves frames untouched, so the guest's
kernel checks every checksum the backend wrote; its `csum` engine
recomputes the checksums towards the kernel (frames from the backend may
carry partial ones) and rewrites both MAC addresses of every frame: to
the port's peer (--eth-peer: passt's MAC for port 0, and for port 1 the
default peer address, which the kernel's tap is given) and from the
port's own.  Both engines retry a full ring for up to 10 ms instead of
dropping the frame, as a guest's driver stops its queue.

Offloads.  The virtio PMD asks the backend for a feature only when the port
is configured for the matching offload: rx TCP/UDP checksum -> GUEST_CSUM,
rx LRO -> GUEST_TSO4/6, tx TCP/UDP checksum -> CSUM, tx TSO ->
HOST_TSO4/6 (DPDK 22.11 knows no USO).  rx LRO is never asked for: the
tap PMD takes at most 1522-byte frames and DPDK 22.11's GSO library cannot
cut TCP/IPv6, so GUEST_TSO4/6 segments could not reach the kernel.  With
offloads off no checksum or segmentation feature is negotiated.  With
offloads on, every other offload the backend offers (read from a probe
run: the virtio PMD logs "host_features before negotiate") is enabled on
port 0 and the `csum` engine does what a guest's driver would: it asks
the backend for checksums towards it (`csum set tcp hw 0`), and with
HOST_TSO merges IPv4 TCP segments from the kernel (GRO on port 1) and
sends them as TSO frames (`tso set MSS 0`).  The negotiated set is read
from the virtio PMD's log ("features after negotiate = ..."), so a test
can show which features were on in a run.

The backend: our passt ($PASST) runs as the test user in `host`; upstream's
(Debian 13's passt package, $PASST pointing into the Debian 13 root, or
REF) runs as the test user of a deb13_env.Deb13 environment in `host`
(it needs that root's glibc), and testpmd reaches its socket through
/proc/<anchor>/root.  Either way the guest's frames leave through the
topology's `host` namespace.
"""

import itertools
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import guest_bridge as G
import topo as T

TESTPMD = "/usr/bin/dpdk-testpmd"
GUEST_IF = "gtap0"
# DPDK 22.11's tap PMD takes frames of at most 1522 bytes (and its virtio
# PMD at most 9728): the guest's MTU is 1500, not passt's 65520
MTU = 1500
# mbufs: 2 KiB data room; 16384 of them fit in -m 512 with the rings
MBUFS = 16384

# virtio-net feature bits (virtio 1.2, 5.1.3)
F = {"CSUM": 0, "GUEST_CSUM": 1, "GUEST_TSO4": 7, "GUEST_TSO6": 8,
     "HOST_TSO4": 11, "HOST_TSO6": 12, "MRG_RXBUF": 15, "STATUS": 16,
     "VERSION_1": 32, "GUEST_USO4": 54, "GUEST_USO6": 55, "HOST_USO": 56}
OFFLOAD_BITS = ("CSUM", "GUEST_CSUM", "GUEST_TSO4", "GUEST_TSO6",
                "HOST_TSO4", "HOST_TSO6")
# What this frontend can carry (see _cmdline()): no GUEST_TSO4/6
FRONTEND_OFFLOADS = ("CSUM", "GUEST_CSUM", "HOST_TSO4", "HOST_TSO6")

_ids = itertools.count(1)


def names(bits):
    """Sorted feature names set in @bits."""
    return sorted(n for n, b in F.items() if bits >> b & 1)


def need_testpmd():
    T.need(os.access(TESTPMD, os.X_OK),
           "dpdk-testpmd is not installed (dpdk-dev)")


# -- the backend -------------------------------------------------------------
class Backend:
    """A passt --vhost-user: sock is the path testpmd connects to, pid its
    PID as seen here (for CPU time), log its log file as seen here."""

    def __init__(self, kind, sock, pid, log, stop):
        self.kind = kind
        self.sock = sock
        self.pid = pid
        self.log = log
        self._stop = stop

    def alive(self):
        return T.pid_alive(self.pid)

    def log_text(self):
        try:
            return Path(self.log).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        self._stop()


def outer_pid(anchor, inner):
    """PID here of the process whose PID is @inner in the PID namespace of
    @anchor (NSpid's last field), or None."""
    try:
        ns = os.readlink("/proc/%d/ns/pid" % anchor)
    except OSError:
        return None
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/ns/pid" % d) != ns:
                continue
            st = Path("/proc/%s/status" % d).read_text()
        except OSError:
            continue
        m = re.search(r"^NSpid:\s+(.*)$", st, re.M)
        if m and int(m.group(1).split()[-1]) == inner:
            return int(d)
    return None


def _refused(out):
    return RuntimeError("passt --vhost-user did not start: %s" % out)


def start_backend(topo, procs, tmp, binary, env=None, args=(), debug=False,
                  fwd=("-t", "none", "-u", "none")):
    """passt @binary --vhost-user -f as the test user, forwarding @fwd;
    inside the Deb13 @env if given (upstream's), else in `host`.  Raises
    RuntimeError with passt's output if it exits or makes no socket."""
    n = next(_ids)
    extra = list(fwd) + list(args) + (["--debug"] if debug else [])
    if env is not None:
        sock_in, log_in, pid_in = ("/tmp/vu%d.sock" % n, "/tmp/vu%d.log" % n,
                                   "/tmp/vu%d.pid" % n)
        p = env.popen(procs, [binary, "--vhost-user", "-f", "-s", sock_in,
                              "-l", log_in, "-P", pid_in] + extra,
                      user=True)
        sock, log = str(env.path(sock_in)), str(env.path(log_in))
        pidf = env.path(pid_in)
    else:
        sock, log = str(Path(tmp) / ("vu%d.sock" % n)), \
            str(Path(tmp) / ("vu%d.log" % n))
        pidf = Path(tmp) / ("vu%d.pid" % n)
        p = topo.popen_as_user_in_host(procs, [
            binary, "--vhost-user", "-f", "-s", sock, "-l", log, "-P",
            pidf] + extra)

    def ready():
        return (G.is_socket(sock) and pidf.exists() and
                pidf.read_text().strip().isdigit()) or p.poll() is not None
    if not T.wait_for(ready, 10) or p.poll() is not None:
        if p.poll() is None:
            p.kill()
        out, err = p.communicate(timeout=5)
        raise _refused("exit %s: %s %s" % (
            p.returncode, out.decode(errors="replace")[-500:],
            err.decode(errors="replace")[-1000:]))
    inner = int(pidf.read_text())
    pid = outer_pid(env.anchor, inner) if env is not None else inner
    if pid is None:
        pid = p.pid

    def stop():
        T.kill_alive(pid, signal.SIGTERM)
        T.wait_for(lambda: not T.pid_alive(pid), 3)
        T.kill_alive(pid)
    return Backend("upstream" if env is not None else "ours", sock, pid, log,
                   stop)


# -- the frontend ------------------------------------------------------------
# testpmd's csum engine rewrites both MAC addresses of every frame it
# forwards: to the port's peer (--eth-peer) and from the port's own.  The
# peer of port 0 is passt's MAC, and the kernel's tap gets the default peer
# address of port 1, so that the guest sees frames addressed to it.
PASST_MAC = "9a:55:9a:55:9a:55"
TAP_PEER_MAC = "02:00:00:00:00:01"

# A guest's driver stops its queue when the ring is full; testpmd would drop
# the frame instead, and the guest's TCP would back off on every burst: it
# retries a full ring for up to 1000 x 10 us instead ("set fwd X retry").
RETRY = ["set burst tx delay 10 retry 1000"]


def _cmdline(offloads, host_bits, engine, mss=1448):
    """testpmd commands (--cmdline-file) for @offloads ("on"/"off") given
    the backend's features @host_bits, forwarding with @engine ("io": the
    frames untouched, "csum": checksums towards the kernel recomputed)."""
    has = {n: bool(host_bits >> F[n] & 1) for n in F}
    if offloads == "off":
        # csum's default: every checksum computed in software
        return RETRY + ["set fwd %s retry" % engine]
    c = ["port stop all"]
    if has["GUEST_CSUM"]:
        c += ["port config 0 rx_offload tcp_cksum on",
              "port config 0 rx_offload udp_cksum on"]
    # No rx LRO, so never GUEST_TSO4/6: the tap PMD takes frames of at
    # most 1522 bytes and DPDK 22.11's GSO library cannot cut TCP/IPv6,
    # so 64 KiB segments from the backend could not reach the kernel
    if has["CSUM"]:
        c += ["port config 0 tx_offload tcp_cksum on",
              "port config 0 tx_offload udp_cksum on"]
    if has["HOST_TSO4"] and has["HOST_TSO6"]:
        c += ["port config 0 tx_offload tcp_tso on"]
    c += RETRY + ["set fwd csum retry"]
    # towards the kernel (port 1): every checksum in software
    c += ["csum set ip sw 1", "csum set tcp sw 1", "csum set udp sw 1"]
    # towards the backend (port 0): what it offers, the rest in software
    l4 = "hw" if has["CSUM"] else "sw"
    c += ["csum set ip sw 0", "csum set tcp %s 0" % l4,
          "csum set udp %s 0" % l4]
    if has["HOST_TSO4"] and has["HOST_TSO6"]:
        c += ["set port 1 gro on", "tso set %d 0" % mss]
    return c + ["port start all"]


class TestPmd:
    """One dpdk-testpmd in a namespace of its own (see the top of the
    file).  netns, ifname: the guest's namespace and tap; proc: the Popen;
    log: its output file; features: what was negotiated (bits), host_bits:
    what the backend offered (as the virtio PMD saw it)."""

    def __init__(self, netns, proc, log, prefix):
        self.netns = netns
        self.ifname = GUEST_IF
        self.proc = proc
        self.log = log
        self.prefix = prefix
        self.features = None
        self.host_bits = None

    def text(self):
        try:
            return Path(self.log).read_text(errors="replace")
        except OSError:
            return ""

    def negotiated(self):
        m = re.findall(r"features after negotiate = ([0-9a-f]+)", self.text())
        return int(m[-1], 16) if m else None

    def offered(self):
        m = re.findall(r"host_features before negotiate = ([0-9a-f]+)",
                       self.text())
        return int(m[-1], 16) if m else None

    def alive(self):
        return self.proc.poll() is None

    def pmd_pid(self):
        """PID of testpmd itself (the Popen is `timeout`, its parent)."""
        try:
            kids = Path("/proc/%d/task/%d/children" % (
                self.proc.pid, self.proc.pid)).read_text().split()
        except OSError:
            return None
        return int(kids[0]) if kids else None

    def stop(self, timeout=10):
        """SIGINT (testpmd prints its port statistics and exits), then
        SIGKILL; returns the log text."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        return self.text()


def start_testpmd(topo, procs, tmp, sock, netns=None, offloads="off",
                  host_bits=0, engine="io", lifetime=600):
    """testpmd connected to @sock, forwarding to gtap0 in @netns (a fresh
    namespace if None), killed by `timeout` after @lifetime seconds in any
    case; waits for the tap.  Returns a TestPmd."""
    need_testpmd()
    ns = netns or G.add_guest_ns(topo)
    n = next(_ids)
    prefix = "%s-vu%d" % (topo.tag, n)
    log = Path(tmp) / ("testpmd%d.log" % n)
    cmds = Path(tmp) / ("testpmd%d.cmds" % n)
    cmds.write_text("\n".join(_cmdline(offloads, host_bits, engine)) +
                    "\n")
    argv = ["ip", "netns", "exec", ns, "timeout", "-s", "INT", "-k", "10",
            str(lifetime), TESTPMD, "-l", "0,1", "--no-huge", "-m", "512",
            "--no-pci", "--file-prefix=" + prefix,
            "--log-level=pmd.net.virtio.init:debug",
            "--vdev", "net_virtio_user0,path=%s,queues=1,queue_size=1024,"
            "mrg_rxbuf=1,packed_vq=0" % sock,
            "--vdev", "net_tap0,iface=" + GUEST_IF, "--",
            "--no-mlockall", "--total-num-mbufs=%d" % MBUFS,
            "--enable-scatter", "--eth-peer=0," + PASST_MAC,
            "--stats-period=3600", "--cmdline-file=%s" % cmds]
    with open(log, "w") as out:
        p = procs.popen(argv, stdout=out, stderr=subprocess.STDOUT)
    tp = TestPmd(ns, p, log, prefix)

    def up():
        return (T.run(["ip", "-n", ns, "link", "show", GUEST_IF]).returncode
                == 0 and "features after negotiate" in tp.text() and
                "start packet forwarding" in tp.text()) or p.poll() is not None
    if not T.wait_for(up, 30, 0.1) or p.poll() is not None:
        txt = tp.stop()
        raise RuntimeError("testpmd did not start: %s" % txt[-3000:])
    T.sh(["ip", "-n", ns, "link", "set", GUEST_IF, "address",
          TAP_PEER_MAC])
    tp.features = tp.negotiated()
    tp.host_bits = tp.offered()
    return tp


def probe(topo, procs, tmp, sock):
    """Features the backend at @sock offers, as the virtio PMD reports
    them (a short testpmd run in a throw-away namespace)."""
    tp = start_testpmd(topo, procs, tmp, sock, lifetime=60)
    bits = tp.host_bits
    tp.stop()
    topo.detach_netns(tp.netns)
    return bits


# -- the guest ---------------------------------------------------------------
class Guest:
    """What guest_bridge.configure_guest() and the peers need."""

    def __init__(self, netns, tmp):
        self.netns = netns
        self.ifname = GUEST_IF
        self.tmp = Path(tmp)
        self.addr6 = None


def configure(topo, tp, tmp, mtu=MTU, ra_tries=1):
    """The guest's IPv4 lease (udhcpc), its MTU, then SLAAC: IPv6 is
    enabled on the tap only now, so that the router solicitation finds the
    rings running.  Up to @ra_tries solicitations (restarting IPv6 on the
    tap between them).  Returns (Guest, solicitations needed)."""
    g = Guest(tp.netns, tmp)
    T.sh(["ip", "netns", "exec", g.netns, "sysctl", "-qw",
          "net.ipv6.conf.%s.disable_ipv6=1" % GUEST_IF])
    script = g.tmp / "vu-dhcp.sh"
    script.write_text(G.CONFIG_SCRIPT)
    script.chmod(0o755)
    r = topo.in_ns(g.netns, ["unshare", "--uts", "busybox", "udhcpc", "-i",
                             GUEST_IF, "-n", "-q", "-f", "-t", "5", "-T",
                             "1", "-s", script], timeout=20)
    assert r.returncode == 0 and "LEASE ip=" in r.stdout, \
        "guest got no DHCP lease: %s %s" % (r.stdout, r.stderr)
    T.sh(["ip", "-n", g.netns, "link", "set", GUEST_IF, "mtu", str(mtu)])
    for i in range(1, ra_tries + 1):
        T.sh(["ip", "netns", "exec", g.netns, "sysctl", "-qw",
              "net.ipv6.conf.%s.disable_ipv6=0" % GUEST_IF])
        g.addr6 = T.wait_for(lambda: G.slaac_addr(topo, g), 10, 0.1)
        if g.addr6:
            break
        T.sh(["ip", "netns", "exec", g.netns, "sysctl", "-qw",
              "net.ipv6.conf.%s.disable_ipv6=1" % GUEST_IF])
    assert g.addr6, "guest formed no SLAAC address after %d router " \
        "solicitation rounds" % ra_tries
    assert T.wait_for(lambda: topo.ip_json(g.netns, ["-6", "route", "show",
                                                     "default"]), 5, 0.1), \
        "no IPv6 default route from the RA"
    assert T.announce(g.netns), "guest could not resolve the gateways"
    return g, i
