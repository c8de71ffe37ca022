# SPDX-License-Identifier: GPL-2.0-or-later
"""conftest.py - pytest fixtures: topology, test user, tools, temp dirs.

Theory of operation: one session-scoped Topo (see topo.py) is built before the
first test that asks for it and torn down by a finalizer even when tests
fail: registered processes are killed by PID, namespaces and /etc/netns
directories deleted, and /dev/net/tun gets its old mode back.  Per test, the
`procs` fixture tracks the processes the test starts and `tmp` is a mode-1777
directory the unprivileged user can write to.
"""

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import topo as T  # noqa: E402

TUN = "/dev/net/tun"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ours_only(why): expectation of our build that Debian's "
        "2023 reference pasta does not meet; skipped in the reference run")


def pytest_runtest_setup(item):
    m = item.get_closest_marker("ours_only")
    if m is not None and T.is_reference(T.tool_path("pasta")):
        pytest.skip("reference pasta differs: " + (m.args[0] if m.args
                                                     else m.name))


@pytest.fixture(scope="session")
def topo():
    T.need(os.geteuid() == 0,
           "integration tests need root (they create namespaces)")
    for prog in ("ip", "setpriv", "unshare", "nsenter", "useradd"):
        T.need(shutil.which(prog) is not None, prog + " is not installed")
    T.need(os.path.exists(TUN), TUN + " does not exist (no tun driver)")
    t = T.Topo()
    old_mode = stat.S_IMODE(os.stat(TUN).st_mode)
    try:
        t.user = T.ensure_user()
        os.chmod(TUN, 0o666)
        t.build()
        yield t
    finally:
        t.teardown()
        os.chmod(TUN, old_mode)


@pytest.fixture
def procs():
    """Processes started by this test, killed by PID at teardown."""
    p = T.Procs()
    yield p
    p.cleanup()


@pytest.fixture
def tmp():
    """Per-test directory writable by the unprivileged user (mode 1777)."""
    d = T.user_tmpdir()
    yield d
    if os.environ.get("KEEP_TMP"):      # logs kept for a look afterwards
        print("test files kept in %s" % d)
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def pasta():
    """Path of the pasta under test ($PASTA, default <repo>/pasta)."""
    p = T.tool_path("pasta")
    T.need(os.access(p, os.X_OK), "pasta under test not found: " + p +
           " (build it with make, or set PASTA)")
    return p


@pytest.fixture
def userns(topo, procs):
    """PID of a user-owned user+net namespace holder in `host`."""
    return topo.start_user_netns(procs)


class Attached:
    """pasta attached to a user-owned namespace that root can enter by name.

    netns: name usable with `ip netns exec` / `ip -n`; target: PID holding
    the namespace; pasta_pid: the daemon; ifname: tap name in the namespace;
    tmp: the test's user-writable directory; result: the CompletedProcess of
    the pasta start (parent).
    """

    def __init__(self, netns, target, pasta_pid, ifname, tmp, result):
        self.netns = netns
        self.target = target
        self.pasta_pid = pasta_pid
        self.ifname = ifname
        self.tmp = tmp
        self.result = result


@pytest.fixture
def attach_pasta(topo, procs, tmp, pasta):
    """Factory: attach_pasta(*args, link_up=True, fwd=None) starts pasta (no
    --config-net unless given) on a fresh user-owned namespace, attaches the
    namespace as `ip netns` name and brings the tap up.  @fwd replaces the
    default NO_FWD forwarding options (see T.fwd_args())."""

    def start(*args, link_up=True, ifname=T.HOST_IF, fwd=None):
        target = topo.start_user_netns(procs)
        r, pid = topo.start_pasta_attached(procs, pasta, list(args), target,
                                           tmp, fwd=fwd)
        assert r.returncode == 0 and pid, \
            "pasta failed to start (%d): %s" % (r.returncode, r.stderr)
        name = topo.attach_netns(target)
        if link_up:
            T.sh(["ip", "-n", name, "link", "set", ifname, "up"])
        made.append(name)
        return Attached(name, target, pid, ifname, tmp, r)

    made = []
    yield start
    for name in made:
        topo.detach_netns(name)
