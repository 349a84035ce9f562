package io.noiselens.metrics.faithfulness;

/**
 * A symmetric positive definite system on the unknown cells of a 2-D grid with couplings to the 8 neighbours,
 * A·u = b, solved by conjugate gradients preconditioned with an aggregation multigrid V-cycle: unknowns are
 * aggregated 2×2 per level, the coarse matrix is the exact Galerkin product PᵀAP of the piecewise-constant
 * prolongation P (so grid borders and known cells need no special rules), smoothing is a forward Gauss–Seidel sweep
 * before the coarse correction and a backward one after (so the preconditioner is symmetric), and the coarsest level
 * (at most 128 unknowns) is solved by dense Cholesky. Large holes then cost tens of iterations instead of a number growing with their diameter
 * (Jacobi-CG needed ~700 on 224×224 images with 99 % of the pixels unknown).
 */
final class GridSystem {
    static final int[] DY = {-1, -1, -1, 0, 0, 1, 1, 1};
    static final int[] DX = {-1, 0, 1, -1, 1, -1, 0, 1};

    private final int n;
    private final int gridH;
    private final int gridW;
    private final int[] cellY;
    private final int[] cellX;
    private final double[] diag;
    /** Neighbour unknown in direction d of unknown k ({@code k·8 + d}), or −1; and the coupling A[k, neighbour]. */
    private final int[] neighbour;
    private final double[] coupling;
    private GridSystem coarse;
    private int[] aggregate;
    private double[] cholesky;

    /** Systems up to this size are solved by dense Cholesky (the coarsest level, and small removals). */
    private static final int DIRECT = 128;

    /** Unknown k sits at (cellY[k], cellX[k]) of a gridH × gridW grid. */
    GridSystem(int n, int gridH, int gridW, int[] cellY, int[] cellX, double[] diag, int[] neighbour, double[] coupling) {
        this.n = n;
        this.gridH = gridH;
        this.gridW = gridW;
        this.cellY = cellY;
        this.cellX = cellX;
        this.diag = diag;
        this.neighbour = neighbour;
        this.coupling = coupling;
    }

    int size() {
        return n;
    }

    /** Solves A·u = b to a relative residual {@code tolerance}, starting from u's contents. */
    void solve(double[] b, double[] u, double tolerance) {
        double[] r = new double[n], z = new double[n], p = new double[n], ap = new double[n];
        multiply(u, ap);
        double bb = 0;
        for (int k = 0; k < n; k++) {
            r[k] = b[k] - ap[k];
            bb += b[k] * b[k];
        }
        double tol = tolerance * tolerance * Math.max(bb, 1e-300);
        if (dot(r, r) <= tol) return;
        precondition(r, z);
        System.arraycopy(z, 0, p, 0, n);
        double rz = dot(r, z);
        for (int it = 0; it < 1000 + n; it++) {
            multiply(p, ap);
            double alpha = rz / dot(p, ap);
            for (int k = 0; k < n; k++) {
                u[k] += alpha * p[k];
                r[k] -= alpha * ap[k];
            }
            if (dot(r, r) <= tol) return;
            precondition(r, z);
            double next = dot(r, z), beta = next / rz;
            rz = next;
            for (int k = 0; k < n; k++) p[k] = z[k] + beta * p[k];
        }
    }

    /** z = M⁻¹·r: one V-cycle from z = 0; small systems (and the coarsest level) are solved exactly. */
    private void precondition(double[] r, double[] z) {
        if (n <= DIRECT) {
            choleskySolve(r, z);
            return;
        }
        java.util.Arrays.fill(z, 0);
        gaussSeidel(r, z, true);
        GridSystem c = coarse();
        double[] res = new double[n];
        multiply(z, res);
        double[] rc = new double[c.n];
        for (int k = 0; k < n; k++) rc[aggregate[k]] += r[k] - res[k];
        double[] ec = new double[c.n];
        c.precondition(rc, ec);
        for (int k = 0; k < n; k++) z[k] += ec[aggregate[k]];
        gaussSeidel(r, z, false);
    }

    /** Solves A·z = r with the dense Cholesky factor of A, computed on first use. */
    private void choleskySolve(double[] r, double[] z) {
        if (cholesky == null) {
            double[] a = new double[n * n];
            for (int k = 0; k < n; k++) {
                a[k * n + k] = diag[k];
                for (int d = 0; d < 8; d++) {
                    int j = neighbour[k * 8 + d];
                    if (j >= 0) a[k * n + j] += coupling[k * 8 + d];
                }
            }
            for (int j = 0; j < n; j++) {
                double s = a[j * n + j];
                for (int k = 0; k < j; k++) s -= a[j * n + k] * a[j * n + k];
                double l = Math.sqrt(s);
                a[j * n + j] = l;
                for (int i = j + 1; i < n; i++) {
                    double t = a[i * n + j];
                    for (int k = 0; k < j; k++) t -= a[i * n + k] * a[j * n + k];
                    a[i * n + j] = t / l;
                }
            }
            cholesky = a;
        }
        double[] a = cholesky;
        for (int i = 0; i < n; i++) {
            double s = r[i];
            for (int k = 0; k < i; k++) s -= a[i * n + k] * z[k];
            z[i] = s / a[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < n; k++) s -= a[k * n + i] * z[k];
            z[i] = s / a[i * n + i];
        }
    }

    private void gaussSeidel(double[] b, double[] u, boolean forward) {
        for (int s = 0; s < n; s++) {
            int k = forward ? s : n - 1 - s;
            double v = b[k];
            for (int d = 0; d < 8; d++) {
                int j = neighbour[k * 8 + d];
                if (j >= 0) v -= coupling[k * 8 + d] * u[j];
            }
            u[k] = v / diag[k];
        }
    }

    void multiply(double[] v, double[] out) {
        for (int k = 0; k < n; k++) {
            double s = diag[k] * v[k];
            for (int d = 0; d < 8; d++) {
                int j = neighbour[k * 8 + d];
                if (j >= 0) s += coupling[k * 8 + d] * v[j];
            }
            out[k] = s;
        }
    }

    /**
     * The Galerkin coarse system over 2×2 aggregates on the half-size grid, built once. Scattered unknowns may not
     * shrink in one step, but the grid halves every level, so the hierarchy always ends in a direct solve.
     */
    private GridSystem coarse() {
        if (aggregate != null) return coarse;
        aggregate = new int[n];
        int hc = (gridH + 1) / 2, wc = (gridW + 1) / 2, m = 0;
        int[] index = new int[hc * wc];
        java.util.Arrays.fill(index, -1);
        for (int k = 0; k < n; k++) {
            int cell = (cellY[k] >> 1) * wc + (cellX[k] >> 1);
            if (index[cell] < 0) index[cell] = m++;
            aggregate[k] = index[cell];
        }
        int[] cy = new int[m], cx = new int[m];
        for (int k = 0; k < n; k++) {
            cy[aggregate[k]] = cellY[k] >> 1;
            cx[aggregate[k]] = cellX[k] >> 1;
        }
        double[] cd = new double[m], cc = new double[8 * m];
        int[] cn = new int[8 * m];
        java.util.Arrays.fill(cn, -1);
        for (int k = 0; k < n; k++) {
            int a = aggregate[k];
            cd[a] += diag[k];
            for (int d = 0; d < 8; d++) {
                int j = neighbour[k * 8 + d];
                if (j < 0) continue;
                int b = aggregate[j];
                if (b == a) {
                    cd[a] += coupling[k * 8 + d];
                    continue;
                }
                int dir = direction(cy[b] - cy[a], cx[b] - cx[a]);
                cn[a * 8 + dir] = b;
                cc[a * 8 + dir] += coupling[k * 8 + d];
            }
        }
        coarse = new GridSystem(m, hc, wc, cy, cx, cd, cn, cc);
        return coarse;
    }

    private static int direction(int dy, int dx) {
        for (int d = 0; d < 8; d++) if (DY[d] == dy && DX[d] == dx) return d;
        throw new IllegalStateException("aggregates " + dy + "," + dx + " apart are not neighbours");
    }

    private double dot(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < n; k++) s += a[k] * b[k];
        return s;
    }
}
