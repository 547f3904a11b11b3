package dev.parley.worker.engine.tools;

/**
 * How a model family writes a tool call, told from its chat template's text (as llama.cpp's {@code common/chat}
 * picks a format): the template shows the model the syntax it was trained on, so its words name the family.
 */
public enum ToolSyntax {
    /** Hermes 2 Pro, Qwen 2.5/3: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, one per call. */
    HERMES,
    /** Llama 3.x: a bare JSON object {@code {"name": ..., "parameters": {...}}}, maybe after {@code <|python_tag|>}. */
    LLAMA3,
    /** Mistral: {@code [TOOL_CALLS]} and a JSON array of {@code {"name": ..., "arguments": {...}}}. */
    MISTRAL,
    /**
     * A model whose template shows no call syntax: it is told to answer with {@code {"name": ..., "arguments": ...}}
     * (and a forced call is always written so, under a grammar).
     */
    GENERIC;

    /** The syntax the template teaches; {@link #GENERIC} for {@code null} (no template) or one without tools. */
    public static ToolSyntax of(String templateSource) {
        if (templateSource == null) {
            return GENERIC;
        }
        if (templateSource.contains("<tool_call>")) {
            return HERMES;
        }
        if (templateSource.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (templateSource.contains("<|start_header_id|>")
                && (templateSource.contains("ipython") || templateSource.contains("<|python_tag|>"))) {
            return LLAMA3;
        }
        return GENERIC;
    }
}
