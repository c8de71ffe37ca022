# SPDX-License-Identifier: GPL-2.0-or-later
"""test_podman5.py - rootless podman 5 (Debian 13's 5.4.2) runs containers
on our pasta, with its own argv, as an ordinary user.

Theory of operation: deb13_env.Deb13 gives one Debian 13 userland for the
whole module (podman 5.4.2, crun, conmon, netavark, aardvark-dns, nftables,
catatonit) inside the topology's `host` namespace, with the pasta under
test first in PATH as /usr/local/bin/pasta; podman runs as the user
`tester` (rootless: its own user namespace, pause process, cgroupfs), and
pasta is podman's default rootless network (`default_rootless_network_cmd
= "pasta"`), so `--network=pasta` and no --network run the same argv
(compat.md 2.3).  One image, `localhost/pt-busybox`, is imported from a
tarball: Debian 13's static busybox with its applets, `/lib` and `/lib64`
pointing into /usr, and /whoami.py.  A container that needs more than
busybox mounts the root's /usr read-only (`-v /usr:/usr:ro`) and runs its
python3 or iproute2; whoami.py, run that way, answers every TCP connection
and UDP datagram on its ports with "PEER PORT " and the bytes received, so
a client sees both that data flowed and where the container saw it come
from.  Clients run as root outside, in `host` (same network namespace as
the Debian 13 environment) or in `remote`, through ip netns exec.

What is checked (every pasta podman starts must be gone within 5 s after
its container, like podman's bats test allows; an autouse fixture checks
that after every test):
* podman ran our pasta (`podman info`, the process's argv[0]) with compat.md
  2.3's argv (its `--log-level=debug` "pasta arguments"), explicit and
  default network alike, as the user, in podman's user namespace, and
  pasta printed nothing podman would log as warnings;
* the container has the host's addresses, default routes and MTU 65520
  (explicit and default network), and podman, which reads them as soon as
  pasta returns, put the IPv4 one in /etc/hosts;
* busybox wget of a 6 MiB file from `remote` over v4 and v6 (size and
  SHA-256), ping over v4 and v6 with --cap-add=NET_RAW, DNS through podman's
  --dns-forward 169.254.1.1 (first nameserver; dnsmasq in `remote`
  answers), host.containers.internal is 169.254.1.2 and reaches a server on
  the host;
* `-p` TCP and UDP from the host's loopback (splice) and from `remote`
  (tap: the container sees remote's address), a range, a port bound to
  127.0.0.1 and refused elsewhere; from the host's own address, the
  container sees 169.254.1.2 (v4) and pasta's link-local address (v6),
  as upstream does with podman's --no-map-gw --map-guest-addr;
* `-p 9000:80` while something else holds 0.0.0.0:9000 (IPv4 only) in
  `host`: the container starts and is served on [::]:9000;
* run -d / stop / rm; the command's exit status is podman's;
* a pod: two containers share one network (and one pasta), one reaches
  the other on localhost, the host reaches the pod's published port;
* a `podman network create` bridge network (203.0.113.0/24 and
  2001:db8:2::/64): pasta runs podman's rootless network namespace with
  compat.md's argv, containers get bridge addresses, reach `remote` over
  v4 and v6, resolve each other through aardvark-dns and outside names
  through pasta's DNS forwarding, and `-p` (podman's rootlessport) works.

The reference is Debian 13's own pasta (PASTA=<root>/usr/bin/pasta:
deb13_env then copies nothing and podman finds /usr/bin/pasta); every
check holds for it.  Debian 12's 2023 pasta predates the argv of podman
5.3 and later (--map-guest-addr), so the file skips for it.
"""

import json
import re
import time
import uuid

import pytest

import deb13_env as D
import topo as T
from test_dns import A as DNS_A
from test_dns import AAAA as DNS_AAAA
from test_dns import NAME as DNS_NAME
from test_dns import dnsmasq  # noqa: F401 (module fixture, reused)
from test_tcp_http import SIZE as BLOB_SIZE
from test_tcp_http import serve, url
from test_tcp_http import webroot  # noqa: F401 (module fixture, reused)

IMAGE = "localhost/pt-busybox"
USR = ["-v", "/usr:/usr:ro"]          # python3 and iproute2 of the root
DNS_FWD = "169.254.1.1"               # podman >= 5.3 --dns-forward
GUEST_ADDR = "169.254.1.2"            # podman >= 5.3 --map-guest-addr
OUR_PASTA = "/usr/local/bin/pasta"    # where deb13_env puts ours
PASTA_NAMES = ("pasta", "pasta.avx2")  # Debian's re-executes itself
QUIT_SECS = 5                         # podman's bats test allows 5 s
NETNS_RE = r"/run/user/%d/netns/netns-[0-9a-f]{8}(-[0-9a-f]{4}){3}-" \
    r"[0-9a-f]{12}" % D.UID
RLNETNS = "/run/user/%d/containers/networks/rootless-netns" % D.UID

REMOTE_PORT = 8081                    # http.server in remote
HOSTSRV_PORT = 8082                   # http.server in host
PUB = 8080                            # -p 8080:80 (tcp, udp)
RANGE = (9100, 9101, 9102)            # -p 9100-9102:9100-9102 (tcp, udp)
BOUND = 9200                          # -p 127.0.0.1:9200:80
HELD = 9000                           # bound IPv4-only by another process
POD_PORT = 8300
NET_PORT = 8400

# In the image: answer each TCP connection and UDP datagram on the ports
# given with "PEER LOCALPORT " and the bytes received
WHOAMI = r'''
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1:]):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        if kind == socket.SOCK_STREAM:
            s.listen(64)
        sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)


def who(sa, s):
    a = sa[0].split("%")[0]
    if a.startswith("::ffff:"):
        a = a[7:]
    return ("%s %d " % (a, s.getsockname()[1])).encode()


while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s.type == socket.SOCK_STREAM:
            c, sa = s.accept()
            c.settimeout(5)
            try:
                c.sendall(who(sa, s) + c.recv(4096))
            except OSError:
                pass
            c.close()
        else:
            data, sa = s.recvfrom(65536)
            s.sendto(who(sa, s) + data, sa)
'''

# Client, outside: send a token (from SRC if given), print the answer or
# "error NAME"; UDP tries three times
ASK = r'''
import socket, sys
proto, addr, port, token = sys.argv[1:5]
src = sys.argv[5] if len(sys.argv) > 5 else None
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
out = b"error timeout"
try:
    s = socket.socket(fam, kind)
    s.settimeout(5 if proto == "tcp" else 1)
    if src:
        s.bind((src, 0))
    if proto == "tcp":
        s.connect((addr, int(port)))
        s.sendall(token.encode())
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            out += b
    else:
        for i in range(3):
            s.sendto(token.encode(), (addr, int(port)))
            try:
                out = s.recv(65536)
                break
            except socket.timeout:
                pass
except OSError as e:
    out = ("error " + type(e).__name__).encode()
print(out.decode(errors="replace"))
'''

# Hold a TCP port on 0.0.0.0 only, until killed
HOLD = r'''
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
time.sleep(300)
'''

IMAGE_SCRIPT = r'''
set -e
d=/tmp/pt-image
mkdir -p $d/bin $d/etc $d/tmp $d/root $d/usr
chmod 1777 $d/tmp
cp /bin/busybox $d/bin/busybox
for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$d/bin/$a"
done
ln -s usr/lib $d/lib
ln -s usr/lib64 $d/lib64
tar -C $d -cf /tmp/pt-image.tar .
'''


class Podman5:
    """podman as the test user inside the Debian 13 environment @env."""

    def __init__(self, env):
        self.env = env
        self.keep = set()       # containers that outlive one test

    def __call__(self, *args, timeout=90):
        return self.env.run(["podman"] + [str(a) for a in args], user=True,
                            timeout=timeout)

    def ok(self, *args, timeout=90):
        """Run podman; it must exit 0.  Returns its stdout."""
        r = self(*args, timeout=timeout)
        assert r.returncode == 0, "podman %s: exit %d\n%s" % (
            " ".join(str(a) for a in args), r.returncode, r.stderr[-3000:])
        return r.stdout

    def pasta_pids(self):
        return set(self.env.pids(PASTA_NAMES))

    def proc(self, pid, name):
        """Contents of /proc/@pid/@name inside (PID as seen inside)."""
        return self.env.path("/proc/%d/%s" % (pid, name)).read_bytes()

    def cmdline(self, pid):
        return self.proc(pid, "cmdline").decode().split("\0")[:-1]

    def uid(self, pid):
        st = self.proc(pid, "status").decode()
        return int(re.search(r"^Uid:\s+(\d+)", st, re.M).group(1))

    def userns(self, pid):
        return self.env.path("/proc/%d/ns/user" % pid).stat().st_ino

    def wait_ready(self, name, timeout=20):
        """Wait until container @name printed "ready" (whoami.py)."""
        ok = T.wait_for(lambda: "ready" in self(
            "logs", name, timeout=20).stdout, timeout, 0.2)
        assert ok, "%s did not get ready: %s" % (
            name, self("logs", name).stderr[-2000:])

    def serve(self, name, ports, *opts):
        """Start whoami.py on @ports (the container's) in a detached
        container @name with podman options @opts; wait until it binds."""
        self.ok("run", "-d", "--name", name, *opts, *USR, IMAGE,
                "/usr/bin/python3", "/whoami.py", *ports)
        self.wait_ready(name)

    def cleanup(self):
        """Remove pods, containers not in @keep, and our networks."""
        self("pod", "rm", "-a", "-f", "-t", "0")
        names = self("ps", "-a", "--format", "{{.Names}}").stdout.split()
        drop = [n for n in names if n not in self.keep]
        if drop:
            self("rm", "-f", "-t", "0", *drop)
        nets = self("network", "ls", "--format", "{{.Name}}").stdout.split()
        nets = [n for n in nets if n != "podman"]
        if nets:
            self("network", "rm", "-f", *nets)


def pasta_exe():
    """The pasta podman must find: ours in /usr/local/bin, or (reference
    run) the root's own."""
    return D.in_root(T.tool_path("pasta")) or OUR_PASTA


def ask(topo, where, proto, addr, port, src=None):
    """From namespace @where ("host" or "remote"), send a fresh token to
    @addr:@port over @proto (from @src).  Returns (peer, container port)
    as whoami.py saw them when the token came back, else ASK's output."""
    token = uuid.uuid4().hex
    netns = topo.host if where == "host" else topo.remote
    r = topo.in_ns(netns, [T.PY, "-c", ASK, proto, addr, port, token] +
                   ([src] if src else []), timeout=30)
    out = (r.stdout + r.stderr).strip()
    parts = out.split()
    if len(parts) == 3 and parts[2] == token:
        return parts[0], int(parts[1])
    return out


def sections(out, n):
    """@out split at "@@" lines into @n parts (a container's script)."""
    parts = re.split(r"^@@$", out, flags=re.M)
    assert len(parts) == n, out
    return [p.strip() for p in parts]


# -- fixtures ----------------------------------------------------------------
@pytest.fixture(scope="module")
def pm(topo, pasta):
    if T.is_reference(pasta):
        pytest.skip("reference pasta differs: Debian 12's 2023 pasta predates "
                    "podman 5.3's argv (no --map-guest-addr); this file's "
                    "reference is Debian 13's, PASTA=<root>/usr/bin/pasta")
    env = D.Deb13(topo).start()
    try:
        env.write("/tmp/pt-image/whoami.py", WHOAMI)
        env.sh(IMAGE_SCRIPT)
        p = Podman5(env)
        p.ok("import", "-q", "/tmp/pt-image.tar", IMAGE)
        yield p
    finally:
        env.stop()


@pytest.fixture(autouse=True)
def no_pasta_left(pm):
    """After each test: remove what it started; every pasta podman ran for
    it must be gone within QUIT_SECS (compat.md 6.6, podman's bats)."""
    before = pm.pasta_pids()
    yield
    pm.cleanup()
    left = lambda: pm.pasta_pids() - before   # noqa: E731
    assert T.wait_for(lambda: not left(), QUIT_SECS, 0.1), \
        "pasta still running %d s after its containers went: %s" % (
            QUIT_SECS, [pm.cmdline(p) for p in left()])


@pytest.fixture(scope="module")
def remote_web(topo, webroot):  # noqa: F811
    """http.server in `remote` on [::]:REMOTE_PORT; yields the blob's
    SHA-256."""
    root, digest = webroot
    procs = T.Procs()
    try:
        serve(procs, topo.remote, REMOTE_PORT, root)
        yield digest
    finally:
        procs.cleanup()


@pytest.fixture(scope="module")
def published(pm):
    """whoami.py in a container with -p 8080:80 (tcp, udp), the range
    9100-9102 (tcp, udp) and 127.0.0.1:9200:80."""
    name = "pt-pub"
    pm.keep.add(name)
    try:
        pm.serve(name, [80] + list(RANGE),
                 "-p", "%d:80" % PUB, "-p", "%d:80/udp" % PUB,
                 "-p", "%d-%d:%d-%d" % (RANGE[0], RANGE[-1], RANGE[0],
                                        RANGE[-1]),
                 "-p", "%d-%d:%d-%d/udp" % (RANGE[0], RANGE[-1], RANGE[0],
                                            RANGE[-1]),
                 "-p", "127.0.0.1:%d:80" % BOUND)
        yield name
    finally:
        pm.keep.discard(name)
        pm("rm", "-f", "-t", "0", name)


# -- podman runs our pasta ---------------------------------------------------
NO_FWD_ARGS = ["-t", "none", "-u", "none", "-T", "none", "-U", "none"]


@pytest.mark.parametrize("how", ["explicit", "default"])
def test_podman_runs_pasta_with_its_argv(pm, how):
    exe = pasta_exe()
    info = pm.ok("info", "--format",
                 "{{.Host.RootlessNetworkCmd}} {{.Host.Pasta.Executable}}")
    assert info.split() == ["pasta", exe]
    if how == "explicit":
        opts = ["--network=pasta", "-p", "8090:80"]
        fwd = ["-t", "8090-8090:80-80", "--dns-forward", DNS_FWD, "-u",
               "none", "-T", "none", "-U", "none"]
    else:
        opts = []
        fwd = ["--dns-forward", DNS_FWD] + NO_FWD_ARGS
    before = pm.pasta_pids()
    r = pm("--log-level=debug", "run", "-d", "--name", "pt-argv", *opts,
           IMAGE, "sleep", "300")
    assert r.returncode == 0, r.stderr[-3000:]
    got = re.findall(r'msg="pasta arguments: ([^"]*)"', r.stderr)
    assert len(got) == 1, r.stderr[-3000:]
    args = got[0].split()
    # compat.md 2.3: podman 5.3+ argv; the namespace path is its own
    assert len(args) == len(fwd) + 7, args
    assert re.fullmatch(NETNS_RE, args[-3]), args
    assert args == ["--config-net"] + fwd + [
        "--no-map-gw", "--quiet", "--netns", args[-3],
        "--map-guest-addr", GUEST_ADDR]
    # pasta exited 0 and printed nothing (podman logs output as warnings)
    assert "pasta logged warnings" not in r.stderr
    new = pm.pasta_pids() - before
    assert len(new) == 1, new
    pid = new.pop()
    assert pm.cmdline(pid) == [exe] + args
    if exe == OUR_PASTA:
        assert pm.proc(pid, "comm").decode().strip() == "pasta"
    # the user on the host, inside podman's rootless user namespace
    assert pm.uid(pid) == D.UID
    pause = int(pm.env.path("%s/libpod/tmp/pause.pid"
                            % D.RUNDIR).read_text())
    assert pm.userns(pid) == pm.userns(pause)
    assert pm.userns(pid) != pm.userns(1)
    assert pm.env.path(args[-3]).exists()


@pytest.mark.parametrize("how", ["explicit", "default"])
def test_addresses_routes_mtu(pm, how):
    net = ["--network=pasta"] if how == "explicit" else []
    out = pm.ok("run", "--rm", *net, *USR, IMAGE, "sh", "-c",
                "/usr/bin/ip -j addr; echo @@; /usr/bin/ip -j -4 route; "
                "echo @@; /usr/bin/ip -j -6 route; echo @@; cat /etc/hosts; "
                "echo @@; hostname")
    addr, r4, r6, hosts, hostname = sections(out, 5)
    addr, r4, r6 = json.loads(addr), json.loads(r4), json.loads(r6)
    assert (T.HOST4, 24, "global") in T.addrs(addr, T.HOST_IF, "inet")
    assert (T.HOST6, 64, "global") in T.addrs(addr, T.HOST_IF, "inet6")
    ext = T.link(addr, T.HOST_IF)
    assert ext["mtu"] == T.MTU_DEFAULT
    assert "UP" in ext["flags"]
    assert "UP" in T.link(addr, "lo")["flags"]
    assert any(rt["dst"] == "default" and rt.get("gateway") == T.GW4
               for rt in r4), r4
    assert any(rt["dst"] == "default" and rt.get("gateway") == T.GW6
               for rt in r6), r6
    # podman read the address right after pasta returned (compat.md 2.4)
    assert re.search(r"^%s\s.*\b%s\b" % (re.escape(T.HOST4), hostname),
                     hosts, re.M), hosts


# -- outbound ----------------------------------------------------------------
@pytest.mark.parametrize("dst", [T.REMOTE4, T.REMOTE6], ids=["v4", "v6"])
def test_http_download_from_remote(pm, remote_web, dst):
    out = pm.ok("run", "--rm", IMAGE, "sh", "-c",
                "wget -q -O /tmp/blob %s && wc -c < /tmp/blob && "
                "sha256sum /tmp/blob" % url(dst, REMOTE_PORT), timeout=120)
    size, digest = out.split()[:2]
    assert int(size) == BLOB_SIZE
    assert digest == remote_web


@pytest.mark.parametrize("dst", [T.REMOTE4, T.REMOTE6], ids=["v4", "v6"])
def test_ping_remote(pm, dst):
    r = pm("run", "--rm", "--cap-add=NET_RAW", IMAGE,
           "ping", "-c", "3", "-W", "3", dst)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 packets transmitted, 3 packets received" in r.stdout, r.stdout


def test_dns_through_dns_forward(pm, dnsmasq):  # noqa: F811
    mark = len(dnsmasq())
    out = pm.ok("run", "--rm", IMAGE, "sh", "-c",
                "cat /etc/resolv.conf; echo @@; nslookup %s" % DNS_NAME)
    resolv, look = sections(out, 2)
    assert re.findall(r"^nameserver\s+(\S+)", resolv, re.M)[0] == DNS_FWD
    assert re.search(r"^Server:\s+%s$" % re.escape(DNS_FWD), look, re.M), \
        look
    assert "Address: %s" % DNS_A in look, look
    assert "Address: %s" % DNS_AAAA in look, look
    # answered by dnsmasq in `remote`, not made up on the way
    log = lambda: dnsmasq()[mark:]   # noqa: E731
    assert T.wait_for(lambda: "query[A] %s " % DNS_NAME in log() and
                      "query[AAAA] %s " % DNS_NAME in log(), 2), log()


def test_host_containers_internal(topo, pm, procs, tmp):
    token = "host says %s\n" % uuid.uuid4()
    (tmp / "token.txt").write_text(token)
    (tmp / "token.txt").chmod(0o644)
    serve(procs, topo.host, HOSTSRV_PORT, tmp)
    out = pm.ok("run", "--rm", IMAGE, "sh", "-c",
                "grep -w host.containers.internal /etc/hosts; echo @@; "
                "wget -q -O - http://host.containers.internal:%d/token.txt"
                % HOSTSRV_PORT)
    hosts, body = sections(out, 2)
    assert hosts.split()[0] == GUEST_ADDR, hosts
    assert body + "\n" == token


# -- published ports ---------------------------------------------------------
PATHS = [("host", "127.0.0.1", None), ("host", "::1", None),
         ("remote", T.HOST4, T.REMOTE4), ("remote", T.HOST6, T.REMOTE6)]
PATH_IDS = ["splice4", "splice6", "tap4", "tap6"]


@pytest.mark.parametrize("proto", ["tcp", "udp"])
@pytest.mark.parametrize("where,addr,src", PATHS, ids=PATH_IDS)
def test_published_port(topo, published, proto, where, addr, src):
    got = ask(topo, where, proto, addr, PUB, src)
    assert isinstance(got, tuple), "no answer at %s port %d from %s: %s" % (
        addr, PUB, where, got)
    peer, port = got
    print("container saw %s" % peer)
    assert port == 80
    if src:
        # tap path: the container sees the client's own address
        assert peer == src


@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_published_range(topo, published, proto):
    for p in RANGE:
        got = ask(topo, "host", proto, "127.0.0.1", p)
        assert isinstance(got, tuple) and got[1] == p, (p, got)
        got = ask(topo, "remote", proto, T.HOST6, p, T.REMOTE6)
        assert got == (T.REMOTE6, p), (p, got)


def test_published_bound_address(topo, published):
    got = ask(topo, "host", "tcp", "127.0.0.1", BOUND)
    assert isinstance(got, tuple) and got[1] == 80, got
    for where, addr, src in (("host", "::1", None),
                             ("host", T.HOST4, None),
                             ("remote", T.HOST4, T.REMOTE4),
                             ("remote", T.HOST6, T.REMOTE6)):
        got = ask(topo, where, "tcp", addr, BOUND, src)
        assert got == "error ConnectionRefusedError", \
            "port %d bound to 127.0.0.1 answered at %s from %s: %s" % (
                BOUND, addr, where, got)


@pytest.mark.parametrize("proto", ["tcp", "udp"])
@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_host_address_seen_as_mapped(topo, pm, published, proto, fam):
    """podman passes --no-map-gw --map-guest-addr 169.254.1.2: a client on
    the host's own address (which is also the container's) is shown to the
    container as 169.254.1.2 (v4) or pasta's link-local address (v6),
    never as the gateway, as upstream does."""
    if fam == "v4":
        got = ask(topo, "host", proto, T.HOST4, PUB)
        assert got == (GUEST_ADDR, 80), got
        return
    # something from remote first, so that the container knows pasta's MAC
    assert ask(topo, "remote", proto, T.HOST6, PUB, T.REMOTE6) == \
        (T.REMOTE6, 80)
    got = ask(topo, "host", proto, T.HOST6, PUB)
    assert isinstance(got, tuple) and got[1] == 80, got
    peer = got[0]
    assert peer.startswith("fe80:"), \
        "the container saw the host's own address as %s" % peer
    neigh = json.loads(pm.ok("exec", published, "/usr/bin/ip", "-j", "-6",
                             "neigh"))
    mac = {n["dst"]: n.get("lladdr") for n in neigh}
    assert mac.get(peer) and mac.get(peer) == mac.get(T.REMOTE6), neigh


def test_publish_with_ipv4_port_held(topo, pm, procs):
    """Another process holds 0.0.0.0:HELD (IPv4 only): podman run -p
    HELD:80 must still start, and the container is served on [::]:HELD
    (pasta binds each family on its own when dual-stack fails, as
    upstream)."""
    procs.popen(["ip", "netns", "exec", topo.host, T.PY, "-c", HOLD,
                 str(HELD)])
    held = T.wait_for(lambda: topo.in_ns(topo.host, [
        "ss", "-Hltn", "sport = :%d" % HELD]).stdout.strip(), 10)
    assert held and held.split()[3] == "0.0.0.0:%d" % HELD, held
    r = pm("run", "-d", "--name", "pt-held", *USR, "-p", "%d:80" % HELD,
           IMAGE, "/usr/bin/python3", "/whoami.py", "80")
    assert r.returncode == 0, "podman run -p %d:80 failed: %s" % (
        HELD, r.stderr[-2000:])
    pm.wait_ready("pt-held")
    got = ask(topo, "host", "tcp", "::1", HELD)
    assert isinstance(got, tuple) and got[1] == 80, got
    assert ask(topo, "remote", "tcp", T.HOST6, HELD, T.REMOTE6) == \
        (T.REMOTE6, 80)


# -- life cycle --------------------------------------------------------------
def test_run_detached_stop_rm(pm):
    before = pm.pasta_pids()
    pm.ok("run", "-d", "--name", "pt-life", IMAGE, "sleep", "300")
    new = pm.pasta_pids() - before
    assert len(new) == 1, new
    pid = new.pop()
    argv = pm.cmdline(pid)
    netns = argv[argv.index("--netns") + 1]
    assert pm.env.path(netns).exists()
    pm.ok("stop", "-t", "0", "pt-life")
    t0 = time.monotonic()
    gone = T.wait_for(lambda: pid not in pm.pasta_pids(), QUIT_SECS, 0.1)
    print("pasta gone %.2f s after podman stop" % (time.monotonic() - t0))
    assert gone, "pasta still running %d s after podman stop" % QUIT_SECS
    # podman deleted the namespace file: that is all pasta is told
    assert not pm.env.path(netns).exists()
    assert pm.ok("inspect", "-f", "{{.State.Status}}",
                 "pt-life").strip() == "exited"
    pm.ok("rm", "pt-life")
    assert "pt-life" not in pm.ok("ps", "-a", "--format", "{{.Names}}")


@pytest.mark.parametrize("code", [0, 7])
def test_exit_status_passed_through(pm, code):
    before = pm.pasta_pids()
    r = pm("run", "--rm", IMAGE, "sh", "-c", "exit %d" % code)
    assert r.returncode == code, r.stderr[-2000:]
    assert T.wait_for(lambda: not (pm.pasta_pids() - before), QUIT_SECS,
                      0.1), "pasta left after podman run --rm"


# -- pods and networks -------------------------------------------------------
def test_pod_shares_network(topo, pm):
    before = pm.pasta_pids()
    pm.ok("pod", "create", "--name", "pt-pod", "-p", "%d:80" % POD_PORT)
    pm.serve("pt-pod-srv", [80], "--pod", "pt-pod")
    out = pm.ok("run", "--rm", "--pod", "pt-pod", IMAGE, "sh", "-c",
                "echo hello | nc 127.0.0.1 80")
    assert out.split() == ["127.0.0.1", "80", "hello"], out
    new = pm.pasta_pids() - before
    assert len(new) == 1, "one pasta for the pod: %s" % new
    assert "%d-%d:80-80" % (POD_PORT, POD_PORT) in pm.cmdline(new.pop())
    got = ask(topo, "host", "tcp", "127.0.0.1", POD_PORT)
    assert isinstance(got, tuple) and got[1] == 80, got
    assert ask(topo, "remote", "tcp", T.HOST4, POD_PORT, T.REMOTE4) == \
        (T.REMOTE4, 80)


def test_bridge_network(topo, pm, remote_web, dnsmasq):  # noqa: F811
    before = pm.pasta_pids()
    pm.ok("network", "create", "--subnet", "203.0.113.0/24",
          "--subnet", "2001:db8:2::/64", "pt-net")
    pm.serve("pt-srv", [80], "--network", "pt-net",
             "-p", "%d:80" % NET_PORT)
    # one pasta, for the rootless network namespace (compat.md 2.3)
    new = pm.pasta_pids() - before
    assert len(new) == 1, new
    assert pm.cmdline(new.pop()) == [
        pasta_exe(), "--config-net", "--pid",
        RLNETNS + "/rootless-netns-conn.pid", "--dns-forward", DNS_FWD] + \
        NO_FWD_ARGS + ["--no-map-gw", "--quiet", "--netns",
                       RLNETNS + "/rootless-netns",
                       "--map-guest-addr", GUEST_ADDR]
    get = "wget -q -O /tmp/b %s && sha256sum /tmp/b"
    out = pm.ok("run", "--rm", "--network", "pt-net", IMAGE, "sh", "-c",
                "; echo @@; ".join([
                    "ip -o addr show eth0",
                    "echo hello | nc pt-srv 80",
                    get % url(T.REMOTE4, REMOTE_PORT),
                    get % url(T.REMOTE6, REMOTE_PORT),
                    "nslookup %s" % DNS_NAME]), timeout=120)
    addrs, hello, get4, get6, look = sections(out, 5)
    mine = re.findall(r"inet6? (\S+)/", addrs)
    assert any(a.startswith("203.0.113.") for a in mine), addrs
    assert any(a.startswith("2001:db8:2::") for a in mine), addrs
    # the server resolved by aardvark-dns; it sees this container
    peer, port, word = hello.split()
    assert (port, word) == ("80", "hello") and peer in mine, hello
    assert get4.split()[:1] == [remote_web], get4
    assert get6.split()[:1] == [remote_web], get6
    assert "Address: %s" % DNS_A in look, look
    assert "Address: %s" % DNS_AAAA in look, look
    # -p on a bridge network: podman's rootlessport into pasta's namespace
    got = ask(topo, "host", "tcp", "127.0.0.1", NET_PORT)
    assert isinstance(got, tuple) and got[1] == 80, got
    got = ask(topo, "remote", "tcp", T.HOST4, NET_PORT, T.REMOTE4)
    assert isinstance(got, tuple) and got[1] == 80, got
