package io.noiselens.model;

import io.noiselens.lang.NoiseLensException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ModelFileTest {
    @TempDir
    Path dir;

    @Test
    void saveAndLoadAreLosslessForEveryArchitecture() throws Exception {
        for (String arch : List.of(SmallCnn.NAME, "resnet18", "linear", "mlp")) {
            ModelSpec spec = new ModelSpec(arch, 3, 32, 32, 4, List.of("a", "b", "c", "d"),
                    new Preprocessing(new float[]{0.485f, 0.456f, 0.406f}, new float[]{0.229f, 0.224f, 0.225f},
                            new float[]{0.5f, 0.4f, 0.3f}));
            ModelWeights w = Architectures.initialWeights(spec, 8);
            Path f = dir.resolve(arch + ".nlm");
            ModelFile.save(f, spec, w);
            ModelFile.Loaded l = ModelFile.load(f);
            assertEquals(spec.architecture(), l.spec().architecture());
            assertEquals(spec.classNames(), l.spec().classNames());
            assertArrayEquals(spec.preprocessing().std(), l.spec().preprocessing().std());
            assertArrayEquals(spec.preprocessing().datasetMean(), l.spec().preprocessing().datasetMean());
            assertEquals(new ArrayList<>(names(w)), new ArrayList<>(names(l.weights())));
            for (Tensor t : w.tensors()) {
                Tensor u = l.weights().get(t.name());
                assertArrayEquals(t.shape(), u.shape());
                assertArrayEquals(t.data(), u.data(), 0f);  // bit-exact
                assertEquals(t.trainable(), u.trainable());
            }
            assertEquals(ModelFile.sha256(Files.readAllBytes(f)), l.sha256());
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 32, 32);
            try (SameDiffClassifier a = SameDiffClassifier.create(spec, w);
                 SameDiffClassifier b = SameDiffClassifier.create(l.spec(), l.weights())) {
                assertEquals(a.logits(x), b.logits(x));
            }
        }
    }

    private static List<String> names(ModelWeights w) {
        return w.tensors().stream().map(Tensor::name).toList();
    }

    @Test
    void badFilesAreRejectedNamingTheFileAndTheProblem() throws Exception {
        Path junk = dir.resolve("junk.nlm");
        Files.write(junk, new byte[]{1, 2, 3});
        String m = assertThrows(NoiseLensException.class, () -> ModelFile.load(junk)).getMessage();
        assertTrue(m.contains("junk.nlm") && m.contains("lacks"), m);

        assertTrue(assertThrows(NoiseLensException.class, () -> ModelFile.load(dir.resolve("none.nlm")))
                .getMessage().contains("none.nlm"));

        ModelSpec spec = new ModelSpec("linear", 1, 4, 4, 2, List.of("x", "y"), Preprocessing.identity(1));
        ModelSpec other = new ModelSpec("linear", 1, 5, 5, 2, List.of("x", "y"), Preprocessing.identity(1));
        Path wrong = dir.resolve("wrong.nlm");
        ModelFile.save(wrong, other, Architectures.initialWeights(spec, 1));
        m = assertThrows(NoiseLensException.class, () -> ModelFile.load(wrong)).getMessage();
        assertTrue(m.contains("wrong.nlm") && m.contains("fc.weight") && m.contains("shape"), m);
    }

    @Test
    void batchNormFoldingMatchesTheUnfoldedFormula() {
        // y = γ (conv(x) − μ)/√(σ²+ε) + β computed by hand for a 1×1 convolution on one pixel.
        ModelSpec spec = new ModelSpec("resnet18", 3, 32, 32, 2, Collections.nCopies(2, "k"), Preprocessing.identity(3));
        ModelWeights w = Architectures.initialWeights(spec, 4);
        Layers.FoldedConv wf = new Layers.FoldedConv("g", false, "layer2.0.downsample.weight", null,
                "layer2.0.downsample.bn.gamma", "layer2.0.downsample.bn.beta", "layer2.0.downsample.bn.running_mean",
                "layer2.0.downsample.bn.running_var", Layers.BN_EPS);
        Layers.FoldedConv bf = new Layers.FoldedConv("g", true, wf.weight(), null, wf.gamma(), wf.beta(), wf.mean(),
                wf.var(), Layers.BN_EPS);
        float[] W = w.get(wf.weight()).data(), fw = Layers.fold(w, wf), fb = Layers.fold(w, bf);
        float[] g = w.get(wf.gamma()).data(), be = w.get(wf.beta()).data(), mu = w.get(wf.mean()).data(), var = w.get(wf.var()).data();
        int cin = 64, cout = 128;
        float[] x = new float[cin];
        for (int i = 0; i < cin; i++) x[i] = (float) Math.sin(i);
        for (int o = 0; o < cout; o++) {
            double conv = 0, folded = fb[o];
            for (int i = 0; i < cin; i++) {
                conv += W[i * cout + o] * x[i];
                folded += fw[i * cout + o] * x[i];
            }
            double expected = g[o] * (conv - mu[o]) / Math.sqrt(var[o] + Layers.BN_EPS) + be[o];
            assertEquals(expected, folded, 1e-5 * Math.max(1, Math.abs(expected)));
        }
    }
}
