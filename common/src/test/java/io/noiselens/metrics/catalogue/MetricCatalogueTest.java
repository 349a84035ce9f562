package io.noiselens.metrics.catalogue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** README's metric documentation against the catalogue, so neither can drift from the code. */
class MetricCatalogueTest {
    @Test
    void readmeDescribesEveryMetricAndItsDefaultsAreTheCataloguesOwn() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int begin = readme.indexOf("<!-- metrics:begin -->"), end = readme.indexOf("<!-- metrics:end -->");
        assertTrue(begin >= 0 && end > begin, "README.md lacks the <!-- metrics:begin/end --> markers");
        assertEquals(MetricCatalogue.markdownTable().trim(), readme.substring(begin + "<!-- metrics:begin -->".length(), end).trim(),
                "README's metric defaults differ from the catalogue: paste the output of 'noiselens metrics --markdown'");
        String described = readme.substring(readme.indexOf("## Metrics"), begin);
        for (String name : MetricCatalogue.names()) {
            boolean named = described.contains("`" + name + "`")
                    || (name.endsWith("_weighted") && described.contains("`" + name.replace("_weighted", "") + "` (and `_weighted`"))
                    || (name.endsWith("_lerf") && described.contains("`" + name.replace("_lerf", "_morf") + "` / `"));
            assertTrue(named, "README's metric table does not describe " + name);
        }
    }
}
