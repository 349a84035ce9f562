package io.noiselens.config;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * The typed, validated job configuration (DESIGN.md §6). Built only by {@link JobConfigLoader}, which rejects
 * unknown keys, wrong types and impossible values before any Spark work starts.
 *
 * @param json the effective configuration, every default explicit, as stored in the {@code runs} table
 */
public record JobConfig(Run run, Spark spark, Dataset dataset, Model model, Engine engine,
                        List<io.noiselens.methods.MethodSpec> methods, Metrics metrics, Replicas replicas, String json) implements Serializable {

    /** replicas.*: the evaluation subset on which every weight-noise replica's accuracy is measured (0: off). */
    public record Replicas(int evalImages) implements Serializable {}

    /**
     * metrics.*: which metrics score every map. With the default (every metric) those that need a mask are
     * computed where the image has one; names listed explicitly are computed for every map, NaN with a reason
     * where they cannot be.
     */
    public record Metrics(List<String> names, boolean explicit, int causalStep, int robustnessSamples,
                          int aupcPatches, io.noiselens.adversarial.Pgd adversarial, int attackIterations,
                          int bootstrapSamples, Map<String, io.noiselens.metrics.MetricOptions> options, Meta meta)
            implements Serializable {
        public Metrics {
            options = Map.copyOf(options);
        }

        public io.noiselens.metrics.catalogue.MetricCatalogue.Settings settings() {
            return new io.noiselens.metrics.catalogue.MetricCatalogue.Settings(causalStep, robustnessSamples, aupcPatches, adversarial,
                    attackIterations, options);
        }
    }

    /**
     * metrics.meta_*: MetaQuantus's meta-evaluation of the metrics (off by default), its K iterations and N
     * perturbations, and about how many images it covers (0: all).
     */
    public record Meta(boolean enabled, int iterations, int perturbations, int images) implements Serializable {
        /** The share of a run's {@code total} images that the meta-evaluation covers. */
        public double fraction(long total) {
            return images == 0 || total <= images ? 1 : (double) images / total;
        }
    }

    /** What {@code noiselens ingest} reads (a folder dataset), and where and how it writes it. */
    public record Ingest(Dataset dataset, Spark spark, String output, int imagesPerFile) implements Serializable {}

    /** run.*: identity of the run and where its tables go; report.*: the run's HTML report. */
    public record Run(String id, long seed, String output, Report report) implements Serializable {}

    /**
     * report.*: whether a run ends with its report, and how the report's gallery draws maps (Captum's
     * {@code visualize_image_attr} options): how many images, chosen by which metrics, which views (heat map,
     * blended overlay) and sign filters, and the share of attribution mass left out of the colour scale.
     */
    public record Report(boolean enabled, int galleryImages, List<String> galleryMetrics, List<String> views,
                         List<String> signs, double outlierPercent) implements Serializable {
        public static final List<String> VIEWS = List.of("heat_map", "blended_heat_map");
        public static final List<String> SIGNS = List.of("all", "positive", "negative", "absolute");
    }

    /** spark.*: master (empty: spark-submit's or local[*]) and partitions (0: twice the default parallelism). */
    public record Spark(String master, int partitions) implements Serializable {}

    /**
     * dataset.*: the built-in synthetic set, an image folder in ImageNet layout, a Parquet table written by
     * {@code ingest}, or Fashion-MNIST's test images (real data, from its IDX files); the resize before the centre crop (0: straight to the model input) and the bounding-box
     * annotations (Pascal-VOC XML directory, localisation CSV).
     */
    public record Dataset(String kind, int builtinImages, long builtinSeed, String folderPath,
                          List<String> extensions, long openCostBytes, long maxPartitionBytes,
                          long maxPixels, String parquetPath, int resize, String boxesXmlDir, String boxesCsv,
                          String fashionMnistPath, int fashionMnistImages) implements Serializable {
        public boolean builtin() {
            return "builtin".equals(kind);
        }

        public boolean parquet() {
            return "parquet".equals(kind);
        }

        public boolean fashionMnist() {
            return "fashion_mnist".equals(kind);
        }

        public boolean folder() {
            return "folder".equals(kind);
        }
    }

    /**
     * model.*: a model file, or "builtin:demo" (trained on first use and cached in cacheDir); for ONNX files the
     * class-index file and the input normalisation (empty: ImageNet's mean and std).
     */
    public record Model(List<String> paths, String cacheDir, int splits, int trainImages, int trainEpochs,
                        String classes, float[] mean, float[] std) implements Serializable {
        public static final String BUILTIN_DEMO = io.noiselens.model.BuiltinModels.DEMO;
        public static final String BUILTIN_FASHION_MNIST = io.noiselens.model.BuiltinModels.FASHION_MNIST;

        public boolean builtinDemo() {
            return paths.size() == 1 && BUILTIN_DEMO.equals(paths.get(0));
        }

        /** How this block's built-in models are found or trained; {@code fashionMnistData}: dataset.fashion_mnist.path. */
        public io.noiselens.model.BuiltinModels.Settings builtins(String fashionMnistData) {
            return new io.noiselens.model.BuiltinModels.Settings(java.nio.file.Path.of(cacheDir), splits, trainImages,
                    trainEpochs, java.nio.file.Path.of(fashionMnistData));
        }
    }


    /** engine.*: images per engine batch, rows per gradient call, the memory budget of one call, threads, the engine. */
    public record Engine(int batchSize, int microBatch, int memoryBudgetMb, int ompThreads,
                         io.noiselens.model.Backend backend) implements Serializable {}
}
