package io.noiselens.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.config.JobConfig;
import io.noiselens.config.JobConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * conf/ and deploy/ as shipped: every key of the spark-defaults files and the Kubernetes manifests is one Spark itself
 * registers (core, SQL, YARN and Kubernetes configuration entries, or one of Spark's documented per-name families
 * such as {@code spark.executor.resource.<name>.amount}); every job configuration loads; the GPU discovery script
 * speaks Spark's JSON against a fake {@code nvidia-smi}; submit.sh hands spark-submit each cluster's settings; the
 * manifests and the Airflow DAG parse and date their run ids; the shell scripts pass shellcheck.
 */
class ConfFilesTest {
    static final Path CONF = Path.of("..", "conf");
    static final Path DEPLOY = Path.of("..", "deploy");
    /** Keys Spark reads by name families rather than registered entries (ResourceUtils, SparkConf, KubernetesConf). */
    static final List<Pattern> FAMILIES = List.of(
            Pattern.compile("spark\\.(executor|driver|task|worker)\\.resource\\.[a-z]+\\.(amount|discoveryScript|vendor)"),
            Pattern.compile("spark\\.executorEnv\\.[A-Z_][A-Z0-9_]*"),
            Pattern.compile("spark\\.kubernetes\\.(driver|executor)\\.(label|annotation|secrets|node\\.selector)\\.[\\w.-]+"),
            // SparkContext reads the master by name (conf.get("spark.master")); it has no configuration entry.
            Pattern.compile("spark\\.master"));

    static Map<String, String> sparkDefaults(Path file) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] kv = l.split("\\s+", 2);
            assertEquals(2, kv.length, file + ": '" + line + "' has no value");
            assertNull(out.put(kv[0], kv[1]), file + ": " + kv[0] + " twice");
        }
        return out;
    }

    /** Whether Spark registers {@code key}: its configuration objects are loaded first, so their entries exist. */
    static boolean registered(String key) throws Exception {
        for (String holder : List.of("org.apache.spark.internal.config.package$", "org.apache.spark.sql.internal.SQLConf$",
                "org.apache.spark.deploy.yarn.config.package$", "org.apache.spark.deploy.k8s.Config$",
                "org.apache.spark.internal.config.UI$", "org.apache.spark.internal.config.Deploy$")) {
            Class.forName(holder).getField("MODULE$").get(null);
        }
        Class<?> entries = Class.forName("org.apache.spark.internal.config.ConfigEntry$");
        Object registry = entries.getField("MODULE$").get(null);
        return entries.getMethod("findEntry", String.class).invoke(registry, key) != null;
    }

    @Test
    void everySparkKeyIsOneSparkKnows() throws Exception {
        List<String> files = new ArrayList<>();
        try (var s = Files.list(CONF)) {
            for (Path f : s.filter(p -> p.getFileName().toString().startsWith("spark-defaults.")).sorted().toList()) {
                files.add(f.getFileName().toString());
                Map<String, String> props = sparkDefaults(f);
                for (String key : props.keySet()) {
                    boolean family = FAMILIES.stream().anyMatch(p -> p.matcher(key).matches());
                    assertTrue(family || registered(key), f + ": '" + key + "' is not a Spark configuration key");
                }
                if (props.containsKey("spark.plugins")) Class.forName(props.get("spark.plugins"));
            }
        }
        assertEquals(List.of("spark-defaults.kubernetes-gpu.conf", "spark-defaults.kubernetes-torch-gpu.conf",
                "spark-defaults.local.conf",
                "spark-defaults.standalone-gpu.conf", "spark-defaults.yarn-gpu.conf"), files);
        assertFalse(registered("spark.executor.gpuu.amount"), "the registry check can fail");
    }

    @Test
    void everyJobConfigurationLoads() throws Exception {
        JobConfig imagenet = JobConfigLoader.load(CONF.resolve("imagenet-resnet50.conf"), List.of("run.id=nightly-2026-12-01"));
        assertEquals("parquet", imagenet.dataset().kind());
        assertEquals(256, imagenet.dataset().resize());
        assertTrue(imagenet.model().paths().get(0).endsWith("resnet50.onnx"));
        assertEquals(List.of("gradient", "integrated_gradients", "smoothgrad", "vargrad", "noisegrad", "fusiongrad",
                "noisegrad_ig", "smoothtaylor", "relex", "dance"), imagenet.methods().stream().map(m -> m.build().id()).toList());
        JobConfig vit = JobConfigLoader.load(CONF.resolve("imagenet-vit.conf"), List.of("run.id=vit"));
        assertEquals(io.noiselens.model.Backend.TORCH, vit.engine().backend());
        assertTrue(vit.model().paths().get(0).endsWith("vit_b_16.onnx"));
        assertEquals(List.of("gradient", "integrated_gradients", "smoothgrad", "noisegrad", "fusiongrad", "dance"),
                vit.methods().stream().map(m -> m.build().id()).toList());
        assertEquals("fashion_mnist", JobConfigLoader.load(CONF.resolve("fashion-mnist.conf"), List.of()).dataset().kind());
        assertEquals("builtin", JobConfigLoader.load(CONF.resolve("demo.conf"), List.of()).dataset().kind());
        // The full-feature demo lists every method family of the catalogue.
        JobConfig full = JobConfigLoader.load(CONF.resolve("demo-full.conf"), List.of());
        assertEquals(new java.util.TreeSet<>(io.noiselens.methods.MethodCatalogue.kinds()),
                new java.util.TreeSet<>(full.methods().stream().map(m -> m.build().kind()).toList()),
                "conf/demo-full.conf runs every method family: add the new one");
        // The metrics demo computes every metric that applies and meta-evaluates them.
        JobConfig metrics = JobConfigLoader.load(CONF.resolve("demo-metrics.conf"), List.of());
        assertEquals(io.noiselens.metrics.catalogue.MetricCatalogue.names(), metrics.metrics().names());
        assertTrue(metrics.metrics().meta().enabled());
    }

    @Test
    void gpuDiscoveryPrintsSparksResourceJson(@TempDir Path dir) throws Exception {
        Path bin = fakeCommand(dir.resolve("bin"), "nvidia-smi",
                "[ \"$1\" = \"--query-gpu=index\" ] || exit 3\nprintf '0\\n1\\n2\\n'\n");
        String path = bin + ":/usr/bin:/bin";
        JsonNode all = discover(Map.of("PATH", path), 0);
        assertEquals("gpu", all.get("name").asText());
        assertEquals("[\"0\",\"1\",\"2\"]", all.get("addresses").toString());
        assertEquals("[\"2\"]", discover(Map.of("PATH", path, "CUDA_VISIBLE_DEVICES", "2"), 0).get("addresses").toString());
        Process p = start(Map.of("PATH", "/usr/bin:/bin"));
        String err = new String(p.getErrorStream().readAllBytes());
        assertEquals(1, p.waitFor());
        assertTrue(err.contains("nvidia-smi not found"), err);
    }

    /** An executable shell script {@code name} in {@code dir} (created) with the given body; returns {@code dir}. */
    static Path fakeCommand(Path dir, String name, String body) throws Exception {
        Path f = Files.createDirectories(dir).resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body);
        assertTrue(f.toFile().setExecutable(true));
        return dir;
    }

    static JsonNode discover(Map<String, String> env, int rc) throws Exception {
        Process p = start(env);
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(rc, p.waitFor(), new String(p.getErrorStream().readAllBytes()));
        return new ObjectMapper().readTree(out);
    }

    static Process start(Map<String, String> env) throws Exception {
        ProcessBuilder b = new ProcessBuilder("bash", DEPLOY.resolve("getGpusResources.sh").toString());
        b.environment().clear();
        b.environment().putAll(env);
        return b.start();
    }

    @Test
    void kubernetesManifestsRunTheJobAndNightsNeverOverlap() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        JsonNode one = yaml.readTree(DEPLOY.resolve("kubernetes/sparkapplication.yaml").toFile());
        JsonNode nightly = yaml.readTree(DEPLOY.resolve("kubernetes/scheduled-sparkapplication.yaml").toFile());
        assertEquals("SparkApplication", one.get("kind").asText());
        assertEquals("ScheduledSparkApplication", nightly.get("kind").asText());
        assertEquals("Forbid", nightly.at("/spec/concurrencyPolicy").asText());
        for (JsonNode app : List.of(one.get("spec"), nightly.at("/spec/template"))) {
            Class.forName(app.get("mainClass").asText());
            List<String> args = new ObjectMapper().convertValue(app.get("arguments"), new com.fasterxml.jackson.core.type
                    .TypeReference<List<String>>() {});
            assertEquals("run", args.get(0));
            String conf = Path.of(args.get(args.indexOf("--config") + 1)).getFileName().toString();
            assertTrue(Files.isRegularFile(CONF.resolve(conf)), conf);
            assertEquals("1", app.at("/sparkConf/spark.executor.resource.gpu.amount").asText());
            assertEquals(1, app.at("/executor/gpu/quantity").asInt());
            for (var it = app.get("sparkConf").fieldNames(); it.hasNext(); ) {
                String key = it.next();
                assertTrue(FAMILIES.stream().anyMatch(p -> p.matcher(key).matches()) || registered(key), key);
            }
        }
        assertTrue(nightly.at("/spec/template/arguments").toString().contains("run.id=nightly-{date}"));
    }

    @Test
    void airflowDagParsesAndDatesItsRunId() throws Exception {
        Path dag = DEPLOY.resolve("airflow/noiselens_nightly.py");
        Process p = new ProcessBuilder(io.noiselens.PythonFixtures.PYTHON, "-c",
                "import ast, sys; ast.parse(open(sys.argv[1]).read())", dag.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        String src = Files.readString(dag);
        assertTrue(src.contains("run.id=nightly-{{ ds }}") && src.contains("max_active_runs=1")
                && src.contains("\"" + NoiseLensMain.class.getName() + "\""), "DAG settings");
    }

    /** submit.sh against a fake spark-submit that prints its arguments, one per line. */
    @Test
    void submitPassesEachClustersSettingsToSparkSubmit(@TempDir Path dir) throws Exception {
        fakeCommand(dir.resolve("spark/bin"), "spark-submit", "for a in \"$@\"; do echo \"$a\"; done\n");
        Path jar = Files.writeString(dir.resolve("noiselens.jar"), "jar");
        ProcessBuilder b = new ProcessBuilder("bash", DEPLOY.resolve("submit.sh").toString(), "yarn",
                CONF.resolve("imagenet-resnet50.conf").toString(), "--set", "run.id=nightly-{date}");
        b.environment().put("SPARK_HOME", dir.resolve("spark").toString());
        b.environment().put("NOISELENS_JAR", jar.toString());
        Process p = b.start();
        List<String> args = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes()));
        assertTrue(args.get(args.indexOf("--properties-file") + 1).endsWith("spark-defaults.yarn-gpu.conf"), args.toString());
        assertEquals(NoiseLensMain.class.getName(), args.get(args.indexOf("--class") + 1));
        assertTrue(args.get(args.indexOf("--files") + 1).endsWith("getGpusResources.sh"), "YARN ships the discovery script");
        String executorOpts = args.stream().filter(a -> a.startsWith("spark.executor.extraJavaOptions=")).findFirst().orElseThrow();
        assertTrue(executorOpts.contains("-Dorg.bytedeco.javacpp.maxbytes=20G") && executorOpts.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"),
                executorOpts);
        int j = args.indexOf(jar.toString());
        assertEquals(List.of("run", "--config", CONF.resolve("imagenet-resnet50.conf").toString(), "--set", "run.id=nightly-{date}"),
                args.subList(j + 1, args.size()));
        Process bad = new ProcessBuilder("bash", DEPLOY.resolve("submit.sh").toString(), "mesos", "x.conf").start();
        assertEquals(2, bad.waitFor());
        assertTrue(new String(bad.getErrorStream().readAllBytes()).contains("usage"));
    }

    @Test
    void shellScriptsPassShellcheck() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("shellcheck", "--severity=style"));
        try (var s = Files.walk(DEPLOY)) {
            s.filter(p -> p.toString().endsWith(".sh")).sorted().forEach(p -> cmd.add(p.toString()));
        }
        cmd.add(Path.of("..", "bin", "noiselens").toString());
        cmd.add(Path.of("..", ".ci", "run").toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("shellcheck is not installed: apt-get install -y shellcheck (.ci/run does this)", e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }
}
