#!/usr/bin/python3
"""numpy_impl.py -- NumPy as people write it, behind dnnproof's --exec protocol (docs/protocol.md).

The ten ops of "A deep mathematical understanding of DNNs" (Jiang J.), sections 3-5, written the
way a careful NumPy user writes them -- not a dnnproof-grade implementation:  SoftMax is
e^{z - max z} / sum, its Jacobian diag(S) - S S^T, CCE -sum(yhat log y), its gradient -yhat / y,
the loss after SoftMax's gradient S - yhat, dense y W^T + b, the network's loss through
log-softmax.  Each op runs in np.float64 ("double") and np.float32 ("float32"); in float32 every
array stays float32 (no Python float enters the arithmetic), and every output is checked to be.

Run with Debian's python3-numpy (the pyenv python3 first on PATH has no numpy):

    dnnproof check --exec '/usr/bin/python3 verify/adapters/numpy_impl.py'

One JSON object per line on stdin, one answer per line on stdout; diagnostics go to stderr.
"""
import sys

import numpy as np

from dnnp_protocol import serve

np.seterr(all='ignore')     # overflow gives inf / nan, as C would, not a warning or an exception

DTYPES = {'double': np.float64, 'float32': np.float32}


# ---- section 3: activations ------------------------------------------------------------------

def relu(z):
    return np.maximum(z, z.dtype.type(0))


def relu_jacobian(z):                      # ReLU'(0) = 0
    return np.diag((z > 0).astype(z.dtype))


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_jacobian(z):                   # J[i][j] = S_i (delta_ij - S_j)
    S = softmax(z)
    return np.diag(S) - np.outer(S, S)


# ---- section 3: loss -----------------------------------------------------------------------

def cce(yhat, y):
    return -np.sum(yhat * np.log(y))


def cce_gradient(yhat, y):
    return -yhat / y


def softmax_cce_gradient(yhat, z):
    return softmax(z) - yhat


# ---- section 4: dense layers -----------------------------------------------------------------

def dense(y, W, b):                        # y (m), W (mo x m), b (mo)
    return y @ W.T + b


def dense_relu_backward(y, W, b, g_up):    # partials of F o ReLU o L given g_up = grad F
    d = g_up * (dense(y, W, b) > 0)
    return d @ W, np.outer(d, y), d        # g_y (m), g_W (mo x m), g_b (mo)


# ---- section 5: networks ---------------------------------------------------------------------

def network_gradient(W, b, X, Yhat):
    """W[k] (widths[k+1] x widths[k]), b[k], X (n x widths[0]), Yhat (n x widths[p]).
    Loss: the sum over the n samples of -Yhat_i . log_softmax(z_i); returns loss, g_W, g_b."""
    p = len(W)
    a, zs = [X], []                        # a[k]: layer k's input (n x widths[k])
    for k in range(p):
        z = a[k] @ W[k].T + b[k]
        zs.append(z)
        if k < p - 1:
            a.append(relu(z))
    z = zs[-1]
    d = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(d)
    s = np.sum(e, axis=1, keepdims=True)
    loss = np.sum(-np.sum(Yhat * (d - np.log(s)), axis=1))
    delta = e / s - Yhat                   # dLoss/dz at the top layer (n x widths[p])
    g_W, g_b = [None] * p, [None] * p
    for k in reversed(range(p)):
        g_W[k] = delta.T @ a[k]            # summed over the samples
        g_b[k] = np.sum(delta, axis=0)
        if k > 0:
            delta = (delta @ W[k]) * (zs[k - 1] > 0)
    return loss, g_W, g_b


# ---- the protocol ----------------------------------------------------------------------------

def num(x):
    return float.fromhex(x) if isinstance(x, str) else float(x)


def vec(inputs, name, n, dt):
    v = np.array([num(x) for x in inputs[name]], dtype=np.float64)
    if v.size != n:
        raise ValueError('%s has %d entries, expected %d' % (name, v.size, n))
    return v.astype(dt)                    # exact: dnnproof sends float32 values in float32 calls


def enc(a, dt):
    a = np.asarray(a)
    if a.dtype != dt:
        raise TypeError('internal: output is %s, not %s' % (a.dtype, np.dtype(dt)))
    if a.ndim == 0:
        return float(a).hex()
    return [float(x).hex() for x in a.ravel()]   # float(np.float32) is exact


def call(op, dims, inputs, dt):
    if op == 'network_gradient':
        p, n, w = int(dims['p']), int(dims['n']), [int(x) for x in dims['widths']]
        if p < 1 or len(w) != p + 1:
            raise ValueError('widths must have p + 1 entries')
        X = vec(inputs, 'X', n * w[0], dt).reshape(n, w[0])
        Yhat = vec(inputs, 'Yhat', n * w[p], dt).reshape(n, w[p])
        if len(inputs['W']) != p or len(inputs['b']) != p:
            raise ValueError('W and b must have p arrays')
        W = [vec({'W': inputs['W'][k]}, 'W', w[k + 1] * w[k], dt).reshape(w[k + 1], w[k])
             for k in range(p)]
        b = [vec({'b': inputs['b'][k]}, 'b', w[k + 1], dt) for k in range(p)]
        loss, g_W, g_b = network_gradient(W, b, X, Yhat)
        return {'loss': enc(loss, dt), 'g_W': [enc(g, dt) for g in g_W],
                'g_b': [enc(g, dt) for g in g_b]}
    m = int(dims['m'])
    if op in ('relu', 'softmax', 'relu_jacobian', 'softmax_jacobian'):
        f = {'relu': relu, 'softmax': softmax, 'relu_jacobian': relu_jacobian,
             'softmax_jacobian': softmax_jacobian}[op]
        return {'J' if op.endswith('jacobian') else 'out': enc(f(vec(inputs, 'z', m, dt)), dt)}
    if op in ('cce', 'cce_gradient'):
        yhat, y = vec(inputs, 'yhat', m, dt), vec(inputs, 'y', m, dt)
        return {'loss': enc(cce(yhat, y), dt)} if op == 'cce' else \
               {'g': enc(cce_gradient(yhat, y), dt)}
    if op == 'softmax_cce_gradient':
        yhat, z = vec(inputs, 'yhat', m, dt), vec(inputs, 'z', m, dt)
        return {'g': enc(softmax_cce_gradient(yhat, z), dt)}
    mo = int(dims['mo'])
    y, b = vec(inputs, 'y', m, dt), vec(inputs, 'b', mo, dt)
    W = vec(inputs, 'W', mo * m, dt).reshape(mo, m)
    if op == 'dense':
        return {'out': enc(dense(y, W, b), dt)}
    if op == 'dense_relu_backward':
        g_y, g_W, g_b = dense_relu_backward(y, W, b, vec(inputs, 'g_up', mo, dt))
        return {'g_y': enc(g_y, dt), 'g_W': enc(g_W, dt), 'g_b': enc(g_b, dt)}
    raise ValueError('unknown op %r' % op)


OPS = ['relu', 'relu_jacobian', 'softmax', 'softmax_jacobian', 'cce', 'cce_gradient',
       'softmax_cce_gradient', 'dense', 'dense_relu_backward', 'network_gradient']


def main():
    return serve('numpy ' + np.__version__, OPS, DTYPES,
                 lambda op, dims, inputs, prec: call(op, dims, inputs, DTYPES[prec]))


if __name__ == '__main__':
    sys.exit(main())
