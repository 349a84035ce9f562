"""Exports torchvision architectures to ONNX with PyTorch's own logits and input gradients, the reference the
ONNX -> SameDiff import is checked against (issue 5).

Usage (Debian's python3-torch and python3-torchvision):
    /usr/bin/python3 export_onnx_fixtures.py OUT_DIR [ARCH ...]

For each architecture it writes, in OUT_DIR:
    ARCH.onnx       the model (random initialisation, seed 0; eval mode; BatchNorm statistics randomised so that
                    folding them is exercised), opset 13, dynamic batch axis;
    ARCH.ref.json   input shape, class targets, and the names of the binary files below;
    ARCH.input.f32  inputs x, little-endian float32, N x 3 x H x W (seed 1);
    ARCH.logits.f32 PyTorch's logits f(x), N x classes;
    ARCH.grad.f32   PyTorch's gradients d logit_target / dx, N x 3 x H x W.
"""
import json
import os
import sys

import torch
import torchvision

ARCHS = {
    "resnet18": lambda: torchvision.models.resnet18(num_classes=10),
    "resnet50": lambda: torchvision.models.resnet50(num_classes=10),
    "vgg11": lambda: torchvision.models.vgg11(num_classes=10),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(num_classes=10),
    "squeezenet1_1": lambda: torchvision.models.squeezenet1_1(num_classes=10),
    "densenet121": lambda: torchvision.models.densenet121(num_classes=10),
}
SIZE = {"vgg11": 64, "squeezenet1_1": 96}


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
    model.eval()
    size = SIZE.get(arch, 64)
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    targets = [3, 7]
    torch.onnx.export(model, x, os.path.join(out, arch + ".onnx"), opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
    x = x.clone().requires_grad_(True)
    logits = model(x)
    logits[torch.arange(2), torch.tensor(targets)].sum().backward()
    names = {}
    for key, tensor in (("input", x.detach()), ("logits", logits.detach()), ("grad", x.grad)):
        names[key] = arch + "." + key + ".f32"
        tensor.contiguous().numpy().astype("<f4").tofile(os.path.join(out, names[key]))
    with open(os.path.join(out, arch + ".ref.json"), "w") as f:
        json.dump({"arch": arch, "shape": list(x.shape), "classes": 10, "targets": targets, "files": names,
                   "torch": torch.__version__, "torchvision": torchvision.__version__}, f, indent=1)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for arch in sys.argv[2:] or ARCHS:
        export(arch, out)
        print("exported", arch)


if __name__ == "__main__":
    main()
