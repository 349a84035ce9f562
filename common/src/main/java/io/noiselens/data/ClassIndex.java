package io.noiselens.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.noiselens.lang.Errors;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A model's class list read from the mapping files users have: torchvision's {@code imagenet_class_index.json}
 * ({@code {"0": ["n01440764", "tench"], …}}: the synsets, in index order), a JSON array of names, ImageNet's
 * {@code LOC_synset_mapping.txt} ({@code n01440764 tench, Tinca tinca}: the synset of each line) or a text file
 * with one class name per line. Synsets are what ImageNet folders are named by, so a folder dataset's labels then
 * follow the model's output order.
 */
public final class ClassIndex {
    private static final Pattern SYNSET_LINE = Pattern.compile("^(n\\d{8})(\\s.*)?$");

    private ClassIndex() {}

    /** The class names in output order; {@code origin} names the file in errors. */
    public static List<String> parse(String text, String origin) {
        String t = text.strip();
        if (t.isEmpty()) throw Errors.invalidValue("model.classes", origin, "The file is empty; list one class per line.");
        List<String> names = new ArrayList<>();
        if (t.startsWith("{") || t.startsWith("[")) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(t);
            } catch (Exception e) {
                throw Errors.invalidValue("model.classes", origin, "It is not valid JSON (" + e.getMessage() + ").");
            }
            if (root.isArray()) {
                root.forEach(n -> names.add(n.isArray() ? n.get(0).asText() : n.asText()));
            } else {
                Map<Integer, String> byIndex = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    int index;
                    try {
                        index = Integer.parseInt(e.getKey());
                    } catch (NumberFormatException ex) {
                        throw Errors.invalidValue("model.classes", origin, "Key '" + e.getKey() + "' is not a class "
                                + "index; expected {\"0\": [\"n01440764\", \"tench\"], …} as in imagenet_class_index.json.");
                    }
                    JsonNode v = e.getValue();
                    byIndex.put(index, v.isArray() ? v.get(0).asText() : v.asText());
                }
                int expected = 0;
                for (Map.Entry<Integer, String> e : byIndex.entrySet()) {
                    if (e.getKey() != expected++) {
                        throw Errors.invalidValue("model.classes", origin, "Class index " + (expected - 1)
                                + " is missing; indices must run 0, 1, 2, … without gaps.");
                    }
                    names.add(e.getValue());
                }
            }
        } else {
            for (String line : t.split("\\R")) {
                String l = line.strip();
                if (l.isEmpty()) continue;
                var m = SYNSET_LINE.matcher(l);
                names.add(m.matches() ? m.group(1) : l);
            }
        }
        if (new java.util.HashSet<>(names).size() != names.size()) {
            throw Errors.invalidValue("model.classes", origin, "It names a class twice; every output needs its own name.");
        }
        return names;
    }
}
