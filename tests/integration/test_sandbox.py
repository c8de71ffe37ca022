# SPDX-License-Identifier: GPL-2.0-or-later
"""test_sandbox.py - each tool runs with the least it needs (doc/sandbox.md).

Running pasta (daemonised, and spawning a command) and passt-repair are
inspected from outside through /proc/PID: seccomp filter mode 2, the
no-new-privileges flag, capability sets (only CAP_SYS_ADMIN of the guest's
user namespace for pasta, none at all for an unprivileged passt-repair),
IPC, UTS and PID namespaces other than the caller's, an empty read-only
root, and the process no longer dumpable (its /proc files belong to root).  pasta-netcfg is caught while its write() of the output (or of an
error message) blocks on a full pipe, after its filter is on.
sandbox_selftest.c (built on demand into build/) sets up the same
sandbox as the unprivileged user and then makes a call that no allowlist
has: it must die of SIGSYS.  passt's vhost-user list ("passt-vu") maps a
memfd as the link maps guest memory, and dies of any other mmap(); a
running passt --vhost-user maps the memory a client sends it
(SET_MEM_TABLE), sandboxed, and unmaps it when the client goes.
"""

import fcntl
import os
import shutil
import signal
import socket
import struct
import time

import pytest

import topo as T

SELFTEST_SRC = T.HERE / "sandbox_selftest.c"
SELFTEST_BIN = T.REPO / "build" / "sandbox_selftest"
LIBCOMMON = T.REPO / "build" / "libcommon.a"
CAP_SYS_ADMIN = 21
CAP_NET_ADMIN = 12
F_SETPIPE_SZ = 1031

pytestmark = pytest.mark.ours_only("the reference pasta has its own sandbox")


def status(pid):
    """/proc/PID/status as a dict of field -> value string."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def ns_id(pid, kind):
    return os.readlink("/proc/%d/ns/%s" % (pid, kind))


def assert_sandboxed(pid, allowed_caps=0):
    """Seccomp filter, NNP, capabilities and namespaces of process @pid."""
    # The filter goes on right before the loop: after the parent reported
    # readiness (namespaces and capabilities are done before the fork)
    T.wait_for(lambda: status(pid).get("Seccomp") == "2", 3)
    st = status(pid)
    assert st["Seccomp"] == "2", st
    assert st["NoNewPrivs"] == "1", st
    assert int(st["CapEff"], 16) & ~allowed_caps == 0, st
    assert int(st["CapPrm"], 16) & ~allowed_caps == 0, st
    assert int(st["CapInh"], 16) == 0, st
    assert int(st["CapAmb"], 16) == 0, st
    assert int(st["CapBnd"], 16) & ~allowed_caps == 0, st
    for kind in ("ipc", "uts", "mnt"):
        assert ns_id(pid, kind) != ns_id(os.getpid(), kind), kind
    # An empty root: the old one is detached, the tmpfs is read-only
    assert os.listdir("/proc/%d/root" % pid) == []
    with open("/proc/%d/mountinfo" % pid) as f:
        mounts = f.read().splitlines()
    assert len(mounts) == 1, mounts
    fields = mounts[0].split()
    assert fields[4] == "/" and "ro" in fields[5].split(","), mounts
    assert "tmpfs" in mounts[0].split(" - ")[1], mounts
    # Not dumpable (as upstream once sandboxed): no core dump, no ptrace()
    # by other processes of the user, /proc/PID files belong to root
    assert os.stat("/proc/%d/status" % pid).st_uid == 0
    return st


def gone_within(pid, seconds):
    return T.wait_for(lambda: not T.pid_alive(pid), seconds)


def test_pasta_daemon_is_sandboxed(topo, procs, tmp, pasta, userns):
    r, pid = topo.start_pasta_attached(procs, pasta, ["--config-net"],
                                       userns, tmp)
    assert r.returncode == 0 and pid, r.stderr
    # --config-net following the host changes the namespace at run time:
    # CAP_NET_ADMIN of its user namespace stays (doc/follow.md); with
    # --no-follow-host it goes (test_pasta_with_command_is_sandboxed)
    st = assert_sandboxed(pid, 1 << CAP_SYS_ADMIN | 1 << CAP_NET_ADMIN)
    # Daemonised: PID 1 of a PID namespace of its own, while the PID file
    # holds the PID we see
    nspid = st["NSpid"].split()
    assert nspid[0] == str(pid) and nspid[-1] == "1", st["NSpid"]
    assert ns_id(pid, "pid") != ns_id(os.getpid(), "pid")
    # ... and it still works: the namespace watch notices the target going
    os.kill(userns, signal.SIGKILL)
    assert gone_within(pid, 5), "pasta still running 5 s after target died"


def test_pasta_with_command_is_sandboxed(topo, procs, tmp, pasta):
    marker = tmp / "started"
    p = topo.popen_as_user_in_host(
        procs, [pasta, "--config-net", "--no-follow-host"] + T.NO_FWD +
        ["--", "sh", "-c", "touch %s; sleep 5; exit 7" % marker])
    # ip netns exec, setpriv and env exec in place: p.pid is pasta
    assert T.wait_for(marker.exists, 10), "command didn't start"
    st = assert_sandboxed(p.pid, 1 << CAP_SYS_ADMIN)
    # Not daemonised: no PID namespace of its own, it waits for its child
    assert len(st["NSpid"].split()) == 1
    out, err = p.communicate(timeout=15)
    assert p.returncode == 7, err


def test_passt_daemon_is_sandboxed(topo, procs, tmp):
    passt = T.tool_path("passt")
    T.skip_on_reference(passt, "Debian's 2023 passt: no seccomp of ours")
    pidfile, sock = tmp / "passt.pid", tmp / "passt.socket"
    r = topo.run_as_user_in_host([passt, "-q", "-t", "none", "-u", "none",
                                  "-s", sock, "-P", pidfile])
    assert r.returncode == 0, r.stderr
    pid = int(pidfile.read_text())
    procs.add(pid)
    st = assert_sandboxed(pid)
    nspid = st["NSpid"].split()
    assert nspid[0] == str(pid) and nspid[-1] == "1", st["NSpid"]
    # still serves: a client is accepted (and a DHCP exchange works, see
    # test_passt_socket.py); SIGTERM ends it
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(str(sock))
    c.close()
    os.kill(pid, signal.SIGTERM)
    assert gone_within(pid, 5)


def test_passt_foreground_is_sandboxed(topo, procs, tmp):
    passt = T.tool_path("passt")
    T.skip_on_reference(passt, "Debian's 2023 passt: no seccomp of ours")
    sock = tmp / "passt.socket"
    p = topo.popen_as_user_in_host(procs, [passt, "-f", "-q", "-t", "none",
                                           "-u", "none", "-s", sock])
    assert T.wait_for(sock.exists, 5)
    assert_sandboxed(p.pid)
    p.terminate()
    p.wait(timeout=5)


def test_passt_repair_is_sandboxed(topo, procs, tmp):
    repair = T.tool_path("passt-repair")
    d = tmp / "sockets"
    d.mkdir()
    os.chmod(d, 0o777)
    # Waits (inotify) for a *.repair socket to appear
    p = topo.popen_as_user_in_host(procs, [repair, d])
    assert T.wait_for(lambda: T.pid_alive(p.pid) and
                      status(p.pid).get("Seccomp") == "2", 5)
    st = status(p.pid)
    assert st["NoNewPrivs"] == "1"
    assert int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0
    # Watching and listing the directory, and waiting, are on its list
    time.sleep(0.5)
    assert T.pid_alive(p.pid)
    # ... and so are the retries while the socket refuses (bound, not
    # listening), and the naps between them
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        lst.bind(str(d / "vm.socket.repair"))
        os.chmod(d / "vm.socket.repair", 0o777)
        time.sleep(0.5)
        assert T.pid_alive(p.pid)
        lst.listen(1)
        lst.settimeout(10)
        conn, _ = lst.accept()
        conn.close()
    finally:
        lst.close()
    # passt closed the connection: done
    assert p.wait(timeout=10) == 0, p.communicate(timeout=5)


def full_pipe():
    """A pipe whose buffer (one page) is full: the next write() blocks."""
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
    os.set_blocking(w, False)
    filled = 0
    while filled < 1 << 20:
        try:
            filled += os.write(w, b"#" * 4096)
        except BlockingIOError:
            break
    os.set_blocking(w, True)
    return r, w, filled


def drain(fd, skip, timeout=10):
    """Read @fd to EOF within @timeout, return the text after @skip bytes."""
    data, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return data[skip:].decode()


@pytest.mark.parametrize("cmd,caps", [
    (["show", "lo"], 0),
    (["set", "nosuch0", "--up"], 1 << CAP_NET_ADMIN),
])
def test_pasta_netcfg_is_sandboxed(topo, procs, cmd, caps):
    netcfg = T.tool_path("pasta-netcfg")
    T.skip_on_reference(netcfg, "no pasta-netcfg in Debian")
    T.need(os.geteuid() == 0, "needs root: runs in the topology's namespace")
    r, w, skip = full_pipe()
    # show writes its output to stdout, set (of a link that isn't there)
    # its error to stderr: either blocks on the full pipe, sandboxed
    out = {"stdout": w} if cmd[0] == "show" else {"stderr": w}
    p = procs.popen(["ip", "netns", "exec", topo.host, netcfg] + cmd,
                    **out)
    os.close(w)
    try:
        # ip netns exec execs in place: p.pid is pasta-netcfg
        assert T.wait_for(lambda: T.pid_alive(p.pid) and
                          status(p.pid).get("Seccomp") == "2", 5)
        st = status(p.pid)
        assert st["Name"] == "pasta-netcfg", st["Name"]
        assert st["NoNewPrivs"] == "1", st
        assert int(st["CapEff"], 16) == caps, st
        assert int(st["CapPrm"], 16) == caps, st
        assert int(st["CapInh"], 16) == 0 and int(st["CapAmb"], 16) == 0
        assert int(st["CapBnd"], 16) & ~caps == 0, st
        assert st["State"].startswith("S"), st["State"]
    finally:
        text = drain(r, skip)
    p.wait(timeout=10)
    # ... and it got there with the allowlist it has
    if cmd[0] == "show":
        assert p.returncode == 0, p.stderr.read()
        assert text.startswith("link lo index 1 "), text
    else:
        assert p.returncode == 1
        assert text == "pasta-netcfg: nosuch0: No such device\n", text


def selftest_binary():
    """build/sandbox_selftest, compiled against build/libcommon.a."""
    T.need(LIBCOMMON.exists(), "build/libcommon.a missing: run make")
    if (not SELFTEST_BIN.exists() or
            SELFTEST_BIN.stat().st_mtime < SELFTEST_SRC.stat().st_mtime or
            SELFTEST_BIN.stat().st_mtime < LIBCOMMON.stat().st_mtime):
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        T.need(cc is not None, "no C compiler to build sandbox_selftest")
        T.sh([cc, "-std=gnu11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
              "-Werror", "-I" + str(T.REPO / "libcommon"), str(SELFTEST_SRC),
              str(LIBCOMMON), "-lseccomp", "-lcap-ng", "-o",
              str(SELFTEST_BIN)], timeout=60)
    return str(SELFTEST_BIN)


PROFILES = ["pasta", "passt", "passt-vu", "passt-repair", "pasta-netcfg"]


@pytest.mark.parametrize("tool", PROFILES)
def test_selftest_allowed_path_runs(topo, tool):
    r = topo.run_as_user_in_host([selftest_binary(), tool, "none"])
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == "entries 0\nsandboxed\n", r.stdout


def assert_killed(r):
    # Killed, not returning: Popen reports -signal
    assert r.returncode == -signal.SIGSYS, (r.returncode, r.stdout,
                                            r.stderr)
    assert r.stdout.endswith("sandboxed\n"), r.stdout


@pytest.mark.parametrize("tool", PROFILES)
@pytest.mark.parametrize("call", ["mmap", "brk", "execve", "open"])
def test_selftest_violation_kills_with_sigsys(topo, tool, call):
    assert_killed(topo.run_as_user_in_host([selftest_binary(), tool, call]))


def test_selftest_vu_maps_shared_memory(topo):
    r = topo.run_as_user_in_host([selftest_binary(), "passt-vu", "vu-mmap"])
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == "entries 0\nsandboxed\nmapped\n", r.stdout


@pytest.mark.parametrize("tool", ["pasta", "passt", "passt-repair",
                                  "pasta-netcfg"])
def test_selftest_vu_mapping_killed_in_other_profiles(topo, tool):
    assert_killed(topo.run_as_user_in_host([selftest_binary(), tool,
                                            "vu-mmap"]))


@pytest.mark.parametrize("call", ["mmap-exec", "mmap-private", "mmap-anon",
                                  "mmap-fixed", "mmap-populate"])
def test_selftest_vu_other_mmap_kills(topo, call):
    assert_killed(topo.run_as_user_in_host([selftest_binary(), "passt-vu",
                                            call]))


# vhost-user messages (compat.md 4.3): header of request, flags, size
VU_HDR = struct.Struct("<III")
VU_VERSION, VU_REPLY = 0x1, 0x4
VU_GET_FEATURES, VU_SET_FEATURES, VU_SET_OWNER, VU_SET_MEM_TABLE = 1, 2, 3, 5
VIRTIO_F_VERSION_1 = 1 << 32
GUEST_MEM = 1 << 20


def vu_send(s, req, payload=b"", fds=()):
    msg = VU_HDR.pack(req, VU_VERSION, len(payload)) + payload
    if fds:
        socket.send_fds(s, [msg], list(fds))
    else:
        s.sendall(msg)


def vu_get_features(s):
    """GET_FEATURES, and its reply: header and one u64."""
    vu_send(s, VU_GET_FEATURES)
    data = b""
    while len(data) < VU_HDR.size + 8:
        chunk = s.recv(VU_HDR.size + 8 - len(data))
        assert chunk, "connection closed before the GET_FEATURES reply"
        data += chunk
    req, flags, size = VU_HDR.unpack(data[:VU_HDR.size])
    assert (req, flags, size) == (VU_GET_FEATURES, VU_VERSION | VU_REPLY,
                                  8), data
    return struct.unpack("<Q", data[VU_HDR.size:])[0]


def guest_memory():
    """A memfd as qemu's memory-backend-memfd makes it: sealed size."""
    fd = os.memfd_create("passt-test-guest", os.MFD_CLOEXEC |
                         os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, GUEST_MEM)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK |
                fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
    return fd


def shared_maps(pid):
    """Lines of /proc/PID/maps mapping our guest memory file."""
    with open("/proc/%d/maps" % pid) as f:
        return [ln for ln in f if "passt-test-guest" in ln]


def test_passt_vhost_user_sandboxed_maps_guest_memory(topo, procs, tmp):
    passt = T.tool_path("passt")
    T.skip_on_reference(passt, "Debian's 2023 passt has no vhost-user")
    sock = tmp / "passt.socket"
    p = topo.popen_as_user_in_host(procs, [passt, "-f", "-q", "--vhost-user",
                                           "-t", "none", "-u", "none",
                                           "-s", sock], text=True)
    if not T.wait_for(lambda: sock.exists() or p.poll() is not None, 5):
        pytest.fail("no socket from passt --vhost-user")
    if p.poll() is not None:
        err = p.stderr.read()
        # Until the vhost-user link is in this build (issue 15)
        if "--vhost-user: not supported" in err:
            pytest.skip("this build refuses --vhost-user")
        pytest.fail("passt --vhost-user exited %d: %s" % (p.returncode, err))
    assert_sandboxed(p.pid)
    mem = guest_memory()
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    try:
        c.connect(str(sock))
        features = vu_get_features(c)
        assert features & VIRTIO_F_VERSION_1, hex(features)
        vu_send(c, VU_SET_OWNER)
        vu_send(c, VU_SET_FEATURES, struct.pack("<Q", VIRTIO_F_VERSION_1))
        # One region: guest-physical 0, at 0x7f0000000000 in "qemu"
        region = struct.pack("<QQQQ", 0, GUEST_MEM, 0x7f0000000000, 0)
        vu_send(c, VU_SET_MEM_TABLE, struct.pack("<II", 1, 0) + region,
                fds=[mem])
        # Still alive (the filter let the mmap() through), and mapped
        # shared, read-write, never executable
        assert vu_get_features(c) == features
        maps = shared_maps(p.pid)
        assert len(maps) == 1, maps
        assert maps[0].split()[1] == "rw-s", maps
    finally:
        c.close()
        os.close(mem)
    # The frontend went away: the memory is unmapped (munmap() allowed),
    # and passt waits for the next one
    assert T.wait_for(lambda: not T.pid_alive(p.pid) or
                      not shared_maps(p.pid), 5), shared_maps(p.pid)
    assert p.poll() is None, (p.returncode, p.stderr.read())
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(str(sock))
    assert vu_get_features(c) == features
    c.close()
    p.terminate()
    p.wait(timeout=5)
