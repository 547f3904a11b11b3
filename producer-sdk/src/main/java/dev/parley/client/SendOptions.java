package dev.parley.client;

import dev.parley.schemas.GenerationParams;
import dev.parley.schemas.Priority;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolChoice;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-request options of {@link ParleyClient#send(String, String, SendOptions)}. Immutable; build one with
 * {@link #builder()} and derive variants with {@link #newBuilder()}.
 */
public final class SendOptions {

    /** No options: a generated request id, the worker's defaults, the client's timeout. */
    public static final SendOptions NONE = builder().build();

    private final String requestId;
    private final String system;
    private final GenerationParams params;
    private final Instant deadline;
    private final Map<String, String> metadata;
    private final Duration timeout;
    private final String replyTo;
    private final Priority priority;
    private final ResponseFormat responseFormat;
    private final String model;
    private final String tenant;
    private final List<Tool> tools;
    private final ToolChoice toolChoice;
    private final Boolean parallelToolCalls;
    private final Map<String, Object> chatTemplateKwargs;
    private final String reasoningEffort;

    private SendOptions(Builder builder) {
        this.requestId = builder.requestId;
        this.system = builder.system;
        this.params = builder.params;
        this.deadline = builder.deadline;
        this.metadata = Map.copyOf(builder.metadata);
        this.timeout = builder.timeout;
        this.replyTo = builder.replyTo;
        this.priority = builder.priority;
        this.responseFormat = builder.responseFormat;
        this.model = builder.model;
        this.tenant = builder.tenant;
        this.tools = builder.tools;
        this.toolChoice = builder.toolChoice;
        this.parallelToolCalls = builder.parallelToolCalls;
        this.chatTemplateKwargs = builder.chatTemplateKwargs;
        this.reasoningEffort = builder.reasoningEffort;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this object's values. */
    public Builder newBuilder() {
        Builder b = new Builder();
        b.requestId = requestId;
        b.system = system;
        b.params = params;
        b.deadline = deadline;
        b.metadata.putAll(metadata);
        b.timeout = timeout;
        b.replyTo = replyTo;
        b.priority = priority;
        b.responseFormat = responseFormat;
        b.model = model;
        b.tenant = tenant;
        b.tools = tools;
        b.toolChoice = toolChoice;
        b.parallelToolCalls = parallelToolCalls;
        b.chatTemplateKwargs = chatTemplateKwargs;
        b.reasoningEffort = reasoningEffort;
        return b;
    }

    /** The caller's request id, or {@code null} to have one generated. */
    public String requestId() {
        return requestId;
    }

    /** The system prompt, or {@code null} to keep the conversation's. */
    public String system() {
        return system;
    }

    /**
     * Sampling parameters, or {@code null} for the worker's defaults; they carry {@link #responseFormat()} when one
     * was set.
     */
    public GenerationParams params() {
        if (responseFormat == null) {
            return params;
        }
        return (params == null ? GenerationParams.DEFAULTS : params).withResponseFormat(responseFormat);
    }

    /** The shape the answer must take, or {@code null} for the one in {@link #params()} (free text by default). */
    public ResponseFormat responseFormat() {
        return responseFormat;
    }

    /** The instant after which the worker should not start the turn, or {@code null}. */
    public Instant deadline() {
        return deadline;
    }

    /** Strings echoed back in the reply. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** How long to wait for the reply, or {@code null} for the client's default. */
    public Duration timeout() {
        return timeout;
    }

    /** The topic the reply goes to ({@code publish} only), or {@code null} for the client's reply topic. */
    public String replyTo() {
        return replyTo;
    }

    /**
     * The turn's lane, or {@code null}: the worker treats it as {@link Priority#INTERACTIVE}. Batch turns are admitted
     * after interactive ones (with aging, so they are never starved) and may be paused while an interactive turn runs.
     */
    public Priority priority() {
        return priority;
    }

    /** The model asked to answer, or {@code null} for the one serving the client's prompts topic. */
    public String model() {
        return model;
    }

    /** The tenant the request is charged to, or {@code null} for none (no quota applies). */
    public String tenant() {
        return tenant;
    }

    /** The tools the model may call, or an empty list: none. */
    public List<Tool> tools() {
        return tools;
    }

    /** Whether and which tool the model must call, or {@code null}: the worker's default ({@code auto} with tools). */
    public ToolChoice toolChoice() {
        return toolChoice;
    }

    /** Whether the model may call several tools in one reply, or {@code null}: yes. */
    public Boolean parallelToolCalls() {
        return parallelToolCalls;
    }

    /** Variables for the model's chat template, or {@code null}: none. */
    public Map<String, Object> chatTemplateKwargs() {
        return chatTemplateKwargs;
    }

    /** How hard a reasoning model should think, or {@code null}: its template's default. */
    public String reasoningEffort() {
        return reasoningEffort;
    }

    public static final class Builder {
        private Map<String, Object> chatTemplateKwargs;
        private String reasoningEffort;
        private List<Tool> tools = List.of();
        private ToolChoice toolChoice;
        private Boolean parallelToolCalls;
        private String tenant;
        private String replyTo;
        private Priority priority;
        private String model;
        private String requestId;
        private String system;
        private GenerationParams params;
        private Instant deadline;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private Duration timeout;
        private ResponseFormat responseFormat;

        private Builder() {
        }

        /**
         * Use this request id instead of a generated one. Sending the same id again is idempotent: the conversation
         * gets one turn and the same reply.
         */
        public Builder requestId(String requestId) {
            if (requestId != null && (requestId.isEmpty() || requestId.length() > 128)) {
                throw new IllegalArgumentException("requestId must be 1-128 characters, got " + requestId.length());
            }
            this.requestId = requestId;
            return this;
        }

        public Builder system(String system) {
            this.system = system;
            return this;
        }

        public Builder params(GenerationParams params) {
            this.params = params;
            return this;
        }

        /**
         * Asks for an answer of this shape: {@link ResponseFormat#JSON_OBJECT} for any JSON object, or
         * {@link ResponseFormat#jsonSchema(String, tools.jackson.databind.JsonNode)} for JSON matching a schema. The
         * worker samples under a grammar made from the schema and checks the finished answer: a reply that stopped
         * before the JSON was complete (max_tokens, say) is an error {@code invalid_output} carrying the partial text,
         * and does not enter the conversation. A schema outside the supported subset (see docs/structured-output.md)
         * makes {@code send} throw {@link IllegalArgumentException} naming the keyword, before anything is sent.
         * Overrides a response format given in {@link #params(GenerationParams)}; {@code null} keeps that one.
         */
        public Builder responseFormat(ResponseFormat format) {
            this.responseFormat = format;
            return this;
        }

        public Builder deadline(Instant deadline) {
            this.deadline = deadline;
            return this;
        }

        public Builder metadata(String key, String value) {
            this.metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder timeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sends the reply to another topic. Only for {@link ParleyClient#publish}: {@code send} awaits replies on the
         * client's own reply topic.
         */
        public Builder replyTo(String topic) {
            if (topic != null && !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("replyTo must be a Kafka topic name, got '" + topic + "'");
            }
            this.replyTo = topic;
            return this;
        }

        /**
         * Sends the turn in this lane: {@link Priority#INTERACTIVE} (the default, when not set) for someone waiting
         * on the answer, {@link Priority#BATCH} for bulk work that may wait behind interactive turns. The order of
         * a conversation's turns does not depend on it.
         */
        public Builder priority(Priority priority) {
            this.priority = priority;
            return this;
        }

        /**
         * Asks this model to answer: the prompt goes to the topic its workers announce (see
         * {@link ParleyClient#servedModels()}), and sending fails with {@link UnknownModelException}, before anything
         * is published, when no worker announces it. {@code null} (the default) sends to the client's prompts topic,
         * answered by whatever model serves it.
         *
         * @param model a served model's name: 1-128 letters, digits, '.', '_' or '-'
         */
        public Builder model(String model) {
            if (model != null && !model.matches("[a-zA-Z0-9._-]{1,128}")) {
                throw new IllegalArgumentException("model must be 1-128 letters, digits, '.', '_' or '-', got '"
                        + model + "'");
            }
            this.model = model;
            return this;
        }

        /**
         * Charges the request to a tenant: workers configured with token quotas ({@code quota-tenants},
         * {@code quota-default}) count its actual prompt and completion tokens against that tenant's limits, and
         * answer a request of a tenant over its quota with status {@code rate_limited}, which {@code send} surfaces
         * as a {@link ParleyRateLimitedException}. 1-128 characters of {@code A-Z a-z 0-9 . _ : @ -};
         * {@code null} for none.
         *
         * @throws IllegalArgumentException when the tenant id has another length or character
         */
        public Builder tenant(String tenant) {
            if (tenant != null && !tenant.matches("[A-Za-z0-9._:@-]{1,128}")) {
                throw new IllegalArgumentException("tenant must be 1-128 of A-Z a-z 0-9 . _ : @ -, got '" + tenant + "'");
            }
            this.tenant = tenant;
            return this;
        }

        /**
         * Offers the model tools to call ({@code prompt.v1.json}'s {@code tools}, OpenAI's shape). A reply that calls
         * them has {@link dev.parley.schemas.FinishReason#TOOL_CALLS} and {@link dev.parley.schemas.Reply#toolCalls()};
         * send each call's result back as a {@link dev.parley.schemas.ChatMessage#tool(String, String)} message in a
         * {@link dev.parley.schemas.Prompt} with {@link ParleyClient#send(dev.parley.schemas.Prompt)}. At most
         * {@value dev.parley.schemas.Prompt#MAX_TOOLS} tools with unique names; each parameters schema must be in the
         * structured-output subset. A worker whose engine cannot call tools dead-letters the prompt with
         * {@code unsupported_feature} and answers it with an error reply of that code; when every worker of the
         * prompt's model announces that (see {@link ServedModel#callsTools()}), sending fails with
         * {@link UnsupportedFeatureException} before anything is sent.
         *
         * @param tools the tools; an empty list for none
         */
        public Builder tools(List<Tool> tools) {
            this.tools = List.copyOf(Objects.requireNonNull(tools, "tools"));
            return this;
        }

        /**
         * Whether and which tool the model must call: {@link ToolChoice#AUTO}, {@link ToolChoice#NONE},
         * {@link ToolChoice#REQUIRED} or {@link ToolChoice#function(String)} (one of {@link #tools(List)}).
         *
         * @param choice the choice, or {@code null} for the default
         */
        public Builder toolChoice(ToolChoice choice) {
            this.toolChoice = choice;
            return this;
        }

        /**
         * Whether the model may call several tools in one reply.
         *
         * @param parallel {@code null} for the default (yes)
         */
        public Builder parallelToolCalls(Boolean parallel) {
            this.parallelToolCalls = parallel;
            return this;
        }

        /**
         * Passes variables to the model's own chat template, as llama-server's and vLLM's {@code chat_template_kwargs}
         * do: {@code Map.of("enable_thinking", false)} turns a Qwen 3 model's thinking off. At most
         * {@value dev.parley.schemas.Prompt#MAX_TEMPLATE_KWARGS} variables, names of letters, digits and {@code _},
         * values booleans, numbers or strings; a variable the template does not read changes nothing. A worker on the
         * java engine answers with error {@code unsupported_template_variables}.
         *
         * @param variables the variables, or {@code null} for none
         */
        public Builder chatTemplateKwargs(Map<String, Object> variables) {
            this.chatTemplateKwargs = variables == null || variables.isEmpty() ? null : Map.copyOf(variables);
            return this;
        }

        /**
         * How hard a reasoning model should think: {@code none}, {@code minimal}, {@code low}, {@code medium},
         * {@code high} or {@code xhigh}, passed to its chat template as the variable {@code reasoning_effort} (a
         * template that does not read it ignores it). A reasoning model's thinking comes back in
         * {@link dev.parley.schemas.Reply#reasoningContent()} (and {@link dev.parley.schemas.Chunk#reasoningContent()}
         * when streamed), its answer alone in {@link dev.parley.schemas.Reply#content()}.
         *
         * @param effort the effort, or {@code null} for the template's default
         */
        public Builder reasoningEffort(String effort) {
            this.reasoningEffort = effort;
            return this;
        }

        public SendOptions build() {
            return new SendOptions(this);
        }
    }
}
