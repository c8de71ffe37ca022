#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test_depgraph.py - self test of depgraph.py on small fixture trees

Each case writes a tiny libcommon/ tree into a temporary directory (and,
for call edges, compiles it with cc into objects), runs the checker on it
and looks at the verdict and at the lines it printed: a tree without a
cycle passes, and every kind of breakage fails with the modules or files
named. Run by `make lint` before the checker itself. Standard library only.
"""

import io
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import depgraph  # noqa: E402

CC = os.environ.get('CC', 'cc')

# A clean tree: every include points down, no cycle
CLEAN = {
    'base/util.h': '#define U 1\n',
    'base/log.h': '#include "util.h"\nint log_x(void);\n',
    'base/log.c': '#include "base/log.h"\nint log_x(void) { return U; }\n',
    'flow/flow.h': '#include "base/util.h"\nint flow_x(void);\n',
    'flow/flow.c': ('#include "flow/flow.h"\n#include "base/log.h"\n'
                    'int flow_x(void) { return log_x(); }\n'),
    'loop/loop.c': ('#include "flow/flow.h"\n/* #include "loop/x.h" */\n'
                    'int loop_x(void);\n'
                    'int loop_x(void) { return flow_x(); }\n'),
}


# Two files of flow/ calling each other through one header: no include cycle
CALL_CYCLE = dict(CLEAN, **{
    'flow/api.h': 'int a_fn(void);\nint b_fn(void);\n',
    'flow/a.c': ('#include "flow/api.h"\n'
                 'int a_fn(void) { return b_fn() + 1; }\n'),
    'flow/b.c': ('#include "flow/api.h"\n'
                 'int b_fn(void) { return a_fn() - 1; }\n'),
})


def tree(root, files):
    """Write files (path under libcommon/ -> text) below root"""
    for rel, text in files.items():
        path = os.path.join(root, 'libcommon', rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


def build(root, objdir):
    """Compile every libcommon .c of the fixture into objdir, as make does"""
    lib = os.path.join(root, 'libcommon')
    for rel in depgraph.lib_files(lib):
        if not rel.endswith('.c'):
            continue
        obj = os.path.join(objdir, 'libcommon', rel[:-2] + '.o')
        os.makedirs(os.path.dirname(obj), exist_ok=True)
        subprocess.run([CC, '-c', '-I', lib, os.path.join(lib, rel),
                        '-o', obj], check=True)


class DepgraphTest(unittest.TestCase):
    """Verdicts and messages of the checker on fixture trees"""

    def run_check(self, files, calls=False, known=None, extra=None):
        """Check a fixture tree: (passed, output)"""
        with tempfile.TemporaryDirectory() as root:
            tree(root, files)
            for rel, text in (extra or {}).items():
                path = os.path.join(root, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(text)
            objdir = None
            if calls:
                objdir = os.path.join(root, 'build')
                build(root, objdir)
            out = io.StringIO()
            ok = depgraph.check(root, objdir, known=known or {}, out=out)
            return ok, out.getvalue()

    def assert_fails(self, files, *needles, calls=False, extra=None):
        """Check a fixture tree, expect failure and every needle printed;
        return the output"""
        ok, out = self.run_check(files, calls=calls, extra=extra)
        self.assertFalse(ok, out)
        for n in needles:
            self.assertIn(n, out)
        return out

    def test_clean_tree_passes(self):
        """A tree whose edges all point down passes, with calls too"""
        for calls in (False, True):
            ok, out = self.run_check(CLEAN, calls=calls)
            self.assertTrue(ok, out)
            self.assertEqual(out, '')

    def test_include_cycle_in_folder(self):
        """Two modules of one folder including each other fail, named"""
        self.assert_fails(dict(CLEAN, **{'flow/a.h': '#include "flow/b.h"\n',
                                         'flow/b.h': '#include "a.h"\n'}),
                          'cycle in flow/: flow/a -> flow/b -> flow/a',
                          'libcommon/flow/a.h:1 includes "flow/b.h"',
                          'libcommon/flow/b.h:1 includes "a.h"')

    def test_three_module_cycle_through_c_and_h(self):
        """x.c and x.h are one module: a cycle through both is found"""
        self.assert_fails(dict(CLEAN, **{'flow/a.h': 'int a;\n',
                                         'flow/a.c': '#include "flow/b.h"\n',
                                         'flow/b.h': '#include "flow/c.h"\n',
                                         'flow/c.h': 'int c;\n',
                                         'flow/c.c': '#include "flow/a.h"\n'}),
                          'cycle in flow/: flow/a -> flow/b -> flow/c -> '
                          'flow/a')

    def test_folder_cycle_and_upward_include(self):
        """transport -> loop -> transport: a folder cycle and a layer
        breach, each with the include that makes it"""
        self.assert_fails(
            dict(CLEAN, **{'transport/t.h': 'int t;\n',
                           'transport/t.c': '#include "loop/l.h"\n',
                           'loop/l.h': '#include "transport/t.h"\n'}),
            'cycle between folders: loop -> transport -> loop',
            'layer: transport/t (transport/, layer 3) uses loop/l',
            'libcommon/transport/t.c:1 includes "loop/l.h"')

    def test_upward_include_without_cycle(self):
        """A lower folder including a higher one's header fails alone"""
        out = self.assert_fails(
            dict(CLEAN, **{'transport/t.h': 'int t;\n',
                           'flow/f.c': '#include "transport/t.h"\n'}),
            'transport/ (layer 3) is above flow/')
        self.assertNotIn('cycle', out)

    def test_same_layer_include(self):
        """Folders of one layer are independent: os/ can't use packet/"""
        self.assert_fails(dict(CLEAN, **{'packet/p.h': 'int p;\n',
                                         'os/o.c': '#include "packet/p.h"\n'}),
                          'packet/ (layer 1) is the same layer as os/')

    def test_unknown_folder(self):
        """A folder missing from the layer table fails"""
        self.assert_fails(dict(CLEAN, **{'extra/e.h': 'int e;\n'}),
                          'folder extra/ is in no layer')

    def test_call_cycle_through_shared_header(self):
        """Two files calling each other through one header: invisible to
        includes, found through the objects' symbols"""
        ok, out = self.run_check(CALL_CYCLE)
        self.assertTrue(ok, out)
        self.assert_fails(CALL_CYCLE,
                          'cycle in flow/: flow/a -> flow/b -> flow/a',
                          'libcommon/flow/a.c uses b_fn() '
                          '(libcommon/flow/b.c)', calls=True)

    def test_call_up_the_layers(self):
        """A call to a higher folder through a declaration in a .c file"""
        self.assert_fails(
            dict(CLEAN, **{'base/log.c': ('int loop_x(void);\n'
                                          'int log_x(void) '
                                          '{ return loop_x(); }\n')}),
            'layer: base/log (base/, layer 0) uses loop/loop',
            'libcommon/base/log.c uses loop_x()', calls=True)

    def test_known_cycle_is_a_note_and_must_exist(self):
        """A listed cycle passes with a note; once gone, the list fails"""
        known = {frozenset({'flow/a', 'flow/b'}): 'being fixed'}
        ok, out = self.run_check(CALL_CYCLE, calls=True, known=known)
        self.assertTrue(ok, out)
        self.assertIn('note: cycle in flow/: flow/a -> flow/b -> flow/a '
                      '(known: being fixed)', out)
        ok, out = self.run_check(CLEAN, calls=True, known=known)
        self.assertFalse(ok)
        self.assertIn('known cycle flow/a <-> flow/b is gone', out)

    def test_every_cycle_is_named(self):
        """Two cycles sharing a module are both listed"""
        self.assert_fails(
            dict(CLEAN, **{'flow/a.h': '#include "flow/b.h"\n'
                                       '#include "flow/c.h"\n',
                           'flow/b.h': '#include "flow/a.h"\n',
                           'flow/c.h': '#include "flow/a.h"\n'}),
            'flow/a -> flow/b -> flow/a', 'flow/a -> flow/c -> flow/a')

    def test_file_length_limit(self):
        """1000 lines pass, 1001 fail with path and count, in tests/ too"""
        ok, out = self.run_check(CLEAN, extra={
            'tests/unit/test_x.c': 'x\n' * 1000})
        self.assertTrue(ok, out)
        out = self.assert_fails(
            CLEAN, 'too long: tests/unit/test_x.c has 1001 lines',
            'too long: libcommon/flow/big.h has 1200 lines',
            extra={'tests/unit/test_x.c': 'x\n' * 1001,
                   'libcommon/flow/big.h': 'x\n' * 1200,
                   'tests/unit/notes.txt': 'x\n' * 2000})
        self.assertNotIn('notes.txt', out)

    def test_command_line_exit_status(self):
        """The script exits 1 on a broken tree, 0 on a clean one"""
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'depgraph.py')
        for files, want in ((CLEAN, 0),
                            (dict(CLEAN, **{'base/x.c':
                                            '#include "loop/l.h"\n',
                                            'loop/l.h': 'int l;\n'}), 1)):
            with tempfile.TemporaryDirectory() as root:
                tree(root, files)
                res = subprocess.run([sys.executable, script, '--root', root],
                                     capture_output=True, text=True,
                                     check=False)
                self.assertEqual(res.returncode, want, res.stdout)


if __name__ == '__main__':
    unittest.main()
