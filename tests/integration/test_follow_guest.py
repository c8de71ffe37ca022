# SPDX-License-Identifier: GPL-2.0-or-later
"""test_follow_guest.py - a guest without --config-net learns a host change.

pasta runs without --config-net in the topology's `host` namespace,
attached to a namespace of the test user whose tap is up; real clients run
there as root: busybox udhcpc, ISC dhclient -4 and -6 (with hook scripts
that put the address they get on the interface and take the old one off),
and the kernel's SLAAC. The test then replaces the host's address (IPv4:
198.51.100.1 -> .7, the same /24; IPv6: 2001:db8:1::1/64 -> 2001:db8:2::1/64,
a new prefix) and measures how long the namespace takes to have the new
address (doc/follow.md):

- SLAAC: at once, from the unsolicited router advertisement (the old
  address stays, deprecated); allowed: 2 s;
- DHCP, DHCPv6: at the client's renewal, half of --dhcp-lease (short
  here), then a NAK and a new DISCOVER (DHCP) or the new address in the
  Reply (DHCPv6); allowed: the lease time plus a margin.

--no-follow-host keeps today's behaviour exactly: an infinite lease and no
advertisement; that one runs against the reference builds too, without
the option (upstream doesn't know it, and behaves that way).

The same with passt and a kernel guest (guest_bridge.py): udhcpc and
SLAAC at once.
"""

import ipaddress
import json
import shutil
import struct
import subprocess
import time

import pytest

import deb13_env
import topo as T
from guest_bridge import passt, passt_guest  # noqa: F401 (fixtures)
from test_follow import (host, host_back, host_try, ns_addrs, ours,  # noqa
                         replace_v4, NEW4)

NEW6_PREFIX = "2001:db8:2::"
NEW6, NEWGW6 = NEW6_PREFIX + "1", NEW6_PREFIX + "fe"
OLD6_PREFIX = "2001:db8:1::"
LEASE = 10              # --dhcp-lease of the tests, seconds
# busybox udhcpc (1.35) renews 15 s after a lease of 10 s: it takes at
# least 30 s as the lease time (measured, doc/follow.md)
UDHCPC_LEASE = max(LEASE, 30)
MARGIN = 8              # NAK, back-off, DISCOVER..ACK, the hook's `ip`
SLAAC_DEADLINE = 2.0


def need_prog(name):
    T.need(shutil.which(name) is not None, name + " is not installed")


@pytest.fixture
def host_back6(host_back):
    """host_back, and the new prefix of replace_v6_prefix() taken away."""
    yield host_back
    host_try("-6", "addr", "del", NEW6 + "/64", "dev", T.HOST_IF)


def replace_v6_prefix():
    """The host's IPv6 moves to another /64, default route with it."""
    host("-6", "addr", "add", NEW6 + "/64", "dev", T.HOST_IF, "nodad")
    host("-6", "route", "replace", "default", "via", NEWGW6, "dev",
         T.HOST_IF)
    host("-6", "addr", "del", T.HOST6 + "/64", "dev", T.HOST_IF)


def addr_info(att, family):
    """addr_info entries of global scope on the namespace's interface."""
    out = T.sh(["ip", "-j", "-%d" % family, "-n", att.netns, "addr", "show",
                "dev", att.ifname])
    j = json.loads(out) if out.strip() else []
    return [a for link in j for a in link.get("addr_info", [])
            if a.get("scope") == "global"]


def in_prefix(a, prefix):
    net = ipaddress.ip_network(prefix + "/64")
    return (a.get("prefixlen") == 64 and
            ipaddress.ip_address(a["local"]) in net)


def preferred(a):
    """True if the address isn't deprecated."""
    return a.get("preferred_life_time", 1) != 0 and not a.get("deprecated")


def slaac(att, prefix):
    """The namespace's SLAAC address in @prefix, its addr_info, or None."""
    for a in addr_info(att, 6):
        if in_prefix(a, prefix) and not a.get("temporary"):
            return a
    return None


def timed(pred, deadline):
    """Seconds until @pred holds, at most @deadline; None if it never did."""
    t0 = time.monotonic()
    if not T.wait_for(pred, deadline, interval=0.05):
        return None
    return time.monotonic() - t0


def write_script(tmp, name, text):
    p = tmp / name
    p.write_text(text)
    p.chmod(0o755)
    return p


UDHCPC_SCRIPT = """#!/bin/sh
# busybox udhcpc hook: the lease's address on the interface, alone
case "$1" in
deconfig)
  busybox ip -4 addr flush dev "$interface"
  ;;
bound|renew)
  busybox ip -4 addr flush dev "$interface"
  busybox ip addr add "$ip/${mask:-24}" dev "$interface"
  echo "LEASE $1 ip=$ip lease=$lease t=$(date +%%s.%%N)" >> "%s"
  ;;
esac
exit 0
"""


def start_udhcpc(procs, att):
    """busybox udhcpc in the foreground in @att's namespace, renewing."""
    need_prog("busybox")
    log = att.tmp / "udhcpc.events"
    script = write_script(att.tmp, "udhcpc-f.sh", UDHCPC_SCRIPT % log)
    procs.popen(["ip", "netns", "exec", att.netns, "unshare", "--uts",
                 "busybox", "udhcpc", "-i", att.ifname, "-f", "-t", "20",
                 "-T", "1", "-A", "1", "-s", script],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return log


DHCLIENT_SCRIPT = """#!/bin/sh
# dhclient -sf hook: the lease's addresses on the interface with their
# lifetimes, as Debian's dhclient-script does; lifetime 0: removed
echo "$reason ip4=$new_ip_address ip6=$new_ip6_address \
life=$new_max_life" >> "%s"
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
  ip -4 addr flush dev "$interface"
  ip addr add "$new_ip_address/24" dev "$interface"
  ;;
EXPIRE|FAIL|RELEASE|STOP)
  ip -4 addr flush dev "$interface"
  ;;
BOUND6|RENEW6|REBIND6)
  if [ "$new_max_life" = 0 ]; then
    ip -6 addr del "$new_ip6_address/128" dev "$interface"
  else
    ip -6 addr replace "$new_ip6_address/128" dev "$interface" nodad \
      valid_lft "$new_max_life" preferred_lft "$new_preferred_life"
  fi
  ;;
EXPIRE6|RELEASE6|STOP6|DEPREF6)
  ;;
esac
exit 0
"""


def start_dhclient(procs, att, family):
    """ISC dhclient -4 or -6 in the foreground in @att's namespace."""
    need_prog("dhclient")
    log = att.tmp / ("dhclient%s.events" % family)
    script = write_script(att.tmp, "dh%s-f.sh" % family,
                          DHCLIENT_SCRIPT % log)
    procs.popen(["ip", "netns", "exec", att.netns, "unshare", "--uts",
                 "dhclient", "-" + family, "-d", "-cf", "/dev/null",
                 "-sf", script, "-lf", att.tmp / ("lease-f" + family),
                 "-pf", att.tmp / ("pid-f" + family), att.ifname],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return log


def host128(att, addr):
    """True if @addr is on the namespace's interface."""
    return any(a["local"] == addr for a in addr_info(att, 6))


def start_pasta(attach_pasta, tmp, *args):
    log = tmp / "pasta.log"
    return attach_pasta("-l", log, "--dhcp-lease", str(LEASE), *args), log


@pytest.mark.parametrize("client", ["udhcpc", "dhclient"])
def test_dhcp_renews_to_new_address(host_back, attach_pasta, procs, tmp,
                                    pasta, client):
    """udhcpc, dhclient -4 (which takes T1 from option 58): the renewal of
    the old address gets a NAK, the next DISCOVER the host's new address,
    within half the lease (udhcpc's, see UDHCPC_LEASE)."""
    ours(pasta)
    att, _ = start_pasta(attach_pasta, tmp, "-4")
    if client == "udhcpc":
        ev, lease = start_udhcpc(procs, att), UDHCPC_LEASE
    else:
        ev, lease = start_dhclient(procs, att, "4"), LEASE
    assert T.wait_for(lambda: ns_addrs(att, 4) == [T.HOST4 + "/24"], 15), \
        ev.read_text() if ev.exists() else "no lease"
    if client == "udhcpc":
        assert "lease=%d" % LEASE in ev.read_text()
    replace_v4()
    took = timed(lambda: ns_addrs(att, 4) == [NEW4 + "/24"],
                 lease / 2 + MARGIN)
    assert took is not None, ev.read_text()
    print("%s: new address after %.1f s" % (client, took))


def test_dhclient6_renews_to_new_address(host_back6, attach_pasta, procs,
                                         tmp, pasta):
    """dhclient -6: the Renew of the old address gets the new one and
    the old one with lifetimes 0: the hook, as Debian's, adds the first
    and removes the second."""
    ours(pasta)
    att, _ = start_pasta(attach_pasta, tmp, "-6")
    assert T.wait_for(lambda: T.ll_ready(host_back6, att.netns, att.ifname),
                      5, 0.1), "link-local address still tentative"
    ev = start_dhclient(procs, att, "6")
    assert T.wait_for(lambda: host128(att, T.HOST6), 15), \
        ev.read_text() if ev.exists() else "no lease"
    replace_v6_prefix()
    took = timed(lambda: host128(att, NEW6) and not host128(att, T.HOST6),
                 LEASE / 2 + MARGIN)
    assert took is not None, ev.read_text()
    print("dhclient -6: new address after %.1f s" % took)
    print(ev.read_text())


def test_slaac_moves_at_once(host_back6, attach_pasta, tmp, pasta):
    """Kernel SLAAC: the unsolicited router advertisement gives the new
    prefix at once, and deprecates the address in the old one."""
    ours(pasta)
    att, log = start_pasta(attach_pasta, tmp, "-6")
    assert T.wait_for(lambda: slaac(att, OLD6_PREFIX), 10), \
        T.sh(["ip", "-n", att.netns, "addr"]) + log.read_text()
    replace_v6_prefix()
    took = timed(lambda: slaac(att, NEW6_PREFIX) and
                 not preferred(slaac(att, OLD6_PREFIX)), SLAAC_DEADLINE)
    assert took is not None, addr_info(att, 6)
    print("SLAAC: new prefix, old one deprecated after %.2f s" % took)
    new, old = slaac(att, NEW6_PREFIX), slaac(att, OLD6_PREFIX)
    assert preferred(new)
    # RFC 4862 5.5.3 e: the old address stays valid, two hours at most
    assert 0 < old["valid_life_time"] <= 7200
    assert "Router advertisement sent" in log.read_text()


def exchange(procs, tmp, lns, laddr, cns, dst, port, n):
    """A connection from namespace @cns to @dst:@port reaches a listener on
    @laddr in namespace @lns: @n bytes each way, hashes equal."""
    srv = T.start_peer(procs, lns, "listen", laddr, port, tmp, send=n,
                       seed=2, deadline=20)
    cli = procs.popen(["ip", "netns", "exec", cns] +
                      T.peer_argv("connect", dst, port, send=n, seed=1,
                                  deadline=20))
    ls, peer = T.peer_result(srv, 25), T.peer_result(cli, 25)
    assert ls["recv"] == n and peer["recv"] == n, (ls, peer)
    assert ls["recv_sha"] == peer["sent_sha"]
    assert peer["recv_sha"] == ls["sent_sha"]


def inbound_once(procs, tmp, topo, att, port, dst):
    """A connection from remote to @dst:@port reaches a listener in the
    namespace, 64 KiB each way, hashes equal."""
    exchange(procs, tmp, att.netns, "0.0.0.0", topo.remote, dst, port,
             64 * 1024)


UDHCPC_ONCE = """#!/bin/sh
case "$1" in
bound)
  busybox ip -4 addr flush dev "$interface"
  busybox ip addr add "$ip/${mask:-24}" dev "$interface"
  ;;
esac
exit 0
"""


def test_inbound_reaches_guest_before_and_after_renewal(host_back,
                                                        attach_pasta, procs,
                                                        tmp, pasta):
    """-t forwarding after the host's IPv4 address changed: until the
    guest renews, inbound connections go to the address it has (the old
    one); once it took the new one and sends from it, to the new one."""
    ours(pasta)
    need_prog("busybox")
    port = 17290
    att = attach_pasta("-4", "--dhcp-lease", "3600",
                       fwd=T.fwd_args(tcp=[port]))
    script = write_script(tmp, "udhcpc-once.sh", UDHCPC_ONCE)
    argv = ["unshare", "--uts", "busybox", "udhcpc", "-i", att.ifname,
            "-n", "-q", "-f", "-t", "3", "-T", "1", "-s", script]
    assert host_back.in_ns(att.netns, argv).returncode == 0
    assert ns_addrs(att, 4) == [T.HOST4 + "/24"]
    replace_v4()
    time.sleep(0.5)
    inbound_once(procs, tmp, host_back, att, port, NEW4)

    # what the renewal would do: the new lease, and traffic from it
    assert host_back.in_ns(att.netns, argv).returncode == 0
    assert ns_addrs(att, 4) == [NEW4 + "/24"]
    host_back.in_ns(att.netns, ["ping", "-c", "1", "-W", "1", T.GW4])
    inbound_once(procs, tmp, host_back, att, port, NEW4)


def renumbering_ras(pcap):
    """Times of the router advertisements in @pcap that deprecate a
    prefix (a Prefix Information option with Preferred Lifetime 0)."""
    data, off, times = pcap.read_bytes(), 24, []
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from("<IIII", data, off)
        f = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(f) < 70 or f[12:14] != b"\x86\xdd" or f[20] != 58 or \
           f[54] != 134:
            continue
        o = 70
        while o + 8 <= len(f) and f[o + 1]:
            if f[o] == 3 and struct.unpack_from("!I", f, o + 8)[0] == 0:
                times.append(sec + usec / 1e6)
            o += f[o + 1] * 8
    return times


def test_renumbering_ra_sent_three_times(host_back6, attach_pasta, procs,
                                         tmp, pasta):
    """RFC 4861 6.2.4: the advertisement that deprecates the old prefix
    goes out three times, at least 4 s apart, while the guest sends (no
    timer: the repeats ride on rounds of events the loop runs anyway)."""
    ours(pasta)
    pcap = tmp / "ra.pcap"
    att, _ = start_pasta(attach_pasta, tmp, "-6", "--pcap", pcap)
    assert T.wait_for(lambda: slaac(att, OLD6_PREFIX), 10)
    replace_v6_prefix()
    assert T.wait_for(lambda: slaac(att, NEW6_PREFIX), SLAAC_DEADLINE)
    # some traffic from the guest for 10 s: rounds of events in pasta
    procs.popen(["ip", "netns", "exec", att.netns, "ping", "-6", "-q",
                 "-i", "0.2", "-w", "10", T.REMOTE6],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert T.wait_for(lambda: len(renumbering_ras(pcap)) >= 3, 12), \
        renumbering_ras(pcap)
    time.sleep(4.5)     # no fourth one, though the guest still sends
    t = renumbering_ras(pcap)
    assert len(t) == 3, t
    assert t[1] - t[0] >= 3.9 and t[2] - t[1] >= 3.9, t


def test_no_follow_host_keeps_lease_and_prefix(host_back6, attach_pasta,
                                               procs, tmp, pasta):
    """--no-follow-host: an infinite lease, and after a host change no
    advertisement: the namespace keeps its SLAAC address, preferred, and
    gets none in the new prefix. The reference builds behave the same
    without the option, which they don't know."""
    if deb13_env.in_root(pasta) is not None:
        pytest.skip("Debian 13's pasta runs in its root only (deb13_env), "
                    "which attach_pasta doesn't use")
    args = [] if T.is_reference(pasta) else ["--no-follow-host"]
    att = attach_pasta(*args)
    ev = start_udhcpc(procs, att)
    assert T.wait_for(lambda: ns_addrs(att, 4) == [T.HOST4 + "/24"], 15)
    assert T.wait_for(lambda: slaac(att, OLD6_PREFIX), 10)
    assert "lease=4294967295" in ev.read_text(), ev.read_text()
    replace_v4()
    replace_v6_prefix()
    end = time.monotonic() + SLAAC_DEADLINE
    while time.monotonic() < end:
        assert slaac(att, NEW6_PREFIX) is None, addr_info(att, 6)
        assert preferred(slaac(att, OLD6_PREFIX)), addr_info(att, 6)
        time.sleep(0.1)
    assert ns_addrs(att, 4) == [T.HOST4 + "/24"]



def test_passt_guest_follows(host_back6, passt_guest, procs):
    """passt, a kernel guest: SLAAC moves at once, udhcpc at its renewal."""
    ours(T.tool_path("passt"))
    g = passt_guest("--dhcp-lease", str(LEASE), configure=False)
    ev = start_udhcpc(procs, g)
    assert T.wait_for(lambda: ns_addrs(g, 4) == [T.HOST4 + "/24"], 15), \
        ev.read_text() if ev.exists() else "no lease"
    assert T.wait_for(lambda: slaac(g, OLD6_PREFIX), 15), addr_info(g, 6)
    replace_v6_prefix()
    replace_v4()
    took6 = timed(lambda: slaac(g, NEW6_PREFIX) and
                  not preferred(slaac(g, OLD6_PREFIX)), SLAAC_DEADLINE)
    assert took6 is not None, addr_info(g, 6)
    took4 = timed(lambda: ns_addrs(g, 4) == [NEW4 + "/24"],
                  UDHCPC_LEASE / 2 + MARGIN)
    assert took4 is not None, ev.read_text()
    print("passt: SLAAC after %.2f s, udhcpc after %.1f s more"
          % (took6, took4))
