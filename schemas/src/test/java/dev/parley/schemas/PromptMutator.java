package dev.parley.schemas;

import dev.parley.schemas.codec.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Makes mutants of valid prompt messages for fuzz tests: byte-level damage (flips, cuts, insertions, invalid UTF-8)
 * and JSON-aware damage (fields removed, retyped, emptied, enlarged, duplicated, unknown fields added, keys
 * swapped). Deterministic for a seed.
 */
public final class PromptMutator {

    /** A record to send: key and value. */
    public record Mutant(String key, byte[] value, String mutation) {
    }

    private static final String[] FIELDS = {"request_id", "conversation_id", "messages", "system", "reply_to", "params",
            "stream", "deadline", "metadata"};
    private static final String[] PARAMS = {"max_tokens", "temperature", "top_p", "top_k", "seed", "stop"};

    private final SplittableRandom random;
    private final List<ObjectNode> seeds = new ArrayList<>();

    public PromptMutator(long seed, List<TestVectors.Valid> validPrompts) {
        this.random = new SplittableRandom(seed);
        for (TestVectors.Valid vector : validPrompts) {
            seeds.add((ObjectNode) WireJson.mapper().readTree(vector.bytes()));
        }
    }

    /**
     * The {@code index}-th mutant, based on a valid prompt whose request id is made unique ({@code fz-<index>}) and
     * whose conversation is one of {@code conversations}, asking for at most {@code maxTokens}.
     */
    public Mutant next(int index, int conversations, int maxTokens) {
        ObjectNode prompt = seeds.get(random.nextInt(seeds.size())).deepCopy();
        prompt.put("request_id", "fz-" + index);
        String conversation = "fzc-" + (index % conversations);
        prompt.put("conversation_id", conversation);
        prompt.remove("reply_to");
        prompt.remove("deadline");
        prompt.remove("stream");
        ObjectNode params = prompt.has("params") && prompt.get("params").isObject()
                ? (ObjectNode) prompt.get("params") : prompt.putObject("params");
        params.put("max_tokens", Math.min(maxTokens, params.path("max_tokens").asInt(maxTokens)));
        String key = conversation;
        int kind = random.nextInt(12);
        String mutation;
        byte[] value;
        switch (kind) {
            case 0 -> { value = flipBytes(bytes(prompt)); mutation = "flip"; }
            case 1 -> { value = cut(bytes(prompt)); mutation = "cut"; }
            case 2 -> { value = insertBytes(bytes(prompt)); mutation = "insert"; }
            case 3 -> { value = invalidUtf8(bytes(prompt)); mutation = "utf8"; }
            case 4 -> { prompt.remove(pick(FIELDS)); value = bytes(prompt); mutation = "remove"; }
            case 5 -> { prompt.set(pick(FIELDS), randomValue()); value = bytes(prompt); mutation = "retype"; }
            case 6 -> { params.set(pick(PARAMS), randomValue()); value = bytes(prompt); mutation = "param"; }
            case 7 -> { messageDamage(prompt); value = bytes(prompt); mutation = "message"; }
            case 8 -> { prompt.put("x_" + random.nextInt(100), "extra"); value = bytes(prompt); mutation = "unknown"; }
            case 9 -> { key = random.nextBoolean() ? null : "other-" + index; value = bytes(prompt); mutation = "key"; }
            case 10 -> { value = bytes(prompt); mutation = "none"; }
            default -> { value = bytes(prompt); value = cut(flipBytes(value)); mutation = "flip+cut"; }
        }
        return new Mutant(key, value, mutation);
    }

    private static byte[] bytes(JsonNode node) {
        return WireJson.toBytes(node);
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }

    private JsonNode randomValue() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(9)) {
            case 0 -> f.nullNode();
            case 1 -> f.numberNode(random.nextInt(-1000, 100000));
            case 2 -> f.numberNode(random.nextDouble() * 20 - 10);
            case 3 -> f.stringNode("");
            case 4 -> f.stringNode("x".repeat(random.nextInt(1, 80)));
            case 5 -> f.booleanNode(random.nextBoolean());
            case 6 -> f.arrayNode().add("a").add(1);
            case 7 -> f.objectNode().put("k", "v");
            default -> f.stringNode("ünïcødé 👋 <|im_start|>");
        };
    }

    private void messageDamage(ObjectNode prompt) {
        JsonNode messages = prompt.get("messages");
        if (!(messages instanceof ArrayNode array) || array.isEmpty()) {
            prompt.putArray("messages");
            return;
        }
        ObjectNode message = (ObjectNode) array.get(random.nextInt(array.size()));
        switch (random.nextInt(5)) {
            case 0 -> message.put("role", pick(new String[] {"robot", "", "USER", "system", "assistant"}));
            case 1 -> message.set("content", randomValue());
            case 2 -> message.remove(random.nextBoolean() ? "role" : "content");
            case 3 -> array.add(message.deepCopy());
            default -> message.put("name", "extra");
        }
    }

    private byte[] flipBytes(byte[] value) {
        byte[] copy = value.clone();
        int flips = 1 + random.nextInt(3);
        for (int i = 0; i < flips && copy.length > 0; i++) {
            copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return copy;
    }

    private byte[] cut(byte[] value) {
        if (value.length < 2) {
            return value;
        }
        int from = random.nextInt(value.length);
        int to = Math.min(value.length, from + 1 + random.nextInt(Math.max(1, value.length / 4)));
        byte[] out = new byte[value.length - (to - from)];
        System.arraycopy(value, 0, out, 0, from);
        System.arraycopy(value, to, out, from, value.length - to);
        return out;
    }

    private byte[] insertBytes(byte[] value) {
        String[] junk = {"{", "}", "[", "]", ",", ":", "\"", "\\", "\u0000", "null", "1e309", "\"\\ud800\""};
        byte[] insert = junk[random.nextInt(junk.length)].getBytes(StandardCharsets.UTF_8);
        int at = random.nextInt(value.length + 1);
        byte[] out = new byte[value.length + insert.length];
        System.arraycopy(value, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(value, at, out, at + insert.length, value.length - at);
        return out;
    }

    private byte[] invalidUtf8(byte[] value) {
        byte[] out = value.clone();
        if (out.length > 0) {
            out[random.nextInt(out.length)] = (byte) (0x80 | random.nextInt(0x40));
        }
        return out;
    }
}
