# SPDX-License-Identifier: GPL-2.0-or-later
"""test_pasta_net.py - what `pasta --config-net -- CMD` sets up (compat.md 1.2).

pasta runs as the unprivileged user in `host` and spawns `ip -j` inside the
new namespace; the JSON it prints is checked against the host's template
interface ext0 (198.51.100.1/24, 2001:db8:1::1/64, default routes via .254
and ::fe) and against the options given.
"""

import json
import pwd

import pytest

import topo as T

DUMP = ("ip -j addr show; echo '#'; ip -j route show; echo '#'; "
        "ip -j -6 route show")


def netinfo(topo, pasta, *args):
    """(addr, route4, route6) JSON as seen inside pasta's new namespace."""
    r = topo.run_as_user_in_host([pasta, "--config-net"] + T.NO_FWD +
                                 list(args) + ["--", "sh", "-c", DUMP])
    assert r.returncode == 0, (r.returncode, r.stderr)
    parts = r.stdout.split("#\n")
    assert len(parts) == 3, r.stdout
    return [json.loads(p or "[]") for p in parts]


def global_addrs(addr, ifname, family):
    a = T.addrs(addr, ifname, family)
    assert a is not None, "no interface %s in %s" % (ifname, addr)
    return [(x[0], x[1]) for x in a if x[2] == "global"]


def default_gw(routes, ifname):
    return [r.get("gateway") for r in routes
            if r.get("dst") == "default" and r.get("dev") == ifname]


def test_default_copies_template_interface(topo, pasta):
    addr, r4, r6 = netinfo(topo, pasta)
    assert global_addrs(addr, "ext0", "inet") == [(T.HOST4, 24)]
    assert global_addrs(addr, "ext0", "inet6") == [(T.HOST6, 64)]
    assert default_gw(r4, "ext0") == [T.GW4]
    assert default_gw(r6, "ext0") == [T.GW6]
    ext0 = T.link(addr, "ext0")
    assert ext0["mtu"] == T.MTU_DEFAULT
    assert "UP" in ext0["flags"]
    lo = T.link(addr, "lo")
    assert "UP" in lo["flags"]
    assert ("127.0.0.1", 8, "host") in T.addrs(addr, "lo", "inet")


def test_ns_ifname_renames_tap(topo, pasta):
    addr, r4, _ = netinfo(topo, pasta, "-I", "tap9")
    assert T.link(addr, "ext0") is None
    assert global_addrs(addr, "tap9", "inet") == [(T.HOST4, 24)]
    assert default_gw(r4, "tap9") == [T.GW4]


def test_mtu_option_sets_link_mtu(topo, pasta):
    addr, _, _ = netinfo(topo, pasta, "-m", "1500")
    assert T.link(addr, "ext0")["mtu"] == 1500


def test_address_netmask_gateway_options(topo, pasta):
    addr, r4, _ = netinfo(topo, pasta, "-4", "-a", "203.0.113.5", "-n", "24",
                          "-g", "203.0.113.1")
    assert global_addrs(addr, "ext0", "inet") == [("203.0.113.5", 24)]
    assert default_gw(r4, "ext0") == ["203.0.113.1"]


def test_ns_mac_addr_sets_tap_mac(topo, pasta):
    addr, _, _ = netinfo(topo, pasta, "--ns-mac-addr", "02:00:00:00:00:01")
    assert T.link(addr, "ext0")["address"] == "02:00:00:00:00:01"


def test_ipv4_only_has_no_global_ipv6(topo, pasta):
    addr, r4, r6 = netinfo(topo, pasta, "-4")
    assert global_addrs(addr, "ext0", "inet") == [(T.HOST4, 24)]
    assert global_addrs(addr, "ext0", "inet6") == []
    assert default_gw(r6, "ext0") == []


def test_ipv6_only_has_no_ipv4(topo, pasta):
    addr, r4, r6 = netinfo(topo, pasta, "-6")
    assert T.addrs(addr, "ext0", "inet") == []
    assert global_addrs(addr, "ext0", "inet6") == [(T.HOST6, 64)]
    assert default_gw(r4, "ext0") == []
    assert default_gw(r6, "ext0") == [T.GW6]


def test_exit_status_is_the_commands(topo, pasta):
    r = topo.run_as_user_in_host([pasta, "--config-net"] + T.NO_FWD +
                                 ["--", "sh", "-c", "exit 7"])
    assert r.returncode == 7, r.stderr



@pytest.mark.ours_only("2023 pasta drops root differently")
def test_root_is_switched_to_nobody(topo, pasta):
    """As root in the initial user namespace pasta doesn't keep root: the
    new namespace's UID 0 is nobody outside (compat.md --runas)."""
    r = topo.in_ns(topo.host, [pasta, "--config-net"] + T.NO_FWD +
                   ["--", "sh", "-c", "cat /proc/self/uid_map; ip -j addr"])
    assert r.returncode == 0, r.stderr
    first, _, rest = r.stdout.partition("\n")
    inside, outside, count = first.split()
    assert (inside, count) == ("0", "1")
    assert int(outside) == pwd.getpwnam("nobody").pw_uid
    addr = json.loads(rest)
    assert global_addrs(addr, "ext0", "inet") == [(T.HOST4, 24)]


# A program started by pasta binds to the tap's link-local address and
# sends from it at once: a tentative address refuses bind() (EADDRNOTAVAIL)
LL_USE = """
import json, socket, subprocess, sys
j = json.loads(subprocess.run(["ip", "-j", "-6", "addr", "show", "dev",
                               sys.argv[1]], capture_output=True).stdout)
ll = [a for e in j for a in e["addr_info"] if a.get("scope") == "link"]
idx = socket.if_nametoindex(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
try:
    s.bind((ll[0]["local"], 0, 0, idx))
    s.sendto(b"x", ("ff02::1", 9, 0, idx))
    err = None
except OSError as e:
    err = e.strerror
print(json.dumps({"ll": ll, "err": err}))
"""


@pytest.mark.ours_only("2023 pasta leaves the link-local address tentative")
def test_link_local_usable_at_once(topo, pasta):
    r = topo.run_as_user_in_host([pasta, "--config-net"] + T.NO_FWD +
                                 ["--", T.PY, "-c", LL_USE, "ext0"])
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert len(res["ll"]) == 1, res
    assert res["ll"][0]["local"].startswith("fe80::"), res
    assert not res["ll"][0].get("tentative"), res
    assert res["err"] is None, res
