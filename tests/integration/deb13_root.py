# SPDX-License-Identifier: GPL-2.0-or-later
"""deb13_root.py - the Debian 13 ("trixie") root that today's clients run from.

Theory of operation: podman 5, rootlesskit 2, libvirt 11, qemu 10, systemd 257
and upstream's passt of 2025-05 are Debian 13 packages; this machine is Debian
12.  They are used from a root directory that mmdebstrap builds from the same
mirror apt uses (shared/docs/test-infra/debian13-root.md), never installed
into the machine itself.

The root is built once per machine into a fixed cache directory, CACHE
(/var/cache/passt-tests/debian13 unless $PASST_DEB13_CACHE says otherwise),
and reused by every later run: a build goes to a temporary directory beside
it and is renamed into place only when mmdebstrap succeeded, with a stamp
file that names the package list it was built from.  A missing or stale
stamp (the list changed) means a rebuild; concurrent runs wait on a lock
file.  Nothing in the root is changed by the tests: every user of it mounts
an overlay or tmpfs over what it writes (deb13_env.py, test_deb13_*.py).

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


def stamp_text():
    """What the stamp file of a complete root holds."""
    h = hashlib.sha256(" ".join(sorted(PACKAGES)).encode()).hexdigest()
    return "%s %s\n" % (SUITE, h[:16])


def root_dir():
    return CACHE / "root"


def is_ready():
    """True if the cached root is complete and built from PACKAGES."""
    s = CACHE / "stamp"
    try:
        return s.read_text() == stamp_text() and (root_dir() / "usr").is_dir()
    except OSError:
        return False


def build(log=sys.stderr, timeout=1200):
    """Build the root if it is missing or stale; return its path.

    Raises RuntimeError with mmdebstrap's last lines on failure."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_ready():
            return root_dir()
        if shutil.which("mmdebstrap") is None:
            raise RuntimeError("mmdebstrap is not installed")
        tmp = CACHE / "root.new"
        old = CACHE / "root.old"
        for d in (tmp, old):
            if d.exists():
                subprocess.run(["rm", "-rf", "--one-file-system", str(d)],
                               check=True)
        (CACHE / "stamp").unlink(missing_ok=True)
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
        if root_dir().exists():
            os.rename(root_dir(), old)
            subprocess.run(["rm", "-rf", "--one-file-system", str(old)],
                           check=True)
        os.rename(tmp, root_dir())
        (CACHE / "stamp").write_text(stamp_text())
        print("deb13_root: built in %.0f s" % (time.monotonic() - t0),
              file=log, flush=True)
        return root_dir()


if __name__ == "__main__":
    print(build())
