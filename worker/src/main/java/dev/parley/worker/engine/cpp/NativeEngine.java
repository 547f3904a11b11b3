package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.parley.schemas.FinishReason;
import dev.parley.worker.engine.ContextWindow;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.KvCacheStats;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * So far more conversations stay warm than there are sequences, bounded by the snapshot budget in bytes.
 *
 * <p>Turn threads render and tokenize their prompts and wait; only the engine thread touches the context.
 */
public final class NativeEngine implements InferenceEngine {

    private static final Logger log = LoggerFactory.getLogger(NativeEngine.class);
    /** After an overflow, leave this much of the context free so the next turns keep their cached prefix. */
    private static final double HEADROOM = 0.25;
    /** llama.cpp's flash attention setting: -1 lets it decide, 1 forces it on (needed for a quantized V cache). */
    private static final int FLASH_ATTENTION_AUTO = -1;
    private static final int FLASH_ATTENTION_ON = 1;

    private final LlamaLib llama;
    private final NativeModel model;
    private final Pointer context;
    private final Pointer memory;
    private final EngineInfo info;
    private final ContextWindow window;
    private final SnapshotStore snapshots;
    private final Sequence[] sequences;
    private final BatchBuffer batch;
    private final int prefillChunk;
    private final LinkedBlockingQueue<NativeJob> submitted = new LinkedBlockingQueue<>();
    private final Thread loop;
    private final List<KvCacheListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closing;
    private final AtomicBoolean closed = new AtomicBoolean();

    // engine thread only
    private final ArrayDeque<NativeJob> waiting = new ArrayDeque<>();
    private final List<NativeJob> running = new ArrayList<>();
    private final int[] chunkOf;
    private long clock;
    private long evictions;
    private long saved;
    private long restored;

    // published by the engine thread after each step, for metrics
    private volatile int busy;
    private volatile int warm;
    private volatile KvCacheStats stats = KvCacheStats.NONE;

    private NativeEngine(LlamaLib llama, NativeModel model, Pointer context, NativeEngineConfig config, int perSequence) {
        this.llama = llama;
        this.model = model;
        this.context = context;
        this.memory = llama.llama_get_memory(context);
        this.info = new EngineInfo(model.name(), config.slots(), perSequence);
        this.window = new ContextWindow(perSequence, HEADROOM);
        this.snapshots = new SnapshotStore(config.snapshotBytes());
        this.sequences = new Sequence[config.slots()];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = new Sequence(i);
        }
        this.chunkOf = new int[config.slots()];
        this.batch = new BatchBuffer(llama, config.batchTokens());
        this.prefillChunk = Math.min(config.prefillChunk(), config.batchTokens() - config.slots());
        this.loop = new Thread(this::run, "parley-native-engine");
        this.loop.setDaemon(true);
    }

    /** Loads the libraries and the model and starts the engine thread. */
    public static NativeEngine load(NativeEngineConfig config) {
        config.cacheType().requireFits(config.model());
        long started = System.nanoTime();
        LlamaLib llama = NativeLibrary.load(config.libraryDir());
        NativeModel model = NativeModel.load(llama, config.model(), config.gpuLayers());
        LlamaLib.ContextParams params = llama.llama_context_default_params();
        params.n_ctx = config.slots() * config.contextPerSlot();
        params.n_seq_max = config.slots();
        params.n_batch = config.batchTokens();
        params.n_ubatch = config.batchTokens();
        params.n_threads = config.threads();
        params.n_threads_batch = config.threads();
        params.kv_unified = 0; // each sequence attends over its own cells only
        params.type_k = config.cacheType().ggmlType();
        params.type_v = config.cacheType().ggmlType();
        params.flash_attn_type = config.cacheType().quantized() ? FLASH_ATTENTION_ON : FLASH_ATTENTION_AUTO;
        params.no_perf = 1;
        Pointer context = llama.llama_init_from_model(model.pointer(), params);
        if (context == null) {
            model.close();
            throw new EngineException("llama.cpp could not create a context of " + params.n_ctx + " tokens for "
                    + config.slots() + " sequences (see the log above for why)");
        }
        int perSequence = Math.min(config.contextPerSlot(), llama.llama_n_ctx(context) / config.slots());
        NativeEngine engine = new NativeEngine(llama, model, context, config, perSequence);
        engine.loop.start();
        log.info("Loaded {} with llama.cpp from {} in {} ms: {} sequences x {} tokens, {} threads, KV cache {}, "
                        + "snapshots up to {} MiB", model.name(), config.libraryDir(),
                (System.nanoTime() - started) / 1_000_000, config.slots(), perSequence, config.threads(),
                config.cacheType(), config.snapshotBytes() >> 20);
        return engine;
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public int busySlots() {
        return busy;
    }

    /** Conversations in a sequence or a snapshot. */
    @Override
    public int warmConversations() {
        return warm;
    }

    @Override
    public KvCacheStats kvCacheStats() {
        return stats;
    }

    @Override
    public void addKvCacheListener(KvCacheListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The prompt tokens of a transcript (template text with control tokens, message text without). */
    public int[] tokenizeTranscript(Transcript transcript) {
        return openModel().tokenizeTranscript(transcript);
    }

    /** Tokenizes text as plain text (control strings stay text). */
    public int[] tokenize(String text) {
        return openModel().tokenize(text, false, false);
    }

    /** The transcript rendered with the model's chat template. */
    public String render(Transcript transcript) {
        return openModel().render(transcript.messages());
    }

    /** The model, unless the engine is closing (its memory is freed once the engine thread has stopped). */
    private NativeModel openModel() {
        if (closing) {
            throw new EngineException("engine is closed");
        }
        return model;
    }

    @Override
    public Generation generate(GenerationRequest request, TokenListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closing) {
            throw new EngineException("engine is closed");
        }
        long start = System.nanoTime();
        ContextWindow.Fitted fitted = window.fit(request.conversationId(), request.transcript(),
                request.sampling().maxTokens(), model::tokenizeTranscript);
        NativeJob job = new NativeJob(request, fitted.tokens(), fitted.droppedTurns(), listener, start);
        submitted.add(job);
        if (closing) {
            // the engine thread may have stopped (and failed what it had) while this job was being tokenized
            job.fail(new EngineException("engine is closed"));
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return job.await();
                } catch (InterruptedException e) {
                    // The sequence is the engine thread's: ask it to stop and wait for it to say so.
                    interrupted = true;
                    job.abandon();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (!closing) {
                if (running.isEmpty() && waiting.isEmpty()) {
                    NativeJob next = submitted.poll(100, TimeUnit.MILLISECONDS);
                    if (next == null) {
                        continue;
                    }
                    waiting.add(next);
                }
                submitted.drainTo(waiting);
                admit();
                if (running.isEmpty()) {
                    continue; // nothing was admitted, so nothing waits: back to waiting for a job
                }
                step();
                publishStats();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("The native engine stopped", e);
        } finally {
            closing = true;
            EngineException closed = new EngineException("engine closed");
            running.forEach(job -> {
                job.sampler.close();
                job.fail(closed);
            });
            waiting.forEach(job -> job.fail(closed));
            submitted.forEach(job -> job.fail(closed));
            running.clear();
            waiting.clear();
        }
    }

    /** Gives waiting jobs a sequence, in arrival order; a job whose conversation's sequence is busy waits. */
    private void admit() {
        for (Iterator<NativeJob> it = waiting.iterator(); it.hasNext(); ) {
            NativeJob job = it.next();
            FinishReason early = job.interruption();
            if (early != null) {
                it.remove();
                job.tier = KvTier.PREFILL;
                job.complete(early);
                continue;
            }
            Sequence sequence = sequenceFor(job.conversationId());
            if (sequence == null) {
                continue;
            }
            it.remove();
            start(job, sequence);
            running.add(job);
        }
    }

    /** The conversation's own sequence if it has one, else an empty one, else the least recently used idle one. */
    private Sequence sequenceFor(String conversationId) {
        Sequence empty = null;
        Sequence leastRecent = null;
        for (Sequence sequence : sequences) {
            if (conversationId.equals(sequence.conversationId)) {
                return sequence.idle() ? sequence : null;
            }
            if (!sequence.idle()) {
                continue;
            }
            if (sequence.empty()) {
                empty = empty == null ? sequence : empty;
            } else if (leastRecent == null || sequence.lastUsed < leastRecent.lastUsed) {
                leastRecent = sequence;
            }
        }
        return empty != null ? empty : leastRecent;
    }

    /** Puts the job's conversation into the sequence, from the best tier that has it, and plans its prefill. */
    private void start(NativeJob job, Sequence sequence) {
        String conversationId = job.conversationId();
        int[] prompt = job.prompt;
        int reusable = 0;
        KvTier tier = KvTier.PREFILL;
        if (conversationId.equals(sequence.conversationId)) {
            reusable = sequence.tokens.commonPrefix(prompt);
            tier = KvTier.IN_PLACE;
        } else {
            if (!sequence.empty()) {
                evict(sequence);
            }
            sequence.conversationId = conversationId;
            KvSnapshot snapshot = snapshots.take(conversationId);
            if (snapshot != null) {
                try (snapshot) {
                    int common = TokenList.commonPrefix(snapshot.tokens(), snapshot.tokens().length, prompt);
                    if (common > 0 && snapshot.belongsTo(conversationId) && restore(snapshot, sequence)) {
                        reusable = common;
                        tier = KvTier.SNAPSHOT;
                    }
                }
            }
        }
        // The last prompt token is always computed again: its logits give the first answer token.
        reusable = Math.min(reusable, prompt.length - 1);
        if (reusable < sequence.tokens.size()) {
            llama.llama_memory_seq_rm(memory, sequence.id, reusable, -1);
            sequence.tokens.truncate(reusable);
        }
        job.tier = reusable > 0 ? tier : KvTier.PREFILL;
        job.cachedTokens = reusable;
        job.restoredTokens = job.tier == KvTier.SNAPSHOT ? reusable : 0;
        job.cursor = reusable;
        job.sequence = sequence;
        job.sampler = SamplerChain.create(llama, job.request.sampling());
        job.text = new TextStream(job.request.sampling().stop());
        sequence.job = job;
    }

    /** Gives up a sequence's conversation: snapshots its cells (if the budget allows) and clears them. */
    private void evict(Sequence sequence) {
        evictions++;
        if (sequence.tokens.size() > 0 && snapshots.budgetBytes() > 0) { // a zero budget turns snapshots off
            long begin = System.nanoTime();
            long size = llama.llama_state_seq_get_size(context, sequence.id);
            if (size > 0 && snapshots.fits(size)) {
                Memory data = new Memory(size);
                long written = llama.llama_state_seq_get_data(context, data, size, sequence.id);
                if (written == size) {
                    snapshots.put(KvSnapshot.of(sequence.conversationId, sequence.tokens.toArray(), data));
                    long took = System.nanoTime() - begin;
                    saved++;
                    listeners.forEach(listener -> listener.snapshotSaved(took));
                } else {
                    data.close();
                    log.warn("Snapshot of sequence {} wrote {} of {} bytes; not kept", sequence.id, written, size);
                }
            } else {
                snapshots.refuse();
            }
        }
        llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
        sequence.reset();
    }

    /** Copies a snapshot into an emptied sequence; false (and the sequence left empty) if llama.cpp refused it. */
    private boolean restore(KvSnapshot snapshot, Sequence sequence) {
        long begin = System.nanoTime();
        llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
        sequence.tokens.clear();
        long read = llama.llama_state_seq_set_data(context, snapshot.data(), snapshot.bytes(), sequence.id);
        int last = llama.llama_memory_seq_pos_max(memory, sequence.id);
        if (read != snapshot.bytes() || last != snapshot.tokens().length - 1) {
            log.warn("Restoring {} into sequence {} failed (read {}, last position {}); computing it instead",
                    snapshot, sequence.id, read, last);
            llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
            return false;
        }
        sequence.tokens.addAll(snapshot.tokens(), 0, snapshot.tokens().length);
        long took = System.nanoTime() - begin;
        restored++;
        listeners.forEach(listener -> listener.snapshotRestored(took));
        return true;
    }

    /** One batch: a token for each generating job, then prompt chunks; decode; sample; finish what is done. */
    private void step() {
        batch.clear();
        for (NativeJob job : running) {
            job.outputIndex = -1;
            chunkOf[job.sequence.id] = 0;
            if (!job.prefilling()) {
                job.outputIndex = batch.add(job.pending, job.sequence.tokens.size(), job.sequence.id, true);
            }
        }
        int budget = Math.min(batch.room(), prefillChunk);
        for (NativeJob job : running) {
            if (!job.prefilling() || budget == 0) {
                continue;
            }
            int n = Math.min(budget, job.prompt.length - job.cursor);
            for (int i = job.cursor; i < job.cursor + n; i++) {
                boolean last = i == job.prompt.length - 1;
                int index = batch.add(job.prompt[i], i, job.sequence.id, last);
                if (last) {
                    job.outputIndex = index;
                }
            }
            chunkOf[job.sequence.id] = n;
            budget -= n;
        }
        int result = batch.decode(context);
        if (result != 0) {
            failStep("llama_decode returned " + result + " for a batch of " + batch.size() + " tokens");
            return;
        }
        for (NativeJob job : new ArrayList<>(running)) {
            Sequence sequence = job.sequence;
            int chunk = chunkOf[sequence.id];
            if (chunk > 0) {
                sequence.tokens.addAll(job.prompt, job.cursor, job.cursor + chunk);
                job.cursor += chunk;
            } else if (job.outputIndex >= 0 && job.pending >= 0) {
                sequence.tokens.add(job.pending);
            }
            if (job.outputIndex >= 0) {
                accept(job, job.sampler.sample(context, job.outputIndex));
            }
            if (!job.done()) {
                FinishReason interruption = job.interruption();
                if (interruption != null) {
                    finish(job, interruption);
                }
            }
        }
    }

    private void accept(NativeJob job, int token) {
        if (job.firstTokenNanos < 0) {
            job.firstTokenNanos = System.nanoTime() - job.startNanos;
        }
        if (model.isEndOfGeneration(token)) {
            finish(job, FinishReason.STOP);
            return;
        }
        job.generated++;
        if (!emit(job, job.text.push(model.piece(token)))) {
            return;
        }
        if (job.text.stopped()) {
            finish(job, FinishReason.STOP);
        } else if (job.generated >= job.request.sampling().maxTokens()) {
            finish(job, FinishReason.LENGTH);
        } else {
            job.pending = token;
        }
    }

    /** Passes text to the job's listener; a listener that throws fails its job only. */
    private boolean emit(NativeJob job, String delta) {
        if (delta.isEmpty()) {
            return true;
        }
        try {
            job.listener.onText(delta);
            return true;
        } catch (RuntimeException e) {
            release(job);
            job.fail(new EngineException("the token listener failed: " + e.getMessage(), e));
            return false;
        }
    }

    private void finish(NativeJob job, FinishReason reason) {
        if (!emit(job, job.text.finish())) {
            return;
        }
        release(job);
        job.complete(reason);
    }

    private void release(NativeJob job) {
        job.sampler.close();
        job.sequence.job = null;
        job.sequence.lastUsed = ++clock;
        running.remove(job);
        publishStats(); // before the job completes, so its caller sees them
    }

    /** A failed decode leaves the cells of the batch's sequences uncertain: clear them and fail their jobs. */
    private void failStep(String reason) {
        log.error("{}; failing {} generation(s), their sequences are cleared", reason, running.size());
        EngineException error = new EngineException(reason);
        for (NativeJob job : new ArrayList<>(running)) {
            Sequence sequence = job.sequence;
            release(job);
            llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
            sequence.reset();
            job.fail(error);
        }
    }

    private void publishStats() {
        int busyNow = 0;
        int inSequences = 0;
        for (Sequence sequence : sequences) {
            busyNow += sequence.idle() ? 0 : 1;
            inSequences += sequence.empty() ? 0 : 1;
        }
        busy = busyNow;
        warm = inSequences + snapshots.count();
        stats = new KvCacheStats(evictions, saved, restored, snapshots.dropped(),
                snapshots.count(), snapshots.bytes(), snapshots.budgetBytes());
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
        snapshots.close();
        batch.close();
        llama.llama_free(context);
        model.close();
    }
}
