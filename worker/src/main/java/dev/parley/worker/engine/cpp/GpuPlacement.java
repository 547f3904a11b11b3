package dev.parley.worker.engine.cpp;

import dev.parley.worker.engine.EngineException;

/**
 * Where the model's layers go, decided once the libraries are loaded and have said which GPUs they see: all layers
 * by default when there is one, none without; the whole model on one GPU when {@code --gpu-device} names it (so
 * one worker per GPU shares nothing), else llama.cpp splits layers over every visible GPU.
 *
 * @param layers  {@code n_gpu_layers}: -1 all, 0 none
 * @param device  {@code main_gpu}, or -1 to split by layer over all
 * @param gpuName what the log says
 */
record GpuPlacement(int layers, int device, String gpuName) {

    /** llama_split_mode */
    private static final int SPLIT_NONE = 0;

    static GpuPlacement of(NativeEngineConfig config, LoadedLlama loaded) {
        if (loaded.gpus().isEmpty()) {
            if (config.gpuRequired()) {
                throw new EngineException("a GPU was asked for (--gpu), but llama.cpp from " + loaded.dir()
                        + " registered none: its GPU backend did not load or found no device (the log above says "
                        + "why; the CUDA set needs an NVIDIA driver for CUDA >= 13.1 with libcudart.so.13 and "
                        + "libcublas.so.13, the Vulkan set libvulkan.so.1 and a Vulkan driver)");
            }
            return new GpuPlacement(0, NativeEngineConfig.ALL_GPUS, "CPU only");
        }
        if (config.gpuDevice() >= loaded.gpus().size()) {
            throw new EngineException("gpu-device " + config.gpuDevice() + " does not exist: llama.cpp sees "
                    + loaded.gpus().size() + " GPU(s): " + loaded.gpus());
        }
        String where = config.gpuDevice() == NativeEngineConfig.ALL_GPUS
                ? (loaded.gpus().size() == 1 ? loaded.gpus().get(0).name() : loaded.gpus().size() + " GPUs (split by layer)")
                : loaded.gpus().get(config.gpuDevice()).name();
        return new GpuPlacement(config.gpuLayers(), config.gpuDevice(), where);
    }

    void applyTo(LlamaLib.ModelParams params) {
        params.n_gpu_layers = layers;
        if (device >= 0) {
            params.split_mode = SPLIT_NONE;
            params.main_gpu = device;
        }
    }

    @Override
    public String toString() {
        return layers == 0 ? "no layers on a GPU (" + gpuName + ")"
                : (layers < 0 ? "all" : String.valueOf(layers)) + " layers on " + gpuName;
    }
}
