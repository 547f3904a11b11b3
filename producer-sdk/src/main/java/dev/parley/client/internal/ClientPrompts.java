package dev.parley.client.internal;

import dev.parley.client.SendOptions;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Prompt;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** The prompts a {@code ParleyClient} sends: one built from a user message and its options, and its copies. */
public final class ClientPrompts {

    private ClientPrompts() {
    }

    /**
     * The options of a request the client awaits: its reply must come to the client's own topic.
     *
     * @throws IllegalArgumentException when the options direct the reply elsewhere
     */
    public static SendOptions awaitable(SendOptions options, String repliesTopic) {
        Objects.requireNonNull(options, "options");
        if (options.replyTo() != null && !options.replyTo().equals(repliesTopic)) {
            throw new IllegalArgumentException("send() awaits replies on this client's topic '" + repliesTopic
                    + "'; use publish() to direct replies to '" + options.replyTo() + "'");
        }
        return options;
    }

    /** A prompt of one user message; a new request id unless the options give one. */
    public static Prompt toPrompt(String conversationId, String userMessage, SendOptions options) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(userMessage, "userMessage");
        String requestId = options.requestId() != null ? options.requestId() : UUID.randomUUID().toString();
        return Prompt.builder().requestId(requestId).conversationId(conversationId)
                .messages(List.of(ChatMessage.user(userMessage))).system(options.system()).replyTo(options.replyTo())
                .params(options.params()).deadline(options.deadline())
                .metadata(options.metadata().isEmpty() ? null : options.metadata()).tenant(options.tenant())
                .model(options.model()).priority(options.priority())
                .tools(options.tools().isEmpty() ? null : options.tools()).toolChoice(options.toolChoice())
                .parallelToolCalls(options.parallelToolCalls())
                .chatTemplateKwargs(options.chatTemplateKwargs()).reasoningEffort(options.reasoningEffort())
                .build();
    }

    /** The prompt asking for a streamed answer. */
    public static Prompt streamed(Prompt prompt) {
        return prompt.newBuilder().stream(true).build();
    }

    /** The prompt with its reply sent to {@code repliesTopic}. */
    public static Prompt withReplyTopic(Prompt prompt, String repliesTopic) {
        return prompt.newBuilder().replyTo(repliesTopic).build();
    }
}
