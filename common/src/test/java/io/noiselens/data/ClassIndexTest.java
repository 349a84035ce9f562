package io.noiselens.data;

import io.noiselens.lang.NoiseLensException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The class-index formats users bring, each written out here by hand. */
class ClassIndexTest {
    @Test
    void torchvisionClassIndexGivesSynsetsInIndexOrder() {
        String json = "{\"1\": [\"n01443537\", \"goldfish\"], \"0\": [\"n01440764\", \"tench\"], \"2\": [\"n01484850\", \"great white shark\"]}";
        assertEquals(List.of("n01440764", "n01443537", "n01484850"), ClassIndex.parse(json, "idx.json"));
    }

    @Test
    void synsetMappingAndPlainLines() {
        assertEquals(List.of("n01440764", "n01443537"),
                ClassIndex.parse("n01440764 tench, Tinca tinca\r\nn01443537 goldfish, Carassius auratus\n", "LOC_synset_mapping.txt"));
        assertEquals(List.of("tench", "great white shark"), ClassIndex.parse("tench\n\ngreat white shark\n", "classes.txt"));
        assertEquals(List.of("a", "b"), ClassIndex.parse("[\"a\", \"b\"]", "c.json"));
    }

    @Test
    void gapsDuplicatesAndJunkAreRefusedWithTheKey() {
        String m = assertThrows(NoiseLensException.class, () -> ClassIndex.parse("{\"0\": \"a\", \"2\": \"c\"}", "f.json")).getMessage();
        assertTrue(m.contains("model.classes") && m.contains("index 1 is missing"), m);
        m = assertThrows(NoiseLensException.class, () -> ClassIndex.parse("a\nb\na\n", "f.txt")).getMessage();
        assertTrue(m.contains("twice"), m);
        m = assertThrows(NoiseLensException.class, () -> ClassIndex.parse("{\"x\": 1}", "f.json")).getMessage();
        assertTrue(m.contains("'x'"), m);
        assertThrows(NoiseLensException.class, () -> ClassIndex.parse("  \n", "empty.txt"));
    }
}
