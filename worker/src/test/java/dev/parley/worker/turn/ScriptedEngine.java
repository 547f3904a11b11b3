package dev.parley.worker.turn;

import dev.parley.schemas.FinishReason;
import dev.parley.worker.engine.EngineException;
import dev.parley.worker.engine.EngineInfo;
import dev.parley.worker.engine.Generation;
import dev.parley.worker.engine.GenerationRequest;
import dev.parley.worker.engine.InferenceEngine;
import dev.parley.worker.engine.KvTier;
import dev.parley.worker.engine.TokenListener;
import dev.parley.worker.engine.Transcript;
import dev.parley.worker.engine.template.ReasoningStart;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** An engine whose answers and failures are scripted; records what it was asked. */
final class ScriptedEngine implements InferenceEngine {

    final List<GenerationRequest> requests = new ArrayList<>();
    int failNext;
    RuntimeException failure = new EngineException("simulated decode failure");
    Function<GenerationRequest, String> answer = r -> "answer " + r.transcript().history().size();
    Runnable beforeAnswer = () -> { };
    String partialBeforeFailure;
    /** When set, returned as the outcome instead of a scripted answer. */
    Generation outcome;
    /** When set, the answer is streamed in these pieces instead of {@link #answer} in one. */
    List<String> pieces;
    /** When set, the engine's model reasons aloud with these markers. */
    ReasoningStart reasoning;

    /** What the engine says of itself; a tool syntax makes it call tools. */
    EngineInfo info = new EngineInfo("scripted", 2, 1024);

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public Generation generate(GenerationRequest request, TokenListener listener) {
        requests.add(request);
        if (failNext > 0) {
            failNext--;
            if (partialBeforeFailure != null) {
                listener.onText(partialBeforeFailure);
            }
            throw failure;
        }
        beforeAnswer.run();
        if (outcome != null) {
            return outcome;
        }
        if (request.cancelled().getAsBoolean()) {
            listener.onText("partial");
            return new Generation("partial", FinishReason.CANCELLED, 10, 0, 0, 1, 0, 1_000_000, 2_000_000, KvTier.PREFILL);
        }
        String text = pieces != null ? String.join("", pieces) : answer.apply(request);
        (pieces != null ? pieces : List.of(text)).forEach(listener::onText);
        return new Generation(text, FinishReason.STOP, 10, 0, 0, 3, 0, 1_000_000, 2_000_000, KvTier.PREFILL);
    }

    @Override
    public Optional<ReasoningStart> reasoning(Transcript transcript) {
        return Optional.ofNullable(reasoning);
    }

    @Override
    public void close() {
    }
}
