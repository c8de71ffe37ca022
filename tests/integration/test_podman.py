# SPDX-License-Identifier: GPL-2.0-or-later
"""test_podman.py - podman runs a container, our pasta networks it with the
argv podman 5 builds.

Theory of operation: Debian's podman 4.3.1 predates --network=pasta, so the
test plays podman 5's part around it (shared/docs/compat.md section 2):

* podman runs as root in the test's `host` namespace (`nsenter --net`, so
  it keeps the real /sys and its cgroup mounts), with a private storage
  root, runroot and tmpdir under a test directory, `--runtime runc` (crun
  refuses this machine's hybrid cgroups), explicit `--ulimit`s (no
  CAP_SYS_RESOURCE here), `--network none` (runc makes the container a
  fresh, empty network namespace) and `--rootfs` a busybox directory
  (podman_pasta.py).  The container never sees the machine's network.
* `--uidmap 0:U:1 --gidmap 0:G:1` (U, G: the test user) gives the container
  a user namespace whose root is the test user, and that user namespace
  owns the container's network namespace: exactly the situation of
  rootless podman 5, which starts pasta inside its rootless user namespace,
  as UID 0 there but the user on the host.  pasta therefore runs through
  `ip netns exec <host> nsenter --user=/proc/CTR/ns/user`: host-side UID
  is the unprivileged test user, it has privileges only over the
  container's namespaces, and --netns without --userns means --netns-only.
  (Started as root in the initial user namespace, pasta would switch to
  nobody before opening the namespace, and fail: podman refuses that case
  too.)
* podman 5 makes the namespace a bind mount at
  $XDG_RUNTIME_DIR/netns/netns-UUID; here it is DIR/netns/netns-UUID, a
  bind mount of /proc/CTR/ns/net.  On removal podman unmounts it (detach)
  and deletes it, and never signals pasta.
* pasta is started by podman_pasta.py `launch`, which does what podman's
  CombinedOutput() does (one pipe for stdout and stderr, wait until every
  holder closed it) and, as a child subreaper, collects the daemon's exit
  status.  It retries once without `--map-guest-addr` on the exact error
  podman retries on (only the reference pasta needs that).

What is checked:
* the argv builder reproduces compat.md's two examples; pasta started with
  that argv exits 0 with no output and closed pipes, leaves one daemon
  (host UID: the test user, in the host namespace, in the container's user
  namespace), and the addresses podman reads right after are there;
* the container downloads a file from `remote` over IPv4 and IPv6;
* busybox nslookup through 169.254.1.1 (--dns-forward) gets the A and
  AAAA records from dnsmasq in `remote` (test_dns.py's fixture);
* busybox httpd on the container's port 80 answers on host port 8080 at
  127.0.0.1 and ::1 (splice path) and at the host's addresses from
  `remote` (tap path);
* a server on the host's 198.51.100.1 is reached at 169.254.1.2
  (--map-guest-addr, podman's host.containers.internal);
* after `podman rm -f` (and, for the bind mount, unmount and delete) the
  daemon exits with status 0 within 5 s (podman's bats test allows 5 s),
  both with the podman-5 style path and with /proc/PID/ns/net.
"""

import json
import os
import resource
import shutil
import time
import uuid
from pathlib import Path

import pytest

import podman_pasta as PP
import topo as T
from test_dns import A as DNS_A
from test_dns import AAAA as DNS_AAAA
from test_dns import NAME as DNS_NAME
from test_dns import dnsmasq  # noqa: F401 (module fixture, reused)

HELPER = str(T.HERE / "podman_pasta.py")
DNS_FWD = "169.254.1.1"         # podman >= 5.3 default --dns-forward
GUEST_ADDR = "169.254.1.2"      # podman >= 5.3 default --map-guest-addr
HOST_PORT, CTR_PORT = 8080, 80  # podman run -p 8080:80
REMOTE_PORT = 8081              # HTTP server in `remote`
HOSTSRV_PORT = 8082             # HTTP server in `host` (map-guest-addr)
QUIT_SECS = 5                   # podman's bats test: gone within 5 s
INDEX = "served by busybox httpd in the container %s\n" % uuid.uuid4()


def podman5_pasta_argv(pasta, netns, ports=(), conf_opts=(), user_opts=()):
    """argv podman 5.3+ (containers/common v0.61+ createPastaArgs(),
    compat.md 2.3) builds for a container: @ports are (proto, host IP or
    None, host port, host end, container port, container end) as from
    `-p`, @conf_opts containers.conf pasta_options, @user_opts the options
    of --network pasta:OPT,...  Step numbers are compat.md's."""
    # 1. always first
    cmd = ["--config-net"]
    # 2. containers.conf [network] pasta_options (default empty)
    cmd += list(conf_opts)
    # 3. --network pasta:OPT1,OPT2 (already split on commas)
    cmd += list(user_opts)
    # 4. the pseudo-option --map-gw is dropped and suppresses step 9
    map_gw = "--map-gw" in cmd
    cmd = [o for o in cmd if o != "--map-gw"]
    # 5. exact-match scan of what the user configured
    given = set()
    quiet = True
    for o in cmd:
        if o in ("-t", "--tcp-ports"):
            given.add("-t")
        elif o in ("-u", "--udp-ports"):
            given.add("-u")
        elif o in ("-T", "--tcp-ns"):
            given.add("-T")
        elif o in ("-U", "--udp-ns"):
            given.add("-U")
        elif o in ("-d", "--debug", "--trace"):
            quiet = False
        elif o in ("--dns-forward", "--map-guest-addr"):
            given.add(o)
    # 6. one pair per published port, always in range form
    for proto, hostip, hport, hend, cport, cend in ports:
        if proto not in ("tcp", "udp"):
            raise ValueError("can't forward protocol: " + proto)
        spec = "%d-%d:%d-%d" % (hport, hend, cport, cend)
        flag = "-t" if proto == "tcp" else "-u"
        cmd += [flag, hostip + "/" + spec if hostip else spec]
        given.add(flag)
    # 7. default DNS forwarding address
    if "--dns-forward" not in given:
        cmd += ["--dns-forward", DNS_FWD]
    # 8. no forwarding in the directions nobody configured
    for flag in ("-t", "-u", "-T", "-U"):
        if flag not in given:
            cmd += [flag, "none"]
    # 9. the gateway address is not the host
    if not map_gw:
        cmd.append("--no-map-gw")
    # 10. quiet unless debugging
    if quiet:
        cmd.append("--quiet")
    # 11. the namespace podman created
    cmd += ["--netns", str(netns)]
    # 12. last, so that podman can drop it for an older pasta (2.4)
    if "--map-guest-addr" not in given:
        cmd += ["--map-guest-addr", GUEST_ADDR]
    return [str(pasta)] + cmd


class Podman:
    """podman as root in `host`, with private storage under @store."""

    def __init__(self, topo, store):
        self.topo = topo
        self.store = Path(store)
        self.cids = []
        self.base = ["nsenter", "--net=/run/netns/" + topo.host, "podman",
                     "--root", str(self.store / "root"),
                     "--runroot", str(self.store / "run"),
                     "--tmpdir", str(self.store / "tmp"),
                     "--storage-driver", "vfs",
                     "--cgroup-manager", "cgroupfs",
                     "--events-backend", "none", "--runtime", "runc"]

    def __call__(self, args, timeout=60):
        return T.run(self.base + [str(a) for a in args], timeout=timeout)

    def start(self, name, cmd):
        """podman run -d a container from the busybox rootfs; return
        (container ID, PID of its first process)."""
        u = self.topo.user
        limits = []
        for opt, res in (("nofile", resource.RLIMIT_NOFILE),
                         ("nproc", resource.RLIMIT_NPROC)):
            hard = resource.getrlimit(res)[1]
            n = 1024 if hard == resource.RLIM_INFINITY else min(1024, hard)
            limits += ["--ulimit", "%s=%d:%d" % (opt, n, n)]
        r = self(["run", "-d", "--name", name,
                  "--uidmap", "0:%d:1" % u.pw_uid,
                  "--gidmap", "0:%d:1" % u.pw_gid] + limits +
                 ["--network", "none", "--rootfs", self.store / "rootfs"] +
                 list(cmd))
        assert r.returncode == 0, "podman run failed: %s" % r.stderr
        cid = r.stdout.split()[-1]
        self.cids.append(cid)
        r = self(["inspect", "-f", "{{.State.Pid}}", cid])
        assert r.returncode == 0, r.stderr
        return cid, int(r.stdout)

    def exec(self, cid, args, timeout=20):
        return self(["exec", cid] + list(args), timeout=timeout)

    def rm(self, cid):
        r = self(["rm", "-f", "-t", "0", cid])
        if cid in self.cids:
            self.cids.remove(cid)
        return r

    def cleanup(self):
        for cid in list(self.cids):
            self.rm(cid)
        self(["rm", "-a", "-f", "-t", "0"])


class NetnsFile:
    """podman-5 style namespace file: a bind mount of the container's
    network namespace at DIR/netns-UUID."""

    def __init__(self, d, pid):
        d.mkdir(exist_ok=True)
        self.path = d / ("netns-%s" % uuid.uuid4())
        self.path.touch()
        self.mounted = False
        T.sh(["mount", "--bind", "/proc/%d/ns/net" % pid, str(self.path)])
        self.mounted = True

    def remove(self):
        """What podman does: unmount with MNT_DETACH, then delete."""
        if self.mounted:
            T.run(["umount", "-l", str(self.path)])
            self.mounted = False
        if self.path.exists():
            self.path.unlink()


class Started:
    """pasta as podman started it: @argv the last argv run, @result the
    launcher's record of the foreground run, @daemon the PID left."""

    def __init__(self, argv, result, exit_file):
        self.argv = argv
        self.result = result
        self.exit_file = exit_file
        d = result.get("daemons") or []
        self.daemon = d[0] if len(d) == 1 else None

    def exit_status(self, timeout):
        """(status, monotonic time) of the daemon once reaped, or None."""
        if not T.wait_for(self.exit_file.exists, timeout):
            return None
        return json.loads(self.exit_file.read_text()).get(str(self.daemon))


def start_pasta(topo, procs, d, argv, ctr_pid, tag):
    """Run @argv as podman 5 would, as the container's root (the test
    user) in `host`; retry once without --map-guest-addr like podman."""
    for attempt in (1, 2):
        res = d / ("%s-%d-result.json" % (tag, attempt))
        ex = d / ("%s-%d-exit.json" % (tag, attempt))
        procs.popen([T.PY, HELPER, "launch", "--result", res, "--exit", ex,
                     "--timeout", "20", "--wait", "120", "--",
                     "ip", "netns", "exec", topo.host,
                     "nsenter", "--user=/proc/%d/ns/user" % ctr_pid, "--",
                     "env", "-i", "PATH=" + T.SAFE_PATH, "LANG=C"] + argv)
        assert T.wait_for(res.exists, 30), "launcher wrote no result"
        r = json.loads(res.read_text())
        for pid in r["daemons"]:
            procs.add(pid)
        if (attempt == 1 and r["rc"] == 1 and
                "unrecognized option '--map-guest-addr" in r["output"] and
                argv[-2:] == ["--map-guest-addr", GUEST_ADDR]):
            argv = argv[:-2]
            continue
        return Started(argv, r, ex)
    raise AssertionError("unreachable")


def ns_ip_json(path, args):
    r = T.run(["nsenter", "--net=" + str(path), "ip", "-j"] + list(args))
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout or "[]")


def listening(nsenter_arg, port):
    r = T.run(["nsenter", nsenter_arg, "ss", "-Hltn", "sport = :%d" % port])
    return bool(r.stdout.strip())


def http_server(procs, topo, netns, port, root, bind):
    p = procs.popen(["ip", "netns", "exec", netns, T.PY, "-m",
                     "http.server", str(port), "--bind", bind,
                     "--directory", str(root)])
    ok = T.wait_for(lambda: listening("--net=/run/netns/" + netns, port) or
                    p.poll() is not None, 10)
    assert ok and p.poll() is None, "http.server did not start in " + netns
    return p


# -- fixtures ----------------------------------------------------------------
@pytest.fixture(scope="module")
def podman_env(topo):
    for prog in ("podman", "runc", "nsenter", "curl"):
        T.need(shutil.which(prog) is not None, prog + " is not installed")
    T.need(PP.find_busybox() is not None,
           "busybox is not installed (busybox-static)")
    store = T.user_tmpdir()
    PP.build_rootfs(store / "rootfs", INDEX,
                    (topo.user.pw_uid, topo.user.pw_gid))
    pm = Podman(topo, store)
    try:
        yield pm
    finally:
        pm.cleanup()
        shutil.rmtree(store, ignore_errors=True)


class Web:
    """The module's container: busybox httpd on port 80, pasta attached
    with podman 5's argv for `-p 8080:80`."""


@pytest.fixture(scope="module")
def web(topo, podman_env, pasta):
    procs = T.Procs()
    w = Web()
    w.pm = pm = podman_env
    w.cid = None
    w.nsf = None
    try:
        w.cid, w.pid = pm.start(topo.tag + "-web",
                                ["/bin/httpd", "-f", "-p", str(CTR_PORT),
                                 "-h", "/www"])
        assert T.wait_for(lambda: listening("--net=/proc/%d/ns/net" % w.pid,
                                            CTR_PORT), 10), \
            "httpd did not listen in the container"
        w.nsf = NetnsFile(pm.store / "netns", w.pid)
        w.built = podman5_pasta_argv(
            pasta, w.nsf.path,
            ports=[("tcp", None, HOST_PORT, HOST_PORT, CTR_PORT, CTR_PORT)])
        w.started = start_pasta(topo, procs, pm.store, w.built, w.pid, "web")
        # what podman reads as soon as pasta returned (compat.md 2.4)
        w.addr = ns_ip_json(w.nsf.path, ["addr", "show"])
        w.route = ns_ip_json(w.nsf.path, ["route", "show"])
        yield w
    finally:
        if w.cid:
            pm.rm(w.cid)
        if w.nsf:
            w.nsf.remove()
        procs.cleanup()


@pytest.fixture(scope="module")
def remote_http(topo):
    procs = T.Procs()
    d = T.user_tmpdir()
    token = "remote says %s\n" % uuid.uuid4()
    (d / "token.txt").write_text(token)
    os.chmod(d / "token.txt", 0o644)
    try:
        http_server(procs, topo, topo.remote, REMOTE_PORT, d, "::")
        yield token
    finally:
        procs.cleanup()
        shutil.rmtree(d, ignore_errors=True)


def need_daemon(w):
    st = w.started
    assert st.result["rc"] == 0 and st.daemon, \
        "pasta did not start: %r" % st.result


# -- tests -------------------------------------------------------------------
def test_argv_builder_matches_compat_examples():
    """Our builder against compat.md 2.3's two literal examples."""
    ns = "/run/user/1000/netns/netns-1a2b3c4d"
    assert podman5_pasta_argv("pasta", ns, [("tcp", None, 8080, 8080, 80,
                                             80)]) == (
        "pasta --config-net -t 8080-8080:80-80 --dns-forward 169.254.1.1 "
        "-u none -T none -U none --no-map-gw --quiet --netns %s "
        "--map-guest-addr 169.254.1.2" % ns).split()
    d = "/run/user/1000/containers/networks/rootless-netns"
    assert podman5_pasta_argv("pasta", d + "/rootless-netns", user_opts=[
        "--pid", d + "/rootless-netns-conn.pid"]) == (
        "pasta --config-net --pid %s/rootless-netns-conn.pid --dns-forward "
        "169.254.1.1 -t none -u none -T none -U none --no-map-gw --quiet "
        "--netns %s/rootless-netns --map-guest-addr 169.254.1.2"
        % (d, d)).split()
    with pytest.raises(ValueError, match="can't forward protocol: sctp"):
        podman5_pasta_argv("pasta", ns, [("sctp", None, 1, 1, 1, 1)])


def test_podman5_argv_starts_pasta(topo, web, pasta):
    st = web.started
    assert web.built == [pasta, "--config-net", "-t", "8080-8080:80-80",
                         "--dns-forward", DNS_FWD, "-u", "none", "-T", "none",
                         "-U", "none", "--no-map-gw", "--quiet", "--netns",
                         str(web.nsf.path), "--map-guest-addr", GUEST_ADDR]
    if not T.is_reference(pasta):
        # ours takes --map-guest-addr: podman's fallback must not be needed
        assert st.argv == web.built
    r = st.result
    assert r["pipe_closed"], "pasta's daemon kept podman's pipe open"
    assert r["rc"] == 0, "pasta failed (%s): %s" % (r["rc"], r["output"])
    if not T.is_reference(pasta):
        assert r["output"] == "", "--quiet, yet pasta said: " + r["output"]
    assert len(r["daemons"]) == 1, r
    pid = st.daemon
    assert T.pid_alive(pid)
    if not T.is_reference(pasta):   # Debian's re-executes passt.avx2
        assert Path("/proc/%d/comm" % pid).read_text().strip() == "pasta"
    # the user on the host, UID 0 in the container's user namespace, and
    # serving from the host namespace
    assert T.pid_uid(pid) == topo.user.pw_uid
    assert os.stat("/proc/%d/ns/user" % pid).st_ino == \
        os.stat("/proc/%d/ns/user" % web.pid).st_ino
    assert os.stat("/proc/%d/ns/net" % pid).st_ino == \
        os.stat("/run/netns/" + topo.host).st_ino
    # --config-net: addresses and route in place when the parent exited
    assert (T.HOST4, 24, "global") in T.addrs(web.addr, T.HOST_IF, "inet")
    assert (T.HOST6, 64, "global") in T.addrs(web.addr, T.HOST_IF, "inet6")
    assert any(rt.get("dst") == "default" and rt.get("gateway") == T.GW4
               for rt in web.route), web.route


@pytest.mark.parametrize("addr", [T.REMOTE4, "[%s]" % T.REMOTE6],
                         ids=["v4", "v6"])
def test_container_reaches_remote(web, remote_http, addr):
    need_daemon(web)
    r = web.pm.exec(web.cid, ["wget", "-q", "-O", "-", "http://%s:%d/token.txt"
                              % (addr, REMOTE_PORT)])
    assert r.returncode == 0, r.stderr
    assert r.stdout == remote_http


def test_nslookup_through_dns_forward(web, dnsmasq):  # noqa: F811
    need_daemon(web)
    mark = len(dnsmasq())
    r = web.pm.exec(web.cid, ["nslookup", DNS_NAME, DNS_FWD], timeout=30)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "Address: %s" % DNS_A in out, out
    assert "Address: %s" % DNS_AAAA in out, out
    # answered by dnsmasq in `remote`, not made up on the way
    assert T.wait_for(lambda: "query[A] %s " % DNS_NAME in dnsmasq()[mark:],
                      2), dnsmasq()[mark:]


@pytest.mark.parametrize("where,addr", [
    ("host", "127.0.0.1"), ("host", "[::1]"),
    ("remote", T.HOST4), ("remote", "[%s]" % T.HOST6)],
    ids=["host-lo4", "host-lo6", "remote-v4", "remote-v6"])
def test_container_server_on_host_port(topo, web, where, addr):
    need_daemon(web)
    netns = topo.host if where == "host" else topo.remote
    r = topo.in_ns(netns, ["curl", "-sS", "-m", "10", "-g",
                           "http://%s:%d/" % (addr, HOST_PORT)], timeout=20)
    assert r.returncode == 0, r.stderr
    assert r.stdout == INDEX


def test_map_guest_addr_reaches_host(topo, web, procs, tmp):
    need_daemon(web)
    if "--map-guest-addr" not in web.started.argv:
        pytest.skip("reference pasta differs: no --map-guest-addr")
    token = "host says %s\n" % uuid.uuid4()
    (tmp / "host.txt").write_text(token)
    os.chmod(tmp / "host.txt", 0o644)
    http_server(procs, topo, topo.host, HOSTSRV_PORT, tmp, T.HOST4)
    r = web.pm.exec(web.cid, ["wget", "-q", "-O", "-", "http://%s:%d/host.txt"
                              % (GUEST_ADDR, HOSTSRV_PORT)])
    assert r.returncode == 0, r.stderr
    assert r.stdout == token


@pytest.mark.parametrize("how", ["netns-file", "proc-pid"])
def test_pasta_quits_when_container_goes(topo, podman_env, pasta, procs,
                                         how):
    if how == "proc-pid":
        T.skip_on_reference(pasta, "can't open /proc/PID/ns/net as --netns "
                            "(podman always passes a bind mount)")
    pm = podman_env
    cid, pid = pm.start("%s-quit-%s" % (topo.tag, how),
                        ["/bin/sleep", "300"])
    nsf = NetnsFile(pm.store / "netns", pid) if how == "netns-file" else None
    try:
        target = nsf.path if nsf else "/proc/%d/ns/net" % pid
        st = start_pasta(topo, procs, pm.store,
                         podman5_pasta_argv(pasta, target), pid,
                         "quit-" + how)
        assert st.result["rc"] == 0 and st.daemon, st.result
        assert T.pid_alive(st.daemon)
        t0 = time.monotonic()
        r = pm.rm(cid)
        assert r.returncode == 0, r.stderr
        if nsf:
            nsf.remove()
        got = st.exit_status(QUIT_SECS + 1)
        assert got is not None and got[0] is not None, \
            "pasta still running %d s after the container went" % QUIT_SECS
        status, when = got
        assert status == 0, "pasta exited with status %r" % status
        print("pasta quit %.2f s after podman rm (%s)" % (when - t0, how))
        assert when - t0 < QUIT_SECS, "pasta took %.1f s" % (when - t0)
    finally:
        pm.rm(cid)
        if nsf:
            nsf.remove()
