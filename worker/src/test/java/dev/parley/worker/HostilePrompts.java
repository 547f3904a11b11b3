package dev.parley.worker;

import dev.parley.schemas.PromptMutator;
import dev.parley.schemas.TestVectors;
import dev.parley.schemas.codec.WireJson;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hostile prompt records from a seed: numbers too big, negative or fractional where counts belong, every JSON type in
 * every field (through {@link PromptMutator}), deep nesting, huge arrays, invalid UTF-8 and lone surrogates, response
 * format schemas from random keyword soup, and the audit's reproducers. Each is small (at most a few hundred KB) and
 * most are schema-valid JSON, so they reach the decoder's deeper checks. Conversations are {@code hc-*}, so they never
 * touch a well-behaved conversation.
 */
final class HostilePrompts {

    /** A record to send: its key, its value and what kind of hostility it carries. */
    record Hostile(String key, byte[] value, String kind) {
    }

    /** The audit's C1 reproducer, byte for byte (224 bytes). */
    static final String C1_REPRODUCER = "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"hi\"}],\"params\":{\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
            + "{\"name\":\"x\",\"schema\":{\"type\":\"array\",\"minItems\":100000000000000000000}}}}}";

    private static final String[] PARAMS = {"max_tokens", "temperature", "top_p", "top_k", "seed", "n"};
    private static final String[] BOUNDS = {"minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum",
            "minProperties", "maxProperties", "multipleOf"};
    private static final String[] KEYWORDS = {"type", "properties", "required", "items", "enum", "const", "anyOf",
            "oneOf", "allOf", "$ref", "$defs", "pattern", "format", "additionalProperties", "prefixItems", "not",
            "minItems", "maxLength", "description", "title", "default"};
    private static final String[] TYPES = {"object", "array", "string", "integer", "number", "boolean", "null", "any"};

    private final SplittableRandom random;
    private final PromptMutator mutator;
    private final JsonNodeFactory json = JsonNodeFactory.instance;

    HostilePrompts(long seed) {
        this.random = new SplittableRandom(seed);
        this.mutator = new PromptMutator(seed, TestVectors.locate().validPrompts());
    }

    /** The {@code index}-th hostile record (request id {@code h-<index>}, one of 500 hostile conversations). */
    Hostile next(int index) {
        String conversation = "hc-" + (index % 500);
        ObjectNode prompt = json.objectNode().put("request_id", "h-" + index).put("conversation_id", conversation);
        prompt.putArray("messages").addObject().put("role", "user").put("content", "hi");
        ObjectNode params = prompt.putObject("params").put("max_tokens", 4);
        switch (random.nextInt(10)) {
            case 0 -> {
                params.set(pick(PARAMS), extremeNumber());
                return new Hostile(conversation, WireJson.toBytes(prompt), "number");
            }
            case 1 -> {
                ObjectNode schema = json.objectNode().put("type", random.nextBoolean() ? "array" : "string");
                schema.set(pick(BOUNDS), extremeNumber());
                jsonSchema(params, schema);
                return new Hostile(conversation, WireJson.toBytes(prompt), "schema-bound");
            }
            case 2 -> {
                return new Hostile(conversation, deepNesting(prompt, params), "nesting");
            }
            case 3 -> {
                return new Hostile(conversation, hugeArray(prompt, params), "array");
            }
            case 4 -> {
                return new Hostile(conversation, invalidUtf8(prompt), "utf8");
            }
            case 5 -> {
                String lone = pick(new String[] {"\\ud800", "\\udfff", "\\udc00\\ud800", "\\ud83d", "a\\ud800b"});
                String text = WireJson.mapper().writeValueAsString(prompt).replace("\"hi\"", "\"" + lone + "\"");
                return new Hostile(conversation, text.getBytes(StandardCharsets.UTF_8), "surrogate");
            }
            case 6 -> {
                jsonSchema(params, keywordSoup(0));
                return new Hostile(conversation, WireJson.toBytes(prompt), "schema-soup");
            }
            case 7 -> {
                String text = C1_REPRODUCER.replace("\"r1\"", "\"h-" + index + "\"")
                        .replace("\"c1\"", "\"" + conversation + "\"");
                return new Hostile(conversation, text.getBytes(StandardCharsets.UTF_8), "c1-reproducer");
            }
            default -> {
                PromptMutator.Mutant mutant = mutator.next(index, 500, 4);
                String key = mutant.key() == null ? null : mutant.key().replace("fzc-", "hc-");
                String text = new String(mutant.value(), StandardCharsets.ISO_8859_1)
                        .replace("\"fz-" + index + "\"", "\"h-" + index + "\"").replace("\"fzc-", "\"hc-");
                return new Hostile(key, text.getBytes(StandardCharsets.ISO_8859_1), "mutant-" + mutant.mutation());
            }
        }
    }

    private JsonNode extremeNumber() {
        return switch (random.nextInt(8)) {
            case 0 -> json.numberNode(new BigInteger("100000000000000000000"));
            case 1 -> json.numberNode(new BigInteger("-100000000000000000000"));
            case 2 -> json.numberNode(Long.MIN_VALUE);
            case 3 -> json.numberNode(-1);
            case 4 -> json.numberNode(0.5);
            case 5 -> json.numberNode(1e308);
            case 6 -> json.numberNode(new java.math.BigDecimal("1e-400"));
            default -> json.numberNode(Integer.MAX_VALUE + 1L);
        };
    }

    private void jsonSchema(ObjectNode params, JsonNode schema) {
        ObjectNode format = params.putObject("response_format").put("type", "json_schema");
        format.putObject("json_schema").put("name", "h").set("schema", schema);
    }

    private JsonNode keywordSoup(int depth) {
        ObjectNode schema = json.objectNode();
        int keywords = 1 + random.nextInt(5);
        for (int i = 0; i < keywords; i++) {
            String keyword = pick(KEYWORDS);
            schema.set(keyword, switch (random.nextInt(6)) {
                case 0 -> json.stringNode(pick(TYPES));
                case 1 -> depth < 4 ? keywordSoup(depth + 1) : json.nullNode();
                case 2 -> depth < 4 ? json.objectNode().set("p" + random.nextInt(5), keywordSoup(depth + 1))
                        : json.booleanNode(true);
                case 3 -> json.arrayNode().add(pick(TYPES)).add(random.nextInt(-3, 3));
                case 4 -> extremeNumber();
                default -> json.stringNode("#/$defs/" + pick(TYPES));
            });
        }
        return schema;
    }

    private byte[] deepNesting(ObjectNode prompt, ObjectNode params) {
        int depth = 50 + random.nextInt(3000);
        if (random.nextBoolean()) { // nested arrays where a message's content belongs
            String text = WireJson.mapper().writeValueAsString(prompt).replace("\"hi\"",
                    "[".repeat(depth) + "]".repeat(depth));
            return text.getBytes(StandardCharsets.UTF_8);
        }
        // Written as text: Jackson itself refuses to write more than 500 levels.
        StringBuilder schema = new StringBuilder();
        int levels = Math.min(depth, 400);
        for (int i = 0; i < levels; i++) {
            schema.append("{\"type\":\"object\",\"properties\":{\"a_property_name_longer_than_24_chars_")
                    .append(i).append("\":");
        }
        schema.append("{\"type\":\"string\"}").append("}}".repeat(levels));
        jsonSchema(params, json.stringNode("SCHEMA"));
        return WireJson.mapper().writeValueAsString(prompt).replace("\"SCHEMA\"", schema)
                .getBytes(StandardCharsets.UTF_8);
    }

    private byte[] hugeArray(ObjectNode prompt, ObjectNode params) {
        int size = 1_000 + random.nextInt(20_000); // below the producer's 1 MB max.request.size
        switch (random.nextInt(3)) {
            case 0 -> {
                ArrayNode messages = prompt.putArray("messages");
                for (int i = 0; i < size; i++) {
                    messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", "x");
                }
                messages.addObject().put("role", "user").put("content", "hi");
            }
            case 1 -> {
                ArrayNode stop = params.putArray("stop");
                for (int i = 0; i < size; i++) {
                    stop.add("s" + i);
                }
            }
            default -> {
                ArrayNode values = json.arrayNode();
                for (int i = 0; i < size; i++) {
                    values.add("v" + i);
                }
                jsonSchema(params, json.objectNode().put("type", "string").set("enum", values));
            }
        }
        return WireJson.toBytes(prompt);
    }

    private byte[] invalidUtf8(ObjectNode prompt) {
        byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFF},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE2, (byte) 0x82}};
        byte[] value = WireJson.toBytes(prompt);
        byte[] insert = bad[random.nextInt(bad.length)];
        int at = random.nextInt(value.length + 1);
        byte[] out = new byte[value.length + insert.length];
        System.arraycopy(value, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(value, at, out, at + insert.length, value.length - at);
        return out;
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }
}
