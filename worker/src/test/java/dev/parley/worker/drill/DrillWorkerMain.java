package dev.parley.worker.drill;

import dev.parley.worker.EngineExtension;
import dev.parley.worker.Worker;
import dev.parley.worker.config.SettingsLoader;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
import dev.parley.worker.engine.llama.LlamaCppEngine;
import dev.parley.worker.engine.llama.LlamaEngineConfig;
import dev.parley.worker.metrics.ParleyMeter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A worker process for the crash drill: a real worker whose engine writes every generation's start and end to an
 * event log, so the drill can check across processes that a conversation never had two turns generating at once.
 * Arguments: {@code <event-log> <model> <engine> key=value...} (worker settings). The {@code native} engine (the
 * default one) runs with 2 sequences and a small snapshot budget, so conversations are evicted to and restored from
 * the host-RAM tier all the time and kills land mid-snapshot as well as mid-generation; {@code java} is the baseline.
 */
public final class DrillWorkerMain {

    private DrillWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        EventLog events = new EventLog(Path.of(args[0]));
        Map<String, String> flags = new LinkedHashMap<>();
        Map<String, String> kafka = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            if (pair[0].startsWith("kafka.")) {
                kafka.put(pair[0].substring("kafka.".length()), pair[1]);
            } else {
                flags.put(pair[0], pair[1]);
            }
        }
        var config = new SettingsLoader().flags(flags).kafkaFlags(kafka).load().workerConfig();
        InferenceEngine engine = switch (args[2]) {
            case "native" -> NativeEngine.load(NativeEngineConfig.forModel(Path.of(args[1]), EngineExtension.libraries())
                    .withSlots(2).withContextPerSlot(1024).withSnapshotBytes(2L << 20).withThreads(1));
            case "java" -> LlamaCppEngine.load(LlamaEngineConfig.forModel(Path.of(args[1])).withSlots(4)
                    .withContextPerSlot(1024).withThreads(1));
            default -> throw new IllegalArgumentException("engine native or java, not " + args[2]);
        };
        engine.addKvCacheListener(new KvCacheListener() {
            @Override
            public void snapshotSaved(long nanos) {
                events.write("K", "saved", EventLog.now());
            }

            @Override
            public void snapshotRestored(long nanos) {
                events.write("K", "restored", EventLog.now());
            }
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Worker.start(config, new TracingEngine(engine, events), registry);
        var reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "drill-reporter");
            thread.setDaemon(true);
            return thread;
        });
        reporter.scheduleAtFixedRate(() -> events.write("R", String.valueOf(
                (long) registry.get(ParleyMeter.TURNS_REPLAYED.meterName()).counter().count())), 0, 200, TimeUnit.MILLISECONDS);
        System.out.println("PARLEY_WORKER_READY worker=" + config.workerId());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }

    /** Logs each generation's start and end around the real engine. */
    private record TracingEngine(InferenceEngine delegate, EventLog events) implements InferenceEngine {

        @Override
        public EngineInfo info() {
            return delegate.info();
        }

        @Override
        public Generation generate(GenerationRequest request, TokenListener listener) {
            String requestId = request.transcript().pending().get(request.transcript().pending().size() - 1).content();
            events.write("S", request.conversationId(), requestId, EventLog.now());
            try {
                return delegate.generate(request, listener);
            } finally {
                events.write("E", request.conversationId(), requestId, EventLog.now());
            }
        }

        @Override
        public int busySlots() {
            return delegate.busySlots();
        }

        @Override
        public int warmConversations() {
            return delegate.warmConversations();
        }

        @Override
        public KvCacheStats kvCacheStats() {
            return delegate.kvCacheStats();
        }

        @Override
        public void addKvCacheListener(KvCacheListener listener) {
            delegate.addKvCacheListener(listener);
        }

        @Override
        public boolean isAlive() {
            return delegate.isAlive();
        }

        @Override
        public long lastProgressNanos() {
            return delegate.lastProgressNanos();
        }

        @Override
        public boolean hasWork() {
            return delegate.hasWork();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
