"""Bytes PyTorch keeps for backward in W2's training step, by node type.

W2 is the course's ConvNet (nn.NewConvNet: eight 3x3 convolutions with
batch norm and ReLU, five 3x3/2 max pools, a linear layer) on a batch of 32
3x32x32 images, float32, in training mode. This script builds the same
network in torch, runs the forward pass and the cross-entropy, and reports
what the autograd graph saves for backward:

  - by node type, from each node's _saved_* attributes, each storage counted
    once (under the first node, in a walk from the loss, that saves it);
  - in total, from torch.autograd.graph.saved_tensors_hooks, whose pack
    hook sees every tensor saved, counted once per storage.

Parameters are counted as tapegrad's SavedBytes counts them (a convolution
keeps its weight). Run it as

    /usr/bin/python3 autograd/testdata/torch_saved_bytes.py

It writes nothing; the numbers go into the memory report of issue 21.
"""

import collections

import torch
import torch.nn as nn
import torch.nn.functional as F


def convnet():
    layers, c = [], 3
    for out in [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0]:
        if out == 0:
            layers.append(nn.MaxPool2d(3, 2, 1))
            continue
        layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
        c = out
    layers += [nn.Flatten(), nn.Linear(c, 10)]
    return nn.Sequential(*layers)


def main():
    torch.manual_seed(0)
    model = convnet().train()
    x = torch.randn(32, 3, 32, 32)
    labels = torch.randint(0, 10, (32,))

    packed = {}

    def pack(t):
        packed[t.untyped_storage().data_ptr() if hasattr(t, "untyped_storage") else t.storage().data_ptr()] = (
            t.element_size() * t.storage().size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = F.cross_entropy(model(x), labels)

    by_type = collections.Counter()
    seen, stack, visited = set(), [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in visited:
            continue
        visited.add(node)
        for name in dir(node):
            if not name.startswith("_saved_"):
                continue
            try:
                val = getattr(node, name)
            except RuntimeError:
                continue
            for t in val if isinstance(val, (tuple, list)) else [val]:
                if not isinstance(t, torch.Tensor):
                    continue
                key = t.storage().data_ptr()
                if key in seen or t.numel() == 0:
                    continue
                seen.add(key)
                by_type[type(node).__name__] += t.element_size() * t.storage().size()
        stack.extend(f for f, _ in node.next_functions)

    mib = 1 << 20
    for name, b in sorted(by_type.items()):
        print(f"{name:28s} {b / mib:8.2f} MiB")
    print(f"{'total (by node)':28s} {sum(by_type.values()) / mib:8.2f} MiB")
    print(f"{'total (saved_tensors_hooks)':28s} {sum(packed.values()) / mib:8.2f} MiB")


if __name__ == "__main__":
    main()
