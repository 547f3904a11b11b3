package dev.parley.schemas.format;

import dev.parley.schemas.ResponseFormat;
import dev.parley.schemas.codec.WireJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Turns a JSON Schema of the supported subset into a GBNF grammar (llama.cpp's notation, start rule {@code root}) that
 * only JSON matching the schema can complete. Object properties come in the schema's order; optional ones may be left
 * out; no property outside {@code properties} is produced. Anything outside the subset is refused with the keyword
 * named, before any work is done (see {@code docs/structured-output.md}).
 */
public final class JsonSchemaGrammar {

    /** Deepest nesting of schemas accepted. */
    public static final int MAX_DEPTH = 32;
    /** Largest {@code minItems}, {@code maxItems}, {@code minLength} and {@code maxLength} accepted. */
    public static final int MAX_COUNT = 256;
    /** Most {@code properties} of one object and values of one {@code enum}. */
    public static final int MAX_MEMBERS = 256;
    /**
     * Most alternatives ({@code anyOf} options, {@code type} lists) multiplied along one path of nested schemas. While
     * alternatives overlap, llama.cpp's grammar keeps a parse stack for each, and nested ones multiply: the bound keeps
     * the sampler's work per token small whatever the schema.
     */
    public static final int MAX_BRANCHES = 64;

    /** The grammar of any JSON object ({@code json_object}). */
    public static final String ANY_OBJECT = "root ::= object\n" + Gbnf.JSON_RULES + "\n";

    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean",
            "null");
    private static final Set<String> SHARED_RULES = Set.of("root", "value", "object", "array", "string", "char",
            "number", "integer", "boolean", "null", "ws");

    private final JsonNode root;
    private final String rootPath;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>(SHARED_RULES);
    private final Map<String, String> definitionRules = new HashMap<>();
    /** Definitions being converted now, innermost last: a reference to one of them is a recursion. */
    private final java.util.ArrayDeque<String> inProgress = new java.util.ArrayDeque<>();
    private final Set<String> recursive = new HashSet<>();
    private final Set<String> withAlternatives = new HashSet<>();
    /** The product of the alternatives around the schema being converted. */
    private long branches = 1;

    private JsonSchemaGrammar(JsonNode root, String rootPath) {
        this.root = root;
        this.rootPath = rootPath;
    }

    /**
     * The grammar a response format needs, or {@code null} for free text.
     *
     * @param path where the format's schema sits, for error messages (e.g. {@code $.params.response_format...})
     */
    public static String forFormat(ResponseFormat format, String path) throws UnsupportedSchemaException {
        if (format == null) {
            return null;
        }
        return switch (format.type()) {
            case TEXT -> null;
            case JSON_OBJECT -> ANY_OBJECT;
            case JSON_SCHEMA -> forSchema(format.jsonSchema().schema(), path);
        };
    }

    /**
     * The grammar of a schema.
     *
     * @param path where the schema sits, for error messages
     * @throws UnsupportedSchemaException naming the first keyword or value outside the subset
     */
    public static String forSchema(JsonNode schema, String path) throws UnsupportedSchemaException {
        JsonSchemaGrammar grammar = new JsonSchemaGrammar(schema, path);
        String body = grammar.visit(schema, path, "root", 0);
        for (String definition : grammar.recursive) {
            if (grammar.withAlternatives.contains(definition)) {
                // Each level of the recursion would multiply the parse stacks of the alternatives, without bound.
                throw new UnsupportedSchemaException("anyOf", path + "." + definition.substring(2).replace('/', '.'),
                        "a recursive definition may not contain alternatives (anyOf or a list of types)");
            }
        }
        StringBuilder out = new StringBuilder("root ::= ").append(body).append('\n');
        grammar.rules.forEach((name, rule) -> out.append(name).append(" ::= ").append(rule).append('\n'));
        return out.append(Gbnf.JSON_RULES).append('\n').toString();
    }

    /** The GBNF expression of one schema, adding the rules it needs. */
    private String visit(JsonNode schema, String path, String hint, int depth) throws UnsupportedSchemaException {
        if (depth > MAX_DEPTH) {
            throw new UnsupportedSchemaException("depth", path, "schemas nested deeper than " + MAX_DEPTH
                    + " levels are not supported");
        }
        if (schema.isBoolean()) {
            if (!schema.asBoolean()) {
                throw new UnsupportedSchemaException("false", path, "the schema false matches nothing");
            }
            return "value";
        }
        if (!schema.isObject()) {
            throw new UnsupportedSchemaException("schema", path, "a schema must be an object or a boolean");
        }
        SchemaKeywords.check(schema, path, depth == 0);
        if (schema.has("$ref")) {
            SchemaKeywords.requireAlone(schema, "$ref", path);
            return reference(schema.get("$ref"), path + ".$ref", depth);
        }
        if (schema.has("anyOf")) {
            SchemaKeywords.requireAlone(schema, "anyOf", path);
            return anyOf(schema.get("anyOf"), path + ".anyOf", hint, depth);
        }
        if (schema.has("const")) {
            return literal(schema.get("const"));
        }
        if (schema.has("enum")) {
            return enumeration(schema.get("enum"), path + ".enum");
        }
        List<String> types = types(schema, path);
        if (types.isEmpty()) {
            return "value";
        }
        long outer = branch(types.size(), "type", path + ".type");
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
    private long branch(int count, String keyword, String path) throws UnsupportedSchemaException {
        long outer = branches;
        if (count > 1) {
            withAlternatives.addAll(inProgress);
            branches = outer * count;
            if (branches > MAX_BRANCHES) {
                throw new UnsupportedSchemaException(keyword, path, "more than " + MAX_BRANCHES
                        + " alternatives (anyOf options and type lists, multiplied through nesting) are not supported");
            }
        }
        return outer;
    }

    private List<String> types(JsonNode schema, String path) throws UnsupportedSchemaException {
        JsonNode type = schema.get("type");
        List<String> types = new ArrayList<>();
        if (type == null) {
            if (schema.has("properties") || schema.has("required") || schema.has("additionalProperties")) {
                types.add("object");
            } else if (schema.has("items") || schema.has("minItems") || schema.has("maxItems")) {
                types.add("array");
            } else if (schema.has("minLength") || schema.has("maxLength")) {
                types.add("string");
            }
            return types;
        }
        List<JsonNode> names = type.isArray() ? type.valueStream().toList() : List.of(type);
        for (JsonNode name : names) {
            if (!name.isString() || !TYPES.contains(name.asString())) {
                throw new UnsupportedSchemaException("type", path + ".type", "unsupported type " + name
                        + " (supported: " + String.join(", ", new java.util.TreeSet<>(TYPES)) + ")");
            }
            if (!types.contains(name.asString())) {
                types.add(name.asString());
            }
        }
        if (types.isEmpty()) {
            throw new UnsupportedSchemaException("type", path + ".type", "an empty type list matches nothing");
        }
        return types;
    }

    private String object(JsonNode schema, String path, String hint, int depth) throws UnsupportedSchemaException {
        JsonNode properties = schema.get("properties");
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isBoolean()) {
            throw new UnsupportedSchemaException("additionalProperties", path + ".additionalProperties",
                    "additionalProperties must be true or false; a schema there is not supported");
        }
        Set<String> required = new HashSet<>();
        JsonNode requiredNode = schema.get("required");
        if (requiredNode != null) {
            if (!requiredNode.isArray()) {
                throw new UnsupportedSchemaException("required", path + ".required", "required must be an array");
            }
            for (JsonNode name : requiredNode) {
                if (!name.isString() || properties == null || !properties.has(name.asString())) {
                    throw new UnsupportedSchemaException("required", path + ".required", "required property "
                            + name + " is not declared in properties");
                }
                required.add(name.asString());
            }
        }
        if (properties == null) {
            // No declared properties: any object, unless none may be added.
            return additional != null && !additional.asBoolean() ? "\"{\" ws \"}\"" : "object";
        }
        if (!properties.isObject()) {
            throw new UnsupportedSchemaException("properties", path + ".properties", "properties must be an object");
        }
        if (properties.size() > MAX_MEMBERS) {
            throw new UnsupportedSchemaException("properties", path + ".properties", "more than " + MAX_MEMBERS
                    + " properties are not supported");
        }
        String name = newRule(hint);
        List<String> members = new ArrayList<>();
        List<Boolean> mandatory = new ArrayList<>();
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            String key = property.getKey();
            String value = visit(property.getValue(), path + ".properties." + key, name + "-" + key, depth + 1);
            members.add(Gbnf.literal(WireJson.mapper().writeValueAsString(key)) + " ws \":\" ws " + value + " ws");
            mandatory.add(required.contains(key));
        }
        rules.put(name, "\"{\" ws " + members(name, members, mandatory) + " \"}\"");
        return name;
    }

    /**
     * The members of an object in order, each optional one skippable, commas only between members given. Rule
     * {@code name-restN} follows a member already written (so each of its members starts with a comma);
     * {@code name-firstN} starts the object.
     */
    private String members(String name, List<String> members, List<Boolean> mandatory) {
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
            rest = rule(name + "-rest" + i, restRule);
            first = rule(name + "-first" + i, firstRule);
        }
        return first;
    }

    private String array(JsonNode schema, String path, String hint, int depth) throws UnsupportedSchemaException {
        int min = count(schema, "minItems", path, 0);
        int max = count(schema, "maxItems", path, -1);
        if (max >= 0 && min > max) {
            throw new UnsupportedSchemaException("minItems", path + ".minItems", "minItems " + min
                    + " is over maxItems " + max);
        }
        String name = newRule(hint);
        JsonNode items = schema.get("items");
        if (items != null && !items.isObject() && !items.isBoolean()) {
            throw new UnsupportedSchemaException("items", path + ".items", "items must be a schema");
        }
        String item = items == null ? "value" : visit(items, path + ".items", name + "-item", depth + 1);
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
        rules.put(name, body);
        return name;
    }

    private String string(JsonNode schema, String path, String hint) throws UnsupportedSchemaException {
        int min = count(schema, "minLength", path, 0);
        int max = count(schema, "maxLength", path, -1);
        if (max >= 0 && min > max) {
            throw new UnsupportedSchemaException("minLength", path + ".minLength", "minLength " + min
                    + " is over maxLength " + max);
        }
        if (min == 0 && max < 0) {
            return "string";
        }
        return rule(newRule(hint), "\"\\\"\" " + (max == 0 ? "" : "char" + Gbnf.repeat(min, max) + " ") + "\"\\\"\"");
    }

    private static int count(JsonNode schema, String keyword, String path, int absent)
            throws UnsupportedSchemaException {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return absent;
        }
        // canConvertToInt first: asInt/asLong throw on a big integer (100000000000000000000), which is valid JSON.
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0
                || value.intValue() > MAX_COUNT) {
            throw new UnsupportedSchemaException(keyword, path + "." + keyword, keyword
                    + " must be an integer from 0 to " + MAX_COUNT + ", got " + value);
        }
        return value.intValue();
    }

    private String anyOf(JsonNode options, String path, String hint, int depth) throws UnsupportedSchemaException {
        if (!options.isArray() || options.isEmpty()) {
            throw new UnsupportedSchemaException("anyOf", path, "anyOf must be a non-empty array of schemas");
        }
        long outer = branch(options.size(), "anyOf", path);
        List<String> alternatives = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            alternatives.add(visit(options.get(i), path + "[" + i + "]", hint + "-" + i, depth + 1));
        }
        branches = outer;
        return "( " + String.join(" | ", alternatives) + " )";
    }

    private static String enumeration(JsonNode values, String path) throws UnsupportedSchemaException {
        if (!values.isArray() || values.isEmpty() || values.size() > MAX_MEMBERS) {
            throw new UnsupportedSchemaException("enum", path, "enum must be an array of 1 to " + MAX_MEMBERS
                    + " values");
        }
        List<String> alternatives = new ArrayList<>();
        for (JsonNode value : values) {
            alternatives.add(literal(value));
        }
        return "( " + String.join(" | ", alternatives) + " )";
    }

    /** The exact compact JSON text of a value (for const and enum). */
    private static String literal(JsonNode value) {
        return Gbnf.literal(WireJson.mapper().writeValueAsString(value));
    }

    /** {@code #/$defs/NAME} or {@code #/definitions/NAME} of the root schema; a definition is one rule, so it may recurse. */
    private String reference(JsonNode ref, String path, int depth) throws UnsupportedSchemaException {
        String target = ref.isString() ? ref.asString() : "";
        String section = target.startsWith("#/$defs/") ? "$defs"
                : target.startsWith("#/definitions/") ? "definitions" : null;
        if (section == null) {
            throw new UnsupportedSchemaException("$ref", path, "only references to #/$defs/NAME or "
                    + "#/definitions/NAME of the root schema are supported, got " + ref);
        }
        String key = target.substring(section.length() + 3);
        JsonNode definition = root.path(section).get(key);
        if (definition == null) {
            throw new UnsupportedSchemaException("$ref", path, "reference " + ref + " names no definition");
        }
        String existing = definitionRules.get(target);
        if (existing != null) {
            if (inProgress.contains(target)) {
                recursive.add(target);
            }
            return existing;
        }
        String name = newRule("def-" + key);
        definitionRules.put(target, name);
        rules.put(name, ""); // keeps its place (and stops recursion) while the body is built
        inProgress.addLast(target);
        rules.put(name, visit(definition, rootPath + "." + section + "." + key, name, depth + 1));
        inProgress.removeLast();
        return name;
    }

    private String rule(String name, String body) {
        rules.put(name, body);
        return name;
    }

    private String newRule(String hint) {
        String base = Gbnf.ruleName(hint);
        String name = base;
        for (int i = 2; !names.add(name); i++) {
            name = base + "-" + i;
        }
        return name;
    }
}
