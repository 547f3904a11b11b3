package dev.parley.worker.cli;

import dev.parley.models.LlamaLibraryStore;
import dev.parley.worker.engine.gpu.GpuChoice;
import dev.parley.worker.engine.gpu.HostGpuRuntime;
import dev.parley.worker.engine.gpu.LibrarySelection;
import dev.parley.worker.engine.gpu.LibrarySelector;
import dev.parley.models.ModelLocator;
import dev.parley.models.ModelUnavailableException;
import dev.parley.worker.Worker;
import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import dev.parley.worker.config.SettingsException;
import dev.parley.worker.config.WorkerConfig;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.cpp.DeviceSized;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.DeviceSamplingMode;
import dev.parley.worker.engine.cpp.GapPadding;
import dev.parley.worker.engine.cpp.KvLayout;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.cpp.NativeLanes;
import dev.parley.worker.engine.disk.DiskTierConfig;
import dev.parley.worker.engine.llama.KvCacheType;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import dev.parley.worker.metrics.ProcessMetrics;
import dev.parley.worker.models.ModelServingSettings;
import dev.parley.worker.ops.OpsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A worker process's parts, assembled from {@link Settings}: the model (fetched if needed), the engine, the worker,
 * a Prometheus registry with JVM and process meters, and the operations endpoints. Closes in reverse order.
 */
public final class WorkerRuntime implements AutoCloseable {

    private final Settings settings;
    private final InferenceEngine engine;
    private final Worker worker;
    private final PrometheusMeterRegistry registry;
    private final ProcessMetrics processMetrics;
    private final OpsServer ops;
    private final long modelLoadMillis;

    private WorkerRuntime(Settings settings, InferenceEngine engine, Worker worker, PrometheusMeterRegistry registry,
                          ProcessMetrics processMetrics, OpsServer ops, long modelLoadMillis) {
        this.settings = settings;
        this.engine = engine;
        this.worker = worker;
        this.registry = registry;
        this.processMetrics = processMetrics;
        this.ops = ops;
        this.modelLoadMillis = modelLoadMillis;
    }

    /**
     * Starts a worker. The operations port is bound first, so that a taken port is reported before a model is loaded;
     * a model that cannot be found or loaded is reported as {@link ModelUnavailableException} (one line, exit 2).
     */
    public static WorkerRuntime start(Settings settings) {
        return start(settings, UnaryOperator.identity());
    }

    /** As {@link #start(Settings)}, with the loaded engine wrapped by {@code decorate} (tests inject faults so). */
    static WorkerRuntime start(Settings settings, UnaryOperator<InferenceEngine> decorate) {
        LogFormat.apply(settings.text(Setting.LOG_FORMAT));
        WorkerConfig config = settings.workerConfig();
        if ("java".equals(settings.text(Setting.ENGINE))) {
            PrefixSharingSettings.refuseForJavaEngine(settings); // before a model is fetched for nothing
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        int port = settings.integer(Setting.HTTP_PORT);
        OpsServer ops = port < 0 ? null : OpsServer.start(port, registry);
        InferenceEngine engine = null;
        try {
            ModelLocator locator = ModelLocator.fromEnvironment();
            Path model = locator.resolve(settings.text(Setting.MODEL));
            long started = System.nanoTime();
            try {
                engine = decorate.apply(loadEngine(settings, model));
            } catch (EngineException e) {
                throw new ModelUnavailableException("cannot load model " + model + ": " + e.getMessage());
            }
            long loadMillis = (System.nanoTime() - started) / 1_000_000;
            ProcessMetrics processMetrics = ProcessMetrics.bindTo(registry);
            Worker worker = Worker.start(config, ModelServingSettings.from(settings, model), engine, registry);
            if (ops != null) {
                ops.serve(worker::readiness, worker::health);
            }
            return new WorkerRuntime(settings, engine, worker, registry, processMetrics, ops, loadMillis);
        } catch (RuntimeException | Error e) {
            if (engine != null) {
                engine.close();
            }
            if (ops != null) {
                ops.close();
            }
            throw e;
        }
    }

    /** Loads the engine the settings choose. */
    public static InferenceEngine loadEngine(Settings settings, Path model) {
        return switch (settings.text(Setting.ENGINE)) {
            case "java" -> LlamaCppEngine.load(javaEngineConfig(settings, model));
            case "native" -> NativeEngine.load(nativeEngineConfig(settings, model), PrefixSharingSettings.of(settings),
                    diskTierConfig(settings), nativeLanes(settings));
            default -> throw new IllegalArgumentException("unknown engine " + settings.text(Setting.ENGINE));
        };
    }

    /** How the native engine orders and preempts, from the settings. */
    public static NativeLanes nativeLanes(Settings settings) {
        return new NativeLanes(settings.duration(Setting.BATCH_AGING), settings.integer(Setting.PREEMPT_MAX),
                settings.integer(Setting.PREEMPT_MIN_TOKENS));
    }


    /** The native engine's disk KV tier the settings describe (off without kv-disk-dir). */
    public static DiskTierConfig diskTierConfig(Settings settings) {
        return settings.has(Setting.KV_DISK_DIR)
                ? new DiskTierConfig(Path.of(settings.text(Setting.KV_DISK_DIR)), settings.bytes(Setting.KV_DISK_BYTES))
                : DiskTierConfig.OFF;
    }

    /** The java-llama.cpp engine's configuration the settings describe; refuses what only the native engine has. */
    public static LlamaEngineConfig javaEngineConfig(Settings settings, Path model) {
        PrefixSharingSettings.refuseForJavaEngine(settings);
        if (settings.has(Setting.KV_DISK_DIR)) {
            throw new SettingsException(List.of(Setting.KV_DISK_DIR.flag() + " needs the native engine (--engine "
                    + "native): the java engine keeps no KV snapshots to write to disk"));
        }
        if (settings.has(Setting.KV_LAYOUT)) {
            throw new SettingsException(List.of(Setting.KV_LAYOUT.flag() + " needs the native engine (--engine "
                    + "native): java-llama.cpp sets its own KV layout"));
        }
        if (settings.has(Setting.THREAD_POOL)) {
            throw new SettingsException(List.of(Setting.THREAD_POOL.flag() + " needs the native engine (--engine "
                    + "native): java-llama.cpp manages its own threads"));
        }
        if (settings.has(Setting.DEVICE_SAMPLING)) {
            throw new SettingsException(List.of(Setting.DEVICE_SAMPLING.flag() + " needs the native engine (--engine "
                    + "native): java-llama.cpp samples on the host"));
        }
        if (settings.has(Setting.GAP_PADDING)) {
            throw new SettingsException(List.of(Setting.GAP_PADDING.flag() + " needs the native engine (--engine "
                    + "native): java-llama.cpp makes its own batches"));
        }
        int threads = settings.has(Setting.THREADS) ? settings.integer(Setting.THREADS) : LlamaEngineConfig.defaultThreads();
        return new LlamaEngineConfig(model, integer(settings, Setting.SLOTS, LlamaEngineConfig.DEFAULT_SLOTS),
                settings.integer(Setting.CONTEXT_PER_SLOT),
                threads, KvCacheType.parse(settings.text(Setting.KV_CACHE_TYPE)), settings.integer(Setting.GPU_LAYERS));
    }

    /** The native engine's configuration the settings describe; fetches the llama.cpp libraries if needed. */
    public static NativeEngineConfig nativeEngineConfig(Settings settings, Path model) {
        LlamaLibraryStore store = LlamaLibraryStore.standard(System.getenv());
        String configuredDir = settings.text(Setting.LLAMA_LIB_DIR); // also PARLEY_LLAMA_LIB_DIR
        LibrarySelection libraries = new LibrarySelector(new HostGpuRuntime(), store::fetch)
                .select(GpuChoice.parse(settings.text(Setting.GPU)), configuredDir);
        return nativeEngineConfig(settings, model, libraries);
    }

    /**
     * As {@link #nativeEngineConfig(Settings, Path)}, with the libraries chosen. The sizes not set hold the CPU
     * defaults and are left open for the device to choose at load ({@link NativeEngineConfig#deviceSized()}).
     */
    static NativeEngineConfig nativeEngineConfig(Settings settings, Path model, LibrarySelection libraries) {
        int threads = settings.has(Setting.THREADS) ? settings.integer(Setting.THREADS) : NativeEngineConfig.defaultThreads();
        int batch = integer(settings, Setting.BATCH_SIZE, NativeEngineConfig.DEFAULT_BATCH_TOKENS);
        int microBatch = integer(settings, Setting.MICRO_BATCH_SIZE, batch);
        int gpuLayers = libraries.gpuAllowed() ? settings.integer(Setting.GPU_LAYERS) : 0;
        int gpuDevice = settings.has(Setting.GPU_DEVICE) ? settings.integer(Setting.GPU_DEVICE) : NativeEngineConfig.ALL_GPUS;
        long snapshots = settings.has(Setting.KV_SNAPSHOT_BYTES) ? settings.bytes(Setting.KV_SNAPSHOT_BYTES)
                : NativeEngineConfig.DEFAULT_SNAPSHOT_BYTES;
        return new NativeEngineConfig(model, libraries.dir(), integer(settings, Setting.SLOTS, LlamaEngineConfig.DEFAULT_SLOTS),
                settings.integer(Setting.CONTEXT_PER_SLOT), threads, KvCacheType.parse(settings.text(Setting.KV_CACHE_TYPE)),
                gpuLayers, snapshots, batch, integer(settings, Setting.PREFILL_CHUNK, NativeEngineConfig.DEFAULT_PREFILL_CHUNK),
                gpuDevice, libraries.gpuRequired(), microBatch, false, settings.has(Setting.KV_LAYOUT)
                ? KvLayout.parse(settings.text(Setting.KV_LAYOUT)) : KvLayout.PER_SEQUENCE,
                !settings.has(Setting.THREAD_POOL) || settings.bool(Setting.THREAD_POOL), deviceSized(settings),
                settings.has(Setting.DEVICE_SAMPLING) ? DeviceSamplingMode.parse(settings.text(Setting.DEVICE_SAMPLING))
                        : DeviceSamplingMode.AUTO,
                settings.has(Setting.GAP_PADDING) ? GapPadding.parse(settings.text(Setting.GAP_PADDING))
                        : GapPadding.AUTO);
    }

    /** The engine sizes the settings leave open, for the device to choose ({@code DeviceDefaults}). */
    static Set<DeviceSized> deviceSized(Settings settings) {
        Set<DeviceSized> open = EnumSet.noneOf(DeviceSized.class);
        for (DeviceSized size : DeviceSized.values()) {
            if (!settings.has(Setting.byKey(size.setting()))) {
                open.add(size);
            }
        }
        return open;
    }

    private static int integer(Settings settings, Setting setting, int otherwise) {
        return settings.has(setting) ? settings.integer(setting) : otherwise;
    }

    public Worker worker() {
        return worker;
    }

    public InferenceEngine engine() {
        return engine;
    }

    public Settings settings() {
        return settings;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public long modelLoadMillis() {
        return modelLoadMillis;
    }

    /** The port of the operations endpoints, or -1 when they are off. */
    public int httpPort() {
        return ops == null ? -1 : ops.port();
    }

    @Override
    public void close() {
        try {
            worker.close();
        } finally {
            if (ops != null) {
                ops.close();
            }
            processMetrics.close();
            engine.close();
            registry.close();
        }
    }
}
