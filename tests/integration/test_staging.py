# SPDX-License-Identifier: GPL-2.0-or-later
"""test_staging.py - a checkout the test user can't enter still runs the tests.

Theory of operation: `sudo make check` in a clone under /root, or in a
directory made by mktemp -d (mode 0700), used to fail every test that runs
a tool as the unprivileged user, with "Permission denied".  The Makefile
runs pytest through tests/integration/run, which copies the tree to a
directory under /tmp that everyone may enter when the user can't reach the
original, and removes the copy afterwards.  Here a small tree in a mode-0700
directory stands in for such a checkout: its `pasta` is a script, and the
command given to `run` executes it as the test user.
"""

import os
import shutil
import stat
import tempfile
from pathlib import Path

import topo as T

RUN = T.HERE / "run"


def fake_tree(parent):
    """A tree with the files `run` looks at, in @parent (mode 0700)."""
    top = Path(parent) / "checkout"
    (top / "tests" / "integration").mkdir(parents=True)
    shutil.copy(RUN, top / "tests" / "integration" / "run")
    (top / "tests" / "integration" / "conftest.py").write_text("")
    tool = top / "pasta"
    tool.write_text("#!/bin/sh\necho \"ran $(id -u) in $(pwd)\"\n")
    tool.chmod(0o755)
    (top / ".git").mkdir()
    (top / ".git" / "HEAD").write_text("not copied\n")
    return top


def run_in(top, user, script):
    """tests/integration/run from @top, running @script as @user."""
    cmd = ["setpriv", "--reuid", str(user.pw_uid), "--regid",
           str(user.pw_gid), "--init-groups", "sh", "-c", script]
    return T.run([str(top / "tests" / "integration" / "run")] + cmd,
                 cwd=str(top), timeout=30)


def test_closed_checkout_runs_from_a_copy(topo):
    parent = tempfile.mkdtemp(prefix="passt-closed-")
    try:
        assert stat.S_IMODE(os.stat(parent).st_mode) == 0o700
        top = fake_tree(parent)
        r = run_in(top, topo.user, "./pasta; test ! -e .git && echo no-git;"
                   " pwd > /dev/null")
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0].startswith("ran %d in /tmp/passt-stage."
                                   % topo.user.pw_uid), r.stdout
        assert "no-git" in lines
        stage = lines[0].split(" in ", 1)[1]
        assert not os.path.exists(stage), "the copy was not removed"
        # exactly one line says why, on stderr
        why = [ln for ln in r.stderr.splitlines() if "can't enter" in ln]
        assert len(why) == 1 and str(top) in why[0], r.stderr
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_open_checkout_runs_in_place(topo, tmp):
    top = fake_tree(tmp)
    for d in (top, top / "tests", top / "tests" / "integration"):
        d.chmod(0o755)
    r = run_in(top, topo.user, "./pasta")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ran %d in %s" % (topo.user.pw_uid, top)
    assert r.stderr == ""


def test_exit_status_is_kept(topo):
    parent = tempfile.mkdtemp(prefix="passt-closed-")
    try:
        top = fake_tree(parent)
        r = run_in(top, topo.user, "exit 3")
        assert r.returncode == 3
    finally:
        shutil.rmtree(parent, ignore_errors=True)
