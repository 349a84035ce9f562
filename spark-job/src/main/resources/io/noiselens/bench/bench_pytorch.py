#!/usr/bin/env python3
"""PyTorch half of `noiselens bench`: builds the benchmark models with fixed random weights, exports them to ONNX
(the Java half loads the same files, so both run the same weights), and times the same workloads in PyTorch:
input gradients with frozen weights, FusionGrad (N = M = 10) and Integrated Gradients (64 steps) per image, and one
NoiseGrad weight replica of ResNet-50. Writes pytorch.json next to the models. fp32, eval mode, torch.set_num_threads.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
import torch.nn as nn
import torchvision


def small_cnn():
    # The Fashion-MNIST example's architecture (fashion_cnn): conv32-pool-conv64-pool-fc128-fc10 on 1x28x28.
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {
    "small_cnn": (small_cnn, (1, 28, 28), 64),
    "resnet18": (lambda: torchvision.models.resnet18(weights=None), (3, 224, 224), 16),
    "resnet50": (lambda: torchvision.models.resnet50(weights=None), (3, 224, 224), 8),
    "vit_b_16": (lambda: torchvision.models.vit_b_16(weights=None), (3, 224, 224), 8),
    "convnext_tiny": (lambda: torchvision.models.convnext_tiny(weights=None), (3, 224, 224), 8),
}


def timed(fn, min_reps, min_seconds):
    fn()  # warm-up (allocator, oneDNN primitive caches)
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), len(times)


def input_gradients(model, x, targets):
    x = x.clone().requires_grad_(True)
    out = model(x)
    out.gather(1, targets.view(-1, 1)).sum().backward()
    return x.grad


def build(name, seed):
    make, shape, batch = MODELS[name]
    torch.manual_seed(seed)
    model = make().eval()
    # Non-trivial BatchNorm statistics, so that folding them is part of the work on both sides.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        for p in model.parameters():
            if p.dim() >= 2 and p.abs().max() == 0:   # ViT's zero-initialised head: gradients of ordinary size
                p.normal_(0, 0.02)
    for p in model.parameters():
        p.requires_grad_(False)
    return model, shape, batch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--images", type=int, default=2, help="images for the FusionGrad and IG costs")
    ap.add_argument("--export-only", action="store_true", help="write the ONNX models, time nothing")
    ap.add_argument("--sections", default="gradients,methods,replica",
                    help="what to time: gradients (per model), methods (ResNet-18 costs), replica (ResNet-50)")
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(),
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "mkldnn": torch.backends.mkldnn.is_available(),
              "gradients": {}}
    g = torch.Generator().manual_seed(1)
    for name in MODELS:
        model, shape, batch = build(name, 0)
        path = os.path.join(args.out, name + ".onnx")
        if not os.path.exists(path):
            # Exported with the parameters requiring gradients, as users export: with them frozen, torch 1.13's
            # nn.MultiheadAttention takes its fused fast path, which has no ONNX form.
            for p in model.parameters():
                p.requires_grad_(True)
            torch.onnx.export(model, torch.zeros(1, *shape), path, opset_version=13, input_names=["input"],
                              output_names=["logits"], dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
            for p in model.parameters():
                p.requires_grad_(False)
        if args.export_only or "gradients" not in sections:
            continue
        x = torch.randn(batch, *shape, generator=g)
        targets = torch.arange(batch) % 10
        t, reps = timed(lambda: input_gradients(model, x, targets), 3, args.seconds)
        result["gradients"][name] = {"batch": batch, "seconds": t, "images_per_second": batch / t, "reps": reps}
        print(f"pytorch {name}: {batch / t:.1f} images/s (batch {batch}, median of {reps})", flush=True)

    if args.export_only:
        return

    if "methods" in sections:
        # FusionGrad and IG per image on ResNet-18 at 224x224, micro-batches of 16 rows.
        model, shape, _ = build("resnet18", 0)
        clean = {k: v.clone() for k, v in model.state_dict().items()}
        trainable = {k for k, _ in model.named_parameters()}
        images = torch.randn(args.images, *shape, generator=g)

        def set_replica(i, sigma_w=0.2):
            gen = torch.Generator().manual_seed(1000 + i)
            with torch.no_grad():
                for k, v in model.state_dict().items():
                    if k in trainable:
                        v.copy_(clean[k] * (1 + sigma_w * torch.randn(v.shape, generator=gen)))

        def in_batches(rows, targets):
            for s in range(0, rows.shape[0], 16):
                input_gradients(model, rows[s:s + 16], targets[s:s + 16])

        def fusiongrad():
            for i in range(10):
                set_replica(i)
                rows = images.repeat_interleave(10, 0) + 0.4 * torch.randn(args.images * 10, *shape, generator=g)
                in_batches(rows, torch.zeros(rows.shape[0], dtype=torch.long))
            model.load_state_dict(clean)

        def integrated_gradients():
            alphas = (torch.arange(64) + 0.5) / 64
            rows = (images[:, None] * alphas.view(1, -1, 1, 1, 1)).reshape(-1, *shape)
            in_batches(rows, torch.zeros(rows.shape[0], dtype=torch.long))

        t, reps = timed(fusiongrad, 1, 0)
        result["fusiongrad_seconds_per_image"] = t / args.images
        print(f"pytorch fusiongrad N=M=10 on resnet18: {t / args.images:.2f} s/image", flush=True)
        t, reps = timed(integrated_gradients, 1, 0)
        result["ig_seconds_per_image"] = t / args.images
        print(f"pytorch integrated gradients 64 steps on resnet18: {t / args.images:.2f} s/image", flush=True)

        # Occlusion (Captum's tutorial setting: 15x15 window over all channels, stride 8, zero baseline) and RISE (N = 1000
        # masks of a 7x7 grid, p = 0.5, bilinear upsampling and random shifts, softmax scores) per image, forward passes in
        # batches of 16 rows as the engine's micro-batches. Masks come from this side's own generator (same recipe).
        def occlusion(window=15, stride=8):
            size = shape[-1]
            n = -(-(size - window) // stride) + 1
            with torch.no_grad():
                for img in images:
                    clean_score = model(img[None])[0, 0]
                    total = torch.zeros(size, size)
                    count = torch.zeros(size, size)
                    starts = [(i * stride, j * stride) for i in range(n) for j in range(n)]
                    for b in range(0, len(starts), 16):
                        chunk = starts[b:b + 16]
                        rows = img.repeat(len(chunk), 1, 1, 1)
                        for r, (y0, x0) in enumerate(chunk):
                            rows[r, :, y0:y0 + window, x0:x0 + window] = 0
                        drops = clean_score - model(rows)[:, 0]
                        for r, (y0, x0) in enumerate(chunk):
                            total[y0:y0 + window, x0:x0 + window] += drops[r]
                            count[y0:y0 + window, x0:x0 + window] += 1
                    (total / count).sum()

        def rise_masks():
            """NoiseLens's masks (its grids and shifts, rise_grids.json), upsampled by the reference recipe:
            skimage.transform.resize(order=1, mode='reflect') of each grid to (s + 1) * ceil(H / s), cropped at
            its shift -- written out in numpy (half-pixel centres, mirrored borders) so skimage is not needed."""
            with open(os.path.join(args.out, "rise_grids.json")) as f:
                spec = json.load(f)
            s, h, w = spec["s"], spec["h"], spec["w"]
            cell = -(-h // s)
            big = (s + 1) * cell

            def axis(n_out, shift, size):
                src = (np.arange(size) + shift + 0.5) * s / n_out - 0.5
                i0 = np.floor(src).astype(int)
                period = 2 * (s - 1)
                mirror = lambda i: np.where(np.mod(i, period) < s, np.mod(i, period), period - np.mod(i, period))
                return mirror(i0), mirror(i0 + 1), src - i0

            masks = []
            for g in spec["grids"]:
                cells = np.array(g["cells"], dtype=np.float64).reshape(s, s)
                y0, y1, fy = axis(big, g["dy"], h)
                x0, x1, fx = axis(big, g["dx"], w)
                top = cells[y0][:, x0] * (1 - fx) + cells[y0][:, x1] * fx
                bottom = cells[y1][:, x0] * (1 - fx) + cells[y1][:, x1] * fx
                masks.append(top * (1 - fy)[:, None] + bottom * fy[:, None])
            return torch.tensor(np.stack(masks), dtype=torch.float32), spec["p"]

        def rise():
            size = shape[-1]
            with torch.no_grad():
                for img in images:
                    masks, p = rise_masks()
                    saliency = torch.zeros(size, size)
                    for b in range(0, masks.shape[0], 16):
                        m = masks[b:b + 16]
                        probs = torch.softmax(model(img[None] * m[:, None]), 1)[:, 0]
                        saliency += (probs[:, None, None] * m).sum(0)
                    (saliency / (masks.shape[0] * p)).sum()

        t, reps = timed(occlusion, 1, 0)
        result["occlusion_seconds_per_image"] = t / args.images
        print(f"pytorch occlusion 15/8 on resnet18: {t / args.images:.2f} s/image", flush=True)
        t, reps = timed(rise, 1, 0)
        result["rise_seconds_per_image"] = t / args.images
        print(f"pytorch rise N=1000 on resnet18: {t / args.images:.2f} s/image", flush=True)

    if "replica" in sections:
        # One NoiseGrad replica of ResNet-50: θ ⊙ (1 + σ_w·z) for every trainable tensor, written into the model.
        model, _, _ = build("resnet50", 0)
        clean = {k: v.clone() for k, v in model.state_dict().items()}
        trainable = {k for k, _ in model.named_parameters()}
        state = model.state_dict()

        def replica():
            with torch.no_grad():
                for k in trainable:
                    v = state[k]
                    torch.randn(v.shape, out=v)
                    v.mul_(0.2).add_(1).mul_(clean[k])

        t, reps = timed(replica, 5, 1.0)
        result["resnet50_replica_seconds"] = t
        result["resnet50_trainable_parameters"] = sum(p.numel() for p in model.parameters())
        print(f"pytorch resnet50 replica: {t * 1000:.0f} ms", flush=True)
    with open(os.path.join(args.out, "pytorch.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
