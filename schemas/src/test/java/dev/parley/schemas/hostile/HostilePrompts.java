package dev.parley.schemas.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole prompt records (key and value bytes) meant to break the decoder: every field sometimes of another JSON type,
 * big and negative integers, fractions where integers belong, deep nesting, huge arrays, hostile response-format
 * schemas, and values that are not UTF-8 at all (stray continuation bytes, overlong forms, encoded surrogates).
 */
public final class HostilePrompts {

    /** A prompt record: its key and its value. */
    public record Record(String key, byte[] value) {
        @Override
        public String toString() {
            String text = new String(value, StandardCharsets.UTF_8);
            return "key=" + key + " value(" + value.length + " bytes)="
                    + (text.length() > 2_000 ? text.substring(0, 2_000) + "..." : text);
        }
    }

    private static final List<byte[]> NOT_UTF8 = List.of(new byte[] {(byte) 0xC0, (byte) 0xAF},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0x80}, new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xF8, (byte) 0x88,
                (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80});

    private HostilePrompts() {
    }

    /** A prompt whose fields are each valid or hostile, sometimes with a byte-level corruption. */
    public static Record prompt(Draw draw) {
        String conversation = draw.chance(90) ? "c1" : "c" + draw.between(2, 3);
        List<String> fields = new ArrayList<>();
        fields.add("\"request_id\":" + HostileJson.or(draw, 8, "\"r1\""));
        fields.add("\"conversation_id\":" + HostileJson.or(draw, 8, "\"" + conversation + "\""));
        fields.add("\"messages\":" + HostileJson.or(draw, 8, messages(draw)));
        optional(draw, fields, "system", HostileJson.or(draw, 30, "\"Be brief.\""));
        optional(draw, fields, "reply_to", HostileJson.or(draw, 30, "\"replies\""));
        optional(draw, fields, "stream", HostileJson.or(draw, 30, "true"));
        optional(draw, fields, "priority", HostileJson.or(draw, 30, "\"batch\""));
        optional(draw, fields, "deadline", HostileJson.or(draw, 30, "\"2099-01-01T00:00:00Z\""));
        optional(draw, fields, "tenant", HostileJson.or(draw, 30, "\"t1\""));
        optional(draw, fields, "model", HostileJson.or(draw, 30, "\"m1\""));
        optional(draw, fields, "metadata", HostileJson.or(draw, 30, "{\"k\":\"v\"}"));
        if (draw.chance(60)) {
            fields.add("\"params\":" + HostileJson.or(draw, 5, params(draw)));
        }
        if (draw.chance(3)) {
            fields.add("\"unknown\":" + HostileJson.value(draw, 2));
        }
        String key = draw.chance(95) ? "c1" : draw.chance(50) ? null : "c2";
        byte[] value = ("{" + String.join(",", fields) + "}").getBytes(StandardCharsets.UTF_8);
        return new Record(key, draw.chance(8) ? corrupt(draw, value) : value);
    }

    /** A prompt with one field nested {@code levels} deep, or a huge array of {@code size} items in one field. */
    public static Record oversized(Draw draw, int levels, int size) {
        String big = draw.chance(50) ? HostileJson.deep(draw, levels) : HostileJson.hugeArray(draw, size);
        String field = draw.pick(List.of("messages", "stop", "metadata", "schema", "enum", "system"));
        String params = switch (field) {
            case "stop" -> ",\"params\":{\"stop\":" + big + "}";
            case "schema" -> ",\"params\":" + responseFormat("{\"const\":" + big + "}");
            case "enum" -> ",\"params\":" + responseFormat("{\"enum\":" + big + "}");
            default -> "";
        };
        String messages = field.equals("messages") ? big : "[{\"role\":\"user\",\"content\":\"hi\"}]";
        String rest = field.equals("metadata") ? ",\"metadata\":" + big : field.equals("system") ? ",\"system\":" + big
                : "";
        String text = "{\"request_id\":\"r1\",\"conversation_id\":\"c1\",\"messages\":" + messages + params + rest + "}";
        return new Record("c1", text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code params} with a response format around {@code schema}. */
    public static String responseFormat(String schema) {
        return "{\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":" + schema
                + "}}}";
    }

    private static String messages(Draw draw) {
        int count = draw.chance(3) ? draw.between(60, 2_000) : draw.between(1, 3);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String role = i == count - 1 ? HostileJson.or(draw, 5, "\"user\"")
                    : "\"" + draw.pick(List.of("system", "user", "assistant")) + "\"";
            items.add("{\"role\":" + role + ",\"content\":" + HostileJson.or(draw, 5, "\"hi\"") + "}");
        }
        return "[" + String.join(",", items) + "]";
    }

    private static String params(Draw draw) {
        List<String> fields = new ArrayList<>();
        optional(draw, fields, "max_tokens", HostileJson.or(draw, 40, "16"));
        optional(draw, fields, "temperature", HostileJson.or(draw, 40, "0.7"));
        optional(draw, fields, "top_p", HostileJson.or(draw, 40, "0.9"));
        optional(draw, fields, "top_k", HostileJson.or(draw, 40, "40"));
        optional(draw, fields, "seed", HostileJson.or(draw, 40, "42"));
        optional(draw, fields, "stop", HostileJson.or(draw, 40, "[\"\\n\"]"));
        if (draw.chance(70)) {
            String type = HostileJson.or(draw, 10, "\"" + draw.pick(List.of("json_schema", "json_schema", "json_object",
                    "text")) + "\"");
            String schema = "{\"name\":" + HostileJson.or(draw, 5, "\"x\"") + ",\"schema\":"
                    + HostileJson.or(draw, 5, HostileSchemas.schema(draw))
                    + (draw.chance(20) ? ",\"strict\":" + HostileJson.or(draw, 30, "true") : "") + "}";
            fields.add("\"response_format\":{\"type\":" + type + (draw.chance(85) ? ",\"json_schema\":" + schema : "")
                    + "}");
        }
        return "{" + String.join(",", fields) + "}";
    }

    private static void optional(Draw draw, List<String> fields, String name, String value) {
        if (draw.chance(25)) {
            fields.add("\"" + name + "\":" + value);
        }
    }

    /** The value with bytes that are not UTF-8 put in, or cut inside a multi-byte sequence. */
    private static byte[] corrupt(Draw draw, byte[] value) {
        int at = draw.between(0, value.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 8);
        out.write(value, 0, at);
        if (draw.chance(80)) {
            out.writeBytes(draw.pick(NOT_UTF8));
            out.write(value, at, value.length - at);
        }
        return out.toByteArray();
    }
}
