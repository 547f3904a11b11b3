package dev.parley.worker.engine.cpp;

import dev.parley.schemas.FinishReason;
import dev.parley.schemas.TokenLogprob;
import dev.parley.worker.engine.EngineException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one step decided and the turns have not yet been told: the text of each sampled token and each finished
 * job's outcome, delivered during the next step while the device computes it ({@link DecodeStep}), in the order the
 * step decided them. A token of a turn without stop strings is even turned into text here: nothing in the step needs
 * its text. A token of a turn with stop strings was pushed through its {@link TextStream} by the step (the stop
 * decides whether the turn goes on) and waits here as text. Engine thread only.
 *
 * <p>A listener that throws fails its own job: a finished one at once, a running one at its next step
 * ({@link NativeJob#handOverFailure}, as its sequence is part of the batch being computed); nothing more reaches it.
 */
final class HandOver {

    private record Entry(NativeJob job, int token, String text, List<TokenLogprob> logprobs, FinishReason finish) {
    }

    private final NativeModel model;
    private List<Entry> entries = new ArrayList<>();
    private List<Entry> spare = new ArrayList<>();

    HandOver(NativeModel model) {
        this.model = model;
    }

    /** A sampled token whose text the step did not need: it is turned into text when delivered. */
    void token(NativeJob job, int token) {
        entries.add(new Entry(job, token, null, List.of(), null));
    }

    /** Text the step already took out of the job's stream. */
    void text(NativeJob job, String text) {
        text(job, text, List.of());
    }

    /** Text the step already took out of the job's stream, and the log probabilities of the tokens it shows. */
    void text(NativeJob job, String text, List<TokenLogprob> logprobs) {
        if (!text.isEmpty() || !logprobs.isEmpty()) {
            entries.add(new Entry(job, -1, text, logprobs, null));
        }
    }

    /** The job's end: the rest of its text, then its outcome (its sequence is already released). */
    void finish(NativeJob job, FinishReason reason) {
        entries.add(new Entry(job, -1, null, List.of(), reason));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Delivers everything decided so far, in order; what a listener adds meanwhile waits for the next call. */
    void deliver() {
        if (entries.isEmpty()) {
            return;
        }
        List<Entry> due = entries;
        entries = spare;
        spare = due;
        for (Entry entry : due) {
            deliver(entry);
        }
        due.clear();
    }

    private void deliver(Entry entry) {
        NativeJob job = entry.job();
        if (job.done() || job.handOverFailure != null) {
            return; // abandoned or failed: nothing more reaches its listener
        }
        try {
            if (entry.finish() != null) {
                job.flushOutput(); // the text a stop string held back, and its log probabilities
            } else {
                String text = entry.text() != null ? entry.text() : job.text.push(model.piece(entry.token()));
                if (!text.isEmpty()) {
                    job.listener.onText(text);
                }
                if (!entry.logprobs().isEmpty()) {
                    job.listener.onLogprobs(entry.logprobs());
                }
            }
        } catch (RuntimeException e) {
            EngineException failure = new EngineException("the token listener failed: " + e.getMessage(), e);
            if (entry.finish() != null) {
                job.fail(failure);
            } else {
                job.handOverFailure = failure;
            }
            return;
        }
        if (entry.finish() != null) {
            job.complete(entry.finish());
        }
    }
}
