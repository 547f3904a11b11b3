package dev.parley.worker.drill;

import dev.parley.worker.EngineExtension;
import dev.parley.worker.ForwardingEngine;
import dev.parley.worker.Worker;
import dev.parley.worker.config.SettingsLoader;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.cpp.NativeEngine;
import dev.parley.worker.engine.cpp.NativeEngineConfig;
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
 * Arguments: {@code <event-log> <model> key=value...} (worker settings). The native engine (the default one) runs
 * with 2 sequences and a small snapshot budget, so conversations are evicted to and restored from the host-RAM tier
 * all the time and kills land mid-snapshot as well as mid-generation.
 */
public final class DrillWorkerMain {

    private DrillWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        EventLog events = new EventLog(Path.of(args[0]));
        Map<String, String> flags = new LinkedHashMap<>();
        Map<String, String> kafka = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            if (pair[0].startsWith("kafka.")) {
                kafka.put(pair[0].substring("kafka.".length()), pair[1]);
            } else {
                flags.put(pair[0], pair[1]);
            }
        }
        var config = new SettingsLoader().flags(flags).kafkaFlags(kafka).load().workerConfig();
        InferenceEngine engine = NativeEngine.load(NativeEngineConfig.forModel(Path.of(args[1]),
                EngineExtension.libraries()).withSlots(2).withContextPerSlot(1024).withSnapshotBytes(2L << 20)
                .withThreads(1));
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
    private static final class TracingEngine extends ForwardingEngine {
        private final EventLog events;

        TracingEngine(InferenceEngine delegate, EventLog events) {
            super(delegate);
            this.events = events;
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
    }
}
