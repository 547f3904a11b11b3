package dev.parley.gateway.conversation;

import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.ToolCall;
import dev.parley.schemas.codec.WireJson;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker's history in Redis, read only. The key layout is the worker's ({@code RedisHistoryStore}):
 * {@code parley:{<conversation>}:turns}, a list of JSON entries {@code {turn, request_id, system, messages, answer}}.
 * Parsed with the wire's own types (the schemas module), so the gateway does not depend on the worker module.
 */
public final class RedisHistoryReader implements HistoryReader {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final RedisClient redis;

    public RedisHistoryReader(RedisClient redis) {
        this.redis = redis;
    }

    static String turnsKey(String conversationId) {
        return "parley:{" + conversationId + "}:turns";
    }

    @Override
    public String system(String conversationId) {
        try {
            return redis.hget("parley:{" + conversationId + "}:meta", "system");
        } catch (JedisException e) {
            throw OpenAiException.unavailable("conversation history unavailable (Redis): " + e.getMessage());
        }
    }

    @Override
    public List<StoredTurn> load(String conversationId) {
        List<String> raw;
        try {
            raw = redis.lrange(turnsKey(conversationId), 0, -1);
        } catch (JedisException e) {
            throw OpenAiException.unavailable("conversation history unavailable (Redis): " + e.getMessage());
        }
        List<StoredTurn> turns = new ArrayList<>(raw.size());
        for (String json : raw) {
            JsonNode entry = MAPPER.readTree(json);
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode message : entry.path("messages")) {
                // as the wire carries it: a tool result keeps its tool_call_id, an assistant's calls their ids
                messages.add(WireJson.mapper().treeToValue(message, ChatMessage.class));
            }
            JsonNode system = entry.get("system");
            JsonNode calls = entry.get("tool_calls");
            turns.add(new StoredTurn(entry.path("turn").asInt(), system == null || system.isNull() ? null
                    : system.asString(), messages, entry.path("answer").asString(""), calls == null || calls.isNull()
                    ? null : List.of(WireJson.mapper().treeToValue(calls, ToolCall[].class))));
        }
        return turns;
    }
}
