package io.noiselens.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in models by name, resolved to model files in the cache: trained there on first use (the loader's
 * cache-or-train step), or ahead of a run by {@code noiselens train}. A run's walk only resolves names to files;
 * training happens here, below it.
 *
 * <ul>
 *   <li>{@value #DEMO}: the small CNN trained on the built-in synthetic shapes ({@link DemoModel}); with
 *       {@code splits} &gt; 1, one model per disjoint part of its training stream (Ye & Farnia's splits);</li>
 *   <li>{@value #FASHION_MNIST}: {@link FashionCnn} trained on Fashion-MNIST ({@link FashionMnistModel}).</li>
 * </ul>
 */
public final class BuiltinModels {
    public static final String DEMO = "builtin:demo";
    public static final String FASHION_MNIST = "builtin:fashion_mnist";

    /**
     * Where built-in models are cached and how the demo model is trained: {@code splits} disjoint models of
     * {@code trainImages} images and {@code trainEpochs} epochs each; {@code fashionMnistData}: the IDX files.
     */
    public record Settings(Path cacheDir, int splits, int trainImages, int trainEpochs, Path fashionMnistData) {}

    private BuiltinModels() {}

    /** Whether {@code path} names a built-in model rather than a file. */
    public static boolean isBuiltin(String path) {
        return DEMO.equals(path) || FASHION_MNIST.equals(path);
    }

    /** The recipe of demo model {@code split}: the standard one unless the size or epochs differ (then its own file). */
    public static DemoModel.Recipe demoRecipe(Settings s, int split) {
        DemoModel.Recipe r = DemoModel.Recipe.standard().split(split);
        return r.trainSize() == s.trainImages() && r.training().epochs() == s.trainEpochs() ? r
                : r.sized(s.trainImages(), s.trainEpochs());
    }

    /**
     * The model files of {@code paths}: built-in names become their cached files (trained first when missing; the
     * demo model once per split), any other path is kept as given.
     */
    public static List<String> files(List<String> paths, Settings s) {
        List<String> out = new ArrayList<>();
        for (String p : paths) {
            if (DEMO.equals(p)) {
                for (int split = 0; split < s.splits(); split++) {
                    out.add(DemoModel.getOrTrain(s.cacheDir(), demoRecipe(s, split)).toString());
                }
            } else if (FASHION_MNIST.equals(p)) {
                out.add(FashionMnistModel.getOrTrain(s.cacheDir(), s.fashionMnistData(),
                        FashionMnistModel.Recipe.standard()).toString());
            } else {
                out.add(p);
            }
        }
        return out;
    }
}
