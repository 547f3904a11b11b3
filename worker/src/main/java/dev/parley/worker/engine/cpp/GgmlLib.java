package dev.parley.worker.engine.cpp;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;

/**
 * ggml's backend registry: loads the backends found in a directory (the CPU variant that suits this processor, and
 * any GPU backend whose runtime is present) and lists the devices they registered. The device functions live in
 * libggml-base, a dependency of libggml, so they are found through libggml's handle.
 */
public interface GgmlLib extends Library {

    /** {@code enum ggml_backend_dev_type}. */
    int DEVICE_CPU = 0;
    int DEVICE_GPU = 1;
    int DEVICE_IGPU = 2;

    void ggml_backend_load_all_from_path(String dir);

    long ggml_backend_reg_count();

    Pointer ggml_backend_reg_get(long index);

    String ggml_backend_reg_name(Pointer reg);

    long ggml_backend_dev_count();

    Pointer ggml_backend_dev_get(long index);

    String ggml_backend_dev_name(Pointer device);

    String ggml_backend_dev_description(Pointer device);

    int ggml_backend_dev_type(Pointer device);

    void ggml_backend_dev_memory(Pointer device, LongByReference free, LongByReference total);
}
