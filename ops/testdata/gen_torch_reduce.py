"""Regenerate torch_reduce.json, the PyTorch reference numbers that
ops/reference_reduce_test.go pins the reductions to: ops.Max and ops.Min
along one axis (values, indices, gradients), ops.Amax and ops.Amin over
several axes (with NaNTies for torch.max(x) and torch.min(x) without a dim),
tensor.ArgMax/ArgMin and their flat forms, ops.Var and ops.Std.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_reduce.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_reduce.json next to this script. The output is deterministic: every
input and upstream gradient comes from a fixed torch seed and is rounded to
four decimals, so it reads back into Go as exactly the same float64, and to
the nearest float32 as torch's own float32 copy. Each case is run twice, in
float64 and in float32, and both results are stored as computed (a float32
result is exact as a float64). JSON has no NaN or infinity: those are
written as the strings "nan", "inf" and "-inf".
The Go tests never run Python; rerun this script only to change the cases.

Every case: torch's function applied to the input; for the differentiable
ones y.backward(g) with a random upstream g, never all ones (or, where the
case says so, an infinite one), and the output, the indices where the
function returns them, and x.grad.
"""

import json
import math
import os

import torch

torch.manual_seed(20261202)

NAN, INF = float("nan"), float("inf")


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


def upstream(shape):
    g = randn(*shape)
    assert g.numel() <= 1 or not torch.all(g == 1)
    return g


def enc(v):
    """A float as JSON: a number, or "nan", "inf", "-inf"."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def flat(t):
    return [enc(float(v)) for v in t.detach().reshape(-1).tolist()]


def call(function, x, dim, keepdim, correction):
    """Applies the torch function of a case; returns (y, indices or None)."""
    if function in ("max_dim", "min_dim"):
        f = torch.max if function == "max_dim" else torch.min
        y, i = f(x, dim, keepdim=keepdim)
        return y, i
    if function in ("amax", "amin"):
        f = torch.amax if function == "amax" else torch.amin
        return f(x, dim=dim if dim is not None else (), keepdim=keepdim), None
    if function in ("max_all", "min_all"):
        return (torch.max(x) if function == "max_all" else torch.min(x)), None
    if function in ("argmax", "argmin"):
        f = torch.argmax if function == "argmax" else torch.argmin
        return None, f(x, dim=dim, keepdim=keepdim)
    if function in ("var", "std"):
        f = torch.var if function == "var" else torch.std
        return f(x, dim=dim, correction=correction, keepdim=keepdim), None
    raise ValueError(function)


def case(name, function, x, dim=None, keepdim=False, correction=None, g=None):
    """Runs one case in float64 and float32. dim is an int, a list of ints
    or None (every axis)."""
    out = dict(name=name, function=function, shape=list(x.shape), dim=dim,
               keepdim=keepdim, correction=correction, input=flat(x))
    differentiable = function not in ("argmax", "argmin")
    upstream_g = None
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        xd = x.detach().clone().to(dtype).requires_grad_(differentiable)
        y, idx = call(function, xd, dim, keepdim, correction)
        res = dict(output_shape=list((y if y is not None else idx).shape))
        if y is not None:
            res["output"] = flat(y)
        if idx is not None:
            res["indices"] = [int(i) for i in idx.reshape(-1).tolist()]
        if differentiable:
            if upstream_g is None:
                upstream_g = g if g is not None else upstream(y.shape)
            y.backward(upstream_g.to(dtype))
            res["grad"] = flat(xd.grad)
        out[key] = res
    out["upstream"] = flat(upstream_g) if upstream_g is not None else None
    return out


def with_nan(x, *positions):
    x = x.clone()
    for p in positions:
        x.view(-1)[p] = NAN
    return x


CASES = [
    # torch.max(x, dim) / torch.min(x, dim): values, indices, gradient to
    # the returned index (the first maximum; the first NaN).
    case("max_dim1", "max_dim", distinct(3, 4), dim=1),
    case("max_dim0_keepdim_3d", "max_dim", distinct(2, 3, 4), dim=0, keepdim=True),
    case("max_dim_neg1", "max_dim", distinct(2, 3, 4), dim=-1),
    case("max_dim_size1", "max_dim", distinct(4, 1), dim=1),
    case("max_dim_1d", "max_dim", distinct(5), dim=0),
    case("max_dim_ties", "max_dim", ties(4, 6), dim=1),
    case("max_dim_ties_axis0", "max_dim", ties(5, 3), dim=0, keepdim=True),
    case("max_dim_nan", "max_dim", with_nan(randn(3, 5), 1, 3, 12), dim=1),
    case("min_dim1", "min_dim", distinct(3, 4), dim=1, keepdim=True),
    case("min_dim_neg2", "min_dim", distinct(2, 3, 4), dim=-2),
    case("min_dim_ties", "min_dim", ties(4, 6), dim=0),
    case("min_dim_nan", "min_dim", with_nan(randn(4, 3), 0, 5, 8), dim=0),
    # torch.amax / torch.amin: several axes, keepdim, gradient split evenly
    # among ties, NaN over the whole slice when the extremum is NaN.
    case("amax_dims02", "amax", distinct(2, 3, 4), dim=[0, 2]),
    case("amax_dims_neg_keepdim", "amax", distinct(2, 3, 4), dim=[-1, -3], keepdim=True),
    case("amax_all", "amax", distinct(3, 4)),
    case("amax_all_keepdim", "amax", distinct(2, 1, 3), keepdim=True),
    case("amax_one_dim", "amax", distinct(3, 4), dim=[1]),
    case("amax_size1_dims", "amax", distinct(1, 3, 1), dim=[0, 2]),
    case("amax_ties", "amax", ties(3, 4, 5), dim=[1, 2]),
    case("amax_ties_all", "amax", ties(4, 5)),
    case("amax_ties_keepdim", "amax", ties(4, 3, 2), dim=[0, 2], keepdim=True),
    case("amax_nan", "amax", with_nan(randn(3, 4), 2, 9), dim=[1]),
    case("amax_inf", "amax", torch.tensor([[INF, 1.0, INF], [-INF, -INF, -INF], [2.0, -INF, 0.5]], dtype=torch.float64), dim=[1]),
    case("amax_signed_zero_tie", "amax", torch.tensor([[0.0, -0.0, -1.0], [-0.0, -2.0, -0.0]], dtype=torch.float64), dim=[1]),
    case("amax_inf_upstream", "amax", torch.tensor([[1.0, 4.0, 2.0], [3.0, 3.0, 0.0]], dtype=torch.float64), dim=[1],
         g=torch.tensor([INF, -INF], dtype=torch.float64)),
    case("amin_dims01", "amin", distinct(2, 3, 4), dim=[0, 1]),
    case("amin_all", "amin", distinct(4, 3)),
    case("amin_ties", "amin", ties(3, 4, 5), dim=[0, 2], keepdim=True),
    case("amin_ties_all_keepdim", "amin", ties(3, 5), keepdim=True),
    case("amin_nan", "amin", with_nan(randn(2, 3, 2), 4), dim=[1, 2]),
    # torch.max(x) / torch.min(x): the full reduction, ties split evenly,
    # NaNs sharing the gradient when the result is NaN.
    case("max_all_distinct", "max_all", distinct(3, 4)),
    case("max_all_ties", "max_all", ties(4, 5)),
    case("max_all_nan", "max_all", with_nan(randn(3, 4), 1, 7, 10)),
    case("min_all_ties", "min_all", ties(2, 3, 4)),
    case("min_all_nan", "min_all", with_nan(randn(5), 3)),
    # torch.argmax / torch.argmin: a dim or the flattened tensor, keepdim,
    # the first index among ties, NaN as the extremum.
    case("argmax_dim1", "argmax", distinct(3, 4), dim=1),
    case("argmax_dim0_keepdim", "argmax", ties(4, 5), dim=0, keepdim=True),
    case("argmax_flat", "argmax", ties(3, 4)),
    case("argmax_flat_keepdim", "argmax", distinct(2, 3), keepdim=True),
    case("argmax_nan", "argmax", with_nan(randn(3, 4), 2, 3, 9), dim=-1),
    case("argmax_flat_nan", "argmax", with_nan(randn(3, 4), 6, 8)),
    case("argmin_dim_neg1", "argmin", ties(4, 5), dim=-1),
    case("argmin_flat", "argmin", ties(2, 3, 2)),
    case("argmin_nan", "argmin", with_nan(randn(4, 3), 1, 10), dim=0),
    # torch.var / torch.std: several axes, correction 1 (unbiased, the
    # default), 0 and 2, keepdim, and the edges: one element with
    # correction 1 (NaN), N < correction (Inf), equal values (σ = 0, a zero
    # gradient for std), NaN and Inf inputs.
    case("var_dim1", "var", randn(3, 5), dim=[1], correction=1),
    case("var_dims02_keepdim", "var", randn(2, 3, 4), dim=[0, 2], correction=1, keepdim=True),
    case("var_all_biased", "var", randn(3, 4), correction=0),
    case("var_neg_dims_correction2", "var", randn(2, 3, 4), dim=[-1, -2], correction=2),
    case("var_size1_dims", "var", randn(1, 4, 1), dim=[0, 1], correction=1),
    case("var_large_offset", "var", r4(1000 + torch.randn(2, 6, dtype=torch.float64)), dim=[1], correction=1),
    case("var_one_element", "var", randn(3, 1), dim=[1], correction=1),
    case("var_n_below_correction", "var", randn(2, 2), dim=[1], correction=3),
    case("var_equal_values", "var", torch.tensor([[0.1, 0.1, 0.1], [0.7, 0.7, 0.7], [1.0, 2.0, 4.0]], dtype=torch.float64), dim=[1], correction=1),
    case("var_nan_inf", "var", torch.tensor([[1.0, NAN, 3.0], [1.0, INF, 3.0], [1.0, 2.0, 4.0]], dtype=torch.float64), dim=[1], correction=1),
    case("std_dim0", "std", randn(4, 3), dim=[0], correction=1),
    case("std_dims12_keepdim_biased", "std", randn(2, 3, 4), dim=[1, 2], correction=0, keepdim=True),
    case("std_all", "std", randn(3, 4), correction=1),
    case("std_correction2", "std", randn(3, 5), dim=[-1], correction=2),
    case("std_large_offset", "std", r4(1000 + torch.randn(3, 4, dtype=torch.float64)), dim=[0], correction=0),
    case("std_equal_values", "std", torch.tensor([[0.1, 0.1, 0.1, 0.1], [2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 2.0, 4.0]], dtype=torch.float64), dim=[1], correction=1),
    case("std_one_element", "std", randn(2, 1), dim=[1], correction=1),
    case("std_one_element_biased", "std", randn(2, 1), dim=[1], correction=0),
    case("std_n_below_correction", "std", randn(1, 2), dim=[1], correction=3),
    case("std_nan_inf", "std", torch.tensor([[1.0, NAN, 3.0], [1.0, INF, 3.0]], dtype=torch.float64), dim=[1], correction=1),
]


def main():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_reduce.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reduce.json")
    # One case per line keeps the file small and its diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in CASES)
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(CASES)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
