package dev.parley.worker;

import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.TokenListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps real engines (one per worker) and watches all of them together: it records a violation whenever two
 * generations of one conversation overlap, on any worker, and counts generations.
 */
final class ObservingEngine extends ForwardingEngine {

    /** Shared by the engines of all workers of a test. */
    static final class Observer {
        final Set<String> generating = ConcurrentHashMap.newKeySet();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final AtomicInteger generations = new AtomicInteger();
        final Map<KvTier, AtomicInteger> tiers = new ConcurrentHashMap<>();

        int tier(KvTier tier) {
            AtomicInteger count = tiers.get(tier);
            return count == null ? 0 : count.get();
        }
    }

    private final Observer observer;

    ObservingEngine(InferenceEngine delegate, Observer observer) {
        super(delegate);
        this.observer = observer;
    }

    @Override
    public Generation generate(GenerationRequest request, TokenListener listener) {
        String conversation = request.conversationId();
        if (!observer.generating.add(conversation)) {
            observer.violations.add("two turns of " + conversation + " generating at once");
        }
        try {
            observer.generations.incrementAndGet();
            Generation generation = delegate.generate(request, listener);
            observer.tiers.computeIfAbsent(generation.tier(), k -> new AtomicInteger()).incrementAndGet();
            return generation;
        } finally {
            observer.generating.remove(conversation);
        }
    }
}
