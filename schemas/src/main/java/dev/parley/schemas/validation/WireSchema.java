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
        List<Error> errors = schema.validate(document);
        return errors.stream().map(WireSchema::toViolation).toList();
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
