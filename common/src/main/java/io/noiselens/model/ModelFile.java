package io.noiselens.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.noiselens.lang.Errors;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * NoiseLens's own model file ({@code .nlm}): a zip holding {@code model.json} (format version, architecture,
 * input shape, classes, preprocessing) and {@code weights.bin} (every tensor's name, kind, shape and float32
 * values, big-endian). Saving and loading are lossless; the SHA-256 of the file identifies the model in the
 * {@code runs} table.
 */
public final class ModelFile {
    public static final int FORMAT_VERSION = 1;
    private static final String SPEC_ENTRY = "model.json";
    private static final String WEIGHTS_ENTRY = "weights.bin";
    private static final int MAGIC = 0x4E4C5731; // "NLW1"
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A loaded model: what it is, its weights, and the hash of the bytes it came from. */
    public record Loaded(ModelSpec spec, ModelWeights weights, String sha256) {}

    private ModelFile() {}

    public static void save(Path file, ModelSpec spec, ModelWeights weights) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, toBytes(spec, weights));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static byte[] toBytes(ModelSpec spec, ModelWeights weights) throws IOException {
        if (spec.graph() != null) {
            throw new IllegalArgumentException("Model " + spec.architecture() + " is an imported graph; use it from "
                    + "its original file, a .nlm file holds built-in architectures only");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(SPEC_ENTRY));
            zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(specJson(spec)));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(WEIGHTS_ENTRY));
            DataOutputStream out = new DataOutputStream(zip);
            out.writeInt(MAGIC);
            out.writeInt(weights.tensors().size());
            for (Tensor t : weights.tensors()) {
                out.writeUTF(t.name());
                out.writeBoolean(t.trainable());
                out.writeInt(t.shape().length);
                for (long d : t.shape()) out.writeLong(d);
                for (float v : t.data()) out.writeFloat(v);
            }
            out.flush();
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    public static Loaded load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw Errors.badModelFile(file, "it cannot be read (" + e.getMessage() + ")");
        }
        return fromBytes(bytes, file);
    }

    /** Parses model bytes; {@code origin} names the source in error messages. */
    public static Loaded fromBytes(byte[] bytes, Path origin) {
        ModelSpec spec = null;
        List<Tensor> tensors = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                if (e.getName().equals(SPEC_ENTRY)) spec = parseSpec(JSON.readTree(zip.readAllBytes()), origin);
                else if (e.getName().equals(WEIGHTS_ENTRY)) tensors = readTensors(zip, origin);
            }
        } catch (IOException ex) {
            throw Errors.badModelFile(origin, "it is not a NoiseLens model archive (" + ex.getMessage() + ")");
        }
        if (spec == null || tensors == null) {
            throw Errors.badModelFile(origin, "it lacks " + (spec == null ? SPEC_ENTRY : WEIGHTS_ENTRY));
        }
        ModelWeights weights = new ModelWeights(tensors);
        checkAgainstArchitecture(spec, weights, origin);
        return new Loaded(spec, weights, sha256(bytes));
    }

    /** Binds the weights to the architecture without initialising anything: a missing or misshapen tensor fails. */
    private static void checkAgainstArchitecture(ModelSpec spec, ModelWeights weights, Path origin) {
        java.util.Map<String, Tensor> params = new java.util.LinkedHashMap<>();
        for (Tensor t : weights.tensors()) params.put(t.name(), t);
        try {
            SameDiffLayers l = new SameDiffLayers(org.nd4j.autodiff.samediff.SameDiff.create(),
                    org.nd4j.linalg.api.buffer.DataType.FLOAT, params, null, true);
            spec.network()
                    .define(l, l.input("input", spec.channels(), spec.height(), spec.width()), spec);
        } catch (IllegalArgumentException e) {
            throw Errors.badModelFile(origin, e.getMessage());
        }
    }

    private static List<Tensor> readTensors(InputStream in, Path origin) throws IOException {
        DataInputStream d = new DataInputStream(in);
        if (d.readInt() != MAGIC) throw Errors.badModelFile(origin, "weights.bin has the wrong magic number");
        int n = d.readInt();
        List<Tensor> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = d.readUTF();
            boolean trainable = d.readBoolean();
            long[] shape = new long[d.readInt()];
            long size = 1;
            for (int k = 0; k < shape.length; k++) size *= (shape[k] = d.readLong());
            float[] data = new float[Math.toIntExact(size)];
            for (int k = 0; k < data.length; k++) data[k] = d.readFloat();
            out.add(new Tensor(name, shape, data, trainable));
        }
        return out;
    }

    private static ObjectNode specJson(ModelSpec s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format_version", FORMAT_VERSION);
        o.put("architecture", s.architecture());
        o.put("channels", s.channels());
        o.put("height", s.height());
        o.put("width", s.width());
        o.put("num_classes", s.numClasses());
        ArrayNode names = o.putArray("class_names");
        s.classNames().forEach(names::add);
        ObjectNode p = o.putObject("preprocessing");
        floats(p.putArray("mean"), s.preprocessing().mean());
        floats(p.putArray("std"), s.preprocessing().std());
        floats(p.putArray("dataset_mean"), s.preprocessing().datasetMean());
        return o;
    }

    private static ModelSpec parseSpec(JsonNode o, Path origin) {
        int version = o.path("format_version").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw Errors.badModelFile(origin, "format_version " + version + " is not supported (expected "
                    + FORMAT_VERSION + ")");
        }
        try {
            List<String> names = new ArrayList<>();
            o.get("class_names").forEach(n -> names.add(n.asText()));
            JsonNode p = o.get("preprocessing");
            return new ModelSpec(o.get("architecture").asText(), o.get("channels").asInt(), o.get("height").asInt(),
                    o.get("width").asInt(), o.get("num_classes").asInt(), names,
                    new Preprocessing(floats(p.get("mean")), floats(p.get("std")), floats(p.get("dataset_mean"))));
        } catch (RuntimeException e) {
            throw Errors.badModelFile(origin, "model.json is invalid (" + e.getMessage() + ")");
        }
    }

    private static void floats(ArrayNode a, float[] v) {
        for (float f : v) a.add(f);
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) a.get(i).asDouble();
        return v;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
