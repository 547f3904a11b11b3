package dev.parley.worker.engine.cpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.parley.worker.engine.PrefixCacheStats;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares the KV of prompt prefixes between conversations. A job whose prompt would be computed from its first token
 * and that has a shareable prefix ({@link PrefixBoundary}) gets that prefix copied into its emptied sequence when one
 * is held; otherwise its prefill stops at the prefix's end for one step, the sequence state is copied out there (it is
 * then exactly the prefix's KV) and kept for the next conversations.
 *
 * <p>The prefill stops at the prefix's end even when sharing is off or the prefix is too large to keep: llama.cpp's
 * results depend (in the last bits) on how a prompt is cut into batches, so a prompt is always cut there, and an
 * answer is the same whether its prefix was copied in or computed. Engine thread only.
 */
final class PrefixTier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PrefixTier.class);

    private final LlamaLib llama;
    private final Pointer context;
    private final Pointer memory;
    private final long layout;
    private final PrefixStore store;
    private long hits;
    private long misses;

    PrefixTier(LlamaLib llama, Pointer context, long budgetBytes, long layout) {
        this.llama = llama;
        this.context = context;
        this.memory = llama.llama_get_memory(context);
        this.layout = layout;
        this.store = new PrefixStore(budgetBytes);
    }

    /**
     * Copies the job's shared prefix into its sequence, which holds nothing the job can use, and returns its length;
     * or returns 0 (the sequence then empty) when the job has no shareable prefix or none is held, in which case the
     * job is marked to capture its prefix once computed.
     */
    int restore(NativeJob job, Sequence sequence) {
        int length = job.sharedPrefix;
        if (length <= 0) {
            return 0;
        }
        if (store.budgetBytes() == 0) {
            job.captureAt = length; // sharing is off: the prefill is still cut there, see above
            return 0;
        }
        KvPrefix prefix = store.find(job.prompt, length, layout);
        if (prefix == null) {
            misses++;
            job.captureAt = length;
            return 0;
        }
        llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
        sequence.tokens.clear();
        long read = llama.llama_state_seq_set_data(context, prefix.data(), prefix.bytes(), sequence.id);
        int last = llama.llama_memory_seq_pos_max(memory, sequence.id);
        if (read != prefix.bytes() || last != length - 1) {
            log.warn("Restoring {} into sequence {} failed (read {}, last position {}); dropped, computing it instead",
                    prefix, sequence.id, read, last);
            llama.llama_memory_seq_rm(memory, sequence.id, -1, -1);
            store.remove(prefix.key());
            misses++;
            job.captureAt = length;
            return 0;
        }
        sequence.tokens.addAll(prefix.tokens(), 0, length);
        hits++;
        return length;
    }

    /** After a step: keeps the job's prefix if its prefill just reached the prefix's end (see {@link #restore}). */
    void captureIfDue(NativeJob job) {
        if (job.captureAt <= 0 || job.cursor != job.captureAt) {
            return;
        }
        int length = job.captureAt;
        job.captureAt = -1;
        Sequence sequence = job.sequence;
        if (store.budgetBytes() == 0 || sequence.tokens.size() != length || store.find(job.prompt, length, layout) != null) {
            return; // sharing is off, or another conversation with the same prefix kept it first
        }
        long size = llama.llama_state_seq_get_size(context, sequence.id);
        if (size <= 0 || !store.fits(size)) {
            store.refuse();
            return;
        }
        Memory data = new Memory(size);
        long written = llama.llama_state_seq_get_data(context, data, size, sequence.id);
        if (written != size) {
            data.close();
            log.warn("Prefix of sequence {} wrote {} of {} bytes; not kept", sequence.id, written, size);
            return;
        }
        int[] tokens = Arrays.copyOf(job.prompt, length);
        store.put(new KvPrefix(tokens, KvPrefix.key(tokens, length, layout), layout, data));
    }

    /**
     * Whether the job would compute a shared prefix that a running job is computing now: it then waits for that one
     * to keep it (a step or a few) and copies it, rather than compute the same tokens beside it.
     */
    boolean beingComputed(NativeJob job, List<NativeJob> running) {
        int length = job.sharedPrefix;
        if (length <= 0 || store.budgetBytes() == 0) {
            return false;
        }
        for (NativeJob other : running) {
            if (other.captureAt == length && other.cursor < length
                    && Arrays.equals(other.prompt, 0, length, job.prompt, 0, length)) {
                return true;
            }
        }
        return false;
    }

    /** The end of the job's next prompt chunk: the prefix's end while it is to be captured, else the prompt's. */
    static int chunkEnd(NativeJob job) {
        return job.captureAt > job.cursor ? job.captureAt : job.prompt.length;
    }

    PrefixCacheStats stats() {
        return new PrefixCacheStats(hits, misses, store.evictions(), store.count(), store.bytes(),
                store.budgetBytes());
    }

    @Override
    public void close() {
        store.close();
    }
}
