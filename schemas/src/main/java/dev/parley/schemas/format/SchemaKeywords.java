package dev.parley.schemas.format;

import java.util.Set;
import tools.jackson.databind.JsonNode;

/** The keywords of the supported JSON Schema subset, and the checks that refuse the others by name. */
final class SchemaKeywords {

    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$comment", "title", "description",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
            "items", "enum", "const", "minItems", "maxItems", "minLength", "maxLength", "$ref", "anyOf");
    private static final Set<String> ROOT_ONLY = Set.of("$defs", "definitions");

    private SchemaKeywords() {
    }

    static void check(JsonNode schema, SchemaPath path, boolean atRoot) throws UnsupportedSchemaException {
        for (String keyword : schema.propertyNames()) {
            if (KEYWORDS.contains(keyword) || ANNOTATIONS.contains(keyword)) {
                continue;
            }
            if (ROOT_ONLY.contains(keyword)) {
                if (atRoot) {
                    continue;
                }
                throw new UnsupportedSchemaException(keyword, path.dot(keyword).toString(),
                        "keyword '" + keyword + "' is supported only at the schema's root");
            }
            throw new UnsupportedSchemaException(keyword, path.dot(keyword).toString(), "unsupported keyword '" + keyword
                    + "' (supported: " + String.join(", ", new java.util.TreeSet<>(KEYWORDS)) + ", $defs)");
        }
    }

    static void requireAlone(JsonNode schema, String keyword, SchemaPath path) throws UnsupportedSchemaException {
        for (String other : schema.propertyNames()) {
            if (!other.equals(keyword) && !ANNOTATIONS.contains(other) && !ROOT_ONLY.contains(other)) {
                throw new UnsupportedSchemaException(other, path.dot(other).toString(), "keyword '" + other
                        + "' next to '" + keyword + "' is not supported");
            }
        }
    }
}
