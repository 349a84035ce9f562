package io.noiselens.bench;

import io.noiselens.lang.NoiseLensException;
import io.noiselens.model.torch.Torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code deploy/gpu-check.sh}'s checks on a machine without a GPU: it refuses (exit 1, saying why) unless told to
 * run on the CPU, and with {@code --cpu} it runs every check for real on the built-in model: the torch engine's
 * gradients against the ND4J engine's, and the three rates.
 */
class GpuCheckTest {
    @AfterEach
    void cpuAgain() {
        Torch.useCpu();
    }

    private static String[] run(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = GpuCheck.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new String[]{String.valueOf(rc), bytes.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void withoutADeviceTheCheckFailsAndSaysWhy() throws Exception {
        String[] r = run("--images", "1", "--batch", "2");
        if (!Torch.onGpu()) {
            assertEquals("1", r[0], r[1]);
            assertTrue(r[1].contains("FAIL: the torch engine sees no CUDA device"), r[1]);
        }
    }

    @Test
    void onTheCpuEveryCheckRunsAndTheEnginesAgree() throws Exception {
        String[] r = run("--cpu", "--images", "1", "--batch", "4");
        assertEquals("0", r[0], r[1]);
        Matcher m = Pattern.compile("torch engine on the CPU (\\S+), ND4J engine on the CPU (\\S+) ").matcher(r[1]);
        assertTrue(m.find(), r[1]);
        double torch = Double.parseDouble(m.group(1)), nd4j = Double.parseDouble(m.group(2));
        assertTrue(torch <= 4 * nd4j + 1e-6 && nd4j < 1e-4, r[1]);
        assertTrue(r[1].contains(": agree"), r[1]);
        for (String rate : new String[]{"Gradient: ", "noisegrad at its defaults: ", "fusiongrad at its defaults: "}) {
            Matcher v = Pattern.compile(Pattern.quote(rate) + "([0-9.]+) images/s").matcher(r[1]);
            assertTrue(v.find(), rate + " in " + r[1]);
            assertTrue(Double.parseDouble(v.group(1)) > 0, r[1]);
        }
        assertTrue(r[1].strip().endsWith("OK"), r[1]);
    }

    @Test
    void badArgumentsAreNamed() {
        String m = assertThrows(NoiseLensException.class, () -> GpuCheck.Settings.parse(new String[]{"--batch", "x"})).getMessage();
        assertTrue(m.contains("--batch") && m.contains("'x'"), m);
        m = assertThrows(NoiseLensException.class, () -> GpuCheck.Settings.parse(new String[]{"--fast", "1"})).getMessage();
        assertTrue(m.contains("--fast") && m.contains("Usage"), m);
        m = assertThrows(NoiseLensException.class, () -> run("--cpu", "--model", "/no/such.onnx")).getMessage();
        assertTrue(m.contains("/no/such.onnx") && m.contains("ONNX"), m);
    }
}
