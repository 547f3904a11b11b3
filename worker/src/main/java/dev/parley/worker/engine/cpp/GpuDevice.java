package dev.parley.worker.engine.cpp;

/**
 * A GPU that llama.cpp's backends registered.
 *
 * @param index       its place among the GPUs, as {@code --gpu-device} (llama.cpp's {@code main_gpu}) counts
 * @param name        the backend's name for it, e.g. {@code CUDA0}
 * @param description the driver's, e.g. {@code NVIDIA H200}
 * @param totalBytes  its memory
 * @param freeBytes   its memory free when the libraries were loaded
 */
public record GpuDevice(int index, String name, String description, long totalBytes, long freeBytes) {

    @Override
    public String toString() {
        return index + ": " + name + " (" + description + ", " + (freeBytes >> 20) + " of " + (totalBytes >> 20)
                + " MiB free)";
    }
}
