package dev.parley.gateway.openai;

import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.GenerationParams;
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
 */
public record ChatRequest(String model, String system, List<ChatMessage> messages, GenerationParams params,
                          boolean stream, boolean includeUsage, String user, Map<String, String> metadata) {

    public ChatRequest {
        messages = List.copyOf(messages);
        metadata = Map.copyOf(metadata);
    }
}
