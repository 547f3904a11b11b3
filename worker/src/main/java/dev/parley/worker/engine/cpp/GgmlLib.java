package dev.parley.worker.engine.cpp;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
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

    /** The first device of a type ({@link #DEVICE_CPU}, ...), or null. */
    Pointer ggml_backend_dev_by_type(int type);

    Pointer ggml_backend_dev_backend_reg(Pointer device);

    /**
     * A function the backend exports by name, or null: the CPU backend's {@code ggml_threadpool_new} lives in the
     * variant loaded for this processor (libggml-cpu-haswell, -zen4, ...), which only the registry knows.
     */
    Pointer ggml_backend_reg_get_proc_address(Pointer reg, String name);

    /** {@code struct ggml_threadpool_params} (ggml.h): 528 bytes. */
    @Structure.FieldOrder({"cpumask", "n_threads", "prio", "poll", "strict_cpu", "paused"})
    class ThreadpoolParams extends Structure {
        /** {@code GGML_MAX_N_THREADS}: all zeros keeps the inherited affinity. */
        public byte[] cpumask = new byte[512];
        public int n_threads;
        public int prio;
        /** 0 sleeps between graph runs at once, 100 mostly spins; ggml's and llama.cpp's tools' default is 50. */
        public int poll;
        public byte strict_cpu;
        public byte paused;
    }

    /** The device's page-locked host buffer type ({@code cudaMallocHost} on CUDA), or null. */
    Pointer ggml_backend_dev_host_buffer_type(Pointer device);

    /** The device's own buffer type (its memory). */
    Pointer ggml_backend_dev_buffer_type(Pointer device);

    String ggml_backend_buft_name(Pointer bufferType);

    /** A buffer of the type, or null; on CUDA a refused page-locked allocation falls back to plain memory. */
    Pointer ggml_backend_buft_alloc_buffer(Pointer bufferType, long size);

    Pointer ggml_backend_buffer_get_base(Pointer buffer);

    void ggml_backend_buffer_free(Pointer buffer);

    /** Fills {@code params} with ggml's defaults for {@code threads} threads (libggml-base). */
    void ggml_threadpool_params_init(ThreadpoolParams params, int threads);
}
