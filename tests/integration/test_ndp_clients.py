# SPDX-License-Identifier: GPL-2.0-or-later
"""test_ndp_clients.py - router advertisements from pasta, seen by rdisc6
and by the kernel's SLAAC.

pasta without --config-net answers router solicitations (RFC 4861 6.2.6)
with an RA that carries the host's prefix 2001:db8:1::/64, MTU 65520 and,
with --dhcp-dns / --dhcp-search, RDNSS 2001:db8:1::2 and DNSSL example.test
(RFC 8106).
"""

import re
import shutil

import topo as T


def rdisc6(topo, att):
    T.need(shutil.which("rdisc6") is not None,
           "rdisc6 is not installed (package ndisc6)")
    # rdisc6 needs a usable link-local source address
    assert T.wait_for(lambda: T.ll_ready(topo, att.netns, att.ifname), 5,
                      0.1), "link-local address still tentative"
    r = topo.in_ns(att.netns, ["rdisc6", "-1", "-w", "1000", "-r", "3",
                               att.ifname], timeout=10)
    assert r.returncode == 0, r.stdout + r.stderr
    # "Key   : value" lines
    return [tuple(x.strip() for x in ln.split(":", 1))
            for ln in r.stdout.splitlines() if " : " in ln]


def test_rdisc6_sees_prefix_mtu_rdnss_dnssl(topo, attach_pasta):
    att = attach_pasta("--dhcp-dns", "--dhcp-search")
    fields = rdisc6(topo, att)
    assert ("Prefix", "2001:db8:1::/64") in fields, fields
    assert ("MTU", "%d bytes (valid)" % T.MTU_DEFAULT) in fields, fields
    assert ("Recursive DNS server", T.REMOTE6) in fields, fields
    dnssl = [v for k, v in fields if k == "DNS search list"]
    assert [d.rstrip(".") for d in dnssl] == [T.SEARCH], fields


def test_rdisc6_no_rdnss_without_dhcp_dns(topo, attach_pasta):
    att = attach_pasta()
    fields = rdisc6(topo, att)
    assert ("Prefix", "2001:db8:1::/64") in fields, fields
    keys = [k for k, _ in fields]
    assert "Recursive DNS server" not in keys
    assert "DNS search list" not in keys


def test_kernel_slaac_forms_address_in_host_prefix(topo, attach_pasta):
    att = attach_pasta()     # link brought up: the kernel solicits by itself

    def slaac():
        j = topo.ip_json(att.netns, ["-6", "addr", "show", "dev",
                                     att.ifname, "scope", "global"])
        for a in (T.addrs(j, att.ifname, "inet6") or []):
            if a[1] == 64 and re.match(r"2001:db8:1:0?:", a[0]):
                return a[0]
        return None

    a = T.wait_for(slaac, 10, 0.1)
    assert a, "no SLAAC address from 2001:db8:1::/64"
