"""Regenerate torch_matmul.json, the PyTorch reference numbers that
ops/reference_matmul_test.go pins ops.MatMul to: torch.matmul's values and
both operands' gradients, in float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_matmul.py

It needs PyTorch (any 1.x or 2.x; Debian's python3-torch will do — the
python3 first on PATH may lack torch, hence /usr/bin/python3) and writes
torch_matmul.json next to this script. The output is deterministic: every
operand and upstream gradient comes from a fixed torch seed and is rounded
to four decimals, so it reads back into Go as exactly the same float64 (and,
converted, the same float32 torch uses).
The Go tests never run Python; rerun this script only to change the cases.

Each case is torch.matmul(op(a), op(b)), where op(x) is x.transpose(-1, -2)
when the case's trans flag is set and x has 2 or more dimensions, and x
itself otherwise — what ops.MatMul's TransA and TransB mean, a vector being
its own transpose. The shapes in the file are the operands as stored. The
cases cover every rule of torch.matmul: the dot product of two vectors (a
0-d result), matrix·vector, vector·matrix, stacks of matrices times a
vector and a vector times stacks, stacks times stacks with broadcast batch
dimensions ((j×1×n×m)·(k×m×p) → (j×k×n×p)), one side 2-d, size-1
dimensions, batch 1, empty products, with and without the transposes.

For each dtype the same rounded inputs are converted to it, y = matmul(...)
is computed, y.backward(g) runs for the random (never all-ones) upstream g,
and the file keeps y, a.grad and b.grad: the float64 numbers rounded to 12
significant digits (a relative 5e-13 at most, far below the tests' 1e-10;
sums of products of 4-decimal numbers have at most 8 decimals, so this
recovers the exact result at these magnitudes), the float32 ones with the 9
significant digits that give back the same float32.
"""

import json
import math
import os

import torch

torch.manual_seed(20241202)


def r4(t):
    """Round to 4 decimals, so the number is exact in JSON and in Go."""
    return torch.round(t * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(tuple(shape), dtype=torch.float64))


def upstream(shape):
    """A random upstream gradient; never all ones (unless empty)."""
    g = randn(*shape)
    assert g.numel() == 0 or not torch.all(g == 1)
    return g


def flat(t):
    """The values of an input (already rounded to 4 decimals), exactly."""
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def flat12(t):
    """A float64 result, rounded to 12 significant digits."""
    return [float("%.12g" % v) for v in t.detach().reshape(-1).tolist()]


def flat9(t):
    """A float32 result, with the 9 significant digits that give it back."""
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def op(x, trans):
    return x.transpose(-1, -2) if trans and x.dim() >= 2 else x


def run(a, b, trans_a, trans_b, g, dtype):
    """torch.matmul(op(a), op(b)) in dtype, and its gradients for upstream g."""
    a = a.detach().to(dtype).clone().requires_grad_(True)
    b = b.detach().to(dtype).clone().requires_grad_(True)
    y = torch.matmul(op(a, trans_a), op(b, trans_b))
    y.backward(g.to(dtype))
    return y, a.grad, b.grad


def case(name, a_shape, b_shape, trans_a=False, trans_b=False):
    a, b = randn(*a_shape), randn(*b_shape)
    y64 = torch.matmul(op(a, trans_a), op(b, trans_b))
    g = upstream(y64.shape)
    out = dict(
        name=name, a_shape=list(a_shape), b_shape=list(b_shape),
        trans_a=trans_a, trans_b=trans_b,
        a=flat(a), b=flat(b), upstream=flat(g), output_shape=list(y64.shape),
    )
    for dtype, key, fmt in ((torch.float64, "float64", flat12), (torch.float32, "float32", flat9)):
        y, ga, gb = run(a, b, trans_a, trans_b, g, dtype)
        assert list(ga.shape) == list(a_shape) and list(gb.shape) == list(b_shape), name
        out[key] = dict(output=fmt(y), grad_a=fmt(ga), grad_b=fmt(gb))
        for k, vs in out[key].items():
            # JSON has no Inf or NaN, and these cases are chosen to stay finite.
            assert all(math.isfinite(v) for v in vs), (name, key, k)
    return out


CASES = [
    # Vectors.
    case("dot", [5], [5]),
    case("dot_size1", [1], [1]),
    case("dot_flags_ignored", [3], [3], True, True),
    case("matrix_vector", [3, 4], [4]),
    case("matrix_vector_m1", [1, 4], [4]),
    case("matrix_vector_k1", [3, 1], [1]),
    case("matrix_vector_transA", [4, 3], [4], True, False),
    case("vector_matrix", [4], [4, 2]),
    case("vector_matrix_n1", [4], [4, 1]),
    case("vector_matrix_transB", [4], [2, 4], False, True),  # a linear layer on one sample
    case("stack_vector", [2, 3, 4], [4]),
    case("stack_vector_size1_batch", [2, 1, 3, 4], [4]),
    case("stack_vector_batch1_transA", [1, 4, 3], [4], True, False),
    case("vector_stack", [4], [2, 4, 3]),
    case("vector_stack_size1_batch", [4], [2, 1, 4, 3]),
    case("vector_stack_batch1_n1", [2], [1, 2, 1]),
    case("vector_stack_transB", [4], [2, 3, 4], False, True),
    # Matrices and stacks of them.
    case("matrix_matrix", [3, 4], [4, 2]),
    case("matrix_matrix_transA_transB", [4, 3], [2, 4], True, True),
    case("stacks_equal_batches", [2, 3, 4], [2, 4, 5]),
    case("stack_matrix", [2, 3, 4], [4, 5]),
    case("stack_matrix_transB", [2, 3, 4], [5, 4], False, True),  # a linear layer on a 3-d input
    case("stack_matrix_transA", [2, 4, 3], [4, 5], True, False),
    case("matrix_stack", [3, 4], [2, 4, 5]),
    case("matrix_stack_transA", [4, 3], [2, 4, 5], True, False),
    case("broadcast_j1nm_kmp", [2, 1, 3, 4], [5, 4, 2]),
    case("broadcast_both_ways_transposed", [3, 1, 4, 2], [1, 2, 5, 4], True, True),
    case("broadcast_batch1_against_3_k1", [1, 2, 1], [3, 1, 3]),
    case("broadcast_leading_ones", [1, 1, 3, 4], [4, 2]),
    case("broadcast_batch1_against_2x3", [1, 2, 3], [2, 3, 3, 2]),
    case("all_size1", [1, 1, 1], [1, 1, 1]),
    case("stack_m1_n1", [2, 3, 1, 2], [3, 2, 1]),
    # Empty products: k = 0 gives zeros; an empty batch gives an empty
    # output and, where an operand is broadcast over it, a zero gradient.
    case("empty_k0_matrix_vector", [3, 0], [0]),
    case("empty_k0_dot", [0], [0]),
    case("empty_batch_broadcast", [1, 3, 2], [0, 2, 2]),
]


def main():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    head = {
        "generator": "ops/testdata/gen_torch_matmul.py",
        "torch_version": torch.__version__,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_matmul.json")
    # One case per line keeps the file small and its diffs readable.
    block = "[\n" + ",\n".join("    " + json.dumps(c, allow_nan=False, separators=(",", ":")) for c in CASES) + "\n  ]"
    text = json.dumps(head, indent=2)[:-2] + ',\n  "cases": ' + block + "\n}\n"
    json.loads(text)  # the hand-joined layout must still be valid JSON
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {len(CASES)} matmul cases to {path} ({len(text)} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
