"""MetaQuantus's intra-consistency test as SciPy computes it: scipy.stats.wilcoxon(a, b, zero_method="zsplit",
correction=False, method="approx"). Reads DIR/pairs.txt (lines "a1 a2 ... | b1 b2 ...") and writes DIR/p.txt."""
import sys

import numpy as np
import scipy.stats

d = sys.argv[1]
out = []
with open(f"{d}/pairs.txt") as f:
    for line in f:
        left, right = line.split("|")
        a = np.array([float(v) for v in left.split()])
        b = np.array([float(v) for v in right.split()])
        r = scipy.stats.wilcoxon(a, b, zero_method="zsplit", correction=False, method="approx")
        out.append(repr(float(r.pvalue)))
with open(f"{d}/p.txt", "w") as f:
    f.write("\n".join(out) + "\n")
