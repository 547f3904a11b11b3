package dev.parley.worker.engine.cpp;

import com.sun.jna.Pointer;
import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Priority;
import dev.parley.schemas.TokenLogprob;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One decode step over the running jobs: a token for each generating job plus bounded prompt chunks in one batch,
 * then sampling, stop strings and finishing. What the turns are told (text, outcomes) goes out during the next step,
 * while the device computes it ({@link HandOver}). Engine thread only.
 */
final class DecodeStep {

    private static final Logger log = LoggerFactory.getLogger(DecodeStep.class);

    private final EngineState state;
    private final LlamaLib llama;
    private final NativeModel model;
    private final Pointer context;
    private final BatchBuffer batch;
    private final PrefixTier prefixes;
    private final int prefillChunk;
    private final List<NativeJob> running;
    /** Prompt tokens each sequence computes this step (its chunk), 0 for none. */
    private final int[] chunkOf;
    /** Whether each sequence's chunk, as shared, ends its prompt or its shared prefix (never cut then). */
    private final boolean[] endsOf;
    /** The running jobs by sequence id, for the batch's order; empty between steps. */
    private final NativeJob[] bySequence;
    /** Scratch for one lane's prefilling jobs, their demands and shares (no allocation per step). */
    private final NativeJob[] lane;
    private final int[] demands;
    private final int[] shares;
    private final MicroBatches microBatchCounter;
    private final StepProfile profile;
    private final DeviceSampling deviceSampling;
    private final Runnable publishStats;
    private final HandOver handOver;
    private final GapPads gapPads;
    private final Forks forks;
    private final int vocabulary;
    /**
     * Whether {@code llama_decode} returns before the device has computed (a GPU): the previous step's text is then
     * handed over while it computes. On the CPU the decode has computed the step when it returns, so waiting for the
     * next one would only make every token reach its turn a step late: the text goes at the end of its own step.
     */
    private final boolean asynchronous;
    /** Below this many sequences the argmaxes run on the engine thread: a fork costs more than it saves. */
    private static final int PARALLEL_SAMPLING = 8;
    private long clock;

    /** The step of an engine set up as {@code config}, whose sequences hold {@code perSequence} tokens each. */
    static DecodeStep of(EngineState state, NativeEngineConfig config, int perSequence, StepProfile profile,
                         Runnable publishStats, Forks forks) {
        int prefillChunk = Math.min(config.prefillChunk(), config.batchTokens() - config.slots());
        MicroBatches microBatches = new MicroBatches(config.batchTokens(), config.slots(), config.microBatchTokens(),
                config.kvLayout() == KvLayout.UNIFIED);
        return new DecodeStep(state, prefillChunk, microBatches, profile, publishStats,
                new DeviceSampling(state.context, config.slots(), config.deviceSampling()),
                new GapPads(state, config.gapPadding() == GapPadding.ON, perSequence), forks);
    }

    DecodeStep(EngineState state, int prefillChunk, MicroBatches microBatchCounter, StepProfile profile,
               Runnable publishStats, DeviceSampling deviceSampling, GapPads gapPads, Forks forks) {
        this.state = state;
        this.llama = state.llama;
        this.model = state.model;
        this.context = state.context;
        this.batch = state.batch;
        this.prefixes = state.prefixes;
        this.running = state.running;
        this.prefillChunk = prefillChunk;
        this.chunkOf = new int[state.sequences.length];
        this.endsOf = new boolean[state.sequences.length];
        this.bySequence = new NativeJob[state.sequences.length];
        this.lane = new NativeJob[state.sequences.length];
        this.demands = new int[state.sequences.length];
        this.shares = new int[state.sequences.length];
        this.microBatchCounter = microBatchCounter;
        this.profile = profile;
        this.publishStats = publishStats;
        this.handOver = state.handOver;
        this.deviceSampling = deviceSampling;
        this.gapPads = gapPads;
        this.forks = forks;
        this.vocabulary = model.vocabularySize();
        this.asynchronous = model.layersOnGpu();
    }

    /**
     * One batch: a token for each generating job, then prompt chunks; decode; sample; finish what is done.
     *
     * <p>The prompt budget is shared among the prompts (interactive first, see {@link #shareBudget}), but tokens
     * enter the batch in sequence order, because llama.cpp's cache per sequence puts only sequences with consecutive
     * ids into one micro-batch ({@link MicroBatches}): in arrival order a batch of 64 generating sequences became
     * dozens of graph runs, each reading all the weights. Each prompt chunk's first token joins that run, so a
     * prefilling sequence leaves no gap in it; the rest of the chunk goes last. Outputs then come out of llama.cpp in
     * batch order, which spares it reordering whole rows of logits.
     *
     * <p>Between the submission and the wait for the device, the previous step's text and outcomes are handed over
     * and {@code whileComputing} runs (the engine's own work that needs no token of this step). On a GPU the device
     * would otherwise idle through all of it, as the next step cannot start before this one's tokens are sampled.
     * On the CPU the decode has computed the step by the time it returns: the text goes at the end of its own step.
     */
    void step(Runnable whileComputing) {
        long planStart = System.nanoTime();
        batch.clear();
        shareBudget();
        boolean withPrompt = fillBatch() > 0;
        int tokens = batch.size();
        int microBatches = batch.microBatches(microBatchCounter);
        deviceSampling.prepare(state.sequences);
        long submitStart = System.nanoTime();
        int result = batch.decode(context);
        // On an asynchronous backend (CUDA) llama_decode returns once the graph is submitted: while the device
        // computes, the host does what needs none of this step's tokens. On the CPU the decode is done by now.
        long overlapStart = System.nanoTime();
        if (asynchronous) {
            handOver.deliver();
        }
        whileComputing.run();
        long waitStart = System.nanoTime();
        if (result != 0) {
            gapPads.drop();
            failStep("llama_decode returned " + result + " for a batch of " + batch.size() + " tokens");
            return;
        }
        llama.llama_synchronize(context);
        int padding = gapPads.drop();
        long sampleStart = System.nanoTime();
        int[] sampled = sampleGreedy();
        long finishStart = System.nanoTime();
        List<NativeJob> stepped = new ArrayList<>(running);
        for (int j = 0; j < stepped.size(); j++) {
            advance(stepped.get(j), sampled[j]);
        }
        long end = System.nanoTime();
        // Recorded before the hand-over: a caller whose turn ends here may read the profile as soon as it is woken.
        profile.record(tokens - padding, padding, microBatches, llama.llama_perf_context(context).n_reused, withPrompt,
                new StepProfile.Phases(submitStart - planStart,
                overlapStart - submitStart, waitStart - overlapStart, sampleStart - waitStart,
                finishStart - sampleStart, end - finishStart));
        if (!asynchronous || running.isEmpty()) {
            handOver.deliver(); // no device computing the next step to hide it behind
        }
    }

    /**
     * Gives each prefilling job its chunk of the step's prompt budget: the interactive lane's prompts first, then the
     * batch lane's, each lane's share split max-min fairly ({@link PromptBudget}); then evened out so that they make
     * few micro-batches ({@link ChunkLevels}).
     */
    private void shareBudget() {
        java.util.Arrays.fill(chunkOf, 0);
        java.util.Arrays.fill(endsOf, false);
        int generating = 0;
        for (NativeJob job : running) {
            job.outputIndex = -1;
            bySequence[job.sequence.id] = job;
            if (!job.prefilling()) {
                generating++;
            }
        }
        int budget = Math.min(batch.capacity() - generating, prefillChunk);
        sharePrompts(sharePrompts(budget, false), true);
        microBatchCounter.even(chunkOf, endsOf);
    }

    /** Shares {@code budget} among the prefilling jobs of one lane; returns what they left. */
    private int sharePrompts(int budget, boolean batchLane) {
        int count = 0;
        for (NativeJob job : running) {
            if (job.prefilling() && (job.priority() == Priority.BATCH) == batchLane) {
                lane[count] = job;
                // A chunk stops where a shared prefix is to be kept, so the sequence then holds exactly the prefix.
                demands[count++] = PrefixTier.chunkEnd(job) - job.cursor;
            }
        }
        int left = PromptBudget.share(budget, demands, shares, count);
        for (int i = 0; i < count; i++) {
            chunkOf[lane[i].sequence.id] = shares[i];
            endsOf[lane[i].sequence.id] = shares[i] == demands[i];
            lane[i] = null;
        }
        return left;
    }

    /**
     * Puts the step's tokens into the batch in sequence order: one per sequence first (idle sequences between them
     * padded, {@link GapPads}), then the chunks' rest. Returns the prompt tokens it put in.
     */
    private int fillBatch() {
        int promptTokens = 0;
        int previous = -1;
        for (NativeJob job : bySequence) {
            if (job == null || (job.prefilling() && chunkOf[job.sequence.id] == 0)) {
                continue;
            }
            gapPads.fill(batch, previous, job.sequence.id); // idle sequences in between: one micro-batch still
            previous = job.sequence.id;
            if (!job.prefilling()) {
                job.outputIndex = batch.add(job.pending, job.sequence.tokens.size(), job.sequence.id, true);
            } else {
                addPrompt(job, job.cursor);
            }
        }
        for (int s = 0; s < bySequence.length; s++) {
            NativeJob job = bySequence[s];
            bySequence[s] = null;
            if (job != null && job.prefilling()) {
                promptTokens += chunkOf[s];
                for (int i = job.cursor + 1; i < job.cursor + chunkOf[s]; i++) {
                    addPrompt(job, i);
                }
            }
        }
        return promptTokens;
    }

    /** After the decode: the job's computed tokens join its sequence, its next token is taken, it may finish. */
    private void advance(NativeJob job, int argmax) {
        Sequence sequence = job.sequence;
        int chunk = chunkOf[sequence.id];
        if (chunk > 0) {
            sequence.tokens.addAll(job.prompt, job.cursor, job.cursor + chunk);
            job.cursor += chunk;
            prefixes.captureIfDue(job);
        } else if (job.outputIndex >= 0 && job.pending >= 0) {
            sequence.tokens.add(job.pending);
        }
        if (job.handOverFailure != null) { // its listener threw while this step was computed
            release(job);
            job.fail(job.handOverFailure);
            return;
        }
        if (chunk > 0 && !job.prefilling() && !job.forks.isEmpty()) {
            for (NativeJob fork : forks.branch(job)) { // the prompt computed once: each further answer starts here
                takeToken(fork, fork.sampler.greedy() ? SamplerChain.argmax(
                        llama.llama_get_logits_ith(context, fork.outputIndex), vocabulary) : -1);
            }
        }
        if (job.outputIndex >= 0 && !takeToken(job, argmax)) {
            return;
        }
        if (sequence.job == job) { // not finished by its token (its outcome is handed over with the next step)
            if (job.abandoned()) {
                release(job);
                job.dropAbandoned();
                return;
            }
            FinishReason interruption = job.interruption(state.clock);
            if (interruption != null) {
                finish(job, interruption);
            }
        }
    }

    /** Samples the job's next token and passes it on; false when the sampler failed the job. */
    private boolean takeToken(NativeJob job, int argmax) {
        int token;
        try {
            token = job.sampler.next(context, job.outputIndex, argmax);
        } catch (UnsupportedRequestException e) {
            release(job); // a grammar the vocabulary cannot continue: answered with its code, no retry
            job.fail(e);
            return false;
        } catch (RuntimeException e) {
            // A sampler that cannot choose fails its own job, never the step of the others.
            release(job);
            job.fail(new EngineException("sampling failed: " + e.getMessage(), e));
            return false;
        }
        accept(job, token);
        return true;
    }

    /** Adds prompt token {@code i} of the job; the prompt's last one asks for logits (the first answer token). */
    private void addPrompt(NativeJob job, int i) {
        boolean last = i == job.prompt.length - 1;
        int index = batch.add(job.prompt[i], i, job.sequence.id, last);
        if (last) {
            job.outputIndex = index;
        }
    }

    /**
     * The tokens of greedy jobs, by their place in {@code running}; -1 for the others. llama.cpp's greedy sampler
     * fills a candidate array of the whole vocabulary per call on this one thread, which at 64 sequences of a
     * 128k vocabulary took longer than the GPU's decode; an argmax over the logits in place, spread over cores,
     * takes a fraction of it. The rows are fetched here, on the engine thread (the first fetch waits for the GPU).
     * Jobs sampled on the device ({@link DeviceSampling}) get their token here, read rather than computed.
     */
    private int[] sampleGreedy() {
        int[] tokens = new int[running.size()];
        Pointer[] rows = new Pointer[running.size()];
        for (int j = 0; j < tokens.length; j++) {
            NativeJob job = running.get(j);
            tokens[j] = -1;
            if (job.outputIndex >= 0 && job.sampler.onDevice()) {
                tokens[j] = job.sampler.takeDeviceToken(context, job.outputIndex);
            } else if (job.outputIndex >= 0 && job.sampler.greedy()) {
                rows[j] = llama.llama_get_logits_ith(context, job.outputIndex);
            }
        }
        java.util.stream.IntStream indices = java.util.stream.IntStream.range(0, tokens.length);
        (tokens.length >= PARALLEL_SAMPLING ? indices.parallel() : indices).forEach(j -> {
            if (rows[j] != null) {
                tokens[j] = SamplerChain.argmax(rows[j], vocabulary);
            }
        });
        return tokens;
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
        if (job.scorer != null) {
            // its log probabilities are read from this step's logits, beside the text they belong to
            int start = job.text.decoded();
            String delta = job.text.push(model.piece(token));
            job.logprobs.add(score(job, token), start, job.text.decoded());
            handOver.text(job, delta, job.logprobs.release(job.text.shownLength()));
        } else if (job.text.watchesStops()) {
            handOver.text(job, job.text.push(model.piece(token))); // a stop string ends the turn at this token
        } else {
            handOver.token(job, token);
        }
        if (job.text.stopped()) {
            finish(job, FinishReason.STOP);
        } else if (job.generated >= job.request.sampling().maxTokens()) {
            finish(job, FinishReason.LENGTH);
        } else {
            job.pending = token;
        }
    }

    /**
     * The log probabilities of the job's sampled token, from the host's row of logits for its batch position (which
     * the sampler read and left as it was).
     */
    private TokenLogprob score(NativeJob job, int token) {
        FloatBuffer row = llama.llama_get_logits_ith(context, job.outputIndex)
                .getByteBuffer(0, 4L * vocabulary).order(ByteOrder.nativeOrder()).asFloatBuffer();
        return job.scorer.entry(row, vocabulary, token, model::piece);
    }

    /** Ends the job: its sequence goes back now, its listener hears the rest and the outcome with the next step. */
    private void finish(NativeJob job, FinishReason reason) {
        job.finishedNanos = System.nanoTime(); // its times end here, not when the next step hands the outcome over
        release(job);
        handOver.finish(job, reason);
    }

    private void release(NativeJob job) {
        job.sampler.close();
        job.sequence.job = null;
        job.sequence.lastUsed = ++clock;
        running.remove(job);
        if (job.fork) {
            state.clear(job.sequence); // a further answer's KV is no conversation's: the sequence is free again
        }
        forks.endUnbranched(job);
        publishStats.run(); // before the job completes, so its caller sees them
    }

    /** A failed decode leaves the cells of the batch's sequences uncertain: clear them and fail their jobs. */
    private void failStep(String reason) {
        log.error("{}; failing {} generation(s), their sequences are cleared", reason, running.size());
        EngineException error = new EngineException(reason);
        for (NativeJob job : new ArrayList<>(running)) { // nothing is sampled: a failed decode left no logits
            Sequence sequence = job.sequence;
            release(job);
            state.clear(sequence);
            job.fail(error);
        }
    }

}
