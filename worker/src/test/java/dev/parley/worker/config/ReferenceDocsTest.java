package dev.parley.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.testkit.ProjectFiles;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The reference tables in the docs are the ones the code renders; run ReferenceTables.main to regenerate them. */
class ReferenceDocsTest {

    private static String section(String document, String name) {
        String begin = "<!-- " + name + ":begin -->\n";
        String end = "<!-- " + name + ":end -->";
        int from = document.indexOf(begin);
        int to = document.indexOf(end);
        assertThat(from).as("marker %s in the doc", begin.strip()).isNotNegative();
        return document.substring(from + begin.length(), to);
    }

    private static String doc(String name) throws Exception {
        return Files.readString(ProjectFiles.resolve("docs/" + name));
    }

    @Test
    void configurationReferenceMatchesTheCode() throws Exception {
        String doc = doc("configuration.md");
        assertThat(section(doc, "settings")).isEqualTo(ReferenceTables.settings());
        assertThat(section(doc, "redis-options")).isEqualTo(ReferenceTables.redisOptions());
    }

    @Test
    void metricsReferenceMatchesTheCode() throws Exception {
        assertThat(section(doc("metrics.md"), "meters")).isEqualTo(ReferenceTables.meters());
    }
}
