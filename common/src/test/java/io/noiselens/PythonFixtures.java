package io.noiselens;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reference fixtures made by the Python scripts in {@code src/test/python} with Debian's python3-torch,
 * python3-torchvision and python3-pil (installed by .ci/run): run into {@code target/} when a fixture is missing or
 * older than its script, so a clean build regenerates them and a warm one reuses them.
 */
public final class PythonFixtures {
    public static final String PYTHON = "/usr/bin/python3";

    private PythonFixtures() {}

    /** A script of common's {@code src/test/python}, found from common's or a sibling module's directory. */
    public static Path script(String name) {
        Path here = Path.of("src", "test", "python", name);
        return Files.exists(here) ? here : Path.of("..", "common", "src", "test", "python", name);
    }

    /**
     * Runs {@code script} with {@code dir} and {@code args} unless every {@code marker} file in {@code dir} is newer
     * than the script; fails with the fix when the script fails.
     */
    public static void generate(Path source, Path dir, List<String> markers, List<String> args)
            throws IOException, InterruptedException {
        String script = source.getFileName().toString();
        Files.createDirectories(dir);
        boolean fresh = true;
        for (String m : markers) {
            Path f = dir.resolve(m);
            fresh &= Files.exists(f) && Files.getLastModifiedTime(f).compareTo(Files.getLastModifiedTime(source)) >= 0;
        }
        if (fresh) return;
        List<String> cmd = new ArrayList<>(List.of(PYTHON, source.toString(), dir.toString()));
        cmd.addAll(args);
        Path log = dir.resolve(script + ".log");
        int rc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
        assertEquals(0, rc, () -> "Making the reference fixtures failed (" + String.join(" ", cmd) + "); see "
                + log.toAbsolutePath() + ". These tests need Debian's python3-torch, python3-torchvision and "
                + "python3-pil: apt-get install -y python3-torch python3-torchvision (.ci/run does this).");
    }

    /**
     * Runs {@code script} on the files in {@code dir} (always: its inputs are the test's own), failing with its output
     * and what it needs when it fails.
     */
    public static void run(String script, Path dir, String needs) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON, script(script).toString(), dir.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> script + " needs " + needs + " (.ci/run installs it): " + log);
    }
}
