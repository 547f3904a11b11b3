package dev.parley.worker.tools;

import dev.parley.schemas.Prompt;
import dev.parley.schemas.validation.PromptCheck;
import dev.parley.schemas.validation.Rejection;
import dev.parley.schemas.validation.RejectionCode;
import dev.parley.worker.engine.InferenceEngine;

/**
 * Refuses a prompt that asks for tool calling (tools, or messages that call tools or carry their results) when this
 * worker's engine cannot call tools: it is dead-lettered with {@code unsupported_feature} and a reason naming the
 * engine's model, and its sender gets an error reply of that code and reason, rather than answered as if the tools
 * were not there (an agent would take a made-up answer for the model's) or failing mid-turn. A {@code tool_choice} or
 * {@code parallel_tool_calls} without tools asks nothing.
 */
public final class ToolGate implements PromptCheck {

    private final InferenceEngine engine;

    public ToolGate(InferenceEngine engine) {
        this.engine = engine;
    }

    @Override
    public Rejection check(Prompt prompt) {
        if (!prompt.usesTools() || engine.callsTools()) {
            return null;
        }
        return new Rejection(RejectionCode.UNSUPPORTED_FEATURE, field(prompt), field(prompt)
                + ": tool calling is not supported by this worker's engine (model '" + engine.info().model()
                + "'); send the prompt without tools, tool_choice, tool_calls and tool messages, or to workers whose "
                + "engine calls tools");
    }

    /** Where the prompt first asks for tools, for the dead letter's field. */
    private static String field(Prompt prompt) {
        if (!prompt.toolsOrEmpty().isEmpty()) {
            return "$.tools";
        }
        for (int i = 0; i < prompt.messages().size(); i++) {
            if (prompt.messages().get(i).concernsTools()) {
                return "$.messages[" + i + "]";
            }
        }
        return "$";
    }
}
