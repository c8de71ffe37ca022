# SPDX-License-Identifier: GPL-2.0-or-later
"""test_dhcp_clients.py - real DHCP clients against pasta's DHCP/DHCPv6.

pasta (no --config-net, with --dhcp-dns --dhcp-search) is attached to a
user-owned namespace; root runs busybox udhcpc, ISC dhclient -4 and
dhclient -6 there through `ip netns exec` (so /etc/resolv.conf is the
test's own copy) with hook scripts that only record what they were given.
Expected lease: the host's address 198.51.100.1/24, router 198.51.100.254,
MTU 65520, DNS 198.51.100.2, search example.test; over DHCPv6 2001:db8:1::1
and DNS 2001:db8:1::2.
"""

import shutil
import subprocess

import topo as T

DHCP_ARGS = ["--dhcp-dns", "--dhcp-search"]


def need_prog(name):
    T.need(shutil.which(name) is not None, name + " is not installed")


UDHCPC_SCRIPT = """#!/bin/sh
# busybox udhcpc hook: record the lease, configure the address; never
# touches /etc/resolv.conf
case "$1" in
bound|renew)
  busybox ip addr add "$ip/${mask:-24}" dev "$interface"
  echo "LEASE ip=$ip mask=$mask router=$router dns=$dns mtu=$mtu \
search=$search"
  ;;
esac
exit 0
"""


def write_script(tmp, name, text):
    p = tmp / name
    p.write_text(text)
    p.chmod(0o755)
    return p


def udhcpc(topo, att):
    """Run busybox udhcpc once in @att's namespace; return lease dict."""
    need_prog("busybox")
    script = write_script(att.tmp, "udhcpc.sh", UDHCPC_SCRIPT)
    r = topo.in_ns(att.netns, ["unshare", "--uts", "busybox", "udhcpc",
                               "-i", att.ifname, "-n", "-q", "-f",
                               "-t", "3", "-T", "1", "-s", script],
                   timeout=15)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("LEASE ")]
    assert len(lines) == 1, r.stdout + r.stderr
    return dict(kv.split("=", 1) for kv in lines[0].split()[1:])


def check_lease4(lease):
    assert lease["ip"] == T.HOST4
    assert lease["mask"] == "24"
    assert lease["router"] == T.GW4
    assert lease["mtu"] == str(T.MTU_DEFAULT)
    assert lease["dns"] == T.REMOTE4
    assert lease["search"] == T.SEARCH


def test_udhcpc_gets_host_address(topo, attach_pasta):
    att = attach_pasta(*DHCP_ARGS)
    check_lease4(udhcpc(topo, att))


DHCLIENT_CONF = """
request subnet-mask, broadcast-address, routers, domain-name,
        domain-name-servers, domain-search, interface-mtu,
        dhcp6.name-servers, dhcp6.domain-search;
"""

DHCLIENT_SCRIPT = """#!/bin/sh
# dhclient -sf hook: record the environment of each call, nothing else
env > "%s/env.$reason"
exit 0
"""


def read_env(path):
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    return env


def dhclient(topo, procs, att, family):
    """Run dhclient -4/-6 until it reports BOUND/BOUND6; return its env."""
    need_prog("dhclient")
    d = att.tmp / ("dh" + family)
    d.mkdir()
    d.chmod(0o777)
    script = write_script(att.tmp, "dh%s.sh" % family, DHCLIENT_SCRIPT % d)
    conf = att.tmp / "dhclient.conf"
    conf.write_text(DHCLIENT_CONF)
    reason = "BOUND" if family == "4" else "BOUND6"
    p = procs.popen(["ip", "netns", "exec", att.netns, "unshare", "--uts",
                     "dhclient", "-" + family, "-1", "-d", "-v",
                     "-cf", conf, "-sf", script,
                     "-lf", att.tmp / ("lease" + family),
                     "-pf", att.tmp / ("pid" + family), att.ifname],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    text=True)
    done = T.wait_for(lambda: (d / ("env." + reason)).exists() or
                      p.poll() is not None, 15, 0.1)
    p.terminate()
    out = p.communicate(timeout=5)[0]
    assert done and (d / ("env." + reason)).exists(), out
    return read_env(d / ("env." + reason))


def test_dhclient4_gets_host_address(topo, procs, attach_pasta):
    att = attach_pasta(*DHCP_ARGS)
    env = dhclient(topo, procs, att, "4")
    assert env["new_ip_address"] == T.HOST4
    assert env["new_subnet_mask"] == "255.255.255.0"
    assert env["new_routers"] == T.GW4
    assert env["new_interface_mtu"] == str(T.MTU_DEFAULT)
    assert env["new_domain_name_servers"] == T.REMOTE4
    assert env["new_domain_search"].rstrip(".") == T.SEARCH


def test_dhclient6_gets_host_address(topo, procs, attach_pasta):
    att = attach_pasta(*DHCP_ARGS)
    # DHCPv6 needs a usable (non-tentative) link-local source address
    assert T.wait_for(lambda: T.ll_ready(topo, att.netns, att.ifname), 5,
                      0.1), "link-local address still tentative"
    env = dhclient(topo, procs, att, "6")
    assert env["new_ip6_address"] == T.HOST6
    assert env["new_dhcp6_name_servers"] == T.REMOTE6
    assert env["new_dhcp6_domain_search"].rstrip(".") == T.SEARCH


def test_pasta_sends_no_dns_by_default(topo, attach_pasta):
    att = attach_pasta()
    lease = udhcpc(topo, att)
    assert lease["ip"] == T.HOST4
    assert lease["dns"] == ""
    assert lease["search"] == ""
