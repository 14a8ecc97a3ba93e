"""The course's three training recipes in PyTorch, for comparison with
tapegrad's trainers on the same data.

    /usr/bin/python3 examples/pytorch/course.py --trainer mlp --dataset-dir /usr/share/datasets/fashion-mnist

trains one of

  mlp-manual  the MLP with the course's NumPy initialization: weights from
              N(0, 1e-4^2), biases 0; plain SGD, lr 2e-3, batch 200, 1500 steps
  mlp         the same MLP with PyTorch's default initialization; SGD (or
              --optimizer adam), lr 2e-3, batch 200, 1500 steps
  convnet     the course's VGG-style ConvNet with batch norm; Adam, lr 1e-4,
              batch 32, 5000 steps

on MNIST-format data (Fashion-MNIST by default, gzipped or raw IDX files),
with the course's preprocessing — raw pixel values minus the mean training
image — evaluating on the whole test set every --eval-every steps. It prints
one line per evaluation and, last, "test accuracy: 0.xxxx" and the training
wall time (evaluations excluded), the same way tapegrad's trainers do.
Threads are set to the machine's core count. examples/run_course.sh runs this
and the Go trainers side by side.

mlp() and convnet() build the modules whose state_dict keys are those of
tapegrad's nn.NewMLP and nn.NewConvNet, so the checkpoints the Go trainers
write load into them with strict=True. --load reads one (no safetensors
package needed) before training; with --steps 0 it is only evaluated:

    /usr/bin/python3 examples/pytorch/course.py --trainer mlp --steps 0 --load out/mlp/checkpoint.safetensors
"""

import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

RECIPES = {
    "mlp-manual": dict(lr=2e-3, batch=200, steps=1500, eval_every=100, optimizer="sgd"),
    "mlp": dict(lr=2e-3, batch=200, steps=1500, eval_every=100, optimizer="sgd"),
    "convnet": dict(lr=1e-4, batch=32, steps=5000, eval_every=500, optimizer="adam"),
}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    magic, = struct.unpack(">I", buf[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(d, prefix):
    def find(name):
        for candidate in (name, name + ".gz"):
            p = os.path.join(d, candidate)
            if os.path.exists(p):
                return p
        raise FileNotFoundError(os.path.join(d, name))
    x = read_idx(find(prefix + "-images-idx3-ubyte")).astype(np.float32)[:, None]
    y = read_idx(find(prefix + "-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def read_safetensors(path):
    """Returns the tensors of a safetensors file by name, read by hand: an
    8-byte little-endian header length, a JSON header giving each tensor's
    dtype, shape and data_offsets (metadata under "__metadata__"), then the
    data, little-endian and row-major."""
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    with open(path, "rb") as f:
        buf = f.read()
    n, = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, t in header.items():
        begin, end = (8 + n + o for o in t["data_offsets"])
        out[name] = torch.frombuffer(bytearray(buf[begin:end]), dtype=dtypes[t["dtype"]]).reshape(t["shape"])
    return out


class FlatMLP(nn.Sequential):
    """nn.Sequential(Linear, ReLU, ..., Linear) that flattens each input to
    one row per example before its first layer. The flattening is no layer,
    so the state_dict keys are those of tapegrad's nn.NewMLP (0.weight,
    0.bias, 2.weight, ...) and a tapegrad checkpoint loads with strict=True.
    """

    def forward(self, x):
        return super().forward(x.flatten(1))


def mlp(inputs, hidden, classes, course_init):
    layers, n = [], inputs
    for h in hidden:
        layers += [nn.Linear(n, h), nn.ReLU()]
        n = h
    layers.append(nn.Linear(n, classes))
    net = FlatMLP(*layers)
    if course_init:
        for m in net:
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 1e-4)
                nn.init.zeros_(m.bias)
    return net


def convnet(channels, classes):
    layers, n = [], channels
    for out in [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0]:
        if out == 0:
            layers.append(nn.MaxPool2d(3, 2, 1))
            continue
        layers += [nn.Conv2d(n, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
        n = out
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(512, classes))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trainer", choices=RECIPES, required=True)
    ap.add_argument("--dataset-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--optimizer", choices=["sgd", "adam"])
    ap.add_argument("--steps", type=int)
    ap.add_argument("--eval-every", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hidden", default="100", help='MLP hidden layer sizes, comma-separated; "" for none')
    ap.add_argument("--load", metavar="PATH", help="start from this tapegrad checkpoint (strict state_dict load)")
    args = ap.parse_args()
    r = dict(RECIPES[args.trainer])
    for k in ("optimizer", "steps", "eval_every"):
        if getattr(args, k) is not None:
            r[k] = getattr(args, k)

    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count())
    xtr, ytr = load(args.dataset_dir, "train")
    xte, yte = load(args.dataset_dir, "t10k")
    mean = xtr.mean(dim=0, keepdim=True)  # the course's mean training image
    xtr, xte = xtr - mean, xte - mean

    if args.trainer == "convnet":
        net = convnet(xtr.shape[1], 10)
    else:
        hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
        net = mlp(xtr[0].numel(), hidden, 10, course_init=args.trainer == "mlp-manual")
    if args.load:
        net.load_state_dict(read_safetensors(args.load), strict=True)
    opt = (torch.optim.Adam(net.parameters(), lr=r["lr"]) if r["optimizer"] == "adam"
           else torch.optim.SGD(net.parameters(), lr=r["lr"]))

    def evaluate():
        net.eval()
        with torch.no_grad():
            tl = tc = 0.0
            for i in range(0, len(xte), 500):
                o = net(xte[i:i + 500])
                tl += F.cross_entropy(o, yte[i:i + 500], reduction="sum").item()
                tc += (o.argmax(1) == yte[i:i + 500]).sum().item()
        return tl / len(xte), tc / len(xte)

    g = torch.Generator().manual_seed(args.seed)
    perm, pos, trained = torch.randperm(len(xtr), generator=g), 0, 0.0
    loss_sum = correct = count = 0
    acc = 0.0
    for step in range(1, r["steps"] + 1):
        if pos + r["batch"] > len(perm):
            perm, pos = torch.randperm(len(xtr), generator=g), 0
        idx = perm[pos:pos + r["batch"]]
        pos += r["batch"]
        start = time.perf_counter()
        net.train()
        out = net(xtr[idx])
        loss = F.cross_entropy(out, ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        trained += time.perf_counter() - start
        loss_sum += loss.item() * len(idx)
        correct += (out.argmax(1) == ytr[idx]).sum().item()
        count += len(idx)
        if step % r["eval_every"] == 0 or step == r["steps"]:
            test_loss, acc = evaluate()
            print(f"step {step:6d}  train loss {loss_sum / count:.4f}  accuracy {correct / count:.4f}  "
                  f"test loss {test_loss:.4f}  accuracy {acc:.4f}  ({trained:.1f} s)", flush=True)
            loss_sum = correct = count = 0
    if r["steps"] == 0:
        test_loss, acc = evaluate()
        print(f"step      0  test loss {test_loss:.6f}  accuracy {acc:.4f}", flush=True)
    print(f"training time: {trained:.1f} s")
    print(f"test accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
