# SPDX-License-Identifier: GPL-2.0-or-later
"""topo.py - namespace topology and process helpers for the integration tests.

Theory of operation: the session builds two network namespaces that are not
connected to the machine's own network (DESIGN.md section 6):

    remote (rem0: 198.51.100.2, .254, 2001:db8:1::2, ::fe)  "the internet"
       |  veth
    host   (ext0: 198.51.100.1/24, 2001:db8:1::1/64, default routes via
            .254 and ::fe)  "the user's machine", where pasta runs

Names carry the pytest PID, so parallel or stale runs never collide.  Every
tool under test runs as an unprivileged user inside `host` through
`ip netns exec`, which bind-mounts /etc/netns/<host>/resolv.conf over
/etc/resolv.conf: no test ever sees the machine's real resolver.

Every process a test starts is registered (by PID) in a Procs object and is
terminated at teardown; every namespace and /etc/netns directory created is
removed by the session finalizer, even when a test fails.
"""

import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

TEST_USER = "passt-test"
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Addresses of the topology (documentation ranges only)
HOST_IF = "ext0"
REMOTE_IF = "rem0"
HOST4 = "198.51.100.1"
REMOTE4 = "198.51.100.2"
GW4 = "198.51.100.254"
HOST6 = "2001:db8:1::1"
REMOTE6 = "2001:db8:1::2"
GW6 = "2001:db8:1::fe"
PREFIX6 = "2001:db8:1::"
SEARCH = "example.test"
RESOLV_CONF = ("nameserver %s\nnameserver %s\nsearch %s\n"
               % (REMOTE4, REMOTE6, SEARCH))

MTU_DEFAULT = 65520

# Both implementations: our build accepts only "none" for port forwarding,
# and Debian's pasta would default to "auto" (forwarding whatever is bound).
NO_FWD = ["-t", "none", "-u", "none", "-T", "none", "-U", "none"]

# Environment variable and default file name of each tool under test
TOOLS = {
    "passt": "PASST",
    "pasta": "PASTA",
    "pasta-netcfg": "PASTA_NETCFG",
    "passt-repair": "PASST_REPAIR",
    "qrap": "QRAP",
    "pesto": "PESTO",
}


def in_ci():
    """True when running in CI, where nothing may be skipped."""
    return os.environ.get("CI") == "true"


def need(cond, why):
    """Skip the test with reason @why unless @cond; in CI, fail instead."""
    if cond:
        return
    if in_ci():
        pytest.fail("CI=true, cannot skip: " + why)
    pytest.skip(why)


def tool_path(name):
    """Path of tool @name: $ENVVAR if set, else <repo>/<name>."""
    env = TOOLS[name]
    return os.environ.get(env) or str(REPO / name)


def is_reference(path):
    """True if @path is the distribution's (Debian's) build, not ours.

    PASST_REFERENCE=1 forces reference mode (a binary elsewhere), 0 forces
    our expectations on whatever binary is given.
    """
    force = os.environ.get("PASST_REFERENCE")
    if force in ("0", "1"):
        return force == "1"
    return os.path.realpath(path).startswith("/usr/")


def skip_on_reference(path, why):
    """Skip a check whose expected result is ours, not Debian's 2023 pasta."""
    if is_reference(path):
        pytest.skip("reference pasta differs: " + why)


def run(args, timeout=10, check=False, **kw):
    """subprocess.run with captured text output and a mandatory timeout."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(args, timeout=timeout, check=check, **kw)


def sh(cmd, timeout=10):
    """Run a root command that must succeed; return its stdout."""
    r = run(cmd, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd),
                                                  r.returncode, r.stderr))
    return r.stdout


def wait_for(pred, timeout, interval=0.05):
    """Poll @pred until it returns a true value or @timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


def pid_alive(pid):
    """True if @pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    # state follows the ")" that ends the command name
    return stat[stat.rindex(")") + 2] not in "ZX"


def kill_alive(pid, sig=signal.SIGKILL):
    """Send @sig to @pid if it is alive (a vanishing process is fine)."""
    if not pid or not pid_alive(pid):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def pid_uid(pid):
    """Real UID of @pid, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def user_pids(uid):
    """PIDs of live processes whose real UID is @uid."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and pid_uid(int(d)) == uid and pid_alive(int(d)):
            out.append(int(d))
    return out


class Procs:
    """Processes started by one test (or by the session), killed by PID."""

    def __init__(self):
        self.popens = []
        self.pids = []

    def popen(self, args, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(args, **kw)
        self.popens.append(p)
        return p

    def add(self, pid):
        self.pids.append(int(pid))

    def cleanup(self):
        for pid in self.pids:
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.popens:
            if p.poll() is None:
                p.terminate()
        end = time.monotonic() + 3
        for pid in self.pids:
            if not wait_for(lambda: not pid_alive(pid),
                            max(0.0, end - time.monotonic())):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for p in self.popens:
            try:
                p.communicate(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate(timeout=5)
        self.pids.clear()
        self.popens.clear()


def ensure_user(name=TEST_USER):
    """Create the unprivileged test user if missing; return its pwd entry."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    sh(["useradd", "--create-home", "--shell", "/bin/sh",
        "--comment", "passt integration tests", name])
    return pwd.getpwnam(name)


class Topo:
    """The two-namespace topology; also the tool runner for the tests."""

    def __init__(self):
        tag = "pt%d" % os.getpid()
        self.remote = tag + "-remote"
        self.host = tag + "-host"
        self.tag = tag
        self.netns = []          # every namespace name we created/attached
        self.etc_dirs = []       # every /etc/netns/<name> we created
        self.procs = Procs()     # session-wide processes
        self.user = None
        self.attached = 0

    # -- construction and teardown --------------------------------------
    def _add_ns(self, name):
        sh(["ip", "netns", "add", name])
        self.netns.append(name)
        sh(["ip", "-n", name, "link", "set", "lo", "up"])

    def write_resolv(self, name):
        """Create /etc/netns/@name/resolv.conf with the test resolvers."""
        d = Path("/etc/netns") / name
        d.mkdir(parents=True, exist_ok=True)
        self.etc_dirs.append(d)
        (d / "resolv.conf").write_text(RESOLV_CONF)

    def build(self):
        r, h = self.remote, self.host
        self._add_ns(r)
        self._add_ns(h)
        sh(["ip", "link", "add", HOST_IF, "netns", h, "type", "veth",
            "peer", "name", REMOTE_IF, "netns", r])
        for a in ("198.51.100.2/24", "198.51.100.254/24"):
            sh(["ip", "-n", r, "addr", "add", a, "dev", REMOTE_IF])
        for a in ("2001:db8:1::2/64", "2001:db8:1::fe/64"):
            sh(["ip", "-n", r, "addr", "add", a, "dev", REMOTE_IF, "nodad"])
        sh(["ip", "-n", r, "link", "set", REMOTE_IF, "up"])
        sh(["ip", "-n", h, "addr", "add", HOST4 + "/24", "dev", HOST_IF])
        sh(["ip", "-n", h, "addr", "add", HOST6 + "/64", "dev", HOST_IF,
            "nodad"])
        sh(["ip", "-n", h, "link", "set", HOST_IF, "up"])
        sh(["ip", "-n", h, "route", "add", "default", "via", GW4])
        sh(["ip", "-n", h, "-6", "route", "add", "default", "via", GW6])
        sh(["ip", "netns", "exec", h, "sysctl", "-qw",
            "net.ipv4.ping_group_range=0 2147483647"])
        self.write_resolv(h)

    def teardown(self):
        self.procs.cleanup()
        for name in reversed(self.netns):
            run(["ip", "netns", "del", name], timeout=10)
        self.netns.clear()
        for d in self.etc_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.etc_dirs.clear()

    # -- running things --------------------------------------------------
    def user_prefix(self, netns=None):
        """argv prefix: run as the test user in @netns (default: host)."""
        u = self.user
        return ["ip", "netns", "exec", netns or self.host,
                "setpriv", "--reuid", str(u.pw_uid), "--regid",
                str(u.pw_gid), "--init-groups",
                "env", "-i", "HOME=" + u.pw_dir, "USER=" + u.pw_name,
                "LOGNAME=" + u.pw_name, "PATH=" + SAFE_PATH,
                "SHELL=/bin/sh", "LANG=C"]

    def run_as_user_in_host(self, args, timeout=15, **kw):
        """Run @args as the test user in the host namespace; wait for it."""
        return run(self.user_prefix() + [str(a) for a in args],
                   timeout=timeout, **kw)

    def popen_as_user_in_host(self, procs, args, **kw):
        """Start @args as the test user in the host namespace (tracked)."""
        return procs.popen(self.user_prefix() + [str(a) for a in args], **kw)

    def in_ns(self, name, args, timeout=15, **kw):
        """Run @args as root in namespace @name (ip netns exec)."""
        return run(["ip", "netns", "exec", name] + [str(a) for a in args],
                   timeout=timeout, **kw)

    def start_user_netns(self, procs):
        """As the test user in `host`, create a user+net namespace owned by
        the user (unshare ... sleep); return the PID holding it."""
        p = self.popen_as_user_in_host(
            procs, ["unshare", "--user", "--map-root-user", "--net",
                    "sleep", "300"])
        # `ip netns exec`, setpriv, env and unshare all exec in place, so
        # the Popen PID ends up as the sleep in the new namespaces
        host_ino = os.stat("/run/netns/" + self.host).st_ino
        ok = wait_for(lambda: _comm(p.pid) == "sleep" and
                      _ns_inode(p.pid, "net") not in (None, host_ino), 5)
        if not ok:
            p.kill()
            out, err = p.communicate(timeout=5)
            raise RuntimeError("unshare did not start: %r %r" % (out, err))
        return p.pid

    def attach_netns(self, pid):
        """`ip netns attach` the namespace of @pid under a fresh name (with
        its own /etc/netns resolv.conf) and return the name."""
        self.attached += 1
        name = "%s-g%d" % (self.tag, self.attached)
        sh(["ip", "netns", "attach", name, str(pid)])
        self.netns.append(name)
        self.write_resolv(name)
        return name

    def detach_netns(self, name):
        """Undo attach_netns(): delete the name and its /etc/netns dir."""
        run(["ip", "netns", "del", name], timeout=10)
        if name in self.netns:
            self.netns.remove(name)
        d = Path("/etc/netns") / name
        shutil.rmtree(d, ignore_errors=True)
        if d in self.etc_dirs:
            self.etc_dirs.remove(d)

    def ip_json(self, netns, args):
        """`ip -j ARGS` as root in @netns, decoded."""
        r = self.in_ns(netns, ["ip", "-j"] + list(args))
        if r.returncode != 0:
            raise RuntimeError("ip %s: %s" % (args, r.stderr))
        return json.loads(r.stdout or "[]")

    def start_pasta_attached(self, procs, pasta, args, target, tmp,
                             timeout=15, fwd=None):
        """Run pasta (no -f) as the user, attached to @target (a PID or a
        list of arguments), with a pid file; register the daemon's PID.
        @fwd replaces NO_FWD (e.g. fwd_args(tcp=[8080])).

        Returns (CompletedProcess, daemon pid or None).
        """
        pidfile = Path(tmp) / "pasta.pid"
        tgt = [str(target)] if isinstance(target, int) else list(target)
        fwd = NO_FWD if fwd is None else list(fwd)
        r = self.run_as_user_in_host([pasta] + fwd + list(args) +
                                     ["-P", pidfile] + tgt, timeout=timeout)
        pid = None
        if r.returncode == 0 and pidfile.exists():
            txt = pidfile.read_text()
            if re.fullmatch(r"\d+\n", txt):
                pid = int(txt)
                procs.add(pid)
        return r, pid


def _comm(pid):
    try:
        return Path("/proc/%d/comm" % pid).read_text().strip()
    except OSError:
        return None


def _ns_inode(pid, kind):
    try:
        return os.stat("/proc/%d/ns/%s" % (pid, kind)).st_ino
    except OSError:
        return None


def inotify_watches(pid):
    """Number of inotify watches process @pid holds (its fdinfo)."""
    n = 0
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                n += f.read().count("inotify wd:")
        except FileNotFoundError:
            pass
    return n


def switches(pid):
    """Voluntary plus involuntary context switches of process @pid."""
    n = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches:",
                                "nonvoluntary_ctxt_switches:")):
                n += int(line.split()[1])
    return n


def user_tmpdir():
    """A fresh directory the unprivileged user can write (mode 1777)."""
    d = tempfile.mkdtemp(prefix="passt-it-", dir="/tmp")
    os.chmod(d, 0o1777)
    return Path(d)


def addrs(ip_addr_json, ifname, family):
    """[(local, prefixlen, scope)] of @ifname in `ip -j addr` output."""
    for link in ip_addr_json:
        if link.get("ifname") == ifname:
            return [(a["local"], a["prefixlen"], a.get("scope"))
                    for a in link.get("addr_info", [])
                    if a.get("family") == family]
    return None


def link(ip_addr_json, ifname):
    """The entry of @ifname in `ip -j addr`/`ip -j link` output, or None."""
    for entry in ip_addr_json:
        if entry.get("ifname") == ifname:
            return entry
    return None


def ll_ready(topo, netns, ifname):
    """True once @ifname has a non-tentative IPv6 link-local address."""
    j = topo.ip_json(netns, ["-6", "addr", "show", "dev", ifname])
    for entry in j:
        for a in entry.get("addr_info", []):
            if a.get("scope") == "link" and not a.get("tentative"):
                return True
    return False


# -- TCP translation helpers (test_tcp_*.py, bench/run) ---------------------
PY = "/usr/bin/python3"
TCP_PEER = str(HERE / "tcp_peer.py")
MIB = 1 << 20
GIB = 1 << 30


def fwd_args(tcp=(), udp=()):
    """Forwarding options: `-t P1,P2` for inbound TCP ports @tcp and `-u`
    for @udp (each "none" when empty), and no namespace-to-host ports."""
    def spec(ports):
        return ",".join(str(p) for p in ports) if ports else "none"
    return ["-t", spec(tcp), "-u", spec(udp), "-T", "none", "-U", "none"]


def proc_status(pid, field):
    """Integer value (first word) of @field in /proc/@pid/status, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_rss_kib(pid):
    """VmRSS of @pid in KiB (None if it is gone)."""
    return proc_status(pid, "VmRSS")


def proc_fd_count(pid):
    """Number of open file descriptors of @pid (None if it is gone)."""
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def proc_cpu_secs(pid):
    """utime + stime of @pid in seconds (None if it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return None
    fields = st[st.rindex(")") + 2:].split()
    # fields[0] is the state, field 3; utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peer_argv(role, addr, port, **opts):
    """argv of tcp_peer.py: @opts map to --options (True: a bare flag)."""
    argv = [PY, TCP_PEER, role, str(addr), str(port)]
    for k, v in opts.items():
        if v is None or v is False:
            continue
        argv.append("--" + k.replace("_", "-"))
        if v is not True:
            argv.append(str(v))
    return argv


def start_peer(procs, netns, role, addr, port, tmp=None, **opts):
    """Start tcp_peer.py as root in @netns (tracked by @procs).  A listener
    gets a --ready file in @tmp and is waited for (5 s)."""
    ready = None
    if role == "listen":
        ready = Path(tmp or user_tmpdir()) / ("ready-%s-%d" % (netns, port))
        if ready.exists():
            ready.unlink()
        opts["ready"] = ready
    p = procs.popen(["ip", "netns", "exec", netns] +
                    peer_argv(role, addr, port, **opts))
    if ready is not None and not wait_for(ready.exists, 5):
        p.kill()
        out, err = p.communicate(timeout=5)
        raise RuntimeError("tcp_peer did not listen on %s port %d: %s"
                           % (netns, port, err))
    return p


def peer_json(text):
    """The JSON result line tcp_peer.py printed last on @text."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [ln for ln in (text or "").splitlines() if ln.startswith("{")]
    assert lines, "no JSON result from tcp_peer: %r" % text
    return json.loads(lines[-1])


def peer_result(p, timeout):
    """Wait (bounded) for the tcp_peer Popen @p; return its JSON result."""
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate(timeout=5)
        pytest.fail("tcp_peer timed out after %d s: %r %r"
                    % (timeout, out[-500:], err[-500:]))
    assert p.returncode == 0, "tcp_peer exited %d: %r" % (p.returncode,
                                                          err[-2000:])
    return peer_json(out)


def tcp_states(netns, port):
    """TCP states of the sockets (not listeners) with local or remote port
    @port in @netns, as reported by ss."""
    r = run(["ip", "netns", "exec", netns, "ss", "-Htan",
             "( sport = :%d or dport = :%d )" % (port, port)])
    states = [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]
    return [s for s in states if s != "LISTEN"]


def transfer_timeout(nbytes):
    """Seconds allowed for moving @nbytes: 30 s plus 10 MiB/s."""
    return 30 + nbytes // (10 * MIB)


def announce(netns, timeout=5):
    """Make the namespace @netns speak first (Debian's 2023 pasta learns
    the namespace's MAC address only from its frames): a UDP datagram to
    the discard port of each gateway resolves the gateways' neighbour
    entries; wait until both resolved.  True if they did."""
    code = ("import socket\n"
            "for fam, gw in ((socket.AF_INET, %r), (socket.AF_INET6, %r)):\n"
            "    s = socket.socket(fam, socket.SOCK_DGRAM)\n"
            "    try:\n"
            "        s.sendto(b'hello', (gw, 9))\n"
            "    except OSError:\n"
            "        pass\n" % (GW4, GW6))
    run(["ip", "netns", "exec", netns, PY, "-c", code])

    def resolved():
        out = run(["ip", "-n", netns, "neigh", "show"]).stdout
        return all(any(ln.startswith(gw + " ") and "lladdr" in ln
                       for ln in out.splitlines()) for gw in (GW4, GW6))
    return wait_for(resolved, timeout)


def stable_fd_count(pid, settle=1.5, timeout=8):
    """@pid's descriptor count once it has not changed for @settle seconds
    (pools of spare sockets and pipes are refilled on timers)."""
    last, since = proc_fd_count(pid), time.monotonic()
    end = since + timeout
    while time.monotonic() < end:
        time.sleep(0.1)
        n = proc_fd_count(pid)
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= settle:
            break
    return last


# -- UDP, ICMP and DNS helpers (test_udp_*.py, test_icmp.py, test_dns.py) ---
UDP_PEER = str(HERE / "udp_peer.py")


def env_secs(name, default):
    """Seconds from environment variable @name (a number), else @default."""
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return float(default)


def start_udp_peer(procs, netns, role, addr, port, tmp=None, **opts):
    """Start udp_peer.py @role as root in @netns (tracked by @procs).  An
    echo server gets a --ready file in @tmp and is waited for (5 s)."""
    ready = None
    if role == "echo":
        ready = Path(tmp or user_tmpdir()) / ("uready-%s-%d" % (netns, port))
        if ready.exists():
            ready.unlink()
        opts["ready"] = ready
    argv = peer_argv(role, addr, port, **opts)
    argv[1] = UDP_PEER
    kw = {"stdin": subprocess.PIPE} if opts.get("hold") else {}
    p = procs.popen(["ip", "netns", "exec", netns] + argv, **kw)
    if ready is not None and not wait_for(ready.exists, 5):
        p.kill()
        out, err = p.communicate(timeout=5)
        raise RuntimeError("udp_peer did not bind %s port %d in %s: %s"
                           % (addr, port, netns, err))
    return p


def stop_udp_peer(p, timeout=10):
    """SIGTERM the udp_peer.py echo server @p; return its JSON result."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    return peer_result(p, timeout)


def udp_there_and_back(procs, netns, remote_ns, dst, port, tmp, count, size,
                       rate):
    """udp_peer.py: @count numbered datagrams of @size bytes at @rate/s
    from @netns to an echo server on @dst @port in @remote_ns, and back;
    returns (client result, server result)."""
    limit = count / rate + 30
    srv = start_udp_peer(procs, remote_ns, "echo", dst, port, tmp,
                         deadline=limit + 10)
    cli = start_udp_peer(procs, netns, "stream", dst, port, count=count,
                         size=size, rate=rate, deadline=limit)
    c = peer_result(cli, limit + 15)
    return c, stop_udp_peer(srv)


def gw_mac(netns):
    """MAC address the namespace @netns resolved for the IPv4 gateway
    (pasta's), or None."""
    out = run(["ip", "-n", netns, "neigh", "show", GW4]).stdout.split()
    return out[out.index("lladdr") + 1] if "lladdr" in out else None


def ping(topo, netns, addr, count=3, interval=0.2, wait=2, args=(),
         timeout=30):
    """iputils ping as root in @netns; return (exit code, transmitted,
    received, output)."""
    need(shutil.which("ping") is not None,
         "ping is not installed (iputils-ping)")
    r = topo.in_ns(netns, ["ping", "-n", "-c", count, "-i", interval,
                           "-W", wait] + list(args) + [addr],
                   timeout=timeout)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    tx, rx = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return r.returncode, tx, rx, r.stdout + r.stderr


def proc_net_sockets(pid, tables):
    """Inodes of the sockets @pid holds that are listed in any of
    /proc/@pid/net/@tables (e.g. ("udp", "udp6"), ("icmp", "icmp6")): the
    process's sockets of that kind in its own network namespace."""
    listed = set()
    for t in tables:
        try:
            with open("/proc/%d/net/%s" % (pid, t)) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        listed.update(r.split()[9] for r in rows if len(r.split()) > 9)
    held = set()
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return held
    for fd in fds:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", target)
        if m and m.group(1) in listed:
            held.add(m.group(1))
    return held


def icmp_sockets(pid):
    """Number of ping sockets @pid holds in its namespace."""
    return len(proc_net_sockets(pid, ("icmp", "icmp6")))


def udp_sockets(pid):
    """Number of UDP sockets @pid holds in its namespace."""
    return len(proc_net_sockets(pid, ("udp", "udp6")))


# -- tag_peer.py: who answers a port, and what it sees (test_listen_*.py,
# test_inbound_nat.py) -------------------------------------------------------
TAG_PEER = str(HERE / "tag_peer.py")


def serve_tag(procs, netns, addr, port, tag, tmp, proto="tcp", v6only=1,
              deadline=60):
    """tag_peer.py server as root in @netns on @addr @port, @proto "tcp"
    or "udp" ("::" dual-stack unless @v6only); waits until it is bound."""
    ready = Path(tmp) / ("tag-%s-%s-%d-%s" % (netns, proto, port, tag))
    argv = ["ip", "netns", "exec", netns, PY, TAG_PEER, "serve", addr,
            str(port), tag, "--" + proto, "--v6only", str(v6only),
            "--ready", str(ready), "--deadline", str(deadline)]
    p = procs.popen(argv)
    if not wait_for(ready.exists, 5):
        p.kill()
        _, err = p.communicate(timeout=5)
        raise RuntimeError("tag server did not start: %s" % err)
    return p


def ask_tag(netns, addr, port, proto, tries=10, bind=None, sport=0):
    """tag_peer.py client as root in @netns, from @bind and @sport if
    given: its JSON answer, {"tag", "peer", "local", "echo"} or
    {"error"}."""
    r = run(["ip", "netns", "exec", netns, PY, TAG_PEER, "ask", addr,
             str(port), proto, "--tries", str(tries), "--timeout", "10"] +
            (["--bind", bind] if bind else []) +
            (["--sport", str(sport)] if sport else []), timeout=30)
    return json.loads(r.stdout.strip().splitlines()[-1])
