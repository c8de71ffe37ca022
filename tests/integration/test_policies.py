# SPDX-License-Identifier: GPL-2.0-or-later
"""test_policies.py - the MAC policies compile and are not vacuous.

Theory of operation: `make build/selinux/.built` compiles every module of
selinux/ with the reference policy headers (selinux-policy-dev) and writes
the module as CIL beside the .pp. CIL is one rule per line in a fixed form,
so the allow and type_transition rules of each domain are read from it
(rules inside optional and boolean blocks included, else-branches of
optional blocks excluded, which CIL cannot express) and checked: each domain
has the permissions its tool cannot work without, and lacks the broad ones
it must never get. For AppArmor, every profile is parsed (never loaded) and
its preprocessed text, abstractions expanded, is checked the same way; a
deliberately broken copy must be refused, so the parse check can fail.
No root and no namespaces needed; runs in about 3 s.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SE_BUILD = REPO / "build" / "selinux"
AA_DIR = REPO / "apparmor"
MODULES = ["passt", "pasta", "passt-repair", "qrap", "pasta-netcfg",
           "pesto"]
AA_PARSER = os.environ.get("AA_PARSER", "apparmor_parser")
AA_FEATURES = os.environ.get("AA_FEATURES",
                             "/usr/share/apparmor-features/features")
AA_EXTRA = os.environ.get("AA_EXTRA", "").split()

# (allow SRC TGT (CLASS (PERM ...))) and (typetransition SRC TGT CLASS NEW)
ALLOW_RE = re.compile(r"\(allow (\S+) (\S+) \((\S+) \(([^()]*)\)\)\)")
TRANS_RE = re.compile(r"\(typetransition (\S+) (\S+) process (\S+)\)")


@pytest.fixture(scope="module")
def cil():
    """Compile all modules once; return {module: (allows, transitions)}."""
    devel = os.environ.get("SE_DEVEL", "/usr/share/selinux/devel/Makefile")
    if not Path(devel).exists() or not shutil.which("checkmodule"):
        pytest.skip("selinux-policy-dev/checkpolicy not installed")
    r = subprocess.run(["make", "-s", "-C", str(REPO), "build/selinux/.built"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    out = {}
    for m in MODULES:
        text = (SE_BUILD / f"{m}.cil").read_text()
        allows = set()
        for src, tgt, cls, perms in ALLOW_RE.findall(text):
            for p in perms.split():
                allows.add((src, tgt, cls, p))
        out[m] = (allows, set(TRANS_RE.findall(text)))
        assert (SE_BUILD / f"{m}.pp").stat().st_size > 0
    return out


def has(rules, src, tgt, cls, perm):
    """True if some rule lets src do perm on tgt:cls (tgt None: any)."""
    return any(r[0] == src and (tgt is None or r[1] == tgt) and
               r[2] == cls and r[3] == perm for r in rules)


def perms_of(rules, src, cls):
    """Every (target, perm) src has on class cls."""
    return {(r[1], r[3]) for r in rules if r[0] == src and r[2] == cls}


# Permissions without which the tool cannot work: (src, tgt, class, perm)
NEEDED = {
    "passt": [
        ("passt_t", "self", "capability", "net_bind_service"),
        ("passt_t", "self", "cap_userns", "sys_admin"),
        ("passt_t", "self", "netlink_route_socket", "nlmsg_read"),
        ("passt_t", "self", "tcp_socket", "listen"),
        ("passt_t", "self", "icmp_socket", "create"),
        ("passt_t", "port_type", "tcp_socket", "name_bind"),
        ("passt_t", "port_type", "udp_socket", "name_bind"),
        ("passt_t", "port_type", "tcp_socket", "name_connect"),
        ("passt_t", "passt_runtime_t", "sock_file", "create"),
        ("passt_t", "passt_tmp_t", "sock_file", "create"),
        ("passt_t", "init_t", "unix_stream_socket", "accept"),
        ("passt_t", "tmpfs_t", "filesystem", "mount"),
        ("init_t", "passt_runtime_t", "sock_file", "create"),
        ("virtd_t", "passt_t", "process", "transition"),
        ("qemu_t", "passt_t", "unix_stream_socket", "connectto"),
        # vhost-user: guest memory passed as descriptors, mapped shared
        # (memfds of any domain, hugetlbfs, libvirt's memory files), and
        # eventfds; the repair socket beside the socket
        ("passt_t", "tmpfs_t", "file", "map"),
        ("passt_t", "tmpfs_t", "file", "write"),
        ("passt_t", "user_tmpfs_t", "file", "map"),
        ("passt_t", "user_tmp_t", "file", "map"),
        ("passt_t", "virt_tmpfs_type", "file", "map"),
        ("passt_t", "svirt_image_t", "file", "map"),
        ("passt_t", "hugetlbfs_t", "file", "map"),
        ("passt_t", "anon_inodefs_t", "file", "write"),
        ("passt_t", "qemu_t", "fd", "use"),
        ("passt_t", "svirt_t", "fd", "use"),
        ("passt_t", "unconfined_t", "fd", "use"),
        ("passt_t", "virt_var_run_t", "sock_file", "create"),
    ],
    "pasta": [
        ("pasta_t", "self", "tun_socket", "create"),
        ("pasta_t", "tun_tap_device_t", "chr_file", "open"),
        ("pasta_t", "self", "netlink_route_socket", "nlmsg_write"),
        ("pasta_t", "self", "cap_userns", "net_admin"),
        ("pasta_t", "self", "cap_userns", "sys_admin"),
        ("pasta_t", "nsfs_t", "file", "read"),
        ("pasta_t", "proc_t", "filesystem", "mount"),
        ("pasta_t", "port_type", "tcp_socket", "name_bind"),
        ("pasta_t", "user_tmp_t", "dir", "watch"),
        ("podman_user_t", "pasta_t", "process", "transition"),
        ("container_runtime_t", "pasta_t", "process", "transition"),
    ],
    "passt-repair": [
        ("passt_repair_t", "self", "capability", "net_admin"),
        ("passt_repair_t", "passt_t", "unix_stream_socket", "connectto"),
        ("passt_repair_t", "passt_t", "tcp_socket", "setopt"),
        ("passt_repair_t", "passt_t", "fd", "use"),
        ("passt_repair_t", "passt_runtime_t", "sock_file", "write"),
        # passt-repair DIR: inotify on the directories it may list
        ("passt_repair_t", "passt_runtime_t", "dir", "watch"),
        ("passt_repair_t", "tmp_t", "dir", "watch"),
        ("passt_repair_t", "user_tmp_t", "dir", "watch"),
        ("passt_repair_t", "virt_var_run_t", "dir", "watch"),
        ("passt_repair_t", "qemu_var_run_t", "dir", "watch"),
    ],
    "qrap": [
        ("qrap_t", "passt_t", "unix_stream_socket", "connectto"),
        ("qrap_t", "passt_tmp_t", "sock_file", "write"),
        ("qrap_t", "qemu_exec_t", "file", "execute"),
        ("qemu_t", "qrap_t", "unix_stream_socket", "read"),
    ],
    "pesto": [
        ("pesto_t", "passt_t", "unix_stream_socket", "connectto"),
        ("pesto_t", "pasta_t", "unix_stream_socket", "connectto"),
        ("pesto_t", "passt_runtime_t", "sock_file", "write"),
        ("pesto_t", "user_tmp_t", "sock_file", "write"),
        ("pesto_t", "self", "unix_stream_socket", "shutdown"),
        ("pesto_t", "self", "capability", "dac_override"),
        ("pesto_t", "sysctl_net_t", "file", "read"),
    ],
    "pasta-netcfg": [
        ("pasta_netcfg_t", "self", "netlink_route_socket", "nlmsg_write"),
        ("pasta_netcfg_t", "self", "capability", "net_admin"),
        ("pasta_netcfg_t", "self", "capability", "sys_admin"),
        ("pasta_netcfg_t", "nsfs_t", "file", "read"),
    ],
}


@pytest.mark.parametrize("mod", MODULES)
def test_selinux_needed(cil, mod):
    allows, _ = cil[mod]
    missing = [r for r in NEEDED[mod] if not has(allows, *r)]
    assert not missing, f"{mod}: missing {missing}"


DOMAIN = {"passt": "passt_t", "pasta": "pasta_t",
          "passt-repair": "passt_repair_t", "qrap": "qrap_t",
          "pasta-netcfg": "pasta_netcfg_t", "pesto": "pesto_t"}


@pytest.mark.parametrize("mod", MODULES)
def test_selinux_executes_only_own_or_granted(cil, mod):
    """Only pasta (spawned command) and qrap (qemu) execute other files."""
    allows, _ = cil[mod]
    dom = DOMAIN[mod]
    own = dom[:-2] + "_exec_t"
    execs = {t for t, p in perms_of(allows, dom, "file")
             if p in ("execute", "execute_no_trans")} - {own}
    allowed = {"pasta": {"bin_t", "shell_exec_t"},
               "qrap": {"qemu_exec_t"}}.get(mod, set())
    assert execs <= allowed, f"{dom} may execute {execs - allowed}"
    assert not has(allows, dom, None, "file", "execute_no_trans")


def test_selinux_passt_narrow(cil):
    allows, _ = cil["passt"]
    assert not has(allows, "passt_t", "bin_t", "file", "execute")
    assert not has(allows, "passt_t", "self", "netlink_route_socket",
                   "nlmsg_write"), "passt only reads routes"
    assert not perms_of(allows, "passt_t", "tun_socket")
    assert not has(allows, "passt_t", "tun_tap_device_t", "chr_file", "open")
    caps = {p for _, p in perms_of(allows, "passt_t", "capability")}
    assert not caps & {"sys_admin", "net_admin", "dac_override",
                       "sys_module", "sys_ptrace"}, caps
    # vhost-user maps guest memory as data only, from descriptors it was
    # given: no executable memory, no opening the memory files by path
    procs = {p for _, p in perms_of(allows, "passt_t", "process")}
    assert not procs & {"execmem", "execheap", "execstack", "execmod"}, \
        procs
    for t in ("tmpfs_t", "user_tmpfs_t", "virt_tmpfs_type", "svirt_image_t",
              "hugetlbfs_t", "anon_inodefs_t"):
        perms = {p for tgt, p in perms_of(allows, "passt_t", "file")
                 if tgt == t}
        assert not perms & {"execute", "open", "create", "unlink"}, (t, perms)


def test_selinux_netcfg_narrow(cil):
    allows, _ = cil["pasta-netcfg"]
    d = "pasta_netcfg_t"
    assert not perms_of(allows, d, "tun_socket")
    assert not has(allows, d, "tun_tap_device_t", "chr_file", "open")
    for cls in ("tcp_socket", "udp_socket", "icmp_socket", "rawip_socket"):
        assert not has(allows, d, "self", cls, "create"), cls
    writes = {t for t, p in perms_of(allows, d, "file") if p == "write"}
    assert not writes, f"pasta-netcfg writes files: {writes}"


def test_selinux_repair_and_qrap_narrow(cil):
    allows, _ = cil["passt-repair"]
    d = "passt_repair_t"
    for cls in ("tcp_socket", "udp_socket", "netlink_route_socket"):
        assert not has(allows, d, "self", cls, "create"), cls
    assert not has(allows, d, None, "tcp_socket", "name_bind")
    caps = {p for _, p in perms_of(allows, d, "capability")}
    assert caps <= {"net_admin", "dac_override", "dac_read_search"}, caps
    # Watching a directory: new entries only, never reads of the files
    watches = {p for _, p in perms_of(allows, d, "dir")} & {
        "watch_reads", "watch_mount", "watch_sb", "watch_with_perm"}
    assert not watches, watches
    allows, _ = cil["qrap"]
    assert not perms_of(allows, "qrap_t", "capability")
    assert not has(allows, "qrap_t", "self", "tcp_socket", "create")


def test_selinux_pesto_narrow(cil):
    allows, _ = cil["pesto"]
    d = "pesto_t"
    for cls in ("tcp_socket", "udp_socket", "netlink_route_socket",
                "tun_socket"):
        assert not has(allows, d, "self", cls, "create"), cls
    caps = {p for _, p in perms_of(allows, d, "capability")}
    assert caps <= {"dac_override"}, caps
    writes = {t for t, p in perms_of(allows, d, "file") if p == "write"}
    assert not writes, f"pesto writes files: {writes}"


def test_selinux_transitions(cil):
    _, trans = cil["pasta"]
    assert ("pasta_t", "bin_t", "unconfined_t") in trans
    assert ("pasta_t", "shell_exec_t", "unconfined_t") in trans
    assert ("unconfined_t", "pasta_exec_t", "pasta_t") in trans
    _, trans = cil["qrap"]
    assert ("qrap_t", "qemu_exec_t", "qemu_t") in trans
    _, trans = cil["passt"]
    assert ("virtd_t", "passt_exec_t", "passt_t") in trans
    assert ("init_t", "passt_exec_t", "passt_t") in trans
    assert not any(t[0] == "passt_t" for t in trans), trans


@pytest.mark.parametrize("mod", MODULES)
def test_selinux_file_contexts(mod):
    fc = (REPO / "selinux" / f"{mod}.fc").read_text()
    exec_t = DOMAIN[mod][:-2] + "_exec_t"
    assert re.search(rf"^/usr/bin/{re.escape(mod)}\s+--\s+gen_context\("
                     rf"system_u:object_r:{exec_t},s0\)", fc, re.M), fc


# AppArmor ---------------------------------------------------------------

def aa_cmd(*args):
    if not shutil.which(AA_PARSER):
        pytest.skip("apparmor_parser not installed")
    cmd = [AA_PARSER, "-K", "-T"]
    if Path(AA_FEATURES).exists():
        cmd += ["--features-file", AA_FEATURES]
    return cmd + AA_EXTRA + ["-I", str(AA_DIR)] + list(args)


def aa_expand(profile):
    """Preprocessed profile: includes expanded, comments kept."""
    r = subprocess.run(aa_cmd("-p", str(AA_DIR / profile)),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return [ln.split("#", 1)[0].strip() for ln in r.stdout.splitlines()]


PROFILES = ["usr.bin." + m for m in MODULES]


@pytest.mark.parametrize("profile", PROFILES)
def test_apparmor_parses(profile):
    r = subprocess.run(aa_cmd("-Q", str(AA_DIR / profile)),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_apparmor_broken_refused(tmp_path):
    """The parse check can fail: a bad rule in an abstraction is refused."""
    shutil.copytree(AA_DIR, tmp_path / "aa")
    with open(tmp_path / "aa" / "abstractions" / "passt", "a") as f:
        f.write("  this is not a rule,\n")
    cmd = [a if a != str(AA_DIR) else str(tmp_path / "aa")
           for a in aa_cmd("-Q", str(tmp_path / "aa" / "usr.bin.passt"))]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0


def rules(lines, pattern):
    return [ln for ln in lines if re.search(pattern, ln)]


def exec_rules(lines):
    """Exec rules, less the nscd cache mapping of abstractions/nameservice."""
    return [ln for ln in rules(lines, EXEC)
            if not ln.startswith("@{run}/nscd/")]


WRITE_ALL = r"^(owner\s+)?/\*\*\s+\S*w"
EXEC = r"\s[a-zA-Z]*[iupcIUPC]x,$"


def test_apparmor_passt_narrow():
    lines = aa_expand("usr.bin.passt")
    assert rules(lines, r"^network netlink raw,")
    assert rules(lines, r"^network inet6 stream,")
    assert rules(lines, r"^@\{run\}/libvirt/qemu/passt/\*\s+rw,")
    assert rules(lines, r"^@\{run\}/passt/\*\*\s+rw,")
    assert rules(lines, r"^pivot_root ")
    assert not rules(lines, WRITE_ALL), "passt may write anywhere"
    assert not exec_rules(lines), exec_rules(lines)
    assert not rules(lines, r"/dev/net/tun")
    assert not rules(lines, r"^capability (net_admin|sys_module|dac_override)")
    # vhost-user: guest memory read-write, never mapped executable; the
    # repair socket (PATH.repair) where the sockets go
    assert rules(lines, r'^"/memfd:\*"\s+rw,')
    assert rules(lines, r"^owner /dev/hugepages/\*\*\s+rw,")
    assert rules(lines, r"^owner /var/lib/libvirt/qemu/ram/\*\*\s+rw,")
    mapped = rules(lines, r"(memfd|hugepages|/dev/shm|qemu/ram)")
    assert mapped and not [ln for ln in mapped
                           if re.search(r"\s\S*m\S*,$", ln)], mapped
    assert rules(lines, r"^@\{run\}/libvirt/qemu/passt/\*\s+rw,")
    assert rules(lines, r"^owner /tmp/\*\*\s+rw,")


def test_apparmor_pasta():
    lines = aa_expand("usr.bin.pasta")
    assert rules(lines, r"^/dev/net/tun\s+rw,")
    assert rules(lines, r"^owner @\{run\}/user/\[0-9\]\*/\*\*\s+rw,")
    assert rules(lines, r"^@\{PROC\}/\[0-9\]\*/ns/net\s+r,")
    assert rules(lines, r"^mount fstype=proc")
    assert rules(lines, r"bin/\*\*\s+Ux,$"), "spawned command"
    assert not rules(lines, WRITE_ALL)


def test_apparmor_helpers_narrow():
    lines = aa_expand("usr.bin.pasta-netcfg")
    assert rules(lines, r"^capability net_admin,")
    assert rules(lines, r"^network netlink raw,")
    assert not rules(lines, r"/dev/net/tun")
    assert not rules(lines, r"^network inet")
    assert not exec_rules(lines)
    lines = aa_expand("usr.bin.passt-repair")
    assert rules(lines, r"^capability net_admin,")
    assert not rules(lines, WRITE_ALL)
    assert not exec_rules(lines)
    lines = aa_expand("usr.bin.pesto")
    assert rules(lines, r"^capability dac_override,")
    assert rules(lines, r"^network unix stream,")
    assert not rules(lines, r"^network inet")
    assert not rules(lines, r"^capability (?!dac_override)")
    assert not exec_rules(lines)
    lines = aa_expand("usr.bin.qrap")
    assert rules(lines, r"qemu-system-\*\s+PUx,$")
    assert not rules(lines, r"^capability ")
    assert not rules(lines, WRITE_ALL)
