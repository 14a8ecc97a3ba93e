"""The PyTorch twin of tapegrad's examples/resnet: a CIFAR-style ResNet
(He et al. 2016) with the same architecture, initialization, recipe and
data handling, for comparison on the same data.

    /usr/bin/python3 examples/pytorch/resnet.py --dataset fashion-mnist --seed 1

The network: a 3x3 convolution to --width channels, batch norm, ReLU; three
stages of (depth-2)/6 BasicBlocks with --width, 2x and 4x channels, the
first block of stages 2 and 3 with stride 2 and a 1x1 projection shortcut
(convolution and batch norm, "downsample"); global average pooling; a
linear layer. Convolutions have no bias and are initialized with
kaiming_normal_(mode="fan_out", nonlinearity="relu") as torchvision's
ResNets; batch norm with weight 1 and bias 0; the linear layer with
PyTorch's default. The state_dict keys are torchvision's (conv1.weight,
layer2.0.downsample.0.weight, fc.bias, ...), those of the checkpoints the
Go trainer writes: --load reads one (strict=True; no safetensors package
needed), and with --steps 0 only evaluates it.

The recipe, as the Go trainer's defaults: SGD with lr 0.1, momentum 0.9 and
weight decay 5e-4 on every parameter; the learning rate of step t (0, 1,
...) is lr*(1+cos(pi*t/T))/2 with T = --t-max (CosineAnnealingLR stepped
every step; --t-max 0 keeps it constant); batch 128; 400 steps; an
evaluation on the whole test set every 200 steps, in batches of 500.

Data, as tapegrad's data.Loader does it: raw pixel values (0-255); each
epoch a fresh random order, cut into batches of --batch, the last one of an
epoch shorter if the batch size does not divide the training set; every
training example randomly cropped with --crop-pad zeros of padding (4 on
CIFAR-10, 2 on 28x28 images by default), then flipped left-right with
probability 1/2 (unless --no-hflip), then normalized per channel with the
training set's mean and (population) standard deviation. The random
streams are PyTorch's, so the batches are not those of the Go run: the
comparison is of the recipe, over seeds.

It prints one line per evaluation and, last, "training time: X s" (forward,
backward and update only: data preparation and evaluations excluded) and
"test accuracy: 0.xxxx", as examples/pytorch/course.py and the Go trainers
do; examples/run_models.sh runs both. Threads are set to the machine's core
count.
"""

import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from course import load as load_idx, read_safetensors  # noqa: E402  (one of everything)


def load_cifar10(d):
    """The binary CIFAR-10 in d (cifar-10-batches-bin): records of a label
    byte and 3072 pixel bytes, C x H x W."""
    def read(names):
        raw = np.concatenate([np.fromfile(os.path.join(d, n), dtype=np.uint8) for n in names]).reshape(-1, 3073)
        x = raw[:, 1:].astype(np.float32).reshape(-1, 3, 32, 32)
        return torch.from_numpy(x), torch.from_numpy(raw[:, 0].astype(np.int64))
    xtr, ytr = read([f"data_batch_{i}.bin" for i in range(1, 6)])
    xte, yte = read(["test_batch.bin"])
    return xtr, ytr, xte, yte


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, depth, width, channels, classes):
        super().__init__()
        assert depth >= 8 and (depth - 2) % 6 == 0, "depth must be 6n+2"
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin = width
        for i in range(3):
            cout = width << i
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(cin, cout, 2 if i > 0 and j == 0 else 1))
                cin = cout
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.layer3(self.layer2(self.layer1(y)))
        return self.fc(y.mean((2, 3)))


def augment(x, pad, hflip, g):
    """A random crop with pad zeros of padding, then a random left-right
    flip, of each example of the raw batch x (N x C x H x W)."""
    n, _, h, w = x.shape
    out = torch.zeros_like(x)
    shifts = torch.randint(-pad, pad + 1, (n, 2), generator=g) if pad > 0 else torch.zeros(n, 2, dtype=torch.long)
    flips = torch.randint(0, 2, (n,), generator=g) if hflip else torch.zeros(n, dtype=torch.long)
    for k in range(n):
        src = x[k].flip(2) if flips[k] else x[k]
        dy, dx = shifts[k].tolist()
        # out[y][x] = src[y+dy][x+dx], 0 outside
        out[k, :, max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)] = \
            src[:, max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", choices=["fashion-mnist", "mnist", "cifar10"], default="cifar10")
    ap.add_argument("--dataset-dir", help="default: Debian's Fashion-MNIST, or ~/.cache/tapegrad/cifar-10-batches-bin")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--eval-every", type=int, default=200)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--t-max", type=int, default=400)
    ap.add_argument("--depth", type=int, default=8)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--crop-pad", type=int, default=-1, help="-1: 4 on CIFAR-10, 2 on 28x28 images")
    ap.add_argument("--no-hflip", action="store_true")
    ap.add_argument("--load", metavar="PATH", help="start from this tapegrad checkpoint (strict state_dict load)")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count())
    d = args.dataset_dir
    if args.dataset == "cifar10":
        d = d or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                              "tapegrad", "cifar-10-batches-bin")
        xtr, ytr, xte, yte = load_cifar10(d)
    else:
        if d is None:
            if args.dataset == "mnist":
                ap.error("--dataset mnist needs --dataset-dir")
            d = "/usr/share/datasets/fashion-mnist"
        (xtr, ytr), (xte, yte) = load_idx(d, "train"), load_idx(d, "t10k")
    pad = args.crop_pad if args.crop_pad >= 0 else (4 if args.dataset == "cifar10" else 2)
    xd = xtr.double().transpose(0, 1).reshape(xtr.shape[1], -1)
    mean = xd.mean(1).float()[None, :, None, None]
    std = xd.std(1, unbiased=False).float()[None, :, None, None]
    xte = (xte - mean) / std

    net = ResNet(args.depth, args.width, xtr.shape[1], 10)
    if args.load:
        net.load_state_dict(read_safetensors(args.load), strict=True)
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)

    def lr_at(t):
        if args.t_max == 0:
            return args.lr
        return args.lr * (1 + math.cos(math.pi * t / args.t_max)) / 2

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
    perm, pos, trained = None, len(xtr), 0.0
    loss_sum = correct = count = 0
    acc = 0.0
    for step in range(1, args.steps + 1):
        if pos >= len(xtr):
            perm, pos = torch.randperm(len(xtr), generator=g), 0
        idx = perm[pos:pos + args.batch]
        pos += args.batch
        x = (augment(xtr[idx], pad, not args.no_hflip, g) - mean) / std
        y = ytr[idx]
        for group in opt.param_groups:
            group["lr"] = lr_at(step - 1)
        start = time.perf_counter()
        net.train()
        out = net(x)
        loss = F.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        trained += time.perf_counter() - start
        loss_sum += loss.item() * len(idx)
        correct += (out.argmax(1) == y).sum().item()
        count += len(idx)
        if step % args.eval_every == 0 or step == args.steps:
            test_loss, acc = evaluate()
            print(f"step {step:6d}  train loss {loss_sum / count:.4f}  accuracy {correct / count:.4f}  "
                  f"test loss {test_loss:.4f}  accuracy {acc:.4f}  ({trained:.1f} s)", flush=True)
            loss_sum = correct = count = 0
    if args.steps == 0:
        test_loss, acc = evaluate()
        print(f"step      0  test loss {test_loss:.6f}  accuracy {acc:.4f}", flush=True)
    print(f"training time: {trained:.1f} s")
    print(f"test accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
