package io.noiselens.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.attribution.AttributionEngine;
import io.noiselens.attribution.AttributionMethod;
import io.noiselens.attribution.Baseline;
import io.noiselens.attribution.EngineOptions;
import io.noiselens.attribution.ExplainBatch;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.methods.Methods;
import io.noiselens.attribution.Quadrature;
import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
import io.noiselens.methods.MethodSpec;
import io.noiselens.lang.NoiseLensException;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.job.ExecutorModelCache;
import io.noiselens.job.ExplainJob;
import io.noiselens.job.NoiseLensMain;
import io.noiselens.model.Backend;
import io.noiselens.model.BuiltinModels;
import io.noiselens.model.ClassifierModel;
import io.noiselens.model.ModelFile;
import io.noiselens.model.ModelLoader;
import io.noiselens.model.ModelWeights;
import io.noiselens.model.OpTimings;
import io.noiselens.model.OutputSpace;
import io.noiselens.model.SameDiffClassifier;
import io.noiselens.model.onnx.OnnxImport;
import io.noiselens.model.torch.Torch;
import io.noiselens.random.KeyedRandom;
import io.noiselens.noise.WeightNoise;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code noiselens bench}: the engine side by side with PyTorch on the same models and weights. The PyTorch half
 * ({@code bench_pytorch.py}, shipped in the jar) builds the models with fixed random weights, exports them to ONNX
 * and times its workloads; this half imports the same ONNX files and times the same workloads, then prints both and
 * their ratio: input-gradient images/s with frozen weights (small CNN 1×28×28 batch 64, ResNet-18 and ResNet-50 at
 * 224×224, batches 16 and 8), the per-image cost of FusionGrad (N = M = 10) and Integrated Gradients (64 steps) on
 * ResNet-18, Occlusion (15×15 window, stride 8: 785 forward passes) and RISE (the same 1000 masks on both sides:
 * this side's grids and shifts, upsampled there by the reference recipe) per image on ResNet-18, the time to make one NoiseGrad replica of ResNet-50, and the Spark job's
 * end-to-end images/s in local[2] against the bare engine on the same images. Timings are medians after two warm-up calls.
 */
public final class Bench {
    static final String USAGE = "Usage: noiselens bench [--out DIR] [--python PATH] [--threads N] [--seconds S] "
            + "[--images N] [--spark-images N] [--task-threads N] [--reuse-pytorch] [--profile] "
            + "[--only gradients,methods,replica,spark,memory] [--stream-images N] [--memory-methods LIST] [--memory-models demo,resnet18]";
    private static final List<String> MODELS = List.of("small_cnn", "resnet18", "resnet50", "vit_b_16", "convnext_tiny");
    private static final int[] BATCH = {64, 16, 8, 8, 8};

    /**
     * {@code reusePyTorch}: read the PyTorch half's results and models from an earlier run in {@code out};
     * {@code profile}: print op-level timings of each model's input-gradient call.
     */
    record Settings(Path out, String python, int threads, double seconds, int images, int sparkImages,
                    boolean reusePyTorch, boolean profile, java.util.Set<String> only, int taskThreads,
                    int streamImages, List<String> memoryMethods, List<String> memoryModels) {
        /** Whether a section runs: every section but memory (tens of minutes) unless --only names some. */
        boolean runs(String section) {
            return only.isEmpty() ? !section.equals("memory") : only.contains(section);
        }

        /** Whether the PyTorch half's timings are wanted (memory needs only its ONNX models). */
        boolean times() {
            return !only.equals(java.util.Set.of("memory"));
        }

        static Settings parse(String[] args) {
            Path out = Path.of("target", "bench");
            String python = "/usr/bin/python3";
            int threads = 2, images = 2, sparkImages = 512, taskThreads = 1, streamImages = 12288;
            List<String> memoryMethods = List.of(), memoryModels = List.of("demo", "resnet18");
            double seconds = 3;
            boolean reuse = false, profile = false;
            java.util.Set<String> only = new java.util.TreeSet<>();
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--reuse-pytorch") || args[i].equals("--profile")) {
                    reuse |= args[i].equals("--reuse-pytorch");
                    profile |= args[i].equals("--profile");
                    continue;
                }
                String v = i + 1 < args.length ? args[i + 1] : null;
                if (v == null) throw new NoiseLensException("'" + args[i] + "' needs a value. " + USAGE);
                switch (args[i]) {
                    case "--out" -> out = Path.of(v);
                    case "--python" -> python = v;
                    case "--threads" -> threads = positive(args[i], v);
                    case "--seconds" -> seconds = Double.parseDouble(v);
                    case "--images" -> images = positive(args[i], v);
                    case "--spark-images" -> sparkImages = positive(args[i], v);
                    case "--task-threads" -> taskThreads = positive(args[i], v);
                    case "--stream-images" -> streamImages = positive(args[i], v);
                    case "--memory-methods" -> memoryMethods = Arrays.stream(v.split(",")).map(String::trim).toList();
                    case "--memory-models" -> memoryModels = Arrays.stream(v.split(",")).map(String::trim).toList();
                    case "--only" -> {
                        for (String part : v.split(",")) {
                            if (!List.of("gradients", "methods", "replica", "spark", "memory").contains(part.trim())) {
                                throw new NoiseLensException("--only takes gradients, methods, replica, spark and memory, got '"
                                        + part + "'. " + USAGE);
                            }
                            only.add(part.trim());
                        }
                    }
                    default -> throw new NoiseLensException("Unknown bench argument '" + args[i] + "'. " + USAGE);
                }
                i++;
            }
            return new Settings(out, python, threads, seconds, images, sparkImages, reuse, profile, only, taskThreads,
                    streamImages, memoryMethods, memoryModels);
        }

        private static int positive(String flag, String v) {
            try {
                int n = Integer.parseInt(v);
                if (n > 0) return n;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new NoiseLensException("'" + flag + "' takes a positive whole number, got '" + v + "'. " + USAGE);
        }
    }

    private Bench() {}

    /** {@code bin/noiselens bench ...}: exits with 0, or 2 and the message for a bad argument. */
    public static void main(String[] args) {
        command(args, USAGE, Bench::run);
    }

    /** A bench entry point: {@code --help} prints {@code usage}; otherwise {@code run}, with NoiseLensMain's exit codes. */
    static void command(String[] args, String usage, NoiseLensMain.Command run) {
        NoiseLensMain.exit(args, (a, out) -> {
            if (List.of(a).contains("--help") || List.of(a).contains("-h")) {
                out.println(usage);
                return 0;
            }
            return run.run(a, out);
        });
    }

    static int run(String[] args, PrintStream out) throws IOException, InterruptedException {
        Settings s = Settings.parse(args);
        Files.createDirectories(s.out());
        out.printf("NoiseLens bench: %d threads (OMP_NUM_THREADS=%s, %d processors), results in %s%n", s.threads(),
                System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors(), s.out().toAbsolutePath());
        JsonNode torch = pytorch(s, out);
        if (!s.times()) {
            MemoryBench.run(s, out);
            return 0;
        }
        out.printf("PyTorch %s, %d threads, oneDNN %s; ND4J %s, %d threads%n", torch.get("torch").asText(),
                torch.get("threads").asInt(), torch.get("mkldnn").asBoolean(),
                Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"),
                Nd4j.getEnvironment().maxThreads());
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < MODELS.size() && s.runs("gradients"); i++) {
            String name = MODELS.get(i);
            ModelFile.Loaded m = load(s, name);
            double theirs = torch.get("gradients").get(name).get("images_per_second").asDouble();
            boolean general = m.spec().network() instanceof io.noiselens.model.onnx.OnnxArchitecture a
                    && a.needsGeneralOperators();
            // SameDiff's autodiff keeps every weight gradient: ViT-B at batch 8 needs more than this machine's 24 GB.
            int nd4jBatch = general ? 2 : BATCH[i];
            double ours = gradientSeconds(m, nd4jBatch, SameDiffClassifier.GradientPass.INPUT_ONLY, s.seconds(),
                    s.profile() && !general ? out : null);
            rows.add(row("input gradients/s, " + name + " batch " + nd4jBatch + (general ? " (SameDiff autodiff)" : ""),
                    nd4jBatch / ours, theirs, true));
            if (!general) {
                double autodiff = gradientSeconds(m, BATCH[i], SameDiffClassifier.GradientPass.AUTODIFF, s.seconds(), null);
                rows.add(row("  (SameDiff autodiff, weight gradients too)", BATCH[i] / autodiff, theirs, true));
            }
            double onTorch = torchGradientSeconds(m, BATCH[i], s.threads(), s.seconds());
            rows.add(row("  torch engine (libtorch 2.10)", BATCH[i] / onTorch, theirs, true));
        }
        if (s.runs("gradients")) {
            ModelFile.Loaded r50 = load(s, "resnet50");
            rows.add(row("ND4J → torch input copy ms, resnet50 batch 8", copyMillis(r50, 8), Double.NaN, false));
        }
        if (s.runs("methods")) {
            ModelFile.Loaded r18 = load(s, "resnet18");
            AttributionMethod fusion = Methods.builder("fusiongrad").build();
            AttributionMethod occlusion = MethodCatalogue.method("occlusion", "window", 15, "stride", 8);
            AttributionMethod rise = MethodCatalogue.method("rise", "masks", RISE_MASKS, "mask_grid", RISE_GRID, "keep",
                    RISE_KEEP);
            AttributionMethod ig = Methods.builder("integrated_gradients").build()
                    .withBase(Methods.integratedGradients(64, Quadrature.RIEMANN_MIDDLE, Baseline.ZERO));
            for (Backend engine : Backend.values()) {
                String on = engine == Backend.ND4J ? "" : " (torch engine)";
                rows.add(row("FusionGrad N=M=10 s/image, resnet18" + on, perImage(r18, fusion, s.images(), engine),
                        torch.get("fusiongrad_seconds_per_image").asDouble(), false));
                rows.add(row("IG 64 steps s/image, resnet18" + on, perImage(r18, ig, s.images(), engine),
                        torch.get("ig_seconds_per_image").asDouble(), false));
                rows.add(row("Occlusion 15/8 (785 passes) s/image, resnet18" + on, perImage(r18, occlusion, s.images(),
                        engine), torch.get("occlusion_seconds_per_image").asDouble(), false));
                rows.add(row("RISE N=1000 s/image, resnet18" + on, perImage(r18, rise, s.images(), engine),
                        torch.get("rise_seconds_per_image").asDouble(), false));
            }
        }
        if (s.runs("replica")) {
            double[] replica = replicaSeconds(load(s, "resnet50"));
            rows.add(row("NoiseGrad replica ms, resnet50", replica[0] * 1000,
                    torch.get("resnet50_replica_seconds").asDouble() * 1000, false));
            out.printf("  (of which drawing θ⊙(1+σz): %.0f ms, writing it into the graph: %.0f ms)%n", replica[1] * 1000,
                    replica[2] * 1000);
        }
        double[] job = s.runs("spark") ? sparkVersusEngine(s, out) : null;
        if (s.runs("memory")) MemoryBench.run(s, out);
        out.println();
        out.printf("| %-48s | %12s | %12s | %14s |%n", "measure", "NoiseLens", "PyTorch", "NoiseLens/PT");
        out.printf("|%s|%s|%s|%s|%n", "-".repeat(50), "-".repeat(14), "-".repeat(14), "-".repeat(16));
        for (String[] r : rows) out.printf("| %-48s | %12s | %12s | %14s |%n", (Object[]) r);
        if (job != null) {
            out.printf("| %-48s | %12.2f | %12s | %14s |%n", "Spark job local[2] images/s (demo model)", job[0], "-",
                    String.format("%.2f× engine", job[0] / job[1]));
            out.printf("| %-48s | %12.2f | %12s | %14s |%n", "  bare engine, same images, 2 threads", job[1], "-", "-");
        }
        out.println("Ratios: above 1 means NoiseLens is faster (rates) or takes less time (costs).");
        return 0;
    }

    private static String[] row(String what, double ours, double theirs, boolean higherIsBetter) {
        double ratio = higherIsBetter ? ours / theirs : theirs / ours;
        boolean none = Double.isNaN(theirs);   // no PyTorch counterpart (NaN ours: no figure of ours)
        String[] r = {what, Double.isNaN(ours) ? "-" : String.format("%.3g", ours), none ? "-" : String.format("%.3g", theirs),
                Double.isNaN(ratio) ? "-" : String.format("%.2f×", ratio)};
        System.out.printf("%s: NoiseLens %s, PyTorch %s, ratio %s%n", (Object[]) r);
        return r;
    }

    /** Runs the PyTorch half (which also writes the ONNX models) and reads its results. */
    private static JsonNode pytorch(Settings s, PrintStream out) throws IOException, InterruptedException {
        Path results = s.out().resolve("pytorch.json");
        if (!s.times() && Files.isRegularFile(s.out().resolve("resnet18.onnx"))) return null;
        if (s.reusePyTorch()) {
            if (!Files.isRegularFile(results)) {
                throw new NoiseLensException("--reuse-pytorch: no " + results + " from an earlier run; run without it first");
            }
            return new ObjectMapper().readTree(results.toFile());
        }
        writeRiseGrids(s.out().resolve("rise_grids.json"));
        Path script = s.out().resolve("bench_pytorch.py");
        try (InputStream in = Bench.class.getResourceAsStream("/io/noiselens/bench/bench_pytorch.py")) {
            if (in == null) throw new IllegalStateException("bench_pytorch.py is missing from the jar");
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(s.python(), script.toString(), "--out", s.out().toString(), "--threads",
                String.valueOf(s.threads()), "--seconds", String.valueOf(s.seconds()), "--images", String.valueOf(s.images())));
        if (!s.times()) cmd.add("--export-only");
        List<String> sections = new ArrayList<>();
        for (String section : List.of("gradients", "methods", "replica")) if (s.runs(section)) sections.add(section);
        cmd.addAll(List.of("--sections", String.join(",", sections)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(s.threads()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new NoiseLensException("Cannot start '" + s.python() + "' for the PyTorch half of the benchmark ("
                    + e.getMessage() + "); install python3 with python3-torch and python3-torchvision, or pass --python PATH");
        }
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            for (String line; (line = lines.readLine()) != null; ) out.println("  " + line);
        }
        if (p.waitFor() != 0) {
            throw new NoiseLensException("The PyTorch half of the benchmark failed (" + script + ", exit " + p.exitValue()
                    + "); it needs python3-torch and python3-torchvision (see its output above)");
        }
        return s.times() ? new ObjectMapper().readTree(results.toFile()) : null;
    }

    /** The bench's RISE masks: N = 1000 masks of a 7×7 grid, p = ½, at 224×224, under the run seed of {@link #perImage}. */
    static final int RISE_MASKS = 1000, RISE_GRID = 7, RISE_SIZE = 224;
    static final double RISE_KEEP = 0.5;

    /**
     * The grids and shifts of this side's RISE masks, for the PyTorch half to build the same masks by the reference
     * recipe (skimage's resize of each grid, cropped at its shift), so both sides run the same masks.
     */
    private static void writeRiseGrids(Path file) throws IOException {
        io.noiselens.attribution.perturbation.Rise rise = new io.noiselens.attribution.perturbation.Rise(RISE_MASKS,
                RISE_GRID, RISE_KEEP);
        com.fasterxml.jackson.databind.node.ObjectNode root = new ObjectMapper().createObjectNode()
                .put("s", RISE_GRID).put("h", RISE_SIZE).put("w", RISE_SIZE).put("p", RISE_KEEP);
        com.fasterxml.jackson.databind.node.ArrayNode grids = root.putArray("grids");
        for (int i = 0; i < RISE_MASKS; i++) {
            io.noiselens.attribution.perturbation.Rise.Grid g = rise.grid(BENCH_SEED, i, RISE_SIZE, RISE_SIZE);
            com.fasterxml.jackson.databind.node.ObjectNode o = grids.addObject().put("dy", g.dy()).put("dx", g.dx());
            com.fasterxml.jackson.databind.node.ArrayNode cells = o.putArray("cells");
            for (float v : g.cells()) cells.add((int) v);
        }
        new ObjectMapper().writeValue(file.toFile(), root);
    }

    private static ModelFile.Loaded load(Settings s, String name) throws IOException {
        Path file = s.out().resolve(name + ".onnx");
        return OnnxImport.load(Files.readAllBytes(file), file, OnnxImport.Options.defaults());
    }

    /**
     * Median seconds per input-gradient call of {@code batch} images, random inputs, target i mod classes; with a
     * {@code profile} stream, then the op-level timings of three more calls.
     */
    static double gradientSeconds(ModelFile.Loaded m, int batch, SameDiffClassifier.GradientPass pass, double seconds,
                                  PrintStream profile) {
        Call c = Call.of(m, batch);
        try (SameDiffClassifier model = SameDiffClassifier.create(m.spec(), m.weights(), DataType.FLOAT, pass)) {
            double t = median(() -> model.inputGradients(c.input(), c.targets(), c.spaces()).close(), 3, seconds);
            if (profile != null) {
                OpTimings timings = new OpTimings();
                model.profile(timings);
                long start = System.nanoTime();
                for (int i = 0; i < 3; i++) model.inputGradients(c.input(), c.targets(), c.spaces()).close();
                double wall = (System.nanoTime() - start) / 3e6;
                profile.printf("  op-level profile of one call, %s batch %d: %.1f ms wall, %.1f ms in ops%n",
                        m.spec().architecture(), batch, wall, timings.opNanos() / 3e6);
                List<String> table = timings.table(3);
                for (String line : table.subList(0, Math.min(14, table.size()))) {
                    profile.println("    " + line);
                }
            }
            return t;
        }
    }

    /** The inputs of a timed gradient call: a keyed random batch, targets cycling over the classes, logits. */
    record Call(INDArray input, int[] targets, OutputSpace[] spaces) {
        static Call of(ModelFile.Loaded m, int batch) {
            float[] x = new float[batch * m.spec().inputSize()];
            KeyedRandom.fillGaussian(1, x, 0, x.length);
            int[] targets = new int[batch];
            for (int i = 0; i < batch; i++) targets[i] = i % m.spec().numClasses();
            OutputSpace[] spaces = new OutputSpace[batch];
            Arrays.fill(spaces, OutputSpace.LOGIT);
            return new Call(io.noiselens.model.NativeArrays.of(x, batch, m.spec().channels(), m.spec().height(),
                    m.spec().width()), targets, spaces);
        }
    }

    /**
     * Median seconds of one input-gradient call on the torch engine ({@code threads} intra-op threads), the same
     * inputs and targets as {@link #gradientSeconds}.
     */
    static double torchGradientSeconds(ModelFile.Loaded m, int batch, int threads, double seconds) {
        Torch.threads(threads);
        Call c = Call.of(m, batch);
        try (ClassifierModel model = Backend.TORCH.create(m.spec(), m.weights())) {
            return median(() -> model.inputGradients(c.input(), c.targets(), c.spaces()).close(), 3, seconds);
        }
    }

    /** Median milliseconds to copy a batch of model inputs from an ND4J array into a torch tensor (one memcpy). */
    static double copyMillis(ModelFile.Loaded m, int batch) {
        INDArray input = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch,
                m.spec().channels(), m.spec().height(), m.spec().width());
        return 1000 * median(() -> Torch.tensor(input).close(), 20, 1);
    }

    /** Seconds per image of one method on {@code images} random images, micro-batches of 16 rows. */
    /** The run seed of the bench's method rows (RISE's masks are keyed by it). */
    static final long BENCH_SEED = 7;

    static double perImage(ModelFile.Loaded m, AttributionMethod method, int images, Backend backend) {
        int size = m.spec().inputSize();
        List<String> ids = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            float[] x = new float[size];
            KeyedRandom.fillGaussian(100 + i, x, 0, size);
            ids.add("bench-" + i);
            inputs.add(x);
        }
        try (ClassifierModel model = backend.create(m.spec(), m.weights())) {
            AttributionEngine engine = new AttributionEngine(model, new EngineOptions(BENCH_SEED, 16, 16L << 30));
            long t = System.nanoTime();
            engine.explain(new ExplainBatch(ids, inputs, new int[images]), List.of(method));
            return (System.nanoTime() - t) / 1e9 / images;
        }
    }

    /** Median seconds to make one NoiseGrad replica (σ_w 0.2) and set it: {total, draw, set}. */
    private static double[] replicaSeconds(ModelFile.Loaded m) {
        WeightNoise noise = new WeightNoise(0.2);
        try (SameDiffClassifier model = SameDiffClassifier.create(m.spec(), m.weights())) {
            int[] next = {0};
            double draw = median(() -> noise.replica(m.weights(), 7, next[0]++), 5, 1);
            ModelWeights w = noise.replica(m.weights(), 7, 0);
            double set = median(() -> model.setWeights(w), 5, 1);
            double total = median(() -> model.setWeights(noise.replica(m.weights(), 7, next[0]++)), 5, 1);
            return new double[]{total, draw, set};
        }
    }

    /**
     * The demo run's methods on {@code sparkImages} built-in images: the Spark job in local[2] (images/s over the job's
     * own clock, which includes writing every table), then the bare engine on the same images and methods in two
     * threads with a model each. A first, smaller job warms the JVM (in a cold 30 s job the JIT compilers took a
     * quarter of the machine's CPU), so neither side is timed while Spark's or our code is being compiled.
     */
    private static double[] sparkVersusEngine(Settings s, PrintStream out) throws IOException, InterruptedException {
        Path dir = s.out().resolve("spark-run");
        List<String> sets = List.of("run.id=bench", "run.output=" + dir,
                "spark.master=" + System.getProperty("noiselens.bench.master", "local[2]"),
                "engine.omp_threads=" + s.taskThreads(),
                "dataset.builtin.images=" + s.sparkImages(), "metrics.names=[sparseness]",
                "methods=[{kind = gradient}, {kind = smoothgrad, samples = 16}, {kind = integrated_gradients, steps = 32}]");
        JobConfig cfg = JobConfigLoader.fromString(NoiseLensMain.demoConfig(), sets);
        // Trains the demo model first if it is not cached, so that the job's clock holds the job alone.
        Path modelFile = Path.of(BuiltinModels.files(cfg.model().paths(),
                cfg.model().builtins(cfg.dataset().fashionMnistPath())).get(0));
        ModelFile.Loaded model = ModelLoader.fromBytes(Files.readAllBytes(modelFile), modelFile, null);
        SparkSession spark = NoiseLensMain.session(cfg);
        ExplainJob.Outcome o;
        try {
            List<String> warm = new ArrayList<>(sets);
            warm.add("dataset.builtin.images=" + Math.max(64, s.sparkImages() / 2));
            warm.add("run.id=bench-warm-up");
            ExplainJob.Outcome w = ExplainJob.run(spark, JobConfigLoader.fromString(NoiseLensMain.demoConfig(), warm));
            out.printf("Spark job, cold JVM (warm-up run): %d images in %.1f s (%.2f images/s)%n", w.images(), w.seconds(),
                    w.images() / w.seconds());
            o = ExplainJob.run(spark, cfg);
        } finally {
            spark.stop();
        }
        double job = o.images() / o.seconds();
        out.printf("Spark job: %d images in %.1f s (%.2f images/s)%n", o.images(), o.seconds(), job);

        List<AttributionMethod> methods = cfg.methods().stream().map(MethodSpec::build).toList();
        SyntheticShapes data = new SyntheticShapes(cfg.dataset().builtinSeed(), model.spec().height());
        int n = s.sparkImages(), batch = cfg.engine().batchSize();
        // The bare engine gets what each Spark task gets: the same native threads per op, one model per thread.
        ExecutorModelCache.configureThreads(s.taskThreads(), io.noiselens.model.Backend.ND4J);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        long t = System.nanoTime();
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int part = 0; part < 2; part++) {
                int first = part * n / 2, last = (part + 1) * n / 2;
                parts.add(pool.submit(() -> {
                    try (SameDiffClassifier m = SameDiffClassifier.create(model.spec(), model.weights())) {
                        AttributionEngine engine = new AttributionEngine(m, new EngineOptions(cfg.run().seed(),
                                cfg.engine().microBatch(), cfg.engine().memoryBudgetMb() * (1L << 20)));
                        for (int b = first; b < last; b += batch) {
                            List<String> ids = new ArrayList<>();
                            List<float[]> xs = new ArrayList<>();
                            int[] labels = new int[Math.min(batch, last - b)];
                            for (int i = 0; i < labels.length; i++) {
                                LabeledImage img = data.image("eval", b + i);
                                float[] x = img.pixels().clone();
                                model.spec().preprocessing().normaliseInPlace(x, model.spec().height() * model.spec().width());
                                ids.add("eval-" + (b + i));
                                xs.add(x);
                                labels[i] = img.label();
                            }
                            engine.explain(new ExplainBatch(ids, xs, labels), methods);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : parts) f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("The bare-engine run failed", e.getCause());
        } finally {
            pool.shutdown();
        }
        double engine = n / ((System.nanoTime() - t) / 1e9);
        out.printf("Bare engine: %d images, %.2f images/s (2 threads, %d native thread(s) each)%n", n, engine,
                s.taskThreads());
        return new double[]{job, engine};
    }

    /** Median seconds of {@code call} after two warm-up calls, over at least {@code minReps} calls and {@code minSeconds}. */
    static double median(Runnable call, int minReps, double minSeconds) {
        call.run();
        call.run();
        List<Double> times = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < minReps || (System.nanoTime() - start) / 1e9 < minSeconds) {
            long t = System.nanoTime();
            call.run();
            times.add((System.nanoTime() - t) / 1e9);
        }
        times.sort(null);
        int k = times.size();
        return k % 2 == 1 ? times.get(k / 2) : (times.get(k / 2 - 1) + times.get(k / 2)) / 2;
    }
}
