"""Regenerate torch_plumbing.json, the PyTorch reference numbers that
ops/reference_plumbing_test.go pins tapegrad's tensor plumbing to: the ops
Concat, Slice and Pad and the functions of package functional built on
them and on Reshape (Concat, Stack, Split, SplitSizes, Chunk, Slice,
Narrow, Pad, Squeeze, Unsqueeze, Flatten, Unflatten). Each case stores the
outputs and every input's gradient, in float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_plumbing.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_plumbing.json next to this script. The output is deterministic: every
input and upstream gradient comes from a fixed torch seed and is rounded to
four decimals, so it reads back into Go as exactly the same float64, and to
the nearest float32 as torch's own float32 copy. The Go tests never run
Python; rerun this script only to change the cases.

Every case applies one torch function ("fn": cat, stack, split, chunk,
slice (basic indexing x[a:b:c, …]), narrow, pad (F.pad), squeeze,
unsqueeze, flatten, unflatten) with its arguments ("args", under torch's
names) to its inputs, draws one random upstream gradient gᵢ per output yᵢ,
and computes the gradient of Σᵢ ⟨gᵢ, yᵢ⟩ with respect to every input, in
float64 and again in float32 (from the same rounded numbers). A slice's
ranges are [start, stop, step] per leading axis, with stop null for
Python's omitted stop (ops.End). The cases cover the edges: negative
axes and bounds, bounds beyond the axis (clamped), empty results, inputs
of size 0 on the concatenated axis, the legacy empty 1-d input of
torch.cat, uneven splits and chunks, negative pads (crops) in every mode,
and squeezes of axes whose size is not 1.
"""

import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261218)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(shape, dtype=torch.float64))


def flat(t):
    """An input (already rounded to 4 decimals), exactly."""
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def flat_result(t, dtype):
    """A computed tensor: float64 with 15 significant digits, float32 with 9,
    which round-trips a float32. These functions only copy and add, so the
    numbers are exact sums of 4-decimal inputs."""
    digits = "%.9g" if dtype == torch.float32 else "%.15g"
    return [float(digits % v) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def tensor_json(t, dtype=None):
    data = flat(t) if dtype is None else flat_result(t, dtype)
    return dict(shape=list(t.shape), data=data)


def apply(fn, args, xs):
    """The torch function fn with args on xs; a list of outputs."""
    a = args
    if fn == "cat":
        return [torch.cat(xs, a["dim"])]
    if fn == "stack":
        return [torch.stack(xs, a["dim"])]
    x = xs[0]
    if fn == "split":
        return list(torch.split(x, a["split_size"], a["dim"]))
    if fn == "split_sizes":
        return list(torch.split(x, a["sizes"], a["dim"]))
    if fn == "chunk":
        return list(torch.chunk(x, a["chunks"], a["dim"]))
    if fn == "slice":
        return [x[tuple(slice(s, e, st) for s, e, st in a["ranges"])]]
    if fn == "narrow":
        return [torch.narrow(x, a["dim"], a["start"], a["length"])]
    if fn == "pad":
        if a["mode"] == "constant":
            return [F.pad(x, a["pads"], "constant", a["value"])]
        return [F.pad(x, a["pads"], a["mode"])]
    if fn == "squeeze":
        if not a["dims"]:
            return [x.squeeze()]
        y = x
        # torch 1.13's squeeze takes one dim: squeeze the given axes from
        # the last, each of them once.
        dims = sorted({d % max(x.dim(), 1) for d in a["dims"]}, reverse=True)
        for d in dims:
            y = y.squeeze(d)
        return [y]
    if fn == "unsqueeze":
        return [x.unsqueeze(a["dim"])]
    if fn == "flatten":
        return [x.flatten(a["start_dim"], a["end_dim"])]
    if fn == "unflatten":
        return [x.unflatten(a["dim"], a["sizes"])]
    raise ValueError(fn)


def case(name, fn, shapes, **args):
    xs = [randn(*sh) for sh in shapes]
    with torch.no_grad():
        ys0 = apply(fn, args, [x.clone() for x in xs])
    gs = [randn(*y.shape) for y in ys0]
    out = dict(name=name, fn=fn, args=args, inputs=[tensor_json(x) for x in xs], upstream=[tensor_json(g) for g in gs])
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        x = [xi.to(dtype).requires_grad_() for xi in xs]
        ys = apply(fn, args, x)
        loss = sum((y * g.to(dtype)).sum() for y, g in zip(ys, gs))
        grads = torch.autograd.grad(loss, x, allow_unused=True) if loss.requires_grad else [None] * len(x)
        grads = [torch.zeros_like(xi) if gi is None else gi for xi, gi in zip(x, grads)]
        out[key] = dict(outputs=[tensor_json(y, dtype) for y in ys], grads=[flat_result(gi, dtype) for gi in grads])
    return out


def cases():
    C = []
    # torch.cat.
    C.append(case("cat_dim1_3_inputs", "cat", [(2, 1, 3), (2, 2, 3), (2, 3, 3)], dim=1))
    C.append(case("cat_dim-1", "cat", [(2, 3), (2, 2)], dim=-1))
    C.append(case("cat_dim0_size0_input", "cat", [(0, 2), (3, 2), (1, 2)], dim=0))
    C.append(case("cat_legacy_empty", "cat", [(0,), (2, 3), (0,), (2, 1)], dim=1))
    C.append(case("cat_one_input", "cat", [(2, 2)], dim=0))
    C.append(case("cat_nchw_channels", "cat", [(2, 3, 2, 2), (2, 1, 2, 2)], dim=1))
    # torch.stack.
    C.append(case("stack_dim0", "stack", [(2, 3), (2, 3), (2, 3)], dim=0))
    C.append(case("stack_dim-1", "stack", [(2, 3), (2, 3)], dim=-1))
    C.append(case("stack_dim1", "stack", [(3,), (3,)], dim=1))
    C.append(case("stack_0d", "stack", [(), ()], dim=0))
    # torch.split and torch.chunk.
    C.append(case("split_uneven", "split", [(5, 2)], split_size=2, dim=0))
    C.append(case("split_larger_than_axis", "split", [(2, 3)], split_size=4, dim=-1))
    C.append(case("split_exact", "split", [(2, 6)], split_size=3, dim=1))
    C.append(case("split_size0_empty_axis", "split", [(2, 0)], split_size=0, dim=1))
    C.append(case("split_size2_empty_axis", "split", [(0, 3)], split_size=2, dim=0))
    C.append(case("split_sizes", "split_sizes", [(2, 6)], sizes=[1, 0, 3, 2], dim=-1))
    C.append(case("chunk_5_in_4", "chunk", [(5,)], chunks=4, dim=0))
    C.append(case("chunk_6_in_4", "chunk", [(2, 6)], chunks=4, dim=1))
    C.append(case("chunk_exact", "chunk", [(6, 2)], chunks=3, dim=0))
    C.append(case("chunk_more_than_axis", "chunk", [(2, 2)], chunks=5, dim=-1))
    C.append(case("chunk_empty_axis", "chunk", [(0, 2)], chunks=3, dim=0))
    # Basic indexing.
    C.append(case("slice_1:3_::2", "slice", [(4, 5)], ranges=[[1, 3, 1], [0, None, 2]]))
    C.append(case("slice_-2:", "slice", [(3, 4)], ranges=[[-2, None, 1]]))
    C.append(case("slice_clamped", "slice", [(2, 3, 7)], ranges=[[-10, 10, 1], [0, None, 1], [1, None, 3]]))
    C.append(case("slice_empty", "slice", [(3, 2)], ranges=[[2, 1, 1]]))
    C.append(case("slice_step_beyond_axis", "slice", [(3, 4)], ranges=[[0, None, 1], [1, -1, 5]]))
    C.append(case("slice_negative_stop", "slice", [(5,)], ranges=[[-4, -1, 2]]))
    C.append(case("slice_start_past_end", "slice", [(2, 3)], ranges=[[5, None, 1]]))
    C.append(case("slice_0d", "slice", [()], ranges=[]))
    # torch.narrow.
    C.append(case("narrow_dim1", "narrow", [(2, 5)], dim=1, start=1, length=3))
    C.append(case("narrow_negative", "narrow", [(3, 4)], dim=-2, start=-2, length=2))
    C.append(case("narrow_empty_at_end", "narrow", [(2, 3)], dim=1, start=3, length=0))
    # F.pad.
    C.append(case("pad_constant_value", "pad", [(2, 3)], pads=[1, 2], mode="constant", value=0.5))
    C.append(case("pad_constant_all_axes", "pad", [(2, 2, 3)], pads=[0, 1, 2, 0, 1, 1], mode="constant", value=-1.0))
    C.append(case("pad_constant_crop", "pad", [(3, 4)], pads=[1, -2, -1, 2], mode="constant", value=0.0))
    C.append(case("pad_constant_crop_to_empty", "pad", [(2, 3)], pads=[-2, -1], mode="constant", value=0.0))
    C.append(case("pad_reflect_1d", "pad", [(2, 4)], pads=[3, 1], mode="reflect", value=0.0))
    C.append(case("pad_reflect_2d", "pad", [(1, 2, 3, 4)], pads=[2, 3, 2, 1], mode="reflect", value=0.0))
    C.append(case("pad_reflect_crop", "pad", [(1, 2, 4)], pads=[-1, 2], mode="reflect", value=0.0))
    C.append(case("pad_replicate_1d", "pad", [(1, 2, 3)], pads=[2, 4], mode="replicate", value=0.0))
    C.append(case("pad_replicate_2d_crop", "pad", [(1, 3, 4)], pads=[-1, 2, 3, -1], mode="replicate", value=0.0))
    C.append(case("pad_replicate_3d", "pad", [(1, 1, 2, 2, 3)], pads=[1, 0, 0, 2, 1, 1], mode="replicate", value=0.0))
    # Squeeze, unsqueeze, flatten, unflatten.
    C.append(case("squeeze_all", "squeeze", [(1, 2, 1, 3, 1)], dims=[]))
    C.append(case("squeeze_dim", "squeeze", [(1, 2, 1, 3)], dims=[2]))
    C.append(case("squeeze_negative_and_non1", "squeeze", [(1, 2, 1, 3)], dims=[-4, 1, -2]))
    C.append(case("squeeze_0d", "squeeze", [()], dims=[-1]))
    C.append(case("unsqueeze_0", "unsqueeze", [(2, 3)], dim=0))
    C.append(case("unsqueeze_-1", "unsqueeze", [(2, 3)], dim=-1))
    C.append(case("unsqueeze_middle", "unsqueeze", [(2, 3)], dim=-2))
    C.append(case("unsqueeze_0d", "unsqueeze", [()], dim=0))
    C.append(case("flatten_all", "flatten", [(2, 3, 2)], start_dim=0, end_dim=-1))
    C.append(case("flatten_1_-1", "flatten", [(2, 3, 2, 2)], start_dim=1, end_dim=-1))
    C.append(case("flatten_same_dim", "flatten", [(2, 3)], start_dim=1, end_dim=1))
    C.append(case("flatten_0d", "flatten", [()], start_dim=0, end_dim=-1))
    C.append(case("unflatten_infer", "unflatten", [(2, 6)], dim=1, sizes=[3, -1]))
    C.append(case("unflatten_middle", "unflatten", [(2, 12, 2)], dim=-2, sizes=[2, 3, 2]))
    return C


def main():
    cs = cases()
    names = [c["name"] for c in cs]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_plumbing.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_plumbing.json")
    # One case per line keeps the diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cs)
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(cs)} cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
