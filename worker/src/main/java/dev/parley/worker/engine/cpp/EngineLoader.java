package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.disk.DiskKvStore;
import dev.parley.worker.engine.disk.DiskTierConfig;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link NativeEngine}: loads llama.cpp and the model, creates the context and its thread pool, opens the
 * disk tier, and frees what it made when a later part fails.
 */
final class EngineLoader {

    private static final Logger log = LoggerFactory.getLogger(NativeEngine.class);

    private EngineLoader() {
    }

    static NativeEngine load(NativeEngineConfig given, PrefixSharing sharing, DiskTierConfig disk, NativeLanes lanes,
                             Clock clock) {
        return load(given, sharing, disk, lanes, clock, SnapshotMemoryChoice.DEFAULT);
    }

    /** As the load above, with the snapshots' memory chosen by {@code memoryChoice} (tests pass their own). */
    static NativeEngine load(NativeEngineConfig given, PrefixSharing sharing, DiskTierConfig disk, NativeLanes lanes,
                             Clock clock, SnapshotMemoryChoice memoryChoice) {
        Objects.requireNonNull(sharing, "sharing");
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(lanes, "lanes");
        given.cacheType().requireFits(given.model());
        long started = System.nanoTime();
        LoadedLlama loaded = NativeLibrary.load(given.libraryDir());
        LlamaLib llama = loaded.llama();
        GpuPlacement placement = GpuPlacement.of(given, loaded);
        DeviceDefaults.Choice sized = DeviceDefaults.choose(given,
                DeviceDefaults.Device.of(given, loaded.gpus(), placement));
        log.info("Engine sizes: {}", sized.reason()); // once per engine, before anything is allocated
        NativeEngineConfig config = sized.config();
        NativeModel model = NativeModel.load(llama, config.model(), placement, config.ignoreEndOfGeneration());
        DeviceSamplingMode sampling = config.deviceSampling().resolve(placement.layers() != 0);
        log.info("Sampling {} (device-sampling {}, {})", switch (sampling) {
            case ON -> "on the device where llama.cpp can";
            case SAMPLED -> "on the device where llama.cpp can, plain greedy turns on the host";
            default -> "on the host";
        }, config.deviceSampling(), placement);
        config = config.withDeviceSampling(sampling);
        boolean padding = config.gapPadding().resolve(placement.layers() != 0, config.kvLayout());
        config = config.withGapPadding(padding ? GapPadding.ON : GapPadding.OFF);
        LlamaLib.ContextParams params = ContextSetup.params(llama, config);
        Pointer context = ContextSetup.create(llama, model, params, config.slots());
        int perSequence = Math.min(config.contextPerSlot(), llama.llama_n_ctx(context) / config.slots());
        List<KvCacheListener> listeners = new CopyOnWriteArrayList<>(); // the RAM and the disk tier tell the same ones
        DiskKvStore diskStore = null;
        CpuThreadPool threadPool = CpuThreadPool.NONE;
        NativeEngine engine;
        try {
            if (config.threadPool()) {
                threadPool = CpuThreadPool.attach(loaded.ggml(), llama, context, config.threads());
            }
            diskStore = DiskTier.openStore(disk, config, llama, perSequence, params.flash_attn_type, listeners);
            SnapshotMemory snapshotMemory = memoryChoice.choose(loaded.ggml(), placement, config.snapshotBytes());
            engine = new NativeEngine(llama, model, context, threadPool, config, lanes, perSequence, sharing,
                    diskStore, snapshotMemory, listeners, clock);
        } catch (RuntimeException e) {
            if (diskStore != null) {
                diskStore.close();
            }
            threadPool.close();
            llama.llama_free(context);
            model.close();
            throw e;
        }
        engine.start();
        log.info("Loaded {} with llama.cpp from {} in {} ms: {} sequences x {} tokens, {} threads{}, KV cache {} "
                        + "{}, snapshots up to {} MiB, shared prefixes up to {} MiB (from {} tokens), batch {}/{}, {}, {}",
                model.name(), config.libraryDir(), (System.nanoTime() - started) / 1_000_000, config.slots(),
                perSequence, config.threads(), threadPool.attached() ? " (pooled)" : " (per graph run)",
                config.cacheType(), config.kvLayout(), config.snapshotBytes() >> 20,
                sharing.budgetBytes() >> 20, sharing.minTokens(), config.batchTokens(), config.microBatchTokens(),
                placement, lanes);
        return engine;
    }
}
