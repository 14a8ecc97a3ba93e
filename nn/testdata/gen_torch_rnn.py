"""Regenerate torch_rnn.safetensors and torch_rnn.json, the PyTorch
reference numbers that nn/rnn_reference_test.go pins nn.LSTM, nn.GRU,
nn.LSTMCell and nn.GRUCell to (issue 20).

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_rnn.py

It needs PyTorch (Debian's python3-torch 1.13, hence /usr/bin/python3). The
output is deterministic: a fixed torch seed, and every weight, input,
initial state and upstream gradient rounded to four decimals, so that it
reads back into Go exactly in float64 and as torch's own copy in float32.

Each case of torch_rnn.json builds one module from "args" (its
constructor's keyword arguments under PyTorch's names), draws its weights
with torch's default initialization and rounds them, and makes one call in
training mode: for LSTM and GRU, (out, h_n[, c_n]) = module(x[, h0[, c0]])
on an L×N×In input (N×L×In with batch_first, L×In unbatched); for the
cells, h' (and c') = cell(x[, h[, c]]). With random upstream gradients g
of every output it differentiates Σ g ⊙ output and records, in float64 and
in float32 (module.to(dtype) on the same rounded numbers), the outputs, the
gradient of x, of each initial state given, and of every parameter.

torch_rnn.safetensors holds, for case c and dtype d (float64 as F64,
float32 as F32), the tensors

    c/d/param/<state_dict name>        the weights
    c/d/in/x, c/d/in/h0, c/d/in/c0     the inputs (states only if given)
    c/d/g/<output>                     the upstream gradients
    c/d/out/<output>                   out, hn, cn (cells: h, c)
    c/d/grad/x, c/d/grad/h0, ...       the gradients of the inputs
    c/d/grad/<state_dict name>         the gradients of the weights

and torch_rnn.json lists the cases with their args, in order, and the
names of their outputs.
"""

import json
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from torch_interop import save  # noqa: E402

torch.manual_seed(20261220)

L, N, IN, H = 5, 3, 4, 3


def r4(t):
    return torch.round(t.double() * 1e4) / 1e4


def randn(*shape):
    return r4(torch.randn(*shape, dtype=torch.float64))


def build(module, a):
    if module == "LSTM":
        return nn.LSTM(a["input_size"], a["hidden_size"], a["num_layers"], a["bias"], a["batch_first"],
                       0.0, a["bidirectional"])
    if module == "GRU":
        return nn.GRU(a["input_size"], a["hidden_size"], a["num_layers"], a["bias"], a["batch_first"],
                      0.0, a["bidirectional"])
    if module == "LSTMCell":
        return nn.LSTMCell(a["input_size"], a["hidden_size"], a["bias"])
    return nn.GRUCell(a["input_size"], a["hidden_size"], a["bias"])


def seq_case(name, module, layers=1, bias=True, batch_first=False, bidirectional=False, states=False,
             unbatched=False):
    args = dict(input_size=IN, hidden_size=H, num_layers=layers, bias=bias, batch_first=batch_first,
                bidirectional=bidirectional)
    d = 2 if bidirectional else 1
    if unbatched:
        x = randn(L, IN)
        sshape = (d * layers, H)
    else:
        x = randn(N, L, IN) if batch_first else randn(L, N, IN)
        sshape = (d * layers, N, H)
    ins = dict(x=x)
    if states:
        ins["h0"] = randn(*sshape)
        if module == "LSTM":
            ins["c0"] = randn(*sshape)
    outs = ["out", "hn", "cn"] if module == "LSTM" else ["out", "hn"]
    return dict(name=name, module=module, args=args, inputs=ins, outputs=outs, states=states, unbatched=unbatched)


def cell_case(name, module, bias=True, states=False, unbatched=False):
    args = dict(input_size=IN, hidden_size=H, bias=bias)
    x = randn(IN) if unbatched else randn(N, IN)
    sshape = (H,) if unbatched else (N, H)
    ins = dict(x=x)
    if states:
        ins["h0"] = randn(*sshape)
        if module == "LSTMCell":
            ins["c0"] = randn(*sshape)
    outs = ["h", "c"] if module == "LSTMCell" else ["h"]
    return dict(name=name, module=module, args=args, inputs=ins, outputs=outs, states=states, unbatched=unbatched)


def call(m, module, c, ins):
    x = ins["x"]
    if module in ("LSTM", "GRU"):
        if module == "LSTM":
            out, (hn, cn) = m(x, (ins["h0"], ins["c0"])) if c["states"] else m(x)
            return [out, hn, cn]
        out, hn = m(x, ins["h0"]) if c["states"] else m(x)
        return [out, hn]
    if module == "LSTMCell":
        h, cc = m(x, (ins["h0"], ins["c0"])) if c["states"] else m(x)
        return [h, cc]
    return [m(x, ins["h0"]) if c["states"] else m(x)]


def run(c, tensors):
    module = c["module"]
    m = build(module, c["args"])
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(r4(p))
    state = {k: v.double().clone() for k, v in m.state_dict().items()}
    c["params"] = list(state.keys())
    m = m.double()
    with torch.no_grad():
        shapes = [o.shape for o in call(m, module, c, c["inputs"])]
    gs = [randn(*s) for s in shapes]
    for dtype, tag in ((torch.float64, "float64"), (torch.float32, "float32")):
        mm = build(module, c["args"]).to(dtype)
        mm.load_state_dict({k: v.to(dtype) for k, v in state.items()})
        mm.train()
        ins = {k: v.detach().to(dtype).clone().requires_grad_(True) for k, v in c["inputs"].items()}
        outs = call(mm, module, c, ins)
        loss = sum((o * g.to(dtype)).sum() for o, g in zip(outs, gs))
        loss.backward()
        pre = f"{c['name']}/{tag}/"
        for k, v in state.items():
            tensors[pre + "param/" + k] = v.to(dtype)
        for k, v in ins.items():
            tensors[pre + "in/" + k] = v.detach().clone()
            tensors[pre + "grad/" + k] = v.grad.detach().clone()
        for k, o, g in zip(c["outputs"], outs, gs):
            tensors[pre + "out/" + k] = o.detach().clone()
            tensors[pre + "g/" + k] = g.to(dtype)
        for k, p in mm.named_parameters():
            tensors[pre + "grad/" + k] = p.grad.detach().clone()


def cases():
    C = []
    for module in ("LSTM", "GRU"):
        lo = module.lower()
        C.append(seq_case(lo + "_1layer", module))
        C.append(seq_case(lo + "_1layer_h0", module, states=True))
        C.append(seq_case(lo + "_2layer", module, layers=2))
        C.append(seq_case(lo + "_2layer_bidirectional_h0", module, layers=2, bidirectional=True, states=True))
        C.append(seq_case(lo + "_1layer_bidirectional_batch_first", module, bidirectional=True, batch_first=True))
        C.append(seq_case(lo + "_2layer_batch_first_h0", module, layers=2, batch_first=True, states=True))
        C.append(seq_case(lo + "_1layer_no_bias", module, bias=False))
        C.append(seq_case(lo + "_2layer_bidirectional_no_bias_h0", module, layers=2, bidirectional=True,
                          bias=False, states=True))
        C.append(seq_case(lo + "_unbatched_h0", module, states=True, unbatched=True))
        C.append(seq_case(lo + "_unbatched_bidirectional", module, bidirectional=True, layers=2, unbatched=True))
    for module in ("LSTMCell", "GRUCell"):
        lo = "lstm_cell" if module == "LSTMCell" else "gru_cell"
        C.append(cell_case(lo, module))
        C.append(cell_case(lo + "_states", module, states=True))
        C.append(cell_case(lo + "_no_bias_states", module, bias=False, states=True))
        C.append(cell_case(lo + "_unbatched_states", module, states=True, unbatched=True))
        C.append(cell_case(lo + "_unbatched", module, unbatched=True))
    return C


def main():
    tensors = {}
    cs = cases()
    for c in cs:
        run(c, tensors)
        del c["inputs"]
    head = dict(generator="nn/testdata/gen_torch_rnn.py", torch_version=torch.__version__,
                dtypes=["float64", "float32"], cases=cs)
    with open(os.path.join(HERE, "torch_rnn.json"), "w") as f:
        json.dump(head, f, indent=1)
        f.write("\n")
    path = os.path.join(HERE, "torch_rnn.safetensors")
    save(path, tensors)
    print(f"wrote {len(cs)} cases, {len(tensors)} tensors to {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
