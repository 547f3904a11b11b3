package dev.parley.worker.engine.gpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.ptr.IntByReference;
import java.util.Optional;

/**
 * Asks the dynamic loader of this process: the CUDA set's libggml-cuda.so needs libcuda.so.1 from a driver that
 * supports CUDA 13.1 (its kernels are SASS for sm_86/89/120 plus PTX 9.1, which an older driver rejects with
 * CUDA_ERROR_UNSUPPORTED_PTX_VERSION), libcudart.so.13 and libcublas.so.13; the Vulkan set's needs libvulkan.so.1.
 */
public final class HostGpuRuntime implements GpuRuntimeProbe {

    /** cuDriverGetVersion's encoding: 1000 * major + 10 * minor. */
    static final int CUDA_SET_DRIVER_VERSION = 13010;

    /** The one CUDA driver call needed; it works before cuInit. */
    interface CudaDriver extends Library {
        int cuDriverGetVersion(IntByReference version);
    }

    @Override
    public Optional<String> cudaMissing() {
        CudaDriver driver;
        try {
            driver = Native.load("libcuda.so.1", CudaDriver.class);
        } catch (UnsatisfiedLinkError e) {
            return Optional.of("no NVIDIA driver found (libcuda.so.1 does not load)");
        }
        IntByReference version = new IntByReference();
        if (driver.cuDriverGetVersion(version) != 0) {
            return Optional.of("the NVIDIA driver does not answer cuDriverGetVersion");
        }
        Optional<String> old = driverTooOld(version.getValue());
        if (old.isPresent()) {
            return old;
        }
        for (String library : new String[] {"libcudart.so.13", "libcublas.so.13"}) {
            if (!loads(library)) {
                return Optional.of(library + " is not on the library path (the CUDA set needs the CUDA 13 runtime "
                        + "and cuBLAS: install them or add their folder to LD_LIBRARY_PATH)");
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<String> vulkanMissing() {
        return loads("libvulkan.so.1") ? Optional.empty()
                : Optional.of("libvulkan.so.1 (the Vulkan loader) does not load; install libvulkan1 and the GPU's "
                        + "Vulkan driver");
    }

    /** Empty when a driver reporting {@code version} (cuDriverGetVersion's encoding) runs the CUDA set. */
    static Optional<String> driverTooOld(int version) {
        if (version >= CUDA_SET_DRIVER_VERSION) {
            return Optional.empty();
        }
        return Optional.of("the NVIDIA driver supports CUDA " + version / 1000 + "." + version % 1000 / 10
                + ", the npm CUDA set needs 13.1 or later: update the driver, or build llama.cpp for this GPU with "
                + "ops/gpu/build-cuda.sh and pass its lib folder as --llama-lib-dir");
    }

    private static boolean loads(String library) {
        try {
            NativeLibrary.getInstance(library);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }
}
