package dev.parley.schemas.format;

import dev.parley.schemas.codec.WireJson;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/** Reads and checks the values of schema keywords for {@link JsonSchemaGrammar}; each refusal names its path. */
final class SchemaValues {

    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean",
            "null");

    private SchemaValues() {
    }

    /** The size of the schema as compact JSON, counted without keeping the text. */
    static long compactBytes(JsonNode schema) {
        long[] count = {0};
        WireJson.mapper().writeValue(new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        }, schema);
        return count[0];
    }

    /** The types a schema allows, in order; inferred from its keywords when it names none (empty: any value). */
    static List<String> types(JsonNode schema, SchemaPath path) throws UnsupportedSchemaException {
        JsonNode type = schema.get("type");
        List<String> types = new ArrayList<>();
        if (type == null) {
            if (schema.has("properties") || schema.has("required") || schema.has("additionalProperties")) {
                types.add("object");
            } else if (schema.has("items") || schema.has("minItems") || schema.has("maxItems")) {
                types.add("array");
            } else if (schema.has("minLength") || schema.has("maxLength")) {
                types.add("string");
            }
            return types;
        }
        List<JsonNode> names = type.isArray() ? type.valueStream().toList() : List.of(type);
        for (JsonNode name : names) {
            if (!name.isString() || !TYPES.contains(name.asString())) {
                throw new UnsupportedSchemaException("type", path.dot("type").toString(), "unsupported type " + name
                        + " (supported: " + String.join(", ", new TreeSet<>(TYPES)) + ")");
            }
            if (!types.contains(name.asString())) {
                types.add(name.asString());
            }
        }
        if (types.isEmpty()) {
            throw new UnsupportedSchemaException("type", path.dot("type").toString(), "an empty type list matches nothing");
        }
        return types;
    }

    static Set<String> required(JsonNode schema, JsonNode properties, SchemaPath path)
            throws UnsupportedSchemaException {
        Set<String> required = new HashSet<>();
        JsonNode requiredNode = schema.get("required");
        if (requiredNode == null) {
            return required;
        }
        if (!requiredNode.isArray()) {
            throw new UnsupportedSchemaException("required", path.dot("required").toString(),
                    "required must be an array");
        }
        for (JsonNode name : requiredNode) {
            if (!name.isString() || properties == null || !properties.has(name.asString())) {
                throw new UnsupportedSchemaException("required", path.dot("required").toString(), "required property "
                        + name + " is not declared in properties");
            }
            required.add(name.asString());
        }
        return required;
    }

    /** The longest run of optional properties in order: after a member, each of them may come next. */
    static int widestOptionalRun(JsonNode properties, Set<String> required) {
        int widest = 0;
        int run = 0;
        for (String key : properties.propertyNames()) {
            run = required.contains(key) ? 0 : run + 1;
            widest = Math.max(widest, run);
        }
        return widest;
    }

    static int count(JsonNode schema, String keyword, SchemaPath path, int absent)
            throws UnsupportedSchemaException {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return absent;
        }
        // canConvertToInt first: asInt/asLong throw on a big integer (100000000000000000000), which is valid JSON.
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0
                || value.intValue() > JsonSchemaGrammar.MAX_COUNT) {
            throw new UnsupportedSchemaException(keyword, path.dot(keyword).toString(), keyword
                    + " must be an integer from 0 to " + JsonSchemaGrammar.MAX_COUNT + ", got " + value);
        }
        return value.intValue();
    }

    /** The exact compact JSON text of a value (for const and enum). */
    static String literal(JsonNode value) {
        return Gbnf.literal(WireJson.mapper().writeValueAsString(value));
    }
}
