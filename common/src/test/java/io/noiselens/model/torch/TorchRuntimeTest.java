package io.noiselens.model.torch;

import io.noiselens.random.KeyedRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * libtorch and ND4J load and compute in one JVM (JavaCPP 1.5.13 for both, ND4J's own OpenBLAS), tensors round-trip
 * Java arrays exactly, and torch's autograd input gradient of a convolution equals its closed form: for
 * L = Σ s ⊙ conv(x, w) + b, ∂L/∂x[c, i, j] = Σ_{o, u, v} s[o, i − u + p, j − v + p] · w[o, c, u, v].
 */
class TorchRuntimeTest {
    @Test
    void torchAndNd4jComputeInOneJvm() {
        try (INDArray a = Nd4j.createFromArray(new float[][]{{1, 2}, {3, 4}}); INDArray p = a.mmul(a)) {
            assertArrayEquals(new float[]{7, 10, 15, 22}, p.reshape(4).toFloatVector());
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor a = Torch.tensor(new float[]{1, 2, 3, 4}, 2, 2);
            assertArrayEquals(new float[]{7, 10, 15, 22}, Torch.floats(torch.matmul(a, a)));
        }
    }

    /**
     * Placement: with the CPU build (or no driver) an assigned GPU falls back to the CPU with a line saying why and
     * how to get the CUDA build; tensors then live on the CPU. On a CUDA build with a device it is used.
     */
    @Test
    void theEngineIsPlacedOnAGpuOnlyWhenLibtorchSeesOne() {
        try {
            String line = Torch.place(0);
            assertEquals(torch.cuda_is_available(), Torch.onGpu(), line);
            if (!torch.cuda_is_available()) {
                assertTrue(line.contains("GPU ordinal 0 assigned") && line.contains("CPU") && line.contains("-Ptorch-gpu"), line);
                try (Tensor t = Torch.tensor(new float[]{1, 2}, 2)) {
                    assertFalse(t.is_cuda());
                }
            }
            assertTrue(Torch.useCpu().contains("CPU"));
            assertFalse(Torch.onGpu());
        } finally {
            Torch.useCpu();
        }
    }

    @Test
    void tensorsRoundTripArraysExactly() {
        float[] v = new float[2 * 3 * 4 * 5];
        KeyedRandom.fillGaussian(11, v, 0, v.length);
        try (Tensor t = Torch.tensor(v, 2, 3, 4, 5)) {
            assertArrayEquals(new long[]{2, 3, 4, 5}, t.shape());
            assertArrayEquals(v, Torch.floats(t));
        }
        assertThrows(IllegalArgumentException.class, () -> Torch.tensor(v, 2, 3));
    }

    @Test
    void autogradInputGradientOfAConvolutionMatchesItsClosedForm() {
        int cin = 2, cout = 3, n = 6, k = 3, pad = 1;
        float[] x = new float[cin * n * n], w = new float[cout * cin * k * k], b = {0.1f, -0.2f, 0.3f}, s = new float[cout * n * n];
        KeyedRandom.fillGaussian(1, x, 0, x.length);
        KeyedRandom.fillGaussian(2, w, 0, w.length);
        KeyedRandom.fillGaussian(3, s, 0, s.length);
        float[] grad;
        try (PointerScope scope = new PointerScope()) {
            Tensor xt = Torch.tensor(x, 1, cin, n, n).set_requires_grad(true);
            Tensor y = torch.conv2d(xt, Torch.tensor(w, cout, cin, k, k), new TensorOptional(Torch.tensor(b, cout)),
                    new long[]{1, 1}, new long[]{pad, pad}, new long[]{1, 1}, 1);
            torch.sum(torch.mul(y, Torch.tensor(s, 1, cout, n, n))).backward();
            grad = Torch.floats(xt.grad());
        }
        for (int c = 0; c < cin; c++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = 0;
                    for (int o = 0; o < cout; o++) {
                        for (int u = 0; u < k; u++) {
                            for (int v = 0; v < k; v++) {
                                int yi = i - u + pad, yj = j - v + pad;
                                if (yi < 0 || yi >= n || yj < 0 || yj >= n) continue;
                                expected += (double) s[(o * n + yi) * n + yj] * w[((o * cin + c) * k + u) * k + v];
                            }
                        }
                    }
                    assertEquals(expected, grad[(c * n + i) * n + j], 1e-5 * Math.max(1, Math.abs(expected)));
                }
            }
        }
    }
}
