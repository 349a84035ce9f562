"""Writes images in the formats ImageNet-style datasets contain, with PIL's own decoding of each as the reference the
NoiseLens decoder is checked against (issue 5). PIL is what torchvision pipelines load images with.

Usage (Debian's python3-pil, a dependency of python3-torchvision):
    /usr/bin/python3 image_fixtures.py OUT_DIR

Writes OUT_DIR/NAME.{jpg,png,JPEG} and OUT_DIR/NAME.rgb (PIL's RGB, H x W x 3 uint8, after
ImageOps.exif_transpose), and OUT_DIR/index.json listing [file, height, width] per image.

For the preprocessing it writes OUT_DIR/source.f32 (a 3 x 43 x 57 float32 image) and, per case of
OUT_DIR/preprocess.json, torchvision's Resize(shorter) + CenterCrop(crop) of it (or, with shorter = 0, PIL's
BILINEAR resize straight to the crop size) computed per channel on float ("F") PIL images, so without 8-bit
rounding: OUT_DIR/case<i>.f32, 3 x crop_h x crop_w.
"""
import io
import json
import os
import sys

import numpy as np
from PIL import Image, ImageOps
import torchvision.transforms as T


def smooth(h, w, channels, seed):
    """A smooth random image (few JPEG artefacts, so decoders differ by rounding only)."""
    r = np.random.RandomState(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    out = np.zeros((h, w, channels))
    for c in range(channels):
        a, b, p, q = r.rand(4) * 6
        out[..., c] = 0.5 + 0.25 * np.sin(a * x + p) + 0.2 * np.cos(b * y + q)
    return (np.clip(out, 0, 1) * 255).astype("uint8")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    index = []

    def save(name, image, fmt, **kw):
        path = os.path.join(out, name)
        image.save(path, fmt, **kw)
        ref = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        np.asarray(ref, dtype="uint8").tofile(os.path.join(out, name + ".rgb"))
        index.append([name, ref.height, ref.width])

    save("cmyk.jpg", Image.fromarray(smooth(40, 56, 4, 1), "CMYK"), "JPEG", quality=95)
    rgb = Image.fromarray(smooth(40, 56, 3, 2), "RGB")
    for orientation in (2, 3, 6, 8):
        exif = Image.Exif()
        exif[0x0112] = orientation
        save("exif%d.jpg" % orientation, rgb, "JPEG", quality=95, exif=exif.tobytes())
    save("progressive.jpg", rgb, "JPEG", quality=95, progressive=True)
    save("gray.jpg", Image.fromarray(smooth(30, 20, 1, 3)[..., 0], "L"), "JPEG", quality=95)
    save("png_named.JPEG", rgb, "PNG")
    save("palette.png", rgb.convert("P", palette=Image.ADAPTIVE, colors=32), "PNG")
    gray_alpha = Image.fromarray(np.dstack([smooth(24, 24, 1, 4)[..., 0], smooth(24, 24, 1, 5)[..., 0]]), "LA")
    save("gray_alpha.png", gray_alpha, "PNG")
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)

    source = smooth(43, 57, 3, 6).astype("float32") / 255 + np.random.RandomState(7).rand(43, 57, 3).astype("float32") * 0.2
    source.transpose(2, 0, 1).astype("<f4").tofile(os.path.join(out, "source.f32"))
    cases = [[32, 24, 24], [43, 40, 30], [50, 50, 64], [0, 20, 13], [0, 90, 70], [0, 43, 30]]
    for i, (shorter, ch, cw) in enumerate(cases):
        planes = []
        for c in range(3):
            img = Image.fromarray(source[..., c], "F")
            if shorter:
                img = T.CenterCrop((ch, cw))(T.Resize(shorter)(img))
            else:
                img = img.resize((cw, ch), Image.BILINEAR)
            planes.append(np.asarray(img, dtype="float32"))
        np.stack(planes).astype("<f4").tofile(os.path.join(out, "case%d.f32" % i))
    with open(os.path.join(out, "preprocess.json"), "w") as f:
        json.dump({"source": [3, 43, 57], "cases": cases}, f)


if __name__ == "__main__":
    main()
