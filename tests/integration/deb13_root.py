# SPDX-License-Identifier: GPL-2.0-or-later
"""deb13_root.py - the Debian 13 ("trixie") root that today's clients run from.

Theory of operation: podman 5, rootlesskit 2, libvirt 11, qemu 10, systemd 257
and upstream's passt of 2025-05 are Debian 13 packages; this machine is Debian
12.  They are used from a root directory that mmdebstrap builds from the same
mirror apt uses (shared/docs/test-infra/debian13-root.md), never installed
into the machine itself.

The root is built once per machine into a fixed cache directory, CACHE
(/var/cache/passt-tests/debian13 unless $PASST_DEB13_CACHE says otherwise),
and reused by every later run: CACHE/<key>/root, where the key is a hash of
the suite and the package list, so a changed list builds a new root beside
the old one (which a run still using it keeps) and roots unused for a week
are removed.  A build goes to a temporary directory and is renamed into
place only when mmdebstrap succeeded, then a stamp file is written; a
missing stamp means a rebuild, and concurrent runs wait on a lock file.
Nothing in the root is changed by the tests: every user of it mounts an
overlay or tmpfs over what it writes (deb13_env.py, deb13_pid1.py,
test_deb13_*.py).

Run it by hand to build or check the cache:  /usr/bin/python3 deb13_root.py
"""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(os.environ.get("PASST_DEB13_CACHE",
                            "/var/cache/passt-tests/debian13"))
SUITE = "trixie"

# What the clients need inside, and nothing of ours: our tools come from
# the tree under test (bound or installed into an overlay at run time)
PACKAGES = (
    # podman 5 rootless with pasta, and its bridge networks
    "podman", "crun", "runc", "uidmap", "netavark", "aardvark-dns",
    "nftables", "catatonit", "fuse-overlayfs", "slirp4netns",
    # rootlesskit 2
    "rootlesskit",
    # upstream's passt and pasta of 2025-05, the reference
    "passt",
    # libvirt 11 and qemu 10
    "libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt-clients",
    "qemu-system-x86",
    # systemd 257 as PID 1
    "systemd", "systemd-sysv", "dbus",
    # libraries our binaries link (built on Debian 12, run in 13)
    "libmnl0", "libseccomp2", "libcap-ng0", "libsystemd0",
    # clients and tools of the tests
    "iproute2", "iputils-ping", "curl", "python3", "socat",
    "busybox-static", "ca-certificates", "dnsmasq-base", "procps",
    "util-linux", "make",
    # building our Debian packages inside (test_deb13_package.py): the
    # Build-Depends of debian/control (cmocka only for the unit tests,
    # which those builds skip with nocheck; no git: the version comes
    # from debian/changelog, as in a release tarball)
    "build-essential", "debhelper", "dh-apparmor", "pkg-config",
    "libmnl-dev", "libseccomp-dev", "libcap-ng-dev", "libsystemd-dev",
    "scdoc", "selinux-policy-dev", "checkpolicy", "semodule-utils",
    "libcmocka-dev",
    # checking the installed packages: apparmor_parser for the profiles,
    # and a policy store (selinux-policy-default, built by its postinst)
    # for passt-selinux's maintainer scripts to load modules into
    "apparmor", "policycoreutils", "selinux-policy-default",
)


def mirror():
    """The Debian mirror apt uses on this machine."""
    src = Path("/etc/apt/sources.list.d/debian.sources")
    if src.exists():
        m = re.search(r"^URIs:\s*(\S+)", src.read_text(), re.M)
        if m:
            return m.group(1)
    lst = Path("/etc/apt/sources.list")
    if lst.exists():
        m = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", lst.read_text(), re.M)
        if m:
            return m.group(1)
    return "http://deb.debian.org/debian"


KEEP_DAYS = 7


def key():
    """Name of the cache entry for SUITE and PACKAGES."""
    h = hashlib.sha256((SUITE + " " + " ".join(sorted(PACKAGES))).encode())
    return "%s-%s" % (SUITE, h.hexdigest()[:12])


def entry():
    return CACHE / key()


def root_dir():
    """Where the root for the current package list is (or will be)."""
    return entry() / "root"


def is_ready():
    """True if the cached root for PACKAGES is complete."""
    return (entry() / "stamp").exists() and (root_dir() / "usr").is_dir()


def _prune_old():
    """Remove roots of other package lists unused for KEEP_DAYS."""
    limit = time.time() - KEEP_DAYS * 86400
    for d in CACHE.iterdir():
        if d.name == key() or not d.is_dir() or d.name.startswith("."):
            continue
        try:
            if (d / "stamp").stat().st_mtime > limit:
                continue
        except OSError:
            pass
        subprocess.run(["rm", "-rf", "--one-file-system", str(d)])


def touch():
    """Mark the current root as used (it is kept while used)."""
    try:
        os.utime(entry() / "stamp")
    except OSError:
        pass


def build(log=sys.stderr, timeout=1200):
    """Build the root if it is missing or stale; return its path.

    Raises RuntimeError with mmdebstrap's last lines on failure."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_ready():
            touch()
            return root_dir()
        if shutil.which("mmdebstrap") is None:
            raise RuntimeError("mmdebstrap is not installed")
        _prune_old()
        entry().mkdir(exist_ok=True)
        tmp = entry() / "root.new"
        for d in (tmp, root_dir()):
            if d.exists():
                subprocess.run(["rm", "-rf", "--one-file-system", str(d)],
                               check=True)
        t0 = time.monotonic()
        print("deb13_root: building %s into %s (once per machine)"
              % (SUITE, CACHE), file=log, flush=True)
        r = subprocess.run(
            ["mmdebstrap", "--variant=minbase", "--mode=root",
             "--include=" + ",".join(PACKAGES),
             "--aptopt=Acquire::Check-Valid-Until \"false\"",
             "--aptopt=APT::Install-Recommends \"false\"",
             "--dpkgopt=path-exclude=/usr/share/doc/*",
             "--dpkgopt=path-exclude=/usr/share/man/*",
             "--dpkgopt=path-exclude=/usr/share/locale/*",
             SUITE, str(tmp), mirror()],
            capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            tail = "\n".join((r.stdout + r.stderr).splitlines()[-30:])
            raise RuntimeError("mmdebstrap failed (%d):\n%s"
                               % (r.returncode, tail))
        os.rename(tmp, root_dir())
        (entry() / "stamp").write_text(" ".join(PACKAGES) + "\n")
        print("deb13_root: built in %.0f s" % (time.monotonic() - t0),
              file=log, flush=True)
        return root_dir()


if __name__ == "__main__":
    print(build())
