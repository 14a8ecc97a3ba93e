"""Regenerate torch_unbatched.json, the PyTorch reference numbers that
nn/unbatched_test.go pins the modules' unbatched inputs and nn.Upsample's
1-d interpolation to.

Run it from the repository root:

    /usr/bin/python3 nn/testdata/gen_torch_unbatched.py

It needs PyTorch (Debian's python3-torch 1.13, hence /usr/bin/python3) and
writes torch_unbatched.json next to this script. The output is
deterministic: a fixed torch seed, every input, parameter, buffer and
upstream gradient rounded to four decimals (so that it reads back into Go
exactly).

Each case builds one torch.nn module from "args" (its constructor's
keyword arguments under PyTorch's names; "scalar_scale" says that
nn.Upsample got one scale factor for every axis rather than a tuple),
overwrites its parameters ("params") and buffers ("buffers") with rounded
values under their state_dict names, and makes one or more calls: in
training or evaluation mode, y = module(x) with y.backward(g) for a random
upstream g. Every call records, in float64 and in float32 (module.to(dtype)
on the same rounded numbers, gradients zeroed before each call), the
output, the input gradient, every parameter's gradient, the buffers after
the call and, for the max pooling modules with return_indices=True, the
indices. The cases are the unbatched C×H×W inputs PyTorch 1.13 takes in
Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d,
AdaptiveMaxPool2d, InstanceNorm2d (running statistics updated as for a
batch of one) and the padding modules, and nn.Upsample on N×C×L inputs
(1-d interpolation, modes nearest and linear; recompute_scale_factor;
infinite inputs, which nearest copies).
"""

import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "ops", "testdata"))
import torchref as R  # noqa: E402

torch.manual_seed(20261202)


def build(module, a):
    """The torch module that args a describe."""
    if module == "Conv2d":
        return nn.Conv2d(a["in_channels"], a["out_channels"], a["kernel_size"], a["stride"], a["padding"],
                         a["dilation"], a["groups"], a["bias"])
    if module == "ConvTranspose2d":
        return nn.ConvTranspose2d(a["in_channels"], a["out_channels"], a["kernel_size"], a["stride"], a["padding"],
                                  a["output_padding"], a["groups"], a["bias"], a["dilation"])
    if module == "MaxPool2d":
        return nn.MaxPool2d(a["kernel_size"], a["stride"], a["padding"], a["dilation"], a["return_indices"],
                            a["ceil_mode"])
    if module == "AvgPool2d":
        return nn.AvgPool2d(a["kernel_size"], a["stride"], a["padding"], a["ceil_mode"], a["count_include_pad"],
                            a["divisor_override"])
    if module == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(tuple(a["output_size"]))
    if module == "AdaptiveMaxPool2d":
        return nn.AdaptiveMaxPool2d(tuple(a["output_size"]), a["return_indices"])
    if module == "InstanceNorm2d":
        return nn.InstanceNorm2d(a["num_features"], a["eps"], a["momentum"], a["affine"], a["track_running_stats"])
    if module == "Upsample":
        size = None if a["size"] is None else tuple(a["size"])
        scale = a["scale_factor"]
        if scale is not None:
            scale = scale[0] if a["scalar_scale"] else tuple(scale)
        return nn.Upsample(size, scale, a["mode"], a["align_corners"], a["recompute_scale_factor"])
    if module == "ConstantPad2d":
        return nn.ConstantPad2d(tuple(a["padding"]), a["value"])
    if module == "ZeroPad2d":
        return nn.ZeroPad2d(tuple(a["padding"]))
    if module == "ReflectionPad2d":
        return nn.ReflectionPad2d(tuple(a["padding"]))
    if module == "ReplicationPad2d":
        return nn.ReplicationPad2d(tuple(a["padding"]))
    raise ValueError(module)


def case(name, module, args, calls, params=None, buffers=None, x_kind="randn"):
    """calls: (training, input shape, or a given input tensor) per call."""
    m = build(module, args).double()
    params = params or {}
    buffers = buffers or {}
    pv = {k: R.randn(*p.shape, scale=0.5) if params.get(k) is None else params[k] for k, p in m.named_parameters()}
    bv = {k: buffers[k] for k, _ in m.named_buffers() if k in buffers}
    c = {"name": name, "module": module, "args": args,
         "params": {k: R.flat(v) for k, v in pv.items()},
         "buffers": {k: R.flat(v) for k, v in bv.items()}, "calls": []}
    xs = []
    for training, shape in calls:
        if torch.is_tensor(shape):
            x = shape
        elif x_kind == "distinct":
            x = R.distinct(*shape)
        else:
            x = R.randn(*shape)
        xs.append((training, x))
        c["calls"].append({"training": training, "shape": list(x.shape), "input": R.flat(x)})
    for dt, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        md = build(module, args).to(dt)
        with torch.no_grad():
            for k, p in md.named_parameters():
                p.copy_(pv[k])
            for k, b in md.named_buffers():
                if k in bv:
                    b.copy_(bv[k])
        for call, (training, x) in zip(c["calls"], xs):
            md.train(training)
            md.zero_grad()
            xi = x.to(dt).clone().requires_grad_(True)
            y = md(xi)
            idx = None
            if isinstance(y, tuple):
                y, idx = y
            if key == "float64":
                g = R.upstream(*y.shape)
                call["upstream"] = R.flat(g)
                call["output_shape"] = list(y.shape)
            else:
                g = torch.tensor(call["upstream"], dtype=torch.float64).reshape(call["output_shape"])
            y.backward(g.to(dt))
            call[key] = {"output": R.flat_result(y, dt), "grad_input": R.flat_result(xi.grad, dt),
                         "grad_params": {k: R.flat_result(p.grad, dt) for k, p in md.named_parameters()},
                         "buffers": {k: R.flat_result(b.to(dt), dt) if b.is_floating_point() else b.reshape(-1).tolist()
                                     for k, b in md.named_buffers()},
                         "indices": None if idx is None else idx.reshape(-1).tolist()}
    return c


def conv(cin, cout, k, stride=1, padding=0, dilation=1, groups=1, bias=True, output_padding=None):
    pair = lambda v: list(v) if isinstance(v, tuple) else [v, v]
    a = {"in_channels": cin, "out_channels": cout, "kernel_size": pair(k), "stride": pair(stride),
         "padding": pair(padding), "dilation": pair(dilation), "groups": groups, "bias": bias}
    if output_padding is not None:
        a["output_padding"] = pair(output_padding)
    return a


def pool(k, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False,
         count_include_pad=True, divisor_override=None, avg=False):
    pair = lambda v: list(v) if isinstance(v, tuple) else [v, v]
    a = {"kernel_size": pair(k), "stride": pair(k if stride is None else stride), "padding": pair(padding),
         "ceil_mode": ceil_mode}
    if avg:
        a.update(count_include_pad=count_include_pad, divisor_override=divisor_override)
    else:
        a.update(dilation=pair(dilation), return_indices=return_indices)
    return a


def instance_norm(c, affine=False, track=False, momentum=0.1, eps=1e-5):
    return {"num_features": c, "eps": eps, "momentum": momentum, "affine": affine, "track_running_stats": track}


def upsample(size=None, scale=None, mode="nearest", align=None, recompute=None, scalar=False):
    return {"size": size, "scale_factor": scale, "scalar_scale": scalar, "mode": mode, "align_corners": align,
            "recompute_scale_factor": recompute}


def cases():
    inf = float("inf")
    C = [
        # Convolutions on C×H×W.
        case("conv2d_unbatched", "Conv2d", conv(2, 3, 3, stride=2, padding=1), [(True, (2, 5, 6))]),
        case("conv2d_unbatched_groups2_dilation2_no_bias", "Conv2d",
             conv(4, 2, (2, 3), dilation=2, groups=2, bias=False), [(True, (4, 5, 7))]),
        case("conv_transpose2d_unbatched", "ConvTranspose2d",
             conv(2, 3, 3, stride=2, padding=1, output_padding=1), [(True, (2, 3, 4))]),
        case("conv_transpose2d_unbatched_groups2_no_bias", "ConvTranspose2d",
             conv(4, 2, 2, stride=(1, 2), groups=2, bias=False, output_padding=(0, 1)), [(True, (4, 2, 3))]),
        # Pooling on C×H×W.
        case("max_pool2d_unbatched_indices_ceil", "MaxPool2d",
             pool(3, stride=2, padding=1, ceil_mode=True, return_indices=True), [(True, (2, 6, 7))], x_kind="distinct"),
        case("max_pool2d_unbatched_dilation2", "MaxPool2d", pool(2, stride=1, dilation=2), [(True, (3, 5, 5))],
             x_kind="distinct"),
        case("avg_pool2d_unbatched_exclude_pad_ceil", "AvgPool2d",
             pool(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False, avg=True), [(True, (2, 6, 7))]),
        case("avg_pool2d_unbatched_divisor_override", "AvgPool2d",
             pool((2, 3), stride=(2, 1), divisor_override=4, avg=True), [(True, (3, 4, 5))]),
        case("adaptive_avg_pool2d_unbatched_none_w", "AdaptiveAvgPool2d", {"output_size": [2, None]},
             [(True, (3, 5, 6))]),
        case("adaptive_avg_pool2d_unbatched_larger", "AdaptiveAvgPool2d", {"output_size": [4, 3]}, [(True, (2, 3, 2))]),
        case("adaptive_max_pool2d_unbatched_none_h_indices", "AdaptiveMaxPool2d",
             {"output_size": [None, 3], "return_indices": True}, [(True, (3, 4, 7))], x_kind="distinct"),
        case("adaptive_max_pool2d_unbatched_indices", "AdaptiveMaxPool2d",
             {"output_size": [3, 2], "return_indices": True}, [(True, (2, 5, 5))], x_kind="distinct"),
        # Instance norm on C×H×W: input statistics; affine with running
        # statistics updated in training (as for N = 1), then used in
        # evaluation; running statistics given, evaluation first.
        case("instance_norm2d_unbatched", "InstanceNorm2d", instance_norm(3), [(True, (3, 4, 5))]),
        case("instance_norm2d_unbatched_affine_track", "InstanceNorm2d",
             instance_norm(3, affine=True, track=True, momentum=0.2),
             [(True, (3, 4, 5)), (True, (3, 3, 3)), (False, (3, 2, 4))],
             params={"weight": R.positive(3)}),
        case("instance_norm2d_unbatched_track_eval_first", "InstanceNorm2d",
             instance_norm(2, track=True, eps=1e-3),
             [(False, (2, 3, 3)), (True, (2, 4, 2))],
             buffers={"running_mean": R.randn(2), "running_var": R.positive(2)}),
        case("instance_norm2d_batched_track", "InstanceNorm2d", instance_norm(3, affine=True, track=True),
             [(True, (2, 3, 4, 4)), (False, (1, 3, 2, 3))]),
        # Padding modules on C×H×W.
        case("constant_pad2d_unbatched", "ConstantPad2d", {"padding": [1, 0, 2, -1], "value": 1.5}, [(True, (2, 3, 4))]),
        case("zero_pad2d_unbatched", "ZeroPad2d", {"padding": [0, 2, 1, 1]}, [(True, (2, 3, 3))]),
        case("reflection_pad2d_unbatched", "ReflectionPad2d", {"padding": [2, 1, 1, 2]}, [(True, (2, 3, 4))]),
        case("replication_pad2d_unbatched", "ReplicationPad2d", {"padding": [3, 0, 1, 2]}, [(True, (2, 2, 3))]),
        # nn.Upsample on N×C×L: 1-d interpolation.
        case("upsample1d_nearest_size7", "Upsample", upsample(size=[7]), [(True, (2, 2, 4))]),
        case("upsample1d_nearest_size_same_and_double", "Upsample", upsample(size=[8]), [(True, (1, 2, 4))]),
        case("upsample1d_nearest_size_shrink", "Upsample", upsample(size=[3]), [(True, (1, 2, 8))]),
        case("upsample1d_nearest_scale2_scalar", "Upsample", upsample(scale=[2.0], scalar=True), [(True, (2, 1, 3))]),
        case("upsample1d_nearest_scale1.7", "Upsample", upsample(scale=[1.7]), [(True, (1, 2, 5))]),
        case("upsample1d_nearest_scale0.45", "Upsample", upsample(scale=[0.45]), [(True, (1, 1, 11))]),
        case("upsample1d_nearest_scale1.7_recompute", "Upsample", upsample(scale=[1.7], recompute=True),
             [(True, (1, 2, 5))]),
        case("upsample1d_linear_size7", "Upsample", upsample(size=[7], mode="linear"), [(True, (2, 2, 4))]),
        case("upsample1d_linear_size_shrink", "Upsample", upsample(size=[3], mode="linear"), [(True, (1, 2, 8))]),
        case("upsample1d_linear_scale2.1", "Upsample", upsample(scale=[2.1], mode="linear"), [(True, (1, 2, 3))]),
        case("upsample1d_linear_scale1.7_scalar", "Upsample", upsample(scale=[1.7], mode="linear", scalar=True),
             [(True, (1, 1, 5))]),
        case("upsample1d_linear_scale0.6_recompute", "Upsample",
             upsample(scale=[0.6], mode="linear", recompute=True), [(True, (2, 1, 7))]),
        case("upsample1d_linear_to_1", "Upsample", upsample(size=[1], mode="linear"), [(True, (1, 1, 4))]),
        case("upsample1d_linear_from_1", "Upsample", upsample(size=[3], mode="linear"), [(True, (1, 2, 1))]),
        case("upsample1d_linear_align_size7", "Upsample", upsample(size=[7], mode="linear", align=True),
             [(True, (2, 1, 4))]),
        case("upsample1d_linear_align_scale2.5", "Upsample", upsample(scale=[2.5], mode="linear", align=True),
             [(True, (1, 2, 3))]),
        case("upsample1d_linear_align_to_1", "Upsample", upsample(size=[1], mode="linear", align=True),
             [(True, (1, 1, 4))]),
        case("upsample1d_nearest_inf", "Upsample", upsample(size=[5]),
             [(True, torch.tensor([inf, 1.0, -inf, 2.0], dtype=torch.float64).reshape(1, 1, 4))]),
        case("upsample1d_linear_inf", "Upsample", upsample(size=[3], mode="linear"),
             [(True, torch.tensor([inf, 1.0], dtype=torch.float64).reshape(1, 1, 2))]),
        # nn.Upsample on N×C×H×W: recompute_scale_factor, and nearest keeps
        # infinities.
        case("upsample2d_bilinear_scale1.7x2.3_recompute", "Upsample",
             upsample(scale=[1.7, 2.3], mode="bilinear", recompute=True), [(True, (1, 2, 3, 4))]),
        case("upsample2d_nearest_scale0.6x1.45_recompute", "Upsample",
             upsample(scale=[0.6, 1.45], recompute=True), [(True, (1, 1, 7, 5))]),
        case("upsample2d_nearest_inf", "Upsample", upsample(size=[3, 3]),
             [(True, torch.tensor([inf, 1.0, 2.0, -inf], dtype=torch.float64).reshape(1, 1, 2, 2))]),
    ]
    return C


def main():
    cs = cases()
    head = {"generator": "nn/testdata/gen_torch_unbatched.py", "torch_version": torch.__version__}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_unbatched.json")
    n = R.write(path, head, {"cases": cs})
    print(f"wrote {len(cs)} cases to {path} ({n} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
