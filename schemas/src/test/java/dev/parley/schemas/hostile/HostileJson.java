package dev.parley.schemas.hostile;

import java.util.List;

/**
 * JSON text meant to break a reader: integers past {@code long}, fractions and exponents where integers belong, lone
 * UTF-16 surrogates in escapes, deep nesting and huge arrays, and every JSON type where one type is expected.
 */
public final class HostileJson {

    private static final List<String> NUMBERS = List.of("0", "-0", "1", "-1", "2.5", "-2.5", "1e400", "-1e400",
            "1e-400", "1E+2", "0.0", "256", "257", "65536", "2147483647", "2147483648", "-2147483649", "4294967295",
            "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
            "18446744073709551616", "100000000000000000000", "-100000000000000000000",
            "123456789012345678901234567890.5", "1.0", "32768", "32769", "100000", "100001");
    private static final List<String> STRINGS = List.of("", "a", "user", "assistant", "system", "json_schema",
            "json_object", "text", "interactive", "batch", "c1", "r1", "\\ud800", "\\udfff", "\\udc00\\ud800",
            "a\\u0000b", "\\n\\t\\r", "\\\"", "\\\\", "\u00e9\u4e2d\ud83d\ude00", "\u202e\u200b", "2026-12-07T03:00:00Z",
            "#/$defs/d0", "#/definitions/d1", "#/$defs/missing", "http://example.com/s.json", "rest0", "first0",
            "object", "array", "string", "integer", "number", "boolean", "null");

    private HostileJson() {
    }

    /** A number literal, from small and plain to far past {@code long} or {@code double}. */
    public static String number(Draw draw) {
        if (draw.chance(15)) {
            // A long run of digits: an integer no primitive holds.
            return (draw.chance(50) ? "-" : "") + "9".repeat(draw.between(20, 400));
        }
        return draw.pick(NUMBERS);
    }

    /** A string literal (quoted): words the schema expects, escapes of lone surrogates and control characters. */
    public static String string(Draw draw) {
        if (draw.chance(5)) {
            return "\"" + "x".repeat(draw.between(100, 20_000)) + "\"";
        }
        return "\"" + draw.pick(STRINGS) + "\"";
    }

    /** Any JSON value, nested at most {@code depth} levels. */
    public static String value(Draw draw, int depth) {
        int kind = draw.between(0, depth > 0 ? 6 : 4);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> draw.chance(50) ? "true" : "false";
            case 2 -> number(draw);
            case 3, 4 -> string(draw);
            case 5 -> array(draw, depth - 1, draw.between(0, 4));
            default -> object(draw, depth - 1, draw.between(0, 4));
        };
    }

    /** Either {@code valid} or, {@code percent} times in a hundred, any other value: every type in every field. */
    public static String or(Draw draw, int percent, String valid) {
        return draw.chance(percent) ? value(draw, 2) : valid;
    }

    /** Arrays (or objects) nested {@code levels} deep around a scalar. */
    public static String deep(Draw draw, int levels) {
        boolean objects = draw.chance(50);
        StringBuilder out = new StringBuilder(levels * 6);
        for (int i = 0; i < levels; i++) {
            out.append(objects ? "{\"a\":" : "[");
        }
        out.append(number(draw));
        for (int i = 0; i < levels; i++) {
            out.append(objects ? '}' : ']');
        }
        return out.toString();
    }

    /** An array of {@code size} small values. */
    public static String hugeArray(Draw draw, int size) {
        String item = value(draw, 0);
        StringBuilder out = new StringBuilder(size * (item.length() + 1) + 2).append('[');
        for (int i = 0; i < size; i++) {
            out.append(i == 0 ? "" : ",").append(item);
        }
        return out.append(']').toString();
    }

    private static String array(Draw draw, int depth, int size) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < size; i++) {
            out.append(i == 0 ? "" : ",").append(value(draw, depth));
        }
        return out.append(']').toString();
    }

    private static String object(Draw draw, int depth, int size) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            // Keys are made unique by their index: a duplicate key is a different, already-vectored refusal.
            out.append(i == 0 ? "" : ",").append("\"k").append(i).append(draw.pick(STRINGS)).append("\":")
                    .append(value(draw, depth));
        }
        return out.append('}').toString();
    }
}
