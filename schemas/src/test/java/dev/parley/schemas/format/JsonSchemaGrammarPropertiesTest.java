package dev.parley.schemas.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import dev.parley.schemas.codec.WireJson;
import dev.parley.schemas.hostile.HostileSchemas;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Properties of the grammar converter over schemas built from every keyword it knows (QuickTheories, fixed seed): it
 * builds or refuses with {@link UnsupportedSchemaException}, nothing else; what it builds is well formed (each rule
 * defined once, every name it uses defined, no recursion the schema did not ask for) and within {@link GrammarLimits}.
 */
class JsonSchemaGrammarPropertiesTest {

    @Test
    void everyGeneratedSchemaBuildsWithinTheCapsOrIsRefusedByName() {
        Gen<String> generated = in -> HostileSchemas.schema((lo, hi) -> Generate.range(lo, hi).generate(in));
        Gen<String> schemas = generated.describedAs(t -> t.length() > 2_000 ? t.substring(0, 2_000) + "..." : t);
        qt().withFixedSeed(20261207L).withExamples(400).withShrinkCycles(200)
                .forAll(schemas)
                .checkAssert(JsonSchemaGrammarPropertiesTest::buildsSoundly);
    }

    private static void buildsSoundly(String text) {
        JsonNode schema;
        try {
            schema = WireJson.mapper().readTree(text);
        } catch (JacksonException e) {
            return; // a lone surrogate in a property name is not JSON Jackson reads: the decoder's invalid_json
        }
        JsonSchemaGrammar.Built built;
        try {
            built = JsonSchemaGrammar.build(schema, "$", GrammarLimits.DEFAULTS);
        } catch (UnsupportedSchemaException e) {
            assertThat(e.path()).startsWith("$");
            assertThat(e.getMessage()).startsWith(e.path() + ": ");
            return;
        }
        GbnfShape shape = new GbnfShape(built.text());
        assertThat(shape.duplicates()).isEmpty();
        assertThat(shape.undefined()).isEmpty();
        if (!text.contains("$ref")) {
            assertThat(shape.cyclic()).isEmpty();
        }
        assertThat(built.text().length()).isLessThanOrEqualTo(GrammarLimits.DEFAULT_MAX_GRAMMAR_BYTES);
        assertThat(shape.ruleCount()).isLessThanOrEqualTo(GrammarLimits.DEFAULT_MAX_RULES + 12);
        assertThat(built.nameProbes()).isLessThan(2L * shape.ruleCount());
    }
}
