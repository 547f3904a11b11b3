package dev.parley.gateway.openai;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Prompt;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolChoice;
import java.util.List;
import java.util.Map;

/**
 * A parsed {@code POST /v1/chat/completions} body, in Parley's terms.
 *
 * @param model        the model asked for
 * @param system       the leading system (or developer) messages joined, or {@code null}
 * @param messages     the other messages, in order
 * @param params       sampling parameters
 * @param stream       whether server-sent events are wanted
 * @param includeUsage {@code stream_options.include_usage}: a last chunk with the usage
 * @param user         OpenAI's end-user id, passed on as metadata
 * @param metadata     OpenAI's metadata, passed on and echoed by the worker
 * @param tools        the tools the model may call, the tool choice and {@code parallel_tool_calls}
 * @param template     {@code chat_template_kwargs} and {@code reasoning_effort}, for the model's chat template
 */
public record ChatRequest(String model, String system, List<ChatMessage> messages, GenerationParams params,
                          boolean stream, boolean includeUsage, String user, Map<String, String> metadata,
                          Tools tools, Template template) {

    public ChatRequest {
        messages = List.copyOf(messages);
        metadata = Map.copyOf(metadata);
        tools = tools == null ? Tools.NONE : tools;
        template = template == null ? Template.NONE : template;
    }

    /** A request without tools. */
    public ChatRequest(String model, String system, List<ChatMessage> messages, GenerationParams params,
                       boolean stream, boolean includeUsage, String user, Map<String, String> metadata) {
        this(model, system, messages, params, stream, includeUsage, user, metadata, Tools.NONE, Template.NONE);
    }

    /** This request's parameters on {@code prompt}: its tools and its template variables. */
    public Prompt.Builder applyTo(Prompt.Builder prompt) {
        return template.applyTo(tools.applyTo(prompt));
    }

    /**
     * What the request passes to the model's chat template, as the prompt carries it.
     *
     * @param kwargs          {@code chat_template_kwargs}, or {@code null}
     * @param reasoningEffort {@code reasoning_effort}, or {@code null}
     */
    public record Template(Map<String, Object> kwargs, String reasoningEffort) {

        /** Nothing for the template. */
        public static final Template NONE = new Template(null, null);

        /** These variables on {@code prompt}. */
        public Prompt.Builder applyTo(Prompt.Builder prompt) {
            return prompt.chatTemplateKwargs(kwargs).reasoningEffort(reasoningEffort);
        }
    }

    /**
     * OpenAI's tool-calling parameters, as the prompt carries them.
     *
     * @param definitions   {@code tools} (empty: none)
     * @param choice        {@code tool_choice}, or {@code null}
     * @param parallelCalls {@code parallel_tool_calls}, or {@code null}
     */
    public record Tools(List<Tool> definitions, ToolChoice choice, Boolean parallelCalls) {

        /** No tools. */
        public static final Tools NONE = new Tools(List.of(), null, null);

        public Tools {
            definitions = List.copyOf(definitions);
        }

        /** This request's tools on {@code prompt}. */
        public Prompt.Builder applyTo(Prompt.Builder prompt) {
            return prompt.tools(definitions.isEmpty() ? null : definitions).toolChoice(choice)
                    .parallelToolCalls(parallelCalls);
        }
    }
}
