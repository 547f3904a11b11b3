package dev.parley.worker.engine.cpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Pointer;
import dev.parley.worker.EngineExtension;
import org.junit.jupiter.api.Test;

/**
 * Snapshot buffers from a ggml buffer type, through the same calls that take page-locked memory from a GPU backend.
 * This machine has no GPU, so the CPU's own buffer type stands in for the GPU's host type: allocation, the base
 * address, the size and freeing are the same functions of libggml-base.
 */
class PinnedMemoryTest {

    @Test
    void aBufferFromAGgmlBufferTypeHoldsWhatIsWrittenAndIsFreedOnce() {
        GgmlLib ggml = NativeLibrary.load(EngineExtension.libraries()).ggml();
        Pointer cpu = ggml.ggml_backend_dev_by_type(GgmlLib.DEVICE_CPU);
        Pointer bufferType = ggml.ggml_backend_dev_buffer_type(cpu);
        assertThat(ggml.ggml_backend_buft_name(bufferType)).isEqualTo("CPU");
        SnapshotMemory memory = PinnedMemory.ofBufferType(ggml, bufferType, "CPU");

        SnapshotBuffer buffer = memory.allocate(3 << 20);
        byte[] state = new byte[4096];
        for (int i = 0; i < state.length; i++) {
            state[i] = (byte) (i * 31);
        }
        buffer.pointer().write((3 << 20) - state.length, state, 0, state.length); // its last bytes are its own

        assertThat(buffer.capacity()).isEqualTo(3 << 20);
        assertThat(buffer.pointer().getByteArray((3 << 20) - state.length, state.length)).isEqualTo(state);
        buffer.free();
        buffer.free(); // the disk tier's writer and the store may both let go: freed once
        assertThat(buffer.freed()).isTrue();
    }

    @Test
    void withoutAGpuSnapshotsGoToPlainMemory() {
        GgmlLib ggml = NativeLibrary.load(EngineExtension.libraries()).ggml();

        assertThat(PinnedMemory.forGpu(ggml, 0)).isSameAs(SnapshotMemory.HOST);
    }
}
