"""examples/gradpenalty in PyTorch: an MLP on Fashion-MNIST trained twice
from the same initial weights on the same batches, on the cross-entropy
alone and with the input-gradient penalty of double backpropagation,

    L = CE + lambda * (1/B) sum_i |d l_i / d x_i|^2,

taken with torch.autograd.grad(create_graph=True); then the test accuracy,
the accuracy under the fast gradient sign method and the mean squared
input-gradient norm of both, as the Go command prints them. Same recipe
(784-100-10 ReLU MLP with PyTorch's initialization, Adam lr 1e-3, batch 100,
2000 steps, pixels/255 minus the mean training image); the weights and the
order of the batches come from torch's generator, not tapegrad's, so the
numbers agree with the Go command's in kind, not to the digit.

    /usr/bin/python3 examples/pytorch/gradpenalty.py [--dataset-dir /usr/share/datasets/fashion-mnist]
        [--lambda 0.1] [--steps 2000] [--epsilon 0.05]
"""

import argparse
import gzip
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        buf = f.read()
    magic, = struct.unpack(">I", buf[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, buf[4:4 + 4 * ndim])
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(d, prefix):
    def find(base):
        for p in (os.path.join(d, base), os.path.join(d, base + ".gz")):
            if os.path.exists(p):
                return p
        raise FileNotFoundError(os.path.join(d, base))
    x = torch.tensor(read_idx(find(prefix + "-images-idx3-ubyte")).reshape(-1, 784), dtype=torch.float32)
    y = torch.tensor(read_idx(find(prefix + "-labels-idx1-ubyte")).astype(np.int64))
    return x, y


def penalized_loss(net, x, y, lam):
    """CE + lam * (1/B) sum_i |dl_i/dx_i|^2, and the penalty."""
    x = x.detach().requires_grad_(lam > 0)
    ce = F.cross_entropy(net(x), y)
    if lam == 0:
        return ce, None
    g, = torch.autograd.grad(ce, x, create_graph=True)
    pen = (g * g).sum() * x.shape[0]
    return ce + lam * pen, pen


def input_gradients(net, x, y, eps):
    """Mean |dl_i/dx_i|^2 over x, and the accuracy under FGSM with eps."""
    sq, right = 0.0, 0
    for i in range(0, len(y), 500):
        xb = x[i:i + 500].clone().requires_grad_()
        yb = y[i:i + 500]
        loss = F.cross_entropy(net(xb), yb, reduction="sum")
        g, = torch.autograd.grad(loss, xb)
        sq += (g * g).sum().item()
        with torch.no_grad():
            right += (net(xb + eps * g.sign()).argmax(1) == yb).sum().item()
    return sq / len(y), right / len(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--lambda", dest="lam", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--epsilon", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    xtr, ytr = load(a.dataset_dir, "train")
    xte, yte = load(a.dataset_dir, "t10k")
    mean = xtr.mean(0)
    xtr, xte = (xtr - mean) / 255, (xte - mean) / 255
    torch.manual_seed(a.seed)
    init = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)).state_dict()
    results = []
    for lam in (0.0, a.lam):
        net = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
        net.load_state_dict(init)
        opt = torch.optim.Adam(net.parameters(), lr=a.lr)
        gen = torch.Generator().manual_seed(a.seed)
        perm, pos, pens = torch.randperm(len(ytr), generator=gen), 0, []
        for step in range(1, a.steps + 1):
            if pos + a.batch > len(ytr):
                perm, pos = torch.randperm(len(ytr), generator=gen), 0
            idx = perm[pos:pos + a.batch]
            pos += a.batch
            opt.zero_grad(set_to_none=True)
            loss, pen = penalized_loss(net, xtr[idx], ytr[idx], lam)
            loss.backward()
            opt.step()
            if pen is not None:
                pens.append(pen.item())
            if step % 500 == 0 and pens:
                print(f"λ = {lam:g}, step {step}: penalty over the last 500 steps {np.mean(pens[-500:]):.4f}")
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).double().mean().item()
        sq, fgsm = input_gradients(net, xte, yte, a.epsilon)
        results.append((acc, fgsm, sq))
    print(f"\n| | λ = 0 | λ = {a.lam:g} |\n|---|--:|--:|")
    print(f"| test accuracy | {results[0][0]:.4f} | {results[1][0]:.4f} |")
    print(f"| test accuracy under FGSM, ε = {a.epsilon:g} | {results[0][1]:.4f} | {results[1][1]:.4f} |")
    print(f"| mean ‖∂ℓ/∂x‖² on the test set | {results[0][2]:.4g} | {results[1][2]:.4g} |")


if __name__ == "__main__":
    torch.set_num_threads(os.cpu_count())
    main()
