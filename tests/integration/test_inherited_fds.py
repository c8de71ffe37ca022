# SPDX-License-Identifier: GPL-2.0-or-later
"""test_inherited_fds.py - what passt and pasta keep of the descriptors
they are started with (compat.md 6.5, doc/startup.md stage 0).

Theory of operation: the tools run as the test user in `host`, started
with descriptors laid out in the child before exec (a preexec function
dup2()s them into place; subprocess keeps them with pass_fds), or with
0, 1 and 2 closed by `sh -c 'exec "$@" <&- >&- 2>&-'` as the last step of
the chain.  From outside, /proc/PID/fd shows what is left: the --fd socket
at 3 and nowhere else (the same socket: its inode), the stray file nowhere, /dev/null on a
closed stdio.  A guest stand-in (test_passt_socket.Client) proves that
passt still serves its socket, and qemu 10.1's way of starting passt
(--quiet --pid F --fd 3, no -f, compat.md 3.4) works with stdio closed.

Debian's 2023 passt and pasta close nothing, and upstream since 2024
closes stray descriptors but leaves --fd where it is and stdio as it is:
these checks are ours (skipped on a reference run).
"""

import os
import socket
import stat

import pytest

import topo as T
from test_passt_socket import NO_FWD, Client, Run, arp_roundtrip

pytestmark = pytest.mark.ours_only(
    "--fd moved to 3 and stdio filled: compat.md 6.5, ours")

# Put the shell's redirections last: ip netns exec, setpriv and env run
# with stdio open, passt (or pasta) starts with 0-2 closed
CLOSED_STDIO = ["sh", "-c", 'exec "$@" <&- >&- 2>&-', "sh"]


@pytest.fixture
def passt():
    p = T.tool_path("passt")
    T.need(os.access(p, os.X_OK), "passt under test not found: " + p)
    T.skip_on_reference(p, "2023 passt keeps every inherited descriptor")
    return p


def fds(pid):
    """{fd number: readlink target} of process @pid."""
    d = "/proc/%d/fd" % pid
    out = {}
    for name in os.listdir(d):
        try:
            out[int(name)] = os.readlink(os.path.join(d, name))
        except OSError:
            pass
    return out


def is_devnull(pid, fd):
    """True if descriptor @fd of @pid is /dev/null (after the sandbox's
    pivot_root its path no longer reads /dev/null: compare devices)."""
    st = os.stat("/proc/%d/fd/%d" % (pid, fd))
    return stat.S_ISCHR(st.st_mode) and \
        st.st_rdev == os.stat("/dev/null").st_rdev


def place(layout):
    """preexec function: dup2() each source descriptor to its number in
    @layout {number: source fd}."""
    def fn():
        for num, src in layout.items():
            os.dup2(src, num)
    return fn


def sock_inode(s):
    return "socket:[%d]" % os.fstat(s.fileno()).st_ino


def test_fd_moved_to_3_stray_closed(topo, procs, tmp, passt):
    """--fd 5 with a file open on 7: the socket is at 3, 5 and 7 are gone,
    and the guest on the other end of the pair is served."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    stray = os.open("/etc/hostname", os.O_RDONLY)
    try:
        p = topo.popen_as_user_in_host(
            procs, [passt, "-f"] + NO_FWD + ["--fd", "5"],
            pass_fds=(5, 7), preexec_fn=place({5: theirs.fileno(),
                                               7: stray}))
        want = sock_inode(theirs)
    finally:
        theirs.close()
        os.close(stray)
    c = Client(ours)
    arp_roundtrip(c)
    have = fds(p.pid)
    # passt's own descriptors take any number from 4 on: check by what
    # they are, the pair's end only at 3, the file nowhere
    assert have.get(3) == want, have
    assert list(have.values()).count(want) == 1, have
    assert "/etc/hostname" not in have.values(), have
    c.close()
    assert Run(p).wait_exit(5) == 0


def test_stdio_closed_gets_devnull(topo, procs, tmp, passt):
    """passt -f started with 0-2 closed: they are /dev/null, not its
    sockets, and it serves its socket."""
    sock = tmp / "p.socket"
    p = topo.popen_as_user_in_host(procs, CLOSED_STDIO + [passt, "-f", "-s",
                                                          sock] + NO_FWD)
    assert T.wait_for(lambda: sock.is_socket(), 5), "no socket"
    arp_roundtrip(Client.connect(sock))
    for fd in range(3):
        assert is_devnull(p.pid, fd), (fd, fds(p.pid))
    assert p.poll() is None


def test_qemu_spawn_with_stdio_closed(topo, procs, tmp, passt):
    """qemu 10.1's -netdev passt (--quiet --pid F --fd 3, waits for exit
    status 0) with 0-2 closed and a stray descriptor: the daemon serves
    the pair, holds it at 3 and nothing else of the caller's."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    stray = os.open("/etc/hostname", os.O_RDONLY)
    pidfile = tmp / "passt.pid"
    try:
        r = topo.run_as_user_in_host(
            CLOSED_STDIO + [passt, "--quiet"] + NO_FWD +
            ["--pid", pidfile, "--fd", "3"], pass_fds=(3, 9),
            preexec_fn=place({3: theirs.fileno(), 9: stray}))
        want = sock_inode(theirs)
    finally:
        theirs.close()
        os.close(stray)
    assert r.returncode == 0, r.stderr
    pid = int(pidfile.read_text())
    procs.add(pid)
    c = Client(ours)
    arp_roundtrip(c)
    have = fds(pid)
    assert have.get(3) == want, have
    assert list(have.values()).count(want) == 1, have
    assert "/etc/hostname" not in have.values(), have
    for fd in range(3):
        assert is_devnull(pid, fd), (fd, have)
    c.close()
    assert T.wait_for(lambda: not T.pid_alive(pid), 5)


def test_pasta_command_inherits_stdio_only(topo, procs, tmp):
    """pasta started with 0-2 closed and a file on 7: its command finds
    /dev/null on 0-2 and no descriptor 7."""
    pasta = T.tool_path("pasta")
    T.need(os.access(pasta, os.X_OK), "pasta under test not found")
    T.skip_on_reference(pasta, "2023 pasta keeps every inherited descriptor")
    out = tmp / "fds.txt"
    # major:minor of what each descriptor of the shell ($$: in $(...) the
    # stdout is a pipe) is open on; /dev/null is 1:3.  The path would read
    # /null: /dev is mounted in pasta's mount namespace, not the command's
    script = ('r() { stat -L -c %%t:%%T /proc/$$/fd/$1 2>/dev/null; }; '
              'a="$(r 0) $(r 1) $(r 2) $(r 7)"; echo "$a" > %s' % out)
    stray = os.open("/etc/hostname", os.O_RDONLY)
    try:
        r = topo.run_as_user_in_host(
            CLOSED_STDIO + [pasta] + T.NO_FWD + ["--", "sh", "-c", script],
            pass_fds=(7,), preexec_fn=place({7: stray}))
    finally:
        os.close(stray)
    assert r.returncode == 0, r.stderr
    seen = out.read_text().split()
    assert seen == ["1:3"] * 3, seen
