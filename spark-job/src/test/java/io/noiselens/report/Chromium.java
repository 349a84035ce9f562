package io.noiselens.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's chromium, headless (installed by .ci/run): a page's DOM after its scripts ran, its console messages, and a
 * screenshot — what a person opening the file would get.
 */
final class Chromium {
    static final String BINARY = "/usr/bin/chromium";

    /** What the browser made of a page: the serialised DOM, the console lines it logged, and the screenshot file. */
    record Page(String dom, List<String> console, Path screenshot) {}

    private Chromium() {}

    static Page open(Path html, Path work, int width, int height) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(Path.of(BINARY)), "The report tests open the page in Debian's chromium: "
                + "apt-get install -y chromium (.ci/run does this).");
        Files.createDirectories(work);
        Path shot = work.resolve("screenshot.png");
        String dom = run(work, List.of("--dump-dom", html.toUri().toString())).stdout;
        Result r = run(work, List.of("--screenshot=" + shot, "--window-size=" + width + "," + height,
                html.toUri().toString()));
        List<String> console = new ArrayList<>();
        for (String line : r.stderr.split("\n")) if (line.contains(":CONSOLE")) console.add(line);
        return new Page(dom, console, shot);
    }

    private record Result(String stdout, String stderr) {}

    private static Result run(Path work, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(BINARY, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + work.resolve("profile")));
        cmd.addAll(args);
        Path out = work.resolve("stdout.txt"), err = work.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish in 2 minutes: " + cmd);
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(err));
        return new Result(read(out), read(err));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
