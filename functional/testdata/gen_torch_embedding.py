"""Regenerate torch_embedding.json, the PyTorch reference numbers that
functional/embedding_test.go pins functional.Embedding (and through it
ops.Embedding) to: the output, the weight's gradient and, with max_norm,
the weight renormalized in place, computed by torch in float64 and in
float32.

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


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ref = dict(generator="functional/testdata/gen_torch_embedding.py", torch_version=torch.__version__, cases=cases())
    for c in ref["cases"]:
        if c["norm_type"] == float("inf"):
            c["norm_type"] = "inf"
    path = os.path.join(here, "torch_embedding.json")
    with open(path, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s (torch %s)" % (len(ref["cases"]), path, torch.__version__))


if __name__ == "__main__":
    main()
