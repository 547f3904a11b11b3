package dev.parley.worker.engine.tools;

import dev.parley.schemas.ToolCall;
import java.util.List;

/**
 * A model's answer split into what it said and the tools it called.
 *
 * @param content the text outside the calls, trimmed ({@code ""} when the answer was only calls)
 * @param calls   the calls in the order written; never empty
 */
public record ParsedAnswer(String content, List<ToolCall> calls) {
    public ParsedAnswer {
        calls = List.copyOf(calls);
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("a parsed answer has at least one call");
        }
    }
}
