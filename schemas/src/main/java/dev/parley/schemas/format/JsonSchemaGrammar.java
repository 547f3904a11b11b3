package dev.parley.schemas.format;

import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Turns a JSON Schema of the supported subset into a GBNF grammar (llama.cpp's notation, start rule {@code root}) that
 * only JSON matching the schema can complete. Object properties come in the schema's order; optional ones may be left
 * out; no property outside {@code properties} is produced. Anything outside the subset is refused with the keyword
 * named, before any work is done (see {@code docs/structured-output.md}). The build visits each schema node once and
 * names rules in constant time, so it runs in time linear in the schema; {@link GrammarLimits} caps the schema, the
 * rules, the grammar and the nesting.
 */
public final class JsonSchemaGrammar {

    /** Deepest nesting of schemas accepted (the default of {@link GrammarLimits#maxDepth()}). */
    public static final int MAX_DEPTH = GrammarLimits.DEFAULT_MAX_DEPTH;
    /** Largest {@code minItems}, {@code maxItems}, {@code minLength} and {@code maxLength} accepted. */
    public static final int MAX_COUNT = 256;
    /** Most {@code properties} of one object and values of one {@code enum}. */
    public static final int MAX_MEMBERS = 256;
    /**
     * Most alternatives ({@code anyOf} options, {@code type} lists) multiplied along one path of nested schemas. While
     * alternatives overlap, llama.cpp's grammar keeps a parse stack for each, and nested ones multiply.
     */
    public static final int MAX_BRANCHES = 64;
    /**
     * Most alternatives open at one position: the product of the {@link #MAX_BRANCHES} alternatives around it times an
     * {@code enum}'s values or the optional properties an object may start (or go on) with. Together with
     * {@link #MAX_BRANCHES} it keeps the sampler's work per token small whatever the schema.
     */
    public static final int MAX_FAN_OUT = 1024;

    /** The grammar of any JSON object ({@code json_object}). */
    public static final String ANY_OBJECT = "root ::= object\n" + Gbnf.JSON_RULES + "\n";

    private final JsonNode root;
    private final SchemaPath rootPath;
    private final GrammarLimits limits;
    private final RuleSet rules;
    private final Map<String, String> definitionRules = new HashMap<>();
    /** Definitions being converted now, innermost last: a reference to one of them is a recursion. */
    private final ArrayDeque<String> inProgress = new ArrayDeque<>();
    private final Set<String> recursive = new HashSet<>();
    private final Set<String> withAlternatives = new HashSet<>();
    /** The product of the alternatives around the schema being converted. */
    private long branches = 1;

    private JsonSchemaGrammar(JsonNode root, SchemaPath rootPath, GrammarLimits limits) {
        this.root = root;
        this.rootPath = rootPath;
        this.limits = limits;
        this.rules = new RuleSet(limits);
    }

    /**
     * The grammar a response format needs, or {@code null} for free text, under the default limits.
     *
     * @param path where the format's schema sits, for error messages (e.g. {@code $.params.response_format...})
     */
    public static String forFormat(ResponseFormat format, String path) throws UnsupportedSchemaException {
        return forFormat(format, path, GrammarLimits.DEFAULTS);
    }

    /** The grammar a response format needs, or {@code null} for free text. */
    public static String forFormat(ResponseFormat format, String path, GrammarLimits limits)
            throws UnsupportedSchemaException {
        if (format == null) {
            return null;
        }
        return switch (format.type()) {
            case TEXT -> null;
            case JSON_OBJECT -> ANY_OBJECT;
            case JSON_SCHEMA -> forSchema(format.jsonSchema().schema(), path, limits);
        };
    }

    /**
     * The grammar of a schema, under the default limits.
     *
     * @param path where the schema sits, for error messages
     * @throws UnsupportedSchemaException naming the first keyword or value outside the subset, or the cap met
     */
    public static String forSchema(JsonNode schema, String path) throws UnsupportedSchemaException {
        return forSchema(schema, path, GrammarLimits.DEFAULTS);
    }

    /** The grammar of a schema under {@code limits}. */
    public static String forSchema(JsonNode schema, String path, GrammarLimits limits)
            throws UnsupportedSchemaException {
        return build(schema, path, limits).text();
    }

    /** A built grammar and the work its names took, for tests of the build's cost. */
    record Built(String text, long nameProbes) {
    }

    static Built build(JsonNode schema, String path, GrammarLimits limits) throws UnsupportedSchemaException {
        SchemaPath at = SchemaPath.of(path);
        long bytes = SchemaValues.compactBytes(schema);
        if (bytes > limits.maxSchemaBytes()) {
            throw new UnsupportedSchemaException("schema", path, "the schema is " + bytes + " bytes as compact JSON, "
                    + "over the maximum of " + limits.maxSchemaBytes());
        }
        JsonSchemaGrammar grammar = new JsonSchemaGrammar(schema, at, limits);
        String body = grammar.visit(schema, at, "root", 0);
        for (String definition : grammar.recursive) {
            if (grammar.withAlternatives.contains(definition)) {
                // Each level of the recursion would multiply the parse stacks of the alternatives, without bound.
                throw new UnsupportedSchemaException("anyOf", path + "." + definition.substring(2).replace('/', '.'),
                        "a recursive definition may not contain alternatives (anyOf or a list of types)");
            }
        }
        return new Built(grammar.rules.render(body, at), grammar.rules.probes());
    }

    /** The GBNF expression of one schema, adding the rules it needs. */
    private String visit(JsonNode schema, SchemaPath path, String hint, int depth) throws UnsupportedSchemaException {
        if (depth > limits.maxDepth()) {
            throw new UnsupportedSchemaException("depth", path.toString(), "schemas nested deeper than "
                    + limits.maxDepth() + " levels are not supported");
        }
        if (schema.isBoolean()) {
            if (!schema.asBoolean()) {
                throw new UnsupportedSchemaException("false", path.toString(), "the schema false matches nothing");
            }
            return "value";
        }
        if (!schema.isObject()) {
            throw new UnsupportedSchemaException("schema", path.toString(), "a schema must be an object or a boolean");
        }
        SchemaKeywords.check(schema, path, depth == 0);
        if (schema.has("$ref")) {
            SchemaKeywords.requireAlone(schema, "$ref", path);
            return reference(schema.get("$ref"), path.dot("$ref"), depth);
        }
        if (schema.has("anyOf")) {
            SchemaKeywords.requireAlone(schema, "anyOf", path);
            return anyOf(schema.get("anyOf"), path.dot("anyOf"), hint, depth);
        }
        if (schema.has("const")) {
            return SchemaValues.literal(schema.get("const"));
        }
        if (schema.has("enum")) {
            return enumeration(schema.get("enum"), path.dot("enum"));
        }
        List<String> types = SchemaValues.types(schema, path);
        if (types.isEmpty()) {
            return "value";
        }
        long outer = branch(types.size(), "type", path.dot("type"));
        List<String> alternatives = new ArrayList<>();
        for (String type : types) {
            alternatives.add(switch (type) {
                case "object" -> object(schema, path, hint, depth);
                case "array" -> array(schema, path, hint, depth);
                case "string" -> string(schema, path, hint);
                default -> type; // number, integer, boolean, null: shared rules
            });
        }
        branches = outer;
        return alternatives.size() == 1 ? alternatives.get(0) : "( " + String.join(" | ", alternatives) + " )";
    }

    /** Enters {@code count} alternatives; returns the product to restore after them. */
    private long branch(int count, String keyword, SchemaPath path) throws UnsupportedSchemaException {
        long outer = branches;
        if (count > 1) {
            withAlternatives.addAll(inProgress);
            branches = outer * count;
            if (branches > MAX_BRANCHES) {
                throw new UnsupportedSchemaException(keyword, path.toString(), "more than " + MAX_BRANCHES
                        + " alternatives (anyOf options and type lists, multiplied through nesting) are not supported");
            }
        }
        return outer;
    }

    /** Checks {@code width} alternatives open at one position (enum values, optional properties) under the branches. */
    private void fanOut(int width, String keyword, SchemaPath path) throws UnsupportedSchemaException {
        if (branches * width > MAX_FAN_OUT) {
            throw new UnsupportedSchemaException(keyword, path.toString(), width + " alternatives at one place ("
                    + keyword + "), times the " + branches + " anyOf options and type lists around them, exceed "
                    + MAX_FAN_OUT + "; the sampler would follow each at once");
        }
    }

    private String object(JsonNode schema, SchemaPath path, String hint, int depth) throws UnsupportedSchemaException {
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isBoolean()) {
            throw new UnsupportedSchemaException("additionalProperties", path.dot("additionalProperties").toString(),
                    "additionalProperties must be true or false; a schema there is not supported");
        }
        Set<String> required = SchemaValues.required(schema, properties, path);
        if (properties == null) {
            // No declared properties: any object, unless none may be added.
            return additional != null && !additional.asBoolean() ? "\"{\" ws \"}\"" : "object";
        }
        if (!properties.isObject()) {
            throw new UnsupportedSchemaException("properties", path.dot("properties").toString(),
                    "properties must be an object");
        }
        if (properties.size() > MAX_MEMBERS) {
            throw new UnsupportedSchemaException("properties", path.dot("properties").toString(), "more than "
                    + MAX_MEMBERS + " properties are not supported");
        }
        fanOut(SchemaValues.widestOptionalRun(properties, required) + 1, "properties", path.dot("properties"));
        String name = rules.fresh(hint, path);
        List<String> members = new ArrayList<>();
        List<Boolean> mandatory = new ArrayList<>();
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            String key = property.getKey();
            String value = visit(property.getValue(), path.dot("properties").dot(key), name + "-" + key, depth + 1);
            members.add(Gbnf.literal(WireJson.mapper().writeValueAsString(key)) + " ws \":\" ws " + value + " ws");
            mandatory.add(required.contains(key));
        }
        rules.define(name, "\"{\" ws " + members(name, members, mandatory, path) + " \"}\"", path);
        return name;
    }

    /**
     * The members of an object in order, each optional one skippable, commas only between members given. Rule
     * {@code name-restN} follows a member already written (so each of its members starts with a comma);
     * {@code name-firstN} starts the object. Their names are reserved like any other, so a property called
     * {@code rest0} cannot take (and overwrite) one of them.
     */
    private String members(String name, List<String> members, List<Boolean> mandatory, SchemaPath path)
            throws UnsupportedSchemaException {
        String rest = "";
        String first = "";
        for (int i = members.size() - 1; i >= 0; i--) {
            String member = members.get(i);
            String thenRest = rest.isEmpty() ? "" : " " + rest;
            String restRule = mandatory.get(i) ? "\",\" ws " + member + thenRest
                    : "( \",\" ws " + member + " )?" + thenRest;
            String firstRule = mandatory.get(i) ? member + thenRest
                    : first.isEmpty() ? "( " + member + thenRest + " )?"
                    : "( " + member + thenRest + " | " + first + " )";
            rest = rule(rules.reserve(name + "-rest" + i, path), restRule, path);
            first = rule(rules.reserve(name + "-first" + i, path), firstRule, path);
        }
        return first;
    }

    private String array(JsonNode schema, SchemaPath path, String hint, int depth) throws UnsupportedSchemaException {
        int min = SchemaValues.count(schema, "minItems", path, 0);
        int max = SchemaValues.count(schema, "maxItems", path, -1);
        if (max >= 0 && min > max) {
            throw new UnsupportedSchemaException("minItems", path.dot("minItems").toString(), "minItems " + min
                    + " is over maxItems " + max);
        }
        String name = rules.fresh(hint, path);
        JsonNode items = schema.get("items");
        if (items != null && !items.isObject() && !items.isBoolean()) {
            throw new UnsupportedSchemaException("items", path.dot("items").toString(), "items must be a schema");
        }
        String item = items == null ? "value" : visit(items, path.dot("items"), name + "-item", depth + 1);
        String more = max == 1 ? "" : " ( \",\" ws " + item + " ws )" + Gbnf.repeat(Math.max(0, min - 1),
                max < 0 ? -1 : max - 1);
        String body;
        if (max == 0) {
            body = "\"[\" ws \"]\"";
        } else if (min == 0) {
            body = "\"[\" ws ( " + item + " ws" + more + " )? \"]\"";
        } else {
            body = "\"[\" ws " + item + " ws" + more + " \"]\"";
        }
        rules.define(name, body, path);
        return name;
    }

    private String string(JsonNode schema, SchemaPath path, String hint) throws UnsupportedSchemaException {
        int min = SchemaValues.count(schema, "minLength", path, 0);
        int max = SchemaValues.count(schema, "maxLength", path, -1);
        if (max >= 0 && min > max) {
            throw new UnsupportedSchemaException("minLength", path.dot("minLength").toString(), "minLength " + min
                    + " is over maxLength " + max);
        }
        if (min == 0 && max < 0) {
            return "string";
        }
        return rule(rules.fresh(hint, path), "\"\\\"\" " + (max == 0 ? "" : "char" + Gbnf.repeat(min, max) + " ")
                + "\"\\\"\"", path);
    }

    private String anyOf(JsonNode options, SchemaPath path, String hint, int depth) throws UnsupportedSchemaException {
        if (!options.isArray() || options.isEmpty()) {
            throw new UnsupportedSchemaException("anyOf", path.toString(), "anyOf must be a non-empty array of schemas");
        }
        long outer = branch(options.size(), "anyOf", path);
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            alternatives.add(visit(options.get(i), path.then("[" + i + "]"), hint + "-" + i, depth + 1));
        }
        branches = outer;
        return "( " + String.join(" | ", alternatives) + " )";
    }

    private String enumeration(JsonNode values, SchemaPath path) throws UnsupportedSchemaException {
        if (!values.isArray() || values.isEmpty() || values.size() > MAX_MEMBERS) {
            throw new UnsupportedSchemaException("enum", path.toString(), "enum must be an array of 1 to "
                    + MAX_MEMBERS + " values");
        }
        fanOut(values.size(), "enum", path);
        List<String> alternatives = new ArrayList<>();
        for (JsonNode value : values) {
            alternatives.add(SchemaValues.literal(value));
        }
        return "( " + String.join(" | ", alternatives) + " )";
    }

    /** {@code #/$defs/NAME} or {@code #/definitions/NAME} of the root schema; a definition is one rule, so it may recurse. */
    private String reference(JsonNode ref, SchemaPath path, int depth) throws UnsupportedSchemaException {
        String target = ref.isString() ? ref.asString() : "";
        String section = target.startsWith("#/$defs/") ? "$defs"
                : target.startsWith("#/definitions/") ? "definitions" : null;
        if (section == null) {
            throw new UnsupportedSchemaException("$ref", path.toString(), "only references to #/$defs/NAME or "
                    + "#/definitions/NAME of the root schema are supported, got " + ref);
        }
        String key = target.substring(section.length() + 3);
        JsonNode definition = root.path(section).get(key);
        if (definition == null) {
            throw new UnsupportedSchemaException("$ref", path.toString(), "reference " + ref + " names no definition");
        }
        String existing = definitionRules.get(target);
        if (existing != null) {
            if (inProgress.contains(target)) {
                recursive.add(target);
            }
            return existing;
        }
        SchemaPath at = rootPath.dot(section).dot(key);
        String name = rules.fresh("def-" + key, at);
        definitionRules.put(target, name);
        rules.define(name, "", at); // keeps its place (and stops recursion) while the body is built
        inProgress.addLast(target);
        rules.define(name, visit(definition, at, name, depth + 1), at);
        inProgress.removeLast();
        return name;
    }

    private String rule(String name, String body, SchemaPath path) throws UnsupportedSchemaException {
        rules.define(name, body, path);
        return name;
    }
}
