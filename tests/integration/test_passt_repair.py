# SPDX-License-Identifier: GPL-2.0-or-later
"""passt-repair: the TCP_REPAIR helper protocol of compat.md section 4.4.

passt-repair needs CAP_NET_ADMIN, so unlike the other tools it runs as root
here (as KubeVirt runs it). The "passt" side is played by the test: it listens
on a UNIX socket, sends a command byte with TCP sockets attached, and checks
the echo and the socket option. TCP sockets are on loopback only.

Given a directory (as KubeVirt's virt-handler runs it, on both hosts of a
migration), passt-repair watches it with inotify and sleeps until a
"*.repair" socket is created or renamed into it, then retries connect()
while the socket exists but passt doesn't listen yet. The tests start it on
an empty directory, wait until its inotify watch is in place (fdinfo), count
its context switches while it waits (none: no periodic wake-up), then make
the socket appear. The one-minute bound on the wait can't be shortened (the
tool has no option for it, on purpose), so no test waits for it to expire.

Reference run: PASST_REPAIR=<Debian 13 root>/usr/bin/passt-repair (upstream
2025-05, runs on this machine's glibc). Upstream doesn't list the directory
before waiting, and watches creations only: the checks of a socket that is
there before the helper starts, or is renamed in, are where we are
deliberately better, and are skipped for it.
"""

import os
import pwd
import socket
import subprocess
import tempfile
import time

import pytest

import deb13_env
import topo as T

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PASST_REPAIR", os.path.join(ROOT, "passt-repair"))
TCP_REPAIR = 19
NAME = "vm.socket.repair"


def is_upstream():
    """True if the helper under test is Debian 13's (upstream 2025-05)."""
    return deb13_env.in_root(BIN) is not None


def assert_says(text, stderr):
    """Our message for a failure; upstream words its own differently."""
    assert stderr.strip(), "no message"
    if not is_upstream():
        assert text in stderr, stderr


def better_than_upstream(why):
    """Skip a check upstream's passt-repair (Debian 13's) doesn't meet."""
    if is_upstream():
        pytest.skip("upstream passt-repair differs (ours is better): " + why)


def tcp_pair():
    """A connected pair of TCP sockets on 127.0.0.1."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    cli = socket.create_connection(lst.getsockname())
    srv, _ = lst.accept()
    lst.close()
    return cli, srv


def repair_state(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, TCP_REPAIR)


@pytest.fixture
def server():
    if os.geteuid() != 0:
        pytest.skip("passt-repair needs CAP_NET_ADMIN: run as root")
    d = tempfile.mkdtemp(prefix="repair-")
    path = os.path.join(d, "vm.socket.repair")
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lst.bind(path)
    lst.listen(1)
    lst.settimeout(10)
    yield d, path, lst
    lst.close()
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)


def run_helper(arg):
    return subprocess.Popen([BIN, arg], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("use_dir", [False, True], ids=["socket", "directory"])
def test_repair_on_then_off_then_eof_exits_0(server, use_dir):
    d, path, lst = server
    if use_dir:
        better_than_upstream("a socket already in the directory is found")
    proc = run_helper(d if use_dir else path)
    try:
        conn, _ = lst.accept()
        conn.settimeout(10)
        cli, srv = tcp_pair()
        assert repair_state(cli) == 0

        socket.send_fds(conn, [b"\x01"], [cli.fileno(), srv.fileno()])
        assert conn.recv(1) == b"\x01"
        assert repair_state(cli) == 1
        assert repair_state(srv) == 1

        socket.send_fds(conn, [b"\x00"], [cli.fileno()])
        assert conn.recv(1) == b"\x00"
        assert repair_state(cli) == 0
        assert repair_state(srv) == 1

        conn.close()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_root_helper_reaches_socket_of_another_user(server):
    """KubeVirt runs passt-repair as root; passt's socket and its directory
    belong to passt's user (here: 0700 directory, 0755 socket, as passt
    makes them with umask 022): root needs CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH to reach it, so passt-repair keeps them."""
    d, path, lst = server
    pw = pwd.getpwnam(T.TEST_USER)
    os.chown(d, pw.pw_uid, pw.pw_gid)
    os.chmod(d, 0o700)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    os.chmod(path, 0o755)
    for arg in (path, d):
        proc = run_helper(arg)
        try:
            conn, _ = lst.accept()
            conn.settimeout(10)
            cli, srv = tcp_pair()
            socket.send_fds(conn, [b"\x01"], [cli.fileno()])
            assert conn.recv(1) == b"\x01"
            assert repair_state(cli) == 1
            conn.close()
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            out, err = proc.communicate(timeout=5)
        assert not err, err


def test_unknown_command_exits_1(server):
    _, path, lst = server
    proc = run_helper(path)
    try:
        conn, _ = lst.accept()
        cli, srv = tcp_pair()
        socket.send_fds(conn, [b"\x05"], [cli.fileno()])
        assert proc.wait(timeout=10) == 1
        assert_says("Unknown command", proc.stderr.read())
        assert repair_state(cli) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_setsockopt_failure_exits_1(server):
    """A UDP socket can't be put in repair mode: reported, status 1."""
    _, path, lst = server
    proc = run_helper(path)
    try:
        conn, _ = lst.accept()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socket.send_fds(conn, [b"\x01"], [udp.fileno()])
        assert proc.wait(timeout=10) == 1
        assert "TCP_REPAIR" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_usage_errors():
    r = subprocess.run([BIN], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    r = subprocess.run([BIN, "a", "b"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2


def test_missing_socket_fails_fast():
    r = subprocess.run([BIN, "/nonexistent/dir/x.repair"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert_says("Couldn't connect", r.stderr)


@pytest.fixture
def empty_dir():
    if os.geteuid() != 0:
        pytest.skip("passt-repair needs CAP_NET_ADMIN: run as root")
    d = tempfile.mkdtemp(prefix="repair-")
    yield d
    if os.path.isdir(d):
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)


inotify_watches = T.inotify_watches
switches = T.switches


def cpu_ticks(pid):
    """User plus system time of process @pid, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_watching(proc):
    """Wait until @proc watches its directory; it must not wake up then."""
    end = time.monotonic() + 10
    while inotify_watches(proc.pid) == 0:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < end, "no inotify watch after 10 s"
        time.sleep(0.05)
    time.sleep(0.2)     # from inotify_add_watch() into poll()
    before = switches(proc.pid)
    time.sleep(1)
    assert proc.poll() is None, proc.stderr.read()
    # A helper that polled the directory (the old one: every 100 ms) would
    # have run ten times here
    assert switches(proc.pid) == before, "woke up while waiting"


def serve_one_round(lst, proc):
    """Accept the helper, have it set TCP_REPAIR on one socket, close."""
    lst.settimeout(10)
    conn, _ = lst.accept()
    conn.settimeout(10)
    cli, srv = tcp_pair()
    assert repair_state(cli) == 0
    socket.send_fds(conn, [b"\x01"], [cli.fileno()])
    assert conn.recv(1) == b"\x01"
    assert repair_state(cli) == 1       # set on our copy of the socket
    assert repair_state(srv) == 0
    conn.close()
    assert proc.wait(timeout=10) == 0, proc.stderr.read()
    cli.close()
    srv.close()


def stop(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_directory_waits_for_socket_then_retries_while_refused(empty_dir):
    proc = run_helper(empty_dir)
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        wait_watching(proc)
        # The socket file exists from bind() on: connect() is refused until
        # listen(); the helper must keep trying, not give up
        lst.bind(os.path.join(empty_dir, NAME))
        time.sleep(0.2)
        ticks = cpu_ticks(proc.pid)
        time.sleep(1)
        assert proc.poll() is None, proc.stderr.read()
        # ... with a back-off: upstream retries in a busy loop
        if not is_upstream():
            spent = cpu_ticks(proc.pid) - ticks
            assert spent < os.sysconf("SC_CLK_TCK") // 10, spent
        lst.listen(1)
        serve_one_round(lst, proc)
    finally:
        lst.close()
        stop(proc)


def test_directory_socket_renamed_in(empty_dir):
    better_than_upstream("it watches IN_CREATE only, not IN_MOVED_TO")
    proc = run_helper(empty_dir)
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        wait_watching(proc)
        # Made under another name first: that creation is not ours
        tmp = os.path.join(empty_dir, "vm.socket.tmp")
        lst.bind(tmp)
        lst.listen(1)
        time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read()
        os.rename(tmp, os.path.join(empty_dir, NAME))
        serve_one_round(lst, proc)
    finally:
        lst.close()
        stop(proc)


def test_directory_removed_while_waiting_exits_1(empty_dir):
    better_than_upstream("it waits on for a directory that is gone")
    proc = run_helper(empty_dir)
    try:
        wait_watching(proc)
        os.rmdir(empty_dir)
        assert proc.wait(timeout=10) == 1
        assert_says("went away", proc.stderr.read())
    finally:
        stop(proc)


def test_directory_newer_socket_replaces_one_refusing(empty_dir):
    """A stale socket (bound, nobody listening, as a crashed passt leaves
    it) doesn't hold the helper: the one passt creates next is taken."""
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(os.path.join(empty_dir, "old.socket.repair"))
    proc = run_helper(empty_dir)
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read()
        lst.bind(os.path.join(empty_dir, NAME))
        lst.listen(1)
        serve_one_round(lst, proc)
    finally:
        lst.close()
        stale.close()
        stop(proc)
