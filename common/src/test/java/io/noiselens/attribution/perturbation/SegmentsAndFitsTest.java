package io.noiselens.attribution.perturbation;

import io.noiselens.model.Preprocessing;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Segmentations (grid, SLIC) and the surrogate fits of KernelSHAP and LIME, checked by their defining properties. */
class SegmentsAndFitsTest {
    @Test
    void gridBlocksAreRowMajorWithPartialEdges() {
        Segments s = Segments.grid(3, 7, 5);   // blocks of 3×2 pixels: rows {0-2, 3-5, 6}, columns {0-1, 2-3, 4}
        assertEquals(9, s.count());
        assertEquals(0, s.labels()[0]);
        assertEquals(2, s.labels()[4]);                 // row 0, column 4
        assertEquals(3, s.labels()[3 * 5]);             // row 3, column 0
        assertEquals(8, s.labels()[6 * 5 + 4]);         // the bottom-right partial block
        assertArrayEquals(new int[]{6, 6, 3, 6, 6, 3, 2, 2, 1}, s.sizes());
    }

    /** A two-colour image: every superpixel lies on one side of the edge, is connected, and the count is near n. */
    @Test
    void slicFollowsColourEdgesAndGivesConnectedSegments() {
        int h = 40, w = 48, plane = h * w;
        Preprocessing pre = new Preprocessing(new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.25f, 0.25f, 0.25f},
                new float[]{0.5f, 0.5f, 0.5f});
        float[] img = new float[3 * plane];
        Random r = new Random(1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean left = x < 17 + y / 4;   // a slanted edge between red and blue
                float[] rgb = left ? new float[]{0.9f, 0.1f, 0.1f} : new float[]{0.1f, 0.2f, 0.9f};
                for (int c = 0; c < 3; c++) {
                    float v = rgb[c] + 0.02f * (float) r.nextGaussian();
                    img[c * plane + y * w + x] = (v - 0.5f) / 0.25f;
                }
            }
        }
        Segments s = Slic.segment(img, 3, h, w, pre, 20, 10, 10);
        assertTrue(s.count() >= 8 && s.count() <= 40, "segments: " + s.count());
        Set<Integer> seen = new HashSet<>();
        for (int l : s.labels()) seen.add(l);
        assertEquals(s.count(), seen.size(), "labels are 0 … count − 1");
        boolean[] leftSide = new boolean[s.count()], rightSide = new boolean[s.count()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (x < 17 + y / 4) leftSide[s.labels()[y * w + x]] = true;
                else rightSide[s.labels()[y * w + x]] = true;
            }
        }
        int straddling = 0;
        for (int l = 0; l < s.count(); l++) if (leftSide[l] && rightSide[l]) straddling++;
        assertEquals(0, straddling, "superpixels crossing the colour edge");
        // Connected: a flood fill from each segment's first pixel reaches all of its pixels.
        int[] size = s.sizes();
        for (int l = 0; l < s.count(); l++) {
            int start = -1;
            for (int i = 0; i < plane && start < 0; i++) if (s.labels()[i] == l) start = i;
            java.util.ArrayDeque<Integer> q = new java.util.ArrayDeque<>(java.util.List.of(start));
            boolean[] done = new boolean[plane];
            done[start] = true;
            int reached = 0;
            while (!q.isEmpty()) {
                int i = q.poll();
                reached++;
                int y = i / w, x = i % w;
                for (int j : new int[]{x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1}) {
                    if (j >= 0 && !done[j] && s.labels()[j] == l) {
                        done[j] = true;
                        q.add(j);
                    }
                }
            }
            assertEquals(size[l], reached, "segment " + l + " is not connected");
        }
    }

    /**
     * Strong noise (a FusionGrad draw's input) breaks SLIC's clusters into pieces all smaller than half a segment:
     * every piece joins label 0, a segmentation of one segment, never of none (found by the job: KernelSHAP and LIME
     * under FusionGrad failed on every image).
     */
    @Test
    void slicOfNoiseStillHasASegment() {
        int h = 64, w = 64;
        Random r = new Random(4);
        float[] noise = new float[3 * h * w];
        for (int i = 0; i < noise.length; i++) noise[i] = (float) (8 * r.nextGaussian());
        Segments s = Slic.segment(noise, 3, h, w, Preprocessing.identity(3), 16, 10, 10);
        assertTrue(s.count() >= 1);
        for (int l : s.labels()) assertTrue(l >= 0 && l < s.count());
    }

    /**
     * Against scikit-image's SLIC on the built-in shapes ({@code src/test/python/slic_segments.py}): the same
     * algorithm family, not the same code (initial grid, stopping, connectivity enforcement differ), so the check is
     * agreement as a partition — adjusted Rand index — and a segment count of the same order.
     */
    @Test
    void slicAgreesWithScikitImage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.noiselens.data.SyntheticShapes shapes = new io.noiselens.data.SyntheticShapes(7, 64);
        Preprocessing pre = new Preprocessing(new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.25f, 0.25f, 0.25f},
                new float[]{0.5f, 0.5f, 0.5f});
        int h = 64, w = 64, plane = h * w;
        for (int i = 0; i < 3; i++) {
            float[] rgb = shapes.image("slic", i).pixels();
            java.nio.ByteBuffer hwc = java.nio.ByteBuffer.allocate(4 * 3 * plane).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            float[] model = new float[3 * plane];
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < 3; c++) {
                    hwc.putFloat(rgb[c * plane + p]);
                    model[c * plane + p] = pre.normalise(c, rgb[c * plane + p]);
                }
            }
            java.nio.file.Path run = java.nio.file.Files.createDirectories(dir.resolve("img" + i));
            java.nio.file.Files.write(run.resolve("image.f32"), hwc.array());
            java.nio.file.Files.writeString(run.resolve("image.json"), "{\"h\": 64, \"w\": 64, \"n\": 30, \"compactness\": 10}");
            io.noiselens.PythonFixtures.run("slic_segments.py", run, "python3-skimage");
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(run.resolve("labels.i32")))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int[] theirs = new int[plane];
            b.asIntBuffer().get(theirs);
            Segments ours = Slic.segment(model, 3, h, w, pre, 30, 10, 10);
            int theirCount = java.util.Arrays.stream(theirs).max().orElse(0) + 1;
            double ari = adjustedRand(ours.labels(), theirs);
            System.out.printf("SLIC image %d: %d segments here, %d in scikit-image, adjusted Rand index %.3f%n", i,
                    ours.count(), theirCount, ari);
            assertTrue(ours.count() >= theirCount / 2 && ours.count() <= theirCount * 2, ours.count() + " vs " + theirCount);
            assertTrue(ari >= 0.5, "adjusted Rand index " + ari);
        }
    }

    /** Hubert and Arabie's adjusted Rand index of two labellings. */
    static double adjustedRand(int[] a, int[] b) {
        java.util.Map<Long, Integer> joint = new java.util.HashMap<>();
        java.util.Map<Integer, Integer> ca = new java.util.HashMap<>(), cb = new java.util.HashMap<>();
        for (int i = 0; i < a.length; i++) {
            joint.merge(((long) a[i] << 32) | b[i], 1, Integer::sum);
            ca.merge(a[i], 1, Integer::sum);
            cb.merge(b[i], 1, Integer::sum);
        }
        double sumJoint = 0, sumA = 0, sumB = 0;
        for (int v : joint.values()) sumJoint += v * (v - 1) / 2.0;
        for (int v : ca.values()) sumA += v * (v - 1) / 2.0;
        for (int v : cb.values()) sumB += v * (v - 1) / 2.0;
        double total = a.length * (a.length - 1) / 2.0, expected = sumA * sumB / total;
        return (sumJoint - expected) / ((sumA + sumB) / 2 - expected);
    }

    /**
     * The Lasso's answer satisfies its optimality (KKT) conditions, and ridge's its normal equations: certificates
     * independent of the solvers.
     */
    @Test
    void lassoAndRidgeSatisfyTheirOptimalityConditions() {
        Random r = new Random(3);
        int n = 80, m = 12;
        boolean[][] z = new boolean[n][m];
        double[] y = new double[n], w = new double[n], truth = new double[m];
        for (int j = 0; j < m; j++) truth[j] = j % 3 == 0 ? 0 : r.nextGaussian();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                z[i][j] = r.nextBoolean();
                if (z[i][j]) y[i] += truth[j];
            }
            y[i] += 0.5 + 0.1 * r.nextGaussian();
            w[i] = 0.2 + r.nextDouble();
        }
        for (double alpha : new double[]{0.0, 0.01, 0.1}) {
            double[] beta = SurrogateFit.lasso(z, y, w, alpha);
            // Intercept from the weighted means; gradient of the smooth part per coordinate.
            double total = 0, yMean = 0;
            double[] xMean = new double[m];
            for (int i = 0; i < n; i++) {
                total += w[i];
                yMean += w[i] * y[i];
                for (int j = 0; j < m; j++) if (z[i][j]) xMean[j] += w[i];
            }
            yMean /= total;
            double b0 = yMean;
            for (int j = 0; j < m; j++) b0 -= beta[j] * xMean[j] / total;
            for (int j = 0; j < m; j++) {
                double corr = 0;
                for (int i = 0; i < n; i++) {
                    double fit = b0;
                    for (int k = 0; k < m; k++) if (z[i][k]) fit += beta[k];
                    corr += w[i] * (z[i][j] ? 1 : 0) * (y[i] - fit);
                }
                corr /= total;
                if (beta[j] != 0) assertEquals(alpha * Math.signum(beta[j]), corr, 1e-7, "α " + alpha + " β_" + j);
                else assertTrue(Math.abs(corr) <= alpha + 1e-7, "α " + alpha + " β_" + j + " = 0 with |corr| " + corr);
            }
            if (alpha == 0) assertArrayEquals(SurrogateFit.leastSquares(z, y, w), beta, 1e-6);
            // Ridge: the gradient of Σ π (y − β₀ − βᵀz)² + α‖β‖² vanishes, Σ π z_j r = α β_j, with β₀ at its optimum.
            double[] ridge = SurrogateFit.ridge(z, y, w, alpha);
            double r0 = yMean;
            for (int j = 0; j < m; j++) r0 -= ridge[j] * xMean[j] / total;
            for (int j = 0; j < m; j++) {
                double corr = 0;
                for (int i = 0; i < n; i++) {
                    double fit = r0;
                    for (int k = 0; k < m; k++) if (z[i][k]) fit += ridge[k];
                    corr += w[i] * (z[i][j] ? 1 : 0) * (y[i] - fit);
                }
                assertEquals(alpha * ridge[j], corr, 1e-7, "ridge α " + alpha + " β_" + j);
            }
        }
    }
}
