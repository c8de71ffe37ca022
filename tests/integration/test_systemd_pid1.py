# SPDX-License-Identifier: GPL-2.0-or-later
"""test_systemd_pid1.py - units/passt@.socket and passt@.service under a
real systemd 257 as PID 1 (doc/passt.md, "systemd units").

Theory of operation: the cached Debian 13 root (deb13_root.py) is booted
with systemd-nspawn (deb13_pid1.py; Debian 12's systemd-container), the
recipe of shared/docs/test-infra/debian13-root.md: --volatile=overlay
(the root is never written), no machine registration (this machine's PID
1 is not systemd), the network namespace of the topology's `host`, a
resolv.conf naming remote's resolvers, systemd's console on a log file.
Run twice:

* "bound": our passt bound over /usr/bin/passt and the units bound into
  /etc/systemd/system, as a developer tries them;
* "installed": `make install DESTDIR=/proc/<container PID 1>/root
  PREFIX=/usr` into the booted root, then `systemctl daemon-reload`, as a
  package would put them (/usr/bin, /usr/lib/systemd/system).

In each: `systemd-analyze verify` and `systemd-analyze security` of the
units (the exposure score is printed and held under EXPOSURE_MAX); then
`systemctl start passt@vm.socket` with /etc/passt/vm.conf holding
"--debug -t 2222", and a qemu guest (the host's qemu, guest_image.py's
kernel and initramfs, test_passt_qemu.py's checks) connecting to
/run/passt/vm.socket through /proc/<PID 1>/root: its DHCP lease and an
HTTP download from `remote`, SHA-256 checked.  Then:

* readiness: an ExecStartPost= probe (run with full privileges once
  systemd has READY=1) records that passt already has its empty root and
  a user namespace of its own (only its own UID mapped); and a second
  instance whose sandbox can't be set up (RestrictNamespaces=yes in a
  drop-in) fails without systemd ever reporting it "Started";
* the -t port is bound by passt;
* `journalctl -u passt@vm` has each of passt's lines once (no syslog
  copy), with journald's priority taken from the "<N>" prefix;
* no "Referenced but unset environment variable" (the bad instance has no
  configuration file);
* `systemctl stop passt@vm.socket passt@vm.service` leaves no passt
  process and no socket file;
* vhost-user through the same units (doc/passt.md): /etc/passt/vu.conf
  with "PASST_OPTS=--vhost-user", a vhost-user client on
  /run/passt/vu.socket starts passt@vu.service, which answers
  GET_FEATURES and maps the memfd sent with SET_MEM_TABLE, under the
  unit's SystemCallFilter= and MemoryDenyWriteExecute= and passt's own
  vhost-user seccomp list, and unmaps it when the client goes.

Reference run (PASST=<root>/usr/bin/passt, Debian 13's upstream passt of
2025-05): upstream has no socket activation (compat.md 7.1) and logs each
line twice under systemd, so only the units' own checks and a plain
`systemd-run passt -f -s PATH` service (sandboxed, serves DHCP, stops)
run; the rest is skipped with that reason.  The whole file takes about
80 s (two boots of 4-10 s, two guests of 15-30 s).
"""

import hashlib
import os
import re
import shutil
import socket
import struct

import pytest

import deb13_env
from deb13_pid1 import Container
import guest_bridge as GB
import guest_image as G
import test_sandbox as TS
import topo as T
from test_passt_qemu import BLOB_BYTES, guest, http_blob  # noqa: F401

# systemd-analyze security's overall exposure of passt@.service: 1.8
# measured with units/passt@.service of 2026-12 (1.5 for the unit before,
# which couldn't run passt at all)
EXPOSURE_MAX = 2.0
FWD_PORT = 2222
VM_CONF = "PASST_OPTS=--debug -t %d\n" % FWD_PORT
SOCK = "/run/passt/vm.socket"
PROBE = "/run/passt-probe"
# Runs once systemd has READY=1 ("+": without the unit's sandbox, so it
# may look at passt): passt's root and UID map at that moment
PROBE_DROPIN = """[Service]
ExecStartPost=+/bin/sh -c 'ls -A /proc/$MAINPID/root | wc -l > %s; \
wc -l < /proc/$MAINPID/uid_map >> %s'
""" % (PROBE, PROBE)
# A sandbox that can't be set up: no user namespace allowed
BAD_DROPIN = """[Service]
RestrictNamespaces=yes
Restart=no
"""
NO_ACTIVATION = ("upstream passt has no socket activation and logs twice "
                 "under systemd (compat.md 7.1)")


def reference():
    """"Debian 13" or "Debian 12" for a reference passt, None for ours."""
    return deb13_env.reference("passt")


def make_install(box):
    """`make install DESTDIR=<PID 1's root> PREFIX=/usr` of our tree, with
    the VERSION of the existing build, so nothing is rebuilt (but the
    SELinux modules install-selinux installs, if policy-check hasn't built
    them yet)."""
    T.need(shutil.which("make") is not None, "make is not installed")
    T.need(os.path.exists(os.environ.get(
        "SE_DEVEL", "/usr/share/selinux/devel/Makefile")),
        "selinux-policy-dev is not installed (make install builds the "
        "SELinux modules)")
    ver = T.REPO / "build" / ".version"
    T.need(ver.exists() and (T.REPO / "passt").exists(),
           "our tree is not built: run make first")
    r = T.run(["make", "-C", str(T.REPO), "-s", "install",
               "DESTDIR=/proc/%d/root" % box.pid1, "PREFIX=/usr",
               "VERSION=" + ver.read_text().strip()], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    ours = hashlib.sha256((T.REPO / "passt").read_bytes()).hexdigest()
    there = hashlib.sha256(box.path("/usr/bin/passt").read_bytes())
    assert there.hexdigest() == ours, "installed passt isn't our build"
    box.run(["systemctl", "daemon-reload"], check=True)
    return "/usr/lib/systemd/system"


@pytest.fixture(scope="module", params=["bound", "installed"])
def box(request, topo):
    """The booted root: .unitdir is where the units are inside."""
    T.need(os.geteuid() == 0, "needs root")
    T.need(shutil.which("systemd-nspawn") is not None,
           "systemd-nspawn is not installed (systemd-container)")
    root = deb13_env.need_root()
    if request.param == "installed" and reference():
        pytest.skip("make install installs our passt, not the reference")
    binds, unitdir = [], "/etc/systemd/system"
    if request.param == "bound":
        for u in ("passt@.socket", "passt@.service"):
            binds.append((T.REPO / "units" / u, unitdir + "/" + u))
        if reference() != "Debian 13":     # else: the root's own
            passt = T.tool_path("passt")
            T.need(os.access(passt, os.X_OK), "passt not found: " + passt)
            binds.append((passt, "/usr/bin/passt"))
    c = Container(topo, root, binds).start()
    try:
        if request.param == "installed":
            unitdir = make_install(c)
        c.unitdir = unitdir
        c.kind = request.param
        c.state = {}
        yield c
    finally:
        c.stop()


def need_ours():
    if reference():
        pytest.skip("reference passt differs: " + NO_ACTIVATION)


# -- the units ---------------------------------------------------------------
def test_units_verify(box):
    """systemd 257's systemd-analyze verify: no error, no warning."""
    units = [box.unitdir + "/passt@vm.socket", box.unitdir + "/passt@vm.service"]
    r = box.run(["systemd-analyze", "verify", "--man=no"] + units,
                timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


def test_units_security_exposure(box):
    """systemd-analyze security --offline: the exposure stays low."""
    r = box.run(["systemd-analyze", "security", "--offline=yes",
                 "--no-pager", box.unitdir + "/passt@vm.service"],
                timeout=60)
    m = re.search(r"Overall exposure level for passt@vm\.service: "
                  r"([0-9.]+)", r.stdout)
    assert m, r.stdout + r.stderr
    score = float(m.group(1))
    print("systemd-analyze security: %.1f (%s)" % (score, box.kind))
    assert score <= EXPOSURE_MAX, r.stdout


# -- socket activation, with a qemu guest --------------------------------------
def test_vm_through_socket_activation(box, guest, http_blob):  # noqa: F811
    """systemctl start passt@vm.socket; a qemu guest connecting to it gets
    its lease and downloads a file from remote intact."""
    need_ours()
    box.write("/etc/passt/vm.conf", VM_CONF)
    box.write("/etc/systemd/system/passt@vm.service.d/probe.conf",
              PROBE_DROPIN)
    box.run(["systemctl", "daemon-reload"], check=True)
    box.run(["systemctl", "start", "passt@vm.socket"], check=True)
    sock = box.path(SOCK)
    assert sock.is_socket()
    st = box.show("passt@vm.service", "ActiveState")
    assert st["ActiveState"] == "inactive", st

    url, digest = http_blob
    argv = G.qemu_argv(*guest, "gt.fetch=%s gt.timeout=60" % url,
                       G.stream_net(sock))
    rc, console, secs = G.run_guest(argv, box.dir / "qemu.log")
    print("qemu through passt@vm.socket (%s): %.1f s" % (box.kind, secs))
    res, tail = G.results(console), console[-3000:]
    assert rc == 0, "qemu exit %r; console:\n%s" % (rc, tail)
    dhcp = res.get("DHCP")
    assert dhcp and dhcp["ip"] == T.HOST4 and dhcp["router"] == T.GW4, tail
    f = res.get("FETCH")
    assert f and int(f["bytes"]) == BLOB_BYTES, (f, res["ERR"], tail)
    assert f["sha256"] == digest, f
    assert not res["ERR"], res["ERR"]

    st = box.show("passt@vm.service", "ActiveState", "SubState",
                  "ExecMainStatus", "MainPID")
    assert (st["ActiveState"], st["SubState"]) == ("active", "running"), st
    box.state["pid"] = int(st["MainPID"])


def main_pid(box):
    pid = box.state.get("pid")
    if not pid:
        pytest.fail("the guest test did not get passt running")
    return pid


def test_active_only_once_sandboxed(box):
    """When systemd ran ExecStartPost= (after READY=1), passt already had
    its empty root and a user namespace of its own."""
    need_ours()
    main_pid(box)
    probe = box.path(PROBE).read_text().split()
    # entries in passt's root; lines of its UID map: only its own UID
    # (systemd's PrivateUsers= namespace maps root too)
    assert probe == ["0", "1"], probe


def test_forwarded_port_bound(box):
    """-t 2222 from /etc/passt/vm.conf: passt listens on it."""
    need_ours()
    pid = main_pid(box)
    r = box.run(["ss", "-Hltnp", "sport = :%d" % FWD_PORT], check=True)
    assert "pid=%d," % pid in r.stdout and '"passt"' in r.stdout, r.stdout
    # and a connection from remote to the host's address is taken
    s = box.topo.in_ns(box.topo.remote, [T.PY, "-c",
                                  "import socket; socket.create_connection("
                                  "(%r, %d), 5).close()" % (T.HOST4,
                                                            FWD_PORT)])
    assert s.returncode == 0, s.stderr


def test_journal_has_each_line_once(box):
    """journalctl -u passt@vm: passt's lines once each, from stderr (no
    syslog copy), their priority taken from the "<N>" prefix.  (Lines
    written to stderr are never repeated: a second copy could only come
    from syslog, transport "syslog".)"""
    need_ours()
    pid = main_pid(box)
    ours = [e for e in box.journal("passt@vm.service")
            if e.get("_PID") == str(pid)]
    msgs = [e.get("MESSAGE") for e in ours]
    assert msgs, "no lines from passt"
    assert {e.get("_TRANSPORT") for e in ours} == {"stdout"}, \
        {e.get("_TRANSPORT") for e in ours}
    assert not any(m.startswith("<") for m in msgs), msgs
    using = [e for e in ours if "Using the socket passed by systemd at "
             + SOCK in e["MESSAGE"]]
    assert len(using) == 1 and using[0]["PRIORITY"] == "6", using
    assert any(e["PRIORITY"] == "7" for e in ours), "no debug priority"


def test_stop_leaves_nothing(box):
    """systemctl stop of both units: no passt process, no socket file."""
    need_ours()
    main_pid(box)
    box.run(["systemctl", "stop", "passt@vm.socket", "passt@vm.service"],
            check=True)
    assert T.wait_for(lambda: box.run(["pgrep", "-x", "passt"])
                      .returncode == 1, 5), \
        box.run(["ps", "-ef"]).stdout
    assert not box.path(SOCK).exists()
    st = box.show("passt@vm.service", "ActiveState")
    assert st["ActiveState"] == "inactive", st


def test_sandbox_failure_never_reported_started(box):
    """An instance whose sandbox can't be set up (no user namespace
    allowed): passt exits 1 and systemd never reports it "Started".  It
    has no /etc/passt/bad.conf: no complaint about PASST_OPTS either."""
    need_ours()
    box.write("/etc/systemd/system/passt@bad.service.d/bad.conf",
              BAD_DROPIN)
    box.run(["systemctl", "daemon-reload"], check=True)
    box.run(["systemctl", "start", "passt@bad.socket"], check=True)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(str(box.path("/run/passt/bad.socket")))
    # The pending connection stays queued after passt exits, so the
    # socket unit may start the service again (Restart=no only stops
    # systemd's own restarts): its state cycles, the journal doesn't.

    def failed_runs():
        msgs = [e.get("MESSAGE", "")
                for e in box.journal("passt@bad.service")]
        return msgs if any("Main process exited, code=exited, "
                           "status=1/FAILURE" in m for m in msgs) else None
    msgs = T.wait_for(failed_runs, 30, interval=0.5)
    c.close()
    box.run(["systemctl", "stop", "passt@bad.socket", "passt@bad.service"])
    if not msgs:
        st = box.show("passt@bad.service", "ActiveState", "SubState",
                      "ExecMainStatus", "ExecMainPID")
        why = box.run(["sh", "-c", "systemctl status --no-pager -l "
                       "passt@bad.service; journalctl -b --no-pager "
                       "-u passt@bad.service | tail -20"]).stdout
        pytest.fail("passt@bad.service never exited 1: %s\n%s" % (st, why))
    msgs = [e.get("MESSAGE", "") for e in box.journal("passt@bad.service")]
    assert any("Couldn't detach user namespace" in m for m in msgs), msgs
    assert not any(m.startswith("Started passt@bad") for m in msgs), msgs
    r = box.run(["journalctl", "-b", "--no-pager", "-g",
                 "Referenced but unset"])
    assert "PASST_OPTS" not in r.stdout, r.stdout


# -- vhost-user through the same units -----------------------------------------
VU_SOCK = "/run/passt/vu.socket"


def need_vhost_user(box):
    """Skip while the build under test refuses --vhost-user (until issue
    15's link is in): the option is probed, nothing else.  Debian 12's
    passt doesn't know it at all."""
    if reference() == "Debian 12":
        pytest.skip("Debian 12's passt has no vhost-user")
    r = box.run(["/usr/bin/passt", "--vhost-user", "--version"])
    if r.returncode != 0 and "--vhost-user: not supported" in r.stderr:
        pytest.skip("this build refuses --vhost-user")
    assert r.returncode == 0, r.stderr


def guest_maps(box, pid):
    """passt's mappings of the test's guest memory (its /proc inside)."""
    text = box.path("/proc/%d/maps" % pid).read_text()
    return [ln for ln in text.splitlines() if "passt-test-guest" in ln]


def vu_maps_and_unmaps(box, sock, find_pid):
    """As a vhost-user frontend on @sock (inside): GET_FEATURES answered,
    a memfd sent with SET_MEM_TABLE mapped by passt (find_pid(), called
    once the first reply came: socket activation starts it then) shared
    and read-write, unmapped once we close.  Return passt's PID inside."""
    mem = TS.guest_memory()
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(10)
    try:
        c.connect(str(box.path(sock)))
        # 12 bytes {GET_FEATURES, version 1, size 0}, a 20-byte reply
        features = TS.vu_get_features(c)
        assert features & TS.VIRTIO_F_VERSION_1, hex(features)
        pid = find_pid()
        TS.vu_send(c, TS.VU_SET_OWNER)
        TS.vu_send(c, TS.VU_SET_FEATURES,
                   struct.pack("<Q", TS.VIRTIO_F_VERSION_1))
        region = struct.pack("<QQQQ", 0, TS.GUEST_MEM, 0x7f0000000000, 0)
        TS.vu_send(c, TS.VU_SET_MEM_TABLE,
                   struct.pack("<II", 1, 0) + region, fds=[mem])
        assert TS.vu_get_features(c) == features
        maps = guest_maps(box, pid)
        assert len(maps) == 1 and maps[0].split()[1] == "rw-s", maps
    finally:
        c.close()
        os.close(mem)
    assert T.wait_for(lambda: not guest_maps(box, pid), 5)
    return pid


def running_pid(box, unit):
    """MainPID (inside) of @unit, which must be active and running."""
    st = box.show(unit, "ActiveState", "SubState", "MainPID")
    if (st["ActiveState"], st["SubState"]) != ("active", "running"):
        log = box.run(["journalctl", "-b", "--no-pager", "-u", unit]).stdout
        pytest.fail("%s: %s\n%s" % (unit, st, log[-3000:]))
    return int(st["MainPID"])


def no_passt_left(box):
    assert T.wait_for(lambda: box.run(["pgrep", "-x", "passt"])
                      .returncode == 1, 5), box.run(["ps", "-ef"]).stdout


def test_vhost_user_instance_maps_guest_memory(box):
    """PASST_OPTS=--vhost-user in /etc/passt/vu.conf: a vhost-user client
    on passt@vu.socket gets GET_FEATURES answered, and its guest memory
    mapped shared and read-write, under the unit's filters; the memory is
    unmapped when it goes, and stopping the units leaves nothing."""
    need_ours()
    need_vhost_user(box)
    box.write("/etc/passt/vu.conf", "PASST_OPTS=--vhost-user\n")
    box.run(["systemctl", "start", "passt@vu.socket"], check=True)
    pid = vu_maps_and_unmaps(box, VU_SOCK,
                             lambda: running_pid(box, "passt@vu.service"))
    assert running_pid(box, "passt@vu.service") == pid
    box.run(["systemctl", "stop", "passt@vu.socket", "passt@vu.service"],
            check=True)
    no_passt_left(box)
    assert not box.path(VU_SOCK).exists()


# The unit's [Service] settings that are about confinement, not about how
# passt is started: systemd-run applies them to any passt
NOT_CONFINEMENT = ("Type", "Environment", "EnvironmentFile", "ExecStart",
                   "Restart")


def unit_confinement():
    """-p KEY=VALUE arguments: units/passt@.service's confinement."""
    props, section = [], None
    for ln in (T.REPO / "units" / "passt@.service").read_text().splitlines():
        ln = ln.strip()
        if ln.startswith("["):
            section = ln
        elif section == "[Service]" and "=" in ln and \
                not ln.startswith("#"):
            if ln.split("=", 1)[0] not in NOT_CONFINEMENT:
                props += ["-p", ln]
    assert any("MemoryDenyWriteExecute=yes" in p for p in props), props
    assert any("SystemCallFilter=" in p for p in props), props
    return props


def test_vhost_user_under_unit_confinement(box):
    """Any passt --vhost-user (Debian 13's too) under the confinement of
    passt@.service, SystemCallFilter= and MemoryDenyWriteExecute=
    included, run by systemd-run with a socket of its own: it maps the
    guest memory a frontend sends, and unmaps it.  Debian 13's passt can't
    start under the unit's confinement whatever the mode (setgroups(),
    which SystemCallFilter= leaves out, and namespaces beyond
    RestrictNamespaces=): its reference run goes unconfined, checking the
    client and the rest of the test."""
    need_vhost_user(box)
    sock = "/run/passt-vu/vu.socket"
    props = unit_confinement() if reference() is None else []
    box.run(["systemd-run", "--unit=passt-vu", "-p", "Type=simple",
             "-p", "RuntimeDirectory=passt-vu"] + props +
            ["/usr/bin/passt", "-f", "-q", "--vhost-user", "-s", sock,
             "-t", "none", "-u", "none"], check=True)
    try:
        assert T.wait_for(lambda: box.path(sock).is_socket(), 10), \
            box.run(["journalctl", "-b", "--no-pager", "-u",
                     "passt-vu"]).stdout
        pid = running_pid(box, "passt-vu.service")
        assert vu_maps_and_unmaps(box, sock, lambda: pid) == pid
        assert running_pid(box, "passt-vu.service") == pid
    finally:
        box.run(["systemctl", "stop", "passt-vu.service"])
    no_passt_left(box)


# -- any passt as a plain service ----------------------------------------------
def test_plain_service_serves_and_stops(box):
    """systemd-run passt -f -s PATH (no units, as root): sandboxed under
    systemd as PID 1, a DHCP offer over its socket, gone after systemctl
    stop, for the bound passt and for the one make install put there.
    Run against the reference too."""
    # as root: passt becomes nobody, who may create a socket in /tmp
    sock = "/tmp/plain.socket"
    box.run(["systemd-run", "--unit=passt-plain", "-p", "Type=simple",
             "/usr/bin/passt", "-f", "-q", "-s", sock, "-t", "none", "-u",
             "none"], check=True)
    try:
        assert T.wait_for(lambda: box.path(sock).is_socket(), 10)
        pid = int(box.show("passt-plain.service", "MainPID")["MainPID"])
        r = box.run(["sh", "-c", "ls -A /proc/%d/root | wc -l" % pid])
        assert r.stdout.strip() == "0", r.stdout
        cl = GB.StreamClient(str(box.path(sock)))
        offer = cl.dhcp_offer()
        cl.close()
        assert GB.opt_addr(offer, 3) == T.GW4
    finally:
        box.run(["systemctl", "stop", "passt-plain.service"])
    assert box.run(["pgrep", "-x", "passt"]).returncode == 1
