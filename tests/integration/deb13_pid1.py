# SPDX-License-Identifier: GPL-2.0-or-later
"""deb13_pid1.py - the Debian 13 root booted with systemd 257 as PID 1.

Theory of operation: the cached Debian 13 root (deb13_root.py) is booted
with systemd-nspawn (Debian 12's, package systemd-container), the recipe
of shared/docs/test-infra/debian13-root.md: --volatile=overlay (the root
is never written: whatever happens inside goes to a tmpfs thrown away with
the container), no machine registration (this machine's PID 1 is not
systemd), the network namespace of the topology's `host`, a resolv.conf
naming remote's resolvers, systemd's console on a log file, and read-only
binds of files or directories of the machine (@binds).  Commands run
inside through nsenter into every namespace of the container's PID 1,
which inherits neither nspawn's seccomp filter nor its capability bounding
set.  Used by test_systemd_pid1.py (our units, bound or `make install`ed)
and test_deb13_package.py (our .debs installed with apt).
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import topo as T


class Container:
    """A Debian 13 root booted with systemd as PID 1 in systemd-nspawn."""

    def __init__(self, topo, root, binds):
        self.topo = topo
        self.root = root
        self.binds = binds
        self.dir = Path(tempfile.mkdtemp(prefix="passt-pid1-"))
        self.proc = None
        self.pid1 = None

    def start(self, timeout=60):
        resolv = self.dir / "resolv.conf"
        resolv.write_text(T.RESOLV_CONF)
        argv = ["systemd-nspawn", "-D", str(self.root),
                "--volatile=overlay", "--register=no", "--keep-unit",
                "-M", "passt-%d" % os.getpid(),
                "--network-namespace-path=/run/netns/" + self.topo.host,
                "--resolv-conf=off",
                "--bind-ro=%s:/etc/resolv.conf" % resolv,
                "--console=read-only"]
        argv += ["--bind-ro=%s:%s" % b for b in self.binds]
        env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")
        with open(self.dir / "console.log", "wb") as log:
            self.proc = subprocess.Popen(argv + ["-b"], env=env, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        self.pid1 = T.wait_for(self._find_pid1, timeout)
        if not self.pid1:
            self.stop()
            pytest.fail("no systemd in the container: %s" % self.console())
        # --wait needs systemd's bus, which comes up a moment after PID 1
        r = None
        while time.monotonic() < end:
            r = self.run(["systemctl", "is-system-running", "--wait"],
                         timeout=max(1, end - time.monotonic()))
            if r.stdout.strip() in ("running", "degraded"):
                break
            time.sleep(0.1)
        state = r.stdout.strip() if r else ""
        if state not in ("running", "degraded"):
            self.stop()
            pytest.fail("container not up (%r, %s): %s"
                        % (state, r.stderr, self.console()))
        return self

    def _find_pid1(self):
        if self.proc.poll() is not None:
            return None
        try:
            kids = Path("/proc/%d/task/%d/children"
                        % (self.proc.pid, self.proc.pid)).read_text().split()
        except OSError:
            return None
        for k in kids:
            if T._comm(int(k)) == "systemd":
                return int(k)
        return None

    def console(self):
        try:
            return (self.dir / "console.log").read_text(
                errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self):
        """Power off (SIGTERM to nspawn), else SIGKILL PID 1 (ending the
        whole PID namespace) and nspawn; remove the directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        T.kill_alive(self.pid1)
        if self.proc is not None:
            T.kill_alive(self.proc.pid)
            self.proc.wait(timeout=10)
        if self.pid1:
            assert T.wait_for(lambda: not T.pid_alive(self.pid1), 10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, args, timeout=30, check=False):
        """Run @args inside (every namespace of PID 1)."""
        r = T.run(["nsenter", "-t", str(self.pid1), "-a", "--"] +
                  [str(a) for a in args], timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("in the container: %s: exit %d\n%s%s"
                                 % (args, r.returncode, r.stdout, r.stderr))
        return r

    def path(self, inside):
        """Host path of @inside, through PID 1's root."""
        return Path("/proc/%d/root" % self.pid1) / inside.lstrip("/")

    def write(self, inside, text):
        p = self.path(inside)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        os.chmod(p, 0o644)

    def show(self, unit, *props):
        """{property: value} of systemctl show -p ..."""
        r = self.run(["systemctl", "show", unit, "-p", ",".join(props)],
                     check=True)
        return dict(ln.split("=", 1) for ln in r.stdout.splitlines()
                    if "=" in ln)

    def journal(self, unit):
        """journalctl -u @unit -o json entries of this boot."""
        r = self.run(["journalctl", "-b", "-u", unit, "-o", "json",
                      "--no-pager"], check=True)
        return [json.loads(ln) for ln in r.stdout.splitlines() if ln]
