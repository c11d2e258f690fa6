#!/usr/bin/python3
"""torch_impl.py -- PyTorch as people use it, behind dnnproof's --exec protocol (docs/protocol.md).

The ten ops of "A deep mathematical understanding of DNNs" (Jiang J.), sections 3-5, computed by
torch's own operators and differentiated by its autograd, as a PyTorch user would: torch.relu,
torch.softmax, Jacobians by torch.autograd.functional.jacobian, F.linear, F.cross_entropy.  Each
op runs in torch.float64 ("double") and torch.float32 ("float32"), on the CPU, one thread.

Written against Debian's python3-torch 1.13 and the semantics it has:
- F.cross_entropy accepts class probabilities as the target (since 1.10): the loss of a row is
  -sum_j target_j log_softmax(input)_j, and reduction='sum' sums the rows (the document's global
  loss is a sum over samples, not the default 'mean');
- relu's backward is threshold_backward(grad, x, 0): grad where x > 0, else 0, so ReLU'(0) = 0;
- log_softmax's backward is grad - exp(output) * sum(grad), so cross-entropy's gradient at the
  logits is S * sum(target) - target = S - yhat for a one-hot target.

Run with Debian's python3-torch (the pyenv python3 first on PATH has no torch):

    dnnproof check --exec '/usr/bin/python3 verify/adapters/torch_impl.py'

One JSON object per line on stdin, one answer per line on stdout; diagnostics go to stderr.
"""
import sys

import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

from dnnp_protocol import serve

torch.set_num_threads(1)

DTYPES = {'double': torch.float64, 'float32': torch.float32}


def grads(out, *xs):                       # d out / d xs by autograd, out a scalar
    return torch.autograd.grad(out, xs)


# ---- section 3: activations and loss ---------------------------------------------------------

def softmax(z):
    return torch.softmax(z, dim=-1)


def cce(yhat, y):
    return -(yhat * torch.log(y)).sum()


def cce_gradient(yhat, y):
    y = y.clone().requires_grad_()
    return grads(cce(yhat, y), y)[0]


def softmax_cce_gradient(yhat, z):
    z = z.clone().requires_grad_()
    loss = F.cross_entropy(z.unsqueeze(0), yhat.unsqueeze(0), reduction='sum')
    return grads(loss, z)[0]


# ---- section 4: dense layers -----------------------------------------------------------------

def dense_relu_backward(y, W, b, g_up):    # partials of (g_up . ReLU(L(y, W, b))) = F o ReLU o L
    y, W, b = (t.clone().requires_grad_() for t in (y, W, b))
    return grads((g_up * torch.relu(F.linear(y, W, b))).sum(), y, W, b)


# ---- section 5: networks ---------------------------------------------------------------------

def network_gradient(W, b, X, Yhat):
    """W[k] (widths[k+1] x widths[k]), b[k], X (n x widths[0]), Yhat (n x widths[p]).
    Loss: sum over the n samples of CCE(SoftMax(N(X_i))); returns loss, g_W, g_b."""
    W = [w.clone().requires_grad_() for w in W]
    b = [c.clone().requires_grad_() for c in b]
    a = X
    for k in range(len(W) - 1):
        a = torch.relu(F.linear(a, W[k], b[k]))
    loss = F.cross_entropy(F.linear(a, W[-1], b[-1]), Yhat, reduction='sum')
    loss.backward()
    return loss.detach(), [w.grad for w in W], [c.grad for c in b]


OPS = {
    'relu': lambda i: {'out': torch.relu(i['z'])},
    'relu_jacobian': lambda i: {'J': jacobian(torch.relu, i['z'])},
    'softmax': lambda i: {'out': softmax(i['z'])},
    'softmax_jacobian': lambda i: {'J': jacobian(softmax, i['z'])},
    'cce': lambda i: {'loss': cce(i['yhat'], i['y'])},
    'cce_gradient': lambda i: {'g': cce_gradient(i['yhat'], i['y'])},
    'softmax_cce_gradient': lambda i: {'g': softmax_cce_gradient(i['yhat'], i['z'])},
    'dense': lambda i: {'out': F.linear(i['y'], i['W'], i['b'])},
    'dense_relu_backward': lambda i: dict(zip(('g_y', 'g_W', 'g_b'),
                                              dense_relu_backward(i['y'], i['W'], i['b'],
                                                                  i['g_up']))),
    'network_gradient': lambda i: dict(zip(('loss', 'g_W', 'g_b'),
                                           network_gradient(i['W'], i['b'], i['X'], i['Yhat']))),
}


# ---- the protocol ----------------------------------------------------------------------------

def num(x):
    return float.fromhex(x) if isinstance(x, str) else float(x)


def tensor(xs, n, dt, shape=None):         # exact: float32 calls carry float32 values
    if len(xs) != n:
        raise ValueError('an input has %d entries, expected %d' % (len(xs), n))
    t = torch.tensor([num(x) for x in xs], dtype=torch.float64).to(dt)
    return t.reshape(shape) if shape else t


def read_inputs(op, d, inputs, dt):
    if op == 'network_gradient':
        p, n, w = int(d['p']), int(d['n']), [int(x) for x in d['widths']]
        if p < 1 or len(w) != p + 1 or len(inputs['W']) != p or len(inputs['b']) != p:
            raise ValueError('widths must have p + 1 entries, W and b p arrays')
        return {'X': tensor(inputs['X'], n * w[0], dt, (n, w[0])),
                'Yhat': tensor(inputs['Yhat'], n * w[p], dt, (n, w[p])),
                'W': [tensor(inputs['W'][k], w[k + 1] * w[k], dt, (w[k + 1], w[k]))
                      for k in range(p)],
                'b': [tensor(inputs['b'][k], w[k + 1], dt) for k in range(p)]}
    m, mo = int(d['m']), int(d.get('mo', 0))
    sizes = {'z': m, 'yhat': m, 'y': m, 'W': mo * m, 'b': mo, 'g_up': mo}
    return {k: tensor(v, sizes[k], dt, (mo, m) if k == 'W' else None) for k, v in inputs.items()
            if k in sizes}


def enc(t, dt):
    if isinstance(t, list):
        return [enc(x, dt) for x in t]
    if t.dtype != dt:
        raise TypeError('internal: output is %s, not %s' % (t.dtype, dt))
    if t.dim() == 0:
        return float(t.item()).hex()
    return [float(x).hex() for x in t.detach().reshape(-1).tolist()]   # exact for float32


def compute(op, dims, inputs, prec):
    dt = DTYPES[prec]
    outs = OPS[op](read_inputs(op, dims, inputs, dt))
    return {k: enc(v, dt) for k, v in outs.items()}


def main():
    return serve('torch ' + torch.__version__, OPS, DTYPES, compute)


if __name__ == '__main__':
    sys.exit(main())
