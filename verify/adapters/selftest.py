#!/usr/bin/python3
"""selftest.py -- the --exec adapters (numpy_impl.py, torch_impl.py) against hand-derived values.

    /usr/bin/python3 verify/adapters/selftest.py [numpy] [torch]

Starts each adapter as dnnproof would, says hello, sends a few calls per op in double and float32
and checks the answers: the values (derived by hand below; exact where the true value is a
float, within a few units in the last place where it is a logarithm), that every float32 output is
a float32 value, that the id is echoed, that an unknown op, a malformed line and v = 2 each get an
error answer, and that the adapter exits 0 when its stdin closes.  Exit 0 when everything passes,
1 on any failure, 77 (skipped) when an adapter's module (numpy, torch) cannot be imported.
"""
import json
import math
import os
import select
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ADAPTERS = {'numpy': 'numpy_impl.py', 'torch': 'torch_impl.py'}
OPS = ['relu', 'relu_jacobian', 'softmax', 'softmax_jacobian', 'cce', 'cce_gradient',
       'softmax_cce_gradient', 'dense', 'dense_relu_backward', 'network_gradient']
U = {'double': 2.0 ** -53, 'float32': 2.0 ** -24}     # unit roundoff of each precision
TIMEOUT = 60                                            # seconds; importing torch is slow
LN2 = math.log(2)

# (op, dims, inputs, expected outputs, tolerance in units u of |expected|).  Every input is a
# float32 value, so each case runs in both precisions.
CASES = [
    ('relu', {'m': 5}, {'z': [0, -1, 2, '-0x0p+0', 1.5]}, {'out': [0, 0, 2, 0, 1.5]}, 0),
    ('relu', {'m': 2}, {'z': ['inf', '-inf']}, {'out': [math.inf, 0]}, 0),
    # ReLU'(0) = 0: the kink takes the indicator of z > 0.
    ('relu_jacobian', {'m': 3}, {'z': [0, -1, 2]}, {'J': [0, 0, 0, 0, 0, 0, 0, 0, 1]}, 0),
    ('softmax', {'m': 2}, {'z': [0, 0]}, {'out': [0.5, 0.5]}, 0),
    ('softmax', {'m': 4}, {'z': [3, 3, 3, 3]}, {'out': [0.25] * 4}, 0),
    # beyond e^z's overflow (709.8 in double, 88.7 in float): equal logits still give 1/2 each.
    ('softmax', {'m': 2}, {'z': [100, 100]}, {'out': [0.5, 0.5]}, 0),
    ('softmax', {'m': 2}, {'z': ['0x1p+100', '0x1p+100']}, {'out': [0.5, 0.5]}, 0),
    # e^-1000 underflows in both precisions, and is below half the least subnormal of either.
    ('softmax', {'m': 2}, {'z': [0, -1000]}, {'out': [1, 0]}, 0),
    # S = (1/2, 1/2): J = diag(S) - S S^T = [[1/4, -1/4], [-1/4, 1/4]].
    ('softmax_jacobian', {'m': 2}, {'z': [7, 7]}, {'J': [0.25, -0.25, -0.25, 0.25]}, 0),
    ('cce', {'m': 3}, {'yhat': [0, 1, 0], 'y': [0.25, 0.5, 0.25]}, {'loss': LN2}, 2),
    ('cce', {'m': 2}, {'yhat': [1, 0], 'y': [1, '0x1p-20']}, {'loss': 0}, 0),
    ('cce', {'m': 2}, {'yhat': [0, 1], 'y': [0.5, 0.125]}, {'loss': 3 * LN2}, 2),
    ('cce_gradient', {'m': 2}, {'yhat': [0, 1], 'y': [0.5, 0.25]}, {'g': [0, -4]}, 0),
    ('cce_gradient', {'m': 3}, {'yhat': [1, 0, 0], 'y': ['0x1p-20', 0.5, 0.5]},
     {'g': [-2.0 ** 20, 0, 0]}, 0),
    # S(0, 0) = (1/2, 1/2), S(0, 0, 0, 0) = 1/4 each; g = S - yhat.
    ('softmax_cce_gradient', {'m': 2}, {'yhat': [1, 0], 'z': [0, 0]}, {'g': [-0.5, 0.5]}, 0),
    ('softmax_cce_gradient', {'m': 4}, {'yhat': [0, 0, 1, 0], 'z': [-2, -2, -2, -2]},
     {'g': [0.25, 0.25, -0.75, 0.25]}, 0),
    # y W^T + b with y = (1, 2), W = [[1, 2], [3, 4], [-1, 0]], b = (1, -1, 1/2):
    # (1 + 4 + 1, 3 + 8 - 1, -1 + 0 + 1/2) = (6, 10, -1/2).
    ('dense', {'m': 2, 'mo': 3}, {'y': [1, 2], 'W': [1, 2, 3, 4, -1, 0], 'b': [1, -1, 0.5]},
     {'out': [6, 10, -0.5]}, 0),
    # Same y and W, b = (1, -11, 1/2): L = (6, 0, -1/2), the middle unit exactly at the kink.
    # g_up = (1, 2, 3): g_b = g_up * 1[L > 0] = (1, 0, 0); g_W = g_b^T y = [[1, 2], [0, 0], [0, 0]];
    # g_y = g_b W = (1, 2).
    ('dense_relu_backward', {'m': 2, 'mo': 3},
     {'y': [1, 2], 'W': [1, 2, 3, 4, -1, 0], 'b': [1, -11, 0.5], 'g_up': [1, 2, 3]},
     {'g_y': [1, 2], 'g_W': [1, 2, 0, 0, 0, 0], 'g_b': [1, 0, 0]}, 0),
    # One layer, z = 0 W + 0 = (0, 0), S = (1/2, 1/2), Yhat = (0, 1): loss = ln 2,
    # g_b = S - Yhat = (1/2, -1/2), g_W = g_b^T x = [[1/2, 1], [-1/2, -1]] for x = (1, 2).
    ('network_gradient', {'p': 1, 'n': 1, 'widths': [2, 2]},
     {'X': [1, 2], 'Yhat': [0, 1], 'W': [[0, 0, 0, 0]], 'b': [[0, 0]]},
     {'loss': LN2, 'g_W': [[0.5, 1, -0.5, -1]], 'g_b': [[0.5, -0.5]]}, 2),
    # Two layers, widths (1, 2, 2), W1 = [[1], [-1]], b1 = 0, W2 = [[1, 4], [3, 6]], b2 = (2, 0);
    # samples x = 1 with Yhat = (1, 0) and x = -1 with Yhat = (0, 1).
    #   x = 1:  z1 = (1, -1), a1 = (1, 0), z2 = (3, 3), S = (1/2, 1/2), d2 = S - Yhat = (-1/2, 1/2),
    #           d2 W2 = (-1/2 + 3/2, -2 + 3) = (1, 1), d1 = (1, 1) * 1[z1 > 0] = (1, 0).
    #   x = -1: z1 = (-1, 1), a1 = (0, 1), z2 = (6, 6), S = (1/2, 1/2), d2 = (1/2, -1/2),
    #           d2 W2 = (1/2 - 3/2, 2 - 3) = (-1, -1), d1 = (0, -1).
    # loss = ln 2 + ln 2; g_W2 = sum d2^T a1 = [[-1/2, 0], [1/2, 0]] + [[0, 1/2], [0, -1/2]],
    # g_b2 = (0, 0); g_W1 = sum d1^T x = [[1], [0]] + [[0], [1]], g_b1 = (1, 0) + (0, -1).
    ('network_gradient', {'p': 2, 'n': 2, 'widths': [1, 2, 2]},
     {'X': [1, -1], 'Yhat': [1, 0, 0, 1], 'W': [[1, -1], [1, 4, 3, 6]], 'b': [[0, 0], [2, 0]]},
     {'loss': 2 * LN2, 'g_W': [[1, 1], [-0.5, 0.5, 0.5, -0.5]], 'g_b': [[1, -1], [0, 0]]}, 2),
]


def hexs(xs):
    """Inputs as dnnproof sends them (hex strings), except those already strings."""
    if isinstance(xs, list):
        return [hexs(x) for x in xs]
    return xs if isinstance(xs, str) else float(xs).hex()


class Adapter:
    def __init__(self, script):
        self.p = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, bufsize=0)
        self.buf = b''

    def ask(self, line):
        self.p.stdin.write(line.encode() + b'\n')
        self.p.stdin.flush()
        deadline = time.monotonic() + TIMEOUT
        while b'\n' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                raise RuntimeError('no answer within %d s to %s' % (TIMEOUT, line[:80]))
            chunk = os.read(self.p.stdout.fileno(), 1 << 16)
            if not chunk:
                raise RuntimeError('the adapter closed its output (exit %s)' % self.p.poll())
            self.buf += chunk
        out, self.buf = self.buf.split(b'\n', 1)
        return json.loads(out)           # anything but one JSON object per line fails here

    def close(self):
        self.p.stdin.close()
        try:
            return self.p.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return 'timeout'


def is_float32(x):
    return math.isnan(x) or struct.unpack('f', struct.pack('f', x))[0] == x


def close_enough(got, want, tol, u):
    if math.isnan(want) or math.isinf(want):
        return got == want or (math.isnan(got) and math.isnan(want))
    return abs(got - want) <= tol * u * abs(want)   # the sign of a zero is not checked


def compare(fail, where, got, want, tol, precision):
    """Check one output (a number or a nested list of numbers) against its expected value."""
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return fail('%s: got %r, expected %d entries' % (where, got, len(want)))
        for j, (g, w) in enumerate(zip(got, want)):
            compare(fail, '%s[%d]' % (where, j), g, w, tol, precision)
        return
    if not isinstance(got, (str, int, float)) or isinstance(got, bool):
        return fail('%s: %r is not a number' % (where, got))
    x = float.fromhex(got) if isinstance(got, str) else float(got)
    if precision == 'float32' and not is_float32(x):
        fail('%s: %r is not a float32 value' % (where, got))
    if not close_enough(x, want, tol, U[precision]):
        fail('%s: got %r = %.17g, expected %.17g' % (where, got, x, want))


def test_adapter(name, fail):
    a = Adapter(os.path.join(HERE, ADAPTERS[name]))
    hello = a.ask('{"v": 1, "op": "hello"}')
    if hello.get('v') != 1 or not isinstance(hello.get('name'), str):
        fail('hello: %r' % hello)
    for op in OPS:
        if sorted(hello.get('ops', {}).get(op, [])) != ['double', 'float32']:
            fail('hello: %s is not offered in double and float32' % op)
    rid = 40
    for op, dims, inputs, want, tol in CASES:
        for precision in ('double', 'float32'):
            rid += 1
            req = {'v': 1, 'id': rid, 'op': op, 'precision': precision, 'dims': dims,
                   'inputs': {k: hexs(v) for k, v in inputs.items()}}
            res = a.ask(json.dumps(req))
            where = '%s %s %s' % (op, precision, json.dumps(inputs))
            if res.get('v') != 1 or res.get('id') != rid or 'outputs' not in res:
                fail('%s: answer %r' % (where, res))
                continue
            for k, w in want.items():
                compare(fail, '%s: %s' % (where, k), res['outputs'].get(k), w, tol, precision)
    # JSON numbers are accepted too, -0 as negative zero included.
    res = a.ask('{"v":1,"id":3,"op":"relu","precision":"double","dims":{"m":3},'
                '"inputs":{"z":[-0,2.5,1e300]}}')
    compare(fail, 'relu of JSON numbers', res.get('outputs', {}).get('out'), [0, 2.5, 1e300], 0,
            'double')
    for line, rid in (('{"v":1,"id":5,"op":"frobnicate","precision":"double","dims":{"m":1},'
                       '"inputs":{"z":["0x1p+0"]}}', 5),
                      ('{"v":2,"id":6,"op":"relu","precision":"double","dims":{"m":1},'
                       '"inputs":{"z":["0x1p+0"]}}', 6),
                      ('{"v":1,"id":8,"op":"relu","precision":"half","dims":{"m":1},'
                       '"inputs":{"z":["0x1p+0"]}}', 8),
                      ('{"v":1,"id":9,"op":"relu","precision":"double","dims":{"m":2},'
                       '"inputs":{"z":["0x1p+0"]}}', 9),
                      ('{"v":1,"id":7,"op":"relu",', None),
                      ('[1, 2]', None)):
        res = a.ask(line)
        if res.get('v') != 1 or not isinstance(res.get('error'), str) or res.get('id') != rid:
            fail('%s: expected an error answer with id %s, got %r' % (line, rid, res))
    # still alive after the bad lines
    res = a.ask('{"v":1,"id":10,"op":"softmax","precision":"float32","dims":{"m":2},'
                '"inputs":{"z":["0x0p+0","0x0p+0"]}}')
    compare(fail, 'softmax after errors', res.get('outputs', {}).get('out'), [0.5, 0.5], 0,
            'float32')
    status = a.close()
    if status != 0:
        fail('exit status %s when stdin closed' % status)


def main(argv):
    names = argv[1:] or list(ADAPTERS)
    failures, skipped = [], []
    for name in names:
        if name not in ADAPTERS:
            print('selftest: unknown adapter %r (have %s)' % (name, ', '.join(ADAPTERS)))
            return 2
        if subprocess.call([sys.executable, '-c', 'import ' + name],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) != 0:
            print('SKIP %s: %s cannot import %s' % (ADAPTERS[name], sys.executable, name))
            skipped.append(name)
            continue
        mine = []

        def fail(msg):
            mine.append(msg)
            print('FAIL %s: %s' % (ADAPTERS[name], msg))
        try:
            test_adapter(name, fail)
        except Exception as e:           # a dead or silent adapter, a line that is not JSON
            fail('%s: %s' % (type(e).__name__, e))
        if not mine:
            print('ok   %s: %d cases in double and float32, hello, errors, exit'
                  % (ADAPTERS[name], len(CASES)))
        failures += mine
    if failures:
        return 1
    return 77 if skipped else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
