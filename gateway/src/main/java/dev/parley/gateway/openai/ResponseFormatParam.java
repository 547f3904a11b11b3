package dev.parley.gateway.openai;

import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads OpenAI's {@code response_format}: {@code text}, {@code json_object} or {@code json_schema} with
 * {@code {name, description, schema, strict}}. A schema outside the subset Parley enforces is refused here with a 400
 * naming the keyword, before anything reaches Kafka.
 */
final class ResponseFormatParam {

    private static final String PARAM = "response_format";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Set<String> SCHEMA_FIELDS = Set.of("name", "description", "schema", "strict");

    private ResponseFormatParam() {
    }

    /** The format asked for, or {@code null} for text (also when absent). */
    static ResponseFormat parse(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw OpenAiException.invalidParam(PARAM, "response_format must be an object");
        }
        String type = node.path("type").asString("");
        for (String field : node.propertyNames()) {
            if (!field.equals("type") && !(field.equals("json_schema") && type.equals("json_schema"))) {
                throw OpenAiException.invalidParam(PARAM + "." + field,
                        "Unrecognized argument for response_format of type '" + type + "': " + field);
            }
        }
        return switch (type) {
            case "text" -> null;
            case "json_object" -> ResponseFormat.JSON_OBJECT;
            case "json_schema" -> jsonSchema(node.get("json_schema"));
            default -> throw OpenAiException.invalidParam(PARAM + ".type", "response_format.type must be text, "
                    + "json_object or json_schema, got '" + type + "'");
        };
    }

    private static ResponseFormat jsonSchema(JsonNode spec) {
        String where = PARAM + ".json_schema";
        if (spec == null || !spec.isObject()) {
            throw OpenAiException.invalidParam(where, "response_format of type json_schema needs a json_schema object");
        }
        for (String field : spec.propertyNames()) {
            if (!SCHEMA_FIELDS.contains(field)) {
                throw OpenAiException.invalidParam(where + "." + field, "Unrecognized argument in json_schema: " + field);
            }
        }
        String name = spec.path("name").asString("");
        if (!NAME.matcher(name).matches()) {
            throw OpenAiException.invalidParam(where + ".name", "json_schema.name must be 1-64 of a-z, A-Z, 0-9, _ "
                    + "and -, got '" + name + "'");
        }
        JsonNode schema = spec.get("schema");
        if (schema == null || !schema.isObject()) {
            throw OpenAiException.invalidParam(where + ".schema", "json_schema.schema must be a JSON Schema object");
        }
        JsonNode description = spec.get("description");
        if (description != null && !description.isNull() && !description.isString()) {
            throw OpenAiException.invalidParam(where + ".description", "json_schema.description must be a string");
        }
        JsonNode strict = spec.get("strict");
        if (strict != null && !strict.isNull() && !strict.isBoolean()) {
            throw OpenAiException.invalidParam(where + ".strict", "json_schema.strict must be a boolean");
        }
        try {
            JsonSchemaGrammar.forSchema(schema, where + ".schema");
        } catch (UnsupportedSchemaException e) {
            throw OpenAiException.unsupportedParam(e.path().replaceFirst("^\\$\\.", ""), e.getMessage());
        }
        return new ResponseFormat(ResponseFormat.Type.JSON_SCHEMA, new ResponseFormat.JsonSchema(name,
                description == null || description.isNull() ? null : description.asString(), schema,
                strict == null || strict.isNull() ? null : strict.asBoolean()));
    }
}
