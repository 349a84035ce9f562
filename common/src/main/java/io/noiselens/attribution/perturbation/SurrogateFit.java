package io.noiselens.attribution.perturbation;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * The interpretable linear models of KernelSHAP and LIME: y ≈ β₀ + βᵀz over binary coalitions z with sample weights
 * π, intercept unpenalised. {@link #leastSquares} is sklearn's {@code LinearRegression} (Captum's KernelSHAP): the
 * weighted least-squares solution, the minimum-norm one when the samples do not determine β (commons-math's SVD).
 * {@link #ridge} is sklearn's {@code Ridge} (the lime library's default, α = 1): minimises
 * Σ π_i (y_i − β₀ − βᵀz_i)² + α‖β‖², solved in closed form. {@link #lasso} is sklearn's {@code Lasso} (Captum's
 * LIME): minimises (1/(2Σπ)) Σ π_i (y_i − β₀ − βᵀz_i)² + α‖β‖₁ by cyclic coordinate descent on the weighted-centred
 * data (sklearn rescales the weights to sum to n, the same objective).
 */
final class SurrogateFit {
    private SurrogateFit() {}

    /** β of the weighted least-squares fit with intercept. */
    static double[] leastSquares(boolean[][] z, double[] y, double[] w) {
        int n = z.length, m = z[0].length;
        Centred c = new Centred(z, y, w);
        double[][] a = new double[n][m];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            double s = Math.sqrt(w[i]);
            for (int j = 0; j < m; j++) a[i][j] = s * c.x[i][j];
            b[i] = s * c.y[i];
        }
        return new SingularValueDecomposition(new Array2DRowRealMatrix(a, false)).getSolver()
                .solve(new ArrayRealVector(b, false)).toArray();
    }

    /** β of the weighted ridge regression with intercept and penalty α: (XᵀΠX + αI)β = XᵀΠy on centred data. */
    static double[] ridge(boolean[][] z, double[] y, double[] w, double alpha) {
        int n = z.length, m = z[0].length;
        Centred c = new Centred(z, y, w);
        double[][] a = new double[m][m];
        double[] b = new double[m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double wx = w[i] * c.x[i][j];
                b[j] += wx * c.y[i];
                for (int k = 0; k < m; k++) a[j][k] += wx * c.x[i][k];
            }
        }
        for (int j = 0; j < m; j++) a[j][j] += alpha;
        return new SingularValueDecomposition(new Array2DRowRealMatrix(a, false)).getSolver()
                .solve(new ArrayRealVector(b, false)).toArray();
    }

    /** β of the weighted Lasso with intercept and penalty α (α = 0: least squares by coordinate descent). */
    static double[] lasso(boolean[][] z, double[] y, double[] w, double alpha) {
        int n = z.length, m = z[0].length;
        Centred c = new Centred(z, y, w);
        double total = 0;
        for (double v : w) total += v;
        double[] beta = new double[m], r = c.y.clone(), norm = new double[m];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) norm[j] += w[i] * c.x[i][j] * c.x[i][j];
            norm[j] /= total;
        }
        for (int sweep = 0; sweep < 10_000; sweep++) {
            double largest = 0, largestBeta = 0;
            for (int j = 0; j < m; j++) {
                if (norm[j] == 0) continue;
                double rho = 0;
                for (int i = 0; i < n; i++) rho += w[i] * c.x[i][j] * (r[i] + c.x[i][j] * beta[j]);
                rho /= total;
                double next = Math.signum(rho) * Math.max(Math.abs(rho) - alpha, 0) / norm[j];
                double d = next - beta[j];
                if (d != 0) {
                    for (int i = 0; i < n; i++) r[i] -= d * c.x[i][j];
                    beta[j] = next;
                }
                largest = Math.max(largest, Math.abs(d));
                largestBeta = Math.max(largestBeta, Math.abs(next));
            }
            if (largest <= 1e-10 * Math.max(largestBeta, 1e-12)) break;
        }
        return beta;
    }

    /** The coalitions and targets minus their π-weighted means (the intercept's part of the fit). */
    private static final class Centred {
        final double[][] x;
        final double[] y;

        Centred(boolean[][] z, double[] target, double[] w) {
            int n = z.length, m = z[0].length;
            double total = 0, yMean = 0;
            double[] xMean = new double[m];
            for (int i = 0; i < n; i++) {
                total += w[i];
                yMean += w[i] * target[i];
                for (int j = 0; j < m; j++) if (z[i][j]) xMean[j] += w[i];
            }
            yMean /= total;
            for (int j = 0; j < m; j++) xMean[j] /= total;
            x = new double[n][m];
            y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = target[i] - yMean;
                for (int j = 0; j < m; j++) x[i][j] = (z[i][j] ? 1 : 0) - xMean[j];
            }
        }
    }
}
