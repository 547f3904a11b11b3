package dev.parley.worker.engine.tools;

import dev.parley.schemas.Tool;
import dev.parley.schemas.ToolChoice;
import dev.parley.schemas.format.JsonSchemaGrammar;
import dev.parley.schemas.format.UnsupportedSchemaException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The grammar of a call under {@code tool_choice: auto}, in the syntax of the model's family, that holds only from
 * the moment the model starts a call (llama.cpp's lazy grammar, as its {@code common/chat} sets one up per family):
 * the text before stays free, and a call once started can only end parsed, naming one of the tools with arguments
 * that match its schema. After the calls only the end of the answer may follow (not even whitespace, which a small
 * model would spin out to the grammar's bound), so no text trails them.
 *
 * <p>Each trigger ends at the end of the text generated so far ({@code $}), so it fires on the very token that
 * completes it and the grammar is fed the trigger and at most the whitespace the grammar allows after it: llama.cpp
 * throws across the C ABI (ending the JVM) when the text it feeds at the trigger is refused. A call the model starts
 * otherwise (a token that runs past the trigger, {@code {"type": "function", ...}} for Llama 3.x) is not held; it is
 * parsed after, as before.
 *
 * @param gbnf     the grammar, start rule {@code root}
 * @param triggers the patterns (ECMAScript, as llama.cpp compiles them) that start it
 */
public record LazyToolGrammar(String gbnf, List<String> triggers) {

    /** The grammar's whitespace, {@code ws ::= [ \t\n]{0,16}}: all a trigger may take after the text it names. */
    private static final String WS = "[ \\t\\n]{0,16}";
    /** The opening of a call as a bare JSON object, up to the name's first quote. */
    private static final String JSON_CALL = "(\\{" + WS + "\"name\"" + WS + ":" + WS + "\"?)$";

    public LazyToolGrammar {
        triggers = List.copyOf(triggers);
        if (triggers.isEmpty()) {
            throw new IllegalArgumentException("a lazy grammar needs a trigger");
        }
    }

    /**
     * The lazy grammar of a call of any of {@code tools} in {@code syntax}; with {@code parallel} several calls in a
     * row where the family writes several (not in the generic form, which is one JSON object).
     *
     * @throws UnsupportedSchemaException when a tool's parameters fall outside the converter's subset (the path
     *                                    names the tool)
     */
    public static LazyToolGrammar forFamily(List<Tool> tools, ToolSyntax syntax, boolean parallel)
            throws UnsupportedSchemaException {
        String argumentsKey = syntax == ToolSyntax.LLAMA3 ? "parameters" : "arguments";
        String call = JsonSchemaGrammar.forSchema(ToolGrammar.schema(tools, ToolChoice.AUTO, argumentsKey), "$.tools");
        // the converter's start rule becomes one call; the family's syntax around it is the new start rule
        String rules = "tool-call ::= " + call.substring("root ::= ".length());
        return switch (syntax) {
            case HERMES -> new LazyToolGrammar(root(
                    "\"<tool_call>\" ws tool-call ws \"</tool_call>\"", "ws", parallel) + rules,
                    List.of("(<tool_call>" + WS + ")$"));
            case MISTRAL -> new LazyToolGrammar("root ::= \"[TOOL_CALLS]\" ws \"[\" ws tool-call ws"
                    + (parallel ? " ( \",\" ws tool-call ws )*" : "") + " \"]\"\n" + rules,
                    List.of("(\\[TOOL_CALLS\\]" + WS + ")$"));
            // <|python_tag|> may come first; the grammar starts at the brace
            case LLAMA3 -> new LazyToolGrammar(root("tool-call", "ws \";\" ws", parallel) + rules,
                    List.of("^\\s*(?:<\\|python_tag\\|>\\s*)?" + JSON_CALL));
            case GENERIC -> new LazyToolGrammar(root("tool-call", "", false) + rules, List.of("^\\s*" + JSON_CALL));
        };
    }

    private static String root(String one, String separator, boolean parallel) {
        return "root ::= " + one + (parallel ? " ( " + separator + " " + one + " )*" : "") + "\n";
    }

    /**
     * Whether {@code text}, a finished answer, started a call this grammar holds: a trigger matched some prefix of
     * it. Java reads these patterns as ECMAScript does (no construct they use differs).
     */
    public boolean startedIn(String text) {
        for (String trigger : triggers) {
            // a trigger matches a prefix exactly when, without its end anchor, it is found in the text
            if (Pattern.compile(trigger.substring(0, trigger.length() - 1)).matcher(text).find()) {
                return true;
            }
        }
        return false;
    }
}
