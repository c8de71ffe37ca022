# SPDX-License-Identifier: GPL-2.0-or-later
"""test_follow_dns.py - pasta follows the host's resolv.conf while it runs.

Two dnsmasq in `remote` answer the same name differently: the "old" one on
198.51.100.2 (the first nameserver of the host's resolv.conf, so the
resolver --dns-forward goes to at start) with 192.0.2.10, the "new" one on
198.51.100.3 (added to rem0 here) with 192.0.2.20.  pasta runs with
--config-net --dns-forward 169.254.1.1; a query to 169.254.1.1 from the
namespace tells by its answer which resolver it reached.  After each change
of resolv.conf the next query must reach the new resolver within 2 s:

* rewritten in place: the file pasta sees is /etc/netns/<host>/resolv.conf
  bind-mounted on /etc/resolv.conf by `ip netns exec`, written through its
  own path (only a watch on the inode sees that);
* replaced by a rename in its directory, and through a symlink into another
  mount (as systemd-resolved's ../run/systemd/resolve/stub-resolv.conf):
  target replaced by a rename, then the symlink replaced by one to another
  file of that directory.  These run pasta in a private mount namespace
  with an overlay on /etc (the machine's /etc is never written) and a tmpfs
  standing for /run;
* without --config-net, the next DHCP lease (busybox udhcpc) carries the
  new resolver and search list; -D and -S pin them; passt's next DHCP
  offer (over its socket) too;
* --dns-host pins the resolver: the change is not followed;
* at rest, the watch costs nothing: pasta's context switches over 3 s.
"""

import re
import time

import pytest

import topo as T
from test_dhcp_clients import udhcpc
from test_passt_socket import Client, arp_roundtrip, dhcp_discover, start_fg

NAME = "www.test.example"
OLD, NEW = T.REMOTE4, "198.51.100.3"
OLD_A, NEW_A = "192.0.2.10", "192.0.2.20"
FWD4 = "169.254.1.1"
DIG = ["dig", "+time=1", "+tries=1", "+short"]
FOLLOW_S = 2.0
HOST_RESOLV = "nameserver %s\nnameserver %s\nsearch %s\n"
# Deliberately better: upstream reads resolv.conf once, at start
FOLLOWS = pytest.mark.ours_only("upstream pasta reads resolv.conf only at "
                                "start")


def resolv(server):
    return HOST_RESOLV % (server, T.REMOTE6, T.SEARCH)


@pytest.fixture(scope="module")
def servers(topo, tmp_path_factory):
    """dnsmasq on OLD and on NEW in `remote`, killed by PID at the end."""
    T.need(T.shutil.which("dnsmasq") is not None,
           "dnsmasq is not installed (dnsmasq-base)")
    T.need(T.shutil.which("dig") is not None,
           "dig is not installed (bind9-dnsutils)")
    T.sh(["ip", "-n", topo.remote, "addr", "add", NEW + "/24", "dev",
          T.REMOTE_IF])
    d = tmp_path_factory.mktemp("dnsfollow")
    procs = T.Procs()
    try:
        for addr, answer in ((OLD, OLD_A), (NEW, NEW_A)):
            log = open(d / ("dnsmasq-%s.log" % addr), "w")
            procs.popen(["ip", "netns", "exec", topo.remote, "dnsmasq",
                         "--keep-in-foreground", "--log-facility=-",
                         "--conf-file=/dev/null", "--no-resolv",
                         "--no-hosts", "--bind-interfaces",
                         "--listen-address=" + addr, "--port=53",
                         "--pid-file=",
                         "--host-record=%s,%s" % (NAME, answer)],
                        stdout=log, stderr=log)
        for addr, answer in ((OLD, OLD_A), (NEW, NEW_A)):
            ok = T.wait_for(lambda: topo.in_ns(
                topo.remote, DIG + ["@" + addr, NAME, "A"]).stdout.strip()
                == answer, 10, 0.2)
            assert ok, "dnsmasq on %s did not answer" % addr
        yield
    finally:
        procs.cleanup()
        T.run(["ip", "-n", topo.remote, "addr", "del", NEW + "/24", "dev",
               T.REMOTE_IF], timeout=10)


@pytest.fixture
def host_resolv(topo):
    """The host namespace's resolv.conf, put back as it was afterwards."""
    path = T.Path("/etc/netns") / topo.host / "resolv.conf"
    saved = path.read_text()
    yield path
    path.write_text(saved)


def ask(netns):
    """Answer to a query for NAME through the --dns-forward address."""
    r = T.run(["ip", "netns", "exec", netns] + DIG + ["@" + FWD4, NAME, "A"],
              timeout=10)
    return r.stdout.strip()


def time_to(netns, answer, limit=FOLLOW_S):
    """Seconds until a query through the forwarder gets @answer, or None
    if it doesn't within @limit.  One query at a time, back to back."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if ask(netns) == answer:
            return time.monotonic() - start
        time.sleep(0.02)
    return None


@FOLLOWS
def test_rewritten_in_place(topo, attach_pasta, servers, host_resolv):
    """The bind-mounted file, rewritten through its own path."""
    att = attach_pasta("--config-net", "--dns-forward", FWD4)
    assert ask(att.netns) == OLD_A
    host_resolv.write_text(resolv(NEW))
    t = time_to(att.netns, NEW_A)
    assert t is not None, "still %r after %.1f s" % (ask(att.netns),
                                                      FOLLOW_S)
    print("in place: new resolver used after %.3f s" % t)
    # and back
    host_resolv.write_text(resolv(OLD))
    assert time_to(att.netns, OLD_A) is not None
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.ours_only("Debian 12's 2023 pasta has no --dns-host")
def test_dns_host_pins(topo, attach_pasta, servers, host_resolv):
    """--dns-host given: a changed resolv.conf doesn't move --dns-forward."""
    att = attach_pasta("--config-net", "--dns-forward", FWD4,
                       "--dns-host", OLD)
    assert ask(att.netns) == OLD_A
    host_resolv.write_text(resolv(NEW))
    time.sleep(FOLLOW_S)
    assert ask(att.netns) == OLD_A
    assert T.pid_alive(att.pasta_pid)


DHCP_ARGS = ["--dhcp-dns", "--dhcp-search"]


@FOLLOWS
def test_dhcp_lease_follows(topo, attach_pasta, host_resolv):
    """Without --config-net: the next DHCP lease carries the new resolver
    and search list (busybox udhcpc, a fresh lease each time)."""
    att = attach_pasta(*DHCP_ARGS)
    lease = udhcpc(topo, att)
    assert (lease["dns"], lease["search"]) == (OLD, T.SEARCH)
    host_resolv.write_text(HOST_RESOLV % (NEW, T.REMOTE6, "new.example"))
    time.sleep(0.5)
    lease = udhcpc(topo, att)
    assert (lease["dns"], lease["search"]) == (NEW, "new.example")


def test_dhcp_pinned_by_options(topo, attach_pasta, host_resolv):
    """-D and -S pin what DHCP hands out: a changed resolv.conf isn't."""
    att = attach_pasta(*DHCP_ARGS, "-D", OLD, "-S", T.SEARCH)
    host_resolv.write_text(HOST_RESOLV % (NEW, T.REMOTE6, "new.example"))
    time.sleep(0.5)
    lease = udhcpc(topo, att)
    assert (lease["dns"], lease["search"]) == (OLD, T.SEARCH)
    assert T.pid_alive(att.pasta_pid)


def passt_offer_dns(c, xid):
    """DHCPDISCOVER over passt's socket; the offer's resolvers and search
    list."""
    from scapy.all import DHCP, Ether
    c.send(dhcp_discover(xid))
    f = c.recv_match(lambda f: f[12:14] == b"\x08\x00" and f[23] == 17 and
                     f[36:38] == b"\x00\x44")
    opts = dict(o for o in Ether(f)[DHCP].options if isinstance(o, tuple))
    return opts["name_server"]


@pytest.fixture
def passt_bin():
    p = T.tool_path("passt")
    T.need(T.os.access(p, T.os.X_OK), "passt under test not found: " + p)
    return p


@FOLLOWS
def test_passt_offer_follows(topo, procs, tmp, passt_bin, host_resolv):
    """passt (its own sandbox profile): the next DHCP offer carries the new
    resolver, and the change is logged."""
    path = tmp / "p.socket"
    r = start_fg(topo, procs, passt_bin, ["-s", path])
    r.wait_err(r"addr\.path=" + re.escape(str(path)))
    c = Client.connect(path)
    arp_roundtrip(c)
    assert passt_offer_dns(c, 1) == OLD
    host_resolv.write_text(resolv(NEW))
    r.wait_err(r"DNS: resolvers or search list changed", FOLLOW_S)
    assert passt_offer_dns(c, 2) == NEW
    c.close()
    assert r.p.poll() is None


@FOLLOWS
def test_no_wakeups_at_rest(topo, attach_pasta, servers):
    """The watch is there, and at rest pasta doesn't wake up for it: over
    3 s its context switches are as few as those of a pasta with nothing
    to follow (-D, --dns-host: no watch)."""
    att = attach_pasta("--config-net", "--dns-forward", FWD4)
    pinned = attach_pasta("--config-net", "--dns-forward", FWD4,
                          "--dns-host", OLD)
    # pasta's own namespace watch has one; the resolv.conf one three
    assert T.inotify_watches(att.pasta_pid) >= T.inotify_watches(
        pinned.pasta_pid) + 2
    time.sleep(0.5)
    a0, p0 = T.switches(att.pasta_pid), T.switches(pinned.pasta_pid)
    time.sleep(3)
    da = T.switches(att.pasta_pid) - a0
    dp = T.switches(pinned.pasta_pid) - p0
    print("context switches over 3 s: following %d, not following %d"
          % (da, dp))
    # Both see the same frames of a namespace coming up (router
    # solicitations, at their own times): a margin of 5; a watch polling
    # even at 10 Hz would add 30
    assert da <= dp + 5, (da, dp)


# -- a private mount namespace with an overlay on /etc ---------------------

# $1: directory for the overlay and the holder's PID; $2: script making the
# first resolv.conf; then the command.  The overlay is checked before
# anything is written: the machine's /etc is never touched.
MNT_SETUP = r"""
set -e
mount -t overlay overlay -o lowerdir=/etc,upperdir=$1/up,workdir=$1/work /etc
[ "$(stat -f -c %T /etc)" = overlayfs ]
mkdir -p /etc/ptdns-run
mount -t tmpfs tmpfs /etc/ptdns-run
mkdir -p /etc/ptdns-run/resolve
rm -f /etc/resolv.conf
eval "$2"
sleep 300 </dev/null >/dev/null 2>&1 &
echo $! > $1/holder.pid
shift 2
exec "$@"
"""

LINKED = "ptdns-run/resolve/stub-resolv.conf"


class PrivateEtc:
    """pasta started in a mount namespace of its own, /etc an overlay,
    with a `sleep` holding that namespace for sh()."""

    def __init__(self, topo, procs, tmp, pasta):
        self.dir = T.user_tmpdir()
        for sub in ("up", "work"):
            (self.dir / sub).mkdir()
        self.topo, self.procs, self.tmp, self.pasta = topo, procs, tmp, pasta
        self.holder = None

    def sh(self, script):
        """Run @script as root in the mount namespace, on the overlay."""
        r = T.run(["nsenter", "-t", str(self.holder), "-m", "sh", "-ec",
                   '[ "$(stat -f -c %T /etc)" = overlayfs ]\n' + script],
                  timeout=10)
        assert r.returncode == 0, r.stderr
        return r

    def start(self, first, *args):
        """Make resolv.conf with the script @first, start pasta with
        --config-net --dns-forward and @args; return the netns name."""
        topo = self.topo
        target = topo.start_user_netns(self.procs)
        pidfile = T.Path(self.tmp) / "pasta.pid"
        # user_prefix() is `ip netns exec HOST setpriv ...`: the mount
        # namespace goes between the two
        user = topo.user_prefix()
        cmd = (user[:4] + ["unshare", "-m", "--propagation", "private",
                           "sh", "-c", MNT_SETUP, "sh", str(self.dir),
                           first] + user[4:] +
               [self.pasta] + T.NO_FWD +
               ["--config-net", "--dns-forward", FWD4] + list(args) +
               ["-P", pidfile, str(target)])
        r = T.run(cmd, timeout=15)
        if (self.dir / "holder.pid").exists():
            self.holder = int((self.dir / "holder.pid").read_text())
            self.procs.add(self.holder)
        assert r.returncode == 0, r.stderr
        self.procs.add(int(pidfile.read_text()))
        name = topo.attach_netns(target)
        T.sh(["ip", "-n", name, "link", "set", T.HOST_IF, "up"])
        return name


@pytest.fixture
def private_etc(topo, procs, tmp, pasta, servers):
    T.need(T.shutil.which("nsenter") is not None, "nsenter is not installed")
    p = PrivateEtc(topo, procs, tmp, pasta)
    yield p
    if p.holder:
        T.run(["kill", str(p.holder)], timeout=5)
    T.shutil.rmtree(p.dir, ignore_errors=True)


def put(server):
    """Shell: write a resolv.conf naming @server to the file "$F"."""
    return "printf '%s' > \"$F\"\n" % resolv(server).replace("\n", "\\n")


def follows(netns, answer, what):
    t = time_to(netns, answer)
    assert t is not None, "%s: still %r after %.1f s" % (what, ask(netns),
                                                         FOLLOW_S)
    print("%s: new resolver used after %.3f s" % (what, t))


@FOLLOWS
def test_replaced_by_rename(private_etc):
    """A regular /etc/resolv.conf replaced by a rename (as NetworkManager
    and sed -i do), twice: the watch holds after a replace."""
    ns = private_etc.start("F=/etc/resolv.conf; " + put(OLD))
    assert ask(ns) == OLD_A
    for server, answer in ((NEW, NEW_A), (OLD, OLD_A)):
        private_etc.sh("F=/etc/.resolv.conf.tmp\n" + put(server) +
                       "mv -f /etc/.resolv.conf.tmp /etc/resolv.conf")
        follows(ns, answer, "rename to %s" % server)
    # and rewritten in place after that
    private_etc.sh("F=/etc/resolv.conf\n" + put(NEW))
    follows(ns, NEW_A, "in place after a rename")


@FOLLOWS
def test_through_symlink(private_etc):
    """/etc/resolv.conf -> ptdns-run/resolve/stub-resolv.conf, another
    mount, as systemd-resolved's: target replaced by a rename in its
    directory; the symlink replaced by one to another file there."""
    ns = private_etc.start("F=/etc/" + LINKED + "; " + put(OLD) +
                           "ln -s %s /etc/resolv.conf\n" % LINKED)
    assert ask(ns) == OLD_A
    d = "/etc/ptdns-run/resolve/"
    private_etc.sh("F=%s.tmp\n" % d + put(NEW) +
                   "mv -f %s.tmp %sstub-resolv.conf" % (d, d))
    follows(ns, NEW_A, "symlink target renamed")
    private_etc.sh("F=%sresolv.conf\n" % d + put(OLD) +
                   "ln -s ptdns-run/resolve/resolv.conf /etc/.rc.tmp\n"
                   "mv -fT /etc/.rc.tmp /etc/resolv.conf")
    follows(ns, OLD_A, "symlink moved")
    # the new target, rewritten in place
    private_etc.sh("F=%sresolv.conf\n" % d + put(NEW))
    follows(ns, NEW_A, "new target rewritten")
