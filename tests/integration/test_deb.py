# SPDX-License-Identifier: GPL-2.0-or-later
"""test_deb.py - the Debian packages: they build, reproducibly, lintian
finds nothing, they hold what make install installs, debian/copyright covers
the tree.

Theory of operation: a module-scoped fixture clones the tree under test
(its committed HEAD: git clone, so nothing untracked or uncommitted comes
along) twice, into two temporary directories of different names and
lengths, and runs dpkg-buildpackage -us -uc -b in each with
DEB_BUILD_OPTIONS=nocheck (make check runs the unit tests already). Every
test then reads those builds: the packages of the two must have the same
control and data members, byte for byte; lintian on the first (binary
packages, and the source package made by dpkg-source beside it) must print
no error or warning that is not overridden; the file list of passt must be
what make install (PREFIX=/usr) installs less what make install-selinux
installs, and that is passt-selinux's list. debian/copyright is checked
against git ls-files by a small DEP-5 reader, itself tested on a copyright
file with a gap.

When tests/integration/run copied the tree (no .git in the copy), the
original checkout is in $PASST_SRC_TOP.
"""

import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import topo as T  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900

# Environment a caller might have that would change the build: make's own
# (MAKEFLAGS of make integration), compiler flags, a version
DROP_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "CFLAGS",
            "CPPFLAGS", "LDFLAGS", "CC", "VERSION", "SOURCE_DATE_EPOCH",
            "DEB_BUILD_OPTIONS", "DEB_BUILD_PROFILES", "V")

# Files the deb has that make install does not: dh's, in the doc directory
DOC_EXTRAS = ("changelog.gz", "copyright")


def source_top():
    """The checkout under test: $PASST_SRC_TOP (set by the runner when it
    copied the tree), else this tree."""
    return Path(os.environ.get("PASST_SRC_TOP") or REPO)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
    env["LC_ALL"] = "C.UTF-8"
    env.update(extra)
    return env


def run(cmd, cwd=None, env=None, timeout=300):
    """Run @cmd, umask 022; fail the test with its output if it fails."""
    p = subprocess.run(cmd, cwd=cwd, env=env or clean_env(),
                       capture_output=True, text=True, timeout=timeout,
                       preexec_fn=lambda: os.umask(0o022))
    if p.returncode != 0:
        pytest.fail("%s failed (%d):\n%s\n%s" % (
            " ".join(map(str, cmd)), p.returncode, p.stdout[-4000:],
            p.stderr[-4000:]))
    return p.stdout


class Build:
    """One clone of the tree and the packages dpkg-buildpackage made."""

    def __init__(self, parent, src):
        self.parent = parent
        self.src = src
        self.debs = {}
        self.changes = None


def build_in(parent, top, name):
    parent.mkdir()
    b = Build(parent, parent / name)
    run(["git", "clone", "--quiet", "--no-hardlinks", str(top), str(b.src)])
    # the source package first, from the clean clone
    run(["dpkg-source", "-b", name], cwd=parent)
    p = subprocess.run(
        ["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=b.src,
        env=clean_env(DEB_BUILD_OPTIONS="nocheck parallel=2"),
        capture_output=True, text=True, timeout=BUILD_TIMEOUT,
        preexec_fn=lambda: os.umask(0o022))
    (parent / "build.log").write_text(p.stdout + p.stderr)
    if p.returncode != 0:
        pytest.fail("dpkg-buildpackage failed in %s (%d):\n%s" % (
            b.src, p.returncode, (p.stdout + p.stderr)[-6000:]))
    for deb in parent.glob("*.deb"):
        b.debs[deb.name.split("_")[0]] = deb
    changes = list(parent.glob("*.changes"))
    assert len(changes) == 1, changes
    b.changes = changes[0]
    b.dsc = next(parent.glob("*.dsc"))
    return b


@pytest.fixture(scope="module")
def builds():
    for prog in ("git", "dpkg-buildpackage", "dpkg-source", "dpkg-deb",
                 "dh", "dh_apparmor", "lintian"):
        T.need(shutil.which(prog) is not None,
               prog + " is not installed (apt-get install dpkg-dev "
               "debhelper dh-apparmor lintian git)")
    top = source_top()
    T.need((top / ".git").exists(),
           "%s is not a git checkout (set PASST_SRC_TOP)" % top)
    tmp = Path(tempfile.mkdtemp(prefix="passt-deb."))
    try:
        # two directories, names of different lengths: a build path in
        # the packages would make them differ
        yield [build_in(tmp / "a", top, "passt"),
               build_in(tmp / "bb", top, "passt-other-dir")]
    finally:
        if os.environ.get("KEEP_TMP"):
            print("package builds kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def changelog_version(src):
    return run(["dpkg-parsechangelog", "-l", str(src / "debian/changelog"),
                "-S", "Version"]).strip()


def tar_members(deb, part):
    """{name: (type, mode, uid, gid, mtime, linkname, sha256)} of the
    control (@part "ctrl") or data ("fsys") tar of @deb."""
    data = subprocess.run(["dpkg-deb", "--%s-tarfile" % part, str(deb)],
                          capture_output=True, check=True).stdout
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        for m in tf.getmembers():
            digest = None
            if m.isfile():
                digest = hashlib.sha256(tf.extractfile(m).read()).hexdigest()
            out[m.name] = (m.type, m.mode, m.uid, m.gid, m.mtime, m.linkname,
                           digest)
    return out


def deb_paths(deb):
    """Paths of the non-directory entries of @deb, and of its directories,
    without the leading '.'."""
    files, dirs = set(), set()
    for name, m in tar_members(deb, "fsys").items():
        p = "/" + name.lstrip("./")
        if m[0] == tarfile.DIRTYPE:
            dirs.add(p.rstrip("/") or "/")
        else:
            files.add(p)
    return files, dirs


def tree_files(root):
    return {"/" + str(p.relative_to(root)) for p in root.rglob("*")
            if not p.is_dir() or p.is_symlink()}


# ---------------------------------------------------------------- building


def test_packages_built(builds):
    """passt (this architecture), passt-selinux (all) and passt-dbgsym,
    versioned as debian/changelog says."""
    b = builds[0]
    version = changelog_version(b.src)
    arch = run(["dpkg-architecture", "-qDEB_HOST_ARCH"]).strip()
    names = sorted(d.name for d in b.debs.values())
    assert names == sorted([
        "passt_%s_%s.deb" % (version, arch),
        "passt-dbgsym_%s_%s.deb" % (version, arch),
        "passt-selinux_%s_all.deb" % version]), names
    assert b.dsc.name == "passt_%s.dsc" % version


def test_reproducible(builds):
    """The two builds, in directories of different names, give packages
    with the same control and data members, byte for byte."""
    a, b = builds
    assert sorted(a.debs) == sorted(b.debs)
    diffs = []
    for name in sorted(a.debs):
        for part in ("ctrl", "fsys"):
            ma, mb = tar_members(a.debs[name], part), \
                tar_members(b.debs[name], part)
            for m in sorted(set(ma) | set(mb)):
                if ma.get(m) != mb.get(m):
                    diffs.append("%s %s %s: %s != %s" % (
                        name, part, m, ma.get(m), mb.get(m)))
    assert not diffs, "builds differ:\n" + "\n".join(diffs)


def test_no_build_path(builds):
    """Neither build directory appears in any file of any package."""
    found = []
    for b in builds:
        needle = str(b.parent).encode()
        for name, deb in sorted(b.debs.items()):
            data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)],
                                  capture_output=True, check=True).stdout
            with tarfile.open(fileobj=io.BytesIO(data)) as tf:
                for m in tf.getmembers():
                    if not m.isfile():
                        continue
                    body = tf.extractfile(m).read()
                    if m.name.endswith(".gz"):
                        body = gzip.decompress(body)
                    if needle in body:
                        found.append("%s: %s" % (name, m.name))
    assert not found, "build path in: " + ", ".join(found)


def test_version_in_binaries(builds, tmp_path):
    """The tools say the package's version (-DVERSION from the changelog,
    git or not)."""
    b = builds[0]
    version = changelog_version(b.src)
    run(["dpkg-deb", "-x", str(b.debs["passt"]), str(tmp_path)])
    for tool in ("passt", "pasta", "pesto"):
        out = run([str(tmp_path / "usr/bin" / tool), "--version"])
        assert out.split("\n")[0] == "%s %s" % (tool, version), out


# ----------------------------------------------------------------- lintian


def lintian_problems(*paths):
    """Errors and warnings lintian prints for @paths (overridden ones are
    not printed: no --show-overrides)."""
    p = subprocess.run(["lintian", "--fail-on", "none"] + list(map(
        str, paths)), capture_output=True, text=True, timeout=600,
        env=clean_env())
    assert p.returncode == 0, p.stderr
    return [ln for ln in p.stdout.splitlines() if re.match(r"[EW]: ", ln)]


def test_lintian_clean(builds):
    """lintian: no error, no warning, on the binary packages (.changes)
    and on the source package, other than those overridden in debian/."""
    b = builds[0]
    problems = lintian_problems(b.changes, b.dsc)
    assert not problems, "\n".join(problems)


def test_lintian_overrides_have_reasons():
    """Every override in debian/ comes after a comment line saying why."""
    bad = []
    for f in sorted((REPO / "debian").rglob("*lintian-overrides")):
        prev = ""
        for ln in f.read_text().splitlines():
            if ln.strip() and not ln.startswith("#") and \
                    not prev.startswith("#"):
                bad.append("%s: %s" % (f.name, ln))
            prev = ln
    assert not bad, "overrides without a reason:\n" + "\n".join(bad)


# ------------------------------------------------ contents vs make install


@pytest.fixture(scope="module")
def installed(builds):
    """(everything, selinux only): paths make install and make
    install-selinux put under DESTDIR, in the tree of the first build."""
    b = builds[0]
    env = clean_env(SOURCE_DATE_EPOCH=run(
        ["dpkg-parsechangelog", "-S", "Timestamp"], cwd=b.src).strip())
    # the flags of the package build, so that nothing is built again
    for var in ("CFLAGS", "CPPFLAGS", "LDFLAGS"):
        env[var] = run(["dpkg-buildflags", "--get", var], cwd=b.src, env=dict(
            env, DEB_BUILD_MAINT_OPTIONS="hardening=+all")).strip()
    dest = b.parent / "inst"
    dest_se = b.parent / "inst-selinux"
    version = changelog_version(b.src)
    common = ["make", "-s", "PREFIX=/usr", "VERSION=" + version]
    run(common + ["install", "DESTDIR=%s" % dest], cwd=b.src, env=env,
        timeout=600)
    run(common + ["install-selinux", "DESTDIR=%s" % dest_se], cwd=b.src,
        env=env, timeout=600)
    return dest, dest_se


def without_docs(files, pkg):
    """@files less /usr/share/doc/@pkg/{changelog.gz,copyright}, which
    must both be there; anything else in a doc directory stays."""
    docs = {"/usr/share/doc/%s/%s" % (pkg, f) for f in DOC_EXTRAS}
    assert docs <= files, "missing: %s" % (docs - files)
    return files - docs


def gz_man(paths):
    """Man pages as dh ships them: compressed."""
    return {p + ".gz" if p.startswith("/usr/share/man/") else p
            for p in paths}


def test_passt_is_make_install_less_selinux(builds, installed):
    dest, dest_se = installed
    everything, selinux = tree_files(dest), tree_files(dest_se)
    assert selinux and selinux <= everything, selinux - everything
    files, dirs = deb_paths(builds[0].debs["passt"])
    assert without_docs(files, "passt") == gz_man(everything - selinux)
    # no directory of its own that holds nothing
    parents = {str(Path(f).parent) for f in files}
    empty = {d for d in dirs if d != "/" and
             not any(p == d or p.startswith(d + "/") for p in parents)}
    assert not empty, empty


def test_passt_selinux_is_make_install_selinux(builds, installed):
    _, dest_se = installed
    files, _ = deb_paths(builds[0].debs["passt-selinux"])
    assert without_docs(files, "passt-selinux") == tree_files(dest_se)


def test_same_bytes_as_make_install(builds, installed, tmp_path):
    """Every file of the packages but the (stripped) binaries is the one
    make install installs; man pages once uncompressed."""
    dest, _ = installed
    differ = []
    for pkg in ("passt", "passt-selinux"):
        root = tmp_path / pkg
        run(["dpkg-deb", "-x", str(builds[0].debs[pkg]), str(root)])
        for p in sorted(tree_files(root)):
            if p.startswith(("/usr/bin/", "/usr/share/doc/")):
                continue
            body = (root / p[1:]).read_bytes()
            if p.startswith("/usr/share/man/"):
                body, p = gzip.decompress(body), p[:-len(".gz")]
            if not (dest / p[1:]).is_file():
                differ.append(p + " (not installed by make install)")
            elif body != (dest / p[1:]).read_bytes():
                differ.append(p)
    assert not differ, differ


def build_ids(paths):
    ids = set()
    for p in paths:
        out = run(["readelf", "-n", str(p)])
        m = re.search(r"Build ID: ([0-9a-f]+)", out)
        assert m, "no build ID in %s" % p
        ids.add(m.group(1))
    return ids


def test_dbgsym_has_every_tool(builds, tmp_path):
    """passt-dbgsym has the debugging symbols of each of the six tools
    (by build ID), and nothing else."""
    b = builds[0]
    run(["dpkg-deb", "-x", str(b.debs["passt"]), str(tmp_path / "p")])
    tools = sorted((tmp_path / "p/usr/bin").iterdir())
    assert len(tools) == 6, tools
    files, _ = deb_paths(b.debs["passt-dbgsym"])
    debug = {m.group(1) + m.group(2) for m in (re.match(
        r"/usr/lib/debug/\.build-id/([0-9a-f]{2})/([0-9a-f]+)\.debug$", f)
        for f in files) if m}
    assert debug == build_ids(tools)


def test_hardening(builds, tmp_path):
    """Each tool: PIE, full RELRO (BIND_NOW), stack protector, and the
    fortified calls of _FORTIFY_SOURCE."""
    run(["dpkg-deb", "-x", str(builds[0].debs["passt"]), str(tmp_path)])
    bad = []
    for tool in sorted((tmp_path / "usr/bin").iterdir()):
        hdr = run(["readelf", "-hldW", "--dyn-syms", str(tool)])
        checks = {
            "PIE": "DYN (Position-Independent Executable file)" in hdr or
                   re.search(r"Type:\s+DYN", hdr),
            "RELRO": "GNU_RELRO" in hdr,
            "BIND_NOW": re.search(r"\(FLAGS_1\).*\bNOW\b", hdr) or
                        re.search(r"\(BIND_NOW\)", hdr),
            "stack protector": "__stack_chk_fail" in hdr,
            "fortify": re.search(r"__\w+_chk@", hdr),
        }
        bad += ["%s: no %s" % (tool.name, k) for k, v in checks.items()
                if not v]
    assert not bad, bad


# ------------------------------------------------------ maintainer scripts


def control_dir(deb, dest):
    run(["dpkg-deb", "-e", str(deb), str(dest)])
    return dest


def test_maintainer_scripts(builds, tmp_path):
    """passt: postinst loads every profile it ships (dh_apparmor), every
    file in /etc is a conffile, no unit is enabled or started (templates);
    passt-selinux: postinst and postrm name exactly the modules shipped.
    Every script parses (sh -n)."""
    b = builds[0]
    files, _ = deb_paths(b.debs["passt"])
    ctl = control_dir(b.debs["passt"], tmp_path / "passt")
    profiles = {f for f in files if re.match(r"/etc/apparmor.d/usr\.bin\.",
                                              f)}
    assert len(profiles) == 6, profiles
    postinst = (ctl / "postinst").read_text()
    loaded = set(re.findall(r'^\s*APP_PROFILE="(/etc/apparmor.d/[^"]+)"',
                            postinst, re.M))
    assert loaded == profiles
    assert "apparmor_parser -r -T -W" in postinst
    conffiles = set((ctl / "conffiles").read_text().split())
    assert conffiles == {f for f in files if f.startswith("/etc/")}
    for verb in ("enable", "start"):
        assert not re.search(r"deb-systemd-\w+ .*%s" % verb, postinst)
    prerm = (ctl / "prerm").read_text()
    unloaded = set(re.findall(r"/etc/apparmor.d/usr\.bin\.[\w-]+", prerm))
    assert unloaded == profiles

    se_files, _ = deb_paths(b.debs["passt-selinux"])
    modules = {Path(f).stem for f in se_files if f.endswith(".pp")}
    assert len(modules) == 6, modules
    sctl = control_dir(b.debs["passt-selinux"], tmp_path / "passt-selinux")
    for script in ("postinst", "postrm"):
        text = (sctl / script).read_text()
        m = re.search(r'^MODULES="([^"]*)"', text, re.M)
        assert m and set(m.group(1).split()) == modules, script
        assert "semodule" in text
    for d in (ctl, sctl):
        for s in ("preinst", "postinst", "prerm", "postrm"):
            if (d / s).exists():
                run(["sh", "-n", str(d / s)])


# ------------------------------------------------------- debian/copyright


def dep5_paragraphs(text):
    """Paragraphs of a deb822 file: lists of (field, value) with
    continuation lines joined by newlines."""
    paras, cur = [], []
    for ln in text.splitlines():
        if not ln.strip():
            if cur:
                paras.append(cur)
            cur = []
        elif ln[0] in " \t":
            assert cur, "continuation line first: %r" % ln
            f, v = cur[-1]
            cur[-1] = (f, v + "\n" + ln.strip())
        elif not ln.startswith("#"):
            f, sep, v = ln.partition(":")
            assert sep, "not a field: %r" % ln
            cur.append((f.strip(), v.strip()))
    if cur:
        paras.append(cur)
    return [dict(p) for p in paras]


def dep5_regex(pattern):
    """DEP-5 Files: pattern to a regex: '*' any string (slashes too), '?'
    one character, backslash escapes them; relative to the top."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out += re.escape(pattern[i + 1])
            i += 2
            continue
        out += {"*": ".*", "?": "."}.get(c, re.escape(c))
        i += 1
    return re.compile(out + r"\Z", re.S)


def copyright_problems(text, files, spdx=None):
    """What is wrong with the DEP-5 @text for the tree of @files: missing
    header fields, paragraphs without Copyright or License, licenses
    without text, files no paragraph covers, patterns that match nothing,
    files (@spdx: {path: SPDX id}) whose header names another license than
    their paragraph."""
    problems = []
    paras = dep5_paragraphs(text)
    if not paras or not paras[0].get("Format", "").startswith(
            "https://www.debian.org/doc/packaging-manuals/"
            "copyright-format/1.0"):
        return ["no DEP-5 Format: header"]
    stanzas, texts = [], {}
    for p in paras[1:]:
        lic = p.get("License", "")
        name, _, body = lic.partition("\n")
        if "Files" in p:
            for f in ("Copyright", "License"):
                if not p.get(f):
                    problems.append("Files: %s: no %s" % (p["Files"], f))
            stanzas.append((p["Files"].split(), name.strip(), body))
        elif lic:
            texts[name.strip()] = body
        else:
            problems.append("paragraph with neither Files nor License")
    used = set()
    for _, name, body in stanzas:
        for n in re.split(r"\s+(?:or|and)\s+", name):
            if not body and n not in texts:
                problems.append("license %s has no text" % n)
            used.add(n)
    problems += ["license text %s used by no Files:" % n
                 for n in sorted(set(texts) - used)]
    regexes = [[(pat, dep5_regex(pat)) for pat in pats]
               for pats, _, _ in stanzas]
    hit = set()
    for f in files:
        owner = None
        for i, pats in enumerate(regexes):
            for pat, rx in pats:
                if rx.match(f):
                    owner = i       # the last match wins
                    hit.add(pat)
        if owner is None:
            problems.append("not covered: " + f)
        elif spdx and f in spdx and spdx[f] != stanzas[owner][1]:
            problems.append("%s: SPDX %s, copyright says %s" % (
                f, spdx[f], stanzas[owner][1]))
    problems += ["pattern matches nothing: " + pat
                 for pats in regexes for pat, _ in pats if pat not in hit]
    return problems


SPDX_RE = re.compile(rb"SPDX-License-Identifier:\s*([\w.+-]+)")


def test_copyright_checker_finds_gaps():
    """The checker itself: it reports an uncovered file, a pattern that
    matches nothing, a wrong license and a license without text."""
    text = ("Format: https://www.debian.org/doc/packaging-manuals/"
            "copyright-format/1.0/\n\n"
            "Files: src/*\nCopyright: 2026 a\nLicense: GPL-2.0-or-later\n\n"
            "Files: gone/*\nCopyright: 2026 a\nLicense: MIT\n\n"
            "License: GPL-2.0-or-later\n text\n")
    probs = copyright_problems(text, ["src/a.c", "src/b/c.h", "README"],
                               {"src/a.c": "GPL-3.0-only"})
    assert "not covered: README" in probs
    assert "pattern matches nothing: gone/*" in probs
    assert "license MIT has no text" in probs
    assert any(p.startswith("src/a.c: SPDX GPL-3.0-only") for p in probs)
    assert not any("src/b/c.h" in p for p in probs)
    # and a complete one passes
    assert copyright_problems(text.replace("gone/*", "README").replace(
        "License: MIT", "License: GPL-2.0-or-later"),
        ["src/a.c", "README"], {"src/a.c": "GPL-2.0-or-later"}) == []


def test_copyright_covers_tree():
    """debian/copyright is DEP-5 and covers every tracked file, with the
    license its SPDX header names."""
    top = source_top()
    T.need(shutil.which("git") is not None, "git is not installed")
    T.need((top / ".git").exists(),
           "%s is not a git checkout (set PASST_SRC_TOP)" % top)
    files = run(["git", "-C", str(top), "ls-files", "-z"]).split("\0")
    files = [f for f in files if f]
    spdx = {}
    for f in files:
        p = top / f
        if p.is_file() and not p.is_symlink():
            m = SPDX_RE.search(p.read_bytes()[:2048])
            if m:
                spdx[f] = m.group(1).decode()
    assert spdx, "no SPDX header found at all"
    text = (top / "debian/copyright").read_text()
    problems = copyright_problems(text, files, spdx)
    assert not problems, "\n".join(problems)
