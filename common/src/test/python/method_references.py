"""Reference maps of the CAM family and Occlusion on a torchvision ResNet-18, computed in PyTorch from the methods'
definitions (METHODS-2.md A.1, A.2): forward and backward hooks on module layer3/layer4 give A and dy_c/dA (the
logit, as pytorch-grad-cam and Captum use it); Grad-CAM, Grad-CAM++ (pytorch-grad-cam's closed form) and LayerCAM
follow, ReLU before upsampling, then F.interpolate (bilinear, align_corners=False; nearest) to the input. Occlusion
slides a window over all channels with a zero baseline and averages each pixel's score drops, as Captum's Occlusion.
LRP (EpsilonPlusFlat, EpsilonGammaBox) is propagated layer by layer the tutorial way (Montavon et al. 2019): a
forward pass of the network with every BatchNorm folded into its convolution keeps each layer's input; from the top,
each rule's modified map z~ gives s = R / stab(z~) and the input's relevance is input * (autograd of z~ . s), with
the residual sums split in proportion to their terms, ReLUs passing relevance and pooling layers as their own
(gradient-form) rules. DeepLift runs the network functionally twice, on the zero baseline and on the input, with a
custom autograd function at each ReLU whose backward multiplies by the secant (Captum's Rescale; max pooling keeps
its gradient). Writes resnet18_cam.onnx, the inputs, and one float32 file per map with an index in method_refs.json."""
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


def vit_tokens_as_map(t):
    """pytorch-grad-cam's reshape_transform for ViT: drop the class token, patch tokens onto their grid, channels first."""
    g = int(round((t.shape[1] - 1) ** 0.5))
    return t[:, 1:, :].reshape(t.shape[0], g, g, t.shape[2]).permute(0, 3, 1, 2)


def cams(model, x, targets, layer, transform=lambda t: t, tag=None):
    store = {}
    module = dict(model.named_modules())[layer]
    h1 = module.register_forward_hook(lambda m, i, o: store.__setitem__("a", o))
    h2 = module.register_full_backward_hook(lambda m, gi, go: store.__setitem__("g", go[0]))
    logits = model(x)
    logits[torch.arange(x.shape[0]), torch.tensor(targets)].sum().backward()
    h1.remove()
    h2.remove()
    a, g = transform(store["a"].detach().double()), transform(store["g"].detach().double())
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
        size = x.shape[-1]
        key = (tag + "@" if tag else "") + name + "@" + layer
        maps[key + "@bilinear"] = F.interpolate(m, (size, size), mode="bilinear", align_corners=False)
        if tag is None:
            maps[key + "@nearest"] = F.interpolate(m, (size, size), mode="nearest")
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


MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def folded(conv, bn):
    """Conv and its BatchNorm as one convolution, computed as torch.onnx's export fuses them (float32, rsqrt), so that
    the reference starts from the weights the ONNX file holds and the float64 comparison sees the rules only."""
    f = lambda t: t.detach().float()
    rsqrt = torch.rsqrt(f(bn.running_var) + bn.eps)
    w = f(conv.weight) * (f(bn.weight) * rsqrt).reshape(-1, 1, 1, 1)
    b = (torch.zeros_like(f(bn.running_mean)) - f(bn.running_mean)) * rsqrt * f(bn.weight) + f(bn.bias)
    return w.double(), b.double(), conv.stride, conv.padding


def stab(v, eps):
    return v + torch.where(v >= 0, torch.full_like(v, eps), torch.full_like(v, -eps))


def conv_rule(rule, a, layer, r, eps=1e-6, gamma=0.25):
    """Relevance of a layer's input a from relevance r at its output, by the rule's explicit formula."""
    w, b, stride, pad = layer
    conv = lambda t, k, bias=None: F.conv2d(t, k, bias, stride, pad)
    if rule == "flat":
        ones = torch.ones_like(a).requires_grad_(True)
        z = conv(ones, torch.ones_like(w))
        (z * (r / stab(z.detach(), eps))).sum().backward()
        return ones.grad
    if rule == "zbox":
        lo = ((0 - MEAN) / STD).double().expand_as(a).clone().requires_grad_(True)
        hi = ((1 - MEAN) / STD).double().expand_as(a).clone().requires_grad_(True)
        x = a.clone().requires_grad_(True)
        z = conv(x, w, b) - conv(lo, w.clamp(min=0)) - conv(hi, w.clamp(max=0))
        (z * (r / stab(z.detach(), eps)).detach()).sum().backward()
        return x * x.grad + lo * lo.grad + hi * hi.grad   # the grads of the subtracted terms carry their minus
    if rule == "zplus":
        ap = a.clamp(min=0).requires_grad_(True)
        an = a.clamp(max=0).requires_grad_(True)
        z = conv(ap, w.clamp(min=0), b.clamp(min=0)) + conv(an, w.clamp(max=0))
        (z * (r / stab(z.detach(), eps)).detach()).sum().backward()
        return ap * ap.grad + an * an.grad
    if rule == "gamma":
        # Zennit's signed gamma: the positive-output form where z > 0, the negative-output form elsewhere.
        ap = a.clamp(min=0).requires_grad_(True)
        an = a.clamp(max=0).requires_grad_(True)
        up, down = w + gamma * w.clamp(min=0), w + gamma * w.clamp(max=0)
        zpos = conv(ap, up, b + gamma * b.clamp(min=0)) + conv(an, down)
        zneg = conv(ap, down, b + gamma * b.clamp(max=0)) + conv(an, up)
        z = torch.where(conv(a, w, b) > 0, zpos, zneg)
        (z * (r / stab(z.detach(), eps)).detach()).sum().backward()
        return ap * ap.grad + an * an.grad
    x = a.clone().requires_grad_(True)
    z = conv(x, w, b)
    (z * (r / stab(z.detach(), eps)).detach()).sum().backward()
    return x * x.grad


def norm_rule(fn, a, r):
    """A pooling layer in gradient form: s = r / fn(a), relevance a * (autograd of fn(a) . s)."""
    x = a.clone().requires_grad_(True)
    z = fn(x)
    (z * torch.where(z.detach() != 0, r / z.detach(), torch.zeros_like(r))).sum().backward()
    return x * x.grad


def lrp_resnet(model, x, target, first, conv):
    m = model
    stem = folded(m.conv1, m.bn1)
    cv = lambda t, layer: F.conv2d(t, layer[0], layer[1], layer[2], layer[3])
    a1 = F.relu(cv(x, stem))
    t = F.max_pool2d(a1, 3, 2, 1)
    pool_in = t
    tape = []
    for stage in (m.layer1, m.layer2, m.layer3, m.layer4):
        for blk in stage:
            c1, c2 = folded(blk.conv1, blk.bn1), folded(blk.conv2, blk.bn2)
            ds = folded(blk.downsample[0], blk.downsample[1]) if blk.downsample is not None else None
            h = F.relu(cv(t, c1))
            main = cv(h, c2)
            sc = t if ds is None else cv(t, ds)
            tape.append((t, h, main, sc, c1, c2, ds))
            t = F.relu(main + sc)
    avg = F.adaptive_avg_pool2d(t, 1).flatten(1)
    fw, fb = m.fc.weight.detach().double(), m.fc.bias.detach().double()
    logits = avg @ fw.T + fb
    r = torch.zeros_like(logits)
    r[0, target] = logits[0, target]
    xa = avg.clone().requires_grad_(True)
    z = xa @ fw.T + fb
    (z * (r / stab(z.detach(), 1e-6))).sum().backward()
    r = norm_rule(lambda v: F.adaptive_avg_pool2d(v, 1).flatten(1), t, xa * xa.grad)
    for t_in, h, main, sc, c1, c2, ds in reversed(tape):
        total = main + sc
        s = torch.where(total != 0, r / total, torch.zeros_like(r))
        r_main, r_sc = main * s, sc * s
        r_t = conv_rule(conv, t_in, c1, conv_rule(conv, h, c2, r_main))
        r_t = r_t + (r_sc if ds is None else conv_rule(conv, t_in, ds, r_sc))
        r = r_t
    r = norm_rule(lambda v: F.max_pool2d(v, 3, 2, 1), a1, r)
    return conv_rule(first, x, stem, r)


class Secant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, ref):
        dx = x - ref
        small = dx.abs() < 1e-10 + 1e-5 * (x.abs() + ref.abs())
        m = torch.where(small, (x > 0).to(x.dtype), (F.relu(x) - F.relu(ref)) / torch.where(small, torch.ones_like(dx), dx))
        ctx.save_for_backward(m)
        return F.relu(x)

    @staticmethod
    def backward(ctx, g):
        (m,) = ctx.saved_tensors
        return g * m, None


def deeplift_resnet(model, x, baseline, target):
    m = model
    stem = folded(m.conv1, m.bn1)
    cv = lambda t, layer: F.conv2d(t, layer[0], layer[1], layer[2], layer[3])
    refs = []

    def forward(t, relu):
        t = F.max_pool2d(relu(cv(t, stem)), 3, 2, 1)
        for stage in (m.layer1, m.layer2, m.layer3, m.layer4):
            for blk in stage:
                c1, c2 = folded(blk.conv1, blk.bn1), folded(blk.conv2, blk.bn2)
                ds = folded(blk.downsample[0], blk.downsample[1]) if blk.downsample is not None else None
                h = relu(cv(t, c1))
                t = relu(cv(h, c2) + (t if ds is None else cv(t, ds)))
        return F.adaptive_avg_pool2d(t, 1).flatten(1) @ m.fc.weight.detach().double().T + m.fc.bias.detach().double()

    def record(v):
        refs.append(v.detach())
        return F.relu(v)

    forward(baseline, record)
    it = iter(refs)
    xr = x.clone().requires_grad_(True)
    forward(xr, lambda v: Secant.apply(v, next(it)))[0, target].backward()
    return (x - baseline) * xr.grad


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
    dmodel = model.double()
    for name, first, conv in (("lrp@epsilon_plus_flat", "flat", "zplus"), ("lrp@epsilon_gamma_box", "zbox", "gamma")):
        maps[name] = torch.cat([lrp_resnet(dmodel, x[i:i + 1].double(), targets[i], first, conv) for i in range(2)])
    maps["deeplift@zero"] = torch.cat([deeplift_resnet(dmodel, x[i:i + 1].double(), torch.zeros_like(x[i:i + 1]).double(),
                                                       targets[i]) for i in range(2)])
    files = {}
    for name, m in maps.items():
        files[name] = "resnet18_cam." + name.replace("@", "_") + ".f32"
        m.detach().float().contiguous().numpy().astype("<f4").tofile(os.path.join(out, files[name]))
    # A vision transformer (the small torchvision configuration of export_onnx_fixtures.py): the CAM family at an
    # encoder block, its tokens read as a 4x4 map.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from export_onnx_fixtures import vit, randomise_transformer
    torch.manual_seed(0)
    vmodel = vit()
    randomise_transformer(vmodel, torch.Generator().manual_seed(4))
    vmodel.eval()
    vx = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(6))
    torch.onnx.export(vmodel, vx, os.path.join(out, "vit_cam.onnx"), opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
    vx.numpy().astype("<f4").tofile(os.path.join(out, "vit_cam.input.f32"))
    vit_files = {}
    vit_maps = {}
    # The last block's output reaches the head through the class token alone (its patch tokens' gradient is zero):
    # the input of the last block and its pre-attention LayerNorm (pytorch-grad-cam's choice) are the useful layers.
    for layer in ("encoder.layers.encoder_layer_0", "encoder.layers.encoder_layer_1.ln_1"):
        vit_maps.update(cams(vmodel, vx.clone().requires_grad_(True), targets, layer, vit_tokens_as_map, tag="vit"))
    for name, m in vit_maps.items():
        vit_files[name] = "vit_cam." + name.replace("@", "_") + ".f32"
        m.detach().float().contiguous().numpy().astype("<f4").tofile(os.path.join(out, vit_files[name]))
    with open(os.path.join(out, "method_refs.json"), "w") as f:
        json.dump({"size": SIZE, "targets": targets, "files": files, "vit_files": vit_files, "torch": torch.__version__},
                  f, indent=1)


if __name__ == "__main__":
    main()
