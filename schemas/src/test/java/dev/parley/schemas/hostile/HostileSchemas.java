package dev.parley.schemas.hostile;

import java.util.ArrayList;
import java.util.List;

/**
 * Response-format schemas built from every keyword the grammar converter knows (and a few it refuses), each value
 * either well formed or hostile: bounds past {@code int}, names that collide with the converter's own rule names
 * ({@code rest0}, {@code first1}) or share a long prefix, references that loop or point nowhere.
 */
public final class HostileSchemas {

    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean",
            "null");
    private static final List<String> NAMES = List.of("a", "b", "rest0", "first0", "rest1", "first1", "root",
            "value", "ws", "char", "x-2", "a b", "\u00e9t\u00e9", "\\ud800", "",
            "a_very_long_property_name_that_collides_1", "a_very_long_property_name_that_collides_2",
            "a_very_long_property_name_that_collides_3");
    private static final List<String> ANNOTATIONS = List.of("$schema", "$id", "$comment", "title", "description",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final List<String> REFUSED = List.of("pattern", "oneOf", "allOf", "not", "format", "minimum",
            "$defs", "definitions", "additionalItems", "prefixItems");
    private static final List<String> REFS = List.of("#/$defs/d0", "#/$defs/d1", "#/definitions/d0", "#/$defs/none",
            "#", "#/$defs/", "http://example.com/s.json", "#/$defs/d0/properties/a");

    private HostileSchemas() {
    }

    /** A whole schema, with {@code $defs} (that may refer to each other and to themselves) at its root. */
    public static String schema(Draw draw) {
        String body = node(draw, draw.between(0, 5));
        if (!draw.chance(40) || !body.startsWith("{") || body.equals("{}")) {
            return body.startsWith("{") ? body : "{\"anyOf\":[" + body + "]}";
        }
        String section = draw.chance(80) ? "$defs" : "definitions";
        StringBuilder defs = new StringBuilder("{");
        int count = draw.between(1, 3);
        for (int i = 0; i < count; i++) {
            defs.append(i == 0 ? "" : ",").append("\"d").append(i).append("\":").append(node(draw, 2));
        }
        return body.substring(0, body.length() - 1) + ",\"" + section + "\":" + defs + "}}";
    }

    /** One schema node, nested at most {@code depth} levels. */
    public static String node(Draw draw, int depth) {
        if (draw.chance(5)) {
            return draw.chance(70) ? "true" : draw.chance(50) ? "false" : HostileJson.value(draw, 1);
        }
        List<String> members = new ArrayList<>();
        if (draw.chance(10) && depth > 0) {
            members.add("\"$ref\":" + (draw.chance(90) ? "\"" + draw.pick(REFS) + "\"" : HostileJson.value(draw, 1)));
        } else if (draw.chance(12) && depth > 0) {
            members.add("\"anyOf\":" + list(draw, depth - 1, draw.between(draw.chance(5) ? 0 : 1, 6)));
        } else {
            addShape(draw, depth, members);
        }
        if (draw.chance(15)) {
            members.add("\"" + draw.pick(ANNOTATIONS) + "\":" + HostileJson.value(draw, 1));
        }
        if (draw.chance(4)) {
            members.add("\"" + draw.pick(REFUSED) + "\":" + HostileJson.value(draw, 1));
        }
        return "{" + String.join(",", members) + "}";
    }

    private static void addShape(Draw draw, int depth, List<String> members) {
        if (draw.chance(75)) {
            members.add("\"type\":" + type(draw));
        }
        if (draw.chance(35) && depth > 0) {
            properties(draw, depth, members);
        }
        if (draw.chance(15)) {
            members.add("\"additionalProperties\":" + HostileJson.or(draw, 30, draw.chance(50) ? "false" : "true"));
        }
        if (draw.chance(30) && depth > 0) {
            members.add("\"items\":" + node(draw, depth - 1));
        }
        for (String bound : List.of("minItems", "maxItems", "minLength", "maxLength")) {
            if (draw.chance(15)) {
                members.add("\"" + bound + "\":" + (draw.chance(60) ? HostileJson.number(draw)
                        : draw.chance(70) ? String.valueOf(draw.between(0, 300)) : HostileJson.value(draw, 1)));
            }
        }
        if (draw.chance(10)) {
            members.add("\"enum\":" + (draw.chance(85) ? literals(draw) : HostileJson.value(draw, 1)));
        }
        if (draw.chance(8)) {
            members.add("\"const\":" + HostileJson.value(draw, 2));
        }
    }

    private static String type(Draw draw) {
        if (draw.chance(10)) {
            return HostileJson.value(draw, 1);
        }
        if (draw.chance(20)) {
            List<String> types = new ArrayList<>();
            int count = draw.between(0, 4);
            for (int i = 0; i < count; i++) {
                types.add("\"" + draw.pick(TYPES) + "\"");
            }
            return "[" + String.join(",", types) + "]";
        }
        return "\"" + draw.pick(TYPES) + "\"";
    }

    private static void properties(Draw draw, int depth, List<String> members) {
        if (draw.chance(5)) {
            members.add("\"properties\":" + HostileJson.value(draw, 1));
            return;
        }
        List<String> names = new ArrayList<>();
        List<String> entries = new ArrayList<>();
        int count = draw.between(0, 6);
        for (int i = 0; i < count; i++) {
            String name = draw.pick(NAMES);
            if (!names.contains(name)) {
                names.add(name);
                entries.add("\"" + name + "\":" + node(draw, depth - 1));
            }
        }
        members.add("\"properties\":{" + String.join(",", entries) + "}");
        if (draw.chance(50)) {
            List<String> required = new ArrayList<>();
            for (String name : names) {
                if (draw.chance(50)) {
                    required.add("\"" + name + "\"");
                }
            }
            if (draw.chance(10)) {
                required.add(draw.chance(50) ? "\"undeclared\"" : HostileJson.value(draw, 0));
            }
            members.add("\"required\":" + (draw.chance(5) ? HostileJson.value(draw, 1)
                    : "[" + String.join(",", required) + "]"));
        }
    }

    private static String list(Draw draw, int depth, int size) {
        List<String> options = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            options.add(node(draw, depth));
        }
        return "[" + String.join(",", options) + "]";
    }

    private static String literals(Draw draw) {
        List<String> values = new ArrayList<>();
        int count = draw.chance(5) ? draw.between(250, 300) : draw.between(0, 6);
        for (int i = 0; i < count; i++) {
            values.add(HostileJson.value(draw, 1));
        }
        return "[" + String.join(",", values) + "]";
    }
}
