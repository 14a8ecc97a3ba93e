"""Checkpoints that cross between tapegrad and PyTorch, both ways.

The network on both sides is

    nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))

in float32, which is what nn.NewMLP(…{Inputs: 6, Hidden: []int{5},
Classes: 3, BatchNorm: true}) builds in tapegrad, with the same state_dict
keys.

1. PyTorch → tapegrad. Writes torch_mlp.safetensors (a state_dict PyTorch
   made, with non-default batch norm parameters and running statistics) and
   torch_mlp_io.safetensors (an input and PyTorch's outputs for it, in eval
   mode and in training mode, plus the running statistics after the training
   step). nn/interop_test.go loads the first into tapegrad and reproduces the
   second.

2. tapegrad → PyTorch. Loads tapegrad_mlp.safetensors, which tapegrad wrote
   (go test ./nn -run TestTapegradCheckpointGolden -update rewrites it), into
   the PyTorch module with load_state_dict(strict=True), runs it in eval mode
   on the input in tapegrad_mlp_io.safetensors and checks that PyTorch's
   output equals tapegrad's, stored next to it, to 1e-5.

The safetensors pip package is not needed: the format is read and written by
hand, laid out as the reference implementation lays it out. Run from the
repository root:

    /usr/bin/python3 nn/testdata/torch_interop.py
"""

import json
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
FROM_DTYPE = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
# The reference implementation orders data by dtype alignment, largest first.
ALIGN_ORDER = ["F32", "F64", "I64"]


def save(path, tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-ALIGN_ORDER.index(DTYPES[kv[1].dtype]), kv[0]))
    header = {"__metadata__": metadata} if metadata else {}
    data = b""
    for name, t in items:
        raw = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + data)


def load(path):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    header.pop("__metadata__", None)
    data = buf[8 + n:]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=FROM_DTYPE[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out


def network():
    return nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))


def pytorch_to_tapegrad():
    torch.manual_seed(20241127)
    net = network()
    bn = net[1]
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
        bn.running_mean.uniform_(-0.3, 0.3)
        bn.running_var.uniform_(0.5, 2.0)
        bn.num_batches_tracked.fill_(7)
    save(os.path.join(HERE, "torch_mlp.safetensors"), net.state_dict(), {"format": "pt"})

    x = torch.randn(8, 6)
    net.eval()
    with torch.no_grad():
        out_eval = net(x)
    net.train()
    with torch.no_grad():
        out_train = net(x)
    save(os.path.join(HERE, "torch_mlp_io.safetensors"), {
        "input": x, "output_eval": out_eval, "output_train": out_train,
        "running_mean_after_train": bn.running_mean.clone(),
        "running_var_after_train": bn.running_var.clone(),
    })
    print("wrote torch_mlp.safetensors and torch_mlp_io.safetensors")


def tapegrad_to_pytorch():
    path = os.path.join(HERE, "tapegrad_mlp.safetensors")
    net = network()
    net.load_state_dict(load(path), strict=True)
    io = load(os.path.join(HERE, "tapegrad_mlp_io.safetensors"))
    net.eval()
    with torch.no_grad():
        out = net(io["input"])
    diff = (out - io["output_eval"]).abs().max().item()
    print(f"PyTorch loaded tapegrad_mlp.safetensors with strict=True; "
          f"max |PyTorch - tapegrad| over the eval output: {diff:.3g}")
    if diff > 1e-5:
        sys.exit("outputs differ by more than 1e-5")


if __name__ == "__main__":
    pytorch_to_tapegrad()
    tapegrad_to_pytorch()
