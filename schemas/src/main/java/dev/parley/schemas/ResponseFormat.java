package dev.parley.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * The shape an answer must take ({@code params.response_format}, OpenAI's shape): free text, any JSON object, or JSON
 * matching a schema. The worker enforces the JSON kinds by grammar-constrained sampling and checks the final content;
 * see {@code docs/structured-output.md} for the supported schema subset.
 *
 * @param type       what kind of answer
 * @param jsonSchema the schema, given exactly when {@code type} is {@link Type#JSON_SCHEMA}
 */
public record ResponseFormat(Type type, JsonSchema jsonSchema) {

    /** Free text, the default. */
    public static final ResponseFormat TEXT = new ResponseFormat(Type.TEXT, null);
    /** Any JSON object. */
    public static final ResponseFormat JSON_OBJECT = new ResponseFormat(Type.JSON_OBJECT, null);

    public ResponseFormat {
        Objects.requireNonNull(type, "response_format.type");
        if ((type == Type.JSON_SCHEMA) != (jsonSchema != null)) {
            throw new IllegalArgumentException(type == Type.JSON_SCHEMA
                    ? "response_format of type json_schema needs json_schema"
                    : "response_format of type " + type.wireName() + " takes no json_schema");
        }
    }

    /**
     * JSON matching {@code schema}.
     *
     * @param name   a name for the schema (1-64 of {@code a-z A-Z 0-9 _ -})
     * @param schema a JSON Schema object in the supported subset
     */
    public static ResponseFormat jsonSchema(String name, JsonNode schema) {
        return new ResponseFormat(Type.JSON_SCHEMA, new JsonSchema(name, null, schema, null));
    }

    /** Whether the answer must be JSON (any type but {@link Type#TEXT}). */
    public boolean constrained() {
        return type != Type.TEXT;
    }

    /** The kinds of answer. */
    public enum Type {
        TEXT("text"),
        JSON_OBJECT("json_object"),
        JSON_SCHEMA("json_schema");

        private final String wireName;

        Type(String wireName) {
            this.wireName = wireName;
        }

        @JsonValue
        public String wireName() {
            return wireName;
        }

        /** Parses a wire name; the error names the bad value. */
        @JsonCreator
        public static Type fromWire(String name) {
            for (Type type : values()) {
                if (type.wireName.equals(name)) {
                    return type;
                }
            }
            throw new IllegalArgumentException("unknown response_format type '" + name
                    + "' (expected text, json_object or json_schema)");
        }
    }

    /**
     * A named schema.
     *
     * @param name        a name for the schema
     * @param description optional, what the answer is for (not shown to the model)
     * @param schema      the JSON Schema the content must match
     * @param strict      accepted for OpenAI compatibility; Parley always enforces the schema
     */
    public record JsonSchema(String name, String description, JsonNode schema, Boolean strict) {
        public JsonSchema {
            Objects.requireNonNull(name, "json_schema.name");
            Objects.requireNonNull(schema, "json_schema.schema");
            if (!schema.isObject()) {
                throw new IllegalArgumentException("json_schema.schema must be a JSON object");
            }
        }
    }
}
