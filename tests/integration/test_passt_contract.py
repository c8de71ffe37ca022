# SPDX-License-Identifier: GPL-2.0-or-later
"""test_passt_contract.py - passt started exactly as libvirt and qemu do.

compat.md section 3.  passt runs as the test user in `host`; nothing here
uses -f.

* libvirt 9.0 (3.1): `passt --one-off --socket S --mac-addr M --mtu 1500
  --interface ext0 --log-file F --address 198.51.100.10 --netmask 24
  --tcp-ports 198.51.100.1%ext0/PORT:8080 --udp-ports PORT2:8081`: the
  command exits 0 (libvirt's "Could not start 'passt'" otherwise) leaving
  one daemon whose command line names the socket; the socket exists, the
  forwarded ports are bound on the given address (TCP) and port (UDP), the
  log file exists, and a client of the socket gets a DHCP offer for
  198.51.100.10/24, router .254, MTU 1500, DNS 198.51.100.2, sent from the
  --mac-addr address (upstream uses it as passt's own MAC); with --one-off
  the daemon is gone within 5 s of the client closing.
* current libvirt (3.2) is no longer played here: test_libvirt.py runs
  Debian 13's libvirt 11.3, whose argv (`--pid`, `--interface`,
  `--log-file`, IPv4 and IPv6 `--address`, `--netmask`, `--tcp-ports
  ADDR%DEV/P:Q`, `--udp-ports`) and pid file it checks with a real guest.
* qemu 10.1 `-netdev passt` (3.4): `passt --quiet [--mtu ...]
  --pid TMP --fd 3` with one end of a socketpair on fd 3, run by
  `guest_bridge.py qemu-launch` (a child subreaper, so the daemon becomes
  its child): the command exits 0 without printing, strtoll() of the pid
  file is a live process, passt answers DHCP on the socketpair, and exits
  with status 0 once the peer end is closed.
"""

import itertools
import json

import pytest

import guest_bridge as G
import topo as T
from guest_bridge import passt  # noqa: F401 (fixture)

LIBVIRT_MAC = "52:54:00:ab:cd:ef"
GUEST_ADDR4 = "198.51.100.10"

_ports = itertools.count(27100)


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def daemons_for(topo, sock):
    """Live processes of the test user whose argv names @sock."""
    return [pid for pid in T.user_pids(topo.user.pw_uid)
            if sock.encode() in cmdline(pid)]


def listening(netns, proto, addr, port):
    """Sockets ss lists in @netns bound to @addr (None: any) and @port."""
    r = T.run(["ip", "netns", "exec", netns, "ss", "-Hln" + proto,
               "sport = :%d" % port])
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    if addr is None:
        return lines
    return [ln for ln in lines if (" %s:" % addr) in ln or
            (" %s%%" % addr) in ln]


def libvirt_argv(passt_bin, sock, log, tport, uport):
    return [passt_bin, "--one-off", "--socket", sock,
            "--mac-addr", LIBVIRT_MAC, "--mtu", "1500", "--interface",
            T.HOST_IF, "--log-file", log, "--address", GUEST_ADDR4,
            "--netmask", "24",
            "--tcp-ports", "%s%%%s/%d:8080" % (T.HOST4, T.HOST_IF, tport),
            "--udp-ports", "%d:8081" % uport]


def check_offer(offer, yiaddr, mtu, mac=None):
    assert offer, "no DHCP offer on passt's socket"
    assert offer["yiaddr"] == yiaddr, offer
    assert G.opt_addr(offer, 1) == "255.255.255.0", offer
    assert G.opt_addr(offer, 3) == T.GW4, offer
    assert G.opt_addr(offer, 6) == T.REMOTE4, offer
    assert G.opt_u16(offer, 26) == mtu, offer
    if mac:
        assert offer["src_mac"] == mac, offer


def test_libvirt_9_0_argv(topo, procs, tmp, passt):
    """Start passt as libvirt 9.0 does, check the daemon, its socket,
    ports, log and DHCP, then that --one-off ends it."""
    sock = str(tmp / "1-guest-net0.socket")
    log = tmp / "passt.log"
    tport, uport = next(_ports), next(_ports)
    r = topo.run_as_user_in_host(libvirt_argv(passt, sock, str(log),
                                              tport, uport))
    pids = daemons_for(topo, sock)
    for pid in pids:
        procs.add(pid)
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr)
    assert len(pids) == 1, "daemons: %s" % pids
    pid = pids[0]
    assert G.is_socket(sock), "no socket at " + sock
    assert listening(topo.host, "t", T.HOST4, tport), \
        "TCP port %d not bound on %s" % (tport, T.HOST4)
    assert listening(topo.host, "u", None, uport), \
        "UDP port %d not bound" % uport
    assert log.exists(), "no --log-file"
    c = G.StreamClient(sock)
    offer = c.dhcp_offer(mac=LIBVIRT_MAC)
    check_offer(offer, GUEST_ADDR4, 1500, LIBVIRT_MAC)
    assert T.pid_alive(pid)
    c.close()
    assert T.wait_for(lambda: not T.pid_alive(pid), 5), \
        "--one-off passt still running after its client left"


QEMU_ARGS = {
    "plain": ([], T.HOST4, T.MTU_DEFAULT),
    "options": (["--mtu", "1500", "--address", "198.51.100.20", "--netmask",
                 "255.255.255.0", "--mac-addr", "52:54:00:00:00:20",
                 "--gateway", T.GW4, "--interface", T.HOST_IF,
                 "--dns", T.REMOTE4], "198.51.100.20", 1500),
}


@pytest.mark.parametrize("variant", QEMU_ARGS)
def test_qemu_10_1_netdev_passt(topo, procs, tmp, passt, variant):
    extra, yiaddr, mtu = QEMU_ARGS[variant]
    pidfile = tmp / "passt-XXXXXX.pid"
    pidfile.touch()
    pidfile.chmod(0o666)     # qemu creates it with mkstemp; passt rewrites it
    argv = ([T.PY, str(T.HERE / "guest_bridge.py"), "qemu-launch",
             str(pidfile), "--"] + topo.user_prefix() +
            [passt, "--quiet"] + extra + ["--pid", str(pidfile),
                                          "--fd", "3"])
    r = T.run(argv, timeout=45)
    assert r.returncode == 0, r.stdout + r.stderr
    res = json.loads(r.stdout.splitlines()[-1])
    if res.get("pid"):
        procs.add(res["pid"])
    assert res["parent_rc"] == 0, res
    assert res["parent_out"] == "" and res["parent_err"] == "", \
        ("--quiet passt printed something", res)
    assert res["pid"] and res["pid"] > 1, ("pid file", res)
    assert res["alive"], ("pid file names no live process", res)
    assert res["offer"] and res["offer"]["yiaddr"] == yiaddr, res
    assert res["alive_after_dhcp"], res
    assert res["daemon"] == ["exit", 0], \
        ("passt did not exit 0 when the socketpair closed", res)
