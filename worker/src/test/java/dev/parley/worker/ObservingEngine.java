package dev.parley.worker;

import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.TokenListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps real engines (one per worker) and watches all of them together: it records a violation whenever two
 * generations of one conversation overlap, on any worker, and counts generations.
 */
final class ObservingEngine implements InferenceEngine {

    /** Shared by the engines of all workers of a test. */
    static final class Observer {
        final Set<String> generating = ConcurrentHashMap.newKeySet();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final AtomicInteger generations = new AtomicInteger();
    }

    private final InferenceEngine delegate;
    private final Observer observer;

    ObservingEngine(InferenceEngine delegate, Observer observer) {
        this.delegate = delegate;
        this.observer = observer;
    }

    @Override
    public EngineInfo info() {
        return delegate.info();
    }

    @Override
    public Generation generate(GenerationRequest request, TokenListener listener) {
        String conversation = request.conversationId();
        if (!observer.generating.add(conversation)) {
            observer.violations.add("two turns of " + conversation + " generating at once");
        }
        try {
            observer.generations.incrementAndGet();
            return delegate.generate(request, listener);
        } finally {
            observer.generating.remove(conversation);
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
    public void close() {
    }
}
