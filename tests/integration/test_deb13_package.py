# SPDX-License-Identifier: GPL-2.0-or-later
"""test_deb13_package.py - our Debian packages (debian/), built from a clean
clone, installed with apt into the Debian 13 root, used, and removed.

Theory of operation: once per module,

* build: the tree under test is cloned with git (what is committed, as a
  distribution would take it; with the integration runner's copy, from
  the checkout it was copied from, $PASST_GIT_TOP) into a Deb13
  overlay environment on the cached Debian 13 root (deb13_env.py; no tool
  of ours copied in), where `dpkg-buildpackage -us -uc -b` runs as root
  with DEB_BUILD_OPTIONS="nocheck parallel=2" and the root's own
  Build-Depends (deb13_root.py: no git there, so the version is
  debian/changelog's).  In the same clone, `make install PREFIX=/usr
  DESTDIR=...` lists what the Makefile installs.  The .debs are copied
  out and the environment thrown away.
* install: the root is booted with systemd 257 as PID 1 (deb13_pid1.py,
  --volatile=overlay: the cached root is never written), the .debs bound
  read-only on /debs.  The root's own passt (Debian 13's, the reference
  of other tests) is purged first, the user `tester` (UID 1000) added,
  then a snapshot of the file system is taken (paths and types, see
  SNAPSHOT_PRUNE for what is left out and why) and `apt install
  ./*.deb` runs offline (no apt source: everything it needs is in the
  root; the container's network is the topology's `host` anyway).

Then the installed files are used where they were installed: pasta as
tester, the units under systemd, the AppArmor profiles parsed from
/etc/apparmor.d, the SELinux modules in selinux-policy-default's store
(put there by passt-selinux's postinst).  The last test removes and purges
the packages and compares the file system with the first snapshot.
About 3 minutes: the build (1-2 min), one boot, and semodule rebuilding
the store on install and remove.
"""

import glob
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

import deb13_env
import guest_bridge as GB
import topo as T
from deb13_pid1 import Container

PKGS = ("passt", "passt-selinux")
BUILD = "/build"
CLONE = BUILD + "/passt"
MAKE_DESTDIR = BUILD + "/make-install"
DEBS = "/debs"
USER, UID = deb13_env.USER, deb13_env.UID
# Where the package's units and tools must be
UNIT = "/usr/lib/systemd/system/passt@.service"
AA_FEATURES = "/usr/share/apparmor-features/features"
SELINUX_STORE = "/var/lib/selinux/default/active"
# Offline: no source at all (an empty list, an empty directory, made by
# the fixture in /run), so apt can't download: a dependency that isn't in
# the root fails at once.  (--no-download refuses local .debs.)
NO_SOURCES = "/run/passt-test-no-sources"
APT = ["env", "DEBIAN_FRONTEND=noninteractive", "apt", "-y", "-q",
       "-o", "Dir::Etc::SourceList=%s/sources.list" % NO_SOURCES,
       "-o", "Dir::Etc::SourceParts=%s/sources.list.d" % NO_SOURCES,
       "-o", "Dpkg::Use-Pty=0", "-o", "APT::Install-Recommends=false"]

# Left out of the file system snapshots, each for a reason:
SNAPSHOT_PRUNE = (
    # virtual file systems and tmpfs of the container: never package
    # content, and systemd's and the services' run-time state
    "/proc", "/sys", "/dev", "/run", "/tmp",
    # where the .debs are bound in, read-only
    DEBS,
    # logs: apt's and dpkg's own records of the operations, the journal,
    # and LogsDirectory= of passt@.service; dpkg never removes logs
    "/var/log",
    # apt's binary caches, rebuilt by every apt run
    "/var/cache/apt",
    # apt's state: package lists and which packages were installed
    # automatically
    "/var/lib/apt",
    # debconf's work directory: apt's dpkg-preconfigure extracts the
    # templates of whatever it installs there (ours have none)
    "/var/cache/debconf/tmp.ci",
    # man-db's index, which its trigger rebuilds when man pages come or
    # go (the root had none before ours); man-db's file, not ours
    "/var/cache/man/index.db",
)
# A priority directory of a SELinux policy store: libsemanage creates
# it for the first module installed at that priority (passt-selinux:
# 200) and leaves it, empty, when the last one is removed; the layout of
# the store is libsemanage's, not the package's.  Allowed only empty.
SELINUX_PRIORITY = re.compile(r"^/var/lib/selinux/[^/]+/active/modules/"
                              r"[0-9]+$")
# dpkg's own database, whose files stay (status, available, the -old
# backups it writes on every run, triggers): only info/, where each
# package's file list and maintainer scripts are, is compared
DPKG_DB = "/var/lib/dpkg"
# mmdebstrap's path-exclude= lines for /usr/share/{doc,man,locale}
DPKG_EXCLUDES = "/etc/dpkg/dpkg.cfg.d/99mmdebstrap"


def source_tree():
    """The checkout the tests run from, or the one the runner copied."""
    return Path(os.environ.get("PASST_GIT_TOP") or T.REPO)


class Built:
    """The .debs (in .dir on the machine) and make install's file list."""

    def __init__(self, outdir, commit, secs, installed):
        self.dir = outdir
        self.commit = commit
        self.secs = secs
        self.make_install = installed

    def debs(self):
        return sorted(Path(p).name for p in glob.glob(str(self.dir /
                                                          "*.deb")))


def build_debs(topo, outdir):
    """Clone, dpkg-buildpackage inside Debian 13, make install: a Built."""
    src = source_tree()
    T.need(shutil.which("git") is not None, "git is not installed")
    T.need((src / ".git").exists(),
           "%s is not a git checkout (set PASST_GIT_TOP)" % src)
    commit = T.run(["git", "-C", str(src), "rev-parse", "HEAD"],
                   check=True).stdout.strip()
    env = deb13_env.Deb13(topo, tools=())
    try:
        env.start()
    except RuntimeError as e:
        T.need(False, str(e))
    try:
        # git resolves /proc/PID/root/...: clone here, copy in
        tmp = outdir / "clone"
        r = T.run(["git", "clone", "-q", "--no-hardlinks", str(src),
                   str(tmp)], timeout=300)
        assert r.returncode == 0, r.stderr
        clone = env.path(CLONE)
        clone.parent.mkdir(parents=True)
        T.run(["cp", "-a", str(tmp), str(clone)], timeout=300, check=True)
        shutil.rmtree(tmp)
        assert (clone / "debian" / "control").exists(), \
            "no debian/control in %s at %s" % (src, commit)
        t0 = time.monotonic()
        r = env.sh("cd %s && DEB_BUILD_OPTIONS='nocheck parallel=2' "
                   "dpkg-buildpackage -us -uc -b >%s/log 2>&1"
                   % (CLONE, BUILD), timeout=1200, check=False)
        secs = time.monotonic() - t0
        log = env.path(BUILD + "/log").read_text(errors="replace")
        assert r.returncode == 0, "dpkg-buildpackage failed:\n" + log[-5000:]
        for p in glob.glob(str(env.path(BUILD)) + "/*.deb"):
            shutil.copy(p, outdir)
            os.chmod(outdir / Path(p).name, 0o644)
        t0 = time.monotonic()
        r = env.sh("make -C %s -s -j2 install PREFIX=/usr DESTDIR=%s "
                   ">/dev/null && cd %s && find . ! -type d"
                   % (CLONE, MAKE_DESTDIR, MAKE_DESTDIR),
                   timeout=600, check=False)
        assert r.returncode == 0, "make install: %s%s" % (r.stdout,
                                                          r.stderr)
        installed = {ln[1:] for ln in r.stdout.splitlines()}
        print("make install (rebuilds with its own flags): %.0f s"
              % (time.monotonic() - t0))
        return Built(outdir, commit, secs, installed)
    finally:
        env.stop()


def snapshot(box):
    """{path: type} of the container's file system (find's %y), without
    SNAPSHOT_PRUNE, and of dpkg's database only info/."""
    prune = " -o ".join("-path %s" % p for p in SNAPSHOT_PRUNE)
    script = ("find / -xdev \\( %s \\) -prune -o -path %s -prune -o "
              "-printf '%%y %%p\\n'; find %s/info -printf '%%y %%p\\n'"
              % (prune, DPKG_DB, DPKG_DB))
    r = box.run(["sh", "-c", script], timeout=120, check=True)
    snap = {}
    for ln in r.stdout.splitlines():
        kind, _, path = ln.partition(" ")
        snap[path] = kind
    assert "/usr/bin/apt-get" in snap, r.stdout[:1000]
    return snap


def diff(before, after):
    """Lines describing what @after has that @before hadn't, and back
    (but for empty SELINUX_PRIORITY directories)."""
    out = []
    for p in sorted(set(before) | set(after)):
        a, b = before.get(p), after.get(p)
        if a is None and b == "d" and SELINUX_PRIORITY.match(p) and \
                not any(q.startswith(p + "/") for q in after):
            continue
        if a != b:
            out.append("%s %s -> %s" % (p, a or "(none)", b or "(none)"))
    return out


def pkg_files(box, pkg):
    """dpkg -L @pkg, files and links only (no directories)."""
    r = box.run(["dpkg", "-L", pkg], check=True)
    return {p for p in r.stdout.splitlines()
            if p.startswith("/") and not box.path(p).is_dir()}


@pytest.fixture(scope="module")
def built(topo):
    T.need(os.geteuid() == 0, "needs root")
    deb13_env.need_root()
    outdir = Path(tempfile.mkdtemp(prefix="passt-debs-", dir="/var/tmp"))
    os.chmod(outdir, 0o755)
    try:
        b = build_debs(topo, outdir)
        print("built %s at %s in %.0f s: %s"
              % (source_tree(), b.commit[:12], b.secs, " ".join(b.debs())))
        yield b
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


@pytest.fixture(scope="module")
def box(topo, built):
    """The root booted with systemd, our .debs installed with apt."""
    T.need(shutil.which("systemd-nspawn") is not None,
           "systemd-nspawn is not installed (systemd-container)")
    root = deb13_env.need_root()
    c = Container(topo, root, [(built.dir, DEBS)]).start()
    try:
        c.run(["useradd", "-m", "-u", UID, "-s", "/bin/sh", USER],
              check=True)
        # The root leaves documentation out (deb13_root.py): not ours
        c.run(["rm", DPKG_EXCLUDES], check=True)
        # Debian 13's own passt package (deb13_root.PACKAGES, the
        # reference of other tests): ours takes its place
        if c.run(["dpkg-query", "-W", "passt"]).returncode == 0:
            c.run(["dpkg", "--purge", "passt"], timeout=60, check=True)
        c.run(["sh", "-c", "mkdir -p {0}/sources.list.d && "
               ": > {0}/sources.list".format(NO_SOURCES)], check=True)
        c.before = snapshot(c)
        debs = ["%s/%s" % (DEBS, d) for d in built.debs()]
        t0 = time.monotonic()
        r = c.run(APT + ["install"] + debs, timeout=600)
        print("apt install: %.1f s" % (time.monotonic() - t0))
        assert r.returncode == 0, r.stdout + r.stderr
        c.apt_install = r
        c.removed = False
        yield c
    finally:
        c.stop()


def need_installed(box):
    if box.removed:
        pytest.fail("packages removed by an earlier test")


# -- the build ----------------------------------------------------------------
def test_packages_built(built):
    """passt (arch), passt-selinux (all) and passt's -dbgsym, one each."""
    debs = built.debs()
    for prefix, arch in (("passt_", "amd64"), ("passt-selinux_", "all"),
                         ("passt-dbgsym_", "amd64")):
        names = [d for d in debs if d.startswith(prefix)]
        assert len(names) == 1 and names[0].endswith("_%s.deb" % arch), \
            debs


# -- what got installed -------------------------------------------------------
def test_installed_cleanly(box):
    """dpkg has both packages installed, and dpkg --verify finds every
    file of theirs intact."""
    for p in PKGS:
        r = box.run(["dpkg-query", "-W", "-f=${Status}", p], check=True)
        assert r.stdout == "install ok installed", r.stdout
    r = box.run(["dpkg", "--verify"] + list(PKGS))
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_dpkg_list_is_make_install(box, built):
    """dpkg -L passt passt-selinux (files and links) is exactly what make
    install PREFIX=/usr installs, but for the man pages' .gz and each
    package's /usr/share/doc/<pkg>/{changelog.gz,copyright}."""
    need_installed(box)
    listed = set()
    for p in PKGS:
        files = pkg_files(box, p)
        for extra in ("changelog.gz", "copyright"):
            doc = "/usr/share/doc/%s/%s" % (p, extra)
            assert doc in files, (p, sorted(files))
            files.discard(doc)
        assert not listed & files, listed & files
        listed |= files
    listed = {f[:-3] if f.startswith("/usr/share/man/") and
              f.endswith(".gz") else f for f in listed}
    assert listed == built.make_install, \
        ("only in the packages: %s; only in make install: %s"
         % (sorted(listed - built.make_install),
            sorted(built.make_install - listed)))


def test_pasta_config_net_as_user(box, topo):
    """/usr/bin/pasta (the package's: nothing in /usr/local/bin) as
    tester: --config-net copies the host's addresses into the namespace."""
    need_installed(box)
    r = box.run(["dpkg", "-S", "/usr/bin/pasta"], check=True)
    assert r.stdout.startswith("passt: "), r.stdout
    assert not box.run(["sh", "-c", "ls /usr/local/bin/pas*"]).stdout
    r = box.run(["setpriv", "--reuid=%d" % UID, "--regid=%d" % UID,
                 "--init-groups", "env", "-i", "HOME=/home/" + USER,
                 "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                 "sh", "-c", "command -v pasta; exec pasta --config-net "
                 "-- ip -o address show"], timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "/usr/bin/pasta", lines
    assert any(" inet %s/" % T.HOST4 in ln for ln in lines), r.stdout
    assert any(" inet6 %s/" % T.HOST6 in ln for ln in lines), r.stdout


def test_socket_activation_with_installed_units(box):
    """systemctl start passt@vm.socket: the installed units (from
    /usr/lib/systemd/system), the socket listening; a connection starts
    passt@vm.service, /usr/bin/passt, which answers DHCP; stopping both
    leaves no passt."""
    need_installed(box)
    box.run(["systemctl", "start", "passt@vm.socket"], check=True)
    try:
        st = box.show("passt@vm.socket", "ActiveState", "SubState",
                      "FragmentPath")
        assert st == {"ActiveState": "active", "SubState": "listening",
                      "FragmentPath": UNIT.replace("service", "socket")}, st
        sock = box.path("/run/passt/vm.socket")
        assert sock.is_socket()
        cl = GB.StreamClient(str(sock))
        try:
            offer = cl.dhcp_offer()
        finally:
            cl.close()
        assert GB.opt_addr(offer, 3) == T.GW4
        st = box.show("passt@vm.service", "ActiveState", "SubState",
                      "FragmentPath", "MainPID", "ExecStart")
        assert (st["ActiveState"], st["SubState"]) == ("active",
                                                       "running"), st
        assert st["FragmentPath"] == UNIT, st
        assert "path=/usr/bin/passt " in st["ExecStart"], st
        exe = os.readlink(box.path("/proc/%s/exe" % st["MainPID"]))
        assert exe == "/usr/bin/passt", exe
    finally:
        box.run(["systemctl", "stop", "passt@vm.socket",
                 "passt@vm.service"])
    assert T.wait_for(lambda: box.run(["pgrep", "-x", "passt"])
                      .returncode == 1, 5), box.run(["ps", "-ef"]).stdout
    assert not box.path("/run/passt/vm.socket").exists()


def test_apparmor_profiles_parse_installed(box):
    """apparmor_parser -Q -K -T (Debian 13's, with its pinned features
    file) accepts each profile passt installed in /etc/apparmor.d, with
    the abstractions it installed."""
    need_installed(box)
    T.need(box.path("/usr/sbin/apparmor_parser").exists(),
           "apparmor_parser missing in the Debian 13 root (apparmor)")
    feats = []
    if box.path(AA_FEATURES).exists():
        feats = ["--features-file", AA_FEATURES]
    profiles = sorted(p for p in pkg_files(box, "passt")
                      if os.path.dirname(p) == "/etc/apparmor.d")
    assert "/etc/apparmor.d/usr.bin.pasta" in profiles, profiles
    for p in profiles:
        r = box.run(["apparmor_parser", "-Q", "-K", "-T"] + feats + [p])
        assert r.returncode == 0, (p, r.stderr)


def selinux_modules(box):
    """Module names of passt-selinux's .pp files."""
    return sorted(os.path.basename(p)[:-3]
                  for p in pkg_files(box, "passt-selinux")
                  if p.endswith(".pp"))


def semodule_list(box):
    r = box.run(["semodule", "-l"], timeout=60, check=True)
    return set(r.stdout.split())


def test_selinux_modules_in_store(box):
    """passt-selinux's postinst put each of its modules into the policy
    store of selinux-policy-default."""
    need_installed(box)
    T.need(box.path(SELINUX_STORE).is_dir(),
           "no SELinux policy store in the Debian 13 root "
           "(selinux-policy-default)")
    mods = selinux_modules(box)
    assert "passt" in mods and "pasta" in mods, mods
    missing = set(mods) - semodule_list(box)
    assert not missing, missing


def test_remove_and_purge_leave_nothing(box, built):
    """apt remove takes the SELinux modules out of the store and leaves
    only the conffiles; apt purge leaves the file system as it was before
    the install (dh_apparmor's /etc/apparmor.d/local files, AppArmor's
    cache, the policy store's entries included)."""
    mods = selinux_modules(box)
    box.removed = True
    names = sorted({d.split("_")[0] for d in built.debs()})
    r = box.run(APT + ["remove"] + names, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    if box.path(SELINUX_STORE).is_dir():
        left = set(mods) & semodule_list(box)
        assert not left, left
    # left for purge: the conffiles, and dh_apparmor's empty local/
    # includes that postinst created
    local = box.path("/etc/apparmor.d/local/usr.bin.pasta")
    assert local.exists() and "/etc/apparmor.d/local/usr.bin.pasta" \
        not in box.before
    # what dpkg still knows of (conffiles, or a postrm for purge)
    left = [p for p in names if box.run(["dpkg-query", "-W", p])
            .returncode == 0]
    assert "passt" in left, left
    r = box.run(APT + ["purge"] + left, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    for p in names:
        r = box.run(["dpkg-query", "-W", "-f=${Status}", p])
        assert r.returncode != 0 or r.stdout.startswith("unknown"), \
            (p, r.stdout)
    d = diff(box.before, snapshot(box))
    assert not d, "\n".join(d[:100])
