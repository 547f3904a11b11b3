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
        Priority priority) {

    public Prompt {
        Objects.requireNonNull(requestId, "request_id");
        Objects.requireNonNull(conversationId, "conversation_id");
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        messages = List.copyOf(messages);
        metadata = metadata == null ? null : Map.copyOf(metadata);
    }

    /** A prompt without a tenant that names no model. */
    public Prompt(String requestId, String conversationId, List<ChatMessage> messages, String system, String replyTo,
                  GenerationParams params, boolean stream, Instant deadline, Map<String, String> metadata) {
        this(requestId, conversationId, messages, system, replyTo, params, stream, deadline, metadata, null, null, null);
    }

    /** A prompt that names no model (answered by whatever model serves its topic). */
    public Prompt(String requestId, String conversationId, List<ChatMessage> messages, String system, String replyTo,
                  GenerationParams params, boolean stream, Instant deadline, Map<String, String> metadata,
                  String tenant) {
        this(requestId, conversationId, messages, system, replyTo, params, stream, deadline, metadata, tenant, null,
                null);
    }

    /** A prompt without a priority (interactive). */
    public Prompt(String requestId, String conversationId, List<ChatMessage> messages, String system, String replyTo,
                  GenerationParams params, boolean stream, Instant deadline, Map<String, String> metadata,
                  String tenant, String model) {
        this(requestId, conversationId, messages, system, replyTo, params, stream, deadline, metadata, tenant, model,
                null);
    }

    /** This prompt asking {@code model} to answer ({@code null}: any model serving its topic). */
    public Prompt withModel(String model) {
        return new Prompt(requestId, conversationId, messages, system, replyTo, params, stream, deadline, metadata,
                tenant, model, priority);
    }

    /** A prompt with a single user message and no options. */
    public static Prompt of(String requestId, String conversationId, String userMessage) {
        return new Prompt(requestId, conversationId, List.of(ChatMessage.user(userMessage)),
                null, null, null, false, null, null);
    }

    /** The same prompt charged to {@code newTenant} ({@code null}: none). */
    public Prompt withTenant(String newTenant) {
        return new Prompt(requestId, conversationId, messages, system, replyTo, params, stream, deadline, metadata,
                newTenant, model, priority);
    }

    /** This prompt in another lane. */
    public Prompt withPriority(Priority value) {
        return new Prompt(requestId, conversationId, messages, system, replyTo, params, stream, deadline, metadata,
                tenant, model, value);
    }

    /** The priority given, or {@link Priority#DEFAULT}. */
    public Priority priorityOrDefault() {
        return priority == null ? Priority.DEFAULT : priority;
    }

    /** The parameters given, or {@link GenerationParams#DEFAULTS}. */
    public GenerationParams paramsOrDefaults() {
        return params == null ? GenerationParams.DEFAULTS : params;
    }

    /** The metadata given, or an empty map. */
    public Map<String, String> metadataOrEmpty() {
        return metadata == null ? Map.of() : metadata;
    }
}
