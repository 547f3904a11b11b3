package dev.parley.worker.engine.cpp;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.Priority;
import dev.parley.schemas.TokenLogprob;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationAbandonedException;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.UnsupportedRequestException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One generation on its way through the engine: handed over by a turn thread, advanced by the engine thread step by
 * step (prompt chunks, then one token per step), and completed with its {@link Generation} or an error.
 */
final class NativeJob {

    private static final long AWAIT_SLICE_MS = 500;
    private static final long ABANDON_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    final GenerationRequest request;
    final int[] prompt;
    final int droppedTurns;
    final TokenListener listener;
    final long startNanos;
    private final CompletableFuture<Generation> result = new CompletableFuture<>();
    private volatile boolean abandoned;
    /**
     * Length of the prompt's prefix shareable with other conversations ({@link PrefixBoundary}), 0 for none; set by
     * the caller before the job is submitted.
     */
    int sharedPrefix;
    /**
     * The jobs of this turn's further answers ({@link dev.parley.worker.engine.Sampling#n()} - 1 of them), set by the
     * caller before submitting; each gets a sequence when this job does, and the prompt's KV once it is computed
     * ({@link Forks}). Empty for a turn of one answer and for the forks themselves.
     */
    List<NativeJob> forks = List.of();
    /** Whether this job is a further answer of another one's turn (its sequence is cleared when it ends). */
    final boolean fork;

    // engine thread only, from here on
    Sequence sequence;
    KvTier tier;
    int cachedTokens;
    int restoredTokens;
    /** The part of {@code cachedTokens} copied from a shared prefix. */
    int prefixTokens;
    /** Where the prefill pauses: the end of a shareable prefix not copied in ({@link PrefixTier}); -1 when not. */
    int captureAt = -1;
    /** The part of {@code cachedTokens} read back from a disk snapshot. */
    int diskTokens;
    /** The next prompt token to compute; equal to the prompt's length once it is all in the sequence. */
    int cursor;
    SamplerChain sampler;
    TextStream text;
    /** Scores each sampled token when the request asked for log probabilities ({@code null}: not asked). */
    TokenLogprobs scorer;
    /** The scored tokens' entries, passed on with their text; {@code null} when not asked. */
    LogprobTrail logprobs;
    int generated;
    /** The last sampled token, to be decoded in the next step. */
    int pending = -1;
    /** Position in the current batch whose logits this job samples from, or -1. */
    int outputIndex = -1;
    long firstTokenNanos = -1;
    /** When the engine finished the job (its outcome reaches the caller with the next step), or -1. */
    long finishedNanos = -1;
    /** Set when the listener threw while a step was being computed ({@link HandOver}); the job fails after it. */
    EngineException handOverFailure;
    /** While paused for an interactive job: the copy of its sequence's state, to resume from; else null. */
    KvSnapshot parked;
    /** Times this job was paused. */
    int preemptions;
    /** {@link #computed()} when the job last got a sequence. */
    private int computedAtAdmission;
    /** When a sequence took the job, or -1 while it waits for one. */
    long admittedNanos = -1;

    NativeJob(GenerationRequest request, int[] prompt, int droppedTurns, TokenListener listener, long startNanos) {
        this(request, prompt, droppedTurns, listener, startNanos, false);
    }

    private NativeJob(GenerationRequest request, int[] prompt, int droppedTurns, TokenListener listener,
                      long startNanos, boolean fork) {
        this.request = request;
        this.prompt = prompt;
        this.droppedTurns = droppedTurns;
        this.listener = listener;
        this.startNanos = startNanos;
        this.fork = fork;
    }

    /**
     * The job of answer {@code index} (1 and up) of this job's turn: the same prompt, its own sampling seed
     * ({@link dev.parley.worker.engine.Sampling#forChoice}) and its own listener.
     */
    NativeJob forkFor(int index) {
        GenerationRequest choice = new GenerationRequest(request.conversationId(), request.transcript(),
                request.sampling().forChoice(index), request.deadline(), request.cancelled(), request.priority());
        return new NativeJob(choice, prompt, droppedTurns, listener.choice(index), startNanos, true);
    }

    /**
     * Adds the jobs of the turn's further answers, {@code n - 1} of them.
     *
     * @throws UnsupportedRequestException when the turn asks for more answers than the engine has sequences
     */
    void addForks(int sequences) {
        int n = request.sampling().n();
        if (n > sequences) {
            throw new UnsupportedRequestException("unsupported_feature", "n=" + n + " needs " + n + " sequences and "
                    + "this worker's engine has " + sequences + " (--slots); ask for at most " + sequences);
        }
        forks = java.util.stream.IntStream.range(1, n).mapToObj(this::forkFor).toList();
    }

    /** The outcome with every answer: this job's, then each further one's ({@link #outcome}). */
    Generation outcomeWithForks(Thread engineThread) {
        Generation first = outcome(engineThread);
        List<Generation.Choice> others = new java.util.ArrayList<>(forks.size());
        for (NativeJob fork : forks) {
            Generation answer = fork.outcome(engineThread);
            others.add(new Generation.Choice(answer.text(), answer.finishReason(), answer.completionTokens(),
                    answer.logprobs()));
        }
        return forks.isEmpty() ? first : first.withOtherChoices(others);
    }

    /** Sets up what the job generates with: its sampler chain, its text stream, its log probabilities if asked. */
    void startOutput(LlamaLib llama, NativeModel model) {
        sampler = SamplerChain.create(llama, model.vocab(), request.sampling());
        text = new TextStream(request.sampling().stop());
        Integer top = request.sampling().logprobs();
        scorer = top == null ? null : new TokenLogprobs(top);
        logprobs = top == null ? null : new LogprobTrail();
    }

    /** Whether this job or its turn is forked: such jobs are never paused for others ({@link Preemption}). */
    boolean forked() {
        return fork || !forks.isEmpty();
    }

    String conversationId() {
        return request.conversationId();
    }

    Priority priority() {
        return request.priority();
    }

    boolean paused() {
        return parked != null;
    }

    /** Records that the job just got a sequence (first admission or resumption). */
    void admitted() {
        computedAtAdmission = computed();
    }

    /** Tokens computed since the job last got a sequence. */
    int computedSinceAdmission() {
        return computed() - computedAtAdmission;
    }

    /** Tokens still to compute at most: the rest of the prompt and of max_tokens. */
    int remaining() {
        return prompt.length - cursor + request.sampling().maxTokens() - generated;
    }

    private int computed() {
        return cursor + generated;
    }

    /** Frees what a job holds outside a sequence (sampler, paused state) when it ends while waiting. */
    void releaseWaiting() {
        if (parked != null) {
            parked.close();
            parked = null;
        }
        if (sampler != null) {
            sampler.close();
            sampler = null;
        }
    }

    boolean prefilling() {
        return cursor < prompt.length;
    }

    /** Why generation must stop now regardless of the model, or null (an abandoned job is not stopped: dropped). */
    FinishReason interruption(Clock clock) {
        if (request.cancelled().getAsBoolean()) {
            return FinishReason.CANCELLED;
        }
        Instant deadline = request.deadline();
        return deadline != null && clock.instant().isAfter(deadline) ? FinishReason.DEADLINE : null;
    }

    /** The caller stopped waiting (interrupted): drop the job at the next step, with no outcome to store. */
    void abandon() {
        abandoned = true;
        forks.forEach(NativeJob::abandon);
    }

    boolean abandoned() {
        return abandoned;
    }

    /** Ends an abandoned job: its caller gets {@link GenerationAbandonedException}, never a cancelled generation. */
    void dropAbandoned() {
        result.completeExceptionally(new GenerationAbandonedException("the caller stopped waiting"));
    }

    void complete(FinishReason finishReason) {
        long now = finishedNanos >= 0 ? finishedNanos : System.nanoTime();
        long total = now - startNanos;
        long queued = (admittedNanos < 0 ? now : admittedNanos) - startNanos;
        result.complete(new Generation(text == null ? "" : text.shown(), finishReason, prompt.length, cachedTokens,
                restoredTokens, generated, droppedTurns, firstTokenNanos < 0 ? total : firstTokenNanos, total, tier,
                prefixTokens, diskTokens, queued, logprobs == null ? null : logprobs.all()));
    }

    /**
     * At the end of generation: passes on the text held back and the log probabilities still waiting for it.
     *
     * @throws RuntimeException what the listener threw
     */
    void flushOutput() {
        String rest = text.finish();
        if (!rest.isEmpty()) {
            listener.onText(rest);
        }
        if (logprobs != null) {
            List<TokenLogprob> last = logprobs.finish(text.shownLength(), text.stopped());
            if (!last.isEmpty()) {
                listener.onLogprobs(last);
            }
        }
    }

    /** Fails the job: with an {@link EngineException} (may work again) or an {@link UnsupportedRequestException}. */
    void fail(RuntimeException error) {
        result.completeExceptionally(error);
        forks.forEach(NativeJob::abandon); // the turn fails with its first answer: the others are dropped
    }

    boolean done() {
        return result.isDone();
    }

    /**
     * The caller's wait for the outcome (turn thread). An interrupt (the worker stopping) asks the engine thread to
     * drop the job and waits a bounded time for it to say so; the job then ends as abandoned, never as cancelled, so
     * nothing is stored or published for it. A job whose engine thread died meanwhile is failed rather than waited for.
     */
    Generation outcome(Thread engineThread) {
        long abandonedAt = -1;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    Generation done = await(AWAIT_SLICE_MS);
                    if (done != null) {
                        return done;
                    }
                    if (!engineThread.isAlive()) {
                        fail(new EngineException("the engine thread stopped"));
                    } else if (abandonedAt >= 0 && System.nanoTime() - abandonedAt > ABANDON_WAIT_NANOS) {
                        throw new GenerationAbandonedException("the engine did not release the job in time");
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (abandonedAt < 0) {
                        abandonedAt = System.nanoTime();
                        abandon(); // the sequence is the engine thread's: it drops the job at its next step
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits up to {@code millis} for the outcome; null if there is none yet. */
    Generation await(long millis) throws InterruptedException {
        try {
            return result.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EngineException engineError) {
                throw engineError;
            }
            if (e.getCause() instanceof UnsupportedRequestException unsupported) {
                throw unsupported;
            }
            if (e.getCause() instanceof GenerationAbandonedException abandonedError) {
                throw abandonedError;
            }
            throw new EngineException("generation failed: " + e.getCause(), e.getCause());
        }
    }
}
