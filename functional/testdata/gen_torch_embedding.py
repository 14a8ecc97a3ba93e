"""Regenerate torch_embedding.json, the PyTorch reference numbers that
functional/embedding_test.go pins functional.Embedding (and through it
ops.Embedding) and functional.EmbeddingBag to: the output, the weight's
gradient (and per_sample_weights') and, with max_norm, the weight
renormalized in place, computed by torch in float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 functional/testdata/gen_torch_embedding.py

It needs PyTorch (written against Debian's python3-torch 1.13; the python3
first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_embedding.json next to this script. The output is deterministic:
every weight and upstream gradient comes from a fixed torch seed and is
rounded to four decimals, so that it reads back into Go as exactly the same
float64, and its float32 conversion is the float32 torch used. Computed
float64 numbers are written exactly (Python's shortest repr), float32 ones
with 9 significant digits, which give back the same float32.

Each case runs y = F.embedding(index, w, padding_idx, max_norm, norm_type,
scale_grad_by_freq) on a fresh copy of w in each dtype, y.backward(g) for a
random g of y's shape, and records y, w.grad and w after the call (which
max_norm changes in place). What the cases pin: repeated indices adding up
their gradients, indices of any rank (0-d and empty included), padding_idx
(positive and negative, looked up but given no gradient),
scale_grad_by_freq (with and without padding), and max_norm with the 2-,
1- and ∞-norms, rows below the bound left alone, each distinct row
renormalized once however often it repeats.

The "bags" run F.embedding_bag likewise: modes sum, mean and max, a 2-d
input or offsets (with empty bags and include_last_offset),
per_sample_weights (whose gradient is recorded too), padding_idx left out
of its bag, and max_norm. Not scale_grad_by_freq: PyTorch 1.13's CPU
embedding_bag backward divides each row's gradient by another index's count
(for indices [[1, 0, 1], [2, 1, 0]] and a gradient of ones, weight.grad is
[1, 1.5, 1/3], where F.embedding gives [1, 1, 1]); tapegrad divides by the
row's own count, as F.embedding and the documentation do, and
functional/embedding_test.go pins that by hand.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261219)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(shape, dtype=torch.float64))


def num(v, dtype):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dtype == torch.float32:
        return float("%.9g" % v)
    return float(v)


def flat(t, dtype=torch.float64):
    return [num(v, dtype) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def run(index, w, g, dtype, padding_idx, max_norm, norm_type, freq):
    wt = w.to(dtype).clone().requires_grad_(True)
    y = F.embedding(index, wt, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                    scale_grad_by_freq=freq)
    y.backward(g.to(dtype))
    return dict(output=flat(y, dtype), grad=flat(wt.grad, dtype), weight_after=flat(wt, dtype))


def case(name, index, index_shape, wshape, padding_idx=None, max_norm=None, norm_type=2.0, freq=False, scale=1.0):
    idx = torch.tensor(index, dtype=torch.long).reshape(index_shape)
    w = r4(torch.randn(wshape, dtype=torch.float64) * scale)
    g = randn(*(tuple(index_shape) + (wshape[1],)))
    out = dict(name=name, index=list(index), index_shape=list(index_shape),
               weight=dict(shape=list(wshape), data=flat(w)), upstream=flat(g),
               padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=freq,
               output_shape=list(tuple(index_shape) + (wshape[1],)))
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        out[key] = run(idx, w, g, dtype, padding_idx, max_norm, norm_type, freq)
    return out


def cases():
    return [
        case("plain_2d_repeated", [1, 4, 1, 0, 4, 4], (2, 3), (5, 3)),
        case("1d", [2, 0, 3], (3,), (4, 2)),
        case("3d_index", [0, 1, 2, 2, 1, 0, 3, 3], (2, 2, 2), (4, 3)),
        case("0d_index", [2], (), (3, 4)),
        case("empty_index", [], (0,), (3, 2)),
        case("padding_idx_repeated", [1, 0, 1, 2, 1], (5,), (4, 3), padding_idx=1),
        case("padding_idx_negative", [3, 0, 3, 2], (2, 2), (4, 2), padding_idx=-1),
        case("padding_idx_unused", [0, 2], (2,), (4, 2), padding_idx=3),
        case("scale_grad_by_freq", [0, 2, 2, 2, 1, 0], (2, 3), (3, 2), freq=True),
        case("scale_grad_by_freq_padding", [0, 2, 2, 1, 1, 1], (6,), (4, 3), padding_idx=1, freq=True),
        case("max_norm_2", [0, 1, 3, 1, 1], (5,), (4, 3), max_norm=1.0, scale=1.5),
        case("max_norm_1", [2, 0, 2], (3, 1), (4, 3), max_norm=0.5, norm_type=1.0),
        case("max_norm_inf", [1, 3, 1, 2], (2, 2), (5, 2), max_norm=0.7, norm_type=float("inf"), scale=1.2),
        case("max_norm_3_padding_freq", [0, 0, 2, 3], (4,), (4, 3), padding_idx=0, max_norm=1.2, norm_type=3.0, freq=True),
        case("max_norm_above_all", [0, 1], (2,), (2, 3), max_norm=100.0),
    ]


def run_bag(index, offsets, w, g, psw, dtype, kw):
    wt = w.to(dtype).clone().requires_grad_(True)
    pt = None if psw is None else psw.to(dtype).clone().requires_grad_(True)
    y = F.embedding_bag(index, wt, offsets, per_sample_weights=pt, **kw)
    y.backward(g.to(dtype))
    out = dict(output=flat(y, dtype), grad=flat(wt.grad, dtype), weight_after=flat(wt, dtype))
    out["psw_grad"] = None if pt is None else flat(pt.grad, dtype)
    return out


def bag(name, index, index_shape, offsets, wshape, psw=False, **kw):
    idx = torch.tensor(index, dtype=torch.long).reshape(index_shape)
    off = None if offsets is None else torch.tensor(offsets, dtype=torch.long)
    w = r4(torch.randn(wshape, dtype=torch.float64) * kw.pop("scale", 1.0))
    p = randn(*index_shape) if psw else None
    nb = index_shape[0] if offsets is None else len(offsets) - (1 if kw.get("include_last_offset") else 0)
    g = randn(nb, wshape[1])
    out = dict(name=name, index=list(index), index_shape=list(index_shape), offsets=offsets,
               weight=dict(shape=list(wshape), data=flat(w)), upstream=flat(g),
               per_sample_weights=None if p is None else flat(p),
               mode=kw.get("mode", "mean"), padding_idx=kw.get("padding_idx"), max_norm=kw.get("max_norm"),
               norm_type=kw.get("norm_type", 2.0), scale_grad_by_freq=kw.get("scale_grad_by_freq", False),
               include_last_offset=kw.get("include_last_offset", False), output_shape=[nb, wshape[1]])
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        out[key] = run_bag(idx, off, w, g, p, dtype, kw)
    return out


def bags():
    return [
        bag("sum_2d", [0, 2, 2, 1, 3, 0], (2, 3), None, (4, 3), mode="sum"),
        bag("mean_2d", [0, 2, 2, 1, 3, 0], (2, 3), None, (4, 3)),
        bag("max_2d", [0, 2, 1, 1, 3, 0], (2, 3), None, (4, 3), mode="max"),
        bag("mean_offsets_empty_bag", [1, 0, 2, 2, 3], (5,), [0, 2, 2], (4, 2)),
        bag("sum_per_sample_weights", [1, 0, 2, 2, 3], (5,), [0, 3], (4, 2), psw=True, mode="sum"),
        bag("max_offsets_empty_bag", [1, 0, 2, 3, 3], (5,), [0, 0, 3], (4, 3), mode="max"),
        bag("sum_include_last_offset", [1, 0, 2, 3, 3], (5,), [0, 1, 4, 5], (4, 2), mode="sum", include_last_offset=True),
        bag("mean_padding_idx", [1, 0, 1, 2, 1, 1], (2, 3), None, (3, 2), padding_idx=1),
        bag("max_padding_idx", [1, 0, 2, 1, 1, 2], (6,), [0, 3, 4], (3, 2), mode="max", padding_idx=1),
        bag("mean_max_norm", [0, 1, 3, 1], (4,), [0, 2], (4, 3), max_norm=1.0, scale=1.5),
    ]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ref = dict(generator="functional/testdata/gen_torch_embedding.py", torch_version=torch.__version__, cases=cases(), bags=bags())
    for c in ref["cases"] + ref["bags"]:
        if c["norm_type"] == float("inf"):
            c["norm_type"] = "inf"
    path = os.path.join(here, "torch_embedding.json")
    with open(path, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s (torch %s)" % (len(ref["cases"]), path, torch.__version__))


if __name__ == "__main__":
    main()
