package dev.parley.worker.engine.cpp;

/** Which memory an engine's snapshots take, chosen once llama.cpp is loaded and the layers are placed. */
@FunctionalInterface
interface SnapshotMemoryChoice {

    /**
     * Page-locked memory in slabs on a GPU, where the device idles while a snapshot is copied ({@link SlabMemory});
     * plain buffers of their own on the CPU, where slabs cost RSS and gained nothing measurable.
     */
    SnapshotMemoryChoice DEFAULT = (ggml, placement, budgetBytes) -> placement.layers() == 0 ? SnapshotMemory.HOST
            : new SlabMemory(PinnedMemory.forGpu(ggml, Math.max(placement.device(), 0)), SlabMemory.SLAB_BYTES,
                    budgetBytes);

    SnapshotMemory choose(GgmlLib ggml, GpuPlacement placement, long budgetBytes);
}
