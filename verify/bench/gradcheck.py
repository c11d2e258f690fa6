#!/usr/bin/env python3
"""gradcheck.py -- torch.autograd.gradcheck on the network and data `dnnproof netcheck
--save-data FILE` wrote, for `make bench` to hold dnnproof's figures against.

    gradcheck.py DATA.json --mode slow|fast [--repeats 3] [--budget 10]
    gradcheck.py --probe

DATA.json is {"widths": [m1, ..., m_{p+1}], "n": n, "X": [...], "Yhat": [...],
"W": [[...], ...], "b": [[...], ...]}, every number a C99 hex float string ("%a"), row-major:
X is n x m1, Yhat is n x m_{p+1} (one-hot), W[k] is m_{k+2} x m_{k+1}, b[k] has m_{k+2} entries.

The network is the document's, in float64: L(y, W, b) = y W^T + b (F.linear), ReLU after every
layer but the last, and the global loss sum_i CCE(Yhat_i, SoftMax(z_i)) (F.cross_entropy with
probability targets, reduction='sum').  gradcheck differentiates it with respect to every W and
b at once (eps, atol and rtol at their defaults; one thread).  The time is that of the
gradcheck call alone, CLOCK_MONOTONIC (time.perf_counter), the best of up to --repeats runs,
stopping early when another run would take the total past --budget seconds.

Prints one JSON object: {"seconds", "runs", "passed", "params", "mode", "torch"}; with --probe,
{"torch": version} (exit 3, and one line on stderr, when torch cannot be imported).
"""
import argparse
import json
import sys
import time


def load(path):
    with open(path) as f:
        d = json.load(f)
    widths, n = d["widths"], d["n"]

    def mat(strings, rows, cols, what):
        if len(strings) != rows * cols:
            raise ValueError("%s has %d values, not %d x %d" % (what, len(strings), rows, cols))
        v = [float.fromhex(s) for s in strings]
        return [v[r * cols:(r + 1) * cols] for r in range(rows)]

    p = len(widths) - 1
    if p < 1 or len(d["W"]) != p or len(d["b"]) != p:
        raise ValueError("widths, W and b disagree on the number of layers")
    X = mat(d["X"], n, widths[0], "X")
    Yhat = mat(d["Yhat"], n, widths[p], "Yhat")
    W = [mat(d["W"][k], widths[k + 1], widths[k], "W[%d]" % k) for k in range(p)]
    b = [mat(d["b"][k], 1, widths[k + 1], "b[%d]" % k)[0] for k in range(p)]
    return widths, X, Yhat, W, b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", nargs="?")
    ap.add_argument("--mode", choices=["slow", "fast"], default="slow")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--probe", action="store_true")
    a = ap.parse_args()
    try:
        import torch
        import torch.nn.functional as F
    except ImportError as e:
        print("gradcheck.py: torch cannot be imported by %s: %s" % (sys.executable, e),
              file=sys.stderr)
        return 3
    if a.probe:
        print(json.dumps({"torch": torch.__version__}))
        return 0
    if a.data is None:
        ap.error("DATA.json is required")
    torch.set_num_threads(1)

    widths, X, Yhat, W, b = load(a.data)
    p = len(widths) - 1
    t64 = dict(dtype=torch.float64)
    X = torch.tensor(X, **t64)
    Yhat = torch.tensor(Yhat, **t64)
    params = [torch.tensor(w, requires_grad=True, **t64) for w in W] + \
             [torch.tensor(v, requires_grad=True, **t64) for v in b]

    def loss(*theta):
        y = X
        for k in range(p):
            y = F.linear(y, theta[k], theta[p + k])  # y W^T + b
            if k < p - 1:
                y = F.relu(y)
        return F.cross_entropy(y, Yhat, reduction="sum")

    loss(*params).backward()  # warm-up: autograd's first call pays its set-up
    fast = a.mode == "fast"
    best, runs, total, passed = float("inf"), 0, 0.0, True
    while runs < max(1, a.repeats):
        t0 = time.perf_counter()
        ok = torch.autograd.gradcheck(loss, params, fast_mode=fast, raise_exception=False)
        t = time.perf_counter() - t0
        runs, total, best = runs + 1, total + t, min(best, t)
        passed = passed and bool(ok)
        if total + t > a.budget:  # one more run would exceed the budget
            break
    print(json.dumps({"seconds": best, "runs": runs, "passed": passed, "mode": a.mode,
                      "params": sum(t.numel() for t in params), "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
