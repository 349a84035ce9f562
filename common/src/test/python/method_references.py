"""Reference maps of the CAM family and Occlusion on a torchvision ResNet-18, computed in PyTorch from the methods'
definitions (METHODS-2.md A.1, A.2): forward and backward hooks on module layer3/layer4 give A and dy_c/dA (the
logit, as pytorch-grad-cam and Captum use it); Grad-CAM, Grad-CAM++ (pytorch-grad-cam's closed form) and LayerCAM
follow, ReLU before upsampling, then F.interpolate (bilinear, align_corners=False; nearest) to the input. Occlusion
slides a window over all channels with a zero baseline and averages each pixel's score drops, as Captum's Occlusion.
Writes resnet18_cam.onnx, the inputs, and one float32 file per map with an index in method_refs.json."""
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision

SIZE = 96


def randomise_batchnorm(model, generator):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=generator))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=generator))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=generator))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=generator))


def cams(model, x, targets, layer):
    store = {}
    module = dict(model.named_modules())[layer]
    h1 = module.register_forward_hook(lambda m, i, o: store.__setitem__("a", o))
    h2 = module.register_full_backward_hook(lambda m, gi, go: store.__setitem__("g", go[0]))
    logits = model(x)
    logits[torch.arange(x.shape[0]), torch.tensor(targets)].sum().backward()
    h1.remove()
    h2.remove()
    a, g = store["a"].detach().double(), store["g"].detach().double()
    out = {}
    out["gradcam"] = (g.mean(dim=(2, 3), keepdim=True) * a).sum(1, keepdim=True)
    g2, g3 = g ** 2, g ** 3
    sum_a = a.sum(dim=(2, 3), keepdim=True)
    aij = torch.where(g != 0, g2 / (2 * g2 + sum_a * g3 + 1e-6), torch.zeros_like(g))
    w = (aij * F.relu(g)).sum(dim=(2, 3), keepdim=True)
    out["gradcam_plus_plus"] = (w * a).sum(1, keepdim=True)
    out["layercam"] = (F.relu(g) * a).sum(1, keepdim=True)
    maps = {}
    for name, m in out.items():
        m = F.relu(m)
        maps[name + "@" + layer + "@bilinear"] = F.interpolate(m, (SIZE, SIZE), mode="bilinear", align_corners=False)
        maps[name + "@" + layer + "@nearest"] = F.interpolate(m, (SIZE, SIZE), mode="nearest")
    return maps


def occlusion(model, x, targets, window, stride):
    with torch.no_grad():
        clean = model(x)[torch.arange(x.shape[0]), torch.tensor(targets)]
        total = torch.zeros(x.shape[0], 1, SIZE, SIZE, dtype=torch.float64)
        count = torch.zeros(1, 1, SIZE, SIZE, dtype=torch.float64)
        n = -(-(SIZE - window) // stride) + 1
        for i in range(n):
            for j in range(n):
                y0, x0 = i * stride, j * stride
                occluded = x.clone()
                occluded[:, :, y0:y0 + window, x0:x0 + window] = 0
                drop = (clean - model(occluded)[torch.arange(x.shape[0]), torch.tensor(targets)]).double()
                total[:, :, y0:y0 + window, x0:x0 + window] += drop[:, None, None, None]
                count[:, :, y0:y0 + window, x0:x0 + window] += 1
        return (total / count).expand(-1, 3, -1, -1)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    randomise_batchnorm(model, torch.Generator().manual_seed(2))
    model.eval()
    x = torch.randn(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    targets = [3, 7]
    torch.onnx.export(model, x, os.path.join(out, "resnet18_cam.onnx"), opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
    x.numpy().astype("<f4").tofile(os.path.join(out, "resnet18_cam.input.f32"))
    torch.set_num_threads(1)
    maps = {}
    for layer in ("layer3", "layer4"):
        maps.update(cams(model, x.clone().requires_grad_(True), targets, layer))
    maps["occlusion@16@8"] = occlusion(model, x, targets, 16, 8)
    files = {}
    for name, m in maps.items():
        files[name] = "resnet18_cam." + name.replace("@", "_") + ".f32"
        m.detach().float().contiguous().numpy().astype("<f4").tofile(os.path.join(out, files[name]))
    with open(os.path.join(out, "method_refs.json"), "w") as f:
        json.dump({"size": SIZE, "targets": targets, "files": files, "torch": torch.__version__}, f, indent=1)


if __name__ == "__main__":
    main()
