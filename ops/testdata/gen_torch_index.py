"""Regenerate torch_index.json, the PyTorch reference numbers that
ops/reference_index_test.go pins ops.IndexSelect, ops.IndexAdd,
ops.GatherAxis, ops.ScatterAdd, ops.Where, ops.MaskedFill and ops.Cumsum
to: forward values and every input's gradient, computed by torch in
float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_index.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_index.json next to this script. The output is deterministic: every
input and upstream gradient comes from a fixed torch seed and is rounded to
four decimals (a few cases set special values: NaN, ±Inf, 1e8), so that it
reads back into Go as exactly the same float64, and its float32 conversion
is the float32 torch used. Computed float64 numbers are written exactly
(Python's shortest repr), float32 ones with 9 significant digits, which give
back the same float32. JSON has no NaN or infinity: they are written as the
strings "nan", "inf" and "-inf".

Each case names the torch function ("function"), the tapegrad op ("op") and
its settings ("params": the op's exported fields by their Go names; a
MaskedFill's Value is the case's "value", which may be NaN or infinite). It
runs y = f(x…) in each dtype, y.backward(g) for a random upstream g of y's
shape (or the case's own, with infinities and NaN), and records y's shape,
y and every input's gradient. What the cases pin besides the plain values: repeated
indices accumulating their gradients, negative dims, 0-d and empty tensors,
an index smaller or longer than the input (gather), a src larger than the
index (scatter_add), broadcasting of all three operands of where and of both
of masked_fill, gradients that are exactly 0 on the unchosen side even where
the upstream gradient is infinite or NaN, NaN and ±Inf through cumsum, and
cumsum's float32 sums, which torch runs in float64 on the CPU.

torch 1.13 rejects, in the backward pass, a scatter_add whose src is larger
than its index (it gives src a gradient of the index's shape); such a case
applies scatter_add to src narrowed to the index's shape, the same function,
whose gradient is the zero-padded one tapegrad's ScatterAdd computes.
The reverse cumsum (tapegrad's Cumsum with Reverse, its own backward) is
torch.flip(torch.cumsum(torch.flip(x, [d]), d), [d]).
"""

import json
import math
import os

import torch

torch.manual_seed(20261218)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(shape, dtype=torch.float64))


def num(v, dtype):
    """A number for JSON: NaN and infinities as strings; float64 exactly,
    float32 with 9 significant digits."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dtype == torch.float32:
        return float("%.9g" % v)
    return float(v)


def flat(t, dtype=torch.float64):
    return [num(v, dtype) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def tens(t):
    return dict(shape=list(t.shape), data=flat(t))


def case(name, function, op, params, fn, inputs, g=None, value=None):
    """One case: fn(*inputs) in float64 and float32, its backward with g
    (random when None)."""
    with torch.no_grad():
        y0 = fn(*[x.clone() for x in inputs])
    if g is None:
        g = randn(*y0.shape)
    out = dict(name=name, function=function, op=op, params=params,
               inputs=[tens(x) for x in inputs], upstream=tens(g), output_shape=list(y0.shape))
    if value is not None:
        out["value"] = num(value, torch.float64)
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        xs = [x.detach().clone().to(dtype).requires_grad_() for x in inputs]
        y = fn(*xs)
        y.backward(g.to(dtype))
        out[key] = dict(output=flat(y, dtype),
                        grads=[flat(torch.zeros_like(x) if x.grad is None else x.grad, dtype) for x in xs])
    return out


def cases():
    C = []
    nan, inf = float("nan"), float("inf")

    # index_select(x, dim, index): the slices along dim at the indices.
    for tag, dim, index, x in (
        ("dim1_repeated", 1, [3, 3, 0, 1], randn(3, 4)),
        ("dim0_3d", 0, [2, 0, 2], randn(4, 2, 3)),
        ("dim-1_nonfinite", -1, [2, 2, 1], torch.tensor([[1.5, nan, inf], [-inf, 0.25, -2.0]], dtype=torch.float64)),
        ("empty_index", 1, [], randn(2, 3)),
        ("0d", 0, [0], randn()),
    ):
        idx = torch.tensor(index, dtype=torch.long)
        C.append(case("index_select_" + tag, "index_select", "IndexSelect", dict(Dim=dim, Index=index),
                      lambda x, d=dim, i=idx: x.index_select(d, i), [x]))

    # index_add(self, dim, index, source): repeated indices add up.
    for tag, dim, index, s, src in (
        ("dim1_repeated", 1, [0, 0, 2], randn(3, 4), randn(3, 3)),
        ("dim0", 0, [1, 0, 1, 1], randn(2, 3), randn(4, 3)),
        ("dim-2_3d", -2, [2, 0], randn(2, 3, 2), randn(2, 2, 2)),
        ("0d", 0, [0], randn(), randn()),
    ):
        idx = torch.tensor(index, dtype=torch.long)
        C.append(case("index_add_" + tag, "index_add", "IndexAdd", dict(Dim=dim, Index=index),
                      lambda s, src, d=dim, i=idx: s.index_add(d, i, src), [s, src]))

    # gather(x, dim, index): the index no larger than x but along dim.
    def rand_index(shape, n):
        return torch.randint(0, n, shape, dtype=torch.long)

    for tag, dim, ishape, x in (
        ("dim1_repeated", 1, (2, 3), randn(3, 4)),
        ("dim0_index_smaller", 0, (2, 2), randn(3, 4)),
        ("dim0_index_longer", 0, (4, 2, 1), randn(3, 2, 2)),
        ("dim-1_3d", -1, (2, 2, 5), randn(2, 2, 3)),
        ("0d", 0, (), randn()),
        ("empty", 1, (2, 0), randn(2, 3)),
    ):
        n = x.shape[dim] if x.dim() > 0 else 1
        idx = rand_index(ishape, n)
        if tag == "dim1_repeated":
            idx = torch.tensor([[0, 3, 3], [1, 0, 2]])
        C.append(case("gather_" + tag, "gather", "GatherAxis",
                      dict(Dim=dim, Index=idx.reshape(-1).tolist(), IndexShape=list(ishape)),
                      lambda x, d=dim, i=idx: torch.gather(x, d, i), [x]))

    # scatter_add(self, dim, index, src).
    for tag, dim, ishape, s, src in (
        ("dim1_repeated", 1, (2, 3), randn(3, 4), randn(2, 3)),
        ("dim0_src_larger", 0, (2, 2), randn(3, 2), randn(3, 3)),
        ("dim-1_3d", -1, (2, 2, 4), randn(2, 2, 3), randn(2, 2, 4)),
        ("0d", 0, (), randn(), randn()),
    ):
        n = s.shape[dim] if s.dim() > 0 else 1
        idx = rand_index(ishape, n)
        if tag == "dim1_repeated":
            idx = torch.tensor([[0, 3, 3], [1, 0, 0]])
        C.append(case("scatter_add_" + tag, "scatter_add", "ScatterAdd",
                      dict(Dim=dim, Index=idx.reshape(-1).tolist(), IndexShape=list(ishape)),
                      lambda s, src, d=dim, i=idx: s.scatter_add(d, i, src[tuple(slice(0, k) for k in i.shape)]),
                      [s, src]))

    # where(cond, a, b), broadcasting all three.
    def bools(*shape):
        return torch.rand(shape) < 0.5

    for tag, cond, a, b, g in (
        ("2x3", torch.tensor([[True, False, True], [False, False, True]]), randn(2, 3), randn(2, 3), None),
        ("cond2x1_a1x3_b0d", torch.tensor([[False], [True]]), randn(1, 3), randn(), None),
        ("cond3_a2x3_b2x1", torch.tensor([True, True, False]), randn(2, 3), randn(2, 1), None),
        ("cond2x3_a3_b1", bools(2, 3), randn(3), randn(1), None),
        ("cond0d_2x2", torch.tensor(True), randn(2, 2), randn(2, 2), None),
        # NaN and ±Inf on the unchosen side, and an upstream gradient with
        # them: the unchosen side's gradient is exactly 0.
        ("nonfinite", torch.tensor([True, False, True, False]),
         torch.tensor([1.0, nan, -2.0, inf], dtype=torch.float64),
         torch.tensor([-inf, 3.0, nan, 0.5], dtype=torch.float64),
         torch.tensor([inf, nan, 1.5, -inf], dtype=torch.float64)),
    ):
        C.append(case("where_" + tag, "where", "Where",
                      dict(Cond=cond.reshape(-1).tolist(), CondShape=list(cond.shape)),
                      lambda a, b, c=cond: torch.where(c, a, b), [a, b], g=g))

    # masked_fill(x, mask, value), x and the mask broadcasting together.
    for tag, mask, value, x, g in (
        ("2x3", torch.tensor([[True, False, False], [True, True, False]]), -1.5, randn(2, 3), None),
        ("mask2x1_x3", torch.tensor([[False], [True]]), 0.0, randn(3), None),
        ("mask3_x2x3_inf", torch.tensor([True, False, True]), inf, randn(2, 3), None),
        ("mask0d_nan", torch.tensor(True), nan, randn(2, 2), None),
        ("nonfinite_upstream", torch.tensor([True, False, True, False]), 2.0,
         torch.tensor([nan, 1.0, -inf, 2.5], dtype=torch.float64),
         torch.tensor([inf, -inf, nan, 3.0], dtype=torch.float64)),
    ):
        C.append(case("masked_fill_" + tag, "masked_fill", "MaskedFill",
                      dict(Mask=mask.reshape(-1).tolist(), MaskShape=list(mask.shape)),
                      lambda x, m=mask, val=value: x.masked_fill(m, val), [x], g=g, value=value))

    # cumsum(x, dim), and its reverse.
    for tag, dim, reverse, x in (
        ("dim1_3d", 1, False, randn(2, 3, 2)),
        ("dim-1", -1, False, randn(3, 4)),
        ("dim0_1d", 0, False, randn(5)),
        ("0d", 0, False, randn()),
        ("empty_dim", 0, False, torch.zeros(0, 3, dtype=torch.float64)),
        ("empty_other", 0, False, torch.zeros(2, 0, dtype=torch.float64)),
        ("nonfinite", 0, False, torch.tensor([1.0, inf, -inf, 2.0, nan, 3.0], dtype=torch.float64)),
        # float32 sums in float64: 1e8 + 1 + … + 1 − 1e8 gives 7, not 0.
        ("float32_sums", 0, False, torch.tensor([1e8] + [1.0] * 7 + [-1e8], dtype=torch.float64)),
        ("reverse_dim0", 0, True, randn(3, 4)),
        ("reverse_dim-1_3d", -1, True, randn(2, 2, 3)),
    ):
        if reverse:
            f = lambda x, d=dim: torch.flip(torch.cumsum(torch.flip(x, [d]), d), [d])
        else:
            f = lambda x, d=dim: torch.cumsum(x, d)
        C.append(case("cumsum_" + tag, "cumsum", "Cumsum", dict(Dim=dim, Reverse=reverse), f, [x]))
    return C


def main():
    cs = cases()
    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    out = {
        "generator": "ops/testdata/gen_torch_index.py",
        "torch_version": torch.__version__,
        "cases": cs,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_index.json")
    text = json.dumps(out, allow_nan=False, separators=(",", ":"))
    with open(path, "w") as f:
        f.write(text + "\n")
    print(f"wrote {len(cs)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
