package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.models.LlamaLibraryStore;
import dev.parley.worker.EngineExtension;
import dev.parley.worker.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading llama.cpp from a folder: the verified CPU set, the same build under a stock CMake build's name, and a
 * library that only looks like libllama by its name. Each load binds a separate copy (RTLD_LOCAL), so they coexist.
 */
class NativeLibraryTest {

    @TempDir
    Path dir;

    @Test
    void theCpuSetLoadsAndReportsItsReleaseAndNoGpu() {
        LoadedLlama loaded = NativeLibrary.load(EngineExtension.libraries());

        assertThat(loaded.version()).startsWith("0.5.0");
        assertThat(loaded.gpus()).isEmpty();
        assertThat(loaded.backends()).contains("CPU");
    }

    @Test
    void aStockNamedLibllamaIsAcceptedByItsOwnVersionAnswer() throws IOException {
        copyCpuSet();
        Files.move(dir.resolve(LlamaLibraryStore.LIBLLAMA), dir.resolve("libllama.so"));

        LoadedLlama loaded = NativeLibrary.load(dir);

        assertThat(loaded.version()).startsWith("0.5.0");
        assertThat(loaded.dir()).isEqualTo(dir);
    }

    @Test
    void aLibraryNamedLibllamaThatIsNotLlamaCppIsRejected() throws IOException {
        copyCpuSet();
        Files.delete(dir.resolve(LlamaLibraryStore.LIBLLAMA));
        Files.copy(dir.resolve("libggml-base.so"), dir.resolve("libllama.so"));

        assertThatThrownBy(() -> NativeLibrary.load(dir))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("is not llama.cpp v0.5.0 (it has no llama_version)");
    }

    @Test
    void aGpuAskedForWhereNoneRegisteredFailsClearly() {
        LoadedLlama cpu = NativeLibrary.load(EngineExtension.libraries());
        NativeEngineConfig config = NativeEngineConfig.forModel(Path.of("m.gguf"), cpu.dir()).withGpu(-1, -1, true);

        assertThatThrownBy(() -> GpuPlacement.of(config, cpu))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("registered none");
        GpuPlacement optional = GpuPlacement.of(config.withGpu(-1, -1, false), cpu);
        assertThat(optional.layers()).isZero();
    }

    private void copyCpuSet() throws IOException {
        try (Stream<Path> files = Files.list(EngineExtension.libraries())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".so")).toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
    }
}
