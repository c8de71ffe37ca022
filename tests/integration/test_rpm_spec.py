# SPDX-License-Identifier: GPL-2.0-or-later
"""test_rpm_spec.py - contrib/fedora/passt.spec parses, names exactly what
`make install` installs, and is split like debian/.

Theory of operation: `rpmspec -P` (Debian's rpm package) expands the spec;
its %files sections are read back (directives such as %config(noreplace)
and %dir taken off, %doc and %license left out, since make install has no
part in them) and matched, globs included, against the files `make install
DESTDIR=... PREFIX=/usr AA_USERNS=no` puts in a temporary root: each
installed file must be claimed by exactly one entry of one package, each
entry must claim something. passt-selinux must hold /usr/share/selinux and
nothing else, as in debian/; the package names and the version must be
those of debian/control and debian/changelog when the tree has them.
Bonus, where rpmbuild is installed: `make dist` of HEAD (cloned) is built
with `rpmbuild -bb --nodeps --nocheck` (the BuildRequires are Fedora's
names, unknown to this rpm database; %check is make unit, which `make
check` runs anyway), the two packages must list what make install
installs, and the packaged passt must report the spec's version. About
10 s without the bonus, 60 s with it.
"""

import fnmatch
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

import topo as T
from test_dist import clean_env, git_top

SPEC = T.REPO / "contrib" / "fedora" / "passt.spec"
SECTION = re.compile(
    r"^%(package|description|prep|build|install|check|clean|files|"
    r"changelog|pre|post|preun|postun|pretrans|posttrans|verifyscript|"
    r"trigger\w*|filetrigger\w*|transfiletrigger\w*)\b(.*)$")
# Directives in front of a %files entry: dropped, or telling its kind
PREFIXES = re.compile(r"^%(config|attr|defattr|verify|lang|caps)"
                      r"(\([^)]*\))?\s+|^%(ghost|exclude)\s+")


def need_rpmspec():
    T.need(shutil.which("rpmspec") is not None,
           "rpmspec is not installed (Debian package rpm)")


def expand(*extra):
    need_rpmspec()
    r = T.run(["rpmspec", "-P", str(SPEC)] + list(extra), timeout=60)
    assert r.returncode == 0, r.stderr
    return r


def query(fmt):
    r = T.run(["rpmspec", "-q", "--srpm", "--qf", fmt, str(SPEC)],
              timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def files_sections(text):
    """{package: ([(path glob, is_dir)], [doc entries])} of the expanded
    spec."""
    name = None
    out = {}
    cur = None
    for line in text.splitlines():
        m = SECTION.match(line)
        if m:
            cur = None
            if m.group(1) == "files":
                args = m.group(2).split()
                if "-n" in args:
                    pkg = args[args.index("-n") + 1]
                elif args and not args[0].startswith("-"):
                    pkg = "%s-%s" % (name, args[0])
                else:
                    pkg = name
                cur = out.setdefault(pkg, ([], []))
            continue
        if name is None:
            m = re.match(r"^Name:\s*(\S+)", line)
            if m:
                name = m.group(1)
        if cur is None:
            continue
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        is_dir = False
        while True:
            m = PREFIXES.match(entry)
            if m:
                entry = entry[m.end():]
                continue
            if entry.startswith("%dir "):
                is_dir, entry = True, entry[5:].strip()
                continue
            break
        if entry.startswith(("%doc", "%license")):
            cur[1].append(entry)
            continue
        assert entry.startswith("/"), "unexpanded %%files entry: %r" % line
        cur[0].append((entry, is_dir))
    return out


def make_install(dest):
    """Files and directories `make install` puts under @dest."""
    ver = T.REPO / "build" / ".version"
    args = ["make", "-C", str(T.REPO), "-s", "install", "DESTDIR=%s" % dest,
            "PREFIX=/usr", "AA_USERNS=no"]
    if ver.exists():                     # the existing build, not rebuilt
        args.append("VERSION=" + ver.read_text().strip())
    r = T.run(args, timeout=600, env=clean_env())
    assert r.returncode == 0, r.stdout + r.stderr
    files, dirs = set(), set()
    for root, ds, fs in os.walk(str(dest)):
        rel = "/" + os.path.relpath(root, str(dest))
        rel = "/" if rel == "/." else rel
        for d in ds:
            dirs.add(os.path.join(rel, d))
        for f in fs:
            files.add(os.path.join(rel, f))
    return files, dirs


def claims(glob, path):
    return fnmatch.fnmatchcase(path, glob) or path.startswith(glob + "/")


@pytest.fixture
def work():
    """A directory under /tmp the test user may enter."""
    d = Path(tempfile.mkdtemp(prefix="passt-rpm-", dir="/tmp"))
    os.chmod(str(d), 0o755)
    yield d
    if os.environ.get("KEEP_TMP"):
        print("rpm test files kept in %s" % d)
    else:
        shutil.rmtree(str(d), ignore_errors=True)


@pytest.fixture(scope="module")
def installed():
    T.need(shutil.which("make") is not None, "make is not installed")
    T.need(os.path.exists("/usr/share/selinux/devel/Makefile"),
           "selinux-policy-dev is not installed (make install builds the "
           "SELinux modules)")
    d = Path(tempfile.mkdtemp(prefix="passt-rpm-inst-", dir="/tmp"))
    try:
        yield make_install(d)
    finally:
        shutil.rmtree(str(d), ignore_errors=True)


def test_spec_parses():
    """rpmspec -P expands the spec without an error or a warning."""
    r = expand()
    assert "%files" in r.stdout
    bad = [ln for ln in r.stderr.splitlines()
           if re.search(r"error|warning", ln, re.I)]
    assert not bad, bad


def test_files_match_make_install(installed):
    """Each file make install installs is in exactly one %files entry of
    one package; each entry names something installed."""
    files, dirs = installed
    sections = files_sections(expand().stdout)
    assert set(sections) == {"passt", "passt-selinux"}, sections.keys()
    owner = {f: [] for f in files}
    for pkg, (entries, _) in sections.items():
        for glob, is_dir in entries:
            if is_dir:
                assert glob in dirs, "%s: %%dir %s not installed" % (pkg,
                                                                     glob)
                continue
            hit = [f for f in files if claims(glob, f)]
            assert hit, "%s: %s matches nothing installed" % (pkg, glob)
            for f in hit:
                owner[f].append((pkg, glob))
    missing = sorted(f for f, o in owner.items() if not o)
    twice = sorted((f, o) for f, o in owner.items() if len(o) > 1)
    assert not missing, "installed, in no %%files: %s" % missing
    assert not twice, "in more than one %%files entry: %s" % twice


def test_split_as_debian():
    """passt-selinux is /usr/share/selinux and only that; the package names
    and version are debian/'s, where the tree has debian/."""
    sections = files_sections(expand().stdout)
    for pkg, (entries, _) in sections.items():
        for glob, _ in entries:
            se = glob.startswith("/usr/share/selinux/")
            assert se == (pkg == "passt-selinux"), (pkg, glob)
    control = T.REPO / "debian" / "control"
    changelog = T.REPO / "debian" / "changelog"
    if not control.exists() or not changelog.exists():
        pytest.skip("no debian/control and debian/changelog in this tree "
                    "to compare with")
    debs = set(re.findall(r"^Package:\s*(\S+)", control.read_text(), re.M))
    assert debs == set(sections), (debs, set(sections))
    m = re.match(r"^\S+ \(([^)]+)\)", changelog.read_text())
    upstream = re.sub(r"-[^-]*$", "", m.group(1))   # no Debian revision
    upstream = re.sub(r"^\d+:", "", upstream)         # no epoch
    assert query("%{VERSION}\n").split()[0] == upstream


def test_rpmbuild(installed, work):
    """Bonus: the spec builds from `make dist` with rpmbuild, into packages
    holding what make install installs, and passt reports the version."""
    for prog in ("rpmbuild", "rpm2archive", "git"):
        T.need(shutil.which(prog) is not None,
               prog + " is not installed (Debian package rpm)")
    top = git_top()
    T.need(top is not None, "no git checkout to take HEAD from")
    version = query("%{VERSION}\n").split()[0]
    clone = work / "src"
    r = T.run(["git", "-c", "safe.directory=*", "clone", "-q",
               "--no-hardlinks", top, str(clone)], timeout=120)
    assert r.returncode == 0, r.stderr
    r = T.run(["make", "-s", "-C", str(clone), "dist", "VERSION=" + version],
              timeout=120, env=clean_env())
    assert r.returncode == 0, r.stdout + r.stderr
    topdir = work / "rpm"
    (topdir / "SOURCES").mkdir(parents=True)
    shutil.move(str(clone / ("passt-%s.tar.xz" % version)),
                str(topdir / "SOURCES"))
    spec = clone / SPEC.relative_to(T.REPO)
    r = T.run(["rpmbuild", "-bb", "--nodeps", "--nocheck",
               "--define", "_topdir %s" % topdir, str(spec)],
              timeout=900, env=clean_env())
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    rpms = sorted((topdir / "RPMS").glob("*/*.rpm"))
    names = sorted(p.name.split("-" + version)[0] for p in rpms)
    assert names == ["passt", "passt-selinux"], rpms
    listed = set()
    for p in rpms:
        r = T.run(["rpm", "-qlp", str(p)], timeout=60)
        assert r.returncode == 0, r.stderr
        listed |= set(r.stdout.split())
    files, dirs = installed
    listed = {f for f in listed
              if not f.startswith(("/usr/lib/.build-id", "/usr/share/doc/"))}
    assert listed - dirs == files

    main = [p for p in rpms if p.name.startswith("passt-" + version)][0]
    root = work / "root"
    root.mkdir()
    r = T.run(["sh", "-c", "rpm2archive - < '%s' | tar -C '%s' -xzf -"
               % (main, root)], timeout=120)
    assert r.returncode == 0, r.stderr
    u = T.ensure_user()
    r = T.run(["setpriv", "--reuid", str(u.pw_uid), "--regid",
               str(u.pw_gid), "--clear-groups",
               str(root / "usr" / "bin" / "passt"), "--version"], cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "passt " + version
