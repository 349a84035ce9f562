package io.noiselens.bench;

import io.noiselens.job.NoiseLensMain;
import io.noiselens.lang.NoiseLensException;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.methods.MethodCatalogue;
import io.noiselens.metrics.catalogue.MetricCatalogue;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code noiselens bench --only memory}: what each method costs in resident memory, and whether memory stays flat
 * over a long run. Every measurement is the job itself in its own child JVM ({@code local[1]}, heap
 * {@value #HEAP_MB} MB, {@code engine.memory_budget_mb} at its default), whose peak resident memory (VmHWM) is
 * reported: every method alone at its defaults (with the one metric that makes no model call, sparseness), and every
 * metric on Gradient, on the demo model (16 built-in 64×64 images) and on ResNet-18 at 224×224 (one image, the PyTorch
 * half's random weights); then the demo model with Gradient, SmoothGrad (8 samples) and two metrics over
 * {@code --stream-images} built-in images in {@code local[2]}, its resident memory read from the progress lines as
 * the images go by.
 */
public final class MemoryBench {
    static final int HEAP_MB = 2048;
    private static final Pattern PEAK = Pattern.compile("peak resident memory: (\\d+) kB");
    private static final Pattern PROGRESS = Pattern.compile(
            "Progress: (\\d+)/(\\d+) images .*?([\\d.]+) images/s.*resident memory ([\\d.]+) GB \\(peak ([\\d.]+) GB\\)");

    private MemoryBench() {}

    /** One child's outcome: peak resident memory and wall-clock seconds. */
    record Peak(String what, long peakMb, double seconds) {}

    static void run(Bench.Settings s, PrintStream out) throws IOException, InterruptedException {
        Path dir = s.out().resolve("memory");
        Files.createDirectories(dir);
        List<String> methods = s.memoryMethods().isEmpty()
                ? MethodCatalogue.kinds()
                : s.memoryMethods();
        Path folder = imageFolder(dir.resolve("images-224"));
        String everyMetric = "metrics.names=" + MetricCatalogue.names();
        List<String> demo = List.of("dataset.builtin.images=16");
        List<String> r18 = List.of("model.path=" + s.out().resolve("resnet18.onnx"), "dataset.kind=folder",
                "dataset.folder.path=" + folder);
        List<String> rows = new ArrayList<>(methods);
        rows.add("every metric, on gradient");
        Peak[][] peaks = new Peak[rows.size()][2];
        for (int m = 0; m < 2; m++) {
            if (!s.memoryModels().contains(m == 0 ? "demo" : "resnet18")) continue;
            for (int r = 0; r < rows.size(); r++) {
                List<String> sets = new ArrayList<>(m == 0 ? demo : r18);
                boolean metrics = r == methods.size();
                sets.add("methods=[{kind = " + (metrics ? "gradient" : rows.get(r)) + "}]");
                sets.add(metrics ? everyMetric : "metrics.names=[sparseness]");
                peaks[r][m] = measure(dir, (m == 0 ? "demo-" : "resnet18-") + (metrics ? "metrics" : rows.get(r)), out,
                        sets.toArray(String[]::new));
            }
        }
        out.println();
        out.printf("Peak resident memory per method, the job in local[1], heap %d MB, memory budget %d MB (default)%n",
                HEAP_MB, 1024);
        out.printf("| %-28s | %18s | %18s |%n", "method (defaults)", "demo 64², 16 images", "ResNet-18 224², 1");
        out.printf("|%s|%s|%s|%n", "-".repeat(30), "-".repeat(20), "-".repeat(20));
        for (int r = 0; r < rows.size(); r++) {
            out.printf("| %-28s | %18s | %18s |%n", rows.get(r), cell(peaks[r][0]), cell(peaks[r][1]));
        }
        stream(dir, s.streamImages(), out);
    }

    /** The long run: resident memory against images done, from the job's progress lines. */
    private static void stream(Path dir, int images, PrintStream out) throws IOException, InterruptedException {
        Path log = child(dir, "stream", out, "spark.master=local[2]", "dataset.builtin.images=" + images,
                "methods=[{kind = gradient}, {kind = smoothgrad, samples = 8}]",
                "metrics.names=[sparseness, deletion_auc]");
        out.printf("%nResident memory of one long run (demo model, Gradient + SmoothGrad 8 + two metrics, local[2], heap %d MB)%n",
                HEAP_MB);
        out.printf("| %14s | %12s | %16s |%n", "images done", "images/s", "resident memory");
        out.printf("|%s|%s|%s|%n", "-".repeat(16), "-".repeat(14), "-".repeat(18));
        List<double[]> samples = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = PROGRESS.matcher(line);
            if (m.find()) {
                samples.add(new double[]{Double.parseDouble(m.group(1)), Double.parseDouble(m.group(4))});
                out.printf("| %14s | %12s | %13s GB |%n", m.group(1), m.group(3), m.group(4));
            }
        }
        if (samples.size() >= 4) {
            int q = samples.size() / 4;
            out.printf("Mean resident memory: first quarter of the samples %.2f GB, last quarter %.2f GB; peak %d MB%n",
                    mean(samples.subList(0, q)), mean(samples.subList(samples.size() - q, samples.size())), peakMb(log));
        }
    }

    private static String cell(Peak p) {
        return p == null ? "-" : String.format("%6d MB %6.0f s", p.peakMb(), p.seconds());
    }

    private static double mean(List<double[]> rows) {
        return rows.stream().mapToDouble(r -> r[1]).average().orElse(Double.NaN);
    }

    private static Peak measure(Path dir, String name, PrintStream out, String... sets)
            throws IOException, InterruptedException {
        long t = System.nanoTime();
        Path log = child(dir, name, out, sets);
        Peak p = new Peak(name, peakMb(log), (System.nanoTime() - t) / 1e9);
        out.printf("  %-28s peak %6d MB, %6.1f s%n", name, p.peakMb(), p.seconds());
        return p;
    }

    private static long peakMb(Path log) throws IOException {
        Matcher m = PEAK.matcher(Files.readString(log));
        if (!m.find()) throw new IllegalStateException("no peak in " + log);
        return Long.parseLong(m.group(1)) / 1024;
    }

    /** Runs the job with the demo configuration and {@code sets} in a child JVM; its output goes to {@code dir/name.log}. */
    private static Path child(Path dir, String name, PrintStream out, String... sets) throws IOException, InterruptedException {
        Path log = dir.resolve(name + ".log");
        Path conf = Files.writeString(dir.resolve(name + ".conf"), NoiseLensMain.demoConfig());
        List<String> args = new ArrayList<>(List.of("run", "--config", conf.toString(), "--set",
                "run.output=" + dir.resolve("out-" + name), "--set", "spark.master=local[1]"));
        for (String set : sets) args.addAll(List.of("--set", set));
        ProcessBuilder b = new ProcessBuilder(javaCommand(HEAP_MB + "m", Child.class, List.of(), args.toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        int rc = b.start().waitFor();
        if (rc != 0) {
            String text = Files.readString(log);
            out.println(text.length() > 4000 ? text.substring(text.length() - 4000) : text);
            throw new NoiseLensException("The memory benchmark's run '" + name + "' failed (exit " + rc + "); its output is in "
                    + log);
        }
        return log;
    }

    /** A flat folder dataset of one built-in image drawn at 224×224, in a class directory of its own. */
    private static Path imageFolder(Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("class_0"));
        LabeledImage img = new SyntheticShapes(7, 224).image("eval", 0);
        BufferedImage b = new BufferedImage(224, 224, BufferedImage.TYPE_INT_RGB);
        float[] p = img.pixels();
        int plane = 224 * 224;
        for (int k = 0; k < plane; k++) {
            int r = Math.round(255 * p[k]), g = Math.round(255 * p[plane + k]), bl = Math.round(255 * p[2 * plane + k]);
            b.setRGB(k % 224, k / 224, (r << 16) | (g << 8) | bl);
        }
        ImageIO.write(b, "png", dir.resolve("image.png").toFile());
        return root;
    }

    /**
     * {@code java} with this JVM's module flags and native-library settings, the given heap, this JVM's classpath and
     * {@code main} with its arguments.
     */
    public static List<String> javaCommand(String heap, Class<?> main, List<String> props, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Dorg.bytedeco")) cmd.add(a);
        }
        cmd.add("-Xmx" + heap);
        cmd.addAll(props);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a NoiseLens command line, then prints this JVM's peak resident memory (VmHWM). */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            int rc = NoiseLensMain.run(args, System.out);
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    System.out.println("peak resident memory: " + line.replaceAll("[^0-9]", "") + " kB");
                }
            }
            System.exit(rc);
        }
    }
}
