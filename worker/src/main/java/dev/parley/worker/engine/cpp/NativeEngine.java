package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.worker.engine.ContextWindow;
import dev.parley.worker.engine.DiskTierStats;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.PrefixCacheStats;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.disk.DiskKvStore;
import dev.parley.worker.engine.disk.DiskTierConfig;
import dev.parley.worker.engine.template.ReasoningStart;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine on llama.cpp's C API. One engine thread owns one context with {@code slots} sequences, each with its own
 * KV cells. Every step it packs one batch: one token for each generating sequence plus bounded chunks of the prompts
 * of new turns, so a long prompt never stalls the answers being decoded.
 *
 * <p>A conversation's earlier context is found in one of three tiers: still in its sequence (the common prefix is
 * reused, the divergent tail dropped); in a host-RAM snapshot taken when its sequence went to another conversation
 * (copied back into a free sequence in milliseconds); or nowhere, and then its prompt is computed from the transcript.
 * So far more conversations stay warm than there are sequences, bounded by the snapshot budget in bytes. A prompt
 * computed from its start whose system prompt another conversation computed before gets that prefix's KV copied in
 * ({@link PrefixTier}), bounded by its own budget. With a disk tier ({@link DiskTier}), snapshots also go to files
 * that outlive the process, read back off the engine thread.
 *
 * <p>Turn threads render and tokenize their prompts and wait; only the engine thread touches the context.
 */
public final class NativeEngine implements InferenceEngine {

    private static final Logger log = LoggerFactory.getLogger(NativeEngine.class);
    /** After an overflow, leave this much of the context free so the next turns keep their cached prefix. */
    private static final double HEADROOM = 0.25;
    /** How long the engine thread, with nothing to run, waits for a snapshot file being read before looking again. */
    private static final long DISK_READ_WAIT_MS = 10;

    private final LlamaLib llama;
    private final NativeModel model;
    private final Pointer context;
    private final EngineInfo info;
    private final ContextWindow window;
    private final SnapshotTier tier;
    private final PrefixTier prefixes;
    private final int prefixMinTokens;
    private final DiskTier disk;
    private final CpuThreadPool threadPool;
    private final Sequence[] sequences;
    private final BatchBuffer batch;
    private final LinkedBlockingQueue<NativeJob> submitted = new LinkedBlockingQueue<>();
    private final Thread loop;
    private final List<KvCacheListener> listeners;
    private volatile boolean closing;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Held (shared) while a caller tokenizes or renders with the model; {@link #close()} takes it exclusively. */
    private final ReentrantReadWriteLock modelGuard = new ReentrantReadWriteLock();
    private volatile long lastProgressNanos = System.nanoTime();

    // engine thread only
    private final EngineState state;
    private final Admission admission;
    private final Preemption preemption;
    private final NativeLanes lanes;
    private final DecodeStep decode;

    // published by the engine thread after each step, for metrics
    private volatile int waitingCount;
    final PublishedStats published = new PublishedStats();
    private final StepProfile stepProfile = new StepProfile();

    NativeEngine(LlamaLib llama, NativeModel model, Pointer context, CpuThreadPool threadPool,
                         NativeEngineConfig config, NativeLanes lanes, int perSequence, PrefixSharing sharing,
                         DiskKvStore diskStore, SnapshotMemory snapshotMemory, List<KvCacheListener> listeners,
                         Clock clock) {
        this.listeners = listeners;
        this.threadPool = threadPool;
        this.llama = llama;
        this.model = model;
        this.context = context;
        this.info = new EngineInfo(model.name(), config.slots(), perSequence, model.toolSyntax());
        this.window = new ContextWindow(perSequence, HEADROOM);
        this.tier = new SnapshotTier(llama, context, config.snapshotBytes(), snapshotMemory, config.slots(),
                listeners);
        this.prefixes = new PrefixTier(llama, context, sharing.budgetBytes(), KvPrefix.layout(
                config.model().getFileName().toString(), config.model().toFile().length(), config.cacheType().name(),
                perSequence));
        this.prefixMinTokens = sharing.minTokens();
        this.sequences = new Sequence[config.slots()];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = new Sequence(i);
        }
        this.batch = new BatchBuffer(llama, config.batchTokens());
        this.lanes = lanes;
        this.state = new EngineState(llama, model, context, sequences, batch, tier, prefixes,
                new LaneOrder(lanes.batchAging().toNanos(), lanes.maxPreemptions(), System::nanoTime), clock);
        this.disk = new DiskTier(state, diskStore);
        this.preemption = new Preemption(state, lanes);
        Forks forks = new Forks(state, disk, published);
        this.admission = new Admission(state, disk, preemption, forks);
        this.decode = DecodeStep.of(state, config, perSequence, stepProfile, this::publishStats, forks);
        this.loop = new Thread(this::run, "parley-native-engine");
        this.loop.setDaemon(true);
    }

    /** Loads the libraries and the model and starts the engine thread: shared prefixes, no disk tier, default lanes. */
    public static NativeEngine load(NativeEngineConfig config) {
        return load(config, PrefixSharing.DEFAULT, DiskTierConfig.OFF, NativeLanes.DEFAULT);
    }

    /** As {@link #load(NativeEngineConfig)}, with the lanes (batch aging, preemption) as given. */
    public static NativeEngine load(NativeEngineConfig config, NativeLanes lanes) {
        return load(config, PrefixSharing.DEFAULT, DiskTierConfig.OFF, lanes);
    }

    /** As {@link #load(NativeEngineConfig)}, with the disk tier (if {@code disk} is enabled). */
    public static NativeEngine load(NativeEngineConfig config, DiskTierConfig disk) {
        return load(config, PrefixSharing.DEFAULT, disk, NativeLanes.DEFAULT);
    }

    /** Loads the libraries and the model with prefix sharing, the disk tier and the lanes as given; starts the engine. */
    public static NativeEngine load(NativeEngineConfig config, PrefixSharing sharing, DiskTierConfig disk,
                                    NativeLanes lanes) {
        return EngineLoader.load(config, sharing, disk, lanes, Clock.systemUTC());
    }

    /** As {@link #load(NativeEngineConfig)}, reading deadlines from {@code clock} (tests). */
    static NativeEngine load(NativeEngineConfig config, Clock clock) {
        return EngineLoader.load(config, PrefixSharing.DEFAULT, DiskTierConfig.OFF, NativeLanes.DEFAULT, clock);
    }

    /** Starts the engine thread (once, by {@link EngineLoader}). */
    void start() {
        loop.start();
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    /**
     * Two turns per sequence: one generating, one prepared (history loaded, prompt tokenized) and waiting, so a
     * sequence freed at the end of a step is refilled at the start of the next. With one turn per sequence, a freed
     * sequence stays idle while the next turn stores, publishes, loads and tokenizes, and that turn then waits for a
     * whole step already under way (a prefill step takes about a second on 2 cores) before it is admitted.
     */
    @Override
    public int turnsInFlight() {
        return 2 * info.slots();
    }

    @Override
    public int busySlots() {
        return published.busy;
    }

    /** Conversations in a sequence or a snapshot. */
    @Override
    public int warmConversations() {
        return published.warm;
    }

    @Override
    public boolean preempts() {
        return lanes.preempts();
    }

    /** Batch generations paused for interactive ones so far. */
    @Override
    public long preemptions() {
        return published.preemptions;
    }

    @Override
    public KvCacheStats kvCacheStats() {
        return published.stats;
    }

    @Override
    public PrefixCacheStats prefixCacheStats() {
        return published.prefixStats;
    }

    @Override
    public DiskTierStats diskTierStats() {
        return disk.stats();
    }

    @Override
    public void addKvCacheListener(KvCacheListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The prompt tokens of a transcript (template text with control tokens, message text without). */
    public int[] tokenizeTranscript(Transcript transcript) {
        return withModel(() -> model.tokenizeTranscript(transcript));
    }

    @Override
    public Optional<ReasoningStart> reasoning(Transcript transcript) {
        return withModel(() -> model.reasoning(transcript));
    }

    /** Tokenizes text as plain text (control strings stay text). */
    public int[] tokenize(String text) {
        return withModel(() -> model.tokenize(text, false, false));
    }

    /** The transcript rendered with the model's chat template. */
    public String render(Transcript transcript) {
        return withModel(() -> model.render(transcript.messages()));
    }

    /**
     * Runs a use of the model on the caller's thread, unless the engine is closing: {@link #close()} frees the model
     * only once no such use is left, so a turn tokenizing during shutdown never touches freed memory.
     */
    private <T> T withModel(java.util.function.Supplier<T> use) {
        if (closing || !modelGuard.readLock().tryLock()) {
            throw new EngineException("engine is closed");
        }
        try {
            if (closing) {
                throw new EngineException("engine is closed");
            }
            return use.get();
        } finally {
            modelGuard.readLock().unlock();
        }
    }

    /** Whether the engine thread runs (false once closed, or if it died). */
    @Override
    public boolean isAlive() {
        return loop.isAlive() && !closing;
    }

    /** {@link System#nanoTime()} when the engine thread last finished a step or an idle wait. */
    @Override
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    /** Where the engine thread's steps went since it started (benchmarks). */
    public StepProfile.Totals stepProfile() {
        return stepProfile.snapshot();
    }

    /** Jobs the engine thread holds without a sequence, as of its last pass (tests). */
    int waitingJobs() {
        return waitingCount;
    }

    /** Jobs handed in and not yet picked up by the engine thread (tests). */
    int submittedJobs() {
        return submitted.size();
    }

    /** Whether generations are running or waiting. */
    @Override
    public boolean hasWork() {
        return published.busy > 0 || !submitted.isEmpty() || waitingCount > 0;
    }

    @Override
    public Generation generate(GenerationRequest request, TokenListener listener) {
        Objects.requireNonNull(listener, "listener");
        long start = System.nanoTime();
        withModel(() -> {
            model.checkSampling(request.sampling());
            return null;
        });
        ContextWindow.Fitted fitted = withModel(() -> window.fit(request.conversationId(), request.transcript(),
                request.sampling().maxTokens(), model::tokenizeTranscript));
        NativeJob job = new NativeJob(request, fitted.tokens(), fitted.droppedTurns(), listener, start);
        // Found even with sharing off: the prefill is cut there either way (see PrefixTier).
        job.sharedPrefix = withModel(() -> PrefixBoundary.of(request.transcript(), fitted.tokens(),
                model::tokenizeTranscript, prefixMinTokens));
        job.addForks(sequences.length);
        submitted.add(job);
        if (closing || !loop.isAlive()) {
            // the engine thread may have stopped (and failed what it had) while this job was being tokenized
            job.fail(new EngineException("engine is closed"));
        }
        return job.outcomeWithForks(loop);
    }

    private void run() {
        try {
            while (!closing) {
                lastProgressNanos = System.nanoTime();
                if (state.running.isEmpty() && state.waiting.isEmpty()) {
                    boolean wrote = disk.persistIdle(); // spare time: put an idle sequence on disk, then look again
                    NativeJob next = submitted.poll(wrote ? 0 : 100, TimeUnit.MILLISECONDS);
                    if (next == null) {
                        continue;
                    }
                    state.waiting.add(next);
                }
                submitted.drainTo(state.waiting);
                admission.admit();
                if (preemption.pauseForWaiting()) {
                    admission.admit(); // the interactive jobs take the sequences just freed
                }
                waitingCount = state.waiting.size();
                if (state.running.isEmpty()) {
                    state.handOver.deliver(); // what the last step decided, if preemption left nothing to run
                    if (!state.waiting.isEmpty()) {
                        disk.awaitLoad(DISK_READ_WAIT_MS); // only jobs whose snapshot file is being read wait
                    }
                    continue; // nothing was admitted: back to waiting for a job
                }
                decode.step(this::whileComputing);
                publishStats();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("The native engine thread died; every generation of this worker fails until it restarts", e);
        } finally {
            closing = true;
            deliverLast();
            EngineException closed = new EngineException("engine closed");
            state.failAll(closed);
            submitted.forEach(job -> job.fail(closed));
        }
    }

    /** The engine thread's own work while the device computes a step: turns handed in meanwhile join the queue. */
    private void whileComputing() {
        submitted.drainTo(state.waiting);
        waitingCount = state.waiting.size();
    }

    /** On the way out: the outcomes the last step decided reach their turns before the rest is failed. */
    private void deliverLast() {
        try {
            state.handOver.deliver();
        } catch (RuntimeException e) {
            log.warn("Handing over the last step's text failed", e);
        }
    }

    private void publishStats() {
        published.publish(sequences, tier, preemption.count(), prefixes);
    }

    /** Stops the engine thread (failing what still waits) and frees the context, the model and the snapshots. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        closing = true;
        try {
            loop.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loop.isAlive()) {
            log.warn("The native engine thread did not stop; its memory is left to the process exit");
            return;
        }
        boolean unused;
        try {
            unused = modelGuard.writeLock().tryLock(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unused = false;
        }
        if (!unused) {
            log.warn("A caller is still tokenizing with the model; its memory is left to the process exit");
            return;
        }
        disk.persistAll();
        disk.close();
        tier.close();
        prefixes.close();
        batch.close();
        threadPool.close();
        llama.llama_free(context);
        model.close();
    }
}
