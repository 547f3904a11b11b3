package dev.parley.schemas.format;

/**
 * The caps that keep building a response-format grammar cheap whatever the schema: the build runs in time linear in
 * the schema, and these bound the schema, the grammar and so the work. A schema over a cap is refused with
 * {@code unsupported_schema} and the JSON path where the cap was met (see {@code docs/structured-output.md}).
 *
 * @param maxSchemaBytes  largest schema accepted, as compact JSON
 * @param maxRules        most grammar rules one schema may need (an object needs two per property, plus one)
 * @param maxGrammarBytes largest grammar text
 * @param maxDepth        deepest nesting of schemas
 */
public record GrammarLimits(int maxSchemaBytes, int maxRules, int maxGrammarBytes, int maxDepth) {

    /** 128 KiB: far above real response formats, far below {@code max-prompt-bytes}. */
    public static final int DEFAULT_MAX_SCHEMA_BYTES = 128 * 1024;
    /** 8192 rules: about 4000 properties. */
    public static final int DEFAULT_MAX_RULES = 8192;
    /** 1 MiB of GBNF, which llama.cpp parses on the turn and engine threads. */
    public static final int DEFAULT_MAX_GRAMMAR_BYTES = 1024 * 1024;
    /** 32 levels of nested schemas. */
    public static final int DEFAULT_MAX_DEPTH = 32;

    /** The limits every Parley component applies, so the gateway, the SDK and the worker agree on what is refused. */
    public static final GrammarLimits DEFAULTS = new GrammarLimits(DEFAULT_MAX_SCHEMA_BYTES, DEFAULT_MAX_RULES,
            DEFAULT_MAX_GRAMMAR_BYTES, DEFAULT_MAX_DEPTH);

    public GrammarLimits {
        require(maxSchemaBytes >= 2, "maxSchemaBytes", maxSchemaBytes);
        require(maxRules >= 1, "maxRules", maxRules);
        require(maxGrammarBytes >= 1024, "maxGrammarBytes", maxGrammarBytes);
        require(maxDepth >= 1, "maxDepth", maxDepth);
    }

    private static void require(boolean ok, String name, int value) {
        if (!ok) {
            throw new IllegalArgumentException(name + " is too small: " + value);
        }
    }
}
