package io.noiselens.config;

import io.noiselens.lang.Errors;
import io.noiselens.lang.ConfigKey;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.methods.MethodSpec;
import io.noiselens.metrics.catalogue.MetricCatalogue;
import io.noiselens.metrics.MapPreprocessing;
import io.noiselens.metrics.MetricOptions;
import io.noiselens.metrics.PerturbBaseline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static io.noiselens.lang.ConfigKey.Type.*;

/**
 * Reads HOCON job configuration with {@code --set key=value} overrides into a {@link JobConfig}. Every key is
 * defined once in {@link #KEYS} (type, default, doc); method entries by their family in
 * {@link io.noiselens.methods.MethodCatalogue}. Unknown keys,
 * wrong types and impossible values are errors that name the key, the value and the fix.
 */
public final class JobConfigLoader {
    private static final MetricCatalogue.Settings METRIC_DEFAULTS = MetricCatalogue.Settings.defaults();

    public static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("run.id", STRING, "", "Run identifier (partition value run_id); empty: run-<UTC timestamp>; "
                    + "{date} in it becomes today's UTC date (scheduled runs: nightly-{date}). Re-running an id "
                    + "replaces that run's rows only."),
            ConfigKey.of("run.seed", LONG, 42L, "Seed of every random stream (weight replicas, input noise)."),
            ConfigKey.of("run.output", STRING, "noiselens-out", "Directory or URI under which the tables are written."),
            ConfigKey.of("report.enabled", BOOLEAN, true, "Write the run's HTML report (read from its tables) under "
                    + "<run.output>/reports/<run_id>/ at the end of the run; 'noiselens report' writes it any time."),
            ConfigKey.of("report.gallery.images", INT, 16, "Most images in the report's gallery (each with every "
                    + "method's maps); the best, median and worst by each gallery metric, then the best of each class."),
            ConfigKey.of("report.gallery.metrics", LIST, List.of(), "Metrics that choose the gallery's images (mean "
                    + "over the methods per image); empty: deletion_auc when the run has it, else its first metric."),
            ConfigKey.of("report.gallery.views", LIST, JobConfig.Report.VIEWS, "How each map is drawn (Captum's "
                    + "visualize_image_attr methods): heat_map, blended_heat_map (over the greyscale input)."),
            ConfigKey.of("report.gallery.signs", LIST, List.of("all", "absolute"), "Sign filters of the drawn maps "
                    + "(Captum's sign): all (red negative, green positive), positive, negative, absolute."),
            ConfigKey.of("report.gallery.outlier_percent", DOUBLE, 2.0, "Share (%) of the attribution mass above "
                    + "the colour scale's top (Captum's outlier_perc): values beyond it are clipped."),
            ConfigKey.of("spark.master", STRING, "", "Spark master; empty: the one spark-submit gives, else local[*]."),
            ConfigKey.of("spark.partitions", INT, 0, "Partitions of the image dataset; 0: twice the default parallelism."),
            ConfigKey.oneOf("dataset.kind", "builtin", "Where images come from: the built-in synthetic set, an "
                    + "ImageNet-layout folder, a Parquet table written by 'ingest', or Fashion-MNIST's test set.",
                    "builtin", "folder", "parquet", "fashion_mnist"),
            ConfigKey.of("dataset.fashion_mnist.path", STRING, io.noiselens.data.FashionMnist.DEFAULT_DIR,
                    "Directory of Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist package)."),
            ConfigKey.of("dataset.fashion_mnist.images", INT, 10_000, "How many of Fashion-MNIST's 10 000 test "
                    + "images to explain (the first ones)."),
            ConfigKey.of("dataset.builtin.images", INT, 512, "Number of images of the built-in synthetic set."),
            ConfigKey.of("dataset.builtin.seed", LONG, 7L, "Seed of the built-in synthetic set."),
            ConfigKey.of("dataset.folder.path", STRING, "", "Root of an ImageNet-layout folder: root/<class>/<file>."),
            ConfigKey.of("dataset.folder.extensions", LIST, List.of("jpg", "jpeg", "png", "JPEG", "JPG", "PNG"),
                    "File extensions read from the folder."),
            ConfigKey.of("dataset.folder.open_cost_bytes", LONG, 65536L,
                    "spark.sql.files.openCostInBytes for the scan of XML box annotations: small, so a task packs "
                            + "hundreds of files, not ~30."),
            ConfigKey.of("dataset.folder.max_partition_bytes", LONG, 134217728L,
                    "spark.sql.files.maxPartitionBytes for the scan of XML box annotations."),
            ConfigKey.of("dataset.parquet.path", STRING, "", "A dataset written by 'noiselens ingest' (dataset.kind = parquet)."),
            ConfigKey.of("dataset.resize", INT, 0, "Resize the shorter side to this many pixels, then centre-crop to "
                    + "the model input (torchvision's Resize + CenterCrop; ImageNet evaluation: 256 for 224 inputs); "
                    + "0: resize straight to the input size."),
            ConfigKey.of("dataset.boxes.xml_dir", STRING, "", "Pascal-VOC XML annotations, <image name>.xml in any "
                    + "sub-directory (ImageNet's Annotations); the boxes of the image's class become its object mask."),
            ConfigKey.of("dataset.boxes.csv", STRING, "", "A localisation CSV with ImageId,PredictionString columns "
                    + "(ImageNet's LOC_val_solution.csv); the boxes of the image's class become its object mask."),
            ConfigKey.of("dataset.max_pixels", LONG, 50_000_000L, "Images with more pixels go to the errors table."),
            ConfigKey.of("model.path", STRING, JobConfig.Model.BUILTIN_DEMO,
                    "A model file: ONNX (.onnx, e.g. a torchvision export) or NoiseLens (.nlm); builtin:demo for "
                    + "the small CNN trained on the built-in set, or builtin:fashion_mnist for a CNN trained on "
                    + "Fashion-MNIST's training set (both trained on first use and cached)."),
            ConfigKey.of("model.paths", LIST, List.of(), "Several model files (.onnx, .nlm) explained in one run, "
                    + "replacing model.path; the stability_error metric compares their maps image by image."),
            ConfigKey.of("model.classes", STRING, "", "Class names of an ONNX model, in output order: "
                    + "imagenet_class_index.json, LOC_synset_mapping.txt, a JSON array or one name per line; empty: "
                    + "class_0, class_1, …. Folder datasets whose directories carry these names are labelled by them."),
            ConfigKey.of("model.mean", LIST, List.of(), "Per-channel mean of an ONNX model's input normalisation "
                    + "(x − mean) / std on pixels in [0, 1]; empty: ImageNet's [0.485, 0.456, 0.406] for RGB."),
            ConfigKey.of("model.std", LIST, List.of(), "Per-channel std of that normalisation; empty: ImageNet's "
                    + "[0.229, 0.224, 0.225] for RGB."),
            ConfigKey.of("model.splits", INT, 1, "With builtin:demo: train this many demo models on disjoint parts of "
                    + "the built-in training stream and explain with each (stability across training sets)."),
            ConfigKey.of("model.train_images", INT, 3600, "Training images of each builtin:demo model."),
            ConfigKey.of("model.train_epochs", INT, 6, "Training epochs of each builtin:demo model."),
            ConfigKey.of("model.cache_dir", STRING, "", "Where builtin:demo is cached; empty: ~/.cache/noiselens."),
            ConfigKey.of("engine.batch_size", INT, 32, "Images per engine batch."),
            ConfigKey.of("engine.micro_batch", INT, 64, "Most rows (path points × draws) per gradient call."),
            ConfigKey.of("engine.memory_budget_mb", INT, 1024, "Activation memory one gradient call may use."),
            ConfigKey.of("engine.omp_threads", INT, 0, "Native threads per Spark task; 0: cores / concurrent tasks."),
            ConfigKey.oneOf("engine.backend", "nd4j", "Model engine: nd4j (ND4J/SameDiff, the default) or torch "
                    + "(libtorch 2.10 through JavaCPP); both compute the same maps within float32 rounding.", "nd4j", "torch"),
            ConfigKey.of("methods", LIST, null, "Attribution methods: a list of objects with at least 'kind'."),
            ConfigKey.of("metrics.names", LIST, List.of(), "Metrics scoring every map; empty: all that apply to the data. "
                    + "Names: " + MetricCatalogue.names()),
            ConfigKey.of("metrics.causal_step", INT, METRIC_DEFAULTS.causalStep(), "Pixels moved per step of the deletion/insertion curves; "
                    + "0: one image row (RISE's 224 on 224×224)."),
            ConfigKey.of("metrics.robustness_samples", INT, METRIC_DEFAULTS.robustnessSamples(), "Perturbed copies each robustness metric re-explains "
                    + "per map (Quantus uses 200; each costs one full run of the method); also smooth_mprt's denoising "
                    + "copies (Quantus 50) and monotonicity_correlation's draws per block (Quantus 100)."),
            ConfigKey.of("metrics.aupc_patches", INT, METRIC_DEFAULTS.aupcPatches(), "Random patches tried per window of SmoothTaylor's "
                    + "perturbation curve (aupc); each is one forward pass, 30 windows per map."),
            ConfigKey.of("metrics.adversarial_epsilon", DOUBLE, METRIC_DEFAULTS.adversarial().epsilon(), "L∞ radius of the PGD attack of "
                    + "adversarial_retrieval, in model-input (normalised) units (Lim et al. use 0.07 to 8)."),
            ConfigKey.oneOf("metrics.adversarial_attack", "pgd", "Attack of adversarial_retrieval: pgd (L∞, random "
                    + "start) or fgsm (one step of size ε).", "pgd", "fgsm"),
            ConfigKey.of("metrics.adversarial_steps", INT, METRIC_DEFAULTS.adversarial().iterations(), "PGD iterations of adversarial_retrieval."),
            ConfigKey.of("metrics.adversarial_step_size", DOUBLE, METRIC_DEFAULTS.adversarial().stepSize(), "PGD step size, model-input units."),
            ConfigKey.of("metrics.attack_iterations", INT, METRIC_DEFAULTS.attackIterations(), "Iterations of Ghorbani et al.'s top-k explanation "
                    + "attack (attack_top_k_intersection, attack_spearman); each costs ~5 passes per image."),
            ConfigKey.of("ingest.output", STRING, "", "Where 'noiselens ingest' writes the folder as a Parquet "
                    + "dataset (read it with dataset.kind = parquet)."),
            ConfigKey.of("ingest.images_per_file", INT, 2000, "Images per Parquet file written by 'ingest' (~220 MB "
                    + "of ImageNet JPEGs, read as a few tasks each)."),
            ConfigKey.of("replicas.eval_images", INT, 256, "Labelled images on which each NoiseGrad/FusionGrad "
                    + "replica's accuracy is measured (the replicas table); 0 turns it off."),
            ConfigKey.of("metrics.bootstrap_samples", INT, 1000, "Bootstrap resamples for the summary's 95 % interval."),
            ConfigKey.of("metrics.meta_evaluation", BOOLEAN, false, "MetaQuantus's meta-evaluation of the metrics: "
                    + "each metric's resilience to minor and reactivity to disruptive perturbations of the model and the "
                    + "input, written to the meta table and the summary (costs 4 x iterations x perturbations runs of "
                    + "the methods and metrics on the images it covers)."),
            ConfigKey.of("metrics.meta_iterations", INT, 2, "Iterations K of the meta-evaluation (MetaQuantus: 5); "
                    + "MC's standard deviation is over them."),
            ConfigKey.of("metrics.meta_perturbations", INT, 3, "Perturbations N per iteration and test (MetaQuantus: 10)."),
            ConfigKey.of("metrics.meta_images", INT, 64, "About how many images the meta-evaluation covers, chosen by "
                    + "a hash of (run seed, image id); 0: every image."));

    /**
     * Per-metric options, {@code metrics.options.<metric>.<option>} with options {@link MetricOptions#KEYS}
     * (Quantus's names; each metric's defaults are listed in README's metric table).
     */
    public static final String OPTIONS = "metrics.options";

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private JobConfigLoader() {}

    /** Loads {@code file} (null: only defaults and overrides) with {@code --set} overrides applied on top. */
    public static JobConfig load(Path file, List<String> overrides) {
        return fromConfig(applyOverrides(parse(file), overrides));
    }

    private static Config parse(Path file) {
        if (file == null) return ConfigFactory.empty();
        if (!Files.isRegularFile(file)) throw Errors.badConfigFile(file, "no such file");
        try {
            return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw Errors.badConfigFile(file, e.getMessage());
        }
    }

    /** Parses HOCON text (the embedded demo configuration). */
    public static JobConfig fromString(String hocon, List<String> overrides) {
        return fromConfig(applyOverrides(ConfigFactory.parseString(hocon), overrides));
    }

    static Config applyOverrides(Config base, List<String> overrides) {
        Config c = base;
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) throw Errors.badOverride(o);
            String key = o.substring(0, eq).trim(), value = o.substring(eq + 1).trim();
            Config parsed;
            try {
                parsed = ConfigFactory.parseString("v = " + value, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF));
            } catch (ConfigException e) {
                parsed = ConfigFactory.empty().withValue("v", ConfigValueFactory.fromAnyRef(value));
            }
            try {
                c = c.withValue(key, parsed.getValue("v"));
            } catch (ConfigException e) {
                throw Errors.badOverride(o);
            }
        }
        return c.resolve();
    }

    /**
     * What {@code noiselens ingest} needs: the folder dataset (same keys and checks as a job's), where to write it
     * and how many images go into one Parquet file.
     */
    public static JobConfig.Ingest ingest(Path file, List<String> overrides) {
        Config raw = applyOverrides(parse(file), overrides);
        if (!raw.hasPath("dataset.kind")) raw = raw.withValue("dataset.kind", ConfigValueFactory.fromAnyRef("folder"));
        Config c = withDefaults(raw);
        JobConfig.Dataset d = dataset(c);
        if (!d.kind().equals("folder")) {
            throw Errors.invalidValue("dataset.kind", d.kind(), "ingest reads an image folder: set dataset.kind = folder "
                    + "and dataset.folder.path.");
        }
        return new JobConfig.Ingest(d, new JobConfig.Spark(str(c, "spark.master"), atLeast(c, "spark.partitions", 0)),
                nonEmpty(c, "ingest.output"), atLeast(c, "ingest.images_per_file", 1));
    }

    /** Rejects unknown keys and fills every default. */
    private static Config withDefaults(Config raw) {
        Set<String> known = new TreeSet<>();
        for (ConfigKey k : KEYS) known.add(k.path());
        for (Map.Entry<String, ConfigValue> e : raw.entrySet()) {
            String key = e.getKey();
            if (!known.contains(key) && !key.equals("methods") && !key.startsWith(OPTIONS + ".")) {
                throw Errors.unknownKey(key, known);
            }
        }
        Config c = raw;
        for (ConfigKey k : KEYS) {
            if (!c.hasPath(k.path()) && k.defaultValue() != null) {
                c = c.withValue(k.path(), ConfigValueFactory.fromAnyRef(k.defaultValue()));
            }
        }
        return c;
    }

    static JobConfig fromConfig(Config raw) {
        Config c = withDefaults(raw);
        String runId = str(c, "run.id").replace("{date}", DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC)
                .format(Instant.now()));
        c = c.withValue("run.id", ConfigValueFactory.fromAnyRef(runId));
        if (runId.isEmpty()) {
            runId = "run-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
            c = c.withValue("run.id", ConfigValueFactory.fromAnyRef(runId));
        }
        if (!RUN_ID.matcher(runId).matches()) {
            throw Errors.invalidValue("run.id", runId, "Use letters, digits, '.', '_' or '-' (at most 128), "
                    + "starting with a letter or digit, e.g. nightly-2026-11-24.");
        }
        JobConfig.Run run = new JobConfig.Run(runId, lng(c, "run.seed"), nonEmpty(c, "run.output"), report(c));
        JobConfig.Spark spark = new JobConfig.Spark(str(c, "spark.master"), atLeast(c, "spark.partitions", 0));
        JobConfig.Dataset dataset = dataset(c);
        String cacheDir = str(c, "model.cache_dir");
        if (cacheDir.isEmpty()) cacheDir = Path.of(System.getProperty("user.home"), ".cache", "noiselens").toString();
        List<String> paths = strings(c, "model.paths");
        if (paths.isEmpty()) paths = List.of(nonEmpty(c, "model.path"));
        if (new java.util.HashSet<>(paths).size() != paths.size()) {
            throw Errors.invalidValue("model.paths", String.join(", ", paths), "List each model once.");
        }
        int splits = atLeast(c, "model.splits", 1);
        float[] std = floats(c, "model.std");
        for (float v : std == null ? new float[0] : std) {
            if (!(v > 0)) throw Errors.invalidValue("model.std", String.valueOf(v), "Every std must be > 0.");
        }
        JobConfig.Model model = new JobConfig.Model(paths, cacheDir, splits, atLeast(c, "model.train_images", 10),
                atLeast(c, "model.train_epochs", 1), str(c, "model.classes"), floats(c, "model.mean"), std);
        if (splits > 1 && !model.builtinDemo()) {
            throw Errors.invalidValue("model.splits", String.valueOf(splits), "Splits train the built-in demo model on "
                    + "disjoint data; they need model.path = builtin:demo. To compare your own models, list them in "
                    + "model.paths.");
        }
        JobConfig.Engine engine = new JobConfig.Engine(atLeast(c, "engine.batch_size", 1), atLeast(c, "engine.micro_batch", 1),
                atLeast(c, "engine.memory_budget_mb", 16), atLeast(c, "engine.omp_threads", 0),
                io.noiselens.model.Backend.of(enumValue(c, "engine.backend")));
        if (!c.hasPath("methods")) {
            throw Errors.missingKey("methods", "List the attribution methods, e.g. methods = [{kind = gradient}, "
                    + "{kind = integrated_gradients, steps = 64}]. Kinds: " + MethodCatalogue.kinds());
        }
        List<MethodSpec> methods = methods(c);
        List<String> metricNames = strings(c, "metrics.names");
        MetricCatalogue.create(metricNames, MetricCatalogue.Settings.defaults(), "metrics.names");
        JobConfig.Metrics metrics = new JobConfig.Metrics(
                metricNames.isEmpty() ? MetricCatalogue.names() : metricNames, !metricNames.isEmpty(),
                atLeast(c, "metrics.causal_step", 0), atLeast(c, "metrics.robustness_samples", 1),
                atLeast(c, "metrics.aupc_patches", 1), adversarialAttack(c), atLeast(c, "metrics.attack_iterations", 1),
                atLeast(c, "metrics.bootstrap_samples", 100), metricOptions(c), new JobConfig.Meta(
                        bool(c, "metrics.meta_evaluation"), atLeast(c, "metrics.meta_iterations", 1),
                        atLeast(c, "metrics.meta_perturbations", 1), atLeast(c, "metrics.meta_images", 0)));
        String json = c.root().render(ConfigRenderOptions.concise());
        JobConfig.Replicas replicas = new JobConfig.Replicas(atLeast(c, "replicas.eval_images", 0));
        return new JobConfig(run, spark, dataset, model, engine, methods, metrics, replicas, json);
    }

    private static JobConfig.Dataset dataset(Config c) {
        String kind = enumValue(c, "dataset.kind");
        String folder = str(c, "dataset.folder.path");
        if (kind.equals("folder") && folder.isEmpty()) {
            throw Errors.missingKey("dataset.folder.path", "dataset.kind = folder needs the folder's root, "
                    + "e.g. --set dataset.folder.path=/data/imagenet/val");
        }
        String parquet = str(c, "dataset.parquet.path");
        if (kind.equals("parquet") && parquet.isEmpty()) {
            throw Errors.missingKey("dataset.parquet.path", "dataset.kind = parquet reads a table written by "
                    + "'noiselens ingest', e.g. --set dataset.parquet.path=/data/imagenet-val.parquet");
        }
        String xmlDir = str(c, "dataset.boxes.xml_dir"), csv = str(c, "dataset.boxes.csv");
        if ((kind.equals("builtin") || kind.equals("fashion_mnist")) && !(xmlDir.isEmpty() && csv.isEmpty())) {
            throw Errors.invalidValue(xmlDir.isEmpty() ? "dataset.boxes.csv" : "dataset.boxes.xml_dir",
                    xmlDir.isEmpty() ? csv : xmlDir, "The built-in dataset has its own masks; boxes apply to folders.");
        }
        if (kind.equals("parquet") && !(xmlDir.isEmpty() && csv.isEmpty())) {
            throw Errors.invalidValue(xmlDir.isEmpty() ? "dataset.boxes.csv" : "dataset.boxes.xml_dir",
                    xmlDir.isEmpty() ? csv : xmlDir, "An ingested dataset carries the boxes given to 'ingest'; give them there.");
        }
        return new JobConfig.Dataset(kind, atLeast(c, "dataset.builtin.images", 1),
                lng(c, "dataset.builtin.seed"), folder, strings(c, "dataset.folder.extensions"),
                atLeastLong(c, "dataset.folder.open_cost_bytes", 0), atLeastLong(c, "dataset.folder.max_partition_bytes", 1024),
                atLeastLong(c, "dataset.max_pixels", 1), parquet, atLeast(c, "dataset.resize", 0), xmlDir, csv,
                nonEmpty(c, "dataset.fashion_mnist.path"), atLeast(c, "dataset.fashion_mnist.images", 1));
    }

    private static List<MethodSpec> methods(Config c) {
        ConfigList list;
        try {
            list = c.getList("methods");
        } catch (ConfigException.WrongType e) {
            throw Errors.wrongType("methods", c.getValue("methods").unwrapped(), "a list of method objects");
        }
        if (list.isEmpty()) throw Errors.invalidValue("methods", "[]", "List at least one method.");
        List<MethodSpec> out = new ArrayList<>();
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "methods[" + i + "]";
            ConfigValue v = list.get(i);
            if (v.valueType() != ConfigValueType.OBJECT) {
                throw Errors.wrongType(where, v.unwrapped(), "an object such as {kind = smoothgrad, samples = 25}");
            }
            for (String k : ((ConfigObject) v).keySet()) {
                if (!MethodCatalogue.allKeys().contains(k)) throw Errors.unknownKey(where + "." + k, MethodCatalogue.allKeys());
            }
            for (Config m : sweep(((ConfigObject) v).toConfig(), where)) {
                MethodSpec spec = MethodCatalogue.spec(m.root().unwrapped(), where);
                if (!ids.add(spec.id())) {
                    throw Errors.invalidValue(where + ".id", spec.id(), "Each method needs a distinct id; set 'id' on one of them.");
                }
                out.add(spec);
            }
        }
        return out;
    }

    /**
     * A σ sweep: a method whose {@code sigma} or {@code sigma_w} is a list becomes one method per value (per
     * combination when both are lists), with ids {@code <id>_sigma<σ>} and {@code <id>_sigma_w<σ_w>}.
     */
    private static List<Config> sweep(Config m, String where) {
        for (String key : List.of("sigma", "sigma_w")) {
            if (!m.hasPath(key) || m.getValue(key).valueType() != ConfigValueType.LIST) continue;
            List<? extends ConfigValue> values = m.getList(key);
            if (values.isEmpty()) throw Errors.invalidValue(where + "." + key, "[]", "List at least one value to sweep.");
            String id = m.hasPath("id") ? m.getString("id") : m.hasPath("kind") ? m.getString("kind") : "method";
            List<Config> out = new ArrayList<>();
            for (ConfigValue value : values) {
                if (value.valueType() != ConfigValueType.NUMBER) {
                    throw Errors.wrongType(where + "." + key, value.unwrapped(), "a number or a list of numbers");
                }
                String label = new java.math.BigDecimal(value.unwrapped().toString()).stripTrailingZeros().toPlainString();
                out.addAll(sweep(m.withValue(key, value).withValue("id",
                        com.typesafe.config.ConfigValueFactory.fromAnyRef(id + "_" + key + label)), where));
            }
            return out;
        }
        return List.of(m);
    }

    private static ConfigKey key(String path) {
        return KEYS.stream().filter(k -> k.path().equals(path)).findFirst().orElseThrow();
    }

    private static String str(Config c, String path) {
        return str(c, path, path);
    }

    private static String str(Config c, String path, String name) {
        ConfigValue v = c.getValue(path);
        if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
            throw Errors.wrongType(name, v.unwrapped(), "a string");
        }
        return String.valueOf(v.unwrapped());
    }

    private static String nonEmpty(Config c, String path) {
        String s = str(c, path);
        if (s.isBlank()) throw Errors.invalidValue(path, s, "It must not be empty.");
        return s;
    }

    private static String enumValue(Config c, String path) {
        ConfigKey k = key(path);
        String s = str(c, path);
        if (!k.allowed().contains(s)) throw Errors.invalidValue(path, s, "Use one of " + k.allowed() + ".");
        return s;
    }

    private static long lng(Config c, String path) {
        return whole(c, path, path, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private static int integer(Config c, String path, String name) {
        return (int) whole(c, path, name, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An integer in [min, max]: a fraction (1.5) is refused, not truncated, as is a number out of range. */
    private static long whole(Config c, String path, String name, long min, long max) {
        Object v = c.getValue(path).unwrapped();
        try {
            if (v instanceof Number || v instanceof String) {
                java.math.BigDecimal d = new java.math.BigDecimal(v.toString().trim());
                if (d.stripTrailingZeros().scale() <= 0 && d.compareTo(java.math.BigDecimal.valueOf(min)) >= 0
                        && d.compareTo(java.math.BigDecimal.valueOf(max)) <= 0) {
                    return d.longValueExact();
                }
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // refused below
        }
        throw Errors.wrongType(name, v, max == Integer.MAX_VALUE ? "an integer" : "an integer (64-bit)");
    }

    private static int atLeast(Config c, String path, int min) {
        int v = integer(c, path, path);
        if (v < min) throw Errors.invalidValue(path, v, "It must be ≥ " + min + ".");
        return v;
    }

    private static boolean bool(Config c, String path) {
        try {
            return c.getBoolean(path);
        } catch (ConfigException.WrongType e) {
            throw Errors.wrongType(path, c.getValue(path).unwrapped(), "true or false");
        }
    }

    private static long atLeastLong(Config c, String path, long min) {
        long v = lng(c, path);
        if (v < min) throw Errors.invalidValue(path, v, "It must be ≥ " + min + ".");
        return v;
    }

    /** metrics.adversarial_*: the attack of adversarial_retrieval. */
    private static io.noiselens.adversarial.Pgd adversarialAttack(Config c) {
        double eps = nonNegativeDouble(c, "metrics.adversarial_epsilon");
        if (enumValue(c, "metrics.adversarial_attack").equals("fgsm")) return io.noiselens.adversarial.Pgd.fgsm(eps);
        double step = nonNegativeDouble(c, "metrics.adversarial_step_size");
        if (step == 0) throw Errors.invalidValue("metrics.adversarial_step_size", step, "It must be > 0.");
        return new io.noiselens.adversarial.Pgd(eps, step, atLeast(c, "metrics.adversarial_steps", 1), true);
    }

    private static double nonNegativeDouble(Config c, String path) {
        return finiteNonNegative(c, path, path);
    }

    /** A finite number ≥ 0 at {@code path}, named {@code name} in errors. */
    private static double finiteNonNegative(Config c, String path, String name) {
        double v;
        try {
            v = c.getDouble(path);
        } catch (ConfigException.WrongType e) {
            throw Errors.wrongType(name, c.getValue(path).unwrapped(), "a number");
        }
        if (!(v >= 0) || Double.isInfinite(v)) throw Errors.invalidValue(name, v, "It must be a finite number ≥ 0.");
        return v;
    }

    /** A list of numbers as floats; null when the list is empty (the default applies). */
    private static float[] floats(Config c, String path) {
        List<Number> v;
        try {
            v = c.getNumberList(path);
        } catch (ConfigException.WrongType e) {
            throw Errors.wrongType(path, c.getValue(path).unwrapped(), "a list of numbers");
        }
        if (v.isEmpty()) return null;
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i).floatValue();
        return out;
    }

    /** {@code metrics.options}: per metric, the Quantus options it overrides, each checked against the metric. */
    private static Map<String, MetricOptions> metricOptions(Config c) {
        Map<String, MetricOptions> out = new java.util.TreeMap<>();
        if (!c.hasPath(OPTIONS)) return out;
        if (c.getValue(OPTIONS).valueType() != ConfigValueType.OBJECT) {
            throw Errors.wrongType(OPTIONS, c.getValue(OPTIONS).unwrapped(), "an object of metric names, e.g. "
                    + OPTIONS + ".infidelity.perturb_baseline = mean");
        }
        for (String metric : c.getObject(OPTIONS).keySet()) {
            String where = OPTIONS + "." + metric;
            if (c.getValue(where).valueType() != ConfigValueType.OBJECT) {
                throw Errors.wrongType(where, c.getValue(where).unwrapped(), "an object of options " + MetricOptions.KEYS);
            }
            Config m = c.getConfig(where);
            for (String k : m.root().keySet()) {
                if (!MetricOptions.KEYS.contains(k)) throw Errors.unknownKey(where + "." + k, MetricOptions.KEYS);
            }
            MapPreprocessing.Normalise normalise = null;
            if (m.hasPath("normalise")) {
                String v = optionString(m, where, "normalise");
                normalise = java.util.Arrays.stream(MapPreprocessing.Normalise.values()).filter(n -> n.key().equals(v))
                        .findFirst().orElseThrow(() -> Errors.invalidValue(where + ".normalise", v,
                                "Use none, max (a / max|a|) or negative (positives / max, negatives / |min|)."));
            }
            PerturbBaseline baseline = null;
            if (m.hasPath("perturb_baseline")) {
                String v = optionString(m, where, "perturb_baseline");
                baseline = PerturbBaseline.of(v);
                if (baseline == null) {
                    throw Errors.invalidValue(where + ".perturb_baseline", v, "Use black, mean, uniform or blur.");
                }
            }
            MetricOptions o = new MetricOptions(normalise, optionBoolean(m, where, "abs"), baseline,
                    optionBoolean(m, where, "nan_on_prediction_change"));
            MetricCatalogue.checkOptions(metric, o, where);
            out.put(metric, o);
        }
        return out;
    }

    private static String optionString(Config m, String where, String key) {
        if (m.getValue(key).valueType() != ConfigValueType.STRING) {
            throw Errors.wrongType(where + "." + key, m.getValue(key).unwrapped(), "a string");
        }
        return m.getString(key);
    }

    private static Boolean optionBoolean(Config m, String where, String key) {
        if (!m.hasPath(key)) return null;
        if (m.getValue(key).valueType() != ConfigValueType.BOOLEAN) {
            throw Errors.wrongType(where + "." + key, m.getValue(key).unwrapped(), "true or false");
        }
        return m.getBoolean(key);
    }

    private static JobConfig.Report report(Config c) {
        double outlier = finiteNonNegative(c, "report.gallery.outlier_percent", "report.gallery.outlier_percent");
        if (outlier >= 100) {
            throw Errors.invalidValue("report.gallery.outlier_percent", outlier, "It is a percentage of the attribution "
                    + "mass below 100; Captum's default is 2.");
        }
        return new JobConfig.Report(bool(c, "report.enabled"), atLeast(c, "report.gallery.images", 0),
                strings(c, "report.gallery.metrics"), choices(c, "report.gallery.views", JobConfig.Report.VIEWS),
                choices(c, "report.gallery.signs", JobConfig.Report.SIGNS), outlier);
    }

    /** A list of strings at {@code path}, each one of {@code allowed}. */
    private static List<String> choices(Config c, String path, List<String> allowed) {
        List<String> v = strings(c, path);
        for (String s : v) {
            if (!allowed.contains(s)) throw Errors.invalidValue(path, s, "Use any of " + allowed + ".");
        }
        return v;
    }

    private static List<String> strings(Config c, String path) {
        try {
            return List.copyOf(c.getStringList(path));
        } catch (ConfigException.WrongType e) {
            throw Errors.wrongType(path, c.getValue(path).unwrapped(), "a list of strings");
        }
    }
}
