# SPDX-License-Identifier: GPL-2.0-or-later
"""test_dist.py - `make dist`, and builds that depend on neither where nor
when they run.

Theory of operation: HEAD of our git tree is cloned into a temporary
directory (a clean tree whatever the checkout looks like) and `make dist`
runs there twice: the two tarballs must be the same bytes, with sorted
names, owner 0 and every entry dated the commit. A modified tracked file
must make `make dist` fail with a message saying why. The tarball is then
unpacked into two directories of different path lengths and built in each
(`make -j2 passt pasta man`) with a `git` first in PATH that records its
calls and fails, and SOURCE_DATE_EPOCH unset: git must not be needed,
`make version` and `passt --version` must give the version of the tarball,
the two builds must be byte-identical (tools, library, man pages), and no
build directory may appear in any of them. Last, the flags stamp: a changed
CFLAGS rebuilds an object, the same one does not, and our own flags stay.
Root is not needed for any of it, but the unprivileged test user runs the
tool. About 90 s on two cores, most of it the two builds.

When tests/integration/run copied the tree without .git, the checkout it
came from ($PASST_GIT_TOP, which run exports) is cloned instead.
"""

import filecmp
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

import topo as T

BUILD_TIMEOUT = 600


def git_top():
    """The git checkout to clone: ours, or the one run copied us from."""
    for top in (str(T.REPO), os.environ.get("PASST_GIT_TOP", "")):
        if top and os.path.exists(os.path.join(top, ".git")):
            return top
    return None


def run(args, cwd, timeout=BUILD_TIMEOUT, env=None):
    return T.run(args, cwd=str(cwd), timeout=timeout, env=env)


def make(cwd, *args, env=None, timeout=BUILD_TIMEOUT):
    r = run(["make", "-s"] + list(args), cwd, timeout=timeout, env=env)
    return r


def clean_env(extra_path=None):
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    for v in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "VERSION", "GIT_DIR",
              "GIT_WORK_TREE", "MAKEFLAGS"):
        env.pop(v, None)
    env["PATH"] = T.SAFE_PATH
    if extra_path:
        env["PATH"] = extra_path + ":" + env["PATH"]
    return env


@pytest.fixture(scope="module")
def work():
    d = Path(tempfile.mkdtemp(prefix="passt-dist-", dir="/tmp"))
    os.chmod(d, 0o755)
    yield d
    if os.environ.get("KEEP_TMP"):
        print("dist test files kept in %s" % d)
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def dist(work):
    """(clone, tarball path, first tarball's bytes, commit time)."""
    for prog in ("git", "make", "tar", "xz", "cc", "scdoc"):
        T.need(shutil.which(prog) is not None, prog + " is not installed")
    top = git_top()
    T.need(top is not None, "no git checkout to take HEAD from (%s has no "
           ".git and PASST_GIT_TOP is unset)" % T.REPO)
    clone = work / "clone"
    r = T.run(["git", "-c", "safe.directory=*", "clone", "-q",
               "--no-hardlinks", top, str(clone)], timeout=120)
    assert r.returncode == 0, r.stderr
    env = clean_env()
    r = make(clone, "version", env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    version = r.stdout.strip()
    assert version and version != "unknown" and "dirty" not in version
    tarball = clone / ("passt-%s.tar.xz" % version)

    r = make(clone, "dist", env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    first = tarball.read_bytes()
    time.sleep(1.1)                     # a date from the clock would differ
    tarball.unlink()
    r = make(clone, "dist", env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    ct = T.run(["git", "-C", str(clone), "log", "-1", "--format=%ct"],
               check=True).stdout.strip()
    return clone, tarball, version, first, int(ct)


def test_dist_reproducible(dist):
    """Two `make dist` runs give the same bytes: sorted names, owner 0,
    modes without group/other write, every entry dated the commit, and a
    VERSION file with the version."""
    clone, tarball, version, first, ctime = dist
    assert tarball.read_bytes() == first, "make dist twice: bytes differ"
    with tarfile.open(str(tarball), "r:xz") as tf:
        members = tf.getmembers()
        names = [m.name for m in members]
        top = "passt-%s" % version
        assert all(n == top or n.startswith(top + "/") for n in names)
        # GNU tar --sort=name: each directory's entries sorted, depth first
        for m in members:
            assert (m.uid, m.gid) == (0, 0), m.name
            assert m.mtime == ctime, (m.name, m.mtime, ctime)
            assert not m.mode & 0o022, (m.name, oct(m.mode))
        siblings = {}
        for n in names:
            parent, _, base = n.rpartition("/")
            siblings.setdefault(parent, []).append(base)
        for parent, kids in siblings.items():
            assert kids == sorted(kids), parent
        v = tf.extractfile(top + "/VERSION").read().decode()
        assert v.strip() == version
        assert top + "/Makefile" in names
        assert not any("/.git/" in n for n in names)
    # what git tracks, and only that, plus VERSION
    tracked = T.run(["git", "-C", str(clone), "ls-files"],
                    check=True).stdout.split()
    files = {n[len(top) + 1:] for n, m in zip(names, members) if m.isfile()}
    assert files == set(tracked) | {"VERSION"}


def test_dist_refuses_dirty_tree(dist):
    """A modified tracked file: make dist fails and says why; no tarball."""
    clone, tarball, version, first, ctime = dist
    readme = clone / "README.md"
    old = readme.read_text()
    tarball.unlink()
    try:
        readme.write_text(old + "\nlocal change\n")
        r = make(clone, "dist", "VERSION=" + version, env=clean_env(),
                 timeout=60)
        assert r.returncode != 0, "make dist accepted a dirty tree"
        assert "uncommitted changes" in r.stdout + r.stderr
        assert not tarball.exists()
    finally:
        readme.write_text(old)
    r = make(clone, "dist", env=clean_env(), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert tarball.read_bytes() == first


@pytest.fixture(scope="module")
def builds(dist, work):
    """The tarball unpacked in two directories and built in each without
    git: [(dir, make output), ...]."""
    clone, tarball, version, first, ctime = dist
    fake = work / "fakebin"
    fake.mkdir()
    calls = work / "git-calls"
    (fake / "git").write_text("#!/bin/sh\necho \"$*\" >> %s\nexit 127\n"
                              % calls)
    os.chmod(fake / "git", 0o755)
    own = work / tarball.name          # the first one, whatever came after
    own.write_bytes(first)
    out = []
    for name in ("a", "a-much-longer-directory-name"):
        d = work / name
        d.mkdir()
        with tarfile.open(str(own), "r:xz") as tf:
            tf.extractall(str(d))
        src = d / ("passt-%s" % version)
        r = make(src, "-j2", "passt", "pasta", "man",
                 env=clean_env(str(fake)))
        assert r.returncode == 0, r.stdout + r.stderr
        out.append(src)
    assert not calls.exists(), "git was called: " + calls.read_text()
    return out


def test_tarball_builds_without_git(dist, builds):
    """make version and passt --version (run by the test user) give the
    tarball's version, with no git about."""
    version = dist[2]
    for src in builds:
        r = make(src, "version", env=clean_env("/nonexistent"), timeout=30)
        assert r.returncode == 0 and r.stdout.strip() == version, r
        u = T.ensure_user()
        r = T.run(["setpriv", "--reuid", str(u.pw_uid), "--regid",
                   str(u.pw_gid), "--clear-groups", str(src / "passt"),
                   "--version"], cwd="/")
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0] == "passt " + version


def test_two_directories_same_bytes(builds):
    """The same tree built in two directories: identical tools, library and
    man pages, none holding a build path or today's date."""
    a, b = builds
    files = ["passt", "pasta", "build/libcommon.a"]
    files += ["build/man/" + p.name for p in sorted((a / "build/man")
                                                     .glob("*.1"))]
    assert len(files) > 3
    today = time.strftime("%Y-%m-%d").encode()
    for f in files:
        assert filecmp.cmp(str(a / f), str(b / f), shallow=False), \
            "%s differs between %s and %s" % (f, a, b)
        for d in (a, b):
            data = (d / f).read_bytes()
            for path in (str(d), str(d.parent)):
                assert path.encode() not in data, "%s has %s" % (f, path)
            if f.startswith("build/man/"):
                assert today not in data, "%s is dated" % f


def test_flags_stamp(builds):
    """The caller's CFLAGS reach the compiler after ours, a change rebuilds,
    the same flags again rebuild nothing; their _FORTIFY_SOURCE replaces
    ours; our warnings stay, last."""
    src = builds[0]
    obj = sorted((src / "build" / "libcommon").glob("*/*.o"))[0]
    obj = str(obj.relative_to(src))
    env = clean_env()
    flags = ["CFLAGS=-O1 -g -Wformat", "CPPFLAGS=-D_FORTIFY_SOURCE=3"]
    r = run(["make", "V=1", obj] + flags, src, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    cmd = [ln for ln in r.stdout.splitlines() if " -c " in ln]
    assert len(cmd) == 1, r.stdout
    words = cmd[0].split()
    assert "-O1" in words and "-D_FORTIFY_SOURCE=3" in words
    assert "-D_FORTIFY_SOURCE=2" not in words and "-O2" not in words
    assert words.index("-Wformat=2") > words.index("-Wformat")
    assert "-Werror" in words and "-fPIE" in words
    assert "-ffile-prefix-map=%s=." % src in words
    r = run(["make", "V=1", obj] + flags, src, env=env, timeout=120)
    assert r.returncode == 0 and " -c " not in r.stdout, r.stdout
    r = run(["make", "V=1", obj], src, env=env, timeout=120)
    assert " -c " in r.stdout and "-D_FORTIFY_SOURCE=2" in r.stdout


def test_make_version_order(tmp_path):
    """VERSION file, else git describe (of this tree only), else
    debian/changelog, else unknown."""
    d = tmp_path / "tree"
    (d / "debian").mkdir(parents=True)
    shutil.copy(str(T.REPO / "Makefile"), str(d / "Makefile"))
    env = clean_env()

    def version():
        r = make(d, "version", env=env, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    # inside a git tree that isn't ours: its describe is not our version
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert version() == "unknown"
    (d / "debian" / "changelog").write_text(
        "passt (1.2.3) unstable; urgency=medium\n\n  * x\n\n"
        " -- A <a@example.org>  Mon, 07 Dec 2026 00:00:00 +0000\n")
    assert version() == "1.2.3"
    (d / "VERSION").write_text("4.5.6\n")
    assert version() == "4.5.6"
