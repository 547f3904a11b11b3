package dev.parley.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation as published to the prompts topic (schema {@code prompt.v1.json}).
 *
 * @param requestId      unique id chosen by the sender; replays of the same id are idempotent
 * @param conversationId the conversation; must equal the Kafka record key
 * @param messages       the new message(s) of this turn; earlier turns come from the history store
 * @param system         optional system prompt for the conversation
 * @param replyTo        optional reply topic (the worker's default when {@code null})
 * @param params         optional sampling parameters
 * @param stream         whether chunk records are wanted before the final reply
 * @param deadline       optional instant after which the turn is not started
 * @param metadata       strings echoed back in the reply
 * @param tenant         who the prompt is charged to (workers apply that tenant's token quota), or {@code null}:
 *                       no quota applies; 1-128 of {@code A-Z a-z 0-9 . _ : @ -}
 * @param model          the model asked to answer, as its workers announce it, or {@code null} for whatever model
 *                       serves the topic the prompt is on
 * @param priority       the turn's lane; {@code null} (absent on the wire) means {@link Priority#INTERACTIVE}
 * @param tools          the tools the model may call ({@code null}: none); at most {@value #MAX_TOOLS}, names unique
 * @param toolChoice     whether and which tool the model must call ({@code null}: {@link ToolChoice#AUTO} when there
 *                       are tools); {@code required} or a named function needs {@code tools}
 * @param parallelToolCalls whether the model may call several tools in one reply ({@code null}: yes)
 * @param chatTemplateKwargs more variables for the model's chat template ({@code enable_thinking: false}, say):
 *                       names of letters, digits and {@code _}, values booleans, numbers or strings; at most
 *                       {@value #MAX_TEMPLATE_KWARGS} ({@code null}: none)
 * @param reasoningEffort how hard a reasoning model should think ({@code none}, {@code minimal}, {@code low},
 *                       {@code medium}, {@code high}, {@code xhigh}), passed to the chat template as the variable
 *                       {@code reasoning_effort} ({@code null}: not set)
 */
public record Prompt(
        String requestId,
        String conversationId,
        List<ChatMessage> messages,
        String system,
        String replyTo,
        GenerationParams params,
        boolean stream,
        Instant deadline,
        Map<String, String> metadata,
        String tenant,
        String model,
        Priority priority,
        List<Tool> tools,
        ToolChoice toolChoice,
        Boolean parallelToolCalls,
        Map<String, Object> chatTemplateKwargs,
        String reasoningEffort) {

    /** Most tools one prompt may carry (as {@code prompt.v1.json} says). */
    public static final int MAX_TOOLS = 128;
    /** Most chat-template variables one prompt may carry (as {@code prompt.v1.json} says). */
    public static final int MAX_TEMPLATE_KWARGS = 16;

    public Prompt {
        Objects.requireNonNull(requestId, "request_id");
        Objects.requireNonNull(conversationId, "conversation_id");
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        messages = List.copyOf(messages);
        metadata = metadata == null ? null : Map.copyOf(metadata);
        tools = tools == null ? null : List.copyOf(tools);
        chatTemplateKwargs = chatTemplateKwargs == null ? null : Map.copyOf(chatTemplateKwargs);
    }

    /** An empty builder; {@link Builder#build()} needs at least a request id, a conversation id and a message. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this prompt's values, to make a changed copy: {@code prompt.newBuilder().model(m).build()}. */
    public Builder newBuilder() {
        return new Builder(this);
    }

    /** A prompt with a single user message and no options. */
    public static Prompt of(String requestId, String conversationId, String userMessage) {
        return builder().requestId(requestId).conversationId(conversationId)
                .messages(List.of(ChatMessage.user(userMessage))).build();
    }

    /** This prompt asking {@code model} to answer ({@code null}: any model serving its topic). */
    public Prompt withModel(String model) {
        return newBuilder().model(model).build();
    }

    /** The same prompt charged to {@code newTenant} ({@code null}: none). */
    public Prompt withTenant(String newTenant) {
        return newBuilder().tenant(newTenant).build();
    }

    /** This prompt in another lane. */
    public Prompt withPriority(Priority value) {
        return newBuilder().priority(value).build();
    }

    /** The priority given, or {@link Priority#DEFAULT}. */
    public Priority priorityOrDefault() {
        return priority == null ? Priority.DEFAULT : priority;
    }

    /** The parameters given, or {@link GenerationParams#DEFAULTS}. */
    public GenerationParams paramsOrDefaults() {
        return params == null ? GenerationParams.DEFAULTS : params;
    }

    /**
     * Whether the prompt asks for tool calling: tools, or messages that call tools or answer calls. A tool choice or
     * {@code parallel_tool_calls} alone asks nothing (a choice that forces a call needs tools to be valid).
     */
    public boolean usesTools() {
        return (tools != null && !tools.isEmpty()) || messages.stream().anyMatch(ChatMessage::concernsTools);
    }

    /** The tools given, or an empty list. */
    public List<Tool> toolsOrEmpty() {
        return tools == null ? List.of() : tools;
    }

    /**
     * The variables this prompt adds to the model's chat template: its {@code chat_template_kwargs}, and
     * {@code reasoning_effort} when set (a kwarg of that name wins, as in llama-server). Empty for most prompts.
     */
    public Map<String, Object> templateVariables() {
        if (reasoningEffort == null) {
            return chatTemplateKwargs == null ? Map.of() : chatTemplateKwargs;
        }
        Map<String, Object> variables = new java.util.HashMap<>();
        variables.put("reasoning_effort", reasoningEffort);
        if (chatTemplateKwargs != null) {
            variables.putAll(chatTemplateKwargs);
        }
        return Map.copyOf(variables);
    }

    /** The metadata given, or an empty map. */
    public Map<String, String> metadataOrEmpty() {
        return metadata == null ? Map.of() : metadata;
    }

    /**
     * Builds a {@link Prompt}; every setter takes {@code null} for "absent" (see the record's components), and
     * {@link #build()} applies the record's checks. Adding a field to the contract is adding it here and to the record.
     */
    public static final class Builder {
        private String requestId;
        private String conversationId;
        private List<ChatMessage> messages;
        private String system;
        private String replyTo;
        private GenerationParams params;
        private boolean stream;
        private Instant deadline;
        private Map<String, String> metadata;
        private String tenant;
        private String model;
        private Priority priority;
        private List<Tool> tools;
        private ToolChoice toolChoice;
        private Boolean parallelToolCalls;
        private Map<String, Object> chatTemplateKwargs;
        private String reasoningEffort;

        private Builder() {
        }

        private Builder(Prompt prompt) {
            requestId = prompt.requestId;
            conversationId = prompt.conversationId;
            messages = prompt.messages;
            system = prompt.system;
            replyTo = prompt.replyTo;
            params = prompt.params;
            stream = prompt.stream;
            deadline = prompt.deadline;
            metadata = prompt.metadata;
            tenant = prompt.tenant;
            model = prompt.model;
            priority = prompt.priority;
            tools = prompt.tools;
            toolChoice = prompt.toolChoice;
            parallelToolCalls = prompt.parallelToolCalls;
            chatTemplateKwargs = prompt.chatTemplateKwargs;
            reasoningEffort = prompt.reasoningEffort;
        }

        public Builder requestId(String value) {
            requestId = value;
            return this;
        }

        public Builder conversationId(String value) {
            conversationId = value;
            return this;
        }

        public Builder messages(List<ChatMessage> value) {
            messages = value;
            return this;
        }

        public Builder system(String value) {
            system = value;
            return this;
        }

        public Builder replyTo(String value) {
            replyTo = value;
            return this;
        }

        public Builder params(GenerationParams value) {
            params = value;
            return this;
        }

        public Builder stream(boolean value) {
            stream = value;
            return this;
        }

        public Builder deadline(Instant value) {
            deadline = value;
            return this;
        }

        public Builder metadata(Map<String, String> value) {
            metadata = value;
            return this;
        }

        public Builder tenant(String value) {
            tenant = value;
            return this;
        }

        public Builder model(String value) {
            model = value;
            return this;
        }

        public Builder priority(Priority value) {
            priority = value;
            return this;
        }

        public Builder tools(List<Tool> value) {
            tools = value;
            return this;
        }

        public Builder toolChoice(ToolChoice value) {
            toolChoice = value;
            return this;
        }

        public Builder parallelToolCalls(Boolean value) {
            parallelToolCalls = value;
            return this;
        }

        /** The prompt; throws as the record's constructor does on a missing id or an empty message list. */
        public Builder chatTemplateKwargs(Map<String, Object> value) {
            chatTemplateKwargs = value;
            return this;
        }

        public Builder reasoningEffort(String value) {
            reasoningEffort = value;
            return this;
        }

        public Prompt build() {
            return new Prompt(requestId, conversationId, messages, system, replyTo, params, stream, deadline, metadata,
                    tenant, model, priority, tools, toolChoice, parallelToolCalls, chatTemplateKwargs,
                    reasoningEffort);
        }
    }
}
