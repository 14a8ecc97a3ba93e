"""Sequential Fashion-MNIST in PyTorch: the twin of tapegrad's examples/lstm.

    /usr/bin/python3 examples/pytorch/lstm.py --dataset-dir /usr/share/datasets/fashion-mnist --seed 1

Each 28x28 image is read as 28 steps of 28 pixels by an nn.LSTM (--cell gru:
nn.GRU), batch first, hidden size --hidden (128), --layers (1); the last
layer's final hidden state goes through nn.Linear to the 10 classes. Inputs
are the course's preprocessing (raw pixels minus the mean training image)
scaled by 1/255 in the model. PyTorch's default initialization, as tapegrad's
nn.NewLSTM, nn.NewGRU and nn.NewLinear draw it.

The recipe is examples/lstm's: Adam, lr 1e-3, batch 128, --epochs 2 passes
over a fresh random order of the training set (the last batch of each epoch
short), the gradients' joint 2-norm clipped to --clip 1.0 by
torch.nn.utils.clip_grad_norm_ after every backward pass, and an evaluation
on the whole test set after every epoch. It prints one line per evaluation
and, last, the training wall time (evaluations excluded) and
"test accuracy: 0.xxxx", as examples/pytorch/course.py does, so
examples/run_lstm.sh parses both. Threads are set to the machine's core count.

The module's state_dict keys (rnn.weight_ih_l0, ..., fc.weight, fc.bias) are
those of the Go trainer's checkpoint: --load reads one with strict=True
before training; with --epochs 0 it is only evaluated.
"""

import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from course import load, read_safetensors  # noqa: E402  (one of everything)


class SeqClassifier(nn.Module):
    """Reads N x 1 x H x W images as N sequences of H rows of W pixels."""

    def __init__(self, cell, inputs, hidden, layers, classes):
        super().__init__()
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn(inputs, hidden, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        seq = x.flatten(1, 2) / 255  # N x H x W; the channel is 1
        _, state = self.rnn(seq)
        h_n = state[0] if isinstance(self.rnn, nn.LSTM) else state
        return self.fc(h_n[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--clip", type=float, default=1.0, help="max_norm of clip_grad_norm_; 0: no clipping")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--load", metavar="PATH", help="start from this tapegrad checkpoint (strict state_dict load)")
    args = ap.parse_args()
    for name in ("hidden", "layers", "batch"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} {getattr(args, name)}: want at least 1")
    if args.epochs < 0 or not args.lr > 0 or not args.clip >= 0:
        ap.error("--epochs, --lr and --clip: want epochs >= 0, lr > 0, clip >= 0")

    torch.manual_seed(args.seed)
    torch.set_num_threads(os.cpu_count())
    xtr, ytr = load(args.dataset_dir, "train")
    xte, yte = load(args.dataset_dir, "t10k")
    mean = xtr.mean(dim=0, keepdim=True)  # the course's mean training image
    xtr, xte = xtr - mean, xte - mean

    net = SeqClassifier(args.cell, xtr.shape[3], args.hidden, args.layers, 10)
    if args.load:
        net.load_state_dict(read_safetensors(args.load), strict=True)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)

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
    trained, step, acc = 0.0, 0, 0.0
    for _ in range(args.epochs):
        loss_sum = correct = count = 0
        perm = torch.randperm(len(xtr), generator=g)
        for pos in range(0, len(perm), args.batch):
            idx = perm[pos:pos + args.batch]
            step += 1
            start = time.perf_counter()
            net.train()
            out = net(xtr[idx])
            loss = F.cross_entropy(out, ytr[idx])
            opt.zero_grad()
            loss.backward()
            if args.clip > 0:
                nn.utils.clip_grad_norm_(net.parameters(), max_norm=args.clip)
            opt.step()
            trained += time.perf_counter() - start
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == ytr[idx]).sum().item()
            count += len(idx)
        test_loss, acc = evaluate()
        print(f"step {step:6d}  train loss {loss_sum / count:.4f}  accuracy {correct / count:.4f}  "
              f"test loss {test_loss:.4f}  accuracy {acc:.4f}  ({trained:.1f} s)", flush=True)
    if args.epochs == 0:
        test_loss, acc = evaluate()
        print(f"step      0  test loss {test_loss:.6f}  accuracy {acc:.4f}", flush=True)
    print(f"training time: {trained:.1f} s")
    print(f"test accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
