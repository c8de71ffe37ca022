# SPDX-License-Identifier: GPL-2.0-or-later
"""test_root.py - passt and pasta started by root in the initial user
namespace: they switch to nobody (or --runas), sandbox themselves, work.

Theory of operation: unlike the rest of the suite, the tools here run as
real root in the topology's `host` namespace (`ip netns exec`, no
setpriv).  As upstream does, they leave root for nobody (or the --runas
user) before opening anything of the guest's; the change of credentials
makes the kernel mark them non-dumpable, so their /proc/self files belong
to root and a user namespace of their own can't get ID maps written
(passt's sandbox then leaves it unmapped, as upstream always does).  From
outside, /proc/PID shows the user, the sandbox (test_sandbox.py's checks:
seccomp, no-new-privileges, capabilities, an empty read-only root, a user
namespace other than ours for passt, not dumpable).  Then they must work:

* passt: guest_bridge's guest (a namespace's kernel) takes its DHCP lease
  with busybox udhcpc through passt's socket;
* pasta with a command: curl in the command fetches a file from `remote`
  (http.server), hash checked;
* pasta attached to a namespace that the --runas user owns (by PID, and
  by --netns/--userns paths): curl from that namespace, same check.
  Without --runas, nobody may not enter another user's namespace: pasta
  exits 1 and leaves nothing, as upstream 2025-05 does (seen in the
  Debian 13 root: "Couldn't open user namespace ...: Permission denied").
"""

import os
import pwd
import signal

import pytest

import deb13_env
import guest_bridge as G
import test_dhcp_clients as D
import topo as T
from test_sandbox import CAP_NET_ADMIN, CAP_SYS_ADMIN, assert_sandboxed

# pasta --config-net keeps both in its user namespace: CAP_SYS_ADMIN for
# sockets in the namespace, CAP_NET_ADMIN to follow the host
# (doc/follow.md)
NS_CAPS = 1 << CAP_SYS_ADMIN | 1 << CAP_NET_ADMIN
from test_tcp_http import check_download, need_curl, serve, url, webroot  # noqa: F401,E501

HTTP_PORT = 8093


def tool(name):
    """Path of tool @name under test; skip for Debian 13's own build, which
    runs only inside its root (glibc 2.41).  By hand in that root, its
    passt as root runs as nobody, sandboxed in an unmapped user namespace,
    and its pasta fails to attach without --runas, as checked here."""
    path = T.tool_path(name)
    T.need(os.access(path, os.X_OK), name + " under test not found: " + path)
    if deb13_env.in_root(path) is not None:
        pytest.skip("Debian 13's %s runs only inside its root" % name)
    return path


def nobody():
    return pwd.getpwnam("nobody").pw_uid


def root_prefix(topo):
    """argv prefix: root in `host`, a clean environment."""
    return ["ip", "netns", "exec", topo.host, "env", "-i",
            "PATH=" + T.SAFE_PATH, "HOME=/root", "LANG=C"]


def check_user(pid, uid):
    """Every UID of @pid is @uid."""
    with open("/proc/%d/status" % pid) as f:
        line = next(ln for ln in f if ln.startswith("Uid:"))
    assert line.split()[1:] == [str(uid)] * 4, line


def runas_args(topo, runas):
    """(--runas arguments, UID expected) for @runas None or "user"."""
    if runas is None:
        return [], nobody()
    return ["--runas", topo.user.pw_name], topo.user.pw_uid


@pytest.mark.parametrize("runas", [None, "user"])
def test_passt_as_root(topo, procs, tmp, runas):
    """passt -f as root: nobody (or --runas), sandboxed in a user
    namespace of its own, not dumpable; a guest gets its lease."""
    passt = tool("passt")
    args, uid = runas_args(topo, runas)
    sock = str(tmp / "root.socket")
    p = procs.popen(root_prefix(topo) + [passt, "-f", "-s", sock] +
                    G.passt_fwd() + args)
    ok = T.wait_for(lambda: G.is_socket(sock) or p.poll() is not None, 10)
    if not ok or p.poll() is not None:
        p.kill()
        out, err = p.communicate(timeout=5)
        pytest.fail("passt as root did not start (%s): %s"
                    % (p.returncode, err.decode(errors="replace")))
    check_user(p.pid, uid)
    if not T.is_reference(passt):
        assert_sandboxed(p.pid)
        assert os.readlink("/proc/%d/ns/user" % p.pid) != \
            os.readlink("/proc/self/ns/user")
    ns = G.add_guest_ns(topo)
    try:
        br = G.start_bridge(procs, ns, sock)
        g = G.Guest(ns, tmp, sock, p, br)
        D.check_lease4(D.udhcpc(topo, g))
        assert p.poll() is None and br.poll() is None
    finally:
        topo.detach_netns(ns)


def fetch_cmd(dst, out):
    """A command fetching the blob from @dst into @out: curl's status."""
    return ["curl", "-sS", "--max-time", "20", "-o", str(out),
            "-w", "%{http_code} %{size_download}\n", url(dst, HTTP_PORT)]


@pytest.mark.parametrize("runas", [None, "user"])
def test_pasta_command_as_root(topo, procs, tmp, webroot, runas):
    """pasta --config-net -- curl as root: the command reaches remote;
    pasta runs as nobody (or --runas), sandboxed, not dumpable."""
    pasta = tool("pasta")
    T.skip_on_reference(pasta, "Debian 12's 2023 pasta, as root, can't "
                        "write its command's ID maps (non-dumpable once it "
                        "is nobody) and hangs; fixed upstream since")
    need_curl()
    root, digest = webroot
    serve(procs, topo.remote, HTTP_PORT, root)
    args, uid = runas_args(topo, runas)
    out = tmp / "got.bin"
    marker = tmp / "started"
    # the command: say it started, hold on until the test has looked at
    # pasta, then fetch
    script = ('touch %s; i=0; while [ -e %s ] && [ $i -lt 100 ]; do '
              'sleep 0.1; i=$((i+1)); done; exec "$@"' % (marker, marker))
    p = procs.popen(root_prefix(topo) + [pasta, "--config-net"] + T.NO_FWD +
                    args + ["--", "sh", "-c", script, "sh"] +
                    fetch_cmd(T.REMOTE4, out))
    assert T.wait_for(marker.exists, 10), \
        "command didn't start: %r" % (p.communicate(timeout=5),)
    check_user(p.pid, uid)
    if not T.is_reference(pasta):
        assert_sandboxed(p.pid, NS_CAPS)
    marker.unlink()
    o, e = p.communicate(timeout=30)

    class R:
        returncode, stdout, stderr = p.returncode, o.decode(), e.decode()
    check_download(R, out, digest)


@pytest.mark.parametrize("how", ["pid", "netns"])
def test_pasta_attached_as_root_runas(topo, procs, tmp, webroot, how):
    """pasta --runas USER as root, attached to a namespace USER owns (its
    PID, or --netns and --userns paths): daemon as USER, sandboxed, not
    dumpable; curl in the namespace reaches remote."""
    pasta = tool("pasta")
    need_curl()
    root, digest = webroot
    serve(procs, topo.remote, HTTP_PORT, root)
    target = topo.start_user_netns(procs)
    if how == "pid":
        tgt = [str(target)]
    else:
        tgt = ["--netns", "/proc/%d/ns/net" % target,
               "--userns", "/proc/%d/ns/user" % target]
    pidfile = tmp / "pasta.pid"
    r = T.run(root_prefix(topo) + [pasta, "--config-net", "-q"] + T.NO_FWD +
              ["--runas", topo.user.pw_name, "-P", str(pidfile)] + tgt,
              timeout=15)
    assert r.returncode == 0, r.stderr
    pid = int(pidfile.read_text())
    procs.add(pid)
    check_user(pid, topo.user.pw_uid)
    if not T.is_reference(pasta):
        assert_sandboxed(pid, NS_CAPS)
    name = topo.attach_netns(target)
    try:
        out = tmp / "got.bin"
        res = topo.in_ns(name, fetch_cmd(T.REMOTE4, out), timeout=30)
        check_download(res, out, digest)
    finally:
        topo.detach_netns(name)
    os.kill(pid, signal.SIGTERM)
    assert T.wait_for(lambda: not T.pid_alive(pid), 5)


def test_pasta_attached_as_root_without_runas_fails(topo, procs, tmp):
    """As root without --runas, pasta becomes nobody, who may not enter
    the test user's namespace: exit 1, no PID file, no process."""
    pasta = tool("pasta")
    target = topo.start_user_netns(procs)
    pidfile = tmp / "pasta.pid"
    before = set(T.user_pids(nobody()))
    r = T.run(root_prefix(topo) + [pasta, "--config-net", "-q"] + T.NO_FWD +
              ["-P", str(pidfile), str(target)], timeout=15)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "Permission denied" in r.stderr, r.stderr
    assert not pidfile.exists() or not pidfile.read_text()
    assert set(T.user_pids(nobody())) <= before
