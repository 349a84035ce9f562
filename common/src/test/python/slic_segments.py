"""scikit-image's SLIC (skimage.segmentation.slic, its defaults but n_segments and start_label=0) of an RGB image in
[0, 1] (image.f32, H x W x 3 as given in image.json), written as int32 labels (labels.i32)."""
import json
import os
import sys

import numpy as np
from skimage.segmentation import slic


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "image.json")) as f:
        spec = json.load(f)
    img = np.fromfile(os.path.join(out, "image.f32"), dtype="<f4").reshape(spec["h"], spec["w"], 3).astype(np.float64)
    labels = slic(img, n_segments=spec["n"], compactness=spec["compactness"], start_label=0)
    labels.astype("<i4").tofile(os.path.join(out, "labels.i32"))


if __name__ == "__main__":
    main()
