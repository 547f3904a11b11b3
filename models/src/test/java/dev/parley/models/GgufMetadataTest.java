package dev.parley.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufMetadataTest {

    @TempDir
    Path tmp;

    @Test
    void refusesFilesThatAreNotGguf() throws Exception {
        Path file = Files.writeString(tmp.resolve("x.gguf"), "not a model at all");

        assertThatThrownBy(() -> GgufMetadata.read(file)).hasMessageContaining("not a GGUF file");
    }
}
