# SPDX-License-Identifier: GPL-2.0-or-later
"""test_dns.py - DNS through pasta: forwarded (--dns-forward) and direct.

dnsmasq runs as root in `remote` (198.51.100.2 and 2001:db8:1::2, port 53,
UDP and TCP) and serves an A and an AAAA record.  The host namespace's
resolv.conf names 198.51.100.2 first, so pasta's resolver (--dns-host's
default) is that dnsmasq.  pasta runs attached to a user namespace with
--config-net; the clients (dig, host, nslookup) run as root inside it.

* --dns-forward 169.254.1.1: `dig @169.254.1.1` gets the A and the AAAA
  record over UDP and over TCP (+tcp), and the answer comes from
  169.254.1.1 (dig rejects an answer from another address);
* without forwarding: `dig @198.51.100.2` and `dig @2001:db8:1::2`, over
  UDP and TCP (plain translation);
* `host` and `nslookup` through the forwarder, and `host` with the
  namespace's own resolv.conf (nameserver 198.51.100.2);
* with --dns-forward on, queries straight to 198.51.100.2 still get their
  answers (from 198.51.100.2: forwarding is per flow, not a rewrite of
  every datagram from the resolver's port 53);
* 200 queries from 200 source ports through the forwarder, all answered
  with their own ID;
* dnsmasq's log proves the queries really reached it.
"""


import pytest

import topo as T

NAME = "www.test.example"
A = "192.0.2.10"
AAAA = "2001:db8:5::10"
FWD4 = "169.254.1.1"
DIG = ["dig", "+time=2", "+tries=2", "+short"]


@pytest.fixture(scope="module")
def dnsmasq(topo, tmp_path_factory):
    """dnsmasq in `remote`, foreground, killed by PID at the end; yields a
    function returning its log so far."""
    T.need(T.shutil.which("dnsmasq") is not None,
           "dnsmasq is not installed (dnsmasq-base)")
    T.need(T.shutil.which("dig") is not None,
           "dig is not installed (bind9-dnsutils)")
    log = tmp_path_factory.mktemp("dns") / "dnsmasq.log"
    procs = T.Procs()
    with open(log, "w") as f:
        p = procs.popen(["ip", "netns", "exec", topo.remote, "dnsmasq",
                         "--keep-in-foreground", "--log-facility=-",
                         "--log-queries", "--conf-file=/dev/null",
                         "--no-resolv", "--no-hosts", "--bind-interfaces",
                         "--listen-address=%s,%s" % (T.REMOTE4, T.REMOTE6),
                         "--port=53", "--pid-file=",
                         "--host-record=%s,%s,%s" % (NAME, A, AAAA)],
                        stdout=f, stderr=f)
    try:
        def up():
            r = topo.in_ns(topo.remote, DIG + ["@" + T.REMOTE4, NAME, "A"])
            return r.stdout.strip() == A
        ok = T.wait_for(up, 10, 0.2)
        if not ok:
            p.poll()
            raise RuntimeError("dnsmasq did not answer (exit %s): %s"
                               % (p.returncode, log.read_text()))
        yield lambda: log.read_text(errors="replace")
    finally:
        procs.cleanup()


def dig(topo, att, server, qtype, tcp=False):
    args = DIG + (["+tcp"] if tcp else []) + ["@" + server, NAME, qtype]
    r = topo.in_ns(att.netns, args, timeout=20)
    return r.stdout.strip() + r.stderr.strip()


def queries_since(log, mark, qtype):
    """Number of `query[QTYPE] NAME` lines dnsmasq logged after @mark."""
    return log()[mark:].count("query[%s] %s " % (qtype, NAME))


@pytest.mark.parametrize("tcp", [False, pytest.param(
    True, marks=pytest.mark.ours_only("Debian's 2023 pasta redirects only "
                                      "UDP to the --dns-forward address"))],
    ids=["udp", "tcp"])
def test_dig_through_dns_forward(topo, attach_pasta, dnsmasq, tcp):
    att = attach_pasta("--config-net", "--dns-forward", FWD4)
    mark = len(dnsmasq())
    assert dig(topo, att, FWD4, "A", tcp) == A
    assert dig(topo, att, FWD4, "AAAA", tcp) == AAAA
    # dnsmasq answered them: pasta did not make the answers up
    assert T.wait_for(lambda: queries_since(dnsmasq, mark, "AAAA") >= 1, 2)
    assert queries_since(dnsmasq, mark, "A") >= 1
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.parametrize("server,tcp", [(T.REMOTE4, False), (T.REMOTE4, True),
                                        (T.REMOTE6, False), (T.REMOTE6, True)],
                         ids=["v4-udp", "v4-tcp", "v6-udp", "v6-tcp"])
def test_dig_direct(topo, attach_pasta, dnsmasq, server, tcp):
    att = attach_pasta("--config-net")
    assert dig(topo, att, server, "A", tcp) == A
    assert dig(topo, att, server, "AAAA", tcp) == AAAA


def test_host_and_nslookup_through_forwarder(topo, attach_pasta, dnsmasq):
    att = attach_pasta("--config-net", "--dns-forward", FWD4)
    r = topo.in_ns(att.netns, ["host", "-W", "2", NAME, FWD4], timeout=20)
    assert "has address " + A in r.stdout, r.stdout + r.stderr
    assert "has IPv6 address " + AAAA in r.stdout, r.stdout + r.stderr
    r = topo.in_ns(att.netns, ["nslookup", "-timeout=2", NAME, FWD4],
                   timeout=20)
    assert "Address: " + A in r.stdout, r.stdout + r.stderr
    assert "Address: " + AAAA in r.stdout, r.stdout + r.stderr


def test_host_with_resolv_conf(topo, attach_pasta, dnsmasq):
    """No server given: the namespace's resolv.conf (198.51.100.2 first)."""
    att = attach_pasta("--config-net")
    r = topo.in_ns(att.netns, ["host", "-W", "2", "-t", "A", NAME],
                   timeout=20)
    assert "has address " + A in r.stdout, r.stdout + r.stderr
    assert "error" not in r.stdout + r.stderr, r.stdout + r.stderr


@pytest.mark.ours_only("Debian's 2023 pasta, with --dns-forward, rewrites "
                       "the source of every reply from the resolver's port "
                       "53 to the forwarder's address: dig @198.51.100.2 "
                       "times out")
def test_direct_queries_with_forwarding_on(topo, attach_pasta, dnsmasq):
    att = attach_pasta("--config-net", "--dns-forward", FWD4)
    assert dig(topo, att, FWD4, "A") == A
    assert dig(topo, att, T.REMOTE4, "A") == A
    assert dig(topo, att, FWD4, "AAAA") == AAAA
    assert dig(topo, att, T.REMOTE4, "AAAA") == AAAA


def test_many_queries_from_many_ports(topo, attach_pasta, dnsmasq):
    """200 queries, each from its own source port (as a stub resolver
    does), all through the forwarder: every one answered, with its ID."""
    att = attach_pasta("--config-net", "--dns-forward", FWD4)
    r = topo.in_ns(att.netns, [T.PY, "-c", MANY_QUERIES, FWD4, NAME, "200"],
                   timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["answered", "200", "of", "200"], r.stdout
    assert T.pid_alive(att.pasta_pid)


# A DNS query for @name type A with ID @i, from a fresh socket each time; the
# answer must carry the same ID, rcode 0, one answer (RFC 1035 4.1.1).
MANY_QUERIES = r"""
import socket, struct, sys
server, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
socks, ok = [], 0
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + qname +
             struct.pack(">HH", 1, 1), (server, 53))
    socks.append(s)
for i, s in enumerate(socks):
    for _ in range(3):
        try:
            data, sa = s.recvfrom(4096)
        except socket.timeout:
            break
        qid, flags, qd, an = struct.unpack(">HHHH", data[:8])
        if sa == (server, 53) and qid == i and flags & 0xf == 0 and an == 1:
            ok += 1
            break
print("answered", ok, "of", n)
"""
