"""Regenerate torch_attention.json, the PyTorch reference numbers that
ops/reference_attention_test.go and functional/attention_test.go pin
ops.ScaledDotProductAttention, functional.ScaledDotProductAttention and
functional.ScaledDotProductAttentionComposed to: values and the gradients
of q, k, v and a float mask, in float64 and in float32.

Run it from the repository root:

    /usr/bin/python3 ops/testdata/gen_torch_attention.py

It needs PyTorch 1.13 (Debian's python3-torch; the python3 first on PATH
may lack torch, hence /usr/bin/python3), whose scaled dot-product attention
is torch.nn.functional._scaled_dot_product_attention(query, key, value,
attn_mask, dropout_p, need_attn_weights, is_causal): on the CPU the
composition matmul(q/√E, kᵀ) + mask, softmax, dropout, matmul with v. A
boolean attn_mask there is true where a query MAY attend to a key (as
PyTorch 2.x's F.scaled_dot_product_attention), and becomes the additive
mask 0/−Inf. 1.13 has no scale argument: a case with a scale c passes
q·(c·√E), which gives the scores c·q·kᵀ. It writes torch_attention.json
next to this script. The output is deterministic: every input and upstream
gradient comes from a fixed torch seed and is rounded to four decimals (a
float mask may hold −Inf), so it reads back into Go as exactly the same
float64, and to the nearest float32 as torch's own float32 copy. The Go
tests never run Python; rerun this script only to change the cases.

The cases: no mask; a float mask of the scores' full shape and broadcast
ones (L×S, and with −Inf entries), whose gradients are stored too; boolean
masks (key padding N×1×1×S, and L×S); causal with L = S, L < S and L > S;
L ≠ S and Ev ≠ E without a mask; a batch of several heads; a scale; an
unbatched 2-d case; and a query whose every key is masked, which gives NaN
(JSON "nan") in its output row and in every gradient. Dropout draws
PyTorch's own random masks, which tapegrad does not reproduce; it is
tested in Go against the composed function instead.

For each dtype the same rounded inputs are converted to it, y is computed,
y.backward(g) runs for the random upstream g, and the file keeps y and the
gradients: float64 rounded to 13 significant digits, float32 with the 9
that give it back.
"""

import os

import torch
import torch.nn.functional as F

from torchref import flat, flat_result, randn, upstream, write

torch.manual_seed(20261220)


def sdpa(q, k, v, mask, causal, scale):
    if scale:
        q = q * (scale * q.shape[-1] ** 0.5)
    return F._scaled_dot_product_attention(q, k, v, mask, 0.0, False, causal)[0]


def case(name, q_shape, k_shape, v_shape, mask=None, causal=False, scale=0.0, bool_mask=None):
    """One case; mask is a float mask (a tensor, −Inf allowed) or None,
    bool_mask a boolean one (true = attend) or None."""
    q, k, v = randn(*q_shape), randn(*k_shape), randn(*v_shape)
    with torch.no_grad():
        m0 = bool_mask if bool_mask is not None else mask
        y0 = sdpa(q, k, v, m0, causal, scale)
    g = upstream(*y0.shape)
    out = dict(name=name, q_shape=list(q_shape), k_shape=list(k_shape), v_shape=list(v_shape),
               q=flat(q), k=flat(k), v=flat(v), g=flat(g), is_causal=causal, scale=scale)
    if mask is not None:
        out["mask_shape"] = list(mask.shape)
        out["mask"] = flat(mask)
    if bool_mask is not None:
        out["bool_mask_shape"] = list(bool_mask.shape)
        out["bool_mask"] = [bool(b) for b in bool_mask.reshape(-1).tolist()]
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        xs = [t.to(dtype).clone().requires_grad_(True) for t in (q, k, v)]
        m = None
        if mask is not None:
            m = mask.to(dtype).clone().requires_grad_(True)
        elif bool_mask is not None:
            m = bool_mask
        y = sdpa(*xs, m, causal, scale)
        y.backward(g.to(dtype))
        res = dict(y=flat_result(y, dtype), dq=flat_result(xs[0].grad, dtype),
                   dk=flat_result(xs[1].grad, dtype), dv=flat_result(xs[2].grad, dtype))
        if mask is not None:
            res["dmask"] = flat_result(m.grad, dtype)
        out[key] = res
    return out


def with_inf(t, positions):
    t = t.clone().reshape(-1)
    for p in positions:
        t[p] = float("-inf")
    return t.reshape(t.shape)


def cases():
    C = []
    C.append(case("no_mask", (2, 3, 4), (2, 3, 4), (2, 3, 4)))
    C.append(case("non_square_L3_S5", (2, 3, 4), (2, 5, 4), (2, 5, 4)))
    C.append(case("ev_differs", (2, 4, 3), (2, 5, 3), (2, 5, 6)))
    C.append(case("heads_3x4", (3, 4, 5, 8), (3, 4, 6, 8), (3, 4, 6, 8)))
    C.append(case("float_mask_full", (2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3), mask=randn(2, 2, 3, 5)))
    C.append(case("float_mask_LxS", (2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3), mask=randn(3, 5)))
    C.append(case("float_mask_LxS_inf", (2, 3, 4), (2, 4, 4), (2, 4, 2),
                  mask=with_inf(randn(3, 4), [1, 4, 6, 11]).reshape(3, 4)))
    pad = torch.tensor([True, True, True, False, True, True, False, False]).reshape(2, 1, 1, 4)
    C.append(case("bool_mask_key_padding", (2, 3, 3, 4), (2, 3, 4, 4), (2, 3, 4, 2), bool_mask=pad))
    lm = torch.rand(4, 5) > 0.3
    lm[:, 0] = True  # no row entirely masked
    C.append(case("bool_mask_LxS", (2, 4, 3), (2, 5, 3), (2, 5, 3), bool_mask=lm))
    C.append(case("causal_L4_S4", (2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 3), causal=True))
    C.append(case("causal_L3_S5", (2, 3, 4), (2, 5, 4), (2, 5, 2), causal=True))
    C.append(case("causal_L5_S3", (2, 5, 4), (2, 3, 4), (2, 3, 2), causal=True))
    C.append(case("causal_heads_16", (2, 4, 16, 8), (2, 4, 16, 8), (2, 4, 16, 8), causal=True))
    C.append(case("scale_0.5_float_mask", (2, 3, 4), (2, 4, 4), (2, 4, 3), mask=randn(2, 3, 4), scale=0.5))
    C.append(case("unbatched", (3, 4), (5, 4), (5, 2)))
    full = torch.ones(3, 4, dtype=torch.bool)
    full[1] = False
    C.append(case("fully_masked_row_nan", (2, 3, 4), (2, 4, 4), (2, 4, 3), bool_mask=full))
    return C


def main():
    cs = cases()
    head = {
        "generator": "ops/testdata/gen_torch_attention.py",
        "torch_version": torch.__version__,
        "dtypes": ["float64", "float32"],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_attention.json")
    size = write(path, head, {"cases": cs})
    print(f"wrote {len(cs)} cases to {path} ({size} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
