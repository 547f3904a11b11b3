package dev.parley.gateway.responses;

import dev.parley.gateway.openai.ChatRequest;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A parsed {@code POST /v1/responses} body.
 *
 * @param chat               the same request as a chat completion (model, system, messages, sampling, format,
 *                           metadata, stream): what is validated and sent the chat route's way
 * @param input              the input's items, as given (what {@code input_items} lists)
 * @param instructions       {@code instructions}, or {@code null}
 * @param previousResponseId the response this one continues, or {@code null}
 * @param store              whether the response is kept (OpenAI's default: yes)
 * @param promptCacheKey     {@code prompt_cache_key}, or {@code null}: names the conversation when nothing else does
 * @param body               the request as sent, for the fields a response echoes ({@code text}, {@code reasoning},
 *                           {@code truncation}, ...)
 */
public record ResponseRequest(ChatRequest chat, List<InputItem> input, String instructions,
                              String previousResponseId, boolean store, String promptCacheKey, JsonNode body) {

    public ResponseRequest {
        input = List.copyOf(input);
    }

    /** {@code background}: answered at once, completed through Kafka while the client is away. */
    public boolean background() {
        return body.path("background").asBoolean(false);
    }
}
