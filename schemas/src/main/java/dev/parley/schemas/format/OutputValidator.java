package dev.parley.schemas.format;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks an answer against its response format: JSON for {@code json_object} (an object) and {@code json_schema}
 * (valid by the schema, JSON Schema draft 2020-12). The grammar makes valid answers likely, not certain: generation
 * can stop early (the token budget, a stop string, a deadline), so the final text is always checked.
 */
public final class OutputValidator {

    private static final int MAX_REPORTED = 3;

    private final ResponseFormat.Type type;
    private final Schema schema;
    private final ObjectReader reader = WireJson.mapper().reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private OutputValidator(ResponseFormat.Type type, Schema schema) {
        this.type = type;
        this.schema = schema;
    }

    /** A validator of {@code format}; for text every answer is valid. */
    public static OutputValidator of(ResponseFormat format) {
        if (format == null || format.type() != ResponseFormat.Type.JSON_SCHEMA) {
            return new OutputValidator(format == null ? ResponseFormat.Type.TEXT : format.type(), null);
        }
        // Without $schema and $id nothing is fetched: only local references are in the subset anyway.
        ObjectNode copy = ((ObjectNode) format.jsonSchema().schema()).deepCopy();
        copy.remove("$schema");
        copy.remove("$id");
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().locale(Locale.ROOT)
                .pathType(PathType.JSON_PATH).build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(config));
        Schema schema = registry.getSchema(copy);
        schema.initializeValidators();
        return new OutputValidator(ResponseFormat.Type.JSON_SCHEMA, schema);
    }

    /** What is wrong with {@code content}, or empty when it has the required shape. */
    public Optional<String> problem(String content) {
        if (type == ResponseFormat.Type.TEXT) {
            return Optional.empty();
        }
        JsonNode tree;
        try {
            tree = reader.readTree(content == null ? "" : content);
        } catch (JacksonException e) {
            return Optional.of("the content is not complete JSON: " + e.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            return Optional.of("the content is empty, expected JSON");
        }
        if (type == ResponseFormat.Type.JSON_OBJECT) {
            return tree.isObject() ? Optional.empty()
                    : Optional.of("the content is JSON but not an object: " + tree.getNodeType());
        }
        List<Error> errors = schema.validate(tree);
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        String reasons = errors.stream().limit(MAX_REPORTED)
                .map(e -> e.getInstanceLocation() + ": " + e.getMessage()).collect(Collectors.joining("; "));
        return Optional.of("the content does not match the schema: " + reasons
                + (errors.size() > MAX_REPORTED ? "; and " + (errors.size() - MAX_REPORTED) + " more" : ""));
    }
}
