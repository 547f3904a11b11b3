package dev.parley.worker.engine.cpp;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ggml thread pool for a context's whole life, attached with {@code llama_attach_threadpool}. Without it, a
 * build without OpenMP (npm's) has ggml start {@code threads - 1} threads for every graph run and join them at its
 * end: thousands of thread starts a second at small batches, and a CPU profile where half the worker's time went to
 * threads that ended during the run. llama.cpp's own tools attach a pool the same way (common.cpp).
 */
final class CpuThreadPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CpuThreadPool.class);

    /** No pool: ggml's per-graph threads (off, or a build whose CPU backend exports no pool). */
    static final CpuThreadPool NONE = new CpuThreadPool(null, null, null, null);

    private final LlamaLib llama;
    private final Pointer context;
    private final Pointer pool;
    private final Function free;

    private CpuThreadPool(LlamaLib llama, Pointer context, Pointer pool, Function free) {
        this.llama = llama;
        this.context = context;
        this.pool = pool;
        this.free = free;
    }

    /** Creates a pool of {@code threads} (the engine thread counts as one) and attaches it to {@code context}. */
    static CpuThreadPool attach(GgmlLib ggml, LlamaLib llama, Pointer context, int threads) {
        Pointer cpu = ggml.ggml_backend_dev_by_type(GgmlLib.DEVICE_CPU);
        Pointer reg = cpu == null ? null : ggml.ggml_backend_dev_backend_reg(cpu);
        Pointer create = reg == null ? null : ggml.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_new");
        Pointer destroy = reg == null ? null : ggml.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_free");
        if (create == null || destroy == null) {
            log.warn("llama.cpp's CPU backend exports no thread pool; each graph run starts its own threads");
            return NONE;
        }
        GgmlLib.ThreadpoolParams params = new GgmlLib.ThreadpoolParams();
        ggml.ggml_threadpool_params_init(params, threads);
        params.read();
        Pointer pool = (Pointer) Function.getFunction(create).invoke(Pointer.class, new Object[] {params});
        if (pool == null) {
            log.warn("ggml could not create a pool of {} threads; each graph run starts its own", threads);
            return NONE;
        }
        llama.llama_attach_threadpool(context, pool, null);
        log.info("CPU thread pool of {} threads attached (polling level {})", threads, params.poll);
        return new CpuThreadPool(llama, context, pool, Function.getFunction(destroy));
    }

    boolean attached() {
        return pool != null;
    }

    /** Detaches the pool and stops its threads; before the context is freed. */
    @Override
    public void close() {
        if (pool == null) {
            return;
        }
        llama.llama_detach_threadpool(context);
        free.invoke(Void.class, new Object[] {pool});
    }
}
