package dev.parley.schemas.validation;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.JsonNodeException;

/**
 * A JSON Schema of the wire contract, loaded from the schema files packaged with this module (the same files other
 * languages read from {@code schemas/json/}).
 */
public final class WireSchema {

    /** Where the schema files live on the class path. */
    public static final String CLASSPATH_ROOT = "dev/parley/schemas/json/";

    public static final String PROMPT_V1 = "prompt.v1.json";
    public static final String REPLY_V1 = "reply.v1.json";
    public static final String DEAD_LETTER_V1 = "dead-letter.v1.json";
    public static final String CHUNK_V1 = "chunk.v1.json";
    public static final String CANCEL_V1 = "cancel.v1.json";
    public static final String MODEL_ANNOUNCEMENT_V1 = "model-announcement.v1.json";

    private final String fileName;
    private final Schema schema;

    private WireSchema(String fileName, Schema schema) {
        this.fileName = fileName;
        this.schema = schema;
    }

    /** Loads one of the packaged schema files, e.g. {@link #PROMPT_V1}. */
    public static WireSchema load(String fileName) {
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                // 2020-12 treats "format" as an annotation by default; we want date-time enforced.
                .formatAssertionsEnabled(true)
                .locale(Locale.ROOT)
                .pathType(PathType.JSON_PATH)
                .build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(config));
        Schema schema = registry.getSchema(SchemaLocation.of("classpath:" + CLASSPATH_ROOT + fileName));
        schema.initializeValidators();
        return new WireSchema(fileName, schema);
    }

    public String fileName() {
        return fileName;
    }

    /** Validates a parsed document; an empty list means valid. */
    public List<Violation> validate(JsonNode document) {
        List<Error> errors;
        try {
            errors = schema.validate(document);
        } catch (JsonNodeException e) {
            // The validator compares a fraction with an integer bound through JsonNode.asLong(), which Jackson 3
            // refuses past long's range ("seed": 1e30): the number is out of every range this contract has.
            return List.of(outOfRange(document, e));
        }
        return errors.stream().map(WireSchema::toViolation).toList();
    }

    private static Violation outOfRange(JsonNode document, JsonNodeException e) {
        HugeFraction found = HugeFraction.first(document);
        if (found == null) {
            throw e; // not the case above: a bug, which the decoder reports as internal_error
        }
        return new Violation(found.path(), found.path() + ": number " + Values.quote(found.value().toString())
                + " is outside the range of this field");
    }

    /** A fraction too large for a {@code long}, and where it is. */
    private record HugeFraction(String path, JsonNode value) {

        static HugeFraction first(JsonNode document) {
            return first(document, new java.util.ArrayList<>());
        }

        /** Depth-first; {@code path} holds the segments down to {@code node}, joined only once one is found. */
        private static HugeFraction first(JsonNode node, List<String> path) {
            if (node.isFloatingPointNumber() && Double.isFinite(node.doubleValue()) && !node.canConvertToLong()) {
                return new HugeFraction("$" + String.join("", path), node);
            }
            var names = node.isObject() ? node.propertyNames().iterator() : null;
            int i = 0;
            for (JsonNode child : node) {
                path.add(names != null ? "." + names.next() : "[" + i + "]");
                HugeFraction found = first(child, path);
                path.remove(path.size() - 1);
                if (found != null) {
                    return found;
                }
                i++;
            }
            return null;
        }
    }

    private static Violation toViolation(Error error) {
        String location = error.getInstanceLocation().toString();
        String property = error.getProperty();
        // "required" and "additionalProperties" report the parent object; name the property itself.
        boolean namesChild = property != null
                && ("required".equals(error.getKeyword()) || "additionalProperties".equals(error.getKeyword()));
        String field = namesChild ? location + "." + property : location;
        String message = field + ": " + error.getMessage();
        if (!namesChild && error.getInstanceNode() != null && !error.getInstanceNode().isContainer()) {
            message += " (got " + Values.quote(error.getInstanceNode().toString()) + ")";
        }
        return new Violation(field, message);
    }
}
