"""eMPRT's complexity as Quantus computes it (quantus.functions.complexity_func.discrete_entropy): np.histogram of
the flattened map in 100 bins over its own range, then scipy.stats.entropy (natural log). Reads DIR/maps.txt (one map
per line, space-separated values) and writes DIR/entropy.txt (one entropy per line)."""
import sys

import numpy as np
import scipy.stats

d = sys.argv[1]
out = []
with open(f"{d}/maps.txt") as f:
    for line in f:
        a = np.array([float(v) for v in line.split()], dtype=np.float32)
        hist, _ = np.histogram(a, bins=100)
        out.append(repr(float(scipy.stats.entropy(hist))))
with open(f"{d}/entropy.txt", "w") as f:
    f.write("\n".join(out) + "\n")
