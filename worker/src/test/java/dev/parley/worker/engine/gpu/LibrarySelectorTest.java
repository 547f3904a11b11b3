package dev.parley.worker.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.models.LlamaLibrarySet;
import dev.parley.models.ModelUnavailableException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Set selection and fallback against a host described by a fake probe; fetching is recorded, not done. */
class LibrarySelectorTest {

    private static final String OLD_DRIVER = "the NVIDIA driver supports CUDA 13.0";

    private final List<LlamaLibrarySet> fetched = new ArrayList<>();

    private LibrarySelector selector(Optional<String> cudaMissing, Optional<String> vulkanMissing) {
        GpuRuntimeProbe probe = new GpuRuntimeProbe() {
            @Override
            public Optional<String> cudaMissing() {
                return cudaMissing;
            }

            @Override
            public Optional<String> vulkanMissing() {
                return vulkanMissing;
            }
        };
        return new LibrarySelector(probe, set -> {
            fetched.add(set);
            return Path.of("/cache", set.cacheName());
        });
    }

    @Test
    void autoTakesCudaWhereTheHostCanRunItWithoutRequiringIt() {
        LibrarySelection selection = selector(Optional.empty(), Optional.empty()).select(GpuChoice.AUTO, null);

        assertThat(fetched).containsExactly(LlamaLibrarySet.CUDA);
        assertThat(selection.dir()).isEqualTo(Path.of("/cache/node-llama-cpp-linux-x64-cuda-3.22.1"));
        assertThat(selection.gpuRequired()).isFalse();
        assertThat(selection.gpuAllowed()).isTrue();
    }

    @Test
    void autoFallsBackToTheCpuSetWithoutDownloadingTheCudaOne() {
        LibrarySelection selection = selector(Optional.of(OLD_DRIVER), Optional.empty()).select(GpuChoice.AUTO, "");

        assertThat(fetched).containsExactly(LlamaLibrarySet.CPU);
        assertThat(selection.source()).isEqualTo(LlamaLibrarySet.CPU.npmPackage());
        assertThat(selection.gpuRequired()).isFalse();
    }

    @Test
    void cudaAskedForOnAHostThatCannotRunItFailsWithOneLineNamingTheNeed() {
        assertThatThrownBy(() -> selector(Optional.of(OLD_DRIVER), Optional.empty()).select(GpuChoice.CUDA, null))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageStartingWith("--gpu cuda: " + OLD_DRIVER)
                .hasMessageContaining("libcudart.so.13")
                .hasMessageNotContaining("\n");
        assertThat(fetched).isEmpty();
    }

    @Test
    void vulkanIsFetchedAndRequiredWhenAskedForAndItsLoaderIsThere() {
        LibrarySelection selection = selector(Optional.of(OLD_DRIVER), Optional.empty()).select(GpuChoice.VULKAN, null);

        assertThat(fetched).containsExactly(LlamaLibrarySet.VULKAN);
        assertThat(selection.gpuRequired()).isTrue();
        assertThatThrownBy(() -> selector(Optional.empty(), Optional.of("libvulkan.so.1 does not load"))
                .select(GpuChoice.VULKAN, null))
                .hasMessageStartingWith("--gpu vulkan: libvulkan.so.1 does not load");
    }

    @Test
    void noneIsTheCpuSetWithNothingOffloaded() {
        LibrarySelection selection = selector(Optional.empty(), Optional.empty()).select(GpuChoice.NONE, null);

        assertThat(fetched).containsExactly(LlamaLibrarySet.CPU);
        assertThat(selection.gpuAllowed()).isFalse();
    }

    @Test
    void aConfiguredFolderIsUsedAsItIsAndTheProbeIsNotAsked() {
        LibrarySelector selector = selector(Optional.of(OLD_DRIVER), Optional.of("no loader"));

        LibrarySelection cuda = selector.select(GpuChoice.CUDA, "/opt/llama.cpp/build/bin");
        LibrarySelection none = selector.select(GpuChoice.NONE, "/opt/llama.cpp/build/bin");
        LibrarySelection auto = selector.select(GpuChoice.AUTO, "/opt/llama.cpp/build/bin");

        assertThat(fetched).isEmpty();
        assertThat(cuda.dir()).isEqualTo(Path.of("/opt/llama.cpp/build/bin"));
        assertThat(cuda.gpuRequired()).isTrue();
        assertThat(none.gpuAllowed()).isFalse();
        assertThat(auto.gpuRequired()).isFalse();
        assertThat(auto.gpuAllowed()).isTrue();
    }

    @Test
    void theDriverCheckReadsCudaDriverGetVersionsEncoding() {
        assertThat(HostGpuRuntime.driverTooOld(13000)).hasValueSatisfying(line ->
                assertThat(line).startsWith(OLD_DRIVER + ", the npm CUDA set needs 13.1").contains("--llama-lib-dir"));
        assertThat(HostGpuRuntime.driverTooOld(12080)).hasValueSatisfying(line -> assertThat(line).contains("CUDA 12.8"));
        assertThat(HostGpuRuntime.driverTooOld(13010)).isEmpty();
        assertThat(HostGpuRuntime.driverTooOld(13020)).isEmpty();
    }

    @Test
    void thisHostsProbeAnswersWithoutThrowing() {
        HostGpuRuntime host = new HostGpuRuntime();
        // CI has no GPU: whatever the answer, it is one line, never an exception
        host.cudaMissing().ifPresent(line -> assertThat(line).doesNotContain("\n").isNotBlank());
        host.vulkanMissing().ifPresent(line -> assertThat(line).doesNotContain("\n").isNotBlank());
    }
}
