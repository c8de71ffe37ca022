# SPDX-License-Identifier: GPL-2.0-or-later
"""test_doctor.py - start-up diagnostics: --doctor's report, and the cause
and fix logged after a start-up failure (doc/doctor.md).

Each condition is created for real, as root, around the unprivileged test
user, and never on the machine itself:

* /dev/net/tun mode 0600: a private mount namespace (unshare --mount) with
  a 0600 node bind-mounted over /dev/net/tun; missing: a tmpfs over
  /dev/net in such a namespace. The real node is never touched (checked).
* user namespaces off: a user namespace of the test user (unshare --user
  --map-root-user) whose root sets user.max_user_namespaces to 0 in it, as
  a container runtime may; pasta runs inside it.
* no default route, several default routes, ping_group_range "1 0": a
  network namespace of the test (veth pair with documentation addresses).
* a forwarded port already in use: a dual-stack listener of the test, as
  the test user (named with its PID) or as root (named by UID only: the
  test user can't look at root's /proc/PID/fd).

For each: `pasta --doctor` (and `passt --doctor` where it applies) prints
the FAIL or WARN line with the fix, with exit status 1 for FAIL, 0 else;
and pasta's start-up keeps its first error line and exit status 1, then
logs the same cause and fix. With everything in order the report is all
OK, and (under strace) it created no namespace, no tap and bound no inet
socket. AppArmor's restriction of user namespaces can't be created here
(no AppArmor on this machine's kernel): tests/unit/test_doctor.c covers
that decision, and SELinux/AppArmor denials recognised from errno.

--doctor is ours: upstream has no such option, hence ours_only.
"""

import os
import stat

import pytest

import topo as T

pytestmark = pytest.mark.ours_only("--doctor and the start-up hints are ours")

TUN = "/dev/net/tun"


def user_argv(topo, netns, args, root_script=None):
    """argv: as root in @netns, run @root_script (sh) in a private mount
    namespace if given, then @args as the test user."""
    prefix = topo.user_prefix(netns)
    head, user = prefix[:4], prefix[4:]
    if root_script is None:
        return prefix + [str(a) for a in args]
    return head + ["unshare", "--mount", "--propagation", "private",
                   "sh", "-ec", root_script + '\nexec "$@"', "sh"] + \
        user + [str(a) for a in args]


def run_user(topo, args, netns=None, root_script=None, timeout=20):
    return T.run(user_argv(topo, netns or topo.host, args, root_script),
                 timeout=timeout)


def lines(out, level, check):
    """Report lines of @check at @level."""
    tag = "%-5s %s: " % (level, check)
    return [x for x in out.splitlines() if x.startswith(tag)]


def tun_untouched():
    st = os.stat(TUN)
    assert stat.S_ISCHR(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o666


@pytest.fixture
def bare_ns(topo):
    """A network namespace with one veth pair (203.0.113.1/25 on d0), no
    default route, and ping_group_range "1 0"."""
    name = topo.tag + "-bare"
    topo._add_ns(name)
    topo.write_resolv(name)
    T.sh(["ip", "-n", name, "link", "add", "d0", "type", "veth", "peer",
          "name", "d1"])
    T.sh(["ip", "-n", name, "addr", "add", "203.0.113.1/25", "dev", "d0"])
    for i in ("d0", "d1"):
        T.sh(["ip", "-n", name, "link", "set", i, "up"])
    T.sh(["ip", "netns", "exec", name, "sysctl", "-qw",
          "net.ipv4.ping_group_range=1 0"])
    yield name
    T.run(["ip", "netns", "del", name])
    topo.netns.remove(name)


def test_report_all_ok(topo, pasta, tmp):
    T.need(T.shutil.which("strace") is not None, "strace is not installed")
    trace = os.path.join(tmp, "strace.out")
    r = run_user(topo, ["strace", "-f", "-qq", "-o", trace, "-e",
                        "trace=clone,clone3,unshare,setns,bind,listen,"
                        "ioctl,connect", pasta, "--doctor"])
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert out.startswith("pasta --doctor: checks for UID %d"
                          % topo.user.pw_uid), out
    assert lines(out, "OK", "user namespace"), out
    assert lines(out, "OK", "tun") == ["OK    tun: /dev/net/tun usable"]
    assert lines(out, "OK", "routes") == [
        "OK    routes: default route via ext0 (IPv4), ext0 (IPv6)"], out
    assert lines(out, "OK", "ICMP"), out
    assert out.rstrip().endswith("Result: OK"), out
    assert "WARN" not in out and "FAIL" not in out, out
    # starts nothing: no namespace, no tap, no inet socket bound
    text = open(trace).read()
    for bad in ("CLONE_NEW", "unshare(", "setns(", "TUNSETIFF", "listen(",
                "AF_INET"):
        assert bad not in text, [x for x in text.splitlines() if bad in x]


def test_report_passt(topo, tmp):
    r = run_user(topo, [T.tool_path("passt"), "--doctor"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("passt --doctor:"), r.stdout
    # no user namespace or tap for passt
    assert "user namespace" not in r.stdout and "tun:" not in r.stdout
    assert lines(r.stdout, "OK", "routes"), r.stdout
    assert lines(r.stdout, "OK", "ICMP"), r.stdout


TUN_0600 = ("d=$(mktemp -d); mknod $d/tun c 10 200; chmod 0600 $d/tun; "
            "mount --bind $d/tun /dev/net/tun")
TUN_GONE = "mount -t tmpfs none /dev/net"


@pytest.mark.parametrize("script,cause", [
    (TUN_0600, "/dev/net/tun is mode 0600, owner 0:0: UID %d can't open it"
     "; fix: chmod 0666 /dev/net/tun"),
    (TUN_GONE, "/dev/net/tun is missing (No such file or directory); fix: "
     "modprobe tun, or mknod /dev/net/tun c 10 200"),
], ids=["mode-0600", "missing"])
def test_tun(topo, pasta, script, cause):
    if "%d" in cause:
        cause = cause % topo.user.pw_uid
    r = run_user(topo, [pasta, "--doctor"], root_script=script)
    assert r.returncode == 1, r.stdout + r.stderr
    fail = lines(r.stdout, "FAIL", "tun")
    assert len(fail) == 1 and cause in fail[0], r.stdout
    assert r.stdout.rstrip().endswith("Result: FAIL")

    r = run_user(topo, [pasta, "--config-net", "--", "true"],
                 root_script=script)
    assert r.returncode == 1, r.stderr
    err = r.stderr.splitlines()
    # the first line as before, then the cause and the fix
    assert err[0].startswith("Couldn't create tap device ext0 in the "
                             "namespace: "), err
    assert cause in err[1], err
    tun_untouched()


def test_userns_max_zero(topo, pasta):
    """user.max_user_namespaces 0 in a user namespace of the test user."""
    inner = ("echo 0 > /proc/sys/user/max_user_namespaces && "
             'exec "$@"')
    cause = ("user namespaces are disabled: user.max_user_namespaces is 0;"
             " fix: sysctl -w user.max_user_namespaces=")
    base = ["unshare", "--user", "--map-root-user", "sh", "-ec", inner,
            "sh"]
    r = run_user(topo, base + [pasta, "--doctor"])
    assert r.returncode == 1, r.stdout + r.stderr
    fail = lines(r.stdout, "FAIL", "user namespace")
    assert len(fail) == 1 and cause in fail[0], r.stdout

    r = run_user(topo, base + [pasta, "--config-net", "--", "true"])
    assert r.returncode == 1, r.stderr
    err = r.stderr.splitlines()
    assert err[0] == ("Couldn't create namespaces for the command: No space "
                      "left on device"), err
    assert cause in err[1], err


def test_no_default_route(topo, pasta, bare_ns):
    r = run_user(topo, [pasta, "--doctor"], netns=bare_ns)
    assert r.returncode == 0, r.stdout + r.stderr
    warn = lines(r.stdout, "WARN", "routes")
    assert len(warn) == 1, r.stdout
    assert "no default route: the guest gets link-local addresses only " \
        "(local mode)" in warn[0]
    assert "interfaces with routes: d0;" in warn[0]
    assert "--outbound-if4 IF" in warn[0]
    assert r.stdout.rstrip().endswith("Result: WARN")

    # start-up: still starts, and says why the guest is in local mode
    r = run_user(topo, [pasta, "-d", "--config-net", "--", "true"],
                 netns=bare_ns)
    assert r.returncode == 0, r.stderr
    assert "No IPv4 default route: local mode" in r.stderr
    assert "no default route: the guest gets link-local" in r.stderr


def test_several_default_routes(topo, pasta, bare_ns):
    T.sh(["ip", "-n", bare_ns, "link", "add", "e0", "type", "veth", "peer",
          "name", "e1"])
    T.sh(["ip", "-n", bare_ns, "addr", "add", "203.0.113.129/25", "dev",
          "e0"])
    for i in ("e0", "e1"):
        T.sh(["ip", "-n", bare_ns, "link", "set", i, "up"])
    T.sh(["ip", "-n", bare_ns, "route", "add", "default", "via",
          "203.0.113.126", "dev", "d0", "metric", "100"])
    T.sh(["ip", "-n", bare_ns, "route", "add", "default", "via",
          "203.0.113.254", "dev", "e0", "metric", "200"])
    r = run_user(topo, [pasta, "--doctor"], netns=bare_ns)
    assert r.returncode == 0, r.stdout + r.stderr
    warn = lines(r.stdout, "WARN", "routes")
    assert len(warn) == 1 and "several default routes: using d0 (IPv4)" \
        in warn[0] and "--outbound-if4 IF" in warn[0], r.stdout


@pytest.mark.parametrize("tool", ["pasta", "passt"])
def test_ping_group_range_closed(topo, pasta, bare_ns, tool):
    path = pasta if tool == "pasta" else T.tool_path("passt")
    r = run_user(topo, [path, "--doctor"], netns=bare_ns)
    assert r.returncode == 0, r.stdout + r.stderr
    warn = lines(r.stdout, "WARN", "ICMP")
    assert warn == [
        'WARN  ICMP: ICMP echo off: net.ipv4.ping_group_range is "1 0", '
        "which doesn't cover GID %d; fix: sysctl -w "
        'net.ipv4.ping_group_range="0 2147483647" (or --no-icmp)'
        % topo.user.pw_gid], r.stdout
    r = run_user(topo, [path, "--doctor", "--no-icmp"], netns=bare_ns)
    assert lines(r.stdout, "OK", "ICMP") == [
        "OK    ICMP: ICMP echo disabled by --no-icmp"], r.stdout


def test_ping_group_range_startup(topo, pasta, bare_ns):
    r = run_user(topo, [pasta, "-d", "--config-net", "--", "true"],
                 netns=bare_ns)
    assert r.returncode == 0, r.stderr
    assert 'ICMP echo off: net.ipv4.ping_group_range is "1 0"' in r.stderr


HOLD = """
import os, socket, sys, time
tcp = sys.argv[2] == "tcp"
s = socket.socket(socket.AF_INET6,
                  socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
if tcp:
    s.listen()
print(os.getpid(), flush=True)
time.sleep(60)
"""


def free_port(topo):
    """A port nothing holds in the host namespace (TCP and UDP)."""
    for port in range(23400, 23500):
        out = topo.in_ns(topo.host, ["ss", "-Htuan", "sport", "= :%d"
                                     % port]).stdout
        if not out.strip():
            return port
    raise RuntimeError("no free port")


def hold(topo, procs, port, proto, as_root):
    args = ["/usr/bin/python3", "-c", HOLD, str(port), proto]
    if as_root:
        p = procs.popen(["ip", "netns", "exec", topo.host] + args)
    else:
        p = topo.popen_as_user_in_host(procs, args)
    pid = int(p.stdout.readline())
    return pid


@pytest.mark.parametrize("proto,as_root", [("tcp", False), ("udp", False),
                                           ("tcp", True)],
                         ids=["tcp-user", "udp-user", "tcp-root"])
def test_port_held(topo, procs, pasta, proto, as_root):
    T.need(T.shutil.which("ss") is not None, "ss is not installed")
    port = free_port(topo)
    pid = hold(topo, procs, port, proto, as_root)
    opt = "-t" if proto == "tcp" else "-u"
    if as_root:
        held = " (held by a process of UID 0)"
    else:
        held = " (held by python3, PID %d)" % pid
    P = proto.upper()

    r = run_user(topo, [pasta, opt, port, "--config-net", "--", "true"])
    assert r.returncode == 1, r.stderr
    want = ("Listen failed for host %s port %d: Address already in use%s"
            % (P, port, held))
    assert want in r.stderr.splitlines(), r.stderr

    r = run_user(topo, [pasta, opt, port, "--doctor"])
    assert r.returncode == 1, r.stdout + r.stderr
    fail = lines(r.stdout, "FAIL", "ports")
    assert fail == ["FAIL  ports: host %s port %d is in use%s; fix: stop "
                    "that process, or forward another port (%s OTHER:%d)"
                    % (P, port, held, opt, port)], r.stdout
    assert T.pid_alive(pid)

    # and passt: the same check, the same report
    r = run_user(topo, [T.tool_path("passt"), opt, port, "--doctor"])
    assert r.returncode == 1, r.stdout + r.stderr
    assert lines(r.stdout, "FAIL", "ports") == fail


def test_port_free(topo, pasta):
    T.need(T.shutil.which("ss") is not None, "ss is not installed")
    port = free_port(topo)
    r = run_user(topo, [pasta, "-t", port, "-u", port, "--doctor"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert lines(r.stdout, "OK", "ports") == [
        "OK    ports: forwarded TCP ports are free",
        "OK    ports: forwarded UDP ports are free"], r.stdout
    # nothing was bound by the check: the port is still free
    assert free_port(topo) == port


def test_held_port_only_names_fixed_rules(topo, procs, pasta):
    """An "auto" rule binds at run time: not a start-up failure."""
    T.need(T.shutil.which("ss") is not None, "ss is not installed")
    port = free_port(topo)
    hold(topo, procs, port, "tcp", False)
    r = run_user(topo, [pasta, "-t", "auto", "--doctor"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ports" not in r.stdout


def test_socket_untouched_by_report(topo, tmp):
    """passt --doctor -s PATH doesn't create its socket."""
    path = os.path.join(tmp, "doc.socket")
    r = run_user(topo, [T.tool_path("passt"), "-s", path, "--doctor"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert not os.path.exists(path)


def test_report_shape(topo, pasta):
    """Every line after the first: LEVEL (padded to 5), check, message."""
    r = run_user(topo, [pasta, "--doctor"])
    body = r.stdout.splitlines()
    assert body[-1].startswith("Result: ")
    for x in body[1:-1]:
        assert x[:6] in ("OK    ", "WARN  ", "FAIL  "), x
        assert ": " in x[6:], x

