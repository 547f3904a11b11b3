package dev.parley.gateway.conversation;

import dev.parley.gateway.openai.OpenAiException;
import dev.parley.schemas.ChatMessage;
import dev.parley.schemas.Role;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker's history in Redis, read only. The key layout is the worker's ({@code RedisHistoryStore}):
 * {@code parley:{<conversation>}:turns}, a list of JSON entries {@code {turn, request_id, system, messages, answer}}.
 * Parsed field by field so the gateway does not depend on the worker module.
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
                messages.add(new ChatMessage(Role.fromWire(message.path("role").asString()),
                        message.path("content").asString("")));
            }
            JsonNode system = entry.get("system");
            turns.add(new StoredTurn(entry.path("turn").asInt(), system == null || system.isNull() ? null
                    : system.asString(), messages, entry.path("answer").asString("")));
        }
        return turns;
    }
}
