# SPDX-License-Identifier: GPL-2.0-or-later
"""test_vu_repair.py - passt's repair socket, with passt-repair connecting.

passt --vhost-user listens for passt-repair (compat.md 4.4) on
`<socket>.repair`, or on --repair-path PATH; `--repair-path none` means no
repair socket.  One helper at a time: a second one is accepted and closed
at once, so it sees the end of the connection and exits 0.  When passt
ends, the connected helper sees the same and exits 0, and ours removes the
repair socket file as it removes the vhost-user one.

passt runs as the test user in `host` (test_vu_protocol.start_vu);
passt-repair runs with CAP_NET_ADMIN as passt's user (see helper()).
Moving connections through the helper is test_vu_migrate_tcp.py's.
Reference run (Debian 13's passt): upstream's leaves the repair socket
behind when it exits (issue 15); that check is skipped for it.
"""

import os
import shutil
import signal
import stat
import subprocess
import time

import pytest

import deb13_env as D
import guest_bridge as GB
import topo as T
from test_vu_protocol import start_vu

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
REPAIR = os.environ.get("PASST_REPAIR", os.path.join(ROOT, "passt-repair"))


@pytest.fixture
def vu(topo, procs, tmp):
    """Start passt --vhost-user with extra arguments: (Passt, env)."""
    path = GB.passt_path()
    T.need(os.access(path, os.X_OK), "passt under test not found: " + path)
    T.need(os.access(REPAIR, os.X_OK), "passt-repair not found: " + REPAIR)
    if T.is_reference(path) and not D.is_reference("passt"):
        pytest.skip("reference passt differs: Debian 12's passt (2023) has "
                    "no --vhost-user")
    envs = []
    n = [0]

    def start(*args):
        """(Passt, Deb13 env or None)"""
        env = None
        if D.is_reference("passt"):
            env = D.start_or_skip(topo, ("/usr/bin/passt",))
            envs.append(env)
        n[0] += 1
        where = "/tmp" if env else str(tmp)
        args = [a.replace("{tmp}", where) for a in args]
        return start_vu(topo, procs, tmp, "rep-%d" % n[0],
                        ["-d", "-t", "none", "-u", "none"] + list(args),
                        env), env
    try:
        yield start
    finally:
        for e in envs:
            e.stop()


def helper(procs, path, env=None):
    """passt-repair @path, as the test user with CAP_NET_ADMIN: ours keeps
    no other capability, so as root it couldn't open a socket file that
    belongs to passt's user with mode 0755 (no CAP_DAC_OVERRIDE).  With
    @env (reference run), Debian 13's own, as root inside its root."""
    if env is not None:
        inside = "/" + os.path.relpath(str(path), str(env.path("/")))
        return env.popen(procs, ["/usr/bin/passt-repair", inside],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    T.need(shutil.which("setpriv"), "setpriv (util-linux) not found")
    return procs.popen(["setpriv", "--reuid", T.TEST_USER, "--regid",
                        T.TEST_USER, "--init-groups", "--inh-caps",
                        "+net_admin", "--ambient-caps", "+net_admin",
                        REPAIR, str(path)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)


def is_sock(path):
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def test_helper_connects_one_at_a_time(vu, procs):
    p, env = vu()
    path = str(p.sock) + ".repair"
    assert T.wait_for(lambda: is_sock(path), 5), "no " + path
    first = helper(procs, path, env)
    assert T.wait_for(lambda: "passt-repair connected" in p.text(), 5) or \
        not ours(), p.text()[-1500:]
    second = helper(procs, path, env)
    try:
        rc = second.wait(5)
    except subprocess.TimeoutExpired:
        pytest.fail("a second passt-repair was kept waiting")
    assert rc == 0, second.stderr.read()
    assert first.poll() is None, "the first helper was dropped"
    os.kill(p.pid, signal.SIGTERM)
    assert p.wait(5) is not None, "passt didn't end on SIGTERM"
    try:
        assert first.wait(5) == 0, first.stderr.read()
    except subprocess.TimeoutExpired:
        pytest.fail("passt-repair still connected after passt ended")
    if ours():
        assert not os.path.exists(path), "repair socket left behind"


def test_repair_path_option(vu, procs):
    name = "elsewhere-%d.repair" % os.getpid()
    p, env = vu("--repair-path", "{tmp}/" + name)
    path = str(p.sock.parent / name)
    assert T.wait_for(lambda: is_sock(path), 5), p.text()[-1500:]
    assert not os.path.exists(str(p.sock) + ".repair")
    h = helper(procs, path, env)
    assert T.wait_for(lambda: "passt-repair connected" in p.text(), 5) or \
        not ours(), p.text()[-1500:]
    if not ours():
        time.sleep(1)   # upstream's passt logs no connection: let it in
    os.kill(p.pid, signal.SIGTERM)
    assert h.wait(5) == 0


def test_repair_path_none(vu):
    p, env = vu("--repair-path", "none")
    assert p.alive()
    assert not os.path.exists(str(p.sock) + ".repair"), \
        "a repair socket with --repair-path none"


def ours():
    """True unless the passt under test is upstream's (reference run)."""
    return not D.is_reference("passt")
