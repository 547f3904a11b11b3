package dev.parley.bench.engine;

import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;

/**
 * A freshly loaded engine that has run one short warm-up, so CUDA graphs and kernels are ready before anything is
 * timed. The warm-up's two conversations stay warm in two of the sequences; a run of at most {@code slots - 2}
 * conversations evicts none of them, and a larger one evicts at most two.
 */
record WarmedEngine(NativeEngine engine, double loadSeconds) implements AutoCloseable {

    static WarmedEngine load(NativeEngineConfig config, int slots) throws Exception {
        long start = System.nanoTime();
        NativeEngine engine = NativeEngine.load(config);
        double seconds = (System.nanoTime() - start) / 1e9;
        try {
            new ClosedLoopEngine(engine, Math.min(slots, 2), 1, 8, 16, "warmup").run();
        } catch (Exception e) {
            engine.close();
            throw e;
        }
        return new WarmedEngine(engine, seconds);
    }

    @Override
    public void close() {
        engine.close();
    }
}
