"""One training step of the course's ConvNet in PyTorch, from a tapegrad
checkpoint, for nn/convnet_reference_test.go.

    /usr/bin/python3 nn/testdata/convnet_torch.py DIR [--summary PATH]

DIR holds two files that the Go test writes:

  convnet.safetensors  the state_dict of nn.NewConvNet[float32](3, 10, rng),
                       written by nn.Save;
  batch.safetensors    "x", an N×3×32×32 float32 input, and "labels", its N
                       class labels as I64.

The script builds the same network as a PyTorch nn.Sequential, exactly as
nn/convnet.go lays it out (conv 3×3 padding 1 → BatchNorm2d → ReLU triples,
MaxPool2d(3, 2, 1) where convNetChannels has a 0, then Flatten and
Linear(512, 10)), loads the checkpoint with load_state_dict(strict=True), and
runs one training-mode step in float32: logits = net(x),
loss = F.cross_entropy(logits, labels), loss.backward(). It writes
DIR/torch_out.safetensors with

  "logits"            N×10
  "loss"              a scalar
  "grad.<name>"       the gradient of every parameter, under its state_dict
                      name ("grad.0.weight", …, "grad.30.bias")
  "<name>"            every buffer after the step ("1.running_mean",
                      "1.running_var", "1.num_batches_tracked" as I64, …)

With --summary PATH it also writes a compact JSON summary of that step to
PATH — the logits, the loss, and for every parameter gradient its sum, its
sum of squares and its first and last 8 values (likewise for the buffers),
plus checksums of the batch and of the initial parameters so that a drift in
tapegrad's initialization or batch can be told from a wrong gradient. That
file is nn/testdata/convnet_torch_summary.json, which TestConvNetTorchSummary
checks without Python. Regenerate it from the repository root with

    go test ./nn -run TestConvNetMatchesPyTorch -args -write-summary

which writes the two input files, runs this script with --summary and then
compares as usual.

The safetensors pip package is not needed: the format is read and written by
the helpers of torch_interop.py, next to this script.
"""

import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in testdata from a test run
from torch_interop import load, save  # noqa: E402  (hand-written safetensors)

# The output channels of nn/convnet.go's convNetChannels; 0 marks a max pool.
CHANNELS = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0]
EDGE = 8  # values kept from each end of a tensor in the summary


def convnet(in_channels=3, classes=10):
    layers, c = [], in_channels
    for out in CHANNELS:
        if out == 0:
            layers.append(nn.MaxPool2d(3, 2, 1))
            continue
        layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
        c = out
    layers += [nn.Flatten(), nn.Linear(c, classes)]
    return nn.Sequential(*layers)


def describe(t):
    """Sum, sum of squares (both in float64) and the first and last EDGE
    values of t, flattened in row-major order."""
    flat = t.detach().reshape(-1)
    d = flat.double()
    return {
        "shape": list(t.shape),
        "sum": d.sum().item(),
        "sum_sq": (d * d).sum().item(),
        "first": [float(v) for v in flat[:EDGE].tolist()],
        "last": [float(v) for v in flat[-EDGE:].tolist()],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="directory with convnet.safetensors and batch.safetensors")
    ap.add_argument("--summary", metavar="PATH", help="also write the JSON summary to PATH")
    args = ap.parse_args()

    torch.manual_seed(0)  # nothing below draws random numbers; belt and braces
    net = convnet()
    state = load(os.path.join(args.dir, "convnet.safetensors"))
    init = {name: t.clone() for name, t in state.items()}
    net.load_state_dict(state, strict=True)
    batch = load(os.path.join(args.dir, "batch.safetensors"))
    x, labels = batch["x"], batch["labels"]
    assert x.dtype == torch.float32 and labels.dtype == torch.int64, (x.dtype, labels.dtype)

    net.train()
    net.zero_grad()
    logits = net(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()

    out = {"logits": logits.detach(), "loss": loss.detach()}
    params = dict(net.named_parameters())
    for name, p in params.items():
        assert p.grad is not None, name
        out["grad." + name] = p.grad
    buffers = dict(net.named_buffers())
    out.update({name: b for name, b in buffers.items()})
    save(os.path.join(args.dir, "torch_out.safetensors"), out)
    print(f"loss {loss.item():.6f}; wrote {len(out)} tensors to torch_out.safetensors")

    if args.summary:
        xd = x.double()
        summary = {
            "generator": "nn/testdata/convnet_torch.py --summary",
            "regenerate": "go test ./nn -run TestConvNetMatchesPyTorch -args -write-summary",
            "torch_version": torch.__version__,
            "dtype": "float32",
            "batch": {"shape": list(x.shape), "x_sum": xd.sum().item(), "x_sum_sq": (xd * xd).sum().item(),
                      "labels": labels.tolist()},
            "init_sums": {name: init[name].double().sum().item() for name in params},
            "logits": [float(v) for v in logits.detach().reshape(-1).tolist()],
            "loss": loss.item(),
            "grads": [dict(name=name, **describe(p.grad)) for name, p in params.items()],
            "buffers": [dict(name=name, **describe(b.double())) for name, b in buffers.items()],
        }
        # One entry per line keeps the file small and its diffs readable.
        lines = []
        for key, value in summary.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                body = ",\n".join("    " + json.dumps(v) for v in value)
                lines.append(f"  {json.dumps(key)}: [\n{body}\n  ]")
            else:
                lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
        text = "{\n" + ",\n".join(lines) + "\n}\n"
        json.loads(text)  # the hand-joined layout must still be valid JSON
        with open(args.summary, "w") as f:
            f.write(text)
        print(f"wrote the summary to {args.summary}")


if __name__ == "__main__":
    main()
