package dev.parley.bench.decode;

import dev.parley.schemas.hostile.HostilePrompts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The worst inputs for {@code PromptDecoder} known so far, each as large as {@code max-prompt-bytes} allows: the
 * audit's colliding-name schemas (quadratic before the fix), the largest schemas the caps accept, deep nesting, huge
 * arrays, wide fan-out and big numbers.
 */
final class DecodeCases {

    /** One input: a name for the report, the record key and value. */
    record Case(String name, String key, byte[] value) {
    }

    private DecodeCases() {
    }

    static List<Case> all(int maxBytes) {
        List<Case> cases = new ArrayList<>();
        for (int size : new int[] {32 * 1024, 64 * 1024, 96 * 1024, 256 * 1024, maxBytes}) {
            cases.add(schemaCase("colliding-names-" + kib(size), collidingSchema(size - 1_000)));
        }
        cases.add(schemaCase("wide-optional-anyof-3x256", "{\"anyOf\":[" + String.join(",",
                java.util.Collections.nCopies(3, wideObject(256))) + "]}"));
        cases.add(schemaCase("enum-256-long-values", "{\"enum\":[" + joined(256, i -> "\"" + "v".repeat(400) + i + "\"")
                + "]}"));
        cases.add(schemaCase("nested-schema-32", nestedSchema(32)));
        cases.add(schemaCase("ref-chain-15", refChain(15)));
        cases.add(schemaCase("const-array-" + kib(maxBytes), "{\"const\":[" + joined((maxBytes - 400) / 2, i -> "0")
                + "]}"));
        cases.add(prompt("deep-json-490", "\"metadata\":{\"k\":" + "[".repeat(490) + "]".repeat(490) + "}"));
        cases.add(prompt("deep-json-" + kib(maxBytes), "\"metadata\":{\"k\":" + "[".repeat((maxBytes - 200) / 2)
                + "]".repeat((maxBytes - 200) / 2) + "}"));
        cases.add(prompt("stop-array-" + kib(maxBytes), "\"params\":{\"stop\":[" + joined((maxBytes - 200) / 4,
                i -> "\"a\"") + "]}"));
        cases.add(record("messages-64x16k", "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":["
                + joined(64, i -> "{\"role\":\"user\",\"content\":\"" + "x".repeat(16_000) + "\"}") + "]}"));
        cases.add(record("messages-" + kib(maxBytes) + "-array", "{\"request_id\":\"r1\",\"conversation_id\":\"c1\","
                + "\"messages\":[" + joined((maxBytes - 200) / 36, i -> "{\"role\":\"user\",\"content\":\"hi\"}") + "]}"));
        cases.add(schemaCase("min-items-1e20", "{\"type\":\"array\",\"minItems\":100000000000000000000}"));
        cases.add(prompt("seed-1e30", "\"params\":{\"seed\":1e30}"));
        cases.removeIf(c -> c.value().length > maxBytes);
        return cases;
    }

    /** The audit's shape: one long property name above groups of 256 short ones, about {@code bytes} long. */
    static String collidingSchema(int bytes) {
        StringBuilder groups = new StringBuilder();
        for (int group = 0; groups.length() < bytes; group++) {
            StringBuilder members = new StringBuilder();
            for (int p = 0; p < 256 && groups.length() + members.length() < bytes; p++) {
                members.append(p == 0 ? "" : ",").append("\"p").append(p).append("\":{\"type\":\"string\",\"maxLength\":8}");
            }
            groups.append(group == 0 ? "" : ",").append("\"g").append(group).append("\":{\"type\":\"object\","
                    + "\"properties\":{").append(members).append("}}");
        }
        return "{\"type\":\"object\",\"properties\":{\"a_property_name_long_enough_to_collide\":{\"type\":\"object\","
                + "\"properties\":{" + groups + "}}}}";
    }

    private static String wideObject(int properties) {
        return "{\"type\":\"object\",\"properties\":{" + joined(properties, i -> "\"k" + i + "\":{\"type\":\"integer\"}")
                + "}}";
    }

    private static String nestedSchema(int depth) {
        String schema = "{\"type\":\"string\",\"maxLength\":4}";
        for (int i = 0; i < depth; i++) {
            schema = "{\"type\":\"object\",\"properties\":{\"n\":" + schema + ",\"m\":{\"type\":\"integer\"}}}";
        }
        return schema;
    }

    private static String refChain(int length) {
        String defs = joined(length, i -> "\"d" + i + "\":" + (i == length - 1 ? "{\"type\":\"integer\"}"
                : "{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"#/$defs/d" + (i + 1) + "\"}}}"));
        return "{\"$ref\":\"#/$defs/d0\",\"$defs\":{" + defs + "}}";
    }

    private static Case schemaCase(String name, String schema) {
        return prompt(name, "\"params\":" + HostilePrompts.responseFormat(schema));
    }

    private static Case prompt(String name, String field) {
        return record(name, "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]," + field + "}");
    }

    private static Case record(String name, String json) {
        return new Case(name, "c1", json.getBytes(StandardCharsets.UTF_8));
    }

    private static String joined(int count, java.util.function.IntFunction<String> item) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            out.append(i == 0 ? "" : ",").append(item.apply(i));
        }
        return out.toString();
    }

    private static String kib(int bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + "MiB" : bytes / 1024 + "KiB";
    }
}
