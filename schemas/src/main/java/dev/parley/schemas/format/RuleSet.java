package dev.parley.schemas.format;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The rules of one grammar being built: names unique in constant time, and the rule and byte caps of
 * {@link GrammarLimits} checked as rules are added, so no schema makes the build slow or the grammar huge.
 */
final class RuleSet {

    private static final Set<String> SHARED_RULES = Set.of("root", "value", "object", "array", "string", "char",
            "number", "integer", "boolean", "null", "ws");

    private final GrammarLimits limits;
    private final Map<String, String> rules = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>(SHARED_RULES);
    /** Per base name, the next suffix to try: finding a free name never re-probes the suffixes already given. */
    private final Map<String, Integer> nextSuffix = new HashMap<>();
    private long grammarBytes;
    private long probes;

    RuleSet(GrammarLimits limits) {
        this.limits = limits;
    }

    /** A fresh rule name made from {@code hint} (see {@link Gbnf#ruleName}). */
    String fresh(String hint, SchemaPath path) throws UnsupportedSchemaException {
        return reserve(Gbnf.ruleName(hint), path);
    }

    /**
     * Registers {@code base}, or {@code base-N} with the smallest N not yet given for that base when it is taken.
     * Each taken name is skipped at most once per base, so reserving k names costs O(k) in all.
     */
    String reserve(String base, SchemaPath path) throws UnsupportedSchemaException {
        String name = base;
        probes++;
        if (!names.add(name)) {
            int suffix = nextSuffix.getOrDefault(base, 2);
            for (name = base + "-" + suffix; !names.add(name); name = base + "-" + suffix) {
                suffix++;
                probes++;
            }
            nextSuffix.put(base, suffix + 1);
        }
        if (names.size() - SHARED_RULES.size() > limits.maxRules()) {
            throw new UnsupportedSchemaException("schema", path.toString(), "the schema needs more than "
                    + limits.maxRules() + " grammar rules; simplify it (fewer properties or nested schemas)");
        }
        return name;
    }

    /** Sets the body of a reserved rule. */
    void define(String name, String body, SchemaPath path) throws UnsupportedSchemaException {
        String old = rules.put(name, body);
        grammarBytes += name.length() + body.length() + 6 - (old == null ? 0 : name.length() + old.length() + 6);
        checkSize(path);
    }

    /** The grammar text: {@code root} first, then the rules in the order they were first defined, then JSON's rules. */
    String render(String rootBody, SchemaPath path) throws UnsupportedSchemaException {
        grammarBytes += rootBody.length() + Gbnf.JSON_RULES.length() + 10;
        checkSize(path);
        StringBuilder out = new StringBuilder((int) grammarBytes).append("root ::= ").append(rootBody).append('\n');
        rules.forEach((name, rule) -> out.append(name).append(" ::= ").append(rule).append('\n'));
        return out.append(Gbnf.JSON_RULES).append('\n').toString();
    }

    /** Name lookups made so far: at most about twice the names reserved (a measure of work that tests can check). */
    long probes() {
        return probes;
    }

    private void checkSize(SchemaPath path) throws UnsupportedSchemaException {
        if (grammarBytes > limits.maxGrammarBytes()) {
            throw new UnsupportedSchemaException("schema", path.toString(), "the schema's grammar would exceed "
                    + limits.maxGrammarBytes() + " bytes; simplify it (fewer or shorter properties, enums, consts)");
        }
    }
}
