"""A checkpoint of a model using every module of issues 18 and 19, both ways.

The "zoo" is one float32 model built from every new nn module with state or
options (LayerNorm with and without bias, RMSNorm, GroupNorm, InstanceNorm2d
with affine and running statistics, Embedding with padding_idx, EmbeddingBag
in mean mode, ConvTranspose2d with stride 2, output_padding, groups and
dilation, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Upsample nearest and bilinear
with align_corners, Dropout2d, PReLU, ReflectionPad2d, Flatten, Unflatten)
with Linear, Conv2d and BatchNorm2d as glue. Zoo below is the PyTorch twin of
the Go struct zoo in nn/zoo_test.go, with the same attribute names, so that
the state_dict keys are the same. It takes an image batch (N×3×8×8) and two
token batches (N×5 indices into the Embedding, N×3 bags for the
EmbeddingBag) and returns N×5.

PyTorch 1.13 has neither nn.RMSNorm nor LayerNorm's bias=False (both came in
2.x); RMSNorm here is a small module with the parameter `weight` computing
x/sqrt(mean(x²) + eps)·weight with eps = finfo(dtype).eps, as PyTorch 2.x's,
and the bias-free LayerNorm is nn.LayerNorm with its bias set to None, which
is what 2.x's bias=False builds.

1. PyTorch → tapegrad. Builds the twin with torch's default initialization
   (the constant-initialized parameters, the norms' γ and β and PReLU's
   slopes, are then drawn at random so that a swapped or ignored one shows),
   runs three training-mode forwards so the running statistics move, and
   writes its state_dict to torch_zoo.safetensors, with its keys in order in
   the metadata ("state_dict_keys", a JSON list). Then it writes
   torch_zoo_io.safetensors: the inputs, the eval-mode output, and, in
   training mode with the Dropout2d alone in eval mode (its masks are random),
   the output, the gradient of sum(output·g) for every parameter
   ("grad.<name>") and the buffers after that forward ("after.<name>").

2. tapegrad → PyTorch. Loads tapegrad_zoo.safetensors, which tapegrad wrote
   (go test ./nn -run TestZooTapegradCheckpointGolden -update rewrites it),
   into the twin with load_state_dict(strict=True), and writes the same
   reference quantities for other inputs to tapegrad_zoo_ref.safetensors.

3. Single modules. For each variant of the new modules (and the glue ones)
   in MODULES, writes its state_dict's keys, shapes and dtypes, in order,
   and the values torch initializes deterministically, to
   torch_zoo_state_dicts.json.

nn/zoo_test.go reproduces both files' outputs, gradients and buffers in Go
without Python. Everything is float32 (a checkpoint's dtype) and seeded;
inputs are rounded to 4 decimals. The safetensors format is read and written
by hand as in torch_interop.py (whose helpers this imports). Run from the
repository root, after rewriting tapegrad_zoo.safetensors if the Go model
changed:

    /usr/bin/python3 nn/testdata/torch_zoo.py
"""

import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_interop import load, save  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 4


class RMSNorm(nn.Module):
    """PyTorch 2.x's nn.RMSNorm(normalized_shape, elementwise_affine) with
    eps=None."""

    def __init__(self, normalized_shape, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = tuple(normalized_shape)
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape))
        else:
            self.register_parameter("weight", None)

    def forward(self, x):
        dims = tuple(range(-len(self.normalized_shape), 0))
        eps = torch.finfo(x.dtype).eps
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y if self.weight is None else y * self.weight


def layer_norm_without_bias(shape):
    """PyTorch 2.x's nn.LayerNorm(shape, bias=False) in 1.13."""
    ln = nn.LayerNorm(shape)
    ln.bias = None  # leaves "bias" out of the state_dict; F.layer_norm takes None
    return ln


class Zoo(nn.Module):
    def __init__(self):
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)  # 3×8×8 → 3×10×10
        self.conv = nn.Conv2d(3, 8, 3)  # → 8×8×8
        self.bn = nn.BatchNorm2d(8)
        self.act = nn.PReLU(8)
        self.inorm = nn.InstanceNorm2d(8, affine=True, track_running_stats=True)
        self.drop = nn.Dropout2d(0.25)
        self.gnorm = nn.GroupNorm(2, 8)
        self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2)  # → 8×4×4
        self.up = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=2, output_padding=1,
                                     groups=2, dilation=2)  # → 6×8×8
        self.amax = nn.AdaptiveMaxPool2d((5, 3))  # → 6×5×3
        self.ln = nn.LayerNorm([6, 5, 3])  # over channels too, so up.bias matters
        self.near = nn.Upsample(scale_factor=2, mode="nearest")  # → 6×10×6
        self.aavg = nn.AdaptiveAvgPool2d((3, 3))  # → 6×3×3
        self.bilin = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)  # → 6×6×6
        self.flat = nn.Flatten()  # → 216
        self.fc = nn.Linear(216, 16)
        self.rms = RMSNorm([16])
        self.emb = nn.Embedding(10, 4, padding_idx=0)  # N×5 → N×5×4
        self.tok = nn.Linear(20, 16)
        self.bag = nn.EmbeddingBag(12, 16, mode="mean")  # N×3 → N×16
        self.unflat = nn.Unflatten(1, (4, 4))  # N×16 → N×4×4
        self.ln2 = layer_norm_without_bias([4])
        self.head = nn.Linear(16, 5)

    def forward(self, x, tokens, bags):
        h = self.act(self.bn(self.conv(self.pad(x))))
        h = self.gnorm(self.drop(self.inorm(h)))
        h = self.ln(self.amax(self.up(self.down(h))))
        h = self.aavg(self.near(h))
        h = self.rms(self.fc(self.flat(self.bilin(h))))
        t = self.tok(self.flat(self.emb(tokens)))
        z = self.unflat(h + t + self.bag(bags))
        return self.head(self.flat(self.ln2(z)))


def randomize_constants(model):
    """Draws the parameters torch initializes to constants."""
    with torch.no_grad():
        for m in (model.bn, model.inorm, model.gnorm, model.ln, model.ln2, model.rms):
            m.weight.uniform_(0.5, 1.5)
            if getattr(m, "bias", None) is not None:
                m.bias.uniform_(-0.5, 0.5)
        model.act.weight.uniform_(0.05, 0.5)


def inputs(gen):
    x = (torch.randn(BATCH, 3, 8, 8, generator=gen) * 1.5).round(decimals=4)
    tokens = torch.randint(0, 10, (BATCH, 5), generator=gen)
    tokens[:, 0] = 0  # the padding index in every sample
    bags = torch.randint(0, 12, (BATCH, 3), generator=gen)
    g = torch.randn(BATCH, 5, generator=gen).round(decimals=4)
    return x, tokens, bags, g


def reference(model, seed):
    """The inputs and the model's results for them, as named tensors."""
    gen = torch.Generator().manual_seed(seed)
    x, tokens, bags, g = inputs(gen)
    out = {"input": x, "tokens": tokens, "bags": bags, "g": g}
    model.eval()
    with torch.no_grad():
        out["output_eval"] = model(x, tokens, bags)
    model.train()
    model.drop.eval()  # the one random module: identity in both references
    model.zero_grad(set_to_none=True)
    y = model(x, tokens, bags)
    (y * g).sum().backward()
    out["output_train"] = y.detach()
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad
    for name, b in model.named_buffers():
        out["after." + name] = b.clone()
    return out


def pytorch_to_tapegrad():
    torch.manual_seed(20261202)
    model = Zoo()
    randomize_constants(model)
    gen = torch.Generator().manual_seed(1)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            x, tokens, bags, _ = inputs(gen)
            model(x, tokens, bags)
        model.inorm.num_batches_tracked.fill_(3)  # instance norm does not count; any value must load
    sd = model.state_dict()
    meta = {"format": "pt", "state_dict_keys": json.dumps(list(sd.keys()))}
    save(os.path.join(HERE, "torch_zoo.safetensors"), sd, meta)
    save(os.path.join(HERE, "torch_zoo_io.safetensors"), reference(model, 2),
         {"state_dict_keys": json.dumps(list(sd.keys()))})
    print(f"wrote torch_zoo.safetensors ({len(sd)} tensors) and torch_zoo_io.safetensors")


def tapegrad_to_pytorch():
    model = Zoo()
    sd = load(os.path.join(HERE, "tapegrad_zoo.safetensors"))
    want, got = sorted(model.state_dict().keys()), sorted(sd.keys())
    if want != got:
        sys.exit(f"key sets differ: missing {sorted(set(want) - set(got))}, "
                 f"unexpected {sorted(set(got) - set(want))}")
    model.load_state_dict(sd, strict=True)
    save(os.path.join(HERE, "tapegrad_zoo_ref.safetensors"), reference(model, 3),
         {"state_dict_keys": json.dumps(list(model.state_dict().keys()))})
    print(f"PyTorch loaded tapegrad_zoo.safetensors ({len(sd)} tensors) with strict=True; "
          "wrote tapegrad_zoo_ref.safetensors")


# Single modules in their variants, by the Go expression that builds the
# same module (nn/zoo_test.go's zooModules builds them under these names).
MODULES = {
    "LayerNorm([3 4])": lambda: nn.LayerNorm([3, 4]),
    "LayerNorm([3 4], elementwise_affine=False)": lambda: nn.LayerNorm([3, 4], elementwise_affine=False),
    "LayerNorm([5], bias=False)": lambda: layer_norm_without_bias([5]),
    "RMSNorm([2 3])": lambda: RMSNorm([2, 3]),
    "RMSNorm([5], elementwise_affine=False)": lambda: RMSNorm([5], elementwise_affine=False),
    "GroupNorm(2, 6)": lambda: nn.GroupNorm(2, 6),
    "GroupNorm(2, 6, affine=False)": lambda: nn.GroupNorm(2, 6, affine=False),
    "InstanceNorm2d(4)": lambda: nn.InstanceNorm2d(4),
    "InstanceNorm2d(4, affine=True)": lambda: nn.InstanceNorm2d(4, affine=True),
    "InstanceNorm2d(4, track_running_stats=True)": lambda: nn.InstanceNorm2d(4, track_running_stats=True),
    "InstanceNorm2d(4, affine=True, track_running_stats=True)":
        lambda: nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
    "BatchNorm2d(4)": lambda: nn.BatchNorm2d(4),
    "BatchNorm2d(4, affine=False)": lambda: nn.BatchNorm2d(4, affine=False),
    "BatchNorm1d(3, track_running_stats=False)": lambda: nn.BatchNorm1d(3, track_running_stats=False),
    "Embedding(7, 3)": lambda: nn.Embedding(7, 3),
    "Embedding(7, 3, padding_idx=-2, max_norm=1)": lambda: nn.Embedding(7, 3, padding_idx=-2, max_norm=1.0),
    "EmbeddingBag(7, 3, mode=max)": lambda: nn.EmbeddingBag(7, 3, mode="max"),
    "EmbeddingBag(7, 3, padding_idx=0)": lambda: nn.EmbeddingBag(7, 3, padding_idx=0),
    "ConvTranspose2d(4, 6, (2 3), groups=2)": lambda: nn.ConvTranspose2d(4, 6, (2, 3), groups=2),
    "ConvTranspose2d(4, 6, 3, bias=False)": lambda: nn.ConvTranspose2d(4, 6, 3, bias=False),
    "Conv2d(4, 6, (3 2), groups=2, bias=False)": lambda: nn.Conv2d(4, 6, (3, 2), groups=2, bias=False),
    "Linear(3, 2, bias=False)": lambda: nn.Linear(3, 2, bias=False),
    "PReLU()": lambda: nn.PReLU(),
    "PReLU(5, init=0.1)": lambda: nn.PReLU(5, init=0.1),
    "ReflectionPad2d(1)": lambda: nn.ReflectionPad2d(1),
    "ReplicationPad2d(1)": lambda: nn.ReplicationPad2d(1),
    "ZeroPad2d(1)": lambda: nn.ZeroPad2d(1),
    "ConstantPad1d(1, 2)": lambda: nn.ConstantPad1d(1, 2.0),
    "Dropout2d()": lambda: nn.Dropout2d(),
    "AdaptiveAvgPool2d(2)": lambda: nn.AdaptiveAvgPool2d(2),
    "AdaptiveMaxPool2d(2)": lambda: nn.AdaptiveMaxPool2d(2),
    "Upsample(scale_factor=2)": lambda: nn.Upsample(scale_factor=2),
    "Flatten()": lambda: nn.Flatten(),
    "Unflatten(1, (2 2))": lambda: nn.Unflatten(1, (2, 2)),
    "GELU()": lambda: nn.GELU(),
    "SiLU()": lambda: nn.SiLU(),
    "Mish()": lambda: nn.Mish(),
    "Softplus()": lambda: nn.Softplus(),
    "Hardtanh()": lambda: nn.Hardtanh(),
    "ReLU6()": lambda: nn.ReLU6(),
    "Hardswish()": lambda: nn.Hardswish(),
    "Hardsigmoid()": lambda: nn.Hardsigmoid(),
    "Softsign()": lambda: nn.Softsign(),
    "LogSigmoid()": lambda: nn.LogSigmoid(),
}


def state_dicts():
    """Writes torch_zoo_state_dicts.json: for every module of MODULES, its
    state_dict in order, each entry's key, shape and dtype, and its values
    when torch's initialization is deterministic (the same from two seeds):
    the norms' ones and zeros, running statistics, counts, PReLU's slopes."""
    cases = []
    for name, make in MODULES.items():
        torch.manual_seed(1)
        a = make().state_dict()
        torch.manual_seed(2)
        b = make().state_dict()
        entries = []
        for key, t in a.items():
            e = {"key": key, "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""),
                 "init": None}
            if torch.equal(t, b[key]):
                e["init"] = [float(v) for v in t.flatten().tolist()]
            entries.append(e)
        cases.append({"name": name, "state": entries})
    doc = {"generator": "nn/testdata/torch_zoo.py", "torch_version": torch.__version__, "cases": cases}
    lines = [json.dumps(c, separators=(",", ":")) for c in cases]
    head = json.dumps({k: doc[k] for k in ("generator", "torch_version")})[:-1]
    with open(os.path.join(HERE, "torch_zoo_state_dicts.json"), "w") as f:
        f.write(head + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n")
    print(f"wrote torch_zoo_state_dicts.json ({len(cases)} modules)")


if __name__ == "__main__":
    pytorch_to_tapegrad()
    tapegrad_to_pytorch()
    state_dicts()
