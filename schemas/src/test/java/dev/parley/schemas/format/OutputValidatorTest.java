package dev.parley.schemas.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import org.junit.jupiter.api.Test;

class OutputValidatorTest {

    private static final ResponseFormat CITY = ResponseFormat.jsonSchema("city", WireJson.mapper().readTree(
            "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"population\":{\"type\":\"integer\"}},"
                    + "\"required\":[\"name\"],\"additionalProperties\":false}"));

    @Test
    void textIsAlwaysFine() {
        assertThat(OutputValidator.of(ResponseFormat.TEXT).problem("not json {")).isEmpty();
        assertThat(OutputValidator.of(null).problem(null)).isEmpty();
    }

    @Test
    void jsonObjectNeedsACompleteObject() {
        OutputValidator validator = OutputValidator.of(ResponseFormat.JSON_OBJECT);
        assertThat(validator.problem("{\"a\": [1, 2]}")).isEmpty();
        assertThat(validator.problem("{\"a\": [1, 2")).get().asString().contains("not complete JSON");
        assertThat(validator.problem("[1]")).get().asString().contains("not an object");
        assertThat(validator.problem("")).isPresent();
        assertThat(validator.problem("{} {}")).isPresent();
    }

    @Test
    void jsonSchemaChecksTheSchema() {
        OutputValidator validator = OutputValidator.of(CITY);
        assertThat(validator.problem("{\"name\": \"Lyon\", \"population\": 522250}")).isEmpty();
        assertThat(validator.problem("{\"population\": 1}")).get().asString()
                .contains("does not match the schema").contains("name");
        assertThat(validator.problem("{\"name\": \"Lyon\", \"mayor\": \"x\"}")).get().asString().contains("mayor");
        assertThat(validator.problem("{\"name\": \"Ly")).get().asString().contains("not complete JSON");
    }
}
