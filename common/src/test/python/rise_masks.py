"""RISE's masks as its reference code makes them (eclique/RISE explanations.py, generate_masks): each s x s grid
upsampled with skimage.transform.resize(order=1, mode='reflect', anti_aliasing=False) to (s + 1) * ceil(H / s) and
cropped at its shift. Reads the grids and shifts NoiseLens drew (grids.json), writes the masks (masks.f32)."""
import json
import os
import sys

import numpy as np
from skimage.transform import resize


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "grids.json")) as f:
        spec = json.load(f)
    s, h, w = spec["s"], spec["h"], spec["w"]
    ch, cw = -(-h // s), -(-w // s)
    masks = []
    for g in spec["grids"]:
        cells = np.array(g["cells"], dtype=np.float32).reshape(s, s)
        up = resize(cells, ((s + 1) * ch, (s + 1) * cw), order=1, mode="reflect", anti_aliasing=False)
        masks.append(up[g["dy"]:g["dy"] + h, g["dx"]:g["dx"] + w])
    np.stack(masks).astype("<f4").tofile(os.path.join(out, "masks.f32"))


if __name__ == "__main__":
    main()
