"""Regenerate torch_gradgrad_reduce.json, the PyTorch reference numbers that
ops/gradgrad_reduce_test.go pins the second-order gradients (BackwardVar) of
the reductions to: ops.Sum, Mean, Max, Min, Amax, Amin, Var, Std,
LogSumExp, LogSoftmax, Gather, and the cross-entropy composite
Neg(Mean(Gather(LogSoftmax(x)))), which is functional.CrossEntropy.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_gradgrad_reduce.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_gradgrad_reduce.json next to this script. The output is
deterministic: every input, upstream gradient and direction comes from a
fixed torch seed and is rounded to four decimals, so it reads back into Go
as exactly the same float64, and to the nearest float32 as torch's own
float32 copy. Each case is run twice, in float64 and in float32, and both
results are stored as computed (a float32 result is exact as a float64).
The Go tests never run Python; rerun this script only to change the cases.

Every case, in each dtype, with x the input, g the upstream gradient (a
leaf too) and v a direction of x's shape:

    y          = f(x)
    grad       = ∂⟨g, y⟩/∂x                      (create_graph=True)
    grad2_x    = ∂⟨v, grad⟩/∂x                    the Hessian–vector product
    grad2_g    = ∂⟨v, grad⟩/∂g                    the Jacobian–vector product
    grad3_x    = ∂⟨w, grad2_x⟩/∂x, for cases with a direction w (third order)

A gradient that torch reports as unused (None) is stored as zeros.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261202)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(shape, dtype=torch.float64))


def ties(*shape):
    """Small integers, so that many elements tie."""
    return torch.randint(-2, 3, shape).to(torch.float64)


def distinct(*shape):
    """Random values with no two equal (so max and min are unique)."""
    while True:
        x = randn(*shape)
        if len(set(x.reshape(-1).tolist())) == x.numel():
            return x


def enc(v):
    """A float as JSON: a number, or "nan", "inf", "-inf"."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def flat(t):
    return [enc(float(v)) for v in t.detach().reshape(-1).tolist()]


def call(c, x):
    """Applies the torch function of case c to x."""
    fn, dim, keep = c["function"], c["dim"], c["keepdim"]
    if fn == "sum":
        return x.sum() if dim is None and not keep else torch.sum(x, dim=dim if dim is not None else tuple(range(x.dim())), keepdim=keep)
    if fn == "mean":
        return x.mean() if dim is None and not keep else torch.mean(x, dim=dim if dim is not None else tuple(range(x.dim())), keepdim=keep)
    if fn == "max_dim":
        return torch.max(x, dim, keepdim=keep)[0]
    if fn == "min_dim":
        return torch.min(x, dim, keepdim=keep)[0]
    if fn == "amax":
        return torch.amax(x, dim=dim if dim is not None else (), keepdim=keep)
    if fn == "amin":
        return torch.amin(x, dim=dim if dim is not None else (), keepdim=keep)
    if fn == "max_all":
        return torch.max(x)
    if fn in ("var", "std"):
        f = torch.var if fn == "var" else torch.std
        return f(x, dim=dim, correction=c["correction"], keepdim=keep)
    if fn == "logsumexp":
        return torch.logsumexp(x, dim, keepdim=keep)
    if fn == "log_softmax":
        return torch.log_softmax(x, dim)
    if fn == "gather":
        return x.gather(1, torch.tensor(c["index"])[:, None]).squeeze(1)
    if fn == "cross_entropy":
        return F.cross_entropy(x, torch.tensor(c["index"]))
    raise ValueError(fn)


def case(name, function, x, dim=None, keepdim=False, correction=None, index=None, third=False):
    """Runs one case in float64 and float32. dim is an int, a list of ints
    or None (every axis)."""
    c = dict(name=name, function=function, shape=list(x.shape), dim=dim, keepdim=keepdim,
             correction=correction, index=index, input=flat(x))
    y0 = call(c, x)
    g = randn(*y0.shape)
    assert g.numel() <= 1 or not torch.all(g == 1)
    v = randn(*x.shape)
    w = randn(*x.shape) if third else None
    c["upstream"], c["v"], c["w"] = flat(g), flat(v), flat(w) if third else None
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        xd = x.clone().to(dtype).requires_grad_(True)
        gd = g.clone().to(dtype).requires_grad_(True)
        y = call(c, xd)
        (gx,) = torch.autograd.grad(y, xd, gd, create_graph=True)
        s = (gx * v.to(dtype)).sum()
        hx, hg = torch.autograd.grad(s, [xd, gd], allow_unused=True, create_graph=third)
        res = dict(output_shape=list(y.shape), output=flat(y), grad=flat(gx),
                   grad2_x=flat(hx if hx is not None else torch.zeros_like(xd)),
                   grad2_g=flat(hg if hg is not None else torch.zeros_like(gd)))
        if third:
            (tx,) = torch.autograd.grad((hx * w.to(dtype)).sum(), xd)
            res["grad3_x"] = flat(tx)
        c[key] = res
    return c


CASES = [
    case("sum_dim1", "sum", randn(3, 4), dim=[1]),
    case("sum_all_keepdim", "sum", randn(2, 3), keepdim=True),
    case("mean_dims02", "mean", randn(2, 3, 4), dim=[0, 2]),
    case("mean_all", "mean", randn(3, 2)),
    case("max_dim1", "max_dim", distinct(3, 4), dim=1),
    case("max_dim1_keepdim_3d", "max_dim", distinct(2, 3, 4), dim=1, keepdim=True),
    case("max_dim_ties", "max_dim", ties(4, 5), dim=0),
    case("min_dim_neg1", "min_dim", distinct(2, 3, 4), dim=-1),
    case("amax_dims02", "amax", distinct(2, 3, 4), dim=[0, 2]),
    case("amax_ties_keepdim", "amax", ties(3, 4, 2), dim=[1, 2], keepdim=True),
    case("amin_ties_all", "amin", ties(4, 5)),
    case("max_all_ties", "max_all", ties(3, 4)),
    case("var_dim1", "var", randn(3, 5), dim=[1], correction=1),
    case("var_dims02_keepdim_biased", "var", randn(2, 3, 4), dim=[0, 2], correction=0, keepdim=True),
    case("std_dim0", "std", randn(4, 3), dim=[0], correction=1, third=True),
    case("std_all_correction2", "std", randn(3, 4), correction=2),
    case("std_equal_values", "std", torch.tensor([[0.1, 0.1, 0.1], [1.0, 2.0, 4.0]], dtype=torch.float64), dim=[1], correction=1),
    case("logsumexp_dim1", "logsumexp", randn(3, 5), dim=1, third=True),
    case("logsumexp_dim0_keepdim_3d", "logsumexp", randn(3, 2, 4), dim=0, keepdim=True),
    case("logsumexp_large", "logsumexp", r4(torch.randn(2, 4, dtype=torch.float64) * 30 + 500), dim=-1),
    case("log_softmax_dim1", "log_softmax", randn(4, 5), dim=1, third=True),
    case("log_softmax_dim1_3d", "log_softmax", randn(2, 3, 4), dim=1),
    case("gather", "gather", randn(4, 3), index=[2, 0, 1, 2]),
    case("cross_entropy", "cross_entropy", randn(5, 4), index=[3, 0, 1, 1, 2], third=True),
]


def main():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_gradgrad_reduce.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_gradgrad_reduce.json")
    # One case per line keeps the file small and its diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in CASES)
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(CASES)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
