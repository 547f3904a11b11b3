package dev.parley.worker.engine;

import dev.parley.worker.engine.tools.ToolSyntax;

/**
 * @param model          the model's name, reported in replies
 * @param slots          sequences decoded in parallel
 * @param contextPerSlot tokens of context each conversation gets (prompt + answer)
 * @param toolSyntax     how the engine's model writes tool calls, or {@code null} when the engine calls no tools
 */
public record EngineInfo(String model, int slots, int contextPerSlot, ToolSyntax toolSyntax) {

    /** An engine that calls no tools. */
    public EngineInfo(String model, int slots, int contextPerSlot) {
        this(model, slots, contextPerSlot, null);
    }
}
