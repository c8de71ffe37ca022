# SPDX-License-Identifier: GPL-2.0-or-later
"""deb13_env.py - run Debian 13's clients (podman 5, rootlesskit 2,
libvirt 11, qemu 10) against our tools, inside the test topology.

Theory of operation: Deb13 starts an anchor process that holds private
mount and PID namespaces inside one of the test's network namespaces
(default: `host`).  Its root is an overlay whose lower layer is the cached
Debian 13 root (deb13_root.py, never written) and whose upper layer is a
fresh directory of this test, so whatever the clients write (containers,
storage, configuration) is thrown away with it.  The recipe is
shared/docs/test-infra/debian13-root.md:

* pivot_root into the overlay, not chroot: inside a plain chroot the
  kernel refuses new user namespaces, which rootless podman, rootlesskit
  and our tools all create;
* proc of the new PID namespace, sysfs of the network namespace, /dev
  bound from the machine (/dev/net/tun is 0666 during the tests), tmpfs
  on /run, /tmp and /home;
* cgroups: only the v1 controller hierarchies are bound under a tmpfs on
  /sys/fs/cgroup (crun refuses this machine's hybrid layout), and podman
  is told to use cgroupfs and a file events logger;
* the test user `tester` (UID 1000, with /etc/subuid and /etc/subgid
  ranges from useradd), /run/user/1000 owned by it;
* resolv.conf names the topology's own resolvers (remote's dnsmasq), so
  nothing inside ever asks the machine's resolver;
* the tools under test are copied into /usr/local/bin, first in every
  PATH here, so podman, rootlesskit and libvirt pick ours over
  /usr/bin/pasta and /usr/bin/passt.  When $PASTA or $PASST points into
  the Debian 13 root itself (the reference run), that tool is not copied
  and the root's own one is used.

The anchor is PID 1 of the new PID namespace (a small reaper, so that
orphans such as podman's pause process are collected): stopping it with
SIGKILL ends every process started inside, however deep, and the kernel
drops every mount with the mount namespace.  Commands run inside through
nsenter (mount, PID and network namespaces of the anchor), as root or as
the test user, each with a timeout.
"""

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import deb13_root
import topo as T

USER = "tester"
UID = 1000
HOME = "/home/" + USER
RUNDIR = "/run/user/%d" % UID
PATH = "/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin"
# Tools copied in from the tree under test, by the name clients look for
TOOLS = ("pasta", "passt", "passt-repair", "pasta-netcfg", "qrap")

CONTAINERS_CONF = """[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
"""

# PID 1 inside: reap every child, forever; SIGKILL from outside ends it
REAPER = r"""
import os, signal
signal.signal(signal.SIGCHLD, lambda *a: None)
open("/run/deb13-ready", "w").close()
while True:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
    signal.pause()
"""

SETUP = r"""
set -e
M=$1; R=$2; U=$3; W=$4; RESOLV=$5
mount -t overlay overlay -o "lowerdir=$R,upperdir=$U,workdir=$W" "$M"
mount -t proc proc "$M/proc"
mount -t sysfs sysfs "$M/sys"
mount -t tmpfs -o mode=755 cgroup "$M/sys/fs/cgroup"
for c in /sys/fs/cgroup/*; do
	n=${c##*/}
	case "$n" in unified|systemd) continue ;; esac
	mountpoint -q "$c" || continue
	mkdir -p "$M/sys/fs/cgroup/$n"
	mount --bind "$c" "$M/sys/fs/cgroup/$n"
done
mount --rbind /dev "$M/dev"
mount -t tmpfs -o mode=755 run "$M/run"
mount -t tmpfs -o mode=1777 tmp "$M/tmp"
mount -t tmpfs -o mode=755 home "$M/home"
cp "$RESOLV" "$M/etc/resolv.conf"
chroot "$M" useradd -m -u %(uid)d -s /bin/sh %(user)s
mkdir -p "$M%(rundir)s"
chown %(uid)d:%(uid)d "$M%(rundir)s"
chmod 700 "$M%(rundir)s"
cd "$M"
mkdir -p .oldroot
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot
mount --make-rshared /
exec python3 -c "$6"
""" % {"uid": UID, "user": USER, "rundir": RUNDIR}


def root_path():
    """The cached Debian 13 root (built if missing: 4-5 minutes)."""
    return deb13_root.build()


def in_root(path):
    """Path of @path inside the Debian 13 root if it lies there, else None
    (a tool given as $PASTA=<root>/usr/bin/pasta is the root's own)."""
    root = os.path.realpath(deb13_root.root_dir())
    p = os.path.realpath(path)
    if p == root or p.startswith(root + "/"):
        return "/" + os.path.relpath(p, root)
    return None


def is_reference(name):
    """True if tool @name under test is Debian 13's own (upstream passt
    2025-05), not ours: the reference run of these tests."""
    return in_root(T.tool_path(name)) is not None


def reference(name):
    """Which reference build tool @name under test is: "Debian 13"
    (the root's own, upstream 2025-05), "Debian 12" (the machine's
    /usr/bin one, 2023-03, copied in like ours) or None for ours."""
    if is_reference(name):
        return "Debian 13"
    if T.is_reference(T.tool_path(name)):
        return "Debian 12"
    return None


def need_root():
    """Skip (fail in CI) unless the Debian 13 root can be had."""
    T.need(shutil.which("mmdebstrap") is not None or deb13_root.is_ready(),
           "mmdebstrap is not installed (Debian 13 root)")
    try:
        return root_path()
    except (RuntimeError, subprocess.SubprocessError) as e:
        T.need(False, "Debian 13 root could not be built: %s" % e)
    return None


class Deb13:
    """Debian 13's userland in a private mount and PID namespace, inside
    the network namespace @netns of @topo."""

    def __init__(self, topo, netns=None, tools=TOOLS, resolv=None):
        self.topo = topo
        self.netns = netns or topo.host
        self.tools = tools
        self.resolv = resolv or T.RESOLV_CONF
        self.dir = None
        self.anchor = None
        self.proc = None

    # -- life cycle ------------------------------------------------------
    def start(self, timeout=20):
        root = need_root()
        self.dir = Path(tempfile.mkdtemp(prefix="passt-deb13-", dir="/var/tmp"))
        for d in ("upper", "work", "merged"):
            (self.dir / d).mkdir()
        up = self.dir / "upper"
        self._install_tools(up)
        conf = up / "etc" / "containers" / "containers.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(CONTAINERS_CONF)
        resolv = self.dir / "resolv.conf"
        resolv.write_text(self.resolv)
        argv = ["nsenter", "--net=/run/netns/" + self.netns,
                "unshare", "--mount", "--pid", "--fork",
                "--propagation", "private",
                "sh", "-c", SETUP, "setup", str(self.dir / "merged"),
                str(root), str(up), str(self.dir / "work"), str(resolv),
                REAPER]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid = self._find_anchor()
            if pid and os.path.exists("/proc/%d/root/run/deb13-ready" % pid):
                self.anchor = pid
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        out, err = b"", b""
        if self.proc.poll() is not None:
            out, err = self.proc.communicate(timeout=5)
        self.stop()
        raise RuntimeError("Debian 13 environment did not start: %s %s"
                           % (out.decode(errors="replace"),
                              err.decode(errors="replace")))

    def _find_anchor(self):
        """PID (as we see it) of the reaper: unshare's forked child."""
        try:
            kids = Path("/proc/%d/task/%d/children"
                        % (self.proc.pid, self.proc.pid)).read_text().split()
        except OSError:
            return None
        return int(kids[0]) if kids else None

    def _install_tools(self, upper):
        bindir = upper / "usr" / "local" / "bin"
        bindir.mkdir(parents=True, exist_ok=True)
        for name in self.tools:
            src = T.tool_path(name)
            if in_root(src) is not None or not os.path.exists(src):
                continue
            dst = bindir / name
            shutil.copy(src, dst)
            os.chmod(dst, 0o755)

    def stop(self):
        """End every process inside and remove the overlay's layers."""
        pid = self.anchor or (self.proc and self._find_anchor())
        if pid and T.pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate(timeout=5)
        self.anchor = None
        if self.dir is not None:
            subprocess.run(["rm", "-rf", "--one-file-system", str(self.dir)],
                           timeout=120)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- running things --------------------------------------------------
    def prefix(self, user=False, env=None):
        """argv prefix: a command inside, as root or as the test user."""
        p = ["nsenter", "-t", str(self.anchor), "-m", "-p", "-n", "--"]
        e = {"PATH": PATH, "LANG": "C.UTF-8", "TERM": "dumb"}
        if user:
            p += ["setpriv", "--reuid=%d" % UID, "--regid=%d" % UID,
                  "--init-groups"]
            e.update({"HOME": HOME, "USER": USER, "LOGNAME": USER,
                      "XDG_RUNTIME_DIR": RUNDIR,
                      "PODMAN_IGNORE_CGROUPSV1_WARNING": "1"})
        else:
            e["HOME"] = "/root"
        e.update(env or {})
        return p + ["env", "-i"] + ["%s=%s" % kv for kv in e.items()]

    def run(self, args, user=False, timeout=60, env=None, check=False,
            **kw):
        """Run @args inside and wait (bounded by @timeout)."""
        return T.run(self.prefix(user, env) + [str(a) for a in args],
                     timeout=timeout, check=check, **kw)

    def sh(self, script, user=False, timeout=60, env=None, check=True):
        """Run the shell @script inside; return its CompletedProcess.  With
        @check, a non-zero status raises with the script's output."""
        r = self.run(["sh", "-c", script], user=user, timeout=timeout,
                     env=env)
        if check and r.returncode != 0:
            raise RuntimeError("inside Debian 13: %s\nexit %d\n%s\n%s"
                               % (script, r.returncode, r.stdout, r.stderr))
        return r

    def popen(self, procs, args, user=False, env=None, **kw):
        """Start @args inside (tracked by @procs; ends with the anchor)."""
        return procs.popen(self.prefix(user, env) + [str(a) for a in args],
                           **kw)

    def path(self, inside):
        """Host path of file @inside (an absolute path inside the root),
        reachable from outside through the anchor's root."""
        return Path("/proc/%d/root" % self.anchor) / str(inside).lstrip("/")

    def write(self, inside, text, mode=0o644, owner=None):
        """Write @text to @inside (created), with @mode and @owner (a UID
        inside, e.g. UID for the test user)."""
        p = self.path(inside)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        os.chmod(p, mode)
        if owner is not None:
            os.chown(p, owner, owner)
        return p

    def copy_in(self, src, inside, mode=0o644, owner=UID):
        """Copy file @src of the machine to @inside (an absolute path
        inside, parents created), with @mode and @owner (default: the test
        user)."""
        p = self.path(inside)
        p.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, p)
        os.chmod(p, mode)
        if owner is not None:
            os.chown(p, owner, owner)
        return inside

    def pids(self, comm=None):
        """PIDs (as seen inside) of live processes inside, optionally only
        those whose command name is @comm (a name, or a tuple of names:
        Debian's pasta re-executes itself as "pasta.avx2")."""
        names = (comm,) if isinstance(comm, str) else comm
        script = ("for p in /proc/[0-9]*; do s=$(cat $p/stat 2>/dev/null)"
                  " || continue; echo \"${p#/proc/} $s\"; done")
        r = self.run(["sh", "-c", script], timeout=20)
        out = []
        for ln in r.stdout.splitlines():
            pid, _, stat = ln.partition(" ")
            try:
                name = stat[stat.index("(") + 1:stat.rindex(")")]
                state = stat[stat.rindex(")") + 2]
            except ValueError:
                continue
            if state in "ZX":
                continue
            if names is None or name in names:
                out.append(int(pid))
        return out


def start_or_skip(topo, clients=(), tools=()):
    """A started Deb13 in @topo's `host` namespace.  Skips (fails in CI)
    if it cannot start, if a path in @clients is missing inside, or if a
    tool under test named in @tools is."""
    env = Deb13(topo)
    try:
        env.start()
    except RuntimeError as e:
        T.need(False, str(e))
    try:
        for c in clients:
            T.need(env.path(c).exists(), c + " missing in the Debian 13 root")
        for t in tools:
            T.need(env.path(tool(t)).exists(), "%s under test not found: %s"
                   % (t, T.tool_path(t)))
    except BaseException:
        env.stop()
        raise
    return env


def tool(name):
    """Path inside of tool @name under test: the root's own in the
    reference run, else our copy in /usr/local/bin."""
    return in_root(T.tool_path(name)) or "/usr/local/bin/" + name


def quote(args):
    """A shell command line for @args."""
    return " ".join(shlex.quote(str(a)) for a in args)
