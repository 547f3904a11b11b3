package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.parley.worker.engine.DiskTierStats;
import dev.parley.worker.engine.KvCacheListener;
import dev.parley.worker.engine.disk.DiskKvStore;
import dev.parley.worker.engine.disk.DiskSnapshot;
import dev.parley.worker.engine.disk.DiskTierConfig;
import dev.parley.worker.engine.disk.KvFingerprint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine thread's side of the disk tier ({@link DiskKvStore}): what reaches disk and when, and restores that
 * never make the engine thread wait on a read.
 *
 * <p>Writes: every host-RAM snapshot is written through (the writer thread gets the same native buffer, no copy); an
 * idle sequence whose cells are not on disk yet is copied out and written while the engine has nothing else to do,
 * one per idle pass; on close, every sequence. So what a SIGKILL can lose is the work of the turns that ran since the
 * engine was last idle, plus writes still queued (docs/scaling.md).
 *
 * <p>Reads: a waiting job whose conversation is on disk only (not in a sequence, not in RAM) starts a read on the
 * reader thread and stays waiting, while other jobs are admitted; once the file is read and checked, the job is
 * admitted and the snapshot copied into its sequence. Engine thread only, except {@link #stats()}.
 */
final class DiskTier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DiskTier.class);
    /** Conversations whose last handed-over tokens are remembered, so an unchanged sequence is not written again. */
    private static final int REMEMBERED = 4096;

    private final LlamaLib llama;
    private final Pointer context;
    private final Sequence[] sequences;
    private final SnapshotTier ram;
    private final DiskKvStore store;
    private final Map<NativeJob, CompletableFuture<DiskSnapshot>> loads = new HashMap<>();
    private final Semaphore loadsDone = new Semaphore(0);
    /** Conversation to the hash of the tokens last handed to the writer (least recently used forgotten). */
    private final Map<String, Long> handedOver = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** @param store the files, or null when the tier is off (then every method does nothing) */
    DiskTier(EngineState state, DiskKvStore store) {
        this.llama = state.llama;
        this.context = state.context;
        this.sequences = state.sequences;
        this.ram = state.snapshots;
        this.store = store;
    }

    /**
     * Opens the files of a context's disk tier, fingerprinted by what its snapshots depend on (see
     * {@link KvFingerprint}); null when the tier is off.
     */
    static DiskKvStore openStore(DiskTierConfig disk, NativeEngineConfig config, LlamaLib llama, int perSequence,
                                 int flashAttention, List<KvCacheListener> listeners) {
        if (!disk.enabled()) {
            return null;
        }
        Path library = config.libraryDir().resolve("libllama.so");
        KvFingerprint fingerprint = KvFingerprint.of(config.model(), Files.isRegularFile(library) ? library : null,
                llama.llama_version(), cacheLayout(config), config.slots(), perSequence, flashAttention);
        return DiskKvStore.open(disk, fingerprint, listeners);
    }

    /** The cache type, plus the layout when it is not the original one (so older files keep their fingerprint). */
    private static String cacheLayout(NativeEngineConfig config) {
        return config.kvLayout() == KvLayout.PER_SEQUENCE ? config.cacheType().toString()
                : config.cacheType() + "/" + config.kvLayout();
    }

    boolean enabled() {
        return store != null;
    }

    /** Gives up a sequence's conversation through the RAM tier, writing its snapshot through to disk. */
    void evict(Sequence sequence) {
        if (enabled() && ram.store().budgetBytes() == 0) {
            persist(sequence); // no RAM tier to write through: copy the cells out before they are cleared
        }
        KvSnapshot kept = ram.evict(sequence);
        if (enabled() && kept != null && remember(kept.conversationId(), kept.prefixHash())) {
            KvSnapshot held = kept.retain();
            store.save(kept.conversationId(), kept.tokens(), kept.data(), kept.bytes(), held::close);
        }
    }

    /** While the engine is idle: writes one idle sequence whose cells are not on disk yet; true if it did. */
    boolean persistIdle() {
        if (!enabled()) {
            return false;
        }
        for (Sequence sequence : sequences) {
            if (sequence.idle() && !sequence.empty() && persist(sequence)) {
                return true;
            }
        }
        return false;
    }

    /** On close, once the engine thread has stopped: every sequence not on disk yet. */
    void persistAll() {
        if (!enabled()) {
            return;
        }
        for (Sequence sequence : sequences) {
            try {
                if (!sequence.empty()) {
                    persist(sequence);
                }
            } catch (RuntimeException e) {
                log.warn("Writing sequence {} to disk at close failed", sequence.id, e);
            }
        }
    }

    /** Copies a sequence's cells out and hands them to the writer, unless they were handed over already. */
    private boolean persist(Sequence sequence) {
        int[] tokens = sequence.tokens.toArray();
        if (tokens.length == 0 || !remember(sequence.conversationId, KvSnapshot.hash(sequence.conversationId, tokens))) {
            return false;
        }
        long size = llama.llama_state_seq_get_size(context, sequence.id);
        if (size <= 0) {
            return false;
        }
        Memory data = new Memory(size);
        if (llama.llama_state_seq_get_data(context, data, size, sequence.id) != size) {
            data.close();
            log.warn("Copying sequence {} out for the disk tier wrote fewer than {} bytes; not written", sequence.id,
                    size);
            return false;
        }
        store.save(sequence.conversationId, tokens, data, size, data::close);
        return true;
    }

    /** Notes that these tokens are (on their way) on disk; false if they were already. */
    private boolean remember(String conversationId, long hash) {
        return !Objects.equals(handedOver.put(conversationId, hash), hash);
    }

    /**
     * Whether the job must wait for its conversation's snapshot file: true from the moment a read is started (when
     * the conversation is in no sequence and not in RAM, and its file shares a prefix with the prompt) until it ends.
     */
    boolean loading(NativeJob job) {
        if (!enabled()) {
            return false;
        }
        CompletableFuture<DiskSnapshot> load = loads.get(job);
        if (load != null) {
            return !load.isDone();
        }
        String conversationId = job.conversationId();
        for (Sequence sequence : sequences) {
            if (conversationId.equals(sequence.conversationId)) {
                return false;
            }
        }
        if (ram.store().contains(conversationId)) {
            return false;
        }
        int[] onDisk = store.tokens(conversationId);
        if (onDisk == null || TokenList.commonPrefix(onDisk, onDisk.length, job.prompt) == 0) {
            return false;
        }
        load = store.load(conversationId);
        load.whenComplete((snapshot, error) -> loadsDone.release());
        loads.put(job, load);
        return !load.isDone();
    }

    /** The snapshot read for the job (the caller restores and closes it), or null. */
    KvSnapshot takeLoaded(NativeJob job) {
        CompletableFuture<DiskSnapshot> load = loads.remove(job);
        DiskSnapshot read = load == null ? null : load.getNow(null);
        return read == null ? null : KvSnapshot.of(read.conversationId(), read.tokens(), read.data());
    }

    /** Copies a snapshot read from disk into an emptied sequence; false if llama.cpp refused it. */
    boolean restore(KvSnapshot snapshot, Sequence sequence) {
        if (!ram.copyIn(snapshot, sequence)) {
            return false;
        }
        remember(snapshot.conversationId(), snapshot.prefixHash()); // the sequence holds what the file holds
        return true;
    }

    /** Forgets a job that leaves without starting; frees what its read brings. */
    void discard(NativeJob job) {
        CompletableFuture<DiskSnapshot> load = loads.remove(job);
        if (load != null) {
            load.thenAccept(read -> {
                if (read != null) {
                    read.data().close();
                }
            });
        }
    }

    /** Waits up to {@code millis} for a read to end (the engine thread has nothing else to do meanwhile). */
    void awaitLoad(long millis) throws InterruptedException {
        if (loadsDone.tryAcquire(millis, TimeUnit.MILLISECONDS)) {
            loadsDone.drainPermits();
        }
    }

    DiskTierStats stats() {
        return enabled() ? store.stats() : DiskTierStats.OFF;
    }

    /** Lets go of pending reads and finishes the writes handed over (bounded). */
    @Override
    public void close() {
        loads.keySet().stream().toList().forEach(this::discard);
        if (enabled()) {
            store.close();
        }
    }
}
