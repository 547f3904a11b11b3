package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Page-locked host memory from the GPU backend's host buffer type ({@code cudaMallocHost} on CUDA), for snapshots of
 * a context on a GPU. llama.cpp copies a sequence's cells with one {@code cudaMemcpy} per layer; into pageable memory
 * the driver stages every copy through a bounce buffer, into page-locked memory the copy engine writes directly, at
 * the link's speed. Page-locking is slow and the memory is the host's, so the buffers are allocated once and reused
 * ({@link SnapshotBuffers}) within the snapshot budget. Where the backend has no such type, or refuses an
 * allocation, plain host memory is used.
 */
final class PinnedMemory implements SnapshotMemory {

    private static final Logger log = LoggerFactory.getLogger(PinnedMemory.class);

    private final GgmlLib ggml;
    private final Pointer bufferType;
    private final String name;
    private boolean refusedBefore;

    private PinnedMemory(GgmlLib ggml, Pointer bufferType, String name) {
        this.ggml = ggml;
        this.bufferType = bufferType;
        this.name = name;
    }

    /** Page-locked memory of the {@code index}-th GPU ({@link GpuDevice#index()}), or plain host memory. */
    static SnapshotMemory forGpu(GgmlLib ggml, int index) {
        List<Pointer> gpus = NativeLibrary.gpuHandles(ggml);
        if (index >= gpus.size()) {
            return HOST;
        }
        Pointer device = gpus.get(index);
        Pointer bufferType = ggml.ggml_backend_dev_host_buffer_type(device);
        String name = ggml.ggml_backend_dev_name(device);
        log.info("Snapshots in {} host memory: {}", name, bufferType == null ? "none, plain memory"
                : ggml.ggml_backend_buft_name(bufferType));
        return bufferType == null ? HOST : ofBufferType(ggml, bufferType, name);
    }

    /** Buffers of any ggml buffer type: the GPU's host type, or in tests the CPU's own. */
    static PinnedMemory ofBufferType(GgmlLib ggml, Pointer bufferType, String name) {
        return new PinnedMemory(ggml, bufferType, name);
    }

    @Override
    public SnapshotBuffer allocate(long capacity) {
        Pointer buffer = ggml.ggml_backend_buft_alloc_buffer(bufferType, capacity);
        Pointer base = buffer == null ? null : ggml.ggml_backend_buffer_get_base(buffer);
        if (base == null) {
            if (buffer != null) {
                ggml.ggml_backend_buffer_free(buffer);
            }
            if (!refusedBefore) {
                refusedBefore = true;
                log.warn("{} refused {} MiB of page-locked memory; snapshots go to plain memory when it does",
                        name, capacity >> 20);
            }
            return SnapshotBuffer.host(capacity);
        }
        return new SnapshotBuffer(base, capacity, () -> ggml.ggml_backend_buffer_free(buffer));
    }
}
