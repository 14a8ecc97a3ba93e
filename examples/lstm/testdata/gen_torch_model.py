"""Writes torch_model.json: the logits, mean cross-entropy loss and the loss's
gradient for every parameter of examples/pytorch/lstm.py's SeqClassifier, for
model_reference_test.go. Regenerate from the repository's root with

    /usr/bin/python3 examples/lstm/testdata/gen_torch_model.py

Each case is a small model (rows of 5 pixels, 4 rows, hidden 3, 4 classes)
with PyTorch's initialization from torch.manual_seed(case index), a batch of
two images with pixel values in [-255, 255] (mean-subtracted pixels) and
labels; values and gradients in float64, stored as lists in state_dict
order."""

import json
import os
import sys

import torch
import torch.nn.functional as F

root = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(root, "..", "..", "pytorch"))
from lstm import SeqClassifier  # noqa: E402

torch.set_default_dtype(torch.float64)
cases = []
for i, (cell, layers) in enumerate([("lstm", 1), ("lstm", 2), ("gru", 1), ("gru", 2)]):
    torch.manual_seed(i)
    net = SeqClassifier(cell, 5, 3, layers, 4)
    x = torch.rand(2, 1, 4, 5) * 510 - 255
    labels = torch.tensor([1, 3])
    out = net(x)
    loss = F.cross_entropy(out, labels)
    loss.backward()
    cases.append(dict(
        name=f"{cell}-{layers}", cell=cell, layers=layers, hidden=3, classes=4,
        input_shape=list(x.shape), input=x.flatten().tolist(), labels=labels.tolist(),
        params=[dict(name=n, shape=list(p.shape), value=p.detach().flatten().tolist(),
                     grad=p.grad.flatten().tolist()) for n, p in net.named_parameters()],
        logits=out.detach().flatten().tolist(), loss=loss.item()))
with open(os.path.join(root, "torch_model.json"), "w") as f:
    json.dump(dict(generator="examples/lstm/testdata/gen_torch_model.py", torch_version=torch.__version__,
                   cases=cases), f, indent=1)
    f.write("\n")
