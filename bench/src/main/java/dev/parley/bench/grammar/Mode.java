package dev.parley.bench.grammar;

import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;

/** What the answers are held to. */
enum Mode {
    TEXT(ResponseFormat.TEXT),
    JSON_OBJECT(ResponseFormat.JSON_OBJECT),
    JSON_SCHEMA(ResponseFormat.jsonSchema("person", WireJson.mapper().readTree("""
            {"type": "object", "additionalProperties": false, "required": ["name", "age", "hobbies"],
             "properties": {"name": {"type": "string", "maxLength": 32}, "age": {"type": "integer"},
                            "hobbies": {"type": "array", "items": {"type": "string", "maxLength": 24},
                                        "maxItems": 4}}}""")));

    final ResponseFormat format;

    Mode(ResponseFormat format) {
        this.format = format;
    }

    String label() {
        return format.type().wireName();
    }
}
