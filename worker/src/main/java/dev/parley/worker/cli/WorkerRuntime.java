package dev.parley.worker.cli;

import dev.parley.models.ModelLocator;
import dev.parley.worker.Worker;
import dev.parley.worker.config.Setting;
import dev.parley.worker.config.Settings;
import dev.parley.worker.engine.llama.KvCacheType;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import dev.parley.worker.metrics.ProcessMetrics;
import dev.parley.worker.ops.OpsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;

/**
 * A worker process's parts, assembled from {@link Settings}: the model (fetched if needed), the engine, the worker,
 * a Prometheus registry with JVM and process meters, and the operations endpoints. Closes in reverse order.
 */
public final class WorkerRuntime implements AutoCloseable {

    private final Settings settings;
    private final LlamaCppEngine engine;
    private final Worker worker;
    private final PrometheusMeterRegistry registry;
    private final ProcessMetrics processMetrics;
    private final OpsServer ops;
    private final long modelLoadMillis;

    private WorkerRuntime(Settings settings, LlamaCppEngine engine, Worker worker, PrometheusMeterRegistry registry,
                          ProcessMetrics processMetrics, OpsServer ops, long modelLoadMillis) {
        this.settings = settings;
        this.engine = engine;
        this.worker = worker;
        this.registry = registry;
        this.processMetrics = processMetrics;
        this.ops = ops;
        this.modelLoadMillis = modelLoadMillis;
    }

    public static WorkerRuntime start(Settings settings) {
        LogFormat.apply(settings.text(Setting.LOG_FORMAT));
        ModelLocator locator = ModelLocator.fromEnvironment();
        Path model = locator.resolve(settings.text(Setting.MODEL));
        long started = System.nanoTime();
        LlamaCppEngine engine = LlamaCppEngine.load(engineConfig(settings, model));
        long loadMillis = (System.nanoTime() - started) / 1_000_000;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ProcessMetrics processMetrics = ProcessMetrics.bindTo(registry);
        Worker worker = Worker.start(settings.workerConfig(), engine, registry);
        int port = settings.integer(Setting.HTTP_PORT);
        OpsServer ops = port < 0 ? null : OpsServer.start(port, registry, worker::readiness);
        return new WorkerRuntime(settings, engine, worker, registry, processMetrics, ops, loadMillis);
    }

    /** The engine configuration the settings describe. */
    public static LlamaEngineConfig engineConfig(Settings settings, Path model) {
        int threads = settings.has(Setting.THREADS) ? settings.integer(Setting.THREADS) : LlamaEngineConfig.defaultThreads();
        return new LlamaEngineConfig(model, settings.integer(Setting.SLOTS), settings.integer(Setting.CONTEXT_PER_SLOT),
                threads, KvCacheType.parse(settings.text(Setting.KV_CACHE_TYPE)), settings.integer(Setting.GPU_LAYERS));
    }

    public Worker worker() {
        return worker;
    }

    public LlamaCppEngine engine() {
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
