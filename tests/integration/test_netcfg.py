# SPDX-License-Identifier: GPL-2.0-or-later
"""test_netcfg.py - pasta-netcfg against the real kernel, checked with ip -j.

Self-contained: every test creates its own network namespaces (named
ncfg<pid><tag>) and a finalizer deletes them even when the test fails.
Interfaces are veth pairs whose peer stays in the same namespace, so nothing
is connected to the machine's own network. The unprivileged test runs the
tool as the passt-test user inside `unshare --user --map-root-user --net`.
"""

import ipaddress
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NETCFG = os.environ.get("PASTA_NETCFG") or str(REPO / "pasta-netcfg")
TEST_USER = "passt-test"
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

MAC = "02:00:5e:00:53:11"


def run(args, timeout=20, **kw):
    """subprocess.run with text output captured and a timeout."""
    return subprocess.run(args, capture_output=True, text=True,
                          timeout=timeout, **kw)


def sh(args, timeout=20):
    """Run a command that must succeed; return its stdout."""
    r = run(args, timeout=timeout)
    assert r.returncode == 0, "%s: %s" % (" ".join(args), r.stderr)
    return r.stdout


def netcfg(*args, ns_exec=None):
    """Run pasta-netcfg, inside `ip netns exec ns_exec` if given."""
    prefix = ["ip", "netns", "exec", ns_exec] if ns_exec else []
    return run(prefix + [NETCFG] + list(args))


def ip_j(ns, *args):
    """`ip -j -n NS ARGS...` parsed."""
    out = sh(["ip", "-j", "-n", ns] + list(args))
    return json.loads(out) if out.strip() else []


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root: creates network namespaces")


@pytest.fixture(scope="module")
def tool():
    if not os.access(NETCFG, os.X_OK):
        pytest.skip("pasta-netcfg not built: " + NETCFG)
    return NETCFG


@pytest.fixture
def netns():
    """Factory of fresh namespaces, all deleted at teardown."""
    created = []

    def make(tag):
        need_root()
        name = "ncfg%d%s" % (os.getpid(), tag)
        sh(["ip", "netns", "add", name])
        created.append(name)
        sh(["ip", "-n", name, "link", "set", "lo", "down"])
        return name

    yield make
    for name in created:
        run(["ip", "netns", "del", name])


def veth(ns, name, peer):
    """veth pair @name/@peer in @ns, peer up so that @name gets a carrier."""
    sh(["ip", "-n", ns, "link", "add", name, "type", "veth", "peer", "name",
        peer])
    sh(["ip", "-n", ns, "link", "set", peer, "up"])


def link(ns, ifname):
    return ip_j(ns, "link", "show", "dev", ifname)[0]


def addr_set(ns, ifname, scope="global"):
    """{(family, local, prefixlen)} of @ifname with @scope."""
    out = ip_j(ns, "addr", "show", "dev", ifname)
    return {(a["family"], a["local"], a["prefixlen"])
            for a in out[0]["addr_info"] if a.get("scope") == scope}


def route_set(ns, ifname):
    """{(family, dst, gateway, metric)} of main-table routes via @ifname."""
    res = set()
    for fam, opt in (("inet", "-4"), ("inet6", "-6")):
        for r in ip_j(ns, opt, "route", "show", "table", "main"):
            if r.get("dev") != ifname:
                continue
            res.add((fam, r["dst"], r.get("gateway"), r.get("metric", 0)))
    return res


# -- command line --------------------------------------------------------

def test_help_prints_usage_on_stdout(tool):
    r = run([tool, "--help"])
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: pasta-netcfg")
    for word in ("show", "set", "copy", "--gateway", "--no-copy-routes"):
        assert word in r.stdout
    assert r.stderr == ""
    assert run([tool, "set", "-h"]).returncode == 0


def test_version(tool):
    r = run([tool, "--version"])
    assert r.returncode == 0
    assert re.fullmatch(r"pasta-netcfg \S+\n", r.stdout), r.stdout


@pytest.mark.parametrize("args,msg", [
    (["--bogus"], "unrecognized option '--bogus'"),
    (["-x"], "invalid option -- 'x'"),
    (["set", "eth0", "--bogus"], "unrecognized option '--bogus'"),
    (["copy", "a", "b", "--up"], "unrecognized option '--up'"),
    (["-n"], "option requires an argument"),
])
def test_unknown_options_use_getopt_messages(tool, args, msg):
    r = run([tool] + args)
    assert r.returncode == 1
    assert msg in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("args,msg", [
    (["set", "eth0", "--mtu", "67"], "invalid MTU '67'"),
    (["set", "eth0", "--mtu", "1500x"], "invalid MTU"),
    (["set", "eth0", "--mac", "01:00:5e:00:00:01"], "invalid unicast MAC"),
    (["set", "eth0", "--addr", "198.51.100.1/33"], "invalid address"),
    (["set", "eth0", "--route", "203.0.113.1/24"], "invalid route"),
    (["set", "eth0", "--route", "203.0.113.0/24@2001:db8::1"],
     "invalid route"),
    (["set", "eth0", "--gateway", "nowhere"], "invalid gateway"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["set"], "wrong number of arguments"),
    (["copy", "eth0"], "wrong number of arguments"),
    (["show", "a", "b"], "wrong number of arguments"),
])
def test_bad_values_one_line_exit_1(tool, args, msg):
    r = run([tool] + args)
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("pasta-netcfg: ")
    assert msg in lines[0]


def test_no_command_is_an_error(tool):
    r = run([tool])
    assert r.returncode == 1
    assert "Usage:" in r.stderr


# -- set and show, as root -----------------------------------------------

SET_ARGS = ["--mtu", "1400", "--mac", MAC,
            "--addr", "198.51.100.2/24", "--addr", "2001:db8:1::2/64",
            "--route", "203.0.113.0/24@198.51.100.254",
            "--route", "2001:db8:5::/48",
            "--gateway", "198.51.100.1", "--gateway", "2001:db8:1::1",
            "--up", "--lo-up"]


def configured(netns, tag="s"):
    ns = netns(tag)
    veth(ns, "veth0", "veth1")
    r = netcfg("-n", ns, "set", "veth0", *SET_ARGS)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    return ns


def test_set_applies_everything(tool, netns):
    ns = configured(netns)

    ln = link(ns, "veth0")
    assert ln["mtu"] == 1400
    assert ln["address"] == MAC
    assert "UP" in ln["flags"]
    assert "UP" in link(ns, "lo")["flags"]

    assert addr_set(ns, "veth0") == {("inet", "198.51.100.2", 24),
                                     ("inet6", "2001:db8:1::2", 64)}
    # IFA_F_NODAD: usable at once, not tentative
    v6 = [a for a in ip_j(ns, "-6", "addr", "show", "dev", "veth0")[0]
          ["addr_info"] if a["local"] == "2001:db8:1::2"][0]
    assert not v6.get("tentative")

    routes = route_set(ns, "veth0")
    assert ("inet", "default", "198.51.100.1", 0) in routes
    assert ("inet", "203.0.113.0/24", "198.51.100.254", 0) in routes
    assert ("inet6", "default", "2001:db8:1::1", 1024) in routes
    assert ("inet6", "2001:db8:5::/48", None, 1024) in routes
    onlink = [r for r in ip_j(ns, "-6", "route", "show", "table", "main")
              if r["dst"] == "2001:db8:5::/48"]
    assert onlink and onlink[0].get("scope", "link") != "host"


def test_set_twice_is_not_an_error(tool, netns):
    ns = configured(netns)
    before = route_set(ns, "veth0")
    r = netcfg("-n", ns, "set", "veth0", *SET_ARGS)
    assert r.returncode == 0, r.stderr
    assert route_set(ns, "veth0") == before


def test_set_by_path_and_options_before_ifname(tool, netns):
    ns = netns("p")
    veth(ns, "veth0", "veth1")
    r = netcfg("--netns", "/run/netns/" + ns, "set", "--up", "veth0",
               "--addr", "192.0.2.7/24")
    assert r.returncode == 0, r.stderr
    assert addr_set(ns, "veth0") == {("inet", "192.0.2.7", 24)}
    assert "UP" in link(ns, "veth0")["flags"]
    # Without --lo-up, loopback stays as it was (down)
    assert "UP" not in link(ns, "lo")["flags"]


def test_kernel_errors_are_reported(tool, netns):
    ns = netns("e")
    veth(ns, "veth0", "veth1")
    r = netcfg("-n", ns, "set", "nosuch0", "--up")
    assert r.returncode == 1
    assert r.stderr == "pasta-netcfg: nosuch0: No such device\n"

    r = netcfg("-n", ns, "set", "veth0", "--up",
               "--route", "203.0.113.0/24@192.0.2.99")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "pasta-netcfg: veth0: adding route 203.0.113.0/24 via 192.0.2.99: ")
    assert "unreachable" in lines[0] or "Invalid argument" in lines[0]

    r = netcfg("-n", "ncfg-no-such-ns-%d" % os.getpid(), "show")
    assert r.returncode == 1
    assert "opening netns" in r.stderr and "No such file" in r.stderr


def test_show_json_agrees_with_ip(tool, netns):
    ns = configured(netns, "j")
    r = netcfg("-n", ns, "show", "veth0", "--json")
    assert r.returncode == 0, r.stderr
    js = json.loads(r.stdout)
    ln = link(ns, "veth0")
    assert js["ifname"] == "veth0"
    assert js["ifindex"] == ln["ifindex"]
    assert js["mtu"] == ln["mtu"]
    assert js["address"] == ln["address"]
    assert js["up"] == ("UP" in ln["flags"])

    ip_addrs = ip_j(ns, "addr", "show", "dev", "veth0")[0]["addr_info"]
    assert {(a["family"], a["local"], a["prefixlen"], a["scope"])
            for a in js["addrs"]} == \
        {(a["family"], a["local"], a["prefixlen"], a["scope"])
         for a in ip_addrs}

    assert {(r["family"], r["dst"], r.get("gateway"), r["metric"])
            for r in js["routes"]} == route_set(ns, "veth0")
    proto = {(r["dst"], r["protocol"]) for r in js["routes"]}
    assert ("198.51.100.0/24", "kernel") in proto
    assert ("203.0.113.0/24", "boot") in proto


def test_show_text_and_all_links(tool, netns):
    ns = configured(netns, "t")
    r = netcfg("-n", ns, "show", "veth0")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    idx = link(ns, "veth0")["ifindex"]
    assert lines[0] == "link veth0 index %d mtu 1400 mac %s state up" % (
        idx, MAC)
    assert "addr veth0 inet 198.51.100.2/24 scope global" in lines
    assert "addr veth0 inet6 2001:db8:1::2/64 scope global" in lines
    assert ("route veth0 inet default via 198.51.100.1 scope global "
            "proto boot metric 0") in lines
    assert ("route veth0 inet6 default via 2001:db8:1::1 scope global "
            "proto boot metric 1024") in lines

    r = netcfg("-n", ns, "-j", "show")
    assert r.returncode == 0, r.stderr
    names = [x["ifname"] for x in json.loads(r.stdout)["links"]]
    assert sorted(names) == ["lo", "veth0", "veth1"]


# -- copy ----------------------------------------------------------------

def template(netns, tag="t", extra_addr=False):
    """Template namespace with tpl0: v4/v6 addresses, routes, defaults."""
    ns = netns(tag)
    veth(ns, "tpl0", "tpl1")
    sh(["ip", "-n", ns, "link", "set", "tpl0", "up"])
    sh(["ip", "-n", ns, "addr", "add", "198.51.100.1/24", "dev", "tpl0"])
    if extra_addr:
        sh(["ip", "-n", ns, "addr", "add", "192.0.2.1/24", "dev", "tpl0"])
    sh(["ip", "-n", ns, "addr", "add", "2001:db8:1::1/64", "dev", "tpl0",
        "nodad"])
    sh(["ip", "-n", ns, "route", "add", "default", "via", "198.51.100.254"])
    sh(["ip", "-n", ns, "route", "add", "203.0.113.0/24", "via",
        "198.51.100.2"])
    sh(["ip", "-n", ns, "-6", "route", "add", "default", "via",
        "2001:db8:1::fe"])
    return ns


def test_copy_gives_same_addresses_and_routes(tool, netns):
    tpl = template(netns)
    dst = netns("d")
    veth(dst, "eth0", "eth1")
    r = netcfg("-n", dst, "copy", "tpl0", "eth0", "--mtu", "1500",
               ns_exec=tpl)
    assert r.returncode == 0, r.stderr

    assert addr_set(dst, "eth0") == addr_set(tpl, "tpl0") == {
        ("inet", "198.51.100.1", 24), ("inet6", "2001:db8:1::1", 64)}
    want = route_set(tpl, "tpl0")
    assert ("inet", "203.0.113.0/24", "198.51.100.2", 0) in want
    assert route_set(dst, "eth0") == want
    assert "UP" in link(dst, "eth0")["flags"]
    assert "UP" in link(dst, "lo")["flags"]
    assert link(dst, "eth0")["mtu"] == 1500


def test_copy_without_routes_and_addrs(tool, netns):
    tpl = template(netns, extra_addr=True)
    dst = netns("d")
    veth(dst, "eth0", "eth1")
    r = netcfg("-n", dst, "copy", "tpl0", "eth0", "--no-copy-routes",
               "--no-copy-addrs", ns_exec=tpl)
    assert r.returncode == 0, r.stderr
    v4 = {a for a in addr_set(dst, "eth0") if a[0] == "inet"}
    assert len(v4) == 1
    routes = route_set(dst, "eth0")
    assert ("inet", "default", "198.51.100.254", 0) in routes
    assert ("inet6", "default", "2001:db8:1::fe", 1024) in routes
    assert not [x for x in routes if x[1] == "203.0.113.0/24"]


# -- without real root ---------------------------------------------------

def ensure_user():
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        sh(["useradd", "--create-home", "--shell", "/bin/sh", "--comment",
            "passt integration tests", TEST_USER])
        return pwd.getpwnam(TEST_USER)


def as_user(u, args, timeout=30):
    return run(["setpriv", "--reuid", str(u.pw_uid), "--regid",
                str(u.pw_gid), "--init-groups", "--", "env", "-i",
                "PATH=" + SAFE_PATH, "HOME=" + u.pw_dir] + args,
               timeout=timeout)


USERNS_SCRIPT = r"""
set -e
ip link add tpl0 type veth peer name tpl1
ip link set tpl1 up
ip link set tpl0 up
ip addr add 198.51.100.1/24 dev tpl0
ip addr add 2001:db8:1::1/64 dev tpl0 nodad
ip route add default via 198.51.100.254
ip -6 route add default via 2001:db8:1::fe
unshare --net sleep 20 &
child=$!
trap 'kill $child' EXIT
i=0
while [ "$(readlink /proc/$child/ns/net)" = "$(readlink /proc/self/ns/net)" ]
do
	i=$((i + 1)); [ $i -lt 200 ] || exit 3; sleep 0.05
done
ns=/proc/$child/ns/net
nsenter --net=$ns ip link add eth0 type veth peer name eth1
nsenter --net=$ns ip link set eth1 up
"$NETCFG" -n $ns copy tpl0 eth0 --mtu 1500
"$NETCFG" -n $ns set eth1 --addr 192.0.2.9/24 --up
"$NETCFG" -n $ns show eth0 --json
"""


def test_unprivileged_user_in_own_userns(tool, netns):
    need_root()
    for prog in ("setpriv", "unshare", "nsenter", "useradd"):
        if not shutil.which(prog):
            pytest.skip(prog + " is not installed")
    u = ensure_user()
    # A copy of the binary the user can surely execute
    d = tempfile.mkdtemp(prefix="ncfg-")
    try:
        os.chmod(d, 0o755)
        exe = os.path.join(d, "pasta-netcfg")
        shutil.copy(tool, exe)
        os.chmod(exe, 0o755)

        probe = as_user(u, ["unshare", "--user", "--map-root-user", "--net",
                            "true"])
        if probe.returncode != 0:
            pytest.skip("unprivileged user namespaces unavailable: " +
                        probe.stderr.strip())

        # Real root is needed to join a namespace that root owns...
        ns = netns("u")
        r = as_user(u, [exe, "-n", ns, "show"])
        assert r.returncode == 1
        assert "Operation not permitted" in r.stderr

        # ...but not in a user namespace of one's own
        r = as_user(u, ["env", "NETCFG=" + exe, "unshare", "--user",
                        "--map-root-user", "--net", "sh", "-c",
                        USERNS_SCRIPT])
        assert r.returncode == 0, r.stderr
        js = json.loads(r.stdout.splitlines()[-1])
    finally:
        shutil.rmtree(d, ignore_errors=True)

    assert js["ifname"] == "eth0" and js["up"] and js["mtu"] == 1500
    glob = {(a["local"], a["prefixlen"]) for a in js["addrs"]
            if a["scope"] == "global"}
    assert glob == {("198.51.100.1", 24), ("2001:db8:1::1", 64)}
    defaults = {(r["family"], r.get("gateway")) for r in js["routes"]
                if r["dst"] == "default"}
    assert defaults == {("inet", "198.51.100.254"),
                        ("inet6", "2001:db8:1::fe")}
    for r in js["routes"]:
        if r["dst"] != "default":
            ipaddress.ip_network(r["dst"])
