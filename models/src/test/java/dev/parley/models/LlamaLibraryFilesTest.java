package dev.parley.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaLibraryFilesTest {

    @TempDir
    Path dir;

    @Test
    void aStockCmakeBuildIsFoundByItsPlainNamesBeforeTheVersionedLinks() throws IOException {
        touch("libllama.so.0.5.0", "libllama.so.0", "libllama.so", "libllama-common.so", "libggml.so.0.25.1",
                "libggml.so", "libggml-base.so", "libggml-cuda.so", "libggml-cpu.so");

        LlamaLibraryFiles files = LlamaLibraryFiles.find(dir);

        assertThat(files.libllama()).isEqualTo(dir.resolve("libllama.so"));
        assertThat(files.libggml()).isEqualTo(dir.resolve("libggml.so"));
    }

    @Test
    void npmSetsAreFoundByTheirTaggedNames() throws IOException {
        touch("libllama.cuda.v0.5.0.so", "libggml.cuda.v0.5.0.so", "libggml-base.so", "libggml-cuda.so",
                "libllama-common.so");

        LlamaLibraryFiles files = LlamaLibraryFiles.find(dir);

        assertThat(files.libllama()).isEqualTo(dir.resolve("libllama.cuda.v0.5.0.so"));
        assertThat(files.libggml()).isEqualTo(dir.resolve("libggml.cuda.v0.5.0.so"));
    }

    @Test
    void onlyABackendOrTheBaseIsNotLibggml() throws IOException {
        touch("libllama.so", "libggml-base.so", "libggml-cuda.so");

        assertThatThrownBy(() -> LlamaLibraryFiles.find(dir))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageContaining("has no libggml library");
    }

    @Test
    void aFolderWithoutLibllamaSaysSo() throws IOException {
        touch("libllama-common.so", "libggml.so");

        assertThatThrownBy(() -> LlamaLibraryFiles.find(dir))
                .hasMessageContaining("has no libllama library");
        assertThatThrownBy(() -> LlamaLibraryFiles.find(dir.resolve("absent")))
                .hasMessageContaining("is not a directory");
    }

    @Test
    void everySetPinsItsOwnLibrariesAndTheSharedCpuBackends() {
        for (LlamaLibrarySet set : LlamaLibrarySet.values()) {
            assertThat(set.files()).containsKeys(set.libllama(), set.libggml(), "libggml-base.so",
                    "libggml-cpu-haswell.so", "libllama-common.so");
            assertThat(set.files().values()).allMatch(sha -> sha.matches("[0-9a-f]{64}"));
            assertThat(set.tarballPath()).endsWith("-3.22.1.tgz");
        }
        assertThat(LlamaLibrarySet.CUDA.files()).containsKey("libggml-cuda.so");
        assertThat(LlamaLibrarySet.VULKAN.files()).containsKey("libggml-vulkan.so");
        assertThat(LlamaLibrarySet.CPU.cacheName()).isEqualTo("node-llama-cpp-linux-x64-3.22.1");
    }

    private void touch(String... names) throws IOException {
        for (String name : names) {
            Files.writeString(dir.resolve(name), name);
        }
    }
}
