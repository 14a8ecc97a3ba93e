"""Regenerate torch_reference.json, the PyTorch reference numbers that
functional/reference_test.go pins Softmax, LogSoftmax, LogSumExp and
CrossEntropy to.

Run it from the repository root:

    python3 functional/testdata/gen_torch_reference.py

It needs PyTorch (any 1.x or 2.x; Debian's python3-torch will do — if the
python3 first on PATH lacks torch, run /usr/bin/python3 instead) and writes
torch_reference.json next to this script. The output is deterministic: inputs
and upstream gradients come from a fixed torch seed and are rounded to four
decimals, so they read back into Go as exactly the same float64 values.

Each case records the function, its axis (or, for cross_entropy, the class
labels), the input's shape and flattened row-major values, a random upstream
gradient dL/dy (a scalar 0.7 for the scalar cross-entropy loss), and what torch
computes in float64: the output values and the input gradient from
torch.autograd. Every number is written with repr, i.e. with full precision.
The Go tests never run Python; rerun this script only to change the cases.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20240607)

DTYPE = torch.float64


def rand(*shape, scale=2.0):
    """Moderate random logits, rounded to 4 decimals (exact in JSON)."""
    return torch.round(torch.randn(*shape, dtype=DTYPE) * scale * 1e4) / 1e4


def upstream_for(shape):
    """A random, not all-ones, upstream gradient of the given shape."""
    return torch.round(torch.randn(tuple(shape), dtype=DTYPE) * 1e4) / 1e4


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, function, x, axis=None, labels=None):
    x = torch.as_tensor(x, dtype=DTYPE).clone().requires_grad_(True)
    if function == "softmax":
        y = torch.softmax(x, dim=axis)
    elif function == "log_softmax":
        y = torch.log_softmax(x, dim=axis)
    elif function == "logsumexp":
        y = torch.logsumexp(x, dim=axis)
    elif function == "cross_entropy":
        y = F.cross_entropy(x, torch.tensor(labels, dtype=torch.long))
    else:
        raise ValueError(function)
    if function == "cross_entropy":
        up = torch.tensor(0.7, dtype=DTYPE)
    else:
        up = upstream_for(y.shape)
    y.backward(up)
    out = {"name": name, "function": function}
    if function == "cross_entropy":
        out["labels"] = list(labels)
    else:
        out["axis"] = axis
    out.update(
        shape=list(x.shape),
        input=flat(x),
        upstream=flat(up),
        output_shape=list(y.shape),
        output=flat(y),
        grad=flat(x.grad),
    )
    for key in ("input", "upstream", "output", "grad"):
        # JSON has no Inf or NaN, and these cases are chosen to stay finite.
        assert all(math.isfinite(v) for v in out[key]), (name, key)
    return out


BIG = [[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]]
# Large magnitudes mixed within a row, and a row of only very negative logits
# (the maximum must be subtracted, whatever its sign).
MIXED = [[1e4, 9999.5, -5000.0, 3.0], [-1e4, -9999.0, -9998.0, -9990.0]]

CASES = [
    # Moderate random logits: several shapes and axes, 2-d, 3-d and 1-d.
    case("softmax_rand_2x3_axis1", "softmax", rand(2, 3), axis=1),
    case("softmax_rand_3x2_axis0", "softmax", rand(3, 2), axis=0),
    case("softmax_rand_2x4_axis-1", "softmax", rand(2, 4), axis=-1),
    case("softmax_rand_2x3x2_axis1", "softmax", rand(2, 3, 2), axis=1),
    case("log_softmax_rand_2x4_axis1", "log_softmax", rand(2, 4), axis=1),
    case("log_softmax_rand_3x2_axis0", "log_softmax", rand(3, 2), axis=0),
    case("log_softmax_rand_2x2x3_axis-1", "log_softmax", rand(2, 2, 3), axis=-1),
    case("logsumexp_rand_2x3_axis1", "logsumexp", rand(2, 3), axis=1),
    case("logsumexp_rand_3x2_axis0", "logsumexp", rand(3, 2), axis=0),
    case("logsumexp_rand_2x3x2_axis1", "logsumexp", rand(2, 3, 2), axis=1),
    case("logsumexp_rand_4_axis0", "logsumexp", rand(4), axis=0),
    case("cross_entropy_rand_3x4", "cross_entropy", rand(3, 4), labels=[2, 0, 3]),
    # Batch 1 and a single class (C = 1).
    case("softmax_batch1_1x4_axis1", "softmax", rand(1, 4), axis=1),
    case("log_softmax_batch1_1x4_axis0", "log_softmax", rand(1, 4), axis=0),
    case("softmax_C1_2x1_axis1", "softmax", rand(2, 1), axis=1),
    case("log_softmax_C1_2x1_axis1", "log_softmax", rand(2, 1), axis=1),
    case("logsumexp_C1_2x1_axis1", "logsumexp", rand(2, 1), axis=1),
    case("cross_entropy_batch1_1x3", "cross_entropy", rand(1, 3), labels=[2]),
    case("cross_entropy_C1_2x1", "cross_entropy", rand(2, 1), labels=[0, 0]),
    # Logits of ±1e4: naive exp overflows; stable forms must stay finite.
    case("softmax_big_axis1", "softmax", BIG, axis=1),
    case("softmax_big_axis0", "softmax", BIG, axis=0),
    case("log_softmax_big_axis1", "log_softmax", BIG, axis=1),
    case("log_softmax_big_axis0", "log_softmax", BIG, axis=0),
    case("logsumexp_big_axis1", "logsumexp", BIG, axis=1),
    case("logsumexp_big_axis0", "logsumexp", BIG, axis=0),
    case("softmax_mixed_axis1", "softmax", MIXED, axis=1),
    case("log_softmax_mixed_axis1", "log_softmax", MIXED, axis=1),
    case("logsumexp_mixed_axis1", "logsumexp", MIXED, axis=1),
    # Labels hit the big logit (the loss is ~0 or log 2) and the small ones
    # (the loss is ~1e4 or 2e4).
    case("cross_entropy_big", "cross_entropy",
         [[1e4, -1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, 0.0, 1e4], [1e4, -1e4, 0.0]],
         labels=[0, 2, 0, 1]),
    case("cross_entropy_mixed", "cross_entropy", MIXED, labels=[1, 0]),
]


def main():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    doc = {
        "generator": "functional/testdata/gen_torch_reference.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "cases": CASES,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.json")
    # One case per line keeps the file small and its diffs readable.
    body = ",\n".join("    " + json.dumps(c, allow_nan=False) for c in CASES)
    head = {k: v for k, v in doc.items() if k != "cases"}
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n' + body + "\n  ]\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(CASES)} cases to {path} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
