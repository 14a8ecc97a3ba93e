"""Regenerate torch_transformer.json and torch_transformer.safetensors, the
PyTorch reference numbers that nn/transformer_reference_test.go pins
nn.MultiheadAttention, nn.TransformerEncoderLayer and nn.TransformerEncoder
to.

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_transformer.py

It needs PyTorch (Debian's python3-torch 1.13, hence /usr/bin/python3) and
writes both files next to this script. The output is deterministic: a fixed
torch seed, every input, mask and upstream gradient rounded to four
decimals (so that it reads back into Go exactly).

Each case builds one torch module from "args" (its constructor's keyword
arguments under PyTorch's names) with torch's initialization, then draws
every parameter anew (so that a bias left at zero, a γ left at one or two
layers cloned equal could not hide a swapped or ignored parameter), and
writes its state_dict, in float64 and in float32 (module.to(dtype) of the
same values), to torch_transformer.safetensors under "f64.<case>.<key>" and
"f32.<case>.<key>"; the test loads each with nn.ReadState, which checks
that the Go module's state_dict keys and shapes are PyTorch's. The JSON
lists the keys in state_dict order.

A call computes, in training mode with dropout 0 (deterministic, and with
gradients on PyTorch never takes its inference fast path),
out = module(inputs, masks) and L = Σ g ⊙ out (+ Σ g_w ⊙ weights when
MultiheadAttention returns weights), and records the output, the weights,
and the gradients of L for every input (query, key, value, src), for a
float attn_mask (which requires a gradient) and for every parameter.
"same" says which inputs are one tensor: "qkv" (self-attention, one input
"query"), "kv" (key is value, input "key"), or "" (three inputs). "causal"
marks a call given nn.Transformer.generate_square_subsequent_mask as a
float attn_mask, which the Go test replaces by nn.CausalMask().

The cases: MultiheadAttention self-attention sequence-first and batch-first,
add_bias_kv and add_zero_attn with masks,
cross-attention with key is value and with kdim ≠ vdim ≠ embed_dim,
need_weights with averaged and per-head weights and without, key_padding_mask,
boolean and float attn_mask in 2-d and 3-d (N·H×L×S), a float key_padding_mask, the two combined,
unbatched inputs, no bias, a causal mask; TransformerEncoderLayer post- and
pre-norm, relu and gelu, batch first or not, unbatched, with src_mask
(boolean, float, causal) and src_key_padding_mask, layer_norm_eps; a 2-layer
TransformerEncoder with a final LayerNorm.

The JSON's "checkpoints" section goes the other way: PyTorch's encoder
loads tapegrad's checkpoint tapegrad_transformer.safetensors strictly and
records its output (see checkpoints()).
"""

import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "ops", "testdata"))
sys.path.insert(0, HERE)
import torchref as R  # noqa: E402
from torch_interop import load, save  # noqa: E402  (hand-written safetensors)

torch.manual_seed(20261203)

TENSORS = {}


def build(module, a):
    if module == "MultiheadAttention":
        return nn.MultiheadAttention(a["embed_dim"], a["num_heads"], dropout=0.0, bias=a["bias"],
                                     add_bias_kv=a["add_bias_kv"], add_zero_attn=a["add_zero_attn"],
                                     kdim=a["kdim"], vdim=a["vdim"], batch_first=a["batch_first"])
    layer = nn.TransformerEncoderLayer(a["d_model"], a["nhead"], dim_feedforward=a["dim_feedforward"], dropout=0.0,
                                       activation=a["activation"], layer_norm_eps=a["layer_norm_eps"],
                                       batch_first=a["batch_first"], norm_first=a["norm_first"])
    if module == "TransformerEncoderLayer":
        return layer
    norm = nn.LayerNorm(a["d_model"], eps=a["layer_norm_eps"]) if a["final_norm"] else None
    return nn.TransformerEncoder(layer, a["num_layers"], norm=norm, enable_nested_tensor=False)


def tensor_in(shape):
    return {"shape": list(shape), "values": None}


def case(name, module, args, inputs, same="", kpm=None, attn_mask=None, mask_bool=False, causal=False,
         need_weights=False, average=True):
    """inputs: name → shape (query, key, value, or src). kpm: a bool tensor.
    attn_mask: a float or bool tensor (bool when mask_bool)."""
    m = build(module, args).double()
    with torch.no_grad():
        for _, p in m.named_parameters():
            p.copy_(R.randn(*p.shape, scale=0.5))
    keys = list(m.state_dict().keys())
    xs = {k: R.randn(*s) for k, s in inputs.items()}
    c = {"name": name, "module": module, "args": args, "state_dict_keys": keys, "same": same,
         "inputs": {k: {"shape": list(x.shape), "values": R.flat(x)} for k, x in xs.items()},
         "key_padding_mask": None if kpm is None or kpm.is_floating_point() else kpm.reshape(-1).tolist(),
         "key_padding_mask_float": R.flat(kpm) if kpm is not None and kpm.is_floating_point() else None,
         "attn_mask": None, "attn_mask_bool": None, "attn_mask_shape": None, "causal": causal,
         "need_weights": need_weights, "average_attn_weights": average}
    if attn_mask is not None:
        c["attn_mask_shape"] = list(attn_mask.shape)
        if mask_bool:
            c["attn_mask_bool"] = attn_mask.reshape(-1).tolist()
        else:
            c["attn_mask"] = R.flat(attn_mask)
    for dt, key, pre in ((torch.float64, "float64", "f64"), (torch.float32, "float32", "f32")):
        md = build(module, args).to(dt)
        md.load_state_dict({k: v.to(dt) for k, v in m.state_dict().items()}, strict=True)
        md.train()
        for k, v in md.state_dict().items():
            TENSORS[f"{pre}.{name}.{k}"] = v.detach().clone().contiguous()
        xi = {k: x.to(dt).clone().requires_grad_(True) for k, x in xs.items()}
        kp = kpm
        if kpm is not None and kpm.is_floating_point():
            kp = kpm.to(dt).clone().requires_grad_(True)
        am = None
        if attn_mask is not None:
            am = attn_mask.clone() if mask_bool else attn_mask.to(dt).clone().requires_grad_(not causal)
        if module == "MultiheadAttention":
            q = xi["query"]
            k = q if same == "qkv" else xi["key"]
            v = k if same in ("qkv", "kv") else xi["value"]
            out, w = md(q, k, v, key_padding_mask=kp, need_weights=need_weights, attn_mask=am,
                        average_attn_weights=average)
        elif module == "TransformerEncoderLayer":
            out, w = md(xi["src"], src_mask=am, src_key_padding_mask=kp), None
        else:
            out, w = md(xi["src"], mask=am, src_key_padding_mask=kp), None
        if key == "float64":
            c["output_shape"] = list(out.shape)
            c["upstream"] = R.flat(R.upstream(*out.shape))
            c["weights_shape"] = None if w is None else list(w.shape)
            c["upstream_weights"] = None if w is None else R.flat(R.upstream(*w.shape))
        g = torch.tensor(c["upstream"], dtype=torch.float64).reshape(c["output_shape"]).to(dt)
        loss = (out * g).sum()
        if w is not None:
            gw = torch.tensor(c["upstream_weights"], dtype=torch.float64).reshape(c["weights_shape"]).to(dt)
            loss = loss + (w * gw).sum()
        loss.backward()
        grads = {k: R.flat_result(x.grad, dt) for k, x in xi.items()}
        if am is not None and am.requires_grad:
            grads["attn_mask"] = R.flat_result(am.grad, dt)
        if kp is not None and kp.requires_grad:
            grads["key_padding_mask"] = R.flat_result(kp.grad, dt)
        for k, p in md.named_parameters():
            grads["param." + k] = R.flat_result(p.grad, dt)
        c[key] = {"output": R.flat_result(out, dt), "weights": None if w is None else R.flat_result(w, dt),
                  "grads": grads}
    return c


def mha(e, h, bias=True, kdim=None, vdim=None, batch_first=False, add_bias_kv=False, add_zero_attn=False):
    return {"embed_dim": e, "num_heads": h, "bias": bias, "kdim": kdim, "vdim": vdim, "batch_first": batch_first,
            "add_bias_kv": add_bias_kv, "add_zero_attn": add_zero_attn}


def enc(d, h, ff, activation="relu", eps=1e-5, batch_first=False, norm_first=False, num_layers=None,
        final_norm=False):
    a = {"d_model": d, "nhead": h, "dim_feedforward": ff, "activation": activation, "layer_norm_eps": eps,
         "batch_first": batch_first, "norm_first": norm_first}
    if num_layers is not None:
        a.update(num_layers=num_layers, final_norm=final_norm)
    return a


def bools(*shape, p=0.3):
    return torch.rand(shape) < p


def kpm_mask(n, s):
    """A key padding mask that leaves every row at least one key."""
    m = bools(n, s, p=0.4)
    m[:, 0] = False
    return m


def causal_mask(sz):
    return nn.Transformer.generate_square_subsequent_mask(sz).to(torch.float64)


def cases():
    L, S, N, E, H = 3, 4, 2, 6, 2
    C = [
        # MultiheadAttention.
        case("mha_self_seq_first", "MultiheadAttention", mha(E, H), {"query": (L, N, E)}, same="qkv",
             need_weights=True),
        case("mha_self_batch_first_per_head", "MultiheadAttention", mha(E, 3, batch_first=True),
             {"query": (N, L, E)}, same="qkv", need_weights=True, average=False),
        case("mha_cross_kv_same_no_weights", "MultiheadAttention", mha(E, H), {"query": (L, N, E), "key": (S, N, E)},
             same="kv"),
        case("mha_cross_three_inputs", "MultiheadAttention", mha(E, H, batch_first=True),
             {"query": (N, L, E), "key": (N, S, E), "value": (N, S, E)}, need_weights=True),
        case("mha_kdim_vdim", "MultiheadAttention", mha(E, H, kdim=5, vdim=3),
             {"query": (L, N, E), "key": (S, N, 5), "value": (S, N, 3)}, need_weights=True),
        case("mha_kdim_vdim_batch_first_no_bias", "MultiheadAttention",
             mha(E, 3, bias=False, kdim=4, vdim=7, batch_first=True),
             {"query": (N, L, E), "key": (N, S, 4), "value": (N, S, 7)}, kpm=kpm_mask(N, S)),
        case("mha_key_padding_mask", "MultiheadAttention", mha(E, H, batch_first=True),
             {"query": (N, L, E), "key": (N, S, E)}, same="kv", kpm=kpm_mask(N, S), need_weights=True),
        case("mha_bool_mask_2d_and_kpm", "MultiheadAttention", mha(E, H),
             {"query": (L, N, E), "key": (S, N, E), "value": (S, N, E)}, kpm=kpm_mask(N, S),
             attn_mask=torch.tensor([[False, True, False, True], [False, False, True, False],
                                     [False, True, True, True]]), mask_bool=True, need_weights=True, average=False),
        case("mha_bool_mask_3d", "MultiheadAttention", mha(E, H, batch_first=True), {"query": (N, L, E)}, same="qkv",
             attn_mask=torch.cat([torch.zeros(N * H, L, 1, dtype=torch.bool), bools(N * H, L, L - 1)], dim=2),
             mask_bool=True, need_weights=True),
        case("mha_float_mask_2d_and_kpm", "MultiheadAttention", mha(E, H), {"query": (L, N, E), "key": (S, N, E)},
             same="kv", kpm=kpm_mask(N, S), attn_mask=R.randn(L, S), need_weights=True),
        case("mha_float_mask_3d", "MultiheadAttention", mha(E, H, batch_first=True),
             {"query": (N, L, E), "key": (N, S, E), "value": (N, S, E)}, attn_mask=R.randn(N * H, L, S)),
        case("mha_causal", "MultiheadAttention", mha(E, H, batch_first=True), {"query": (N, 4, E)}, same="qkv",
             attn_mask=causal_mask(4), causal=True, need_weights=True, average=False),
        case("mha_unbatched_self", "MultiheadAttention", mha(E, H), {"query": (L, E)}, same="qkv",
             kpm=torch.tensor([False, True, False]), need_weights=True, average=False),
        case("mha_unbatched_cross_mask_3d", "MultiheadAttention", mha(E, 3, kdim=5, vdim=5, batch_first=True),
             {"query": (L, E), "key": (S, 5)}, same="kv", attn_mask=R.randn(3, L, S), need_weights=True),
        case("mha_no_bias", "MultiheadAttention", mha(E, H, bias=False), {"query": (L, N, E)}, same="qkv",
             need_weights=True),
        # TransformerEncoderLayer.
        case("enc_post_relu_seq_first", "TransformerEncoderLayer", enc(8, 2, 12), {"src": (L, N, 8)}),
        case("enc_pre_gelu_batch_first_kpm", "TransformerEncoderLayer",
             enc(8, 2, 12, activation="gelu", batch_first=True, norm_first=True), {"src": (N, S, 8)},
             kpm=kpm_mask(N, S)),
        case("enc_post_gelu_causal_kpm", "TransformerEncoderLayer", enc(8, 4, 10, activation="gelu", batch_first=True),
             {"src": (N, S, 8)}, kpm=kpm_mask(N, S), attn_mask=causal_mask(S), causal=True),
        case("enc_post_relu_bool_mask_eps", "TransformerEncoderLayer", enc(8, 2, 12, eps=1e-3), {"src": (L, N, 8)},
             attn_mask=torch.tensor([[False, True, True], [False, False, True], [True, False, False]]),
             mask_bool=True),
        case("enc_pre_relu_unbatched_float_mask", "TransformerEncoderLayer", enc(8, 2, 12, norm_first=True),
             {"src": (S, 8)}, attn_mask=R.randn(S, S)),
        # TransformerEncoder: two layers (cloned, then drawn anew), pre-norm,
        # GELU, a final norm, causal, padding.
        case("encoder_2_layers_final_norm", "TransformerEncoder",
             enc(8, 2, 16, activation="gelu", batch_first=True, norm_first=True, num_layers=2, final_norm=True),
             {"src": (N, 5, 8)}, kpm=kpm_mask(N, 5), attn_mask=causal_mask(5), causal=True),
        case("encoder_3_layers_post_norm", "TransformerEncoder", enc(8, 2, 12, num_layers=3), {"src": (L, N, 8)},
             kpm=kpm_mask(N, L)),
        # add_bias_kv and add_zero_attn (after the other cases, so that
        # their random draws leave the others' numbers unchanged).
        case("mha_bias_kv_masks", "MultiheadAttention", mha(E, H, add_bias_kv=True), {"query": (L, N, E)}, same="qkv",
             kpm=kpm_mask(N, L), attn_mask=torch.tensor([[False, True, False], [False, False, True],
                                                          [True, False, False]]), mask_bool=True,
             need_weights=True, average=False),
        case("mha_zero_attn_float_mask_3d", "MultiheadAttention", mha(E, 3, add_zero_attn=True, batch_first=True),
             {"query": (N, L, E), "key": (N, S, E), "value": (N, S, E)}, attn_mask=R.randn(N * 3, L, S),
             need_weights=True),
        case("mha_bias_kv_zero_attn_kdim_unbatched", "MultiheadAttention",
             mha(E, H, kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True),
             {"query": (L, E), "key": (S, 5), "value": (S, 3)}, kpm=torch.tensor([False, True, False, True]),
             attn_mask=R.randn(L, S), need_weights=True),
        # A float key_padding_mask, added to the logits (and differentiated).
        case("mha_float_key_padding_mask", "MultiheadAttention", mha(E, H, batch_first=True),
             {"query": (N, L, E), "key": (N, S, E)}, same="kv", kpm=R.randn(N, S), need_weights=True),
        case("mha_float_key_padding_mask_unbatched", "MultiheadAttention", mha(E, H), {"query": (L, E)}, same="qkv",
             kpm=R.randn(L)),
    ]
    return C


def checkpoints():
    """tapegrad → PyTorch: loads tapegrad_transformer.safetensors, which
    nn/transformer_checkpoint_test.go's tapegradEncoder wrote (go test ./nn
    -run TestTransformerTapegradCheckpointGolden -update rewrites it), into
    PyTorch's encoder with load_state_dict(strict=True), and records its
    evaluation-mode output for a causal mask, in float32."""
    m = build("TransformerEncoder", enc(8, 2, 16, activation="gelu", batch_first=True, norm_first=True,
                                        num_layers=2, final_norm=True))
    m.load_state_dict(load(os.path.join(HERE, "tapegrad_transformer.safetensors")), strict=True)
    m.eval()
    x = R.randn(3, 5, 8)
    with torch.no_grad():
        y = m(x.float(), mask=causal_mask(5).float())
    return [{"name": "tapegrad_encoder_2_layers", "shape": list(x.shape), "input": R.flat(x), "causal": True,
             "output": R.flat_result(y, torch.float32)}]


def main():
    cs = cases()
    head = {"generator": "nn/testdata/gen_torch_transformer.py", "torch_version": torch.__version__}
    path = os.path.join(HERE, "torch_transformer.json")
    n = R.write(path, head, {"cases": cs, "checkpoints": checkpoints()})
    save(os.path.join(HERE, "torch_transformer.safetensors"), TENSORS)
    print(f"wrote {len(cs)} cases to {path} ({n} bytes) and {len(TENSORS)} tensors, torch {torch.__version__}")


if __name__ == "__main__":
    main()
