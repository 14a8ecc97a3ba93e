"""Regenerate torch_bn_gradgrad.json, the PyTorch reference numbers that
functional/batchnorm_gradgrad_test.go pins batch norm's second-order
gradients to: F.batch_norm differentiated twice, in training and in
evaluation mode, with and without weight and bias, and a gradient penalty
through Linear -> BatchNorm1d -> ReLU.

Run it from the repository root:

    /usr/bin/python3 functional/testdata/gen_torch_bn_gradgrad.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_bn_gradgrad.json next to this script. The output is deterministic:
every input, parameter, running statistic and upstream gradient comes from
a fixed torch seed and is rounded to four decimals, so it reads back into
Go as exactly the same float64, and to the nearest float32 as torch's own
float32 copy. Each case is run twice, in float64 and in float32, and both
results are stored as computed (a float32 result is exact as a float64).
The Go tests never run Python; rerun this script only to change the cases.

Batch norm cases ("bn"): y = F.batch_norm(x, running_mean, running_var,
weight, bias, training, momentum=0.1, eps=1e-5) (the running statistics
only in evaluation mode; weight and bias may each be None), the first-order
gradients (gx, gw, gb) = grad(<g, y>, (x, weight, bias), create_graph=True)
for a random upstream g, never all ones, and then the gradients of

    P = sum(gx**2) + <v, gw>

with respect to x, weight and bias, for a random v (zeros where P does not
depend on an input: in evaluation mode gx does not depend on x).

Penalty case ("penalty"): h = relu(batch_norm(x @ W^T + c, weight=gamma,
bias=beta, training=True)), gx = grad(<g, h>, x, create_graph=True), and the
gradients of P = sum(gx**2) with respect to x, W, c, gamma and beta: the
gradient penalty of a small network. No pre-activation lies within 1e-2 of
ReLU's kink (asserted), so float32 and float64 see the same mask.
"""

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261203)

EPS = 1e-5


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(shape, dtype=torch.float64))


def positive(*shape):
    """Values in [0.5, 1.5], for weights and running variances."""
    return r4(0.5 + torch.rand(shape, dtype=torch.float64))


def upstream(*shape):
    g = randn(*shape)
    assert not torch.all(g == 1)
    return g


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def zeros_if_none(grad, like):
    return torch.zeros_like(like) if grad is None else grad


def bn_case(name, shape, weight, bias, training, scale=1.0, shift=0.0):
    c = shape[1]
    x = r4(randn(*shape) * scale + shift)
    w = positive(c) if weight else None
    b = randn(c) if bias else None
    rm = randn(c) if not training else None
    rv = positive(c) if not training else None
    g = upstream(*shape)
    v = randn(c)
    out = dict(name=name, shape=shape, weight=weight, bias=bias, training=training,
               x=flat(x), w=flat(w) if weight else None, b=flat(b) if bias else None,
               running_mean=flat(rm) if rm is not None else None,
               running_var=flat(rv) if rv is not None else None,
               upstream=flat(g), v=flat(v))
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        def cast(t, grad=False):
            return None if t is None else t.clone().to(dtype).requires_grad_(grad)
        xd, wd, bd = cast(x, True), cast(w, True), cast(b, True)
        y = F.batch_norm(xd, cast(rm), cast(rv), wd, bd, training, 0.1, EPS)
        params = [p for p in (wd, bd) if p is not None]
        grads = torch.autograd.grad(y, [xd] + params, cast(g), create_graph=True)
        gx = grads[0]
        gw = grads[1] if weight else None
        gb = grads[-1] if bias else None
        p = (gx ** 2).sum()
        if weight:
            p = p + (gw * cast(v)).sum()
        second = torch.autograd.grad(p, [xd] + params, allow_unused=True)
        res = dict(output=flat(y), grad_x=flat(gx), penalty=float(p),
                   penalty_grad_x=flat(zeros_if_none(second[0], xd)))
        if weight:
            res["grad_w"] = flat(gw)
            res["penalty_grad_w"] = flat(zeros_if_none(second[1], wd))
        if bias:
            res["grad_b"] = flat(gb)
            res["penalty_grad_b"] = flat(zeros_if_none(second[-1], bd))
        out[key] = res
    return out


def penalty_case(name, n, fin, fout):
    x = randn(n, fin)
    wl = r4(randn(fout, fin) * 0.5)
    c = r4(randn(fout) * 0.1)
    gamma = positive(fout)
    beta = r4(randn(fout) * 0.5)
    g = upstream(n, fout)
    out = dict(name=name, n=n, in_features=fin, out_features=fout,
               x=flat(x), weight=flat(wl), bias=flat(c), gamma=flat(gamma), beta=flat(beta),
               upstream=flat(g))
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        leaves = [t.clone().to(dtype).requires_grad_(True) for t in (x, wl, c, gamma, beta)]
        xd, wd, cd, gd, bd = leaves
        pre = F.batch_norm(F.linear(xd, wd, cd), None, None, gd, bd, True, 0.1, EPS)
        assert pre.detach().abs().min() > 1e-2, "a pre-activation near ReLU's kink"
        h = F.relu(pre)
        (gx,) = torch.autograd.grad(h, [xd], g.to(dtype), create_graph=True)
        p = (gx ** 2).sum()
        second = torch.autograd.grad(p, leaves)
        out[key] = dict(output=flat(h), grad_x=flat(gx), penalty=float(p),
                        penalty_grads=[flat(s) for s in second])
    return out


BN = [
    bn_case("train_2d_affine", [5, 3], True, True, True, scale=2.0, shift=1.0),
    bn_case("train_4d_affine", [2, 3, 2, 3], True, True, True),
    bn_case("train_3d_weight_only", [3, 2, 4], True, False, True),
    bn_case("train_3d_bias_only", [3, 2, 4], False, True, True),
    bn_case("train_4d_no_affine", [2, 2, 3, 2], False, False, True, scale=0.5, shift=-1.0),
    bn_case("eval_4d_affine", [2, 3, 2, 2], True, True, False),
    bn_case("eval_2d_weight_only", [4, 3], True, False, False),
]

PENALTY = [penalty_case("linear_bn1d_relu", 6, 3, 4)]


def main():
    cases = BN + PENALTY
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "functional/testdata/gen_torch_bn_gradgrad.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
        "eps": EPS,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_bn_gradgrad.json")

    # One case per line keeps the file small and its diffs readable; JSON
    # refuses a NaN or an infinity (allow_nan=False): every number is finite.
    def block(cs):
        return "[\n" + ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cs) + "\n  ]"
    text = (json.dumps(head, indent=2)[:-2] + ',\n  "bn": ' + block(BN) +
            ',\n  "penalty": ' + block(PENALTY) + "\n}\n")
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(BN)} batch norm and {len(PENALTY)} penalty cases to {path} "
          f"({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
