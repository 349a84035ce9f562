package io.noiselens.metrics;

import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * Similarity of two heat maps, for the randomisation metrics: SSIM (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP
 * 2004) on the H×W maps with a 7×7 uniform window (valid positions only), C₁ = (0.01 L)², C₂ = (0.03 L)², L the joint
 * value range of both maps, sample covariances as in scikit-image; the mean of the local SSIM values. Also
 * Spearman's rank correlation, MPRT's other similarity (Adebayo et al. 2018).
 */
public final class Similarity {
    private Similarity() {}

    public static double ssim(float[] a, float[] b, int h, int w) {
        int win = Math.min(7, Math.min(h, w));
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < a.length; i++) {
            min = Math.min(min, Math.min(a[i], b[i]));
            max = Math.max(max, Math.max(a[i], b[i]));
        }
        double range = max - min;
        if (range == 0) return 1;
        double c1 = Math.pow(0.01 * range, 2), c2 = Math.pow(0.03 * range, 2);
        int np = win * win;
        double cov = np / (np - 1.0);
        double total = 0;
        int count = 0;
        for (int y = 0; y + win <= h; y++) {
            for (int x = 0; x + win <= w; x++) {
                double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
                for (int dy = 0; dy < win; dy++) {
                    for (int dx = 0; dx < win; dx++) {
                        double u = a[(y + dy) * w + x + dx], v = b[(y + dy) * w + x + dx];
                        sa += u;
                        sb += v;
                        saa += u * u;
                        sbb += v * v;
                        sab += u * v;
                    }
                }
                double ma = sa / np, mb = sb / np;
                double va = cov * (saa / np - ma * ma), vb = cov * (sbb / np - mb * mb), vab = cov * (sab / np - ma * mb);
                total += ((2 * ma * mb + c1) * (2 * vab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
                count++;
            }
        }
        return total / count;
    }

    /**
     * Spearman's rank correlation (Pearson correlation of the ranks, tied values sharing their mean rank, as
     * {@code scipy.stats.spearmanr}; commons-math3's {@link SpearmansCorrelation}). NaN when either map is constant.
     */
    public static double spearman(float[] a, float[] b) {
        return spearman(toDouble(a), toDouble(b));
    }

    /** Spearman's rank correlation of two series, as {@link #spearman(float[], float[])}. */
    public static double spearman(double[] x, double[] y) {
        return constant(x) || constant(y) ? Double.NaN : new SpearmansCorrelation().correlation(x, y);
    }

    /** Pearson's correlation (commons-math3's {@link PearsonsCorrelation}); NaN when either vector is constant. */
    public static double pearson(double[] x, double[] y) {
        return constant(x) || constant(y) ? Double.NaN : new PearsonsCorrelation().correlation(x, y);
    }

    private static boolean constant(double[] v) {
        for (double d : v) if (d != v[0]) return false;
        return true;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
