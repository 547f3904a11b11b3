package dev.parley.schemas.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

class JsonSchemaGrammarTest {

    private static final String PATH = "$.schema";

    private static String grammar(String schema) throws UnsupportedSchemaException {
        return JsonSchemaGrammar.forSchema(json(schema), PATH);
    }

    private static JsonNode json(String text) {
        return WireJson.mapper().readTree(text);
    }

    /** The line defining {@code rule}. */
    private static String rule(String grammar, String rule) {
        return grammar.lines().filter(l -> l.startsWith(rule + " ::= ")).findFirst()
                .orElseThrow(() -> new AssertionError("no rule " + rule + " in\n" + grammar))
                .substring(rule.length() + 5);
    }

    @Test
    void textNeedsNoGrammarAndJsonObjectIsAnyObject() throws Exception {
        assertThat(JsonSchemaGrammar.forFormat(ResponseFormat.TEXT, PATH)).isNull();
        assertThat(JsonSchemaGrammar.forFormat(null, PATH)).isNull();
        String any = JsonSchemaGrammar.forFormat(ResponseFormat.JSON_OBJECT, PATH);
        assertThat(rule(any, "root")).isEqualTo("object");
        assertThat(rule(any, "object")).contains("string ws \":\" ws value");
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", value = {
            "{\"type\":\"string\"}  => string",
            "{\"type\":\"number\"}  => number",
            "{\"type\":\"integer\"} => integer",
            "{\"type\":\"boolean\"} => boolean",
            "{\"type\":\"null\"}    => null",
            "{}                     => value",
            "{\"description\":\"anything\"} => value",
            "{\"type\":[\"string\",\"null\"]} => ( string | null )",
            "{\"const\":\"yes\"}    => \"\\\"yes\\\"\"",
            "{\"enum\":[\"a\",1,null,{\"k\":[true]}]} => ( \"\\\"a\\\"\" | \"1\" | \"null\" | \"{\\\"k\\\":[true]}\" )",
            "{\"anyOf\":[{\"type\":\"integer\"},{\"const\":false}]} => ( integer | \"false\" )",
    })
    void scalarsAndChoicesMapToSharedRulesOrLiterals(String schema, String root) throws Exception {
        assertThat(rule(grammar(schema), "root")).isEqualTo(root);
    }

    @Test
    void stringLengthsBoundTheCharacters() throws Exception {
        String g = grammar("{\"type\":\"string\",\"minLength\":2,\"maxLength\":5}");
        assertThat(rule(g, rule(g, "root"))).isEqualTo("\"\\\"\" char{2,5} \"\\\"\"");
        String exact = grammar("{\"type\":\"string\",\"minLength\":3,\"maxLength\":3}");
        assertThat(rule(exact, rule(exact, "root"))).isEqualTo("\"\\\"\" char{3} \"\\\"\"");
    }

    @Test
    void objectWritesPropertiesInOrderRequiredOnesAlways() throws Exception {
        String g = grammar("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
                + "\"b\":{\"type\":\"string\"}},\"required\":[\"a\",\"b\"],\"additionalProperties\":false}");
        String object = rule(g, "root");
        assertThat(rule(g, object)).isEqualTo("\"{\" ws " + object + "-first0 \"}\"");
        assertThat(rule(g, object + "-first0"))
                .isEqualTo("\"\\\"a\\\"\" ws \":\" ws integer ws " + object + "-rest1");
        assertThat(rule(g, object + "-rest1")).isEqualTo("\",\" ws \"\\\"b\\\"\" ws \":\" ws string ws");
    }

    @Test
    void optionalPropertiesMayBeLeftOutWithTheirCommas() throws Exception {
        String g = grammar("{\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"null\"}}}");
        String object = rule(g, "root");
        assertThat(rule(g, object + "-first0"))
                .isEqualTo("( \"\\\"a\\\"\" ws \":\" ws integer ws " + object + "-rest1 | " + object + "-first1 )");
        assertThat(rule(g, object + "-first1")).isEqualTo("( \"\\\"b\\\"\" ws \":\" ws null ws )?");
        assertThat(rule(g, object + "-rest1")).isEqualTo("( \",\" ws \"\\\"b\\\"\" ws \":\" ws null ws )?");
    }

    @Test
    void objectWithoutPropertiesIsAnyObjectOrEmpty() throws Exception {
        assertThat(rule(grammar("{\"type\":\"object\"}"), "root")).isEqualTo("object");
        assertThat(rule(grammar("{\"type\":\"object\",\"additionalProperties\":false}"), "root"))
                .isEqualTo("\"{\" ws \"}\"");
    }

    @Test
    void propertyNamesAreEscapedAsJsonThenAsGbnf() throws Exception {
        String g = grammar("{\"properties\":{\"say \\\"hi\\\"\\n\":{\"type\":\"string\"}},\"required\":[\"say \\\"hi\\\"\\n\"]}");
        // JSON text "say \"hi\"\n" (with its quotes), written as a GBNF literal
        assertThat(g).contains("\"\\\"say \\\\\\\"hi\\\\\\\"\\\\n\\\"\" ws \":\" ws string ws");
    }

    @Test
    void arraysBoundTheirItems() throws Exception {
        String g = grammar("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":3}");
        assertThat(rule(g, rule(g, "root"))).isEqualTo("\"[\" ws integer ws ( \",\" ws integer ws ){0,2} \"]\"");
        String open = grammar("{\"type\":\"array\"}");
        assertThat(rule(open, rule(open, "root"))).isEqualTo("\"[\" ws ( value ws ( \",\" ws value ws )* )? \"]\"");
        String one = grammar("{\"items\":{\"type\":\"boolean\"},\"maxItems\":1}");
        assertThat(rule(one, rule(one, "root"))).isEqualTo("\"[\" ws ( boolean ws )? \"]\"");
        String none = grammar("{\"type\":\"array\",\"maxItems\":0}");
        assertThat(rule(none, rule(none, "root"))).isEqualTo("\"[\" ws \"]\"");
        String atLeastTwo = grammar("{\"type\":\"array\",\"items\":{\"type\":\"null\"},\"minItems\":2}");
        assertThat(rule(atLeastTwo, rule(atLeastTwo, "root"))).isEqualTo("\"[\" ws null ws ( \",\" ws null ws )+ \"]\"");
    }

    @Test
    void definitionsBecomeRulesAndMayRecurse() throws Exception {
        String g = grammar("{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{"
                + "\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},\"required\":[\"children\"]}}}");
        assertThat(rule(g, "root")).isEqualTo("def-node");
        assertThat(rule(g, "def-node")).isEqualTo("def-node-2");
        assertThat(g).contains("ws def-node ws");
    }

    @Test
    void unsupportedKeywordIsNamedWithItsPath() {
        assertThatThrownBy(() -> grammar("{\"type\":\"object\",\"properties\":{\"when\":{\"type\":\"string\","
                + "\"format\":\"date-time\"}}}"))
                .isInstanceOf(UnsupportedSchemaException.class)
                .hasMessageContaining("unsupported keyword 'format'")
                .hasMessageStartingWith("$.schema.properties.when.format: ")
                .satisfies(e -> assertThat(((UnsupportedSchemaException) e).keyword()).isEqualTo("format"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"number\",\"minimum\":0}                         | minimum",
            "{\"oneOf\":[{\"type\":\"string\"}]}                          | oneOf",
            "{\"allOf\":[{\"type\":\"string\"}]}                          | allOf",
            "{\"type\":\"string\",\"pattern\":\"a+\"}                     | pattern",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}} | additionalProperties",
            "{\"type\":\"object\",\"required\":[\"x\"]}                    | required",
            "{\"type\":\"date\"}                                          | type",
            "{\"type\":\"array\",\"maxItems\":100000}                     | maxItems",
            "{\"type\":\"string\",\"minLength\":5,\"maxLength\":2}         | minLength",
            "{\"$ref\":\"#/$defs/missing\"}                              | $ref",
            "{\"$ref\":\"other.json#/a\"}                                | $ref",
            "{\"properties\":{\"a\":{\"$defs\":{}}}}                      | $defs",
            "{\"anyOf\":[{\"type\":\"string\"}],\"type\":\"string\"}       | type",
            "{\"properties\":{\"a\":false}}                              | false",
            "{\"prefixItems\":[{\"type\":\"string\"}]}                    | prefixItems",
    })
    void outsideTheSubsetIsRefusedNamingTheKeyword(String schema, String keyword) {
        assertThatThrownBy(() -> grammar(schema)).isInstanceOf(UnsupportedSchemaException.class)
                .satisfies(e -> assertThat(((UnsupportedSchemaException) e).keyword()).isEqualTo(keyword))
                .hasMessageContaining(keyword);
    }

    @Test
    void alternativesMultipliedThroughNestingAreBounded() throws Exception {
        String pair = "{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"number\"}]}";
        String nested = pair;
        for (int i = 0; i < 5; i++) { // 2^6 = 64 alternatives on one path: the most allowed
            nested = "{\"anyOf\":[{\"type\":\"array\",\"items\":" + nested + "},{\"type\":\"null\"}]}";
        }
        assertThat(grammar(nested)).startsWith("root ::= ");
        String tooMany = "{\"type\":[\"array\",\"null\"],\"items\":" + nested + "}";
        assertThatThrownBy(() -> grammar(tooMany)).isInstanceOf(UnsupportedSchemaException.class)
                .hasMessageContaining("more than " + JsonSchemaGrammar.MAX_BRANCHES + " alternatives");
        // side by side they do not multiply
        assertThat(grammar("{\"properties\":{\"a\":" + nested + ",\"b\":" + nested + "}}")).isNotEmpty();
    }

    @Test
    void aRecursiveDefinitionWithAlternativesIsRefused() {
        assertThatThrownBy(() -> grammar("{\"$ref\":\"#/$defs/expr\",\"$defs\":{\"expr\":{\"anyOf\":["
                + "{\"type\":\"integer\"},{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/expr\"}}]}}}"))
                .isInstanceOf(UnsupportedSchemaException.class)
                .hasMessageStartingWith("$.schema.$defs.expr: ")
                .hasMessageContaining("recursive definition");
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        String deep = "{\"type\":\"string\"}";
        for (int i = 0; i <= JsonSchemaGrammar.MAX_DEPTH; i++) {
            deep = "{\"type\":\"array\",\"items\":" + deep + "}";
        }
        String schema = deep;
        assertThatThrownBy(() -> grammar(schema)).isInstanceOf(UnsupportedSchemaException.class)
                .hasMessageContaining("deeper than " + JsonSchemaGrammar.MAX_DEPTH);
    }

    @Test
    void literalEscapesQuotesBackslashesAndControlCharacters() {
        assertThat(Gbnf.literal("a\"b\\c\nd\te\u0001é")).isEqualTo("\"a\\\"b\\\\c\\nd\\te\\x01é\"");
    }
}
