package dev.parley.worker;

import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.DiskTierStats;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.PrefixCacheStats;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.template.ReasoningStart;
import java.util.Optional;

/**
 * An engine that passes everything to a real one, health signals included, so that a test wrapper (one that watches,
 * traces or breaks generations) overrides only {@link #generate} and the worker's health check still sees the real
 * engine.
 */
public abstract class ForwardingEngine implements InferenceEngine {

    protected final InferenceEngine delegate;

    protected ForwardingEngine(InferenceEngine delegate) {
        this.delegate = delegate;
    }

    @Override
    public Generation generate(GenerationRequest request, TokenListener listener) {
        return delegate.generate(request, listener);
    }

    @Override
    public EngineInfo info() {
        return delegate.info();
    }

    @Override
    public boolean callsTools() {
        return delegate.callsTools();
    }

    @Override
    public Optional<ReasoningStart> reasoning(Transcript transcript) {
        return delegate.reasoning(transcript);
    }

    @Override
    public int turnsInFlight() {
        return delegate.turnsInFlight();
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
    public PrefixCacheStats prefixCacheStats() {
        return delegate.prefixCacheStats();
    }

    @Override
    public DiskTierStats diskTierStats() {
        return delegate.diskTierStats();
    }

    @Override
    public void addKvCacheListener(KvCacheListener listener) {
        delegate.addKvCacheListener(listener);
    }

    @Override
    public boolean preempts() {
        return delegate.preempts();
    }

    @Override
    public long preemptions() {
        return delegate.preemptions();
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
