# SPDX-License-Identifier: GPL-2.0-or-later
"""test_cli.py - command-line contract of the five tools (compat.md 1.1, 6.4).

Every tool runs as the unprivileged test user inside the `host` namespace,
so that a tool that wrongly accepts an option cannot touch the machine.
Expectations marked "reference pasta differs" are upstream's current
behaviour, which Debian's 2023 build (the reference run) does not have.
"""

import os
import re

import pytest

import topo as T

TOOL_NAMES = list(T.TOOLS)


def tool(name):
    p = T.tool_path(name)
    T.need(os.access(p, os.X_OK),
           "%s under test not found: %s (build it with make, or set %s)"
           % (name, p, T.TOOLS[name]))
    return p


def error_lines(stderr):
    """Meaningful stderr lines (Debian's build adds syslog failure noise)."""
    return [ln for ln in stderr.splitlines()
            if ln.strip() and not ln.startswith("Failed to send")]


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_help_prints_usage_on_stdout_and_exits_0(topo, name):
    p = tool(name)
    T.skip_on_reference(p, "2023 builds print --help on stderr, exit 1")
    r = topo.run_as_user_in_host([p, "--help"])
    assert r.returncode == 0, r.stderr
    assert re.search(r"usage", r.stdout, re.I), r.stdout


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_version_starts_with_tool_name(topo, name):
    p = tool(name)
    if name == "qrap":
        T.skip_on_reference(p, "Debian's qrap has no --version")
    r = topo.run_as_user_in_host([p, "--version"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(name), r.stdout


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_unknown_long_option_is_rejected_like_glibc(topo, name):
    p = tool(name)
    if name == "qrap":
        T.skip_on_reference(p, "Debian's qrap has no option parser")
    r = topo.run_as_user_in_host([p, "--bogus-option"])
    assert r.returncode == 1
    # podman matches this exact glibc wording (compat.md 2.4)
    assert "unrecognized option '--bogus-option'" in r.stderr, r.stderr


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_unknown_short_option_is_rejected_like_glibc(topo, name):
    p = tool(name)
    if name == "qrap":
        T.skip_on_reference(p, "Debian's qrap has no option parser")
    r = topo.run_as_user_in_host([p, "-Z"])
    assert r.returncode == 1
    assert "invalid option -- 'Z'" in r.stderr, r.stderr


# (arguments, text the one error line must contain, ours only?)
BAD_VALUES = [
    (["-m", "70000"], "70000", False),
    (["-m", "abc"], "abc", True),        # Debian's 2023 build accepts it
    (["-a", "300.1.1.1"], "300.1.1.1", False),
    (["-a", "127.0.0.1"], "127.0.0.1", False),
    (["-M", "zz:zz"], "zz:zz", True),    # Debian's 2023 build accepts it
    (["-i", "nonexist0"], "nonexist0", False),
    (["-4", "-6"], "", False),
]


def _no_leftovers(topo, pidfile, before):
    """No pid file and no new process of the test user (so no namespace)."""
    assert not pidfile.exists(), "pid file left after a failure"
    uid = topo.user.pw_uid
    left = T.wait_for(lambda: not (set(T.user_pids(uid)) - before), 2)
    assert left, "processes left: %s" % (set(T.user_pids(uid)) - before)


@pytest.mark.parametrize("args,needle,ours", BAD_VALUES,
                         ids=[" ".join(b[0]) for b in BAD_VALUES])
def test_pasta_bad_value_one_error_line_exit_1(topo, tmp, pasta, args,
                                               needle, ours):
    if ours:
        T.skip_on_reference(pasta, "2023 build accepts " + " ".join(args))
    pidfile = tmp / "pasta.pid"
    before = set(T.user_pids(topo.user.pw_uid))
    # "-- true": if the value were wrongly accepted, pasta runs true, exits 0
    r = topo.run_as_user_in_host([pasta, "-P", pidfile] + T.NO_FWD + args +
                                 ["--", "true"])
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = error_lines(r.stderr)
    assert len(lines) == 1, lines
    assert needle in lines[0], lines
    assert r.stdout == ""
    _no_leftovers(topo, pidfile, before)


NOT_SUPPORTED = [["--stats", "1"], ["--chroot-fallback"]]


@pytest.mark.ours_only("Debian's pasta implements these options")
@pytest.mark.parametrize("args", NOT_SUPPORTED,
                         ids=[" ".join(a) for a in NOT_SUPPORTED])
def test_pasta_unbuilt_option_says_not_supported(topo, tmp, pasta, args):
    pidfile = tmp / "pasta.pid"
    before = set(T.user_pids(topo.user.pw_uid))
    r = topo.run_as_user_in_host([pasta, "-P", pidfile, "--config-net"] +
                                 args + ["-u", "none", "-T", "none",
                                         "-U", "none", "--", "true"])
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "not supported" in r.stderr, r.stderr
    _no_leftovers(topo, pidfile, before)


def test_pasta_host_lo_to_ns_lo_probe(topo, pasta):
    # rootlesskit's feature probe (compat.md 8.1): exit status only.  Ours
    # knows the option, so --version answers; Debian's 2023 build doesn't
    # know it and exits 1.
    r = topo.run_as_user_in_host([pasta, "--host-lo-to-ns-lo", "--version"])
    if T.is_reference(pasta):
        assert r.returncode == 1
        assert not r.stdout.startswith("pasta"), "version printed anyway"
    else:
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("pasta "), r.stdout



# --print-capabilities (compat.md 1.1, 4.3): the vhost-user back-end
# convention's JSON, three lines through upstream's logger, so on stderr,
# exit 0, in every mode (--vhost-user anywhere selects vhost-user mode),
# acted on where it stands
CAPS = '{\n  "type": "net"\n}\n'
CAPS_CASES = [
    ("passt", []),
    ("passt", ["--print-capabilities", "--vhost-user"]),
    ("pasta", []),
    ("pasta", ["--print-capabilities", "--vhost-user"]),
    ("passt", ["-q", "-l", "/nonexistent/log"]),
    ("passt", ["--print-capabilities", "--bogus-option"]),
    ("pasta", ["--print-capabilities", "-t", "99999"]),
]
CAPS_IDS = [" ".join([n] + a) for n, a in CAPS_CASES]


@pytest.mark.parametrize("name,args", CAPS_CASES, ids=CAPS_IDS)
def test_print_capabilities_on_stderr_exits_0(topo, name, args):
    p = tool(name)
    T.skip_on_reference(p, "Debian 12's 2023 build lacks the option")
    argv = [p] + args
    if "--print-capabilities" not in args:
        argv.append("--print-capabilities")
    r = topo.run_as_user_in_host(argv)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", CAPS)


def test_print_capabilities_same_as_debian13(topo):
    import deb13_env
    for name in ("passt", "pasta"):
        if deb13_env.reference(name) == "Debian 12":
            pytest.skip("Debian 12's 2023 build lacks the option")
    env = deb13_env.start_or_skip(topo, tools=("passt", "pasta"))
    try:
        for name, args in CAPS_CASES + [("passt", ["--print-capabilities=x"])]:
            if "--print-capabilities" not in " ".join(args):
                args = args + ["--print-capabilities"]
            ref = env.run(["/usr/bin/" + name] + args, user=True)
            ours = env.run([deb13_env.tool(name)] + args, user=True)
            got = (ours.returncode, ours.stdout,
                   error_lines(ours.stderr)[:1])
            want = (ref.returncode, ref.stdout, error_lines(ref.stderr)[:1])
            if name == "passt" and args[-1] == "--print-capabilities=x":
                # getopt's wording; the usage text after it is ours
                got = (got[0], got[1], [ln.split(": ", 1)[-1]
                                        for ln in got[2]])
                want = (want[0], want[1], [ln.split(": ", 1)[-1]
                                           for ln in want[2]])
            else:
                assert ours.stderr == ref.stderr == CAPS, (name, args)
            assert got == want, (name, args)
    finally:
        env.stop()
