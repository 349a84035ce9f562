"""Exports torchvision architectures to ONNX with PyTorch's own logits and input gradients, the reference the
ONNX -> SameDiff import is checked against (issue 5).

Usage (Debian's python3-torch and python3-torchvision):
    /usr/bin/python3 export_onnx_fixtures.py OUT_DIR [ARCH ...]

For each architecture it writes, in OUT_DIR:
    ARCH.onnx       the model (random initialisation, seed 0; eval mode; BatchNorm statistics randomised so that
                    folding them is exercised), opset 13, dynamic batch axis;
    ARCH.ref.json   input shape, class targets, and the names of the binary files below;
    ARCH.input.f32  inputs x, little-endian float32, N x 3 x H x W (seed 1);
    ARCH.logits.f32 PyTorch's logits f(x), N x classes, computed in float32 on one thread;
    ARCH.grad.f32   PyTorch's gradients d logit_target / dx, N x 3 x H x W, likewise;
    ARCH.logits.f64.f64, ARCH.grad.f64.f64  the same computed in float64 (stored as float64);
    and in ARCH.ref.json, the gradient's measured sensitivity to float32 rounding (see rounding_sensitivity).

Besides the torchvision architectures (exported as users do, so the exporter folds BatchNorm into the
convolutions), "resnet18_bn" is ResNet-18 exported with its BatchNormalization nodes kept (the exporter fuses
Conv+BatchNorm only in eval mode, so the model is exported in training mode with every BatchNorm computing its
inference form; the import folds them itself) and "opzoo" is a small network that uses every other operator of the import's set (LeakyRelu,
Sigmoid, HardSigmoid, HardSwish, Clip, padded/dilated/grouped/depthwise convolutions, max pooling with
padding and ceil_mode on signed inputs, average pooling with and without counted padding, squeeze-and-excitation
Mul, Concat, standalone BatchNorm on 4-D and 2-D activations, Reshape, MatMul + Add, constants, Dropout) and ends
in a Softmax, which the import strips: its reference logits are the Softmax's input.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class OpZoo(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2, bias=False)
        self.dw = nn.Conv2d(16, 32, 3, stride=2, padding=1, groups=16)
        self.pw = nn.Conv2d(32, 8, 1)
        self.se1 = nn.Conv2d(32, 4, 1)
        self.se2 = nn.Conv2d(4, 32, 1)
        self.conv3 = nn.Conv2d(40, 12, (3, 2), stride=(2, 1))
        self.bn2 = nn.BatchNorm2d(40)
        self.fc1 = nn.Linear(12 * 2 * 4, 32, bias=False)
        self.bn3 = nn.BatchNorm1d(32)
        self.w2 = nn.Parameter(torch.randn(32, classes) * 0.2)
        self.b2 = nn.Parameter(torch.randn(classes) * 0.1)
        self.drop = nn.Dropout(0.5)
        self.probabilities = True

    def forward(self, x):
        x = F.leaky_relu(self.bn1(self.conv1(x)), 0.1)
        y = F.max_pool2d(self.conv2(x), 3, stride=1, padding=1)                  # signed input, padded
        y = F.max_pool2d(y, 3, stride=2, ceil_mode=True)                           # a partial last window
        x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        x = torch.cat([torch.sigmoid(x) * 2 - 1, F.hardtanh(y, -0.5, 1.5)], 1)   # 16 channels
        x = F.hardswish(self.dw(x))
        s = F.hardsigmoid(self.se2(F.relu6(self.se1(F.adaptive_avg_pool2d(x, 1)))))
        x = x * s
        x = torch.cat([x, self.pw(x)], 1)                                          # 40 channels
        x = self.bn2(x)
        x = F.avg_pool2d(x, 2, stride=1, padding=1, count_include_pad=True)
        x = F.max_pool2d(F.relu(self.conv3(x)), 2, ceil_mode=True)
        x = self.drop(x.reshape(-1, 12 * 2 * 4))
        x = torch.sigmoid(self.bn3(self.fc1(x))) * 1.5 + 0.25
        x = x @ self.w2 + self.b2
        return torch.softmax(x, dim=1) if self.probabilities else x


ARCHS = {
    "resnet18": lambda: torchvision.models.resnet18(num_classes=10),
    "resnet50": lambda: torchvision.models.resnet50(num_classes=10),
    "vgg11": lambda: torchvision.models.vgg11(num_classes=10),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(num_classes=10),
    "squeezenet1_1": lambda: torchvision.models.squeezenet1_1(num_classes=10),
    "densenet121": lambda: torchvision.models.densenet121(num_classes=10),
    "resnet18_bn": lambda: torchvision.models.resnet18(num_classes=10),
    "opzoo": OpZoo,
    "tiny": lambda: tiny(),
    # Transformer-era architectures (issue 15) in small configurations of torchvision's own classes, so the export
    # takes the code paths of vit_b_16, convnext_tiny and swin_t at a test's cost; "_17" exports at opset 17
    # (LayerNormalization as one operator).
    "vit": lambda: vit(),
    "vit_17": lambda: vit(),
    "convnext": lambda: convnext(),
    "convnext_17": lambda: convnext(),
    "swin": lambda: swin(),
    "swin_17": lambda: swin(),
    # The other torchvision families named by issue 15, small configurations of their own classes.
    "regnet": lambda: regnet(),
    "shufflenet": lambda: torchvision.models.shufflenetv2.ShuffleNetV2([1, 1, 1], [8, 16, 32, 64, 128], num_classes=10),
    "efficientnet": lambda: efficientnet(),
    "efficientnet_v2": lambda: efficientnet_v2(),
    "mobilenet_v3": lambda: torchvision.models.mobilenet_v3_small(width_mult=0.5, num_classes=10),
    "maxvit": lambda: torchvision.models.maxvit.MaxVit(input_size=(32, 32), stem_channels=8, partition_size=2,
                                                       block_channels=[8, 16], block_layers=[1, 1], head_dim=4,
                                                       stochastic_depth_prob=0.0, num_classes=10),
}
SIZE = {"vgg11": 224, "squeezenet1_1": 96, "opzoo": 32, "tiny": 32, "vit": 32, "vit_17": 32, "convnext": 32,
        "convnext_17": 32, "swin": 32, "swin_17": 32, "maxvit": 32}
CLASSES = {"tiny": 3}
KEEP_BATCHNORM = {"resnet18_bn"}
TRANSFORMERS = {"vit", "vit_17", "convnext", "convnext_17", "swin", "swin_17", "maxvit"}
MODERN = TRANSFORMERS | {"regnet", "shufflenet", "efficientnet", "efficientnet_v2", "mobilenet_v3"}
CALIBRATED = {"regnet", "shufflenet", "efficientnet", "efficientnet_v2", "mobilenet_v3", "maxvit"}


def tiny():
    """A small CNN with three classes for the end-to-end job tests (32 x 32 inputs)."""
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(16, 3))


def vit():
    from torchvision.models.vision_transformer import VisionTransformer
    return VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32,
                             num_classes=10)


def convnext():
    from torchvision.models.convnext import ConvNeXt, CNBlockConfig
    return ConvNeXt([CNBlockConfig(8, 16, 2), CNBlockConfig(16, None, 1)], num_classes=10)


def swin():
    from torchvision.models.swin_transformer import SwinTransformer
    return SwinTransformer(patch_size=[2, 2], embed_dim=8, depths=[2, 2], num_heads=[2, 2], window_size=[4, 4],
                           num_classes=10)


def regnet():
    from torchvision.models.regnet import RegNet, BlockParams
    return RegNet(BlockParams.from_init_params(depth=3, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25),
                  num_classes=10, stem_width=8)


def efficientnet():
    from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf
    settings, last = _efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.25)
    return EfficientNet(settings, 0.2, num_classes=10, last_channel=last)


def efficientnet_v2():
    from torchvision.models.efficientnet import EfficientNet, FusedMBConvConfig, MBConvConfig
    settings = [FusedMBConvConfig(1, 3, 1, 8, 8, 1), FusedMBConvConfig(4, 3, 2, 8, 16, 1),
                MBConvConfig(4, 3, 2, 16, 24, 1)]
    return EfficientNet(settings, 0.2, num_classes=10, last_channel=64)


def calibrate_batchnorm(model, size, generator):
    """BatchNorm statistics measured on random inputs, as training leaves them: with random statistics the deep
    EfficientNet and MobileNetV3 stacks shrink the input gradient to 1e-11, too small to make a test of."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(8, 3, size, size, generator=generator))


def randomise_transformer(model, generator):
    """Random non-trivial values for what torchvision initialises to constants (LayerNorm gamma and beta, zero
    biases, ConvNeXt's layer scale, zero position embeddings and class token, the relative-position table, ViT's zero
    head, std-0.02 linear layers), so that every parameter's path is exercised and the input gradients are of ordinary
    size."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2 and p.abs().max() == 0:      # ViT's zero-initialised head
                p.copy_(0.2 * torch.randn(p.shape, generator=generator))
            elif p.dim() == 2 and p.std() < 0.05:        # timm-style std-0.02 linear layers (Swin, MaxViT)
                p.mul_(0.2 / p.std())
            elif p.dim() <= 1 or "token" in name or "pos_embedding" in name or "relative_position" in name or "layer_scale" in name:
                base = 1.0 if name.endswith("weight") and p.dim() == 1 else 0.0
                p.copy_(base + 0.2 * torch.randn(p.shape, generator=generator))


def inference_batchnorm(model):
    """Makes every BatchNorm compute its inference form whatever the module's mode."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.forward = (lambda bn: lambda x: F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                                                           False, 0.0, bn.eps))(m)


def logits_of(model, x):
    """The logits the import explains: for a model ending in Softmax, the Softmax's input."""
    if isinstance(model, OpZoo):
        model.probabilities = False
    return model(x)


def randomise_batchnorm(model, generator):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=generator))
                m.weight.copy_(1 + 0.1 * torch.randn(m.weight.shape, generator=generator))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=generator))


def export(arch, out):
    torch.manual_seed(0)
    model = ARCHS[arch]()
    randomise_batchnorm(model, torch.Generator().manual_seed(2))
    if arch in TRANSFORMERS:
        randomise_transformer(model, torch.Generator().manual_seed(4))
    if arch in CALIBRATED:
        calibrate_batchnorm(model, SIZE.get(arch, 64), torch.Generator().manual_seed(5))
    model.eval()
    mode = torch.onnx.TrainingMode.EVAL
    if arch in KEEP_BATCHNORM:
        inference_batchnorm(model)
        model.train()
        mode = torch.onnx.TrainingMode.PRESERVE
    size = SIZE.get(arch, 64)
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    targets = [3, 7] if arch not in CLASSES else [0, 2]
    torch.onnx.export(model, x, os.path.join(out, arch + ".onnx"), opset_version=17 if arch.endswith("_17") else 13,
                      input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}},
                      training=mode)
    names = {"input": arch + ".input.f32"}
    x.contiguous().numpy().astype("<f4").tofile(os.path.join(out, names["input"]))
    # The float32 reference runs on one thread (deterministic); the float64 one is stored in float64, so that the
    # import's float64 path can be held to a tight tolerance against it.
    torch.set_num_threads(1)
    for suffix, dtype, np_type in (("", torch.float32, "<f4"), (".f64", torch.float64, "<f8")):
        model.to(dtype)
        xr = x.to(dtype).clone().requires_grad_(True)
        logits = logits_of(model, xr)
        logits[torch.arange(2), torch.tensor(targets)].sum().backward()
        for key, tensor in (("logits", logits.detach()), ("grad", xr.grad)):
            names[key + suffix] = arch + "." + key + suffix + (".f32" if dtype == torch.float32 else ".f64")
            tensor.contiguous().numpy().astype(np_type).tofile(os.path.join(out, names[key + suffix]))
    sensitivity = rounding_sensitivity(model, x.to(torch.float64), targets, xr.grad)
    with open(os.path.join(out, arch + ".ref.json"), "w") as f:
        json.dump({"arch": arch, "shape": list(x.shape), "classes": CLASSES.get(arch, 10), "targets": targets, "files": names,
                   "rounding_sensitivity": sensitivity, "rounding_scale": ROUNDING_SCALE,
                   "batchnorm": any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules()),
                   "torch": torch.__version__, "torchvision": torchvision.__version__}, f, indent=1)


ROUNDING_SCALE = 4
ROUNDING_DRAWS = 16


def rounding_sensitivity(model, x, targets, reference):
    """How far float32 rounding can move this network's input gradient at x: the float64 gradient recomputed
    ROUNDING_DRAWS times with every convolution and linear output multiplied by (1 + eta u), u ~ U(-1, 1) and
    eta = ROUNDING_SCALE * 2^-24 * sqrt(fan-in) (a float32 dot product of n terms carries a relative rounding error
    of about 2^-24 sqrt(n)), each as max |g' - g| / max |g|. A ReLU or max-pool input within that distance of its
    kink may fall on either side in any float32 implementation, and the gradient then jumps by the flipped unit's
    whole contribution: on deep random-weight networks the deviations are 1e-2 to 1e-1 (ResNet-50, VGG-11,
    DenseNet-121), on shallow ones 1e-6 (no kink close enough). The float32 test's tolerance derives from these."""
    generator = torch.Generator().manual_seed(3)
    deviations = []
    for _ in range(ROUNDING_DRAWS):
        hooks = []
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                eta = ROUNDING_SCALE * 2.0 ** -24 * math.sqrt(m.weight[0].numel())
                hooks.append(m.register_forward_hook(
                    lambda mod, i, o, eta=eta: o * (1 + eta * (2 * torch.rand(o.shape, generator=generator,
                                                                              dtype=o.dtype) - 1))))
        xr = x.clone().requires_grad_(True)
        logits_of(model, xr)[torch.arange(2), torch.tensor(targets)].sum().backward()
        for h in hooks:
            h.remove()
        deviations.append(((xr.grad - reference).abs().max() / reference.abs().max()).item())
    return deviations


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for arch in sys.argv[2:] or ARCHS:
        export(arch, out)
        print("exported", arch)


if __name__ == "__main__":
    main()
