# SPDX-License-Identifier: GPL-2.0-or-later
"""test_tcp_nat.py - the address translations of compat.md 1.2 for TCP.

A one-shot banner server answers each connection with a line naming where it
runs; pasta's namespace connects to the guest-side addresses:

* the gateway (default --map-host-loopback) reaches a server on the host's
  loopback, and doesn't with --no-map-gw;
* --map-host-loopback ADDR moves that to ADDR;
* --map-guest-addr ADDR reaches the host's own address;
* --dns-forward ADDR port 53 reaches --dns-host;
* a client on the host's loopback reaching a -t port appears to the
  namespace as the gateway.
"""

import itertools

import pytest

import topo as T

_ports = itertools.count(24100)

BANNER = r"""
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4)
print("ready", flush=True)
s.settimeout(20)
c, peer = s.accept()
c.sendall((sys.argv[3] + " " + peer[0] + "\n").encode())
c.close()
"""

CLIENT = r"""
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    print(c.makefile().readline().strip())
except OSError as e:
    print("error", e.errno)
"""


def banner(procs, netns, addr, port, name):
    p = procs.popen(["ip", "netns", "exec", netns, T.PY, "-c", BANNER,
                     addr, str(port), name], stdout=T.subprocess.PIPE,
                    text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def connect_from_ns(topo, pasta, args, addr, port):
    r = topo.run_as_user_in_host([pasta, "--config-net"] + T.NO_FWD +
                                 list(args) + ["--", T.PY, "-c", CLIENT,
                                               addr, str(port)],
                                 timeout=20)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.parametrize("gw,lo", [(T.GW4, "127.0.0.1"), (T.GW6, "::1")],
                         ids=["v4", "v6"])
def test_gateway_is_host_loopback(topo, procs, pasta, gw, lo):
    port = next(_ports)
    banner(procs, topo.host, lo, port, "host-lo")
    out = connect_from_ns(topo, pasta, [], gw, port)
    assert out.startswith("host-lo "), out


@pytest.mark.ours_only("the 2023 pasta doesn't pass the host's "
                       "ECONNREFUSED on to the namespace")
def test_no_map_gw_reaches_the_real_gateway(topo, procs, pasta):
    port = next(_ports)
    banner(procs, topo.host, "127.0.0.1", port, "host-lo")
    out = connect_from_ns(topo, pasta, ["--no-map-gw"], T.GW4, port)
    assert out == "error 111", out  # ECONNREFUSED from remote


@pytest.mark.ours_only("--map-host-loopback ADDR is newer than 2023")
def test_map_host_loopback_address(topo, procs, pasta):
    port = next(_ports)
    banner(procs, topo.host, "127.0.0.1", port, "host-lo")
    out = connect_from_ns(topo, pasta, ["--map-host-loopback",
                                        "169.254.1.3"], "169.254.1.3", port)
    assert out.startswith("host-lo "), out


@pytest.mark.ours_only("--map-guest-addr is newer than 2023")
def test_map_guest_addr_reaches_host(topo, procs, pasta):
    port = next(_ports)
    banner(procs, topo.host, T.HOST4, port, "host-own")
    out = connect_from_ns(topo, pasta, ["--map-guest-addr", "169.254.1.2"],
                          "169.254.1.2", port)
    assert out.startswith("host-own "), out


@pytest.mark.ours_only("--dns-host is newer than 2023")
def test_dns_forward_tcp_port_53(topo, procs, pasta):
    banner(procs, topo.remote, T.REMOTE4, 53, "resolver")
    out = connect_from_ns(topo, pasta, ["--dns-forward", "169.254.1.1",
                                        "--dns-host", T.REMOTE4],
                          "169.254.1.1", 53)
    assert out.startswith("resolver "), out


@pytest.mark.ours_only("--no-splice is newer than 2023")
def test_inbound_from_host_loopback_appears_as_gateway(topo, procs, tmp,
                                                       pasta):
    port = next(_ports)
    target = topo.start_user_netns(procs)
    # through the tap (--no-splice): spliced connections come from the
    # namespace's own address instead (test_splice.py)
    r, _ = topo.start_pasta_attached(procs, pasta,
                                     ["--config-net", "--no-splice"], target,
                                     tmp, fwd=T.fwd_args(tcp=[port]))
    assert r.returncode == 0, r.stderr
    name = topo.attach_netns(target)
    try:
        banner(procs, name, "0.0.0.0", port, "in-ns")
        r = topo.in_ns(topo.host, [T.PY, "-c", CLIENT, "127.0.0.1",
                                   str(port)], timeout=20)
        assert r.stdout.strip() == "in-ns " + T.GW4, r.stdout
    finally:
        topo.detach_netns(name)
