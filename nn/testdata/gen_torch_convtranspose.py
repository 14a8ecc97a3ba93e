"""Regenerate torch_convtranspose.json, the PyTorch reference numbers that
nn/convtranspose_test.go pins nn.ConvTranspose2d to.

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_convtranspose.py

It needs PyTorch (Debian's python3-torch 1.13, hence /usr/bin/python3) and
writes torch_convtranspose.json next to this script. The output is
deterministic: a fixed torch seed, every input, weight, bias and upstream
gradient rounded to four decimals (so that it reads back into Go exactly).

Each case builds nn.ConvTranspose2d(in, out, kernel, stride, padding,
output_padding, groups, bias, dilation), records what PyTorch's default
initialization uses — the fan-in torch.nn.init._calculate_fan_in_and_fan_out
computes for the weight and the bound 1/sqrt(fan_in) of the weights
(kaiming_uniform with a=sqrt(5)) and of the bias — and the state_dict's keys
and shapes; then it overwrites the parameters with rounded values (the
"committed weights"), draws an input x and an upstream gradient g, and
records y = module(x) and, after y.backward(g), the gradients of x, the
weight and the bias, in float64 and in float32 (module.to(dtype) on the same
rounded numbers).
"""

import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "ops", "testdata"))
import torchref as R  # noqa: E402

torch.manual_seed(20261219)


def case(name, cin, cout, kernel, shape, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1):
    m = nn.ConvTranspose2d(cin, cout, kernel, stride, padding, output_padding, groups, bias, dilation).double()
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
    # The init's actual bound, the largest |w| kaiming_uniform(a=√5) can draw.
    gain = nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    bound = gain * math.sqrt(3.0 / fan_in)
    assert abs(bound - 1 / math.sqrt(fan_in)) < 1e-12
    assert m.weight.abs().max().item() <= bound
    if bias:
        assert m.bias.abs().max().item() <= 1 / math.sqrt(fan_in)
    state = {k: list(v.shape) for k, v in m.state_dict().items()}
    w = R.randn(*m.weight.shape, scale=0.5)
    b = R.randn(cout, scale=0.5) if bias else None
    x = R.randn(*shape)
    pair = lambda v: list(v) if isinstance(v, tuple) else [v, v]
    c = {"name": name, "in_channels": cin, "out_channels": cout, "kernel_size": pair(kernel),
         "stride": pair(stride), "padding": pair(padding), "output_padding": pair(output_padding),
         "groups": groups, "bias": bias, "dilation": pair(dilation),
         "fan_in": fan_in, "bound": bound, "state": state,
         "weight": R.flat(w), "bias_value": R.flat(b) if bias else None,
         "shape": list(shape), "input": R.flat(x)}
    for dt, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        with torch.no_grad():
            m.weight.copy_(w)
            if bias:
                m.bias.copy_(b)
        md = m.to(dt)
        md.zero_grad()
        xi = x.to(dt).clone().requires_grad_(True)
        y = md(xi)
        if key == "float64":
            g = R.upstream(*y.shape)
            c["upstream"] = R.flat(g)
            c["output_shape"] = list(y.shape)
        y.backward(g.to(dt))
        c[key] = {"output": R.flat_result(y, dt), "grad_input": R.flat_result(xi.grad, dt),
                  "grad_weight": R.flat_result(md.weight.grad, dt),
                  "grad_bias": R.flat_result(md.bias.grad, dt) if bias else None}
        m = md.double()
    return c


def cases():
    return [
        case("defaults", 2, 3, 3, [2, 2, 4, 3]),
        case("stride2_padding1_output_padding1", 3, 2, 3, [1, 3, 3, 4], stride=2, padding=1, output_padding=1),
        case("rect_kernel_no_bias", 2, 4, (2, 3), [1, 2, 3, 3], stride=(2, 1), padding=(0, 1), bias=False),
        case("groups2_dilation2", 4, 6, 2, [1, 4, 3, 3], groups=2, dilation=2),
        case("groups2_stride3_output_padding2", 2, 4, 3, [2, 2, 2, 3], stride=3, output_padding=(2, 1), groups=2),
    ]


def main():
    cs = cases()
    head = {"generator": "nn/testdata/gen_torch_convtranspose.py", "torch_version": torch.__version__}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_convtranspose.json")
    n = R.write(path, head, {"cases": cs})
    print(f"wrote {len(cs)} cases to {path} ({n} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
