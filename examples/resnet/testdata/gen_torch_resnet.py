"""Writes torch_resnet.safetensors, the PyTorch reference for
examples/resnet's model_test.go: examples/pytorch/resnet.py's ResNet-8 of
width 4 for 3-channel 10x10 images and 10 classes (so that it has both an
identity shortcut, layer1.0, and two 1x1 projections with stride 2, layer2.0
and layer3.0, on odd sizes: 10 -> 5 -> 3), in float64 (tensors named f64.*)
and in float32 (f32.*):

  <p>.state.<name>   the state_dict the Go test loads with nn.ReadState
                     (random batch norm weights, biases and running
                     statistics, so that none of them is trivial)
  <p>.x, <p>.labels  a batch of 4 standard-normal images and their labels
  <p>.eval_logits    the logits in evaluation mode (running statistics)
  <p>.logits, <p>.loss   training mode: the logits and the mean
                     cross-entropy
  <p>.grad.<name>    every parameter's gradient of that loss
  <p>.after.<name>   every buffer after that forward pass
  <p>.final.<name>   every parameter after two steps of the trainer's SGD
                     (lr 0.1, momentum 0.9, weight decay 5e-4), the second
                     on the same batch

Run from the repository root with PyTorch 1.13 (no safetensors package
needed):

    /usr/bin/python3 examples/resnet/testdata/gen_torch_resnet.py
"""

import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples", "pytorch"))
sys.path.insert(0, os.path.join(ROOT, "nn", "testdata"))
from resnet import ResNet  # noqa: E402  (the twin itself)
from torch_interop import save  # noqa: E402  (hand-written safetensors)


def case(prefix, dtype, out):
    torch.manual_seed(20261203)
    net = ResNet(8, 4, 3, 10).to(dtype)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(3)
    for name, t in net.state_dict().items():
        out[f"{prefix}.state.{name}"] = t.clone()
    x = torch.randn(4, 3, 10, 10, dtype=dtype)
    labels = torch.randint(0, 10, (4,))
    out[f"{prefix}.x"], out[f"{prefix}.labels"] = x, labels

    net.eval()
    with torch.no_grad():
        out[f"{prefix}.eval_logits"] = net(x)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    logits = net(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out[f"{prefix}.logits"], out[f"{prefix}.loss"] = logits.detach(), loss.detach().reshape(1)
    for name, p in net.named_parameters():
        out[f"{prefix}.grad.{name}"] = p.grad.clone()
    for name, b in net.named_buffers():
        out[f"{prefix}.after.{name}"] = b.clone()
    opt.step()
    opt.zero_grad()
    F.cross_entropy(net(x), labels).backward()
    opt.step()
    for name, p in net.named_parameters():
        out[f"{prefix}.final.{name}"] = p.detach().clone()


def main():
    out = {}
    case("f64", torch.float64, out)
    case("f32", torch.float32, out)
    path = os.path.join(HERE, "torch_resnet.safetensors")
    save(path, out)
    print(f"wrote {len(out)} tensors to {path}")


if __name__ == "__main__":
    main()
