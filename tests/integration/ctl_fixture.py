# SPDX-License-Identifier: GPL-2.0-or-later
"""The control protocol of -c/--conf-path and pesto, in pure Python.

Written from compat.md 5.3 and the issue 17 design (doc/control.md),
independently of libcommon/ctl/wire.c: tests/unit/test_ctl_wire.c checks
that the C encoder produces the same bytes as the constants below, so the
two encoders agree, and the integration tests replay these bytes against a
running server (or play a fake server to pesto).

Big-endian integers, packed structures:
  hello   "basil:s\\0", u32 version 2, u32 128, u32 16
  table   u8 pif, char name[128], u32 caps, u32 count, count rules; u8 0 ends
  update  u8 pif, u32 count, count rules; u8 0 ends; then shutdown(SHUT_WR)
  rule    addr[16] taddr[16] ifname[16] u16 first last to, u8 proto flags
  request "basil:q\\0", u32 request        (our extension)
  answer  "basil:a\\0", u32 status, u32 length, text
"""

import collections
import ipaddress
import struct

MAGIC = b'basil:s\0'
REQ_MAGIC = b'basil:q\0'
ANS_MAGIC = b'basil:a\0'
VERSION = 2
PIF_NAME_SIZE = 128
IFNAMSIZ = 16
RULE_LEN = 56
MAX_RULES = 255

PIF_HOST, PIF_TAP, PIF_SPLICE = 1, 2, 3
CAP_IPV4, CAP_IPV6, CAP_TCP, CAP_UDP, CAP_SCAN, CAP_IFNAME = (
    1, 2, 4, 8, 16, 32)
CAPS_ALL = 0x3f
DUAL_STACK, BEST_EFFORT, AUTO = 1, 2, 4
TCP, UDP = 6, 17
REQ_FLOWS_JSON, REQ_PROMETHEUS, REQ_LAST_CHANGE = 1, 2, 3

Rule = collections.namedtuple(
    'Rule', 'addr taddr ifname first last to proto flags',
    defaults=(None, '', 0, 0, 0, TCP, 0))
Table = collections.namedtuple('Table', 'pif name caps rules')


def addr_bytes(a):
    """16 bytes of an address: IPv4 as v4-mapped, None as all zero."""
    if a is None:
        return bytes(16)
    ip = ipaddress.ip_address(a)
    if ip.version == 4:
        return bytes(10) + b'\xff\xff' + ip.packed
    return ip.packed


def addr_str(b):
    """Inverse of addr_bytes() (all zero gives '::')."""
    ip = ipaddress.IPv6Address(b)
    return str(ip.ipv4_mapped) if ip.ipv4_mapped else str(ip)


def rule(r):
    """56 bytes of a Rule."""
    name = r.ifname.encode()
    assert len(name) < IFNAMSIZ
    return (addr_bytes(r.addr) + addr_bytes(r.taddr) +
            name.ljust(IFNAMSIZ, b'\0') +
            struct.pack('>HHHBB', r.first, r.last, r.to, r.proto, r.flags))


def hello(version=VERSION, name_size=PIF_NAME_SIZE, ifnamsiz=IFNAMSIZ,
          magic=MAGIC):
    """The server's hello."""
    return magic + struct.pack('>III', version, name_size, ifnamsiz)


def tables(tbls, count=None):
    """A server's tables and end mark; count overrides every count."""
    out = b''
    for t in tbls:
        n = len(t.rules) if count is None else count
        out += struct.pack('>B', t.pif) + t.name.encode().ljust(
            PIF_NAME_SIZE, b'\0') + struct.pack('>II', t.caps, n)
        out += b''.join(rule(r) for r in t.rules)
    return out + b'\0'


def update(tbls):
    """A client's update: [(pif, [Rule, ...]), ...] and the end mark."""
    out = b''
    for pif, rules in tbls:
        out += struct.pack('>BI', pif, len(rules))
        out += b''.join(rule(r) for r in rules)
    return out + b'\0'


def request(req):
    """A request of our extension."""
    return REQ_MAGIC + struct.pack('>I', req)


def answer(status, text):
    """An answer to a request: header and text."""
    data = text.encode() if isinstance(text, str) else text
    return ANS_MAGIC + struct.pack('>II', status, len(data)) + data


def parse_rule(b):
    """Rule from 56 bytes (no validation beyond the layout)."""
    assert len(b) == RULE_LEN
    addr, taddr, ifname = b[0:16], b[16:32], b[32:48]
    first, last, to, proto, flags = struct.unpack('>HHHBB', b[48:56])
    return Rule(addr_str(addr), addr_str(taddr) if any(taddr) else None,
                ifname.split(b'\0', 1)[0].decode(), first, last, to, proto,
                flags)


def parse_server(data):
    """Hello and tables from a server: (list of Table, bytes left).

    Raises ValueError on anything malformed or cut short.
    """
    if len(data) < 20 or data[:8] != MAGIC:
        raise ValueError('bad or short hello')
    if struct.unpack('>III', data[8:20]) != (VERSION, PIF_NAME_SIZE,
                                             IFNAMSIZ):
        raise ValueError('unsupported hello')
    off, out = 20, []
    while True:
        if off >= len(data):
            raise ValueError('no end mark')
        pif = data[off]
        off += 1
        if pif == 0:
            return out, data[off:]
        if off + 136 > len(data):
            raise ValueError('short table header')
        name = data[off:off + 128].split(b'\0', 1)[0].decode()
        caps, count = struct.unpack('>II', data[off + 128:off + 136])
        off += 136
        if count > MAX_RULES or off + count * RULE_LEN > len(data):
            raise ValueError('bad count')
        rules = [parse_rule(data[off + i * RULE_LEN:off + (i + 1) * RULE_LEN])
                 for i in range(count)]
        off += count * RULE_LEN
        out.append(Table(pif, name, caps, rules))


def parse_update(data):
    """A client's update: list of (pif, [Rule]); ValueError if malformed."""
    off, out = 0, []
    while True:
        if off >= len(data):
            raise ValueError('no end mark')
        pif = data[off]
        if pif == 0:
            if off + 1 != len(data):
                raise ValueError('bytes after the end mark')
            return out
        if off + 5 > len(data):
            raise ValueError('short header')
        (count,) = struct.unpack('>I', data[off + 1:off + 5])
        off += 5
        if count > MAX_RULES or off + count * RULE_LEN > len(data):
            raise ValueError('bad count')
        out.append((pif, [parse_rule(data[off + i * RULE_LEN:
                                          off + (i + 1) * RULE_LEN])
                          for i in range(count)]))
        off += count * RULE_LEN


# The example exchange, also built by tests/unit/test_ctl_wire.c.
# HOST (pasta, both families, device binding): a dual-stack rule, one with
# a target address, one bound to a device, a best-effort range and an
# auto-scan rule. SPLICE: what -T 5432 and -U auto make.
EXAMPLE_TABLES = [
    Table(PIF_HOST, 'HOST', CAPS_ALL, [
        Rule('::', None, '', 8080, 8081, 8080, TCP, DUAL_STACK),
        Rule('192.0.2.1', '198.51.100.5', '', 22, 22, 2222, TCP, 0),
        Rule('0.0.0.0', None, 'eth0', 53, 53, 5353, UDP, 0),
        Rule('::', None, '', 30000, 30010, 30000, TCP,
             DUAL_STACK | BEST_EFFORT),
        Rule('2001:db8::1', None, '', 5000, 5001, 5000, UDP, AUTO),
    ]),
    Table(PIF_SPLICE, 'SPLICE', CAPS_ALL, [
        Rule('::', None, 'lo', 5432, 5432, 5432, TCP, DUAL_STACK),
        Rule('::', None, 'lo', 1, 1000, 1, UDP,
             DUAL_STACK | BEST_EFFORT | AUTO),
    ]),
]

# What a server with EXAMPLE_TABLES sends on accepting a client
SERVER_HELLO_HEX = hello().hex()
SERVER_EXAMPLE_HEX = (hello() + tables(EXAMPLE_TABLES)).hex()

# What pesto sends for "-t 8080" to a server with both families: the HOST
# table replaced by one dual-stack rule
UPDATE_T8080 = [(PIF_HOST, [Rule('::', None, '', 8080, 8080, 8080, TCP,
                                  DUAL_STACK)])]
UPDATE_T8080_HEX = update(UPDATE_T8080).hex()

# "-A -t 2000 -D -t 3000 -U 5000" adds TCP 2000 to HOST, then removes TCP
# 3000 from HOST and UDP 5000 from SPLICE (-D holds until -A): from
# START_SEQ_TABLES, pesto sends UPDATE_SEQ, both tables in server order
START_SEQ_TABLES = [
    Table(PIF_HOST, 'HOST', CAPS_ALL, [
        Rule('::', None, '', 3000, 3000, 3000, TCP, DUAL_STACK),
        Rule('::', None, '', 4000, 4000, 4000, UDP, DUAL_STACK),
    ]),
    Table(PIF_SPLICE, 'SPLICE', CAPS_ALL, [
        Rule('::', None, 'lo', 5000, 5000, 5000, UDP, DUAL_STACK),
        Rule('::', None, 'lo', 6000, 6000, 6000, TCP, DUAL_STACK),
    ]),
]
UPDATE_SEQ = [
    (PIF_HOST, [
        Rule('::', None, '', 4000, 4000, 4000, UDP, DUAL_STACK),
        Rule('::', None, '', 2000, 2000, 2000, TCP, DUAL_STACK),
    ]),
    (PIF_SPLICE, [
        Rule('::', None, 'lo', 6000, 6000, 6000, TCP, DUAL_STACK),
    ]),
]
UPDATE_SEQ_HEX = update(UPDATE_SEQ).hex()

REQ_FLOWS_JSON_HEX = request(REQ_FLOWS_JSON).hex()
ANS_OK_HEX = answer(0, '1 ok\n').hex()


def c_header():
    """tests/unit/ctl_fixture_hex.h: the constants above for the C tests."""
    out = ['/* SPDX-License-Identifier: GPL-2.0-or-later */',
           '/* ctl_fixture_hex.h - generated by tests/integration/'
           'ctl_fixture.py, do not edit:',
           ' * /usr/bin/python3 tests/integration/ctl_fixture.py > '
           'tests/unit/ctl_fixture_hex.h',
           ' * (test_pesto_cli.py checks that it is up to date)',
           ' */']
    for name in ('SERVER_HELLO_HEX', 'SERVER_EXAMPLE_HEX',
                 'UPDATE_T8080_HEX', 'UPDATE_SEQ_HEX', 'REQ_FLOWS_JSON_HEX',
                 'ANS_OK_HEX'):
        val = globals()[name]
        out.append(f'static const char FIX_{name}[] =')
        chunks = [val[i:i + 64] for i in range(0, len(val), 64)]
        for i, c in enumerate(chunks):
            out.append(f'\t"{c}"' + (';' if i == len(chunks) - 1 else ''))
    return '\n'.join(out) + '\n'


if __name__ == '__main__':
    print(c_header(), end='')
