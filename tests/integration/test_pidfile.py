# SPDX-License-Identifier: GPL-2.0-or-later
"""test_pidfile.py - -P/--pid FILE (compat.md 6.1, 6.3): it names the
running, ready process, or a failed start leaves none behind.

Start-up failures before the PID file is opened (a forwarded port taken)
and after (fork() refused by RLIMIT_NPROC, once the sandbox has taken the
file's path away) both exit 1 with no file; a file the caller created
(qemu's mkstemp()) is emptied, not removed. A successful start writes the
PID of the process that runs: the daemon (no -f), ourselves (-f), pasta
itself (spawning a command). In vhost-user mode, passt removes its socket
and PID file when it ends (SIGTERM, --one-off); the stream mode leaves
them, as upstream does.
"""

import os
import re
import shutil
import socket
import subprocess

import pytest

import topo as T

NO_FWD = ["-t", "none", "-u", "none"]
# Upstream opens the PID file at the end of option parsing and leaves it,
# empty, on any later failure: since 2024 that includes a port it can't
# bind (the 2023 build bound ports while parsing, before the file; Debian
# 13's 2025 build can't run outside its root, so only the 2023 one is the
# reference here); a failed fork() leaves it with either.
UPSTREAM = ("upstream leaves the PID file behind, empty, when start-up "
            "fails after option parsing")


@pytest.fixture(scope="module")
def passt():
    p = T.tool_path("passt")
    T.need(os.access(p, os.X_OK), "passt under test not found: " + p)
    return p


def no_fork_prefix():
    """argv prefix: a limit of one process for the test user (the one
    starting), so that the fork() into the background fails."""
    T.need(shutil.which("prlimit") is not None, "prlimit is not installed")
    return ["prlimit", "--nproc=1"]


@pytest.fixture
def taken_port(topo):
    """A TCP port bound (and listened on) in the host namespace."""
    # bind inside `host`: `ip netns exec` is for commands, so a helper
    # process holds the socket
    p = subprocess.Popen(
        ["ip", "netns", "exec", topo.host, "python3", "-c",
         "import socket,sys,time\n"
         "s=socket.socket(socket.AF_INET6)\n"
         "s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0)\n"
         "s.bind(('::',0)); s.listen()\n"
         "print(s.getsockname()[1],flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline())
        yield port
    finally:
        p.kill()
        p.wait(5)


def check_no_file(res, pidfile):
    assert res.returncode == 1, (res.returncode, res.stderr)
    assert not pidfile.exists(), \
        "a failed start left %r (%r)" % (pidfile, pidfile.read_text())


def test_passt_port_taken_leaves_no_file(topo, tmp, passt, taken_port):
    pidfile = tmp / "passt.pid"
    res = topo.run_as_user_in_host([passt, "-t", str(taken_port), "-u",
                                    "none", "-s", tmp / "s", "-P", pidfile])
    check_no_file(res, pidfile)


def test_pasta_port_taken_leaves_no_file(topo, procs, tmp, pasta, userns,
                                         taken_port):
    pidfile = tmp / "pasta.pid"
    res = topo.run_as_user_in_host([pasta, "-t", str(taken_port), "-u",
                                    "none", "-P", pidfile, str(userns)])
    check_no_file(res, pidfile)


@pytest.mark.ours_only(UPSTREAM)
def test_passt_failed_fork_leaves_no_file(topo, tmp, passt):
    """fork() fails after the sandbox took the path away: the file goes
    all the same (through its directory's descriptor)."""
    T.skip_on_reference(passt, UPSTREAM)
    pidfile = tmp / "passt.pid"
    res = topo.run_as_user_in_host(no_fork_prefix() + [passt] + NO_FWD +
                                   ["-s", tmp / "s", "-P", pidfile])
    check_no_file(res, pidfile)
    assert "fork" in res.stderr, res.stderr


def test_failed_start_empties_the_callers_file(topo, tmp, passt):
    """qemu creates the file (mkstemp) and removes it itself: ours to
    empty, not to remove."""
    pidfile = tmp / "passt-AbC123.pid"
    pidfile.write_text("31337\n")
    pidfile.chmod(0o666)
    res = topo.run_as_user_in_host(no_fork_prefix() + [passt] + NO_FWD +
                                   ["-s", tmp / "s", "-P", pidfile])
    assert res.returncode == 1, res.stderr
    assert pidfile.exists()
    assert pidfile.read_text() == ""


def is_tool(pid):
    """@pid runs passt or pasta (upstream's exec their .avx2 builds)."""
    return (T._comm(pid) or "").split(".")[0] in ("passt", "pasta")


def read_pid(pidfile):
    txt = pidfile.read_text()
    assert re.fullmatch(r"\d+\n", txt), repr(txt)
    return int(txt)


def running_pid(topo, procs, argv, pidfile):
    """Start @argv as the user, running on (no exit when ready); return
    (its PID, the PID its file names once written)."""
    p = topo.popen_as_user_in_host(procs, argv, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    # `ip netns exec`, setpriv and env exec in place: p.pid is the tool
    assert T.wait_for(lambda: pidfile.exists() and
                      pidfile.read_text().endswith("\n"), 5), \
        "no PID file from %s" % argv
    assert p.poll() is None
    return p.pid, read_pid(pidfile)


def test_passt_daemon_pid_is_the_daemons(topo, procs, tmp, passt):
    pidfile = tmp / "passt.pid"
    res = topo.run_as_user_in_host([passt] + NO_FWD +
                                   ["-s", tmp / "s", "-P", pidfile])
    assert res.returncode == 0, res.stderr
    pid = read_pid(pidfile)
    procs.add(pid)
    assert T.pid_alive(pid) and is_tool(pid)
    assert T.pid_uid(pid) == topo.user.pw_uid
    # ready means listening
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(str(tmp / "s"))
    c.close()


def test_passt_foreground_pid_is_its_own(topo, procs, tmp, passt):
    pidfile = tmp / "passt.pid"
    pid, named = running_pid(topo, procs, [passt, "-f"] + NO_FWD +
                             ["-s", tmp / "s", "-P", pidfile], pidfile)
    assert named == pid


def test_pasta_command_pid_is_pastas(topo, procs, tmp, pasta):
    pidfile = tmp / "pasta.pid"
    pid, named = running_pid(topo, procs, [pasta] + NO_FWD +
                             ["-P", pidfile, "--", "sleep", "30"], pidfile)
    assert named == pid
    assert is_tool(pid)


def vu_daemon(topo, procs, tmp, passt, extra=()):
    """Start passt --vhost-user in the background: (PID, socket, PID file).
    Debian 12's passt (the reference here) has no --vhost-user; Debian
    13's leaves both files behind (test_vu_libvirt.py shows it there)."""
    T.skip_on_reference(passt, "no --vhost-user in Debian 12's passt")
    sock, pidfile = tmp / "vu.socket", tmp / "vu.pid"
    res = topo.run_as_user_in_host([passt, "--vhost-user"] + NO_FWD +
                                   list(extra) +
                                   ["-s", sock, "-P", pidfile])
    assert res.returncode == 0, res.stderr
    pid = read_pid(pidfile)
    procs.add(pid)
    assert sock.exists()
    return pid, sock, pidfile


def gone(pid, *files):
    """Wait for @pid to end; then none of @files may be left."""
    assert T.wait_for(lambda: not T.pid_alive(pid), 5), "still running"
    left = [str(f) for f in files if os.path.lexists(f)]
    assert not left, "left behind at exit: %s" % left


def test_passt_vu_sigterm_removes_its_files(topo, procs, tmp, passt):
    """vhost-user: libvirt stops passt with SIGTERM and removes neither
    file for a vhostuser interface, so passt does."""
    pid, sock, pidfile = vu_daemon(topo, procs, tmp, passt)
    os.kill(pid, 15)
    gone(pid, sock, pidfile)


def test_passt_vu_one_off_removes_its_files(topo, procs, tmp, passt):
    """vhost-user, --one-off: the frontend leaves, passt ends, no files."""
    pid, sock, pidfile = vu_daemon(topo, procs, tmp, passt, ["-1"])
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(str(sock))
    c.close()
    gone(pid, sock, pidfile)


def test_passt_stream_sigterm_leaves_its_socket(topo, procs, tmp, passt):
    """Stream mode keeps upstream's behaviour: the socket file stays
    (libvirt removes it for type='user'), and so does the PID file."""
    sock, pidfile = tmp / "s", tmp / "passt.pid"
    res = topo.run_as_user_in_host([passt] + NO_FWD +
                                   ["-s", sock, "-P", pidfile])
    assert res.returncode == 0, res.stderr
    pid = read_pid(pidfile)
    procs.add(pid)
    os.kill(pid, 15)
    assert T.wait_for(lambda: not T.pid_alive(pid), 5), "still running"
    assert sock.exists() and pidfile.exists()
