package dev.parley.schemas.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.codec.WireJson;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The cost of building a grammar (audit findings C2, L11, M13): linear in the schema, capped, and correct when property
 * names collide with each other or with the converter's own rule names. Work is measured by rules, bytes and name
 * lookups, never by the clock.
 */
class GrammarBuildCostTest {

    private static final String PATH = "$.schema";
    /** Room for the 400 KB schemas, so what grows with size can be measured. */
    private static final GrammarLimits ROOMY = new GrammarLimits(1 << 20, 1 << 20, 64 << 20, 32);

    /**
     * The audit's quadratic shape: under one long property name every rule hint shares its first 24 characters, so
     * all nested rules compete for one base name. {@code groups} objects of 256 short properties each.
     */
    static String collidingSchema(int targetBytes) {
        StringBuilder groups = new StringBuilder();
        int group = 0;
        while (groups.length() < targetBytes) {
            StringBuilder members = new StringBuilder();
            for (int p = 0; p < 256 && groups.length() + members.length() < targetBytes; p++) {
                members.append(p == 0 ? "" : ",").append("\"p").append(p).append("\":{\"type\":\"string\",\"maxLength\":8}");
            }
            groups.append(group == 0 ? "" : ",").append("\"g").append(group++).append("\":{\"type\":\"object\",\"properties\":{")
                    .append(members).append("}}");
        }
        return "{\"type\":\"object\",\"properties\":{\"a_property_name_long_enough_to_collide\":{\"type\":\"object\","
                + "\"properties\":{" + groups + "}}}}";
    }

    @Test
    void collidingNamesBuildInWorkLinearInTheSchema() throws Exception {
        List<JsonSchemaGrammar.Built> builds = new ArrayList<>();
        List<Integer> sizes = List.of(50_000, 100_000, 200_000, 400_000);
        for (int size : sizes) {
            JsonNode schema = WireJson.mapper().readTree(collidingSchema(size));
            JsonSchemaGrammar.Built built = JsonSchemaGrammar.build(schema, PATH, ROOMY);
            GbnfShape shape = new GbnfShape(built.text());
            // One name lookup per rule, plus at most one skip per taken name: linear (the old probing made it n²/2).
            assertThat(built.nameProbes()).as("name lookups at %d bytes", size).isLessThan(2L * shape.ruleCount());
            assertThat(shape.duplicates()).isEmpty();
            assertThat(shape.undefined()).isEmpty();
            builds.add(built);
        }
        int small = new GbnfShape(builds.get(0).text()).ruleCount();
        int large = new GbnfShape(builds.get(3).text()).ruleCount();
        assertThat((double) large / small).as("rules grow with the schema").isBetween(7.0, 9.0);
        assertThat((double) builds.get(3).text().length() / builds.get(0).text().length())
                .as("grammar bytes grow with the schema").isBetween(7.0, 9.0);
        assertThat((double) builds.get(3).nameProbes() / builds.get(0).nameProbes())
                .as("name lookups grow with the schema, not with its square").isBetween(7.0, 9.0);
    }

    @Test
    void theDefaultCapsRefuseA400KbSchemaWithItsPath() {
        JsonNode schema = WireJson.mapper().readTree(collidingSchema(400_000));

        assertThatThrownBy(() -> JsonSchemaGrammar.forSchema(schema, PATH))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> {
                    assertThat(e.path()).isEqualTo(PATH);
                    assertThat(e.getMessage()).contains("over the maximum of " + GrammarLimits.DEFAULT_MAX_SCHEMA_BYTES);
                });
    }

    @Test
    void theRuleCapRefusesWithThePathWhereItWasMet() {
        JsonNode schema = WireJson.mapper().readTree(collidingSchema(20_000));
        GrammarLimits fewRules = new GrammarLimits(1 << 20, 100, 64 << 20, 32);

        assertThatThrownBy(() -> JsonSchemaGrammar.forSchema(schema, PATH, fewRules))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> {
                    assertThat(e.path()).startsWith(PATH + ".properties.a_property_name_long_enough_to_collide");
                    assertThat(e.getMessage()).contains("more than 100 grammar rules");
                });
    }

    @Test
    void theGrammarSizeCapRefuses() {
        JsonNode schema = WireJson.mapper().readTree(collidingSchema(20_000));
        GrammarLimits smallGrammar = new GrammarLimits(1 << 20, 1 << 20, 8_192, 32);

        assertThatThrownBy(() -> JsonSchemaGrammar.forSchema(schema, PATH, smallGrammar))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e ->
                        assertThat(e.getMessage()).contains("would exceed 8192 bytes"));
    }

    @Test
    void aPropertyNamedLikeTheConvertersOwnRulesOverwritesNone() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{"
                + "\"rest0\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\",\"maxLength\":3}}},"
                + "\"first0\":{\"type\":\"object\",\"properties\":{\"y\":{\"type\":\"integer\"}}},"
                + "\"rest1\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"minLength\":1}},"
                + "\"b\":{\"type\":\"string\",\"minLength\":2}},\"required\":[\"rest0\"]}";

        GbnfShape shape = new GbnfShape(JsonSchemaGrammar.forSchema(WireJson.mapper().readTree(schema), PATH));

        assertThat(shape.duplicates()).isEmpty();
        assertThat(shape.undefined()).isEmpty();
        // Nothing in this schema recurses, so no rule may reach itself (an overwritten rest rule did: endless output).
        assertThat(shape.cyclic()).isEmpty();
    }

    @Test
    void optionalMembersAndEnumValuesCountInTheFanOut() throws Exception {
        StringBuilder optional = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            optional.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":{\"type\":\"integer\"}");
        }
        String wide = "{\"type\":\"object\",\"properties\":{" + optional + "}}";
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 256; i++) {
            values.append(i == 0 ? "" : ",").append("\"v").append(i).append('"');
        }
        String bigEnum = "{\"enum\":[" + values + "]}";

        // Alone, each is fine: 201 and 256 alternatives.
        JsonSchemaGrammar.forSchema(WireJson.mapper().readTree(wide), PATH);
        JsonSchemaGrammar.forSchema(WireJson.mapper().readTree(bigEnum), PATH);
        // Under 8 anyOf options, 1608 and 2048 parse stacks at one position: refused.
        assertThatThrownBy(() -> JsonSchemaGrammar.forSchema(WireJson.mapper().readTree(
                "{\"anyOf\":[" + String.join(",", java.util.Collections.nCopies(8, wide)) + "]}"), PATH))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> {
                    assertThat(e.keyword()).isEqualTo("properties");
                    assertThat(e.path()).isEqualTo(PATH + ".anyOf[0].properties");
                    assertThat(e.getMessage()).contains("exceed " + JsonSchemaGrammar.MAX_FAN_OUT);
                });
        assertThatThrownBy(() -> JsonSchemaGrammar.forSchema(WireJson.mapper().readTree(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"anyOf\":[" + String.join(",",
                        java.util.Collections.nCopies(8, bigEnum)) + "]}}}"), PATH))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> {
                    assertThat(e.keyword()).isEqualTo("enum");
                    assertThat(e.path()).isEqualTo(PATH + ".properties.a.anyOf[0].enum");
                });
    }
}
